//! Saving one block definition (a view, a destination) made or changed in
//! the terminal UI: one that came from a file is rewritten there in its
//! canonical text and the file applied again; any other is stored as the
//! UI's, replacing the one it was. What the block means and whether it may
//! be saved are the callers' to check first.

use super::Workspace;
use super::apply::ApplyReport;
use super::edit::SaveFailure;
use crate::model::{DefinitionKind, Origin, fold_name};
use crate::store::StoredDefinition;

impl Workspace {
    /// Saves the canonical `text` of the `kind` definition `name`, in place
    /// of `original` when it replaces one (renaming it when the names
    /// differ).
    pub(super) fn save_block_text(
        &mut self,
        kind: DefinitionKind,
        name: &str,
        text: String,
        original: Option<&StoredDefinition>,
    ) -> Result<ApplyReport, SaveFailure> {
        if let Some(StoredDefinition {
            origin: Origin::File(path),
            name: stored_name,
            text: stored_text,
            ..
        }) = original
        {
            return self.save_into_file(kind, path, stored_name, &text, Some(stored_text));
        }
        let replaced = original.map(|o| fold_name(&o.name));
        let mut next: Vec<StoredDefinition> = self
            .registry
            .stored()
            .filter(|d| {
                !(d.kind == kind && replaced.as_deref() == Some(fold_name(&d.name).as_str()))
            })
            .cloned()
            .collect();
        next.push(StoredDefinition {
            name: name.to_string(),
            kind,
            text,
            origin: Origin::Interactive,
            updated_at: self.now,
        });
        let mut report = ApplyReport::default();
        match original {
            Some(_) => report.changed.push(name.to_string()),
            None => report.added.push(name.to_string()),
        }
        Ok(self.replace_definitions(next, report)?)
    }
}
