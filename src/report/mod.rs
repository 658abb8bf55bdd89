//! One [`Report`], many renderers.

pub mod csv;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod text;

use crate::model::Report;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Json,
    Sarif,
    Markdown,
    Text,
    Junit,
    /// One row per finding (RFC 4180, formula-injection guarded); see `csv`.
    Csv,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        <Format as clap::ValueEnum>::from_str(s, true).ok()
    }
}

pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Markdown => markdown::render(report),
        Format::Text => text::render(report, false),
        Format::Junit => junit::render(report),
        Format::Csv => csv::render(report),
    }
}

/// [`render`] into `w` (buffer it): JSON is written as it is serialised, so a large report
/// never sits whole in memory; the other formats are rendered first.
pub fn write(report: &Report, format: Format, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    match format {
        Format::Json => json::write(report, &mut *w),
        _ => w.write_all(render(report, format).as_bytes()),
    }
}

/// One line of a hunt finding's CloudTrail context, for the text and markdown renderers.
pub fn event_line(ev: &crate::model::EventContext) -> String {
    let mut parts = vec![match ev.event_count {
        Some(n) if n > ev.event_ids.len() => {
            format!(
                "events ({n}, {} listed): {}",
                ev.event_ids.len(),
                ev.event_ids.join(", ")
            )
        }
        _ => format!("events: {}", ev.event_ids.join(", ")),
    }];
    for (k, v) in [
        ("principal", &ev.principal),
        ("ip", &ev.source_ip),
        ("region", &ev.region),
        ("account", &ev.account),
    ] {
        if let Some(v) = v {
            parts.push(format!("{k}: {v}"));
        }
    }
    match (&ev.first_seen, &ev.last_seen) {
        (Some(a), Some(b)) if a != b => parts.push(format!("time: {a} .. {b}")),
        (Some(a), _) => parts.push(format!("time: {a}")),
        _ => {}
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::event_line;
    use crate::model::EventContext;

    #[test]
    fn event_lines_say_when_only_some_ids_are_listed() {
        let mut ev = EventContext {
            event_ids: vec!["a".into(), "b".into()],
            event_count: Some(2),
            principal: Some("arn:aws:iam::1:role/r".into()),
            source_ip: None,
            region: None,
            account: None,
            first_seen: Some("2024-03-01T00:00:00Z".into()),
            last_seen: Some("2024-03-02T00:00:00Z".into()),
        };
        assert_eq!(
            event_line(&ev),
            "events: a, b; principal: arn:aws:iam::1:role/r; \
             time: 2024-03-01T00:00:00Z .. 2024-03-02T00:00:00Z"
        );
        ev.event_count = Some(260);
        assert!(event_line(&ev).starts_with("events (260, 2 listed): a, b; "));
    }
}
