//! ## What it does
//! Flags Lambda function URLs with `AuthType: NONE`, on `AWS::Lambda::Url` resources
//! and on SAM functions' `FunctionUrlConfig` (including `Globals`).
//!
//! ## Why is this bad?
//! Anyone who learns the URL can invoke the function, with no IAM signature, no API
//! Gateway throttling, authorizer or WAF in front. Cost, data exposure and any
//! injection bug in the handler become internet-facing.
//!
//! ## Severity
//! HIGH: unauthenticated, internet-reachable execution.
//!
//! ## Example
//! ```yaml
//! FunctionUrlConfig:
//!   AuthType: NONE
//! ```
//!
//! Use instead:
//! ```yaml
//! FunctionUrlConfig:
//!   AuthType: AWS_IAM
//! ```
//!
//! ## References
//! - [Security and auth model for Lambda function URLs](https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html)

use crate::model::{Finding, Severity};
use crate::rules::{Check, Ctx, Rule};

pub const RULE: Rule = Rule {
    id: "LMB001",
    name: "function-url-auth-none",
    title: "Lambda function URL without authentication",
    family: "LMB",
    severity: Severity::High,
    remediation: "Set AuthType: AWS_IAM, or put the function behind API Gateway with an authorizer.",
    source: include_str!("function_url_auth_none.rs"),
    check: Check::Template(check),
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let tpl = ctx.tpl;
    for r in &tpl.resources {
        let (node, path) = match r.ty.as_str() {
            "AWS::Lambda::Url" => (r.prop("AuthType"), r.path("Properties.AuthType")),
            "AWS::Serverless::Function" => (
                r.props()
                    .and_then(|p| p.get_path(&["FunctionUrlConfig", "AuthType"])),
                r.path("Properties.FunctionUrlConfig.AuthType"),
            ),
            _ => continue,
        };
        let Some(node) = node else { continue };
        if tpl
            .strings(node)
            .iter()
            .any(|v| v.as_deref() == Some("NONE"))
        {
            out.push(ctx.finding(
                &RULE,
                r,
                node,
                path,
                format!(
                    "{} exposes a function URL with AuthType NONE: anyone can invoke it.",
                    r.id
                ),
            ));
        }
    }
}
