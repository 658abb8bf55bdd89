//! `guardrails cis`: live CIS AWS Foundations v1.5 controls.

pub mod lambda;
pub mod model;
pub mod remediate;
pub mod sinks;

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct CisArgs {
    /// Only these controls, comma-separated (e.g. CIS-1.4,CIS-5.2).
    #[arg(long, value_delimiter = ',')]
    pub includes: Vec<String>,
}

pub fn run(_args: &CisArgs) -> ExitCode {
    eprintln!("guardrails cis: not implemented yet");
    ExitCode::from(crate::cli::EXIT_INTERNAL)
}
