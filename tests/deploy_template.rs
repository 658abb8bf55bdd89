//! deploy/cis/template.yaml: our own scanner passes it (no unsuppressed HIGH/CRITICAL),
//! and its IAM policies list exactly the AWS calls the `cis` code makes — read and sink
//! calls on the function's role, remediation calls only in the conditional policy.

use guardrails::template::node::{Kind, Node};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

const TEMPLATE: &str = "deploy/cis/template.yaml";

/// Where an SDK call's permission must be granted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Grant {
    /// Role policies (CisRead/CisSinks): every run makes this call.
    Role,
    /// RemediationPolicy only (attached when AutoRemediate=2).
    Remediation,
    /// No IAM permission exists for it (sts:GetCallerIdentity always works).
    None,
}

/// Every SDK operation the `cis` code may call: fluent method → IAM action. A call that
/// is not here fails `every_sdk_call_is_mapped`; add it here AND to the template.
const OPERATIONS: &[(&str, &str, Grant)] = &[
    ("get_caller_identity", "sts:GetCallerIdentity", Grant::None),
    ("get_account_summary", "iam:GetAccountSummary", Grant::Role),
    (
        "get_account_password_policy",
        "iam:GetAccountPasswordPolicy",
        Grant::Role,
    ),
    (
        "generate_credential_report",
        "iam:GenerateCredentialReport",
        Grant::Role,
    ),
    (
        "get_credential_report",
        "iam:GetCredentialReport",
        Grant::Role,
    ),
    ("list_users", "iam:ListUsers", Grant::Role),
    ("get_login_profile", "iam:GetLoginProfile", Grant::Role),
    ("list_mfa_devices", "iam:ListMFADevices", Grant::Role),
    (
        "list_virtual_mfa_devices",
        "iam:ListVirtualMFADevices",
        Grant::Role,
    ),
    (
        "list_attached_user_policies",
        "iam:ListAttachedUserPolicies",
        Grant::Role,
    ),
    ("list_user_policies", "iam:ListUserPolicies", Grant::Role),
    // S3 Control's account-level Block Public Access.
    (
        "get_public_access_block",
        "s3:GetAccountPublicAccessBlock",
        Grant::Role,
    ),
    ("describe_trails", "cloudtrail:DescribeTrails", Grant::Role),
    ("get_trail_status", "cloudtrail:GetTrailStatus", Grant::Role),
    (
        "get_event_selectors",
        "cloudtrail:GetEventSelectors",
        Grant::Role,
    ),
    (
        "describe_metric_filters",
        "logs:DescribeMetricFilters",
        Grant::Role,
    ),
    ("describe_alarms", "cloudwatch:DescribeAlarms", Grant::Role),
    (
        "describe_alarms_for_metric",
        "cloudwatch:DescribeAlarmsForMetric",
        Grant::Role,
    ),
    ("describe_regions", "ec2:DescribeRegions", Grant::Role),
    (
        "describe_security_groups",
        "ec2:DescribeSecurityGroups",
        Grant::Role,
    ),
    (
        "describe_security_group_rules",
        "ec2:DescribeSecurityGroupRules",
        Grant::Role,
    ),
    // Sinks and the apply switch.
    ("batch_write_item", "dynamodb:BatchWriteItem", Grant::Role),
    ("put_item", "dynamodb:PutItem", Grant::Role),
    ("put_object", "s3:PutObject", Grant::Role),
    // Presigning signs a GetObject with the role's credentials.
    ("get_object", "s3:GetObject", Grant::Role),
    ("put_events", "events:PutEvents", Grant::Role),
    ("get_parameter", "ssm:GetParameter", Grant::Role),
    // Remediation.
    (
        "revoke_security_group_ingress",
        "ec2:RevokeSecurityGroupIngress",
        Grant::Remediation,
    ),
    (
        "put_public_access_block",
        "s3:PutAccountPublicAccessBlock",
        Grant::Remediation,
    ),
    ("update_trail", "cloudtrail:UpdateTrail", Grant::Remediation),
    (
        "put_metric_filter",
        "logs:PutMetricFilter",
        Grant::Remediation,
    ),
    (
        "put_metric_alarm",
        "cloudwatch:PutMetricAlarm",
        Grant::Remediation,
    ),
];

/// Actions in the role that no SDK call of ours makes but the Lambda runtime needs.
const RUNTIME_ACTIONS: &[&str] = &[
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
];

/// The SDK crates `cis` links; their `src/operation/<name>/` modules are the universe of
/// operation method names.
const SDK_CRATES: &[&str] = &[
    "aws-sdk-sts",
    "aws-sdk-iam",
    "aws-sdk-s3",
    "aws-sdk-s3control",
    "aws-sdk-cloudtrail",
    "aws-sdk-cloudwatchlogs",
    "aws-sdk-cloudwatch",
    "aws-sdk-ec2",
    "aws-sdk-dynamodb",
    "aws-sdk-eventbridge",
    "aws-sdk-ssm",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Operation names per SDK crate, read from the crates cargo resolved for this build.
fn sdk_operations() -> BTreeMap<String, String> {
    // Host platform only: other targets' dependencies are not downloaded.
    let rustc = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .arg("-vV")
        .output()
        .expect("rustc -vV runs");
    let host = String::from_utf8_lossy(&rustc.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .expect("rustc -vV prints the host");
    let out = Command::new(env!("CARGO"))
        .current_dir(root())
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--filter-platform",
        ])
        .arg(&host)
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut ops = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for p in meta["packages"].as_array().unwrap() {
        let name = p["name"].as_str().unwrap();
        if !SDK_CRATES.contains(&name) {
            continue;
        }
        seen.insert(name.to_string());
        let dir = Path::new(p["manifest_path"].as_str().unwrap())
            .parent()
            .unwrap()
            .join("src/operation");
        for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                ops.insert(
                    e.file_name().to_string_lossy().into_owned(),
                    name.to_string(),
                );
            }
        }
    }
    assert_eq!(seen.len(), SDK_CRATES.len(), "SDK crates found: {seen:?}");
    ops
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// SDK operation calls (`.describe_trails(`) in the code the Lambda runs: src/cis,
/// src/rules/cis and the shared src/aws.rs. Comments and `#[cfg(test)]` modules excluded.
fn calls_in_sources(ops: &BTreeMap<String, String>) -> BTreeMap<String, Vec<String>> {
    let mut files = Vec::new();
    rust_files(&root().join("src/cis"), &mut files);
    rust_files(&root().join("src/rules/cis"), &mut files);
    files.push(root().join("src/aws.rs"));
    let call = regex::Regex::new(r"\.([a-z][a-z0-9_]*)\s*\(").unwrap();
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap();
        for (n, line) in code.lines().enumerate() {
            let line = line.split("//").next().unwrap();
            for c in call.captures_iter(line) {
                let name = &c[1];
                if ops.contains_key(name) {
                    found.entry(name.to_string()).or_default().push(format!(
                        "{}:{}",
                        f.strip_prefix(root()).unwrap().display(),
                        n + 1
                    ));
                }
            }
        }
    }
    found
}

fn strings(node: &Node) -> Vec<String> {
    match &node.kind {
        Kind::Str(s) => vec![s.clone()],
        Kind::Seq(items) => items.iter().flat_map(strings).collect(),
        _ => vec![],
    }
}

/// Allowed actions per resource id: role inline policies and AWS::IAM::Policy resources.
fn template_actions() -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read(root().join(TEMPLATE)).unwrap();
    let tree = guardrails::template::parse_bytes(&text).expect("template parses");
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let Some(resources) = tree.get("Resources").and_then(Node::as_map) else {
        panic!("no Resources");
    };
    for r in resources {
        let ty = r.value.get("Type").and_then(Node::as_str).unwrap_or("");
        let props = r.value.get("Properties");
        let docs: Vec<&Node> = match ty {
            "AWS::IAM::Role" => props
                .and_then(|p| p.get("Policies"))
                .and_then(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .filter_map(|p| p.get("PolicyDocument"))
                .collect(),
            "AWS::IAM::Policy" => props
                .and_then(|p| p.get("PolicyDocument"))
                .into_iter()
                .collect(),
            _ => continue,
        };
        for d in docs {
            for st in d.get("Statement").and_then(Node::as_seq).unwrap_or(&[]) {
                assert_eq!(
                    st.get("Effect").and_then(Node::as_str),
                    Some("Allow"),
                    "{}: only Allow statements expected",
                    r.key
                );
                let actions = strings(st.get("Action").expect("Action"));
                out.entry(r.key.clone()).or_default().extend(actions);
            }
        }
    }
    out
}

#[test]
fn template_passes_our_scanner() {
    let o = Command::new(env!("CARGO_BIN_EXE_guardrails"))
        .current_dir(root())
        .args([
            "scan",
            "--no-allowlist",
            "--format",
            "json",
            "--template",
            TEMPLATE,
        ])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&o.stderr));
    });
    assert!(
        report["errors"].as_array().unwrap().is_empty(),
        "{}",
        report["errors"]
    );
    let blocking: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            matches!(f["severity"].as_str(), Some("HIGH" | "CRITICAL")) && f["suppressed"] != true
        })
        .map(|f| format!("{} {}", f["rule_id"], f["description"]))
        .collect();
    assert!(blocking.is_empty(), "HIGH/CRITICAL findings: {blocking:#?}");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Every suppression carries a reason (the scanner enforces it; keep it that way here).
    for f in report["findings"].as_array().unwrap() {
        if f["suppressed"] == true {
            assert!(!f["suppression"]["reason"].as_str().unwrap_or("").is_empty());
        }
    }
}

#[test]
fn template_shape() {
    let text = std::fs::read_to_string(root().join(TEMPLATE)).unwrap();
    let tree = guardrails::template::parse_bytes(text.as_bytes()).unwrap();
    let res = |id: &str| {
        tree.get_path(&["Resources", id])
            .unwrap_or_else(|| panic!("{id}"))
    };
    let f = res("CisFunction").get("Properties").unwrap();
    assert_eq!(
        f.get("Runtime").and_then(Node::as_str),
        Some("provided.al2023")
    );
    assert_eq!(f.get("Handler").and_then(Node::as_str), Some("bootstrap"));
    assert_eq!(
        tree.get_path(&["Parameters", "ScheduleExpression", "Default"])
            .and_then(Node::as_str),
        Some("rate(24 hours)")
    );
    let keys: Vec<(String, String)> = res("ResultsTable")
        .get_path(&["Properties", "KeySchema"])
        .and_then(Node::as_seq)
        .unwrap()
        .iter()
        .map(|k| {
            (
                k.get("AttributeName")
                    .and_then(Node::as_str)
                    .unwrap()
                    .to_string(),
                k.get("KeyType").and_then(Node::as_str).unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        [("pk".into(), "HASH".into()), ("sk".into(), "RANGE".into())]
    );
    assert_eq!(
        res("RemediationPolicy")
            .get("Condition")
            .and_then(Node::as_str),
        Some("RemediationEnabled")
    );
    assert_eq!(
        res("ApplySwitch")
            .get_path(&["Properties", "Value"])
            .and_then(Node::as_str),
        Some("false")
    );
    // The environment the code reads is the environment the template sets.
    let vars = f
        .get_path(&["Environment", "Variables"])
        .and_then(Node::as_map)
        .unwrap();
    let names: BTreeSet<&str> = vars.iter().map(|e| e.key.as_str()).collect();
    for v in [
        "TABLE_NAME",
        "REPORT_BUCKET",
        "EVENT_BUS_NAME",
        "AUTO_REMEDIATE",
        "AUTO_REMEDIATE_APPLY",
        "REMEDIATION_APPLY_PARAMETER",
        "SCORE_THRESHOLD",
        "ENABLE_HTML",
    ] {
        assert!(names.contains(v), "{v} not set on the function");
    }
}

#[test]
fn every_sdk_call_is_mapped_and_granted() {
    let ops = sdk_operations();
    let calls = calls_in_sources(&ops);
    assert!(
        calls.contains_key("batch_write_item") && calls.contains_key("put_events"),
        "the source scan found no sink calls: {calls:?}"
    );
    let table: BTreeMap<&str, (&str, Grant)> =
        OPERATIONS.iter().map(|(m, a, g)| (*m, (*a, *g))).collect();
    let unmapped: Vec<String> = calls
        .iter()
        .filter(|(m, _)| !table.contains_key(m.as_str()))
        .map(|(m, at)| format!("{m} ({}) at {}", ops[m], at.join(", ")))
        .collect();
    assert!(
        unmapped.is_empty(),
        "SDK calls missing from OPERATIONS in tests/deploy_template.rs (add the IAM action there and to {TEMPLATE}): {unmapped:#?}"
    );

    let actions = template_actions();
    let role: BTreeSet<&String> = actions["CisRole"].iter().collect();
    let remediation: BTreeSet<&String> = actions["RemediationPolicy"].iter().collect();
    let mut wanted_role: BTreeSet<String> = RUNTIME_ACTIONS.iter().map(|s| s.to_string()).collect();
    let mut wanted_remediation = BTreeSet::new();
    for m in calls.keys() {
        let (action, grant) = table[m.as_str()];
        match grant {
            Grant::Role => {
                wanted_role.insert(action.to_string());
            }
            Grant::Remediation => {
                wanted_remediation.insert(action.to_string());
            }
            Grant::None => {}
        }
    }
    let role_have: BTreeSet<String> = role.iter().map(|s| s.to_string()).collect();
    let rem_have: BTreeSet<String> = remediation.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        role_have, wanted_role,
        "CisRole must list exactly the read/sink actions the code calls (left: template, right: code)"
    );
    assert_eq!(
        rem_have, wanted_remediation,
        "RemediationPolicy must list exactly the remediation actions the code calls (left: template, right: code)"
    );
    assert!(
        role_have.is_disjoint(&rem_have),
        "remediation actions must not be on the role itself"
    );
}

/// cfn-lint (PyPI) accepts the template. The linter comes from GUARDRAILS_CFN_LINT (set
/// by .ci/run) or PATH.
#[test]
fn template_passes_cfn_lint() {
    let bin = std::env::var("GUARDRAILS_CFN_LINT").unwrap_or_else(|_| "cfn-lint".into());
    let o = Command::new(&bin)
        .current_dir(root())
        .arg(TEMPLATE)
        .output()
        .unwrap_or_else(|e| {
            panic!("cfn-lint not runnable ({bin}: {e}); .ci/run installs it into .tools/venv")
        });
    assert!(
        o.status.success(),
        "cfn-lint {TEMPLATE}:\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}
