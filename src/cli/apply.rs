//! `segscope apply FILES...`: upsert the files' definitions, all or nothing.

use super::output::note;
use std::path::PathBuf;

use super::output::report_membership;
use super::source::{self, LoadedSource};
use super::{CliError, Global, Outcome};
use crate::workspace::{ApplyFailure, SourceText, Workspace};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The .seg files to apply.
    #[arg(required = true, value_name = "FILES")]
    pub files: Vec<PathBuf>,
}

pub fn run(global: &Global, args: Args) -> Outcome {
    let sources = load_all(&args.files)?;
    let mut workspace = global.open(true)?;
    apply_sources(&mut workspace, sources)?;
    super::deliver::report_and_deliver(&mut workspace)?;
    Ok(())
}

/// Reads every file; any unreadable one fails the command before anything
/// is opened or changed (the error names every such file).
pub fn load_all(files: &[PathBuf]) -> Result<Vec<LoadedSource>, CliError> {
    let mut sources = Vec::new();
    let mut unreadable = Vec::new();
    for path in files {
        match source::load(path) {
            Ok(loaded) => sources.push(loaded),
            Err(error) => unreadable.push(CliError::Source(error)),
        }
    }
    match CliError::all(unreadable) {
        Some(error) => Err(error),
        None => Ok(sources),
    }
}

/// Loaded files as the workspace takes them: each known by its identity.
pub fn source_texts(sources: &[LoadedSource]) -> Vec<SourceText> {
    sources
        .iter()
        .map(|s| SourceText {
            origin: crate::files::identity(&s.origin),
            text: s.text.clone(),
        })
        .collect()
}

/// Applies loaded sources and reports, or prints every diagnostic.
pub fn apply_sources(workspace: &mut Workspace, sources: Vec<LoadedSource>) -> Outcome {
    let texts = source_texts(&sources);
    match workspace.apply(&texts) {
        Ok(report) => {
            for (source, warnings) in sources.iter().zip(&report.warnings) {
                source::report(source, warnings);
            }
            let mut parts = Vec::new();
            for (label, names) in [
                ("added", &report.added),
                ("changed", &report.changed),
                ("removed", &report.removed),
            ] {
                if !names.is_empty() {
                    parts.push(format!("{} {label} ({})", names.len(), names.join(", ")));
                }
            }
            if report.unchanged > 0 {
                parts.push(format!("{} unchanged", report.unchanged));
            }
            if parts.is_empty() {
                parts.push("nothing to apply".to_string());
            }
            note!("applied: {}", parts.join("; "));
            report_membership(&report.membership);
            Ok(())
        }
        Err(ApplyFailure::Invalid(diagnostics)) => {
            let mut errors = 0;
            for (source, list) in sources.iter().zip(&diagnostics) {
                errors += list.iter().filter(|d| d.is_error()).count();
                source::report(source, list);
            }
            Err(CliError::NothingApplied { errors })
        }
        Err(ApplyFailure::Workspace(error)) => Err(error.into()),
    }
}
