//! ## What it does
//! Flags `Allow` statements whose `Action` is `*` or `service:*`, wherever the
//! statement comes from: inline policies, SAM `Policies`, SAM policy templates and
//! AWS managed policies attached by name or ARN. KMS key policies are left to KMS001:
//! `kms:*` for the account root is AWS's default key policy.
//!
//! ## Why is this bad?
//! A wildcard action grants every current and future API of a service, including
//! destructive and permission-changing ones. A compromised Lambda function with
//! `dynamodb:*` can drop tables; with `*` it owns the account.
//!
//! ## Severity
//! HIGH by default: a full service is exposed. CRITICAL when `Action: "*"` is paired
//! with a wildcard `Resource`, which is administrator access.
//!
//! ## Example
//! ```yaml
//! Policies:
//!   - Statement:
//!       - Effect: Allow
//!         Action: dynamodb:*
//!         Resource: !GetAtt Orders.Arn
//! ```
//!
//! Use instead:
//! ```yaml
//! Policies:
//!   - DynamoDBCrudPolicy:
//!       TableName: !Ref Orders
//! ```
//!
//! ## References
//! - [IAM best practices: grant least privilege](https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege)
//! - [CWE-250](https://cwe.mitre.org/data/definitions/250.html)

use crate::model::{Finding, Severity};
use crate::rules::{Check, Ctx, Rule};
use crate::template::policy::{Origin, is_wildcard_action, is_wildcard_resource};
use crate::template::sam_policies::ADMIN_EQUIVALENT;

pub const RULE: Rule = Rule {
    id: "IAM001",
    name: "wildcard-action",
    title: "Policy allows a wildcard action",
    family: "IAM",
    severity: Severity::High,
    remediation: "List only the actions the function needs, or use a scoped SAM policy template.",
    source: include_str!("wildcard_action.rs"),
    check: Check::Template(check),
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    for doc in &ctx.policies {
        // A key policy's `Resource` is the key itself, and `kms:*` for the account or the
        // key administrators is AWS's default key policy; wildcard principals there are KMS001.
        if doc.resource_type == "AWS::KMS::Key" || doc.resource_type == "AWS::KMS::ReplicaKey" {
            continue;
        }
        for s in doc.statements.iter().filter(|s| s.allow) {
            if matches!(&s.origin, Origin::Managed(n) if ADMIN_EQUIVALENT.contains(&n.as_str())) {
                continue; // IAM005 reports these once, by name
            }
            let all_resources = s
                .resources
                .iter()
                .any(|r| r.value.as_deref().is_some_and(is_wildcard_resource))
                || (doc.kind == crate::template::policy::PolicyKind::Resource);
            for a in &s.actions {
                let Some(v) = a.value.as_deref() else {
                    continue;
                };
                if !is_wildcard_action(v) {
                    continue;
                }
                let (severity, what) = if v == "*" && all_resources {
                    (
                        Severity::Critical,
                        "every action on every resource (administrator access)".to_string(),
                    )
                } else if v == "*" {
                    (Severity::High, "every action of every service".to_string())
                } else {
                    (
                        Severity::High,
                        format!("every action of {}", v.trim_end_matches(":*")),
                    )
                };
                let mut f = ctx.finding_at(
                    &RULE,
                    &doc.resource_id,
                    a.line,
                    a.col,
                    format!("{}.Action", s.path),
                    format!(
                        "{} allows `{v}`: {what}{}.",
                        doc.resource_id,
                        s.origin_note()
                    ),
                );
                f.severity = severity;
                out.push(f);
            }
        }
    }
}
