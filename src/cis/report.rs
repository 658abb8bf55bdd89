//! CIS run reports and score (interim: the full renderers are being written).

use crate::cis::model::{CisRun, ControlResult, Status};
use crate::model::Severity;

pub fn weight(sev: Severity) -> u32 {
    match sev {
        Severity::Critical => 10,
        Severity::High => 5,
        Severity::Medium => 3,
        Severity::Low => 1,
        Severity::Info => 1,
    }
}

pub fn score(controls: &[ControlResult]) -> f64 {
    let judged: Vec<&ControlResult> = controls
        .iter()
        .filter(|c| c.status != Status::Warn)
        .collect();
    let total: u32 = judged.iter().map(|c| c.weight).sum();
    if total == 0 {
        return 100.0;
    }
    let pass: u32 = judged
        .iter()
        .filter(|c| c.status == Status::Pass)
        .map(|c| c.weight)
        .sum();
    (pass as f64 / total as f64 * 1000.0).round() / 10.0
}

pub fn json(run: &CisRun) -> String {
    let mut v: serde_json::Value = serde_json::from_str(&crate::report::render(
        &run.report,
        crate::report::Format::Json,
    ))
    .unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert("account".into(), run.account.clone().into());
        o.insert("timestamp".into(), run.timestamp.clone().into());
        o.insert(
            "regions".into(),
            serde_json::to_value(&run.regions).unwrap_or_default(),
        );
        o.insert("score".into(), run.score.into());
        o.insert("threshold".into(), run.threshold.into());
        o.insert("remediation".into(), run.remediation.clone().into());
        o.insert(
            "sinks".into(),
            serde_json::to_value(&run.sinks).unwrap_or_default(),
        );
        o.insert(
            "controls".into(),
            serde_json::to_value(&run.controls).unwrap_or_default(),
        );
    }
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}

pub fn csv(run: &CisRun) -> String {
    let mut out = String::from("id,status,severity,title\n");
    for c in &run.controls {
        out.push_str(&format!(
            "{},{:?},{},\"{}\"\n",
            c.id,
            c.status,
            c.severity,
            c.title.replace('"', "\"\"")
        ));
    }
    out
}

pub fn html(run: &CisRun) -> String {
    format!(
        "<html><body><pre>{}</pre></body></html>",
        crate::cis::text(run)
            .replace('&', "&amp;")
            .replace('<', "&lt;")
    )
}

pub fn pdf_note() -> &'static str {
    "ENABLE_PDF is not supported"
}
