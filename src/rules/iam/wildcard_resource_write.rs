//! ## What it does
//! Flags identity-policy `Allow` statements that pair a wildcard `Resource` (`*`,
//! `arn:aws:s3:::*`, `table/*`) with write or permission-management actions. SAM policy
//! templates are expanded first, so `S3CrudPolicy: {BucketName: !Ref P}` where `P`
//! defaults to `*` is caught. Actions that AWS only accepts on `*`
//! (`cloudwatch:PutMetricData`, `xray:PutTraceSegments`, ENI management for VPC
//! functions, log delivery) are not reported, and neither are statements with a
//! `Condition` or AWS managed policies (judged by IAM001/IAM005).
//!
//! ## Why is this bad?
//! A function meant to write one bucket can then overwrite or delete every bucket in
//! the account; permission-management actions on `*` let it grant itself more.
//!
//! ## Severity
//! MEDIUM for data writes (blast radius, not takeover); HIGH when the actions manage
//! permissions (`iam:*Policy*`, `sts:AssumeRole`), which is a privilege-escalation path.
//!
//! ## Example
//! ```yaml
//! - Effect: Allow
//!   Action: [s3:PutObject, s3:DeleteObject]
//!   Resource: "*"
//! ```
//!
//! Use instead:
//! ```yaml
//! - Effect: Allow
//!   Action: [s3:PutObject, s3:DeleteObject]
//!   Resource: !Sub "${UploadsBucket.Arn}/*"
//! ```
//!
//! ## References
//! - [IAM JSON policy elements: Resource](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html)
//! - [CWE-732](https://cwe.mitre.org/data/definitions/732.html)

use super::{is_permissions_management, is_write_action, scopes_resources};
use crate::model::{Finding, Severity};
use crate::rules::{Check, Ctx, Rule};
use crate::template::policy::{Origin, PolicyKind, is_wildcard_action, is_wildcard_resource};

pub const RULE: Rule = Rule {
    id: "IAM002",
    name: "wildcard-resource-write",
    title: "Write or permission-management actions on a wildcard resource",
    family: "IAM",
    severity: Severity::Medium,
    remediation: "Scope Resource to the ARNs the function writes (for example !GetAtt Table.Arn or !Sub '${Bucket.Arn}/*').",
    source: include_str!("wildcard_resource_write.rs"),
    check: Check::Template(check),
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    for doc in ctx
        .policies
        .iter()
        .filter(|d| d.kind == PolicyKind::Identity)
    {
        for s in &doc.statements {
            if !s.allow
                || s.condition_keys.iter().any(|k| scopes_resources(k))
                || matches!(s.origin, Origin::Managed(_))
            {
                continue;
            }
            let Some(wild) = s
                .resources
                .iter()
                .find(|r| r.value.as_deref().is_some_and(is_wildcard_resource))
            else {
                continue;
            };
            let writes: Vec<&str> = s
                .actions
                .iter()
                .filter_map(|a| a.value.as_deref())
                .filter(|a| is_wildcard_action(a) || is_write_action(a))
                .filter(|a| !a.eq_ignore_ascii_case("iam:PassRole"))
                .collect();
            if writes.is_empty() {
                continue;
            }
            let perm = writes.iter().any(|a| {
                is_permissions_management(a)
                    || *a == "*"
                    || a.to_ascii_lowercase().starts_with("iam:")
            });
            let shown: Vec<&str> = writes.iter().take(4).copied().collect();
            let more = if writes.len() > 4 {
                format!(" and {} more", writes.len() - 4)
            } else {
                String::new()
            };
            let mut f = ctx.finding_at(
                &RULE,
                &doc.resource_id,
                wild.line,
                wild.col,
                format!("{}.Resource", s.path),
                format!(
                    "{} allows {}{more} on `{}`{}.",
                    doc.resource_id,
                    shown.join(", "),
                    wild.value.as_deref().unwrap_or("*"),
                    s.origin_note()
                ),
            );
            if perm {
                f.severity = Severity::High;
            }
            out.push(f);
        }
    }
}
