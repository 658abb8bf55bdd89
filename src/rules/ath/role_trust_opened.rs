//! ## What it does
//! Reports a role trust policy opened to everyone or to another account: events
//! `CreateRole` (document in `requestParameters.assumeRolePolicyDocument`) and
//! `UpdateAssumeRolePolicy` (document in `requestParameters.policyDocument`), with
//! `eventSource` = `iam.amazonaws.com`. The document may be a JSON object, a JSON string or a
//! URL-encoded JSON string. A statement matches when all of these hold:
//! - `Effect` is not `Deny`;
//! - its `Action` covers `sts:AssumeRole` (IAM wildcards, case-insensitive; an absent
//!   `Action` counts); `sts:AssumeRoleWithSAML`/`WithWebIdentity`-only statements do not;
//! - it grants `Principal: "*"`, `Principal: {"AWS": "*"}` (string or in an array), uses
//!   `NotPrincipal` (counts as `*`), or names an `AWS` principal (bare 12-digit id or ARN)
//!   whose account differs from `recipientAccountId` (else `userIdentity.accountId`; when
//!   neither is logged only `*` is reported);
//! - its `Condition` constrains none of `sts:ExternalId`, `aws:PrincipalOrgID`,
//!   `aws:PrincipalOrgPaths`, `aws:PrincipalAccount`, `aws:PrincipalArn`,
//!   `aws:SourceAccount`, `aws:SourceArn`, `aws:SourceOrgID`, `aws:SourceIp`,
//!   `aws:SourceVpce`, `aws:SourceVpc` (any operator, key names case-insensitive, to at
//!   least one value other than `*`).
//!
//! `Service` and `Federated` principals are not reported. Failed calls (`errorCode` set)
//! are reported at LOW. One finding per event (the most severe statement).
//!
//! ## Why is this bad?
//! A role that anyone, or an account you do not own, can assume is a persistent backdoor:
//! it survives password and key rotation and its use shows up as the role, not as the
//! outsider.
//!
//! ## Severity
//! CRITICAL when anyone can assume the role (`*`); HIGH for a foreign account; LOW for
//! failed attempts.
//!
//! ## Example
//! ```json
//! {"eventSource": "iam.amazonaws.com", "eventName": "UpdateAssumeRolePolicy",
//!  "recipientAccountId": "111122223333",
//!  "requestParameters": {"roleName": "deploy", "policyDocument":
//!   "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::999988887777:root\"},\"Action\":\"sts:AssumeRole\"}]}"}}
//! ```
//!
//! Use instead:
//! ```json
//! {"eventSource": "iam.amazonaws.com", "eventName": "UpdateAssumeRolePolicy",
//!  "recipientAccountId": "111122223333",
//!  "requestParameters": {"roleName": "deploy", "policyDocument":
//!   "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::999988887777:root\"},\"Action\":\"sts:AssumeRole\",\"Condition\":{\"StringEquals\":{\"sts:ExternalId\":\"7f3c0b\"}}}]}"}}
//! ```
//!
//! ## References
//! - [IAM roles: trust policies](https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html)
//! - [The confused deputy problem and sts:ExternalId](https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html)
//! - [Stratus Red Team: Backdoor an IAM Role](https://stratus-red-team.cloud/attack-techniques/AWS/aws.persistence.iam-backdoor-role/)
//! - [MITRE ATT&CK T1098.003 Additional Cloud Roles](https://attack.mitre.org/techniques/T1098/003/)

use crate::hunt::detect::{Detector, Event, HuntContext, Interest};
use crate::model::{Finding, Severity};
use crate::rules::ath::policy;
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "ATH008",
    name: "role-trust-opened",
    title: "Role trust policy opened to anyone or a foreign account",
    family: "ATH",
    severity: Severity::Critical,
    remediation: "Restore the trust policy to known principals (add sts:ExternalId or aws:PrincipalOrgID conditions for third parties) and review what the role was used for since the change.",
    source: include_str!("role_trust_opened.rs"),
    check: Check::Hunt,
};

const NAMES: &[&str] = &["CreateRole", "UpdateAssumeRolePolicy"];

/// Condition keys that pin who may assume the role.
const RESTRICTING: &[&str] = &[
    "sts:ExternalId",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "aws:SourceIp",
    "aws:SourceVpce",
    "aws:SourceVpc",
];

struct TrustOpened;

pub fn detector() -> Box<dyn Detector> {
    Box::new(TrustOpened)
}

/// The most severe opening in a trust document: severity and who it is opened to.
fn opening(doc: &serde_json::Value, own: Option<&str>) -> Option<(Severity, String)> {
    let mut best: Option<(Severity, String)> = None;
    for st in policy::statements(doc) {
        if !policy::allows(st)
            || !policy::covers_action(st, "sts:AssumeRole")
            || policy::restricted_by(st, RESTRICTING)
        {
            continue;
        }
        for p in policy::aws_principals(st) {
            let hit = if p == "*" {
                Some((Severity::Critical, "anyone (*)".to_string()))
            } else {
                match (policy::principal_account(p), own) {
                    (Some(a), Some(own)) if a != own => {
                        Some((Severity::High, format!("account {a} ({p})")))
                    }
                    _ => None,
                }
            };
            if let Some(h) = hit
                && best.as_ref().is_none_or(|b| h.0 > b.0)
            {
                best = Some(h);
            }
        }
    }
    best
}

impl Detector for TrustOpened {
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
        if e.event_source() != Some("iam.amazonaws.com") {
            return;
        }
        let field = if name == "CreateRole" {
            "requestParameters.assumeRolePolicyDocument"
        } else {
            "requestParameters.policyDocument"
        };
        let Some(doc) = policy::document(e.at(field)) else {
            return;
        };
        let Some((sev, to)) = opening(&doc, e.recipient_account_id()) else {
            return;
        };
        let role = e
            .str_at("requestParameters.roleName")
            .unwrap_or("unknown role");
        let (severity, what) = if e.failed() {
            (Severity::Low, "Failed attempt to open")
        } else {
            (sev, "Opened")
        };
        let who = e.principal().unwrap_or("unknown principal");
        out.push(e.finding(
            &RULE,
            severity,
            role,
            format!("{what} the trust policy of role {role} to {to} ({name} by {who})"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::ath::policy::{ODD, run};

    #[test]
    fn open_and_foreign_trust_only() {
        let ctx = HuntContext::default();
        let recs = r#"[
 {"eventSource":"iam.amazonaws.com","eventName":"CreateRole","eventID":"1","recipientAccountId":"111122223333","requestParameters":{"roleName":"a","assumeRolePolicyDocument":"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},\"Action\":\"sts:AssumeRole\"}]}"}},
 {"eventSource":"iam.amazonaws.com","eventName":"UpdateAssumeRolePolicy","eventID":"2","recipientAccountId":"111122223333","requestParameters":{"roleName":"b","policyDocument":"%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22AWS%22%3A%5B%22arn%3Aaws%3Aiam%3A%3A111122223333%3Aroot%22%2C%22999988887777%22%5D%7D%2C%22Action%22%3A%22sts%3AAssume*%22%7D%5D%7D"}},
 {"eventSource":"iam.amazonaws.com","eventName":"UpdateAssumeRolePolicy","eventID":"3","errorCode":"AccessDenied","recipientAccountId":"111122223333","requestParameters":{"roleName":"c","policyDocument":"{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"sts:AssumeRole\"}}"}},
 {"eventSource":"iam.amazonaws.com","eventName":"CreateRole","eventID":"4","recipientAccountId":"111122223333","requestParameters":{"roleName":"d","assumeRolePolicyDocument":"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::999988887777:root\"},\"Action\":\"sts:AssumeRole\",\"Condition\":{\"StringEquals\":{\"sts:ExternalId\":\"x1\"}}}]}"}},
 {"eventSource":"iam.amazonaws.com","eventName":"CreateRole","eventID":"5","recipientAccountId":"111122223333","requestParameters":{"roleName":"e","assumeRolePolicyDocument":"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"},{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:role/ci\"},\"Action\":\"sts:AssumeRole\"}]}"}},
 {"eventSource":"iam.amazonaws.com","eventName":"CreateRole","eventID":"6","recipientAccountId":"111122223333","requestParameters":{"roleName":"f","assumeRolePolicyDocument":"{\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"sts:AssumeRole\"},{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"sts:TagSession\"}]}"}},
 {"eventSource":"iam.amazonaws.com","eventName":"CreateRole","eventID":"7","requestParameters":{"roleName":"g","assumeRolePolicyDocument":"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"999988887777\"},\"Action\":\"sts:AssumeRole\"}]}"}},
 {"eventSource":"iam.amazonaws.com","eventName":"CreateRole","eventID":"8","recipientAccountId":"111122223333","requestParameters":{"roleName":"h","assumeRolePolicyDocument":"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"sts:AssumeRole\",\"Condition\":{\"StringEquals\":{\"aws:PrincipalOrgID\":\"*\"}}}]}"}}
]"#;
        let f = run(detector(), recs, &ctx);
        let got: Vec<_> = f
            .iter()
            .map(|f| (f.events.as_ref().unwrap().event_ids[0].as_str(), f.severity))
            .collect();
        assert_eq!(
            got,
            vec![
                ("1", Severity::Critical),
                ("2", Severity::High),
                ("3", Severity::Low),
                ("8", Severity::Critical),
            ]
        );
        assert!(f[1].description.contains("999988887777"));
        assert!(run(detector(), ODD, &ctx).is_empty());
    }
}
