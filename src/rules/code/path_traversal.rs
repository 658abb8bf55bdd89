//! ## What it does
//! Follows data from the Lambda event into file-system paths: Python `open()`,
//! `os.remove/unlink/rename/listdir/...`, `shutil.*`, `pathlib.Path(...)` methods
//! (`open`, `read_text`, `write_text`, `read_bytes`, `write_bytes`, `unlink`) and
//! `send_file`-style responses; in JavaScript (Node.js) handlers `fs.readFile`,
//! `readFileSync`, `createReadStream`, `writeFile`, `unlink` and friends (also
//! `fs/promises`), and `res.sendFile`. The event's part is followed through
//! `os.path.join`, `Path(...) / name` and `path.join`. `os.path.basename`
//! (`path.basename` in JavaScript) and `secure_filename` stop the taint, as does a
//! containment check before use, `os.path.realpath(p).startswith(BASE)`
//! (`p.startsWith(BASE)` on a `path.resolve`d path in JavaScript), or an allow-list
//! membership test.
//!
//! ## Why is this bad?
//! A name such as `../../var/task/app.py` or `/proc/self/environ` walks out of the
//! intended directory. Reads disclose the function's code, its configuration and — via
//! `/proc/self/environ` — the execution role's temporary AWS credentials; writes and
//! deletes under `/tmp` poison later invocations that reuse the same execution
//! environment.
//!
//! ## Severity
//! HIGH: an unauthenticated request can read the role's credentials out of the process
//! environment, but it is file access, not code execution, so it stays below the
//! CRITICAL injection rules.
//!
//! ## Example
//! ```python
//! def lambda_handler(event, context):
//!     name = event["queryStringParameters"]["file"]
//!     with open(os.path.join("/tmp/reports", name)) as fh:
//!         return {"statusCode": 200, "body": fh.read()}
//! ```
//!
//! Use instead:
//! ```python
//! BASE = "/tmp/reports"
//!
//! def lambda_handler(event, context):
//!     name = event["queryStringParameters"]["file"]
//!     path = os.path.realpath(os.path.join(BASE, name))
//!     if not path.startswith(BASE + os.sep):
//!         return {"statusCode": 400}
//!     with open(path) as fh:
//!         return {"statusCode": 200, "body": fh.read()}
//! ```
//!
//! ## References
//! - [CWE-22: Path traversal](https://cwe.mitre.org/data/definitions/22.html)
//! - [OWASP: Path traversal](https://owasp.org/www-community/attacks/Path_Traversal)
//! - [Python: os.path.realpath](https://docs.python.org/3/library/os.path.html#os.path.realpath)
//! - [AWS Lambda: execution environment](https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html)

use crate::model::Severity;
use crate::rules::{Check, Rule};

pub const RULE: Rule = Rule {
    id: "CODE007",
    name: "path-traversal",
    title: "Event data is used as a file path",
    family: "CODE",
    severity: Severity::High,
    remediation: "Reduce the name with os.path.basename (path.basename), or resolve the path and check it stays under the base directory before use; prefer an allow-list of names.",
    source: include_str!("path_traversal.rs"),
    check: Check::Code,
};
