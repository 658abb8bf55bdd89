//! `.guardrails-allow.json`: reviewed exceptions that expire.

use crate::model::{Finding, InputError, Suppression};
use globset::{Glob, GlobMatcher};
use jiff::Timestamp;
use serde::Deserialize;
use std::path::Path;

pub const DEFAULT_FILE: &str = ".guardrails-allow.json";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    allowlist: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    /// Read from the raw value first, so that errors can name the entry.
    #[allow(dead_code)]
    id: Option<String>,
    rule_id: Option<String>,
    resource_id: Option<String>,
    env_names: Option<Vec<String>>,
    reason: Option<String>,
    expires_at: Option<String>,
    created_by: Option<String>,
}

#[derive(Debug)]
pub struct Entry {
    pub id: String,
    rule: GlobMatcher,
    resource: GlobMatcher,
    resource_pattern: String,
    env_names: Option<Vec<String>>,
    pub reason: String,
    pub expires_at: Timestamp,
    pub created_by: Option<String>,
}

#[derive(Debug)]
pub struct Allowlist {
    pub path: String,
    pub entries: Vec<Entry>,
}

/// Configuration problems, each naming the file, the entry and the field.
pub type ConfigErrors = Vec<InputError>;

fn config_error(file: &str, message: String) -> InputError {
    InputError {
        file: file.to_string(),
        line: None,
        column: None,
        message,
    }
}

fn glob(p: &str) -> Result<GlobMatcher, String> {
    Glob::new(p)
        .map(|g| g.compile_matcher())
        .map_err(|e| e.to_string())
}

/// `2025-12-31T00:00:00Z`, an offset timestamp, or a bare date (midnight UTC).
pub fn parse_time(s: &str) -> Option<Timestamp> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    let d = s.parse::<jiff::civil::Date>().ok()?;
    format!("{d}T00:00:00Z").parse().ok()
}

impl Allowlist {
    pub fn load(path: &Path) -> Result<Allowlist, ConfigErrors> {
        let shown = crate::scan::display_path(path);
        let text = std::fs::read_to_string(path)
            .map_err(|e| vec![config_error(&shown, format!("cannot read allowlist: {e}"))])?;
        Allowlist::parse(&shown, &text)
    }

    pub fn parse(shown: &str, text: &str) -> Result<Allowlist, ConfigErrors> {
        let raw: RawFile = serde_json::from_str(text).map_err(|e| {
            vec![InputError {
                file: shown.to_string(),
                line: Some(e.line()),
                column: Some(e.column()),
                message: format!("invalid allowlist: {}", strip_location(&e.to_string())),
            }]
        })?;
        let mut errors = Vec::new();
        let mut entries = Vec::new();
        for (i, value) in raw.allowlist.into_iter().enumerate() {
            let fallback = format!("#{}", i + 1);
            let name = value
                .get("id")
                .and_then(|v| v.as_str())
                .map(str::to_string)
                .unwrap_or(fallback);
            let e: RawEntry = match serde_json::from_value(value) {
                Ok(e) => e,
                Err(err) => {
                    errors.push(config_error(
                        shown,
                        format!("allowlist entry {name}: {err}"),
                    ));
                    continue;
                }
            };
            let mut problem = |field: &str, msg: &str| {
                errors.push(config_error(
                    shown,
                    format!("allowlist entry {name}: field `{field}` {msg}"),
                ));
            };
            let reason = e.reason.filter(|r| !r.trim().is_empty());
            if reason.is_none() {
                problem(
                    "reason",
                    "is required (say why the exception is acceptable)",
                );
            }
            let expires = match e.expires_at.as_deref() {
                None => {
                    problem(
                        "expires_at",
                        "is required (ISO 8601, for example 2026-12-31T00:00:00Z)",
                    );
                    None
                }
                Some(s) => {
                    let t = parse_time(s);
                    if t.is_none() {
                        problem(
                            "expires_at",
                            &format!("is not an ISO 8601 date or timestamp: {s:?}"),
                        );
                    }
                    t
                }
            };
            let Some(rule_pattern) = e.rule_id.filter(|r| !r.is_empty()) else {
                problem("rule_id", "is required (an id or a glob such as ENV*)");
                continue;
            };
            let resource_pattern = e.resource_id.unwrap_or_else(|| "*".into());
            let rule = glob(&rule_pattern)
                .map_err(|m| problem("rule_id", &format!("is not a valid glob: {m}")));
            let resource = glob(&resource_pattern)
                .map_err(|m| problem("resource_id", &format!("is not a valid glob: {m}")));
            if let (Ok(rule), Ok(resource), Some(reason), Some(expires_at)) =
                (rule, resource, reason, expires)
            {
                entries.push(Entry {
                    id: name,
                    rule,
                    resource,
                    resource_pattern,
                    env_names: e.env_names,
                    reason,
                    expires_at,
                    created_by: e.created_by,
                });
            }
        }
        if errors.is_empty() {
            Ok(Allowlist {
                path: shown.to_string(),
                entries,
            })
        } else {
            Err(errors)
        }
    }

    /// Marks matching findings suppressed. Expired entries suppress nothing and are
    /// returned as errors: an exception past its date must be renewed or removed.
    pub fn apply(&self, findings: &mut [Finding], now: Timestamp) -> ConfigErrors {
        let mut errors = Vec::new();
        for e in &self.entries {
            if e.expires_at <= now {
                errors.push(config_error(
                    &self.path,
                    format!(
                        "allowlist entry {} expired on {} (reason was: {}); renew or remove it",
                        e.id, e.expires_at, e.reason
                    ),
                ));
                continue;
            }
            for f in findings
                .iter_mut()
                .filter(|f| !f.suppressed && e.matches(f))
            {
                f.suppressed = true;
                f.suppression = Some(Suppression {
                    kind: "allowlist".into(),
                    id: Some(e.id.clone()),
                    reason: e.reason.clone(),
                    expires_at: Some(e.expires_at.to_string()),
                });
            }
        }
        errors
    }
}

impl Entry {
    fn matches(&self, f: &Finding) -> bool {
        if !self.rule.is_match(&f.rule_id) {
            return false;
        }
        let resource_ok = self.resource.is_match(&f.resource_id)
            || f.function.as_deref().is_some_and(|func| self.resource.is_match(func))
            // A path pattern also matches as a suffix on a path boundary, so
            // `functions/app.py` matches `src/functions/app.py`.
            || (self.resource_pattern.contains('/')
                && f.resource_id.ends_with(&format!("/{}", self.resource_pattern)));
        if !resource_ok {
            return false;
        }
        match &self.env_names {
            None => true,
            Some(names) => f
                .env_name
                .as_deref()
                .is_some_and(|n| names.iter().any(|x| x == n)),
        }
    }
}

fn strip_location(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Severity;

    fn finding(rule: &str, res: &str, env: Option<&str>) -> Finding {
        let mut f = Finding::new(rule, Severity::High, res, "d", "r", "f", 1, 1, None);
        f.env_name = env.map(str::to_string);
        f
    }

    const NOW: &str = "2026-06-01T00:00:00Z";

    #[test]
    fn globs_env_names_and_suffix_paths() {
        let a = Allowlist::parse(
            "a.json",
            r#"{"allowlist":[{"id":"E1","rule_id":"ENV*","resource_id":"functions/safe/app.py","env_names":["TEMP_TOKEN"],"reason":"QA","expires_at":"2027-01-01T00:00:00Z","created_by":"sec"}]}"#,
        )
        .unwrap();
        let mut fs = vec![
            finding(
                "ENV003",
                "testdata/functions/safe/app.py",
                Some("TEMP_TOKEN"),
            ),
            finding("ENV003", "testdata/functions/safe/app.py", Some("OTHER")),
            finding(
                "IAM001",
                "testdata/functions/safe/app.py",
                Some("TEMP_TOKEN"),
            ),
        ];
        assert!(a.apply(&mut fs, NOW.parse().unwrap()).is_empty());
        assert_eq!(
            fs.iter().map(|f| f.suppressed).collect::<Vec<_>>(),
            [true, false, false]
        );
        assert_eq!(fs[0].suppression.as_ref().unwrap().reason, "QA");
    }

    #[test]
    fn expired_entries_error_and_do_not_suppress() {
        let a = Allowlist::parse(
            "a.json",
            r#"{"allowlist":[{"id":"OLD","rule_id":"*","reason":"x","expires_at":"2025-12-31"}]}"#,
        )
        .unwrap();
        let mut fs = vec![finding("IAM001", "R", None)];
        let errs = a.apply(&mut fs, NOW.parse().unwrap());
        assert_eq!(errs.len(), 1);
        let msg = errs[0].to_string();
        assert!(msg.starts_with("a.json: ") && msg.contains("OLD") && msg.contains("expired"));
        assert!(!fs[0].suppressed);
    }

    #[test]
    fn missing_and_invalid_fields_are_named() {
        let e = Allowlist::parse(
            "a.json",
            r#"{"allowlist":[{"id":"A","rule_id":"X"},{"id":"B","rule_id":"X","reason":"r","expires_at":"soon"},{"id":"C","rule_id":"X","reason":"r","expires_at":"2027-01-01","colour":"red"}]}"#,
        )
        .unwrap_err();
        let all = e
            .iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join("\n");
        assert!(all.contains("entry A: field `reason`"), "{all}");
        assert!(all.contains("entry A: field `expires_at`"), "{all}");
        assert!(
            all.contains("entry B: field `expires_at` is not an ISO 8601"),
            "{all}"
        );
        assert!(all.contains("entry C") && all.contains("colour"), "{all}");
        assert!(
            Allowlist::parse("a.json", "{nope").unwrap_err()[0]
                .to_string()
                .starts_with("a.json:1:")
        );
    }
}
