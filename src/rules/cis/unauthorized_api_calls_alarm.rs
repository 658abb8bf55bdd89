//! ## What it does
//! CIS AWS Foundations v1.5.0 control 4.1: unauthorized API calls are monitored. A
//! multi-region, logging trail delivers to a CloudWatch Logs group
//! (`CloudWatchLogsLogGroupArn`); that group has a metric filter whose pattern is the
//! benchmark's
//! `{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }`
//! (compared clause by clause, ignoring whitespace and parentheses: both `errorCode`
//! clauses are required, the two exclusions are optional, any other clause narrows the
//! filter and disqualifies it); and a CloudWatch alarm on the filter's metric
//! (namespace and name) notifies an SNS topic (an `arn:aws:sns:` alarm action).
//!
//! ## Why is this bad?
//! A burst of AccessDenied errors is how credential misuse and privilege probing look in
//! the logs; without an alarm nobody hears about it.
//!
//! ## Severity
//! MEDIUM. WARN when the filters or alarms of the log group's region cannot be read.
//!
//! ## Example
//! ```json
//! {"filterPattern": "{ $.errorCode = \"AccessDenied*\" }"}
//! ```
//!
//! Use instead:
//! ```json
//! {"filterPattern": "{ ($.errorCode = \"*UnauthorizedOperation\") || ($.errorCode = \"AccessDenied*\") && ($.sourceIPAddress!=\"delivery.logs.amazonaws.com\") && ($.eventName!=\"HeadBucket\") }"}
//! ```
//!
//! ## References
//! - [CIS AWS Foundations Benchmark v1.5.0, 4.1](https://www.cisecurity.org/benchmark/amazon_web_services)
//! - [CloudWatch alarms for CloudTrail](https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudwatch-alarms-for-cloudtrail.html)
//! - [Security Hub CloudWatch.2](https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html)

use super::Eval;
use crate::cis::collect::{Facts, Management};
use crate::model::Severity;
use crate::rules::{Check, Rule};

pub const LEVEL: u8 = 1;

pub static RULE: Rule = Rule {
    id: "CIS-4.1",
    name: "unauthorized-api-calls-alarm",
    title: "Metric filter and alarm for unauthorized API calls",
    family: "CIS",
    severity: Severity::Medium,
    remediation: "On the multi-region trail's log group, create the CIS 4.1 metric filter (CISBenchmark/UnauthorizedAPICalls) and an alarm on it (Sum >= 1 per 5 minutes) whose action is an SNS topic with a subscriber.",
    source: include_str!("unauthorized_api_calls_alarm.rs"),
    check: Check::Cis,
};

const REQUIRED: [&str; 2] = [
    "$.errorCode=\"*UnauthorizedOperation\"",
    "$.errorCode=\"AccessDenied*\"",
];
const ALLOWED: [&str; 2] = [
    "$.sourceIPAddress!=\"delivery.logs.amazonaws.com\"",
    "$.eventName!=\"HeadBucket\"",
];

/// True when `pattern` is the benchmark's filter: clause by clause, whitespace- and
/// parenthesis-insensitive (Rust's `regex` has no look-around, so no regex here).
pub fn is_cis_pattern(pattern: &str) -> bool {
    let compact: String = pattern.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(inner) = compact.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
        return false;
    };
    let (mut ors, mut ands) = (0, 0);
    let clauses: Vec<String> = inner
        .split("||")
        .enumerate()
        .flat_map(|(i, part)| {
            if i > 0 {
                ors += 1;
            }
            part.split("&&")
                .enumerate()
                .map(|(j, c)| {
                    if j > 0 {
                        ands += 1;
                    }
                    c.trim_matches(|ch| ch == '(' || ch == ')').to_string()
                })
                .collect::<Vec<_>>()
        })
        .collect();
    // The two errorCode alternatives are joined by the only `||`.
    if ors != 1 {
        return false;
    }
    REQUIRED.iter().all(|r| clauses.iter().any(|c| c == r))
        && clauses
            .iter()
            .all(|c| REQUIRED.contains(&c.as_str()) || ALLOWED.contains(&c.as_str()))
        && ands == clauses.len() - 2
}

pub fn evaluate(f: &Facts) -> Eval {
    let trails = match &f.trails {
        Some(Ok(t)) => t,
        Some(Err(e)) => return Eval::warn(format!("cannot list trails: {e}"), Vec::new()),
        None => return super::missing("the trails"),
    };
    let mut evidence = Vec::new();
    let mut unknown = Vec::new();
    let monitored: Vec<_> = trails
        .iter()
        .filter(|t| {
            t.multi_region
                && t.logging == Ok(true)
                && !matches!(t.management, Ok(Management::Partial(_)))
        })
        .collect();
    for t in &monitored {
        let Some(arn) = t.log_group_arn.as_deref() else {
            evidence.push(format!("trail {}: no CloudWatch Logs log group", t.name));
            continue;
        };
        let Some((region, group)) = crate::cis::remediate::log_group_from_arn(arn) else {
            evidence.push(format!("trail {}: unreadable log group ARN {arn}", t.name));
            continue;
        };
        let filters = match f.metric_filters.get(&(region.clone(), group.clone())) {
            Some(Ok(v)) => v,
            Some(Err(e)) => {
                unknown.push(format!("log group {group} ({region}): {e}"));
                continue;
            }
            None => {
                unknown.push(format!("log group {group} ({region}): filters not read"));
                continue;
            }
        };
        let matching: Vec<_> = filters
            .iter()
            .filter(|m| is_cis_pattern(&m.pattern))
            .collect();
        evidence.push(format!(
            "trail {} → log group {group} ({region}): {} metric filter(s), {} with the CIS 4.1 pattern",
            t.name,
            filters.len(),
            matching.len()
        ));
        if matching.is_empty() {
            continue;
        }
        let alarms = match f.alarms.get(&region) {
            Some(Ok(a)) => a,
            Some(Err(e)) => {
                unknown.push(format!("alarms in {region}: {e}"));
                continue;
            }
            None => {
                unknown.push(format!("alarms in {region}: not read"));
                continue;
            }
        };
        for m in &matching {
            for (ns, metric) in &m.metrics {
                for a in alarms.iter().filter(|a| {
                    a.namespace.as_deref() == Some(ns.as_str())
                        && a.metric.as_deref() == Some(metric.as_str())
                }) {
                    let topics: Vec<&String> = a
                        .actions
                        .iter()
                        .filter(|x| x.starts_with("arn:aws:sns:") || x.contains(":sns:"))
                        .collect();
                    evidence.push(format!(
                        "filter {} → {ns}/{metric} → alarm {} → {} SNS action(s)",
                        m.name,
                        a.name,
                        topics.len()
                    ));
                    if !topics.is_empty() {
                        return Eval::pass(evidence);
                    }
                }
            }
        }
    }
    if monitored.is_empty() {
        evidence.push("no multi-region logging trail".into());
        return Eval::fail(
            "no multi-region logging trail delivers to CloudWatch Logs, so nothing can alarm on unauthorized API calls",
            evidence,
        );
    }
    if !unknown.is_empty() {
        return Eval::warn(format!("could not read {}", unknown.join("; ")), evidence);
    }
    Eval::fail(
        "no CIS 4.1 metric filter with an SNS-notifying alarm on the trail's log group",
        evidence,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cis::collect::{Alarm, MetricFilter, TrailFacts};
    use crate::cis::model::Status;

    #[test]
    fn patterns() {
        assert!(is_cis_pattern(
            crate::cis::remediate::UNAUTHORIZED_API_CALLS_PATTERN
        ));
        assert!(is_cis_pattern(
            r#"{($.errorCode="*UnauthorizedOperation")||($.errorCode="AccessDenied*")}"#
        ));
        assert!(is_cis_pattern(
            r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && ($.eventName!="HeadBucket") }"#
        ));
        assert!(!is_cis_pattern(r#"{ $.errorCode = "AccessDenied*" }"#));
        assert!(!is_cis_pattern(
            r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && ($.userIdentity.type = "Root") }"#
        ));
        assert!(!is_cis_pattern(
            r#"{ ($.errorCode = "*UnauthorizedOperation") && ($.errorCode = "AccessDenied*") }"#
        ));
        assert!(!is_cis_pattern("AccessDenied"));
        assert!(!is_cis_pattern(""));
    }

    #[test]
    fn chain() {
        let mut f = super::super::test_facts::facts();
        let group = "arn:aws:logs:us-east-1:123456789012:log-group:ct:*";
        f.trails = Some(Ok(vec![TrailFacts {
            name: "t".into(),
            arn: "arn".into(),
            home_region: "us-east-1".into(),
            multi_region: true,
            log_file_validation: true,
            log_group_arn: Some(group.into()),
            logging: Ok(true),
            management: Ok(Management::All),
        }]));
        let key = ("us-east-1".to_string(), "ct".to_string());
        f.metric_filters.insert(key.clone(), Ok(vec![]));
        f.alarms.insert("us-east-1".into(), Ok(vec![]));
        assert_eq!(evaluate(&f).status, Status::Fail);
        f.metric_filters.insert(
            key,
            Ok(vec![MetricFilter {
                name: "cis".into(),
                pattern: crate::cis::remediate::UNAUTHORIZED_API_CALLS_PATTERN.into(),
                metrics: vec![("CISBenchmark".into(), "UnauthorizedAPICalls".into())],
            }]),
        );
        assert_eq!(evaluate(&f).status, Status::Fail);
        let alarm = |actions: Vec<String>| Alarm {
            name: "a".into(),
            namespace: Some("CISBenchmark".into()),
            metric: Some("UnauthorizedAPICalls".into()),
            actions,
        };
        f.alarms.insert("us-east-1".into(), Ok(vec![alarm(vec![])]));
        assert_eq!(evaluate(&f).status, Status::Fail);
        f.alarms.insert(
            "us-east-1".into(),
            Ok(vec![alarm(vec![
                "arn:aws:sns:us-east-1:123456789012:sec".into(),
            ])]),
        );
        assert_eq!(evaluate(&f).status, Status::Pass);
        f.alarms
            .insert("us-east-1".into(), Err("AccessDenied".into()));
        assert_eq!(evaluate(&f).status, Status::Warn);
    }
}
