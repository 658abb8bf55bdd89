//! ## What it does
//! CIS AWS Foundations v1.5.0 control 1.8: the IAM password policy requires at least 14
//! characters (IAM GetAccountPasswordPolicy `MinimumPasswordLength` ≥ 14). An account
//! without a password policy fails (IAM's default minimum is 8).
//!
//! ## Why is this bad?
//! Short passwords fall to guessing and credential stuffing against the console.
//!
//! ## Severity
//! MEDIUM.
//!
//! ## Example
//! ```json
//! {"PasswordPolicy": {"MinimumPasswordLength": 8}}
//! ```
//!
//! Use instead:
//! ```json
//! {"PasswordPolicy": {"MinimumPasswordLength": 14}}
//! ```
//!
//! ## References
//! - [CIS AWS Foundations Benchmark v1.5.0, 1.8](https://www.cisecurity.org/benchmark/amazon_web_services)
//! - [Setting an account password policy](https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html)

use super::Eval;
use crate::cis::collect::Facts;
use crate::model::Severity;
use crate::rules::{Check, Rule};

pub const LEVEL: u8 = 1;
pub const MINIMUM: i32 = 14;

pub static RULE: Rule = Rule {
    id: "CIS-1.8",
    name: "password-min-length",
    title: "IAM password policy requires at least 14 characters",
    family: "CIS",
    severity: Severity::Medium,
    remediation: "aws iam update-account-password-policy --minimum-password-length 14 (keep the other settings you have).",
    source: include_str!("password_min_length.rs"),
    check: Check::Cis,
};

pub fn evaluate(f: &Facts) -> Eval {
    match &f.password_policy {
        Some(Ok(Some(p))) => {
            let evidence = vec![format!(
                "GetAccountPasswordPolicy MinimumPasswordLength={}",
                p.minimum_length
                    .map_or("unset".to_string(), |n| n.to_string())
            )];
            match p.minimum_length {
                Some(n) if n >= MINIMUM => Eval::pass(evidence),
                Some(n) => Eval::fail(
                    format!("minimum password length is {n}, below {MINIMUM}"),
                    evidence,
                ),
                None => Eval::fail("the password policy sets no minimum length", evidence),
            }
        }
        Some(Ok(None)) => Eval::fail(
            "the account has no password policy (IAM default minimum is 8)",
            vec!["GetAccountPasswordPolicy: NoSuchEntity".into()],
        ),
        Some(Err(e)) => Eval::warn(format!("cannot read the password policy: {e}"), Vec::new()),
        None => super::missing("the password policy"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cis::collect::PasswordPolicy;
    use crate::cis::model::Status;

    #[test]
    fn lengths() {
        let mut f = super::super::test_facts::facts();
        let p = |n| {
            Some(Ok(Some(PasswordPolicy {
                minimum_length: n,
                reuse_prevention: None,
            })))
        };
        f.password_policy = p(Some(14));
        assert_eq!(evaluate(&f).status, Status::Pass);
        f.password_policy = p(Some(13));
        assert_eq!(evaluate(&f).status, Status::Fail);
        f.password_policy = Some(Ok(None));
        assert_eq!(evaluate(&f).status, Status::Fail);
        f.password_policy = Some(Err("AccessDenied".into()));
        assert_eq!(evaluate(&f).status, Status::Warn);
    }
}
