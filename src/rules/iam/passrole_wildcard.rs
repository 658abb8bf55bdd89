//! ## What it does
//! Flags `Allow` statements that grant `iam:PassRole` on every role: any action pattern
//! that covers it (`iam:PassRole`, `iam:Pass*`, `iam:*Role`, `iam:*`, `*`) with `Resource: "*"`
//! or an IAM ARN matching all roles (`arn:aws:iam::*:role/*`).
//!
//! ## Why is this bad?
//! `iam:PassRole` on `*` lets the holder hand any role in the account, including
//! administrator roles, to a service it controls (a new Lambda function, an EC2
//! instance, a Glue job) and act with that role's permissions: a classic
//! privilege-escalation path.
//!
//! ## Severity
//! HIGH: it is a direct route to every role in the account, but needs a second
//! permission (creating the compute) to be exploited.
//!
//! ## Example
//! ```yaml
//! - Effect: Allow
//!   Action: iam:PassRole
//!   Resource: "*"
//! ```
//!
//! Use instead:
//! ```yaml
//! - Effect: Allow
//!   Action: iam:PassRole
//!   Resource: !GetAtt WorkerRole.Arn
//!   Condition:
//!     StringEquals:
//!       iam:PassedToService: lambda.amazonaws.com
//! ```
//!
//! ## References
//! - [Granting a user permissions to pass a role](https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html)
//! - [Rhino Security Labs: AWS IAM privilege escalation](https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/)

use super::action_matches;
use crate::model::{Finding, Severity};
use crate::rules::{Check, Ctx, Rule};

pub const RULE: Rule = Rule {
    id: "IAM003",
    name: "passrole-wildcard",
    title: "iam:PassRole on a wildcard resource",
    family: "IAM",
    severity: Severity::High,
    remediation: "Limit iam:PassRole to the specific role ARNs and add an iam:PassedToService condition.",
    source: include_str!("passrole_wildcard.rs"),
    check: Check::Template(check),
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    for doc in &ctx.policies {
        for s in doc.statements.iter().filter(|s| s.allow) {
            let Some(action) = s.actions.iter().find(|a| {
                a.value
                    .as_deref()
                    .is_some_and(|v| action_matches(v, "iam:passrole"))
            }) else {
                continue;
            };
            let Some(wild) = s
                .resources
                .iter()
                .find(|r| r.value.as_deref().is_some_and(covers_all_roles))
            else {
                continue;
            };
            out.push(ctx.finding_at(
                &RULE,
                &doc.resource_id,
                action.line,
                action.col,
                format!("{}.Action", s.path),
                format!(
                    "{} may pass any role (`iam:PassRole` on `{}`){}.",
                    doc.resource_id,
                    wild.value.as_deref().unwrap_or("*"),
                    s.origin_note()
                ),
            ));
        }
    }
}

/// `*`, or an IAM ARN that covers every role (`arn:aws:iam::*:role/*`,
/// `arn:aws:iam::123456789012:role/*`, `...:*`). Another service's ARN names no role.
fn covers_all_roles(v: &str) -> bool {
    if v == "*" {
        return true;
    }
    let parts: Vec<&str> = v.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && (parts[2] == "iam" || parts[2] == "*")
        && matches!(parts[5], "*" | "role/*" | "role*" | "*/*")
}
