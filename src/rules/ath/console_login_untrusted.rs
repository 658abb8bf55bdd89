//! ## What it does
//! Reports successful console sign-ins from outside the expected regions or networks:
//! `eventName` = `ConsoleLogin`, `responseElements.ConsoleLogin` = `Success`, and
//! - `awsRegion` not in `trusted_regions` (only when `trusted_regions` is configured), or
//! - `sourceIPAddress` (an IPv4/IPv6 address) not inside any of `trusted_cidrs` (only when
//!   `trusted_cidrs` is configured; non-address values such as service names are not
//!   checked).
//!
//! With neither `trusted_regions` nor `trusted_cidrs` configured (config file
//! `.guardrails-hunt.json` or `--trusted-regions` / `--trusted-cidrs`) this rule reports
//! nothing. All identity types are checked (IAM users, root, federated/SSO sessions).
//! Failed sign-ins (`responseElements.ConsoleLogin` = `Failure`, or `errorCode` set) are not
//! reported by this rule: ATH004 counts them as brute force.
//!
//! ## Why is this bad?
//! Stolen passwords and session tokens are used from the attacker's infrastructure; a
//! sign-in from a region or network your people never use is a strong takeover signal.
//!
//! ## Severity
//! HIGH when the sign-in is outside both a configured region list and a configured CIDR
//! list, or is by root; MEDIUM when only one check fails.
//!
//! ## Example
//! With `{"trusted_regions": ["eu-west-1"], "trusted_cidrs": ["198.51.100.0/24"]}`:
//! ```json
//! {"eventName": "ConsoleLogin", "awsRegion": "ap-southeast-1", "sourceIPAddress": "203.0.113.9",
//!  "responseElements": {"ConsoleLogin": "Success"}}
//! ```
//!
//! Use instead:
//! ```json
//! {"eventName": "ConsoleLogin", "awsRegion": "eu-west-1", "sourceIPAddress": "198.51.100.20",
//!  "responseElements": {"ConsoleLogin": "Success"}}
//! ```
//!
//! ## References
//! - [CloudTrail ConsoleLogin events](https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-aws-console-sign-in-events.html)
//! - [IAM: restrict access by source IP (aws:SourceIp)](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws_deny-ip.html)
//! - [MITRE ATT&CK T1078.004 Valid Accounts: Cloud Accounts](https://attack.mitre.org/techniques/T1078/004/)

use crate::hunt::detect::{Detector, Event, HuntContext, Interest};
use crate::model::{Finding, Severity};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "ATH002",
    name: "console-login-untrusted-location",
    title: "Console login from an untrusted region or network",
    family: "ATH",
    severity: Severity::Medium,
    remediation: "Confirm the sign-in with the user; if unknown, reset the password, revoke sessions and review the principal's activity. Restrict console access by aws:SourceIp or through your identity provider.",
    source: include_str!("console_login_untrusted.rs"),
    check: Check::Hunt,
};

struct UntrustedLogin;

pub fn detector() -> Box<dyn Detector> {
    Box::new(UntrustedLogin)
}

impl Detector for UntrustedLogin {
    fn rule(&self) -> &'static Rule {
        &RULE
    }

    fn interest(&self) -> Interest {
        Interest::Names(&["ConsoleLogin"])
    }

    fn on_event(&mut self, e: &Event, ctx: &HuntContext, out: &mut Vec<Finding>) {
        if e.event_name() != Some("ConsoleLogin")
            || e.str_at("responseElements.ConsoleLogin") != Some("Success")
            || e.failed()
        {
            return;
        }
        let region = e.aws_region();
        let ip = e.source_ip();
        let mut why = Vec::new();
        if let Some(r) = region
            && ctx.region_trusted(r) == Some(false)
        {
            why.push(format!("region {r} not trusted"));
        }
        if let Some(a) = ip
            && ctx.ip_trusted(a) == Some(false)
        {
            why.push(format!("source {a} outside trusted networks"));
        }
        if why.is_empty() {
            return;
        }
        let severity = if why.len() == 2 || e.user_type() == Some("Root") {
            Severity::High
        } else {
            Severity::Medium
        };
        let who = e.principal().unwrap_or("unknown user");
        out.push(e.finding(
            &RULE,
            severity,
            who,
            format!("Console login by {who}: {}", why.join(", ")),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::ath::policy::{ODD, run};

    const RECS: &str = r#"[
 {"eventName":"ConsoleLogin","eventID":"1","awsRegion":"ap-southeast-1","sourceIPAddress":"203.0.113.9","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/bob"},"responseElements":{"ConsoleLogin":"Success"}},
 {"eventName":"ConsoleLogin","eventID":"2","awsRegion":"eu-west-1","sourceIPAddress":"203.0.113.9","userIdentity":{"type":"IAMUser"},"responseElements":{"ConsoleLogin":"Success"}},
 {"eventName":"ConsoleLogin","eventID":"3","awsRegion":"eu-west-1","sourceIPAddress":"198.51.100.20","userIdentity":{"type":"IAMUser"},"responseElements":{"ConsoleLogin":"Success"}},
 {"eventName":"ConsoleLogin","eventID":"4","awsRegion":"ap-southeast-1","sourceIPAddress":"203.0.113.9","userIdentity":{"type":"IAMUser"},"responseElements":{"ConsoleLogin":"Failure"},"errorMessage":"Failed authentication"},
 {"eventName":"ConsoleLogin","eventID":"5","awsRegion":"eu-west-1","sourceIPAddress":"AWS Internal","userIdentity":{"type":"Root"},"responseElements":{"ConsoleLogin":"Success"}},
 {"eventName":"ConsoleLogin","eventID":"6","sourceIPAddress":null,"userIdentity":{"type":"Root"},"responseElements":{"ConsoleLogin":"Success"}},
 {"eventName":"ConsoleLogin","eventID":"7","awsRegion":"sa-east-1","sourceIPAddress":"198.51.100.21","userIdentity":{"type":"Root"},"responseElements":{"ConsoleLogin":"Success"}}
]"#;

    fn ids(f: &[Finding]) -> Vec<(&str, Severity)> {
        f.iter()
            .map(|f| (f.events.as_ref().unwrap().event_ids[0].as_str(), f.severity))
            .collect()
    }

    #[test]
    fn untrusted_successes_only_and_nothing_unconfigured() {
        assert!(run(detector(), RECS, &HuntContext::default()).is_empty());
        let both = HuntContext {
            trusted_regions: vec!["eu-west-1".into()],
            trusted_cidrs: vec!["198.51.100.0/24".parse().unwrap()],
            ..Default::default()
        };
        let f = run(detector(), RECS, &both);
        assert_eq!(
            ids(&f),
            vec![
                ("1", Severity::High),
                ("2", Severity::Medium),
                ("7", Severity::High)
            ]
        );
        let regions = HuntContext {
            trusted_regions: vec!["eu-west-1".into()],
            ..Default::default()
        };
        assert_eq!(
            ids(&run(detector(), RECS, &regions)),
            vec![("1", Severity::Medium), ("7", Severity::High)]
        );
        assert!(run(detector(), ODD, &both).is_empty());
    }
}
