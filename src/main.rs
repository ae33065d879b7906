//! The `segscope` binary: parse arguments and hand over to the library.

use std::process::ExitCode;

/// mimalloc: segscope allocates millions of small values (ids, texts,
/// property maps), often on one thread and freed on another; the system
/// allocator is markedly slower at both.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    segscope::cli::run()
}
