//! `guardrails athena` end to end: the pack files, the partition predicate, the usage errors,
//! and the proof that every query finds the events `guardrails hunt` finds (the pack is
//! transpiled Trino -> DuckDB with sqlglot and run over the same logs by
//! tests/athena_duckdb.py; GUARDRAILS_PYTHON must have sqlglot and duckdb, .ci/run installs them).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Every built-in detection; each must have a query and >= 1 event id on the sample data.
const RULES: &str =
    "ATH001,ATH002,ATH003,ATH004,ATH005,ATH006,ATH007,ATH008,ATH009,ATH010,ATH011,ATH012";

fn python() -> PathBuf {
    match std::env::var_os("GUARDRAILS_PYTHON") {
        Some(p) if Path::new(&p).is_file() => PathBuf::from(p),
        _ => panic!(
            "GUARDRAILS_PYTHON is not set to a Python with sqlglot and duckdb; \
             .ci/run installs them into .tools/venv (export GUARDRAILS_PYTHON=$PWD/.tools/venv/bin/python)"
        ),
    }
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("gr-athena-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The log groups both sides read: the sample trail with the pack's own samples, then each
/// ATH fixture's positive and negative log on its own (the engine orders records by file,
/// so unrelated fixtures are not mixed into one timeline).
fn log_groups() -> Vec<Vec<String>> {
    let mut groups = vec![vec![
        "testdata/athena".to_string(),
        "testdata/cloudtrail/AWSLogs".to_string(),
        "testdata/cloudtrail/single".to_string(),
    ]];
    let mut fixtures: Vec<String> = std::fs::read_dir("testdata/rules")
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("ATH"))
        .flat_map(|d| ["positive.json", "negative.json"].map(|f| d.join(f)))
        .filter(|p| p.is_file())
        .map(|p| p.display().to_string())
        .collect();
    fixtures.sort();
    groups.extend(fixtures.into_iter().map(|f| vec![f]));
    groups
}

/// Writes the pack, a hunt report per log group with the same `settings`, then runs the
/// comparison; `expected` rules must each yield at least one event id.
fn pack_matches_hunt(name: &str, settings: &[&str], expected: &str) {
    let dir = tmp(name);
    let pack = dir.join("pack");
    let out = athena(
        &[
            &[
                "--location",
                "s3://trail-bucket/AWSLogs/111122223333/CloudTrail",
                "--database",
                "sec",
                "--table",
                "ct",
                "--out-dir",
                pack.to_str().unwrap(),
            ],
            settings,
        ]
        .concat(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut cmp = Command::new(python());
    cmp.arg("tests/athena_duckdb.py")
        .arg(&pack)
        .arg("sec.ct")
        .arg(expected);
    for (i, logs) in log_groups().iter().enumerate() {
        let hunt = Command::new(env!("CARGO_BIN_EXE_guardrails"))
            .args(["hunt", "--format", "json", "--fail-on", "CRITICAL"])
            .args(settings)
            .args(logs)
            .output()
            .unwrap();
        assert!(
            matches!(hunt.status.code(), Some(0 | 2)),
            "hunt {logs:?}: {}",
            String::from_utf8_lossy(&hunt.stderr)
        );
        let report = dir.join(format!("hunt-{i}.json"));
        std::fs::write(&report, &hunt.stdout).unwrap();
        cmp.arg("--group").arg(&report).args(logs);
    }
    let cmp = cmp.output().unwrap();
    assert!(
        cmp.status.success(),
        "Athena pack and guardrails hunt disagree ({name}):\n{}{}",
        String::from_utf8_lossy(&cmp.stdout),
        String::from_utf8_lossy(&cmp.stderr)
    );
    let said = String::from_utf8_lossy(&cmp.stdout);
    assert!(said.contains("12 queries match guardrails hunt"), "{said}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn pack_matches_hunt_with_trusted_regions_and_cidrs() {
    pack_matches_hunt(
        "flags",
        &[
            "--trusted-regions",
            "us-east-1,eu-west-1",
            "--trusted-cidrs",
            "198.51.100.0/24,2001:db8::/32",
        ],
        RULES,
    );
}

#[test]
fn pack_matches_hunt_with_config_file_and_time_range() {
    // Other windows and threshold from the config file, a CIDR list only, and a time range
    // that ends just before carol's key use two days after creation (inside a 3-day window).
    let dir = tmp("config-file");
    let cfg = dir.join("hunt.json");
    std::fs::write(
        &cfg,
        r#"{"trusted_cidrs": ["198.51.100.0/24"], "brute_force_threshold": 3,
            "brute_force_window_secs": 120, "key_use_window_secs": 259200}"#,
    )
    .unwrap();
    let cfg = cfg.display().to_string();
    pack_matches_hunt(
        "config",
        &[
            "--config",
            &cfg,
            "--since",
            "2026-03-10",
            "--until",
            // One second before carol's key use: it must drop out on both sides (an exact
            // eventtime predicate, not just the day partition).
            "2026-03-12T10:59:59Z",
        ],
        // What testdata/athena/sample.json (2026-03-10..12) holds; the fixtures are outside.
        "ATH001,ATH002,ATH004,ATH008,ATH011,ATH012",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_config_is_a_config_error() {
    let dir = tmp("badcfg");
    let cfg = dir.join("hunt.json");
    std::fs::write(&cfg, r#"{"trusted_cidrs": ["not-a-cidr"]}"#).unwrap();
    let out = athena(&[
        "--location",
        "s3://b/AWSLogs/1/CloudTrail",
        "--config",
        cfg.to_str().unwrap(),
        "--out-dir",
        dir.join("pack").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not-a-cidr"));
    assert!(!dir.join("pack").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

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
    assert!(q.contains("AND eventtime >= '2024-03-01T00:00:00Z'"));
    // Late deliveries of the last day land in the next day's folder.
    assert!(q.contains("AND \"timestamp\" <= '2024/04/01'"));
    assert!(q.contains("AND eventtime <= '2024-03-31T23:59:59Z'"));
    assert!(!q.contains('{'), "unrendered placeholder in {q}");
    for id in RULES.split(',') {
        let n = std::fs::read_dir(&dir)
            .unwrap()
            .filter(|e| {
                let f = e.as_ref().unwrap().file_name();
                let f = f.to_string_lossy();
                f.starts_with(id) && f.ends_with(".sql")
            })
            .count();
        assert_eq!(n, 1, "one query for {id}");
    }
    // No trusted lists: the region/CIDR checks render as FALSE, not as broken SQL.
    let q2 = std::fs::read_to_string(dir.join("ATH002_console_login_untrusted.sql")).unwrap();
    assert!(q2.contains("COALESCE(FALSE, FALSE)"), "{q2}");
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

/// The comparison is not vacuous: a query that returns other events than the engine fails it,
/// naming the query and the differing ids.
#[test]
fn comparison_fails_on_a_wrong_query() {
    let dir = tmp("wrong");
    let pack = dir.join("pack");
    let out = athena(&[
        "--location",
        "s3://b/AWSLogs/111122223333/CloudTrail",
        "--database",
        "sec",
        "--table",
        "ct",
        "--out-dir",
        pack.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    // Every record instead of the detection disabled ones.
    std::fs::write(
        pack.join("ATH010_detection_disabled.sql"),
        "SELECT eventid FROM sec.ct",
    )
    .unwrap();
    // The negative fixture: the engine reports nothing there, the wrong query every record.
    let logs = "testdata/rules/ATH010/negative.json";
    let hunt = Command::new(env!("CARGO_BIN_EXE_guardrails"))
        .args(["hunt", "--format", "json", "--fail-on", "CRITICAL", logs])
        .output()
        .unwrap();
    let report = dir.join("hunt.json");
    std::fs::write(&report, &hunt.stdout).unwrap();
    let cmp = Command::new(python())
        .arg("tests/athena_duckdb.py")
        .arg(&pack)
        .arg("sec.ct")
        .arg("")
        .arg("--group")
        .arg(&report)
        .arg(logs)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&cmp.stderr);
    assert!(!cmp.status.success(), "a wrong query passed: {err}");
    assert!(
        err.contains("ATH010_detection_disabled.sql on testdata/rules/ATH010/negative.json")
            && err.contains("only in Athena query"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
