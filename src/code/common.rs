//! Helpers shared by the tree-sitter analyses (Python, JavaScript).

use super::CodeFinding;
use crate::secrets;
use tree_sitter::Node;

pub(crate) struct LineIndex {
    pub(crate) starts: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(src: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// 1-based (line, column in characters) of a byte offset.
    pub(crate) fn pos(&self, src: &str, byte: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&s| s <= byte).max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let col = src.get(start..byte).map_or(0, |s| s.chars().count());
        (line, col + 1)
    }
}

/// One short line for messages.
pub(crate) fn short(s: &str) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 60 {
        let mut t: String = one.chars().take(57).collect();
        t.push_str("...");
        t
    } else {
        one
    }
}

/// Masks anything that looks like a credential (messages and keys never carry secrets).
pub(crate) fn scrub(s: &str) -> String {
    let matches = secrets::known_formats(s);
    if matches.is_empty() {
        return s.to_string();
    }
    let mut out = String::new();
    let mut at = 0;
    for m in matches {
        if m.start < at || m.end > s.len() {
            continue;
        }
        out.push_str(s.get(at..m.start).unwrap_or(""));
        out.push_str(&secrets::mask(s.get(m.start..m.end).unwrap_or("")));
        at = m.end;
    }
    out.push_str(s.get(at..).unwrap_or(""));
    out
}

/// Named children, comments left out.
pub(crate) fn named_children<'t>(n: Node<'t>) -> Vec<Node<'t>> {
    let mut c = n.walk();
    n.named_children(&mut c)
        .filter(|k| k.kind() != "comment")
        .collect()
}

/// Pre-order walk without recursion; `f` returns whether to descend into the node.
pub(crate) fn walk<'t>(root: Node<'t>, mut f: impl FnMut(Node<'t>) -> bool) {
    let mut cursor = root.walk();
    let mut descend = f(cursor.node());
    loop {
        if descend && cursor.goto_first_child() {
            descend = f(cursor.node());
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                descend = f(cursor.node());
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// ENV003 (a): credentials of a known format anywhere in the text, comments included.
/// `enclosing` names the function and the assigned variable at a byte offset.
pub(crate) fn known_secret_findings(
    src: &str,
    lines: &LineIndex,
    enclosing: impl Fn(usize) -> (String, Option<String>),
) -> Vec<CodeFinding> {
    let mut out = Vec::new();
    for s in secrets::known_formats(src) {
        let Some(value) = src.get(s.start..s.end) else {
            continue;
        };
        let (line, column) = lines.pos(src, s.start);
        let (func, var) = enclosing(s.start);
        let masked = secrets::mask(value);
        let message = match &var {
            Some(v) => format!(
                "{} hard-coded in source, assigned to `{}` ({masked})",
                s.kind,
                short(v)
            ),
            None => format!("{} hard-coded in source ({masked})", s.kind),
        };
        out.push(CodeFinding {
            rule_id: "ENV003",
            severity: None,
            line,
            column,
            message,
            key: format!(
                "{func}|{}|{}|{masked}",
                var.clone().unwrap_or_default(),
                s.kind
            ),
            name: var,
        });
    }
    out
}
