//! ## What it does
//! CIS AWS Foundations v1.5.0 control 1.9: the IAM password policy prevents reuse of the
//! last 24 passwords (GetAccountPasswordPolicy `PasswordReusePrevention` = 24, the
//! maximum). An account without a password policy fails.
//!
//! ## Why is this bad?
//! Users cycling back to an old password undo rotation: a password leaked once works again.
//!
//! ## Severity
//! LOW.
//!
//! ## Example
//! ```json
//! {"PasswordPolicy": {"PasswordReusePrevention": 3}}
//! ```
//!
//! Use instead:
//! ```json
//! {"PasswordPolicy": {"PasswordReusePrevention": 24}}
//! ```
//!
//! ## References
//! - [CIS AWS Foundations Benchmark v1.5.0, 1.9](https://www.cisecurity.org/benchmark/amazon_web_services)
//! - [Setting an account password policy](https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html)

use super::Eval;
use crate::cis::collect::Facts;
use crate::model::Severity;
use crate::rules::{Check, Rule};

pub const LEVEL: u8 = 1;
pub const REUSE: i32 = 24;

pub static RULE: Rule = Rule {
    id: "CIS-1.9",
    name: "password-reuse",
    title: "IAM password policy prevents password reuse (24)",
    family: "CIS",
    severity: Severity::Low,
    remediation: "aws iam update-account-password-policy --password-reuse-prevention 24 (keep the other settings you have).",
    source: include_str!("password_reuse.rs"),
    check: Check::Cis,
};

pub fn evaluate(f: &Facts) -> Eval {
    match &f.password_policy {
        Some(Ok(Some(p))) => {
            let evidence = vec![format!(
                "GetAccountPasswordPolicy PasswordReusePrevention={}",
                p.reuse_prevention
                    .map_or("unset".to_string(), |n| n.to_string())
            )];
            match p.reuse_prevention {
                Some(n) if n >= REUSE => Eval::pass(evidence),
                Some(n) => Eval::fail(
                    format!("password reuse prevention remembers {n}, not {REUSE}"),
                    evidence,
                ),
                None => Eval::fail("the password policy does not prevent reuse", evidence),
            }
        }
        Some(Ok(None)) => Eval::fail(
            "the account has no password policy",
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
    fn reuse() {
        let mut f = super::super::test_facts::facts();
        let p = |n| {
            Some(Ok(Some(PasswordPolicy {
                minimum_length: Some(14),
                reuse_prevention: n,
            })))
        };
        f.password_policy = p(Some(24));
        assert_eq!(evaluate(&f).status, Status::Pass);
        f.password_policy = p(Some(5));
        assert_eq!(evaluate(&f).status, Status::Fail);
        f.password_policy = p(None);
        assert_eq!(evaluate(&f).status, Status::Fail);
    }
}
