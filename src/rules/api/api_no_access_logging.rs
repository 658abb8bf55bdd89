//! ## What it does
//! Flags API Gateway stages without access logging: `AWS::ApiGateway::Stage` without
//! `AccessLogSetting`, `AWS::ApiGateway::Deployment` that creates a stage
//! (`StageName`) without `StageDescription.AccessLogSetting`,
//! `AWS::ApiGatewayV2::Stage` without `AccessLogSettings`, SAM `AWS::Serverless::Api`
//! without `AccessLogSetting` and `AWS::Serverless::HttpApi` without
//! `AccessLogSettings` (SAM `Globals` merged; the implicit APIs that function events
//! create are judged by `Globals` and reported at the first such event). A setting
//! under `!If [..., ..., !Ref AWS::NoValue]` counts as configured.
//!
//! ## Why is this bad?
//! Access logs are the only record of who called which route, from where, with which
//! identity and what status. Without them an incident (credential stuffing, data
//! scraping, an exploited handler) cannot be scoped or even noticed.
//!
//! ## Severity
//! LOW: it opens no access by itself; it removes detection and forensics.
//!
//! ## Example
//! ```yaml
//! OrdersApi:
//!   Type: AWS::Serverless::HttpApi
//!   Properties:
//!     StageName: prod
//! ```
//!
//! Use instead:
//! ```yaml
//! OrdersApi:
//!   Type: AWS::Serverless::HttpApi
//!   Properties:
//!     StageName: prod
//!     AccessLogSettings:
//!       DestinationArn: !GetAtt ApiAccessLogs.Arn
//!       Format: '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","routeKey":"$context.routeKey","status":"$context.status"}'
//! ```
//!
//! ## References
//! - [Setting up CloudWatch logging for a REST API](https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html)
//! - [Configuring logging for an HTTP API](https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging.html)

use super::{configured, implicit_apis};
use crate::model::{Finding, Severity};
use crate::rules::{Check, Ctx, Rule};

pub const RULE: Rule = Rule {
    id: "API002",
    name: "api-no-access-logging",
    title: "API stage without access logging",
    family: "API",
    severity: Severity::Low,
    remediation: "Configure AccessLogSetting (REST) / AccessLogSettings (HTTP, WebSocket) with a CloudWatch Logs destination and a JSON format including requestId, source IP, identity and status.",
    source: include_str!("api_no_access_logging.rs"),
    check: Check::Template(check),
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let tpl = ctx.tpl;
    for r in &tpl.resources {
        let key = match r.ty.as_str() {
            "AWS::ApiGateway::Stage" | "AWS::Serverless::Api" => "AccessLogSetting",
            "AWS::ApiGatewayV2::Stage" | "AWS::Serverless::HttpApi" => "AccessLogSettings",
            "AWS::ApiGateway::Deployment" => {
                if !configured(tpl, r.prop("StageName")) {
                    continue; // creates no stage
                }
                let desc = r.prop("StageDescription");
                if configured(tpl, desc.and_then(|d| d.get("AccessLogSetting"))) {
                    continue;
                }
                let node = r
                    .prop("StageName")
                    .or_else(|| r.node.get("Type"))
                    .unwrap_or(&r.node);
                out.push(ctx.finding(
                    &RULE,
                    r,
                    node,
                    r.path("Properties.StageDescription.AccessLogSetting"),
                    format!(
                        "Deployment {} creates a stage without access logging (StageDescription.AccessLogSetting).",
                        r.id
                    ),
                ));
                continue;
            }
            _ => continue,
        };
        if configured(tpl, r.prop(key)) {
            continue;
        }
        let node = r.node.get("Type").unwrap_or(&r.node);
        out.push(ctx.finding(
            &RULE,
            r,
            node,
            r.path(&format!("Properties.{key}")),
            format!(
                "{} ({}) has no {key}: API calls are not logged.",
                r.id, r.ty
            ),
        ));
    }
    for api in implicit_apis(tpl) {
        let key = if api.logical_id == "ServerlessHttpApi" {
            "AccessLogSettings"
        } else {
            "AccessLogSetting"
        };
        if configured(tpl, api.globals.and_then(|g| g.get(key))) {
            continue;
        }
        out.push(ctx.finding_at(
            &RULE,
            api.logical_id,
            api.event.key_line,
            api.event.key_col,
            api.function
                .path(&format!("Properties.Events.{}", api.event.key)),
            format!(
                "The implicit API {} (created by event {} of {}) has no {key}: set it in Globals or use an explicit API resource.",
                api.logical_id, api.event.key, api.function.id
            ),
        ));
    }
}
