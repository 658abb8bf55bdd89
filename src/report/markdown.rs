//! The PR summary comment. Bounded in size whatever the number of findings.

use crate::model::{Report, Severity};
use std::fmt::Write;

pub const MARKER: &str = "<!-- guardrails -->";
/// GitHub rejects comments over 65,536 characters; stay well under.
const MAX_CHARS: usize = 60_000;
const TOP: usize = 10;

fn cell(s: &str, max: usize) -> String {
    let one_line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let escaped = one_line
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    if escaped.chars().count() > max {
        let mut t: String = escaped.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    } else {
        escaped
    }
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{MARKER}");
    let verdict = if report.passed {
        "✅ **Serverless Guardrails: passed**".to_string()
    } else if report.gating_findings() > 0 {
        format!(
            "❌ **Serverless Guardrails: failed** — {} finding(s) at or above {}",
            report.gating_findings(),
            report.fail_on
        )
    } else {
        format!(
            "❌ **Serverless Guardrails: failed** — {} error(s)",
            report.errors.len()
        )
    };
    let _ = writeln!(out, "## {verdict}\n");
    let _ = writeln!(out, "| Severity | Count |\n| --- | ---: |");
    for sev in Severity::ALL_DESC {
        let _ = writeln!(out, "| {} | {} |", sev, report.summary.get(sev));
    }
    let suppressed = report.findings.iter().filter(|f| f.suppressed).count();
    let _ = writeln!(out, "| **Total** | **{}** |", report.summary.total);
    if suppressed > 0 {
        let _ = writeln!(
            out,
            "\n{suppressed} finding(s) suppressed by the allowlist are not counted."
        );
    }
    let mut top: Vec<_> = report.findings.iter().filter(|f| !f.suppressed).collect();
    top.sort_by_key(|f| std::cmp::Reverse(f.severity));
    if !top.is_empty() {
        let _ = writeln!(out, "\n### Top findings\n");
        let _ = writeln!(
            out,
            "| Rule | Severity | Resource | Location | Description |\n| --- | --- | --- | --- | --- |"
        );
        for f in top.iter().take(TOP) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | `{}:{}` | {} |",
                f.rule_id,
                f.severity,
                cell(f.function.as_deref().unwrap_or(&f.resource_id), 60),
                cell(&f.file, 120),
                f.line,
                cell(
                    &match &f.events {
                        Some(ev) =>
                            format!("{} ({})", f.description, crate::report::event_line(ev)),
                        None => f.description.clone(),
                    },
                    400
                )
            );
        }
        if top.len() > TOP {
            let _ = writeln!(out, "\n…and {} more in the full report.", top.len() - TOP);
        }
    }
    if !report.errors.is_empty() {
        let _ = writeln!(out, "\n### Errors\n");
        for e in report.errors.iter().take(10) {
            let _ = writeln!(out, "- `{}`", cell(&e.to_string(), 300));
        }
        if report.errors.len() > 10 {
            let _ = writeln!(out, "- …and {} more", report.errors.len() - 10);
        }
    }
    let _ = writeln!(out, "\n<sub>guardrails {}</sub>", report.version);
    if out.len() > MAX_CHARS {
        let mut cut = MAX_CHARS;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push_str("\n\n…(truncated)\n");
    }
    out
}
