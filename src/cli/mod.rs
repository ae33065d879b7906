//! The command line: arguments (clap), one file per subcommand, and the exit
//! status convention of `spec/cli.md` — 0 success, 1 a user error (bad input,
//! failed check), 2 a usage error. Data goes to stdout, messages to stderr.

mod check;
mod fmt;
mod source;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Customer segments in the terminal: define them as code, see who is in
/// them, keep your tools in step.
#[derive(Debug, Parser)]
#[command(name = "segscope", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and validate .seg files; report every problem with its location.
    ///
    /// Files are checked together, as `apply` would apply them: a segment may
    /// refer to one in another file. Exits 1 if any file has an error.
    Check {
        /// The .seg files to check.
        #[arg(required = true, value_name = "FILES")]
        files: Vec<PathBuf>,
    },
    /// Rewrite .seg files in canonical form, keeping comments.
    ///
    /// `-` formats standard input to standard output. A file that does not
    /// parse is reported and left as it is.
    Fmt {
        /// The .seg files to format (`-` for standard input).
        #[arg(required = true, value_name = "FILES")]
        files: Vec<PathBuf>,
        /// Change nothing; exit 1 if any file is not in canonical form.
        #[arg(long)]
        check: bool,
    },
}

/// What a command reports back: success, or a user error already printed.
pub type Outcome = Result<(), Failed>;

/// A user error whose explanation has already been written to stderr.
#[derive(Debug)]
pub struct Failed;

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Check { files } => check::run(&files),
        Command::Fmt { files, check } => fmt::run(&files, check),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failed) => ExitCode::from(1),
    }
}
