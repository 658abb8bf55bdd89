//! `guardrails lambda` / `bootstrap`: the custom-runtime loop against a Lambda Runtime
//! API peer (tests/lambda_runtime), the real binary, and moto as the AWS backend.

mod common;
mod lambda_runtime;

use lambda_runtime::RuntimeApi;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_guardrails"))
}

/// Runs the binary with `args` and `env` until it exits (the peer ends the loop by
/// answering 410 once its events are used up); fails the test after 120 s.
fn run(cmd: &mut Command) -> Output {
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let o = child.wait_with_output().unwrap();
            panic!(
                "runtime did not exit within 120 s; stderr:\n{}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Environment without any sink, remediation or AWS settings of the developer's shell.
fn clean(cmd: &mut Command) -> &mut Command {
    for v in [
        "TABLE_NAME",
        "REPORT_BUCKET",
        "EVENT_BUS_NAME",
        "AUTO_REMEDIATE",
        "AUTO_REMEDIATE_APPLY",
        "REMEDIATION_APPLY_PARAMETER",
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
    ] {
        cmd.env_remove(v);
    }
    cmd
}

#[test]
fn bad_configuration_goes_to_init_error() {
    let api = RuntimeApi::start(&[("never-served", "{}")]);
    let o = run(clean(Command::new(bin()).arg("lambda"))
        .env("AWS_LAMBDA_RUNTIME_API", &api.addr)
        .env("AUTO_REMEDIATE", "7"));
    let posted = api.posted();
    assert_eq!(posted.len(), 1, "{posted:?}");
    assert_eq!(posted[0].path, "/2018-06-01/runtime/init/error");
    let body = posted[0].json();
    assert_eq!(body["errorType"], "InvalidConfiguration");
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap()
            .contains("AUTO_REMEDIATE"),
        "{body}"
    );
    assert_eq!(
        posted[0].header("Lambda-Runtime-Function-Error-Type"),
        Some("InvalidConfiguration")
    );
    assert_eq!(
        api.served(),
        0,
        "no invocation is fetched after an init error"
    );
    assert_eq!(o.status.code(), Some(4));
}

#[test]
fn outside_lambda_is_a_configuration_error() {
    let o = run(clean(Command::new(bin()).arg("lambda")).env_remove("AWS_LAMBDA_RUNTIME_API"));
    assert_eq!(o.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&o.stderr).contains("AWS_LAMBDA_RUNTIME_API is not set"));
}

/// Named `bootstrap` with no arguments, the binary is the handler (provided.al2023).
#[test]
fn bootstrap_name_runs_the_handler() {
    let dir = tempfile::tempdir().unwrap();
    let bootstrap = dir.path().join("bootstrap");
    std::os::unix::fs::symlink(bin(), &bootstrap).unwrap();
    let api = RuntimeApi::start(&[]);
    let o = run(clean(&mut Command::new(&bootstrap))
        .env("AWS_LAMBDA_RUNTIME_API", &api.addr)
        .env("AUTO_REMEDIATE", "x"));
    assert_eq!(api.posted()[0].path, "/2018-06-01/runtime/init/error");
    assert_eq!(o.status.code(), Some(4));
    // With arguments it is the normal CLI.
    let o = run(clean(Command::new(&bootstrap).arg("--version")));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("guardrails "));
}

/// Scheduled invocations against moto: the summary is the response, the event narrows
/// the controls, a malformed event and a failing sink are invocation errors, and the
/// loop keeps serving after them.
#[test]
fn invocations_run_cis_against_the_account() {
    let moto = common::moto::Moto::start();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cis_account.py");
    moto.python(&script, &["hardened"]);
    moto.python(&script, &["sinks"]);
    let api = RuntimeApi::start(&[
        ("req-1", r#"{"includes": ["CIS-1.8", "CIS-5.2"]}"#),
        ("req-2", r#"{"includes": [4]}"#),
        ("req-3", r#"{"includes": "CIS-1.9"}"#),
    ]);
    let mut cmd = Command::new(bin());
    clean(&mut cmd);
    for (k, v) in moto.env() {
        cmd.env(k, v);
    }
    let o = run(cmd
        .arg("lambda")
        .env("AWS_LAMBDA_RUNTIME_API", &api.addr)
        .env("TABLE_NAME", "cis-results"));
    let posted = api.posted();
    assert_eq!(
        posted.len(),
        3,
        "{posted:?}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        posted[0].path,
        "/2018-06-01/runtime/invocation/req-1/response"
    );
    let body = posted[0].json();
    assert_eq!(body["score"].as_f64(), Some(100.0), "{body}");
    assert_eq!(body["sinks"][0]["outcome"], "delivered", "{body}");
    assert_eq!(body["exit_code"], 0);
    assert_eq!(posted[1].path, "/2018-06-01/runtime/invocation/req-2/error");
    assert_eq!(posted[1].json()["errorType"], "InvalidEvent");
    assert_eq!(
        posted[2].path,
        "/2018-06-01/runtime/invocation/req-3/response"
    );
    assert!(posted[2].body.contains("CIS-1.9"), "{}", posted[2].body);
    // The loop ends only when the Runtime API goes away (410 after the queue).
    assert_eq!(o.status.code(), Some(1));

    // A sink that cannot deliver makes the invocation an error.
    let api = RuntimeApi::start(&[("req-4", r#"{"includes": ["CIS-1.8"]}"#)]);
    let mut cmd = Command::new(bin());
    clean(&mut cmd);
    for (k, v) in moto.env() {
        cmd.env(k, v);
    }
    run(cmd
        .arg("lambda")
        .env("AWS_LAMBDA_RUNTIME_API", &api.addr)
        .env("TABLE_NAME", "no-such-table"));
    let posted = api.posted();
    assert_eq!(posted[0].path, "/2018-06-01/runtime/invocation/req-4/error");
    let e = posted[0].json();
    assert_eq!(e["errorType"], "SinkFailed");
    assert!(
        e["errorMessage"]
            .as_str()
            .unwrap()
            .contains("no-such-table"),
        "{e}"
    );
}
