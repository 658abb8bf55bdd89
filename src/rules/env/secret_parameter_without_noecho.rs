//! ## What it does
//! Flags template Parameters whose name says secret (`DbPassword`, `ApiToken`,
//! `ClientSecret`, ...) and whose `Type` is `String` without `NoEcho: true`. Names of
//! references (`DbPasswordSecretArn`, `TokenParameterName`, `ApiKeyParam`) and
//! parameters of SSM types (`AWS::SSM::Parameter::Value<String>`, which hold a
//! parameter name) are not reported. A literal secret in the `Default` is ENV001/ENV002.
//!
//! ## Why is this bad?
//! Without `NoEcho`, the value passed at deploy time is shown in plain text by the
//! CloudFormation console, `describe-stacks` and every tool that lists stack
//! parameters, to anyone with read-only access to CloudFormation.
//!
//! ## Severity
//! MEDIUM: the secret is exposed to read-only users of the account, not to the
//! internet, and only when a value is actually passed through the parameter.
//!
//! ## Example
//! ```yaml
//! Parameters:
//!   DbPassword:
//!     Type: String
//! ```
//!
//! Use instead:
//! ```yaml
//! Parameters:
//!   DbPassword:
//!     Type: String
//!     NoEcho: true
//! ```
//!
//! ## References
//! - [CloudFormation Parameters: NoEcho](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html)
//! - [CloudFormation best practices: do not embed credentials](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/security-best-practices.html#creds)

use crate::model::{Finding, Severity};
use crate::rules::{Check, Ctx, Rule};
use crate::secrets::is_secret_name;

pub const RULE: Rule = Rule {
    id: "ENV006",
    name: "secret-parameter-without-noecho",
    title: "Secret-named parameter without NoEcho",
    family: "ENV",
    severity: Severity::Medium,
    remediation: "Set NoEcho: true (and no Default), or better, pass the secret's name or ARN and resolve it with {{resolve:secretsmanager:...}}.",
    source: include_str!("secret_parameter_without_noecho.rs"),
    check: Check::Template(check),
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let tpl = ctx.tpl;
    let Some(params) = tpl.root.get("Parameters").and_then(|p| p.as_map()) else {
        return;
    };
    for p in params {
        if !is_secret_name(&p.key) {
            continue;
        }
        let Some(ty) = p.value.get("Type") else {
            continue;
        };
        if ty.as_str() != Some("String") {
            continue;
        }
        let no_echo = p.value.get("NoEcho");
        if no_echo.is_some_and(|n| n.is_truthy()) {
            continue;
        }
        let (node, path) = match no_echo {
            Some(n) => (n, format!("Parameters.{}.NoEcho", p.key)),
            None => (ty, format!("Parameters.{}", p.key)),
        };
        let mut f = ctx.finding_at(
            &RULE,
            &p.key,
            node.line,
            node.col,
            path,
            format!(
                "Parameter {} looks like a secret but is not NoEcho: its value shows in the console and describe-stacks.",
                p.key
            ),
        );
        f.env_name = Some(p.key.clone());
        out.push(f);
    }
}
