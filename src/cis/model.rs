//! What one `cis` run found: per-control results, the score, remediation actions.

use crate::model::{Report, Severity};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    Pass,
    Fail,
    /// Could not be determined (access denied, emulator gap, ...); `reason` says why.
    Warn,
}

/// One planned or applied remediation step, recorded in the control's evidence too.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemediationAction {
    pub control: String,
    /// Human-readable: what is (or would be) changed, on which resource and region.
    pub description: String,
    /// `planned` (dry-run), `applied`, `failed`, or `skipped` (not safely possible: why in
    /// `description`).
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ControlResult {
    /// `CIS-1.4`, as in the rule registry.
    pub id: String,
    pub title: String,
    pub status: Status,
    pub severity: Severity,
    /// CIS profile level (1 or 2).
    pub level: u8,
    /// Weight in the score (by severity; see `score`).
    pub weight: u32,
    /// What was read, one line per fact (never secret values).
    pub evidence: Vec<String>,
    /// Why the control is WARN or FAIL, in one sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub remediation: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<RemediationAction>,
}

/// A whole run: what every renderer and sink reads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CisRun {
    pub account: String,
    /// Run start, RFC 3339 UTC (`2026-11-24T23:59:59Z`).
    pub timestamp: String,
    pub regions: Vec<String>,
    /// `Σ weight·pass / Σ weight × 100`, rounded to one decimal.
    pub score: f64,
    pub threshold: f64,
    pub controls: Vec<ControlResult>,
    /// `off`, `dry-run` or `apply`, and why when apply was requested but not allowed.
    pub remediation: String,
    /// Delivery to DynamoDB / S3 / EventBridge (see `sinks`); empty when none is configured.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sinks: Vec<SinkResult>,
    /// Failing controls as findings (rule_id = control id): the same gate as `scan`.
    pub report: Report,
}

/// One sink delivery: the report still exists locally whatever happens here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SinkResult {
    /// `dynamodb`, `s3` or `eventbridge`.
    pub sink: String,
    /// Table, bucket/key prefix or event bus.
    pub target: String,
    /// `delivered`, `skipped` (nothing to send, e.g. no alert) or `failed`.
    pub outcome: String,
    /// What was written (item count, object keys, presigned URL, event id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
