//! Reading `.seg` sources and printing their diagnostics, shared by the
//! commands that take files.

use std::io::{IsTerminal, Read};
use std::path::Path;

use crate::lang::{Diagnostic, Renderer};

/// A file's name as shown in messages, and its text.
#[derive(Clone)]
pub struct LoadedSource {
    pub origin: String,
    pub text: String,
}

/// A source that cannot be read.
#[derive(Debug)]
pub enum SourceError {
    Unreadable {
        /// The file as given, or "standard input".
        name: String,
        source: std::io::Error,
    },
    /// The file holds bytes that are not UTF-8 (the first at `offset`).
    NotText { name: String, offset: usize },
}

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SourceError::Unreadable { name, source } => {
                write!(f, "cannot read {name}: {}", io_reason(source))
            }
            SourceError::NotText { name, offset } => write!(
                f,
                "{name} is not UTF-8 text (invalid byte at offset {offset})"
            ),
        }
    }
}

impl std::error::Error for SourceError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SourceError::Unreadable { source, .. } => Some(source),
            SourceError::NotText { .. } => None,
        }
    }
}

/// Reads a file (or standard input for `-`) as UTF-8.
pub fn load(path: &Path) -> Result<LoadedSource, SourceError> {
    let origin = path.display().to_string();
    let text = if origin == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|source| SourceError::Unreadable {
                name: "standard input".to_string(),
                source,
            })?;
        text
    } else {
        let bytes = std::fs::read(path).map_err(|source| SourceError::Unreadable {
            name: origin.clone(),
            source,
        })?;
        String::from_utf8(bytes).map_err(|error| SourceError::NotText {
            name: origin.clone(),
            offset: error.utf8_error().valid_up_to(),
        })?
    };
    let origin = if origin == "-" {
        "<stdin>".to_string()
    } else {
        origin
    };
    Ok(LoadedSource { origin, text })
}

pub use crate::os_error::reason as io_reason;

/// Colours on stderr only for a terminal, and never with NO_COLOR set.
pub fn stderr_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Prints diagnostics for one source to stderr.
pub fn report(source: &LoadedSource, diagnostics: &[Diagnostic]) {
    if diagnostics.is_empty() {
        return;
    }
    let renderer = Renderer {
        origin: &source.origin,
        text: &source.text,
        color: stderr_color(),
    };
    eprint!("{}", renderer.render_all(diagnostics));
}
