//! ## What it does
//! Reports API calls and console sign-ins made by the account's root user
//! (`userIdentity.type` = `Root`), except calls AWS services make on its behalf
//! (`invokedBy` set). Failed root calls (`errorCode` set) are reported too, at MEDIUM:
//! someone holds or is guessing root credentials.
//!
//! ## Why is this bad?
//! Root cannot be limited by IAM policies or permission boundaries, and AWS recommends
//! using it only for the few tasks that require it. Unexpected root activity is one of the
//! strongest signals of account takeover.
//!
//! ## Severity
//! HIGH for a successful root call or sign-in; MEDIUM for a failed one.
//!
//! ## Example
//! ```json
//! {"eventName": "CreateUser", "userIdentity": {"type": "Root", "arn": "arn:aws:iam::111122223333:root"}}
//! ```
//!
//! Use instead:
//! ```json
//! {"eventName": "CreateUser", "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/Admin/alice"}}
//! ```
//!
//! ## References
//! - [Tasks that require root user credentials](https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html#root-user-tasks)
//! - [CIS AWS Foundations 1.7: eliminate use of the root user](https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html)
//! - [MITRE ATT&CK T1078.004 Valid Accounts: Cloud Accounts](https://attack.mitre.org/techniques/T1078/004/)

use crate::hunt::detect::{Detector, Event, HuntContext, Interest};
use crate::model::{Finding, Severity};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "ATH005",
    name: "root-activity",
    title: "Root account activity",
    family: "ATH",
    severity: Severity::High,
    remediation: "Confirm the root activity was intended; otherwise rotate the root password, enable root MFA and review what was done. Use IAM roles for daily work.",
    source: include_str!("root_activity.rs"),
    check: Check::Hunt,
};

struct RootActivity;

pub fn detector() -> Box<dyn Detector> {
    Box::new(RootActivity)
}

impl Detector for RootActivity {
    fn rule(&self) -> &'static Rule {
        &RULE
    }

    fn interest(&self) -> Interest {
        Interest::Identity {
            names: &[],
            types: &["Root"],
            key_prefixes: &[],
        }
    }

    fn on_event(&mut self, e: &Event, _ctx: &HuntContext, out: &mut Vec<Finding>) {
        if e.user_type() != Some("Root") || e.str_at("userIdentity.invokedBy").is_some() {
            return;
        }
        let name = e.event_name().unwrap_or("?");
        let principal = e.principal().unwrap_or("root");
        let (severity, what) = if e.failed() {
            (Severity::Medium, "Failed root call")
        } else {
            (Severity::High, "Root call")
        };
        let from = e.source_ip().unwrap_or("unknown source");
        out.push(e.finding(
            &RULE,
            severity,
            principal,
            format!("{what} {name} from {from}"),
        ));
    }
}
