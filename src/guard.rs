//! Custom rules in AWS CloudFormation Guard (`scan --rules PATH`), the language of
//! aws-guard-rules-registry, evaluated by the `cfn-guard` crate (cargo feature `guard`).
//!
//! Every failing Guard clause becomes a [`Finding`] with id `GUARD.<rule name>`, placed on
//! the failing resource (and property, when Guard names one) in our span-keeping template,
//! so allowlists, baselines, suppressions, every output format and the exit codes apply
//! unchanged. Severity: a `Severity:` line in the clause's `<< >>` message, else the last
//! `# Severity:` comment above the rule in its file, else `--guard-severity`.

use crate::model::{Finding, InputError, Severity};
use crate::template::Template;
use std::path::{Path, PathBuf};

/// Prefix of every Guard rule id, so a Guard rule can never collide with a built-in one.
pub const PREFIX: &str = "GUARD.";

/// Whether this build can evaluate Guard rules.
pub const ENABLED: bool = cfg!(feature = "guard");

/// The Guard rule files of a scan, read and checked once.
pub struct GuardRules {
    #[cfg_attr(not(feature = "guard"), allow(dead_code))]
    files: Vec<RuleFile>,
    #[cfg_attr(not(feature = "guard"), allow(dead_code))]
    default_severity: Severity,
}

#[cfg_attr(not(feature = "guard"), allow(dead_code))]
struct RuleFile {
    /// Display path (as in every output).
    display: String,
    content: String,
    /// Severity from `# Severity:` comments, by rule name.
    severities: std::collections::HashMap<String, Severity>,
}

/// What `load` found: the usable rules, broken rule files (input errors, exit 3) and
/// configuration problems (exit 4: `--rules` given to a build without the `guard` feature).
#[derive(Default)]
pub struct Loaded {
    pub rules: Option<GuardRules>,
    pub input_errors: Vec<InputError>,
    pub config_errors: Vec<InputError>,
}

fn error(file: &Path, line: Option<usize>, column: Option<usize>, msg: String) -> InputError {
    InputError {
        file: crate::scan::display_path(file),
        line,
        column,
        message: msg,
    }
}

/// `.guard` and `.ruleset` files (what `cfn-guard validate --rules DIR` reads) under `dir`.
fn rule_files_in(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rule_files_in(&p, out)?;
        } else if p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e == "guard" || e == "ruleset")
        {
            out.push(p);
        }
    }
    Ok(())
}

/// Reads every rule file named by `paths` (files, or directories searched for `.guard` and
/// `.ruleset` files) and checks that it parses; a broken file is an input error naming it
/// (and its line), and the other files are still used.
pub fn load(paths: &[PathBuf], default_severity: Severity) -> Loaded {
    let mut out = Loaded::default();
    if paths.is_empty() {
        return out;
    }
    if !ENABLED {
        out.config_errors = paths
            .iter()
            .map(|p| {
                error(
                    p,
                    None,
                    None,
                    "this guardrails was built without CloudFormation Guard support (cargo feature `guard`); --rules cannot be used".into(),
                )
            })
            .collect();
        return out;
    }
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let before = files.len();
            if let Err(e) = rule_files_in(p, &mut files) {
                out.input_errors
                    .push(error(p, None, None, format!("cannot read directory: {e}")));
            } else if files.len() == before {
                out.input_errors.push(error(
                    p,
                    None,
                    None,
                    "no Guard rule files (*.guard, *.ruleset) in this directory".into(),
                ));
            }
        } else if p.exists() {
            files.push(p.clone());
        } else {
            out.input_errors
                .push(error(p, None, None, "no such file or directory".into()));
        }
    }
    files.dedup();
    let mut rule_files = Vec::new();
    for path in files {
        let content = match std::fs::read(&path) {
            Err(e) => {
                out.input_errors.push(error(
                    &path,
                    None,
                    None,
                    format!("cannot read Guard rules: {e}"),
                ));
                continue;
            }
            Ok(b) => match String::from_utf8(b) {
                Ok(s) => s,
                Err(_) => {
                    out.input_errors.push(error(
                        &path,
                        None,
                        None,
                        "Guard rules are not valid UTF-8".into(),
                    ));
                    continue;
                }
            },
        };
        let display = crate::scan::display_path(&path);
        if let Err((line, column, msg)) = engine::check_rules(&content, &display) {
            out.input_errors.push(error(&path, line, column, msg));
            continue;
        }
        rule_files.push(RuleFile {
            severities: comment_severities(&content),
            display,
            content,
        });
    }
    out.rules = Some(GuardRules {
        files: rule_files,
        default_severity,
    });
    out
}

/// `# Severity: HIGH` (or `# Severity:` with the level on the next comment line, as in the
/// registry's Gherkin headers) applies to every `rule` declared after it in the file, until
/// the next such comment.
fn comment_severities(content: &str) -> std::collections::HashMap<String, Severity> {
    let mut out = std::collections::HashMap::new();
    let mut current: Option<Severity> = None;
    let mut expect_value = false;
    for line in content.lines() {
        let t = line.trim();
        if let Some(comment) = t.strip_prefix('#') {
            let c = comment.trim_start_matches('#').trim();
            if expect_value && !c.is_empty() {
                expect_value = false;
                if let Some(s) = Severity::parse(c.split_whitespace().next().unwrap_or("")) {
                    current = Some(s);
                }
                continue;
            }
            if let Some(rest) = strip_prefix_ci(c, "severity:") {
                let rest = rest.trim();
                if rest.is_empty() {
                    expect_value = true;
                } else if let Some(s) =
                    Severity::parse(rest.split_whitespace().next().unwrap_or(""))
                {
                    current = Some(s);
                }
            }
            continue;
        }
        expect_value = false;
        if let (Some(rest), Some(sev)) = (t.strip_prefix("rule"), current)
            && rest.starts_with(char::is_whitespace)
            && let Some(name) = rest.split_whitespace().next()
        {
            let name: String = name
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect();
            if !name.is_empty() {
                out.insert(name, sev);
            }
        }
    }
    out
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// A Guard `<< >>` message split into its registry-style parts.
#[derive(Debug, Default, PartialEq, Eq)]
struct Message {
    severity: Option<Severity>,
    violation: String,
    fix: String,
}

fn parse_message(msg: &str) -> Message {
    // Guard replaces the newlines of some messages with ';'.
    let (parts, sep): (Vec<&str>, &str) = if msg.contains('\n') {
        (msg.split('\n').collect(), " ")
    } else {
        (msg.split(';').collect(), "; ")
    };
    let mut m = Message::default();
    let mut in_fix = false;
    for part in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let (target, text) = if let Some(r) = strip_prefix_ci(part, "violation:") {
            in_fix = false;
            (&mut m.violation, r.trim())
        } else if let Some(r) = strip_prefix_ci(part, "fix:") {
            in_fix = true;
            (&mut m.fix, r.trim())
        } else if let Some(r) = strip_prefix_ci(part, "severity:") {
            m.severity = Severity::parse(r.split_whitespace().next().unwrap_or(""));
            continue;
        } else if in_fix {
            (&mut m.fix, part)
        } else {
            (&mut m.violation, part)
        };
        if !target.is_empty() && !text.is_empty() {
            target.push_str(sep);
        }
        target.push_str(text);
    }
    m
}

/// A Guard data path (`/Resources/Fn/Properties/Layers/0`) as segments.
fn segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

/// Where a Guard path lands in our template: (resource id, line, column, property path).
/// The deepest part of the path that exists in our tree gives the position; a key's
/// position is the key itself.
fn locate(t: &Template, path: &str) -> (String, usize, usize, String) {
    use crate::template::node::Node;
    let segs = segments(path);
    let (resources_line, resources_col) = t
        .root
        .entry("Resources")
        .map(|e| (e.key_line, e.key_col))
        .unwrap_or((1, 1));
    let mut shown = String::new();
    let (mut node, mut line, mut col, rest): (Option<&Node>, usize, usize, &[&str]) =
        match segs.as_slice() {
            ["Resources", id, rest @ ..] if t.resource(id).is_some() => {
                let r = t.resource(id).expect("checked");
                shown.push_str(&r.path(""));
                (Some(&r.node), r.node.line, r.node.col, rest)
            }
            [] => return (t.file.clone(), resources_line, resources_col, String::new()),
            _ => (
                Some(&t.root),
                resources_line,
                resources_col,
                segs.as_slice(),
            ),
        };
    let mut i = 0;
    while i < rest.len() {
        let Some(n) = node else { break };
        if let Some(items) = n.as_seq()
            && let Ok(idx) = rest[i].parse::<usize>()
            && let Some(item) = items.get(idx)
        {
            shown.push_str(&format!("[{idx}]"));
            (node, line, col) = (Some(item), item.line, item.col);
            i += 1;
            continue;
        }
        // A key may itself contain '/': try the longest run of segments that is a key.
        let found = (i + 1..=rest.len()).rev().find_map(|j| {
            let key = rest[i..j].join("/");
            n.entry(&key).map(|e| (j, e))
        });
        let Some((j, e)) = found else { break };
        if !shown.is_empty() {
            shown.push('.');
        }
        shown.push_str(&e.key);
        (node, line, col) = (Some(&e.value), e.key_line, e.key_col);
        i = j;
    }
    let resource_id = match segs.as_slice() {
        [_, id, ..] => id.to_string(),
        _ => t.file.clone(),
    };
    (resource_id, line, col, shown)
}

/// One failing Guard clause, as read from cfn-guard's report.
#[cfg_attr(not(feature = "guard"), allow(dead_code))]
#[derive(Debug, Default)]
struct Failure {
    rule: String,
    path: Option<String>,
    custom_message: String,
    error_message: String,
    context: String,
}

/// The failing clauses of a cfn-guard JSON report (`not_compliant`), attributed to the
/// top-level rule that failed.
#[cfg_attr(not(feature = "guard"), allow(dead_code))]
fn failures(report: &serde_json::Value) -> Vec<Failure> {
    use serde_json::Value;
    /// The data path of the first value a check compared (`from`, `value`, `traversed_to`);
    /// template data itself is never searched.
    fn find_path(v: &Value) -> Option<String> {
        match v {
            Value::Object(m) => {
                if let (Some(Value::String(p)), true) = (m.get("path"), m.contains_key("value")) {
                    return p.starts_with('/').then(|| p.clone());
                }
                for key in ["from", "value", "traversed_to", "unresolved", "to"] {
                    if let Some(p) = m.get(key).and_then(find_path) {
                        return Some(p);
                    }
                }
                m.iter()
                    .filter(|(k, _)| {
                        !["from", "value", "traversed_to", "unresolved", "to"].contains(&k.as_str())
                    })
                    .find_map(|(_, v)| find_path(v))
            }
            Value::Array(a) => a.iter().find_map(find_path),
            _ => None,
        }
    }
    fn clause(rule: &str, c: &Value, out: &mut Vec<Failure>) {
        let msg = |k: &str| {
            c.get("messages")
                .and_then(|m| m.get(k))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let error_message = msg("error_message");
        // Some checks carry no path; their message often still names one.
        let path = find_path(c).or_else(|| {
            let at = error_message.find("Path=/")? + "Path=".len();
            let rest = &error_message[at..];
            let end = rest.find(['[', ' ', ']']).unwrap_or(rest.len());
            Some(rest[..end].to_string())
        });
        out.push(Failure {
            rule: rule.to_string(),
            path,
            custom_message: msg("custom_message"),
            error_message,
            context: c
                .get("context")
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim()
                .to_string(),
        });
    }
    fn walk(rule: &str, v: &Value, out: &mut Vec<Failure>) {
        let Some(m) = v.as_object() else {
            if let Some(a) = v.as_array() {
                a.iter().for_each(|x| walk(rule, x, out));
            }
            return;
        };
        if let Some(r) = m.get("Rule") {
            r.get("checks").into_iter().for_each(|c| walk(rule, c, out));
        }
        if let Some(d) = m.get("Disjunctions") {
            d.get("checks").into_iter().for_each(|c| walk(rule, c, out));
        }
        if let Some(c) = m.get("Clause") {
            // {"Unary": {...}} or {"Binary": {...}}
            if let Some(inner) = c.as_object().and_then(|o| o.values().next()) {
                clause(rule, inner, out);
            }
        }
        if let Some(b) = m.get("Block") {
            clause(rule, b, out);
        }
    }
    let mut out = Vec::new();
    for item in report
        .get("not_compliant")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(rule) = item.get("Rule") else {
            walk("", item, &mut out);
            continue;
        };
        let name = rule.get("name").and_then(Value::as_str).unwrap_or("");
        if let Some(checks) = rule.get("checks") {
            walk(name, checks, &mut out);
        }
    }
    out
}

/// Guard's own wording of a failed check, without its `[L:0,C:0]` position noise.
#[cfg_attr(not(feature = "guard"), allow(dead_code))]
fn tidy_error(msg: &str) -> String {
    msg.replace("[L:0,C:0]", "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Findings for one template from cfn-guard's failures: the failing clauses of a rule on
/// one resource that share a message (or have none) are one finding, placed on the
/// property of the clause that carries the message.
#[cfg_attr(not(feature = "guard"), allow(dead_code))]
fn findings_from(
    t: &Template,
    file: &RuleFile,
    default_severity: Severity,
    fails: Vec<Failure>,
) -> Vec<Finding> {
    struct Group {
        rule: String,
        resource_id: String,
        message: Message,
        raw_message: String,
        error: String,
        line: usize,
        col: usize,
        path: String,
    }
    let mut groups: Vec<Group> = Vec::new();
    for f in fails {
        let (resource_id, line, col, path) = match f.path.as_deref() {
            Some(p) => locate(t, p),
            None => locate(t, ""),
        };
        let message = parse_message(&f.custom_message);
        let raw = f
            .custom_message
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let error = if f.error_message.is_empty() {
            f.context.clone()
        } else {
            tidy_error(&f.error_message)
        };
        let same = groups.iter_mut().find(|g| {
            g.rule == f.rule
                && g.resource_id == resource_id
                && (raw.is_empty() || g.raw_message.is_empty() || g.raw_message == raw)
        });
        match same {
            Some(g) => {
                // The clause that explains itself gives the group its message and place.
                if g.raw_message.is_empty() && !raw.is_empty() {
                    (g.message, g.raw_message, g.error) = (message, raw, error);
                    (g.line, g.col, g.path) = (line, col, path);
                }
            }
            None => groups.push(Group {
                rule: f.rule,
                resource_id,
                message,
                raw_message: raw,
                error,
                line,
                col,
                path,
            }),
        }
    }
    groups
        .into_iter()
        .map(|g| {
            let severity = g
                .message
                .severity
                .or_else(|| file.severities.get(&g.rule).copied())
                .unwrap_or(default_severity);
            let description = if !g.message.violation.is_empty() {
                g.message.violation.clone()
            } else if !g.raw_message.is_empty() {
                g.raw_message.clone()
            } else {
                g.error.clone()
            };
            let remediation = if g.message.fix.is_empty() {
                format!(
                    "Make the resource satisfy Guard rule {} ({}).",
                    g.rule, file.display
                )
            } else {
                g.message.fix.clone()
            };
            let id = format!("{PREFIX}{}", g.rule);
            let mut f = Finding::new(
                &id,
                severity,
                g.resource_id,
                description,
                remediation,
                &t.file,
                g.line,
                g.col,
                (!g.path.is_empty()).then(|| g.path.clone()),
            );
            f.seal(&format!("{}\x1f{}", g.rule, g.path));
            f
        })
        .collect()
}

impl GuardRules {
    /// Evaluates every rule file against one template (read again from `path`, so Guard
    /// sees the file as written, before SAM Globals are merged).
    pub fn check(&self, t: &Template, path: &Path) -> (Vec<Finding>, Vec<InputError>) {
        let mut findings = Vec::new();
        let mut errors = Vec::new();
        if self.files.is_empty() {
            return (findings, errors);
        }
        let text = match std::fs::read_to_string(path) {
            Ok(s) => s,
            Err(e) => {
                errors.push(error(path, None, None, format!("cannot read: {e}")));
                return (findings, errors);
            }
        };
        for file in &self.files {
            match engine::evaluate(&text, &t.file, file) {
                Ok(fails) => findings.extend(findings_from(t, file, self.default_severity, fails)),
                Err(msg) => errors.push(error(
                    path,
                    None,
                    None,
                    format!("Guard rules {} could not be evaluated: {msg}", file.display),
                )),
            }
        }
        (findings, errors)
    }
}

#[cfg(feature = "guard")]
mod engine {
    use super::{Failure, RuleFile};

    /// Turns a cfn-guard error into (line, column, one-line message).
    fn rules_error(e: &cfn_guard::Error) -> (Option<usize>, Option<usize>, String) {
        let text = e.to_string();
        let num = |after: &str| -> Option<usize> {
            let at = text.find(after)? + after.len();
            let digits: String = text[at..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        };
        if text.contains("Error parsing file") {
            let reason = text
                .split_once("when handling ")
                .map(|(_, r)| r.split(", fragment").next().unwrap_or(r).trim())
                .filter(|r| !r.is_empty())
                .unwrap_or("syntax error");
            return (
                num(" at line "),
                num(" at column "),
                format!("invalid Guard rules: {reason}"),
            );
        }
        let first = text.lines().next().unwrap_or("").trim();
        (None, None, format!("invalid Guard rules: {first}"))
    }

    /// Parses the rules (and resolves their variables) by evaluating them on an empty
    /// document.
    pub(super) fn check_rules(
        content: &str,
        file_name: &str,
    ) -> Result<(), (Option<usize>, Option<usize>, String)> {
        cfn_guard::run_checks(
            cfn_guard::ValidateInput {
                content: "{}",
                file_name: "empty.json",
            },
            cfn_guard::ValidateInput { content, file_name },
            false,
        )
        .map(|_| ())
        .map_err(|e| rules_error(&e))
    }

    pub(super) fn evaluate(
        data: &str,
        data_name: &str,
        rules: &RuleFile,
    ) -> Result<Vec<Failure>, String> {
        let out = cfn_guard::run_checks(
            cfn_guard::ValidateInput {
                content: data,
                file_name: data_name,
            },
            cfn_guard::ValidateInput {
                content: &rules.content,
                file_name: &rules.display,
            },
            false,
        )
        .map_err(|e| {
            e.to_string()
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        })?;
        if out.trim().is_empty() {
            return Ok(Vec::new());
        }
        let report: serde_json::Value =
            serde_json::from_str(&out).map_err(|e| format!("unexpected cfn-guard output: {e}"))?;
        Ok(super::failures(&report))
    }
}

#[cfg(not(feature = "guard"))]
mod engine {
    use super::{Failure, RuleFile};

    pub(super) fn check_rules(
        _content: &str,
        _file_name: &str,
    ) -> Result<(), (Option<usize>, Option<usize>, String)> {
        Err((None, None, "built without the `guard` feature".into()))
    }

    pub(super) fn evaluate(
        _data: &str,
        _data_name: &str,
        _rules: &RuleFile,
    ) -> Result<Vec<Failure>, String> {
        Err("built without the `guard` feature".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_split_into_parts() {
        let m = parse_message(
            "\n    Severity: high\n    Violation: Buckets must be private.\n    More.\n    Fix: Set X.\n  ",
        );
        assert_eq!(m.severity, Some(Severity::High));
        assert_eq!(m.violation, "Buckets must be private. More.");
        assert_eq!(m.fix, "Set X.");
        let m = parse_message(";    Violation: V.;    Fix: F.;  ");
        assert_eq!((m.violation.as_str(), m.fix.as_str()), ("V.", "F."));
        let m = parse_message("just text");
        assert_eq!((m.violation.as_str(), m.severity), ("just text", None));
    }

    #[test]
    fn comment_severity_applies_to_following_rules() {
        let s = comment_severities(
            "# Severity:\n#    HIGH\nlet x = 1\nrule A when %x !empty {}\n# Severity: low\nrule B {}\nrule C {}\n",
        );
        assert_eq!(s.get("A"), Some(&Severity::High));
        assert_eq!(s.get("B"), Some(&Severity::Low));
        assert_eq!(s.get("C"), Some(&Severity::Low));
        assert!(comment_severities("rule A {}\n").is_empty());
    }

    #[test]
    fn guard_paths_map_onto_the_template() {
        let src = "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Layers:\n        - a\n        - b\n      Tags:\n        'a/b': x\nParameters:\n  P:\n    Type: String\n";
        let t = Template::from_node(
            "t.yaml",
            crate::template::parse_bytes(src.as_bytes()).unwrap(),
        )
        .unwrap();
        let l = locate(&t, "/Resources/Fn/Properties/Layers/1");
        assert_eq!(
            l,
            (
                "Fn".into(),
                7,
                11,
                "Resources.Fn.Properties.Layers[1]".into()
            )
        );
        let l = locate(&t, "/Resources/Fn/Properties/Missing/Deeper");
        assert_eq!(l, ("Fn".into(), 4, 5, "Resources.Fn.Properties".into()));
        let l = locate(&t, "/Resources/Fn/Properties/Tags/a/b");
        assert_eq!(l.1, 9);
        assert_eq!(l.3, "Resources.Fn.Properties.Tags.a/b");
        let l = locate(&t, "/Parameters/P/Type");
        assert_eq!(l, ("P".into(), 12, 5, "Parameters.P.Type".into()));
        assert_eq!(locate(&t, "").0, "t.yaml");
    }
}
