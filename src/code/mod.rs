//! Lambda source analysis: a small, fast taint tracker over tree-sitter syntax trees.
//!
//! The handler's event parameter is the only taint source. Taint flows through
//! assignments, string building and calls inside a function, and one call level into
//! module-level helpers. Sinks are the CODE rules; `ENV003` (hard-coded secrets) and
//! `CODE005` (TLS verification off) need no taint and look at the whole file.

use crate::model::Severity;

mod common;
mod javascript;
mod python;

pub use javascript::analyze_javascript;
pub use python::analyze_python;

/// One finding of a CODE rule or `ENV003` in a source file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeFinding {
    pub rule_id: &'static str,
    /// Overrides the rule's default severity, when set.
    pub severity: Option<Severity>,
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    /// One line naming the sink and the tainted source; never contains a secret value.
    pub message: String,
    /// Stable discriminator for fingerprints: no line numbers.
    pub key: String,
    /// For ENV003: the variable, keyword or key the secret is assigned to (allowlist `env_names`).
    pub name: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CodeAnalysis {
    pub findings: Vec<CodeFinding>,
    /// First syntax error (line, message) when tree-sitter's tree has ERROR/MISSING nodes.
    pub parse_error: Option<(usize, String)>,
}
