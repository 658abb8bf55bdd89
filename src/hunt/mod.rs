//! `guardrails hunt`: detections over CloudTrail logs.
//!
//! Files are read, decompressed and split into records in parallel (rayon, in batches so
//! peak memory depends on the batch, not the input); records no detector is interested in
//! are dropped before JSON parsing (by a peek at `eventName`). Detectors then see the
//! parsed records sequentially in sorted file order (see `detect` for the contract).

pub mod athena;
pub mod detect;
pub mod input;
pub mod sigma;

use crate::cli::{EXIT_CONFIG, EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL, EXIT_OK};
use crate::model::{Finding, InputError, Report, Severity};
use crate::report::{self, Format};
use detect::{Detector, Event, HuntContext, Interest};
use rayon::prelude::*;
use serde_json::Value;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Default config file, read from the working directory when present.
pub const CONFIG_FILE: &str = ".guardrails-hunt.json";

#[derive(clap::Args)]
#[command(
    after_help = "Exit codes: 0 clean, 1 internal error, 2 findings at/above --fail-on, \
3 unreadable or corrupt log file (the rest is still processed), 4 config error, 64 usage."
)]
pub struct HuntArgs {
    /// CloudTrail log files or directories (S3 delivery layout), .json or .json.gz.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Regions console logins are expected from, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "REGIONS")]
    pub trusted_regions: Vec<String>,
    /// Networks logins and key use are expected from, comma-separated CIDRs.
    #[arg(long, value_delimiter = ',', value_name = "CIDRS")]
    pub trusted_cidrs: Vec<String>,
    /// Skip records before this time (RFC 3339, or a UTC date YYYY-MM-DD).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Skip records after this time (RFC 3339, or a UTC date YYYY-MM-DD: through its end).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Also run the Sigma rules (logsource aws/cloudtrail) under DIR; findings are SIGMA-<id>.
    #[arg(long, value_name = "DIR")]
    pub sigma: Option<PathBuf>,
    /// Output format [default: text on a terminal, json otherwise].
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Lowest severity that fails the run (exit 2).
    #[arg(long, value_name = "SEVERITY", default_value = "HIGH", value_parser = crate::cli::parse_severity)]
    pub fail_on: Severity,
    /// Config file with trusted_regions, trusted_cidrs, brute_force_threshold,
    /// brute_force_window_secs, key_use_window_secs [default: ./.guardrails-hunt.json when present].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// The config file's shape; flags override it.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    trusted_regions: Vec<String>,
    #[serde(default)]
    trusted_cidrs: Vec<String>,
    brute_force_threshold: Option<usize>,
    brute_force_window_secs: Option<i64>,
    key_use_window_secs: Option<i64>,
}

fn config_error(file: &str, message: String) -> InputError {
    InputError {
        file: file.to_string(),
        line: None,
        column: None,
        message,
    }
}

fn read_config(p: &Path) -> Result<ConfigFile, InputError> {
    let name = p.display().to_string();
    let text = std::fs::read_to_string(p).map_err(|e| config_error(&name, e.to_string()))?;
    serde_json::from_str(&text)
        .map_err(|e| config_error(&name, format!("invalid hunt config: {e}")))
}

/// The context a hunt config file alone gives (tests use it for per-rule fixtures).
pub fn context_from_file(path: &Path) -> Result<HuntContext, InputError> {
    let c = read_config(path)?;
    let d = HuntContext::default();
    Ok(HuntContext {
        trusted_regions: c.trusted_regions,
        trusted_cidrs: parse_cidrs(&c.trusted_cidrs, &path.display().to_string())?,
        brute_force_threshold: c.brute_force_threshold.unwrap_or(d.brute_force_threshold),
        brute_force_window_secs: c
            .brute_force_window_secs
            .unwrap_or(d.brute_force_window_secs),
        key_use_window_secs: c.key_use_window_secs.unwrap_or(d.key_use_window_secs),
        ..d
    })
}

/// Builds the context from the config file and flags.
fn context(args: &HuntArgs) -> Result<HuntContext, InputError> {
    let path = args.config.clone().or_else(|| {
        Path::new(CONFIG_FILE)
            .is_file()
            .then(|| PathBuf::from(CONFIG_FILE))
    });
    let mut ctx = match path {
        Some(p) => context_from_file(&p)?,
        None => HuntContext::default(),
    };
    // Flags replace the file's lists.
    if !args.trusted_regions.is_empty() {
        ctx.trusted_regions = args
            .trusted_regions
            .iter()
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .collect();
    }
    if !args.trusted_cidrs.is_empty() {
        ctx.trusted_cidrs = parse_cidrs(&args.trusted_cidrs, "--trusted-cidrs")?;
    }
    ctx.since = args
        .since
        .as_deref()
        .map(|s| parse_time(s, false))
        .transpose()?;
    ctx.until = args
        .until
        .as_deref()
        .map(|s| parse_time(s, true))
        .transpose()?;
    Ok(ctx)
}

/// CIDRs, or bare addresses as /32 or /128.
fn parse_cidrs(list: &[String], origin: &str) -> Result<Vec<ipnet::IpNet>, InputError> {
    list.iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .map(|c| {
            c.parse::<ipnet::IpNet>()
                .or_else(|_| c.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| config_error(origin, format!("not a CIDR: {c}")))
        })
        .collect()
}

/// RFC 3339, or a date (start of day for --since, end of day for --until), UTC.
fn parse_time(s: &str, end_of_day: bool) -> Result<jiff::Timestamp, InputError> {
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return Ok(t);
    }
    let start: jiff::Timestamp = s
        .parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| format!("{d}T00:00:00Z").parse().ok())
        .ok_or_else(|| {
            config_error(
                "--since/--until",
                format!("not an RFC 3339 time or date: {s}"),
            )
        })?;
    Ok(if end_of_day {
        start + jiff::SignedDuration::from_secs(86_399)
    } else {
        start
    })
}

/// Parsed records of one file, ready for the detectors.
struct FileRecords {
    display: String,
    records: Vec<(usize, Value, Box<str>)>,
    error: Option<String>,
}

/// Files per parallel batch: bounds memory to a few files per core.
const BATCH: usize = 16;

/// Which records are worth parsing: `eventName`/`eventSource` values (lowercase) some
/// detector or Sigma rule needs. `None` = someone needs every record.
struct Prefilter {
    names: HashSet<String>,
    sources: HashSet<String>,
}

impl Prefilter {
    /// A record is skipped only when its name and source were both read and neither is wanted;
    /// anything odd (escapes, missing keys) is parsed.
    fn skip(&self, raw: &str) -> bool {
        let Some(name) = input::peek_str(raw, "\"eventName\"") else {
            return false;
        };
        if self.names.contains(&name.to_ascii_lowercase()) {
            return false;
        }
        if self.sources.is_empty() {
            return true;
        }
        match input::peek_str(raw, "\"eventSource\"") {
            Some(src) => !self.sources.contains(&src.to_ascii_lowercase()),
            None => false,
        }
    }
}

fn load_file(path: &Path, filter: Option<&Prefilter>, keep_raw: bool) -> FileRecords {
    let display = crate::scan::display_path(path);
    let text = match input::read_text(path) {
        Ok(t) => t,
        Err(e) => {
            return FileRecords {
                display,
                records: Vec::new(),
                error: Some(e),
            };
        }
    };
    let (raws, mut error) = input::split_records(&text);
    let mut records = Vec::new();
    for (i, raw) in raws.iter().enumerate() {
        if filter.is_some_and(|f| f.skip(raw)) {
            continue;
        }
        match serde_json::from_str::<Value>(raw) {
            Ok(v) if v.is_object() => {
                let raw: Box<str> = if keep_raw { (**raw).into() } else { "".into() };
                records.push((i + 1, v, raw));
            }
            Ok(_) => {
                error.get_or_insert(format!("record {} is not an object", i + 1));
            }
            Err(e) => {
                error.get_or_insert(format!("record {}: invalid JSON: {e}", i + 1));
            }
        }
    }
    FileRecords {
        display,
        records,
        error,
    }
}

fn in_window(e: &Event, ctx: &HuntContext) -> bool {
    if ctx.since.is_none() && ctx.until.is_none() {
        return true;
    }
    let Some(t) = e.timestamp() else {
        return false;
    };
    ctx.since.is_none_or(|s| t >= s) && ctx.until.is_none_or(|u| t <= u)
}

/// Runs every built-in detection over log files or directories. The library entry point
/// (also used by tests/fixtures.rs).
pub fn hunt_files(paths: &[PathBuf], ctx: &HuntContext) -> (Vec<Finding>, Vec<InputError>) {
    let mut detectors = detect::detectors(ctx);
    hunt_with(paths, ctx, &mut detectors, None)
}

pub fn hunt_with(
    paths: &[PathBuf],
    ctx: &HuntContext,
    detectors: &mut [Box<dyn Detector>],
    sigma: Option<&sigma::SigmaRules>,
) -> (Vec<Finding>, Vec<InputError>) {
    let mut walk_errors = Vec::new();
    let files = input::collect_files(paths, &mut walk_errors);
    let mut errors: Vec<InputError> = walk_errors
        .into_iter()
        .map(|(f, m)| config_error(&f, m))
        .collect();
    let mut filter = Some(Prefilter {
        names: HashSet::new(),
        sources: HashSet::new(),
    });
    for d in detectors.iter() {
        match (d.interest(), filter.as_mut()) {
            (Interest::Names(ns), Some(f)) => {
                f.names.extend(ns.iter().map(|n| n.to_ascii_lowercase()))
            }
            _ => filter = None,
        }
    }
    for r in sigma.map(|s| s.rules.as_slice()).unwrap_or_default() {
        match (r.interest(), filter.as_mut()) {
            (Some((names, sources)), Some(f)) => {
                f.names.extend(names.iter().map(|n| n.to_ascii_lowercase()));
                f.sources
                    .extend(sources.iter().map(|n| n.to_ascii_lowercase()));
            }
            _ => filter = None,
        }
    }
    let interests: Vec<Option<HashSet<&'static str>>> = detectors
        .iter()
        .map(|d| match d.interest() {
            Interest::Names(ns) => Some(ns.iter().copied().collect()),
            Interest::All => None,
        })
        .collect();
    let mut findings = Vec::new();
    for batch in files.chunks(BATCH * rayon::current_num_threads().max(1)) {
        let loaded: Vec<FileRecords> = batch
            .par_iter()
            .map(|p| load_file(p, filter.as_ref(), sigma.is_some()))
            .collect();
        for file in loaded {
            if let Some(e) = file.error {
                errors.push(config_error(&file.display, e));
            }
            for (line, value, raw) in &file.records {
                let e = Event {
                    value,
                    raw,
                    file: &file.display,
                    line: *line,
                };
                if !in_window(&e, ctx) {
                    continue;
                }
                let name = e.event_name().unwrap_or("");
                for (d, want) in detectors.iter_mut().zip(&interests) {
                    if want.as_ref().is_none_or(|w| w.contains(name)) {
                        d.on_event(&e, ctx, &mut findings);
                    }
                }
                for r in sigma.map(|s| s.rules.as_slice()).unwrap_or_default() {
                    if r.matches(value, raw) {
                        findings.push(sigma_finding(r, &e));
                    }
                }
            }
        }
    }
    for d in detectors.iter_mut() {
        d.finish(ctx, &mut findings);
    }
    (findings, errors)
}

fn sigma_finding(r: &sigma::SigmaRule, e: &Event) -> Finding {
    let remediation = match r.references.first() {
        Some(link) => format!("Investigate as the Sigma rule describes: {link}"),
        None => "Investigate as the Sigma rule describes.".to_string(),
    };
    let resource = e.principal().unwrap_or("unknown principal");
    let what = format!("{} ({})", r.title, e.event_name().unwrap_or("?"));
    detect::finding_with(
        &r.rule_id(),
        r.level,
        &remediation,
        resource,
        what,
        &[e.summary()],
    )
}

pub fn run(args: &HuntArgs) -> ExitCode {
    let ctx = match context(args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("guardrails: error: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let mut sigma_errors = Vec::new();
    let sigma = args.sigma.as_deref().map(|dir| {
        let (rules, errors) = sigma::SigmaRules::load(dir);
        sigma_errors = errors;
        for s in &rules.skipped {
            eprintln!("guardrails: warning: {s}");
        }
        rules
    });
    let mut detectors = detect::detectors(&ctx);
    let (findings, mut errors) = hunt_with(&args.paths, &ctx, &mut detectors, sigma.as_ref());
    errors.extend(sigma_errors);
    let input_failed = !errors.is_empty();
    let report = Report::new(findings, errors, args.fail_on);
    let mut code = if input_failed {
        EXIT_INPUT
    } else if report.gating_findings() > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    };
    use std::io::IsTerminal;
    let to_terminal = std::io::stdout().is_terminal() && args.out.is_none();
    let format = args.format.unwrap_or(if to_terminal {
        Format::Text
    } else {
        Format::Json
    });
    let content = if format == Format::Text && to_terminal {
        report::text::render(&report, true)
    } else {
        report::render(&report, format)
    };
    let written = match &args.out {
        Some(p) => std::fs::write(p, &content).map_err(|e| format!("{}: {e}", p.display())),
        None => {
            use std::io::Write;
            std::io::stdout()
                .write_all(content.as_bytes())
                .map_err(|e| format!("stdout: {e}"))
        }
    };
    if let Err(e) = written {
        eprintln!("guardrails: error: {e}");
        code = EXIT_INTERNAL;
    }
    for e in &report.errors {
        eprintln!("guardrails: error: {e}");
    }
    ExitCode::from(code)
}
