//! Saved views as the faces use them: listed in name order, looked up by
//! name, their rows (the filter evaluated as of `now`), saved and deleted.
//!
//! A view saved from the terminal UI is stored with the UI's origin; one
//! that came from a file stays defined by its file, so saving it rewrites
//! its definition there in canonical form (the file's other text and
//! comments kept) and applies the file again — as segments are saved. The
//! data's warnings about the properties a view names (columns, sort,
//! stages) are here too. Not here: what a `view` block means (that is
//! `lang::view`'s), nor sorting rows (the listing's).

use super::apply::ApplyReport;
use super::edit::name_problem;
use super::edit::{DraftField, SaveFailure};
use super::entity_set::EntitySet;
use super::{Workspace, WorkspaceError};
use crate::lang::Diagnostic;
use crate::lang::validate::{MAX_NAME_CHARS, validate_condition};
use crate::lang::view::{view_from_block, view_text};
use crate::model::ast::{
    Argument, BlockDefinition, Definition, Literal, PropertyPath, Scope, Span, Subject,
};
use crate::model::view::View;
use crate::model::{DefinitionKind, Origin, fold_name};
use crate::store::StoredDefinition;

/// A view as listed: its meaning, where it came from, when it last changed.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewSummary {
    pub view: View,
    pub origin: Origin,
    pub updated_at: i64,
}

/// Why a view cannot be deleted; nothing was changed.
#[derive(Debug)]
pub enum DeleteViewFailure {
    Unknown {
        name: String,
    },
    /// A file defines it: it goes when it is removed from the file.
    DefinedInFile {
        name: String,
        path: String,
    },
    Workspace(WorkspaceError),
}

impl std::fmt::Display for DeleteViewFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeleteViewFailure::Unknown { name } => write!(f, "there is no view named \"{name}\""),
            DeleteViewFailure::DefinedInFile { name, path } => {
                write!(
                    f,
                    "view \"{name}\" is defined in {path}: remove it from the file"
                )
            }
            DeleteViewFailure::Workspace(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for DeleteViewFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DeleteViewFailure::Workspace(error) => Some(error),
            _ => None,
        }
    }
}

impl Workspace {
    /// Every view, in name order.
    pub fn views(&self) -> Vec<ViewSummary> {
        let mut views: Vec<ViewSummary> = self
            .registry
            .blocks(DefinitionKind::View)
            // Every stored view was checked when it entered.
            .filter_map(|(block, stored)| {
                Some(ViewSummary {
                    view: view_from_block(block).ok()?,
                    origin: stored.origin.clone(),
                    updated_at: stored.updated_at,
                })
            })
            .collect();
        views.sort_by(|a, b| a.view.name.cmp(&b.view.name));
        views
    }

    /// A view by name, ignoring case.
    pub fn view(&self, name: &str) -> Option<ViewSummary> {
        let folded = fold_name(name);
        self.views()
            .into_iter()
            .find(|summary| fold_name(&summary.view.name) == folded)
    }

    /// The entities a view lists: its filter evaluated as of `now` (every
    /// entity of its kind when it has none), in id order.
    pub fn view_rows(&self, view: &View) -> Result<EntitySet, Vec<Diagnostic>> {
        let Some(filter) = &view.filter else {
            return Ok(self.all_entities(view.kind));
        };
        let problems: Vec<Diagnostic> = validate_condition(filter, view.kind, &self.catalog())
            .into_iter()
            .filter(Diagnostic::is_error)
            .collect();
        if !problems.is_empty() {
            return Err(problems);
        }
        let rows = self
            .engine
            .query(view.kind, filter)
            .map_err(|error| vec![Diagnostic::error(error.0, filter.span())])?;
        Ok(self.entity_set(view.kind, &rows))
    }

    /// Saves a view: a new one (or one made in the terminal UI) as the UI's;
    /// one from a file rewritten in its file and the file applied again.
    /// `replacing` names the view it replaces, which renames it when the
    /// names differ.
    pub fn save_view(
        &mut self,
        view: &View,
        replacing: Option<&str>,
    ) -> Result<ApplyReport, SaveFailure> {
        let mut view = view.clone();
        view.name = view.name.trim().to_string();
        let view = &view;
        let original =
            match replacing {
                Some(name) => Some(self.stored_view(name).cloned().ok_or_else(|| {
                    name_problem(format!("there is no view named \"{name}\""), name)
                })?),
                None => None,
            };
        self.check_view(view, original.as_ref())?;
        self.save_block_text(
            DefinitionKind::View,
            &view.name,
            view_text(view),
            original.as_ref(),
        )
    }

    /// Deletes a view made in the terminal UI; one from a file goes when it
    /// is removed from its file.
    pub fn delete_view(&mut self, name: &str) -> Result<ApplyReport, DeleteViewFailure> {
        let Some(stored) = self.stored_view(name).cloned() else {
            return Err(DeleteViewFailure::Unknown {
                name: name.to_string(),
            });
        };
        if let Origin::File(path) = &stored.origin {
            return Err(DeleteViewFailure::DefinedInFile {
                name: stored.name,
                path: path.clone(),
            });
        }
        let next: Vec<StoredDefinition> = self
            .registry
            .stored()
            .filter(|d| !(d.kind == DefinitionKind::View && fold_name(&d.name) == fold_name(name)))
            .cloned()
            .collect();
        self.replace_definitions(next, ApplyReport::default())
            .map_err(|failure| match failure {
                super::ApplyFailure::Workspace(error) => DeleteViewFailure::Workspace(error),
                // Nothing refers to a view, so removing one leaves the
                // others as valid as they were.
                super::ApplyFailure::Invalid(_) => DeleteViewFailure::Workspace(
                    WorkspaceError::Definitions(format!("view \"{name}\" cannot be deleted")),
                ),
            })
    }

    /// The data's warnings about a `view` block: its condition's, and the
    /// properties its columns, sort and stages name that no entity has.
    pub(super) fn view_data_warnings(&self, block: &BlockDefinition) -> Vec<Diagnostic> {
        let Some(kind) = block.kind else {
            return Vec::new();
        };
        let mut warnings = Vec::new();
        for entry in &block.entries {
            match (entry.key.text.as_str(), &entry.subject) {
                ("where", _) => {
                    for argument in &entry.arguments {
                        if let Argument::Condition(condition) = argument {
                            warnings.extend(self.data_warnings(kind, condition));
                        }
                    }
                }
                ("columns", None) => {
                    let columns = entry.arguments.iter().flat_map(|argument| match argument {
                        Argument::List(literals) => literals.as_slice(),
                        _ => &[],
                    });
                    for column in columns {
                        if let Literal::String(name) = column {
                            let path = column_path(name, entry.span);
                            self.check_path(kind, &path, &mut warnings);
                        }
                    }
                }
                ("sort" | "stages", Some(Subject::Property(path))) => {
                    self.check_path(kind, path, &mut warnings);
                }
                _ => {}
            }
        }
        warnings
    }

    fn stored_view(&self, name: &str) -> Option<&StoredDefinition> {
        self.registry.stored_named(DefinitionKind::View, name)
    }

    /// A view about to be saved: its name free and well-formed, its entries
    /// as a `view` block allows, its filter's segments existing and of its
    /// kind.
    fn check_view(
        &self,
        view: &View,
        original: Option<&StoredDefinition>,
    ) -> Result<(), SaveFailure> {
        let name = view.name.trim();
        if name.is_empty() {
            return Err(name_problem(
                "the name cannot be empty".to_string(),
                &view.name,
            ));
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(name_problem(
                format!("a name is at most {MAX_NAME_CHARS} characters"),
                &view.name,
            ));
        }
        let taken = self.stored_view(name).filter(|stored| {
            original.is_none_or(|original| fold_name(&original.name) != fold_name(&stored.name))
        });
        if let Some(stored) = taken {
            return Err(name_problem(
                format!("there is already a view named \"{}\"", stored.name),
                &view.name,
            ));
        }
        // What the text says must read back as the same view.
        let text = view_text(view);
        let (file, diagnostics) = crate::lang::parse_file(&text);
        let read_back = match file.definitions.first() {
            Some(Definition::Block(block)) if diagnostics.is_empty() => view_from_block(block),
            _ => Err(diagnostics),
        };
        if let Err(diagnostics) = read_back {
            return Err(SaveFailure::Invalid {
                field: DraftField::Condition,
                diagnostics,
            });
        }
        if let Some(filter) = &view.filter {
            let problems: Vec<Diagnostic> = validate_condition(filter, view.kind, &self.catalog())
                .into_iter()
                .filter(Diagnostic::is_error)
                .collect();
            if !problems.is_empty() {
                return Err(SaveFailure::Invalid {
                    field: DraftField::Condition,
                    diagnostics: problems,
                });
            }
        }
        Ok(())
    }
}

/// A column as a view lists it (`plan`, `account.plan`), as a path located
/// at its entry.
fn column_path(column: &str, span: Span) -> PropertyPath {
    let (scope, name) = match column.strip_prefix("account.") {
        Some(rest) => (Scope::Account, rest),
        None => (Scope::Own, column),
    };
    PropertyPath {
        scope,
        name: name.to_string(),
        span,
    }
}
