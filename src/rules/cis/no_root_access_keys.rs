//! ## What it does
//! CIS AWS Foundations v1.5.0 control 1.4: the root user has no access keys. Reads
//! `AccountAccessKeysPresent` from IAM GetAccountSummary, as the CIS audit procedure does,
//! and the `<root_account>` row of the credential report when the report has one.
//!
//! ## Why is this bad?
//! Root access keys carry unrestricted power over the account and cannot be limited by
//! any policy; a leaked root key is a full account compromise.
//!
//! ## Severity
//! CRITICAL when root has an access key. WARN when the summary cannot be read.
//!
//! ## Example
//! ```json
//! {"SummaryMap": {"AccountAccessKeysPresent": 1}}
//! ```
//!
//! Use instead:
//! ```json
//! {"SummaryMap": {"AccountAccessKeysPresent": 0}}
//! ```
//!
//! ## References
//! - [CIS AWS Foundations Benchmark v1.5.0, 1.4](https://www.cisecurity.org/benchmark/amazon_web_services)
//! - [Deleting access keys for the root user](https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user_manage_delete-key.html)

use super::Eval;
use crate::cis::collect::Facts;
use crate::model::Severity;
use crate::rules::{Check, Rule};

pub const LEVEL: u8 = 1;

pub static RULE: Rule = Rule {
    id: "CIS-1.4",
    name: "no-root-access-keys",
    title: "No root user access keys",
    family: "CIS",
    severity: Severity::Critical,
    remediation: "Sign in as root, open Security credentials and delete every root access key; use IAM roles instead.",
    source: include_str!("no_root_access_keys.rs"),
    check: Check::Cis,
};

pub fn evaluate(f: &Facts) -> Eval {
    let mut evidence = Vec::new();
    let mut root_row_keys = None;
    if let Some(Ok(rows)) = &f.credential_report
        && let Some(root) = rows.iter().find(|r| r.user == "<root_account>")
    {
        let active =
            root.access_key_1_active == Some(true) || root.access_key_2_active == Some(true);
        evidence.push(format!(
            "credential report <root_account>: access_key_1_active={:?} access_key_2_active={:?}",
            root.access_key_1_active, root.access_key_2_active
        ));
        root_row_keys = Some(active);
    }
    match &f.summary {
        Some(Ok(map)) => match map.get("AccountAccessKeysPresent") {
            Some(n) => {
                evidence.insert(0, format!("GetAccountSummary AccountAccessKeysPresent={n}"));
                if *n > 0 || root_row_keys == Some(true) {
                    Eval::fail("the root user has an active access key", evidence)
                } else {
                    Eval::pass(evidence)
                }
            }
            None => Eval::warn(
                "GetAccountSummary has no AccountAccessKeysPresent",
                evidence,
            ),
        },
        Some(Err(e)) => match root_row_keys {
            Some(true) => Eval::fail("the root user has an active access key", evidence),
            _ => Eval::warn(format!("cannot read the account summary: {e}"), evidence),
        },
        None => super::missing("the account summary"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cis::model::Status;

    #[test]
    fn keys_present_fail() {
        let mut f = super::super::test_facts::facts();
        f.summary = Some(Ok([("AccountAccessKeysPresent".to_string(), 1)].into()));
        assert_eq!(evaluate(&f).status, Status::Fail);
        f.summary = Some(Ok([("AccountAccessKeysPresent".to_string(), 0)].into()));
        assert_eq!(evaluate(&f).status, Status::Pass);
        f.summary = Some(Err("AccessDenied".into()));
        assert_eq!(evaluate(&f).status, Status::Warn);
    }
}
