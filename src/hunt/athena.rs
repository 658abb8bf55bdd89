//! `guardrails athena`: the Athena/Glue query pack.

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct AthenaArgs {
    /// Where the CloudTrail logs are: s3://bucket/AWSLogs/...
    #[arg(long)]
    pub location: String,
    /// Directory to write the DDL and queries into.
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
}

pub fn run(_args: &AthenaArgs) -> ExitCode {
    eprintln!("guardrails athena: not implemented yet");
    ExitCode::from(crate::cli::EXIT_INTERNAL)
}
