//! The global commands that read files: `:apply FILE...` (at once: applying
//! definitions is quick) and `:import KIND FILE` (a job on a worker thread,
//! with progress, that can be cancelled between batches and then writes
//! nothing). They also serve the file watcher, and the start, whose apply
//! summary goes to the message log in the same words (a UI session prints
//! nothing to the terminal).

use std::ops::ControlFlow;
use std::path::PathBuf;

use super::jobs::{Job, JobControl, JobOutcome};
use super::messages::Message;
use super::screens::Changed;
use super::widgets::text::{file_name, thousands};
use crate::lang::Renderer;
use crate::model::EntityKind;
use crate::workspace::{
    ApplyFailure, ApplyReport, ImportFailure, ImportMode, ImportProgress, ImportSource,
    MembershipCount, SourceText, Workspace,
};

/// Applies files; on error keeps the last good definitions and says where
/// the first problem is.
pub fn apply_files(workspace: &mut Workspace, paths: &[PathBuf]) -> (Message, Changed) {
    let mut sources = Vec::new();
    for path in paths {
        match crate::files::read_source(path) {
            Ok(text) => sources.push(SourceText {
                origin: crate::files::identity(&path.display().to_string()),
                text,
            }),
            Err(error) => return (Message::error(error.to_string()), Changed::default()),
        }
    }
    match workspace.apply(&sources) {
        Ok(report) => {
            let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            (
                applied_message(&names, &sources, &report),
                Changed::EVERYTHING,
            )
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

/// What an apply did, for the message log: a short first line for the
/// status bar (the files, and how many warnings), then the counts (added,
/// changed, removed, kept, memberships moved), the names, the membership
/// counts per segment and each warning whole. `shown` names the sources as
/// the user gave them, in order.
pub fn applied_message(shown: &[String], sources: &[SourceText], report: &ApplyReport) -> Message {
    let warnings: usize = report.warnings.iter().map(Vec::len).sum();
    let mut text = format!("applied {}", shown.join(", "));
    if warnings > 0 {
        let plural = if warnings == 1 { "" } else { "s" };
        text.push_str(&format!(", {} warning{plural}", thousands(warnings as u64)));
    }
    let mut counts = Vec::new();
    for (label, count) in [
        ("added", report.added.len()),
        ("changed", report.changed.len()),
        ("removed", report.removed.len()),
        ("unchanged", report.unchanged),
    ] {
        if count > 0 {
            counts.push(format!("{} {label}", thousands(count as u64)));
        }
    }
    if counts.is_empty() {
        counts.push("nothing to apply".to_string());
    }
    let moved: usize = report.membership.iter().map(|count| count.moved()).sum();
    counts.push(format!("{} membership changes", thousands(moved as u64)));
    text.push_str(&format!("\n{}", counts.join(", ")));
    for (label, names) in [
        ("added", &report.added),
        ("changed", &report.changed),
        ("removed", &report.removed),
    ] {
        if !names.is_empty() {
            text.push_str(&format!("\n{label}: {}", names.join(", ")));
        }
    }
    text.push_str(&membership_lines(&report.membership));
    for ((source, name), list) in sources.iter().zip(shown).zip(&report.warnings) {
        if list.is_empty() {
            continue;
        }
        let renderer = Renderer {
            origin: name,
            text: &source.text,
            color: false,
        };
        text.push('\n');
        text.push_str(renderer.render_all(list).trim_end());
    }
    Message::info(text)
}

/// One line per segment whose members moved, each after a newline:
/// `  Champions: +1,234 entered, -5 exited`.
pub fn membership_lines(membership: &[MembershipCount]) -> String {
    membership
        .iter()
        .map(|count| {
            format!(
                "\n  {}: +{} entered, -{} exited",
                count.segment,
                thousands(count.entered as u64),
                thousands(count.exited as u64)
            )
        })
        .collect()
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
