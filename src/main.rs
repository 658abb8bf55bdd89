use std::process::ExitCode;

// Parsing allocates many small nodes; mimalloc makes that markedly cheaper than glibc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Lambda's provided.al2023 runtime starts the function's `bootstrap` with no arguments.
    #[cfg(feature = "aws")]
    if guardrails::cis::lambda::invoked_as_bootstrap() {
        return guardrails::cis::lambda::run();
    }
    guardrails::cli::main()
}
