//! JavaScript (Node.js) analysis: `require`/`import` resolution, handler detection,
//! flow-sensitive taint propagation in source order, sinks, secrets.
//!
//! A function body is walked once, in source order, with an environment of variable
//! taints; nested callbacks share it (closures), and module-level helpers called with
//! tainted arguments are analysed one summary at a time (memoised, depth-capped).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::LazyLock;

use tree_sitter::{Language, Node, Parser, Tree};

use super::common::{LineIndex, known_secret_findings, named_children, scrub, short, walk};
use super::{CodeAnalysis, CodeFinding};
use crate::model::Severity;
use crate::secrets;

/// Recursion limit for expression evaluation.
const MAX_DEPTH: usize = 48;
/// Recursion limit for the statement walk (deeply nested input must not blow the stack).
const MAX_VISIT_DEPTH: usize = 200;
/// Interprocedural call-chain limit.
const MAX_CALL_DEPTH: usize = 4;

/// Sanitised for URL sinks (`encodeURIComponent`).
const SAFE_URL: u8 = 1;
/// Sanitised for file-path sinks (`path.basename`, a `startsWith` check).
const SAFE_PATH: u8 = 2;
/// Sinks that no sanitiser flag satisfies (shell, eval, SQL): only real sanitisers stop them.
const CTX_ANY: u8 = 0;

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

static LANGUAGE: LazyLock<Language> = LazyLock::new(|| tree_sitter_javascript::LANGUAGE.into());

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

fn new_parser() -> Option<Parser> {
    let mut p = Parser::new();
    p.set_language(&LANGUAGE).ok()?;
    Some(p)
}

fn parse(source: &str) -> Option<Tree> {
    PARSER.with(|cell| match cell.try_borrow_mut() {
        Ok(mut slot) => {
            if slot.is_none() {
                *slot = new_parser();
            }
            slot.as_mut()?.parse(source, None)
        }
        Err(_) => new_parser()?.parse(source, None),
    })
}

/// Analyses one JavaScript source file (`.js`, `.mjs`, `.cjs`). `handler` is the handler
/// export name (`handler` from `Handler: index.handler`) when known.
pub fn analyze_javascript(source: &str, handler: Option<&str>) -> CodeAnalysis {
    let lines = LineIndex::new(source);
    let Some(tree) = parse(source) else {
        let mut out = Sink::default();
        scan_known_secrets(source, &lines, None, &mut out);
        return CodeAnalysis {
            findings: out.finish(),
            parse_error: Some((1, "could not parse the file".to_string())),
        };
    };
    let root = tree.root_node();
    let parse_error = first_syntax_error(root);
    let m = Module::new(source, root, lines);
    for idx in m.handlers(handler) {
        let Some(func) = m.funcs.get(idx).map(|f| f.node) else {
            continue;
        };
        let Some(first) = param_nodes(func).into_iter().next() else {
            continue;
        };
        let origin = Taint::new(text(first, source));
        let mut args = vec![None; param_nodes(func).len()];
        if let Some(a) = args.first_mut() {
            *a = Some(origin);
        }
        m.summary(idx, args, true);
    }
    m.global_scan();
    scan_known_secrets(source, &m.lines, Some(&m), &mut m.out.borrow_mut());
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
        .map(|c| if c == '"' || c == '`' { '\'' } else { c })
        .collect()
}

fn is_function(kind: &str) -> bool {
    matches!(
        kind,
        "function_declaration"
            | "function_expression"
            | "arrow_function"
            | "generator_function_declaration"
            | "generator_function"
            | "method_definition"
            | "class_declaration"
            | "class"
    )
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

/// Parameter nodes of a function (identifier, pattern or `x = default`), in order.
fn param_nodes(func: Node) -> Vec<Node> {
    if let Some(p) = func.child_by_field_name("parameter") {
        return vec![p];
    }
    func.child_by_field_name("parameters")
        .map(named_children)
        .unwrap_or_default()
}

/// The literal value of a string or of a template string without substitutions.
fn string_literal(n: Node, src: &str) -> Option<String> {
    match kind_of(n) {
        "string" => {
            let mut v = String::new();
            for c in named_children(n) {
                if matches!(kind_of(c), "string_fragment" | "escape_sequence") {
                    v.push_str(text(c, src));
                }
            }
            Some(v)
        }
        "template_string" => {
            let mut v = String::new();
            for c in named_children(n) {
                match kind_of(c) {
                    "string_fragment" | "escape_sequence" => v.push_str(text(c, src)),
                    _ => return None,
                }
            }
            Some(v)
        }
        _ => None,
    }
}

fn is_string(n: Node) -> bool {
    matches!(kind_of(n), "string" | "template_string")
}

/// A property key as written: `a`, `'a'`, `["a"]`.
fn key_name(k: Node, src: &str) -> Option<String> {
    match kind_of(k) {
        "property_identifier" | "identifier" | "shorthand_property_identifier" => {
            Some(text(k, src).to_string())
        }
        "string" => string_literal(k, src),
        "computed_property_name" => named_children(k)
            .first()
            .and_then(|c| string_literal(*c, src)),
        _ => None,
    }
}

/// The name a value is stored under: `X = ...`, `obj.x = ...`, `obj['x'] = ...`.
fn target_name(n: Node, src: &str) -> Option<String> {
    match kind_of(n) {
        "identifier" => Some(text(n, src).to_string()),
        "member_expression" => n
            .child_by_field_name("property")
            .map(|p| text(p, src).to_string()),
        "subscript_expression" => n
            .child_by_field_name("index")
            .and_then(|i| string_literal(i, src)),
        _ => None,
    }
}

/// `node:fs` → `fs`, `fs/promises` → `fs`.
fn module_name(m: &str) -> String {
    let m = m.strip_prefix("node:").unwrap_or(m);
    match m {
        "fs/promises" => "fs".to_string(),
        "child_process/promises" => "child_process".to_string(),
        _ => m.to_string(),
    }
}

/// The object literal's `key: value` for `key`.
fn object_prop<'t>(obj: Node<'t>, key: &str, src: &str) -> Option<Node<'t>> {
    if kind_of(obj) != "object" {
        return None;
    }
    named_children(obj)
        .into_iter()
        .find_map(|p| match kind_of(p) {
            "pair" => {
                let k = p.child_by_field_name("key")?;
                (key_name(k, src).as_deref() == Some(key))
                    .then(|| p.child_by_field_name("value"))
                    .flatten()
            }
            "shorthand_property_identifier" if text(p, src) == key => Some(p),
            _ => None,
        })
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
// Taint

/// Where tainted data came from (`event.body`) and which sink kinds it is safe for.
#[derive(Clone, Debug)]
struct Taint {
    origin: Rc<str>,
    safe: u8,
}

impl Taint {
    fn new(origin: &str) -> Taint {
        Taint {
            origin: Rc::from(short(origin).as_str()),
            safe: 0,
        }
    }

    fn with_safe(mut self, bits: u8) -> Taint {
        self.safe |= bits;
        self
    }

    /// Still dangerous for a sink of kind `ctx`.
    fn live(self, ctx: u8) -> Option<Taint> {
        (self.safe & ctx == 0).then_some(self)
    }
}

/// The less sanitised of two taints.
fn merge(a: Option<Taint>, b: Option<Taint>) -> Option<Taint> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(a), Some(b)) => {
            let safe = a.safe & b.safe;
            let mut t = if a.safe <= b.safe { a } else { b };
            t.safe = safe;
            Some(t)
        }
    }
}

// ---------------------------------------------------------------------------
// Module: imports, functions, summaries

struct Func<'t> {
    name: String,
    node: Node<'t>,
    exported: bool,
}

struct Module<'t> {
    src: &'t str,
    root: Node<'t>,
    lines: LineIndex,
    /// Local name -> qualified name (`cp` -> `child_process`, `exec` -> `child_process.exec`).
    aliases: HashMap<String, String>,
    funcs: Vec<Func<'t>>,
    func_index: HashMap<String, usize>,
    memo: RefCell<HashMap<(usize, u64), Option<Taint>>>,
    in_progress: RefCell<Vec<(usize, u64)>>,
    out: RefCell<Sink>,
}

impl<'t> Module<'t> {
    fn new(src: &'t str, root: Node<'t>, lines: LineIndex) -> Module<'t> {
        let mut m = Module {
            src,
            root,
            lines,
            aliases: HashMap::new(),
            funcs: Vec::new(),
            func_index: HashMap::new(),
            memo: RefCell::new(HashMap::new()),
            in_progress: RefCell::new(Vec::new()),
            out: RefCell::new(Sink::default()),
        };
        m.collect_imports();
        m.collect_functions();
        m
    }

    fn text(&self, n: Node) -> &'t str {
        text(n, self.src)
    }

    /// `require('m')` → `m` (also through `.default` and `util.promisify(...)`).
    fn required_module(&self, n: Node) -> Option<String> {
        let mut n = n;
        for _ in 0..8 {
            if !matches!(kind_of(n), "await_expression" | "parenthesized_expression") {
                break;
            }
            n = named_children(n).last().copied()?;
        }
        match kind_of(n) {
            "call_expression" => {
                let f = n.child_by_field_name("function")?;
                let args = call_args(n);
                if kind_of(f) == "identifier" && self.text(f) == "require" {
                    return args
                        .first()
                        .and_then(|a| string_literal(*a, self.src))
                        .map(|s| module_name(&s));
                }
                None
            }
            _ => None,
        }
    }

    fn collect_imports(&mut self) {
        let src = self.src;
        let mut aliases: HashMap<String, String> = HashMap::new();
        walk(self.root, |n| {
            match kind_of(n) {
                "import_statement" => {
                    let Some(source) = n
                        .child_by_field_name("source")
                        .and_then(|s| string_literal(s, src))
                    else {
                        return false;
                    };
                    let module = module_name(&source);
                    walk(n, |c| {
                        match kind_of(c) {
                            "import_clause" => {
                                for d in named_children(c) {
                                    if kind_of(d) == "identifier" {
                                        aliases.insert(text(d, src).to_string(), module.clone());
                                    }
                                }
                            }
                            "namespace_import" => {
                                if let Some(id) = named_children(c)
                                    .into_iter()
                                    .find(|x| kind_of(x) == "identifier")
                                {
                                    aliases.insert(text(id, src).to_string(), module.clone());
                                }
                            }
                            "import_specifier" => {
                                let name = c.child_by_field_name("name").map(|x| text(x, src));
                                let alias = c.child_by_field_name("alias").map(|x| text(x, src));
                                if let Some(name) = name {
                                    let q = if name == "default" {
                                        module.clone()
                                    } else {
                                        format!("{module}.{name}")
                                    };
                                    aliases.insert(alias.unwrap_or(name).to_string(), q);
                                }
                            }
                            _ => {}
                        }
                        true
                    });
                    return false;
                }
                "variable_declarator" => {
                    if let (Some(name), Some(value)) = (
                        n.child_by_field_name("name"),
                        n.child_by_field_name("value"),
                    ) {
                        self.bind_import(name, value, &mut aliases);
                    }
                }
                _ => {}
            }
            true
        });
        self.aliases = aliases;
    }

    fn bind_import(&self, name: Node, value: Node, aliases: &mut HashMap<String, String>) {
        let src = self.src;
        // `const x = require('m').y` / `require('m').default`
        let (base, member) = if kind_of(value) == "member_expression" {
            (
                value.child_by_field_name("object"),
                value
                    .child_by_field_name("property")
                    .map(|p| text(p, src).to_string()),
            )
        } else {
            (Some(value), None)
        };
        let q = match base.and_then(|b| self.required_module(b)) {
            Some(m) => match member.as_deref() {
                None | Some("default") => m,
                Some(p) => format!("{m}.{p}"),
            },
            None => {
                // `const run = util.promisify(cp.exec)` / `promisify(exec)`
                if kind_of(value) != "call_expression" {
                    return;
                }
                let f = value.child_by_field_name("function").map(|f| text(f, src));
                if !matches!(f, Some("util.promisify" | "promisify")) {
                    return;
                }
                let Some(arg) = call_args(value).first().copied() else {
                    return;
                };
                match self.qname_with(arg, aliases, 0) {
                    Some(q) if q.contains('.') => q,
                    _ => return,
                }
            }
        };
        match kind_of(name) {
            "identifier" => {
                aliases.insert(text(name, src).to_string(), q);
            }
            "object_pattern" => {
                for p in named_children(name) {
                    match kind_of(p) {
                        "shorthand_property_identifier_pattern" => {
                            let t = text(p, src);
                            aliases.insert(t.to_string(), format!("{q}.{t}"));
                        }
                        "pair_pattern" => {
                            if let (Some(k), Some(v)) =
                                (p.child_by_field_name("key"), p.child_by_field_name("value"))
                                && kind_of(v) == "identifier"
                                && let Some(k) = key_name(k, src)
                            {
                                aliases.insert(text(v, src).to_string(), format!("{q}.{k}"));
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    /// Top-level functions: declarations, `const f = () => ...`, `exports.f = ...`.
    fn collect_functions(&mut self) {
        let src = self.src;
        let mut funcs: Vec<Func<'t>> = Vec::new();
        let mut exported_names: Vec<(String, String)> = Vec::new();
        for stmt in named_children(self.root) {
            let (inner, exported) = if kind_of(stmt) == "export_statement" {
                match stmt
                    .child_by_field_name("declaration")
                    .or_else(|| stmt.child_by_field_name("value"))
                {
                    Some(d) => (d, true),
                    None => {
                        // `export { main as handler }`
                        walk(stmt, |c| {
                            if kind_of(c) == "export_specifier"
                                && let Some(name) = c.child_by_field_name("name")
                            {
                                let alias = c.child_by_field_name("alias").unwrap_or(name);
                                exported_names.push((
                                    text(alias, src).to_string(),
                                    text(name, src).to_string(),
                                ));
                            }
                            true
                        });
                        continue;
                    }
                }
            } else {
                (stmt, false)
            };
            match kind_of(inner) {
                "function_declaration" | "generator_function_declaration" => {
                    if let Some(name) = inner.child_by_field_name("name") {
                        funcs.push(Func {
                            name: text(name, src).to_string(),
                            node: inner,
                            exported,
                        });
                    }
                }
                "lexical_declaration" | "variable_declaration" => {
                    for d in named_children(inner) {
                        if kind_of(d) != "variable_declarator" {
                            continue;
                        }
                        if let (Some(name), Some(value)) = (
                            d.child_by_field_name("name"),
                            d.child_by_field_name("value"),
                        ) && kind_of(name) == "identifier"
                            && let Some(f) = unwrap_function(value)
                        {
                            funcs.push(Func {
                                name: text(name, src).to_string(),
                                node: f,
                                exported,
                            });
                        }
                    }
                }
                "expression_statement" => {
                    let Some(a) = named_children(inner)
                        .into_iter()
                        .find(|c| kind_of(c) == "assignment_expression")
                    else {
                        continue;
                    };
                    let (Some(left), Some(right)) = (
                        a.child_by_field_name("left"),
                        a.child_by_field_name("right"),
                    ) else {
                        continue;
                    };
                    let lt = norm(text(left, src));
                    if lt == "module.exports" || lt == "exports" {
                        // `module.exports = { handler }` / `{ handler: async (e) => ... }`
                        if kind_of(right) == "object" {
                            for p in named_children(right) {
                                match kind_of(p) {
                                    "shorthand_property_identifier" => {
                                        let t = text(p, src).to_string();
                                        exported_names.push((t.clone(), t));
                                    }
                                    "pair" => {
                                        let (Some(k), Some(v)) = (
                                            p.child_by_field_name("key"),
                                            p.child_by_field_name("value"),
                                        ) else {
                                            continue;
                                        };
                                        let Some(k) = key_name(k, src) else { continue };
                                        if let Some(f) = unwrap_function(v) {
                                            funcs.push(Func {
                                                name: k,
                                                node: f,
                                                exported: true,
                                            });
                                        } else if kind_of(v) == "identifier" {
                                            exported_names.push((k, text(v, src).to_string()));
                                        }
                                    }
                                    "method_definition" => {
                                        if let Some(k) = p
                                            .child_by_field_name("name")
                                            .and_then(|k| key_name(k, src))
                                        {
                                            funcs.push(Func {
                                                name: k,
                                                node: p,
                                                exported: true,
                                            });
                                        }
                                    }
                                    _ => {}
                                }
                            }
                        }
                        continue;
                    }
                    let export = lt
                        .strip_prefix("module.exports.")
                        .or_else(|| lt.strip_prefix("exports."));
                    let Some(name) = export.filter(|n| !n.contains('.')) else {
                        continue;
                    };
                    if let Some(f) = unwrap_function(right) {
                        funcs.push(Func {
                            name: name.to_string(),
                            node: f,
                            exported: true,
                        });
                    } else if kind_of(right) == "identifier" {
                        exported_names.push((name.to_string(), text(right, src).to_string()));
                    }
                }
                _ => {}
            }
        }
        let mut index = HashMap::new();
        for (i, f) in funcs.iter().enumerate() {
            // Exports win over same-named locals.
            if f.exported || !index.contains_key(&f.name) {
                index.insert(f.name.clone(), i);
            }
        }
        for (export, local) in exported_names {
            if let Some(&i) = index.get(&local) {
                if let Some(f) = funcs.get_mut(i) {
                    f.exported = true;
                }
                index.entry(export).or_insert(i);
            }
        }
        self.funcs = funcs;
        self.func_index = index;
    }

    /// Handler functions: the named export when it exists, else by convention.
    fn handlers(&self, handler: Option<&str>) -> Vec<usize> {
        if let Some(h) = handler {
            let name = h.rsplit('.').next().unwrap_or(h);
            if let Some(&i) = self.func_index.get(name) {
                return vec![i];
            }
        }
        let mut out = Vec::new();
        for (i, f) in self.funcs.iter().enumerate() {
            let name = f.name.to_ascii_lowercase();
            let params = param_nodes(f.node);
            let second = params.get(1).map(|p| self.text(*p)).unwrap_or("");
            if (f.exported || name.contains("handler"))
                && (name.contains("handler")
                    || matches!(second, "context" | "ctx" | "_context" | "_ctx"))
            {
                out.push(i);
            }
        }
        // `module.exports = { handler: main }`, `export { main as handler }`.
        for (name, &i) in &self.func_index {
            if name.to_ascii_lowercase().contains("handler") {
                out.push(i);
            }
        }
        // Several names may point at one function (`exports.handler = handler`).
        out.sort_by_key(|&i| self.funcs.get(i).map(|f| f.node.start_byte()));
        out.dedup_by_key(|&mut i| self.funcs.get(i).map(|f| f.node.id()));
        out
    }

    fn qname(&self, n: Node) -> Option<String> {
        self.qname_with(n, &self.aliases, 0)
    }

    /// Qualified name of a callee, with `require`/`import` aliases resolved.
    fn qname_with(
        &self,
        n: Node,
        aliases: &HashMap<String, String>,
        depth: usize,
    ) -> Option<String> {
        if depth > 16 {
            return None;
        }
        match kind_of(n) {
            "identifier" => {
                let t = self.text(n);
                Some(aliases.get(t).cloned().unwrap_or_else(|| t.to_string()))
            }
            "member_expression" => {
                let obj = n.child_by_field_name("object")?;
                let prop = self.text(n.child_by_field_name("property")?);
                let base = self
                    .required_module(obj)
                    .or_else(|| self.qname_with(obj, aliases, depth + 1))?;
                Some(format!("{base}.{prop}"))
            }
            "call_expression" => self.required_module(n),
            "parenthesized_expression" | "await_expression" => named_children(n)
                .last()
                .and_then(|c| self.qname_with(*c, aliases, depth + 1)),
            _ => None,
        }
    }

    /// Analyses function `idx` with the given parameter taint, reporting its sinks once,
    /// and returns the taint of its return value.
    fn summary(&self, idx: usize, args: Vec<Option<Taint>>, is_handler: bool) -> Option<Taint> {
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
        let func = self.funcs.get(idx)?;
        self.in_progress.borrow_mut().push(key);
        let event = if is_handler {
            param_nodes(func.node)
                .first()
                .filter(|p| kind_of(*p) == "identifier")
                .map(|p| self.text(*p).to_string())
        } else {
            None
        };
        let mut f = FnCtx {
            m: self,
            name: func.name.clone(),
            env: HashMap::new(),
            guards: HashMap::new(),
            cond: 0,
            event,
            ret: None,
        };
        for (p, a) in param_nodes(func.node).into_iter().zip(args) {
            f.bind_pattern(p, a, None, 0);
        }
        if let Some(body) = func.node.child_by_field_name("body") {
            if kind_of(body) == "statement_block" {
                f.visit(body, 0);
            } else {
                // Arrow function with an expression body: its value is returned.
                f.visit(body, 0);
                let t = f.eval(body, 0);
                f.ret = merge(f.ret.take(), t);
            }
        }
        let ret = f.ret.take();
        self.in_progress.borrow_mut().pop();
        self.memo.borrow_mut().insert(key, ret.clone());
        ret
    }

    fn emit(
        &self,
        rule_id: &'static str,
        at: Node,
        sev: Option<Severity>,
        msg: String,
        key: String,
    ) {
        let (line, column) = self.lines.pos(self.src, at.start_byte());
        let key: String = scrub(&key).chars().take(200).collect();
        self.out.borrow_mut().push(
            0,
            CodeFinding {
                rule_id,
                severity: sev,
                line,
                column,
                message: scrub(&msg),
                key,
                name: None,
            },
        );
    }

    /// Name of the function enclosing `n`, or `<module>`.
    fn enclosing_fn(&self, n: Node) -> String {
        let mut cur = n.parent();
        while let Some(p) = cur {
            if is_function(kind_of(p)) {
                if let Some(name) = p.child_by_field_name("name") {
                    return self.text(name).to_string();
                }
                // `const f = () => ...` / `exports.f = function () {...}`
                if let Some(pp) = p.parent() {
                    let named = match kind_of(pp) {
                        "variable_declarator" => pp.child_by_field_name("name"),
                        "assignment_expression" => pp.child_by_field_name("left"),
                        "pair" => pp.child_by_field_name("key"),
                        _ => None,
                    };
                    if let Some(nm) = named {
                        return norm(self.text(nm));
                    }
                }
            }
            cur = p.parent();
        }
        "<module>".to_string()
    }

    /// Taint-free checks over the whole file: CODE005 and ENV003 literals.
    fn global_scan(&self) {
        walk(self.root, |n| {
            match kind_of(n) {
                "pair" => {
                    if let (Some(k), Some(v)) =
                        (n.child_by_field_name("key"), n.child_by_field_name("value"))
                        && let Some(name) = key_name(k, self.src)
                    {
                        if matches!(name.as_str(), "rejectUnauthorized" | "strictSSL")
                            && is_falsy(v, self.src)
                        {
                            self.emit(
                                "CODE005",
                                n,
                                None,
                                format!(
                                    "`{name}: {}` disables TLS certificate verification",
                                    short(self.text(v))
                                ),
                                format!("{}|{name}", self.enclosing_fn(n)),
                            );
                        }
                        self.check_secret_literal(&name, v);
                    }
                }
                "variable_declarator" => {
                    if let (Some(k), Some(v)) = (
                        n.child_by_field_name("name"),
                        n.child_by_field_name("value"),
                    ) && kind_of(k) == "identifier"
                    {
                        self.check_secret_literal(self.text(k), v);
                    }
                }
                "assignment_expression" => {
                    if let (Some(l), Some(r)) = (
                        n.child_by_field_name("left"),
                        n.child_by_field_name("right"),
                    ) {
                        let lt = norm(self.text(l));
                        let name = target_name(l, self.src);
                        if (lt.ends_with(".NODE_TLS_REJECT_UNAUTHORIZED")
                            || lt.ends_with("['NODE_TLS_REJECT_UNAUTHORIZED']"))
                            && matches!(
                                string_literal(r, self.src)
                                    .as_deref()
                                    .or(Some(self.text(r))),
                                Some("0" | "false" | "")
                            )
                        {
                            self.emit(
                                "CODE005",
                                n,
                                None,
                                "NODE_TLS_REJECT_UNAUTHORIZED = '0' disables TLS certificate verification for every request of the process".into(),
                                format!("{}|NODE_TLS_REJECT_UNAUTHORIZED", self.enclosing_fn(n)),
                            );
                        } else if matches!(
                            name.as_deref(),
                            Some("rejectUnauthorized" | "strictSSL")
                        ) && is_falsy(r, self.src)
                        {
                            self.emit(
                                "CODE005",
                                n,
                                None,
                                format!(
                                    "`{} = {}` disables TLS certificate verification",
                                    short(self.text(l)),
                                    short(self.text(r))
                                ),
                                format!("{}|{lt}", self.enclosing_fn(n)),
                            );
                        }
                        if let Some(name) = name {
                            self.check_secret_literal(&name, r);
                        }
                    }
                }
                _ => {}
            }
            true
        });
    }

    /// ENV003 (b): a secret-looking literal stored under a secret-like name.
    fn check_secret_literal(&self, name: &str, value: Node) {
        let Some(lit) = string_literal(value, self.src) else {
            return;
        };
        if lit.len() < 6 || !secrets::is_secret_name(name) {
            return;
        }
        if !secrets::known_formats(&lit).is_empty() {
            return;
        }
        let Some(sev) = secrets::literal_secret_severity(&lit) else {
            return;
        };
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

/// `false`, `0`, `'false'`, `!1`.
fn is_falsy(v: Node, src: &str) -> bool {
    matches!(kind_of(v), "false")
        || matches!(text(v, src), "0" | "!1")
        || string_literal(v, src).as_deref() == Some("false")
}

/// The function a declaration's value is (through parentheses).
fn unwrap_function(n: Node) -> Option<Node> {
    let mut n = n;
    for _ in 0..8 {
        match kind_of(n) {
            "arrow_function" | "function_expression" | "generator_function" => return Some(n),
            "parenthesized_expression" => n = named_children(n).first().copied()?,
            _ => return None,
        }
    }
    None
}

/// Argument nodes of a call or `new` expression.
fn call_args(n: Node) -> Vec<Node> {
    n.child_by_field_name("arguments")
        .filter(|a| kind_of(a) == "arguments")
        .map(named_children)
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Per-function taint analysis

#[derive(Clone)]
struct Var<'t> {
    taint: Option<Taint>,
    /// The expression last assigned unconditionally (URL host analysis follows it).
    rhs: Option<Node<'t>>,
}

struct FnCtx<'m, 't> {
    m: &'m Module<'t>,
    name: String,
    env: HashMap<String, Var<'t>>,
    /// Normalised expression text -> sanitised-for bits (`u8::MAX`: allow-listed).
    guards: HashMap<String, u8>,
    /// > 0 inside a branch or loop: assignments there add taint but never remove it.
    cond: usize,
    /// The handler's event parameter (CODE008 looks for it being logged whole).
    event: Option<String>,
    ret: Option<Taint>,
}

/// Functions whose result carries no attacker text.
const SANITISERS: &[&str] = &[
    "parseInt",
    "parseFloat",
    "Number",
    "Number.parseInt",
    "Number.parseFloat",
    "Boolean",
    "Math.floor",
    "Math.round",
    "Math.abs",
    "Math.min",
    "Math.max",
    "isNaN",
    "Number.isInteger",
    "Array.isArray",
    "Date.parse",
    "validator.isUUID",
    "uuid.validate",
    "crypto.createHash",
    "shellescape",
    "shell-quote.quote",
    "shell-escape",
    "mysql.escape",
    "sqlstring.escape",
    "pg-format",
];

/// Methods whose result is a bool or a number, never attacker text.
const NON_STRING_METHODS: &[&str] = &[
    "includes",
    "startsWith",
    "endsWith",
    "indexOf",
    "lastIndexOf",
    "test",
    "length",
    "has",
    "localeCompare",
    "charCodeAt",
    "digest",
    "getTime",
    "valueOf",
];

/// Callback-taking array methods: the callback's first parameter is an element.
const ITERATORS: &[&str] = &[
    "forEach", "map", "filter", "find", "some", "every", "flatMap", "findLast",
];

impl<'m, 't> FnCtx<'m, 't> {
    fn text(&self, n: Node) -> &'t str {
        self.m.text(n)
    }

    // -- environment --------------------------------------------------------

    fn set(&mut self, name: &str, taint: Option<Taint>, rhs: Option<Node<'t>>) {
        self.guards.remove(name);
        if self.cond > 0 {
            let old = self.env.get(name).cloned();
            let taint = merge(old.as_ref().and_then(|v| v.taint.clone()), taint);
            let rhs = old.and_then(|v| v.rhs).or(rhs);
            self.env.insert(name.to_string(), Var { taint, rhs });
        } else {
            self.env.insert(name.to_string(), Var { taint, rhs });
        }
    }

    /// Binds an identifier or destructuring pattern to a value's taint.
    fn bind_pattern(
        &mut self,
        pat: Node<'t>,
        t: Option<Taint>,
        rhs: Option<Node<'t>>,
        depth: usize,
    ) {
        if depth > 8 {
            return;
        }
        let field = |t: &Option<Taint>, key: &str| {
            t.clone().map(|t| {
                let o = format!("{}.{key}", t.origin);
                Taint {
                    origin: Rc::from(short(&o).as_str()),
                    safe: t.safe,
                }
            })
        };
        match kind_of(pat) {
            "identifier" | "shorthand_property_identifier_pattern" => {
                let name = self.text(pat).to_string();
                self.set(&name, t, rhs);
            }
            "object_pattern" => {
                for p in named_children(pat) {
                    match kind_of(p) {
                        "shorthand_property_identifier_pattern" => {
                            let k = self.text(p).to_string();
                            let ft = field(&t, &k);
                            self.set(&k, ft, None);
                        }
                        "pair_pattern" => {
                            let (Some(k), Some(v)) =
                                (p.child_by_field_name("key"), p.child_by_field_name("value"))
                            else {
                                continue;
                            };
                            let k = key_name(k, self.m.src).unwrap_or_else(|| "[...]".into());
                            let ft = field(&t, &k);
                            self.bind_pattern(v, ft, None, depth + 1);
                        }
                        "object_assignment_pattern" => {
                            // `{ cmd = 'ls' }`: the default is clean, the event's value is not.
                            if let Some(l) = p.child_by_field_name("left") {
                                let k = self.text(l).to_string();
                                let ft = field(&t, &k);
                                self.bind_pattern(l, ft, None, depth + 1);
                            }
                        }
                        "rest_pattern" => {
                            for c in named_children(p) {
                                self.bind_pattern(c, t.clone(), None, depth + 1);
                            }
                        }
                        _ => {}
                    }
                }
            }
            "array_pattern" => {
                for (i, c) in named_children(pat).into_iter().enumerate() {
                    let ft = field(&t, &format!("[{i}]"));
                    self.bind_pattern(c, ft, None, depth + 1);
                }
            }
            "assignment_pattern" => {
                if let Some(l) = pat.child_by_field_name("left") {
                    let r = pat.child_by_field_name("right");
                    let dt = r.and_then(|r| self.eval(r, 0));
                    self.bind_pattern(l, merge(t, dt), None, depth + 1);
                }
            }
            "rest_pattern" => {
                for c in named_children(pat) {
                    self.bind_pattern(c, t.clone(), None, depth + 1);
                }
            }
            "member_expression" | "subscript_expression" => {
                // `obj.k = tainted`: the object now holds attacker data.
                let mut base = pat;
                for _ in 0..16 {
                    match base.child_by_field_name("object") {
                        Some(b) => base = b,
                        None => break,
                    }
                }
                if kind_of(base) == "identifier" && t.is_some() {
                    let name = self.text(base).to_string();
                    let old = self.env.get(&name).and_then(|v| v.taint.clone());
                    let rhs0 = self.env.get(&name).and_then(|v| v.rhs);
                    self.env.insert(
                        name,
                        Var {
                            taint: merge(old, t),
                            rhs: rhs0,
                        },
                    );
                }
            }
            _ => {}
        }
    }

    fn lookup(&self, name: &str) -> Option<Taint> {
        let t = self.env.get(name).and_then(|v| v.taint.clone())?;
        match self.guards.get(name) {
            Some(&u8::MAX) => None,
            Some(&bits) => Some(t.with_safe(bits)),
            None => Some(t),
        }
    }

    /// `inner` is the source expression itself: name the larger expression instead.
    fn extend(&self, t: Taint, inner: Node, outer: Node) -> Taint {
        if short(self.text(inner)) == *t.origin {
            Taint {
                origin: Rc::from(short(self.text(outer)).as_str()),
                safe: t.safe,
            }
        } else {
            t
        }
    }

    // -- expressions ----------------------------------------------------------

    /// The taint of an expression: where it came from, or None when clean.
    fn eval(&self, n: Node<'t>, depth: usize) -> Option<Taint> {
        if depth > MAX_DEPTH {
            return None;
        }
        let d = depth + 1;
        match kind_of(n) {
            "identifier" => self.lookup(self.text(n)),
            "member_expression" | "subscript_expression" => {
                let prop = n
                    .child_by_field_name("property")
                    .map(|p| self.text(p))
                    .unwrap_or("");
                if prop == "length" {
                    return None;
                }
                let inner = n.child_by_field_name("object")?;
                let t = self.eval(inner, d)?;
                match self.guards.get(&norm(self.text(n))) {
                    Some(&u8::MAX) => None,
                    Some(&bits) => Some(self.extend(t, inner, n).with_safe(bits)),
                    None => Some(self.extend(t, inner, n)),
                }
            }
            "call_expression" => self.eval_call(n, d),
            "new_expression" => {
                let q = n
                    .child_by_field_name("constructor")
                    .and_then(|c| self.m.qname(c))
                    .unwrap_or_default();
                if matches!(q.as_str(), "Number" | "Date" | "Boolean") {
                    return None;
                }
                call_args(n)
                    .into_iter()
                    .fold(None, |acc, a| merge(acc, self.eval(a, d)))
            }
            "template_string" => named_children(n)
                .into_iter()
                .filter(|c| kind_of(c) == "template_substitution")
                .fold(None, |acc, c| {
                    merge(
                        acc,
                        named_children(c).first().and_then(|e| self.eval(*e, d)),
                    )
                }),
            "ternary_expression" => merge(
                n.child_by_field_name("consequence")
                    .and_then(|c| self.eval(c, d)),
                n.child_by_field_name("alternative")
                    .and_then(|c| self.eval(c, d)),
            ),
            "binary_expression" => {
                let op = n
                    .child_by_field_name("operator")
                    .map(|o| kind_of(o))
                    .unwrap_or("");
                if !matches!(op, "+" | "||" | "&&" | "??") {
                    return None;
                }
                // Long `a + b + c ...` chains nest to the left: flatten without recursing.
                let mut operands = Vec::new();
                let mut cur = n;
                while kind_of(cur) == "binary_expression" {
                    if let Some(r) = cur.child_by_field_name("right") {
                        operands.push(r);
                    }
                    match cur.child_by_field_name("left") {
                        Some(l) => cur = l,
                        None => break,
                    }
                }
                if kind_of(cur) != "binary_expression" {
                    operands.push(cur);
                }
                operands
                    .into_iter()
                    .rev()
                    .fold(None, |acc, o| merge(acc, self.eval(o, d)))
            }
            "assignment_expression" | "augmented_assignment_expression" => {
                n.child_by_field_name("right").and_then(|r| self.eval(r, d))
            }
            "sequence_expression" => named_children(n).last().and_then(|c| self.eval(*c, d)),
            "object"
            | "array"
            | "spread_element"
            | "pair"
            | "parenthesized_expression"
            | "await_expression"
            | "template_substitution" => named_children(n)
                .into_iter()
                .fold(None, |acc, c| merge(acc, self.eval(c, d))),
            "shorthand_property_identifier" => self.lookup(self.text(n)),
            _ => None,
        }
    }

    fn eval_call(&self, n: Node<'t>, d: usize) -> Option<Taint> {
        let func = n.child_by_field_name("function")?;
        let q = self.m.qname(func).unwrap_or_default();
        let args = call_args(n);
        if SANITISERS.contains(&q.as_str()) {
            return None;
        }
        let args_taint = || {
            args.iter()
                .fold(None, |acc, a| merge(acc, self.eval(*a, d)))
        };
        match q.as_str() {
            "encodeURIComponent" | "querystring.escape" => {
                return args_taint().map(|t| t.with_safe(SAFE_URL));
            }
            "path.basename" => return args_taint().map(|t| t.with_safe(SAFE_PATH)),
            _ => {}
        }
        if kind_of(func) == "member_expression" {
            let prop = func
                .child_by_field_name("property")
                .map(|p| self.text(p))
                .unwrap_or("");
            if NON_STRING_METHODS.contains(&prop) {
                return None;
            }
            let obj = func.child_by_field_name("object")?;
            // Method calls on tainted values (`body.trim()`, `a.concat(b)`, `JSON.parse(...)`).
            let recv = self.eval(obj, d).map(|t| self.extend(t, obj, n));
            return merge(recv, args_taint());
        }
        if kind_of(func) == "identifier"
            && !self.m.aliases.contains_key(self.text(func))
            && !self.env.contains_key(self.text(func))
            && let Some(&idx) = self.m.func_index.get(self.text(func))
        {
            return self.call_local(idx, &args, d);
        }
        args_taint()
    }

    /// One interprocedural step into a module-level function.
    fn call_local(&self, idx: usize, args: &[Node<'t>], d: usize) -> Option<Taint> {
        let func = self.m.funcs.get(idx)?;
        let n = param_nodes(func.node).len();
        let mut taint: Vec<Option<Taint>> = vec![None; n];
        for (i, a) in args.iter().enumerate() {
            if let Some(slot) = taint.get_mut(i) {
                *slot = self.eval(*a, d);
            }
        }
        self.m.summary(idx, taint, false)
    }

    // -- statement walk -------------------------------------------------------

    fn visit(&mut self, n: Node<'t>, depth: usize) {
        if depth > MAX_VISIT_DEPTH {
            return;
        }
        let d = depth + 1;
        let kind = kind_of(n);
        match kind {
            "comment" => {}
            "variable_declarator" => {
                let value = n.child_by_field_name("value");
                if let Some(v) = value {
                    self.visit(v, d);
                }
                if let Some(name) = n.child_by_field_name("name") {
                    let t = value.and_then(|v| self.eval(v, 0));
                    self.bind_pattern(name, t, value, 0);
                }
            }
            "assignment_expression" => {
                let right = n.child_by_field_name("right");
                if let Some(r) = right {
                    self.visit(r, d);
                }
                if let Some(left) = n.child_by_field_name("left") {
                    if !matches!(
                        kind_of(left),
                        "identifier" | "object_pattern" | "array_pattern"
                    ) {
                        self.visit(left, d);
                    }
                    let t = right.and_then(|r| self.eval(r, 0));
                    self.bind_pattern(left, t, right, 0);
                }
            }
            "augmented_assignment_expression" => {
                let right = n.child_by_field_name("right");
                if let Some(r) = right {
                    self.visit(r, d);
                }
                if let Some(left) = n.child_by_field_name("left") {
                    let t = merge(self.eval(left, 0), right.and_then(|r| self.eval(r, 0)));
                    if kind_of(left) == "identifier" {
                        let name = self.text(left).to_string();
                        let rhs = self.env.get(&name).and_then(|v| v.rhs);
                        self.set(&name, t, rhs);
                    } else {
                        self.bind_pattern(left, t, None, 0);
                    }
                }
            }
            "if_statement" => {
                if let Some(c) = n.child_by_field_name("condition") {
                    self.visit(c, d);
                }
                self.cond += 1;
                for f in ["consequence", "alternative"] {
                    if let Some(b) = n.child_by_field_name(f) {
                        self.visit(b, d);
                    }
                }
                self.cond -= 1;
            }
            "for_in_statement" => {
                // `for (const x of items)`: x is an element of items.
                if let Some(r) = n.child_by_field_name("right") {
                    self.visit(r, d);
                    let t = self.eval(r, 0);
                    if let Some(l) = n.child_by_field_name("left") {
                        self.cond += 1;
                        self.bind_pattern(l, t, None, 0);
                        self.cond -= 1;
                    }
                }
                self.cond += 1;
                if let Some(b) = n.child_by_field_name("body") {
                    self.visit(b, d);
                    // Once more: taint carried around the loop.
                    self.visit(b, d);
                }
                self.cond -= 1;
            }
            "for_statement" | "while_statement" | "do_statement" | "switch_statement"
            | "try_statement" | "catch_clause" | "ternary_expression" => {
                self.cond += 1;
                for c in named_children(n) {
                    self.visit(c, d);
                }
                if matches!(kind, "for_statement" | "while_statement" | "do_statement") {
                    for c in named_children(n) {
                        self.visit(c, d);
                    }
                }
                self.cond -= 1;
            }
            "return_statement" => {
                for c in named_children(n) {
                    self.visit(c, d);
                    let t = self.eval(c, 0);
                    self.ret = merge(self.ret.take(), t);
                }
            }
            "call_expression" | "new_expression" => {
                self.visit_call(n, d);
            }
            _ if is_function(kind) => {
                // A nested function (callback): shares the environment, its own
                // parameters shadow outer names while its body is walked.
                self.visit_nested(n, None, d);
            }
            _ => {
                for c in named_children(n) {
                    self.visit(c, d);
                }
            }
        }
    }

    /// Walks a nested function with its first parameter bound to `first`.
    fn visit_nested(&mut self, f: Node<'t>, first: Option<Taint>, d: usize) {
        if matches!(kind_of(f), "class_declaration" | "class") {
            return;
        }
        let params = param_nodes(f);
        let mut saved = Vec::new();
        let mut names = Vec::new();
        for p in &params {
            walk(*p, |c| {
                if matches!(
                    kind_of(c),
                    "identifier" | "shorthand_property_identifier_pattern"
                ) {
                    names.push(self.m.text(c).to_string());
                }
                true
            });
        }
        for name in &names {
            saved.push((name.clone(), self.env.remove(name)));
        }
        self.cond += 1;
        for (i, p) in params.into_iter().enumerate() {
            let t = if i == 0 { first.clone() } else { None };
            self.bind_pattern(p, t, None, 0);
        }
        let ret = self.ret.take();
        if let Some(body) = f.child_by_field_name("body") {
            self.visit(body, d);
        }
        self.ret = ret;
        self.cond -= 1;
        for (name, v) in saved {
            match v {
                Some(v) => self.env.insert(name, v),
                None => self.env.remove(&name),
            };
        }
    }

    fn visit_call(&mut self, n: Node<'t>, d: usize) {
        let func = n
            .child_by_field_name("function")
            .or_else(|| n.child_by_field_name("constructor"));
        if let Some(f) = func
            && kind_of(f) != "identifier"
        {
            self.visit(f, d);
        }
        let args = call_args(n);
        // `items.forEach(x => ...)`: x is an element of items.
        let iter_taint = func.and_then(|f| {
            if kind_of(f) != "member_expression" {
                return None;
            }
            let prop = f.child_by_field_name("property").map(|p| self.text(p))?;
            if !ITERATORS.contains(&prop) {
                return None;
            }
            self.eval(f.child_by_field_name("object")?, 0)
        });
        for a in &args {
            if is_function(kind_of(a)) {
                self.visit_nested(*a, iter_taint.clone(), d);
            } else {
                self.visit(*a, d);
            }
        }
        self.record_guard(n);
        self.check_call(n);
    }

    /// `ALLOWED.includes(x)`, `/^\w+$/.test(x)`, `full.startsWith(BASE)`.
    fn record_guard(&mut self, n: Node<'t>) {
        let Some(func) = n.child_by_field_name("function") else {
            return;
        };
        if kind_of(func) != "member_expression" {
            return;
        }
        let (Some(obj), Some(prop)) = (
            func.child_by_field_name("object"),
            func.child_by_field_name("property"),
        ) else {
            return;
        };
        let prop = self.text(prop);
        let args = call_args(n);
        let Some(first) = args.first().copied() else {
            return;
        };
        let (checked, bits) = match prop {
            "includes" | "has" | "indexOf" if !is_string(obj) && self.eval(obj, 0).is_none() => {
                (first, u8::MAX)
            }
            "test" if kind_of(obj) == "regex" => {
                let pattern = self.text(obj);
                if pattern.starts_with("/^") && pattern.contains("$/") {
                    (first, u8::MAX)
                } else {
                    return;
                }
            }
            "startsWith" if self.eval(first, 0).is_none() => (obj, SAFE_PATH),
            _ => return,
        };
        if !matches!(
            kind_of(checked),
            "identifier" | "member_expression" | "subscript_expression"
        ) {
            return;
        }
        let key = norm(self.text(checked));
        let e = self.guards.entry(key).or_insert(0);
        *e |= bits;
    }

    // -- sinks ------------------------------------------------------------------

    /// Reports `arg` (tainted from `t`) reaching a sink.
    #[allow(clippy::too_many_arguments)]
    fn report(
        &self,
        rule: &'static str,
        call: Node,
        sev: Option<Severity>,
        sink: &str,
        arg: Node,
        t: &Taint,
        phrase: &str,
    ) {
        let shown = short(self.text(arg));
        let msg = if shown == *t.origin {
            format!("{} {phrase}", t.origin)
        } else if shown.contains('`') {
            // A template literal: a double-backtick code span keeps markdown intact.
            format!("`` {shown} `` (from {}) {phrase}", t.origin)
        } else {
            format!("`{shown}` (from {}) {phrase}", t.origin)
        };
        let key = format!("{}|{}|{}", self.name, sink, norm(self.text(arg)));
        self.m.emit(rule, call, sev, msg, key);
    }

    fn live(&self, n: Node<'t>, ctx: u8) -> Option<Taint> {
        self.eval(n, 0).and_then(|t| t.live(ctx))
    }

    fn check_call(&mut self, n: Node<'t>) {
        let is_new = kind_of(n) == "new_expression";
        let Some(func) = n
            .child_by_field_name("function")
            .or_else(|| n.child_by_field_name("constructor"))
        else {
            return;
        };
        let q = self.m.qname(func).unwrap_or_default();
        let q = q.as_str();
        let last = q.rsplit('.').next().unwrap_or("");
        let args = call_args(n);
        let arg = |i: usize| args.get(i).copied();

        // Calls into module-level helpers: analyse them with the taint they receive.
        if !is_new
            && kind_of(func) == "identifier"
            && !self.m.aliases.contains_key(self.text(func))
            && !self.env.contains_key(self.text(func))
            && let Some(&idx) = self.m.func_index.get(self.text(func))
        {
            self.call_local(idx, &args, 0);
            return;
        }

        // CODE001: shell commands.
        match q {
            "child_process.exec" | "child_process.execSync" => {
                if let Some(cmd) = arg(0)
                    && let Some(t) = self.live(cmd, CTX_ANY)
                {
                    self.report("CODE001", n, None, q, cmd, &t, &format!("reaches {q}()"));
                }
            }
            "child_process.spawn"
            | "child_process.spawnSync"
            | "child_process.execFile"
            | "child_process.execFileSync" => {
                let opts = args.iter().find(|a| kind_of(*a) == "object").copied();
                let shell = opts
                    .and_then(|o| object_prop(o, "shell", self.m.src))
                    .is_some_and(|v| kind_of(v) == "true" || is_string(v));
                let via_sh = arg(0)
                    .and_then(|c| string_literal(c, self.m.src))
                    .is_some_and(|c| {
                        matches!(
                            c.rsplit('/').next().unwrap_or(""),
                            "sh" | "bash" | "zsh" | "dash" | "ksh"
                        )
                    })
                    && arg(1).is_some_and(|a| {
                        kind_of(a) == "array"
                            && named_children(a)
                                .iter()
                                .any(|x| string_literal(*x, self.m.src).as_deref() == Some("-c"))
                    });
                if shell || via_sh {
                    let tainted = [arg(0), arg(1)]
                        .into_iter()
                        .flatten()
                        .filter(|a| kind_of(*a) != "object")
                        .find_map(|a| self.live(a, CTX_ANY).map(|t| (a, t)));
                    if let Some((a, t)) = tainted {
                        let sink = if shell {
                            format!("{q}({{shell: true}})")
                        } else {
                            format!("{q}(sh, [-c, ...])")
                        };
                        self.report("CODE001", n, None, &sink, a, &t, &format!("reaches {sink}"));
                    }
                }
            }
            _ => {}
        }

        // CODE002: dynamic code.
        let code_arg = match q {
            "eval" | "Function" | "globalThis.eval" | "window.eval" => arg(0).or(None),
            "vm.runInNewContext"
            | "vm.runInThisContext"
            | "vm.runInContext"
            | "vm.compileFunction"
            | "vm.Script" => arg(0),
            "setTimeout" | "setInterval" | "setImmediate" => {
                arg(0).filter(|a| !is_function(kind_of(a)))
            }
            _ => None,
        };
        let code_arg = if q == "Function" {
            // `new Function('a', body)`: every argument is code.
            args.iter()
                .copied()
                .find(|a| self.live(*a, CTX_ANY).is_some())
                .or(code_arg)
        } else {
            code_arg
        };
        if let Some(c) = code_arg
            && let Some(t) = self.live(c, CTX_ANY)
        {
            let sink = if is_new {
                format!("new {q}")
            } else {
                q.to_string()
            };
            self.report(
                "CODE002",
                n,
                None,
                &sink,
                c,
                &t,
                &format!("reaches {sink}()"),
            );
        }

        // CODE003: deserialisers that revive functions (`_$$ND_FUNC$$_`) or JS types.
        let full_schema = || {
            args.get(1)
                .is_some_and(|o| self.text(*o).contains("DEFAULT_FULL_SCHEMA"))
        };
        let deser = matches!(
            q,
            "node-serialize.unserialize"
                | "serialize-to-js.deserialize"
                | "funcster.deepDeserialize"
                | "js-yaml.unsafeLoad"
                | "js-yaml.unsafeLoadAll"
        ) || matches!(q, "js-yaml.load" | "js-yaml.loadAll") && full_schema();
        if deser
            && let Some(data) = arg(0)
            && let Some(t) = self.live(data, CTX_ANY)
        {
            self.report("CODE003", n, None, q, data, &t, &format!("reaches {q}()"));
        }

        // CODE004: SQL built from event data.
        if !is_new
            && kind_of(func) == "member_expression"
            && matches!(last, "query" | "execute")
            && let Some(sql) = arg(0)
            && let Some(sql) = self.sql_text(sql)
            && let Some(t) = self.live(sql, CTX_ANY)
        {
            let sink = short(self.text(func));
            self.report(
                "CODE004",
                n,
                None,
                &sink,
                sql,
                &t,
                &format!("is built into the SQL passed to {sink}()"),
            );
        }

        // CODE006: outbound request to an event-controlled host.
        const VERBS: &[&str] = &[
            "get", "post", "put", "patch", "delete", "head", "options", "request",
        ];
        let client = match q {
            "fetch" | "node-fetch" | "globalThis.fetch" | "undici.fetch" | "undici.request"
            | "axios" | "got" | "superagent" | "needle" => true,
            _ => {
                let root = q.split('.').next().unwrap_or("");
                matches!(
                    root,
                    "axios" | "got" | "http" | "https" | "superagent" | "needle"
                ) && VERBS.contains(&last)
                    && q.matches('.').count() == 1
            }
        };
        if client
            && !is_new
            && let Some(u) = arg(0)
        {
            let t = if kind_of(u) == "object" {
                ["url", "host", "hostname", "baseURL"]
                    .iter()
                    .filter_map(|k| object_prop(u, k, self.m.src))
                    .find_map(|v| {
                        if matches!(
                            kind_of(v),
                            "string" | "template_string" | "binary_expression"
                        ) || kind_of(v) == "identifier"
                        {
                            self.url_host_taint(v, 0)
                        } else {
                            self.live(v, SAFE_URL)
                        }
                    })
            } else {
                self.url_host_taint(u, 0)
            };
            if let Some(t) = t {
                self.report(
                    "CODE006",
                    n,
                    None,
                    q,
                    u,
                    &t,
                    &format!("controls the host of the URL requested by {q}()"),
                );
            }
        }

        // CODE007: file paths.
        let fs_path = matches!(q.split('.').next(), Some("fs" | "fs-extra"))
            && matches!(
                last,
                "readFile"
                    | "readFileSync"
                    | "createReadStream"
                    | "writeFile"
                    | "writeFileSync"
                    | "createWriteStream"
                    | "appendFile"
                    | "appendFileSync"
                    | "unlink"
                    | "unlinkSync"
                    | "rm"
                    | "rmSync"
                    | "open"
                    | "openSync"
                    | "readdir"
                    | "readdirSync"
                    | "copyFile"
                    | "copyFileSync"
            );
        let send_file = !is_new
            && kind_of(func) == "member_expression"
            && matches!(last, "sendFile" | "download");
        if (fs_path || send_file)
            && let Some(p) = arg(0)
            && let Some(t) = self.live(p, SAFE_PATH)
        {
            self.report(
                "CODE007",
                n,
                None,
                q,
                p,
                &t,
                &format!("is used as a file path in {q}()"),
            );
        }

        // CODE008: the whole event (or a secret) written to the logs.
        let logging = matches!(
            q.split('.').next(),
            Some("console" | "logger" | "log" | "winston" | "pino")
        ) && matches!(
            last,
            "log" | "info" | "debug" | "warn" | "error" | "trace" | "dir"
        );
        if logging {
            for a in &args {
                if let Some((what, sev)) = self.logged_sensitive(*a, 0) {
                    let msg = format!("{what} is written to the logs by {q}()");
                    let key = format!("{}|{q}|{}", self.name, norm(self.text(*a)));
                    self.m.emit("CODE008", n, Some(sev), msg, key);
                    break;
                }
            }
        }
    }

    /// The SQL text of a `.query(...)` argument: the string itself, or `text`/`sql` of a
    /// config object (`{ text, values }`); other objects are not SQL (DynamoDB params).
    fn sql_text(&self, a: Node<'t>) -> Option<Node<'t>> {
        let obj = match kind_of(a) {
            "object" => Some(a),
            "identifier" => self
                .env
                .get(self.text(a))
                .and_then(|v| v.rhs)
                .filter(|r| kind_of(r) == "object"),
            _ => None,
        };
        match obj {
            Some(o) => {
                object_prop(o, "text", self.m.src).or_else(|| object_prop(o, "sql", self.m.src))
            }
            None => Some(a),
        }
    }

    /// `event` itself, `JSON.stringify(event)`, or a secret-named variable.
    fn logged_sensitive(&self, a: Node<'t>, depth: usize) -> Option<(String, Severity)> {
        if depth > 4 {
            return None;
        }
        match kind_of(a) {
            "identifier" => {
                let t = self.text(a);
                if self.event.as_deref() == Some(t) {
                    Some((format!("the whole event `{t}`"), Severity::Low))
                } else if secrets::is_secret_name(t) {
                    Some((format!("secret-named `{t}`"), Severity::Medium))
                } else {
                    None
                }
            }
            "member_expression" => {
                let p = a.child_by_field_name("property").map(|p| self.text(p))?;
                // `config.dbPassword`, `process.env.DB_PASSWORD`.
                secrets::is_secret_name(p).then(|| {
                    (
                        format!("secret-named `{}`", short(self.text(a))),
                        Severity::Medium,
                    )
                })
            }
            "call_expression" => {
                let q = a
                    .child_by_field_name("function")
                    .and_then(|f| self.m.qname(f))?;
                if q == "JSON.stringify" {
                    call_args(a)
                        .first()
                        .and_then(|x| self.logged_sensitive(*x, depth + 1))
                } else {
                    None
                }
            }
            "template_string" => named_children(a)
                .into_iter()
                .filter(|c| kind_of(c) == "template_substitution")
                .find_map(|c| {
                    named_children(c)
                        .first()
                        .and_then(|e| self.logged_sensitive(*e, depth + 1))
                }),
            "binary_expression" => ["left", "right"].iter().find_map(|f| {
                a.child_by_field_name(f)
                    .and_then(|x| self.logged_sensitive(x, depth + 1))
            }),
            _ => None,
        }
    }

    // -- URL host taint (SSRF) ------------------------------------------------

    /// Taint of the scheme/host part of a URL expression.
    fn url_host_taint(&self, n: Node<'t>, depth: usize) -> Option<Taint> {
        if depth > 8 {
            return self.live(n, SAFE_URL);
        }
        match kind_of(n) {
            "identifier" => {
                self.live(n, SAFE_URL)?;
                match self.env.get(self.text(n)).and_then(|v| v.rhs) {
                    Some(rhs) if rhs.start_byte() < n.start_byte() => {
                        self.url_host_taint(rhs, depth + 1)
                    }
                    _ => self.live(n, SAFE_URL),
                }
            }
            "parenthesized_expression" | "await_expression" => named_children(n)
                .first()
                .and_then(|c| self.url_host_taint(*c, depth + 1)),
            "template_string" => {
                let mut parts = Vec::new();
                for c in named_children(n) {
                    match kind_of(c) {
                        "string_fragment" | "escape_sequence" => {
                            parts.push(Part::Lit(self.text(c).to_string()));
                        }
                        "template_substitution" => {
                            let t = named_children(c)
                                .first()
                                .and_then(|e| self.live(*e, SAFE_URL));
                            parts.push(t.map_or(Part::Clean, Part::Taint));
                        }
                        _ => {}
                    }
                }
                host_of(&parts)
            }
            "binary_expression" => {
                let op = n.child_by_field_name("operator").map(|o| kind_of(o));
                if op == Some("+") {
                    let mut parts = Vec::new();
                    self.concat_parts(n, &mut parts, 0);
                    host_of(&parts)
                } else {
                    self.live(n, SAFE_URL)
                }
            }
            "new_expression" => {
                // `new URL(path, BASE)`: the base fixes the host.
                let q = n
                    .child_by_field_name("constructor")
                    .and_then(|c| self.m.qname(c));
                let args = call_args(n);
                if matches!(q.as_deref(), Some("URL" | "url.URL")) {
                    match args.get(1) {
                        Some(base) => self.url_host_taint(*base, depth + 1),
                        None => args
                            .first()
                            .and_then(|u| self.url_host_taint(*u, depth + 1)),
                    }
                } else {
                    self.live(n, SAFE_URL)
                }
            }
            _ => self.live(n, SAFE_URL),
        }
    }

    fn concat_parts(&self, n: Node<'t>, parts: &mut Vec<Part>, depth: usize) {
        let is_plus = kind_of(n) == "binary_expression"
            && n.child_by_field_name("operator").map(|o| kind_of(o)) == Some("+");
        if is_plus && depth < 32 {
            if let Some(l) = n.child_by_field_name("left") {
                self.concat_parts(l, parts, depth + 1);
            }
            if let Some(r) = n.child_by_field_name("right") {
                self.concat_parts(r, parts, depth + 1);
            }
        } else if let Some(s) = string_literal(n, self.m.src) {
            parts.push(Part::Lit(s));
        } else {
            parts.push(self.live(n, SAFE_URL).map_or(Part::Clean, Part::Taint));
        }
    }
}

enum Part {
    Lit(String),
    Clean,
    Taint(Taint),
}

/// The first tainted part, unless a fixed `scheme://host/` (or a clean base) precedes it.
fn host_of(parts: &[Part]) -> Option<Taint> {
    let mut prefix = String::new();
    for p in parts {
        match p {
            Part::Lit(s) => prefix.push_str(s),
            Part::Clean => prefix.push('\x01'),
            Part::Taint(t) => {
                return if host_fixed(&prefix) {
                    None
                } else {
                    Some(t.clone())
                };
            }
        }
    }
    None
}

/// `https://host/...` or a clean value (a configured base URL) followed by anything.
fn host_fixed(prefix: &str) -> bool {
    if prefix.starts_with('\x01') {
        return true;
    }
    let Some((scheme, rest)) = prefix.split_once("://") else {
        return false;
    };
    !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
        && rest
            .find(['/', '?', '#', '\\'])
            .is_some_and(|i| i > 0 && !rest[..i].contains('\x01'))
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
                "variable_declarator" => n
                    .child_by_field_name("name")
                    .filter(|k| kind_of(*k) == "identifier")
                    .map(|k| m.text(k).to_string()),
                "assignment_expression" => n
                    .child_by_field_name("left")
                    .and_then(|l| target_name(l, m.src)),
                "pair" => n
                    .child_by_field_name("key")
                    .and_then(|k| key_name(k, m.src)),
                _ => None,
            };
        }
        if is_function(kind_of(n)) {
            return (m.enclosing_fn(node), var);
        }
        depth += 1;
        cur = n.parent();
    }
    ("<module>".to_string(), var)
}

#[cfg(test)]
#[path = "javascript_tests.rs"]
mod tests;
