//! Checking a definition's text after some segments, the way `check` does,
//! and reading back its errors as `line:column message | help` with lines
//! counted in the text alone, for tests that pin the wording and place of
//! every error.
#![allow(dead_code)]

use segscope::lang::validate::{SegmentCatalog, SourceFile, validate_files};
use segscope::lang::{line_column, parse_file};

/// Every error of checking `text` after `segments` (the file `origin`).
pub fn errors_after(segments: &str, origin: &str, text: &str) -> Vec<String> {
    let whole = format!("{segments}{text}");
    let (file, mut diagnostics) = parse_file(&whole);
    let source = SourceFile {
        origin,
        text: &whole,
        file: &file,
    };
    diagnostics.extend(validate_files(&[source], &SegmentCatalog::new()).remove(0));
    let offset_lines = segments.lines().count();
    diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            let at = line_column(&whole, d.span.start);
            let help = d
                .help
                .as_deref()
                .map_or(String::new(), |h| format!(" | {h}"));
            format!(
                "{}:{} {}{help}",
                at.line - offset_lines,
                at.column,
                d.message
            )
        })
        .collect()
}
