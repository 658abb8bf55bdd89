//! ## What it does
//! Flags SQL text built from event data (f-strings, `%`, `+`, `.format`, or the raw
//! value) passed as the query to `.execute()`, `.executemany()`, `.executescript()`,
//! `.mogrify()`, `sqlalchemy.text()`, `pandas.read_sql()`, the RDS/Redshift Data API
//! `execute_statement(Sql=...)` and Athena `start_query_execution(QueryString=...)`.
//! Only the query itself counts: values passed as parameters
//! (`cur.execute("... WHERE id = %s", (order_id,))`) are safe, as are values converted
//! with `int()`/`float()` or checked against an allow-list first.
//!
//! In JavaScript (Node.js) handlers: SQL text built from event data (template
//! literals, `+`, `.concat`) passed to `.query(...)`/`.execute(...)` (also as
//! `{ text, values }`); placeholders with a values array (`$1`, `?`) are safe, and
//! DynamoDB-style parameter objects are not SQL.
//!
//! ## Why is this bad?
//! The value becomes part of the statement's syntax: `' OR '1'='1` reads every row,
//! `'; DROP TABLE orders; --` destroys data, and stacked queries or `UNION SELECT`
//! exfiltrate other tables with the database user's rights.
//!
//! ## Severity
//! HIGH: full read (often write) access to the database behind the function, but no
//! direct code execution on the function itself.
//!
//! ## Example
//! ```python
//! def lambda_handler(event, context):
//!     status = event["queryStringParameters"]["status"]
//!     cur.execute(f"SELECT * FROM orders WHERE status = '{status}'")
//! ```
//!
//! Use instead:
//! ```python
//! def lambda_handler(event, context):
//!     status = event["queryStringParameters"]["status"]
//!     cur.execute("SELECT * FROM orders WHERE status = %s", (status,))
//! ```
//!
//! ## References
//! - [CWE-89: SQL injection](https://cwe.mitre.org/data/definitions/89.html)
//! - [OWASP: Query parameterization cheat sheet](https://cheatsheetseries.owasp.org/cheatsheets/Query_Parameterization_Cheat_Sheet.html)
//! - [PEP 249: paramstyle](https://peps.python.org/pep-0249/#paramstyle)
//! - [RDS Data API: parameters](https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.html)

use crate::model::Severity;
use crate::rules::{Check, Rule};

pub const RULE: Rule = Rule {
    id: "CODE004",
    name: "sql-injection",
    title: "Event data is built into SQL text",
    family: "CODE",
    severity: Severity::High,
    remediation: "Pass values as query parameters (cursor.execute(sql, params)); allow-list identifiers such as column names.",
    source: include_str!("sql_injection.rs"),
    check: Check::Code,
};
