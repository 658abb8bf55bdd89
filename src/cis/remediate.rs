//! Guarded auto-remediation for failing controls, safe actions only.
//!
//! `AUTO_REMEDIATE`: 0 off, 1 dry-run (plan), 2 apply. Apply needs two more switches:
//! `AUTO_REMEDIATE_APPLY=true` and the SSM parameter named by
//! `REMEDIATION_APPLY_PARAMETER` reading `true`/`on` (case-insensitive). Anything less
//! runs as dry-run and says why. Actions:
//! - CIS-5.2: RevokeSecurityGroupIngress by SecurityGroupRuleIds, only the world-open
//!   admin-port rules, in their own region.
//! - CIS-2.1.5: PutPublicAccessBlock for the account, all four settings true.
//! - CIS-3.2: UpdateTrail EnableLogFileValidation on every trail without it.
//! - CIS-3.1: UpdateTrail IsMultiRegionTrail on one trail (a logging one with a log group
//!   first) when no multi-region trail exists; always in the trail's home region.
//! - CIS-4.1: PutMetricFilter (the v1.5 pattern) + PutMetricAlarm on the log group of
//!   the trail, when the trail has one and an SNS topic is known: `ALARM_TOPIC_ARN`, else
//!   the first SNS action of an existing alarm in that region (there is no SNS client, so
//!   topics are never listed).

use crate::cis::model::{CisRun, RemediationAction, Status};
use aws_config::SdkConfig;

/// The CIS v1.5 4.1 filter pattern, as written in the benchmark.
pub const UNAUTHORIZED_API_CALLS_PATTERN: &str = r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }"#;
/// Metric filter and alarm name; the remediation policy allows alarms named `guardrails-cis-*`.
pub const FILTER_NAME: &str = "guardrails-cis-4.1-unauthorized-api-calls";
pub const METRIC_NAMESPACE: &str = "CISBenchmark";
pub const METRIC_NAME: &str = "UnauthorizedAPICalls";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Off,
    DryRun,
    Apply,
}

/// What will happen and why (the `CisRun.remediation` text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub mode: Mode,
    pub text: String,
}

/// The switches as read from the environment; `requested` is validated at start-up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Switches {
    pub requested: u8,
    pub apply_switch: bool,
    pub parameter: Option<String>,
    pub alarm_topic: Option<String>,
}

impl Switches {
    /// Invalid `AUTO_REMEDIATE` is a configuration error (exit 4), never "off" silently.
    pub fn from_env() -> Result<Switches, String> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Switches, String> {
        let var = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let requested = match var("AUTO_REMEDIATE").as_deref() {
            None | Some("0") => 0,
            Some("1") => 1,
            Some("2") => 2,
            Some(other) => {
                return Err(format!(
                    "AUTO_REMEDIATE={other:?} is not 0 (off), 1 (dry-run) or 2 (apply)"
                ));
            }
        };
        Ok(Switches {
            requested,
            apply_switch: var("AUTO_REMEDIATE_APPLY")
                .is_some_and(|v| v.eq_ignore_ascii_case("true")),
            parameter: var("REMEDIATION_APPLY_PARAMETER"),
            alarm_topic: var("ALARM_TOPIC_ARN"),
        })
    }
}

fn truthy(v: &str) -> bool {
    let v = v.trim();
    v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("on")
}

/// Decides the mode; reads the SSM parameter only when both other switches allow apply.
pub async fn decide(conf: &SdkConfig, sw: &Switches) -> Decision {
    let dry = |why: String| Decision {
        mode: Mode::DryRun,
        text: format!("dry-run (apply requested but {why})"),
    };
    match sw.requested {
        0 => {
            return Decision {
                mode: Mode::Off,
                text: "off".into(),
            };
        }
        1 => {
            return Decision {
                mode: Mode::DryRun,
                text: "dry-run".into(),
            };
        }
        _ => {}
    }
    if !sw.apply_switch {
        return dry("AUTO_REMEDIATE_APPLY is not true".into());
    }
    let Some(name) = &sw.parameter else {
        return dry("REMEDIATION_APPLY_PARAMETER is not set".into());
    };
    let client = aws_sdk_ssm::Client::new(conf);
    match client
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await
    {
        Ok(out) => {
            let value = out.parameter().and_then(|p| p.value()).unwrap_or("");
            if truthy(value) {
                Decision {
                    mode: Mode::Apply,
                    text: "apply".into(),
                }
            } else {
                // The value of an apply switch is not secret; shown so the operator sees it.
                dry(format!("SSM parameter {name} reads {value:?}, not true/on"))
            }
        }
        Err(e) => dry(format!(
            "SSM parameter {name} could not be read: {}",
            crate::aws::error_chain(&e)
        )),
    }
}

/// A world-open ingress rule on an admin port (CIS-5.2), by rule id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenRule {
    pub region: String,
    pub group_id: String,
    pub rule_id: String,
    /// `tcp 22 from 0.0.0.0/0`, for the evidence line.
    pub describe: String,
}

/// A trail as remediation needs it (owned by its home region; no shadow copies).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trail {
    pub name: String,
    pub arn: String,
    pub home_region: String,
    pub multi_region: bool,
    pub log_file_validation: bool,
    pub logging: bool,
    pub log_group_arn: Option<String>,
}

/// What the failing controls could change, gathered from the run's facts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Targets {
    pub account: String,
    /// Region the S3 Control and (default) calls go to.
    pub home_region: String,
    pub open_rules: Vec<OpenRule>,
    pub trails: Vec<Trail>,
    /// SNS topic ARNs of existing alarms, by region (the 4.1 fallback).
    pub alarm_topics: Vec<(String, String)>,
}

/// One step: which control it fixes and the call that fixes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    RevokeIngress(OpenRule),
    AccountPublicAccessBlock,
    TrailValidation(Trail),
    TrailMultiRegion(Trail),
    UnauthorizedApiAlarm {
        region: String,
        log_group: String,
        topic: String,
    },
    /// Wanted but not possible safely (no log group, no topic, no trail); recorded.
    Skip {
        why: String,
    },
}

impl Step {
    pub fn describe(&self) -> String {
        match self {
            Step::RevokeIngress(r) => format!(
                "revoke ingress rule {} ({}) of {} in {}",
                r.rule_id, r.describe, r.group_id, r.region
            ),
            Step::AccountPublicAccessBlock => {
                "put account S3 Block Public Access: BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets = true".into()
            }
            Step::TrailValidation(t) => format!(
                "enable log file validation on trail {} ({})",
                t.name, t.home_region
            ),
            Step::TrailMultiRegion(t) => format!(
                "make trail {} multi-region (home region {})",
                t.name, t.home_region
            ),
            Step::UnauthorizedApiAlarm {
                region,
                log_group,
                topic,
            } => format!(
                "create metric filter {FILTER_NAME} ({METRIC_NAMESPACE}/{METRIC_NAME}) on log group {log_group} and alarm {FILTER_NAME} (Sum >= 1 over 300 s) notifying {topic}, in {region}"
            ),
            Step::Skip { why } => why.clone(),
        }
    }
}

/// `arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]` → (region, name).
pub fn log_group_from_arn(arn: &str) -> Option<(String, String)> {
    let mut parts = arn.splitn(7, ':');
    let (_, _, service, region, _, kind) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let name = parts.next()?;
    if service != "logs" || kind != "log-group" || region.is_empty() {
        return None;
    }
    let name = name.strip_suffix(":*").unwrap_or(name);
    (!name.is_empty()).then(|| (region.to_string(), name.to_string()))
}

/// The steps for every failing control this module can fix, per control id.
pub fn plan(run: &CisRun, targets: &Targets, sw: &Switches) -> Vec<(String, Step)> {
    let failing = |id: &str| {
        run.controls
            .iter()
            .any(|c| c.id == id && c.status == Status::Fail)
    };
    let mut steps = Vec::new();
    if failing("CIS-5.2") {
        for r in &targets.open_rules {
            steps.push(("CIS-5.2".to_string(), Step::RevokeIngress(r.clone())));
        }
    }
    if failing("CIS-2.1.5") {
        steps.push(("CIS-2.1.5".into(), Step::AccountPublicAccessBlock));
    }
    if failing("CIS-3.1") {
        if targets.trails.iter().any(|t| t.multi_region) {
            // A multi-region trail exists but is not logging or lacks management events:
            // starting logging or changing selectors is not one of the safe actions.
        } else {
            // One trail only: several multi-region trails would duplicate every event.
            let mut candidates: Vec<&Trail> = targets.trails.iter().collect();
            candidates.sort_by_key(|t| (!t.logging, t.log_group_arn.is_none(), t.name.clone()));
            match candidates.first() {
                Some(t) => steps.push(("CIS-3.1".into(), Step::TrailMultiRegion((*t).clone()))),
                None => steps.push((
                    "CIS-3.1".into(),
                    Step::Skip {
                        why: "no trail to make multi-region (creating a trail needs a bucket: not an automatic action)".into(),
                    },
                )),
            }
        }
    }
    if failing("CIS-3.2") {
        for t in targets.trails.iter().filter(|t| !t.log_file_validation) {
            steps.push(("CIS-3.2".into(), Step::TrailValidation(t.clone())));
        }
    }
    if failing("CIS-4.1") {
        // The trail whose log group gets the filter: multi-region first, then logging.
        let mut with_group: Vec<&Trail> = targets
            .trails
            .iter()
            .filter(|t| t.log_group_arn.is_some())
            .collect();
        with_group.sort_by_key(|t| (!t.multi_region, !t.logging, t.name.clone()));
        match with_group
            .first()
            .and_then(|t| log_group_from_arn(t.log_group_arn.as_deref().unwrap_or("")))
        {
            None => steps.push((
                "CIS-4.1".into(),
                Step::Skip {
                    why: "no trail delivers to a CloudWatch Logs log group: no metric filter can be created".into(),
                },
            )),
            Some((region, log_group)) => {
                let topic = sw.alarm_topic.clone().or_else(|| {
                    targets
                        .alarm_topics
                        .iter()
                        .find(|(r, _)| *r == region)
                        .map(|(_, t)| t.clone())
                });
                match topic {
                    Some(topic) => steps.push((
                        "CIS-4.1".into(),
                        Step::UnauthorizedApiAlarm {
                            region,
                            log_group,
                            topic,
                        },
                    )),
                    None => steps.push((
                        "CIS-4.1".into(),
                        Step::Skip {
                            why: format!(
                                "no SNS topic for the alarm on {log_group} ({region}): set ALARM_TOPIC_ARN (no existing alarm there names one)"
                            ),
                        },
                    )),
                }
            }
        }
    }
    steps
}

fn regional(conf: &SdkConfig, region: &str) -> SdkConfig {
    conf.to_builder()
        .region(aws_config::Region::new(region.to_string()))
        .build()
}

/// Makes one call; Err is the SDK error chain.
async fn apply_step(
    conf: &SdkConfig,
    s3control: &aws_sdk_s3control::Client,
    account: &str,
    step: &Step,
) -> Result<(), String> {
    let err = |op: &str, e: &(dyn std::error::Error + 'static)| {
        format!("{op}: {}", crate::aws::error_chain(e))
    };
    match step {
        Step::RevokeIngress(r) => {
            let ec2 = aws_sdk_ec2::Client::new(&regional(conf, &r.region));
            let out = ec2
                .revoke_security_group_ingress()
                .group_id(&r.group_id)
                .security_group_rule_ids(&r.rule_id)
                .send()
                .await
                .map_err(|e| err("RevokeSecurityGroupIngress", &e))?;
            if out.r#return() == Some(false) || !out.unknown_ip_permissions().is_empty() {
                return Err("RevokeSecurityGroupIngress: the rule was not revoked".into());
            }
            Ok(())
        }
        Step::AccountPublicAccessBlock => {
            use aws_sdk_s3control::types::PublicAccessBlockConfiguration;
            s3control
                .put_public_access_block()
                .account_id(account)
                .public_access_block_configuration(
                    PublicAccessBlockConfiguration::builder()
                        .block_public_acls(true)
                        .ignore_public_acls(true)
                        .block_public_policy(true)
                        .restrict_public_buckets(true)
                        .build(),
                )
                .send()
                .await
                .map_err(|e| err("PutPublicAccessBlock", &e))?;
            Ok(())
        }
        Step::TrailValidation(t) | Step::TrailMultiRegion(t) => {
            // UpdateTrail only works in the trail's home region.
            let ct = aws_sdk_cloudtrail::Client::new(&regional(conf, &t.home_region));
            let mut call = ct.update_trail().name(&t.arn);
            call = match step {
                Step::TrailValidation(_) => call.enable_log_file_validation(true),
                _ => call.is_multi_region_trail(true),
            };
            call.send().await.map_err(|e| err("UpdateTrail", &e))?;
            Ok(())
        }
        Step::UnauthorizedApiAlarm {
            region,
            log_group,
            topic,
        } => {
            use aws_sdk_cloudwatch::types::{ComparisonOperator, Statistic};
            use aws_sdk_cloudwatchlogs::types::MetricTransformation;
            let rc = regional(conf, region);
            aws_sdk_cloudwatchlogs::Client::new(&rc)
                .put_metric_filter()
                .log_group_name(log_group)
                .filter_name(FILTER_NAME)
                .filter_pattern(UNAUTHORIZED_API_CALLS_PATTERN)
                .metric_transformations(
                    MetricTransformation::builder()
                        .metric_namespace(METRIC_NAMESPACE)
                        .metric_name(METRIC_NAME)
                        .metric_value("1")
                        .build()
                        .map_err(|e| e.to_string())?,
                )
                .send()
                .await
                .map_err(|e| err("PutMetricFilter", &e))?;
            aws_sdk_cloudwatch::Client::new(&rc)
                .put_metric_alarm()
                .alarm_name(FILTER_NAME)
                .alarm_description("CIS 4.1: unauthorized API calls (created by guardrails cis)")
                .namespace(METRIC_NAMESPACE)
                .metric_name(METRIC_NAME)
                .statistic(Statistic::Sum)
                .period(300)
                .evaluation_periods(1)
                .threshold(1.0)
                .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold)
                .treat_missing_data("notBreaching")
                .alarm_actions(topic)
                .send()
                .await
                .map_err(|e| err("PutMetricAlarm", &e))?;
            Ok(())
        }
        Step::Skip { .. } => Ok(()),
    }
}

/// Plans (and in apply mode makes) every step; records each as a `RemediationAction` on
/// its control (and a line in its evidence) and on stderr. Returns how many were applied.
pub async fn remediate(
    conf: &SdkConfig,
    s3control: &aws_sdk_s3control::Client,
    run: &mut CisRun,
    targets: &Targets,
    sw: &Switches,
    decision: &Decision,
) -> usize {
    run.remediation = decision.text.clone();
    if decision.mode == Mode::Off {
        return 0;
    }
    let steps = plan(run, targets, sw);
    let mut applied = 0;
    let mut actions: Vec<RemediationAction> = Vec::new();
    for (control, step) in steps {
        let description = step.describe();
        let (outcome, error) = match (&step, decision.mode) {
            (Step::Skip { .. }, _) => ("skipped", None),
            (_, Mode::Apply) => match apply_step(conf, s3control, &targets.account, &step).await {
                Ok(()) => {
                    applied += 1;
                    ("applied", None)
                }
                Err(e) => ("failed", Some(e)),
            },
            _ => ("planned", None),
        };
        eprintln!(
            "guardrails: remediation {control}: {outcome}: {description}{}",
            error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        );
        actions.push(RemediationAction {
            control,
            description,
            outcome: outcome.into(),
            error,
        });
    }
    attach(run, &actions);
    applied
}

/// Puts actions on their controls (after a re-evaluation replaced the control results).
pub fn attach(run: &mut CisRun, actions: &[RemediationAction]) {
    for a in actions {
        if let Some(c) = run.controls.iter_mut().find(|c| c.id == a.control) {
            if c.actions.contains(a) {
                continue;
            }
            c.evidence.push(format!(
                "remediation {}: {}{}",
                a.outcome,
                a.description,
                a.error
                    .as_deref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            ));
            c.actions.push(a.clone());
        }
    }
}

/// Every action of the run, in control order (to carry over a re-evaluation).
pub fn actions(run: &CisRun) -> Vec<RemediationAction> {
    run.controls
        .iter()
        .flat_map(|c| c.actions.iter().cloned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switches_from_env() {
        let sw = |pairs: &[(&str, &str)]| {
            let pairs: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            Switches::from_lookup(move |k| {
                pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
            })
        };
        assert_eq!(sw(&[]).unwrap().requested, 0);
        assert_eq!(sw(&[("AUTO_REMEDIATE", "1")]).unwrap().requested, 1);
        assert!(sw(&[("AUTO_REMEDIATE", "yes")]).is_err());
        let s = sw(&[
            ("AUTO_REMEDIATE", "2"),
            ("AUTO_REMEDIATE_APPLY", "TRUE"),
            ("REMEDIATION_APPLY_PARAMETER", "/p"),
        ])
        .unwrap();
        assert!(s.apply_switch);
        assert_eq!(s.parameter.as_deref(), Some("/p"));
        assert!(!sw(&[("AUTO_REMEDIATE_APPLY", "1")]).unwrap().apply_switch);
        assert!(truthy(" On ") && truthy("TRUE") && !truthy("false") && !truthy("yes"));
    }

    #[test]
    fn log_group_arns() {
        assert_eq!(
            log_group_from_arn("arn:aws:logs:eu-west-1:123456789012:log-group:ct/logs:*"),
            Some(("eu-west-1".into(), "ct/logs".into()))
        );
        assert_eq!(
            log_group_from_arn("arn:aws:logs:us-east-1:123456789012:log-group:a:b"),
            Some(("us-east-1".into(), "a:b".into()))
        );
        assert_eq!(log_group_from_arn("arn:aws:s3:::bucket"), None);
        assert_eq!(log_group_from_arn("nonsense"), None);
    }
}
