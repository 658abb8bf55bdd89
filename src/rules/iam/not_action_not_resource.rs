//! ## What it does
//! Flags `Allow` statements that use `NotAction` or `NotResource`.
//!
//! ## Why is this bad?
//! `Allow` + `NotAction` grants every action except the listed ones, including every
//! API AWS adds later; `Allow` + `NotResource` grants the actions on every resource
//! except the listed ones. Both read like restrictions and behave like wildcards.
//!
//! ## Severity
//! HIGH: the grant is open-ended by construction (an inverted allow-list), equivalent
//! to a wildcard action or resource.
//!
//! ## Example
//! ```yaml
//! - Effect: Allow
//!   NotAction: iam:*
//!   Resource: "*"
//! ```
//!
//! Use instead:
//! ```yaml
//! - Effect: Allow
//!   Action: [sqs:SendMessage]
//!   Resource: !GetAtt Queue.Arn
//! ```
//!
//! ## References
//! - [IAM JSON policy elements: NotAction](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html)
//! - [IAM JSON policy elements: NotResource](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html)

use crate::model::{Finding, Severity};
use crate::rules::{Check, Ctx, Rule};
use crate::template::policy::Origin;
use crate::template::sam_policies::ADMIN_EQUIVALENT;

pub const RULE: Rule = Rule {
    id: "IAM004",
    name: "not-action-not-resource",
    title: "Allow statement with NotAction or NotResource",
    family: "IAM",
    severity: Severity::High,
    remediation: "Rewrite the statement as an explicit Action and Resource allow-list; keep NotAction/NotResource for Deny statements.",
    source: include_str!("not_action_not_resource.rs"),
    check: Check::Template(check),
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    for doc in &ctx.policies {
        for s in doc.statements.iter().filter(|s| s.allow) {
            if matches!(&s.origin, Origin::Managed(n) if ADMIN_EQUIVALENT.contains(&n.as_str())) {
                continue;
            }
            for (key, items) in [
                ("NotAction", &s.not_actions),
                ("NotResource", &s.not_resources),
            ] {
                if let Some(first) = items.first() {
                    out.push(ctx.finding_at(
                        &RULE,
                        &doc.resource_id,
                        first.line,
                        first.col,
                        format!("{}.{key}", s.path),
                        format!(
                            "{} allows everything except the listed {}: Allow with {key}{}.",
                            doc.resource_id,
                            if key == "NotAction" {
                                "actions"
                            } else {
                                "resources"
                            },
                            s.origin_note()
                        ),
                    ));
                }
            }
        }
    }
}
