//! Sigma loader and matcher over the bundled rules in testdata/sigma.

use guardrails::hunt::detect::{Event, Record};
use guardrails::hunt::sigma::{SigmaRule, SigmaRules};
use serde_json::{Value, json};
use std::path::Path;

fn load() -> SigmaRules {
    let (rules, errors) = SigmaRules::load(Path::new("testdata/sigma"));
    assert!(errors.is_empty(), "{errors:?}");
    rules
}

fn rule<'a>(rules: &'a SigmaRules, id: &str) -> &'a SigmaRule {
    rules
        .rules
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("rule {id} not loaded"))
}

fn hit(r: &SigmaRule, rec: Value) -> bool {
    let raw = rec.to_string();
    let record = Record::index(&raw).expect("an object");
    r.matches(&Event {
        record: &record,
        raw: &raw,
        file: "t.json",
        line: 1,
    })
}

#[test]
fn loads_supported_and_reports_unsupported() {
    let rules = load();
    let mut ids: Vec<&str> = rules.rules.iter().map(|r| r.id.as_str()).collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            "t-allofthem",
            "t-conditions",
            "t-modifiers",
            "t-objcontains",
            "t-oneofthem",
            "t-sel-lists",
            "t-wildcards"
        ]
    );
    let mut skipped: Vec<(String, String)> = rules
        .skipped
        .iter()
        .map(|s| (s.title.clone(), s.reason.clone()))
        .collect();
    skipped.sort();
    assert_eq!(skipped.len(), 5, "{skipped:?}");
    let reasons = skipped
        .iter()
        .map(|s| s.1.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        reasons.contains("aggregation in condition 'selection | count() by sourceIPAddress > 5'")
    );
    assert!(reasons.contains("'near'"));
    assert!(reasons.contains("timeframe"));
    assert!(reasons.contains("modifier 'base64offset'"));
    assert!(reasons.contains("'windows'"));
    for s in &rules.skipped {
        assert!(s.line.is_some() && s.to_string().contains(&s.file), "{s}");
    }
}

#[test]
fn severity_and_rule_id() {
    let rules = load();
    use guardrails::model::Severity;
    assert_eq!(rule(&rules, "t-sel-lists").level, Severity::Critical);
    assert_eq!(rule(&rules, "t-allofthem").level, Severity::Info);
    assert_eq!(rule(&rules, "t-wildcards").level, Severity::Low);
    assert_eq!(rule(&rules, "t-sel-lists").rule_id(), "SIGMA-t-sel-lists");
}

#[test]
fn selection_map_and_value_list() {
    let rules = load();
    let r = rule(&rules, "t-sel-lists");
    let base = json!({"eventSource": "cloudtrail.amazonaws.com", "eventName": "DeleteTrail",
        "userIdentity": {"type": "IAMUser"}});
    assert!(hit(r, base.clone()));
    // Case-insensitive plain values.
    assert!(hit(
        r,
        json!({"eventSource": "CloudTrail.amazonaws.com", "eventName": "stoplogging",
        "userIdentity": {"type": "iamuser"}})
    ));
    // One AND field missing or different.
    assert!(!hit(
        r,
        json!({"eventSource": "cloudtrail.amazonaws.com", "eventName": "DeleteTrail"})
    ));
    assert!(!hit(
        r,
        json!({"eventSource": "cloudtrail.amazonaws.com", "eventName": "CreateTrail",
        "userIdentity": {"type": "IAMUser"}})
    ));
    assert!(!hit(
        r,
        json!({"eventSource": "cloudtrail.amazonaws.com", "eventName": "DeleteTrail",
        "userIdentity": null})
    ));
    assert_eq!(
        r.interest(),
        Some((
            vec!["deletetrail".to_string(), "stoplogging".to_string()],
            vec![]
        ))
    );
}

#[test]
fn string_modifiers() {
    let rules = load();
    let r = rule(&rules, "t-modifiers");
    let good = json!({"eventSource": "iam.amazonaws.com", "eventName": "PutUserPolicy",
        "userAgent": "AWS-CLI/2.15 Python/3.11",
        "userIdentity": {"arn": "arn:aws:iam::123456789012:user/alice"},
        "requestParameters": {"policyDocument": "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\"}]}"}});
    assert!(hit(r, good.clone()));
    let mut v = good.clone();
    v["eventName"] = json!("AttachUserPolicy"); // startswith
    assert!(!hit(r, v));
    let mut v = good.clone();
    v["eventSource"] = json!("iam.amazonaws.com.evil"); // endswith
    assert!(!hit(r, v));
    let mut v = good.clone();
    v["userAgent"] = json!("Boto3/1.34"); // contains
    assert!(!hit(r, v));
    let mut v = good.clone();
    v["userIdentity"]["arn"] = json!("arn:aws:sts::123456789012:assumed-role/x/y"); // re
    assert!(!hit(r, v));
    let mut v = good.clone();
    // |all: only one of the two values present (`*` inside a value is a wildcard).
    v["requestParameters"]["policyDocument"] = json!("{\"Effect\":\"Deny\",\"Action\":\"*\"}");
    assert!(!hit(r, v));
    // Not an eventName/eventSource equality: needs every record.
    assert_eq!(r.interest(), None);
}

#[test]
fn wildcards_and_null() {
    let rules = load();
    let r = rule(&rules, "t-wildcards");
    let good =
        json!({"eventName": "CreateAccessKeys", "requestParameters": {"userName": "*admin"}});
    assert!(hit(r, good.clone()));
    let mut v = good.clone();
    v["errorCode"] = Value::Null; // null field counts as null
    assert!(hit(r, v));
    let mut v = good.clone();
    v["errorCode"] = json!("AccessDenied");
    assert!(!hit(r, v));
    let mut v = good.clone();
    v["eventName"] = json!("CreateAccessKey"); // `?` needs exactly one char
    assert!(!hit(r, v));
    let mut v = good.clone();
    v["requestParameters"]["userName"] = json!("superadmin"); // escaped `*` is literal
    assert!(!hit(r, v));
}

#[test]
fn conditions_of_not_parentheses_list_of_maps() {
    let rules = load();
    let r = rule(&rules, "t-conditions");
    let fail = json!({"eventName": "ConsoleLogin", "sourceIPAddress": "192.0.2.1",
        "responseElements": {"ConsoleLogin": "Failure"}, "userIdentity": {"userName": "bob"}});
    assert!(hit(r, fail.clone()));
    let nomfa = json!({"eventName": "ConsoleLogin", "sourceIPAddress": "192.0.2.1",
        "responseElements": {"ConsoleLogin": "Success"}, "additionalEventData": {"MFAUsed": "No"}});
    assert!(hit(r, nomfa));
    let ok = json!({"eventName": "ConsoleLogin", "responseElements": {"ConsoleLogin": "Success"},
        "additionalEventData": {"MFAUsed": "Yes"}});
    assert!(!hit(r, ok));
    // Either element of the filter list excludes.
    let mut v = fail.clone();
    v["sourceIPAddress"] = json!("203.0.113.7");
    assert!(!hit(r, v));
    let mut v = fail.clone();
    v["userIdentity"]["userName"] = json!("break-glass");
    assert!(!hit(r, v));
    assert_eq!(
        r.interest(),
        Some((vec!["consolelogin".to_string()], vec![]))
    );
}

#[test]
fn all_of_them_numbers_booleans_arrays() {
    let rules = load();
    let r = rule(&rules, "t-allofthem");
    let rec = json!({"readOnly": false, "requestParameters": {"ipPermissions": {"items": [
        {"fromPort": 443}, {"fromPort": 22}]}}});
    assert!(hit(r, rec));
    assert!(!hit(
        r,
        json!({"readOnly": true, "requestParameters": {"ipPermissions": {"items": [
        {"fromPort": 22}]}}})
    ));
    assert!(!hit(
        r,
        json!({"readOnly": false, "requestParameters": {"ipPermissions": {"items": [
        {"fromPort": 443}]}}})
    ));
}

#[test]
fn one_of_them_cidr_arrays_fieldref() {
    let rules = load();
    let r = rule(&rules, "t-oneofthem");
    assert!(hit(r, json!({"sourceIPAddress": "198.51.100.20"})));
    assert!(!hit(r, json!({"sourceIPAddress": "198.51.101.20"})));
    assert!(!hit(r, json!({"sourceIPAddress": "AWS Internal"})));
    assert!(hit(
        r,
        json!({"resources": [{"ARN": "arn:aws:s3:::x"}, {"ARN": "arn:aws:s3:::secret-bucket"}]})
    ));
    assert!(!hit(
        r,
        json!({"resources": [{"ARN": "arn:aws:s3:::other"}]})
    ));
    assert!(hit(
        r,
        json!({"eventName": "UpdateLoginProfile", "userIdentity": {"userName": "eve"},
        "requestParameters": {"userName": "eve"}})
    ));
    assert!(!hit(
        r,
        json!({"eventName": "UpdateLoginProfile", "userIdentity": {"userName": "admin"},
        "requestParameters": {"userName": "eve"}})
    ));
    assert_eq!(r.interest(), None);
}

#[test]
fn contains_on_object_field_and_keywords() {
    let rules = load();
    let r = rule(&rules, "t-objcontains");
    assert!(hit(
        r,
        json!({"eventName": "PutBucketPolicy", "requestParameters": {"bucketPolicy":
        {"Statement": [{"Principal": "*", "Effect": "Allow"}]}}})
    ));
    assert!(!hit(
        r,
        json!({"eventName": "PutBucketPolicy", "requestParameters": {"bucketPolicy":
        {"Statement": [{"Principal": {"AWS": "arn:aws:iam::1:root"}}]}}})
    ));
    // Keyword selection searches the raw record text.
    assert!(hit(
        r,
        json!({"eventName": "PutBucketAcl", "requestParameters": {"grantee": "http://acs.amazonaws.com/groups/global/AllUsers"}})
    ));
    assert_eq!(r.interest(), None);
}

#[test]
fn invalid_rules_are_input_errors_with_lines() {
    let (rules, errors) = SigmaRules::load(Path::new("testdata/sigma-invalid"));
    assert_eq!(rules.rules.len(), 1, "the good rule still loads");
    let mut msgs: Vec<String> = errors
        .iter()
        .map(|e| {
            format!(
                "{}:{:?}: {}",
                Path::new(&e.file).file_name().unwrap().to_string_lossy(),
                e.line,
                e.message
            )
        })
        .collect();
    msgs.sort();
    assert_eq!(msgs.len(), 3, "{msgs:?}");
    assert!(
        msgs[0].starts_with("bad_yaml.yml:Some(") && msgs[0].contains("invalid YAML"),
        "{msgs:?}"
    );
    assert!(
        msgs[1].starts_with("no_condition.yml:Some(5)") && msgs[1].contains("no condition"),
        "{msgs:?}"
    );
    assert!(
        msgs[2].starts_with("no_detection.yml:Some(") && msgs[2].contains("no detection"),
        "{msgs:?}"
    );
}

#[test]
fn cli_hunt_with_sigma_rules() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_guardrails"))
        .args([
            "hunt",
            "--sigma",
            "testdata/sigma",
            "testdata/cloudtrail/AWSLogs",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Skipped rules are warnings on stderr, not input errors (exit 2 = HIGH findings, not 3).
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr.matches("warning: testdata/sigma/").count(),
        5,
        "{stderr}"
    );
    assert!(
        stderr.contains("unsupported_near.yml:11: sigma rule 'Near' skipped"),
        "{stderr}"
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["errors"].as_array().map(Vec::len),
        Some(0),
        "{report}"
    );
    let mut sigma: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"].as_str().unwrap().starts_with("SIGMA-"))
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    sigma.sort();
    // Both matches share a rule, account and identity: one finding carries both events.
    assert_eq!(
        sigma,
        [("SIGMA-t-oneofthem".to_string(), "HIGH".to_string())]
    );
    let grouped = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "SIGMA-t-oneofthem")
        .unwrap();
    assert_eq!(
        grouped["events"]["event_ids"],
        serde_json::json!([
            "11111111-0000-4000-8000-000000000002",
            "22222222-0000-4000-8000-000000000001"
        ]),
        "{grouped:#}"
    );
    assert!(
        grouped["description"]
            .as_str()
            .unwrap()
            .contains("(2 events: "),
        "{grouped:#}"
    );
}
