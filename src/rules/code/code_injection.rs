//! ## What it does
//! Flags event data (the handler's first parameter and everything derived from it)
//! that reaches `eval()`, `exec()` or `compile()`.
//!
//! In JavaScript (Node.js) handlers: `eval`, `new Function(...)`,
//! `vm.runInNewContext/runInThisContext/runInContext`, `new vm.Script` and
//! `setTimeout`/`setInterval` with a string.
//!
//! ## Why is this bad?
//! These builtins run arbitrary Python. Whoever controls the string controls the
//! function: they can import `os`, read the role's credentials from the environment,
//! call any AWS API the role allows and tamper with other invocations in the same
//! warm execution environment. No escaping makes `eval` of untrusted text safe.
//!
//! ## Severity
//! CRITICAL: direct remote code execution with the function's permissions.
//!
//! ## Example
//! ```python
//! def lambda_handler(event, context):
//!     body = json.loads(event["body"])
//!     price = eval(body["formula"])
//! ```
//!
//! Use instead:
//! ```python
//! OPERATIONS = {"add": operator.add, "mul": operator.mul}
//!
//! def lambda_handler(event, context):
//!     body = json.loads(event["body"])
//!     values = ast.literal_eval(body["values"])  # literals only
//!     price = OPERATIONS[body["op"]](*values)
//! ```
//!
//! ## References
//! - [CWE-95: Eval injection](https://cwe.mitre.org/data/definitions/95.html)
//! - [OWASP: Code injection](https://owasp.org/www-community/attacks/Code_Injection)
//! - [Python: ast.literal_eval](https://docs.python.org/3/library/ast.html#ast.literal_eval)

use crate::model::Severity;
use crate::rules::{Check, Rule};

pub const RULE: Rule = Rule {
    id: "CODE002",
    name: "code-injection",
    title: "Event data reaches eval, exec or compile",
    family: "CODE",
    severity: Severity::Critical,
    remediation: "Never evaluate request data as code: use json.loads or ast.literal_eval for data, and a dispatch table for operations.",
    source: include_str!("code_injection.rs"),
    check: Check::Code,
};
