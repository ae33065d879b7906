//! `segscope [FILES.seg...]`: the terminal UI, after applying the files.
//! A file that does not check is reported and nothing is opened or changed.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use super::apply::load_all;
use super::source;
use super::source::LoadedSource;
use super::{Failed, Global, Outcome, fail};
use crate::tui::{TuiOptions, run as run_tui};
use crate::workspace::{ApplyFailure, OpenOptions, Workspace};

pub fn run(global: &Global, files: &[PathBuf], mouse: bool) -> Outcome {
    open_ui(global, global.db_path(), files, mouse)
}

/// Opens the UI on the database at `path` (the demo uses this too).
pub fn open_ui(global: &Global, path: &Path, files: &[PathBuf], mouse: bool) -> Outcome {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(fail(
            "the terminal UI needs a terminal; for scripts use a command such as `segscope segments` (see --help)",
        ));
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
        return Err(fail(
            "the files have errors; nothing was applied and the UI was not opened",
        ));
    }
    let options = OpenOptions {
        now: global.now,
        wait: global.wait.map(std::time::Duration::from_secs),
        record: false,
    };
    let path = path.to_path_buf();
    let label = path.display().to_string();
    let load = Box::new(move || load_workspace(&path, options, &sources));
    let options = TuiOptions {
        watched: files.to_vec(),
        mouse,
        now_given: global.now.is_some(),
    };
    run_tui(load, label, options).map_err(|message| {
        eprint!("{message}");
        if !message.ends_with('\n') {
            eprintln!();
        }
        Failed
    })
}

/// Opens the database, applies the files (all or nothing: on an error the
/// diagnostics are the error), and records how membership moved since the
/// last evaluation.
fn load_workspace(
    path: &Path,
    options: OpenOptions,
    sources: &[LoadedSource],
) -> Result<Workspace, String> {
    let mut workspace =
        Workspace::open(path, options).map_err(|error| format!("error: {error}"))?;
    let texts = super::apply::source_texts(sources);
    if !texts.is_empty() {
        match workspace.apply(&texts) {
            Ok(_) => {}
            Err(ApplyFailure::Invalid(diagnostics)) => {
                let mut rendered = String::new();
                for (source, list) in sources.iter().zip(&diagnostics) {
                    let renderer = crate::lang::Renderer {
                        origin: &source.origin,
                        text: &source.text,
                        color: source::stderr_color(),
                    };
                    rendered.push_str(&renderer.render_all(list));
                }
                rendered.push_str(
                    "error: the files have errors; nothing was applied and the UI was closed\n",
                );
                return Err(rendered);
            }
            Err(ApplyFailure::Workspace(error)) => return Err(format!("error: {error}")),
        }
    }
    let now = workspace.now();
    workspace
        .recompute_as_of(now)
        .map_err(|error| format!("error: {error}"))?;
    Ok(workspace)
}
