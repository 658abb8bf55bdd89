//! ## What it does
//! Flags `AWS::S3::Bucket` resources without a `LoggingConfiguration` (server access
//! logging). Buckets that are themselves log destinations are skipped, since logging a
//! log bucket only produces logs about logs (and logging into itself loops):
//! - named as `DestinationBucketName` in another bucket's `LoggingConfiguration`;
//! - with `AccessControl: LogDeliveryWrite`;
//! - whose bucket policy grants a log delivery service (`logging.s3.amazonaws.com`,
//!   `delivery.logs.amazonaws.com`, `cloudtrail.amazonaws.com`, `config.amazonaws.com`,
//!   `logdelivery.elasticloadbalancing.amazonaws.com`);
//! - named as the log bucket of a CloudTrail trail, an AWS Config delivery channel, a
//!   CloudFront distribution, a load balancer or a VPC flow log of the template.
//!
//! ## Why is this bad?
//! Server access logs are the record of who read, wrote or deleted which object, from
//! where. Without them an incident on the bucket (a leaked key, an over-broad policy)
//! cannot be scoped after the fact. CloudTrail data events are the alternative, at a
//! higher price; management events alone do not show object access.
//!
//! ## Severity
//! LOW: missing logs do not expose anything by themselves; they cost visibility during
//! an investigation, and data-event trails configured elsewhere may already cover it.
//!
//! ## Example
//! ```yaml
//! Data:
//!   Type: AWS::S3::Bucket
//! ```
//!
//! Use instead:
//! ```yaml
//! Data:
//!   Type: AWS::S3::Bucket
//!   Properties:
//!     LoggingConfiguration:
//!       DestinationBucketName: !Ref AccessLogs
//!       LogFilePrefix: data/
//! ```
//!
//! ## References
//! - [Logging requests with server access logging](https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html)
//! - [AWS Foundational Security Best Practices: S3.9](https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-9)
//! - [CWE-778](https://cwe.mitre.org/data/definitions/778.html)

use crate::model::{Finding, Severity};
use crate::rules::props::{self, Names};
use crate::rules::{Check, Ctx, Rule};
use crate::template::node::Node;
use crate::template::policy::PolicyKind;
use crate::template::{Resource, Template};

pub const RULE: Rule = Rule {
    id: "S3005",
    name: "s3-no-access-logging",
    title: "S3 bucket has no server access logging",
    family: "S3",
    severity: Severity::Low,
    remediation: "Add LoggingConfiguration with a DestinationBucketName (a dedicated log bucket), or record S3 data events with CloudTrail.",
    source: include_str!("s3_no_access_logging.rs"),
    check: Check::Template(check),
};

const LOG_SERVICES: &[&str] = &[
    "logging.s3.amazonaws.com",
    "delivery.logs.amazonaws.com",
    "cloudtrail.amazonaws.com",
    "config.amazonaws.com",
    "logdelivery.elasticloadbalancing.amazonaws.com",
];

/// Values that name a log destination bucket, wherever the template writes one.
fn log_destinations(tpl: &Template) -> Vec<&Node> {
    let mut out = Vec::new();
    for r in &tpl.resources {
        let Some(p) = r.props() else { continue };
        match r.ty.as_str() {
            "AWS::S3::Bucket" => {
                for alt in p
                    .get("LoggingConfiguration")
                    .map(|l| props::alternatives(tpl, l))
                    .unwrap_or_default()
                {
                    out.extend(alt.get("DestinationBucketName"));
                }
            }
            "AWS::CloudTrail::Trail" | "AWS::Config::DeliveryChannel" => {
                out.extend(p.get("S3BucketName"));
            }
            "AWS::CloudFront::Distribution" => {
                out.extend(p.get_path(&["DistributionConfig", "Logging", "Bucket"]));
            }
            "AWS::ElasticLoadBalancing::LoadBalancer" => {
                out.extend(p.get_path(&["AccessLoggingPolicy", "S3BucketName"]));
            }
            "AWS::ElasticLoadBalancingV2::LoadBalancer" => {
                for a in p
                    .get("LoadBalancerAttributes")
                    .map(|l| tpl.list_items(l))
                    .unwrap_or_default()
                {
                    let key = a.get("Key").and_then(Node::as_str);
                    if key == Some("access_logs.s3.bucket") {
                        out.extend(a.get("Value"));
                    }
                }
            }
            "AWS::EC2::FlowLog" => out.extend(p.get("LogDestination")),
            _ => {}
        }
    }
    out
}

fn is_log_target(ctx: &Ctx, dests: &[&Node], b: &Resource) -> bool {
    let tpl = ctx.tpl;
    if dests
        .iter()
        .any(|d| props::names_bucket(tpl, d, b) == Names::Yes)
    {
        return true;
    }
    if b.prop("AccessControl").is_some_and(|a| {
        tpl.strings(a)
            .iter()
            .any(|v| v.as_deref() == Some("LogDeliveryWrite"))
    }) {
        return true;
    }
    ctx.policies
        .iter()
        .filter(|d| d.kind == PolicyKind::Resource && d.resource_type == "AWS::S3::BucketPolicy")
        .filter(|d| {
            tpl.resource(&d.resource_id)
                .and_then(|p| p.prop("Bucket"))
                .is_some_and(|n| props::names_bucket(tpl, n, b) == Names::Yes)
        })
        .flat_map(|d| &d.statements)
        .filter(|s| s.allow)
        .flat_map(|s| &s.principals)
        .any(|p| {
            p.value
                .as_deref()
                .is_some_and(|v| LOG_SERVICES.contains(&v))
        })
}

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let tpl = ctx.tpl;
    let dests = log_destinations(tpl);
    for b in super::buckets(tpl) {
        let configured = b
            .prop("LoggingConfiguration")
            .is_some_and(|l| !props::alternatives(tpl, l).is_empty());
        if configured || is_log_target(ctx, &dests, b) {
            continue;
        }
        let (line, col) = props::missing_at(b);
        out.push(ctx.finding_at(
            &RULE,
            &b.id,
            line,
            col,
            b.path("Properties.LoggingConfiguration"),
            format!(
                "Bucket {} has no LoggingConfiguration: object access is not recorded.",
                b.id
            ),
        ));
    }
}
