//! ## What it does
//! Flags environment variables (function or `Globals`) and Parameter defaults whose
//! name says secret (`PASSWORD`, `SECRET`, `TOKEN`, `API_KEY`, `PRIVATE_KEY`, ...)
//! and whose value is a literal that looks like one. Names of references
//! (`DB_PASSWORD_ARN`, `TOKEN_URL`, `SECRET_NAME`), intrinsics, dynamic references,
//! SSM parameter names, ARNs, numbers, booleans and placeholders (`changeme`,
//! `<secret>`) are not reported. Values of a known credential format are ENV001.
//!
//! ## Why is this bad?
//! The value is stored in plain text in source control, the deployed template and the
//! Lambda configuration, visible to anyone with read access to any of them.
//!
//! ## Severity
//! HIGH when the value is long and high-entropy (almost certainly a real secret);
//! MEDIUM when it is shorter or less random (likely a password, possibly a test value).
//!
//! ## Example
//! ```yaml
//! Environment:
//!   Variables:
//!     DB_PASSWORD: Tr0ub4dor&3-horse
//! ```
//!
//! Use instead:
//! ```yaml
//! Environment:
//!   Variables:
//!     DB_PASSWORD_SECRET_ARN: !Ref DbSecret
//! ```
//!
//! ## References
//! - [Lambda environment variables: securing](https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-encryption)
//! - [CWE-798: Use of hard-coded credentials](https://cwe.mitre.org/data/definitions/798.html)

use super::{SecretSite, sites};
use crate::model::{Finding, Severity, mask};
use crate::rules::{Check, Ctx, Rule};
use crate::secrets::{is_secret_name, known_formats, literal_secret_severity};

pub const RULE: Rule = Rule {
    id: "ENV002",
    name: "secret-named-literal",
    title: "Secret-named variable or parameter holds a literal secret",
    family: "ENV",
    severity: Severity::High,
    remediation: "Store the value in Secrets Manager or SSM SecureString and pass a reference ({{resolve:...}}, an ARN or a parameter name) instead.",
    source: include_str!("secret_named_literal.rs"),
    check: Check::Template(check),
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    for SecretSite {
        resource_id,
        name,
        text,
        node,
        path,
        what,
    } in sites(ctx.tpl)
    {
        if !node_is_literal(&node) || !is_secret_name(&name) || !known_formats(&text).is_empty() {
            continue;
        }
        let Some(severity) = literal_secret_severity(&text) else {
            continue;
        };
        let mut f = ctx.finding_at(
            &RULE,
            &resource_id,
            node.line,
            node.col,
            path,
            format!("{what} {name} holds a hard-coded secret ({}).", mask(&text)),
        );
        f.severity = severity;
        f.env_name = Some(name);
        out.push(f);
    }
}

fn node_is_literal(n: &crate::template::node::Node) -> bool {
    n.as_str().is_some()
}
