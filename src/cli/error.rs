//! The one error type of the command line: why a command failed, as a
//! typed value the commands return and [`super::run`] prints, once, as
//! `error: ...` on stderr, before exiting 1. (Exit status 2, a usage error,
//! is clap's.)
//!
//! A command's own report — diagnostics under their files, the rows an
//! import rejected, `check`'s summary — is not an error: the command prints
//! it as it goes, and the error that follows only sums it up.

use super::output::note;
use std::path::PathBuf;

use crate::model::EntityKind;
use crate::workspace::{ChangeFailure, ImportFailure, WorkspaceError};

use super::set::AssignmentError;
use super::source::SourceError;

#[derive(Debug)]
pub enum CliError {
    /// The database or the workspace failed.
    Workspace(WorkspaceError),
    /// A command that needs a database was given a path where none is.
    NoDatabase {
        path: std::path::PathBuf,
    },
    /// A `.seg` file (or standard input) cannot be read.
    Source(SourceError),
    /// Several errors, one line each (every file that cannot be read).
    Several(Vec<CliError>),
    /// The command has printed why it failed (a check that found errors,
    /// files not in canonical form); there is nothing to add.
    Reported,
    /// Files with errors (printed above them); nothing was applied.
    NothingApplied {
        errors: usize,
    },
    /// A condition with errors (printed above).
    InvalidCondition,
    UnknownSegment {
        name: String,
    },
    /// `query --view` names no view.
    UnknownView {
        name: String,
        suggestion: Option<String>,
    },
    /// A stored view that cannot be evaluated (its segments changed).
    BrokenView {
        name: String,
        reason: String,
    },
    SegmentOfOtherKind {
        name: String,
        segment_kind: EntityKind,
        kind: EntityKind,
    },
    UnknownEntity {
        kind: EntityKind,
        id: String,
    },
    /// `--columns` names a property no entity of the kind has.
    UnknownColumn {
        reason: String,
    },
    /// A `set` or `delete` that cannot be done.
    Change(ChangeFailure),
    /// A `PROP=VALUE` of `set` that does not say what to set.
    Assignment(AssignmentError),
    /// The file to import cannot be opened, or its format is unknown.
    ImportSource(String),
    /// Rows that cannot be imported (listed above); nothing was imported.
    BadRows {
        file: String,
        count: usize,
    },
    /// The file to import cannot be read as a whole.
    ImportUnreadable {
        file: String,
        reason: String,
    },
    /// The import was stopped before its end: nothing was imported.
    ImportCancelled {
        file: String,
    },
    /// The demo's own data did not import (a bug).
    DemoImport {
        kind: EntityKind,
        failure: ImportFailure,
    },
    /// The demo's data could not be generated.
    DemoData(std::io::Error),
    /// `demo` replaces only a database it made itself.
    NotADemoDatabase {
        path: PathBuf,
    },
    /// `demo` replaces only a segments file it wrote itself.
    DemoSegmentsFileTaken {
        path: PathBuf,
    },
    CannotWrite {
        path: String,
        source: std::io::Error,
    },
    CannotReplace {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Standard output cannot be written (a closed pipe is not an error).
    Output(std::io::Error),
    /// The terminal UI was asked for without a terminal.
    NoTerminal,
    /// Files given to the terminal UI have errors (printed above); nothing
    /// was applied.
    UiFilesInvalid {
        ui_opened: bool,
    },
    /// The terminal UI failed (drawing, reading the terminal).
    Terminal(String),
    /// `sync` or `runs` names no destination.
    UnknownDestination {
        name: String,
        known: Vec<String>,
    },
    UnknownPlaybook {
        name: String,
        known: Vec<String>,
    },
    /// A playbook that cannot be changed as asked.
    Playbook(String),
    /// A sync that could not start.
    Sync(crate::sync::SyncError),
    /// A sync the destination or the network stopped (its summary is
    /// printed above).
    SyncStopped {
        destination: String,
        reason: String,
    },
    /// Records a destination refused or that share a key (listed above).
    SyncFailures {
        destination: String,
        failed: u64,
    },
}

impl CliError {
    /// The exit status: every error of a command is a user error.
    pub fn exit_code(&self) -> u8 {
        1
    }

    /// Writes the error to stderr: `error: ...`, a line for each of
    /// several, nothing when the command has reported it.
    pub fn print(&self) {
        match self {
            CliError::Several(errors) => errors.iter().for_each(CliError::print),
            CliError::Reported => {}
            error => note!("error: {error}"),
        }
    }

    /// One error, or several at once; `None` for none.
    pub fn all(mut errors: Vec<CliError>) -> Option<CliError> {
        match errors.len() {
            0 => None,
            1 => errors.pop(),
            _ => Some(CliError::Several(errors)),
        }
    }
}

fn quoted_list(names: &[String]) -> String {
    names
        .iter()
        .map(|name| format!("\"{name}\""))
        .collect::<Vec<String>>()
        .join(", ")
}

fn plural(count: usize, word: &str) -> String {
    format!("{count} {word}{}", if count == 1 { "" } else { "s" })
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let reason = crate::os_error::reason;
        match self {
            CliError::Workspace(error) => error.fmt(f),
            CliError::Source(error) => error.fmt(f),
            CliError::Several(errors) => {
                let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
                f.write_str(&lines.join("; "))
            }
            CliError::Reported => f.write_str("the problems are listed above"),
            CliError::NothingApplied { errors } => write!(
                f,
                "nothing was applied: {} in the files",
                plural(*errors, "error")
            ),
            CliError::InvalidCondition => f.write_str("the condition has errors"),
            CliError::NoDatabase { path } => write!(
                f,
                "no database at {} (create one with import, apply or demo)",
                path.display()
            ),
            CliError::UnknownSegment { name } => {
                write!(f, "there is no segment named \"{name}\"")
            }
            CliError::UnknownView { name, suggestion } => {
                write!(f, "there is no view named \"{name}\"")?;
                match suggestion {
                    Some(similar) => write!(f, "; did you mean \"{similar}\"?"),
                    None => f.write_str(" (`segscope views` lists them)"),
                }
            }
            CliError::BrokenView { name, reason } => {
                write!(f, "view \"{name}\" cannot be listed: {reason}")
            }
            CliError::SegmentOfOtherKind {
                name,
                segment_kind,
                kind,
            } => write!(f, "\"{name}\" is a segment of {segment_kind}, not of {kind}"),
            CliError::UnknownEntity { kind, id } => {
                write!(f, "there is no {} with id \"{id}\"", kind.singular())
            }
            CliError::UnknownColumn { reason } => write!(f, "--columns: {reason}"),
            CliError::Change(failure) => failure.fmt(f),
            CliError::Assignment(error) => error.fmt(f),
            CliError::ImportSource(message) => f.write_str(message),
            CliError::BadRows { file, count } => write!(
                f,
                "nothing was imported: {} in {file} (use --skip-invalid to import the good rows)",
                plural(*count, "bad row")
            ),
            CliError::ImportUnreadable { file, reason } => {
                write!(f, "nothing was imported from {file}: {reason}")
            }
            CliError::ImportCancelled { file } => {
                write!(f, "the import of {file} was cancelled: nothing was imported")
            }
            CliError::DemoImport { kind, failure } => {
                write!(f, "the generated {kind} did not import: {failure}")
            }
            CliError::DemoData(error) => {
                write!(f, "cannot generate the demo data: {}", reason(error))
            }
            CliError::NotADemoDatabase { path } => write!(
                f,
                "{} exists and is not a demo database; choose another file with --db",
                path.display()
            ),
            CliError::DemoSegmentsFileTaken { path } => write!(
                f,
                "{} exists and was not written by the demo; choose another database name with --db",
                path.display()
            ),
            CliError::CannotWrite { path, source } => {
                write!(f, "cannot write {path}: {}", reason(source))
            }
            CliError::CannotReplace { path, source } => {
                write!(f, "cannot replace {}: {}", path.display(), reason(source))
            }
            CliError::Output(error) => write!(f, "cannot write the output: {error}"),
            CliError::NoTerminal => f.write_str(
                "the terminal UI needs a terminal; for scripts use a command such as `segscope segments` (see --help)",
            ),
            CliError::UiFilesInvalid { ui_opened: false } => {
                f.write_str("the files have errors; nothing was applied and the UI was not opened")
            }
            CliError::UiFilesInvalid { ui_opened: true } => {
                f.write_str("the files have errors; nothing was applied and the UI was closed")
            }
            CliError::Terminal(message) => f.write_str(message),
            CliError::UnknownDestination { name, known } => {
                write!(f, "there is no destination named \"{name}\"")?;
                match crate::lang::validate::did_you_mean(name, known.iter().map(String::as_str)) {
                    Some(similar) => write!(f, "; did you mean \"{similar}\"?"),
                    None if known.is_empty() => f.write_str(
                        " (there are none yet: define one in a .seg file, `destination \"NAME\" hubspot { ... }`, and apply it)",
                    ),
                    None => write!(f, " (the destinations are {})", quoted_list(known)),
                }
            }
            CliError::UnknownPlaybook { name, known } => {
                write!(f, "there is no playbook named \"{name}\"")?;
                match crate::lang::validate::did_you_mean(name, known.iter().map(String::as_str)) {
                    Some(similar) => write!(f, "; did you mean \"{similar}\"?"),
                    None if known.is_empty() => f.write_str(
                        " (there are none yet: define one in a .seg file, `playbook \"NAME\" for users { when ... }`, and apply it)",
                    ),
                    None => write!(f, " (the playbooks are {})", quoted_list(known)),
                }
            }
            CliError::Playbook(message) => f.write_str(message),
            CliError::Sync(error) => error.fmt(f),
            CliError::SyncStopped {
                destination,
                reason,
            } => write!(f, "the run of \"{destination}\" stopped: {reason}"),
            CliError::SyncFailures {
                destination,
                failed,
            } => write!(
                f,
                "{} of \"{destination}\" did not go (listed above); the next run tries them again",
                plural(*failed as usize, "record")
            ),
        }
    }
}

impl std::error::Error for CliError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CliError::Workspace(error) => Some(error),
            CliError::Source(error) => Some(error),
            CliError::Change(error) => Some(error),
            CliError::Assignment(error) => Some(error),
            CliError::DemoData(error)
            | CliError::CannotWrite { source: error, .. }
            | CliError::CannotReplace { source: error, .. }
            | CliError::Output(error) => Some(error),
            _ => None,
        }
    }
}

impl From<WorkspaceError> for CliError {
    fn from(error: WorkspaceError) -> CliError {
        CliError::Workspace(error)
    }
}

impl From<crate::workspace::StoreError> for CliError {
    fn from(error: crate::workspace::StoreError) -> CliError {
        CliError::Workspace(error.into())
    }
}

impl From<SourceError> for CliError {
    fn from(error: SourceError) -> CliError {
        CliError::Source(error)
    }
}

impl From<ChangeFailure> for CliError {
    fn from(failure: ChangeFailure) -> CliError {
        CliError::Change(failure)
    }
}

impl From<AssignmentError> for CliError {
    fn from(error: AssignmentError) -> CliError {
        CliError::Assignment(error)
    }
}
