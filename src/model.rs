//! The one finding model every renderer reads.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL_DESC: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "CRITICAL",
            Severity::High => "HIGH",
            Severity::Medium => "MEDIUM",
            Severity::Low => "LOW",
            Severity::Info => "INFO",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_uppercase().as_str() {
            "CRITICAL" => Some(Severity::Critical),
            "HIGH" => Some(Severity::High),
            "MEDIUM" => Some(Severity::Medium),
            "LOW" => Some(Severity::Low),
            "INFO" => Some(Severity::Info),
            _ => None,
        }
    }

    /// GitHub code scanning bands: >9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, <=3.9 low.
    pub fn security_severity(self) -> &'static str {
        match self {
            Severity::Critical => "9.5",
            Severity::High => "8.0",
            Severity::Medium => "5.5",
            Severity::Low => "3.0",
            Severity::Info => "0.0",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a CloudTrail detection saw: enough to pivot in the logs or in Athena.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventContext {
    /// CloudTrail `eventID`s that support the finding, in log order (for a Sigma finding,
    /// at most the first 99 and the last; `event_count` counts them all).
    pub event_ids: Vec<String>,
    /// How many events support the finding, when `event_ids` may hold fewer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_count: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// `eventTime` of the first and last supporting event (RFC 3339, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<String>,
}

/// Why a finding does not count against the gate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    /// `allowlist` or `inline`.
    pub kind: String,
    /// The allowlist entry id, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule_id: String,
    pub severity: Severity,
    /// Template logical id, or the file path for code findings.
    pub resource_id: String,
    pub description: String,
    pub remediation: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// Property path inside the template (`Resources.X.Properties...`); absent for code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The function resource a code finding belongs to, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// Environment variable or parameter name a secret finding is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env_name: Option<String>,
    /// CloudTrail context of a `hunt` finding: the events behind it, for pivoting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<EventContext>,
    pub suppressed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Suppression>,
    /// Stable across runs and line shifts; also SARIF's partialFingerprints.
    pub fingerprint: String,
}

impl Finding {
    /// A finding at a location; `key` is what identifies it apart from its line
    /// (property path, or a normalised code snippet).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        rule_id: &str,
        severity: Severity,
        resource_id: impl Into<String>,
        description: impl Into<String>,
        remediation: impl Into<String>,
        file: &str,
        line: usize,
        column: usize,
        path: Option<String>,
    ) -> Finding {
        Finding {
            rule_id: rule_id.to_string(),
            severity,
            resource_id: resource_id.into(),
            description: description.into(),
            remediation: remediation.into(),
            file: file.to_string(),
            line,
            column,
            path,
            function: None,
            env_name: None,
            events: None,
            suppressed: false,
            suppression: None,
            fingerprint: String::new(),
        }
    }

    /// Computes the fingerprint from identity, not position, so it survives line shifts.
    pub fn seal(&mut self, discriminator: &str) {
        let key = format!(
            "{}\x1f{}\x1f{}\x1f{}\x1f{}",
            self.rule_id,
            self.file,
            self.resource_id,
            self.path.as_deref().unwrap_or(""),
            discriminator
        );
        self.fingerprint = stable_hash(&key);
    }

    pub fn counts(&self) -> bool {
        !self.suppressed
    }
}

/// FNV-1a, twice with different seeds: stable across platforms and releases.
pub fn stable_hash(s: &str) -> String {
    fn fnv(seed: u64, s: &str) -> u64 {
        let mut h = seed;
        for b in s.bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
        h
    }
    format!(
        "{:016x}{:016x}",
        fnv(0xcbf29ce484222325, s),
        fnv(0x84222325cbf29ce4, s)
    )
}

/// A file that could not be scanned. Never carries file contents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputError {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{}:{}:{}: {}", self.file, l, c, self.message),
            (Some(l), None) => write!(f, "{}:{}: {}", self.file, l, self.message),
            _ => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    #[serde(rename = "CRITICAL")]
    pub critical: usize,
    #[serde(rename = "HIGH")]
    pub high: usize,
    #[serde(rename = "MEDIUM")]
    pub medium: usize,
    #[serde(rename = "LOW")]
    pub low: usize,
    #[serde(rename = "INFO")]
    pub info: usize,
    #[serde(rename = "TOTAL")]
    pub total: usize,
}

impl Summary {
    pub fn of(findings: &[Finding]) -> Summary {
        let mut s = Summary::default();
        for f in findings.iter().filter(|f| f.counts()) {
            *s.slot(f.severity) += 1;
            s.total += 1;
        }
        s
    }

    fn slot(&mut self, sev: Severity) -> &mut usize {
        match sev {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Info => &mut self.info,
        }
    }

    pub fn get(&self, sev: Severity) -> usize {
        match sev {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub version: String,
    pub summary: Summary,
    pub passed: bool,
    pub fail_on: Severity,
    pub findings: Vec<Finding>,
    /// Files that could not be scanned and configuration problems.
    pub errors: Vec<InputError>,
}

impl Report {
    pub fn new(mut findings: Vec<Finding>, errors: Vec<InputError>, fail_on: Severity) -> Report {
        sort_findings(&mut findings);
        findings.dedup_by(|a, b| a.fingerprint == b.fingerprint && a.line == b.line);
        let summary = Summary::of(&findings);
        let gating = findings.iter().any(|f| f.counts() && f.severity >= fail_on);
        Report {
            version: env!("CARGO_PKG_VERSION").to_string(),
            summary,
            passed: !gating && errors.is_empty(),
            fail_on,
            findings,
            errors,
        }
    }

    pub fn gating_findings(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.counts() && f.severity >= self.fail_on)
            .count()
    }
}

/// Deterministic order: file, line, column, rule.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (
            a.file.as_str(),
            a.line,
            a.column,
            a.rule_id.as_str(),
            a.path.as_deref(),
        )
            .cmp(&(
                b.file.as_str(),
                b.line,
                b.column,
                b.rule_id.as_str(),
                b.path.as_deref(),
            ))
    });
}

/// Masks a secret: keeps a short prefix of long values (enough to recognise the key type).
pub fn mask(secret: &str) -> String {
    let n = secret.chars().count();
    let keep = if n >= 16 { 4 } else { 0 };
    let mut out: String = secret.chars().take(keep).collect();
    out.extend(std::iter::repeat_n(
        '*',
        n.saturating_sub(keep).clamp(4, 32),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_keeps_only_prefix() {
        assert_eq!(mask("AKIAIOSFODNN7EXAMPL3"), "AKIA****************");
        assert_eq!(mask("hunter2"), "*******");
        assert!(!mask("abc").contains('a'));
    }

    #[test]
    fn severity_order_and_bands() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Info < Severity::Low);
        let v: f64 = Severity::Critical.security_severity().parse().unwrap();
        assert!(v > 9.0);
        let v: f64 = Severity::High.security_severity().parse().unwrap();
        assert!((7.0..9.0).contains(&v));
    }

    #[test]
    fn fingerprint_ignores_line() {
        let mut a = Finding::new(
            "IAM001",
            Severity::High,
            "R",
            "d",
            "r",
            "t.yaml",
            3,
            1,
            None,
        );
        let mut b = a.clone();
        b.line = 40;
        a.seal("x");
        b.seal("x");
        assert_eq!(a.fingerprint, b.fingerprint);
    }
}
