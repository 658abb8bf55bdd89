//! ## What it does
//! Flags `tempfile.mktemp(...)` (and the Python 2 `os.tempnam`/`os.tmpnam`), which
//! return a file *name* that does not exist yet instead of creating the file.
//!
//! ## Why is this bad?
//! Between choosing the name and opening it, anything else that can write to the
//! directory can create the file first — or a symlink to another file — and the
//! function then reads attacker data or overwrites the link's target. On Lambda `/tmp`
//! is shared by every invocation reusing an execution environment and by any extension
//! or layer code; elsewhere the same handler code often runs on shared hosts.
//!
//! ## Severity
//! MEDIUM: a real race (CWE-377), but it needs a second actor writing to the same
//! directory at the right moment, which is unusual inside a single Lambda sandbox.
//!
//! ## Example
//! ```python
//! def lambda_handler(event, context):
//!     path = tempfile.mktemp(suffix=".csv")
//!     with open(path, "w") as fh:
//!         fh.write(render(event))
//! ```
//!
//! Use instead:
//! ```python
//! def lambda_handler(event, context):
//!     with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as fh:
//!         fh.write(render(event))
//! ```
//!
//! ## References
//! - [CWE-377: Insecure temporary file](https://cwe.mitre.org/data/definitions/377.html)
//! - [Python: tempfile.mktemp (deprecated)](https://docs.python.org/3/library/tempfile.html#tempfile.mktemp)
//! - [Bandit B306: mktemp_q](https://bandit.readthedocs.io/en/latest/blacklists/blacklist_calls.html#b306-mktemp-q)

use crate::model::Severity;
use crate::rules::{Check, Rule};

pub const RULE: Rule = Rule {
    id: "CODE009",
    name: "insecure-temp-file",
    title: "Temporary file name created with tempfile.mktemp",
    family: "CODE",
    severity: Severity::Medium,
    remediation: "Use tempfile.NamedTemporaryFile, mkstemp or TemporaryDirectory, which create the file atomically.",
    source: include_str!("insecure_temp_file.rs"),
    check: Check::Code,
};
