//! Our SARIF must pass the SARIF Multitool's GitHub ingestion rules ("Gh;Sarif")
//! with zero errors. The Multitool comes from npm (@microsoft/sarif-multitool); this
//! test installs it into .tools/ when it is missing, so `cargo test` alone is enough.

use std::path::{Path, PathBuf};
use std::process::Command;

const VERSION: &str = "5.7.0";

fn multitool() -> PathBuf {
    if let Ok(p) = std::env::var("GUARDRAILS_SARIF_MULTITOOL") {
        return PathBuf::from(p);
    }
    let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools");
    // The native binary, not the npm shim: the shim runs through a shell that splits "Gh;Sarif".
    let bin = tools.join("node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");
    if !bin.exists() {
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&tools)
            .arg(format!("@microsoft/sarif-multitool@{VERSION}"))
            .status()
            .expect("npm is needed to install the SARIF Multitool");
        assert!(
            status.success(),
            "npm install @microsoft/sarif-multitool failed"
        );
    }
    assert!(
        bin.exists(),
        "SARIF Multitool not found at {}",
        bin.display()
    );
    bin
}

#[test]
fn sarif_passes_github_ingestion_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Suppressed results, code and template results, and an unparsable file, all in one log.
    let allow = tmp.path().join("allow.json");
    std::fs::write(
        &allow,
        r#"{"allowlist":[{"id":"Q1","rule_id":"VPC003","resource_id":"*","reason":"egress reviewed","expires_at":"2099-01-01T00:00:00Z"}]}"#,
    )
    .unwrap();
    let broken = root.join("target/sarif-test-broken.yaml");
    std::fs::create_dir_all(broken.parent().unwrap()).unwrap();
    std::fs::write(
        &broken,
        "AWSTemplateFormatVersion: '2010-09-09'\nResources: [\n",
    )
    .unwrap();
    let sarif = tmp.path().join("results.sarif");
    let o = Command::new(env!("CARGO_BIN_EXE_guardrails"))
        .current_dir(root)
        .args([
            "scan",
            "-t",
            "testdata/templates",
            "-t",
            "target/sarif-test-broken.yaml",
            "-s",
            "testdata/functions/vulnerable",
            "--format",
            "sarif",
            "--allowlist",
        ])
        .arg(&allow)
        // Guard rule results (GUARD.*: rules outside our registry) in the same log.
        .args(if cfg!(feature = "guard") {
            &[
                "-t",
                "testdata/guard/violating.yaml",
                "--rules",
                "testdata/guard/rules",
            ][..]
        } else {
            &[][..]
        })
        .arg("--out")
        .arg(&sarif)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(
        results.iter().any(|r| r["suppressions"].is_array()),
        "a suppressed result is present"
    );
    assert_eq!(
        results
            .iter()
            .any(|r| r["ruleId"].as_str().unwrap().starts_with("GUARD.")),
        cfg!(feature = "guard"),
        "Guard results are present"
    );
    for r in results {
        let sev: f64 = {
            let id = r["ruleId"].as_str().unwrap();
            let rule = log["runs"][0]["tool"]["driver"]["rules"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["id"] == id)
                .unwrap();
            rule["properties"]["security-severity"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap()
        };
        assert!((0.0..=10.0).contains(&sev));
    }

    let out = tmp.path().join("validation.sarif");
    let v = Command::new(multitool())
        .args(["validate", "--rule-kind", "Gh;Sarif", "-o"])
        .arg(&out)
        .arg(&sarif)
        .output()
        .expect("run Sarif.Multitool");
    assert!(
        out.exists(),
        "Multitool wrote no report: {}",
        String::from_utf8_lossy(&v.stdout)
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let errors: Vec<String> = report["runs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|run| run["results"].as_array().cloned().unwrap_or_default())
        .filter(|r| r["level"] == "error")
        .map(|r| format!("{}: {}", r["ruleId"], r["message"]))
        .collect();
    assert!(
        errors.is_empty(),
        "Multitool errors:\n{}",
        errors.join("\n")
    );
    let _ = std::fs::remove_file(broken);
}
