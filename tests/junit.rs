//! `--format junit` must be valid JUnit XML for CodeBuild's JUNITXML report groups: the
//! binary's real output is validated against the Jenkins xUnit plugin's junit-10.xsd
//! (tests/schemas/) with `xmllint --schema`. xmllint comes from Debian's libxml2-utils; this
//! test installs it when it is missing (we run as root in CI) and fails if it cannot.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn which(bin: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(bin))
        .find(|p| p.is_file())
}

fn xmllint() -> PathBuf {
    if let Ok(p) = std::env::var("GUARDRAILS_XMLLINT") {
        return PathBuf::from(p);
    }
    if let Some(p) = which("xmllint") {
        return p;
    }
    let ok = Command::new("sh")
        .args([
            "-c",
            "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libxml2-utils",
        ])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "xmllint is missing and `apt-get install libxml2-utils` failed: install it (or set GUARDRAILS_XMLLINT)"
    );
    which("xmllint").expect("xmllint still not on PATH after installing libxml2-utils")
}

fn validate(xml: &Path) {
    let schema = root().join("tests/schemas/junit-10.xsd");
    let o = Command::new(xmllint())
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg(xml)
        .output()
        .expect("run xmllint");
    assert!(
        o.status.success(),
        "{} is not valid against junit-10.xsd:\n{}",
        xml.display(),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn junit_output_is_schema_valid_and_complete() {
    let tmp = tempfile::tempdir().unwrap();
    // Suppresses VPC003 everywhere: a skipped testcase.
    let allow = tmp.path().join("allow.json");
    std::fs::write(
        &allow,
        r#"{"allowlist":[{"id":"Q1","rule_id":"VPC003","resource_id":"*","reason":"egress <reviewed> & \"ok\"","expires_at":"2099-01-01T00:00:00Z"}]}"#,
    )
    .unwrap();
    // An unparsable template: an <error> testcase.
    let broken = tmp.path().join("broken.yaml");
    std::fs::write(
        &broken,
        "AWSTemplateFormatVersion: '2010-09-09'\nResources: [\n",
    )
    .unwrap();
    // Markup and a control character (illegal in XML 1.0) in a file path.
    let odd = tmp.path().join("we&ird<'\"\u{1}>");
    std::fs::create_dir_all(&odd).unwrap();
    std::fs::copy(
        root().join("testdata/functions/vulnerable/app.py"),
        odd.join("app.py"),
    )
    .unwrap();

    let junit = tmp.path().join("out/junit.xml");
    let json = tmp.path().join("out/scan.json");
    let o = Command::new(env!("CARGO_BIN_EXE_guardrails"))
        .current_dir(root())
        .args([
            "scan",
            "-t",
            "testdata/templates",
            "-s",
            "testdata/functions/vulnerable",
            "--format",
            "junit",
            "--fail-on",
            "HIGH",
        ])
        .arg("-t")
        .arg(&broken)
        .arg("-s")
        .arg(odd.join("app.py"))
        .arg("--allowlist")
        .arg(&allow)
        .arg("--out")
        .arg(&junit)
        .arg("--output")
        .arg(format!("json={}", json.display()))
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    validate(&junit);

    let x = std::fs::read_to_string(&junit).unwrap();
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let findings = report["findings"].as_array().unwrap();

    // One testsuite per file, named by its path, in path order.
    let suites: Vec<&str> = x
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("<testsuite name=\""))
        .map(|l| &l[..l.find('"').unwrap()])
        .collect();
    assert!(suites.contains(&"testdata/templates/vulnerable-sam.yaml"));
    assert!(suites.contains(&"testdata/functions/vulnerable/app.py"));
    let mut sorted = suites.clone();
    sorted.sort();
    assert_eq!(suites, sorted);
    assert!(
        x.contains("we&amp;ird&lt;&apos;&quot;&gt;/app.py"),
        "path escaped, control character dropped"
    );
    assert!(!x.contains('\u{1}'));

    // One testcase per rule x resource; failures are exactly the groups holding a gating finding.
    let mut groups = std::collections::BTreeMap::<(String, String), (bool, bool)>::new();
    for f in findings {
        let key = (
            f["rule_id"].as_str().unwrap().to_string(),
            f["resource_id"].as_str().unwrap().to_string(),
        );
        let g = groups.entry(key).or_default();
        let suppressed = f["suppressed"].as_bool().unwrap();
        let sev = f["severity"].as_str().unwrap();
        g.0 |= !suppressed && (sev == "HIGH" || sev == "CRITICAL");
        g.1 |= !suppressed;
    }
    let failures = groups.values().filter(|g| g.0).count();
    let skipped = groups.values().filter(|g| !g.1).count();
    assert_eq!(x.matches("<testcase ").count(), groups.len() + 1);
    assert_eq!(x.matches("<failure ").count(), failures);
    assert_eq!(x.matches("<skipped ").count(), skipped);
    assert!(skipped > 0, "the allowlist suppressed something");
    assert!(x.contains(&format!(
        "<testsuites name=\"guardrails\" tests=\"{}\" failures=\"{failures}\" errors=\"1\"",
        groups.len() + 1
    )));
    assert!(x.contains(
        "<skipped message=\"suppressed: egress &lt;reviewed&gt; &amp; &quot;ok&quot;\"/>"
    ));
    assert!(x.contains("<error message="));
    assert!(x.contains("classname=\"IAM.IAM001\""));
    assert!(x.contains("type=\"CRITICAL\""));
    // Below fail-on: passing testcases that say what they saw.
    assert!(x.contains("below fail-on HIGH (not gating)"));
    // Secrets stay masked here too.
    assert!(!x.contains("AKIA2E0A8F3B244C9986"));

    // Deterministic: a second run is byte-identical.
    let again = tmp.path().join("again.xml");
    let o2 = Command::new(env!("CARGO_BIN_EXE_guardrails"))
        .current_dir(root())
        .args([
            "scan",
            "-t",
            "testdata/templates",
            "-s",
            "testdata/functions/vulnerable",
        ])
        .arg("-t")
        .arg(&broken)
        .arg("-s")
        .arg(odd.join("app.py"))
        .arg("--allowlist")
        .arg(&allow)
        .arg("--output")
        .arg(format!("junit={}", again.display()))
        .output()
        .unwrap();
    assert_eq!(o2.status.code(), Some(3));
    assert_eq!(std::fs::read_to_string(&again).unwrap(), x);
}

#[test]
fn clean_scan_is_schema_valid() {
    let tmp = tempfile::tempdir().unwrap();
    let junit = tmp.path().join("junit.xml");
    let o = Command::new(env!("CARGO_BIN_EXE_guardrails"))
        .current_dir(root())
        .args([
            "scan",
            "-t",
            "testdata/templates/app-sam.yaml",
            "-s",
            "testdata/functions/safe",
            "--no-allowlist",
            "--format",
            "junit",
            "--out",
        ])
        .arg(&junit)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    validate(&junit);
    let x = std::fs::read_to_string(&junit).unwrap();
    assert!(x.contains("failures=\"0\" errors=\"0\""));
    // The LOW finding is reported as a passing testcase.
    assert!(x.contains("name=\"VPC003 FunctionSecurityGroup\""));
    assert!(!x.contains("<failure"));
}
