//! `guardrails hunt`: detections over CloudTrail logs.

pub mod athena;
pub mod detect;

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct HuntArgs {
    /// CloudTrail log files or directories, or s3://bucket/prefix.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
}

pub fn run(_args: &HuntArgs) -> ExitCode {
    eprintln!("guardrails hunt: not implemented yet");
    ExitCode::from(crate::cli::EXIT_INTERNAL)
}
