//! In-file suppressions: resource `Metadata` (ours, cfn_nag's, checkov's) and
//! `# guardrails:ignore RULE reason` line comments in YAML and Python.
//! Suppressed findings stay in every output, marked with the reason.

use crate::model::{Finding, InputError, Suppression};
use crate::template::Template;
use crate::template::node::Node;

/// cfn_nag and checkov ids that mean the same as one of ours, so migrating teams keep
/// their reviewed decisions. An id that maps to nothing suppresses nothing.
pub const FOREIGN_IDS: &[(&str, &[&str])] = &[
    // cfn_nag
    ("F3", &["IAM001"]),
    ("F4", &["IAM001"]),
    ("F5", &["IAM001"]),
    ("F15", &["IAM001"]),
    ("F20", &["IAM001"]),
    ("W11", &["IAM002"]),
    ("W12", &["IAM002"]),
    ("W13", &["IAM002"]),
    ("F38", &["IAM003"]),
    ("F39", &["IAM003"]),
    ("F40", &["IAM003"]),
    ("W14", &["IAM004"]),
    ("W15", &["IAM004"]),
    ("W16", &["IAM004"]),
    ("W17", &["IAM004"]),
    ("W21", &["IAM004"]),
    ("W22", &["IAM004"]),
    ("W23", &["IAM004"]),
    ("F16", &["IAM006"]),
    ("F18", &["IAM006"]),
    ("F21", &["IAM006"]),
    ("F13", &["LMB002"]),
    ("W2", &["VPC002"]),
    ("W9", &["VPC002"]),
    ("W5", &["VPC003"]),
    ("F76", &["KMS001"]),
    ("F2", &["IAM007"]),
    ("F10", &["IAM009"]),
    ("F11", &["IAM009"]),
    ("F12", &["IAM009"]),
    ("F23", &["ENV004"]),
    ("F31", &["ENV004"]),
    ("F34", &["ENV004"]),
    ("F35", &["ENV004"]),
    ("F44", &["ENV004"]),
    ("F51", &["ENV004"]),
    ("F52", &["ENV004"]),
    ("W33", &["VPC004"]),
    ("W59", &["API001"]),
    ("W45", &["API002"]),
    ("W46", &["API002"]),
    ("W69", &["API002"]),
    ("W62", &["API003"]),
    ("W86", &["LOG002"]),
    ("F14", &["S3001"]),
    ("W31", &["S3001"]),
    ("W35", &["S3005"]),
    ("W41", &["S3003"]),
    ("F19", &["KMS002"]),
    ("W47", &["KMS004"]),
    ("W48", &["KMS003"]),
    ("W74", &["DDB002"]),
    ("W78", &["DDB001"]),
    // checkov
    ("CKV_AWS_1", &["IAM001"]),
    ("CKV_AWS_62", &["IAM001"]),
    ("CKV_AWS_63", &["IAM001"]),
    ("CKV_AWS_107", &["IAM002"]),
    ("CKV_AWS_108", &["IAM002"]),
    ("CKV_AWS_109", &["IAM002"]),
    ("CKV_AWS_110", &["IAM002"]),
    ("CKV_AWS_111", &["IAM002"]),
    ("CKV_AWS_33", &["KMS001"]),
    ("CKV_AWS_70", &["IAM006"]),
    ("CKV_AWS_32", &["IAM006"]),
    ("CKV_AWS_24", &["VPC002"]),
    ("CKV_AWS_25", &["VPC002"]),
    ("CKV_AWS_260", &["VPC002"]),
    ("CKV_AWS_277", &["VPC002"]),
    ("CKV_AWS_45", &["ENV001", "ENV002"]),
    ("CKV_AWS_258", &["LMB001"]),
    ("CKV_AWS_364", &["LMB002"]),
    ("CKV_AWS_18", &["S3005"]),
    ("CKV_AWS_19", &["S3003"]),
    ("CKV_AWS_20", &["S3001"]),
    ("CKV_AWS_57", &["S3001"]),
    ("CKV_AWS_53", &["S3002"]),
    ("CKV_AWS_54", &["S3002"]),
    ("CKV_AWS_55", &["S3002"]),
    ("CKV_AWS_56", &["S3002"]),
    ("CKV_AWS_7", &["KMS002"]),
    ("CKV_AWS_27", &["KMS003"]),
    ("CKV_AWS_26", &["KMS004"]),
    ("CKV_AWS_28", &["DDB001"]),
    ("CKV_AWS_165", &["DDB001"]),
    ("CKV_AWS_119", &["DDB002"]),
    ("CKV_AWS_60", &["IAM007"]),
    ("CKV_AWS_66", &["LOG002"]),
    ("CKV_AWS_76", &["API002"]),
    ("CKV_AWS_95", &["API002"]),
];

fn our_ids(id: &str) -> Vec<String> {
    match FOREIGN_IDS.iter().find(|(f, _)| *f == id) {
        Some((_, ours)) => ours.iter().map(|s| s.to_string()).collect(),
        None => vec![id.to_string()],
    }
}

fn matches(pattern: &str, rule_id: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => rule_id.starts_with(prefix),
        None => pattern == rule_id,
    }
}

fn suppress(f: &mut Finding, kind: &str, reason: &str) {
    if f.suppressed {
        return;
    }
    f.suppressed = true;
    f.suppression = Some(Suppression {
        kind: kind.to_string(),
        id: None,
        reason: reason.to_string(),
        expires_at: None,
    });
}

/// A `guardrails:ignore` comment: it covers its own line, and the next line when it
/// stands alone on its line.
pub struct LineDirective {
    pub line: usize,
    pub covers: [usize; 2],
    pub rule: String,
    pub reason: String,
}

/// Finds `# guardrails:ignore RULE reason` comments; ones without a reason are errors.
pub fn line_directives(file: &str, text: &str) -> (Vec<LineDirective>, Vec<InputError>) {
    const TAG: &str = "guardrails:ignore";
    let mut out = Vec::new();
    let mut errors = Vec::new();
    if !text.contains(TAG) {
        return (out, errors);
    }
    for (i, line) in text.lines().enumerate() {
        let Some(hash) = line.find('#') else { continue };
        let comment = line[hash + 1..].trim_start();
        let Some(rest) = comment.strip_prefix(TAG) else {
            continue;
        };
        let mut words = rest.split_whitespace();
        let rule = words.next().unwrap_or_default().to_string();
        let reason = words.collect::<Vec<_>>().join(" ");
        let n = i + 1;
        if rule.is_empty() || reason.is_empty() {
            errors.push(InputError {
                file: file.to_string(),
                line: Some(n),
                column: Some(hash + 1),
                message: "guardrails:ignore needs a rule id and a reason: # guardrails:ignore IAM002 why it is acceptable".into(),
            });
            continue;
        }
        let alone = line[..hash].trim().is_empty();
        out.push(LineDirective {
            line: n,
            covers: [n, if alone { n + 1 } else { n }],
            rule,
            reason,
        });
    }
    (out, errors)
}

pub fn apply_lines(directives: &[LineDirective], findings: &mut [Finding]) {
    for d in directives {
        for f in findings.iter_mut() {
            if d.covers.contains(&f.line)
                && our_ids(&d.rule).iter().any(|id| matches(id, &f.rule_id))
            {
                suppress(f, "inline", &d.reason);
            }
        }
    }
}

/// `Metadata: {guardrails: {ignore: [{id, reason}]}}`, `{cfn_nag: {rules_to_suppress: [{id, reason}]}}`
/// and `{checkov: {skip: [{id, comment}]}}` on a resource.
pub fn apply_metadata(tpl: &Template, findings: &mut [Finding]) -> Vec<InputError> {
    let mut errors = Vec::new();
    for r in &tpl.resources {
        let Some(meta) = r.node.get("Metadata") else {
            continue;
        };
        for (tool, list_key, reason_key) in [
            ("guardrails", "ignore", "reason"),
            ("cfn_nag", "rules_to_suppress", "reason"),
            ("checkov", "skip", "comment"),
        ] {
            let Some(list) = meta.get_path(&[tool, list_key]).and_then(Node::as_seq) else {
                continue;
            };
            for item in list {
                let id = item
                    .get("id")
                    .and_then(Node::scalar_text)
                    .unwrap_or_default();
                let reason = item
                    .get(reason_key)
                    .and_then(Node::scalar_text)
                    .filter(|r| !r.trim().is_empty());
                let Some(reason) = reason.filter(|_| !id.is_empty()) else {
                    errors.push(InputError {
                        file: tpl.file.clone(),
                        line: Some(item.line),
                        column: Some(item.col),
                        message: format!(
                            "{tool} suppression on {} needs an `id` and a `{reason_key}`",
                            r.id
                        ),
                    });
                    continue;
                };
                let ids = our_ids(&id);
                for f in findings
                    .iter_mut()
                    .filter(|f| f.resource_id == r.id && f.file == tpl.file)
                {
                    if ids.iter().any(|i| matches(i, &f.rule_id)) {
                        suppress(f, &format!("metadata:{tool}"), &reason);
                    }
                }
            }
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_directives_cover_own_and_next_line() {
        let (d, e) = line_directives(
            "f.py",
            "x = 1  # guardrails:ignore ENV003 test fixture\n# guardrails:ignore CODE* sandboxed\ny = 2\n# guardrails:ignore IAM002\n",
        );
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].covers, [1, 1]);
        assert_eq!(d[1].covers, [2, 3]);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].line, Some(4));
        assert!(matches("CODE*", "CODE004") && !matches("CODE*", "ENV003"));
        assert_eq!(our_ids("W11"), vec!["IAM002".to_string()]);
    }
}
