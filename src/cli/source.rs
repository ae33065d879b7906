//! Reading `.seg` sources and printing their diagnostics, shared by the
//! commands that take files.

use std::io::IsTerminal;
use std::path::Path;

use crate::lang::{Diagnostic, Renderer};

/// A file's name as shown in messages, and its text.
#[derive(Clone)]
pub struct LoadedSource {
    pub origin: String,
    pub text: String,
}

pub use crate::files::SourceError;

/// Reads a file (or standard input for `-`) as UTF-8.
pub fn load(path: &Path) -> Result<LoadedSource, SourceError> {
    let text = crate::files::read_source(path)?;
    let origin = path.display().to_string();
    let origin = if origin == "-" {
        "<stdin>".to_string()
    } else {
        origin
    };
    Ok(LoadedSource { origin, text })
}

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
