//! ## What it does
//! Flags resource policies (S3 bucket, SNS topic, SQS queue, Secrets Manager, ECR,
//! OpenSearch) with an `Allow` statement for `Principal: "*"` (or `AWS: "*"`)
//! that no restricting condition (`aws:SourceArn`, `aws:SourceAccount`,
//! `aws:PrincipalOrgID`, `aws:SourceVpce`, ...) narrows. Lambda invoke permissions are
//! LMB002; KMS key policies are KMS001 (`AWS::KMS::Key` is skipped here, so a statement
//! is reported once).
//!
//! ## Why is this bad?
//! Anyone on the internet, in any AWS account, gets the listed actions: public
//! buckets, queues anyone can fill, secrets anyone can read.
//!
//! ## Severity
//! HIGH: anonymous, cross-account access to data or messaging.
//!
//! ## Example
//! ```yaml
//! PolicyDocument:
//!   Statement:
//!     - Effect: Allow
//!       Principal: "*"
//!       Action: sqs:SendMessage
//!       Resource: !GetAtt Queue.Arn
//! ```
//!
//! Use instead:
//! ```yaml
//!     - Effect: Allow
//!       Principal: {Service: sns.amazonaws.com}
//!       Action: sqs:SendMessage
//!       Resource: !GetAtt Queue.Arn
//!       Condition:
//!         ArnEquals: {aws:SourceArn: !Ref Topic}
//! ```
//!
//! ## References
//! - [IAM JSON policy elements: Principal](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html)
//! - [CWE-284](https://cwe.mitre.org/data/definitions/284.html)

use super::{RESTRICTING_CONDITION_KEYS, is_wildcard_principal};
use crate::model::{Finding, Severity};
use crate::rules::{Check, Ctx, Rule};
use crate::template::policy::PolicyKind;

pub const RULE: Rule = Rule {
    id: "IAM006",
    name: "wildcard-principal",
    title: "Resource policy allows any principal",
    family: "IAM",
    severity: Severity::High,
    remediation: "Name the principals (accounts, roles, services) or add a condition such as aws:SourceArn, aws:SourceAccount or aws:PrincipalOrgID.",
    source: include_str!("wildcard_principal.rs"),
    check: Check::Template(check),
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    for doc in ctx
        .policies
        .iter()
        .filter(|d| d.kind == PolicyKind::Resource && d.resource_type != "AWS::KMS::Key")
    {
        for s in doc.statements.iter().filter(|s| s.allow) {
            let restricted = s
                .condition_keys
                .iter()
                .any(|k| RESTRICTING_CONDITION_KEYS.contains(&k.as_str()));
            if restricted {
                continue;
            }
            if let Some(p) = s
                .principals
                .iter()
                .find(|p| p.value.as_deref().is_some_and(is_wildcard_principal))
            {
                let actions: Vec<&str> = s
                    .actions
                    .iter()
                    .filter_map(|a| a.value.as_deref())
                    .take(3)
                    .collect();
                out.push(ctx.finding_at(
                    &RULE,
                    &doc.resource_id,
                    p.line,
                    p.col,
                    format!("{}.Principal", s.path),
                    format!(
                        "{} ({}) allows any principal to {} without a restricting condition.",
                        doc.resource_id,
                        doc.resource_type,
                        if actions.is_empty() {
                            "act".to_string()
                        } else {
                            actions.join(", ")
                        }
                    ),
                ));
            }
        }
    }
}
