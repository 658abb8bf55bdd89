//! S3, KMS and DDB rules: exact locations, per-finding severities, and the rules that
//! must not overlap (IAM006 leaves key policies to KMS001).

use guardrails::model::Finding;
use guardrails::scan::{self, ScanOptions};
use std::path::Path;

fn scan(rel: &str) -> Vec<Finding> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let out = scan::run(&ScanOptions {
        templates: vec![path],
        sources: vec![],
    });
    assert!(out.errors.is_empty(), "{rel}: {:?}", out.errors);
    out.findings
}

/// (resource, line, column, severity) of one rule's findings, in output order.
fn hits(findings: &[Finding], rule: &str) -> Vec<(String, usize, usize, String)> {
    let mut v: Vec<_> = findings
        .iter()
        .filter(|f| f.rule_id == rule)
        .map(|f| {
            (
                f.resource_id.clone(),
                f.line,
                f.column,
                f.severity.to_string(),
            )
        })
        .collect();
    v.sort_by_key(|h| (h.1, h.2));
    v
}

fn h(r: &str, line: usize, col: usize, sev: &str) -> (String, usize, usize, String) {
    (r.to_string(), line, col, sev.to_string())
}

#[test]
fn s3_public_acl_severity_follows_the_acl() {
    let f = scan("testdata/rules/S3001/positive.yaml");
    assert_eq!(
        hits(&f, "S3001"),
        vec![
            h("Website", 12, 22, "HIGH"),
            h("Dropbox", 16, 22, "CRITICAL"),
            h("Partners", 20, 22, "HIGH"),
            h("FromParameter", 24, 22, "HIGH"),
            h("DevOnly", 28, 22, "HIGH"),
        ]
    );
}

#[test]
fn block_public_access_missing_is_low_and_disabled_is_medium() {
    let f = scan("testdata/rules/S3002/positive.yaml");
    assert_eq!(
        hits(&f, "S3002"),
        vec![
            h("Missing", 10, 5, "LOW"),
            h("NoProperties", 13, 5, "LOW"),
            h("OneOff", 20, 28, "MEDIUM"),
            h("Partial", 27, 9, "MEDIUM"),
            h("FromParameter", 33, 26, "MEDIUM"),
            h("DevOpen", 42, 29, "MEDIUM"),
            h("Site", 51, 28, "LOW"),
        ]
    );
    let partial = f
        .iter()
        .find(|x| x.rule_id == "S3002" && x.resource_id == "Partial")
        .unwrap();
    assert!(
        partial
            .description
            .contains("BlockPublicPolicy, RestrictPublicBuckets"),
        "{}",
        partial.description
    );
}

#[test]
fn tls_policy_points_at_the_policy_that_lacks_the_deny() {
    let f = scan("testdata/rules/S3004/positive.yaml");
    assert_eq!(
        hits(&f, "S3004"),
        vec![
            h("NoPolicy", 4, 5, "MEDIUM"),
            h("AllowOnly", 13, 7, "MEDIUM"),
            h("WrongWay", 25, 7, "MEDIUM"),
            h("NotCovered", 34, 5, "MEDIUM"),
        ]
    );
}

#[test]
fn queue_encryption_explicitly_off_is_medium_default_is_low() {
    let f = scan("testdata/rules/KMS003/positive.yaml");
    assert_eq!(
        hits(&f, "KMS003"),
        vec![
            h("Disabled", 10, 29, "MEDIUM"),
            h("FromParameter", 14, 29, "MEDIUM"),
            h("EmptyKey", 17, 5, "LOW"),
            h("Bare", 21, 5, "LOW"),
        ]
    );
}

#[test]
fn kms_key_policies_are_kms001_not_iam006() {
    let f = scan("testdata/rules/KMS001/positive.yaml");
    assert_eq!(
        hits(&f, "KMS001"),
        vec![
            h("OpenKey", 12, 30, "HIGH"),
            h("ListedKey", 25, 19, "HIGH"),
            h("Replica", 37, 24, "HIGH"),
        ]
    );
    assert!(hits(&f, "IAM006").is_empty(), "{:?}", hits(&f, "IAM006"));
    // Other resource policies are still IAM006's.
    let f = scan("testdata/rules/IAM006/positive.yaml");
    assert!(!hits(&f, "IAM006").is_empty());
    assert!(hits(&f, "KMS001").is_empty());
}

#[test]
fn dynamodb_findings_point_at_the_table_replica_or_value() {
    let f = scan("testdata/rules/DDB001/positive.yaml");
    assert_eq!(
        hits(&f, "DDB001"),
        vec![
            h("NoSpec", 10, 5, "LOW"),
            h("Disabled", 21, 37, "LOW"),
            h("FromParameter", 29, 37, "LOW"),
            h("Global", 40, 11, "LOW"),
            h("Simple", 42, 11, "LOW"),
        ]
    );
    let f = scan("testdata/rules/DDB002/positive.yaml");
    let d = hits(&f, "DDB002");
    assert_eq!(d.len(), 5, "{d:?}");
    assert!(d.iter().all(|x| x.3 == "INFO"));
}
