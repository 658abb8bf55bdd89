//! ## What it does
//! Flags change-set entries that add, modify or import IAM resources (roles, users,
//! groups, policies, managed policies, instance profiles, OIDC/SAML providers) or that
//! change the `Policies`/`ManagedPolicyArns`/`Role` of a Lambda function or SAM function.
//! With `--template`, the new template's IAM findings for the resource are named in the
//! description.
//!
//! ## Why is this bad?
//! Permission changes are the changes attackers and mistakes both aim for: one merged
//! pull request can grant a function administrator access. A human should look at every
//! permission change before it executes.
//!
//! ## Severity
//! HIGH: a change of who can do what in the account; the gate asks for review, and an
//! allowlist entry (with a reason and an expiry) records an approved change.
//!
//! ## Example
//! ```json
//! {"ResourceChange": {"Action": "Modify", "LogicalResourceId": "FnRole",
//!   "ResourceType": "AWS::IAM::Role", "Details": [{"Target": {"Name": "Policies"}}]}}
//! ```
//!
//! Use instead:
//! Review the permission change, then approve it with an allowlist entry that expires,
//! or split it into its own, reviewed deployment.
//!
//! ## References
//! - [Updating stacks using change sets](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-changesets.html)
//! - [IAM best practices](https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html)

use crate::changeset::ChangeSet;
use crate::model::{Finding, Severity};
use crate::rules::{Check, Rule};

pub const RULE: Rule = Rule {
    id: "CHG001",
    name: "iam-change",
    title: "Change set adds or modifies IAM permissions",
    family: "CHG",
    severity: Severity::High,
    remediation: "Review the permission change; approve it with an expiring allowlist entry or deploy it separately after review.",
    source: include_str!("iam_change.rs"),
    check: Check::ChangeSet(check),
};

const FUNCTION_PERMISSION_PROPS: &[&str] = &[
    "Policies",
    "ManagedPolicyArns",
    "Role",
    "PermissionsBoundary",
];

fn check(cs: &ChangeSet, out: &mut Vec<Finding>) {
    for c in cs.changes.iter().filter(|c| c.adds_or_modifies()) {
        let iam = c.resource_type.starts_with("AWS::IAM::");
        let function_perms = matches!(
            c.resource_type.as_str(),
            "AWS::Lambda::Function" | "AWS::Serverless::Function"
        ) && c
            .properties
            .iter()
            .any(|p| FUNCTION_PERMISSION_PROPS.contains(&p.as_str()));
        if !iam && !function_perms {
            continue;
        }
        let related = cs.template_findings(
            &c.logical_id,
            &["IAM001", "IAM002", "IAM003", "IAM004", "IAM005", "IAM006"],
        );
        let mut note = String::new();
        if !related.is_empty() {
            let ids: Vec<&str> = related.iter().map(|f| f.rule_id.as_str()).collect();
            note = format!("; the new template has {} for it", ids.join(", "));
        }
        let what = if c.properties.is_empty() {
            String::new()
        } else {
            format!(" ({})", c.properties.join(", "))
        };
        let mut f = cs.finding(
            &RULE,
            c,
            format!(
                "{} {} {}{what}: permission change needs review{note}.",
                c.action, c.resource_type, c.logical_id
            ),
        );
        if related.iter().any(|r| r.severity == Severity::Critical) {
            f.severity = Severity::Critical;
        }
        out.push(f);
    }
}
