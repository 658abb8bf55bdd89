//! Python analysis: imports, handler detection, taint propagation, sinks, secrets.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::LazyLock;

use regex::Regex;
use tree_sitter::{Language, Node, Parser, Tree};

use super::common::{LineIndex, known_secret_findings, named_children, scrub, short, walk};
use super::{CodeAnalysis, CodeFinding};
use crate::model::Severity;
use crate::secrets;

/// Describes where tainted data came from, e.g. `event['body']`.
type Origin = Rc<str>;

/// Recursion limit for expression evaluation (deeply nested input must not blow the stack).
const MAX_DEPTH: usize = 48;
/// Interprocedural call-chain limit.
const MAX_CALL_DEPTH: usize = 4;

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// Every sink module/function and every secret word the tree-based checks look for.
static MAY_MATTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"subprocess|popen|system|commands|create_subprocess|eval|exec|compile|pickle|dill|marshal|yaml|shelve|execute|mogrify|read_sql|sqlalchemy|start_query|requests|httpx|aiohttp|urllib|urlopen|http\.client|HTTPConnection|HTTPSConnection|socket|verify|CERT_NONE|unverified|check_hostname|cert_reqs|(?i:passw|pwd|passphrase|secret|token|api_?key|access_?key|private_?key|credential|auth|signing|dsn|webhook|connection_?string)|open|remove|unlink|rmdir|rename|shutil|Path|send_file|FileResponse|print|log|mktemp|tempnam|tmpnam|hashlib",
    )
    .expect("valid regex")
});

static LANGUAGE: LazyLock<Language> = LazyLock::new(|| tree_sitter_python::LANGUAGE.into());

/// Node kind names by id: `Node::kind()` re-validates UTF-8 on every call.
static KINDS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let lang: &'static Language = &LANGUAGE;
    (0..lang.node_kind_count())
        .map(|id| {
            u16::try_from(id)
                .ok()
                .and_then(|id| lang.node_kind_for_id(id))
                .unwrap_or("")
        })
        .collect()
});

fn kind_of<'t>(n: impl std::borrow::Borrow<Node<'t>>) -> &'static str {
    KINDS
        .get(usize::from(n.borrow().kind_id()))
        .copied()
        .unwrap_or("")
}

const FIELD_NAMES: [&str; 17] = [
    "alias",
    "arguments",
    "attribute",
    "body",
    "definition",
    "expression",
    "function",
    "key",
    "left",
    "module_name",
    "name",
    "object",
    "operator",
    "parameters",
    "right",
    "subscript",
    "value",
];

static FIELD_IDS: LazyLock<[u16; 17]> =
    LazyLock::new(|| FIELD_NAMES.map(|f| LANGUAGE.field_id_for_name(f).map_or(0, |id| id.get())));

/// `child_by_field_name` without the per-call name lookup.
trait Field<'t> {
    fn field(&self, name: &str) -> Option<Node<'t>>;
}

impl<'t> Field<'t> for Node<'t> {
    fn field(&self, name: &str) -> Option<Node<'t>> {
        let i = FIELD_NAMES.iter().position(|f| *f == name)?;
        match FIELD_IDS.get(i).copied() {
            Some(id) if id != 0 => self.child_by_field_id(id),
            _ => self.child_by_field_name(name),
        }
    }
}

fn new_parser() -> Option<Parser> {
    let mut p = Parser::new();
    p.set_language(&LANGUAGE).ok()?;
    Some(p)
}

fn parse(source: &str, handler: Option<&str>) -> Option<Tree> {
    let run = |p: &mut Parser| -> Option<Tree> {
        // Parse only the top-level blocks that can matter; should that partial view not
        // parse cleanly, parse the whole file so errors are reported as they really are.
        if !*FULL_PARSE
            && let Some(ranges) = relevant_ranges(source, handler)
            && p.set_included_ranges(&ranges).is_ok()
        {
            let tree = p.parse(source, None);
            let _ = p.set_included_ranges(&[]);
            if let Some(t) = tree.filter(|t| !t.root_node().has_error()) {
                return Some(t);
            }
        }
        p.parse(source, None)
    };
    PARSER.with(|cell| match cell.try_borrow_mut() {
        Ok(mut slot) => {
            if slot.is_none() {
                *slot = new_parser();
            }
            run(slot.as_mut()?)
        }
        Err(_) => run(&mut new_parser()?),
    })
}

/// `GUARDRAILS_FULL_PARSE=1` parses whole files: a check that partial parsing loses nothing.
static FULL_PARSE: LazyLock<bool> =
    LazyLock::new(|| std::env::var_os("GUARDRAILS_FULL_PARSE").is_some_and(|v| v == "1"));

static CALLED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(").expect("valid regex"));
static DEF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:async\s+)?def\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(([^)]*)").expect("valid regex")
});

/// Byte ranges of the top-level statements worth parsing: imports, blocks that name a
/// sink or a secret word, the handler, and the module functions those call. `None`
/// when that is most of the file anyway.
fn relevant_ranges(src: &str, handler: Option<&str>) -> Option<Vec<tree_sitter::Range>> {
    // Split into top-level blocks: a block starts at a column-0 line outside brackets
    // and triple-quoted strings; decorators stay with what they decorate.
    let mut blocks: Vec<(usize, usize)> = Vec::new();
    let (mut depth, mut in_triple): (i64, Option<&str>) = (0, None);
    let mut offset = 0;
    let mut start = 0;
    let mut decorated = false;
    for line in src.split_inclusive('\n') {
        let first = line.as_bytes().first().copied().unwrap_or(b' ');
        let top = depth == 0
            && in_triple.is_none()
            && !first.is_ascii_whitespace()
            && first != b'#'
            && !matches!(first, b')' | b']' | b'}');
        if top && offset > start && !decorated {
            blocks.push((start, offset));
            start = offset;
        }
        if top {
            decorated = first == b'@';
        }
        // Track brackets and triple quotes roughly; a wrong guess only costs a full parse.
        let mut rest = line;
        while !rest.is_empty() {
            if let Some(q) = in_triple {
                match rest.find(q) {
                    Some(i) => {
                        rest = &rest[i + 3..];
                        in_triple = None;
                    }
                    None => break,
                }
                continue;
            }
            let Some(i) = rest.find(|c: char| "([{)]}#\"'".contains(c)) else {
                break;
            };
            let c = rest.as_bytes()[i];
            rest = &rest[i..];
            match c {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth = (depth - 1).max(0),
                b'#' => break,
                _ => {
                    let q = if c == b'"' { "\"\"\"" } else { "\'\'\'" };
                    if rest.starts_with(q) {
                        in_triple = Some(q);
                        rest = &rest[3..];
                        continue;
                    }
                    // Skip a one-line string.
                    let quote = c as char;
                    match rest[1..].find(quote) {
                        Some(j) => rest = &rest[j + 2..],
                        None => break,
                    }
                    continue;
                }
            }
            rest = &rest[1..];
        }
        offset += line.len();
    }
    if offset > start {
        blocks.push((start, offset));
    }
    if blocks.len() < 3 {
        return None;
    }
    let text = |b: &(usize, usize)| &src[b.0..b.1];
    let def_of = |b: &(usize, usize)| {
        let head = text(b).lines().find(|l| !l.starts_with('@')).unwrap_or("");
        DEF.captures(head)
            .map(|c| (c[1].to_string(), c[2].to_string()))
    };
    let handler = handler.map(|h| h.rsplit('.').next().unwrap_or(h));
    let mut keep: Vec<bool> = blocks
        .iter()
        .map(|b| {
            let t = text(b);
            if t.starts_with("import ") || t.starts_with("from ") || MAY_MATTER.is_match(t) {
                return true;
            }
            match def_of(b) {
                Some((name, params)) => {
                    handler.is_some_and(|h| h == name)
                        || (handler.is_none()
                            && (name.contains("handler")
                                || name == "main"
                                || params.contains("context")
                                || params.contains("ctx")))
                }
                None => false,
            }
        })
        .collect();
    // Module functions called from what is kept are kept too (taint flows through them).
    let defs: HashMap<String, usize> = blocks
        .iter()
        .enumerate()
        .filter_map(|(i, b)| def_of(b).map(|(n, _)| (n, i)))
        .collect();
    let mut work: Vec<usize> = (0..blocks.len()).filter(|&i| keep[i]).collect();
    while let Some(i) = work.pop() {
        for c in CALLED.captures_iter(text(&blocks[i])) {
            if let Some(&j) = defs.get(&c[1])
                && !keep[j]
            {
                keep[j] = true;
                work.push(j);
            }
        }
    }
    let kept: usize = blocks
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(b, _)| b.1 - b.0)
        .sum();
    if kept * 10 > src.len() * 8 {
        return None;
    }
    let lines = LineIndex::new(src);
    let point = |byte: usize| {
        let row = lines.starts.partition_point(|&s| s <= byte).max(1) - 1;
        tree_sitter::Point::new(row, byte - lines.starts[row])
    };
    let mut ranges: Vec<tree_sitter::Range> = Vec::new();
    for (b, _) in blocks.iter().zip(&keep).filter(|(_, k)| **k) {
        match ranges.last_mut() {
            Some(last) if last.end_byte == b.0 => {
                last.end_byte = b.1;
                last.end_point = point(b.1);
            }
            _ => ranges.push(tree_sitter::Range {
                start_byte: b.0,
                end_byte: b.1,
                start_point: point(b.0),
                end_point: point(b.1),
            }),
        }
    }
    if ranges.is_empty() {
        return None;
    }
    Some(ranges)
}

/// Analyses one Python source file. `handler` is the handler function name
/// (`lambda_handler` from `Handler: app.lambda_handler`) when known.
pub fn analyze_python(source: &str, handler: Option<&str>) -> CodeAnalysis {
    let lines = LineIndex::new(source);
    let mut out = Sink::default();
    // Parsing dominates the cost: a file that names no sink and no secret-like
    // identifier cannot produce a tree-based finding, so only its text is scanned.
    if !MAY_MATTER.is_match(source) {
        scan_known_secrets(source, &lines, None, &mut out);
        return CodeAnalysis {
            findings: out.finish(),
            parse_error: None,
        };
    }
    let Some(tree) = parse(source, handler) else {
        scan_known_secrets(source, &lines, None, &mut out);
        fallback_secret_scan(source, &lines, &mut out);
        return CodeAnalysis {
            findings: out.finish(),
            parse_error: Some((1, "could not parse the file".to_string())),
        };
    };
    let root = tree.root_node();
    let parse_error = first_syntax_error(root);
    let m = Module::new(source, root, lines);

    for idx in m.handlers(handler) {
        let Some(first) = m
            .funcs
            .get(idx)
            .and_then(|f| param_names(*f, source).into_iter().next())
        else {
            continue;
        };
        let origin: Origin = Rc::from(first.as_str());
        m.summary(idx, vec![Some(origin)]);
    }
    m.global_scan();
    scan_known_secrets(source, &m.lines, Some(&m), &mut m.out.borrow_mut());
    if parse_error.is_some() {
        fallback_secret_scan(source, &m.lines, &mut m.out.borrow_mut());
    }
    let findings = m.out.take().finish();
    CodeAnalysis {
        findings,
        parse_error,
    }
}

// ---------------------------------------------------------------------------
// Small helpers

fn text<'s>(n: Node, src: &'s str) -> &'s str {
    src.get(n.start_byte()..n.end_byte()).unwrap_or("")
}

/// Whitespace collapsed, quotes unified: used for guard keys and fingerprint keys.
fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c == '"' { '\'' } else { c })
        .collect()
}

fn is_scope_boundary(kind: &str) -> bool {
    matches!(kind, "function_definition" | "class_definition" | "lambda")
}

fn first_syntax_error(root: Node) -> Option<(usize, String)> {
    if !root.has_error() {
        return None;
    }
    let mut found = None;
    walk(root, |n| {
        if found.is_some() {
            return false;
        }
        if n.is_missing() {
            let p = n.start_position();
            found = Some((
                p.row + 1,
                format!("missing `{}` at column {}", kind_of(n), p.column + 1),
            ));
            return false;
        }
        if n.is_error() {
            let p = n.start_position();
            found = Some((
                p.row + 1,
                format!("invalid syntax at column {}", p.column + 1),
            ));
            return false;
        }
        n.has_error()
    });
    found.or(Some((1, "invalid syntax".to_string())))
}

/// Parameter names of a function definition, in order.
fn param_names(func: Node, src: &str) -> Vec<String> {
    let Some(params) = func.field("parameters") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for p in named_children(params) {
        let name = match kind_of(p) {
            "identifier" => Some(p),
            "typed_parameter" => named_children(p)
                .into_iter()
                .find(|c| kind_of(c) == "identifier"),
            "default_parameter" | "typed_default_parameter" => p.field("name"),
            _ => None,
        };
        match name {
            Some(n) if kind_of(n) == "identifier" => out.push(text(n, src).to_string()),
            _ => out.push(String::new()),
        }
    }
    out
}

/// The literal value of a plain string (no interpolation), or of adjacent literals.
fn string_literal(n: Node, src: &str) -> Option<String> {
    match kind_of(n) {
        "string" => {
            let mut v = String::new();
            for c in named_children(n) {
                match kind_of(c) {
                    "string_content" => v.push_str(text(c, src)),
                    "interpolation" => return None,
                    _ => {}
                }
            }
            Some(v)
        }
        "concatenated_string" => {
            let mut v = String::new();
            for c in named_children(n) {
                v.push_str(&string_literal(c, src)?);
            }
            Some(v)
        }
        _ => None,
    }
}

fn is_string(n: Node) -> bool {
    matches!(kind_of(n), "string" | "concatenated_string")
}

/// The name a value is stored under: `X = ...`, `self.x = ...`, `d['x'] = ...`.
fn target_name(n: Node, src: &str) -> Option<String> {
    match kind_of(n) {
        "identifier" => Some(text(n, src).to_string()),
        "attribute" => n.field("attribute").map(|a| text(a, src).to_string()),
        "subscript" => n.field("subscript").and_then(|s| string_literal(s, src)),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Findings collector

#[derive(Default)]
struct Sink {
    /// (priority, finding): on the same (line, column, rule) the lower priority wins.
    items: Vec<(u8, CodeFinding)>,
}

impl Sink {
    fn push(&mut self, prio: u8, f: CodeFinding) {
        self.items.push((prio, f));
    }

    fn has_line(&self, rule: &str, line: usize) -> bool {
        self.items
            .iter()
            .any(|(_, f)| f.rule_id == rule && f.line == line)
    }

    fn finish(mut self) -> Vec<CodeFinding> {
        self.items.sort_by(|(pa, a), (pb, b)| {
            (a.line, a.column, a.rule_id, *pa).cmp(&(b.line, b.column, b.rule_id, *pb))
        });
        self.items.dedup_by(|(_, b), (_, a)| {
            a.line == b.line && a.column == b.column && a.rule_id == b.rule_id
        });
        self.items.into_iter().map(|(_, f)| f).collect()
    }
}

// ---------------------------------------------------------------------------
// Module: imports, functions, interprocedural summaries

struct Module<'t> {
    src: &'t str,
    root: Node<'t>,
    lines: LineIndex,
    /// Local name -> qualified name (`sp` -> `subprocess`, `run` -> `subprocess.run`).
    aliases: HashMap<String, String>,
    /// Top-level function definitions.
    funcs: Vec<Node<'t>>,
    func_index: HashMap<String, usize>,
    memo: RefCell<HashMap<(usize, u64), Option<Origin>>>,
    in_progress: RefCell<Vec<(usize, u64)>>,
    out: RefCell<Sink>,
}

impl<'t> Module<'t> {
    fn new(src: &'t str, root: Node<'t>, lines: LineIndex) -> Module<'t> {
        let mut aliases = HashMap::new();
        walk(root, |n| {
            match kind_of(n) {
                "import_statement" => {
                    let mut c = n.walk();
                    for name in n.children_by_field_name("name", &mut c) {
                        match kind_of(name) {
                            "dotted_name" => {
                                let full = norm(text(name, src));
                                let head = full.split('.').next().unwrap_or("").to_string();
                                aliases.insert(head.clone(), head);
                            }
                            "aliased_import" => {
                                if let (Some(q), Some(a)) =
                                    (name.field("name"), name.field("alias"))
                                {
                                    aliases.insert(text(a, src).to_string(), norm(text(q, src)));
                                }
                            }
                            _ => {}
                        }
                    }
                    return false;
                }
                "import_from_statement" => {
                    let module = n
                        .field("module_name")
                        .map(|m| norm(text(m, src)))
                        .unwrap_or_default();
                    let mut c = n.walk();
                    for name in n.children_by_field_name("name", &mut c) {
                        let (q, local) = match kind_of(name) {
                            "dotted_name" => (norm(text(name, src)), norm(text(name, src))),
                            "aliased_import" => match (name.field("name"), name.field("alias")) {
                                (Some(q), Some(a)) => {
                                    (norm(text(q, src)), text(a, src).to_string())
                                }
                                _ => continue,
                            },
                            _ => continue,
                        };
                        aliases.insert(local, format!("{module}.{q}"));
                    }
                    return false;
                }
                _ => {}
            }
            // Imports are statements: skip expressions.
            !matches!(
                kind_of(n),
                "expression_statement" | "return_statement" | "assert_statement" | "comment"
            ) && n.is_named()
        });

        let mut funcs = Vec::new();
        for child in named_children(root) {
            let def = match kind_of(child) {
                "function_definition" => Some(child),
                "decorated_definition" => child
                    .field("definition")
                    .filter(|d| kind_of(d) == "function_definition"),
                _ => None,
            };
            if let Some(d) = def {
                funcs.push(d);
            }
        }
        let mut func_index = HashMap::new();
        for (i, f) in funcs.iter().enumerate() {
            if let Some(name) = f.field("name") {
                func_index.insert(text(name, src).to_string(), i);
            }
        }
        Module {
            src,
            root,
            lines,
            aliases,
            funcs,
            func_index,
            memo: RefCell::new(HashMap::new()),
            in_progress: RefCell::new(Vec::new()),
            out: RefCell::new(Sink::default()),
        }
    }

    fn text(&self, n: Node) -> &'t str {
        text(n, self.src)
    }

    fn func_name(&self, idx: usize) -> String {
        self.funcs
            .get(idx)
            .and_then(|f| f.field("name"))
            .map(|n| self.text(n).to_string())
            .unwrap_or_default()
    }

    /// Handler functions: the named one when it exists, else by convention.
    fn handlers(&self, handler: Option<&str>) -> Vec<usize> {
        if let Some(h) = handler {
            let name = h.rsplit('.').next().unwrap_or(h);
            if let Some(&i) = self.func_index.get(name) {
                return vec![i];
            }
        }
        let mut out = Vec::new();
        for (i, f) in self.funcs.iter().enumerate() {
            let name = self.func_name(i).to_ascii_lowercase();
            let params = param_names(*f, self.src);
            let second = params.get(1).map(String::as_str).unwrap_or("");
            if name.contains("handler")
                || name == "main"
                || matches!(second, "context" | "ctx" | "_context" | "_ctx")
            {
                out.push(i);
            }
        }
        out
    }

    /// Qualified name of a callee expression, with import aliases resolved.
    fn qname(&self, n: Node) -> Option<String> {
        self.qname_depth(n, 0)
    }

    fn qname_depth(&self, n: Node, depth: usize) -> Option<String> {
        if depth > 16 {
            return None;
        }
        match kind_of(n) {
            "identifier" => {
                let t = self.text(n);
                Some(
                    self.aliases
                        .get(t)
                        .cloned()
                        .unwrap_or_else(|| t.to_string()),
                )
            }
            "attribute" => {
                let obj = self.qname_depth(n.field("object")?, depth + 1)?;
                let attr = self.text(n.field("attribute")?);
                Some(format!("{obj}.{attr}"))
            }
            "call" => Some(format!(
                "{}()",
                self.qname_depth(n.field("function")?, depth + 1)?
            )),
            _ => None,
        }
    }

    /// Analyses function `idx` with the given parameter taint (reporting its sinks once)
    /// and returns the taint of its return value.
    fn summary(&self, idx: usize, args: Vec<Option<Origin>>) -> Option<Origin> {
        let mut mask = 0u64;
        for (i, a) in args.iter().enumerate().take(64) {
            if a.is_some() {
                mask |= 1 << i;
            }
        }
        if mask == 0 {
            return None;
        }
        let key = (idx, mask);
        if let Some(r) = self.memo.borrow().get(&key) {
            return r.clone();
        }
        {
            let prog = self.in_progress.borrow();
            if prog.contains(&key) || prog.len() >= MAX_CALL_DEPTH {
                return None;
            }
        }
        let func = *self.funcs.get(idx)?;
        let body = func.field("body")?;
        self.in_progress.borrow_mut().push(key);
        let mut params = HashMap::new();
        for (name, a) in param_names(func, self.src).into_iter().zip(args) {
            if let Some(o) = a
                && !name.is_empty()
            {
                params.insert(name, o);
            }
        }
        let mut f = FnCtx {
            m: self,
            name: self.func_name(idx),
            body,
            params,
            defs: HashMap::new(),
            order: Vec::new(),
            guards: HashMap::new(),
            calls: Vec::new(),
            returns: Vec::new(),
        };
        f.collect();
        f.solve();
        f.check_sinks();
        let ret = f.return_taint();
        self.in_progress.borrow_mut().pop();
        self.memo.borrow_mut().insert(key, ret.clone());
        ret
    }

    fn emit(
        &self,
        prio: u8,
        rule_id: &'static str,
        at: Node,
        sev: Option<Severity>,
        msg: String,
        key: String,
    ) {
        let (line, column) = self.lines.pos(self.src, at.start_byte());
        self.out.borrow_mut().push(
            prio,
            CodeFinding {
                rule_id,
                severity: sev,
                line,
                column,
                message: scrub(&msg),
                key: scrub(&key),
                name: None,
            },
        );
    }

    /// Name of the function enclosing `n`, or `<module>`.
    fn enclosing_fn(&self, n: Node) -> String {
        let mut cur = n.parent();
        while let Some(p) = cur {
            if kind_of(p) == "function_definition"
                && let Some(name) = p.field("name")
            {
                return self.text(name).to_string();
            }
            cur = p.parent();
        }
        "<module>".to_string()
    }

    /// Taint-free checks over the whole file: CODE005, unsafe yaml.load, ENV003 literals.
    fn global_scan(&self) {
        walk(self.root, |n| {
            match kind_of(n) {
                "call" => self.check_call_global(n),
                "assignment" => self.check_assignment_global(n),
                "keyword_argument" | "default_parameter" | "typed_default_parameter" => {
                    if let (Some(name), Some(value)) = (n.field("name"), n.field("value"))
                        && kind_of(name) == "identifier"
                    {
                        self.check_secret_literal(n, self.text(name), value);
                    }
                }
                "pair" => {
                    if let (Some(k), Some(v)) = (n.field("key"), n.field("value"))
                        && let Some(name) = string_literal(k, self.src)
                    {
                        self.check_secret_literal(n, &name, v);
                    }
                }
                _ => {}
            }
            true
        });
    }

    fn check_call_global(&self, n: Node) {
        let Some(func) = n.field("function") else {
            return;
        };
        let q = self.qname(func).unwrap_or_else(|| norm(self.text(func)));
        let args = Args::of(n);
        let f = || self.enclosing_fn(n);
        if q == "ssl._create_unverified_context" {
            self.emit(
                1,
                "CODE005",
                n,
                None,
                "ssl._create_unverified_context() disables TLS certificate and hostname verification".into(),
                format!("{}|{q}", f()),
            );
        }
        for kw in &args.kwargs {
            let (Some(name), Some(value)) = (kw.field("name"), kw.field("value")) else {
                continue;
            };
            let name = self.text(name);
            if name == "verify" && kind_of(value) == "false" && is_http_client(&q) {
                self.emit(
                    1,
                    "CODE005",
                    n,
                    None,
                    format!(
                        "{}(verify=False) disables TLS certificate verification",
                        short(&q)
                    ),
                    format!("{}|{q}|verify", f()),
                );
            } else if name == "cert_reqs" && self.text(value).contains("CERT_NONE") {
                self.emit(
                    1,
                    "CODE005",
                    n,
                    None,
                    format!(
                        "{}(cert_reqs=CERT_NONE) disables TLS certificate verification",
                        short(&q)
                    ),
                    format!("{}|{q}|cert_reqs", f()),
                );
            }
        }
        // CODE008 (secrets logged), CODE009, CODE010: python_rules.rs.
        self.check_more_global(n, &q, &args);
        if let Some(msg) = self.unsafe_yaml(&q, &args) {
            self.emit(
                1,
                "CODE003",
                n,
                Some(Severity::Medium),
                format!("{msg} constructs arbitrary Python objects from YAML"),
                format!(
                    "{}|{q}|{}",
                    f(),
                    args.pos
                        .first()
                        .map(|a| norm(self.text(*a)))
                        .unwrap_or_default()
                ),
            );
        }
    }

    /// `Some(display)` when the call is a yaml load that can build arbitrary objects.
    fn unsafe_yaml(&self, q: &str, args: &Args) -> Option<String> {
        match q {
            "yaml.unsafe_load"
            | "yaml.unsafe_load_all"
            | "yaml.full_load"
            | "yaml.full_load_all" => Some(format!("{q}()")),
            "yaml.load" | "yaml.load_all" => {
                let loader = args.get(self, 1, &["Loader"]);
                match loader {
                    None => Some(format!("{q}() without Loader=yaml.SafeLoader")),
                    Some(l) => {
                        let lq = self.qname(l).unwrap_or_else(|| self.text(l).to_string());
                        let last = lq.rsplit('.').next().unwrap_or("");
                        if matches!(
                            last,
                            "Loader"
                                | "FullLoader"
                                | "UnsafeLoader"
                                | "CLoader"
                                | "CFullLoader"
                                | "CUnsafeLoader"
                        ) {
                            Some(format!("{q}(Loader={last})"))
                        } else {
                            None
                        }
                    }
                }
            }
            _ => None,
        }
    }

    fn check_assignment_global(&self, n: Node) {
        let (Some(left), Some(right)) = (n.field("left"), n.field("right")) else {
            return;
        };
        if kind_of(left) == "attribute"
            && let Some(attr) = left.field("attribute")
        {
            let attr = self.text(attr);
            let disables = match attr {
                "check_hostname" | "verify" => kind_of(right) == "false",
                "verify_mode" => self.text(right).contains("CERT_NONE"),
                _ => false,
            } || self.qname(right).as_deref()
                == Some("ssl._create_unverified_context");
            if disables {
                self.emit(
                    1,
                    "CODE005",
                    n,
                    None,
                    format!(
                        "`{} = {}` disables TLS verification",
                        short(self.text(left)),
                        short(self.text(right))
                    ),
                    format!("{}|{}", self.enclosing_fn(n), norm(self.text(n))),
                );
            }
        }
        if let Some(name) = target_name(left, self.src) {
            self.check_secret_literal(n, &name, right);
        }
    }

    /// ENV003 (b): a secret-looking literal stored under a secret-like name.
    fn check_secret_literal(&self, at: Node, name: &str, value: Node) {
        let Some(lit) = string_literal(value, self.src) else {
            return;
        };
        if lit.len() < 6 || !secrets::is_secret_name(name) {
            return;
        }
        // A known-format credential inside is reported by the known-format scan.
        if !secrets::known_formats(&lit).is_empty() {
            return;
        }
        let Some(sev) = secrets::literal_secret_severity(&lit) else {
            return;
        };
        let _ = at;
        let f = self.enclosing_fn(value);
        let (line, column) = self.lines.pos(self.src, value.start_byte());
        self.out.borrow_mut().push(
            0,
            CodeFinding {
                rule_id: "ENV003",
                severity: Some(sev),
                line,
                column,
                message: scrub(&format!(
                    "hard-coded secret assigned to `{}` ({})",
                    short(name),
                    secrets::mask(&lit)
                )),
                key: scrub(&format!("{f}|{name}")),
                name: Some(name.to_string()),
            },
        );
    }
}

fn is_http_client(q: &str) -> bool {
    const ROOTS: &[&str] = &[
        "requests.",
        "httpx.",
        "aiohttp.",
        "urllib3.",
        "boto3.",
        "botocore.",
    ];
    const LAST: &[&str] = &[
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "head",
        "options",
        "request",
        "send",
        "stream",
        "urlopen",
        "Session",
        "Client",
        "AsyncClient",
        "client",
        "resource",
        "PoolManager",
    ];
    ROOTS.iter().any(|r| q.starts_with(r)) || LAST.contains(&q.rsplit('.').next().unwrap_or(""))
}

/// Positional and keyword arguments of a call.
struct Args<'t> {
    pos: Vec<Node<'t>>,
    kwargs: Vec<Node<'t>>,
}

impl<'t> Args<'t> {
    fn of(call: Node<'t>) -> Args<'t> {
        let mut pos = Vec::new();
        let mut kwargs = Vec::new();
        if let Some(a) = call.field("arguments") {
            if kind_of(a) == "generator_expression" {
                pos.push(a);
            } else {
                for c in named_children(a) {
                    match kind_of(c) {
                        "keyword_argument" => kwargs.push(c),
                        "list_splat" | "dictionary_splat" => {}
                        _ => pos.push(c),
                    }
                }
            }
        }
        Args { pos, kwargs }
    }

    /// Positional argument `i`, or the first keyword argument named in `names`.
    fn get(&self, m: &Module, i: usize, names: &[&str]) -> Option<Node<'t>> {
        self.pos.get(i).copied().or_else(|| self.kw(m, names))
    }

    fn kw(&self, m: &Module, names: &[&str]) -> Option<Node<'t>> {
        self.kwargs.iter().find_map(|k| {
            let name = k.field("name")?;
            if names.contains(&m.text(name)) {
                k.field("value")
            } else {
                None
            }
        })
    }
}

// ---------------------------------------------------------------------------
// Per-function taint analysis

#[derive(Clone, Copy, PartialEq, Eq)]
enum DefKind {
    /// `x = rhs`: kills earlier taint when clean and unconditional.
    Strong,
    /// `x = rhs` where rhs is not x's whole value (tuple unpacking, loop variable).
    Opaque,
    /// `x += rhs`.
    Aug,
    /// `x[k] = rhs`, `x.a = rhs`: adds taint, never removes it.
    Weak,
}

struct Def<'t> {
    start: usize,
    /// Byte offset after which the definition is visible.
    pos: usize,
    /// Byte range of the block that always runs the definition.
    scope: (usize, usize),
    rhs: Option<Node<'t>>,
    kind: DefKind,
    origin: Option<Origin>,
}

struct Guard<'t> {
    pos: usize,
    /// The collection compared against (`x in ALLOWED`); None for validator calls.
    against: Option<Node<'t>>,
}

struct FnCtx<'m, 't> {
    m: &'m Module<'t>,
    name: String,
    body: Node<'t>,
    params: HashMap<String, Origin>,
    defs: HashMap<String, Vec<Def<'t>>>,
    /// (name, index) of every definition in source order.
    order: Vec<(String, usize)>,
    guards: HashMap<String, Vec<Guard<'t>>>,
    /// Calls and returns of the body (nested definitions excluded), in source order.
    calls: Vec<Node<'t>>,
    returns: Vec<Node<'t>>,
}

const SANITISERS: &[&str] = &[
    "int",
    "float",
    "bool",
    "len",
    "abs",
    "round",
    "hash",
    "ord",
    "id",
    "isinstance",
    "type",
    "shlex.quote",
    "pipes.quote",
    "uuid.UUID",
    "decimal.Decimal",
    "ipaddress.ip_address",
    "datetime.date.fromisoformat",
    "datetime.datetime.fromisoformat",
];

/// Methods whose result is a bool or a number, never attacker text.
const NON_STRING_METHODS: &[&str] = &[
    "isdigit",
    "isalnum",
    "isalpha",
    "isnumeric",
    "isdecimal",
    "isidentifier",
    "islower",
    "isupper",
    "isspace",
    "startswith",
    "endswith",
    "count",
    "find",
    "rfind",
    "index",
    "rindex",
    "hexdigest",
    "digest",
];

const VALIDATOR_METHODS: &[&str] = &[
    "isdigit",
    "isalnum",
    "isalpha",
    "isnumeric",
    "isdecimal",
    "isidentifier",
];

fn is_sanitiser(q: &str) -> bool {
    SANITISERS.contains(&q) || q.starts_with("hashlib.")
}

enum Part {
    Lit(String),
    Clean,
    Taint(Origin),
}

static HOST_FIXED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\x01|[A-Za-z][A-Za-z0-9+.\-]*://[^/?#\\]+[/?#\\])").expect("valid regex")
});
static PERCENT_FMT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"%(?:\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[sdrifxXeEgGcoa]")
        .expect("valid regex")
});
static BRACE_FMT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{[^{}]*\}").expect("valid regex"));

impl<'m, 't> FnCtx<'m, 't> {
    fn text(&self, n: Node) -> &'t str {
        self.m.text(n)
    }

    fn collect(&mut self) {
        let body = self.body;
        let src = self.m.src;
        let m = self.m;
        let mut defs: Vec<(String, Def<'t>)> = Vec::new();
        let mut guards: Vec<(String, Guard<'t>)> = Vec::new();
        let mut calls = Vec::new();
        let mut returns = Vec::new();
        walk(body, |n| {
            if !n.is_named() {
                return false;
            }
            if n != body && is_scope_boundary(kind_of(n)) {
                return false;
            }
            match kind_of(n) {
                "assignment" | "augmented_assignment" => {
                    let Some(left) = n.field("left") else {
                        return true;
                    };
                    let mut right = n.field("right");
                    while let Some(r) = right.filter(|r| kind_of(r) == "assignment") {
                        right = r.field("right");
                    }
                    if right.is_none() {
                        return true;
                    }
                    let kind = if kind_of(n) == "augmented_assignment" {
                        DefKind::Aug
                    } else {
                        DefKind::Strong
                    };
                    bind(
                        src,
                        left,
                        right,
                        kind,
                        n.start_byte(),
                        n.end_byte(),
                        scope_of(n),
                        &mut defs,
                        0,
                    );
                }
                "for_statement" => {
                    if let (Some(left), Some(right)) = (n.field("left"), n.field("right")) {
                        let scope = (n.start_byte(), n.end_byte());
                        bind(
                            src,
                            left,
                            Some(right),
                            DefKind::Opaque,
                            n.start_byte(),
                            right.end_byte(),
                            scope,
                            &mut defs,
                            0,
                        );
                    }
                }
                "named_expression" => {
                    if let (Some(name), Some(value)) = (n.field("name"), n.field("value")) {
                        bind(
                            src,
                            name,
                            Some(value),
                            DefKind::Strong,
                            n.start_byte(),
                            n.end_byte(),
                            scope_of(n),
                            &mut defs,
                            0,
                        );
                    }
                }
                "comparison_operator" => {
                    let operands = named_children(n);
                    let mut c = n.walk();
                    let is_in = n
                        .children(&mut c)
                        .any(|o| !o.is_named() && matches!(kind_of(o), "in" | "not in"));
                    if is_in
                        && operands.len() == 2
                        && let (Some(l), Some(r)) = (operands.first(), operands.get(1))
                        && !is_string(*r)
                    {
                        guards.push((
                            norm(text(*l, src)),
                            Guard {
                                pos: n.start_byte(),
                                against: Some(*r),
                            },
                        ));
                    }
                }
                "return_statement" => returns.push(n),
                "call" => {
                    calls.push(n);
                    if let Some(func) = n.field("function")
                        && kind_of(func) == "attribute"
                    {
                        let attr = func.field("attribute").map(|a| text(a, src)).unwrap_or("");
                        let checked = if VALIDATOR_METHODS.contains(&attr) {
                            func.field("object")
                        } else if matches!(attr, "fullmatch" | "match") {
                            let args = Args::of(n);
                            let q = m.qname(func).unwrap_or_default();
                            if matches!(
                                q.as_str(),
                                "re.fullmatch" | "re.match" | "regex.fullmatch" | "regex.match"
                            ) {
                                args.pos.get(1).copied()
                            } else {
                                args.pos.first().copied()
                            }
                        } else {
                            None
                        };
                        if let Some(c) = checked {
                            guards.push((
                                norm(text(c, src)),
                                Guard {
                                    pos: n.start_byte(),
                                    against: None,
                                },
                            ));
                        }
                    }
                }
                _ => {}
            }
            true
        });
        defs.sort_by_key(|(_, d)| d.pos);
        for (name, d) in defs {
            let list = self.defs.entry(name.clone()).or_default();
            list.push(d);
            self.order.push((name, list.len() - 1));
        }
        for (k, g) in guards {
            self.guards.entry(k).or_default().push(g);
        }
        self.calls = calls;
        self.returns = returns;
    }

    /// Flow-insensitive fix-point over the definitions (taint only grows).
    fn solve(&mut self) {
        for _ in 0..10 {
            let mut changed = false;
            for i in 0..self.order.len() {
                let Some((name, j)) = self.order.get(i).cloned() else {
                    continue;
                };
                let Some(d) = self.defs.get(&name).and_then(|v| v.get(j)) else {
                    continue;
                };
                if d.origin.is_some() {
                    continue;
                }
                let (rhs, kind, start) = (d.rhs, d.kind, d.start);
                let o = rhs.and_then(|r| self.eval(r, 0)).or_else(|| {
                    if kind == DefKind::Aug {
                        self.lookup(&name, start, 0)
                    } else {
                        None
                    }
                });
                if o.is_some() {
                    if let Some(d) = self.defs.get_mut(&name).and_then(|v| v.get_mut(j)) {
                        d.origin = o;
                    }
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    fn last_def_before(&self, name: &str, p: usize) -> usize {
        self.defs
            .get(name)
            .and_then(|ds| ds.iter().filter(|d| d.pos <= p).map(|d| d.pos).max())
            .unwrap_or(0)
    }

    /// Whether `key` was checked against an allow-list / validator before `p`.
    fn guarded(&self, key: &str, p: usize, after: usize, depth: usize) -> bool {
        let Some(gs) = self.guards.get(key) else {
            return false;
        };
        gs.iter().any(|g| {
            g.pos < p
                && g.pos >= after
                && g.against.is_none_or(|a| self.eval(a, depth + 1).is_none())
        })
    }

    /// The definition of `name` reaching `p` (tainted wins over conditional kills).
    fn reaching(&self, name: &str, p: usize) -> Reach<'_, 't> {
        if let Some(ds) = self.defs.get(name) {
            for d in ds.iter().rev().filter(|d| d.pos <= p) {
                if d.origin.is_some() {
                    return Reach::Def(d);
                }
                if matches!(d.kind, DefKind::Strong | DefKind::Opaque)
                    && d.scope.0 <= p
                    && p < d.scope.1
                {
                    return Reach::Def(d);
                }
            }
        }
        match self.params.get(name) {
            Some(o) => Reach::Param(o.clone()),
            None => Reach::None,
        }
    }

    fn lookup(&self, name: &str, p: usize, depth: usize) -> Option<Origin> {
        if self.guarded(name, p, self.last_def_before(name, p), depth) {
            return None;
        }
        match self.reaching(name, p) {
            Reach::Def(d) => d.origin.clone(),
            Reach::Param(o) => Some(o),
            Reach::None => None,
        }
    }

    /// `inner` is the source expression itself: name the larger expression instead.
    fn extend(&self, o: Origin, inner: Node, outer: Node) -> Origin {
        if short(self.text(inner)) == *o {
            // `event.get('k', default)`: name the key, never the default (it may be a secret).
            let args = Args::of(outer);
            if kind_of(outer) == "call" && args.pos.len() + args.kwargs.len() > 1 {
                let first = args.pos.first().map(|a| self.text(*a)).unwrap_or("");
                return Rc::from(short(&format!("{o}({first}, ...)")).as_str());
            }
            Rc::from(short(self.text(outer)).as_str())
        } else {
            o
        }
    }

    /// The taint of an expression: where it came from, or None when clean.
    fn eval(&self, n: Node<'t>, depth: usize) -> Option<Origin> {
        if depth > MAX_DEPTH {
            return None;
        }
        let d = depth + 1;
        match kind_of(n) {
            "identifier" => self.lookup(self.text(n), n.start_byte(), d),
            "attribute" | "subscript" => {
                let inner = n.field("object").or_else(|| n.field("value"))?;
                let o = self.eval(inner, d)?;
                if self.guarded(&norm(self.text(n)), n.start_byte(), 0, d) {
                    return None;
                }
                Some(self.extend(o, inner, n))
            }
            "call" => self.eval_call(n, d),
            "string" => named_children(n)
                .into_iter()
                .filter(|c| kind_of(c) == "interpolation")
                .find_map(|c| c.field("expression").and_then(|e| self.eval(e, d))),
            "conditional_expression" => {
                let c = named_children(n);
                c.first()
                    .and_then(|a| self.eval(*a, d))
                    .or_else(|| c.get(2).and_then(|b| self.eval(*b, d)))
            }
            "keyword_argument" => n.field("value").and_then(|v| self.eval(v, d)),
            "binary_operator" | "boolean_operator" => {
                // Long `a + b + c ...` chains nest to the left: flatten without recursing.
                let mut operands = Vec::new();
                let mut cur = n;
                while matches!(kind_of(cur), "binary_operator" | "boolean_operator") {
                    if let Some(r) = cur.field("right") {
                        operands.push(r);
                    }
                    match cur.field("left") {
                        Some(l) => cur = l,
                        None => break,
                    }
                }
                if !matches!(kind_of(cur), "binary_operator" | "boolean_operator") {
                    operands.push(cur);
                }
                operands.into_iter().rev().find_map(|o| self.eval(o, d))
            }
            "comparison_operator"
            | "not_operator"
            | "unary_operator"
            | "integer"
            | "float"
            | "true"
            | "false"
            | "none"
            | "lambda"
            | "string_content"
            | "slice"
            | "ellipsis"
            | "comment" => None,
            _ => named_children(n).into_iter().find_map(|c| self.eval(c, d)),
        }
    }

    fn eval_call(&self, n: Node<'t>, d: usize) -> Option<Origin> {
        let func = n.field("function")?;
        let q = self.m.qname(func);
        if q.as_deref().is_some_and(is_sanitiser) {
            return None;
        }
        let args = Args::of(n);
        if kind_of(func) == "attribute" {
            let attr = func.field("attribute").map(|a| self.text(a)).unwrap_or("");
            if NON_STRING_METHODS.contains(&attr) {
                return None;
            }
            if let Some(o) = self.eval(func, d) {
                return Some(self.extend(o, func, n));
            }
        } else if kind_of(func) == "identifier" {
            let name = self.text(func);
            if !self.m.aliases.contains_key(name)
                && let Some(&idx) = self.m.func_index.get(name)
            {
                return self.call_local(idx, &args, d);
            }
        }
        args.pos
            .iter()
            .chain(args.kwargs.iter())
            .find_map(|a| self.eval(*a, d))
    }

    /// One interprocedural step into a module-level function.
    fn call_local(&self, idx: usize, args: &Args<'t>, d: usize) -> Option<Origin> {
        let func = *self.m.funcs.get(idx)?;
        let names = param_names(func, self.m.src);
        let mut taint: Vec<Option<Origin>> = vec![None; names.len()];
        for (i, a) in args.pos.iter().enumerate() {
            if let Some(slot) = taint.get_mut(i) {
                *slot = self.eval(*a, d);
            }
        }
        for k in &args.kwargs {
            let (Some(name), Some(v)) = (k.field("name"), k.field("value")) else {
                continue;
            };
            if let Some(i) = names.iter().position(|p| p == self.text(name))
                && let Some(slot) = taint.get_mut(i)
            {
                *slot = self.eval(v, d);
            }
        }
        self.m.summary(idx, taint)
    }

    fn return_taint(&self) -> Option<Origin> {
        self.returns
            .iter()
            .find_map(|r| named_children(*r).into_iter().find_map(|c| self.eval(c, 0)))
    }

    // -- URL host taint (SSRF) ---------------------------------------------

    /// Taint of the scheme/host part of a URL expression.
    fn url_host_taint(&self, n: Node<'t>, depth: usize) -> Option<Origin> {
        if depth > 8 {
            return self.eval(n, 0);
        }
        match kind_of(n) {
            "identifier" => match self.reaching(self.text(n), n.start_byte()) {
                _ if self.eval(n, 0).is_none() => None,
                Reach::Def(def) if def.kind == DefKind::Strong && def.origin.is_some() => {
                    let rhs = def.rhs?;
                    self.url_host_taint(rhs, depth + 1)
                }
                _ => self.eval(n, 0),
            },
            "parenthesized_expression" => named_children(n)
                .first()
                .and_then(|c| self.url_host_taint(*c, depth + 1)),
            "string" | "concatenated_string" => {
                let mut parts = Vec::new();
                self.string_parts(n, &mut parts);
                self.host_of(&parts)
            }
            "binary_operator" => {
                let op = n.field("operator").map(|o| kind_of(o)).unwrap_or("");
                match op {
                    "+" => {
                        let mut parts = Vec::new();
                        self.concat_parts(n, &mut parts, 0);
                        self.host_of(&parts)
                    }
                    "%" => {
                        let left = n.field("left")?;
                        let right = n.field("right")?;
                        match string_literal(left, self.m.src) {
                            Some(fmt) => {
                                let t = self.eval(right, 0);
                                self.host_of(&format_parts(&fmt, &PERCENT_FMT, t))
                            }
                            None => self.eval(n, 0),
                        }
                    }
                    _ => self.eval(n, 0),
                }
            }
            "call" => {
                let func = n.field("function")?;
                if kind_of(func) == "attribute"
                    && func.field("attribute").map(|a| self.text(a)) == Some("format")
                    && let Some(fmt) = func
                        .field("object")
                        .and_then(|o| string_literal(o, self.m.src))
                {
                    let args = Args::of(n);
                    let t = args
                        .pos
                        .iter()
                        .chain(args.kwargs.iter())
                        .find_map(|a| self.eval(*a, 0));
                    return self.host_of(&format_parts(&fmt, &BRACE_FMT, t));
                }
                self.eval(n, 0)
            }
            _ => self.eval(n, 0),
        }
    }

    fn string_parts(&self, n: Node<'t>, parts: &mut Vec<Part>) {
        for c in named_children(n) {
            match kind_of(c) {
                "string" => self.string_parts(c, parts),
                "string_content" => parts.push(Part::Lit(self.text(c).to_string())),
                "interpolation" => match c.field("expression").and_then(|e| self.eval(e, 0)) {
                    Some(o) => parts.push(Part::Taint(o)),
                    None => parts.push(Part::Clean),
                },
                _ => {}
            }
        }
    }

    fn concat_parts(&self, n: Node<'t>, parts: &mut Vec<Part>, depth: usize) {
        let is_plus =
            kind_of(n) == "binary_operator" && n.field("operator").map(|o| kind_of(o)) == Some("+");
        if is_plus && depth < 32 {
            if let Some(l) = n.field("left") {
                self.concat_parts(l, parts, depth + 1);
            }
            if let Some(r) = n.field("right") {
                self.concat_parts(r, parts, depth + 1);
            }
        } else if is_string(n) {
            self.string_parts(n, parts);
        } else {
            match self.eval(n, 0) {
                Some(o) => parts.push(Part::Taint(o)),
                None => parts.push(Part::Clean),
            }
        }
    }

    /// The first tainted part, unless a fixed scheme://host/ (or a clean base) precedes it.
    fn host_of(&self, parts: &[Part]) -> Option<Origin> {
        let mut prefix = String::new();
        for p in parts {
            match p {
                Part::Lit(s) => prefix.push_str(s),
                Part::Clean => prefix.push('\x01'),
                Part::Taint(o) => {
                    return if HOST_FIXED.is_match(&prefix) {
                        None
                    } else {
                        Some(o.clone())
                    };
                }
            }
        }
        None
    }

    // -- Sinks ----------------------------------------------------------------

    fn check_sinks(&self) {
        for c in &self.calls {
            self.check_call(*c);
        }
    }

    /// Reports `arg` (tainted from `origin`) reaching a sink: "`body['x']` (from event['body']) reaches eval()".
    #[allow(clippy::too_many_arguments)]
    fn report(
        &self,
        rule: &'static str,
        call: Node,
        sev: Option<Severity>,
        sink: &str,
        arg: Node,
        origin: &Origin,
        phrase: &str,
    ) {
        let shown = short(self.text(arg));
        let msg = if shown == **origin {
            format!("{origin} {phrase}")
        } else {
            format!("`{shown}` (from {origin}) {phrase}")
        };
        let key = format!("{}|{}|{}", self.name, sink, norm(self.text(arg)));
        let key: String = key.chars().take(200).collect();
        self.m.emit(0, rule, call, sev, msg, key);
    }

    fn check_call(&self, n: Node<'t>) {
        let Some(func) = n.field("function") else {
            return;
        };
        let q = self.m.qname(func).unwrap_or_default();
        let last = q.rsplit('.').next().unwrap_or("");
        let args = Args::of(n);
        let m = self.m;

        // Calls into module-level helpers: analyse them with the taint they receive.
        if kind_of(func) == "identifier"
            && !m.aliases.contains_key(self.text(func))
            && let Some(&idx) = m.func_index.get(self.text(func))
        {
            self.call_local(idx, &args, 0);
            return;
        }

        // CODE001: shell commands.
        match q.as_str() {
            "subprocess.run"
            | "subprocess.call"
            | "subprocess.Popen"
            | "subprocess.check_output"
            | "subprocess.check_call" => {
                if let Some(cmd) = args.get(m, 0, &["args"]) {
                    let shell = args
                        .kw(m, &["shell"])
                        .is_some_and(|v| matches!(kind_of(v), "true") || self.text(v) == "1");
                    let via_sh = !shell && kind_of(cmd) == "list" && {
                        let first = named_children(cmd)
                            .first()
                            .and_then(|f| string_literal(*f, m.src));
                        first.is_some_and(|f| {
                            matches!(
                                f.rsplit('/').next().unwrap_or(""),
                                "sh" | "bash" | "zsh" | "dash" | "ksh"
                            )
                        }) && named_children(cmd)
                            .iter()
                            .any(|a| string_literal(*a, m.src).as_deref() == Some("-c"))
                    };
                    if (shell || via_sh)
                        && let Some(o) = self.eval(cmd, 0)
                    {
                        let sink = if shell {
                            format!("{q}(shell=True)")
                        } else {
                            format!("{q}([sh, -c, ...])")
                        };
                        self.report(
                            "CODE001",
                            n,
                            None,
                            &sink,
                            cmd,
                            &o,
                            &format!("reaches {sink}"),
                        );
                    }
                }
            }
            "os.system"
            | "os.popen"
            | "os.popen2"
            | "os.popen3"
            | "os.popen4"
            | "subprocess.getoutput"
            | "subprocess.getstatusoutput"
            | "commands.getoutput"
            | "commands.getstatusoutput"
            | "asyncio.create_subprocess_shell" => {
                if let Some(cmd) = args.get(m, 0, &["cmd", "command"])
                    && let Some(o) = self.eval(cmd, 0)
                {
                    self.report("CODE001", n, None, &q, cmd, &o, &format!("reaches {q}()"));
                }
            }
            _ => {}
        }

        // CODE002: dynamic code.
        if matches!(
            q.as_str(),
            "eval" | "exec" | "compile" | "builtins.eval" | "builtins.exec" | "builtins.compile"
        ) && let Some(code) = args.get(m, 0, &["source"])
            && let Some(o) = self.eval(code, 0)
        {
            self.report("CODE002", n, None, &q, code, &o, &format!("reaches {q}()"));
        }

        // CODE003: deserialisation of event data.
        let deser = matches!(
            q.as_str(),
            "pickle.loads"
                | "pickle.load"
                | "cPickle.loads"
                | "cPickle.load"
                | "_pickle.loads"
                | "dill.loads"
                | "dill.load"
                | "marshal.loads"
                | "marshal.load"
                | "jsonpickle.decode"
                | "shelve.open"
        ) || m.unsafe_yaml(&q, &args).is_some();
        if deser
            && let Some(data) = args.get(m, 0, &["data", "stream", "string", "file", "s"])
            && let Some(o) = self.eval(data, 0)
        {
            self.report("CODE003", n, None, &q, data, &o, &format!("reaches {q}()"));
        }

        // CODE004: SQL built from event data.
        let sql_arg = if matches!(
            last,
            "execute" | "executemany" | "executescript" | "mogrify"
        ) && kind_of(func) == "attribute"
        {
            args.get(m, 0, &["query", "sql", "operation", "statement"])
        } else if matches!(last, "execute_statement" | "batch_execute_statement") {
            args.kw(m, &["Sql", "sql"])
        } else if last == "start_query_execution" {
            args.kw(m, &["QueryString"])
        } else if matches!(q.as_str(), "sqlalchemy.text" | "sqlalchemy.sql.text")
            || matches!(last, "read_sql" | "read_sql_query")
        {
            args.get(m, 0, &["sql"])
        } else {
            None
        };
        if let Some(sql) = sql_arg
            && let Some(o) = self.eval(sql, 0)
        {
            let sink = short(self.text(func));
            self.report(
                "CODE004",
                n,
                None,
                &sink,
                sql,
                &o,
                &format!("is built into the SQL passed to {sink}()"),
            );
        }

        // CODE006: outbound request to an event-controlled host.
        const VERBS: &[&str] = &[
            "get", "post", "put", "patch", "delete", "head", "options", "stream",
        ];
        let http_lib = ["requests.", "httpx.", "aiohttp."]
            .iter()
            .any(|r| q.starts_with(r));
        let (url, host_only) = if http_lib && VERBS.contains(&last) {
            (args.get(m, 0, &["url"]), false)
        } else if http_lib && last == "request" {
            (args.get(m, 1, &["url"]), false)
        } else if matches!(
            q.as_str(),
            "urllib.request.urlopen"
                | "urllib.request.Request"
                | "urllib2.urlopen"
                | "urllib2.Request"
        ) {
            let u = args.get(m, 0, &["url"]).filter(|u| {
                // urlopen(Request(url)) is reported at the Request call.
                !(kind_of(u) == "call"
                    && u.field("function")
                        .and_then(|f| m.qname(f))
                        .is_some_and(|fq| fq.ends_with(".Request")))
            });
            (u, false)
        } else if matches!(
            q.as_str(),
            "http.client.HTTPConnection"
                | "http.client.HTTPSConnection"
                | "socket.create_connection"
        ) {
            (args.get(m, 0, &["host", "address"]), true)
        } else {
            (None, false)
        };
        if let Some(u) = url {
            let o = if host_only {
                self.eval(u, 0)
            } else {
                self.url_host_taint(u, 0)
            };
            if let Some(o) = o {
                self.report(
                    "CODE006",
                    n,
                    None,
                    &q,
                    u,
                    &o,
                    &format!("controls the host of the URL requested by {q}()"),
                );
            }
        }

        // CODE007 (file paths) and CODE008 (the whole event logged): python_rules.rs.
        self.check_files_and_logs(n, &q, &args);
    }
}

enum Reach<'a, 't> {
    Def(&'a Def<'t>),
    Param(Origin),
    None,
}

/// Splits a format string into literal parts and placeholders (tainted when `t` is).
fn format_parts(fmt: &str, re: &Regex, t: Option<Origin>) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut at = 0;
    for m in re.find_iter(fmt) {
        parts.push(Part::Lit(fmt.get(at..m.start()).unwrap_or("").to_string()));
        parts.push(match &t {
            Some(o) => Part::Taint(o.clone()),
            None => Part::Clean,
        });
        at = m.end();
    }
    parts.push(Part::Lit(fmt.get(at..).unwrap_or("").to_string()));
    parts
}

/// Records definitions made by assigning `rhs` to `target`.
#[allow(clippy::too_many_arguments)]
fn bind<'t>(
    src: &str,
    target: Node<'t>,
    rhs: Option<Node<'t>>,
    kind: DefKind,
    start: usize,
    pos: usize,
    scope: (usize, usize),
    out: &mut Vec<(String, Def<'t>)>,
    depth: usize,
) {
    if depth > 8 {
        return;
    }
    let def = |kind| Def {
        start,
        pos,
        scope,
        rhs,
        kind,
        origin: None,
    };
    match kind_of(target) {
        "identifier" => out.push((text(target, src).to_string(), def(kind))),
        "pattern_list" | "tuple_pattern" | "list_pattern" | "tuple" | "list"
        | "expression_list" => {
            let elems = named_children(target);
            let rvals = rhs
                .filter(|r| {
                    matches!(
                        kind_of(r),
                        "expression_list" | "tuple" | "list" | "pattern_list"
                    )
                })
                .map(named_children)
                .filter(|v| v.len() == elems.len());
            for (i, e) in elems.iter().enumerate() {
                match &rvals {
                    Some(v) => bind(
                        src,
                        *e,
                        v.get(i).copied(),
                        kind,
                        start,
                        pos,
                        scope,
                        out,
                        depth + 1,
                    ),
                    None => bind(
                        src,
                        *e,
                        rhs,
                        DefKind::Opaque,
                        start,
                        pos,
                        scope,
                        out,
                        depth + 1,
                    ),
                }
            }
        }
        "list_splat_pattern" | "parenthesized_expression" => {
            for e in named_children(target) {
                bind(
                    src,
                    e,
                    rhs,
                    DefKind::Opaque,
                    start,
                    pos,
                    scope,
                    out,
                    depth + 1,
                );
            }
        }
        "subscript" | "attribute" => {
            let mut base = target;
            for _ in 0..16 {
                match base.field("object").or_else(|| base.field("value")) {
                    Some(b) => base = b,
                    None => break,
                }
            }
            if kind_of(base) == "identifier" {
                out.push((text(base, src).to_string(), def(DefKind::Weak)));
            }
        }
        _ => {}
    }
}

/// The block that always executes `n` (try/with bodies count as their parent's).
fn scope_of(n: Node) -> (usize, usize) {
    let mut cur = n.parent();
    while let Some(p) = cur {
        match kind_of(p) {
            "block" => {
                if let Some(pp) = p.parent()
                    && matches!(kind_of(pp), "try_statement" | "with_statement")
                    && pp.field("body") == Some(p)
                {
                    cur = pp.parent();
                    continue;
                }
                return (p.start_byte(), p.end_byte());
            }
            "module" => return (p.start_byte(), p.end_byte()),
            _ => cur = p.parent(),
        }
    }
    (0, usize::MAX)
}

// ---------------------------------------------------------------------------
// Secrets (ENV003)

/// ENV003 (a): credentials of a known format anywhere in the text, comments included.
fn scan_known_secrets(src: &str, lines: &LineIndex, m: Option<&Module>, out: &mut Sink) {
    let enclosing = |at: usize| match m {
        Some(m) => enclosing_names(m, at),
        None => ("<module>".to_string(), None),
    };
    for f in known_secret_findings(src, lines, enclosing) {
        out.push(0, f);
    }
}

/// Enclosing function and assigned name of the literal at byte `at`.
fn enclosing_names(m: &Module, at: usize) -> (String, Option<String>) {
    let Some(node) = m.root.descendant_for_byte_range(at, at) else {
        return ("<module>".to_string(), None);
    };
    let mut var = None;
    let mut cur = Some(node);
    let mut depth = 0;
    while let Some(n) = cur {
        if var.is_none() && depth < 6 {
            var = match kind_of(n) {
                "assignment" => n.field("left").and_then(|l| target_name(l, m.src)),
                "keyword_argument" => n.field("name").map(|k| m.text(k).to_string()),
                "pair" => n.field("key").and_then(|k| string_literal(k, m.src)),
                _ => None,
            };
        }
        if kind_of(n) == "function_definition" {
            let f = n
                .field("name")
                .map(|k| m.text(k).to_string())
                .unwrap_or_default();
            return (f, var);
        }
        depth += 1;
        cur = n.parent();
    }
    ("<module>".to_string(), var)
}

static ASSIGN_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?:^|[\s,{(.\[])["']?([A-Za-z_][A-Za-z0-9_]*)["']?\s*(?::\s*[A-Za-z_][\w\[\]., ]*)?\s*[:=]\s*[rRbBuUfF]{0,2}(?:"([^"\n]*)"|'([^'\n]*)')"#,
    )
    .expect("valid regex")
});

/// ENV003 for files that do not parse: `NAME = "literal"` / `"name": "literal"` per line.
fn fallback_secret_scan(src: &str, lines: &LineIndex, out: &mut Sink) {
    for (i, line) in src.lines().enumerate() {
        let lineno = i + 1;
        if line.trim_start().starts_with('#') || out.has_line("ENV003", lineno) {
            continue;
        }
        let start = lines.starts.get(i).copied().unwrap_or(0);
        for c in ASSIGN_LINE.captures_iter(line) {
            let (Some(name), Some(value)) = (c.get(1), c.get(2).or_else(|| c.get(3))) else {
                continue;
            };
            let lit = value.as_str();
            if !secrets::is_secret_name(name.as_str()) || !secrets::known_formats(lit).is_empty() {
                continue;
            }
            let Some(sev) = secrets::literal_secret_severity(lit) else {
                continue;
            };
            let (line_no, column) = lines.pos(src, start + value.start());
            out.push(
                0,
                CodeFinding {
                    rule_id: "ENV003",
                    severity: Some(sev),
                    line: line_no,
                    column,
                    message: format!(
                        "hard-coded secret assigned to `{}` ({})",
                        short(name.as_str()),
                        secrets::mask(lit)
                    ),
                    key: format!("<unparsed>|{}", name.as_str()),
                    name: Some(name.as_str().to_string()),
                },
            );
            break;
        }
    }
}

#[path = "python_rules.rs"]
mod rules;

#[cfg(test)]
#[path = "python_tests.rs"]
mod tests;
