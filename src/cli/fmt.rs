//! `segscope fmt FILES... [--check]`: rewrite files in canonical form, or
//! with `--check` show what would change as a unified diff on stdout. The
//! formatting itself is `lang::format`'s; this file only reads, compares
//! and writes.

use super::output::note;
use std::path::{Path, PathBuf};

use super::source;
use super::{CliError, Outcome};
use crate::lang::format::format_file;
use crate::lang::parse_file;

/// What formatting one file came to.
enum Formatting {
    /// Already in canonical form, or written to standard output.
    Canonical,
    Rewritten,
    /// With `--check`: the file is not in canonical form.
    NotCanonical,
    /// The file does not parse (its diagnostics are printed); left as it is.
    HasErrors,
}

/// Formats every file, reporting each as it goes; fails when a file is not
/// (or cannot be) in canonical form. Files that cannot be read or written
/// are the error, all of them.
pub fn run(paths: &[PathBuf], check_only: bool) -> Outcome {
    let mut errors = Vec::new();
    let mut not_canonical = false;
    for path in paths {
        match format_one(path, check_only) {
            Ok((_, Formatting::Canonical)) => {}
            Ok((origin, Formatting::Rewritten)) => note!("formatted {origin}"),
            Ok((origin, Formatting::NotCanonical)) => {
                note!("{origin} is not formatted");
                not_canonical = true;
            }
            Ok((origin, Formatting::HasErrors)) => {
                note!("{origin} was not formatted: it has errors");
                not_canonical = true;
            }
            Err(error) => errors.push(error),
        }
    }
    match CliError::all(errors) {
        Some(error) => Err(error),
        None if not_canonical => Err(CliError::Reported),
        None => Ok(()),
    }
}

/// Formats one file: its name as shown, and what became of it.
fn format_one(path: &Path, check_only: bool) -> Result<(String, Formatting), CliError> {
    let loaded = source::load(path)?;
    let (file, diagnostics) = parse_file(&loaded.text);
    if diagnostics.iter().any(|d| d.is_error()) {
        source::report(&loaded, &diagnostics);
        return Ok((loaded.origin, Formatting::HasErrors));
    }
    let formatted = format_file(&file, &loaded.text);
    if check_only {
        if formatted == loaded.text {
            return Ok((loaded.origin, Formatting::Canonical));
        }
        write_output(&canonical_diff(&loaded.origin, &loaded.text, &formatted))?;
        return Ok((loaded.origin, Formatting::NotCanonical));
    }
    if loaded.origin == "<stdin>" {
        write_output(&formatted)?;
        return Ok((loaded.origin, Formatting::Canonical));
    }
    if formatted == loaded.text {
        return Ok((loaded.origin, Formatting::Canonical));
    }
    crate::files::write_replacing(path, &formatted).map_err(|source| CliError::CannotWrite {
        path: loaded.origin.clone(),
        source,
    })?;
    Ok((loaded.origin, Formatting::Rewritten))
}

/// What formatting would change in a file, as a unified diff from the file
/// (`--- FILE`) to its canonical form (`+++ FILE (canonical)`).
fn canonical_diff(origin: &str, text: &str, formatted: &str) -> String {
    similar::TextDiff::from_lines(text, formatted)
        .unified_diff()
        .context_radius(3)
        .header(origin, &format!("{origin} (canonical)"))
        .to_string()
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
fn write_output(text: &str) -> Result<(), CliError> {
    match super::output::write_stdout(text) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(CliError::Output(error))
        }
        _ => Ok(()),
    }
}
