//! `guardrails cis` end to end: the real binary, through the real AWS SDK, against a real
//! moto server (tests/common/moto.rs) set up by tests/cis_account.py with boto3.
//!
//! Every control is exercised here: CIS-1.4, CIS-1.5, CIS-1.8, CIS-1.9, CIS-1.10,
//! CIS-1.15, CIS-2.1.5, CIS-3.1, CIS-3.2, CIS-4.1, CIS-5.2 (tests/fixtures.rs checks
//! that each registered CIS id is named in this file).
//!
//! moto's fixed answers: GetAccountSummary always reports AccountAccessKeysPresent=0 and
//! AccountMFAEnabled=0, so CIS-1.4 passes and CIS-1.5 fails in every emulated account.

mod common;

use common::moto::Moto;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

const ALL: [&str; 11] = [
    "CIS-1.4",
    "CIS-1.5",
    "CIS-1.8",
    "CIS-1.9",
    "CIS-1.10",
    "CIS-1.15",
    "CIS-2.1.5",
    "CIS-3.1",
    "CIS-3.2",
    "CIS-4.1",
    "CIS-5.2",
];

fn account(moto: &Moto, mode: &str) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cis_account.py");
    let out = moto.python(&script, &[mode]);
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn cis(moto: &Moto, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = moto.guardrails();
    c.arg("cis").args(args);
    for k in [
        "TABLE_NAME",
        "REPORT_BUCKET",
        "EVENT_BUS_NAME",
        "AUTO_REMEDIATE",
        "AUTO_REMEDIATE_APPLY",
        "REMEDIATION_APPLY_PARAMETER",
        "SCORE_THRESHOLD",
        "ENABLE_HTML",
        "ENABLE_PDF",
        "ALARM_TOPIC_ARN",
    ] {
        c.env_remove(k);
    }
    c.envs(env.iter().copied());
    c.output().unwrap()
}

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn statuses(report: &Value) -> BTreeMap<String, String> {
    report["controls"]
        .as_array()
        .expect("controls")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn control<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in report"))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const TWO_REGIONS: &str = "us-east-1,eu-west-1";

#[test]
fn misconfigured_account_fails_every_control_moto_can_express() {
    let moto = Moto::start();
    account(&moto, "misconfigured");
    let o = cis(&moto, &["--format", "json", "--regions", TWO_REGIONS], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let r = json_of(&o);
    let s = statuses(&r);
    let expect: BTreeMap<String, String> = ALL
        .iter()
        .map(|id| {
            let st = if *id == "CIS-1.4" { "PASS" } else { "FAIL" };
            (id.to_string(), st.to_string())
        })
        .collect();
    assert_eq!(
        s,
        expect,
        "{}",
        serde_json::to_string_pretty(&r["controls"]).unwrap()
    );
    // Failing controls are findings with the control id, in the scan envelope.
    let mut ids: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    ids.sort();
    let mut failing: Vec<&str> = ALL.iter().copied().filter(|i| *i != "CIS-1.4").collect();
    failing.sort();
    assert_eq!(ids, failing);
    assert_eq!(r["account"], "123456789012");
    assert_eq!(r["passed"], false);
    // Evidence says what was read.
    let c = control(&r, "CIS-1.8");
    assert!(
        c["evidence"]
            .to_string()
            .contains("MinimumPasswordLength=8"),
        "{c}"
    );
    let c = control(&r, "CIS-1.10");
    assert!(c["reason"].as_str().unwrap().contains("alice"), "{c}");
    let c = control(&r, "CIS-1.15");
    let reason = c["reason"].as_str().unwrap();
    assert!(reason.contains("bob") && reason.contains("carol"), "{c}");
    let c = control(&r, "CIS-5.2");
    // 22, 3389 and all-traffic in two regions; 443 is not an admin port.
    assert!(
        c["reason"]
            .as_str()
            .unwrap()
            .starts_with("6 ingress rule(s)"),
        "{c}"
    );
    assert!(c["evidence"].to_string().contains("eu-west-1"), "{c}");
    let c = control(&r, "CIS-3.1");
    assert!(
        c["evidence"].to_string().contains("multi-region=false"),
        "{c}"
    );
    let c = control(&r, "CIS-2.1.5");
    assert!(
        c["reason"]
            .as_str()
            .unwrap()
            .contains("no S3 Block Public Access"),
        "{c}"
    );
    // Score: only CIS-1.4 passes.
    let w = |id: &str| control(&r, id)["weight"].as_f64().unwrap();
    let total: f64 = ALL.iter().map(|id| w(id)).sum();
    let expected = (w("CIS-1.4") / total * 1000.0).round() / 10.0;
    assert!(
        (r["score"].as_f64().unwrap() - expected).abs() < 0.051,
        "{}",
        r["score"]
    );
}

#[test]
fn hardened_account_passes_all_but_the_emulator_fixed_root_mfa() {
    let moto = Moto::start();
    account(&moto, "hardened");
    // Every enabled region (DescribeRegions), as a scheduled run does.
    let o = cis(&moto, &["--format", "json"], &[]);
    let r = json_of(&o);
    let s = statuses(&r);
    for id in ALL {
        let want = if id == "CIS-1.5" { "FAIL" } else { "PASS" };
        assert_eq!(
            s[id],
            want,
            "{id}: {}",
            serde_json::to_string_pretty(control(&r, id)).unwrap()
        );
    }
    assert_eq!(o.status.code(), Some(2), "CIS-1.5 fails: {}", stderr(&o));
    assert!(
        r["regions"].as_array().unwrap().len() > 10,
        "all enabled regions: {}",
        r["regions"]
    );
    let c = control(&r, "CIS-4.1");
    assert!(c["evidence"].to_string().contains("alarm cis-4.1"), "{c}");
    assert!(
        control(&r, "CIS-1.5")["reason"]
            .as_str()
            .unwrap()
            .contains("root")
    );
}

#[test]
fn includes_selects_controls_and_unknown_ids_are_usage_errors() {
    let moto = Moto::start();
    account(&moto, "hardened");
    let o = cis(
        &moto,
        &["--includes", "CIS-1.8,cis-5.2", "--format", "json"],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r = json_of(&o);
    let s = statuses(&r);
    assert_eq!(s.keys().collect::<Vec<_>>(), ["CIS-1.8", "CIS-5.2"]);
    assert_eq!(r["score"].as_f64(), Some(100.0));

    let o = cis(&moto, &["--includes", "CIS-1.4,CIS-9.9"], &[]);
    assert_eq!(o.status.code(), Some(64));
    let e = stderr(&o);
    assert!(e.contains("CIS-9.9") && e.contains("CIS-2.1.5"), "{e}");
    assert!(o.stdout.is_empty());
}

#[test]
fn report_formats() {
    let moto = Moto::start();
    account(&moto, "misconfigured");
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "--includes",
        "CIS-1.8,CIS-1.9,CIS-1.4",
        "--regions",
        "us-east-1",
    ];
    for (format, check) in [
        ("csv", "CIS-1.8"),
        ("html", "<html"),
        ("sarif", "\"version\": \"2.1.0\""),
        ("markdown", "| FAIL | CIS-1.8 |"),
        ("text", "FAIL  CIS-1.8"),
    ] {
        let out = dir.path().join(format!("report.{format}"));
        let mut a = args.to_vec();
        a.extend(["--format", format, "--out", out.to_str().unwrap()]);
        let o = cis(&moto, &a, &[]);
        assert_eq!(o.status.code(), Some(2), "{format}: {}", stderr(&o));
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(text.contains(check), "{format}: {text}");
    }
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.sarif")).unwrap())
            .unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let mut ids: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, ["CIS-1.8", "CIS-1.9"]);
    // GitHub's ingestion rules accept it (the SARIF Multitool, installed by .ci/run or
    // tests/sarif_multitool.rs).
    let multitool = std::env::var("GUARDRAILS_SARIF_MULTITOOL").unwrap_or_else(|_| {
        format!(
            "{}/.tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    let checked = dir.path().join("validated.sarif");
    let v = std::process::Command::new(&multitool)
        .args(["validate", "--rule-kind", "Gh;Sarif", "-o"])
        .arg(&checked)
        .arg(dir.path().join("report.sarif"))
        .output()
        .unwrap_or_else(|e| panic!("SARIF Multitool {multitool}: {e} (.ci/run installs it)"));
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
    let checked: Value = serde_json::from_str(&std::fs::read_to_string(&checked).unwrap()).unwrap();
    let errors: Vec<&Value> = checked["runs"][0]["results"]
        .as_array()
        .map(|r| r.iter().filter(|x| x["level"] == "error").collect())
        .unwrap_or_default();
    assert!(errors.is_empty(), "{errors:#?}");
    // CSV: a header and one row per control.
    let csv = std::fs::read_to_string(dir.path().join("report.csv")).unwrap();
    assert!(csv.lines().count() >= 4, "{csv}");
}

#[test]
fn remediation_modes_and_the_two_switch_safety() {
    let moto = Moto::start();
    let setup = account(&moto, "misconfigured");
    let topic = setup["topic"].as_str().unwrap();
    let args = ["--format", "json", "--regions", TWO_REGIONS];

    // Invalid mode: configuration error, nothing read.
    let o = cis(&moto, &args, &[("AUTO_REMEDIATE", "yes")]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));

    // 1 = dry-run: actions planned and recorded, account unchanged.
    let o = cis(
        &moto,
        &args,
        &[("AUTO_REMEDIATE", "1"), ("ALARM_TOPIC_ARN", topic)],
    );
    let r = json_of(&o);
    assert_eq!(r["remediation"], "dry-run");
    let c = control(&r, "CIS-5.2");
    assert_eq!(c["status"], "FAIL");
    let actions = c["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 6, "{c}");
    assert!(actions.iter().all(|a| a["outcome"] == "planned"));
    assert!(
        c["evidence"].to_string().contains("remediation planned"),
        "{c}"
    );
    for id in ["CIS-2.1.5", "CIS-3.1", "CIS-3.2"] {
        assert!(
            control(&r, id)["actions"]
                .as_array()
                .is_some_and(|a| !a.is_empty()),
            "{id} has no planned action"
        );
    }

    // 2 without AUTO_REMEDIATE_APPLY: dry-run, and says why.
    let o = cis(&moto, &args, &[("AUTO_REMEDIATE", "2")]);
    let r = json_of(&o);
    let why = r["remediation"].as_str().unwrap();
    assert!(
        why.starts_with("dry-run") && why.contains("AUTO_REMEDIATE_APPLY"),
        "{why}"
    );
    assert_eq!(control(&r, "CIS-5.2")["status"], "FAIL");

    // 2 + APPLY but the SSM switch reads false: still dry-run.
    moto.python_inline(
        "import sys, boto3\n\
         boto3.client('ssm', region_name='us-east-1', endpoint_url=sys.argv[1]).put_parameter(\
         Name='/guardrails/apply', Value='false', Type='String')\n",
    );
    let both = [
        ("AUTO_REMEDIATE", "2"),
        ("AUTO_REMEDIATE_APPLY", "true"),
        ("REMEDIATION_APPLY_PARAMETER", "/guardrails/apply"),
        ("ALARM_TOPIC_ARN", topic),
    ];
    let o = cis(&moto, &args, &both);
    let r = json_of(&o);
    let why = r["remediation"].as_str().unwrap();
    assert!(
        why.starts_with("dry-run") && why.contains("/guardrails/apply"),
        "{why}"
    );
    assert_eq!(control(&r, "CIS-5.2")["status"], "FAIL");

    // All three switches: applied, and the account is read again.
    moto.python_inline(
        "import sys, boto3\n\
         boto3.client('ssm', region_name='us-east-1', endpoint_url=sys.argv[1]).put_parameter(\
         Name='/guardrails/apply', Value='true', Type='String', Overwrite=True)\n",
    );
    let o = cis(&moto, &args, &both);
    let r = json_of(&o);
    assert_eq!(r["remediation"], "apply", "{}", stderr(&o));
    for id in ["CIS-5.2", "CIS-2.1.5", "CIS-3.2"] {
        let c = control(&r, id);
        assert_eq!(c["status"], "PASS", "{id}: {c}");
        assert!(
            c["actions"]
                .as_array()
                .unwrap()
                .iter()
                .all(|a| a["outcome"] == "applied"),
            "{id}: {c}"
        );
    }
    // The world-open admin rules are really gone (and the 443 rule kept).
    let left = moto.python_inline(
        "import sys, boto3\n\
         n = 0\n\
         for region in ['us-east-1', 'eu-west-1']:\n\
         \x20   ec2 = boto3.client('ec2', region_name=region, endpoint_url=sys.argv[1])\n\
         \x20   for r in ec2.describe_security_group_rules()['SecurityGroupRules']:\n\
         \x20       if not r['IsEgress'] and r.get('CidrIpv4') == '0.0.0.0/0':\n\
         \x20           n += 1\n\
         print(n)\n",
    );
    assert_eq!(left.trim(), "2", "only the two 443 rules stay open");
}

#[test]
fn sinks_deliver_to_dynamodb_s3_and_eventbridge() {
    let moto = Moto::start();
    account(&moto, "misconfigured");
    let sinks = account(&moto, "sinks");
    let queue = sinks["queue"].as_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scan.json");
    let o = cis(
        &moto,
        &[
            "--format",
            "json",
            "--regions",
            "us-east-1",
            "--out",
            out.to_str().unwrap(),
        ],
        &[
            ("TABLE_NAME", "cis-results"),
            ("REPORT_BUCKET", "cis-reports"),
            ("EVENT_BUS_NAME", "cis-bus"),
            ("ENABLE_HTML", "true"),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let ts = r["timestamp"].as_str().unwrap();
    let sinks: Vec<(&str, &str)> = r["sinks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["sink"].as_str().unwrap(), s["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(
        sinks,
        [
            ("dynamodb", "delivered"),
            ("s3", "delivered"),
            ("eventbridge", "delivered")
        ],
        "{}",
        r["sinks"]
    );
    assert!(
        stderr(&o).contains("X-Amz-Signature"),
        "presigned URL logged"
    );

    // Read everything back with boto3.
    let back = moto.python_inline(&format!(
        "import sys, json, time, boto3\n\
         kw = dict(region_name='us-east-1', endpoint_url=sys.argv[1])\n\
         ddb = boto3.client('dynamodb', **kw)\n\
         run = ddb.get_item(TableName='cis-results', Key={{'pk': {{'S': 'account#123456789012'}}, 'sk': {{'S': 'run#{ts}'}}}})['Item']\n\
         ctl = ddb.get_item(TableName='cis-results', Key={{'pk': {{'S': 'account#123456789012'}}, 'sk': {{'S': 'run#{ts}#control#CIS-1.4'}}}})['Item']\n\
         s3 = boto3.client('s3', **kw)\n\
         keys = sorted(o['Key'] for o in s3.list_objects_v2(Bucket='cis-reports', Prefix='minicspm/123456789012/')['Contents'])\n\
         csv = s3.get_object(Bucket='cis-reports', Key=[k for k in keys if k.endswith('.csv')][0])['Body'].read().decode()\n\
         sqs = boto3.client('sqs', **kw)\n\
         msgs = []\n\
         for _ in range(20):\n\
         \x20   msgs = sqs.receive_message(QueueUrl='{queue}', MaxNumberOfMessages=10).get('Messages', [])\n\
         \x20   if msgs: break\n\
         \x20   time.sleep(0.2)\n\
         event = json.loads(msgs[0]['Body']) if msgs else None\n\
         print(json.dumps({{'run': run, 'control': ctl, 'keys': keys, 'csv': csv, 'event': event}}))\n"
    ));
    let back: Value = serde_json::from_str(back.trim()).unwrap();
    assert_eq!(
        back["control"]["status"]["S"], "PASS",
        "{}",
        back["control"]
    );
    assert!(
        back["run"].to_string().contains(&r["score"].to_string()),
        "{}",
        back["run"]
    );
    let keys: Vec<&str> = back["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert!(
        keys.iter()
            .all(|k| k.starts_with(&format!("minicspm/123456789012/{ts}/"))),
        "{keys:?}"
    );
    assert!(keys.iter().any(|k| k.ends_with(".csv")) && keys.iter().any(|k| k.ends_with(".html")));
    assert!(back["csv"].as_str().unwrap().contains("CIS-5.2"));
    let event = &back["event"];
    assert_eq!(event["source"], "guardrails.cis", "{back}");
    assert_eq!(event["detail"]["score"], r["score"], "{event}");
    assert!(event["detail"].to_string().contains("CIS-5.2"), "{event}");
}

#[test]
fn a_failing_sink_keeps_the_local_report_and_exits_5() {
    let moto = Moto::start();
    account(&moto, "hardened");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scan.json");
    let o = cis(
        &moto,
        &[
            "--includes",
            "CIS-1.8",
            "--format",
            "json",
            "--out",
            out.to_str().unwrap(),
        ],
        &[("TABLE_NAME", "no-such-table")],
    );
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    assert!(stderr(&o).contains("no-such-table"), "{}", stderr(&o));
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(control(&r, "CIS-1.8")["status"], "PASS");
    assert_eq!(r["sinks"][0]["outcome"], "failed");
}

#[test]
fn unreachable_endpoint_is_a_clear_error_not_a_hang() {
    let moto = Moto::start();
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut c = moto.guardrails();
    c.args(["cis", "--format", "json"])
        .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}"))
        .env("AWS_MAX_ATTEMPTS", "1");
    let start = Instant::now();
    let o = c.output().unwrap();
    assert!(start.elapsed() < Duration::from_secs(60));
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("cannot identify the account"), "{e}");
    assert!(o.stdout.is_empty());
}

#[test]
fn missing_credentials_are_a_clear_error() {
    let moto = Moto::start();
    let mut c = moto.guardrails();
    c.args(["cis", "--format", "json"])
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN");
    let o = c.output().unwrap();
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("cannot identify the account"), "{e}");
    assert!(e.to_lowercase().contains("credential"), "{e}");
    assert!(o.stdout.is_empty());
}
