//! `segscope [FILES.seg...]`: the terminal UI, after applying the files.
//! A file that does not check is reported and nothing is opened or changed.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;

use super::apply::load_all;
use super::source;
use super::source::LoadedSource;
use super::{CliError, Global, Outcome};
use crate::lang::Diagnostic;
use crate::tui::{TuiOptions, run as run_tui};
use crate::workspace::{ApplyFailure, OpenOptions, Workspace, WorkspaceError};

pub fn run(global: &Global, files: &[PathBuf], mouse: bool) -> Outcome {
    open_ui(global, global.db_path(), files, mouse)
}

/// Opens the UI on the database at `path` (the demo uses this too).
pub fn open_ui(global: &Global, path: &Path, files: &[PathBuf], mouse: bool) -> Outcome {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(CliError::NoTerminal);
    }
    let sources = load_all(files)?;
    // Syntax first, before the screen changes: the common mistakes show at
    // once. References to the database's segments are checked after it loads.
    let mut syntax_ok = true;
    for source in &sources {
        let (_, diagnostics) = crate::lang::parse_file(&source.text);
        if !diagnostics.is_empty() {
            source::report(source, &diagnostics);
            syntax_ok = false;
        }
    }
    if !syntax_ok {
        return Err(CliError::UiFilesInvalid { ui_opened: false });
    }
    let options = OpenOptions {
        now: global.now,
        wait: global.wait.map(std::time::Duration::from_secs),
        record: false,
    };
    let path = path.to_path_buf();
    let label = path.display().to_string();
    // The UI takes the loader's error as text; the typed error comes back
    // here beside it, to be reported once the terminal is restored.
    let (failed_load, load_failure) = std::sync::mpsc::channel();
    let loaded_sources = sources.clone();
    let load = Box::new(move || load_workspace(&path, options, &loaded_sources, &failed_load));
    let options = TuiOptions {
        watched: files.to_vec(),
        mouse,
        now_given: global.now.is_some(),
    };
    let Err(message) = run_tui(load, label, options) else {
        return Ok(());
    };
    match load_failure.try_recv() {
        Ok(LoadFailure::Workspace(error)) => Err(error.into()),
        Ok(LoadFailure::FilesInvalid(diagnostics)) => {
            for (source, list) in sources.iter().zip(&diagnostics) {
                source::report(source, list);
            }
            Err(CliError::UiFilesInvalid { ui_opened: true })
        }
        Err(_) => Err(CliError::Terminal(message)),
    }
}

/// Why the UI could not load its workspace.
enum LoadFailure {
    Workspace(WorkspaceError),
    /// Diagnostics per file, in the order given; nothing was applied.
    FilesInvalid(Vec<Vec<Diagnostic>>),
}

impl std::fmt::Display for LoadFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadFailure::Workspace(error) => error.fmt(f),
            LoadFailure::FilesInvalid(_) => CliError::UiFilesInvalid { ui_opened: true }.fmt(f),
        }
    }
}

/// Opens the database, applies the files (all or nothing), and records how
/// membership moved since the last evaluation. A failure is also sent to
/// `failed`, typed.
fn load_workspace(
    path: &Path,
    options: OpenOptions,
    sources: &[LoadedSource],
    failed: &Sender<LoadFailure>,
) -> Result<Workspace, String> {
    open_and_apply(path, options, sources).map_err(|failure| {
        let message = failure.to_string();
        let _ = failed.send(failure);
        message
    })
}

fn open_and_apply(
    path: &Path,
    options: OpenOptions,
    sources: &[LoadedSource],
) -> Result<Workspace, LoadFailure> {
    let mut workspace = Workspace::open(path, options).map_err(LoadFailure::Workspace)?;
    let texts = super::apply::source_texts(sources);
    if !texts.is_empty() {
        match workspace.apply(&texts) {
            Ok(_) => {}
            Err(ApplyFailure::Invalid(diagnostics)) => {
                return Err(LoadFailure::FilesInvalid(diagnostics));
            }
            Err(ApplyFailure::Workspace(error)) => return Err(LoadFailure::Workspace(error)),
        }
    }
    let now = workspace.now();
    workspace
        .recompute_as_of(now)
        .map_err(LoadFailure::Workspace)?;
    Ok(workspace)
}
