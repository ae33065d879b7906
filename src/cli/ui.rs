//! `segscope [FILES.seg...]`: the terminal UI, after applying the files.
//! A file that does not check is reported and nothing is opened or changed.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use super::apply::load_all;
use super::source;
use super::{Global, Outcome, fail};
use crate::tui::{TuiOptions, run as run_tui};
use crate::workspace::{OpenOptions, SourceText, Workspace};

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
    let options = OpenOptions {
        now: global.now,
        wait: global.wait.map(std::time::Duration::from_secs),
        record: false,
    };
    let mut workspace = Workspace::open(path, options).map_err(fail)?;
    let texts: Vec<SourceText> = sources
        .iter()
        .map(|s| SourceText {
            origin: crate::files::identity(&s.origin),
            text: s.text.clone(),
        })
        .collect();
    if !texts.is_empty() {
        if let Err(diagnostics) = workspace.check_sources(&texts) {
            for (source, list) in sources.iter().zip(&diagnostics) {
                source::report(source, list);
            }
            return Err(fail(
                "the files have errors; nothing was applied and the UI was not opened",
            ));
        }
        super::apply::apply_sources(&mut workspace, sources.clone())?;
    }
    let now = workspace.now();
    workspace.recompute_as_of(now).map_err(fail)?;
    let options = TuiOptions {
        watched: files.to_vec(),
        mouse,
        now_given: global.now.is_some(),
    };
    run_tui(workspace, options).map_err(fail)
}
