//! ## What it does
//! Reports an administrator-equivalent AWS managed policy attached to a user, role or group:
//! events `AttachUserPolicy`, `AttachRolePolicy`, `AttachGroupPolicy` whose
//! `requestParameters.policyArn` is one of
//! `arn:aws:iam::aws:policy/AdministratorAccess`, `arn:aws:iam::aws:policy/IAMFullAccess`
//! (can grant itself anything) or `arn:aws:iam::aws:policy/PowerUserAccess` (all but IAM).
//! The ARN partition is ignored (`aws-cn`, `aws-us-gov` match too). Failed calls
//! (`errorCode` set) are reported at LOW.
//!
//! ## Why is this bad?
//! Attaching an admin policy is the quickest way to escalate or persist access; in a
//! pipeline-managed account it should only happen through infrastructure as code.
//!
//! ## Severity
//! HIGH on success for AdministratorAccess and IAMFullAccess, MEDIUM for PowerUserAccess
//! (no IAM); LOW for failed attempts.
//!
//! ## Example
//! ```json
//! {"eventName": "AttachUserPolicy", "requestParameters": {"userName": "bob",
//!  "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}}
//! ```
//!
//! Use instead:
//! ```json
//! {"eventName": "AttachUserPolicy", "requestParameters": {"userName": "bob",
//!  "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}}
//! ```
//!
//! ## References
//! - [AWS managed policies for job functions](https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_job-functions.html)
//! - [MITRE ATT&CK T1098.003 Additional Cloud Roles](https://attack.mitre.org/techniques/T1098/003/)

use crate::hunt::detect::{Detector, Event, HuntContext, Interest};
use crate::model::{Finding, Severity};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "ATH007",
    name: "admin-policy-attached",
    title: "Administrator managed policy attached",
    family: "ATH",
    severity: Severity::High,
    remediation: "Confirm the attachment was intended and made through infrastructure as code; otherwise detach it and investigate the caller.",
    source: include_str!("admin_policy_attached.rs"),
    check: Check::Hunt,
};

const NAMES: &[&str] = &["AttachUserPolicy", "AttachRolePolicy", "AttachGroupPolicy"];

/// Policy name after `:aws:policy/` and the severity of attaching it.
const ADMIN: &[(&str, Severity)] = &[
    ("AdministratorAccess", Severity::High),
    ("IAMFullAccess", Severity::High),
    ("PowerUserAccess", Severity::Medium),
];

struct AdminAttached;

pub fn detector() -> Box<dyn Detector> {
    Box::new(AdminAttached)
}

impl Detector for AdminAttached {
    fn rule(&self) -> &'static Rule {
        &RULE
    }

    fn interest(&self) -> Interest {
        Interest::Names(NAMES)
    }

    fn on_event(&mut self, e: &Event, _ctx: &HuntContext, out: &mut Vec<Finding>) {
        if !e.event_name().is_some_and(|n| NAMES.contains(&n)) {
            return;
        }
        let Some(arn) = e.str_at("requestParameters.policyArn") else {
            return;
        };
        // arn:<partition>:iam::aws:policy/<name>
        let Some(policy) = arn
            .split_once(":iam::aws:policy/")
            .filter(|(p, _)| p.starts_with("arn:"))
            .map(|(_, n)| n)
        else {
            return;
        };
        let Some(&(_, sev)) = ADMIN.iter().find(|(n, _)| *n == policy) else {
            return;
        };
        let target = ["userName", "roleName", "groupName"]
            .iter()
            .find_map(|k| e.str_at(&format!("requestParameters.{k}")))
            .unwrap_or("unknown principal");
        let (severity, what) = if e.failed() {
            (Severity::Low, "Failed attempt to attach")
        } else {
            (sev, "Attached")
        };
        let who = e.principal().unwrap_or("unknown principal");
        out.push(e.finding(
            &RULE,
            severity,
            target,
            format!("{what} {policy} to {target} by {who}"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::ath::policy::{ODD, run};

    #[test]
    fn admin_arns_only() {
        let ctx = HuntContext::default();
        let recs = r#"[
 {"eventName":"AttachRolePolicy","eventID":"1","requestParameters":{"roleName":"r","policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}},
 {"eventName":"AttachUserPolicy","eventID":"2","requestParameters":{"userName":"u","policyArn":"arn:aws-us-gov:iam::aws:policy/PowerUserAccess"}},
 {"eventName":"AttachUserPolicy","eventID":"3","errorCode":"AccessDenied","requestParameters":{"userName":"u","policyArn":"arn:aws:iam::aws:policy/IAMFullAccess"}},
 {"eventName":"AttachUserPolicy","eventID":"4","requestParameters":{"userName":"u","policyArn":"arn:aws:iam::aws:policy/ReadOnlyAccess"}},
 {"eventName":"AttachUserPolicy","eventID":"5","requestParameters":{"userName":"u","policyArn":"arn:aws:iam::111122223333:policy/AdministratorAccess"}}
]"#;
        let f = run(detector(), recs, &ctx);
        let sev: Vec<_> = f.iter().map(|f| f.severity).collect();
        assert_eq!(sev, vec![Severity::High, Severity::Medium, Severity::Low]);
        assert!(run(detector(), ODD, &ctx).is_empty());
    }
}
