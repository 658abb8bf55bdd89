//! ## What it does
//! Flags logging calls — `print`, `logging.*`, `logger.info/debug/warning/error/...`
//! in Python; `console.log/info/warn/error/debug` and `logger.*` in JavaScript — that
//! write the whole Lambda event (the handler's event parameter itself,
//! `json.dumps(event)`, `JSON.stringify(event)`, or an f-string/template literal
//! holding it), or a value whose name says it is a secret (`password`, `api_token`,
//! `os.environ["DB_PASSWORD"]`, `process.env.API_KEY`; references such as
//! `SECRET_ARN` or `TOKEN_URL` are not secrets).
//!
//! ## Why is this bad?
//! CloudWatch Logs are read by far more people and tools than the data was meant for,
//! kept for a long time and often exported. A whole API Gateway event carries
//! `Authorization` headers, cookies, session tokens and request bodies with personal
//! data; a logged password or token is a credential leak that outlives its rotation
//! only if someone notices.
//!
//! ## Severity
//! MEDIUM for a secret-named value: a credential ends up in plain text in the logs.
//! LOW for the whole event: it may carry tokens and personal data, but it is a common
//! debugging habit whose contents depend on the trigger, so it informs rather than
//! blocks by default.
//!
//! ## Example
//! ```python
//! def lambda_handler(event, context):
//!     logger.info("request: %s", json.dumps(event))
//!     password = get_db_password()
//!     logger.debug(f"connecting with {password}")
//! ```
//!
//! Use instead:
//! ```python
//! def lambda_handler(event, context):
//!     logger.info("request %s %s", event["requestContext"]["requestId"], event["rawPath"])
//!     password = get_db_password()
//!     logger.debug("connecting to the database")
//! ```
//!
//! ## References
//! - [CWE-532: Sensitive information in log files](https://cwe.mitre.org/data/definitions/532.html)
//! - [OWASP: Logging cheat sheet](https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html)
//! - [AWS Lambda: working with CloudWatch Logs](https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html)

use crate::model::Severity;
use crate::rules::{Check, Rule};

pub const RULE: Rule = Rule {
    id: "CODE008",
    name: "sensitive-logging",
    title: "The whole event or a secret is written to the logs",
    family: "CODE",
    severity: Severity::Medium,
    remediation: "Log request ids and the few fields you need, never the whole event; never log secrets, even at debug level.",
    source: include_str!("sensitive_logging.rs"),
    check: Check::Code,
};
