//! `guardrails athena` end to end: the pack files, the partition predicate and the usage errors.
//! (The DuckDB/sqlglot comparison with `guardrails hunt` is not written yet.)

use std::process::Command;

fn athena(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_guardrails"))
        .arg("athena")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn writes_ddl_queries_and_readme() {
    let dir = std::env::temp_dir().join(format!("gr-athena-{}", std::process::id()));
    let out = athena(&[
        "--location",
        "s3://trail-bucket/AWSLogs/111122223333/CloudTrail/",
        "--database",
        "sec",
        "--table",
        "ct",
        "--since",
        "2024-03-01",
        "--until",
        "2024-03-31",
        "--out-dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ddl = std::fs::read_to_string(dir.join("cloudtrail_table.sql")).unwrap();
    assert!(ddl.contains("CREATE EXTERNAL TABLE IF NOT EXISTS sec.ct"));
    assert!(ddl.contains("'org.apache.hive.hcatalog.data.JsonSerDe'"));
    assert!(ddl.contains("com.amazon.emr.cloudtrail.CloudTrailInputFormat"));
    assert!(ddl.contains(
        "'storage.location.template' = 's3://trail-bucket/AWSLogs/111122223333/CloudTrail/${region}/${timestamp}'"
    ));
    assert!(ddl.contains("'projection.timestamp.range' = '2024/03/01,NOW'"));
    let q = std::fs::read_to_string(dir.join("ATH005_root_activity.sql")).unwrap();
    assert!(q.contains("FROM sec.ct"));
    assert!(q.contains("AND \"timestamp\" >= '2024/03/01'"));
    assert!(q.contains("AND \"timestamp\" <= '2024/03/31'"));
    assert!(!q.contains('{'), "unrendered placeholder in {q}");
    assert!(dir.join("ATH003_console_login_no_mfa.sql").is_file());
    assert!(
        std::fs::read_to_string(dir.join("README.md"))
            .unwrap()
            .contains("ATH005_root_activity.sql")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_location_is_a_usage_error() {
    let dir = std::env::temp_dir().join(format!("gr-athena-bad-{}", std::process::id()));
    for loc in [
        "bucket/AWSLogs/1/CloudTrail",
        "s3://b/other/1/CloudTrail",
        "s3://b/AWSLogs/1",
    ] {
        let out = athena(&["--location", loc, "--out-dir", dir.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(64), "{loc}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--location"));
    }
    assert!(!dir.exists(), "nothing is written on a usage error");
}
