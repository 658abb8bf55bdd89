//! ## What it does
//! Flags permissions granted directly to IAM users: `AWS::IAM::User` resources with
//! `Policies` or `ManagedPolicyArns`, and `AWS::IAM::Policy` /
//! `AWS::IAM::ManagedPolicy` resources attached through `Users`. Lists that are empty,
//! or become empty through `!If [..., ..., !Ref AWS::NoValue]`, are not reported.
//!
//! ## Why is this bad?
//! Permissions attached user by user drift apart and are rarely reviewed or removed
//! when people change roles. Granting through groups (for people) or roles (for
//! workloads, with temporary credentials) keeps one place to audit and revoke.
//!
//! ## Severity
//! LOW: a hygiene and auditability issue (CIS 1.15), not an exposure by itself; the
//! permissions are judged by the other IAM rules.
//!
//! ## Example
//! ```yaml
//! Deployer:
//!   Type: AWS::IAM::User
//!   Properties:
//!     ManagedPolicyArns:
//!       - !Ref DeployPolicy
//! ```
//!
//! Use instead:
//! ```yaml
//! Deployers:
//!   Type: AWS::IAM::Group
//!   Properties:
//!     ManagedPolicyArns:
//!       - !Ref DeployPolicy
//! Deployer:
//!   Type: AWS::IAM::User
//!   Properties:
//!     Groups: [!Ref Deployers]
//! ```
//!
//! ## References
//! - [CIS AWS Foundations 1.15: IAM users receive permissions only through groups](https://www.cisecurity.org/benchmark/amazon_web_services)
//! - [IAM best practices: use groups / roles](https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html)

use crate::model::{Finding, Severity};
use crate::rules::{Check, Ctx, Rule};

pub const RULE: Rule = Rule {
    id: "IAM009",
    name: "user-with-policies",
    title: "Policies attached directly to an IAM user",
    family: "IAM",
    severity: Severity::Low,
    remediation: "Attach the policies to an IAM group and add the user to it, or use a role with temporary credentials.",
    source: include_str!("user_with_policies.rs"),
    check: Check::Template(check),
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let tpl = ctx.tpl;
    for r in &tpl.resources {
        let (keys, what): (&[&str], &str) = match r.ty.as_str() {
            "AWS::IAM::User" => (&["Policies", "ManagedPolicyArns"], "user"),
            "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => (&["Users"], "policy"),
            _ => continue,
        };
        for key in keys {
            let Some(node) = r.prop(key) else { continue };
            let items = tpl.list_items(node);
            if items.is_empty() {
                continue;
            }
            let description = if what == "user" {
                format!(
                    "IAM user {} has permissions attached directly ({key}); grant them through a group.",
                    r.id
                )
            } else {
                format!(
                    "{} is attached directly to {} IAM user(s) through Users; attach it to a group.",
                    r.id,
                    items.len()
                )
            };
            out.push(ctx.finding(
                &RULE,
                r,
                node,
                r.path(&format!("Properties.{key}")),
                description,
            ));
        }
    }
}
