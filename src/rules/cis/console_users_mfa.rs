//! ## What it does
//! CIS AWS Foundations v1.5.0 control 1.10: every IAM user with a console password has an
//! MFA device. For each user (IAM ListUsers) it reads the login profile (GetLoginProfile)
//! and the MFA devices (ListMFADevices); the credential report's `password_enabled` /
//! `mfa_active` columns, the CIS audit's source, count too when the report is available.
//!
//! ## Why is this bad?
//! A console password without MFA is one phished or reused password away from an
//! interactive session with that user's permissions.
//!
//! ## Severity
//! HIGH. WARN when some users could not be read and none was found failing.
//!
//! ## Example
//! ```text
//! user,password_enabled,mfa_active
//! alice,true,false
//! ```
//!
//! Use instead:
//! ```text
//! user,password_enabled,mfa_active
//! alice,true,true
//! ```
//!
//! ## References
//! - [CIS AWS Foundations Benchmark v1.5.0, 1.10](https://www.cisecurity.org/benchmark/amazon_web_services)
//! - [Using MFA in AWS](https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa.html)

use super::Eval;
use crate::cis::collect::Facts;
use crate::model::Severity;
use crate::rules::{Check, Rule};
use std::collections::BTreeSet;

pub const LEVEL: u8 = 1;

pub static RULE: Rule = Rule {
    id: "CIS-1.10",
    name: "console-users-mfa",
    title: "MFA for every IAM user with a console password",
    family: "CIS",
    severity: Severity::High,
    remediation: "Assign an MFA device to each listed user, or remove their console password if they do not need the console.",
    source: include_str!("console_users_mfa.rs"),
    check: Check::Cis,
};

pub fn evaluate(f: &Facts) -> Eval {
    let users = match super::iam_users(f) {
        Ok(u) => u,
        Err(e) => return e,
    };
    let mut failing = BTreeSet::new();
    let mut unknown = Vec::new();
    let mut console = 0;
    for u in users {
        match (&u.console, &u.mfa_devices) {
            (Ok(true), Ok(0)) => {
                console += 1;
                failing.insert(u.name.clone());
            }
            (Ok(true), Ok(_)) => console += 1,
            (Ok(false), _) => {}
            (Err(e), _) | (_, Err(e)) => unknown.push(format!("{}: {e}", u.name)),
        }
    }
    let mut evidence = vec![format!(
        "{} IAM users, {console} with a console password, {} of them without MFA",
        users.len(),
        failing.len()
    )];
    if let Some(Ok(rows)) = &f.credential_report {
        let from_report: Vec<String> = rows
            .iter()
            .filter(|r| r.user != "<root_account>")
            .filter(|r| r.password_enabled == Some(true) && r.mfa_active == Some(false))
            .map(|r| r.user.clone())
            .collect();
        evidence.push(format!(
            "credential report: {} users with password_enabled=true and mfa_active=false",
            from_report.len()
        ));
        failing.extend(from_report);
    }
    let failing: Vec<String> = failing.into_iter().collect();
    if !failing.is_empty() {
        evidence.push(format!("without MFA: {}", super::some(&failing, 20)));
    }
    super::users_verdict(failing, &unknown, evidence, "console user(s) without MFA")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cis::collect::UserFacts;
    use crate::cis::model::Status;

    fn user(name: &str, console: bool, mfa: usize) -> UserFacts {
        UserFacts {
            name: name.into(),
            console: Ok(console),
            mfa_devices: Ok(mfa),
            attached_policies: Ok(vec![]),
            inline_policies: Ok(vec![]),
        }
    }

    #[test]
    fn console_without_mfa() {
        let mut f = super::super::test_facts::facts();
        f.users = Some(Ok(vec![user("a", true, 1), user("b", false, 0)]));
        assert_eq!(evaluate(&f).status, Status::Pass);
        f.users = Some(Ok(vec![user("a", true, 0), user("b", false, 0)]));
        let e = evaluate(&f);
        assert_eq!(e.status, Status::Fail);
        assert_eq!(e.resources, vec!["a".to_string()]);
        let mut odd = user("c", true, 0);
        odd.console = Err("AccessDenied".into());
        f.users = Some(Ok(vec![odd]));
        assert_eq!(evaluate(&f).status, Status::Warn);
        f.users = Some(Ok(vec![]));
        assert_eq!(evaluate(&f).status, Status::Pass);
    }
}
