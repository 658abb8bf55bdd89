//! ## What it does
//! Reports changes that stop or weaken CloudTrail logging (`eventSource` =
//! `cloudtrail.amazonaws.com`):
//! - `StopLogging`, `DeleteTrail`: always;
//! - `UpdateTrail` with `requestParameters.isMultiRegionTrail` = false,
//!   `enableLogFileValidation` = false, `includeGlobalServiceEvents` = false, or
//!   `s3BucketName` set (the logs go to another bucket);
//! - `PutEventSelectors` where any `eventSelectors[]` entry has `includeManagementEvents` =
//!   false or `readWriteType` other than `All`, or an `advancedEventSelectors[]` entry
//!   has no field selector on `eventCategory` equal to `Management`.
//!
//! Booleans are matched as JSON `false` only. Failed calls (`errorCode` set) are reported at
//! LOW (someone tried to blind the trail).
//!
//! ## Why is this bad?
//! Attackers stop or narrow logging right before acting so that what follows leaves no record.
//!
//! ## Severity
//! HIGH for `StopLogging`/`DeleteTrail` and weakening updates; LOW for failed attempts.
//!
//! ## Example
//! ```json
//! {"eventSource": "cloudtrail.amazonaws.com", "eventName": "StopLogging",
//!  "requestParameters": {"name": "arn:aws:cloudtrail:us-east-1:111122223333:trail/org"}}
//! ```
//!
//! Use instead:
//! ```json
//! {"eventSource": "cloudtrail.amazonaws.com", "eventName": "StartLogging",
//!  "requestParameters": {"name": "arn:aws:cloudtrail:us-east-1:111122223333:trail/org"}}
//! ```
//!
//! ## References
//! - [CloudTrail API reference: StopLogging](https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_StopLogging.html)
//! - [CloudTrail API reference: PutEventSelectors](https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_PutEventSelectors.html)
//! - [MITRE ATT&CK T1562.008 Impair Defenses: Disable or Modify Cloud Logs](https://attack.mitre.org/techniques/T1562/008/)

use crate::hunt::detect::{Detector, Event, HuntContext, Interest};
use crate::model::{Finding, Severity};
use crate::rules::{Check, Rule};
use serde_json::Value;

pub static RULE: Rule = Rule {
    id: "ATH009",
    name: "cloudtrail-tampering",
    title: "CloudTrail logging stopped or weakened",
    family: "ATH",
    severity: Severity::High,
    remediation: "Restore the trail (StartLogging, multi-region, log file validation, management events) and investigate the caller's activity from other sources.",
    source: include_str!("cloudtrail_tampering.rs"),
    check: Check::Hunt,
};

const NAMES: &[&str] = &[
    "StopLogging",
    "DeleteTrail",
    "UpdateTrail",
    "PutEventSelectors",
];

struct Tampering;

pub fn detector() -> Box<dyn Detector> {
    Box::new(Tampering)
}

/// Why an event weakens logging, or `None`.
fn weakening(e: &Event) -> Option<String> {
    let is_false = |k: &str| e.at(&format!("requestParameters.{k}")) == Some(&Value::Bool(false));
    match e.event_name()? {
        "StopLogging" => Some("logging stopped".into()),
        "DeleteTrail" => Some("trail deleted".into()),
        "UpdateTrail" => {
            let mut why: Vec<&str> = [
                ("isMultiRegionTrail", "single-region"),
                ("enableLogFileValidation", "log file validation off"),
                ("includeGlobalServiceEvents", "global service events off"),
            ]
            .iter()
            .filter(|(k, _)| is_false(k))
            .map(|(_, w)| *w)
            .collect();
            if e.str_at("requestParameters.s3BucketName").is_some() {
                why.push("delivery bucket changed");
            }
            (!why.is_empty()).then(|| why.join(", "))
        }
        "PutEventSelectors" => {
            let selectors = e.at("requestParameters.eventSelectors");
            let basic = selectors.and_then(Value::as_array).into_iter().flatten();
            let mut why = Vec::new();
            for s in basic {
                if s.get("includeManagementEvents") == Some(&Value::Bool(false)) {
                    why.push("management events dropped");
                }
                if let Some(rw) = s.get("readWriteType").and_then(Value::as_str)
                    && rw != "All"
                {
                    why.push("read/write type narrowed");
                }
            }
            let advanced = e.at("requestParameters.advancedEventSelectors");
            if let Some(adv) = advanced.and_then(Value::as_array) {
                let has_mgmt = adv.iter().any(|a| {
                    a.get("fieldSelectors")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .any(|f| {
                            f.get("field").and_then(Value::as_str) == Some("eventCategory")
                                && f.get("equals").and_then(Value::as_array).is_some_and(|v| {
                                    v.iter().any(|x| x.as_str() == Some("Management"))
                                })
                        })
                });
                if !has_mgmt {
                    why.push("no management events in advanced selectors");
                }
            }
            why.dedup();
            (!why.is_empty()).then(|| why.join(", "))
        }
        _ => None,
    }
}

impl Detector for Tampering {
    fn rule(&self) -> &'static Rule {
        &RULE
    }

    fn interest(&self) -> Interest {
        Interest::Names(NAMES)
    }

    fn on_event(&mut self, e: &Event, _ctx: &HuntContext, out: &mut Vec<Finding>) {
        if e.event_source() != Some("cloudtrail.amazonaws.com") {
            return;
        }
        let Some(why) = weakening(e) else {
            return;
        };
        let trail = e
            .str_at("requestParameters.name")
            .or(e.str_at("requestParameters.trailName"))
            .unwrap_or("unknown trail");
        let (severity, what) = if e.failed() {
            (Severity::Low, "Failed attempt")
        } else {
            (Severity::High, "CloudTrail weakened")
        };
        let who = e.principal().unwrap_or("unknown principal");
        let name = e.event_name().unwrap_or("?");
        out.push(e.finding(
            &RULE,
            severity,
            trail,
            format!("{what}: {name} on {trail} ({why}) by {who}"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::ath::policy::{ODD, run};

    #[test]
    fn weakening_changes_only() {
        let ctx = HuntContext::default();
        let recs = r#"[
 {"eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","eventID":"1","requestParameters":{"name":"t"}},
 {"eventSource":"cloudtrail.amazonaws.com","eventName":"UpdateTrail","eventID":"2","requestParameters":{"name":"t","isMultiRegionTrail":false}},
 {"eventSource":"cloudtrail.amazonaws.com","eventName":"PutEventSelectors","eventID":"3","requestParameters":{"trailName":"t","eventSelectors":[{"readWriteType":"WriteOnly","includeManagementEvents":true}]}},
 {"eventSource":"cloudtrail.amazonaws.com","eventName":"DeleteTrail","eventID":"4","errorCode":"AccessDenied","requestParameters":{"name":"t"}},
 {"eventSource":"cloudtrail.amazonaws.com","eventName":"UpdateTrail","eventID":"5","requestParameters":{"name":"t","isMultiRegionTrail":true,"enableLogFileValidation":true}},
 {"eventSource":"cloudtrail.amazonaws.com","eventName":"PutEventSelectors","eventID":"6","requestParameters":{"trailName":"t","eventSelectors":[{"readWriteType":"All","includeManagementEvents":true}]}},
 {"eventSource":"cloudtrail.amazonaws.com","eventName":"PutEventSelectors","eventID":"7","requestParameters":{"trailName":"t","advancedEventSelectors":[{"fieldSelectors":[{"field":"eventCategory","equals":["Management"]}]}]}},
 {"eventSource":"cloudtrail.amazonaws.com","eventName":"PutEventSelectors","eventID":"8","requestParameters":{"trailName":"t","advancedEventSelectors":[{"fieldSelectors":[{"field":"eventCategory","equals":["Data"]}]}]}}
]"#;
        let f = run(detector(), recs, &ctx);
        let ids: Vec<_> = f
            .iter()
            .map(|f| f.events.as_ref().unwrap().event_ids[0].clone())
            .collect();
        assert_eq!(ids, vec!["1", "2", "3", "4", "8"]);
        assert_eq!(f[3].severity, Severity::Low);
        assert!(run(detector(), ODD, &ctx).is_empty());
    }
}
