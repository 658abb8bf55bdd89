//! JUnit XML, as AWS CodeBuild test reports read it (`file-format: JUNITXML`).
//!
//! One `<testsuite>` per template or source file, one `<testcase>` per rule × resource.
//! A testcase fails when one of its findings is at or above the report's `fail_on`;
//! findings below it pass (noted in `<system-out>`); a testcase whose findings are all
//! suppressed is `<skipped>`. Files that could not be scanned (and configuration errors)
//! become `<error>` testcases in the suite of their file.
//!
//! The output is valid against the Jenkins xUnit plugin's `junit-10.xsd`
//! (tests/schemas/junit-10.xsd): that schema has no `file` attribute on `<testcase>`
//! and no `skipped` count on `<testsuites>`, so the file is on `<testsuite file=…>` and
//! each failure's text, and skipped counts are per suite.

use crate::model::{Finding, InputError, Report};
use crate::rules::registry;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Whether a character may appear in an XML 1.0 document at all.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Escapes element text; characters XML 1.0 cannot carry are dropped.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|&c| xml_char(c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes an attribute value (double-quoted); whitespace controls are kept as
/// character references so attribute normalisation does not turn them into spaces.
pub fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|&c| xml_char(c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            _ => out.push(c),
        }
    }
    out
}

fn family(rule_id: &str) -> String {
    registry::get(rule_id)
        .map(|r| r.family.to_string())
        .unwrap_or_else(|| {
            rule_id
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect()
        })
}

enum Outcome {
    Failure { message: String, severity: String },
    Skipped { message: String },
    Error { message: String },
    Passed,
}

struct Case {
    classname: String,
    name: String,
    outcome: Outcome,
    /// Failure/error body, or the `<system-out>` of a passing case.
    body: String,
}

fn detail(f: &Finding) -> String {
    let mut s = format!(
        "{}:{}:{}: {} {} {}",
        f.file, f.line, f.column, f.severity, f.rule_id, f.resource_id
    );
    if let Some(func) = &f.function {
        let _ = write!(s, " [{func}]");
    }
    let _ = write!(s, "\n  {}", f.description);
    if let Some(p) = &f.path {
        let _ = write!(s, "\n  Path: {p}");
    }
    let _ = write!(s, "\n  Remediation: {}", f.remediation);
    if let Some(sup) = &f.suppression {
        let _ = write!(
            s,
            "\n  Suppressed ({}{}): {}",
            sup.kind,
            sup.id
                .as_deref()
                .map(|i| format!(" {i}"))
                .unwrap_or_default(),
            sup.reason
        );
    }
    let _ = write!(s, "\n  Fingerprint: {}", f.fingerprint);
    s
}

fn finding_case(report: &Report, rule_id: &str, resource: &str, group: &[&Finding]) -> Case {
    let gating: Vec<&&Finding> = group
        .iter()
        .filter(|f| f.counts() && f.severity >= report.fail_on)
        .collect();
    let active = group.iter().filter(|f| f.counts()).count();
    let body = group
        .iter()
        .map(|f| detail(f))
        .collect::<Vec<_>>()
        .join("\n\n");
    let outcome = if let Some(worst) = gating.iter().map(|f| f.severity).max() {
        let first = gating[0];
        let message = if gating.len() == 1 {
            format!("{}:{}: {}", first.file, first.line, first.description)
        } else {
            format!(
                "{} findings at or above {}; first at {}:{}: {}",
                gating.len(),
                report.fail_on,
                first.file,
                first.line,
                first.description
            )
        };
        Outcome::Failure {
            message,
            severity: worst.as_str().to_string(),
        }
    } else if active == 0 {
        let reasons: Vec<&str> = group
            .iter()
            .filter_map(|f| f.suppression.as_ref().map(|s| s.reason.as_str()))
            .collect();
        let mut reasons_unique: Vec<&str> = Vec::new();
        for r in reasons {
            if !reasons_unique.contains(&r) {
                reasons_unique.push(r);
            }
        }
        Outcome::Skipped {
            message: format!("suppressed: {}", reasons_unique.join("; ")),
        }
    } else {
        Outcome::Passed
    };
    let body = match outcome {
        Outcome::Passed => format!(
            "{active} finding(s) below fail-on {} (not gating):\n{body}",
            report.fail_on
        ),
        _ => body,
    };
    Case {
        classname: format!("{}.{}", family(rule_id), rule_id),
        name: format!("{rule_id} {resource}"),
        outcome,
        body,
    }
}

fn error_case(e: &InputError) -> Case {
    let name = match (e.line, e.column) {
        (Some(l), Some(c)) => format!("input error at {}:{l}:{c}", e.file),
        (Some(l), None) => format!("input error at {}:{l}", e.file),
        _ => format!("input error in {}", e.file),
    };
    Case {
        classname: "guardrails.input".to_string(),
        name,
        outcome: Outcome::Error {
            message: e.message.clone(),
        },
        body: e.to_string(),
    }
}

#[derive(Default)]
struct Suite<'a> {
    /// (rule, resource) → findings, in report order.
    groups: BTreeMap<(&'a str, &'a str), Vec<&'a Finding>>,
    errors: Vec<&'a InputError>,
}

pub fn render(report: &Report) -> String {
    let mut files: BTreeMap<&str, Suite> = BTreeMap::new();
    for f in &report.findings {
        files
            .entry(f.file.as_str())
            .or_default()
            .groups
            .entry((f.rule_id.as_str(), f.resource_id.as_str()))
            .or_default()
            .push(f);
    }
    for e in &report.errors {
        files.entry(e.file.as_str()).or_default().errors.push(e);
    }

    let mut suites: Vec<(String, Option<&str>, Vec<Case>)> = Vec::new();
    for (file, suite) in &files {
        let mut cases: Vec<Case> = suite
            .errors
            .iter()
            .map(|e| error_case(e))
            .collect::<Vec<_>>();
        cases.extend(
            suite
                .groups
                .iter()
                .map(|((rule, res), g)| finding_case(report, rule, res, g)),
        );
        suites.push((file.to_string(), Some(file), cases));
    }
    if suites.is_empty() {
        // A clean scan still shows up in the report group as one passing test.
        suites.push((
            "guardrails".to_string(),
            None,
            vec![Case {
                classname: "guardrails".to_string(),
                name: "scan".to_string(),
                outcome: Outcome::Passed,
                body: "No findings.".to_string(),
            }],
        ));
    }

    let count = |cases: &[Case], pred: fn(&Outcome) -> bool| -> usize {
        cases.iter().filter(|c| pred(&c.outcome)).count()
    };
    let is_failure = |o: &Outcome| matches!(o, Outcome::Failure { .. });
    let is_error = |o: &Outcome| matches!(o, Outcome::Error { .. });
    let is_skipped = |o: &Outcome| matches!(o, Outcome::Skipped { .. });
    let all: Vec<&Case> = suites.iter().flat_map(|s| &s.2).collect();

    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"guardrails\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"0\">",
        all.len(),
        all.iter().filter(|c| is_failure(&c.outcome)).count(),
        all.iter().filter(|c| is_error(&c.outcome)).count(),
    );
    for (id, (name, file, cases)) in suites.iter().enumerate() {
        let _ = write!(
            out,
            "  <testsuite name=\"{}\" id=\"{id}\" package=\"guardrails\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"0\"",
            attr(name),
            cases.len(),
            count(cases, is_failure),
            count(cases, is_error),
            count(cases, is_skipped),
        );
        if let Some(f) = file {
            let _ = write!(out, " file=\"{}\"", attr(f));
        }
        out.push_str(">\n");
        for c in cases {
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"0\">",
                attr(&c.classname),
                attr(&c.name)
            );
            match &c.outcome {
                Outcome::Failure { message, severity } => {
                    let _ = write!(
                        out,
                        "\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    ",
                        attr(message),
                        attr(severity),
                        text(&c.body)
                    );
                }
                Outcome::Error { message } => {
                    let _ = write!(
                        out,
                        "\n      <error message=\"{}\" type=\"InputError\">{}</error>\n    ",
                        attr(message),
                        text(&c.body)
                    );
                }
                Outcome::Skipped { message } => {
                    let _ = write!(
                        out,
                        "\n      <skipped message=\"{}\"/>\n      <system-out>{}</system-out>\n    ",
                        attr(message),
                        text(&c.body)
                    );
                }
                Outcome::Passed => {
                    let _ = write!(
                        out,
                        "\n      <system-out>{}</system-out>\n    ",
                        text(&c.body)
                    );
                }
            }
            out.push_str("</testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Severity, Suppression};

    fn finding(rule: &str, sev: Severity, res: &str, file: &str, line: usize) -> Finding {
        let mut f = Finding::new(
            rule,
            sev,
            res,
            "desc <b> & \"q\"",
            "fix it",
            file,
            line,
            1,
            None,
        );
        f.seal(&line.to_string());
        f
    }

    #[test]
    fn escaping_and_illegal_characters() {
        assert_eq!(text("a<b>&c\u{1}\u{FFFE}d"), "a&lt;b&gt;&amp;cd");
        assert_eq!(attr("\"x'\n\ty\u{0}"), "&quot;x&apos;&#10;&#9;y");
        assert_eq!(text("é😀"), "é😀");
    }

    #[test]
    fn outcomes_follow_fail_on_and_suppression() {
        let mut sup = finding("VPC003", Severity::Low, "SG", "t.yaml", 9);
        sup.suppressed = true;
        sup.suppression = Some(Suppression {
            kind: "allowlist".into(),
            id: Some("A1".into()),
            reason: "egress <reviewed>".into(),
            expires_at: None,
        });
        let report = Report::new(
            vec![
                finding("IAM001", Severity::High, "Fn", "t.yaml", 3),
                finding("IAM001", Severity::High, "Fn", "t.yaml", 5),
                finding("VPC002", Severity::Medium, "SG", "t.yaml", 8),
                sup,
                finding("CODE001", Severity::Critical, "app.py", "app.py", 2),
            ],
            vec![InputError {
                file: "bad.yaml".into(),
                line: Some(2),
                column: Some(1),
                message: "unexpected end".into(),
            }],
            Severity::High,
        );
        let x = render(&report);
        assert!(x.starts_with("<?xml"));
        assert!(x.contains(
            "<testsuites name=\"guardrails\" tests=\"5\" failures=\"2\" errors=\"1\" time=\"0\">"
        ));
        // Two IAM001 findings on one resource: one testcase.
        assert_eq!(x.matches("name=\"IAM001 Fn\"").count(), 1);
        assert!(x.contains("message=\"2 findings at or above HIGH; first at t.yaml:3:"));
        assert!(x.contains("classname=\"IAM.IAM001\""));
        assert!(x.contains("<skipped message=\"suppressed: egress &lt;reviewed&gt;\"/>"));
        assert!(x.contains("1 finding(s) below fail-on HIGH (not gating)"));
        assert!(x.contains("<error message=\"unexpected end\" type=\"InputError\">"));
        assert!(x.contains("desc &lt;b&gt; &amp; \"q\""));
        // Suites in file order.
        let a = x.find("name=\"app.py\"").unwrap();
        let b = x.find("name=\"bad.yaml\"").unwrap();
        let t = x.find("name=\"t.yaml\"").unwrap();
        assert!(a < b && b < t);
        assert_eq!(x, render(&report));
    }

    #[test]
    fn clean_scan_is_one_passing_test() {
        let x = render(&Report::new(vec![], vec![], Severity::High));
        assert!(x.contains("tests=\"1\" failures=\"0\" errors=\"0\""));
        assert!(x.contains("<testcase classname=\"guardrails\" name=\"scan\""));
    }
}
