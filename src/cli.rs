//! Command line: argument parsing, output writing, exit codes.

use crate::allowlist::{self, Allowlist};
use crate::model::{InputError, Report, Severity};
use crate::report::{self, Format};
use crate::rules::registry::RULES;
use crate::scan::{self, ScanOptions};
use clap::{Parser, Subcommand};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Nothing at or above `--fail-on`.
pub const EXIT_OK: u8 = 0;
/// Unexpected internal failure (I/O writing outputs).
pub const EXIT_INTERNAL: u8 = 1;
/// Findings at or above `--fail-on`.
pub const EXIT_FINDINGS: u8 = 2;
/// A template or source file could not be read or parsed (the rest was scanned).
pub const EXIT_INPUT: u8 = 3;
/// Invalid or expired allowlist, or other configuration problem.
pub const EXIT_CONFIG: u8 = 4;
/// Bad command-line usage.
pub const EXIT_USAGE: u8 = 64;

#[derive(Parser)]
#[command(
    name = "guardrails",
    version,
    about = "Security gate for AWS serverless delivery pipelines",
    after_help = "Exit codes: 0 passed, 2 findings at or above --fail-on, 3 unreadable or unparsable input, 4 configuration error (allowlist), 64 usage error, 1 internal error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Scan SAM/CloudFormation templates and Lambda source.
    Scan(ScanArgs),
    /// List every rule.
    Rules {
        #[arg(long, value_enum, default_value = "text")]
        format: RulesFormat,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum RulesFormat {
    Text,
    Json,
    Markdown,
}

#[derive(clap::Args)]
pub struct ScanArgs {
    /// Template file or directory (repeatable). Directories are searched for CloudFormation templates.
    #[arg(long, short = 't', value_name = "PATH")]
    pub template: Vec<PathBuf>,
    /// Lambda source directory or file (repeatable).
    #[arg(long, short = 's', value_name = "DIR")]
    pub source: Vec<PathBuf>,
    /// Output format [default: text on a terminal, json otherwise].
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,
    /// Write the --format output to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Also write FORMAT to FILE (repeatable), e.g. --output sarif=results.sarif.
    #[arg(long = "output", value_name = "FORMAT=FILE", value_parser = parse_output)]
    pub outputs: Vec<(Format, PathBuf)>,
    /// Lowest severity that fails the run (exit 2).
    #[arg(long, value_name = "SEVERITY", default_value = "HIGH", value_parser = parse_severity)]
    pub fail_on: Severity,
    /// Allowlist file [default: ./.guardrails-allow.json when present].
    #[arg(long, value_name = "PATH")]
    pub allowlist: Option<PathBuf>,
    /// Ignore ./.guardrails-allow.json.
    #[arg(long, conflicts_with = "allowlist")]
    pub no_allowlist: bool,
    /// Print nothing to stdout except the report.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    Severity::parse(s)
        .ok_or_else(|| format!("unknown severity {s:?} (CRITICAL, HIGH, MEDIUM, LOW, INFO)"))
}

fn parse_output(s: &str) -> Result<(Format, PathBuf), String> {
    let (f, path) = s
        .split_once('=')
        .ok_or_else(|| format!("expected FORMAT=FILE, got {s:?}"))?;
    let format = Format::parse(f)
        .ok_or_else(|| format!("unknown format {f:?} (json, sarif, markdown, text)"))?;
    if path.is_empty() {
        return Err("empty file name".into());
    }
    Ok((format, PathBuf::from(path)))
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    EXIT_OK
                }
                _ => EXIT_USAGE,
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Scan(args) => ExitCode::from(run_scan(&args)),
        Command::Rules { format } => {
            let out = render_rules(format);
            if write_stdout(&out).is_err() {
                return ExitCode::from(EXIT_INTERNAL);
            }
            ExitCode::from(EXIT_OK)
        }
    }
}

fn write_stdout(s: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(s.as_bytes())?;
    out.flush()
}

fn write_file(path: &Path, content: &str) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("{}: cannot create directory: {e}", dir.display()))?;
    }
    std::fs::write(path, content).map_err(|e| format!("{}: cannot write: {e}", path.display()))
}

pub fn run_scan(args: &ScanArgs) -> u8 {
    let opts = ScanOptions {
        templates: args.template.clone(),
        sources: args.source.clone(),
    };
    // The allowlist is read first: a broken one is reported even when the scan is clean.
    let mut config_errors: Vec<InputError> = Vec::new();
    let allow_path = match (&args.allowlist, args.no_allowlist) {
        (Some(p), _) => Some(p.clone()),
        (None, false) if Path::new(allowlist::DEFAULT_FILE).is_file() => {
            Some(PathBuf::from(allowlist::DEFAULT_FILE))
        }
        _ => None,
    };
    let allow = match allow_path.as_deref().map(Allowlist::load) {
        Some(Ok(a)) => Some(a),
        Some(Err(errs)) => {
            config_errors.extend(errs);
            None
        }
        None => None,
    };

    let mut scanned = scan::run(&opts);
    if let Some(a) = &allow {
        config_errors.extend(a.apply(&mut scanned.findings, jiff::Timestamp::now()));
    }
    let input_errors = scanned.errors.len();
    let mut errors = scanned.errors;
    let config_failed = !config_errors.is_empty();
    errors.extend(config_errors);
    let report = Report::new(scanned.findings, errors, args.fail_on);

    let mut code = if config_failed {
        EXIT_CONFIG
    } else if input_errors > 0 {
        EXIT_INPUT
    } else if report.gating_findings() > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    };

    let to_terminal = std::io::stdout().is_terminal();
    let format = args.format.unwrap_or(if to_terminal && args.out.is_none() {
        Format::Text
    } else {
        Format::Json
    });
    let mut targets: Vec<(Format, Option<&Path>)> = vec![(format, args.out.as_deref())];
    targets.extend(args.outputs.iter().map(|(f, p)| (*f, Some(p.as_path()))));
    for (fmt, path) in targets {
        let content = if fmt == Format::Text && path.is_none() && to_terminal {
            report::text::render(&report, true)
        } else {
            report::render(&report, fmt)
        };
        let result = match path {
            Some(p) => write_file(p, &content),
            None => write_stdout(&content).map_err(|e| format!("stdout: {e}")),
        };
        if let Err(e) = result {
            eprintln!("guardrails: error: {e}");
            code = code.max(EXIT_INTERNAL);
            if code == EXIT_FINDINGS {
                code = EXIT_INTERNAL;
            }
        }
    }

    // Errors always reach stderr too, whatever the format on stdout.
    for e in &report.errors {
        eprintln!("guardrails: error: {e}");
    }
    if !args.quiet && (args.out.is_some() || format != Format::Text) {
        let s = &report.summary;
        eprintln!(
            "guardrails: {} template(s), {} source file(s): {} critical, {} high, {} medium, {} low, {} info; {}",
            scanned.templates_scanned,
            scanned.sources_scanned,
            s.critical,
            s.high,
            s.medium,
            s.low,
            s.info,
            match code {
                EXIT_OK => "passed".to_string(),
                EXIT_FINDINGS => format!(
                    "failed: {} finding(s) at or above {}",
                    report.gating_findings(),
                    report.fail_on
                ),
                _ => format!("failed with {} error(s)", report.errors.len()),
            }
        );
    }
    code
}

pub fn render_rules(format: RulesFormat) -> String {
    match format {
        RulesFormat::Json => {
            let v: Vec<serde_json::Value> = RULES
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id,
                        "name": r.name,
                        "title": r.title,
                        "family": r.family,
                        "severity": r.severity,
                        "remediation": r.remediation,
                        "summary": r.summary(),
                        "docs": r.doc(),
                        "help_uri": r.help_uri(),
                    })
                })
                .collect();
            serde_json::to_string_pretty(&v).expect("rules serialise") + "\n"
        }
        RulesFormat::Text => {
            let mut s = String::new();
            for r in RULES {
                s.push_str(&format!(
                    "{:<8} {:<8} {:<4} {}\n",
                    r.id,
                    r.severity.as_str(),
                    r.family,
                    r.title
                ));
            }
            s
        }
        RulesFormat::Markdown => {
            let mut s = String::from(
                "# Rules\n\nGenerated by `guardrails rules --format markdown`; do not edit by hand.\n\n| Id | Severity | Family | Title |\n| --- | --- | --- | --- |\n",
            );
            for r in RULES {
                s.push_str(&format!(
                    "| [{}](#{}) | {} | {} | {} |\n",
                    r.id,
                    r.id.to_ascii_lowercase(),
                    r.severity,
                    r.family,
                    r.title
                ));
            }
            for r in RULES {
                s.push_str(&format!(
                    "\n## {}\n\n**{}** · `{}` · default severity {}\n\n{}\n\n**Remediation:** {}\n",
                    r.id,
                    r.title,
                    r.name,
                    r.severity,
                    r.doc().replace("\n## ", "\n### "),
                    r.remediation
                ));
            }
            s
        }
    }
}
