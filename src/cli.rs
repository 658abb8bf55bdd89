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
    /// Gate a CloudFormation change set (the JSON `aws cloudformation describe-change-set` prints).
    Changeset(ChangesetArgs),
    /// Post or update the sticky pull-request comment from a scan.json (GitHub Actions).
    Comment(crate::github::CommentArgs),
    /// Hunt for attacks in CloudTrail logs (files, S3-layout directories, s3://bucket/prefix).
    Hunt(crate::hunt::HuntArgs),
    /// Write the Athena/Glue query pack: CloudTrail table DDL and one query per detection.
    Athena(crate::hunt::athena::AthenaArgs),
    /// Check a live AWS account against core CIS AWS Foundations v1.5 controls.
    #[cfg(feature = "aws")]
    Cis(crate::cis::CisArgs),
    /// Run as an AWS Lambda function (custom runtime): `cis` once per invocation.
    #[cfg(feature = "aws")]
    Lambda,
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
    /// Gate only on findings that are new since this earlier scan.json (matched by fingerprint).
    #[arg(long, value_name = "SCAN_JSON")]
    pub baseline: Option<PathBuf>,
    /// CloudFormation Guard rules: a .guard file or a directory of them (repeatable).
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Severity of Guard rule failures whose rule names none.
    #[arg(long, value_name = "SEVERITY", default_value = "MEDIUM", value_parser = parse_severity)]
    pub guard_severity: Severity,
    /// Print nothing to stdout except the report.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Files as a hook passes them (pre-commit): `.py` is scanned as source, YAML/JSON that
    /// looks like CloudFormation as a template, anything else is ignored.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// Sorts hook-passed files into (templates, sources); other files are dropped. A missing
/// file with a template or Python extension is kept, so the scan reports it.
pub fn classify_files(files: &[PathBuf]) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let (mut templates, mut sources) = (Vec::new(), Vec::new());
    for f in files {
        let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ["py", "js", "mjs", "cjs"].contains(&ext.to_ascii_lowercase().as_str()) {
            sources.push(f.clone());
        } else if ["yaml", "yml", "json", "template"].contains(&ext.to_ascii_lowercase().as_str())
            && std::fs::read(f).map_or(true, |b| {
                std::str::from_utf8(&b).is_ok_and(crate::template::looks_like_cloudformation)
            })
        {
            templates.push(f.clone());
        } else if !["yaml", "yml", "json", "template"].contains(&ext.to_ascii_lowercase().as_str())
        {
            // YAML/JSON that is not CloudFormation is expected in a hook run; anything else
            // is probably a typo, so say so.
            eprintln!(
                "guardrails: note: ignoring {} (neither a template nor Lambda source)",
                f.display()
            );
        }
    }
    (templates, sources)
}

#[derive(clap::Args)]
pub struct ChangesetArgs {
    /// describe-change-set output (JSON).
    #[arg(long, value_name = "FILE")]
    pub file: PathBuf,
    /// Same options as `scan`; `--template` names the new template, scanned too and used
    /// to judge whether a modified security group or permission opens access.
    #[command(flatten)]
    pub scan: ScanArgs,
}

pub fn parse_severity(s: &str) -> Result<Severity, String> {
    Severity::parse(s)
        .ok_or_else(|| format!("unknown severity {s:?} (CRITICAL, HIGH, MEDIUM, LOW, INFO)"))
}

pub fn parse_output(s: &str) -> Result<(Format, PathBuf), String> {
    let (f, path) = s
        .split_once('=')
        .ok_or_else(|| format!("expected FORMAT=FILE, got {s:?}"))?;
    let format = Format::parse(f)
        .ok_or_else(|| format!("unknown format {f:?} (json, sarif, markdown, text, junit, csv)"))?;
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
        Command::Scan(args) => ExitCode::from(run_scan(&args, None)),
        Command::Changeset(args) => ExitCode::from(run_scan(&args.scan, Some(&args.file))),
        Command::Comment(args) => ExitCode::from(crate::github::run_comment(&args)),
        Command::Hunt(args) => crate::hunt::run(&args),
        Command::Athena(args) => crate::hunt::athena::run(&args),
        #[cfg(feature = "aws")]
        Command::Cis(args) => crate::cis::run(&args),
        #[cfg(feature = "aws")]
        Command::Lambda => crate::cis::lambda::run(),
        Command::Rules { format } => {
            let out = render_rules(format);
            if write_stdout(&out).is_err() {
                return ExitCode::from(EXIT_INTERNAL);
            }
            ExitCode::from(EXIT_OK)
        }
    }
}

pub fn write_stdout(s: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(s.as_bytes())?;
    out.flush()
}

pub fn write_file(path: &Path, content: &str) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("{}: cannot create directory: {e}", dir.display()))?;
    }
    std::fs::write(path, content).map_err(|e| format!("{}: cannot write: {e}", path.display()))
}

/// Scans (and, for `changeset`, evaluates the change set), then gates and writes outputs.
pub fn run_scan(args: &ScanArgs, changeset: Option<&Path>) -> u8 {
    let (file_templates, file_sources) = classify_files(&args.files);
    let opts = ScanOptions {
        templates: args
            .template
            .iter()
            .cloned()
            .chain(file_templates)
            .collect(),
        sources: args.source.iter().cloned().chain(file_sources).collect(),
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
    let guard = crate::guard::load(&args.rules, args.guard_severity);
    config_errors.extend(guard.config_errors);
    let guard_check = |t: &crate::template::Template, p: &Path| match &guard.rules {
        Some(g) => g.check(t, p),
        None => Default::default(),
    };
    let guard_hook: Option<scan::TemplateHook> = guard.rules.as_ref().map(|_| &guard_check as _);
    let allow = match allow_path.as_deref().map(Allowlist::load) {
        Some(Ok(a)) => Some(a),
        Some(Err(errs)) => {
            config_errors.extend(errs);
            None
        }
        None => None,
    };

    let mut scanned = match changeset {
        // A change set alone does not scan the working directory.
        Some(_) if opts.templates.is_empty() && opts.sources.is_empty() => {
            scan::ScanOutput::default()
        }
        // Only non-template, non-Python files were passed (a hook run): nothing to scan.
        None if opts.templates.is_empty() && opts.sources.is_empty() && !args.files.is_empty() => {
            scan::ScanOutput::default()
        }
        _ => scan::run_with(&opts, guard_hook),
    };
    scanned.errors.extend(guard.input_errors);
    if let Some(file) = changeset {
        let (findings, errors) =
            crate::changeset::check(file, args.template.first().map(PathBuf::as_path));
        scanned.findings.extend(findings);
        scanned.errors.extend(errors);
    }
    if let Some(a) = &allow {
        config_errors.extend(a.apply(&mut scanned.findings, jiff::Timestamp::now()));
    }
    if let Some(path) = &args.baseline {
        match crate::baseline::apply(path, &mut scanned.findings) {
            Ok(carried) if !args.quiet => eprintln!(
                "guardrails: baseline {}: {carried} known finding(s) carried over, not gating",
                scan::display_path(path)
            ),
            Ok(_) => {}
            Err(e) => config_errors.push(e),
        }
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
    let mut written: Vec<(Format, &Path)> = Vec::new();
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
        if let (Ok(()), Some(p)) = (&result, path) {
            written.push((fmt, p));
        }
        if let Err(e) = result {
            eprintln!("guardrails: error: {e}");
            code = code.max(EXIT_INTERNAL);
            if code == EXIT_FINDINGS {
                code = EXIT_INTERNAL;
            }
        }
    }

    if crate::github::in_actions() {
        // Annotations on stdout only when the report is not there (and not --quiet).
        let to_stdout = args.out.is_some() && !args.quiet;
        crate::github::report_to_actions(&report, &written, to_stdout);
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
