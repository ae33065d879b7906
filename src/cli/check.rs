//! `segscope check FILES...`: parse and validate files together.

use std::path::PathBuf;

use super::source::{self, LoadedSource};
use super::{Failed, Outcome};
use crate::lang::validate::{SegmentCatalog, SourceFile, validate_files};
use crate::lang::{ast, parse_file};

pub fn run(paths: &[PathBuf]) -> Outcome {
    let mut sources = Vec::new();
    let mut unreadable = false;
    for path in paths {
        match source::load(path) {
            Ok(loaded) => sources.push(loaded),
            Err(message) => {
                eprintln!("error: {message}");
                unreadable = true;
            }
        }
    }
    let (errors, warnings, definitions) = check_sources(&sources);
    let files = sources.len();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if errors > 0 || unreadable {
        eprintln!(
            "check failed: {} and {} in {}",
            plural(errors, "error"),
            plural(warnings, "warning"),
            plural(files, "file")
        );
        return Err(Failed);
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
    let parsed: Vec<(ast::File, Vec<crate::lang::Diagnostic>)> =
        sources.iter().map(|s| parse_file(&s.text)).collect();
    let syntax_ok = parsed.iter().all(|(_, d)| d.iter().all(|d| !d.is_error()));
    let files: Vec<SourceFile> = sources
        .iter()
        .zip(&parsed)
        .map(|(source, (file, _))| SourceFile {
            origin: &source.origin,
            text: &source.text,
            file,
        })
        .collect();
    let mut semantic = validate_files(&files, &SegmentCatalog::new());
    if !syntax_ok {
        // A reference may name a segment whose definition failed to parse.
        for list in &mut semantic {
            list.retain(|d| !d.unknown_reference);
        }
    }
    let (mut errors, mut warnings, mut definitions) = (0, 0, 0);
    for ((source, (file, syntax)), semantic) in sources.iter().zip(&parsed).zip(semantic) {
        let all: Vec<_> = syntax.iter().cloned().chain(semantic).collect();
        errors += all.iter().filter(|d| d.is_error()).count();
        warnings += all.iter().filter(|d| !d.is_error()).count();
        definitions += file.definitions.len();
        source::report(source, &all);
    }
    (errors, warnings, definitions)
}
