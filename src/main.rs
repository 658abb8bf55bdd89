use std::process::ExitCode;

fn main() -> ExitCode {
    guardrails::cli::main()
}
