//! `segscope check FILES...`: parse and validate files together.

use std::path::PathBuf;

use super::source::{self, LoadedSource};
use super::{CliError, Outcome};
use crate::lang::validate::{SegmentCatalog, check_texts};

pub fn run(paths: &[PathBuf]) -> Outcome {
    let mut sources = Vec::new();
    let mut unreadable = Vec::new();
    for path in paths {
        match source::load(path) {
            Ok(loaded) => sources.push(loaded),
            Err(error) => unreadable.push(CliError::Source(error)),
        }
    }
    let (errors, warnings, definitions) = check_sources(&sources);
    let files = sources.len();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if errors > 0 || !unreadable.is_empty() {
        eprintln!(
            "check failed: {} and {} in {}",
            plural(errors, "error"),
            plural(warnings, "warning"),
            plural(files, "file")
        );
        // The summary says why; the files that cannot be read follow.
        return Err(CliError::all(unreadable).unwrap_or(CliError::Reported));
    }
    eprintln!(
        "checked {}: {}, {}",
        plural(files, "file"),
        plural(definitions, "definition"),
        plural(warnings, "warning")
    );
    Ok(())
}

/// Parses and validates; prints diagnostics; returns (errors, warnings, definitions).
fn check_sources(sources: &[LoadedSource]) -> (usize, usize, usize) {
    let texts: Vec<(&str, &str)> = sources
        .iter()
        .map(|s| (s.origin.as_str(), s.text.as_str()))
        .collect();
    let (mut errors, mut warnings, mut definitions) = (0, 0, 0);
    for (source, (file, all)) in sources
        .iter()
        .zip(check_texts(&texts, &SegmentCatalog::new()))
    {
        errors += all.iter().filter(|d| d.is_error()).count();
        warnings += all.iter().filter(|d| !d.is_error()).count();
        definitions += file.definitions.len();
        source::report(source, &all);
    }
    (errors, warnings, definitions)
}
