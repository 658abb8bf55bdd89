//! ## What it does
//! Flags credentials of a known format (AWS access key ids, private keys, GitHub,
//! GitLab, Slack, Stripe, Google, SendGrid, npm tokens, passwords in connection URLs)
//! written as literals in function environment variables (including SAM `Globals`)
//! and in Parameter defaults. `!Ref`, `!GetAtt`, `{{resolve:...}}` dynamic references,
//! SSM parameter names and AWS's documented example keys are never reported.
//!
//! ## Why is this bad?
//! Templates live in git, in CloudFormation's stored template, in the Lambda console
//! and in every deployment artifact. A key written there is readable by everyone who
//! can read any of those, and it cannot be rotated without a deploy.
//!
//! ## Severity
//! HIGH: the value matches a real credential format, so it very likely grants access
//! to an account or service.
//!
//! ## Example
//! ```yaml
//! Environment:
//!   Variables:
//!     GITHUB_TOKEN: ghp_4mW9rT2...
//! ```
//!
//! Use instead:
//! ```yaml
//! Environment:
//!   Variables:
//!     GITHUB_TOKEN: '{{resolve:secretsmanager:ci/github:SecretString:token}}'
//! ```
//!
//! ## References
//! - [CloudFormation dynamic references](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html)
//! - [CWE-798: Use of hard-coded credentials](https://cwe.mitre.org/data/definitions/798.html)

use super::{SecretSite, sites};
use crate::model::{Finding, Severity, mask};
use crate::rules::{Check, Ctx, Rule};
use crate::secrets::known_formats;

pub const RULE: Rule = Rule {
    id: "ENV001",
    name: "known-format-credential",
    title: "Hard-coded credential of a known format in the template",
    family: "ENV",
    severity: Severity::High,
    remediation: "Move the credential to Secrets Manager or SSM SecureString and reference it with {{resolve:...}} or read it at runtime; rotate the exposed key.",
    source: include_str!("known_format_credential.rs"),
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
        if let Some(m) = known_formats(&text).first() {
            let mut f = ctx.finding_at(
                &RULE,
                &resource_id,
                node.line,
                node.col,
                path,
                format!(
                    "{what} {name} holds a hard-coded {} ({}).",
                    m.kind,
                    mask(&text[m.start..m.end])
                ),
            );
            f.env_name = Some(name);
            out.push(f);
        }
    }
}
