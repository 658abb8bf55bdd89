//! ## What it does
//! CIS AWS Foundations v1.5.0 control 3.1: at least one multi-region CloudTrail trail is
//! logging and records all management events, read and write. Trails come from
//! DescribeTrails in every checked region (no shadow copies), logging from
//! GetTrailStatus `IsLogging`, and coverage from GetEventSelectors: a basic selector with
//! `IncludeManagementEvents: true` and `ReadWriteType: All`, or an advanced selector on
//! `eventCategory = Management` that does not narrow `readOnly`.
//!
//! ## Why is this bad?
//! Without a trail in every region, activity in an unused region — a favourite for
//! attackers — leaves no record.
//!
//! ## Severity
//! HIGH. WARN when a multi-region logging trail returns no event selectors at all (its
//! coverage cannot be confirmed).
//!
//! ## Example
//! ```json
//! {"Name": "main", "IsMultiRegionTrail": false}
//! ```
//!
//! Use instead:
//! ```json
//! {"Name": "main", "IsMultiRegionTrail": true, "EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": true}]}
//! ```
//!
//! ## References
//! - [CIS AWS Foundations Benchmark v1.5.0, 3.1](https://www.cisecurity.org/benchmark/amazon_web_services)
//! - [Creating a trail for all regions](https://docs.aws.amazon.com/awscloudtrail/latest/userguide/receive-cloudtrail-log-files-from-multiple-regions.html)

use super::Eval;
use crate::cis::collect::{Facts, Management};
use crate::model::Severity;
use crate::rules::{Check, Rule};

pub const LEVEL: u8 = 1;

pub static RULE: Rule = Rule {
    id: "CIS-3.1",
    name: "multi-region-trail",
    title: "A multi-region CloudTrail trail logs all management events",
    family: "CIS",
    severity: Severity::High,
    remediation: "aws cloudtrail update-trail --name TRAIL --is-multi-region-trail; aws cloudtrail start-logging --name TRAIL; aws cloudtrail put-event-selectors --trail-name TRAIL --event-selectors '[{\"ReadWriteType\":\"All\",\"IncludeManagementEvents\":true}]'",
    source: include_str!("multi_region_trail.rs"),
    check: Check::Cis,
};

pub fn evaluate(f: &Facts) -> Eval {
    let trails = match &f.trails {
        Some(Ok(t)) => t,
        Some(Err(e)) => return Eval::warn(format!("cannot list trails: {e}"), Vec::new()),
        None => return super::missing("the trails"),
    };
    let mut evidence: Vec<String> = trails
        .iter()
        .map(|t| {
            format!(
                "trail {} (home {}): multi-region={} logging={} management={}",
                t.name,
                t.home_region,
                t.multi_region,
                match &t.logging {
                    Ok(b) => b.to_string(),
                    Err(e) => format!("unknown ({e})"),
                },
                match &t.management {
                    Ok(Management::All) => "all read/write".to_string(),
                    Ok(Management::Partial(s)) => format!("partial ({s})"),
                    Ok(Management::Unknown) => "no selectors returned".to_string(),
                    Err(e) => format!("unknown ({e})"),
                }
            )
        })
        .collect();
    if trails.is_empty() {
        evidence.push(format!(
            "no trails in {} checked region(s)",
            f.regions.len()
        ));
    }
    let candidates: Vec<_> = trails
        .iter()
        .filter(|t| t.multi_region && t.logging == Ok(true))
        .collect();
    if candidates
        .iter()
        .any(|t| t.management == Ok(Management::All))
    {
        return Eval::pass(evidence);
    }
    if let Some(t) = candidates
        .iter()
        .find(|t| matches!(t.management, Ok(Management::Unknown) | Err(_)))
    {
        return Eval::warn(
            format!(
                "multi-region trail {} is logging but its management-event selectors could not be confirmed",
                t.name
            ),
            evidence,
        );
    }
    if trails.iter().any(|t| t.multi_region && t.logging.is_err()) {
        return Eval::warn(
            "the logging status of a multi-region trail could not be read",
            evidence,
        );
    }
    let reason = if candidates.is_empty() {
        "no multi-region trail is logging"
    } else {
        "no multi-region logging trail records all read and write management events"
    };
    let resources = trails.iter().map(|t| t.arn.clone()).collect();
    Eval::fail(reason, evidence).on(resources)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cis::collect::TrailFacts;
    use crate::cis::model::Status;

    pub fn trail(multi: bool, logging: bool, m: Management) -> TrailFacts {
        TrailFacts {
            name: "t".into(),
            arn: "arn:aws:cloudtrail:us-east-1:123456789012:trail/t".into(),
            home_region: "us-east-1".into(),
            multi_region: multi,
            log_file_validation: false,
            log_group_arn: None,
            logging: Ok(logging),
            management: Ok(m),
        }
    }

    #[test]
    fn coverage() {
        let mut f = super::super::test_facts::facts();
        f.trails = Some(Ok(vec![]));
        assert_eq!(evaluate(&f).status, Status::Fail);
        f.trails = Some(Ok(vec![trail(true, true, Management::All)]));
        assert_eq!(evaluate(&f).status, Status::Pass);
        f.trails = Some(Ok(vec![trail(false, true, Management::All)]));
        assert_eq!(evaluate(&f).status, Status::Fail);
        f.trails = Some(Ok(vec![trail(true, false, Management::All)]));
        assert_eq!(evaluate(&f).status, Status::Fail);
        f.trails = Some(Ok(vec![trail(true, true, Management::Partial("w".into()))]));
        assert_eq!(evaluate(&f).status, Status::Fail);
        f.trails = Some(Ok(vec![trail(true, true, Management::Unknown)]));
        assert_eq!(evaluate(&f).status, Status::Warn);
    }
}
