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

/// Reads a file (or standard input for `-`) as UTF-8, with a one-sentence
/// error that names the file.
pub fn load(path: &Path) -> Result<LoadedSource, String> {
    let origin = path.display().to_string();
    let text = if origin == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|error| format!("cannot read standard input: {error}"))?;
        text
    } else {
        let bytes = std::fs::read(path)
            .map_err(|error| format!("cannot read {origin}: {}", io_reason(&error)))?;
        String::from_utf8(bytes).map_err(|error| {
            let at = error.utf8_error().valid_up_to();
            format!("{origin} is not UTF-8 text (invalid byte at offset {at})")
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
