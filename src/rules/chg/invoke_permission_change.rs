//! ## What it does
//! Flags change-set entries that add or modify who may invoke a function:
//! `AWS::Lambda::Permission`, `AWS::Lambda::Url`, `AWS::Lambda::LayerVersionPermission`,
//! and function URL configuration of SAM functions. With `--template`, a change whose new
//! state lets anyone invoke (LMB001, LMB002) is HIGH; otherwise MEDIUM, for review.
//!
//! ## Why is this bad?
//! Invoke permissions are the function's front door. Widening them to `*` or an
//! unauthenticated URL exposes the code, and everything its role can reach, to the
//! internet.
//!
//! ## Severity
//! HIGH when the new template shows public invocation; MEDIUM otherwise.
//!
//! ## Example
//! ```json
//! {"ResourceChange": {"Action": "Add", "LogicalResourceId": "PublicInvoke",
//!   "ResourceType": "AWS::Lambda::Permission"}}
//! ```
//!
//! Use instead:
//! Grant invoke to a named service with `SourceArn`/`SourceAccount`, and keep function
//! URLs on `AuthType: AWS_IAM`.
//!
//! ## References
//! - [Lambda resource-based policies](https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html)

use crate::changeset::ChangeSet;
use crate::model::{Finding, Severity};
use crate::rules::{Check, Rule};

pub const RULE: Rule = Rule {
    id: "CHG004",
    name: "invoke-permission-change",
    title: "Change set widens who can invoke a function",
    family: "CHG",
    severity: Severity::Medium,
    remediation: "Check the principal, SourceArn/SourceAccount and AuthType of the new permission before executing the change set.",
    source: include_str!("invoke_permission_change.rs"),
    check: Check::ChangeSet(check),
};

fn check(cs: &ChangeSet, out: &mut Vec<Finding>) {
    for c in cs.changes.iter().filter(|c| c.adds_or_modifies()) {
        let relevant = matches!(
            c.resource_type.as_str(),
            "AWS::Lambda::Permission" | "AWS::Lambda::Url" | "AWS::Lambda::LayerVersionPermission"
        ) || (c.resource_type == "AWS::Serverless::Function"
            && c.properties.iter().any(|p| p == "FunctionUrlConfig"));
        if !relevant {
            continue;
        }
        let public = cs.template_findings(&c.logical_id, &["LMB001", "LMB002"]);
        let mut f = match public.first() {
            Some(p) => {
                let mut f = cs.finding(
                    &RULE,
                    c,
                    format!(
                        "{} {} {}: {}",
                        c.action, c.resource_type, c.logical_id, p.description
                    ),
                );
                f.severity = Severity::High;
                f
            }
            None => cs.finding(
                &RULE,
                c,
                format!(
                    "{} {} {}: invoke permission change needs review.",
                    c.action, c.resource_type, c.logical_id
                ),
            ),
        };
        f.path = Some(c.path());
        out.push(f);
    }
}
