//! Every rule has a positive and a negative fixture under testdata/rules/<ID>/,
//! run through the same scan path the CLI uses.

use guardrails::rules::registry::RULES;
use guardrails::rules::{Check, Rule};
use guardrails::scan::{self, ScanOptions};
use std::path::{Path, PathBuf};

fn scan_file(path: &Path) -> scan::ScanOutput {
    if path.to_string_lossy().ends_with(".changeset.json") {
        let (findings, errors) = guardrails::changeset::check(path, None);
        return scan::ScanOutput {
            findings,
            errors,
            ..Default::default()
        };
    }
    let is_code = path.extension().is_some_and(|e| e == "py" || e == "js");
    let opts = if is_code {
        ScanOptions {
            templates: vec![],
            sources: vec![path.to_path_buf()],
        }
    } else {
        ScanOptions {
            templates: vec![path.to_path_buf()],
            sources: vec![],
        }
    };
    scan::run(&opts)
}

/// A fixture through the path its rule kind runs on: CloudTrail detections through the
/// hunt engine (with `testdata/rules/<ID>/hunt.json` as config when present).
fn run_fixture(rule: &Rule, path: &Path) -> scan::ScanOutput {
    if !matches!(rule.check, Check::Hunt) {
        return scan_file(path);
    }
    let cfg = path.with_file_name("hunt.json");
    let ctx = if cfg.is_file() {
        guardrails::hunt::context_from_file(&cfg).unwrap()
    } else {
        Default::default()
    };
    let (findings, errors) = guardrails::hunt::hunt_files(&[path.to_path_buf()], &ctx);
    scan::ScanOutput {
        findings,
        errors,
        ..Default::default()
    }
}

/// Live CIS controls need an account: tests/cis.rs runs them against moto. Here we only
/// check that each one is named there, so none is silently left untested.
fn covered_elsewhere(rule: &Rule) -> bool {
    if !matches!(rule.check, Check::Cis) {
        return false;
    }
    let cis = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cis.rs");
    let text = std::fs::read_to_string(&cis).unwrap_or_else(|e| {
        panic!(
            "{} is a CIS control but tests/cis.rs is unreadable: {e}",
            rule.id
        )
    });
    assert!(
        text.contains(rule.id),
        "{} is not exercised in tests/cis.rs",
        rule.id
    );
    true
}

fn fixtures(id: &str, kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/rules")
        .join(id);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{id}: no fixture directory {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(kind))
        .collect();
    v.sort();
    v
}

#[test]
fn every_rule_fires_on_its_positive_fixture() {
    for rule in RULES.iter().filter(|r| !covered_elsewhere(r)) {
        let files = fixtures(rule.id, "positive");
        assert!(!files.is_empty(), "{} has no positive fixture", rule.id);
        for f in files {
            let out = run_fixture(rule, &f);
            assert!(out.errors.is_empty(), "{}: {:?}", f.display(), out.errors);
            let hits: Vec<_> = out
                .findings
                .iter()
                .filter(|x| x.rule_id == rule.id)
                .collect();
            assert!(
                !hits.is_empty(),
                "{} did not fire on {}",
                rule.id,
                f.display()
            );
            for h in hits {
                if matches!(rule.check, Check::Hunt) {
                    // Hunt findings point at the record (column 0) and carry its event ids.
                    let ev = h.events.as_ref().expect("hunt finding without events");
                    assert!(h.line >= 1 && !ev.event_ids.is_empty(), "{h:?}");
                } else {
                    assert!(h.line >= 1 && h.column >= 1, "{h:?}");
                }
                assert!(!h.fingerprint.is_empty());
            }
        }
    }
}

#[test]
fn no_rule_fires_on_its_negative_fixture() {
    for rule in RULES.iter().filter(|r| !covered_elsewhere(r)) {
        let files = fixtures(rule.id, "negative");
        assert!(!files.is_empty(), "{} has no negative fixture", rule.id);
        for f in files {
            let out = run_fixture(rule, &f);
            assert!(out.errors.is_empty(), "{}: {:?}", f.display(), out.errors);
            let hits: Vec<_> = out
                .findings
                .iter()
                .filter(|x| x.rule_id == rule.id)
                .collect();
            assert!(
                hits.is_empty(),
                "{} fired on its negative fixture {}: {hits:#?}",
                rule.id,
                f.display()
            );
        }
    }
}

fn find<'a>(out: &'a scan::ScanOutput, rule: &str) -> Vec<&'a guardrails::model::Finding> {
    out.findings.iter().filter(|f| f.rule_id == rule).collect()
}

#[test]
fn exact_locations_and_paths() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/rules");
    let out = scan_file(&root.join("IAM001/positive.yaml"));
    let hits = find(&out, "IAM001");
    // `Action: dynamodb:*` on line 13, `Action: '*'` with `Resource: '*'` on line 23.
    let lines: Vec<(usize, usize, String)> = hits
        .iter()
        .map(|f| (f.line, f.column, f.severity.to_string()))
        .collect();
    assert_eq!(
        lines,
        vec![(13, 23, "HIGH".into()), (23, 21, "CRITICAL".into())]
    );
    assert_eq!(hits[0].resource_id, "Fn");
    assert_eq!(
        hits[0].path.as_deref(),
        Some("Resources.Fn.Properties.Policies[0].Statement[0].Action")
    );

    // SAM policy template whose parameter defaults to '*'.
    let out = scan_file(&root.join("IAM002/positive.yaml"));
    let hits = find(&out, "IAM002");
    assert_eq!(hits.len(), 2, "{hits:#?}");
    assert_eq!((hits[0].resource_id.as_str(), hits[0].line), ("Fn", 15));
    assert!(
        hits[0].description.contains("S3CrudPolicy"),
        "{}",
        hits[0].description
    );
    assert!(hits[0].description.contains("arn:aws:s3:::*"));
    assert_eq!((hits[1].resource_id.as_str(), hits[1].line), ("Writer", 31));

    // Globals environment variables point at the Globals line.
    let out = scan_file(&root.join("ENV001/positive.yaml"));
    let hits = find(&out, "ENV001");
    assert_eq!(hits.len(), 2);
    assert!(
        hits.iter()
            .any(|f| f.line == 7 && f.env_name.as_deref() == Some("DEPLOY_KEY_ID"))
    );
}

#[test]
fn secret_values_never_appear_in_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/rules");
    let secrets = [
        "AKIA2E0A8F3B244C9986",
        "ghp_4mW9rT2xQ8vL1nB6cZ3kY7pH0sJ5dF2gA9eR",
        "S3cure!Passw0rd2024",
        "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
        "Xk9#mP2vL8qR4tZ7",
        "h7#Kq9!vRt2@Lm4zX8",
        "Tr0ub4dor&3",
    ];
    for id in ["ENV001", "ENV002", "ENV004", "ENV005"] {
        let out = scan_file(&root.join(id).join("positive.yaml"));
        let json = serde_json::to_string(&out.findings).unwrap();
        for s in secrets {
            assert!(!json.contains(s), "{id} leaked a secret");
            assert!(!json.contains(&s[4..]), "{id} leaked the tail of a secret");
        }
    }
}
