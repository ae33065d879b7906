//! Saving and deleting a playbook made or changed in the terminal UI. One
//! that came from a file is rewritten there in canonical form and the file
//! applied again; any other is stored as the UI's. What fires on save is
//! what fires on any apply: entities that match the new `when` and did not
//! match the old one, unless the playbook `skip existing`.

use super::Workspace;
use super::apply::ApplyReport;
use super::edit::name_problem;
use super::edit::{DraftField, SaveFailure};
use super::playbooks::PlaybookFailure;
use crate::lang::Diagnostic;
use crate::lang::playbook::{playbook_from_block, playbook_text};
use crate::lang::validate::{MAX_NAME_CHARS, validate_condition};
use crate::model::ast::Definition;
use crate::model::playbook::Playbook;
use crate::model::{DefinitionKind, Origin, fold_name};
use crate::store::StoredDefinition;

impl Workspace {
    /// Saves a playbook in place of `replacing` (of the same name, case
    /// aside: a rename is refused), or as a new one.
    pub fn save_playbook(
        &mut self,
        playbook: &Playbook,
        replacing: Option<&str>,
    ) -> Result<ApplyReport, SaveFailure> {
        let mut playbook = playbook.clone();
        playbook.name = playbook.name.trim().to_string();
        let original = match replacing {
            Some(name) => Some(self.stored_playbook(name).cloned().ok_or_else(|| {
                name_problem(format!("there is no playbook named \"{name}\""), name)
            })?),
            None => None,
        };
        if let Some(original) = &original
            && fold_name(&original.name) != fold_name(&playbook.name)
        {
            // Who matched, who fired once, the disabled flag and the runs
            // log are kept by name: a new name would start afresh and fire
            // for everyone who matches.
            return Err(name_problem(
                format!(
                    "a playbook keeps its name (\"{}\"): what it matched and whom it fired for are kept by name, and a new name would fire for everyone who matches; make a new playbook and delete this one instead",
                    original.name
                ),
                &playbook.name,
            ));
        }
        self.check_playbook(&playbook, original.as_ref())?;
        self.save_block_text(
            DefinitionKind::Playbook,
            &playbook.name,
            playbook_text(&playbook),
            original.as_ref(),
        )
    }

    /// Deletes a playbook made in the terminal UI; one from a file goes
    /// when it is removed from its file. Its runs log stays.
    pub fn delete_playbook(&mut self, name: &str) -> Result<ApplyReport, PlaybookFailure> {
        let Some(stored) = self.stored_playbook(name).cloned() else {
            return Err(PlaybookFailure::Unknown(name.to_string()));
        };
        if let Origin::File(path) = &stored.origin {
            return Err(PlaybookFailure::DefinedInFile {
                name: stored.name,
                path: path.clone(),
            });
        }
        let next: Vec<StoredDefinition> = self
            .registry
            .stored()
            .filter(|d| {
                !(d.kind == DefinitionKind::Playbook && fold_name(&d.name) == fold_name(name))
            })
            .cloned()
            .collect();
        self.replace_definitions(next, ApplyReport::default())
            .map_err(|failure| match failure {
                super::ApplyFailure::Workspace(error) => PlaybookFailure::Workspace(error),
                // Nothing refers to a playbook: removing one leaves the
                // others as valid as they were.
                super::ApplyFailure::Invalid(_) => {
                    PlaybookFailure::Workspace(super::WorkspaceError::Definitions(format!(
                        "playbook \"{name}\" cannot be deleted"
                    )))
                }
            })
    }

    fn stored_playbook(&self, name: &str) -> Option<&StoredDefinition> {
        self.registry.stored_named(DefinitionKind::Playbook, name)
    }

    /// A playbook about to be saved: its name free and well-formed, its
    /// text reading back as a valid playbook, its `when` naming segments
    /// that exist, of its kind.
    fn check_playbook(
        &self,
        playbook: &Playbook,
        original: Option<&StoredDefinition>,
    ) -> Result<(), SaveFailure> {
        let name = playbook.name.as_str();
        if name.is_empty() {
            return Err(name_problem("the name cannot be empty".to_string(), name));
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(name_problem(
                format!("a name is at most {MAX_NAME_CHARS} characters"),
                name,
            ));
        }
        let taken = self.stored_playbook(name).filter(|stored| {
            original.is_none_or(|original| fold_name(&original.name) != fold_name(&stored.name))
        });
        if let Some(stored) = taken {
            return Err(name_problem(
                format!("there is already a playbook named \"{}\"", stored.name),
                name,
            ));
        }
        let text = playbook_text(playbook);
        let (file, diagnostics) = crate::lang::parse_file(&text);
        let read_back = match file.definitions.first() {
            Some(Definition::Block(block)) if diagnostics.is_empty() => playbook_from_block(block),
            _ => Err(diagnostics),
        };
        if let Err(diagnostics) = read_back {
            return Err(SaveFailure::Invalid {
                field: DraftField::Condition,
                diagnostics,
            });
        }
        let problems: Vec<Diagnostic> =
            validate_condition(&playbook.when, playbook.kind, &self.catalog())
                .into_iter()
                .filter(Diagnostic::is_error)
                .collect();
        if !problems.is_empty() {
            return Err(SaveFailure::Invalid {
                field: DraftField::Condition,
                diagnostics: problems,
            });
        }
        Ok(())
    }
}
