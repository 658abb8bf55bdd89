//! One [`Report`], many renderers.

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
    }
}
