//! `guardrails lambda` (or the binary named `bootstrap` run with no arguments): the AWS
//! Lambda custom-runtime loop (provided.al2023) that runs `cis` once per invocation.
//!
//! Protocol (Lambda Runtime API 2018-06-01): GET `/runtime/invocation/next` blocks until
//! an event arrives; the result goes to `/runtime/invocation/<id>/response`, a failure to
//! `/runtime/invocation/<id>/error`; a failure before the first event to
//! `/runtime/init/error`. The loop ends (exit 1) only when the Runtime API itself fails,
//! which is what Lambda expects of a runtime.

use std::process::ExitCode;
use std::time::Duration;

const API_PREFIX: &str = "2018-06-01/runtime";

/// A failed invocation as the Runtime API wants it (`errorType`, `errorMessage`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerError {
    pub kind: String,
    pub message: String,
}

impl HandlerError {
    pub fn new(kind: &str, message: impl Into<String>) -> HandlerError {
        HandlerError {
            kind: kind.into(),
            message: message.into(),
        }
    }

    fn body(&self) -> String {
        serde_json::json!({
            "errorType": self.kind,
            "errorMessage": self.message,
            "stackTrace": [],
        })
        .to_string()
    }
}

/// One event from `/invocation/next`.
pub struct Invocation {
    pub request_id: String,
    pub event: serde_json::Value,
}

pub struct RuntimeApi {
    agent: ureq::Agent,
    base: String,
}

impl RuntimeApi {
    pub fn new(host_port: &str) -> RuntimeApi {
        // `/next` is a long poll that may block for hours between scheduled events: no
        // global timeout, only a connect timeout.
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(5)))
            .build()
            .into();
        RuntimeApi {
            agent,
            base: format!("http://{host_port}/{API_PREFIX}"),
        }
    }

    pub fn next(&self) -> Result<Invocation, String> {
        let url = format!("{}/invocation/next", self.base);
        let mut resp = self
            .agent
            .get(&url)
            .call()
            .map_err(|e| format!("GET {url}: {e}"))?;
        let status = resp.status().as_u16();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let request_id = header("Lambda-Runtime-Aws-Request-Id");
        if let Some(trace) = header("Lambda-Runtime-Trace-Id") {
            // SAFETY: single-threaded here; the SDK reads it for X-Ray propagation.
            unsafe { std::env::set_var("_X_AMZN_TRACE_ID", trace) };
        }
        let body = resp
            .body_mut()
            .read_to_string()
            .map_err(|e| format!("GET {url}: reading the event: {e}"))?;
        if status != 200 {
            return Err(format!("GET {url}: HTTP {status} {body}"));
        }
        let request_id =
            request_id.ok_or_else(|| format!("GET {url}: no Lambda-Runtime-Aws-Request-Id"))?;
        // A non-JSON payload (or none) is treated as an empty event, not a crash.
        let event = serde_json::from_str(&body).unwrap_or(serde_json::Value::Null);
        Ok(Invocation { request_id, event })
    }

    fn post(&self, path: &str, body: &str, error_type: Option<&str>) -> Result<(), String> {
        let url = format!("{}/{path}", self.base);
        let mut req = self
            .agent
            .post(&url)
            .header("Content-Type", "application/json");
        if let Some(t) = error_type {
            req = req.header("Lambda-Runtime-Function-Error-Type", t);
        }
        let resp = req.send(body).map_err(|e| format!("POST {url}: {e}"))?;
        let status = resp.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(format!("POST {url}: HTTP {status}"));
        }
        Ok(())
    }

    pub fn respond(&self, request_id: &str, body: &str) -> Result<(), String> {
        self.post(&format!("invocation/{request_id}/response"), body, None)
    }

    pub fn fail(&self, request_id: &str, err: &HandlerError) -> Result<(), String> {
        self.post(
            &format!("invocation/{request_id}/error"),
            &err.body(),
            Some(&err.kind),
        )
    }

    pub fn init_error(&self, err: &HandlerError) -> Result<(), String> {
        self.post("init/error", &err.body(), Some(&err.kind))
    }
}

/// Serves invocations until the Runtime API fails; returns that failure.
pub fn serve(
    api: &RuntimeApi,
    mut handler: impl FnMut(&serde_json::Value) -> Result<serde_json::Value, HandlerError>,
) -> String {
    loop {
        let inv = match api.next() {
            Ok(i) => i,
            Err(e) => return e,
        };
        let posted = match handler(&inv.event) {
            Ok(v) => api.respond(&inv.request_id, &v.to_string()),
            Err(e) => {
                eprintln!(
                    "guardrails lambda: invocation {} failed: {}: {}",
                    inv.request_id, e.kind, e.message
                );
                api.fail(&inv.request_id, &e)
            }
        };
        if let Err(e) = posted {
            return e;
        }
    }
}

/// `includes` from the event (`{"includes": ["CIS-1.4", ...]}`), else None. A present
/// but malformed list is an error, not silently "all controls".
pub fn event_includes(event: &serde_json::Value) -> Result<Option<Vec<String>>, HandlerError> {
    match event.get("includes") {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str().map(str::to_string).ok_or_else(|| {
                    HandlerError::new(
                        "InvalidEvent",
                        format!("\"includes\" must be a list of control ids, found {v}"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(serde_json::Value::String(s)) => Ok(Some(
            s.split(',')
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect(),
        )),
        Some(other) => Err(HandlerError::new(
            "InvalidEvent",
            format!("\"includes\" must be a list of control ids, found {other}"),
        )),
    }
}

/// True when this process is the Lambda `bootstrap` started with no arguments.
pub fn invoked_as_bootstrap() -> bool {
    let mut args = std::env::args_os();
    let Some(argv0) = args.next() else {
        return false;
    };
    args.next().is_none()
        && std::path::Path::new(&argv0)
            .file_name()
            .is_some_and(|n| n == "bootstrap")
}

pub fn run() -> ExitCode {
    let Some(host) = std::env::var("AWS_LAMBDA_RUNTIME_API")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        eprintln!(
            "guardrails lambda: error: AWS_LAMBDA_RUNTIME_API is not set (this runs inside AWS Lambda; use `guardrails cis` elsewhere)"
        );
        return ExitCode::from(crate::cli::EXIT_CONFIG);
    };
    let api = RuntimeApi::new(&host);
    let mut handler = match make_handler() {
        Ok(h) => h,
        Err(e) => {
            eprintln!("guardrails lambda: init failed: {}: {}", e.kind, e.message);
            if let Err(post) = api.init_error(&e) {
                eprintln!("guardrails lambda: error: {post}");
            }
            return ExitCode::from(crate::cli::EXIT_CONFIG);
        }
    };
    let why = serve(&api, &mut handler);
    eprintln!("guardrails lambda: error: Runtime API: {why}");
    ExitCode::from(crate::cli::EXIT_INTERNAL)
}

/// The per-invocation handler: `cis` with the environment's configuration. The
/// configuration is validated here, once, so a bad value is an init error. The event may
/// narrow the controls (`{"includes": [...]}`); the response is the run summary.
fn make_handler()
-> Result<impl FnMut(&serde_json::Value) -> Result<serde_json::Value, HandlerError>, HandlerError> {
    let base = crate::cis::options_from_env(&[])
        .map_err(|(_, e)| HandlerError::new("InvalidConfiguration", e))?;
    let rt = crate::aws::runtime()
        .map_err(|e| HandlerError::new("RuntimeError", format!("async runtime: {e}")))?;
    let conf = rt.block_on(crate::aws::load(None));
    Ok(move |event: &serde_json::Value| {
        let mut opts = base.clone();
        if let Some(includes) = event_includes(event)? {
            opts.controls =
                crate::cis::select(&includes).map_err(|e| HandlerError::new("InvalidEvent", e))?;
        }
        let run = rt
            .block_on(crate::cis::execute(&conf, &opts))
            .map_err(|e| HandlerError::new("AwsError", e.0))?;
        if crate::cis::sinks::any_failed(&run) {
            let failed: Vec<String> = run
                .sinks
                .iter()
                .filter(|s| s.outcome == "failed")
                .map(|s| {
                    format!(
                        "{} ({}): {}",
                        s.sink,
                        s.target,
                        s.error.as_deref().unwrap_or("failed")
                    )
                })
                .collect();
            return Err(HandlerError::new(
                "SinkFailed",
                format!(
                    "score {:.1}; sink delivery failed: {}",
                    run.score,
                    failed.join("; ")
                ),
            ));
        }
        let mut summary = crate::cis::sinks::summary(&run);
        if let Some(obj) = summary.as_object_mut() {
            obj.insert("remediation".into(), run.remediation.clone().into());
            obj.insert(
                "sinks".into(),
                serde_json::to_value(&run.sinks).unwrap_or_default(),
            );
            obj.insert("exit_code".into(), crate::cis::exit_code(&run).into());
        }
        eprintln!(
            "guardrails lambda: account {} score {:.1}",
            run.account, run.score
        );
        Ok(summary)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn includes_from_event() {
        let j = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap();
        assert_eq!(event_includes(&j("{}")).unwrap(), None);
        assert_eq!(event_includes(&serde_json::Value::Null).unwrap(), None);
        assert_eq!(
            event_includes(&j(r#"{"includes":["CIS-1.4","CIS-5.2"]}"#)).unwrap(),
            Some(vec!["CIS-1.4".to_string(), "CIS-5.2".to_string()])
        );
        assert_eq!(
            event_includes(&j(r#"{"includes":"CIS-1.4, CIS-5.2"}"#)).unwrap(),
            Some(vec!["CIS-1.4".to_string(), "CIS-5.2".to_string()])
        );
        assert_eq!(
            event_includes(&j(r#"{"includes":[4]}"#)).unwrap_err().kind,
            "InvalidEvent"
        );
        assert!(event_includes(&j(r#"{"includes":{"a":1}}"#)).is_err());
    }
}
