//! ## What it does
//! Reports IAM policies written with a statement whose `Effect` is not `Deny` and whose
//! `Action` (string or list) contains the value `*` or `iam:*` (any case): events
//! `CreatePolicy`, `CreatePolicyVersion`, `PutUserPolicy`, `PutRolePolicy`,
//! `PutGroupPolicy`, reading `requestParameters.policyDocument` (a JSON object, a JSON
//! string, or a URL-encoded JSON string).
//! Failed calls (`errorCode` set) are reported at LOW (an attempt, nothing was granted).
//!
//! ## Why is this bad?
//! `Action: *` (or `iam:*`) makes the principal an administrator; writing such a policy is
//! the most common privilege-escalation and persistence step after credential theft.
//!
//! ## Severity
//! HIGH on success (effective admin grant); LOW for a failed attempt.
//!
//! ## Example
//! ```json
//! {"eventName": "PutUserPolicy", "requestParameters": {"userName": "bob", "policyName": "x",
//!  "policyDocument": "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"}}
//! ```
//!
//! Use instead:
//! ```json
//! {"eventName": "PutUserPolicy", "requestParameters": {"userName": "bob", "policyName": "x",
//!  "policyDocument": "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\"}]}"}}
//! ```
//!
//! ## References
//! - [IAM API logging in CloudTrail](https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-integration.html)
//! - [IAM security best practices: least privilege](https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html)
//! - [MITRE ATT&CK T1098 Account Manipulation](https://attack.mitre.org/techniques/T1098/)

use super::policy;
use crate::hunt::detect::{Detector, Event, HuntContext, Interest};
use crate::model::{Finding, Severity};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "ATH006",
    name: "iam-policy-wildcard-action",
    title: "IAM policy written with Action \"*\"",
    family: "ATH",
    severity: Severity::High,
    remediation: "Review who wrote the policy; replace the wildcard with the specific actions needed, and remove the policy if it was not intended.",
    source: include_str!("iam_policy_wildcard_action.rs"),
    check: Check::Hunt,
};

const NAMES: &[&str] = &[
    "CreatePolicy",
    "CreatePolicyVersion",
    "PutUserPolicy",
    "PutRolePolicy",
    "PutGroupPolicy",
];

struct WildcardAction;

pub fn detector() -> Box<dyn Detector> {
    Box::new(WildcardAction)
}

impl Detector for WildcardAction {
    fn rule(&self) -> &'static Rule {
        &RULE
    }

    fn interest(&self) -> Interest {
        Interest::Names(NAMES)
    }

    fn on_event(&mut self, e: &Event, _ctx: &HuntContext, out: &mut Vec<Finding>) {
        let Some(name) = e.event_name().filter(|n| NAMES.contains(n)) else {
            return;
        };
        let Some(doc) = policy::document(e.at("requestParameters.policyDocument")) else {
            return;
        };
        let wild = policy::statements(&doc).into_iter().any(|st| {
            policy::allows(st)
                && policy::strings(st.get("Action"))
                    .iter()
                    .any(|a| *a == "*" || a.eq_ignore_ascii_case("iam:*"))
        });
        if !wild {
            return;
        }
        let target = [
            "userName",
            "roleName",
            "groupName",
            "policyName",
            "policyArn",
        ]
        .iter()
        .find_map(|k| e.str_at(&format!("requestParameters.{k}")))
        .unwrap_or("unknown policy");
        let (severity, what) = if e.failed() {
            (Severity::Low, "Failed attempt to write")
        } else {
            (Severity::High, "Wrote")
        };
        let who = e.principal().unwrap_or("unknown principal");
        out.push(e.finding(
            &RULE,
            severity,
            target,
            format!("{what} a policy granting Action \"*\" ({name} on {target}) by {who}"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::ath::policy::{ODD, run};

    #[test]
    fn plain_and_url_encoded_documents() {
        let ctx = HuntContext::default();
        let recs = r#"[
 {"eventName":"PutUserPolicy","eventID":"1","requestParameters":{"userName":"bob","policyDocument":"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"}},
 {"eventName":"CreatePolicy","eventID":"2","requestParameters":{"policyName":"p","policyDocument":"%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%5B%22iam%3A%2A%22%5D%7D%5D%7D"}},
 {"eventName":"PutRolePolicy","eventID":"3","errorCode":"AccessDenied","requestParameters":{"roleName":"r","policyDocument":"{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\"}}"}},
 {"eventName":"PutRolePolicy","eventID":"4","requestParameters":{"roleName":"r","policyDocument":"{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\"}}"}},
 {"eventName":"PutRolePolicy","eventID":"5","requestParameters":{"roleName":"r","policyDocument":"{\"Statement\":{\"Effect\":\"Deny\",\"Action\":\"*\"}}"}}
]"#;
        let f = run(detector(), recs, &ctx);
        let sev: Vec<_> = f.iter().map(|f| f.severity).collect();
        assert_eq!(sev, vec![Severity::High, Severity::High, Severity::Low]);
        assert!(run(detector(), ODD, &ctx).is_empty());
    }
}
