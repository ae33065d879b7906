//! Destinations as the faces use them: listed in name order, looked up by
//! name, saved, and the warnings the data and the environment give them.
//!
//! A destination saved from the terminal UI (an edited segment filter, a
//! mapping's encoding) is stored with the UI's origin; one that came from a
//! file stays defined by its file, so saving it rewrites its definition
//! there in canonical form (the file's other text and comments kept) and
//! applies the file again — as views and segments are saved. Not here:
//! what a `destination` block means (`lang::destination`'s), nor sending
//! anything (the sync runner's).

use super::Workspace;
use super::apply::ApplyReport;
use super::edit::name_problem;
use super::edit::{DraftField, SaveFailure};
use crate::lang::Diagnostic;
use crate::lang::destination::{
    destination_definition, destination_from_block, destination_text, environment_warnings,
    segment_filter_problems, variable_is_set,
};
use crate::lang::validate::MAX_NAME_CHARS;
use crate::model::ast::{Argument, BlockDefinition, Definition, Entry, Subject};
use crate::model::destination::Destination;
use crate::model::{DefinitionKind, EntityKind, Origin, fold_name};
use crate::store::StoredDefinition;

/// A destination as listed: its meaning, where it came from, when it last
/// changed.
#[derive(Clone, Debug, PartialEq)]
pub struct DestinationSummary {
    pub destination: Destination,
    pub origin: Origin,
    pub updated_at: i64,
}

impl Workspace {
    /// Every destination, in name order.
    pub fn destinations(&self) -> Vec<DestinationSummary> {
        let mut destinations: Vec<DestinationSummary> = self
            .registry
            .blocks(DefinitionKind::Destination)
            // Every stored destination was checked when it entered.
            .filter_map(|(block, stored)| {
                Some(DestinationSummary {
                    destination: destination_from_block(block).ok()?,
                    origin: stored.origin.clone(),
                    updated_at: stored.updated_at,
                })
            })
            .collect();
        destinations.sort_by(|a, b| a.destination.name.cmp(&b.destination.name));
        destinations
    }

    /// A destination by name, ignoring case.
    pub fn destination(&self, name: &str) -> Option<DestinationSummary> {
        let folded = fold_name(name);
        self.destinations()
            .into_iter()
            .find(|summary| fold_name(&summary.destination.name) == folded)
    }

    /// Saves a destination: a new one (or one made in the terminal UI) as
    /// the UI's; one from a file rewritten in its file and the file applied
    /// again. `replacing` names the destination it replaces, which renames
    /// it when the names differ.
    pub fn save_destination(
        &mut self,
        destination: &Destination,
        replacing: Option<&str>,
    ) -> Result<ApplyReport, SaveFailure> {
        let mut destination = destination.clone();
        destination.name = destination.name.trim().to_string();
        let destination = &destination;
        let original = match replacing {
            Some(name) => Some(self.stored_destination(name).cloned().ok_or_else(|| {
                name_problem(format!("there is no destination named \"{name}\""), name)
            })?),
            None => None,
        };
        self.check_destination(destination, original.as_ref())?;
        self.save_block_text(
            DefinitionKind::Destination,
            &destination.name,
            destination_text(destination),
            original.as_ref(),
        )
    }

    /// The warnings a destination earns, one line each ("message; help"):
    /// properties it maps or keys by that no entity of the kind has (when
    /// the kind has data), and environment variables it names that are not
    /// set. They never stop a save or a sync plan.
    pub fn destination_warnings(&self, destination: &Destination) -> Vec<String> {
        let block = destination_definition(destination);
        let mut warnings = environment_warnings(&block, &variable_is_set);
        warnings.extend(self.destination_data_warnings(&block));
        warnings
            .into_iter()
            .map(|warning| match warning.help {
                Some(help) => format!("{}; {help}", warning.message),
                None => warning.message,
            })
            .collect()
    }

    /// The warnings about a `destination` block, located: each kind's key
    /// and mapped properties that no entity of the kind has (for users,
    /// `account.<p>` against accounts). (Unset environment variables are
    /// `check`'s to warn about: `apply` often runs where syncs do not.)
    pub(super) fn destination_data_warnings(&self, block: &BlockDefinition) -> Vec<Diagnostic> {
        let mut warnings = Vec::new();
        for (kind, entries) in kind_blocks(block) {
            for entry in entries {
                let Some(Subject::Property(path)) = &entry.subject else {
                    continue;
                };
                match entry.key.text.as_str() {
                    "map" => {
                        self.check_path(kind, path, &mut warnings);
                    }
                    "key" => {
                        let mut found = Vec::new();
                        self.check_path(kind, path, &mut found);
                        warnings.extend(found.into_iter().map(|mut warning| {
                            warning.message.push_str(&format!(
                                ": {} without a key are skipped, so none would be sent",
                                kind.as_str()
                            ));
                            warning
                        }));
                    }
                    _ => {}
                }
            }
        }
        warnings
    }

    fn stored_destination(&self, name: &str) -> Option<&StoredDefinition> {
        self.registry
            .stored_named(DefinitionKind::Destination, name)
    }

    /// A destination about to be saved: its name free and well-formed, its
    /// text reading back as a destination, the segments it lists existing
    /// and of the kind that lists them.
    fn check_destination(
        &self,
        destination: &Destination,
        original: Option<&StoredDefinition>,
    ) -> Result<(), SaveFailure> {
        let name = destination.name.as_str();
        if name.is_empty() {
            return Err(name_problem("the name cannot be empty".to_string(), name));
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(name_problem(
                format!("a name is at most {MAX_NAME_CHARS} characters"),
                name,
            ));
        }
        let taken = self.stored_destination(name).filter(|stored| {
            original.is_none_or(|original| fold_name(&original.name) != fold_name(&stored.name))
        });
        if let Some(stored) = taken {
            return Err(name_problem(
                format!("there is already a destination named \"{}\"", stored.name),
                name,
            ));
        }
        let text = destination_text(destination);
        let (file, diagnostics) = crate::lang::parse_file(&text);
        let Some(Definition::Block(block)) = file.definitions.first() else {
            return Err(invalid(diagnostics));
        };
        if !diagnostics.is_empty() {
            return Err(invalid(diagnostics));
        }
        if let Err(problems) = destination_from_block(block) {
            return Err(invalid(problems));
        }
        let problems = segment_filter_problems(block, &self.catalog(), None);
        if !problems.is_empty() {
            return Err(invalid(problems));
        }
        Ok(())
    }
}

/// Each `users { ... }` / `accounts { ... }` block of a destination, with
/// its kind.
fn kind_blocks(block: &BlockDefinition) -> Vec<(EntityKind, &[Entry])> {
    block
        .entries
        .iter()
        .filter_map(|entry| {
            let kind = match entry.key.text.as_str() {
                "users" => EntityKind::Users,
                "accounts" => EntityKind::Accounts,
                _ => return None,
            };
            entry.arguments.iter().find_map(|argument| match argument {
                Argument::Block(entries) => Some((kind, entries.as_slice())),
                _ => None,
            })
        })
        .collect()
}

fn invalid(diagnostics: Vec<Diagnostic>) -> SaveFailure {
    SaveFailure::Invalid {
        field: DraftField::Condition,
        diagnostics,
    }
}
