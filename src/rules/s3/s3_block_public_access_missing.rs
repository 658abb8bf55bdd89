//! ## What it does
//! Flags `AWS::S3::Bucket` resources that do not turn on all four S3 Block Public Access
//! settings in `PublicAccessBlockConfiguration`: `BlockPublicAcls`, `BlockPublicPolicy`,
//! `IgnorePublicAcls` and `RestrictPublicBuckets`. A setting set to `false` (in any `!If`
//! branch) or left out of a written configuration (CloudFormation then sets it to
//! `false`) is reported at that setting; a bucket without the property is reported at
//! its `Properties`. Settings whose value cannot be resolved are not reported.
//!
//! ## Why is this bad?
//! Block Public Access is the guard rail that keeps one careless ACL or bucket policy
//! (`Principal: "*"`) from publishing the bucket. With a setting off, a later change, in
//! this template or made by hand, can expose the data without any other safeguard
//! noticing.
//!
//! ## Severity
//! MEDIUM when the template switches a setting off: nothing is public yet, but the
//! safeguard is deliberately removed. LOW when the property is simply missing: since
//! April 2023 S3 turns all four settings on for every new bucket, so the risk is limited
//! to buckets created earlier (the stack's bucket keeps its old settings) and to the
//! protection not being pinned in code. LOW as well for buckets with
//! `WebsiteConfiguration`: static website hosting needs public reads, so the settings
//! are expected to be off there; the finding stays as a reminder to keep the bucket to
//! public content only (prefer CloudFront with origin access control).
//!
//! ## Example
//! ```yaml
//! Data:
//!   Type: AWS::S3::Bucket
//!   Properties:
//!     PublicAccessBlockConfiguration:
//!       BlockPublicAcls: true
//!       BlockPublicPolicy: false
//! ```
//!
//! Use instead:
//! ```yaml
//! Data:
//!   Type: AWS::S3::Bucket
//!   Properties:
//!     PublicAccessBlockConfiguration:
//!       BlockPublicAcls: true
//!       BlockPublicPolicy: true
//!       IgnorePublicAcls: true
//!       RestrictPublicBuckets: true
//! ```
//!
//! ## References
//! - [Blocking public access to your Amazon S3 storage](https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html)
//! - [Heads-up: Amazon S3 security changes are coming in April of 2023](https://aws.amazon.com/blogs/aws/heads-up-amazon-s3-security-changes-are-coming-in-april-of-2023/)
//! - [AWS::S3::Bucket PublicAccessBlockConfiguration](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-s3-bucket-publicaccessblockconfiguration.html)

use crate::model::{Finding, Severity};
use crate::rules::props::{self, Flag};
use crate::rules::{Check, Ctx, Rule};

pub const RULE: Rule = Rule {
    id: "S3002",
    name: "s3-block-public-access-missing",
    title: "S3 bucket does not block public access",
    family: "S3",
    severity: Severity::Medium,
    remediation: "Set PublicAccessBlockConfiguration with BlockPublicAcls, BlockPublicPolicy, IgnorePublicAcls and RestrictPublicBuckets all true; share objects through CloudFront with origin access control rather than a public bucket.",
    source: include_str!("s3_block_public_access_missing.rs"),
    check: Check::Template(check),
};

const SETTINGS: [&str; 4] = [
    "BlockPublicAcls",
    "BlockPublicPolicy",
    "IgnorePublicAcls",
    "RestrictPublicBuckets",
];

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let tpl = ctx.tpl;
    for r in super::buckets(tpl) {
        let website = super::is_website(tpl, r);
        let alts = r
            .prop("PublicAccessBlockConfiguration")
            .map(|c| props::alternatives(tpl, c))
            .unwrap_or_default();
        if alts.is_empty() {
            let (line, col) = props::missing_at(r);
            let mut f = ctx.finding_at(
                &RULE,
                &r.id,
                line,
                col,
                r.path("Properties.PublicAccessBlockConfiguration"),
                format!(
                    "Bucket {} does not set PublicAccessBlockConfiguration{}.",
                    r.id,
                    if website {
                        " (a static website bucket)"
                    } else {
                        ": Block Public Access is not pinned in the template"
                    }
                ),
            );
            f.severity = Severity::Low;
            out.push(f);
            continue;
        }
        // Settings turned off, with where to point: the value, or the configuration
        // when the setting is left out.
        let mut off: Vec<&str> = Vec::new();
        let mut at = None;
        for alt in alts {
            if props::is_opaque(alt) {
                continue;
            }
            for s in SETTINGS {
                let value = alt.get(s);
                let bad = match props::flag(tpl, value) {
                    Flag::False => true,
                    Flag::Absent => value.is_none(),
                    Flag::True | Flag::Unknown => false,
                };
                if bad {
                    if !off.contains(&s) {
                        off.push(s);
                    }
                    at.get_or_insert((value.unwrap_or(alt), s));
                }
            }
        }
        let Some((node, first)) = at else { continue };
        let path = if std::ptr::eq(node, r.prop("PublicAccessBlockConfiguration").unwrap()) {
            r.path("Properties.PublicAccessBlockConfiguration")
        } else {
            r.path(&format!(
                "Properties.PublicAccessBlockConfiguration.{first}"
            ))
        };
        let mut f = ctx.finding(
            &RULE,
            r,
            node,
            path,
            format!(
                "Bucket {} turns off Block Public Access ({}){}.",
                r.id,
                off.join(", "),
                if website { " for a static website" } else { "" }
            ),
        );
        if website {
            f.severity = Severity::Low;
        }
        out.push(f);
    }
}
