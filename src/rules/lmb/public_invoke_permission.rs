//! ## What it does
//! Flags `AWS::Lambda::Permission` resources with `Principal: "*"` that neither
//! `SourceArn`, `SourceAccount` nor `PrincipalOrgID` restrict.
//!
//! ## Why is this bad?
//! Any AWS account (and, with a function URL, anyone) may invoke the function. For
//! service principals the same mistake without `SourceArn`/`SourceAccount` is the
//! confused-deputy problem; with `*` there is not even a service boundary.
//!
//! ## Severity
//! HIGH: unauthenticated or cross-account invocation of your code.
//!
//! ## Example
//! ```yaml
//! Permission:
//!   Type: AWS::Lambda::Permission
//!   Properties:
//!     Action: lambda:InvokeFunction
//!     FunctionName: !Ref Fn
//!     Principal: "*"
//! ```
//!
//! Use instead:
//! ```yaml
//!     Principal: s3.amazonaws.com
//!     SourceArn: !GetAtt Uploads.Arn
//!     SourceAccount: !Ref AWS::AccountId
//! ```
//!
//! ## References
//! - [Lambda resource-based policies](https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html)
//! - [The confused deputy problem](https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html)

use crate::model::{Finding, Severity};
use crate::rules::{Check, Ctx, Rule};

pub const RULE: Rule = Rule {
    id: "LMB002",
    name: "public-invoke-permission",
    title: "Lambda invoke permission for any principal",
    family: "LMB",
    severity: Severity::High,
    remediation: "Name the invoking service or account as Principal and set SourceArn and SourceAccount (or PrincipalOrgID).",
    source: include_str!("public_invoke_permission.rs"),
    check: Check::Template(check),
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let tpl = ctx.tpl;
    for r in tpl
        .resources
        .iter()
        .filter(|r| r.ty == "AWS::Lambda::Permission")
    {
        let Some(p) = r.prop("Principal") else {
            continue;
        };
        if !tpl.strings(p).iter().any(|v| v.as_deref() == Some("*")) {
            continue;
        }
        if ["SourceArn", "SourceAccount", "PrincipalOrgID"]
            .iter()
            .any(|k| r.prop(k).is_some())
        {
            continue;
        }
        out.push(ctx.finding(
            &RULE,
            r,
            p,
            r.path("Properties.Principal"),
            format!("{} lets any principal invoke the function.", r.id),
        ));
    }
}
