//! `scan --rules`: CloudFormation Guard rule files through the real binary.
#![cfg(feature = "guard")]

use guardrails::template::node::{Kind, Node};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn guardrails(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guardrails"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run guardrails")
}

fn scan_json(args: &[&str]) -> (i32, Value, String) {
    let mut all = vec!["scan", "--format", "json", "--no-allowlist"];
    all.extend_from_slice(args);
    let o = guardrails(&all);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}); stderr: {stderr}"));
    (o.status.code().expect("exit code"), v, stderr)
}

fn guard_findings(report: &Value) -> Vec<&Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"].as_str().unwrap().starts_with("GUARD."))
        .collect()
}

/// (rule, resource, line, severity) of the Guard findings, in report order.
fn summary(report: &Value) -> Vec<(String, String, u64, String)> {
    guard_findings(report)
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["resource_id"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn violating_template_gets_one_finding_per_rule_and_resource() {
    let (code, report, stderr) = scan_json(&[
        "-t",
        "testdata/guard/violating.yaml",
        "--rules",
        "testdata/guard/rules",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(
        summary(&report),
        vec![
            // Statement[0] of the policy: the statement that is not a TLS deny.
            (
                "GUARD.S3_BUCKET_SSL_REQUESTS_ONLY".into(),
                "DataBucketPolicy".into(),
                13,
                "MEDIUM".into()
            ),
            // FunctionUrlConfig.AuthType; `Severity: CRITICAL` in the rule's message.
            (
                "GUARD.SAM_FUNCTION_URL_AUTH_CHECK".into(),
                "ReportFunction".into(),
                25,
                "CRITICAL".into()
            ),
            // AuthType of the AWS::Lambda::Url; `# Severity: HIGH` in the file's header.
            (
                "GUARD.LAMBDA_FUNCTION_URL_AUTH_CHECK".into(),
                "LegacyFunctionUrl".into(),
                38,
                "HIGH".into()
            ),
        ]
    );
    let url = guard_findings(&report)[2];
    assert_eq!(url["column"], 7);
    assert_eq!(
        url["path"],
        "Resources.LegacyFunctionUrl.Properties.AuthType"
    );
    assert_eq!(
        url["description"],
        "Lambda function URLs must require AWS_IAM authentication."
    );
    assert_eq!(
        url["remediation"],
        "Set the AuthType property of the AWS::Lambda::Url resource to AWS_IAM."
    );
    assert_eq!(url["file"], "testdata/guard/violating.yaml");
    let s3 = guard_findings(&report)[0];
    assert_eq!(
        s3["path"],
        "Resources.DataBucketPolicy.Properties.PolicyDocument.Statement[0]"
    );
    // Our own rules still run beside Guard's.
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule_id"] == "LMB001")
    );
}

#[test]
fn guard_severity_sets_the_default_only() {
    let (_, report, _) = scan_json(&[
        "-t",
        "testdata/guard/violating.yaml",
        "--rules",
        "testdata/guard/rules/s3_bucket_ssl_requests_only.guard",
        "--rules",
        "testdata/guard/rules/lambda_function_url_auth.guard",
        "--guard-severity",
        "low",
    ]);
    let sev: Vec<String> = summary(&report).into_iter().map(|s| s.3).collect();
    assert_eq!(sev, ["LOW", "CRITICAL", "HIGH"]);
    let o = guardrails(&["scan", "--guard-severity", "severe", "--rules", "x.guard"]);
    assert_eq!(o.status.code(), Some(64));
}

#[test]
fn compliant_template_passes() {
    let (code, report, stderr) = scan_json(&[
        "-t",
        "testdata/guard/compliant.yaml",
        "--rules",
        "testdata/guard/rules",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(guard_findings(&report).is_empty(), "{report:#}");
    assert_eq!(report["errors"], serde_json::json!([]));
}

#[test]
fn broken_rule_file_is_an_input_error_and_the_rest_still_runs() {
    let (code, report, stderr) = scan_json(&[
        "-t",
        "testdata/guard/violating.yaml",
        "--rules",
        "testdata/guard/broken/broken.guard",
        "--rules",
        "testdata/guard/rules",
    ]);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("testdata/guard/broken/broken.guard:4:36: invalid Guard rules"),
        "{stderr}"
    );
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["file"], "testdata/guard/broken/broken.guard");
    assert_eq!(errors[0]["line"], 4);
    // The good rule files were still evaluated.
    assert_eq!(guard_findings(&report).len(), 3);

    let (code, report, _) = scan_json(&[
        "-t",
        "testdata/guard/compliant.yaml",
        "--rules",
        "testdata/guard/no-such-rules.guard",
    ]);
    assert_eq!(code, 3);
    assert_eq!(
        report["errors"][0]["file"],
        "testdata/guard/no-such-rules.guard"
    );
}

#[test]
fn fingerprints_survive_line_shifts_and_allowlists_apply() {
    let tmp = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(root().join("testdata/guard/violating.yaml")).unwrap();
    let shifted = tmp.path().join("violating.yaml");
    std::fs::write(&shifted, format!("# a\n# b\n# c\n{original}")).unwrap();
    let rules = root().join("testdata/guard/rules");
    let prints = |path: &Path| -> Vec<(String, u64)> {
        let (_, report, _) = scan_json(&[
            "-t",
            path.to_str().unwrap(),
            "--rules",
            rules.to_str().unwrap(),
        ]);
        guard_findings(&report)
            .iter()
            .map(|f| {
                (
                    f["fingerprint"].as_str().unwrap().to_string(),
                    f["line"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    // The same file, before and after three lines are inserted at the top.
    let a = prints(&shifted);
    std::fs::write(&shifted, &original).unwrap();
    let c = prints(&shifted);
    assert_eq!(a.len(), 3);
    for (x, y) in a.iter().zip(&c) {
        assert_eq!(x.0, y.0);
        assert_eq!(x.1, y.1 + 3);
    }

    // An allowlist entry for a Guard id suppresses it like any other finding.
    let allow = tmp.path().join("allow.json");
    std::fs::write(
        &allow,
        r#"{"allowlist":[{"id":"G1","rule_id":"GUARD.*","resource_id":"*","reason":"reviewed","expires_at":"2099-01-01T00:00:00Z"}]}"#,
    )
    .unwrap();
    let o = guardrails(&[
        "scan",
        "--format",
        "json",
        "-t",
        "testdata/guard/violating.yaml",
        "--rules",
        "testdata/guard/rules",
        "--allowlist",
        allow.to_str().unwrap(),
    ]);
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    let g = guard_findings(&report);
    assert_eq!(g.len(), 3);
    assert!(g.iter().all(|f| f["suppressed"] == true));
}

#[test]
fn other_formats_render_guard_findings() {
    for (format, needle) in [
        ("text", "GUARD.LAMBDA_FUNCTION_URL_AUTH_CHECK"),
        ("markdown", "GUARD.LAMBDA_FUNCTION_URL_AUTH_CHECK"),
        ("junit", "GUARD.LAMBDA_FUNCTION_URL_AUTH_CHECK"),
    ] {
        let o = guardrails(&[
            "scan",
            "--no-allowlist",
            "--format",
            format,
            "-t",
            "testdata/guard/violating.yaml",
            "--rules",
            "testdata/guard/rules",
        ]);
        assert_eq!(o.status.code(), Some(2), "{format}");
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(out.contains(needle), "{format}: {out}");
    }
    // SARIF: every Guard result has its rule in tool.driver.rules, at its ruleIndex.
    // (tests/sarif_multitool.rs validates such a log with the SARIF Multitool.)
    let o = guardrails(&[
        "scan",
        "--no-allowlist",
        "--format",
        "sarif",
        "-t",
        "testdata/guard/violating.yaml",
        "--rules",
        "testdata/guard/rules",
    ]);
    let log: Value = serde_json::from_slice(&o.stdout).unwrap();
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let mut seen = 0;
    for r in log["runs"][0]["results"].as_array().unwrap() {
        let i = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
        if r["ruleId"].as_str().unwrap().starts_with("GUARD.") {
            seen += 1;
            assert!(
                rules[i]["properties"]["security-severity"]
                    .as_str()
                    .is_some()
            );
        }
    }
    assert_eq!(seen, 3);
}

/// A YAML test-case `input`, as JSON (our parser reads the YAML, short-form tags included).
fn to_json(n: &Node) -> Value {
    match &n.kind {
        Kind::Null => Value::Null,
        Kind::Bool(b) => Value::Bool(*b),
        Kind::Number(s) => serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone())),
        Kind::Str(s) => Value::String(s.clone()),
        Kind::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        Kind::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|e| (e.key.clone(), to_json(&e.value)))
                .collect(),
        ),
    }
}

/// Runs the rule file's `cfn-guard test` cases (from the cfn-guard crate) through our scan:
/// FAIL must give a GUARD.<rule> finding on that case's template, PASS and SKIP none.
fn upstream_verdicts_match(rules: &str, cases: &str) {
    let dir = root().join("testdata/guard/upstream");
    let text = std::fs::read(dir.join(cases)).unwrap();
    let cases = to_json(&guardrails::template::parse_bytes(&text).unwrap());
    let tmp = tempfile::tempdir().unwrap();
    let mut expected = Vec::new();
    for (i, case) in cases.as_array().unwrap().iter().enumerate() {
        let verdicts = case["expectations"]["rules"].as_object().unwrap();
        assert_eq!(verdicts.len(), 1);
        let (rule, verdict) = verdicts.iter().next().unwrap();
        let input = &case["input"];
        if input.get("Resources").is_none() {
            // Not a template (`{}`): nothing for a template scanner to read. Guard skips it.
            assert_eq!(verdict, "SKIP", "{}", case["name"]);
            continue;
        }
        let file = tmp.path().join(format!("case{i}.json"));
        std::fs::write(&file, serde_json::to_string_pretty(input).unwrap()).unwrap();
        expected.push((
            file,
            format!("GUARD.{rule}"),
            verdict.as_str().unwrap().to_string(),
            case["name"].as_str().unwrap().to_string(),
        ));
    }
    assert!(expected.iter().any(|e| e.2 == "FAIL"));
    assert!(expected.iter().any(|e| e.2 == "PASS"));
    let mut args: Vec<String> = vec!["--rules".into(), dir.join(rules).display().to_string()];
    for e in &expected {
        args.push("-t".into());
        args.push(e.0.display().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (_, report, stderr) = scan_json(&args);
    assert_eq!(report["errors"], serde_json::json!([]), "{stderr}");
    for (file, id, verdict, name) in &expected {
        let name_of = file.file_name().unwrap().to_str().unwrap();
        let failed = guard_findings(&report)
            .iter()
            .any(|f| f["rule_id"] == id.as_str() && f["file"].as_str().unwrap().ends_with(name_of));
        assert_eq!(failed, verdict == "FAIL", "{name}: expected {verdict}");
    }
}

#[test]
fn cfn_guard_sample_s3_bucket_logging_enabled() {
    upstream_verdicts_match(
        "s3_bucket_logging_enabled.guard",
        "s3_bucket_logging_enabled_tests.yaml",
    );
}

#[test]
fn cfn_guard_sample_s3_bucket_server_side_encryption_enabled() {
    upstream_verdicts_match(
        "s3_bucket_server_side_encryption_enabled.guard",
        "s3_bucket_server_side_encryption_enabled_tests.json",
    );
}

#[test]
fn rules_that_name_no_property_land_on_the_template() {
    // A filter-style check (`%var.Statement[ ... ] !empty`) reports no data path.
    let tmp = tempfile::tempdir().unwrap();
    let rules = tmp.path().join("filter.guard");
    std::fs::write(
        &rules,
        "let policies = Resources.*[ Type == 'AWS::S3::BucketPolicy' ]\n\
         rule TLS_DENY_PRESENT when %policies !empty {\n\
         \x20 %policies.Properties.PolicyDocument.Statement[ Effect == \"Deny\" ] !empty\n\
         \x20 << Violation: no deny statement >>\n\
         }\n",
    )
    .unwrap();
    let (code, report, stderr) = scan_json(&[
        "-t",
        "testdata/guard/violating.yaml",
        "--rules",
        rules.to_str().unwrap(),
        "--fail-on",
        "critical",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let g = guard_findings(&report);
    assert_eq!(g.len(), 1, "{report:#}");
    assert_eq!(g[0]["rule_id"], "GUARD.TLS_DENY_PRESENT");
    assert_eq!(g[0]["description"], "no deny statement");
    assert_eq!(g[0]["line"], 4, "the Resources key");
}
