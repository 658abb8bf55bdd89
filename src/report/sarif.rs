//! SARIF 2.1.0 for GitHub code scanning.

use crate::model::{Finding, Report, Severity};
use crate::rules::registry::RULES;
use serde_json::{Value, json};

fn level(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// Relative URI reference for a repo-relative path (RFC 3986 escaping).
pub fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn pascal(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A `tool.driver.rules` entry for a rule outside the registry (Guard rules, `GUARD.*`),
/// built from its first finding.
fn rule_from_finding(f: &Finding) -> Value {
    let name: String = f
        .rule_id
        .split(|c: char| !c.is_ascii_alphanumeric())
        .map(|w| {
            let w = w.to_ascii_lowercase();
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    let family = f
        .rule_id
        .split('.')
        .next()
        .unwrap_or("custom")
        .to_ascii_lowercase();
    json!({
        "id": f.rule_id,
        "name": name,
        "shortDescription": {"text": f.description},
        "fullDescription": {"text": f.description},
        "help": {"text": format!("{}\n\nRemediation: {}", f.description, f.remediation)},
        "defaultConfiguration": {"level": level(f.severity)},
        "properties": {
            "security-severity": f.severity.security_severity(),
            "precision": "medium",
            "tags": ["security", family, f.severity.as_str().to_ascii_lowercase()],
        }
    })
}

pub fn render(report: &Report) -> String {
    // Rules outside the registry (Guard rules) follow the registry's, by id.
    let mut extra: Vec<&Finding> = Vec::new();
    for f in &report.findings {
        if !RULES.iter().any(|r| r.id == f.rule_id) && !extra.iter().any(|e| e.rule_id == f.rule_id)
        {
            extra.push(f);
        }
    }
    extra.sort_by(|a, b| a.rule_id.cmp(&b.rule_id));
    let mut rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            let doc = r.doc();
            json!({
                "id": r.id,
                "name": pascal(r.name),
                "shortDescription": {"text": r.title},
                "fullDescription": {"text": r.summary()},
                "help": {"text": format!("{}\n\nRemediation: {}", r.summary(), r.remediation), "markdown": doc},
                "helpUri": r.help_uri(),
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": {
                    "security-severity": r.severity.security_severity(),
                    "precision": "high",
                    "problem.severity": match r.severity { Severity::Critical | Severity::High => "error", Severity::Medium => "warning", _ => "recommendation" },
                    "tags": ["security", r.family.to_ascii_lowercase(), r.severity.as_str().to_ascii_lowercase()],
                }
            })
        })
        .collect();
    rules.extend(extra.iter().map(|f| rule_from_finding(f)));
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let rule_index = RULES.iter().position(|r| r.id == f.rule_id).or_else(|| {
                extra
                    .iter()
                    .position(|e| e.rule_id == f.rule_id)
                    .map(|i| RULES.len() + i)
            });
            let mut logical = vec![json!({
                "name": f.resource_id,
                "fullyQualifiedName": f.path.clone().unwrap_or_else(|| f.resource_id.clone()),
                "kind": if f.path.is_some() { "resource" } else { "module" },
            })];
            if let Some(func) = &f.function {
                logical.push(json!({"name": func, "kind": "function"}));
            }
            let mut r = json!({
                "ruleId": f.rule_id,
                "level": level(f.severity),
                "message": {"text": format!("{} Remediation: {}", f.description, f.remediation)},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&f.file)},
                        "region": {"startLine": f.line.max(1), "startColumn": f.column.max(1)}
                    },
                    "logicalLocations": logical,
                }],
                "partialFingerprints": {"guardrails/v1": f.fingerprint},
                "properties": {"severity": f.severity.as_str()},
            });
            if let Some(i) = rule_index {
                r["ruleIndex"] = json!(i);
            }
            // Hunt findings: the CloudTrail events behind them, for pivoting.
            if let Some(ev) = &f.events {
                r["properties"]["events"] = json!(ev);
            }
            if let Some(s) = &f.suppression {
                r["suppressions"] = json!([{
                    "kind": "external",
                    "status": "accepted",
                    "justification": s.reason,
                }]);
            }
            r
        })
        .collect();
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|e| {
            let mut n = json!({
                "level": "error",
                "message": {"text": e.message},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri(&e.file)}}}],
            });
            if let Some(line) = e.line {
                n["locations"][0]["physicalLocation"]["region"] =
                    json!({"startLine": line, "startColumn": e.column.unwrap_or(1)});
            }
            n
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "guardrails",
                "fullName": "Serverless Guardrails",
                "version": report.version,
                "semanticVersion": report.version,
                "informationUri": "https://github.com/serverless-guardrails/guardrails",
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": report.errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    let mut s = serde_json::to_string_pretty(&log).expect("sarif serialises");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_escaped() {
        assert_eq!(uri("templates/my app.yaml"), "templates/my%20app.yaml");
        assert_eq!(pascal("wildcard-action"), "WildcardAction");
    }
}
