//! ## What it does
//! CIS AWS Foundations v1.5.0 control 3.2: every CloudTrail trail has log file
//! validation enabled (DescribeTrails `LogFileValidationEnabled`), in every checked
//! region. An account without trails fails.
//!
//! ## Why is this bad?
//! Without digest files, nobody can prove that delivered logs were not altered or
//! deleted after the fact — exactly what an intruder covering tracks would do.
//!
//! ## Severity
//! MEDIUM.
//!
//! ## Example
//! ```json
//! {"Name": "main", "LogFileValidationEnabled": false}
//! ```
//!
//! Use instead:
//! ```json
//! {"Name": "main", "LogFileValidationEnabled": true}
//! ```
//!
//! ## References
//! - [CIS AWS Foundations Benchmark v1.5.0, 3.2](https://www.cisecurity.org/benchmark/amazon_web_services)
//! - [Validating CloudTrail log file integrity](https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html)

use super::Eval;
use crate::cis::collect::Facts;
use crate::model::Severity;
use crate::rules::{Check, Rule};

pub const LEVEL: u8 = 2;

pub static RULE: Rule = Rule {
    id: "CIS-3.2",
    name: "log-file-validation",
    title: "CloudTrail log file validation enabled",
    family: "CIS",
    severity: Severity::Medium,
    remediation: "aws cloudtrail update-trail --name TRAIL --enable-log-file-validation (for each listed trail, in its home region).",
    source: include_str!("log_file_validation.rs"),
    check: Check::Cis,
};

pub fn evaluate(f: &Facts) -> Eval {
    let trails = match &f.trails {
        Some(Ok(t)) => t,
        Some(Err(e)) => return Eval::warn(format!("cannot list trails: {e}"), Vec::new()),
        None => return super::missing("the trails"),
    };
    let evidence: Vec<String> = trails
        .iter()
        .map(|t| {
            format!(
                "trail {} (home {}): LogFileValidationEnabled={}",
                t.name, t.home_region, t.log_file_validation
            )
        })
        .collect();
    if trails.is_empty() {
        return Eval::fail(
            "the account has no CloudTrail trail",
            vec![format!(
                "no trails in {} checked region(s)",
                f.regions.len()
            )],
        );
    }
    let off: Vec<String> = trails
        .iter()
        .filter(|t| !t.log_file_validation)
        .map(|t| t.name.clone())
        .collect();
    if off.is_empty() {
        return Eval::pass(evidence);
    }
    let arns = trails
        .iter()
        .filter(|t| !t.log_file_validation)
        .map(|t| t.arn.clone())
        .collect();
    Eval::fail(
        format!("log file validation is off on {}", super::some(&off, 5)),
        evidence,
    )
    .on(arns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cis::collect::{Management, TrailFacts};
    use crate::cis::model::Status;

    #[test]
    fn validation() {
        let mut f = super::super::test_facts::facts();
        let t = |v: bool| TrailFacts {
            name: "t".into(),
            arn: "arn".into(),
            home_region: "us-east-1".into(),
            multi_region: true,
            log_file_validation: v,
            log_group_arn: None,
            logging: Ok(true),
            management: Ok(Management::All),
        };
        f.trails = Some(Ok(vec![t(true)]));
        assert_eq!(evaluate(&f).status, Status::Pass);
        f.trails = Some(Ok(vec![t(true), t(false)]));
        assert_eq!(evaluate(&f).status, Status::Fail);
        f.trails = Some(Ok(vec![]));
        assert_eq!(evaluate(&f).status, Status::Fail);
    }
}
