//! The binary as users run it: exit codes, formats, errors, masking, allowlist.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn guardrails(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guardrails"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run guardrails")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn read_json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

const SECRETS: &[&str] = &[
    "AKIA2E0A8F3B244C9986",
    "S3cure!Passw0rd2024",
    "sk_live_4eC39HqLyjWDarjtT1zdp7dcX9",
    "Xk9#mP2vL8qR4tZ7",
];

#[test]
fn quickstart_vulnerable_exits_2_and_safe_exits_0() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("artifacts/scan.json");
    let o = guardrails(
        &root(),
        &[
            "scan",
            "--template",
            "testdata/templates/app-sam.yaml",
            "--source",
            "testdata/functions/vulnerable",
            "--format",
            "json",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let j = read_json(&out);
    assert_eq!(j["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(j["passed"], false);
    let s = &j["summary"];
    let total: u64 = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO"]
        .iter()
        .map(|k| s[k].as_u64().unwrap())
        .sum();
    assert_eq!(s["TOTAL"].as_u64().unwrap(), total);
    let findings = j["findings"].as_array().unwrap();
    let rules: std::collections::BTreeSet<&str> = findings
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    for r in [
        "CODE001", "CODE002", "CODE003", "CODE004", "CODE005", "CODE006", "ENV003",
    ] {
        assert!(rules.contains(r), "vulnerable sample lacks {r}: {rules:?}");
    }
    for f in findings {
        for k in [
            "rule_id",
            "severity",
            "resource_id",
            "description",
            "remediation",
            "file",
            "line",
            "column",
            "suppressed",
        ] {
            assert!(!f[k].is_null(), "finding lacks {k}: {f}");
        }
    }
    // Code findings name the function resource whose Handler is the file.
    let code_finding = findings.iter().find(|f| f["rule_id"] == "CODE001").unwrap();
    assert_eq!(code_finding["file"], "testdata/functions/vulnerable/app.py");
    assert_eq!(code_finding["function"], "OrdersApiFunction");

    let safe = tmp.path().join("artifacts/scan_safe.json");
    let o = guardrails(
        &root(),
        &[
            "scan",
            "--template",
            "testdata/templates/app-sam.yaml",
            "--source",
            "testdata/functions/safe",
            "--format",
            "json",
            "--out",
            safe.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let j = read_json(&safe);
    assert_eq!(j["passed"], true);
    assert_eq!(j["summary"]["HIGH"], 0);
    assert_eq!(j["summary"]["CRITICAL"], 0);
}

#[test]
fn no_arguments_discovers_templates_and_follows_code_uri() {
    let o = guardrails(
        &root().join("testdata/templates"),
        &["scan", "--format", "json"],
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    let findings = j["findings"].as_array().unwrap();
    let cmd = findings
        .iter()
        .find(|f| f["rule_id"] == "CODE001")
        .expect("code followed from CodeUri");
    assert_eq!(cmd["file"], "../functions/vulnerable/app.py");
    assert_eq!(cmd["function"], "OrdersApiFunction");
    // Every template family fires on the vulnerable template.
    for prefix in ["IAM0", "ENV0", "VPC0", "LMB0"] {
        assert!(
            findings.iter().any(|f| f["file"] == "vulnerable-sam.yaml"
                && f["rule_id"].as_str().unwrap().starts_with(prefix)),
            "no {prefix} finding"
        );
    }
    // The safe template yields nothing at HIGH or above.
    assert!(
        !findings.iter().any(|f| f["file"] == "app-sam.yaml"
            && (f["severity"] == "HIGH" || f["severity"] == "CRITICAL"))
    );
}

#[test]
fn several_formats_from_one_run_and_no_secret_anywhere() {
    let tmp = tempfile::tempdir().unwrap();
    let p = |n: &str| tmp.path().join(n).to_str().unwrap().to_string();
    let o = guardrails(
        &root(),
        &[
            "scan",
            "-t",
            "testdata/templates/vulnerable-sam.yaml",
            "-s",
            "testdata/functions/vulnerable",
            "--format",
            "text",
            "--output",
            &format!("json={}", p("scan.json")),
            "--output",
            &format!("sarif={}", p("scan.sarif")),
            "--output",
            &format!("markdown={}", p("summary.md")),
        ],
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let mut all = String::from_utf8_lossy(&o.stdout).into_owned();
    all.push_str(&stderr(&o));
    for f in ["scan.json", "scan.sarif", "summary.md"] {
        all.push_str(&std::fs::read_to_string(tmp.path().join(f)).unwrap());
    }
    for s in SECRETS {
        assert!(!all.contains(s), "secret {}… leaked", &s[..4]);
    }
    assert!(all.contains("AKIA****"), "masked key shown for recognition");
    let md = std::fs::read_to_string(tmp.path().join("summary.md")).unwrap();
    assert!(md.starts_with("<!-- guardrails -->"));
    assert!(md.contains("| CRITICAL |"));
    let sarif = read_json(&tmp.path().join("scan.sarif"));
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(!uri.starts_with('/') && !uri.starts_with("file:"), "{uri}");
        assert!(r["partialFingerprints"]["guardrails/v1"].is_string());
    }
}

#[test]
fn bad_inputs_are_reported_and_the_rest_is_scanned() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let w = |n: &str, b: &[u8]| std::fs::write(d.join(n), b).unwrap();
    w("good.yaml", b"AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  P:\n    Type: AWS::Lambda::Permission\n    Properties:\n      Action: lambda:InvokeFunction\n      FunctionName: f\n      Principal: '*'\n");
    w(
        "malformed.yaml",
        b"AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  A: [unclosed\n",
    );
    w("dupes.yaml", b"AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  A:\n    Type: AWS::S3::Bucket\n  A:\n    Type: AWS::S3::Bucket\n");
    let mut bomb = String::from(
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  a: &a [x, x, x, x, x, x, x, x, x]\n",
    );
    let mut prev = 'a';
    for c in 'b'..='j' {
        bomb.push_str(&format!("  {c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        prev = c;
    }
    w("bomb.yaml", bomb.as_bytes());
    w(
        "deep.json",
        format!(
            "{{\"AWSTemplateFormatVersion\": \"2010-09-09\", \"Resources\": {}{}}}",
            "[".repeat(5000),
            "]".repeat(5000)
        )
        .as_bytes(),
    );
    w(
        "latin1.yaml",
        b"AWSTemplateFormatVersion: '2010-09-09'\nDescription: caf\xe9\nResources: {}\n",
    );
    w(
        "binary.yaml",
        b"AWSTemplateFormatVersion\x00\x01\x02Resources",
    );
    w("empty.yaml", b"");
    w("notes.yaml", b"just: some config\n");
    let mut args = vec!["scan", "--format", "json"];
    let names = [
        "good.yaml",
        "malformed.yaml",
        "dupes.yaml",
        "bomb.yaml",
        "deep.json",
        "latin1.yaml",
        "binary.yaml",
        "empty.yaml",
    ];
    for n in names {
        args.push("--template");
        args.push(n);
    }
    let start = std::time::Instant::now();
    let o = guardrails(d, &args);
    assert!(start.elapsed().as_secs() < 20, "bounded time");
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let err = stderr(&o);
    for (file, needle) in [
        ("malformed.yaml:", ""),
        ("dupes.yaml:5:", "duplicate key 'A'"),
        ("bomb.yaml:", "alias"),
        ("deep.json:1:", "nesting"),
        ("latin1.yaml:2:", "UTF-8"),
        ("binary.yaml:", "binary"),
        ("empty.yaml:", "empty"),
    ] {
        assert!(
            err.lines().any(|l| l.contains(file) && l.contains(needle)),
            "no error for {file} {needle}:\n{err}"
        );
    }
    assert!(!err.contains("panicked"));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["errors"].as_array().unwrap().len(), 7);
    assert!(
        j["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule_id"] == "LMB002" && f["file"] == "good.yaml")
    );

    // Directory discovery skips files that are not CloudFormation (notes.yaml) silently.
    std::fs::remove_file(d.join("malformed.yaml")).unwrap();
    let o = guardrails(d, &["scan", "--template", ".", "--format", "json"]);
    assert!(!stderr(&o).contains("notes.yaml"));
}

#[test]
fn allowlist_suppresses_expires_and_validates() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::write(d.join("t.yaml"), "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Open:\n    Type: AWS::Lambda::Permission\n    Properties:\n      Action: lambda:InvokeFunction\n      FunctionName: f\n      Principal: '*'\n").unwrap();
    let allow = |body: &str| std::fs::write(d.join(".guardrails-allow.json"), body).unwrap();

    allow(
        r#"{"allowlist":[{"id":"PUB_1","rule_id":"LMB*","resource_id":"Open","reason":"public webhook, reviewed","expires_at":"2099-01-01T00:00:00Z","created_by":"security-team"}]}"#,
    );
    let o = guardrails(d, &["scan", "-t", "t.yaml", "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = &j["findings"][0];
    assert_eq!(f["suppressed"], true);
    assert_eq!(f["suppression"]["reason"], "public webhook, reviewed");
    assert_eq!(f["suppression"]["id"], "PUB_1");
    assert_eq!(j["summary"]["TOTAL"], 0);

    allow(
        r#"{"allowlist":[{"id":"OLD_1","rule_id":"NOPE*","reason":"x","expires_at":"2025-12-31T00:00:00Z"}]}"#,
    );
    let o = guardrails(
        d,
        &[
            "scan",
            "-t",
            "t.yaml",
            "--format",
            "json",
            "--fail-on",
            "critical",
        ],
    );
    assert_eq!(
        code(&o),
        4,
        "expired entry fails the build even with nothing found"
    );
    assert!(stderr(&o).contains("OLD_1") && stderr(&o).contains("expired"));

    allow(r#"{"allowlist":[{"id":"NO_REASON","rule_id":"LMB002","expires_at":"2099-01-01"}]}"#);
    let o = guardrails(d, &["scan", "-t", "t.yaml", "--format", "json"]);
    assert_eq!(code(&o), 4);
    assert!(
        stderr(&o).contains("NO_REASON") && stderr(&o).contains("`reason`"),
        "{}",
        stderr(&o)
    );

    // The documented shape: a path-suffix resource and env_names narrowing to one variable.
    let code_allow = d.join("code-allow.json");
    std::fs::write(&code_allow, r#"{"allowlist":[{"id":"ENV_TEMP_001","rule_id":"ENV*","resource_id":"functions/vulnerable/app.py","env_names":["DB_PASSWORD"],"reason":"QA temp password","expires_at":"2099-12-31T00:00:00Z","created_by":"security-team"}]}"#).unwrap();
    let o = guardrails(
        &root(),
        &[
            "scan",
            "-s",
            "testdata/functions/vulnerable",
            "--format",
            "json",
            "--allowlist",
            code_allow.to_str().unwrap(),
        ],
    );
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    let env: Vec<&Value> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "ENV003")
        .collect();
    assert_eq!(env.len(), 2);
    for f in env {
        assert_eq!(
            f["suppressed"] == true,
            f["env_name"] == "DB_PASSWORD",
            "{f}"
        );
    }

    // --allowlist PATH and --no-allowlist
    let o = guardrails(
        d,
        &["scan", "-t", "t.yaml", "--format", "json", "--no-allowlist"],
    );
    assert_eq!(code(&o), 2);
    let o = guardrails(d, &["scan", "-t", "t.yaml", "--allowlist", "missing.json"]);
    assert_eq!(code(&o), 4);
}

#[test]
fn usage_errors_and_rules_listing() {
    let o = guardrails(&root(), &["scan", "--fail-on", "severe"]);
    assert_eq!(code(&o), 64);
    let o = guardrails(&root(), &["scan", "--output", "xml=out.xml"]);
    assert_eq!(code(&o), 64);
    let o = guardrails(&root(), &["frobnicate"]);
    assert_eq!(code(&o), 64);
    let o = guardrails(
        &root(),
        &[
            "scan",
            "--template",
            "does/not/exist.yaml",
            "--format",
            "json",
        ],
    );
    assert_eq!(code(&o), 3);
    let o = guardrails(&root(), &["--version"]);
    assert_eq!(code(&o), 0);

    let o = guardrails(&root(), &["rules", "--format", "json"]);
    assert_eq!(code(&o), 0);
    let rules: Value = serde_json::from_slice(&o.stdout).unwrap();
    let ids: Vec<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), guardrails::rules::registry::RULES.len());
    for r in rules.as_array().unwrap() {
        for k in ["id", "title", "severity", "family", "docs"] {
            assert!(
                r[k].as_str().is_some_and(|s| !s.is_empty()),
                "{k} missing in {r}"
            );
        }
    }
}

#[test]
fn fail_on_threshold() {
    let o = guardrails(
        &root(),
        &[
            "scan",
            "-t",
            "testdata/templates/app-sam.yaml",
            "-s",
            "testdata/functions/safe",
            "--format",
            "json",
            "--fail-on",
            "low",
        ],
    );
    assert_eq!(code(&o), 2, "the safe app still has a LOW egress finding");
}

#[test]
fn fingerprints_survive_line_shifts_and_output_is_deterministic() {
    let tmp = tempfile::tempdir().unwrap();
    let src =
        std::fs::read_to_string(root().join("testdata/templates/vulnerable-sam.yaml")).unwrap();
    std::fs::write(tmp.path().join("t.yaml"), &src).unwrap();
    let run = || guardrails(tmp.path(), &["scan", "-t", "t.yaml", "--format", "json"]).stdout;
    let a = run();
    assert_eq!(a, run(), "same input, same bytes");
    std::fs::write(tmp.path().join("t.yaml"), format!("# header\n\n\n{src}")).unwrap();
    let b = run();
    let prints = |o: &[u8]| -> Vec<String> {
        let j: Value = serde_json::from_slice(o).unwrap();
        let mut v: Vec<String> = j["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["fingerprint"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(prints(&a), prints(&b));
}

#[test]
fn markdown_stays_under_github_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let mut t = String::from("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n");
    for i in 0..3000 {
        t.push_str(&format!("  P{i}:\n    Type: AWS::Lambda::Permission\n    Properties:\n      Action: lambda:InvokeFunction\n      FunctionName: f\n      Principal: '*'\n"));
    }
    std::fs::write(tmp.path().join("big.yaml"), t).unwrap();
    let o = guardrails(
        tmp.path(),
        &["scan", "-t", "big.yaml", "--format", "markdown"],
    );
    assert_eq!(code(&o), 2);
    let md = String::from_utf8(o.stdout).unwrap();
    assert!(md.chars().count() < 65_536);
    assert!(md.contains("<!-- guardrails -->") && md.contains("2990 more"));
}

#[test]
fn changeset_gate_uses_the_new_template() {
    let o = guardrails(
        &root(),
        &[
            "changeset",
            "--file",
            "testdata/rules/CHG004/positive.changeset.json",
            "--template",
            "testdata/templates/vulnerable-sam.yaml",
            "--format",
            "json",
        ],
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = j["findings"].as_array().unwrap();
    let chg = f
        .iter()
        .find(|x| x["rule_id"] == "CHG004" && x["resource_id"] == "PublicInvoke")
        .unwrap();
    assert_eq!(
        chg["severity"], "HIGH",
        "the new template shows Principal '*'"
    );
    assert_eq!(chg["file"], "testdata/rules/CHG004/positive.changeset.json");
    assert!(chg["line"].as_u64().unwrap() > 1);
    // The new template is scanned too.
    assert!(f.iter().any(|x| x["rule_id"] == "LMB002"));

    // Without the template the same change is only MEDIUM: review, not fail.
    let o = guardrails(
        &root(),
        &[
            "changeset",
            "--file",
            "testdata/rules/CHG004/positive.changeset.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = guardrails(
        &root(),
        &[
            "changeset",
            "--file",
            "testdata/rules/CHG003/positive.changeset.json",
            "--format",
            "sarif",
        ],
    );
    assert_eq!(code(&o), 2);
    let o = guardrails(
        &root(),
        &[
            "changeset",
            "--file",
            "testdata/rules/CHG001/negative.changeset.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = guardrails(&root(), &["changeset", "--file", "README.md"]);
    assert_eq!(code(&o), 3);
    assert!(stderr(&o).contains("README.md:1:1"), "{}", stderr(&o));
}

#[test]
fn baseline_gates_only_on_new_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let src =
        std::fs::read_to_string(root().join("testdata/templates/vulnerable-sam.yaml")).unwrap();
    std::fs::write(tmp.path().join("t.yaml"), &src).unwrap();
    let o = guardrails(
        tmp.path(),
        &[
            "scan",
            "-t",
            "t.yaml",
            "--format",
            "json",
            "--out",
            "base.json",
        ],
    );
    assert_eq!(code(&o), 2);
    let known = read_json(&tmp.path().join("base.json"))["summary"]["TOTAL"]
        .as_u64()
        .unwrap();

    let o = guardrails(
        tmp.path(),
        &[
            "scan",
            "-t",
            "t.yaml",
            "--format",
            "json",
            "--baseline",
            "base.json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("{known} known finding(s) carried over")),
        "{}",
        stderr(&o)
    );
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["summary"]["TOTAL"], 0);
    assert!(
        j["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["suppression"]["kind"] == "baseline")
    );

    // Shift every line and add one new problem: only the new one gates.
    let added = format!(
        "# moved\n{src}  NewOpenInvoke:\n    Type: AWS::Lambda::Permission\n    Properties:\n      Action: lambda:InvokeFunction\n      FunctionName: x\n      Principal: '*'\n"
    );
    std::fs::write(tmp.path().join("t.yaml"), added).unwrap();
    let o = guardrails(
        tmp.path(),
        &[
            "scan",
            "-t",
            "t.yaml",
            "--format",
            "json",
            "--baseline",
            "base.json",
        ],
    );
    assert_eq!(code(&o), 2);
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["summary"]["TOTAL"], 1);
    let o = guardrails(
        tmp.path(),
        &["scan", "-t", "t.yaml", "--baseline", "t.yaml"],
    );
    assert_eq!(
        code(&o),
        4,
        "a baseline that is not a report is a configuration error"
    );
}

#[test]
fn in_file_suppressions_metadata_and_comments() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::write(
        d.join("t.yaml"),
        r#"AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Ours:
    Type: AWS::Lambda::Permission
    Metadata:
      guardrails:
        ignore:
          - {id: LMB002, reason: "public webhook, signed payloads"}
    Properties: {Action: lambda:InvokeFunction, FunctionName: f, Principal: '*'}
  FromNag:
    Type: AWS::Lambda::Permission
    Metadata:
      cfn_nag:
        rules_to_suppress:
          - {id: F13, reason: "migrated from cfn_nag"}
    Properties: {Action: lambda:InvokeFunction, FunctionName: f, Principal: '*'}
  FromCheckov:
    Type: AWS::Lambda::Url
    Metadata:
      checkov:
        skip:
          - {id: CKV_AWS_258, comment: "public status page"}
    Properties: {TargetFunctionArn: x, AuthType: NONE}
  ByComment:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: f
      # guardrails:ignore LMB002 invoked by a partner account through a signed URL
      Principal: '*'
  NotSuppressed:
    Type: AWS::Lambda::Permission
    Metadata:
      checkov:
        skip:
          - {id: CKV_AWS_1, comment: "unrelated check"}
    Properties: {Action: lambda:InvokeFunction, FunctionName: f, Principal: '*'}
"#,
    )
    .unwrap();
    std::fs::write(
        d.join("app.py"),
        "import os\n\ndef handler(event, context):\n    os.system(event['cmd'])  # guardrails:ignore CODE001 sandboxed test runner\n    os.system(event['other'])\n",
    )
    .unwrap();
    let o = guardrails(
        d,
        &["scan", "-t", "t.yaml", "-s", "app.py", "--format", "json"],
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    let by = |res: &str| -> Vec<Value> {
        j["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["resource_id"] == res)
            .cloned()
            .collect()
    };
    for (res, kind) in [
        ("Ours", "metadata:guardrails"),
        ("FromNag", "metadata:cfn_nag"),
        ("FromCheckov", "metadata:checkov"),
        ("ByComment", "inline"),
    ] {
        let f = by(res);
        assert_eq!(f.len(), 1, "{res}");
        assert_eq!(f[0]["suppressed"], true, "{res}");
        assert_eq!(f[0]["suppression"]["kind"], kind, "{res}");
    }
    assert_eq!(by("NotSuppressed")[0]["suppressed"], false);
    let code_findings = by("app.py");
    assert_eq!(code_findings.len(), 2);
    assert_eq!(code_findings[0]["suppressed"], true);
    assert_eq!(
        code_findings[0]["suppression"]["reason"],
        "sandboxed test runner"
    );
    assert_eq!(code_findings[1]["suppressed"], false);

    // A suppression without a reason is an input error naming the line.
    std::fs::write(d.join("app.py"), "import os\n\ndef handler(event, context):\n    os.system(event['cmd'])  # guardrails:ignore CODE001\n").unwrap();
    let o = guardrails(d, &["scan", "-s", "app.py", "--format", "json"]);
    assert_eq!(code(&o), 3);
    assert!(stderr(&o).contains("app.py:4:"), "{}", stderr(&o));
}
