//! ## What it does
//! Reports successful console sign-ins without MFA: `eventName` = `ConsoleLogin`,
//! `responseElements.ConsoleLogin` = `Success`, `additionalEventData.MFAUsed` = `No`,
//! for IAM users and root (`userIdentity.type` in `IAMUser`, `Root`). Federated and
//! SSO sign-ins (`userIdentity.type` = `AssumedRole`/`FederatedUser`, or
//! `additionalEventData.SamlProviderArn` set) are excluded: their MFA happens at the identity
//! provider and CloudTrail always logs `MFAUsed: No` for them. Failed logins are not
//! reported here (ATH004 counts them).
//!
//! ## Why is this bad?
//! A password alone is phishable and guessable; console access without MFA is how stolen
//! passwords turn into account takeovers.
//!
//! ## Severity
//! MEDIUM for an IAM user (a policy gap, not proof of compromise); HIGH for root.
//!
//! ## Example
//! ```json
//! {"eventName": "ConsoleLogin", "userIdentity": {"type": "IAMUser", "userName": "bob"},
//!  "responseElements": {"ConsoleLogin": "Success"}, "additionalEventData": {"MFAUsed": "No"}}
//! ```
//!
//! Use instead:
//! ```json
//! {"eventName": "ConsoleLogin", "userIdentity": {"type": "IAMUser", "userName": "bob"},
//!  "responseElements": {"ConsoleLogin": "Success"}, "additionalEventData": {"MFAUsed": "Yes"}}
//! ```
//!
//! ## References
//! - [CloudTrail ConsoleLogin events](https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-aws-console-sign-in-events.html)
//! - [CIS AWS Foundations 1.10: MFA for console users](https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html)
//! - [MITRE ATT&CK T1078.004 Valid Accounts: Cloud Accounts](https://attack.mitre.org/techniques/T1078/004/)

use crate::hunt::detect::{Detector, Event, HuntContext, Interest};
use crate::model::{Finding, Severity};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "ATH003",
    name: "console-login-no-mfa",
    title: "Console login without MFA",
    family: "ATH",
    severity: Severity::Medium,
    remediation: "Require MFA for every console user (an IAM policy denying actions when aws:MultiFactorAuthPresent is false) or move people to IAM Identity Center.",
    source: include_str!("console_login_no_mfa.rs"),
    check: Check::Hunt,
};

struct ConsoleLoginNoMfa;

pub fn detector() -> Box<dyn Detector> {
    Box::new(ConsoleLoginNoMfa)
}

impl Detector for ConsoleLoginNoMfa {
    fn rule(&self) -> &'static Rule {
        &RULE
    }

    fn interest(&self) -> Interest {
        Interest::Names(&["ConsoleLogin"])
    }

    fn on_event(&mut self, e: &Event, _ctx: &HuntContext, out: &mut Vec<Finding>) {
        if e.event_name() != Some("ConsoleLogin")
            || e.str_at("responseElements.ConsoleLogin") != Some("Success")
            || e.str_at("additionalEventData.MFAUsed") != Some("No")
            || e.str_at("additionalEventData.SamlProviderArn").is_some()
        {
            return;
        }
        let severity = match e.user_type() {
            Some("Root") => Severity::High,
            Some("IAMUser") => Severity::Medium,
            _ => return,
        };
        let who = e.principal().or(e.user_name()).unwrap_or("unknown user");
        let from = e.source_ip().unwrap_or("unknown source");
        out.push(e.finding(
            &RULE,
            severity,
            who,
            format!("Console login without MFA by {who} from {from}"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::ath::policy::{ODD, run};

    #[test]
    fn fires_only_on_successful_password_only_logins() {
        let ctx = HuntContext::default();
        let recs = r#"[
 {"eventName":"ConsoleLogin","eventID":"1","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/bob"},"responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"MFAUsed":"No"}},
 {"eventName":"ConsoleLogin","eventID":"2","userIdentity":{"type":"IAMUser"},"responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"MFAUsed":"Yes"}},
 {"eventName":"ConsoleLogin","eventID":"3","userIdentity":{"type":"IAMUser"},"responseElements":{"ConsoleLogin":"Failure"},"additionalEventData":{"MFAUsed":"No"},"errorMessage":"Failed authentication"},
 {"eventName":"ConsoleLogin","eventID":"4","userIdentity":{"type":"AssumedRole"},"responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"MFAUsed":"No","SamlProviderArn":"arn:aws:iam::1:saml-provider/Okta"}},
 {"eventName":"ConsoleLogin","eventID":"5","userIdentity":{"type":"Root"},"responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"MFAUsed":"No"}}
]"#;
        let f = run(detector(), recs, &ctx);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(f[1].severity, Severity::High);
        assert_eq!(
            f[1].events.as_ref().unwrap().event_ids,
            vec!["5".to_string()]
        );
        assert!(run(detector(), ODD, &ctx).is_empty());
    }
}
