//! `guardrails scan` as a GitHub Actions step (`GITHUB_ACTIONS=true`): job summary,
//! workflow-command annotations within GitHub's caps, and step outputs.

use guardrails::model::Report;
use guardrails::report::markdown;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A workspace with `infra/a,b:c.yaml` (12 IAM001 HIGH, VPC002 HIGH, VPC003 LOW) and
/// `infra/src/app.py` (the vulnerable sample: 2 CRITICAL, 4 HIGH, 2 MEDIUM).
fn workspace() -> tempfile::TempDir {
    let ws = tempfile::tempdir().unwrap();
    let infra = ws.path().join("infra");
    std::fs::create_dir_all(infra.join("src")).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/functions/vulnerable/app.py"),
        infra.join("src/app.py"),
    )
    .unwrap();
    let mut t = String::from("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n");
    for i in 0..12 {
        t.push_str(&format!(
            "  Admin{i}:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyName: admin{i}\n      Roles: [!Ref SomeRole]\n      PolicyDocument:\n        Statement:\n          - Effect: Allow\n            Action: 's3:*'\n            Resource: !Sub 'arn:aws:s3:::b{i}/*'\n"
        ));
    }
    t.push_str(
        "  Sg:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: open\n      SecurityGroupIngress:\n        - IpProtocol: tcp\n          FromPort: 22\n          ToPort: 22\n          CidrIp: 0.0.0.0/0\n      SecurityGroupEgress:\n        - IpProtocol: '-1'\n          CidrIp: 0.0.0.0/0\n",
    );
    std::fs::write(infra.join("a,b:c.yaml"), t).unwrap();
    // CODE005 (MEDIUM) is allowlisted: suppressed findings are not annotated.
    std::fs::write(
        infra.join("allow.json"),
        r#"{"allowlist":[{"id":"A1","rule_id":"CODE005","resource_id":"*","reason":"test endpoint","expires_at":"2099-01-01T00:00:00Z"}]}"#,
    )
    .unwrap();
    ws
}

struct Run {
    out: Output,
    summary: PathBuf,
    outputs: PathBuf,
}

fn scan(ws: &Path, actions: bool, args: &[&str]) -> Run {
    let summary = ws.join("step_summary.md");
    let outputs = ws.join("github_output");
    let _ = std::fs::remove_file(&summary);
    let _ = std::fs::remove_file(&outputs);
    let mut c = Command::new(env!("CARGO_BIN_EXE_guardrails"));
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k.starts_with("GITHUB_") || k.starts_with("RUNNER_") {
            c.env_remove(&k);
        }
    }
    if actions {
        c.env("GITHUB_ACTIONS", "true");
    }
    let out = c
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_WORKSPACE", ws)
        .current_dir(ws.join("infra"))
        .args([
            "scan",
            "-t",
            "a,b:c.yaml",
            "-s",
            "src",
            "--allowlist",
            "allow.json",
        ])
        .args(args)
        .output()
        .unwrap();
    Run {
        out,
        summary,
        outputs,
    }
}

fn lines(b: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(b)
        .lines()
        .map(str::to_string)
        .collect()
}

fn annotations(b: &[u8]) -> Vec<String> {
    lines(b)
        .into_iter()
        .filter(|l| {
            l.starts_with("::error ") || l.starts_with("::warning ") || l.starts_with("::notice ")
        })
        .collect()
}

fn parse_outputs(p: &Path) -> HashMap<String, String> {
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(|l| {
            let (k, v) = l.split_once('=').expect("name=value");
            (k.to_string(), v.to_string())
        })
        .collect()
}

#[test]
fn summary_annotations_and_outputs_with_the_report_on_stdout() {
    let ws = workspace();
    let r = scan(
        ws.path(),
        true,
        &[
            "--format",
            "json",
            "--output",
            "sarif=out/results.sarif",
            "--output",
            "json=out/scan.json",
        ],
    );
    assert_eq!(r.out.status.code(), Some(2));
    // stdout is the JSON report alone: annotations went to stderr.
    let report: Report = serde_json::from_slice(&r.out.stdout).expect("stdout is the JSON report");
    assert!(annotations(&r.out.stdout).is_empty());
    let ann = annotations(&r.out.stderr);
    let stderr = lines(&r.out.stderr).join("\n");

    // Caps: 10 errors of 19 (2 CRITICAL first), 1 warning (the other MEDIUM is
    // suppressed), 1 notice; one line says how many were left out.
    let errors: Vec<&String> = ann.iter().filter(|l| l.starts_with("::error ")).collect();
    let warnings: Vec<&String> = ann.iter().filter(|l| l.starts_with("::warning ")).collect();
    let notices: Vec<&String> = ann.iter().filter(|l| l.starts_with("::notice ")).collect();
    assert_eq!(errors.len(), 10, "{stderr}");
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert_eq!(notices.len(), 1, "{stderr}");
    assert_eq!(ann.len(), 12);
    assert!(
        errors[0].contains(",title=CODE001 CRITICAL::"),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].contains(",title=CODE002 CRITICAL::"),
        "{}",
        errors[1]
    );
    assert!(errors[2..].iter().all(|l| l.contains(" HIGH::")));
    assert!(
        warnings[0].contains("title=ENV003 MEDIUM::"),
        "{}",
        warnings[0]
    );
    assert!(notices[0].contains("title=VPC003 LOW::"), "{}", notices[0]);
    assert!(
        !stderr.contains("CODE005 MEDIUM"),
        "suppressed finding annotated"
    );
    assert!(
        stderr.contains("guardrails: 9 finding(s) not annotated"),
        "{stderr}"
    );
    let unannotated_errors = report
        .findings
        .iter()
        .filter(|f| !f.suppressed && f.severity >= guardrails::model::Severity::High)
        .count()
        - 10;
    assert_eq!(unannotated_errors, 9);

    // Paths are relative to GITHUB_WORKSPACE; property values escape `,` and `:`;
    // messages escape newlines and keep `:`.
    assert!(
        errors[2].starts_with(
            "::error file=infra/a%2Cb%3Ac.yaml,line=11,col=21,title=IAM001 HIGH::Admin0 allows `s3:*`: every action of s3.%0ARemediation: "
        ),
        "{}",
        errors[2]
    );
    assert!(errors[0].starts_with("::error file=infra/src/app.py,line=35,col=11,"));
    assert!(errors[2].contains("%0ARemediation: "));
    assert!(ann.iter().all(|l| !l.contains('\r')));

    // Job summary: the markdown report.
    let summary = std::fs::read_to_string(&r.summary).unwrap();
    assert!(summary.starts_with(markdown::MARKER));
    assert_eq!(summary, markdown::render(&report));

    // Step outputs.
    let o = parse_outputs(&r.outputs);
    let s = &report.summary;
    assert_eq!(o["passed"], "false");
    assert_eq!(o["critical"], s.critical.to_string());
    assert_eq!(o["high"], s.high.to_string());
    assert_eq!(o["medium"], s.medium.to_string());
    assert_eq!(o["low"], s.low.to_string());
    assert_eq!(o["info"], s.info.to_string());
    assert_eq!(o["total"], s.total.to_string());
    assert_eq!((s.critical, s.high, s.medium, s.low), (2, 17, 1, 1));
    assert_eq!(o["sarif-file"], "out/results.sarif");
    assert_eq!(o["json-file"], "out/scan.json");
    assert_eq!(o.len(), 9);
    assert!(ws.path().join("infra/out/results.sarif").is_file());
}

#[test]
fn annotations_on_stdout_when_the_report_goes_to_a_file() {
    let ws = workspace();
    let r = scan(
        ws.path(),
        true,
        &[
            "--format",
            "json",
            "--out",
            "scan.json",
            "--fail-on",
            "CRITICAL",
        ],
    );
    assert_eq!(r.out.status.code(), Some(2));
    assert_eq!(annotations(&r.out.stdout).len(), 12);
    assert!(annotations(&r.out.stderr).is_empty());
    let o = parse_outputs(&r.outputs);
    assert_eq!(o["json-file"], "scan.json");
    assert!(!o.contains_key("sarif-file"));
    // Appending: an earlier step's content is kept.
    let before = "# earlier\n";
    std::fs::write(&r.summary, before).unwrap();
    std::fs::write(&r.outputs, "earlier=1\n").unwrap();

    // A passing run (nothing at or above CRITICAL once CODE001/2 are allowlisted), with
    // --quiet: no annotation on stdout even with --out.
    std::fs::write(
        ws.path().join("infra/allow.json"),
        r#"{"allowlist":[{"id":"A1","rule_id":"CODE00*","resource_id":"*","reason":"r","expires_at":"2099-01-01T00:00:00Z"}]}"#,
    )
    .unwrap();
    let summary = r.summary.clone();
    let outputs = r.outputs.clone();
    let keep_summary = std::fs::read_to_string(&summary).unwrap();
    // Run again without deleting the files this time.
    let mut c = Command::new(env!("CARGO_BIN_EXE_guardrails"));
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("GITHUB_") {
            c.env_remove(&k);
        }
    }
    let out = c
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .current_dir(ws.path().join("infra"))
        .args([
            "scan",
            "-t",
            "a,b:c.yaml",
            "-s",
            "src",
            "--allowlist",
            "allow.json",
            "--format",
            "sarif",
            "--out",
            "g.sarif",
            "--fail-on",
            "CRITICAL",
            "--quiet",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!annotations(&out.stderr).is_empty());
    let s = std::fs::read_to_string(&summary).unwrap();
    assert!(s.starts_with(&keep_summary) && s.contains("passed"), "{s}");
    let o = parse_outputs(&outputs);
    assert_eq!(o["earlier"], "1");
    assert_eq!(o["passed"], "true");
    assert_eq!(o["critical"], "0");
    assert_eq!(o["sarif-file"], "g.sarif");
    assert!(!o.contains_key("json-file"));
}

#[test]
fn nothing_github_specific_outside_actions() {
    let ws = workspace();
    let r = scan(
        ws.path(),
        false,
        &["--format", "json", "--out", "scan.json"],
    );
    assert_eq!(r.out.status.code(), Some(2));
    assert!(r.out.stdout.is_empty());
    assert!(annotations(&r.out.stderr).is_empty());
    assert!(!r.summary.exists());
    assert!(!r.outputs.exists());
}
