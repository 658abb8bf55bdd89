//! Python checks for CODE007 (path traversal), CODE008 (sensitive logging),
//! CODE009 (`tempfile.mktemp`) and CODE010 (weak password hashing).
//! A child module of `python`, so it shares its syntax helpers and taint engine.

use tree_sitter::Node;

use super::{
    Args, DefKind, FnCtx, Module, Origin, Reach, kind_of, named_children, norm, short,
    string_literal,
};
use crate::model::Severity;
use crate::secrets;

const LOG_METHODS: &[&str] = &[
    "debug",
    "info",
    "warning",
    "warn",
    "error",
    "exception",
    "critical",
    "fatal",
    "log",
];

/// Calls that reduce a path to a plain file name.
const PATH_SANITISERS: &[&str] = &[
    "os.path.basename",
    "posixpath.basename",
    "ntpath.basename",
    "werkzeug.utils.secure_filename",
    "werkzeug.secure_filename",
    "secure_filename",
];

/// Calls whose result is a path built from all their arguments.
const PATH_BUILDERS: &[&str] = &[
    "os.path.join",
    "posixpath.join",
    "os.path.normpath",
    "os.path.abspath",
    "os.path.realpath",
    "os.path.expanduser",
    "pathlib.Path",
    "pathlib.PurePath",
    "pathlib.PosixPath",
    "Path",
    "str",
    "os.fspath",
];

/// `Path` methods that read, write or delete the file.
const PATH_METHODS_ANY: &[&str] = &["read_text", "write_text", "read_bytes", "write_bytes"];
const PATH_METHODS_PATHLIKE: &[&str] = &["open", "unlink", "rmdir", "touch", "mkdir", "rename"];

/// A password-like identifier (`password`, `user_pwd`, `passphrase`), not any secret.
fn is_password_name(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    ["password", "passwd", "pwd", "passphrase"]
        .iter()
        .any(|w| l.contains(w))
        || matches!(l.as_str(), "pw" | "pass")
}

impl<'m, 't> FnCtx<'m, 't> {
    /// CODE007 and CODE008 (whole event) at a call of a function reached with taint.
    pub(super) fn check_files_and_logs(&self, n: Node<'t>, q: &str, args: &Args<'t>) {
        let m = self.m;
        let Some(func) = n.field_node("function") else {
            return;
        };
        let last = q.rsplit('.').next().unwrap_or("");

        // CODE007: event data used as a file path.
        let mut paths: Vec<Node<'t>> = Vec::new();
        match q {
            "open" | "io.open" | "builtins.open" | "codecs.open" | "os.open" => {
                paths.extend(args.get(m, 0, &["file", "filename", "path"]));
            }
            "os.remove" | "os.unlink" | "os.rmdir" | "os.removedirs" | "os.listdir"
            | "os.scandir" | "os.makedirs" | "os.mkdir" | "os.chmod" | "os.truncate" => {
                paths.extend(args.get(m, 0, &["path"]));
            }
            "os.rename" | "os.replace" => {
                paths.extend(args.get(m, 0, &["src"]));
                paths.extend(args.get(m, 1, &["dst"]));
            }
            _ if q.starts_with("shutil.") => {
                paths.extend(args.get(m, 0, &["src", "path"]));
                if matches!(last, "copy" | "copy2" | "copyfile" | "copytree" | "move") {
                    paths.extend(args.get(m, 1, &["dst"]));
                }
            }
            _ if matches!(last, "send_file" | "FileResponse") => {
                paths.extend(args.get(m, 0, &["path_or_file", "path", "filename_or_fp"]));
            }
            _ => {
                if kind_of(func) == "attribute"
                    && let Some(obj) = func.field_node("object")
                {
                    let attr = func.field_node("attribute").map(|a| self.text(a));
                    let attr = attr.unwrap_or("");
                    if PATH_METHODS_ANY.contains(&attr)
                        || PATH_METHODS_PATHLIKE.contains(&attr) && self.is_pathlike(obj, 0)
                    {
                        paths.push(obj);
                    }
                }
            }
        }
        for p in paths {
            if let Some(o) = self.path_taint(p, n.start_byte(), 0) {
                self.report(
                    "CODE007",
                    n,
                    None,
                    &short(q),
                    p,
                    &o,
                    &format!("is used as a file path in {}()", short(q)),
                );
                break;
            }
        }

        // CODE008: the whole event written to the logs.
        if is_log_call(q, func, self.m.src)
            && let Some(a) = args.pos.iter().find(|a| self.logs_whole_event(**a, 0))
        {
            let key = format!("{}|{q}|{}", self.name, norm(self.text(*a)));
            self.m.emit(
                1,
                "CODE008",
                n,
                Some(Severity::Low),
                format!(
                    "the whole event is written to the logs by {}(`{}`)",
                    short(q),
                    short(self.text(*a))
                ),
                key,
            );
        }
    }

    /// `Path(...)`, `base / name`, or a variable holding one.
    fn is_pathlike(&self, n: Node<'t>, depth: usize) -> bool {
        if depth > 4 {
            return false;
        }
        match kind_of(n) {
            "call" => n
                .field_node("function")
                .and_then(|f| self.m.qname(f))
                .is_some_and(|q| q.ends_with("Path") || q.ends_with(".resolve")),
            "binary_operator" => true,
            "identifier" => match self.reaching(self.text(n), n.start_byte()) {
                Reach::Def(d) => d.rhs.is_some_and(|r| self.is_pathlike(r, depth + 1)),
                _ => false,
            },
            _ => false,
        }
    }

    /// Taint of a file path, ignoring parts reduced to a file name and variables checked
    /// with `realpath(p).startswith(BASE)` before `at`.
    fn path_taint(&self, n: Node<'t>, at: usize, depth: usize) -> Option<Origin> {
        if depth > 8 {
            return self.eval(n, 0);
        }
        match kind_of(n) {
            "identifier" => {
                let o = self.eval(n, 0)?;
                let name = self.text(n);
                if self.path_checked(name, at) {
                    return None;
                }
                match self.reaching(name, n.start_byte()) {
                    Reach::Def(d) if d.kind == DefKind::Strong && d.origin.is_some() => {
                        let rhs = d.rhs?;
                        self.path_taint(rhs, at, depth + 1)
                    }
                    _ => Some(o),
                }
            }
            "call" => {
                let func = n.field_node("function")?;
                let q = self.m.qname(func).unwrap_or_default();
                if PATH_SANITISERS.contains(&q.as_str()) {
                    return None;
                }
                if PATH_BUILDERS.contains(&q.as_str()) {
                    let args = Args::of(n);
                    return args
                        .pos
                        .iter()
                        .find_map(|a| self.path_taint(*a, at, depth + 1));
                }
                self.eval(n, 0)
            }
            "binary_operator" => ["left", "right"]
                .iter()
                .filter_map(|f| n.field_node(f))
                .find_map(|c| self.path_taint(c, at, depth + 1)),
            "parenthesized_expression" => named_children(n)
                .first()
                .and_then(|c| self.path_taint(*c, at, depth + 1)),
            _ => self.eval(n, 0),
        }
    }

    /// `realpath(name).startswith(BASE)` / `name.startswith(BASE)` /
    /// `name.resolve().is_relative_to(BASE)` appears before `at`.
    fn path_checked(&self, name: &str, at: usize) -> bool {
        self.calls.iter().any(|c| {
            if c.start_byte() >= at {
                return false;
            }
            let Some(f) = c
                .field_node("function")
                .filter(|f| kind_of(*f) == "attribute")
            else {
                return false;
            };
            let attr = f
                .field_node("attribute")
                .map(|a| self.text(a))
                .unwrap_or("");
            if !matches!(attr, "startswith" | "is_relative_to") {
                return false;
            }
            let Some(mut obj) = f.field_node("object") else {
                return false;
            };
            for _ in 0..4 {
                if norm(self.text(obj)) == name {
                    return true;
                }
                if kind_of(obj) != "call" {
                    return false;
                }
                let Some(inner) = obj.field_node("function") else {
                    return false;
                };
                let q = self.m.qname(inner).unwrap_or_default();
                let last = q.rsplit('.').next().unwrap_or("");
                obj = if matches!(last, "realpath" | "abspath" | "normpath" | "str" | "Path") {
                    match Args::of(obj).pos.first() {
                        Some(a) => *a,
                        None => return false,
                    }
                } else if last == "resolve" && kind_of(inner) == "attribute" {
                    match inner.field_node("object") {
                        Some(o) => o,
                        None => return false,
                    }
                } else {
                    return false;
                };
            }
            false
        })
    }

    /// `event` itself (the handler's parameter, or a helper's parameter receiving it),
    /// `json.dumps(event)`, `str(event)`, or an f-string / `%` / `+` containing one.
    fn logs_whole_event(&self, n: Node<'t>, depth: usize) -> bool {
        if depth > 6 {
            return false;
        }
        match kind_of(n) {
            "identifier" => matches!(
                self.reaching(self.text(n), n.start_byte()),
                Reach::Param(o) if o.chars().all(|c| c.is_alphanumeric() || c == '_')
            ),
            "call" => {
                let q = n
                    .field_node("function")
                    .and_then(|f| self.m.qname(f))
                    .unwrap_or_default();
                matches!(q.as_str(), "json.dumps" | "str" | "repr" | "pprint.pformat")
                    && Args::of(n)
                        .pos
                        .first()
                        .is_some_and(|a| self.logs_whole_event(*a, depth + 1))
            }
            "string" => named_children(n)
                .into_iter()
                .filter(|c| kind_of(c) == "interpolation")
                .filter_map(|c| c.field_node("expression"))
                .any(|e| self.logs_whole_event(e, depth + 1)),
            "binary_operator" => ["left", "right"]
                .iter()
                .filter_map(|f| n.field_node(f))
                .any(|c| self.logs_whole_event(c, depth + 1)),
            "tuple" | "parenthesized_expression" => named_children(n)
                .into_iter()
                .any(|c| self.logs_whole_event(c, depth + 1)),
            _ => false,
        }
    }
}

fn is_log_call(q: &str, func: Node, src: &str) -> bool {
    let last = q.rsplit('.').next().unwrap_or("");
    if q == "print" || q == "builtins.print" {
        return true;
    }
    if !LOG_METHODS.contains(&last) {
        return false;
    }
    if q.starts_with("logging.") {
        return true;
    }
    kind_of(func) == "attribute"
        && func.field_node("object").is_some_and(|o| {
            let t = super::text(o, src).to_ascii_lowercase();
            t.contains("log")
        })
}

impl<'t> Module<'t> {
    /// CODE008 (secrets), CODE009 and CODE010: taint-free checks at every call.
    pub(super) fn check_more_global(&self, n: Node<'t>, q: &str, args: &Args<'t>) {
        let f = || self.enclosing_fn(n);

        // CODE009: a temp-file name that another process can claim first.
        if matches!(q, "tempfile.mktemp" | "os.tempnam" | "os.tmpnam") {
            self.emit(
                1,
                "CODE009",
                n,
                None,
                format!("{q}() returns a name, not a file: another process can create it first"),
                format!("{}|{q}", f()),
            );
        }

        // CODE010: fast unsalted hashes of passwords.
        self.check_password_hash(n, q, args);

        // CODE008: secret-named values written to the logs.
        if let Some(func) = n.field_node("function")
            && is_log_call(q, func, self.src)
        {
            for a in &args.pos {
                if let Some(name) = self.logged_secret(*a, 0) {
                    self.emit(
                        0,
                        "CODE008",
                        n,
                        Some(Severity::Medium),
                        format!(
                            "secret-named `{}` is written to the logs by {}()",
                            short(&name),
                            short(q)
                        ),
                        format!("{}|{q}|{name}", f()),
                    );
                    break;
                }
            }
        }
    }

    /// The secret-like name a logged expression reads, if any.
    fn logged_secret(&self, n: Node<'t>, depth: usize) -> Option<String> {
        if depth > 6 {
            return None;
        }
        match kind_of(n) {
            "identifier" => {
                let t = self.text(n);
                secrets::is_secret_name(t).then(|| t.to_string())
            }
            "attribute" => {
                let a = self.text(n.field_node("attribute")?);
                secrets::is_secret_name(a).then(|| self.text(n).to_string())
            }
            "subscript" => {
                let k = string_literal(n.field_node("subscript")?, self.src)?;
                secrets::is_secret_name(&k).then(|| self.text(n).to_string())
            }
            "call" => {
                let func = n.field_node("function")?;
                let q = self.qname(func).unwrap_or_default();
                if q == "os.getenv" || q == "os.environ.get" {
                    let k = string_literal(*Args::of(n).pos.first()?, self.src)?;
                    return secrets::is_secret_name(&k).then(|| self.text(n).to_string());
                }
                if matches!(q.as_str(), "str" | "repr" | "json.dumps") {
                    return Args::of(n)
                        .pos
                        .first()
                        .and_then(|a| self.logged_secret(*a, depth + 1));
                }
                None
            }
            "string" => named_children(n)
                .into_iter()
                .filter(|c| kind_of(c) == "interpolation")
                .filter_map(|c| c.field_node("expression"))
                .find_map(|e| self.logged_secret(e, depth + 1)),
            "binary_operator" => ["left", "right"]
                .iter()
                .filter_map(|f| n.field_node(f))
                .find_map(|c| self.logged_secret(c, depth + 1)),
            _ => None,
        }
    }

    fn check_password_hash(&self, n: Node<'t>, q: &str, args: &Args<'t>) {
        let Some(algo) = q.strip_prefix("hashlib.") else {
            return;
        };
        if args
            .kw(self, &["usedforsecurity"])
            .is_some_and(|v| kind_of(v) == "false")
        {
            return;
        }
        let (algo, data) = if algo == "new" {
            let Some(name) = args
                .get(self, 0, &["name"])
                .and_then(|a| string_literal(a, self.src))
            else {
                return;
            };
            (
                name.to_ascii_lowercase().replace('-', ""),
                args.get(self, 1, &["data", "string"]),
            )
        } else {
            (algo.to_string(), args.get(self, 0, &["string", "data"]))
        };
        let weak = matches!(algo.as_str(), "md5" | "sha1");
        let fast = weak
            || algo.starts_with("sha2")
            || algo.starts_with("sha3")
            || algo.starts_with("sha384")
            || algo.starts_with("sha512")
            || algo.starts_with("blake2");
        if !fast {
            return;
        }
        let Some(data) = data else {
            return;
        };
        let Some((name, salted)) = self.password_value(data, 0) else {
            return;
        };
        if salted && !weak {
            return;
        }
        let why = if weak {
            format!("{algo} is broken and fast")
        } else {
            format!("unsalted {algo} is fast")
        };
        self.emit(
            1,
            "CODE010",
            n,
            None,
            format!(
                "password `{}` is hashed with hashlib.{algo}: {why}, use a password KDF (scrypt, argon2, bcrypt, pbkdf2_hmac)",
                short(&name)
            ),
            format!("{}|{q}|{name}", self.enclosing_fn(n)),
        );
    }

    /// (password name, combined with something else) of a hashed value:
    /// `password.encode()`, `bytes(pwd, 'utf-8')`, `(salt + password).encode()`.
    fn password_value(&self, n: Node<'t>, depth: usize) -> Option<(String, bool)> {
        if depth > 6 {
            return None;
        }
        match kind_of(n) {
            "identifier" => {
                let t = self.text(n);
                is_password_name(t).then(|| (t.to_string(), false))
            }
            "attribute" => {
                let a = self.text(n.field_node("attribute")?);
                is_password_name(a).then(|| (self.text(n).to_string(), false))
            }
            "subscript" => {
                let k = string_literal(n.field_node("subscript")?, self.src)?;
                is_password_name(&k).then(|| (self.text(n).to_string(), false))
            }
            "call" => {
                let func = n.field_node("function")?;
                if kind_of(func) == "attribute"
                    && func.field_node("attribute").map(|a| self.text(a)) == Some("encode")
                {
                    return self.password_value(func.field_node("object")?, depth + 1);
                }
                let q = self.qname(func).unwrap_or_default();
                if matches!(q.as_str(), "bytes" | "str" | "bytearray") {
                    return Args::of(n)
                        .pos
                        .first()
                        .and_then(|a| self.password_value(*a, depth + 1));
                }
                None
            }
            "parenthesized_expression" => named_children(n)
                .first()
                .and_then(|c| self.password_value(*c, depth + 1)),
            "binary_operator" => ["left", "right"]
                .iter()
                .filter_map(|f| n.field_node(f))
                .find_map(|c| self.password_value(c, depth + 1))
                .map(|(name, _)| (name, true)),
            "string" => {
                let parts = named_children(n);
                let found = parts
                    .iter()
                    .filter(|c| kind_of(*c) == "interpolation")
                    .filter_map(|c| c.field_node("expression"))
                    .find_map(|e| self.password_value(e, depth + 1))?;
                let other = parts.iter().any(|c| kind_of(*c) == "string_content")
                    || parts
                        .iter()
                        .filter(|c| kind_of(*c) == "interpolation")
                        .count()
                        > 1;
                Some((found.0, other))
            }
            _ => None,
        }
    }
}

/// `Node::child_by_field_name` under a name that does not clash with `python::Field`.
trait FieldNode<'t> {
    fn field_node(&self, name: &str) -> Option<Node<'t>>;
}

impl<'t> FieldNode<'t> for Node<'t> {
    fn field_node(&self, name: &str) -> Option<Node<'t>> {
        super::Field::field(self, name)
    }
}

#[cfg(test)]
mod tests {
    use super::super::analyze_python;
    use crate::code::CodeFinding;
    use crate::model::Severity;

    fn only(body: &str, rule: &str) -> Vec<CodeFinding> {
        let mut src = String::from(
            "import os, json, shutil, logging, tempfile, hashlib\nfrom pathlib import Path\nlogger = logging.getLogger()\nBASE = '/tmp/x'\nALLOWED = {'a'}\n\ndef lambda_handler(event, context):\n",
        );
        for l in body.lines() {
            src.push_str("    ");
            src.push_str(l);
            src.push('\n');
        }
        analyze_python(&src, None)
            .findings
            .into_iter()
            .filter(|f| f.rule_id == rule)
            .collect()
    }

    #[test]
    fn path_traversal_sinks_and_sanitisers() {
        assert_eq!(only("open(event['f'])", "CODE007").len(), 1);
        assert_eq!(
            only(
                "p = os.path.join(BASE, event['f'])\nos.unlink(p)",
                "CODE007"
            )
            .len(),
            1
        );
        assert_eq!(only("shutil.rmtree(BASE + event['d'])", "CODE007").len(), 1);
        assert_eq!(
            only("(Path(BASE) / event['f']).write_text('x')", "CODE007").len(),
            1
        );
        assert!(
            only(
                "open(os.path.join(BASE, os.path.basename(event['f'])))",
                "CODE007"
            )
            .is_empty()
        );
        assert!(
            only(
                "f = event['f']\nif f not in ALLOWED:\n    return\nopen(f)",
                "CODE007"
            )
            .is_empty()
        );
        assert!(only(
            "p = os.path.join(BASE, event['f'])\nif not os.path.realpath(p).startswith(BASE):\n    return\nopen(p)",
            "CODE007"
        )
        .is_empty());
        assert!(only("open('/etc/hosts')", "CODE007").is_empty());
    }

    #[test]
    fn sensitive_logging_levels() {
        let f = only("logger.info(event)", "CODE008");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Some(Severity::Low));
        assert_eq!(
            only("logging.info('e %s', json.dumps(event))", "CODE008").len(),
            1
        );
        assert_eq!(only("print(f'got {event}')", "CODE008").len(), 1);
        let f = only(
            "api_token = os.environ['API_TOKEN']\nlogger.warning(api_token)",
            "CODE008",
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Some(Severity::Medium));
        assert!(only("logger.info(event['requestContext'])", "CODE008").is_empty());
        assert!(
            only(
                "body = json.loads(event['body'])\nlogger.info(body['id'])",
                "CODE008"
            )
            .is_empty()
        );
    }

    #[test]
    fn mktemp_and_password_hashes() {
        assert_eq!(only("p = tempfile.mktemp()", "CODE009").len(), 1);
        assert!(only("p = tempfile.mkstemp()", "CODE009").is_empty());
        assert_eq!(
            only("h = hashlib.md5(event['password'].encode())", "CODE010").len(),
            1
        );
        assert_eq!(
            only("h = hashlib.new('sha1', pwd.encode())", "CODE010").len(),
            1
        );
        assert_eq!(
            only("h = hashlib.sha256(password.encode())", "CODE010").len(),
            1
        );
        assert!(only("h = hashlib.sha256(salt + password.encode())", "CODE010").is_empty());
        assert!(
            only(
                "h = hashlib.md5(password.encode(), usedforsecurity=False)",
                "CODE010"
            )
            .is_empty()
        );
        assert!(only("h = hashlib.md5(body.encode())", "CODE010").is_empty());
    }
}
