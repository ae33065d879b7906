//! The global commands that read files: `:apply FILE...` (at once: applying
//! definitions is quick) and `:import KIND FILE` (a job on a worker thread,
//! with progress, that can be cancelled between batches and then writes
//! nothing). They also serve the file watcher.

use std::ops::ControlFlow;
use std::path::PathBuf;

use super::jobs::{Job, JobControl, JobOutcome};
use super::messages::Message;
use super::screens::Changed;
use super::widgets::text::file_name;
use crate::model::EntityKind;
use crate::workspace::{
    ApplyFailure, ImportFailure, ImportMode, ImportProgress, ImportSource, SourceText, Workspace,
};

/// Applies files; on error keeps the last good definitions and says where
/// the first problem is.
pub fn apply_files(workspace: &mut Workspace, paths: &[PathBuf]) -> (Message, Changed) {
    let mut sources = Vec::new();
    for path in paths {
        match std::fs::read_to_string(path) {
            Ok(text) => sources.push(SourceText {
                origin: crate::files::identity(&path.display().to_string()),
                text,
            }),
            Err(error) => {
                let message = format!(
                    "cannot read {}: {}",
                    path.display(),
                    crate::os_error::reason(&error)
                );
                return (Message::error(message), Changed::default());
            }
        }
    }
    match workspace.apply(&sources) {
        Ok(report) => {
            let moved: usize = report.membership.iter().map(|count| count.moved()).sum();
            let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            let message = format!(
                "applied {}: {} added, {} changed, {} removed, {moved} membership changes",
                names.join(", "),
                report.added.len(),
                report.changed.len(),
                report.removed.len()
            );
            (Message::info(message), Changed::EVERYTHING)
        }
        Err(ApplyFailure::Invalid(files)) => {
            let problems: Vec<String> = sources
                .iter()
                .zip(&files)
                .flat_map(|(source, diagnostics)| {
                    diagnostics.iter().filter(|d| d.is_error()).map(|d| {
                        let at = crate::lang::line_column(&source.text, d.span.start);
                        format!("{}:{at}: {}", file_name(&source.origin), d.message)
                    })
                })
                .collect();
            let message = match problems.as_slice() {
                [] => "not applied".to_string(),
                [first, rest @ ..] => {
                    let mut text = format!("not applied: {first}");
                    for problem in rest {
                        text.push('\n');
                        text.push_str(problem);
                    }
                    text
                }
            };
            (Message::error(message), Changed::default())
        }
        Err(ApplyFailure::Workspace(error)) => {
            (Message::error(error.to_string()), Changed::default())
        }
    }
}

/// An import of `path` into `kind`, as a job; refused at once when the
/// kind or the file is wrong.
pub fn import_job(kind: &str, path: &str) -> Result<Job, String> {
    let kind = match kind {
        "users" => EntityKind::Users,
        "accounts" => EntityKind::Accounts,
        other => return Err(format!("`{other}` is not a kind: write users or accounts")),
    };
    if path == "-" {
        return Err("the UI cannot import from standard input: name a file".to_string());
    }
    let source = ImportSource::open(path)?;
    let shown = path.to_string();
    let label = format!("importing {}", file_name(path));
    let work = move |workspace: &mut Workspace, control: &JobControl| {
        let mut progress = |progress: ImportProgress| {
            let total = progress
                .expected_rows
                .map(|rows| rows.max(progress.rows) as u64);
            control.progress(progress.rows as u64, total);
            if control.cancelled() {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        let result = workspace.import(kind, source, ImportMode::Merge, false, &mut progress);
        let (message, changed) = match result {
            Ok(report) => (
                Message::info(format!(
                    "imported {shown}: {} created, {} updated",
                    report.created, report.updated
                )),
                Changed::ENTITIES,
            ),
            Err(ImportFailure::Rows { errors, count }) => {
                let mut text = format!("nothing imported: {count} bad rows in {shown}");
                for error in &errors {
                    text.push_str(&format!("\n{shown}:{error}"));
                }
                (Message::error(text), Changed::default())
            }
            Err(ImportFailure::File(message)) => (
                Message::error(format!("nothing imported: {message}")),
                Changed::default(),
            ),
            Err(ImportFailure::Cancelled) => (
                Message::info(format!("import of {shown} cancelled: nothing was imported")),
                Changed::default(),
            ),
            Err(ImportFailure::Workspace(error)) => {
                (Message::error(error.to_string()), Changed::default())
            }
        };
        JobOutcome { message, changed }
    };
    Ok(Job {
        label,
        work: Box::new(work),
    })
}
