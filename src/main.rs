use std::process::ExitCode;

// Parsing allocates many small nodes; mimalloc makes that cheaper than glibc. Its v2 keeps
// `hunt`'s peak memory flat across input sizes (v3 committed and purged pages per file).
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
