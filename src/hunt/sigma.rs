//! Sigma rules (`hunt --sigma DIR`) for CloudTrail records.
//!
//! API for the hunt engine:
//! - [`SigmaRules::load`]`(dir) -> (SigmaRules, Vec<InputError>)`: every `.yml`/`.yaml` under `dir`
//!   (sorted). Malformed YAML, a rule without `detection`/`condition`, a bad regex → `InputError`
//!   naming file:line (exit 3 like any unreadable input). Rules for another log source or using an
//!   unsupported construct (aggregation `| count()`, `near`, `timeframe` correlations, unknown
//!   modifiers) land in `SigmaRules::skipped`: a WARNING the CLI prints to stderr, not an input
//!   error, because the rule file itself is valid Sigma.
//! - [`SigmaRule::matches`]`(record, raw)`: `record` is the parsed CloudTrail record, `raw` its JSON
//!   text (only keyword selections read it). Compiled once at load: wildcards become
//!   literal/prefix/suffix/contains matchers or one regex, values are lowercased once.
//! - [`SigmaRule::interest`]: `Some((event_names, event_sources))` when every branch of the condition
//!   requires `eventName` or `eventSource` to equal one of these values, so a record whose name is
//!   not in `event_names` AND whose source is not in `event_sources` can never match. Compare
//!   ASCII-case-insensitively (Sigma string matching is case-insensitive). `None` = needs every record.
//! - Findings: rule id `SIGMA-<rule id>` ([`SigmaRule::rule_id`]), severity from `level`
//!   (informational→INFO, low, medium, high, critical; missing → MEDIUM).
//!
//! Matching follows the Sigma spec: string values case-insensitive (except `|re`), `*`/`?` wildcards,
//! value lists are OR (AND with `|all`), a map is AND of fields, a list of maps is OR, `null` matches
//! a missing or null field, dotted paths walk objects and any element of arrays, and a string
//! matcher on an object/array field sees its JSON text.

use crate::hunt::detect::Event;
use crate::hunt::record::{Leaf, Under};
use crate::model::{InputError, Severity};
use crate::template::node::{Kind, Node};
use regex::Regex;
use serde_json::Value;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct SigmaRules {
    pub rules: Vec<SigmaRule>,
    pub skipped: Vec<Skipped>,
}

/// A rule that loaded fine but will not run.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub file: String,
    pub line: Option<usize>,
    pub title: String,
    pub reason: String,
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: ", self.file)?,
            None => write!(f, "{}: ", self.file)?,
        }
        write!(f, "sigma rule '{}' skipped: {}", self.title, self.reason)
    }
}

#[derive(Debug)]
pub struct SigmaRule {
    pub id: String,
    pub title: String,
    pub description: String,
    pub level: Severity,
    pub file: String,
    pub references: Vec<String>,
    selections: Vec<(String, Selection)>,
    condition: Expr,
}

#[derive(Debug)]
enum Selection {
    /// OR of alternatives, each an AND of field matchers.
    Fields(Vec<Vec<FieldMatch>>),
    /// Keyword search over the raw record text (any of, lowercase).
    Keywords(Vec<Matcher>),
}

#[derive(Debug)]
struct FieldMatch {
    path: Vec<String>,
    /// The group-path object the path goes through, and how many of its keys lead there.
    under: Option<(Under, usize)>,
    /// [`FieldMatch::matches_leaf`] may decide: a path of up to [`MAX_LEAF_PATH`] keys and
    /// no field reference.
    leafable: bool,
    /// Every exact, prefix and suffix literal is ASCII.
    ascii_literals: bool,
    all: bool,
    values: Vec<Matcher>,
}

#[derive(Debug)]
enum Matcher {
    Null,
    /// Lowercased literal.
    Exact(String),
    Prefix(String),
    Suffix(String),
    Contains(String),
    /// `|re`: case-sensitive, on the original text; and a literal every match holds
    /// (ASCII, lowercase), when the pattern has one.
    Regex(Regex, Option<String>),
    /// Wildcard pattern, on the lowercased text, and its longest literal run.
    Wild(Regex, String),
    Cidr(ipnet::IpNet),
    FieldRef(Vec<String>),
}

#[derive(Debug)]
enum Expr {
    Sel(usize),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

struct Unsupported(String);

enum RuleError {
    Unsupported(Option<usize>, String),
    Invalid(Option<usize>, String),
}

impl SigmaRules {
    pub fn load(dir: &Path) -> (SigmaRules, Vec<InputError>) {
        let mut out = SigmaRules {
            rules: Vec::new(),
            skipped: Vec::new(),
        };
        let mut errors = Vec::new();
        let mut files = Vec::new();
        if let Err(e) = collect(dir, &mut files) {
            errors.push(input_error(&dir.display().to_string(), None, e.to_string()));
            return (out, errors);
        }
        files.sort();
        if files.is_empty() {
            errors.push(input_error(
                &dir.display().to_string(),
                None,
                "no .yml/.yaml Sigma rules found".into(),
            ));
        }
        for path in files {
            let file = path.display().to_string();
            let bytes = match std::fs::read(&path) {
                Ok(b) => b,
                Err(e) => {
                    errors.push(input_error(&file, None, e.to_string()));
                    continue;
                }
            };
            let node = match crate::template::parse_bytes(&bytes) {
                Ok(n) => n,
                Err(e) => {
                    errors.push(input_error(
                        &file,
                        e.line,
                        format!("invalid YAML: {}", e.message),
                    ));
                    continue;
                }
            };
            let title = str_at(&node, "title").unwrap_or_default();
            match SigmaRule::compile(&node, &file) {
                Ok(rule) => out.rules.push(rule),
                Err(RuleError::Unsupported(line, reason)) => out.skipped.push(Skipped {
                    file,
                    line,
                    title,
                    reason,
                }),
                Err(RuleError::Invalid(line, msg)) => errors.push(input_error(&file, line, msg)),
            }
        }
        (out, errors)
    }

    /// Parse one rule from YAML text (tests, single files).
    pub fn parse_one(src: &str, file: &str) -> Result<SigmaRule, String> {
        let node = crate::template::parse_bytes(src.as_bytes()).map_err(|e| e.message)?;
        SigmaRule::compile(&node, file).map_err(|e| match e {
            RuleError::Unsupported(_, m) => format!("unsupported: {m}"),
            RuleError::Invalid(_, m) => m,
        })
    }
}

fn input_error(file: &str, line: Option<usize>, message: String) -> InputError {
    InputError {
        file: file.to_string(),
        line,
        column: None,
        message,
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if dir.is_file() {
        out.push(dir.to_path_buf());
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let p = entry?.path();
        if p.is_dir() {
            collect(&p, out)?;
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yml" | "yaml")) {
            out.push(p);
        }
    }
    Ok(())
}

fn str_at(node: &Node, key: &str) -> Option<String> {
    match &node.get(key)?.kind {
        Kind::Str(s) | Kind::Number(s) => Some(s.clone()),
        _ => None,
    }
}

fn scalar_text(node: &Node) -> Option<String> {
    match &node.kind {
        Kind::Str(s) | Kind::Number(s) => Some(s.clone()),
        Kind::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl SigmaRule {
    fn compile(node: &Node, file: &str) -> Result<SigmaRule, RuleError> {
        let ls = node.get("logsource");
        let product = ls.and_then(|l| str_at(l, "product")).unwrap_or_default();
        let service = ls.and_then(|l| str_at(l, "service")).unwrap_or_default();
        if !product.eq_ignore_ascii_case("aws") || !service.eq_ignore_ascii_case("cloudtrail") {
            return Err(RuleError::Unsupported(
                ls.map(|l| l.line),
                format!("logsource product '{product}' service '{service}' is not aws/cloudtrail"),
            ));
        }
        let Some(det) = node.get("detection") else {
            return Err(RuleError::Invalid(
                Some(node.line),
                "rule has no detection".into(),
            ));
        };
        let Kind::Map(entries) = &det.kind else {
            return Err(RuleError::Invalid(
                Some(det.line),
                "detection is not a map".into(),
            ));
        };
        if let Some(tf) = det.entry("timeframe") {
            return Err(RuleError::Unsupported(
                Some(tf.key_line),
                "timeframe (correlation over a time window) is not supported".into(),
            ));
        }
        let mut selections = Vec::new();
        for e in entries {
            if e.key == "condition" {
                continue;
            }
            let sel = compile_selection(&e.value)
                .map_err(|Unsupported(m)| RuleError::Unsupported(Some(e.value.line), m))?
                .map_err(|m| RuleError::Invalid(Some(e.value.line), m))?;
            selections.push((e.key.clone(), sel));
        }
        let Some(cond) = det.get("condition") else {
            return Err(RuleError::Invalid(
                node.entry("detection").map(|e| e.key_line),
                "detection has no condition".into(),
            ));
        };
        let texts: Vec<String> = match &cond.kind {
            Kind::Seq(items) => items.iter().filter_map(scalar_text).collect(),
            _ => scalar_text(cond).into_iter().collect(),
        };
        if texts.is_empty() {
            return Err(RuleError::Invalid(
                Some(cond.line),
                "empty condition".into(),
            ));
        }
        let names: Vec<&str> = selections.iter().map(|(n, _)| n.as_str()).collect();
        let mut alts = Vec::new();
        for t in &texts {
            match parse_condition(t, &names) {
                Ok(Ok(e)) => alts.push(e),
                Ok(Err(m)) => return Err(RuleError::Invalid(Some(cond.line), m)),
                Err(Unsupported(m)) => return Err(RuleError::Unsupported(Some(cond.line), m)),
            }
        }
        let condition = if alts.len() == 1 {
            alts.pop().unwrap()
        } else {
            Expr::Or(alts)
        };
        let level = match str_at(node, "level")
            .as_deref()
            .map(str::to_ascii_lowercase)
        {
            Some(l) if l == "informational" => Severity::Info,
            Some(l) => Severity::parse(&l).unwrap_or(Severity::Medium),
            None => Severity::Medium,
        };
        let references = match node.get("references").map(|n| &n.kind) {
            Some(Kind::Seq(items)) => items.iter().filter_map(scalar_text).collect(),
            _ => Vec::new(),
        };
        Ok(SigmaRule {
            id: str_at(node, "id").unwrap_or_else(|| file_stem(file)),
            title: str_at(node, "title").unwrap_or_else(|| file_stem(file)),
            description: str_at(node, "description").unwrap_or_default(),
            level,
            file: file.to_string(),
            references,
            selections,
            condition,
        })
    }

    /// The finding rule id: `SIGMA-<rule id>`.
    pub fn rule_id(&self) -> String {
        format!("SIGMA-{}", self.id)
    }

    pub fn matches(&self, e: &Event) -> bool {
        eval(&self.condition, &self.selections, e)
    }

    /// Lowercase ASCII literals one of which a record's raw text holds (ASCII
    /// case-insensitively) whenever the rule matches it, unless the text holds one of
    /// [`NEEDLE_GUARDS`]; `None` when the rule has no such literal.
    pub fn needles(&self) -> Option<Vec<String>> {
        let mut n = needles_of(&self.condition, &self.selections)?;
        n.sort();
        n.dedup();
        (!n.is_empty()).then_some(n)
    }

    pub fn interest(&self) -> Option<(Vec<String>, Vec<String>)> {
        let (mut n, mut s) = required(&self.condition, &self.selections)?;
        n.sort();
        n.dedup();
        s.sort();
        s.dedup();
        Some((n, s))
    }
}

/// Text that can only appear in a record's raw JSON inside a string, exactly as the
/// matchers see it: ASCII, no quote, backslash or control character, and at least one
/// character that cannot occur in JSON outside strings (structure, numbers, `true`,
/// `false`, `null`), so number or object text re-serialized by serde cannot hold it either.
fn usable_needle(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_control() && b != b'"' && b != b'\\')
        && s.bytes()
            .any(|b| !b"{}[]:,0123456789.e+-truefalsn".contains(&b))
}

/// Sequences whose presence in a record's raw text defeats the literal prefilter: escapes
/// that decode to needle characters (`\uXXXX`, `\/`) and the only two non-ASCII
/// characters whose lowercase holds ASCII letters (U+0130 → `i̇`, KELVIN SIGN → `k`).
pub const NEEDLE_GUARDS: [&str; 4] = ["\\u", "\\/", "\u{130}", "\u{212A}"];

impl Matcher {
    /// The literal every text this matcher accepts contains (lowercase).
    fn needle(&self) -> Option<&str> {
        let s = match self {
            Matcher::Exact(s) | Matcher::Prefix(s) | Matcher::Suffix(s) | Matcher::Contains(s) => s,
            Matcher::Wild(_, s) | Matcher::Regex(_, Some(s)) => s,
            Matcher::Null | Matcher::Regex(_, None) | Matcher::Cidr(_) | Matcher::FieldRef(_) => {
                return None;
            }
        };
        usable_needle(s).then_some(s.as_str())
    }
}

/// The fewer and longer the needles, the fewer records they let through.
fn better(a: Option<Vec<String>>, b: Option<Vec<String>>) -> Option<Vec<String>> {
    let score = |v: &Vec<String>| {
        let shortest = v.iter().map(String::len).min().unwrap_or(0);
        (std::cmp::Reverse(v.len()), shortest)
    };
    match (a, b) {
        (Some(a), Some(b)) => Some(if score(&b) > score(&a) { b } else { a }),
        (a, b) => a.or(b),
    }
}

impl FieldMatch {
    fn needles(&self) -> Option<Vec<String>> {
        if self.values.is_empty() {
            return None;
        }
        if self.all {
            // Every value must match: any one of them is required.
            return self
                .values
                .iter()
                .filter_map(|m| m.needle().map(|n| vec![n.to_string()]))
                .fold(None, |acc, n| better(acc, Some(n)));
        }
        self.values
            .iter()
            .map(|m| m.needle().map(str::to_string))
            .collect()
    }
}

fn needles_of(e: &Expr, sels: &[(String, Selection)]) -> Option<Vec<String>> {
    match e {
        Expr::Sel(i) => match &sels[*i].1 {
            Selection::Fields(alts) => {
                let mut acc = Vec::new();
                for alt in alts {
                    let best = alt.iter().fold(None, |b, f| better(b, f.needles()))?;
                    acc.extend(best);
                }
                (!alts.is_empty()).then_some(acc)
            }
            Selection::Keywords(ms) => ms.iter().map(|m| m.needle().map(str::to_string)).collect(),
        },
        Expr::Not(_) => None,
        Expr::And(items) => items
            .iter()
            .fold(None, |b, x| better(b, needles_of(x, sels))),
        Expr::Or(items) => {
            let mut acc = Vec::new();
            for x in items {
                acc.extend(needles_of(x, sels)?);
            }
            (!items.is_empty()).then_some(acc)
        }
    }
}

fn file_stem(file: &str) -> String {
    Path::new(file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

type Interest = (Vec<String>, Vec<String>);

fn required(e: &Expr, sels: &[(String, Selection)]) -> Option<Interest> {
    match e {
        Expr::Sel(i) => {
            let Selection::Fields(alts) = &sels[*i].1 else {
                return None;
            };
            let mut acc: Interest = (Vec::new(), Vec::new());
            for alt in alts {
                let usable = |f: &&FieldMatch, name: &str| {
                    f.path.len() == 1
                        && f.path[0] == name
                        && !f.values.is_empty()
                        && f.values.iter().all(|m| matches!(m, Matcher::Exact(_)))
                };
                // eventName is the more selective of the two.
                let fm = alt
                    .iter()
                    .find(|f| usable(f, "eventName"))
                    .or_else(|| alt.iter().find(|f| usable(f, "eventSource")))?;
                let vals = fm.values.iter().map(|m| match m {
                    Matcher::Exact(s) => s.clone(),
                    _ => unreachable!(),
                });
                let vals: Vec<String> = if fm.all {
                    vals.take(1).collect()
                } else {
                    vals.collect()
                };
                if fm.path[0] == "eventName" {
                    acc.0.extend(vals);
                } else {
                    acc.1.extend(vals);
                }
            }
            (!alts.is_empty()).then_some(acc)
        }
        Expr::Not(_) => None,
        Expr::And(items) => items.iter().find_map(|x| required(x, sels)),
        Expr::Or(items) => {
            let mut acc: Interest = (Vec::new(), Vec::new());
            for x in items {
                let (n, s) = required(x, sels)?;
                acc.0.extend(n);
                acc.1.extend(s);
            }
            (!items.is_empty()).then_some(acc)
        }
    }
}

fn eval(x: &Expr, sels: &[(String, Selection)], e: &Event) -> bool {
    match x {
        Expr::Sel(i) => sels[*i].1.matches(e),
        Expr::Not(y) => !eval(y, sels, e),
        Expr::And(ys) => ys.iter().all(|y| eval(y, sels, e)),
        Expr::Or(ys) => ys.iter().any(|y| eval(y, sels, e)),
    }
}

impl Selection {
    fn matches(&self, e: &Event) -> bool {
        match self {
            Selection::Fields(alts) => alts.iter().any(|alt| alt.iter().all(|f| f.matches(e))),
            Selection::Keywords(ms) => {
                let lower = e.raw.to_lowercase();
                ms.iter().any(|m| m.matches_text(&lower, e.raw, false))
            }
        }
    }
}

/// Every value the path reaches from the record's top level.
fn resolve_field<'a>(e: &Event<'a>, path: &[String], out: &mut Vec<&'a Value>) {
    if let Some((first, rest)) = path.split_first()
        && let Some(v) = e.field(first)
    {
        resolve(v, rest, out);
    }
}

/// Every value the path reaches; arrays fan out to their elements.
fn resolve<'a>(v: &'a Value, path: &[String], out: &mut Vec<&'a Value>) {
    let Some((first, rest)) = path.split_first() else {
        match v {
            Value::Array(items) if !items.is_empty() => out.extend(items.iter()),
            _ => out.push(v),
        }
        return;
    };
    match v {
        Value::Object(map) => {
            if let Some(child) = map.get(first.as_str()) {
                resolve(child, rest, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| resolve(i, path, out)),
        _ => {}
    }
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(_) | Value::Object(_) => serde_json::to_string(v).ok(),
    }
}

impl FieldMatch {
    fn matches(&self, e: &Event) -> bool {
        self.matches_leaf(e).unwrap_or_else(|| self.matches_tree(e))
    }

    /// Over the parsed field: arrays fan out, objects and arrays also match as JSON text.
    fn matches_tree(&self, e: &Event) -> bool {
        let mut found = Vec::new();
        resolve_field(e, &self.path, &mut found);
        // Whole array/object text too, so `contains` on an array field sees its JSON.
        let mut whole = Vec::new();
        if (self.path.len() == 1 || !found.is_empty())
            && let Some((first, rest)) = self.path.split_first()
            && let Some(v) = e.field(first)
        {
            resolve_whole(v, rest, &mut whole);
        }
        let check = |m: &Matcher| -> bool {
            if let Matcher::Null = m {
                return found.iter().all(|v| v.is_null()) && whole.iter().all(|v| v.is_null());
            }
            if let Matcher::FieldRef(other) = m {
                let mut refs = Vec::new();
                resolve_field(e, other, &mut refs);
                return found
                    .iter()
                    .any(|a| refs.iter().any(|b| a == b && !a.is_null()));
            }
            found.iter().chain(whole.iter()).any(|v| {
                text_of(v).is_some_and(|t| m.matches_text(&lowercase(&t), &t, v.is_null()))
            })
        };
        if self.all {
            self.values.iter().all(check)
        } else {
            self.values.iter().any(check)
        }
    }
}

impl FieldMatch {
    /// [`FieldMatch::matches`] for a plain string, bool, null or missing field read straight
    /// from the text (the common case); `None` when the slow path must decide.
    fn matches_leaf(&self, e: &Event) -> Option<bool> {
        if !self.leafable {
            return None;
        }
        let skip = self.under.map_or(0, |(_, n)| n);
        let rest = &self.path[skip..];
        let leaf = match self.under {
            Some((under, _)) => e.record.leaf_under(e.raw, under, rest),
            None => e.record.leaf(e.raw, rest),
        };
        let (text, absent) = match leaf {
            Leaf::Other => return None,
            Leaf::Missing | Leaf::Null => (None, true),
            Leaf::Bool(b) => (Some(if b { "true" } else { "false" }), false),
            Leaf::Str(s) => (Some(s), false),
        };
        // ASCII text up to 256 bytes (nearly every CloudTrail value, ARNs and user agents
        // too) is lowercased on the stack, and only when a matcher needs it: an exact
        // literal of another length cannot match ASCII text, whose length lowercasing keeps.
        // Whether the text is ASCII is found out only when a matcher needs to know.
        let mut ascii_text: Option<bool> = None;
        let mut ascii = |t: &str| *ascii_text.get_or_insert_with(|| is_ascii(t.as_bytes()));
        let mut buf = [0u8; 256];
        let mut long: Option<String> = None;
        let mut lowered = false;
        for m in &self.values {
            let hit = match (m, text) {
                (Matcher::Null, _) => absent,
                (_, None) => false,
                // Lowercase of an ASCII literal: lowercasing maps a character of one to three
                // bytes to at most one ASCII byte, so text shorter than the literal or over
                // three times as long never lowercases to it.
                (Matcher::Exact(s), Some(t))
                    if self.ascii_literals && (t.len() < s.len() || t.len() > 3 * s.len()) =>
                {
                    false
                }
                // ASCII text against a lowercase literal: compared ignoring case, without
                // lowercasing it first.
                (Matcher::Exact(s), Some(t)) if ascii(t) => {
                    t.as_bytes().eq_ignore_ascii_case(s.as_bytes())
                }
                // A prefix or suffix decided by as many bytes as the literal has when they
                // are ASCII (lowercasing goes character by character).
                (Matcher::Prefix(s) | Matcher::Suffix(s), Some(t))
                    if self.ascii_literals && t.len() < s.len() =>
                {
                    false
                }
                (Matcher::Prefix(s), Some(t))
                    if self.ascii_literals && is_ascii(&t.as_bytes()[..s.len()]) =>
                {
                    t.as_bytes()[..s.len()].eq_ignore_ascii_case(s.as_bytes())
                }
                (Matcher::Suffix(s), Some(t))
                    if self.ascii_literals && is_ascii(&t.as_bytes()[t.len() - s.len()..]) =>
                {
                    t.as_bytes()[t.len() - s.len()..].eq_ignore_ascii_case(s.as_bytes())
                }
                (_, Some(t)) => {
                    let ascii = ascii(t);
                    if !lowered {
                        lowered = true;
                        if ascii && t.len() <= buf.len() {
                            buf[..t.len()].copy_from_slice(t.as_bytes());
                            buf[..t.len()].make_ascii_lowercase();
                        } else {
                            long = Some(lowercase(t).into_owned());
                        }
                    }
                    // ASCII stays UTF-8.
                    let l = match &long {
                        Some(l) => l.as_str(),
                        None => std::str::from_utf8(&buf[..t.len()]).unwrap_or_default(),
                    };
                    m.matches_text(l, t, false)
                }
            };
            if hit != self.all {
                return Some(hit);
            }
        }
        Some(self.all)
    }
}

/// Keys a path read straight from the text may have.
const MAX_LEAF_PATH: usize = 8;

/// Whether every byte is ASCII, eight at a time (the standard library's goes byte by byte
/// below 64 bytes, and Sigma's fields are shorter).
fn is_ascii(b: &[u8]) -> bool {
    let mut words = b.chunks_exact(8);
    let high = words.by_ref().fold(0, |acc, w| {
        acc | u64::from_le_bytes(w.try_into().unwrap_or_default())
    });
    let rest = words.remainder().iter().fold(0, |acc, &x| acc | x);
    high & 0x8080_8080_8080_8080 == 0 && rest < 0x80
}

/// Lowercase, without a copy when there is nothing to change.
fn lowercase(t: &str) -> std::borrow::Cow<'_, str> {
    if t.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) {
        std::borrow::Cow::Owned(t.to_lowercase())
    } else {
        std::borrow::Cow::Borrowed(t)
    }
}

/// The value at the path without fanning out a final array (for its JSON text).
fn resolve_whole<'a>(v: &'a Value, path: &[String], out: &mut Vec<&'a Value>) {
    let Some((first, rest)) = path.split_first() else {
        if v.is_array() {
            out.push(v);
        }
        return;
    };
    match v {
        Value::Object(map) => {
            if let Some(child) = map.get(first.as_str()) {
                resolve_whole(child, rest, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| resolve_whole(i, path, out)),
        _ => {}
    }
}

impl Matcher {
    fn matches_text(&self, lower: &str, orig: &str, is_null: bool) -> bool {
        match self {
            Matcher::Null => is_null,
            Matcher::Exact(s) => lower == s,
            Matcher::Prefix(s) => lower.starts_with(s.as_str()),
            Matcher::Suffix(s) => lower.ends_with(s.as_str()),
            Matcher::Contains(s) => lower.contains(s.as_str()),
            // The literal every match holds first: a substring search is far cheaper than
            // the regex, and most values lack it.
            Matcher::Regex(r, lit) => {
                lit.as_ref().is_none_or(|l| lower.contains(l.as_str())) && r.is_match(orig)
            }
            Matcher::Wild(r, lit) => lower.contains(lit.as_str()) && r.is_match(lower),
            Matcher::Cidr(net) => orig
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| net.contains(&ip)),
            Matcher::FieldRef(_) => false,
        }
    }
}

type Compiled<T> = Result<Result<T, String>, Unsupported>;

fn compile_selection(node: &Node) -> Compiled<Selection> {
    match &node.kind {
        Kind::Map(_) => Ok(compile_map(node)?.map(|m| Selection::Fields(vec![m]))),
        Kind::Seq(items) if items.iter().all(|i| matches!(i.kind, Kind::Map(_))) => {
            let mut alts = Vec::new();
            for i in items {
                match compile_map(i)? {
                    Ok(m) => alts.push(m),
                    Err(e) => return Ok(Err(e)),
                }
            }
            Ok(Ok(Selection::Fields(alts)))
        }
        Kind::Seq(items) => {
            let mut ms = Vec::new();
            for i in items {
                let Some(t) = scalar_text(i) else {
                    return Ok(Err("keyword list mixes maps and values".into()));
                };
                ms.push(wildcard(&t, Mode::Contains));
            }
            Ok(Ok(Selection::Keywords(ms)))
        }
        _ => match scalar_text(node) {
            Some(t) => Ok(Ok(Selection::Keywords(vec![wildcard(&t, Mode::Contains)]))),
            None => Ok(Err("empty selection".into())),
        },
    }
}

fn compile_map(node: &Node) -> Compiled<Vec<FieldMatch>> {
    let Kind::Map(entries) = &node.kind else {
        return Ok(Err("selection is not a map".into()));
    };
    let mut out = Vec::new();
    for e in entries {
        let mut parts = e.key.split('|');
        let field = parts.next().unwrap_or_default();
        let mut mode = Mode::Plain;
        let mut all = false;
        for m in parts {
            mode = match m {
                "contains" => Mode::Contains,
                "startswith" => Mode::Prefix,
                "endswith" => Mode::Suffix,
                "re" => Mode::Re,
                "cidr" => Mode::Cidr,
                "fieldref" => Mode::FieldRef,
                "all" => {
                    all = true;
                    continue;
                }
                other => return Err(Unsupported(format!("modifier '{other}' in '{}'", e.key))),
            };
        }
        let values: Vec<&Node> = match &e.value.kind {
            Kind::Seq(items) => items.iter().collect(),
            _ => vec![&e.value],
        };
        let mut ms = Vec::new();
        for v in values {
            let m = match (&v.kind, mode) {
                (Kind::Null, _) => Matcher::Null,
                (_, Mode::FieldRef) => match scalar_text(v) {
                    Some(t) => Matcher::FieldRef(t.split('.').map(String::from).collect()),
                    None => return Ok(Err(format!("bad fieldref in '{}'", e.key))),
                },
                (_, Mode::Re) => match scalar_text(v).map(|t| Regex::new(&t)) {
                    Some(Ok(r)) => {
                        let lit = regex_syntax::parse(r.as_str())
                            .ok()
                            .and_then(|h| required_literal(&h))
                            .and_then(|b| String::from_utf8(b).ok())
                            // ASCII only: its lowercase is found in any lowercased text
                            // holding it (not so for every letter: final sigma).
                            .filter(|l| l.is_ascii())
                            .map(|l| l.to_ascii_lowercase());
                        Matcher::Regex(r, lit)
                    }
                    Some(Err(err)) => return Ok(Err(format!("bad regex in '{}': {err}", e.key))),
                    None => return Ok(Err(format!("bad regex in '{}'", e.key))),
                },
                (_, Mode::Cidr) => match scalar_text(v).map(|t| t.parse::<ipnet::IpNet>()) {
                    Some(Ok(n)) => Matcher::Cidr(n),
                    _ => return Ok(Err(format!("bad CIDR in '{}'", e.key))),
                },
                _ => match scalar_text(v) {
                    Some(t) => wildcard(&t, mode),
                    None => return Ok(Err(format!("value of '{}' is not a scalar", e.key))),
                },
            };
            ms.push(m);
        }
        let path: Vec<String> = field.split('.').map(String::from).collect();
        out.push(FieldMatch {
            under: Under::of(&path),
            leafable: path.len() <= MAX_LEAF_PATH
                && !ms.iter().any(|m| matches!(m, Matcher::FieldRef(_))),
            ascii_literals: ms.iter().all(|m| match m {
                Matcher::Exact(s) | Matcher::Prefix(s) | Matcher::Suffix(s) => s.is_ascii(),
                _ => true,
            }),
            path,
            all,
            values: ms,
        });
    }
    Ok(Ok(out))
}

#[derive(Clone, Copy)]
enum Mode {
    Plain,
    Contains,
    Prefix,
    Suffix,
    Re,
    Cidr,
    FieldRef,
}

/// Sigma wildcards `*`/`?` (`\` escapes) → the cheapest matcher, all lowercase.
fn wildcard(value: &str, mode: Mode) -> Matcher {
    // Tokens: Some(c) literal, None for `*`, Some('\0') never; `?` kept separately.
    #[derive(PartialEq)]
    enum T {
        Lit(char),
        Star,
        One,
    }
    let mut toks = Vec::new();
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if matches!(chars.peek(), Some('*' | '?' | '\\')) => {
                toks.push(T::Lit(chars.next().unwrap()))
            }
            '*' => toks.push(T::Star),
            '?' => toks.push(T::One),
            c => toks.push(T::Lit(c)),
        }
    }
    match mode {
        Mode::Contains => {
            toks.insert(0, T::Star);
            toks.push(T::Star);
        }
        Mode::Prefix => toks.push(T::Star),
        Mode::Suffix => toks.insert(0, T::Star),
        _ => {}
    }
    let lead = toks.first() == Some(&T::Star);
    let trail = toks.len() > 1 && toks.last() == Some(&T::Star);
    let inner = &toks[usize::from(lead)..toks.len() - usize::from(trail)];
    if inner.iter().all(|t| matches!(t, T::Lit(_))) {
        let lit: String = inner
            .iter()
            .map(|t| match t {
                T::Lit(c) => *c,
                _ => unreachable!(),
            })
            .collect::<String>()
            .to_lowercase();
        return match (lead, trail) {
            (false, false) => Matcher::Exact(lit),
            (false, true) => Matcher::Prefix(lit),
            (true, false) => Matcher::Suffix(lit),
            (true, true) => Matcher::Contains(lit),
        };
    }
    let mut re = String::from("(?s)^");
    let (mut run, mut longest) = (String::new(), String::new());
    for t in &toks {
        match t {
            T::Lit(c) => run.extend(c.to_lowercase()),
            _ => run.clear(),
        }
        if run.len() > longest.len() {
            longest.clone_from(&run);
        }
    }
    for t in &toks {
        match t {
            T::Lit(c) => re.push_str(&regex::escape(&c.to_lowercase().to_string())),
            T::Star => re.push_str(".*"),
            T::One => re.push('.'),
        }
    }
    re.push('$');
    Matcher::Wild(Regex::new(&re).expect("escaped wildcard pattern"), longest)
}

/// The longest literal every match of `h` contains (`.+:assumed-role/aws:.+` holds
/// `:assumed-role/aws:`). Case-insensitive letters are classes, not literals, so never
/// taken for one.
fn required_literal(h: &regex_syntax::hir::Hir) -> Option<Vec<u8>> {
    use regex_syntax::hir::HirKind;
    let longer = |a: Option<Vec<u8>>, b: Option<Vec<u8>>| match (a, b) {
        (Some(a), Some(b)) => Some(if b.len() > a.len() { b } else { a }),
        (a, b) => a.or(b),
    };
    match h.kind() {
        HirKind::Literal(l) => Some(l.0.to_vec()),
        HirKind::Capture(c) => required_literal(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => required_literal(&r.sub),
        HirKind::Concat(items) => {
            let (mut best, mut run) = (None, Vec::new());
            for item in items {
                match item.kind() {
                    HirKind::Literal(l) => run.extend_from_slice(&l.0),
                    _ => {
                        if !run.is_empty() {
                            best = longer(best, Some(std::mem::take(&mut run)));
                        }
                        best = longer(best, required_literal(item));
                    }
                }
            }
            if !run.is_empty() {
                best = longer(best, Some(run));
            }
            best
        }
        _ => None,
    }
}

// Condition grammar: or := and ('or' and)*; and := not ('and' not)*;
// not := 'not' not | '(' or ')' | ('1'|'any'|'all') 'of' pattern | name.
fn parse_condition(text: &str, names: &[&str]) -> Compiled<Expr> {
    let spaced = text.replace('(', " ( ").replace(')', " ) ");
    let toks: Vec<&str> = spaced.split_whitespace().collect();
    if toks.iter().any(|t| t.eq_ignore_ascii_case("near")) {
        return Err(Unsupported(format!("'near' in condition '{text}'")));
    }
    if text.contains('|') {
        return Err(Unsupported(format!("aggregation in condition '{text}'")));
    }
    let mut p = CondParser {
        toks,
        pos: 0,
        names,
    };
    let e = match p.or() {
        Ok(e) => e,
        Err(m) => return Ok(Err(format!("condition '{text}': {m}"))),
    };
    if p.pos != p.toks.len() {
        return Ok(Err(format!(
            "condition '{text}': unexpected '{}'",
            p.toks[p.pos]
        )));
    }
    Ok(Ok(e))
}

struct CondParser<'a> {
    toks: Vec<&'a str>,
    pos: usize,
    names: &'a [&'a str],
}

impl<'a> CondParser<'a> {
    fn peek(&self) -> Option<&'a str> {
        self.toks.get(self.pos).copied()
    }
    fn eat(&mut self, kw: &str) -> bool {
        if self.peek().is_some_and(|t| t.eq_ignore_ascii_case(kw)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn or(&mut self) -> Result<Expr, String> {
        let mut xs = vec![self.and()?];
        while self.eat("or") {
            xs.push(self.and()?);
        }
        Ok(if xs.len() == 1 {
            xs.pop().unwrap()
        } else {
            Expr::Or(xs)
        })
    }
    fn and(&mut self) -> Result<Expr, String> {
        let mut xs = vec![self.not()?];
        while self.eat("and") {
            xs.push(self.not()?);
        }
        Ok(if xs.len() == 1 {
            xs.pop().unwrap()
        } else {
            Expr::And(xs)
        })
    }
    fn not(&mut self) -> Result<Expr, String> {
        if self.eat("not") {
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        if self.eat("(") {
            let e = self.or()?;
            if !self.eat(")") {
                return Err("missing ')'".into());
            }
            return Ok(e);
        }
        let Some(tok) = self.peek() else {
            return Err("unexpected end".into());
        };
        self.pos += 1;
        let quant = tok.to_ascii_lowercase();
        if matches!(quant.as_str(), "1" | "any" | "all") && self.eat("of") {
            let Some(pat) = self.peek() else {
                return Err("missing pattern after 'of'".into());
            };
            self.pos += 1;
            let idx: Vec<usize> = (0..self.names.len())
                .filter(|&i| pat == "them" || glob_name(pat, self.names[i]))
                .collect();
            if idx.is_empty() {
                return Err(format!("no selection matches '{pat}'"));
            }
            let xs = idx.into_iter().map(Expr::Sel).collect();
            return Ok(if quant == "all" {
                Expr::And(xs)
            } else {
                Expr::Or(xs)
            });
        }
        match self.names.iter().position(|n| *n == tok) {
            Some(i) => Ok(Expr::Sel(i)),
            None => Err(format!("unknown selection '{tok}'")),
        }
    }
}

fn glob_name(pat: &str, name: &str) -> bool {
    match pat.split_once('*') {
        None => pat == name,
        Some((pre, post)) => {
            name.len() >= pre.len() + post.len()
                && name.starts_with(pre)
                && glob_name_rest(post, &name[pre.len()..])
        }
    }
}

fn glob_name_rest(pat: &str, name: &str) -> bool {
    if !pat.contains('*') {
        return name.ends_with(pat);
    }
    (0..=name.len()).any(|i| name.is_char_boundary(i) && glob_name(pat, &name[i..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(det: &str) -> SigmaRule {
        let src = format!(
            "title: t\nid: x\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n{det}\nlevel: high\n"
        );
        SigmaRules::parse_one(&src, "t.yml").unwrap()
    }

    #[test]
    fn wildcards_compile_to_cheap_matchers() {
        assert!(matches!(wildcard("Abc*", Mode::Plain), Matcher::Prefix(s) if s == "abc"));
        assert!(matches!(wildcard("*abc", Mode::Plain), Matcher::Suffix(_)));
        assert!(matches!(
            wildcard("ab", Mode::Contains),
            Matcher::Contains(_)
        ));
        assert!(matches!(wildcard("a?cd*e", Mode::Plain), Matcher::Wild(_, l) if l == "cd"));
        assert!(matches!(wildcard(r"a\*", Mode::Plain), Matcher::Exact(s) if s == "a*"));
    }

    #[test]
    fn text_leaves_match_as_the_parsed_tree_does() {
        let records = [
            r#"{"a": "Value", "b": {"c": "x.Y.z", "d": null, "e": true, "f": "10.0.0.5"}}"#,
            r#"{"a": "", "b": {"c": "ÄBC", "d": "null", "e": false, "f": "not an ip"}}"#,
            r#"{"a": null, "b": "flat"}"#,
            r#"{"b": {"c": "Z", "d": 7}, "a": "VALUE"}"#,
            // The two characters that lowercase to ASCII (one shrinking from three bytes
            // to one), where a literal's length alone does not decide.
            "{\"a\": \"VAL\u{212A}\", \"b\": {\"c\": \"\u{130}X.Y.Z\", \"d\": \"\u{212A}\", \"e\": true, \"f\": \"1\"}}",
            r#"{"a": "V", "b": {"c": "y.z", "d": "kkkk", "e": "x", "f": "1"}}"#,
            // Paths through the group path's objects (found once per record).
            r#"{"userIdentity": {"type": "AssumedRole", "sessionContext": {"sessionIssuer": {"type": "Role"}}}}"#,
            r#"{"userIdentity": {"type": "Root", "sessionContext": {"sessionIssuer": ["x"]}}}"#,
            r#"{"userIdentity": [{"type": "Root"}], "a": "v"}"#,
            r#"{"userIdentity": "Root"}"#,
        ];
        let dets = [
            "  s:
    a: value
  condition: s",
            "  s:
    a|startswith: va
    b.c|endswith: Z
  condition: s",
            "  s:
    b.c|contains: .y.
  condition: s",
            "  s:
    b.d: null
  condition: s",
            "  s:
    b.e: 'true'
  condition: s",
            "  s:
    b.e: 'false'
  condition: s",
            "  s:
    a: ''
  condition: s",
            "  s:
    b.f|cidr: 10.0.0.0/8
  condition: s",
            "  s:
    b.c|re: '^[XZ]'
  condition: s",
            "  s:
    a|contains|all:
      - VA
      - UE
  condition: s",
            "  s:
    b.c:
      - 'z'
      - 'x.*'
  condition: s",
            "  s:
    b.zz: null
  condition: s",
            "  s:
    a: valk
  condition: s",
            "  s:
    b.d: k
  condition: s",
            "  s:
    a|endswith: lk
  condition: s",
            "  s:
    a|startswith: valkk
  condition: s",
            "  s:
    b.c|startswith: i
  condition: s",
            "  s:
    b.c|endswith: y.z
  condition: s",
            "  s:
    userIdentity.type: assumedrole
  condition: s",
            "  s:
    userIdentity.sessionContext.sessionIssuer.type: role
  condition: s",
            "  s:
    userIdentity.sessionContext.sessionIssuer.type: null
  condition: s",
            "  s:
    userIdentity.type|startswith: ro
  condition: s",
        ];
        let mut fast_paths = 0;
        for det in dets {
            let r = rule(det);
            let Selection::Fields(alts) = &r.selections[0].1 else {
                panic!("{det}");
            };
            for raw in records {
                let record = crate::hunt::record::Record::index(raw).unwrap();
                let e = Event {
                    record: &record,
                    raw,
                    file: "t.json",
                    line: 1,
                };
                for f in alts.iter().flatten() {
                    if let Some(fast) = f.matches_leaf(&e) {
                        fast_paths += 1;
                        assert_eq!(fast, f.matches_tree(&e), "{det} on {raw}");
                    }
                }
            }
        }
        assert!(fast_paths > 110, "{fast_paths}");
    }

    #[test]
    fn interest_is_none_when_a_branch_lacks_event_name() {
        let r = rule("  a:\n    eventName: X\n  b:\n    userAgent: y\n  condition: a or b");
        assert!(r.interest().is_none());
        let r = rule("  a:\n    eventName: X\n  b:\n    userAgent: y\n  condition: a and not b");
        assert_eq!(r.interest().unwrap().0, vec!["x".to_string()]);
        let raw = json!({"eventName": "X", "userAgent": "z"}).to_string();
        let record = crate::hunt::record::Record::index(&raw).unwrap();
        let e = Event {
            record: &record,
            raw: &raw,
            file: "t.json",
            line: 1,
        };
        assert!(r.matches(&e));
    }

    #[test]
    fn ascii_is_checked_word_by_word_as_byte_by_byte() {
        for len in 0..40 {
            for at in 0..=len {
                for high in [0x80u8, 0xc3, 0xff] {
                    let mut b = vec![b'a'; len];
                    if at < len {
                        b[at] = high;
                    }
                    assert_eq!(is_ascii(&b), b.is_ascii(), "{b:?}");
                }
            }
        }
    }

    #[test]
    fn only_two_non_ascii_characters_lowercase_to_ascii() {
        let found: Vec<char> = (0x80..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|c| c.to_lowercase().any(|l| l.is_ascii()))
            .collect();
        assert_eq!(found, ['\u{130}', '\u{212A}']);
        for c in found {
            assert!(NEEDLE_GUARDS.contains(&c.to_string().as_str()));
        }
    }

    fn next(rng: &mut u64) -> u64 {
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        *rng
    }

    const ALPHABET: [char; 16] = [
        'a', 'B', 'o', 'K', '\u{212A}', '\u{130}', 'i', ' ', '/', '"', '\\', '\n', '1', 'e', ':',
        '{',
    ];

    /// A random JSON string of ALPHABET characters, each written raw or escaped.
    fn random_string(rng: &mut u64, out: &mut String) {
        out.push('"');
        for _ in 0..next(rng) % 6 {
            let c = ALPHABET[(next(rng) % ALPHABET.len() as u64) as usize];
            match (c, next(rng) % 3) {
                ('"', _) => out.push_str("\\\""),
                ('\\', _) => out.push_str("\\\\"),
                ('\n', 0) => out.push_str("\\n"),
                ('/', 0) => out.push_str("\\/"),
                (c, n) if n == 0 || c == '\n' => {
                    let mut units = [0u16; 2];
                    for u in c.encode_utf16(&mut units) {
                        out.push_str(&format!("\\u{u:04X}"));
                    }
                }
                (c, _) => out.push(c),
            }
        }
        out.push('"');
    }

    fn random_value(rng: &mut u64, depth: u32, out: &mut String) {
        match next(rng) % if depth > 2 { 5 } else { 7 } {
            0 | 1 => random_string(rng, out),
            2 => out.push_str(["1E3", "10", "-0.5e1", "7"][(next(rng) % 4) as usize]),
            3 => out.push_str(["true", "false"][(next(rng) % 2) as usize]),
            4 => out.push_str("null"),
            5 => random_object(rng, depth + 1, out),
            _ => {
                out.push('[');
                for k in 0..next(rng) % 3 {
                    if k > 0 {
                        out.push(',');
                    }
                    random_value(rng, depth + 1, out);
                }
                out.push(']');
            }
        }
    }

    fn random_object(rng: &mut u64, depth: u32, out: &mut String) {
        out.push('{');
        for k in 0..next(rng) % 4 {
            if k > 0 {
                out.push_str(", ");
            }
            out.push_str(["\"a\"", "\"b\"", "\"c\""][(next(rng) % 3) as usize]);
            out.push_str(": ");
            random_value(rng, depth, out);
        }
        out.push('}');
    }

    /// A random rule value: mostly a piece of a string the records hold (decoded), maybe
    /// with a wildcard; control characters dropped, quotes doubled for YAML.
    fn random_pattern(rng: &mut u64, pool: &[String]) -> String {
        let mut v: String = if next(rng).is_multiple_of(4) || pool.is_empty() {
            (0..1 + next(rng) % 3)
                .map(|_| ALPHABET[(next(rng) % ALPHABET.len() as u64) as usize])
                .collect()
        } else {
            let s: Vec<char> = pool[(next(rng) % pool.len() as u64) as usize]
                .chars()
                .collect();
            let from = (next(rng) % (s.len() as u64 + 1)) as usize;
            let to = from + (next(rng) % (s.len() - from + 1) as u64) as usize;
            s[from..to].iter().collect()
        };
        match next(rng) % 6 {
            0 => v.push('*'),
            1 => v.insert(0, '?'),
            _ => {}
        }
        v.retain(|c| !c.is_control());
        v.replace('\'', "''")
    }

    #[test]
    fn regexes_yield_the_literal_every_match_holds() {
        let lit = |re: &str| {
            required_literal(&regex_syntax::parse(re).unwrap())
                .map(|b| String::from_utf8(b).unwrap())
        };
        assert_eq!(
            lit(".+:assumed-role/aws:.+").as_deref(),
            Some(":assumed-role/aws:")
        );
        assert_eq!(lit("^AKIA[0-9A-Z]{16}$").as_deref(), Some("AKIA"));
        assert_eq!(lit("x(abcd)+y?").as_deref(), Some("abcd"));
        assert_eq!(lit("ab?").as_deref(), Some("a"));
        for none in ["(?i)abc", "a|b", "(abc)*", "[ab]c?", ".*"] {
            assert_eq!(lit(none), None, "{none}");
        }
        let rule = SigmaRules::parse_one(
            "title: t\nid: x\nlogsource:\n  product: aws\n  service: cloudtrail\n\
             detection:\n  s:\n    userIdentity.arn|re: '.+:assumed-role/aws:.+'\n  \
             condition: s\nlevel: high\n",
            "t.yml",
        )
        .unwrap();
        assert_eq!(rule.needles(), Some(vec![":assumed-role/aws:".to_string()]));
    }

    /// `lit` (a random pattern) inside random regex syntax.
    fn random_regex(rng: &mut u64, lit: &str) -> String {
        let pick =
            |rng: &mut u64, from: &[&'static str]| from[(next(rng) % from.len() as u64) as usize];
        let lit = lit.replace("''", "'");
        let lit = if next(rng).is_multiple_of(2) {
            regex::escape(&lit)
        } else {
            lit.to_string()
        };
        let pre = pick(rng, &["", ".*", ".+", "^", "(?i)", "[ab]", "(x|y)?", "a*"]);
        let mid = pick(rng, &["", ".", "\\d*", "(", "?", "+", "|", "[é]"]);
        let post = pick(rng, &["", ".+", "$", "z?", ")"]);
        let cut = lit
            .char_indices()
            .map(|(i, _)| i)
            .nth((next(rng) % 4) as usize)
            .unwrap_or(lit.len());
        format!("{pre}{}{mid}{}{post}", &lit[..cut], &lit[cut..]).replace('\'', "''")
    }

    fn strings_in(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) if !s.is_empty() => out.push(s.clone()),
            serde_json::Value::Array(a) => a.iter().for_each(|x| strings_in(x, out)),
            serde_json::Value::Object(m) => m.values().for_each(|x| strings_in(x, out)),
            _ => {}
        }
    }

    #[test]
    fn a_rule_with_needles_matches_only_records_holding_one() {
        let mut rng = 0x9E37_79B9_7F4A_7C15u64;
        let records: Vec<String> = (0..300)
            .map(|_| {
                let mut r = String::new();
                random_object(&mut rng, 0, &mut r);
                r
            })
            .collect();
        let mut pool = Vec::new();
        for r in &records {
            strings_in(&serde_json::from_str(r).unwrap(), &mut pool);
        }
        let fields = ["a", "b", "b.c", "c.a.b"];
        let mods = [
            "",
            "|contains",
            "|startswith",
            "|endswith",
            "|contains|all",
            "|re",
        ];
        let (mut with_needles, mut matched, mut filtered) = (0, 0, 0);
        for _ in 0..1500 {
            let sel = |rng: &mut u64| {
                let field = fields[(next(rng) % 4) as usize];
                let m = mods[(next(rng) % mods.len() as u64) as usize];
                let (mut a, mut b) = (random_pattern(rng, &pool), random_pattern(rng, &pool));
                if m == "|re" {
                    a = random_regex(rng, &a);
                    b = random_regex(rng, &b);
                }
                match next(rng) % 3 {
                    0 => format!("    {field}{m}: '{a}'\n"),
                    1 => format!("    {field}{m}:\n      - '{a}'\n      - '{b}'\n"),
                    _ => format!("    - '{a}'\n"),
                }
            };
            let (s, t) = (sel(&mut rng), sel(&mut rng));
            let cond = ["s", "s and t", "s or t", "s and not t"][(next(&mut rng) % 4) as usize];
            let Ok(r) = SigmaRules::parse_one(
                &format!(
                    "title: t\nid: x\nlogsource:\n  product: aws\n  service: cloudtrail\n\
                     detection:\n  s:\n{s}  t:\n{t}  condition: {cond}\nlevel: high\n"
                ),
                "t.yml",
            ) else {
                continue;
            };
            let Some(needles) = r.needles() else {
                continue;
            };
            with_needles += 1;
            for raw in &records {
                let record = crate::hunt::record::Record::index(raw).unwrap();
                let e = Event {
                    record: &record,
                    raw,
                    file: "t.json",
                    line: 1,
                };
                let lower = raw.to_ascii_lowercase();
                let through = needles.iter().any(|n| lower.contains(n.as_str()))
                    || NEEDLE_GUARDS
                        .iter()
                        .any(|g| lower.contains(&g.to_ascii_lowercase()));
                if r.matches(&e) {
                    matched += 1;
                    assert!(through, "{s}{t}{cond}: {needles:?} on {raw}");
                } else if !through {
                    filtered += 1;
                }
            }
        }
        assert!(
            with_needles > 100 && matched > 100 && filtered > 1000,
            "{with_needles} {matched} {filtered}"
        );
    }

    #[test]
    fn regex_and_wildcard_matchers_agree_with_their_bare_regex() {
        // The literal checked before the regex never changes the answer.
        let mut rng = 0x5151_7a7a_0f0f_3c3cu64;
        let texts = [
            "arn:aws:sts::1:assumed-role/aws:ec2-instance/i-1",
            "ARN:AWS:STS::1:ASSUMED-ROLE/AWS:X",
            "AKIAABCDEFGHIJKLMNOP",
            "akiaabcdefghijklmnop",
            "xAbCdy",
            "Kelvin \u{212A} and İstanbul, ΑΣ",
            "",
        ];
        let pool: Vec<String> = texts.iter().map(|t| t.to_string()).collect();
        let (mut with_literal, mut agreed) = (0, 0);
        for _ in 0..3000 {
            let lit = random_pattern(&mut rng, &pool);
            let pattern = random_regex(&mut rng, &lit).replace("''", "'");
            let Ok(bare) = Regex::new(&pattern) else {
                continue;
            };
            let lit = required_literal(&regex_syntax::parse(&pattern).unwrap())
                .and_then(|b| String::from_utf8(b).ok())
                .filter(|l| l.is_ascii())
                .map(|l| l.to_ascii_lowercase());
            with_literal += usize::from(lit.is_some());
            let m = Matcher::Regex(bare.clone(), lit);
            for t in &texts {
                assert_eq!(
                    m.matches_text(&lowercase(t), t, false),
                    bare.is_match(t),
                    "{pattern} on {t}"
                );
                agreed += 1;
            }
        }
        for pattern in ["*assumed-role/aws:*", "akia????", "*b?d*", "x*y", "*"] {
            let m = wildcard(pattern, Mode::Plain);
            let Matcher::Wild(bare, _) = &m else {
                continue;
            };
            for t in &texts {
                let lower = lowercase(t);
                assert_eq!(
                    m.matches_text(&lower, t, false),
                    bare.is_match(&lower),
                    "{pattern} on {t}"
                );
            }
        }
        assert!(
            with_literal > 500 && agreed > 10_000,
            "{with_literal} {agreed}"
        );
    }
}
