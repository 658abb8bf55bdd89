//! Finds the files, loads templates, runs template rules and source analysis in parallel.

use crate::code;
use crate::model::{Finding, InputError};
use crate::rules::{self, registry};
use crate::suppress;
use crate::template::{self, Template};
use rayon::prelude::*;
use std::path::{Component, Path, PathBuf};

#[derive(Default, Clone)]
pub struct ScanOptions {
    pub templates: Vec<PathBuf>,
    pub sources: Vec<PathBuf>,
}

#[derive(Default)]
pub struct ScanOutput {
    pub findings: Vec<Finding>,
    pub errors: Vec<InputError>,
    pub templates_scanned: usize,
    pub sources_scanned: usize,
}

const TEMPLATE_EXTS: &[&str] = &["yaml", "yml", "json", "template"];
/// Lambda source: Python and Node.js (minified bundles, `*.min.js`, are skipped).
const SOURCE_EXTS: &[&str] = &["py", "js", "mjs", "cjs"];
const JS_EXTS: &[&str] = &["js", "mjs", "cjs"];
/// Build output and dependencies: never the user's own templates or code.
const SKIP_DIRS: &[&str] = &[
    ".aws-sam",
    "node_modules",
    "cdk.out",
    ".git",
    "target",
    "__pycache__",
    ".venv",
    "venv",
];

/// Path as shown in every output: relative to the working directory when inside it,
/// forward slashes, no `./`.
pub fn display_path(p: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let rel = match (&cwd, p.is_absolute()) {
        (Some(c), true) => p
            .strip_prefix(c)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| p.to_path_buf()),
        _ => p.to_path_buf(),
    };
    let mut parts: Vec<String> = Vec::new();
    for c in rel.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.last().is_some_and(|l| l != "..") {
                    parts.pop();
                } else {
                    parts.push("..".into());
                }
            }
            Component::RootDir => parts.push(String::new()),
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    let s = parts.join("/");
    if s.is_empty() { ".".into() } else { s }
}

fn input_error(
    path: &Path,
    line: Option<usize>,
    column: Option<usize>,
    message: impl Into<String>,
) -> InputError {
    InputError {
        file: display_path(path),
        line,
        column,
        message: message.into(),
    }
}

fn walk(root: &Path, exts: &[&str]) -> Vec<PathBuf> {
    walk_all(&[root.to_path_buf()], exts)
}

/// One parallel walk over several roots (one walk per root would not scale to
/// thousands of function directories).
fn walk_all(roots: &[PathBuf], exts: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Some((first, rest)) = roots.split_first() else {
        return out;
    };
    let mut builder = ignore::WalkBuilder::new(first);
    for r in rest {
        builder.add(r);
    }
    let walker = builder
        .hidden(true)
        .git_ignore(true)
        .require_git(false)
        .filter_entry(|e| {
            !(e.file_type().is_some_and(|t| t.is_dir())
                && SKIP_DIRS.contains(&e.file_name().to_string_lossy().as_ref()))
        })
        .build_parallel();
    let (tx, rx) = std::sync::mpsc::channel();
    walker.run(|| {
        let tx = tx.clone();
        Box::new(move |entry| {
            if let Ok(e) = entry
                && e.file_type().is_some_and(|t| t.is_file())
                && e.path()
                    .extension()
                    .and_then(|x| x.to_str())
                    .is_some_and(|x| exts.contains(&x))
                && !e.file_name().to_string_lossy().ends_with(".min.js")
            {
                let _ = tx.send(e.into_path());
            }
            ignore::WalkState::Continue
        })
    });
    drop(tx);
    out.extend(rx);
    out.sort();
    out.dedup();
    out
}

struct Loaded {
    template: Option<Template>,
    dir: PathBuf,
    path: PathBuf,
}

/// An extra per-template check (Guard rules, `crate::guard`): given the template and its
/// file, it returns findings that go through the template's suppressions like ours.
pub type TemplateHook<'a> =
    &'a (dyn Fn(&Template, &Path) -> (Vec<Finding>, Vec<InputError>) + Sync);

/// Loads one named template file.
pub fn load_template_file(path: &Path) -> Result<Template, InputError> {
    load_template(path, true)?.ok_or_else(|| input_error(path, None, None, "not a template"))
}

fn load_template(path: &Path, explicit: bool) -> Result<Option<Template>, InputError> {
    let bytes = std::fs::read(path)
        .map_err(|e| input_error(path, None, None, format!("cannot read: {e}")))?;
    if !explicit {
        // Directory discovery: only files that really are CloudFormation.
        let Ok(text) = std::str::from_utf8(&bytes) else {
            return Ok(None);
        };
        if !template::looks_like_cloudformation(text) {
            return Ok(None);
        }
    }
    let node =
        template::parse_bytes(&bytes).map_err(|e| input_error(path, e.line, e.col, e.message))?;
    let file = display_path(path);
    let mut t = Template::from_node(&file, node)
        .map_err(|e| input_error(path, e.line, e.col, e.message))?;
    // parse_bytes proved the bytes are UTF-8.
    let text = std::str::from_utf8(&bytes).unwrap_or_default();
    (t.line_directives, t.directive_errors) = suppress::line_directives(&file, text);
    Ok(Some(t))
}

/// Template rules (and the hook's), then the template's own suppressions.
fn check_template(
    t: &Template,
    path: &Path,
    hook: Option<TemplateHook>,
) -> (Vec<Finding>, Vec<InputError>) {
    let mut findings = rules::check_template(t);
    let (extra, mut errors) = hook.map(|h| h(t, path)).unwrap_or_default();
    findings.extend(extra);
    errors.extend(suppress::apply_metadata(t, &mut findings));
    suppress::apply_lines(&t.line_directives, &mut findings);
    errors.extend(t.directive_errors.iter().cloned());
    (findings, errors)
}

/// A Lambda function's code, as the template points at it.
struct FunctionCode {
    logical_id: String,
    dir: PathBuf,
    /// The handler's file and function name (`app.lambda_handler` → `app.py`, `lambda_handler`;
    /// `index.handler` → `index.js`/`.mjs`/`.cjs` when that exists and `index.py` does not).
    handler_file: Option<PathBuf>,
    handler_name: Option<String>,
}

fn function_code(loaded: &[Loaded]) -> Vec<FunctionCode> {
    let mut out = Vec::new();
    for l in loaded {
        let Some(t) = &l.template else { continue };
        for r in t.resources.iter().filter(|r| r.is_function()) {
            let uri = r
                .prop("CodeUri")
                .or_else(|| r.prop("Code"))
                .and_then(|n| n.as_str());
            let Some(uri) = uri.filter(|u| !u.starts_with("s3://")) else {
                continue;
            };
            let dir = l.dir.join(uri);
            let handler = r.prop("Handler").and_then(|h| h.as_str());
            let (handler_file, handler_name) = match handler.and_then(|h| h.rsplit_once('.')) {
                Some((module, func)) => (Some(handler_path(&dir, module)), Some(func.to_string())),
                None => (None, None),
            };
            out.push(FunctionCode {
                logical_id: r.id.clone(),
                dir,
                handler_file,
                handler_name,
            });
        }
    }
    out
}

/// `app` → `dir/app.py`; a Node.js module (`index.js`, `.mjs`, `.cjs`) when only that exists.
fn handler_path(dir: &Path, module: &str) -> PathBuf {
    let base = module.replace('.', "/");
    let py = dir.join(format!("{base}.py"));
    if py.is_file() {
        return py;
    }
    JS_EXTS
        .iter()
        .map(|e| dir.join(format!("{base}.{e}")))
        .find(|p| p.is_file())
        .unwrap_or(py)
}

fn is_source_ext(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| SOURCE_EXTS.contains(&e))
}

pub fn run(opts: &ScanOptions) -> ScanOutput {
    run_with(opts, None)
}

/// `run`, with an extra check on every template.
pub fn run_with(opts: &ScanOptions, hook: Option<TemplateHook>) -> ScanOutput {
    let mut out = ScanOutput::default();
    let auto = opts.templates.is_empty() && opts.sources.is_empty();

    // 1. Template files.
    let mut template_paths: Vec<(PathBuf, bool)> = Vec::new();
    let roots: Vec<PathBuf> = if auto {
        vec![PathBuf::from(".")]
    } else {
        opts.templates.clone()
    };
    for root in &roots {
        if root.is_dir() {
            template_paths.extend(walk(root, TEMPLATE_EXTS).into_iter().map(|p| (p, false)));
        } else if root.is_file() {
            template_paths.push((root.clone(), true));
        } else {
            out.errors
                .push(input_error(root, None, None, "no such file or directory"));
        }
    }
    template_paths.sort();
    template_paths.dedup();

    let loaded: Vec<Result<Loaded, InputError>> = template_paths
        .par_iter()
        .map(|(p, explicit)| {
            load_template(p, *explicit).map(|template| Loaded {
                template,
                dir: p.parent().map(Path::to_path_buf).unwrap_or_default(),
                path: p.clone(),
            })
        })
        .collect();
    let mut templates = Vec::new();
    for l in loaded {
        match l {
            Ok(l) => templates.push(l),
            Err(e) => out.errors.push(e),
        }
    }
    out.templates_scanned = templates.iter().filter(|l| l.template.is_some()).count();
    let checked: Vec<(Vec<Finding>, Vec<InputError>)> = templates
        .par_iter()
        .filter_map(|l| {
            l.template
                .as_ref()
                .map(|t| check_template(t, &l.path, hook))
        })
        .collect();
    for (findings, errors) in checked {
        out.findings.extend(findings);
        out.errors.extend(errors);
    }

    // 2. Lambda source.
    let functions = function_code(&templates);
    let mut files: Vec<(PathBuf, Option<usize>)> = Vec::new();
    if opts.sources.is_empty() {
        // Follow each function's CodeUri. Functions sharing a directory: a file goes to
        // the function whose Handler names it, else to the first function of the directory.
        let mut by_handler: std::collections::HashMap<&Path, usize> =
            std::collections::HashMap::new();
        let mut by_dir: std::collections::HashMap<&Path, usize> = std::collections::HashMap::new();
        for (i, f) in functions.iter().enumerate() {
            if let Some(h) = f.handler_file.as_deref() {
                by_handler.entry(h).or_insert(i);
            }
            by_dir.entry(f.dir.as_path()).or_insert(i);
        }
        let mut dirs: Vec<PathBuf> = by_dir
            .keys()
            .filter(|d| d.is_dir())
            .map(|d| d.to_path_buf())
            .collect();
        dirs.sort();
        for (d, &i) in &by_dir {
            if d.is_file() && is_source_ext(d) {
                files.push((d.to_path_buf(), Some(i)));
            }
        }
        for p in walk_all(&dirs, SOURCE_EXTS) {
            let owner = by_handler
                .get(p.as_path())
                .copied()
                .or_else(|| p.ancestors().skip(1).find_map(|a| by_dir.get(a).copied()));
            files.push((p, owner));
        }
    } else {
        // Attribute a file to the function whose Handler names it: the same file, else
        // the first function whose handler module is this path under --source.
        let mut by_file: std::collections::HashMap<PathBuf, usize> =
            std::collections::HashMap::new();
        let mut by_module: std::collections::HashMap<PathBuf, usize> =
            std::collections::HashMap::new();
        for (i, f) in functions.iter().enumerate() {
            let Some(h) = f.handler_file.as_deref() else {
                continue;
            };
            if let Ok(c) = h.canonicalize() {
                by_file.entry(c).or_insert(i);
            }
            if let Ok(m) = h.strip_prefix(&f.dir) {
                by_module.entry(m.to_path_buf()).or_insert(i);
            }
        }
        for s in &opts.sources {
            let found = if s.is_dir() {
                walk(s, SOURCE_EXTS)
            } else if s.is_file() {
                vec![s.clone()]
            } else {
                out.errors
                    .push(input_error(s, None, None, "no such file or directory"));
                continue;
            };
            for p in found {
                let owner = if functions.is_empty() {
                    None
                } else {
                    p.canonicalize()
                        .ok()
                        .and_then(|c| by_file.get(&c).copied())
                        .or_else(|| {
                            let rel = p.strip_prefix(s).unwrap_or(&p);
                            let rel = if rel.as_os_str().is_empty() {
                                Path::new(p.file_name().unwrap_or_default())
                            } else {
                                rel
                            };
                            by_module.get(rel).copied()
                        })
                };
                files.push((p, owner));
            }
        }
    }
    files.sort();
    files.dedup_by(|a, b| a.0 == b.0);
    out.sources_scanned = files.len();

    let results: Vec<(Vec<Finding>, Vec<InputError>)> = files
        .par_iter()
        .map(|(path, owner)| analyze_source(path, owner.map(|i| &functions[i])))
        .collect();
    for (findings, err) in results {
        out.findings.extend(findings);
        out.errors.extend(err);
    }
    out
}

fn analyze_source(path: &Path, function: Option<&FunctionCode>) -> (Vec<Finding>, Vec<InputError>) {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            return (
                vec![],
                vec![input_error(path, None, None, format!("cannot read: {e}"))],
            );
        }
    };
    if bytes.contains(&0) {
        return (
            vec![],
            vec![input_error(
                path,
                None,
                None,
                "binary file (contains NUL bytes)",
            )],
        );
    }
    let lossy;
    let (text, utf8_error) = match std::str::from_utf8(&bytes) {
        Ok(t) => (t, None),
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            lossy = String::from_utf8_lossy(&bytes).into_owned();
            (
                lossy.as_str(),
                Some(input_error(path, Some(line), None, "not valid UTF-8")),
            )
        }
    };
    let file = display_path(path);
    let is_handler_file = function
        .and_then(|f| f.handler_file.as_deref())
        .is_some_and(|h| h.file_name() == path.file_name());
    let handler = if is_handler_file {
        function.and_then(|f| f.handler_name.as_deref())
    } else {
        None
    };
    let is_js = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| JS_EXTS.contains(&e));
    let analysis = if is_js {
        code::analyze_javascript(text, handler)
    } else {
        code::analyze_python(text, handler)
    };
    let mut findings = Vec::with_capacity(analysis.findings.len());
    for cf in analysis.findings {
        let Some(rule) = registry::get(cf.rule_id) else {
            continue;
        };
        let mut f = Finding::new(
            rule.id,
            cf.severity.unwrap_or(rule.severity),
            file.clone(),
            cf.message,
            rule.remediation,
            &file,
            cf.line,
            cf.column,
            None,
        );
        f.function = function.map(|f| f.logical_id.clone());
        f.env_name = cf.name;
        f.seal(&cf.key);
        findings.push(f);
    }
    let err = utf8_error.or_else(|| {
        analysis.parse_error.map(|(line, msg)| {
            input_error(
                path,
                Some(line),
                None,
                format!(
                    "{} syntax error: {msg} (secrets still scanned)",
                    if is_js { "JavaScript" } else { "Python" }
                ),
            )
        })
    });
    let (directives, mut errors) = suppress::line_directives(&file, text);
    suppress::apply_lines(&directives, &mut findings);
    errors.extend(err);
    (findings, errors)
}
