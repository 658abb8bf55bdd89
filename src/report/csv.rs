//! `--format csv`: one row per finding, for spreadsheets and SIEM imports.
//!
//! RFC 4180: comma-separated, CRLF line ends, a header row; a field holding a comma, quote,
//! CR or LF is quoted and its quotes doubled. Formula injection (CSV injection): a value
//! starting with `=`, `+`, `-`, `@`, TAB or CR would run as a formula when the file is opened
//! in a spreadsheet (attacker-controlled CloudTrail values such as user agents or principal
//! names end up in findings), so such values get a leading apostrophe (`'=cmd|...`), as OWASP
//! recommends. Descriptions are the model's (secrets already masked); nothing raw is added.
//! Input errors are not rows; they go to stderr and the exit code as for every format.

use crate::model::{Finding, Report};

/// The columns, in order.
pub const HEADER: [&str; 13] = [
    "rule_id",
    "severity",
    "file",
    "line",
    "resource",
    "description",
    "event_ids",
    "principal",
    "source_ip",
    "region",
    "first_seen",
    "last_seen",
    "suppressed",
];

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    row(&mut out, HEADER.iter().map(|h| h.to_string()));
    for f in &report.findings {
        row(&mut out, fields(f));
    }
    out
}

fn fields(f: &Finding) -> impl Iterator<Item = String> {
    let ev = f.events.as_ref();
    let opt = |get: fn(&crate::model::EventContext) -> &Option<String>| {
        ev.and_then(|e| get(e).clone()).unwrap_or_default()
    };
    [
        f.rule_id.clone(),
        f.severity.as_str().to_string(),
        f.file.clone(),
        f.line.to_string(),
        f.resource_id.clone(),
        f.description.clone(),
        ev.map(|e| e.event_ids.join(" ")).unwrap_or_default(),
        opt(|e| &e.principal),
        opt(|e| &e.source_ip),
        opt(|e| &e.region),
        opt(|e| &e.first_seen),
        opt(|e| &e.last_seen),
        f.suppressed.to_string(),
    ]
    .into_iter()
}

fn row(out: &mut String, fields: impl Iterator<Item = String>) {
    for (i, v) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(out, &v);
    }
    out.push_str("\r\n");
}

/// One field: neutralised against formulas, then quoted when needed.
pub fn field(out: &mut String, v: &str) {
    let guard = v.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = v.contains([',', '"', '\r', '\n']);
    if quote {
        out.push('"');
    }
    if guard {
        out.push('\'');
    }
    for c in v.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if quote {
        out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EventContext, Severity};

    fn f(s: &str) -> String {
        let mut out = String::new();
        field(&mut out, s);
        out
    }

    #[test]
    fn quoting_follows_rfc_4180() {
        assert_eq!(f("plain"), "plain");
        assert_eq!(f(""), "");
        assert_eq!(f("a,b"), "\"a,b\"");
        assert_eq!(f("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(f("two\nlines"), "\"two\nlines\"");
        assert_eq!(f("cr\rhere"), "\"cr\rhere\"");
    }

    #[test]
    fn formula_starts_get_an_apostrophe() {
        assert_eq!(f("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(f("+1"), "'+1");
        assert_eq!(f("-2+3"), "'-2+3");
        assert_eq!(f("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(f("\tx"), "'\tx");
        assert_eq!(f("\rx"), "\"'\rx\"");
        // Only the start matters.
        assert_eq!(f("a=b"), "a=b");
        assert_eq!(f("2024-03-05T10:00:00Z"), "2024-03-05T10:00:00Z");
    }

    #[test]
    fn one_row_per_finding_with_event_context() {
        let mut a = Finding::new(
            "ATH005",
            Severity::Medium,
            "arn:aws:iam::1:user/=evil",
            "Access key used, see \"x\", y",
            "fix",
            "s3://b/k.json.gz",
            3,
            1,
            None,
        );
        a.events = Some(EventContext {
            event_ids: vec!["e1".into(), "e2".into()],
            event_count: None,
            principal: Some("=cmd|' /C calc'!A0".into()),
            source_ip: Some("203.0.113.9".into()),
            region: Some("us-east-1".into()),
            account: Some("1".into()),
            first_seen: Some("2024-03-05T10:00:00Z".into()),
            last_seen: Some("2024-03-05T10:05:00Z".into()),
        });
        let mut b = Finding::new(
            "SEC001",
            Severity::High,
            "Fn",
            "secret ****",
            "fix",
            "t.yaml",
            9,
            2,
            None,
        );
        b.suppressed = true;
        let report = Report::new(vec![a, b], vec![], Severity::High);
        let out = render(&report);
        let lines: Vec<&str> = out.split("\r\n").collect();
        assert_eq!(lines[0], HEADER.join(","));
        assert_eq!(lines.len(), 4, "{out}");
        let ath = lines.iter().find(|l| l.starts_with("ATH005")).unwrap();
        assert_eq!(
            *ath,
            "ATH005,MEDIUM,s3://b/k.json.gz,3,arn:aws:iam::1:user/=evil,\
             \"Access key used, see \"\"x\"\", y\",e1 e2,'=cmd|' /C calc'!A0,\
             203.0.113.9,us-east-1,2024-03-05T10:00:00Z,2024-03-05T10:05:00Z,false"
        );
        let sec = lines.iter().find(|l| l.starts_with("SEC001")).unwrap();
        assert_eq!(*sec, "SEC001,HIGH,t.yaml,9,Fn,secret ****,,,,,,,true");
        assert_eq!(lines[3], "");
    }
}
