//! `guardrails changeset`: gate a CloudFormation change set before it executes.

use crate::model::{Finding, InputError};
use crate::rules::{Check, registry};
use crate::scan::display_path;
use crate::template::node::Node;
use crate::template::{Template, json};
use std::path::Path;

/// One `ResourceChange` of `describe-change-set`.
pub struct Change {
    pub action: String,
    pub logical_id: String,
    pub resource_type: String,
    /// `True`, `False`, `Conditional` (absent for Add/Remove).
    pub replacement: String,
    /// Names of the changed properties (`Details[].Target.Name`).
    pub properties: Vec<String>,
    pub line: usize,
    pub col: usize,
    pub index: usize,
}

impl Change {
    pub fn path(&self) -> String {
        format!("Changes[{}].ResourceChange", self.index)
    }
    pub fn adds_or_modifies(&self) -> bool {
        matches!(
            self.action.as_str(),
            "Add" | "Modify" | "Import" | "Dynamic"
        )
    }
}

pub struct ChangeSet {
    pub file: String,
    pub name: String,
    pub changes: Vec<Change>,
    /// The new template, when given: tells whether a change opens access.
    pub template: Option<Template>,
}

impl ChangeSet {
    pub fn finding(&self, rule: &crate::rules::Rule, c: &Change, description: String) -> Finding {
        let mut f = Finding::new(
            rule.id,
            rule.severity,
            &c.logical_id,
            description,
            rule.remediation,
            &self.file,
            c.line,
            c.col,
            Some(c.path()),
        );
        // Identity is the change, not its position in the list.
        f.seal(&format!(
            "{}|{}|{}",
            c.action, c.resource_type, c.logical_id
        ));
        f.path = Some(c.path());
        f
    }

    /// Findings of the template rules for this resource in the new template.
    pub fn template_findings(&self, logical_id: &str, rule_ids: &[&str]) -> Vec<Finding> {
        let Some(t) = &self.template else {
            return vec![];
        };
        crate::rules::check_template(t)
            .into_iter()
            .filter(|f| f.resource_id == logical_id && rule_ids.contains(&f.rule_id.as_str()))
            .collect()
    }
}

fn text(n: Option<&Node>) -> String {
    n.and_then(|n| n.scalar_text()).unwrap_or_default()
}

pub fn parse(file: &str, src: &str) -> Result<ChangeSet, InputError> {
    let err = |line: Option<usize>, column: Option<usize>, message: String| InputError {
        file: file.to_string(),
        line,
        column,
        message,
    };
    let root = json::parse(src).map_err(|e| err(e.line, e.col, e.message))?;
    let Some(changes) = root.get("Changes") else {
        return Err(err(
            Some(root.line),
            Some(root.col),
            "no Changes: expected the output of `aws cloudformation describe-change-set`".into(),
        ));
    };
    let Some(items) = changes.as_seq() else {
        return Err(err(
            Some(changes.line),
            Some(changes.col),
            "Changes must be a list".into(),
        ));
    };
    let mut out = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Some(rc) = item.get("ResourceChange") else {
            continue;
        };
        let properties = rc
            .get("Details")
            .and_then(|d| d.as_seq())
            .unwrap_or_default()
            .iter()
            .filter_map(|d| {
                d.get_path(&["Target", "Name"])
                    .and_then(|n| n.as_str())
                    .map(str::to_string)
            })
            .collect();
        out.push(Change {
            action: text(rc.get("Action")),
            logical_id: text(rc.get("LogicalResourceId")),
            resource_type: text(rc.get("ResourceType")),
            replacement: text(rc.get("Replacement")),
            properties,
            line: rc.line,
            col: rc.col,
            index,
        });
    }
    Ok(ChangeSet {
        file: file.to_string(),
        name: text(root.get("ChangeSetName")),
        changes: out,
        template: None,
    })
}

/// Evaluates the change set at `path`, with the new template when given.
pub fn check(path: &Path, template: Option<&Path>) -> (Vec<Finding>, Vec<InputError>) {
    let file = display_path(path);
    let fail = |message: String| {
        let e = InputError {
            file: file.clone(),
            line: None,
            column: None,
            message,
        };
        (vec![], vec![e])
    };
    let src = match std::fs::read(path).map(String::from_utf8) {
        Ok(Ok(s)) => s,
        Ok(Err(_)) => return fail("not valid UTF-8".into()),
        Err(e) => return fail(format!("cannot read: {e}")),
    };
    let mut cs = match parse(&file, &src) {
        Ok(cs) => cs,
        Err(e) => return (vec![], vec![e]),
    };
    // Errors in the template itself are reported by the template scan.
    cs.template = template.and_then(|t| crate::scan::load_template_file(t).ok());
    let mut out = Vec::new();
    for rule in registry::RULES {
        if let Check::ChangeSet(check) = rule.check {
            check(&cs, &mut out);
        }
    }
    (out, vec![])
}
