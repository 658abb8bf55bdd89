//! ## What it does
//! Flags `AWS::CloudTrail::Trail` resources that miss one of the CIS trail settings,
//! one finding per missing setting:
//!
//! - `EnableLogFileValidation` not `true` (MEDIUM);
//! - `IsMultiRegionTrail` not `true` (LOW);
//! - no `KMSKeyId` (LOW).
//!
//! A value that may be true (an `!If` branch, a parameter without default) counts as
//! set.
//!
//! ## Why is this bad?
//! Without log file validation an attacker with write access to the bucket can alter
//! or delete log files undetected, which defeats the point of an audit trail. A
//! single-region trail misses activity in every other region, where attackers like to
//! launch resources. Without a KMS key the logs are readable by anyone who can read
//! the bucket, and reading them needs no separate key permission.
//!
//! ## Severity
//! MEDIUM for missing log file validation: it breaks the integrity of the evidence.
//! LOW for single-region trails and SSE-S3 encryption: they reduce coverage and
//! defence in depth but the recorded logs remain trustworthy.
//!
//! ## Example
//! ```yaml
//! Trail:
//!   Type: AWS::CloudTrail::Trail
//!   Properties:
//!     IsLogging: true
//!     S3BucketName: !Ref TrailBucket
//! ```
//!
//! Use instead:
//! ```yaml
//! Trail:
//!   Type: AWS::CloudTrail::Trail
//!   Properties:
//!     IsLogging: true
//!     S3BucketName: !Ref TrailBucket
//!     EnableLogFileValidation: true
//!     IsMultiRegionTrail: true
//!     KMSKeyId: !Ref TrailKey
//! ```
//!
//! ## References
//! - [CIS AWS Foundations 3.1 (multi-region), 3.2 (log file validation), 3.5 (KMS encryption)](https://www.cisecurity.org/benchmark/amazon_web_services)
//! - [Validating CloudTrail log file integrity](https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html)
//! - [Encrypting CloudTrail log files with KMS keys](https://docs.aws.amazon.com/awscloudtrail/latest/userguide/encrypting-cloudtrail-log-files-with-aws-kms.html)

use super::maybe_true;
use crate::model::{Finding, Severity};
use crate::rules::api::configured;
use crate::rules::{Check, Ctx, Rule};

pub const RULE: Rule = Rule {
    id: "LOG001",
    name: "cloudtrail-weak",
    title: "CloudTrail trail without validation, multi-region or KMS encryption",
    family: "LOG",
    severity: Severity::Medium,
    remediation: "Set EnableLogFileValidation: true, IsMultiRegionTrail: true and KMSKeyId to a customer managed key.",
    source: include_str!("cloudtrail_weak.rs"),
    check: Check::Template(check),
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let tpl = ctx.tpl;
    for r in tpl
        .resources
        .iter()
        .filter(|r| r.ty == "AWS::CloudTrail::Trail")
    {
        let type_node = r.node.get("Type").unwrap_or(&r.node);
        for (key, severity, what) in [
            (
                "EnableLogFileValidation",
                Severity::Medium,
                "log file validation is off: tampering with the logs goes undetected",
            ),
            (
                "IsMultiRegionTrail",
                Severity::Low,
                "it records one region only",
            ),
        ] {
            let node = r.prop(key);
            if maybe_true(tpl, node) {
                continue;
            }
            let mut f = ctx.finding(
                &RULE,
                r,
                node.unwrap_or(type_node),
                r.path(&format!("Properties.{key}")),
                format!("Trail {}: {what} ({key} is not true).", r.id),
            );
            f.severity = severity;
            out.push(f);
        }
        if !configured(tpl, r.prop("KMSKeyId")) {
            let mut f = ctx.finding(
                &RULE,
                r,
                type_node,
                r.path("Properties.KMSKeyId"),
                format!(
                    "Trail {}: logs are not encrypted with a KMS key (no KMSKeyId).",
                    r.id
                ),
            );
            f.severity = Severity::Low;
            out.push(f);
        }
    }
}
