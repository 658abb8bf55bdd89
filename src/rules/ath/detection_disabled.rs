//! ## What it does
//! Reports calls that turn off AWS detection services:
//! - GuardDuty (`guardduty.amazonaws.com`): `DeleteDetector`, `DisassociateFromMasterAccount`,
//!   `DisassociateFromAdministratorAccount`, `DeleteMembers`, `StopMonitoringMembers`, and
//!   `UpdateDetector` with `requestParameters.enable` = false;
//! - AWS Config (`config.amazonaws.com`): `StopConfigurationRecorder`,
//!   `DeleteConfigurationRecorder`, `DeleteDeliveryChannel`;
//! - Security Hub (`securityhub.amazonaws.com`): `DisableSecurityHub`, `BatchDisableStandards`.
//!
//! Failed calls (`errorCode` set) are reported at LOW.
//!
//! ## Why is this bad?
//! Disabling threat detection and configuration recording is a standard step before an
//! attacker acts, so that nothing raises an alarm.
//!
//! ## Severity
//! HIGH on success; LOW for failed attempts.
//!
//! ## Example
//! ```json
//! {"eventSource": "guardduty.amazonaws.com", "eventName": "UpdateDetector",
//!  "requestParameters": {"detectorId": "12abc34d567e8fa901bc2d34e56789f0", "enable": false}}
//! ```
//!
//! Use instead:
//! ```json
//! {"eventSource": "guardduty.amazonaws.com", "eventName": "UpdateDetector",
//!  "requestParameters": {"detectorId": "12abc34d567e8fa901bc2d34e56789f0", "enable": true}}
//! ```
//!
//! ## References
//! - [GuardDuty API: UpdateDetector](https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UpdateDetector.html)
//! - [AWS Config API: StopConfigurationRecorder](https://docs.aws.amazon.com/config/latest/APIReference/API_StopConfigurationRecorder.html)
//! - [MITRE ATT&CK T1562.001 Impair Defenses: Disable or Modify Tools](https://attack.mitre.org/techniques/T1562/001/)

use crate::hunt::detect::{Detector, Event, HuntContext, Interest};
use crate::model::{Finding, Severity};
use crate::rules::{Check, Rule};
use serde_json::Value;

pub static RULE: Rule = Rule {
    id: "ATH010",
    name: "detection-disabled",
    title: "Detection service disabled",
    family: "ATH",
    severity: Severity::High,
    remediation: "Re-enable the service (GuardDuty detector, Config recorder and delivery channel, Security Hub) and investigate the caller; protect these with an SCP.",
    source: include_str!("detection_disabled.rs"),
    check: Check::Hunt,
};

/// (eventSource, eventName) pairs that always disable detection.
const ALWAYS: &[(&str, &str)] = &[
    ("guardduty.amazonaws.com", "DeleteDetector"),
    ("guardduty.amazonaws.com", "DisassociateFromMasterAccount"),
    (
        "guardduty.amazonaws.com",
        "DisassociateFromAdministratorAccount",
    ),
    ("guardduty.amazonaws.com", "DeleteMembers"),
    ("guardduty.amazonaws.com", "StopMonitoringMembers"),
    ("config.amazonaws.com", "StopConfigurationRecorder"),
    ("config.amazonaws.com", "DeleteConfigurationRecorder"),
    ("config.amazonaws.com", "DeleteDeliveryChannel"),
    ("securityhub.amazonaws.com", "DisableSecurityHub"),
    ("securityhub.amazonaws.com", "BatchDisableStandards"),
];

const NAMES: &[&str] = &[
    "DeleteDetector",
    "DisassociateFromMasterAccount",
    "DisassociateFromAdministratorAccount",
    "DeleteMembers",
    "StopMonitoringMembers",
    "StopConfigurationRecorder",
    "DeleteConfigurationRecorder",
    "DeleteDeliveryChannel",
    "DisableSecurityHub",
    "BatchDisableStandards",
    "UpdateDetector",
];

struct DetectionDisabled;

pub fn detector() -> Box<dyn Detector> {
    Box::new(DetectionDisabled)
}

impl Detector for DetectionDisabled {
    fn rule(&self) -> &'static Rule {
        &RULE
    }

    fn interest(&self) -> Interest {
        Interest::Names(NAMES)
    }

    fn on_event(&mut self, e: &Event, _ctx: &HuntContext, out: &mut Vec<Finding>) {
        let (Some(src), Some(name)) = (e.event_source(), e.event_name()) else {
            return;
        };
        let hit = ALWAYS.contains(&(src, name))
            || (src == "guardduty.amazonaws.com"
                && name == "UpdateDetector"
                && e.at("requestParameters.enable") == Some(&Value::Bool(false)));
        if !hit {
            return;
        }
        let service = src.trim_end_matches(".amazonaws.com");
        let (severity, what) = if e.failed() {
            (Severity::Low, "Failed attempt to disable")
        } else {
            (Severity::High, "Disabled")
        };
        let who = e.principal().unwrap_or("unknown principal");
        let region = e.aws_region().unwrap_or("unknown region");
        out.push(e.finding(
            &RULE,
            severity,
            service,
            format!("{what} {service} ({name}) in {region} by {who}"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::ath::policy::{ODD, run};

    #[test]
    fn disabling_calls_only() {
        let ctx = HuntContext::default();
        let recs = r#"[
 {"eventSource":"guardduty.amazonaws.com","eventName":"UpdateDetector","eventID":"1","requestParameters":{"detectorId":"d","enable":false}},
 {"eventSource":"config.amazonaws.com","eventName":"StopConfigurationRecorder","eventID":"2","errorCode":"AccessDenied"},
 {"eventSource":"guardduty.amazonaws.com","eventName":"UpdateDetector","eventID":"3","requestParameters":{"detectorId":"d","enable":true}},
 {"eventSource":"config.amazonaws.com","eventName":"DeleteDetector","eventID":"4"}
]"#;
        let f = run(detector(), recs, &ctx);
        let sev: Vec<_> = f.iter().map(|f| f.severity).collect();
        assert_eq!(sev, vec![Severity::High, Severity::Low]);
        assert!(run(detector(), ODD, &ctx).is_empty());
    }
}
