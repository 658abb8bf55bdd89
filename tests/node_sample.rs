//! The Node.js sample functions, scanned from a template (`Handler: index.handler` →
//! `index.js`) and as `--source`.

use guardrails::scan::{self, ScanOptions};
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn rules(out: &scan::ScanOutput) -> Vec<&str> {
    let mut v: Vec<&str> = out.findings.iter().map(|f| f.rule_id.as_str()).collect();
    v.sort();
    v.dedup();
    v
}

#[test]
fn template_handler_maps_to_index_js() {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("template.yaml");
    let code = root().join("testdata/functions/vulnerable-node");
    std::fs::write(
        &template,
        format!(
            "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\nResources:\n  OrdersNodeFunction:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: nodejs20.x\n      Handler: index.handler\n      CodeUri: {}\n",
            code.display()
        ),
    )
    .unwrap();
    let out = scan::run(&ScanOptions {
        templates: vec![template],
        sources: vec![],
    });
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let code_findings: Vec<_> = out
        .findings
        .iter()
        .filter(|f| f.rule_id.starts_with("CODE") || f.rule_id == "ENV003")
        .collect();
    assert!(!code_findings.is_empty());
    for f in &code_findings {
        assert!(f.file.ends_with("vulnerable-node/index.js"), "{}", f.file);
        assert_eq!(f.function.as_deref(), Some("OrdersNodeFunction"));
    }
    for id in ["CODE001", "CODE004", "CODE005", "CODE006", "ENV003"] {
        assert!(rules(&out).contains(&id), "{id} missing: {:?}", rules(&out));
    }
}

#[test]
fn safe_node_sample_is_clean() {
    let out = scan::run(&ScanOptions {
        templates: vec![],
        sources: vec![root().join("testdata/functions/safe-node")],
    });
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert!(out.findings.is_empty(), "{:#?}", out.findings);
    assert_eq!(out.sources_scanned, 1);
}

#[test]
fn minified_bundles_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("vendor.min.js"),
        "exports.handler=async(e)=>{require('child_process').exec(e.c)};",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("app.mjs"),
        "import { exec } from 'node:child_process';\nexport async function handler(event) { exec(event.c); }\n",
    )
    .unwrap();
    let out = scan::run(&ScanOptions {
        templates: vec![],
        sources: vec![dir.path().to_path_buf()],
    });
    assert_eq!(out.sources_scanned, 1);
    assert_eq!(rules(&out), vec!["CODE001"]);
}
