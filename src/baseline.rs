//! `--baseline scan.json`: findings already in an earlier report do not gate.

use crate::model::{Finding, InputError, Report, Suppression};
use std::collections::HashSet;
use std::path::Path;

/// Marks findings whose fingerprint is in the baseline report as suppressed
/// (`kind: "baseline"`); returns how many were carried over.
pub fn apply(path: &Path, findings: &mut [Finding]) -> Result<usize, InputError> {
    let shown = crate::scan::display_path(path);
    let err = |line: Option<usize>, column: Option<usize>, message: String| InputError {
        file: shown.clone(),
        line,
        column,
        message,
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| err(None, None, format!("cannot read baseline: {e}")))?;
    let report: Report = serde_json::from_str(&text).map_err(|e| {
        err(
            Some(e.line()),
            Some(e.column()),
            "not a guardrails scan.json report (expected version, summary, findings)".into(),
        )
    })?;
    let known: HashSet<&str> = report
        .findings
        .iter()
        .map(|f| f.fingerprint.as_str())
        .collect();
    let mut carried = 0;
    for f in findings
        .iter_mut()
        .filter(|f| !f.suppressed && known.contains(f.fingerprint.as_str()))
    {
        f.suppressed = true;
        f.suppression = Some(Suppression {
            kind: "baseline".into(),
            id: None,
            reason: format!("known in baseline {shown}"),
            expires_at: None,
        });
        carried += 1;
    }
    Ok(carried)
}
