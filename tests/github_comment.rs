//! `guardrails comment` against an in-process fake of the three GitHub REST endpoints it
//! uses (list with `Link` pagination, create, update), run through the real binary.

use guardrails::model::{Finding, Report, Severity};
use guardrails::report::markdown;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

const TOKEN: &str = "ghs_s3cr3tT0kenThatMustNeverBePrinted";
const REPO: &str = "octo-org/serverless-app";
const PR: u64 = 7;

#[derive(Clone, Debug)]
struct Request {
    method: String,
    /// Path and query.
    target: String,
    /// Lower-cased names.
    headers: HashMap<String, String>,
    body: String,
}

struct State {
    /// (id, body), oldest first, as GitHub lists them.
    comments: Vec<(u64, String)>,
    next_id: u64,
    /// Answer 403 to POST and PATCH (a read-only token).
    read_only: bool,
    requests: Vec<Request>,
}

struct FakeGitHub {
    base: String,
    state: Arc<Mutex<State>>,
}

impl FakeGitHub {
    fn start(comments: Vec<(u64, String)>, read_only: bool) -> FakeGitHub {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let next_id = comments.iter().map(|c| c.0).max().unwrap_or(0) + 1;
        let state = Arc::new(Mutex::new(State {
            comments,
            next_id,
            read_only,
            requests: Vec::new(),
        }));
        let (s, b) = (state.clone(), base.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let (s, b) = (s.clone(), b.clone());
                std::thread::spawn(move || serve(stream, &s, &b));
            }
        });
        FakeGitHub { base, state }
    }

    fn requests(&self) -> Vec<Request> {
        std::mem::take(&mut self.state.lock().unwrap().requests)
    }

    fn comments(&self) -> Vec<(u64, String)> {
        self.state.lock().unwrap().comments.clone()
    }
}

/// One request per connection (`Connection: close`), Content-Length bodies.
fn serve(stream: TcpStream, state: &Mutex<State>, base: &str) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("").to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).unwrap();
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':').unwrap();
        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
    }
    assert!(
        !headers.contains_key("transfer-encoding"),
        "expected a Content-Length body"
    );
    let len: usize = headers
        .get("content-length")
        .map_or(0, |v| v.parse().unwrap());
    let mut body = vec![0; len];
    reader.read_exact(&mut body).unwrap();
    let body = String::from_utf8(body).unwrap();

    let (status, extra, response) = {
        let mut st = state.lock().unwrap();
        st.requests.push(Request {
            method: method.clone(),
            target: target.clone(),
            headers,
            body: body.clone(),
        });
        route(&mut st, &method, &target, &body, base)
    };
    let text = response.to_string();
    let mut out = stream;
    let _ = write!(
        out,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{text}",
        text.len()
    );
    let _ = out.flush();
}

fn route(
    st: &mut State,
    method: &str,
    target: &str,
    body: &str,
    base: &str,
) -> (u16, String, Value) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let list_path = format!("/repos/{REPO}/issues/{PR}/comments");
    let denied = json!({"message": "Resource not accessible by integration"});
    match method {
        "GET" if path == list_path => {
            assert!(query.contains("per_page=100"), "{target}");
            let page: usize = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("page="))
                .map_or(1, |p| p.parse().unwrap());
            let pages = st.comments.len().div_ceil(100).max(1);
            let items: Vec<Value> = st
                .comments
                .iter()
                .skip((page - 1) * 100)
                .take(100)
                .map(|(id, b)| json!({"id": id, "body": b, "user": {"login": "someone", "type": "User"}}))
                .collect();
            let link = |p: usize| format!("<{base}{list_path}?per_page=100&page={p}>");
            let mut rels = Vec::new();
            if page < pages {
                rels.push(format!("{}; rel=\"next\"", link(page + 1)));
                rels.push(format!("{}; rel=\"last\"", link(pages)));
            }
            if page > 1 {
                rels.push(format!("{}; rel=\"prev\"", link(page - 1)));
                rels.push(format!("{}; rel=\"first\"", link(1)));
            }
            let extra = if rels.is_empty() {
                String::new()
            } else {
                format!("Link: {}\r\n", rels.join(", "))
            };
            (200, extra, Value::Array(items))
        }
        "POST" if path == list_path => {
            if st.read_only {
                return (403, String::new(), denied);
            }
            let b: Value = serde_json::from_str(body).unwrap();
            let id = st.next_id;
            st.next_id += 1;
            st.comments
                .push((id, b["body"].as_str().unwrap().to_string()));
            let url = format!("https://github.com/{REPO}/pull/{PR}#issuecomment-{id}");
            (201, String::new(), json!({"id": id, "html_url": url}))
        }
        "PATCH" => {
            let Some(id) = path
                .strip_prefix(&format!("/repos/{REPO}/issues/comments/"))
                .and_then(|i| i.parse::<u64>().ok())
            else {
                return (404, String::new(), json!({"message": "Not Found"}));
            };
            if st.read_only {
                return (403, String::new(), denied);
            }
            let b: Value = serde_json::from_str(body).unwrap();
            let Some(c) = st.comments.iter_mut().find(|c| c.0 == id) else {
                return (404, String::new(), json!({"message": "Not Found"}));
            };
            c.1 = b["body"].as_str().unwrap().to_string();
            let url = format!("https://github.com/{REPO}/pull/{PR}#issuecomment-{id}");
            (200, String::new(), json!({"id": id, "html_url": url}))
        }
        _ => (404, String::new(), json!({"message": "Not Found"})),
    }
}

fn report(high: usize) -> Report {
    let findings = (0..high)
        .map(|i| {
            let mut f = Finding::new(
                "IAM001",
                Severity::High,
                format!("Fn{i}"),
                "Policy allows s3:*",
                "Name the actions",
                "template.yaml",
                10 + i,
                7,
                Some(format!("Resources.Fn{i}.Properties.Policies")),
            );
            f.seal("x");
            f
        })
        .collect();
    Report::new(findings, Vec::new(), Severity::High)
}

fn write_report(dir: &Path, r: &Report) -> std::path::PathBuf {
    let p = dir.join("scan.json");
    std::fs::write(&p, serde_json::to_string_pretty(r).unwrap()).unwrap();
    p
}

/// The binary with a clean GitHub environment (this test may itself run in Actions).
fn command(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_guardrails"));
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k.starts_with("GITHUB_")
            || k.starts_with("RUNNER_")
            || k.to_lowercase().ends_with("_proxy")
        {
            c.env_remove(&k);
        }
    }
    c.current_dir(dir);
    c
}

fn comment(dir: &Path, gh: &FakeGitHub, event: &Value, extra_env: &[(&str, &Path)]) -> Output {
    let event_path = dir.join("event.json");
    std::fs::write(&event_path, event.to_string()).unwrap();
    let mut c = command(dir);
    c.args(["comment", "--report", "scan.json"])
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_REPOSITORY", REPO)
        .env("GITHUB_EVENT_PATH", &event_path)
        .env("GITHUB_API_URL", format!("{}/", gh.base));
    for (k, v) in extra_env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn assert_headers(r: &Request) {
    let h = |k: &str| r.headers.get(k).map(String::as_str).unwrap_or("");
    assert_eq!(h("authorization"), format!("Bearer {TOKEN}"), "{r:?}");
    assert_eq!(h("accept"), "application/vnd.github+json");
    assert_eq!(h("x-github-api-version"), "2022-11-28");
    assert_eq!(
        h("user-agent"),
        format!("guardrails/{}", env!("CARGO_PKG_VERSION"))
    );
    if r.method != "GET" {
        assert_eq!(h("content-type"), "application/json");
    }
}

fn unrelated(n: u64) -> Vec<(u64, String)> {
    (1..=n).map(|i| (i, format!("LGTM, comment {i}"))).collect()
}

#[test]
fn posts_once_then_updates_the_marked_comment_on_page_two() {
    let tmp = tempfile::tempdir().unwrap();
    let r = report(3);
    write_report(tmp.path(), &r);
    // 130 comments: page 1 holds 100, page 2 the other 30 and, after the first run, ours.
    // A quote of our marker on page 1 must not be mistaken for our comment.
    let mut seed = unrelated(130);
    seed[5].1 = format!("> quoting the bot:\n> {}\nwhy?", markdown::MARKER);
    let gh = FakeGitHub::start(seed, false);
    let event = json!({"action": "opened", "number": PR, "pull_request": {"number": PR}});

    let o = comment(tmp.path(), &gh, &event, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!text(&o).contains(TOKEN));
    let reqs = gh.requests();
    for q in &reqs {
        assert_headers(q);
    }
    let methods: Vec<&str> = reqs.iter().map(|q| q.method.as_str()).collect();
    assert_eq!(methods, ["GET", "GET", "POST"], "{reqs:#?}");
    assert_eq!(
        reqs[0].target,
        format!("/repos/{REPO}/issues/{PR}/comments?per_page=100")
    );
    assert!(reqs[1].target.ends_with("page=2"), "{}", reqs[1].target);
    let expected = markdown::render(&r);
    assert!(expected.starts_with(markdown::MARKER));
    let body: Value = serde_json::from_str(&reqs[2].body).unwrap();
    assert_eq!(body, json!({ "body": expected }));
    let comments = gh.comments();
    assert_eq!(comments.len(), 131);
    let ours = comments.last().unwrap().0;

    // Second run, different result: the marked comment on page 2 is PATCHed, nothing POSTed.
    let r2 = report(1);
    write_report(tmp.path(), &r2);
    let o = comment(tmp.path(), &gh, &event, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!text(&o).contains(TOKEN));
    let reqs = gh.requests();
    for q in &reqs {
        assert_headers(q);
    }
    let methods: Vec<&str> = reqs.iter().map(|q| q.method.as_str()).collect();
    assert_eq!(methods, ["GET", "GET", "PATCH"], "{reqs:#?}");
    assert_eq!(
        reqs[2].target,
        format!("/repos/{REPO}/issues/comments/{ours}")
    );
    let body: Value = serde_json::from_str(&reqs[2].body).unwrap();
    assert_eq!(body, json!({ "body": markdown::render(&r2) }));
    let comments = gh.comments();
    assert_eq!(comments.len(), 131);
    assert_eq!(comments.last().unwrap().1, markdown::render(&r2));
    assert!(
        comments[5].1.starts_with("> quoting"),
        "the quote is untouched"
    );

    // An issue_comment event carries the number under `issue`; --token-env names the variable.
    let event = json!({"action": "created", "issue": {"number": PR, "pull_request": {}}});
    let event_path = tmp.path().join("event.json");
    std::fs::write(&event_path, event.to_string()).unwrap();
    let o = command(tmp.path())
        .args([
            "comment",
            "--report",
            "scan.json",
            "--token-env",
            "MY_TOKEN",
        ])
        .env("MY_TOKEN", TOKEN)
        .env("GITHUB_REPOSITORY", REPO)
        .env("GITHUB_EVENT_PATH", &event_path)
        .env("GITHUB_API_URL", &gh.base)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let methods: Vec<String> = gh.requests().into_iter().map(|q| q.method).collect();
    assert_eq!(methods, ["GET", "GET", "PATCH"]);
}

#[test]
fn read_only_token_warns_falls_back_to_the_step_summary_and_exits_0() {
    let tmp = tempfile::tempdir().unwrap();
    let r = report(2);
    write_report(tmp.path(), &r);
    let summary = tmp.path().join("step_summary.md");
    std::fs::write(&summary, "# earlier step output\n").unwrap();
    let event = json!({"pull_request": {"number": PR}});

    // No marked comment yet: the POST is refused.
    let gh = FakeGitHub::start(unrelated(3), true);
    let o = comment(
        tmp.path(),
        &gh,
        &event,
        &[("GITHUB_STEP_SUMMARY", &summary)],
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(!out.contains(TOKEN), "{out}");
    assert!(out.contains("::warning"), "{out}");
    assert!(out.contains("403"), "{out}");
    assert!(out.contains("read-only"), "{out}");
    let methods: Vec<String> = gh.requests().into_iter().map(|q| q.method).collect();
    assert_eq!(methods, ["GET", "POST"]);
    let s = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(
        s,
        format!("# earlier step output\n{}", markdown::render(&r))
    );

    // A marked comment exists: the PATCH is refused; the summary is not appended twice.
    let gh = FakeGitHub::start(vec![(1, markdown::render(&r))], true);
    let o = comment(
        tmp.path(),
        &gh,
        &event,
        &[("GITHUB_STEP_SUMMARY", &summary)],
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("::warning") && !out.contains(TOKEN), "{out}");
    let methods: Vec<String> = gh.requests().into_iter().map(|q| q.method).collect();
    assert_eq!(methods, ["GET", "PATCH"]);
    assert_eq!(
        std::fs::read_to_string(&summary)
            .unwrap()
            .matches(markdown::MARKER)
            .count(),
        1
    );
}

#[test]
fn network_failure_and_missing_context_are_warnings_bad_report_is_exit_4() {
    let tmp = tempfile::tempdir().unwrap();
    write_report(tmp.path(), &report(1));
    let event_path = tmp.path().join("event.json");

    // Nothing listens on the API URL.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        &event_path,
        json!({"pull_request": {"number": 3}}).to_string(),
    )
    .unwrap();
    let o = command(tmp.path())
        .args(["comment", "--report", "scan.json"])
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_REPOSITORY", REPO)
        .env("GITHUB_EVENT_PATH", &event_path)
        .env("GITHUB_API_URL", format!("http://127.0.0.1:{port}"))
        .output()
        .unwrap();
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("::warning") && !out.contains(TOKEN), "{out}");

    // A push event: no pull request, nothing to comment on.
    std::fs::write(&event_path, json!({"ref": "refs/heads/main"}).to_string()).unwrap();
    let o = command(tmp.path())
        .args(["comment", "--report", "scan.json"])
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_REPOSITORY", REPO)
        .env("GITHUB_EVENT_PATH", &event_path)
        .output()
        .unwrap();
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("::warning") && out.contains("Not a pull request"),
        "{out}"
    );

    // Missing and invalid report files are configuration errors.
    for (name, content) in [
        ("missing.json", None),
        ("bad.json", Some("{\"findings\": 1}")),
    ] {
        if let Some(c) = content {
            std::fs::write(tmp.path().join(name), c).unwrap();
        }
        let o = command(tmp.path())
            .args(["comment", "--report", name])
            .env("GITHUB_TOKEN", TOKEN)
            .output()
            .unwrap();
        let out = text(&o);
        assert_eq!(o.status.code(), Some(4), "{out}");
        assert!(out.contains(name), "{out}");
    }

    // In a pull request but without a token: exit 4, naming the variable.
    std::fs::write(&event_path, json!({"number": 3}).to_string()).unwrap();
    let o = command(tmp.path())
        .args(["comment", "--report", "scan.json"])
        .env("GITHUB_REPOSITORY", REPO)
        .env("GITHUB_EVENT_PATH", &event_path)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    assert!(text(&o).contains("GITHUB_TOKEN"));
}
