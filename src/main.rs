use std::process::ExitCode;

// Parsing allocates many small nodes; mimalloc makes that markedly cheaper than glibc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    guardrails::cli::main()
}
