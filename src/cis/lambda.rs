//! `guardrails lambda`: the AWS Lambda custom-runtime handler that runs `cis`.

use std::process::ExitCode;

pub fn run() -> ExitCode {
    eprintln!("guardrails lambda: not implemented yet");
    ExitCode::from(crate::cli::EXIT_INTERNAL)
}
