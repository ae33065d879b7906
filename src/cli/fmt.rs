//! `segscope fmt FILES... [--check]`: rewrite files in canonical form.

use std::path::{Path, PathBuf};

use super::source::{self, io_reason};
use super::{Failed, Outcome};
use crate::lang::format::format_file;
use crate::lang::parse_file;

pub fn run(paths: &[PathBuf], check_only: bool) -> Outcome {
    let mut failed = false;
    for path in paths {
        if let Err(message) = format_one(path, check_only) {
            if !message.is_empty() {
                eprintln!("{message}");
            }
            failed = true;
        }
    }
    if failed { Err(Failed) } else { Ok(()) }
}

/// Formats one file; the error is a message to print (empty when the
/// diagnostics were already printed).
fn format_one(path: &Path, check_only: bool) -> Result<(), String> {
    let loaded = source::load(path).map_err(|message| format!("error: {message}"))?;
    let (file, diagnostics) = parse_file(&loaded.text);
    if diagnostics.iter().any(|d| d.is_error()) {
        source::report(&loaded, &diagnostics);
        return Err(format!(
            "{} was not formatted: it has errors",
            loaded.origin
        ));
    }
    let formatted = format_file(&file, &loaded.text);
    if loaded.origin == "<stdin>" {
        return match super::output::write_stdout(&formatted) {
            Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
                Err(format!("error: cannot write the output: {error}"))
            }
            _ => Ok(()),
        };
    }
    if formatted == loaded.text {
        return Ok(());
    }
    if check_only {
        return Err(format!("{} is not formatted", loaded.origin));
    }
    crate::files::write_replacing(path, &formatted).map_err(|error| {
        format!(
            "error: cannot write {}: {}",
            loaded.origin,
            io_reason(&error)
        )
    })?;
    eprintln!("formatted {}", loaded.origin);
    Ok(())
}
