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
