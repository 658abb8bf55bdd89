//! `guardrails hunt` end to end on testdata/cloudtrail (S3 layout with .json.gz, an
//! organisation trail, a plain .json, a lookup-events export and corrupt files).

use serde_json::Value;
use std::process::{Command, Output};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn hunt(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guardrails"))
        .current_dir(ROOT)
        .arg("hunt")
        .args(args)
        .output()
        .unwrap()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&o.stdout));
    })
}

fn event_ids(v: &Value) -> Vec<String> {
    let mut ids: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["events"]["event_ids"].as_array().unwrap().clone())
        .map(|i| i.as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

const GOOD: [&str; 4] = [
    "testdata/cloudtrail/AWSLogs",
    "testdata/cloudtrail/single/plain.json",
    "testdata/cloudtrail/lookup",
    "testdata/cloudtrail/single",
];

#[test]
fn all_inputs_findings_and_event_context() {
    let o = hunt(&[GOOD[0], GOOD[1], GOOD[2], "-f", "json"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = json(&o);
    assert_eq!(
        event_ids(&v),
        [
            "11111111-0000-4000-8000-000000000002",
            "22222222-0000-4000-8000-000000000001",
            "33333333-0000-4000-8000-000000000001",
            "44444444-0000-4000-8000-000000000001",
        ]
    );
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["events"]["event_ids"][0] == "22222222-0000-4000-8000-000000000001")
        .unwrap();
    // A failed root call (errorCode) is an attempt: lower severity.
    assert_eq!(f["severity"], "MEDIUM");
    assert_eq!(f["rule_id"], "ATH005");
    assert_eq!(f["line"], 1);
    assert!(
        f["file"]
            .as_str()
            .unwrap()
            .contains("o-exampleorg1/111122223333/CloudTrail")
    );
    let ev = &f["events"];
    assert_eq!(ev["principal"], "arn:aws:iam::111122223333:root");
    assert_eq!(ev["source_ip"], "198.51.100.24");
    assert_eq!(ev["region"], "eu-west-1");
    assert_eq!(ev["account"], "111122223333");
    assert_eq!(ev["first_seen"], "2024-03-06T08:00:00Z");
    assert_eq!(v["errors"].as_array().unwrap().len(), 0);
}

#[test]
fn corrupt_files_are_named_exit_3_and_the_rest_is_processed() {
    let o = hunt(&["testdata/cloudtrail", "-f", "json"]);
    assert_eq!(o.status.code(), Some(3));
    let v = json(&o);
    assert_eq!(event_ids(&v).len(), 4);
    let stderr = String::from_utf8_lossy(&o.stderr);
    for name in ["bad.json.gz", "truncated.json", "not-cloudtrail.json"] {
        assert!(stderr.contains(name), "{name} not reported: {stderr}");
    }
    assert_eq!(v["errors"].as_array().unwrap().len(), 3);
    let missing = hunt(&["testdata/cloudtrail/nope.json"]);
    assert_eq!(missing.status.code(), Some(3));
}

#[test]
fn since_until_window() {
    let o = hunt(&[
        GOOD[0],
        GOOD[2],
        GOOD[3],
        "--since",
        "2024-03-06",
        "--until",
        "2024-03-07T23:00:00Z",
        "-f",
        "json",
    ]);
    assert_eq!(
        event_ids(&json(&o)),
        [
            "22222222-0000-4000-8000-000000000001",
            "33333333-0000-4000-8000-000000000001"
        ]
    );
    let o = hunt(&[GOOD[0], "--until", "2024-03-05", "-f", "json"]);
    assert_eq!(
        event_ids(&json(&o)),
        ["11111111-0000-4000-8000-000000000002"]
    );
    let bad = hunt(&[GOOD[0], "--since", "yesterday-ish"]);
    assert_eq!(bad.status.code(), Some(4));
}

#[test]
fn fail_on_and_config_errors() {
    // Only the MEDIUM finding in the window: gate at HIGH passes, at MEDIUM fails.
    let args = [GOOD[0], "--since", "2024-03-06", "-f", "json"];
    assert_eq!(hunt(&args).status.code(), Some(0));
    let mut strict = args.to_vec();
    strict.extend(["--fail-on", "MEDIUM"]);
    assert_eq!(hunt(&strict).status.code(), Some(2));

    let dir = std::env::temp_dir().join(format!("gr-hunt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("hunt.json");
    std::fs::write(&good, r#"{"trusted_regions":["us-east-1"],"trusted_cidrs":["203.0.113.0/24"],"brute_force_threshold":3}"#).unwrap();
    let o = hunt(&[GOOD[0], "--config", good.to_str().unwrap(), "-f", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let bad = dir.join("bad.json");
    std::fs::write(&bad, r#"{"trusted_regionz":[]}"#).unwrap();
    let o = hunt(&[GOOD[0], "--config", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&o.stderr).contains("bad.json"));
    let o = hunt(&[GOOD[0], "--trusted-cidrs", "10.0.0.0/33"]);
    assert_eq!(o.status.code(), Some(4));
}

#[test]
fn every_format_carries_event_ids() {
    for fmt in ["sarif", "markdown", "text"] {
        let o = hunt(&[GOOD[2], "-f", fmt]);
        assert_eq!(o.status.code(), Some(2));
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            out.contains("44444444-0000-4000-8000-000000000001"),
            "{fmt} lacks the event id:\n{out}"
        );
    }
    let dir = std::env::temp_dir().join(format!("gr-hunt-out-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("r.sarif");
    let o = hunt(&[GOOD[2], "-f", "sarif", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "ATH005");
}

#[test]
fn sigma_rules_run_alongside_builtins() {
    let dir = std::env::temp_dir().join(format!("gr-hunt-sigma-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("create_key.yml"),
        "title: Access key created\nid: 0a0a0a0a-1111-2222-3333-444444444444\nlevel: low\n\
logsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  selection:\n    \
eventSource: iam.amazonaws.com\n    eventName: CreateAccessKey\n  condition: selection\n",
    )
    .unwrap();
    let o = hunt(&[
        GOOD[0],
        GOOD[2],
        "--sigma",
        dir.to_str().unwrap(),
        "-f",
        "json",
    ]);
    let v = json(&o);
    let sigma: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"].as_str().unwrap().starts_with("SIGMA-"))
        .collect();
    assert_eq!(sigma.len(), 1, "{v:#}");
    assert_eq!(
        sigma[0]["rule_id"],
        "SIGMA-0a0a0a0a-1111-2222-3333-444444444444"
    );
    assert_eq!(sigma[0]["severity"], "LOW");
    assert_eq!(
        sigma[0]["events"]["event_ids"][0],
        "44444444-0000-4000-8000-000000000001"
    );
}

/// CloudTrail Lake query results (`aws cloudtrail get-query-results`): each row's columns
/// become one record; JSON-text columns become objects.
#[test]
fn cloudtrail_lake_query_results() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lake-results.json");
    let row = |id: &str, name: &str, kind: &str| {
        serde_json::json!([
            {"eventVersion": "1.09"},
            {"eventID": id},
            {"eventTime": "2024-03-05T10:00:00Z"},
            {"eventSource": "iam.amazonaws.com"},
            {"eventName": name},
            {"awsRegion": "us-east-1"},
            {"sourceIPAddress": "198.51.100.7"},
            {"recipientAccountId": "111122223333"},
            {"userIdentity": serde_json::json!({"type": kind, "arn": "arn:aws:iam::111122223333:root", "accountId": "111122223333"}).to_string()},
        ])
    };
    let doc = serde_json::json!({
        "QueryStatus": "FINISHED",
        "QueryStatistics": {"ResultsCount": 2, "TotalResultsCount": 2},
        "QueryResultRows": [
            row("lake-root-1", "CreateUser", "Root"),
            row("lake-user-1", "CreateUser", "IAMUser"),
        ]
    });
    std::fs::write(&path, doc.to_string()).unwrap();
    let o = hunt(&[path.to_str().unwrap(), "--format", "json"]);
    let v = json(&o);
    assert_eq!(v["errors"].as_array().unwrap().len(), 0, "{}", v["errors"]);
    let ath005: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "ATH005")
        .collect();
    assert_eq!(ath005.len(), 1, "{}", v["findings"]);
    assert_eq!(ath005[0]["events"]["event_ids"][0], "lake-root-1");
    assert_eq!(o.status.code(), Some(2));
}
