//! GitHub surfaces.
//!
//! - `guardrails comment --report scan.json`: one sticky pull-request comment, found again
//!   by [`MARKER`] and updated in place (GitHub REST API, `GITHUB_*` environment).
//! - `guardrails scan` under `GITHUB_ACTIONS=true`: the markdown summary appended to
//!   `$GITHUB_STEP_SUMMARY`, workflow-command annotations (within GitHub's per-step caps)
//!   and step outputs in `$GITHUB_OUTPUT`.
//!
//! Commenting never changes the scan's exit code: a network or API failure, a read-only
//! token (pull requests from forks) or a run outside a pull request is a warning and
//! exit 0. Only a missing or invalid `--report` file or a missing token is an error
//! (exit 4). The token is never printed.

use crate::model::{Finding, Report, Severity};
use crate::report::Format;
use crate::report::markdown::{self, MARKER};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Exit code of `guardrails comment` for a missing/invalid report or missing token
/// (same value as the scan's configuration error).
pub const EXIT_CONFIG: u8 = 4;
const API_VERSION: &str = "2022-11-28";
const DEFAULT_API_URL: &str = "https://api.github.com";
/// Never walk more than this many pages of comments (100 each).
const MAX_PAGES: usize = 100;
/// GitHub shows at most this many annotations of each kind per step.
pub const ANNOTATION_CAP: usize = 10;

#[derive(clap::Args)]
pub struct CommentArgs {
    /// scan.json written by `guardrails scan --format json` (or `--output json=FILE`).
    #[arg(long, value_name = "FILE")]
    pub report: PathBuf,
    /// Environment variable that holds the GitHub token.
    #[arg(long, value_name = "NAME", default_value = "GITHUB_TOKEN")]
    pub token_env: String,
}

// ---------------------------------------------------------------------------
// Workflow commands
// ---------------------------------------------------------------------------

/// Escapes a workflow-command message (the text after `::`).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow-command property value (`file=`, `title=`, ...).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn warning_line(message: &str) -> String {
    format!("::warning title=guardrails::{}", escape_data(message))
}

// ---------------------------------------------------------------------------
// `scan` under GitHub Actions
// ---------------------------------------------------------------------------

/// True when running as a GitHub Actions step.
pub fn in_actions() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

/// The annotation kind GitHub uses for a severity.
pub fn annotation_kind(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "notice",
    }
}

/// A finding's file as GitHub wants it: relative to the repository root
/// (`GITHUB_WORKSPACE`), with forward slashes, even when the scan ran in a subdirectory.
fn repo_path(file: &str, workspace: Option<&Path>, cwd: Option<&Path>) -> String {
    let p = Path::new(file);
    let rel: PathBuf = match (workspace, cwd) {
        (Some(ws), _) if p.is_absolute() => p.strip_prefix(ws).unwrap_or(p).to_path_buf(),
        (Some(ws), Some(cwd)) => match cwd.strip_prefix(ws) {
            Ok(prefix) => prefix.join(p.strip_prefix("./").unwrap_or(p)),
            Err(_) => p.to_path_buf(),
        },
        _ => p.to_path_buf(),
    };
    rel.to_string_lossy().replace('\\', "/")
}

/// Workflow-command annotations for the report, most severe first, at most
/// [`ANNOTATION_CAP`] of each kind; suppressed findings are skipped. Input and
/// configuration errors come first, as error annotations. Returns the lines and the
/// number of findings/errors that were not annotated because of the caps.
pub fn annotations(
    report: &Report,
    workspace: Option<&Path>,
    cwd: Option<&Path>,
) -> (Vec<String>, usize) {
    let mut lines = Vec::new();
    let mut used = [0usize; 3]; // error, warning, notice
    let mut skipped = 0;
    let slot = |kind: &str| match kind {
        "error" => 0,
        "warning" => 1,
        _ => 2,
    };
    for e in &report.errors {
        if used[0] >= ANNOTATION_CAP {
            skipped += 1;
            continue;
        }
        used[0] += 1;
        let mut props = Vec::new();
        if !e.file.is_empty() {
            props.push(format!(
                "file={}",
                escape_property(&repo_path(&e.file, workspace, cwd))
            ));
            props.extend(e.line.map(|l| format!("line={l}")));
            props.extend(e.column.map(|c| format!("col={c}")));
        }
        props.push(format!(
            "title={}",
            escape_property("guardrails input error")
        ));
        lines.push(format!(
            "::error {}::{}",
            props.join(","),
            escape_data(&e.message)
        ));
    }
    let mut findings: Vec<&Finding> = report.findings.iter().filter(|f| !f.suppressed).collect();
    // Stable: within a severity the report's file/line order is kept.
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    for f in findings {
        let kind = annotation_kind(f.severity);
        let n = &mut used[slot(kind)];
        if *n >= ANNOTATION_CAP {
            skipped += 1;
            continue;
        }
        *n += 1;
        // The rule is in the title; name the resource only when the description does not.
        let mut message = f.description.clone();
        let who = f
            .function
            .as_deref()
            .or((f.resource_id != f.file).then_some(f.resource_id.as_str()));
        if let Some(who) = who.filter(|w| !f.description.contains(w)) {
            message.push_str(&format!("\nResource: {who}"));
        }
        message.push_str(&format!("\nRemediation: {}", f.remediation));
        lines.push(format!(
            "::{kind} file={},line={},col={},title={}::{}",
            escape_property(&repo_path(&f.file, workspace, cwd)),
            f.line.max(1),
            f.column.max(1),
            escape_property(&format!("{} {}", f.rule_id, f.severity)),
            escape_data(&message)
        ));
    }
    (lines, skipped)
}

fn append(path: &Path, content: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(content.as_bytes())
}

/// `name=value` lines for `$GITHUB_OUTPUT` (the heredoc form for multi-line values).
pub fn output_lines(pairs: &[(&str, String)]) -> String {
    let mut s = String::new();
    for (k, v) in pairs {
        if v.contains('\n') || v.contains('\r') {
            let mut delim = "ghadelimiter_guardrails".to_string();
            while v.contains(&delim) {
                delim.push('_');
            }
            s.push_str(&format!("{k}<<{delim}\n{v}\n{delim}\n"));
        } else {
            s.push_str(&format!("{k}={v}\n"));
        }
    }
    s
}

/// The step outputs for a report and the files the scan wrote.
pub fn step_outputs(report: &Report, written: &[(Format, &Path)]) -> Vec<(&'static str, String)> {
    let s = &report.summary;
    let mut out = vec![
        ("passed", report.passed.to_string()),
        ("critical", s.critical.to_string()),
        ("high", s.high.to_string()),
        ("medium", s.medium.to_string()),
        ("low", s.low.to_string()),
        ("info", s.info.to_string()),
        ("total", s.total.to_string()),
    ];
    for (fmt, name) in [(Format::Sarif, "sarif-file"), (Format::Json, "json-file")] {
        if let Some((_, p)) = written.iter().find(|(f, _)| *f == fmt) {
            out.push((name, p.to_string_lossy().into_owned()));
        }
    }
    out
}

/// What `scan` does under `GITHUB_ACTIONS=true`, after the report files are written:
/// step summary, annotations (to stdout when `annotations_to_stdout`, else stderr) and
/// step outputs. Problems writing the runner's files are warnings; they never change
/// the exit code.
pub fn report_to_actions(
    report: &Report,
    written: &[(Format, &Path)],
    annotations_to_stdout: bool,
) {
    let mut problems = Vec::new();
    if let Some(p) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty())
        && let Err(e) = append(Path::new(&p), &markdown::render(report))
    {
        problems.push(format!("cannot append to GITHUB_STEP_SUMMARY: {e}"));
    }
    let workspace = std::env::var_os("GITHUB_WORKSPACE")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .map(|p| p.canonicalize().unwrap_or(p));
    let cwd = std::env::current_dir()
        .ok()
        .map(|p| p.canonicalize().unwrap_or(p));
    let (lines, skipped) = annotations(report, workspace.as_deref(), cwd.as_deref());
    let mut text = lines.join("\n");
    if !lines.is_empty() {
        text.push('\n');
    }
    if skipped > 0 {
        text.push_str(&format!(
            "guardrails: {skipped} finding(s) not annotated (GitHub shows at most {ANNOTATION_CAP} error, {ANNOTATION_CAP} warning and {ANNOTATION_CAP} notice annotations per step); see the job summary and the full report\n"
        ));
    }
    if let Some(p) = std::env::var_os("GITHUB_OUTPUT").filter(|p| !p.is_empty()) {
        let outputs = output_lines(&step_outputs(report, written));
        if let Err(e) = append(Path::new(&p), &outputs) {
            problems.push(format!("cannot append to GITHUB_OUTPUT: {e}"));
        }
    }
    for p in problems {
        text.push_str(&warning_line(&p));
        text.push('\n');
    }
    let _ = if annotations_to_stdout {
        std::io::stdout().lock().write_all(text.as_bytes())
    } else {
        std::io::stderr().lock().write_all(text.as_bytes())
    };
}

// ---------------------------------------------------------------------------
// `guardrails comment`
// ---------------------------------------------------------------------------

/// The pull-request number from a GitHub event payload: `pull_request.number`,
/// `issue.number` (issue_comment events) or the top-level `number`.
pub fn pr_number(event: &serde_json::Value) -> Option<u64> {
    event["pull_request"]["number"]
        .as_u64()
        .or_else(|| event["issue"]["number"].as_u64())
        .or_else(|| event["number"].as_u64())
}

/// The `rel="next"` target of a `Link` header.
pub fn next_link(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let url = url.trim().strip_prefix('<')?.strip_suffix('>')?;
        let is_next = params.split(';').any(|p| {
            let p = p.trim();
            p.strip_prefix("rel=").is_some_and(|v| {
                v.trim_matches('"')
                    .split_ascii_whitespace()
                    .any(|r| r == "next")
            })
        });
        is_next.then(|| url.to_string())
    })
}

/// `owner/name` with nothing that could escape the URL path.
fn valid_repo(repo: &str) -> bool {
    let ok = |s: &str| {
        !s.is_empty()
            && s != "."
            && s != ".."
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    matches!(repo.split_once('/'), Some((o, n)) if ok(o) && ok(n))
}

fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

enum Outcome {
    Created(String),
    Updated(String),
}

struct ApiError {
    /// HTTP status when the API answered.
    status: Option<u16>,
    /// What we were doing and what went wrong (never the token).
    message: String,
    /// True when the failure was a write (POST/PATCH).
    write: bool,
}

struct Client {
    agent: ureq::Agent,
    token: String,
    base: String,
}

impl Client {
    fn new(base: &str, token: String) -> Client {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .user_agent(format!("guardrails/{}", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Client {
            agent,
            token,
            base: base.trim_end_matches('/').to_string(),
        }
    }

    fn headers<B>(&self, req: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        req.header("Authorization", format!("Bearer {}", self.token))
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", API_VERSION)
            .header(
                "User-Agent",
                format!("guardrails/{}", env!("CARGO_PKG_VERSION")),
            )
    }

    /// Sends one request; returns the status, the `Link` header and the body.
    fn send(
        &self,
        method: &str,
        url: &str,
        body: Option<&str>,
    ) -> Result<(u16, Option<String>, String), ApiError> {
        let write = body.is_some();
        let fail = |message: String| ApiError {
            status: None,
            message,
            write,
        };
        let result = match (method, body) {
            ("GET", _) => self.headers(self.agent.get(url)).call(),
            ("POST", Some(b)) => self
                .headers(self.agent.post(url))
                .header("Content-Type", "application/json")
                .send(b),
            ("PATCH", Some(b)) => self
                .headers(self.agent.patch(url))
                .header("Content-Type", "application/json")
                .send(b),
            _ => unreachable!("unsupported request {method}"),
        };
        let mut resp = result.map_err(|e| fail(format!("{method} {url}: {e}")))?;
        let status = resp.status().as_u16();
        let link = resp
            .headers()
            .get("link")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let text = resp
            .body_mut()
            .read_to_string()
            .map_err(|e| fail(format!("{method} {url}: reading the response: {e}")))?;
        if !(200..300).contains(&status) {
            let detail = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_string))
                .unwrap_or_default();
            return Err(ApiError {
                status: Some(status),
                message: format!("{method} {url}: HTTP {status} {detail}")
                    .trim_end()
                    .to_string(),
                write,
            });
        }
        Ok((status, link, text))
    }

    /// Posts the comment, or updates the one carrying [`MARKER`].
    fn upsert(&self, repo: &str, pr: u64, body: &str) -> Result<Outcome, ApiError> {
        let list = format!(
            "{}/repos/{repo}/issues/{pr}/comments?per_page=100",
            self.base
        );
        let mut next = Some(list);
        // Ours is the first comment that begins with the marker (every body we write
        // does); a quote of it elsewhere ("> <!-- guardrails -->") is not ours.
        let mut ours: Option<u64> = None;
        let mut pages = 0;
        while let Some(url) = next.take() {
            pages += 1;
            let (_, link, text) = self.send("GET", &url, None)?;
            let comments: Vec<serde_json::Value> =
                serde_json::from_str(&text).map_err(|e| ApiError {
                    status: None,
                    message: format!("GET {url}: unexpected response: {e}"),
                    write: false,
                })?;
            for c in &comments {
                let (Some(id), Some(b)) = (c["id"].as_u64(), c["body"].as_str()) else {
                    continue;
                };
                if b.trim_start().starts_with(MARKER) {
                    ours = Some(id);
                    break;
                }
            }
            if ours.is_some() || pages >= MAX_PAGES {
                break;
            }
            // Only follow links on the API's own origin: the token goes with them.
            next = link
                .as_deref()
                .and_then(next_link)
                .filter(|n| origin(n) == origin(&self.base));
        }
        let payload = serde_json::json!({ "body": body }).to_string();
        let html_url = |text: &str| {
            serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .and_then(|v| v["html_url"].as_str().map(str::to_string))
                .unwrap_or_default()
        };
        match ours {
            Some(id) => {
                let url = format!("{}/repos/{repo}/issues/comments/{id}", self.base);
                let (_, _, text) = self.send("PATCH", &url, Some(&payload))?;
                Ok(Outcome::Updated(html_url(&text)))
            }
            None => {
                let url = format!("{}/repos/{repo}/issues/{pr}/comments", self.base);
                let (_, _, text) = self.send("POST", &url, Some(&payload))?;
                Ok(Outcome::Created(html_url(&text)))
            }
        }
    }
}

fn warn(message: &str) {
    println!("{}", warning_line(message));
}

/// Appends the markdown to `$GITHUB_STEP_SUMMARY` unless it is already there (the
/// action's scan, earlier in the same step, has put it there). Returns a note for the
/// warning.
fn summary_fallback(body: &str) -> &'static str {
    let Some(p) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return "";
    };
    let path = Path::new(&p);
    if std::fs::read_to_string(path).is_ok_and(|s| s.contains(MARKER)) {
        return " The summary is in the job summary.";
    }
    match append(path, body) {
        Ok(()) => " The summary was added to the job summary instead.",
        Err(_) => "",
    }
}

/// `guardrails comment`. Exit 0 when the comment was posted or updated, and also when it
/// could not be (not a pull request, API or network failure, read-only token): those are
/// `::warning::` lines. Exit 4 for a missing or invalid report file or a missing token.
pub fn run_comment(args: &CommentArgs) -> u8 {
    let report: Report = match std::fs::read_to_string(&args.report)
        .map_err(|e| format!("cannot read: {e}"))
        .and_then(|s| {
            serde_json::from_str(&s).map_err(|e| format!("not a guardrails scan.json: {e}"))
        }) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("guardrails: error: {}: {e}", args.report.display());
            return EXIT_CONFIG;
        }
    };
    let body = markdown::render(&report);

    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let repo = env("GITHUB_REPOSITORY");
    let event: Option<serde_json::Value> = env("GITHUB_EVENT_PATH")
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|s| serde_json::from_str(&s).ok());
    let pr = event.as_ref().and_then(pr_number);
    let (repo, pr) = match (repo, pr) {
        (Some(r), Some(n)) if valid_repo(&r) => (r, n),
        (Some(r), Some(_)) => {
            warn(&format!(
                "GITHUB_REPOSITORY {r:?} is not owner/name; no PR comment posted."
            ));
            return crate::cli::EXIT_OK;
        }
        (None, _) => {
            warn(
                "GITHUB_REPOSITORY is not set (not running in GitHub Actions); no PR comment posted.",
            );
            return crate::cli::EXIT_OK;
        }
        (Some(_), None) => {
            warn(
                "Not a pull request: the event at GITHUB_EVENT_PATH has no pull request number; no PR comment posted.",
            );
            return crate::cli::EXIT_OK;
        }
    };
    let Some(token) = env(&args.token_env) else {
        eprintln!(
            "guardrails: error: no token: set {} (in a workflow: env: {}: ${{{{ github.token }}}})",
            args.token_env, args.token_env
        );
        return EXIT_CONFIG;
    };
    let base = env("GITHUB_API_URL").unwrap_or_else(|| DEFAULT_API_URL.to_string());

    let client = Client::new(&base, token.clone());
    let scrub = |s: &str| s.replace(token.as_str(), "***");
    match client.upsert(&repo, pr, &body) {
        Ok(Outcome::Created(url)) => {
            eprintln!("guardrails: posted the summary comment on {repo}#{pr} {url}");
        }
        Ok(Outcome::Updated(url)) => {
            eprintln!("guardrails: updated the summary comment on {repo}#{pr} {url}");
        }
        Err(e) => {
            let note = summary_fallback(&body);
            let message = match e.status {
                Some(403 | 404) if e.write => format!(
                    "Cannot write the PR comment on {repo}#{pr} ({}): the token is read-only or lacks `pull-requests: write` (pull requests from forks always get a read-only GITHUB_TOKEN).{note}",
                    scrub(&e.message)
                ),
                _ => format!(
                    "Could not post the PR comment on {repo}#{pr} ({}); the scan result is unchanged.{note}",
                    scrub(&e.message)
                ),
            };
            warn(&message);
        }
    }
    crate::cli::EXIT_OK
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_per_github_rules() {
        assert_eq!(escape_data("50%\r\nx: a,b"), "50%25%0D%0Ax: a,b");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn next_link_parsing() {
        let h = r#"<https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=2>; rel="next", <https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=5>; rel="last""#;
        assert_eq!(
            next_link(h).as_deref(),
            Some("https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=2")
        );
        assert_eq!(
            next_link(r#"<http://x/a?page=1>; rel="prev", <http://x/a?page=1>; rel="first""#),
            None
        );
        assert_eq!(next_link(""), None);
    }

    #[test]
    fn pr_number_sources() {
        let j = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap();
        assert_eq!(pr_number(&j(r#"{"pull_request":{"number":7}}"#)), Some(7));
        assert_eq!(
            pr_number(&j(r#"{"issue":{"number":8,"pull_request":{}}}"#)),
            Some(8)
        );
        assert_eq!(pr_number(&j(r#"{"number":9}"#)), Some(9));
        assert_eq!(pr_number(&j(r#"{"ref":"refs/heads/main"}"#)), None);
    }

    #[test]
    fn repo_validation_and_origin() {
        assert!(valid_repo("octo-org/my.repo_1"));
        assert!(!valid_repo("octo"));
        assert!(!valid_repo("a/b/c"));
        assert!(!valid_repo("../x"));
        assert_eq!(
            origin("https://ghe.example.com/api/v3/repos"),
            "https://ghe.example.com"
        );
        assert_eq!(origin("http://127.0.0.1:80"), "http://127.0.0.1:80");
    }

    #[test]
    fn repo_relative_paths() {
        let ws = Path::new("/w");
        assert_eq!(
            repo_path("t.yaml", Some(ws), Some(Path::new("/w/infra"))),
            "infra/t.yaml"
        );
        assert_eq!(repo_path("/w/a/b.py", Some(ws), None), "a/b.py");
        assert_eq!(
            repo_path("t.yaml", Some(ws), Some(Path::new("/w"))),
            "t.yaml"
        );
        assert_eq!(repo_path("t.yaml", None, Some(Path::new("/x"))), "t.yaml");
    }

    #[test]
    fn input_errors_annotate_first_and_caps_hold() {
        use crate::model::InputError;
        let findings = (0..12)
            .map(|i| {
                let mut f = Finding::new(
                    "VPC003",
                    Severity::Low,
                    "Sg",
                    "Sg allows all egress",
                    "Restrict it",
                    "t.yaml",
                    i + 1,
                    3,
                    None,
                );
                f.seal(&i.to_string());
                f
            })
            .collect();
        let errors = vec![
            InputError {
                file: "bad.yaml".into(),
                line: Some(2),
                column: Some(1),
                message: "did not find expected node, 50% sure".into(),
            },
            InputError {
                file: String::new(),
                line: None,
                column: None,
                message: "allowlist entry A1 expired".into(),
            },
        ];
        let report = Report::new(findings, errors, Severity::High);
        let (lines, skipped) = annotations(&report, None, None);
        assert_eq!(skipped, 2);
        assert_eq!(lines.len(), 12);
        assert_eq!(
            lines[0],
            "::error file=bad.yaml,line=2,col=1,title=guardrails input error::did not find expected node, 50%25 sure"
        );
        assert_eq!(
            lines[1],
            "::error title=guardrails input error::allowlist entry A1 expired"
        );
        assert!(
            lines[2..]
                .iter()
                .all(|l| l.starts_with("::notice file=t.yaml,"))
        );
        assert_eq!(
            lines[2],
            "::notice file=t.yaml,line=1,col=3,title=VPC003 LOW::Sg allows all egress%0ARemediation: Restrict it"
        );
    }

    #[test]
    fn multiline_outputs_use_a_delimiter() {
        let s = output_lines(&[("a", "1".into()), ("b", "x\ny".into())]);
        assert_eq!(
            s,
            "a=1\nb<<ghadelimiter_guardrails\nx\ny\nghadelimiter_guardrails\n"
        );
    }
}
