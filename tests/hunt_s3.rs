//! `guardrails hunt s3://...` end to end against a real moto server: the samples of
//! testdata/cloudtrail uploaded with boto3 (same relative keys, so the S3 delivery layout),
//! findings compared with the same run over the local directory.

mod common;

use common::moto::Moto;
use serde_json::Value;
use std::process::Output;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Uploads every file under testdata/cloudtrail to `bucket` (key = path relative to it), then
/// `extra` objects (key, bytes as a Python literal).
fn upload(moto: &Moto, bucket: &str, extra: &[(&str, &str)]) {
    let extra: String = extra
        .iter()
        .map(|(k, b)| format!("s3.put_object(Bucket={bucket:?}, Key={k:?}, Body={b})\n"))
        .collect();
    moto.python_inline(&format!(
        r#"import boto3, os, sys
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1")
s3.create_bucket(Bucket={bucket:?})
root = {root:?}
for d, _, files in os.walk(root):
    for f in files:
        p = os.path.join(d, f)
        s3.upload_file(p, {bucket:?}, os.path.relpath(p, root))
{extra}"#,
        root = format!("{ROOT}/testdata/cloudtrail"),
    ));
}

fn hunt(moto: &Moto, args: &[&str]) -> Output {
    moto.guardrails()
        .current_dir(ROOT)
        .arg("hunt")
        .args(args)
        .args(["-f", "json"])
        .output()
        .unwrap()
}

fn local(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_guardrails"))
        .current_dir(ROOT)
        .arg("hunt")
        .args(args)
        .args(["-f", "json"])
        .output()
        .unwrap()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

/// (rule id, file relative to the input root, line, event ids) of every finding, with the
/// local prefix or the s3 URL prefix `strip`ped from the file.
fn findings(v: &Value, strip: &str) -> Vec<(String, String, u64, Vec<String>)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file = f["file"].as_str().unwrap();
            let rel = file
                .strip_prefix(strip)
                .unwrap_or_else(|| panic!("{file} does not start with {strip}"));
            let ids = f["events"]["event_ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i.as_str().unwrap().to_string())
                .collect();
            (
                f["rule_id"].as_str().unwrap().to_string(),
                rel.to_string(),
                f["line"].as_u64().unwrap(),
                ids,
            )
        })
        .collect()
}

fn errors(v: &Value) -> Vec<String> {
    let mut e: Vec<String> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["file"].as_str().unwrap().to_string())
        .collect();
    e.sort();
    e
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn s3_findings_match_the_local_run_and_corrupt_objects_are_named() {
    let moto = Moto::start();
    upload(&moto, "trail", &[]);

    // The S3 layout (a plain and an organisation trail).
    let s3 = hunt(&moto, &["s3://trail/AWSLogs/"]);
    let loc = local(&["testdata/cloudtrail/AWSLogs"]);
    assert_eq!(s3.status.code(), Some(2), "{}", stderr(&s3));
    assert_eq!(loc.status.code(), Some(2));
    let got = findings(&json(&s3), "s3://trail/AWSLogs/");
    assert!(!got.is_empty());
    assert_eq!(got, findings(&json(&loc), "testdata/cloudtrail/AWSLogs/"));

    // The whole bucket: lookup export, plain file and the three corrupt files too.
    let s3 = hunt(&moto, &["s3://trail"]);
    let loc = local(&["testdata/cloudtrail"]);
    assert_eq!(s3.status.code(), Some(3), "{}", stderr(&s3));
    assert_eq!(loc.status.code(), Some(3));
    let (sv, lv) = (json(&s3), json(&loc));
    assert_eq!(
        findings(&sv, "s3://trail/"),
        findings(&lv, "testdata/cloudtrail/")
    );
    assert_eq!(findings(&sv, "s3://trail/").len(), 4);
    let want = [
        "s3://trail/corrupt/bad.json.gz",
        "s3://trail/corrupt/not-cloudtrail.json",
        "s3://trail/corrupt/truncated.json",
    ];
    assert_eq!(errors(&sv), want);
    for w in want {
        assert!(stderr(&s3).contains(w), "{w} not reported: {}", stderr(&s3));
    }
}

#[test]
fn since_until_lists_only_the_day_prefixes_in_the_window() {
    let moto = Moto::start();
    // Corrupt objects in day folders outside the window (they must not even be read) and one
    // inside it (which must be read and reported).
    let bad = r#"b"\x1f\x8bnot gzip""#;
    upload(
        &moto,
        "win",
        &[
            (
                "AWSLogs/111122223333/CloudTrail/us-east-1/2019/01/01/old.json.gz",
                bad,
            ),
            (
                "AWSLogs/111122223333/CloudTrail/us-east-1/2024/03/20/late.json.gz",
                bad,
            ),
            (
                "AWSLogs/o-exampleorg1/111122223333/CloudTrail/eu-west-1/2024/02/06/early.json.gz",
                bad,
            ),
        ],
    );
    let window = ["--since", "2024-03-06", "--until", "2024-03-07T23:00:00Z"];
    let mut args = vec!["s3://win/AWSLogs/"];
    args.extend(window);
    let s3 = hunt(&moto, &args);
    let v = json(&s3);
    assert_eq!(errors(&v), Vec::<String>::new(), "{}", stderr(&s3));
    let mut largs = vec!["testdata/cloudtrail/AWSLogs"];
    largs.extend(window);
    let loc = local(&largs);
    assert_eq!(s3.status.code(), loc.status.code(), "{}", stderr(&s3));
    assert_ne!(s3.status.code(), Some(3));
    let got = findings(&v, "s3://win/AWSLogs/");
    assert_eq!(got, findings(&json(&loc), "testdata/cloudtrail/AWSLogs/"));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].3, ["22222222-0000-4000-8000-000000000001"]);

    // Starting deeper in the layout (one account's region) works the same way.
    let mut args = vec!["s3://win/AWSLogs/111122223333/CloudTrail/us-east-1/"];
    args.extend(["--since", "2024-03-01", "--until", "2024-03-10"]);
    let o = hunt(&moto, &args);
    let v = json(&o);
    assert_eq!(errors(&v), Vec::<String>::new(), "{}", stderr(&o));
    let got = findings(&v, "s3://win/AWSLogs/111122223333/CloudTrail/us-east-1/");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].3, ["11111111-0000-4000-8000-000000000002"]);

    // Without the window every corrupt object is read and named.
    let all = hunt(&moto, &["s3://win/AWSLogs/"]);
    assert_eq!(all.status.code(), Some(3));
    assert_eq!(
        errors(&json(&all)),
        [
            "s3://win/AWSLogs/111122223333/CloudTrail/us-east-1/2019/01/01/old.json.gz",
            "s3://win/AWSLogs/111122223333/CloudTrail/us-east-1/2024/03/20/late.json.gz",
            "s3://win/AWSLogs/o-exampleorg1/111122223333/CloudTrail/eu-west-1/2024/02/06/early.json.gz",
        ]
    );

    // A corrupt object inside the window is read: named, exit 3, the rest processed.
    moto.python_inline(&format!(
        r#"import boto3, sys
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1")
s3.put_object(Bucket="win", Key="AWSLogs/o-exampleorg1/111122223333/CloudTrail/eu-west-1/2024/03/07/bad.json.gz", Body={bad})
"#
    ));
    let o = hunt(&moto, &args_with(&["s3://win/AWSLogs/"], &window));
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(
        errors(&v),
        ["s3://win/AWSLogs/o-exampleorg1/111122223333/CloudTrail/eu-west-1/2024/03/07/bad.json.gz"]
    );
    assert!(stderr(&o).contains("bad gzip data"), "{}", stderr(&o));
    assert_eq!(findings(&v, "s3://win/AWSLogs/").len(), 1);
}

fn args_with<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<&'a str> {
    a.iter().chain(b).copied().collect()
}

#[test]
fn a_missing_bucket_is_named_with_exit_3_and_local_inputs_still_run() {
    let moto = Moto::start();
    let o = hunt(
        &moto,
        &[
            "s3://no-such-bucket-gr/AWSLogs/",
            "testdata/cloudtrail/AWSLogs",
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("s3://no-such-bucket-gr/AWSLogs/") && err.contains("NoSuchBucket"),
        "{err}"
    );
    let v = json(&o);
    assert_eq!(errors(&v), ["s3://no-such-bucket-gr/AWSLogs/"]);
    assert_eq!(findings(&v, "testdata/cloudtrail/AWSLogs/").len(), 2);

    // No credentials at all: the listing fails with a message naming the URL, no hang.
    let o = moto
        .guardrails()
        .current_dir(ROOT)
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .args(["hunt", "s3://trail/AWSLogs/", "-f", "json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("s3://trail/AWSLogs/"), "{}", stderr(&o));
    assert!(stderr(&o).contains("credentials"), "{}", stderr(&o));
}

#[test]
fn listings_longer_than_one_page_are_followed() {
    let moto = Moto::start();
    // 1,100 objects (ListObjectsV2 returns at most 1,000 a page); only the last one, on the
    // second page, is corrupt.
    moto.python_inline(
        r#"import boto3, sys
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1")
s3.create_bucket(Bucket="many")
day = "AWSLogs/111122223333/CloudTrail/us-east-1/2024/03/06/"
for i in range(1099):
    s3.put_object(Bucket="many", Key=f"{day}f{i:04}.json", Body=b'{"Records":[]}')
s3.put_object(Bucket="many", Key=f"{day}f1099.json", Body=b'{"Records":[{"eventName"')
"#,
    );
    let last = "s3://many/AWSLogs/111122223333/CloudTrail/us-east-1/2024/03/06/f1099.json";
    for args in [
        vec!["s3://many/"],
        vec![
            "s3://many/AWSLogs/",
            "--since",
            "2024-03-06",
            "--until",
            "2024-03-06",
        ],
    ] {
        let o = hunt(&moto, &args);
        assert_eq!(o.status.code(), Some(3), "{args:?}: {}", stderr(&o));
        assert_eq!(errors(&json(&o)), [last], "{args:?}");
    }
}
