use crate::model::{Report, Severity};
use std::fmt::Write;

pub fn render(report: &Report, color: bool) -> String {
    let paint = |sev: Severity, s: &str| -> String {
        if !color {
            return s.to_string();
        }
        let code = match sev {
            Severity::Critical => "1;31",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "36",
            Severity::Info => "2",
        };
        format!("\x1b[{code}m{s}\x1b[0m")
    };
    let mut out = String::new();
    for f in &report.findings {
        let sup = if f.suppressed { " (suppressed)" } else { "" };
        let func = f
            .function
            .as_deref()
            .map(|x| format!(" [{x}]"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{}:{}:{}: {} {} {}{}: {}{}",
            f.file,
            f.line,
            f.column,
            paint(f.severity, f.severity.as_str()),
            f.rule_id,
            f.resource_id,
            func,
            f.description,
            sup
        );
        if let Some(ev) = &f.events {
            let _ = writeln!(out, "    {}", crate::report::event_line(ev));
        }
    }
    for e in &report.errors {
        let _ = writeln!(out, "error: {e}");
    }
    let s = &report.summary;
    let _ = writeln!(
        out,
        "{} findings: {} critical, {} high, {} medium, {} low, {} info ({} suppressed); {} errors. {}",
        s.total,
        s.critical,
        s.high,
        s.medium,
        s.low,
        s.info,
        report.findings.iter().filter(|f| f.suppressed).count(),
        report.errors.len(),
        if report.passed {
            "PASSED".to_string()
        } else {
            format!("FAILED (fail-on {})", report.fail_on)
        }
    );
    out
}
