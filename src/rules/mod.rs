//! Rules: one file per rule, its `//!` doc comment is the spec; `registry.rs` lists them.

pub mod api;
pub mod ath;
pub mod chg;
#[cfg(feature = "aws")]
pub mod cis;
pub mod code;
pub mod ddb;
pub mod env;
pub mod iam;
pub mod kms;
pub mod lmb;
pub mod log;
pub mod props;
pub mod registry;
pub mod s3;
pub mod vpc;

use crate::model::{Finding, Severity};
use crate::template::policy::PolicyDoc;
use crate::template::{Resource, Template, node::Node};

pub type TemplateCheck = fn(&Ctx, &mut Vec<Finding>);
pub type ChangeSetCheck = fn(&crate::changeset::ChangeSet, &mut Vec<Finding>);

#[derive(Clone, Copy)]
pub enum Check {
    /// Runs once per template.
    Template(TemplateCheck),
    /// Reported by the Lambda source analysis in `crate::code`.
    Code,
    /// Runs once per CloudFormation change set.
    ChangeSet(ChangeSetCheck),
    /// A CloudTrail detection, run by `crate::hunt` over log records.
    Hunt,
    /// A live CIS AWS Foundations control, evaluated by `crate::cis` against an account.
    Cis,
}

pub struct Rule {
    /// Stable id from the append-only registry; never reused.
    pub id: &'static str,
    /// kebab-case name, as in the file name.
    pub name: &'static str,
    pub title: &'static str,
    pub family: &'static str,
    pub severity: Severity,
    pub remediation: &'static str,
    /// The rule's own source file: its leading `//!` comment is the documentation.
    pub source: &'static str,
    pub check: Check,
}

impl Rule {
    /// The `//!` doc comment of the rule's file, as markdown.
    pub fn doc(&self) -> String {
        let mut out = String::new();
        for line in self.source.lines() {
            let Some(rest) = line.strip_prefix("//!") else {
                if out.is_empty() {
                    continue;
                }
                break;
            };
            out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
            out.push('\n');
        }
        out.trim().to_string()
    }

    /// First paragraph under `## What it does`.
    pub fn summary(&self) -> String {
        let doc = self.doc();
        doc.split("## What it does")
            .nth(1)
            .and_then(|s| s.trim().split("\n\n").next())
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|| self.title.to_string())
    }

    pub fn help_uri(&self) -> String {
        format!(
            "https://github.com/serverless-guardrails/guardrails/blob/main/docs/rules.md#{}",
            self.id.to_ascii_lowercase()
        )
    }
}

/// What template rules see: the template plus its expanded policy documents.
pub struct Ctx<'a> {
    pub tpl: &'a Template,
    pub policies: Vec<PolicyDoc>,
}

impl<'a> Ctx<'a> {
    pub fn new(tpl: &'a Template) -> Ctx<'a> {
        Ctx {
            tpl,
            policies: crate::template::policy::collect(tpl),
        }
    }

    /// A finding at `node` of `resource`, fingerprinted by rule, resource and property path.
    pub fn finding(
        &self,
        rule: &Rule,
        resource: &Resource,
        node: &Node,
        path: String,
        description: String,
    ) -> Finding {
        self.finding_at(rule, &resource.id, node.line, node.col, path, description)
    }

    pub fn finding_at(
        &self,
        rule: &Rule,
        resource_id: &str,
        line: usize,
        col: usize,
        path: String,
        description: String,
    ) -> Finding {
        let mut f = Finding::new(
            rule.id,
            rule.severity,
            resource_id,
            description,
            rule.remediation,
            &self.tpl.file,
            line,
            col,
            Some(path),
        );
        f.seal("");
        f
    }
}

/// Runs every template rule over one template.
pub fn check_template(tpl: &Template) -> Vec<Finding> {
    let ctx = Ctx::new(tpl);
    let mut out = Vec::new();
    for rule in registry::RULES {
        if let Check::Template(check) = rule.check {
            check(&ctx, &mut out);
        }
    }
    out
}
