//! ## What it does
//! Flags credentials written into Lambda source code: values of a known format
//! (AWS access key ids, private key blocks, GitHub, Slack, Stripe, Google and other
//! tokens, passwords in connection URLs) anywhere in the file, comments included; and
//! secret-looking string literals assigned to a secret-like name (`DB_PASSWORD = "..."`,
//! `password="..."` keyword arguments, `{"api_key": "..."}` entries, parameter
//! defaults). Values read at runtime (`os.environ[...]`, `os.getenv`, Secrets Manager or
//! SSM calls), references (`*_ARN`, `*_NAME`, `*_PARAM`, SSM paths) and placeholders
//! are not reported. Files that fail to parse are still scanned line by line.
//! Findings show at most a masked prefix of the value.
//!
//! ## Why is this bad?
//! Source is copied into git history, CI logs, deployment packages in S3 and the
//! Lambda console, and anyone who can call `lambda:GetFunction` can download it. A
//! secret in code cannot be rotated without a redeploy and is usually shared by every
//! environment.
//!
//! ## Severity
//! HIGH for known credential formats and high-entropy values: they very likely grant
//! access to a real account. Plausible but low-entropy values (`Winter2024!`) are
//! reported at MEDIUM, as they may be test fixtures.
//!
//! ## Example
//! ```python
//! DB_PASSWORD = "h7#Kq9!vRt2@Lm4zX8"
//! stripe.api_key = "sk_live_..."
//! ```
//!
//! Use instead:
//! ```python
//! import boto3
//!
//! _sm = boto3.client("secretsmanager")
//! DB_PASSWORD = _sm.get_secret_value(SecretId=os.environ["DB_SECRET_ID"])["SecretString"]
//! ```
//!
//! ## References
//! - [CWE-798: Use of hard-coded credentials](https://cwe.mitre.org/data/definitions/798.html)
//! - [AWS Secrets Manager: using secrets in Lambda](https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html)
//! - [OWASP: Secrets management cheat sheet](https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html)

use crate::model::Severity;
use crate::rules::{Check, Rule};

pub const RULE: Rule = Rule {
    id: "ENV003",
    name: "hardcoded-secret-in-source",
    title: "Credential hard-coded in Lambda source",
    family: "ENV",
    severity: Severity::High,
    remediation: "Read the secret at runtime from Secrets Manager or SSM SecureString (or the Parameters and Secrets Lambda extension); rotate the exposed value.",
    source: include_str!("hardcoded_secret_in_source.rs"),
    check: Check::Code,
};
