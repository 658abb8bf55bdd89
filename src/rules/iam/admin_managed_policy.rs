//! ## What it does
//! Flags roles, users, groups and SAM functions that attach an administrator-equivalent
//! AWS managed policy (`AdministratorAccess`, `IAMFullAccess`, `PowerUserAccess`, ...),
//! by ARN in `ManagedPolicyArns` or by name in SAM `Policies`.
//!
//! ## Why is this bad?
//! These policies give, or let the holder give itself, control of the whole account.
//! No Lambda function needs them; one injection bug becomes an account takeover.
//!
//! ## Severity
//! CRITICAL for `AdministratorAccess` and `IAMFullAccess` (full control, directly or by
//! self-granting); HIGH for `PowerUserAccess` and the service-admin variants, which
//! stop short of IAM.
//!
//! ## Example
//! ```yaml
//! ManagedPolicyArns:
//!   - arn:aws:iam::aws:policy/AdministratorAccess
//! ```
//!
//! Use instead:
//! ```yaml
//! Policies:
//!   - DynamoDBReadPolicy:
//!       TableName: !Ref Orders
//! ```
//!
//! ## References
//! - [AWS managed policies for job functions](https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_job-functions.html)
//! - [CIS AWS Foundations 1.16: no full administrative privileges](https://www.cisecurity.org/benchmark/amazon_web_services)

use crate::model::{Finding, Severity};
use crate::rules::{Check, Ctx, Rule};
use crate::template::policy::Origin;
use crate::template::sam_policies::ADMIN_EQUIVALENT;

pub const RULE: Rule = Rule {
    id: "IAM005",
    name: "admin-managed-policy",
    title: "Administrator-equivalent managed policy attached",
    family: "IAM",
    severity: Severity::High,
    remediation: "Replace the managed policy with a least-privilege inline policy or SAM policy templates.",
    source: include_str!("admin_managed_policy.rs"),
    check: Check::Template(check),
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    for doc in &ctx.policies {
        let mut seen = std::collections::HashSet::new();
        for s in &doc.statements {
            let Origin::Managed(name) = &s.origin else {
                continue;
            };
            if !ADMIN_EQUIVALENT.contains(&name.as_str()) || !seen.insert(&s.path) {
                continue;
            }
            let mut f = ctx.finding_at(
                &RULE,
                &doc.resource_id,
                s.line,
                s.col,
                s.path.clone(),
                format!(
                    "{} attaches the administrator-equivalent managed policy {name}.",
                    doc.resource_id
                ),
            );
            if name == "AdministratorAccess" || name == "IAMFullAccess" {
                f.severity = Severity::Critical;
            }
            out.push(f);
        }
    }
}
