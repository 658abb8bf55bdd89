//! ## What it does
//! CIS AWS Foundations v1.5.0 control 1.15: IAM users receive permissions only through
//! groups. For each IAM user it lists attached managed policies
//! (ListAttachedUserPolicies) and inline policies (ListUserPolicies); any is a failure.
//!
//! ## Why is this bad?
//! Per-user grants scatter permissions across identities, so reviews miss them and they
//! outlive the role the user had when they were granted.
//!
//! ## Severity
//! LOW. WARN when some users could not be read and none was found failing.
//!
//! ## Example
//! ```json
//! {"UserName": "alice", "AttachedPolicies": [{"PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]}
//! ```
//!
//! Use instead:
//! ```json
//! {"GroupName": "readers", "AttachedPolicies": [{"PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]}
//! ```
//!
//! ## References
//! - [CIS AWS Foundations Benchmark v1.5.0, 1.15](https://www.cisecurity.org/benchmark/amazon_web_services)
//! - [IAM best practices](https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html)

use super::Eval;
use crate::cis::collect::Facts;
use crate::model::Severity;
use crate::rules::{Check, Rule};

pub const LEVEL: u8 = 1;

pub static RULE: Rule = Rule {
    id: "CIS-1.15",
    name: "no-user-policies",
    title: "IAM users receive permissions only through groups",
    family: "CIS",
    severity: Severity::Low,
    remediation: "Move each listed user's attached and inline policies to a group (or role) and add the user to it; then detach/delete the user policies.",
    source: include_str!("no_user_policies.rs"),
    check: Check::Cis,
};

pub fn evaluate(f: &Facts) -> Eval {
    let users = match super::iam_users(f) {
        Ok(u) => u,
        Err(e) => return e,
    };
    let mut failing = Vec::new();
    let mut evidence = Vec::new();
    let mut unknown = Vec::new();
    for u in users {
        match (&u.attached_policies, &u.inline_policies) {
            (Ok(a), Ok(i)) => {
                if !a.is_empty() || !i.is_empty() {
                    evidence.push(format!(
                        "{}: {} attached ({}), {} inline ({})",
                        u.name,
                        a.len(),
                        a.join(", "),
                        i.len(),
                        i.join(", ")
                    ));
                    failing.push(u.name.clone());
                }
            }
            (Err(e), _) | (_, Err(e)) => unknown.push(format!("{}: {e}", u.name)),
        }
    }
    evidence.truncate(20);
    evidence.insert(
        0,
        format!(
            "{} IAM users, {} with user-attached or inline policies",
            users.len(),
            failing.len()
        ),
    );
    super::users_verdict(
        failing,
        &unknown,
        evidence,
        "user(s) have their own policies",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cis::collect::UserFacts;
    use crate::cis::model::Status;

    #[test]
    fn user_policies() {
        let mut f = super::super::test_facts::facts();
        let u = |a: Vec<String>, i: Vec<String>| UserFacts {
            name: "bob".into(),
            console: Ok(false),
            mfa_devices: Ok(0),
            attached_policies: Ok(a),
            inline_policies: Ok(i),
        };
        f.users = Some(Ok(vec![u(vec![], vec![])]));
        assert_eq!(evaluate(&f).status, Status::Pass);
        f.users = Some(Ok(vec![u(vec![], vec!["inline".into()])]));
        assert_eq!(evaluate(&f).status, Status::Fail);
        f.users = Some(Ok(vec![u(
            vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".into()],
            vec![],
        )]));
        assert_eq!(evaluate(&f).status, Status::Fail);
    }
}
