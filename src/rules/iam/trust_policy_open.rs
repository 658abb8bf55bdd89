//! ## What it does
//! Flags role trust policies (`AssumeRolePolicyDocument` of `AWS::IAM::Role` and SAM
//! functions) with an `Allow` statement whose principal is `*` (`Principal: "*"` or
//! `AWS: "*"`), or another AWS account as a whole (`arn:aws:iam::<account>:root` or a
//! bare account id), when no condition pins the caller: `sts:ExternalId`,
//! `aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`, `aws:PrincipalAccount`,
//! `aws:PrincipalArn` or `aws:SourceAccount`. Service principals
//! (`lambda.amazonaws.com`), the stack's own account (`${AWS::AccountId}`), specific
//! role or user ARNs and values that cannot be resolved are not reported.
//!
//! ## Why is this bad?
//! With `*`, any principal in any AWS account can call `sts:AssumeRole` and act with
//! the role's permissions. Trusting another account's root delegates the decision to
//! every administrator of that account, and without `sts:ExternalId` a third-party
//! service that assumes roles for many customers can be tricked into using yours (the
//! confused-deputy problem).
//!
//! ## Severity
//! CRITICAL for `*` with no condition at all: anyone can take the role. HIGH for `*`
//! narrowed only by conditions that do not pin the caller's account or organisation,
//! and for another account's root without an external id or organisation condition:
//! exploitation needs a foothold in, or a mistake by, the trusted account.
//!
//! ## Example
//! ```yaml
//! AssumeRolePolicyDocument:
//!   Statement:
//!     - Effect: Allow
//!       Principal: {AWS: "arn:aws:iam::999988887777:root"}
//!       Action: sts:AssumeRole
//! ```
//!
//! Use instead:
//! ```yaml
//! AssumeRolePolicyDocument:
//!   Statement:
//!     - Effect: Allow
//!       Principal: {AWS: "arn:aws:iam::999988887777:root"}
//!       Action: sts:AssumeRole
//!       Condition:
//!         StringEquals: {sts:ExternalId: !Ref PartnerExternalId}
//! ```
//!
//! ## References
//! - [How to use an external ID when granting access to a third party](https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html)
//! - [The confused deputy problem](https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html)
//! - [IAM JSON policy elements: Principal](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html)

use crate::model::{Finding, Severity};
use crate::rules::{Check, Ctx, Rule};
use crate::template::PSEUDO;
use crate::template::policy::{Origin, Statement, statements};

pub const RULE: Rule = Rule {
    id: "IAM007",
    name: "trust-policy-open",
    title: "Role trust policy open to any principal or another account",
    family: "IAM",
    severity: Severity::High,
    remediation: "Trust specific role ARNs or services; for another account add an sts:ExternalId or aws:PrincipalOrgID condition.",
    source: include_str!("trust_policy_open.rs"),
    check: Check::Template(check),
};

/// Condition keys that pin who may assume the role.
const PINNING_KEYS: &[&str] = &[
    "sts:externalid",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourceaccount",
];

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let tpl = ctx.tpl;
    let own_account = PSEUDO
        .iter()
        .find(|(k, _)| *k == "AWS::AccountId")
        .map(|(_, v)| *v)
        .unwrap_or_default();
    for r in &tpl.resources {
        if r.ty != "AWS::IAM::Role" && r.ty != "AWS::Serverless::Function" {
            continue;
        }
        let Some(doc) = r.prop("AssumeRolePolicyDocument") else {
            continue;
        };
        let mut stmts: Vec<Statement> = Vec::new();
        statements(
            tpl,
            doc,
            &r.path("Properties.AssumeRolePolicyDocument"),
            Origin::Inline,
            &mut stmts,
        );
        for s in stmts.iter().filter(|s| s.allow) {
            if s.condition_keys
                .iter()
                .any(|k| PINNING_KEYS.contains(&k.as_str()))
            {
                continue;
            }
            // The worst principal of the statement: `*` before another account.
            let mut worst: Option<(Severity, &crate::template::policy::Item, String)> = None;
            for p in &s.principals {
                let Some(v) = p.value.as_deref() else {
                    continue;
                };
                let hit = if v == "*" {
                    let sev = if s.condition_keys.is_empty() {
                        Severity::Critical
                    } else {
                        Severity::High
                    };
                    Some((sev, "any AWS principal (`*`)".to_string()))
                } else {
                    account_of(v)
                        .filter(|a| *a != own_account)
                        .map(|a| (Severity::High, format!("every principal of account {a}")))
                };
                if let Some((sev, what)) = hit
                    && worst.as_ref().is_none_or(|(w, _, _)| sev > *w)
                {
                    worst = Some((sev, p, what));
                }
            }
            let Some((severity, p, what)) = worst else {
                continue;
            };
            let mut f = ctx.finding_at(
                &RULE,
                &r.id,
                p.line,
                p.col,
                format!("{}.Principal", s.path),
                format!(
                    "{} can be assumed by {what} without an sts:ExternalId or organisation/account condition.",
                    r.id
                ),
            );
            f.severity = severity;
            out.push(f);
        }
    }
}

/// The account a principal names as a whole: `123456789012` or `arn:aws:iam::123456789012:root`.
fn account_of(v: &str) -> Option<&str> {
    let is_account = |a: &str| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit());
    if is_account(v) {
        return Some(v);
    }
    let parts: Vec<&str> = v.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "iam", "", account, "root"] if is_account(account) => Some(account),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::account_of;

    #[test]
    fn accounts() {
        assert_eq!(account_of("999988887777"), Some("999988887777"));
        assert_eq!(
            account_of("arn:aws-us-gov:iam::999988887777:root"),
            Some("999988887777")
        );
        assert_eq!(account_of("arn:aws:iam::999988887777:role/x"), None);
        assert_eq!(account_of("lambda.amazonaws.com"), None);
    }
}
