//! A YAML/JSON tree that keeps the line and column of every value.

/// Nesting deeper than this is refused: no real template comes close, and it bounds recursion.
pub const MAX_DEPTH: usize = 128;
/// Upper bound on nodes that aliases may add by expansion (billion-laughs guard).
pub const MAX_ALIAS_NODES: usize = 100_000;

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    /// Kept as written so that `0123` or `1e3` never change meaning.
    Number(String),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_line: usize,
    pub key_col: usize,
    pub value: Node,
}

/// `line` and `col` are 1-based.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: Kind,
    pub line: usize,
    pub col: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub line: Option<usize>,
    pub col: Option<usize>,
    pub message: String,
}

impl LoadError {
    pub fn at(line: usize, col: usize, message: impl Into<String>) -> LoadError {
        LoadError {
            line: Some(line),
            col: Some(col),
            message: message.into(),
        }
    }
    pub fn whole(message: impl Into<String>) -> LoadError {
        LoadError {
            line: None,
            col: None,
            message: message.into(),
        }
    }
}

impl Node {
    pub fn new(kind: Kind, line: usize, col: usize) -> Node {
        Node { kind, line, col }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Map(entries) => entries.iter().find(|e| e.key == key).map(|e| &e.value),
            _ => None,
        }
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.kind {
            Kind::Map(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }

    pub fn get_path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |n, k| n.get(k))
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Any scalar as text (numbers and booleans included).
    pub fn scalar_text(&self) -> Option<String> {
        match &self.kind {
            Kind::Str(s) | Kind::Number(s) => Some(s.clone()),
            Kind::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.kind {
            Kind::Map(e) => Some(e),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// A single-key map whose key is `Ref`, `Condition` or `Fn::*`.
    pub fn intrinsic(&self) -> Option<(&str, &Node)> {
        match &self.kind {
            Kind::Map(e) if e.len() == 1 => {
                let k = e[0].key.as_str();
                if k == "Ref" || k == "Condition" || k.starts_with("Fn::") {
                    Some((k, &e[0].value))
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// The node itself, or its items when it is a list.
    pub fn items(&self) -> Vec<&Node> {
        match &self.kind {
            Kind::Seq(s) => s.iter().collect(),
            _ => vec![self],
        }
    }

    pub fn is_truthy(&self) -> bool {
        match &self.kind {
            Kind::Bool(b) => *b,
            Kind::Str(s) => s.eq_ignore_ascii_case("true"),
            _ => false,
        }
    }

    pub fn count(&self) -> usize {
        match &self.kind {
            Kind::Seq(s) => 1 + s.iter().map(Node::count).sum::<usize>(),
            Kind::Map(e) => 1 + e.iter().map(|e| e.value.count()).sum::<usize>(),
            _ => 1,
        }
    }
}

/// Resolves a plain (unquoted) YAML scalar the way CloudFormation does.
pub fn plain_scalar(s: &str) -> Kind {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => Kind::Null,
        "true" | "True" | "TRUE" => Kind::Bool(true),
        "false" | "False" | "FALSE" => Kind::Bool(false),
        _ if looks_numeric(s) => Kind::Number(s.to_string()),
        _ => Kind::Str(s.to_string()),
    }
}

fn looks_numeric(s: &str) -> bool {
    let t = s.strip_prefix(['-', '+']).unwrap_or(s);
    if t.is_empty() {
        return false;
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    t.parse::<f64>().is_ok()
        && t.bytes()
            .all(|b| b.is_ascii_digit() || b"eE.+-".contains(&b))
}
