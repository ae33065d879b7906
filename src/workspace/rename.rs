//! Renaming a segment that others refer to by name: the refusal that names
//! them, and the rename that carries every reference along — in the
//! database for definitions made in the UI, in place in their files for
//! definitions from files — in one apply.

use super::Workspace;
use super::apply::{ApplyReport, canonical_text};
use super::edit::{SaveFailure, SegmentDraft};
use super::segment_file::{FileEdit, rewrite_definitions};
use crate::lang::validate::{definition_references, rename_references};
use crate::model::ast::Definition;
use crate::model::{DefinitionKind, Origin, fold_name};
use crate::store::StoredDefinition;

/// Why a segment that others refer to by name is not renamed: which ones
/// refer to it (as [`Workspace::referrers`] names them: `segment "X"`), and
/// what to do.
pub(super) fn renaming_referenced(old: &str, new: &str, referrers: &[String]) -> String {
    let (which, them) = match referrers {
        [one] => (format!("{one} refers"), "it"),
        many => (format!("{} refer", many.join(", ")), "them"),
    };
    format!(
        "\"{old}\" cannot be renamed to \"{new}\" alone: {which} to it by name; rename it together with the {} in {them}, or keep this name",
        if referrers.len() == 1 {
            "reference"
        } else {
            "references"
        }
    )
}

impl Workspace {
    /// Renames the segment of `draft` (and saves the rest of it) together
    /// with every reference to its old name in other definitions: those made
    /// in the UI are changed in the database, those from files are rewritten
    /// in their files (canonical form, the file's other text and comments
    /// kept), and everything is applied at once. A file whose definition
    /// changed on disk since it was applied is refused before anything is
    /// written.
    pub fn rename_segment_updating_references(
        &mut self,
        draft: &SegmentDraft,
    ) -> Result<ApplyReport, SaveFailure> {
        let Some(old) = draft.original.clone() else {
            return self.save_segment(draft);
        };
        let definition = self.check_draft_alone(draft)?;
        let new = definition.name.text.clone();
        self.check_whole(&definition, Some(&old), Some((&old, &new)))?;
        let mut report = ApplyReport::default();
        report.renamed.push((old.clone(), new.clone()));
        let mut next = Vec::new();
        let mut edits: std::collections::BTreeMap<String, Vec<FileEdit>> =
            std::collections::BTreeMap::new();
        for entry in self.registry.entries() {
            let stored = &entry.stored;
            let is_original = stored.kind == DefinitionKind::Segment
                && fold_name(&stored.name) == fold_name(&old);
            let (name, text) = if is_original {
                (
                    new.clone(),
                    canonical_text(&Definition::Segment(definition.clone())),
                )
            } else if definition_references(&entry.definition)
                .iter()
                .any(|r| fold_name(r) == fold_name(&old))
            {
                let mut renamed = entry.definition.clone();
                rename_references(&mut renamed, &old, &new);
                (stored.name.clone(), canonical_text(&renamed))
            } else {
                next.push(stored.clone());
                continue;
            };
            report.changed.push(name.clone());
            if let Origin::File(path) = &stored.origin {
                edits.entry(path.clone()).or_default().push(FileEdit {
                    kind: stored.kind,
                    name: stored.name.clone(),
                    // The editor's draft may overwrite only what it opened;
                    // a referrer only what was last applied.
                    expected: if is_original {
                        draft.based_on.clone()
                    } else {
                        Some(stored.text.clone())
                    },
                    text: text.clone(),
                });
            }
            next.push(StoredDefinition {
                name,
                kind: stored.kind,
                text,
                origin: stored.origin.clone(),
                updated_at: self.now,
            });
        }
        let mut rewritten = Vec::new();
        for (path, list) in &edits {
            rewritten.push((path.clone(), rewrite_definitions(path, list)?));
        }
        for (path, text) in &rewritten {
            crate::files::write_replacing(std::path::Path::new(path), text).map_err(|error| {
                SaveFailure::File(format!(
                    "cannot write {path}: {}",
                    crate::os_error::reason(&error)
                ))
            })?;
        }
        Ok(self.replace_definitions(next, report)?)
    }
}
