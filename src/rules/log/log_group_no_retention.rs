//! ## What it does
//! Flags `AWS::Logs::LogGroup` resources without `RetentionInDays` (a value under
//! `!If [..., ..., !Ref AWS::NoValue]` counts as set).
//!
//! ## Why is this bad?
//! Without a retention period logs are kept forever: personal data and secrets that
//! reach logs by accident are never deleted, which conflicts with data-minimisation
//! rules, and storage costs grow without bound. A deliberate period also documents
//! how long evidence is available for investigations.
//!
//! ## Severity
//! LOW: a data-lifecycle and cost issue, not an exposure; the logs stay access
//! controlled.
//!
//! ## Example
//! ```yaml
//! AppLogs:
//!   Type: AWS::Logs::LogGroup
//!   Properties:
//!     LogGroupName: /orders/app
//! ```
//!
//! Use instead:
//! ```yaml
//! AppLogs:
//!   Type: AWS::Logs::LogGroup
//!   Properties:
//!     LogGroupName: /orders/app
//!     RetentionInDays: 90
//! ```
//!
//! ## References
//! - [Change log data retention in CloudWatch Logs](https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html#SettingLogRetention)
//! - [AWS Security Hub control CloudWatch.16: log groups retained for a specified period](https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html)

use crate::model::{Finding, Severity};
use crate::rules::api::configured;
use crate::rules::{Check, Ctx, Rule};

pub const RULE: Rule = Rule {
    id: "LOG002",
    name: "log-group-no-retention",
    title: "Log group without a retention period",
    family: "LOG",
    severity: Severity::Low,
    remediation: "Set RetentionInDays to the period your policy requires (for example 90 or 365).",
    source: include_str!("log_group_no_retention.rs"),
    check: Check::Template(check),
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let tpl = ctx.tpl;
    for r in tpl
        .resources
        .iter()
        .filter(|r| r.ty == "AWS::Logs::LogGroup")
    {
        if configured(tpl, r.prop("RetentionInDays")) {
            continue;
        }
        out.push(ctx.finding(
            &RULE,
            r,
            r.node.get("Type").unwrap_or(&r.node),
            r.path("Properties.RetentionInDays"),
            format!(
                "Log group {} keeps logs forever (no RetentionInDays).",
                r.id
            ),
        ));
    }
}
