//! `segscope check FILES...`: parse and validate files together — alone,
//! or with `--db` (or `SEGSCOPE_DB`) against the database as `apply` would:
//! references resolve against its definitions, and conditions get the
//! data's warnings (unknown properties, literals of a type never held).
//! Either way a destination naming an environment variable that is not set
//! is warned about.

use super::output::note;
use std::path::PathBuf;

use super::source::{self, LoadedSource};
use super::{CliError, Global, Outcome};
use crate::lang::Diagnostic;
use crate::lang::destination::{environment_warnings, variable_is_set};
use crate::lang::validate::{SegmentCatalog, check_texts};
use crate::model::ast::Definition;

/// Warnings for the environment variables destinations name that are not
/// set here. Only `check` gives them: `apply` (and the UI) often run where
/// syncs do not, and a sync names a missing variable itself.
fn unset_variables(definitions: &[Definition]) -> Vec<Diagnostic> {
    definitions
        .iter()
        .filter_map(|definition| match definition {
            Definition::Block(block) => Some(environment_warnings(block, &variable_is_set)),
            Definition::Segment(_) => None,
        })
        .flatten()
        .collect()
}

pub fn run(global: &Global, paths: &[PathBuf]) -> Outcome {
    let mut sources = Vec::new();
    let mut unreadable = Vec::new();
    for path in paths {
        match source::load(path) {
            Ok(loaded) => sources.push(loaded),
            Err(error) => unreadable.push(CliError::Source(error)),
        }
    }
    let checked: Vec<(usize, Vec<Diagnostic>)> = if global.db.is_some() {
        let workspace = global.open_existing(false)?;
        let checked = workspace.check_sources(&super::apply::source_texts(&sources));
        checked
            .files
            .iter()
            .zip(checked.diagnostics)
            .map(|(file, mut diagnostics)| {
                diagnostics.extend(unset_variables(&file.definitions));
                (file.definitions.len(), diagnostics)
            })
            .collect()
    } else {
        let texts: Vec<(&str, &str)> = sources
            .iter()
            .map(|s| (s.origin.as_str(), s.text.as_str()))
            .collect();
        check_texts(&texts, &SegmentCatalog::new())
            .into_iter()
            .map(|(file, mut diagnostics)| {
                diagnostics.extend(unset_variables(&file.definitions));
                (file.definitions.len(), diagnostics)
            })
            .collect()
    };
    let (errors, warnings, definitions) = report(&sources, &checked);
    let files = sources.len();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if errors > 0 || !unreadable.is_empty() {
        let unread = match unreadable.len() {
            0 => String::new(),
            1 => "; 1 file cannot be read".to_string(),
            n => format!("; {n} files cannot be read"),
        };
        note!(
            "check failed: {} and {} in {}{unread}",
            plural(errors, "error"),
            plural(warnings, "warning"),
            plural(files, "file")
        );
        // The summary says why; the files that cannot be read follow.
        return Err(CliError::all(unreadable).unwrap_or(CliError::Reported));
    }
    note!(
        "checked {}: {}, {}",
        plural(files, "file"),
        plural(definitions, "definition"),
        plural(warnings, "warning")
    );
    Ok(())
}

/// Prints each file's diagnostics; returns (errors, warnings, definitions).
fn report(sources: &[LoadedSource], checked: &[(usize, Vec<Diagnostic>)]) -> (usize, usize, usize) {
    let (mut errors, mut warnings, mut definitions) = (0, 0, 0);
    for (source, (count, all)) in sources.iter().zip(checked) {
        errors += all.iter().filter(|d| d.is_error()).count();
        warnings += all.iter().filter(|d| !d.is_error()).count();
        definitions += count;
        source::report(source, all);
    }
    (errors, warnings, definitions)
}
