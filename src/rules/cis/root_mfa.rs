//! ## What it does
//! CIS AWS Foundations v1.5.0 control 1.5: MFA is enabled for the root user. Reads
//! `AccountMFAEnabled` from IAM GetAccountSummary (the CIS audit procedure), with the
//! credential report's `<root_account>` `mfa_active` as supporting evidence.
//!
//! ## Why is this bad?
//! Without MFA, the root password alone opens the most powerful identity in the account.
//!
//! ## Severity
//! CRITICAL when root has no MFA. WARN when the summary cannot be read.
//!
//! ## Example
//! ```json
//! {"SummaryMap": {"AccountMFAEnabled": 0}}
//! ```
//!
//! Use instead:
//! ```json
//! {"SummaryMap": {"AccountMFAEnabled": 1}}
//! ```
//!
//! ## References
//! - [CIS AWS Foundations Benchmark v1.5.0, 1.5](https://www.cisecurity.org/benchmark/amazon_web_services)
//! - [Enable MFA for the root user](https://docs.aws.amazon.com/IAM/latest/UserGuide/enable-virt-mfa-for-root.html)

use super::Eval;
use crate::cis::collect::Facts;
use crate::model::Severity;
use crate::rules::{Check, Rule};

pub const LEVEL: u8 = 1;

pub static RULE: Rule = Rule {
    id: "CIS-1.5",
    name: "root-mfa",
    title: "MFA enabled for the root user",
    family: "CIS",
    severity: Severity::Critical,
    remediation: "Sign in as root and assign an MFA device (hardware or virtual) under Security credentials.",
    source: include_str!("root_mfa.rs"),
    check: Check::Cis,
};

pub fn evaluate(f: &Facts) -> Eval {
    let mut evidence = Vec::new();
    if let Some(Ok(rows)) = &f.credential_report
        && let Some(root) = rows.iter().find(|r| r.user == "<root_account>")
    {
        evidence.push(format!(
            "credential report <root_account>: mfa_active={:?}",
            root.mfa_active
        ));
    }
    match &f.summary {
        Some(Ok(map)) => match map.get("AccountMFAEnabled") {
            Some(n) => {
                evidence.insert(0, format!("GetAccountSummary AccountMFAEnabled={n}"));
                if *n >= 1 {
                    Eval::pass(evidence)
                } else {
                    Eval::fail("the root user has no MFA device", evidence)
                }
            }
            None => Eval::warn("GetAccountSummary has no AccountMFAEnabled", evidence),
        },
        Some(Err(e)) => Eval::warn(format!("cannot read the account summary: {e}"), evidence),
        None => super::missing("the account summary"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cis::model::Status;

    #[test]
    fn mfa_flag() {
        let mut f = super::super::test_facts::facts();
        f.summary = Some(Ok([("AccountMFAEnabled".to_string(), 0)].into()));
        assert_eq!(evaluate(&f).status, Status::Fail);
        f.summary = Some(Ok([("AccountMFAEnabled".to_string(), 1)].into()));
        assert_eq!(evaluate(&f).status, Status::Pass);
        f.summary = Some(Ok(Default::default()));
        assert_eq!(evaluate(&f).status, Status::Warn);
    }
}
