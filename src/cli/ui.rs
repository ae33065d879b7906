//! `segscope [FILES.seg...]`: the terminal UI, after applying the files.
//! A file that does not check is reported and nothing is opened or changed.
//! What the start has to say (the apply summary, membership counts,
//! warnings) goes to the UI's message log: around a UI session nothing is
//! printed but a fatal error.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;

use super::apply::load_all;
use super::source;
use super::source::LoadedSource;
use super::{CliError, Global, Outcome};
use crate::lang::Diagnostic;
use crate::tui::{Loaded, Message, TuiOptions, applied_message, membership_lines, run as run_tui};
use crate::workspace::{ApplyFailure, OpenOptions, Workspace, WorkspaceError};

pub fn run(global: &Global, files: &[PathBuf], mouse: bool) -> Outcome {
    open_ui(global, global.db_path(), files, mouse, Vec::new())
}

/// Refuses to go on without a terminal for the UI.
pub fn require_terminal() -> Outcome {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(CliError::NoTerminal);
    }
    Ok(())
}

/// Opens the UI on the database at `path` (the demo uses this too, with
/// what it did in `said`, for the message log before the start's own).
pub fn open_ui(
    global: &Global,
    path: &Path,
    files: &[PathBuf],
    mouse: bool,
    said: Vec<Message>,
) -> Outcome {
    require_terminal()?;
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
    let load = Box::new(move || {
        load_workspace(&path, options, &loaded_sources, &failed_load).map(|mut loaded| {
            loaded.messages.splice(0..0, said);
            loaded
        })
    });
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
) -> Result<Loaded, String> {
    open_and_apply(path, options, sources).map_err(|failure| {
        let message = failure.to_string();
        let _ = failed.send(failure);
        message
    })
}

/// The workspace, and for the message log what was applied and how
/// membership moved.
fn open_and_apply(
    path: &Path,
    options: OpenOptions,
    sources: &[LoadedSource],
) -> Result<Loaded, LoadFailure> {
    let texts = super::apply::source_texts(sources);
    // Files that do not check leave the database untouched: they are
    // checked against it opened read-only before it is opened for changes.
    if !texts.is_empty() && crate::workspace::database_exists(path) {
        let reading =
            Workspace::open_read_only(path, options.clone()).map_err(LoadFailure::Workspace)?;
        let checked = reading.check_sources(&texts);
        if checked.has_errors() {
            return Err(LoadFailure::FilesInvalid(checked.diagnostics));
        }
        drop(reading);
    }
    let mut workspace = Workspace::open(path, options).map_err(LoadFailure::Workspace)?;
    let mut messages = Vec::new();
    if !texts.is_empty() {
        match workspace.apply(&texts) {
            Ok(report) => {
                let shown: Vec<String> = sources.iter().map(|s| s.origin.clone()).collect();
                messages.push(applied_message(&shown, &texts, &report));
            }
            Err(ApplyFailure::Invalid(diagnostics)) => {
                return Err(LoadFailure::FilesInvalid(diagnostics));
            }
            Err(ApplyFailure::Workspace(error)) => return Err(LoadFailure::Workspace(error)),
        }
    }
    let now = workspace.now();
    let moved = workspace
        .recompute_as_of(now)
        .map_err(LoadFailure::Workspace)?;
    workspace.prepare_for_a_session();
    let count: usize = moved.iter().map(|count| count.moved()).sum();
    if count > 0 {
        messages.push(Message::info(format!(
            "{} membership changes since the last evaluation{}",
            crate::model::format_count(count as u64),
            membership_lines(&moved)
        )));
    }
    Ok(Loaded {
        workspace,
        messages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EntityKind;
    use crate::workspace::{ImportFormat, ImportMode, ImportSource};

    /// The start applies its files and hands what it did to the message log
    /// (nothing is printed): the files, the counts, each segment's
    /// membership, the data's warnings.
    #[test]
    fn the_start_says_what_it_applied_in_messages() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("x.redb");
        let now = crate::lang::parse_datetime("2026-01-01T00:00:00Z").unwrap();
        let options = || OpenOptions {
            now: Some(now),
            wait: None,
            record: true,
        };
        {
            let mut workspace = Workspace::open(&database, options()).unwrap();
            let rows = b"{\"id\":\"a\",\"sessions_30d\":30}\n{\"id\":\"b\",\"sessions_30d\":3}\n";
            let source = ImportSource::from_bytes(rows.to_vec(), ImportFormat::JsonLines);
            let mut going_on = |_| std::ops::ControlFlow::Continue(());
            workspace
                .import(
                    EntityKind::Users,
                    source,
                    ImportMode::Merge,
                    false,
                    &mut going_on,
                )
                .unwrap();
        }
        let file = dir.path().join("team.seg");
        let text = "segment \"Heavy\" for users {\n  where sessions_30d >= 20\n}\n\
                    segment \"Typo\" for users {\n  where sesions_30d > 5\n}\n";
        std::fs::write(&file, text).unwrap();
        let sources = vec![LoadedSource {
            origin: file.display().to_string(),
            text: text.to_string(),
        }];
        let loaded = match open_and_apply(&database, options(), &sources) {
            Ok(loaded) => loaded,
            Err(failure) => panic!("{failure}"),
        };
        let texts: Vec<&str> = loaded.messages.iter().map(|m| m.text.as_str()).collect();
        let [applied] = texts.as_slice() else {
            panic!("one message: {texts:#?}");
        };
        let lines: Vec<&str> = applied.lines().collect();
        assert_eq!(lines[0], format!("applied {}, 1 warning", file.display()));
        assert_eq!(lines[1], "2 added, 1 membership changes");
        assert_eq!(lines[2], "added: Heavy, Typo");
        assert_eq!(lines[3], "  Heavy: +1 entered, -0 exited");
        assert!(
            applied.contains("did you mean `sessions_30d`?"),
            "{applied}"
        );
        assert!(loaded.messages.iter().all(|m| !m.is_error));
    }
}
