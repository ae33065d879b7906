//! A definition of a `.seg` file replaced in place: the file read and parsed
//! (a file with errors is refused), each edited definition found by kind and
//! name, checked against what it was expected to hold (another editor may
//! have changed it), and replaced by its new canonical text with the rest of
//! the file — its other definitions and comments — kept. It writes nothing;
//! the caller checks the result and writes it.

use super::apply::canonical_text;
use super::edit::SaveFailure;
use crate::lang::{Diagnostic, parse_file};
use crate::model::{DefinitionKind, fold_name};

/// Reads and parses `path`: its text and its tree; a file with errors is
/// refused (it would not apply).
pub(super) fn read_parsed_file(
    path: &str,
) -> Result<(String, crate::model::ast::File), SaveFailure> {
    let current = std::fs::read_to_string(path).map_err(|error| {
        SaveFailure::File(format!(
            "cannot read {path}: {}",
            crate::os_error::reason(&error)
        ))
    })?;
    let (file, diagnostics) = parse_file(&current);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(SaveFailure::File(format!(
            "{path} has errors; fix the file first"
        )));
    }
    Ok((current, file))
}

/// Reads and parses `path`: its text, its tree, and which definition is
/// segment `name`.
pub(super) fn read_file_segment(
    path: &str,
    name: &str,
) -> Result<(String, crate::model::ast::File, usize), SaveFailure> {
    let (current, file) = read_parsed_file(path)?;
    let index = file
        .definitions
        .iter()
        .position(|d| {
            d.kind() == crate::model::DefinitionKind::Segment
                && fold_name(&d.name().text) == fold_name(name)
        })
        .ok_or_else(|| SaveFailure::File(format!("segment \"{name}\" is no longer in {path}")))?;
    Ok((current, file, index))
}

/// One definition of a file to replace with `text`, if the file still holds
/// `expected` (canonical) for it.
pub(super) struct FileEdit {
    pub kind: DefinitionKind,
    pub name: String,
    pub expected: Option<String>,
    pub text: String,
}

/// The text of the file at `path` with each edit's definition replaced by
/// its new text, the rest kept as it is (comments inside a replaced
/// definition move just above it).
pub(super) fn rewrite_definitions(path: &str, edits: &[FileEdit]) -> Result<String, SaveFailure> {
    let (current, file) = read_parsed_file(path)?;
    let mut replacements = Vec::new();
    for edit in edits {
        let found = file
            .definitions
            .iter()
            .find(|d| d.kind() == edit.kind && fold_name(&d.name().text) == fold_name(&edit.name))
            .ok_or_else(|| {
                SaveFailure::File(format!(
                    "{} \"{}\" is no longer in {path}",
                    edit.kind.keyword(),
                    edit.name
                ))
            })?;
        if edit
            .expected
            .as_ref()
            .is_some_and(|expected| canonical_text(found) != *expected)
        {
            return Err(SaveFailure::ChangedOnDisk {
                name: edit.name.clone(),
                path: path.to_string(),
            });
        }
        replacements.push((found.span(), edit.text.as_str()));
    }
    replacements.sort_by_key(|(span, _)| std::cmp::Reverse(span.start));
    let mut updated = current.clone();
    for (span, text) in replacements {
        let inner_comments: String = file
            .comments
            .iter()
            .filter(|c| c.span.start > span.start && c.span.start < span.end)
            .map(|c| format!("#{}\n", c.text))
            .collect();
        updated.replace_range(
            span.start..span.end,
            &format!("{inner_comments}{}", text.trim_end()),
        );
    }
    Ok(updated)
}
