//! `--format csv` end to end: `hunt` and `scan` output parsed back with a small RFC 4180
//! parser and compared with the JSON report of the same run.

use serde_json::Value;
use std::process::{Command, Output};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guardrails"))
        .current_dir(ROOT)
        .args(args)
        .output()
        .unwrap()
}

/// RFC 4180: CRLF records, quoted fields with doubled quotes. Panics on malformed input.
fn parse(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => {
                    quoted = false;
                    assert!(
                        matches!(chars.peek(), None | Some(',') | Some('\r')),
                        "text after a closing quote"
                    );
                }
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if at_start => {
                quoted = true;
                at_start = false;
            }
            '"' => panic!("bare quote in an unquoted field: {field}"),
            ',' => {
                row.push(std::mem::take(&mut field));
                at_start = true;
            }
            '\r' => {
                assert_eq!(chars.next(), Some('\n'), "CR without LF");
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
                at_start = true;
            }
            '\n' => panic!("bare LF outside quotes"),
            c => {
                field.push(c);
                at_start = false;
            }
        }
    }
    assert!(!quoted, "unterminated quoted field");
    assert!(
        field.is_empty() && row.is_empty(),
        "last record without CRLF"
    );
    rows
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap()
}

const HEADER: [&str; 13] = [
    "rule_id",
    "severity",
    "file",
    "line",
    "resource",
    "description",
    "event_ids",
    "principal",
    "source_ip",
    "region",
    "first_seen",
    "last_seen",
    "suppressed",
];

/// A value as the CSV shows it: formula starts neutralised with an apostrophe.
fn shown(v: &str) -> String {
    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{v}")
    } else {
        v.to_string()
    }
}

fn s(v: &Value) -> String {
    v.as_str().map(str::to_string).unwrap_or_default()
}

/// The CSV rows expected from a JSON report's findings.
fn expected(v: &Value) -> Vec<Vec<String>> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let ev = &f["events"];
            let ids: Vec<String> = ev["event_ids"]
                .as_array()
                .map(|a| a.iter().map(s).collect())
                .unwrap_or_default();
            [
                s(&f["rule_id"]),
                s(&f["severity"]),
                s(&f["file"]),
                f["line"].to_string(),
                s(&f["resource_id"]),
                s(&f["description"]),
                ids.join(" "),
                s(&ev["principal"]),
                s(&ev["source_ip"]),
                s(&ev["region"]),
                s(&ev["first_seen"]),
                s(&ev["last_seen"]),
                f["suppressed"].to_string(),
            ]
            .iter()
            .map(|x| shown(x))
            .collect()
        })
        .collect()
}

#[test]
fn hunt_csv_matches_the_json_report() {
    let args = ["hunt", "testdata/cloudtrail"];
    let csv = run(&[&args[..], &["-f", "csv"]].concat());
    let js = run(&[&args[..], &["-f", "json"]].concat());
    // Same exit code (3: the corrupt samples) and the errors still on stderr.
    assert_eq!(csv.status.code(), Some(3));
    assert_eq!(csv.status.code(), js.status.code());
    assert!(String::from_utf8_lossy(&csv.stderr).contains("bad.json.gz"));
    let rows = parse(std::str::from_utf8(&csv.stdout).unwrap());
    assert_eq!(rows[0], HEADER);
    let want = expected(&json(&js));
    assert_eq!(want.len(), 4);
    assert_eq!(rows[1..], want[..]);
    // Event context made it into the columns.
    assert!(
        rows[1..]
            .iter()
            .all(|r| !r[6].is_empty() && !r[10].is_empty())
    );
}

#[test]
fn scan_csv_matches_the_json_report_with_secrets_masked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("template.yaml"),
        "AWSTemplateFormatVersion: '2010-09-09'\n\
         Resources:\n\
         \x20 Fn:\n\
         \x20   Type: AWS::Lambda::Function\n\
         \x20   Properties:\n\
         \x20     Runtime: python3.8\n\
         \x20     Handler: index.handler\n\
         \x20     Code: {ZipFile: \"x\"}\n\
         \x20     Role: arn:aws:iam::123456789012:role/r\n\
         \x20     Environment:\n\
         \x20       Variables:\n\
         \x20         DB_PASSWORD: \"=cmd|' /C calc'!A0,hunter2-Secret-Value\"\n",
    )
    .unwrap();
    let t = dir.path().join("template.yaml");
    let t = t.to_str().unwrap();
    let csv = run(&["scan", "-t", t, "-f", "csv"]);
    let js = run(&["scan", "-t", t, "-f", "json"]);
    assert_eq!(csv.status.code(), js.status.code());
    let text = String::from_utf8(csv.stdout.clone()).unwrap();
    assert!(!text.contains("hunter2"), "secret leaked: {text}");
    let rows = parse(&text);
    assert_eq!(rows[0], HEADER);
    let want = expected(&json(&js));
    assert!(!want.is_empty(), "{text}");
    assert_eq!(rows[1..], want[..]);
}

#[test]
fn attacker_controlled_cloudtrail_values_cannot_become_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let log = std::fs::read_to_string(format!("{ROOT}/testdata/cloudtrail/single/plain.json"))
        .unwrap()
        .replace(
            "\"arn\": \"arn:aws:iam::111122223333:root\"",
            r#""arn": "=HYPERLINK(\"http://evil.example\",\"x\")""#,
        )
        .replace("\"192.0.2.5\"", "\"@SUM(1+1)\"");
    assert!(log.contains("=HYPERLINK") && log.contains("@SUM"));
    let path = dir.path().join("evil.json");
    std::fs::write(&path, log).unwrap();
    let o = run(&["hunt", path.to_str().unwrap(), "-f", "csv"]);
    let text = String::from_utf8(o.stdout).unwrap();
    let rows = parse(&text);
    assert_eq!(rows.len(), 2, "{text}");
    let r = &rows[1];
    assert_eq!(r[0], "ATH005");
    assert_eq!(r[4], "'=HYPERLINK(\"http://evil.example\",\"x\")");
    assert_eq!(r[7], r[4]);
    assert_eq!(r[8], "'@SUM(1+1)");
    // No field of any row starts a formula.
    for row in &rows {
        for f in row {
            assert!(!f.starts_with(['=', '+', '-', '@', '\t', '\r']), "{f}");
        }
    }
}
