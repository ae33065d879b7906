//! The `segscope` binary: parse arguments and hand over to the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    segscope::cli::run()
}
