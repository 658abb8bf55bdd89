//! `guardrails cis`: live CIS AWS Foundations v1.5 controls.
//!
//! `collect` reads the facts the included controls need (concurrently, every enabled
//! region), `rules::cis` evaluates them, `remediate` plans or applies safe fixes (then
//! the account is read again), `sinks` delivers the run, and `report` renders it.

pub mod collect;
pub mod lambda;
pub mod model;
pub mod remediate;
pub mod report;
pub mod sinks;

use crate::cli::{EXIT_CONFIG, EXIT_FINDINGS, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE};
use crate::model::{Finding, Report, Severity};
use crate::rules::cis::{CONTROLS, Control, Eval};
use aws_config::SdkConfig;
use collect::{Facts, Needs};
use model::{CisRun, ControlResult, Status};
use std::path::PathBuf;
use std::process::ExitCode;

/// No credentials, endpoint unreachable, or a configured sink failed.
pub const EXIT_AWS: u8 = sinks::EXIT_SINK;

/// Default `--threshold` (also `SCORE_THRESHOLD`).
pub const DEFAULT_THRESHOLD: f64 = 80.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CisFormat {
    Json,
    Csv,
    Html,
    Sarif,
    Markdown,
    Text,
}

#[derive(clap::Args)]
#[command(
    after_help = "Exit codes: 0 every included control passes or warns, 2 a control \
fails, 4 configuration error (AUTO_REMEDIATE, SCORE_THRESHOLD), 5 AWS error (no credentials, \
endpoint unreachable) or a configured sink failed, 64 usage (e.g. unknown control id).

Credentials, region and endpoint come from the standard AWS chain (profiles, SSO, \
environment, IMDS; AWS_ENDPOINT_URL honoured). Environment: SCORE_THRESHOLD, TABLE_NAME, \
REPORT_BUCKET, EVENT_BUS_NAME, EVENT_SOURCE, EVENT_DETAIL_TYPE, ENABLE_HTML, ENABLE_PDF, \
AUTO_REMEDIATE (0 off, 1 dry-run, 2 apply), AUTO_REMEDIATE_APPLY, REMEDIATION_APPLY_PARAMETER, \
ALARM_TOPIC_ARN."
)]
pub struct CisArgs {
    /// Only these controls, comma-separated (e.g. CIS-1.4,CIS-5.2).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub includes: Vec<String>,
    /// Output format [default: text on a terminal, json otherwise].
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<CisFormat>,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Score below which the run alerts (EventBridge) [default: SCORE_THRESHOLD or 80].
    #[arg(long, value_name = "PERCENT")]
    pub threshold: Option<f64>,
    /// Home region for account-wide calls [default: the AWS chain's region, else us-east-1].
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Check only these regions for regional controls [default: every enabled region].
    #[arg(long, value_delimiter = ',', value_name = "REGIONS")]
    pub regions: Vec<String>,
}

/// Everything a run needs besides the AWS configuration (CLI and Lambda build it).
#[derive(Clone, Debug)]
pub struct Options {
    pub controls: Vec<&'static Control>,
    pub threshold: f64,
    pub regions: Option<Vec<String>>,
    pub switches: remediate::Switches,
    pub sinks: sinks::SinkConfig,
    pub html: bool,
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.rule.id)
    }
}

/// The controls named in `includes` (all when empty), or a usage error listing valid ids.
pub fn select(includes: &[String]) -> Result<Vec<&'static Control>, String> {
    let wanted: Vec<&str> = includes
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    if wanted.is_empty() {
        return Ok(CONTROLS.iter().collect());
    }
    let unknown: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|w| !CONTROLS.iter().any(|c| c.rule.id.eq_ignore_ascii_case(w)))
        .collect();
    if !unknown.is_empty() {
        return Err(format!(
            "unknown control id(s) {}; valid ids: {}",
            unknown.join(", "),
            valid_ids()
        ));
    }
    Ok(CONTROLS
        .iter()
        .filter(|c| wanted.iter().any(|w| c.rule.id.eq_ignore_ascii_case(w)))
        .collect())
}

pub fn valid_ids() -> String {
    CONTROLS
        .iter()
        .map(|c| c.rule.id)
        .collect::<Vec<_>>()
        .join(", ")
}

fn env_flag(name: &str) -> bool {
    std::env::var(name)
        .map(|v| {
            matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "1" | "true" | "yes" | "on"
            )
        })
        .unwrap_or(false)
}

/// `SCORE_THRESHOLD`, validated (0..=100).
pub fn threshold_from_env() -> Result<f64, String> {
    match std::env::var("SCORE_THRESHOLD") {
        Ok(v) if !v.trim().is_empty() => {
            parse_threshold(v.trim()).map_err(|e| format!("SCORE_THRESHOLD={v:?}: {e}"))
        }
        _ => Ok(DEFAULT_THRESHOLD),
    }
}

fn parse_threshold(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(t) if (0.0..=100.0).contains(&t) => Ok(t),
        _ => Err("expected a number from 0 to 100".into()),
    }
}

/// Options from the environment (shared by the CLI and the Lambda handler).
pub fn options_from_env(includes: &[String]) -> Result<Options, (u8, String)> {
    let controls = select(includes).map_err(|e| (EXIT_USAGE, e))?;
    let threshold = threshold_from_env().map_err(|e| (EXIT_CONFIG, e))?;
    let switches = remediate::Switches::from_env().map_err(|e| (EXIT_CONFIG, e))?;
    Ok(Options {
        controls,
        threshold,
        regions: None,
        switches,
        sinks: sinks::SinkConfig::from_env(),
        html: env_flag("ENABLE_HTML"),
    })
}

pub fn run(args: &CisArgs) -> ExitCode {
    let mut opts = match options_from_env(&args.includes) {
        Ok(o) => o,
        Err((code, e)) => {
            eprintln!("guardrails cis: error: {e}");
            return ExitCode::from(code);
        }
    };
    if let Some(t) = args.threshold {
        if !(0.0..=100.0).contains(&t) {
            eprintln!("guardrails cis: error: --threshold {t}: expected a number from 0 to 100");
            return ExitCode::from(EXIT_USAGE);
        }
        opts.threshold = t;
    }
    if !args.regions.is_empty() {
        opts.regions = Some(args.regions.iter().map(|r| r.trim().to_string()).collect());
    }
    if env_flag("ENABLE_PDF") {
        eprintln!("guardrails cis: warning: {}", report::pdf_note());
    }
    let rt = match crate::aws::runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("guardrails cis: error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_INTERNAL);
        }
    };
    let result = rt.block_on(async {
        let conf = crate::aws::load(args.region.as_deref()).await;
        execute(&conf, &opts).await
    });
    let run = match result {
        Ok(run) => run,
        Err(collect::Fatal(e)) => {
            eprintln!("guardrails cis: error: {e}");
            return ExitCode::from(EXIT_AWS);
        }
    };
    let format = args.format.unwrap_or_else(|| {
        if args.out.is_none() && std::io::IsTerminal::is_terminal(&std::io::stdout()) {
            CisFormat::Text
        } else {
            CisFormat::Json
        }
    });
    let text = render(&run, format);
    let written = match &args.out {
        Some(path) => crate::cli::write_file(path, &text),
        None => crate::cli::write_stdout(&text).map_err(|e| format!("stdout: {e}")),
    };
    if let Err(e) = written {
        eprintln!("guardrails cis: error: {e}");
        return ExitCode::from(EXIT_INTERNAL);
    }
    eprintln!(
        "guardrails cis: account {}: score {:.1} (threshold {:.1}); {} pass, {} fail, {} warn",
        run.account,
        run.score,
        run.threshold,
        count(&run, Status::Pass),
        count(&run, Status::Fail),
        count(&run, Status::Warn)
    );
    ExitCode::from(exit_code(&run))
}

fn count(run: &CisRun, s: Status) -> usize {
    run.controls.iter().filter(|c| c.status == s).count()
}

/// 2 when a control fails (the gate outranks delivery), else 5 when a sink failed, else 0.
pub fn exit_code(run: &CisRun) -> u8 {
    if run.controls.iter().any(|c| c.status == Status::Fail) {
        EXIT_FINDINGS
    } else if sinks::any_failed(run) {
        EXIT_AWS
    } else {
        EXIT_OK
    }
}

pub fn render(run: &CisRun, format: CisFormat) -> String {
    match format {
        CisFormat::Json => report::json(run),
        CisFormat::Csv => report::csv(run),
        CisFormat::Html => report::html(run),
        CisFormat::Sarif => crate::report::render(&run.report, crate::report::Format::Sarif),
        CisFormat::Markdown => markdown(run),
        CisFormat::Text => text(run),
    }
}

/// One run: read, evaluate, remediate (and re-read after applied fixes), deliver.
pub async fn execute(conf: &SdkConfig, opts: &Options) -> Result<CisRun, collect::Fatal> {
    let timestamp = jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let ids: Vec<&str> = opts.controls.iter().map(|c| c.rule.id).collect();
    let needs = Needs::for_controls(&ids);
    let facts = collect::collect(conf, needs, opts.regions.as_deref()).await?;
    let mut run = evaluate(&facts, &opts.controls, opts.threshold, &timestamp);

    let decision = remediate::decide(conf, &opts.switches).await;
    let targets = targets(&facts, &run);
    let s3control = crate::aws::s3control(conf);
    let applied = remediate::remediate(
        conf,
        &s3control,
        &mut run,
        &targets,
        &opts.switches,
        &decision,
    )
    .await;
    if applied > 0 {
        // Report the account as it is now; keep what was done on the controls.
        let actions = remediate::actions(&run);
        let facts = collect::collect(conf, needs, opts.regions.as_deref()).await?;
        let remediation = run.remediation.clone();
        run = evaluate(&facts, &opts.controls, opts.threshold, &timestamp);
        run.remediation = remediation;
        remediate::attach(&mut run, &actions);
    }

    if opts.sinks.any() {
        let mut files = vec![(
            "report.csv".to_string(),
            "text/csv".to_string(),
            report::csv(&run),
        )];
        if opts.html {
            files.push((
                "report.html".to_string(),
                "text/html; charset=utf-8".to_string(),
                report::html(&run),
            ));
        }
        files.push((
            "report.json".to_string(),
            "application/json".to_string(),
            report::json(&run),
        ));
        sinks::deliver(conf, &mut run, &opts.sinks, &sinks::Artifacts { files }).await;
    }
    Ok(run)
}

/// Evaluates the controls over the facts into a run (score, findings for failures).
pub fn evaluate(
    facts: &Facts,
    controls: &[&'static Control],
    threshold: f64,
    timestamp: &str,
) -> CisRun {
    let mut results = Vec::new();
    let mut findings = Vec::new();
    for c in controls {
        let eval: Eval = (c.evaluate)(facts);
        let rule = c.rule;
        if eval.status == Status::Fail {
            findings.push(finding(facts, rule, &eval));
        }
        results.push(ControlResult {
            id: rule.id.to_string(),
            title: rule.title.to_string(),
            status: eval.status,
            severity: rule.severity,
            level: c.level,
            weight: report::weight(rule.severity),
            evidence: eval.evidence,
            reason: eval.reason,
            remediation: rule.remediation.to_string(),
            actions: Vec::new(),
        });
    }
    let mut regions = facts.regions.clone();
    if regions.is_empty() {
        regions.push(facts.home_region.clone());
    }
    CisRun {
        account: facts.account.clone(),
        timestamp: timestamp.to_string(),
        regions,
        score: report::score(&results),
        threshold,
        controls: results,
        remediation: "off".into(),
        sinks: Vec::new(),
        // Any failing control gates, whatever its severity.
        report: Report::new(findings, Vec::new(), Severity::Info),
    }
}

/// A failing control as a finding: located at the account (`aws://<account>`), on the
/// failing resources.
fn finding(facts: &Facts, rule: &crate::rules::Rule, eval: &Eval) -> Finding {
    let resource = if eval.resources.is_empty() {
        format!("account {}", facts.account)
    } else {
        crate::rules::cis::some(&eval.resources, 5)
    };
    let mut f = Finding::new(
        rule.id,
        rule.severity,
        resource,
        eval.reason
            .clone()
            .unwrap_or_else(|| rule.title.to_string()),
        rule.remediation,
        &format!("aws://{}", facts.account),
        1,
        1,
        None,
    );
    f.seal(&eval.resources.join(","));
    f
}

/// What remediation could change, from the facts of failing controls.
fn targets(facts: &Facts, run: &CisRun) -> remediate::Targets {
    let failing = |id: &str| {
        run.controls
            .iter()
            .any(|c| c.id == id && c.status == Status::Fail)
    };
    let mut t = remediate::Targets {
        account: facts.account.clone(),
        home_region: facts.home_region.clone(),
        ..Default::default()
    };
    if failing("CIS-5.2") {
        for rules in facts.security_groups.values().flatten() {
            for r in rules
                .iter()
                .filter(|r| crate::rules::cis::world_open_admin_ports::is_open_admin(r))
            {
                t.open_rules.push(remediate::OpenRule {
                    region: r.region.clone(),
                    group_id: r.group_id.clone(),
                    rule_id: r.rule_id.clone(),
                    describe: crate::rules::cis::world_open_admin_ports::describe(r),
                });
            }
        }
    }
    if let Some(Ok(trails)) = &facts.trails {
        t.trails = trails
            .iter()
            .map(|tr| remediate::Trail {
                name: tr.name.clone(),
                arn: tr.arn.clone(),
                home_region: tr.home_region.clone(),
                multi_region: tr.multi_region,
                log_file_validation: tr.log_file_validation,
                logging: tr.logging == Ok(true),
                log_group_arn: tr.log_group_arn.clone(),
            })
            .collect();
    }
    for (region, alarms) in &facts.alarms {
        if let Ok(alarms) = alarms {
            for a in alarms {
                for action in a.actions.iter().filter(|x| x.contains(":sns:")) {
                    if !t
                        .alarm_topics
                        .iter()
                        .any(|(r, x)| r == region && x == action)
                    {
                        t.alarm_topics.push((region.clone(), action.clone()));
                    }
                }
            }
        }
    }
    t
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
        Status::Warn => "WARN",
    }
}

/// Plain text for a terminal: one line per control, then the score.
pub fn text(run: &CisRun) -> String {
    let mut out = format!(
        "CIS AWS Foundations v1.5 — account {} — {} — regions: {}\n\n",
        run.account,
        run.timestamp,
        run.regions.join(", ")
    );
    for c in &run.controls {
        out.push_str(&format!(
            "{}  {:<9} {:<8} {}\n",
            status_word(c.status),
            c.id,
            c.severity.as_str(),
            c.title
        ));
        if let Some(r) = &c.reason {
            out.push_str(&format!("      {r}\n"));
        }
        for a in &c.actions {
            out.push_str(&format!(
                "      remediation {}: {}\n",
                a.outcome, a.description
            ));
        }
    }
    out.push_str(&format!(
        "\nscore {:.1} / 100 (threshold {:.1}); remediation: {}\n",
        run.score, run.threshold, run.remediation
    ));
    out
}

/// Markdown: the score, a control table, then the common findings section.
pub fn markdown(run: &CisRun) -> String {
    let esc = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut out = format!(
        "## CIS AWS Foundations v1.5 — account {}\n\nScore **{:.1}** / 100 (threshold {:.1}) · {} · regions: {}\n\n| Status | Control | Severity | Title | Reason |\n|---|---|---|---|---|\n",
        run.account,
        run.score,
        run.threshold,
        run.timestamp,
        run.regions.join(", ")
    );
    for c in &run.controls {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            status_word(c.status),
            c.id,
            c.severity.as_str(),
            esc(&c.title),
            esc(c.reason.as_deref().unwrap_or(""))
        ));
    }
    out.push('\n');
    out.push_str(&crate::report::render(
        &run.report,
        crate::report::Format::Markdown,
    ));
    out
}
