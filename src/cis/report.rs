//! The score and the `cis`-specific renderers: JSON (the scan.json envelope plus the
//! controls), CSV (one row per control) and a standalone HTML page. SARIF and markdown
//! findings come from the common renderers over `CisRun.report`.

use crate::cis::model::{CisRun, ControlResult, Status};
use crate::model::Severity;

/// Score weight by severity (documented in README "CIS report formats and score").
pub fn weight(sev: Severity) -> u32 {
    match sev {
        Severity::Critical => 10,
        Severity::High => 5,
        Severity::Medium => 3,
        Severity::Low | Severity::Info => 1,
    }
}

/// `Σ weight·pass / Σ weight × 100` over the controls that could be determined, rounded
/// to one decimal. WARN controls are left out of both sums (nothing was learned); when
/// every control is WARN there is nothing to score and the result is 0, so an account
/// nobody could read never looks compliant.
pub fn score(controls: &[ControlResult]) -> f64 {
    let judged = controls.iter().filter(|c| c.status != Status::Warn);
    let (mut pass, mut total) = (0u64, 0u64);
    for c in judged {
        total += u64::from(c.weight);
        if c.status == Status::Pass {
            pass += u64::from(c.weight);
        }
    }
    if total == 0 {
        return 0.0;
    }
    (pass as f64 / total as f64 * 1000.0).round() / 10.0
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
        Status::Warn => "WARN",
    }
}

/// The scan.json envelope of `run.report` plus `account`, `timestamp`, `regions`,
/// `score`, `threshold`, `remediation`, `sinks` and `controls`.
pub fn json(run: &CisRun) -> String {
    let mut v = serde_json::to_value(&run.report).expect("a report serialises");
    if let Some(o) = v.as_object_mut() {
        let mut put = |k: &str, val: serde_json::Value| {
            o.insert(k.to_string(), val);
        };
        put("account", run.account.clone().into());
        put("timestamp", run.timestamp.clone().into());
        put("regions", serde_json::json!(run.regions));
        put("score", run.score.into());
        put("threshold", run.threshold.into());
        put("remediation", run.remediation.clone().into());
        put("sinks", serde_json::json!(run.sinks));
        put("controls", serde_json::json!(run.controls));
    }
    let mut s = serde_json::to_string_pretty(&v).expect("JSON values serialise");
    s.push('\n');
    s
}

/// One CSV field: RFC 4180 quoting, and a leading `'` on values a spreadsheet would run
/// as a formula (`=`, `+`, `-`, `@`, tab, CR).
fn field(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{v}")
    } else {
        v.to_string()
    };
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

/// One row per control: id, title, status, severity, level, weight, reason, evidence
/// (joined with ` | `), remediation, actions (`outcome: description`, joined).
pub fn csv(run: &CisRun) -> String {
    let mut out = String::from(
        "id,title,status,severity,level,weight,reason,evidence,remediation,actions\r\n",
    );
    for c in &run.controls {
        let actions: Vec<String> = c
            .actions
            .iter()
            .map(|a| format!("{}: {}", a.outcome, a.description))
            .collect();
        let row = [
            c.id.clone(),
            c.title.clone(),
            status_word(c.status).to_string(),
            c.severity.as_str().to_string(),
            c.level.to_string(),
            c.weight.to_string(),
            c.reason.clone().unwrap_or_default(),
            c.evidence.join(" | "),
            c.remediation.clone(),
            actions.join(" | "),
        ];
        let row: Vec<String> = row.iter().map(|v| field(v)).collect();
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = "body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1f2328}\
h1{font-size:1.4rem}table{border-collapse:collapse;width:100%;margin:1rem 0}\
th,td{border:1px solid #d0d7de;padding:.4rem .6rem;text-align:left;vertical-align:top}\
th{background:#f6f8fa}.badge{font-weight:600;padding:.1rem .5rem;border-radius:1rem;color:#fff}\
.PASS{background:#1a7f37}.FAIL{background:#cf222e}.WARN{background:#9a6700}\
.score{font-size:2rem;font-weight:700}.ok{color:#1a7f37}.low{color:#cf222e}\
details{margin:.5rem 0}code{font-size:.9em}footer{color:#656d76;margin-top:2rem;font-size:.85rem}";

/// A standalone page: score against the threshold, counts, the control table, and each
/// control's evidence and remediation actions. No scripts, no external assets; every
/// value is escaped.
pub fn html(run: &CisRun) -> String {
    let count = |s: Status| run.controls.iter().filter(|c| c.status == s).count();
    let score_class = if run.score >= run.threshold {
        "ok"
    } else {
        "low"
    };
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>CIS AWS Foundations v1.5 — account {account}</title><style>{CSS}</style></head><body>\n\
<h1>CIS AWS Foundations Benchmark v1.5 — account {account}</h1>\n\
<p>Run {ts} · regions: {regions} · remediation: {remediation}</p>\n\
<p class=\"score {score_class}\">{score:.1} / 100</p>\n\
<p>Threshold {threshold:.1} · {pass} pass · {fail} fail · {warn} warn</p>\n\
<table><thead><tr><th>Status</th><th>Control</th><th>Severity</th><th>Level</th><th>Title</th><th>Reason</th></tr></thead><tbody>\n",
        account = esc(&run.account),
        ts = esc(&run.timestamp),
        regions = esc(&run.regions.join(", ")),
        remediation = esc(&run.remediation),
        score = run.score,
        threshold = run.threshold,
        pass = count(Status::Pass),
        fail = count(Status::Fail),
        warn = count(Status::Warn),
    );
    for c in &run.controls {
        let st = status_word(c.status);
        out.push_str(&format!(
            "<tr><td><span class=\"badge {st}\">{st}</span></td><td><a href=\"#{id}\">{id}</a></td><td>{sev}</td><td>{lvl}</td><td>{title}</td><td>{reason}</td></tr>\n",
            id = esc(&c.id),
            sev = c.severity.as_str(),
            lvl = c.level,
            title = esc(&c.title),
            reason = esc(c.reason.as_deref().unwrap_or("")),
        ));
    }
    out.push_str("</tbody></table>\n<h2>Evidence</h2>\n");
    for c in &run.controls {
        out.push_str(&format!(
            "<details id=\"{id}\"{open}><summary><strong>{id}</strong> {title} — {st}</summary>\n<ul>\n",
            id = esc(&c.id),
            title = esc(&c.title),
            st = status_word(c.status),
            open = if c.status == Status::Pass { "" } else { " open" },
        ));
        for e in &c.evidence {
            out.push_str(&format!("<li><code>{}</code></li>\n", esc(e)));
        }
        out.push_str("</ul>\n");
        if !c.actions.is_empty() {
            out.push_str("<p>Remediation actions:</p><ul>\n");
            for a in &c.actions {
                out.push_str(&format!(
                    "<li>{}: {}{}</li>\n",
                    esc(&a.outcome),
                    esc(&a.description),
                    a.error
                        .as_deref()
                        .map(|e| format!(" ({})", esc(e)))
                        .unwrap_or_default()
                ));
            }
            out.push_str("</ul>\n");
        }
        out.push_str(&format!(
            "<p>Fix: {}</p>\n</details>\n",
            esc(&c.remediation)
        ));
    }
    out.push_str(&format!(
        "<footer>guardrails {} · score = Σ weight·pass / Σ weight × 100 over determined controls (CRITICAL 10, HIGH 5, MEDIUM 3, LOW 1)</footer>\n</body></html>\n",
        env!("CARGO_PKG_VERSION")
    ));
    out
}

/// Why `ENABLE_PDF` does nothing: no maintained pure-Rust crate renders HTML to PDF
/// (printpdf and genpdf lay out their own documents), and a headless browser is not
/// something a Lambda function should carry.
pub fn pdf_note() -> &'static str {
    "ENABLE_PDF is not supported: no maintained Rust library renders HTML to PDF; \
the HTML report (ENABLE_HTML / --format html) is print-ready — print it to PDF from a browser"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cis::model::RemediationAction;
    use crate::model::Report;

    fn control(id: &str, status: Status, sev: Severity) -> ControlResult {
        ControlResult {
            id: id.into(),
            title: format!("title of {id}"),
            status,
            severity: sev,
            level: 1,
            weight: weight(sev),
            evidence: vec!["read \"x\", y".into(), "=cmd|' /C calc'!A0".into()],
            reason: (status != Status::Pass).then(|| "because,\nreasons".to_string()),
            remediation: "fix it".into(),
            actions: Vec::new(),
        }
    }

    fn run(controls: Vec<ControlResult>) -> CisRun {
        CisRun {
            account: "123456789012".into(),
            timestamp: "2026-11-25T00:00:00Z".into(),
            regions: vec!["us-east-1".into()],
            score: score(&controls),
            threshold: 80.0,
            controls,
            remediation: "off".into(),
            sinks: Vec::new(),
            report: Report::new(Vec::new(), Vec::new(), Severity::Info),
        }
    }

    #[test]
    fn weighted_score() {
        let c = |s, sev| control("CIS-X", s, sev);
        assert_eq!(score(&[c(Status::Pass, Severity::High)]), 100.0);
        // 10 pass of 10 + 5 + 3.
        let v = [
            c(Status::Pass, Severity::Critical),
            c(Status::Fail, Severity::High),
            c(Status::Fail, Severity::Medium),
        ];
        assert_eq!(score(&v), 55.6);
        // WARN is left out of both sums.
        let v = [
            c(Status::Pass, Severity::Low),
            c(Status::Warn, Severity::Critical),
        ];
        assert_eq!(score(&v), 100.0);
        assert_eq!(score(&[c(Status::Warn, Severity::High)]), 0.0);
        assert_eq!(score(&[c(Status::Fail, Severity::Low)]), 0.0);
    }

    /// A minimal RFC 4180 reader for the round trip.
    fn parse(text: &str) -> Vec<Vec<String>> {
        let (mut rows, mut row, mut cell) = (Vec::new(), Vec::new(), String::new());
        let mut chars = text.chars().peekable();
        let mut quoted = false;
        while let Some(ch) = chars.next() {
            match (quoted, ch) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                (true, '"') => quoted = false,
                (true, c) => cell.push(c),
                (false, '"') => quoted = true,
                (false, ',') => row.push(std::mem::take(&mut cell)),
                (false, '\r') => {}
                (false, '\n') => {
                    row.push(std::mem::take(&mut cell));
                    rows.push(std::mem::take(&mut row));
                }
                (false, c) => cell.push(c),
            }
        }
        rows
    }

    #[test]
    fn csv_round_trips_with_quotes_newlines_and_formula_guard() {
        let mut c = control("CIS-1.8", Status::Fail, Severity::Medium);
        c.actions.push(RemediationAction {
            control: "CIS-1.8".into(),
            description: "do, \"this\"".into(),
            outcome: "planned".into(),
            error: None,
        });
        let r = run(vec![
            c,
            control("CIS-1.4", Status::Pass, Severity::Critical),
        ]);
        let rows = parse(&csv(&r));
        assert_eq!(rows.len(), 3);
        assert!(rows.iter().all(|row| row.len() == 10), "{rows:?}");
        assert_eq!(rows[0][0], "id");
        assert_eq!(rows[1][2], "FAIL");
        assert_eq!(rows[1][6], "because,\nreasons");
        assert_eq!(rows[1][7], "read \"x\", y | =cmd|' /C calc'!A0");
        assert_eq!(rows[1][9], "planned: do, \"this\"");
        assert_eq!(rows[2][2], "PASS");
        assert_eq!(field("=1+1"), "'=1+1");
        assert_eq!(field("-2"), "'-2");
        assert_eq!(field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(field("plain"), "plain");
    }

    #[test]
    fn html_escapes_every_value() {
        let mut c = control("CIS-5.2", Status::Fail, Severity::High);
        c.evidence = vec!["<script>alert('x')</script>".into()];
        c.reason = Some("a & b \"c\"".into());
        let page = html(&run(vec![c]));
        assert!(!page.contains("<script>"));
        assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(page.contains("a &amp; b &quot;c&quot;"));
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("class=\"badge FAIL\""));
        assert!(page.contains("0.0 / 100"));
    }

    #[test]
    fn json_has_the_envelope_and_the_controls() {
        let r = run(vec![control("CIS-1.9", Status::Pass, Severity::Low)]);
        let v: serde_json::Value = serde_json::from_str(&json(&r)).unwrap();
        for k in ["version", "summary", "passed", "findings", "errors"] {
            assert!(v.get(k).is_some(), "envelope key {k}");
        }
        assert_eq!(v["score"], 100.0);
        assert_eq!(v["threshold"], 80.0);
        assert_eq!(v["controls"][0]["id"], "CIS-1.9");
        assert_eq!(v["controls"][0]["status"], "PASS");
        assert_eq!(v["account"], "123456789012");
    }
}
