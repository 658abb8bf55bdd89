//! ## What it does
//! Flags Lambda functions without active X-Ray tracing: `AWS::Serverless::Function`
//! without `Tracing: Active` (SAM `Globals` merged) and `AWS::Lambda::Function` without
//! `TracingConfig.Mode: Active`. A value that may be `Active` (an `!If` branch, a
//! parameter without default) counts as set.
//!
//! ## Why is this bad?
//! Without traces, the path of a request through functions, queues and downstream
//! services is invisible: an abused function, unexpected outbound calls or the blast
//! radius of an incident are hard to establish.
//!
//! ## Severity
//! LOW: observability for detection and investigation, not an exposure.
//!
//! ## Example
//! ```yaml
//! Globals:
//!   Function:
//!     Runtime: python3.12
//! ```
//!
//! Use instead:
//! ```yaml
//! Globals:
//!   Function:
//!     Runtime: python3.12
//!     Tracing: Active
//! ```
//!
//! ## References
//! - [Using AWS Lambda with AWS X-Ray](https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html)
//! - [AWS SAM: AWS::Serverless::Function Tracing](https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html#sam-function-tracing)

use crate::model::{Finding, Severity};
use crate::rules::{Check, Ctx, Rule};

pub const RULE: Rule = Rule {
    id: "LOG003",
    name: "lambda-no-tracing",
    title: "Lambda function without active tracing",
    family: "LOG",
    severity: Severity::Low,
    remediation: "Set Tracing: Active (SAM, ideally in Globals.Function) or TracingConfig: {Mode: Active}, and allow xray:PutTraceSegments.",
    source: include_str!("lambda_no_tracing.rs"),
    check: Check::Template(check),
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let tpl = ctx.tpl;
    for r in tpl.resources.iter().filter(|r| r.is_function()) {
        let (node, path) = if r.ty == "AWS::Serverless::Function" {
            (r.prop("Tracing"), "Properties.Tracing")
        } else {
            (
                r.props()
                    .and_then(|p| p.get_path(&["TracingConfig", "Mode"])),
                "Properties.TracingConfig.Mode",
            )
        };
        let active = node.is_some_and(|n| {
            tpl.strings(n).iter().any(|v| {
                v.as_deref()
                    .is_none_or(|v| v.eq_ignore_ascii_case("Active"))
            })
        });
        if active {
            continue;
        }
        out.push(ctx.finding(
            &RULE,
            r,
            node.unwrap_or_else(|| r.node.get("Type").unwrap_or(&r.node)),
            r.path(path),
            format!("Function {} has no active X-Ray tracing.", r.id),
        ));
    }
}
