//! Editing one segment at a time, as the terminal UI does: a live preview of
//! a condition being typed, saving a draft, deleting a segment (and the
//! words for why one cannot be deleted, which every face shows as they are).
//!
//! A segment defined in a file stays defined by its file: saving an edit to
//! it rewrites that definition in the file, in canonical form and in place
//! (comments and the other definitions are kept), and applies the file again.
//! So the database and the file never disagree, and the file watcher sees the
//! same text it would have seen had the user edited the file. The file
//! rewrite itself is `segment_file`'s; a rename that carries references
//! along is `rename`'s.

use fixedbitset::FixedBitSet;

use super::apply::{ApplyFailure, ApplyReport, SourceText, canonical_text, unresolved_reference};
use super::segment_file::{FileEdit, read_file_segment, rewrite_definitions};
use super::{Workspace, WorkspaceError};
use crate::lang::validate::{
    MAX_NAME_CHARS, SegmentCatalog, SourceFile, rename_references, validate_condition,
    validate_files,
};
use crate::lang::{Diagnostic, parse_condition, parse_file};
use crate::model::ast::{Definition, File, Name, SegmentDefinition, Span, Text};
use crate::model::{DefinitionKind, EntityKind, Origin, fold_name};
use crate::store::StoredDefinition;

/// A segment as typed in the editor.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SegmentDraft {
    /// The segment being edited (`None` for a new one).
    pub original: Option<String>,
    pub name: String,
    pub kind: EntityKindChoice,
    pub description: String,
    pub condition: String,
    /// The definition's canonical text when the editor opened it. Saving
    /// into a file refuses when the file's definition is no longer that
    /// (another editor changed it); `None` overwrites whatever is there.
    pub based_on: Option<String>,
}

/// The kind of a draft (a newtype so drafts can default to users).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntityKindChoice(pub EntityKind);

impl Default for EntityKindChoice {
    fn default() -> EntityKindChoice {
        EntityKindChoice(EntityKind::Users)
    }
}

/// Which part of a draft a problem is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DraftField {
    Name,
    Condition,
}

/// Why a draft cannot be saved.
#[derive(Debug)]
pub enum SaveFailure {
    /// Problems in a field; condition diagnostics locate spans in the
    /// condition's text.
    Invalid {
        field: DraftField,
        diagnostics: Vec<Diagnostic>,
    },
    /// The definition's file cannot be rewritten.
    File(String),
    /// The definition changed in its file since the editor opened it.
    ChangedOnDisk {
        name: String,
        path: String,
    },
    /// A rename of a segment that others refer to by name (as `segment
    /// "X"`); [`Workspace::rename_segment_updating_references`] does both.
    ReferencedRename {
        old: String,
        new: String,
        referrers: Vec<String>,
    },
    Workspace(WorkspaceError),
}

impl SaveFailure {
    /// One line for a status bar.
    pub fn summary(&self) -> String {
        match self {
            SaveFailure::Invalid { diagnostics, .. } => diagnostics.first().map_or_else(
                || "the segment is not valid".to_string(),
                |d| d.message.clone(),
            ),
            SaveFailure::File(message) => message.clone(),
            SaveFailure::ChangedOnDisk { name, path } => {
                format!("\"{name}\" changed in {path} since the editor opened it")
            }
            SaveFailure::ReferencedRename {
                old,
                new,
                referrers,
            } => super::rename::renaming_referenced(old, new, referrers),
            SaveFailure::Workspace(error) => error.to_string(),
        }
    }
}

impl From<ApplyFailure> for SaveFailure {
    fn from(failure: ApplyFailure) -> SaveFailure {
        match failure {
            ApplyFailure::Workspace(error) => SaveFailure::Workspace(error),
            ApplyFailure::Invalid(files) => SaveFailure::Invalid {
                field: DraftField::Condition,
                diagnostics: files
                    .into_iter()
                    .flatten()
                    .filter(Diagnostic::is_error)
                    .collect(),
            },
        }
    }
}

/// Why a segment cannot be deleted; nothing was changed. Its messages are
/// the only ones saying so, for every face.
#[derive(Debug)]
pub enum DeleteSegmentFailure {
    Unknown {
        name: String,
    },
    /// Other definitions refer to it (each as `segment "Name"`).
    Referenced {
        name: String,
        referrers: Vec<String>,
    },
    /// A file defines it: it goes when it is removed from the file.
    DefinedInFile {
        name: String,
        path: String,
    },
    /// The segments left would not be valid (errors only).
    LeavesOthersInvalid {
        name: String,
        diagnostics: Vec<Diagnostic>,
    },
    Workspace(WorkspaceError),
}

impl DeleteSegmentFailure {
    /// One line for a status bar: as [`std::fmt::Display`], with a file
    /// named by its last part.
    pub fn summary(&self) -> String {
        match self {
            DeleteSegmentFailure::DefinedInFile { name, path } => {
                defined_in_file(name, &short_file_name(path))
            }
            other => other.to_string(),
        }
    }
}

fn defined_in_file(name: &str, file: &str) -> String {
    format!("\"{name}\" is defined in {file}: remove it from the file")
}

fn short_file_name(path: &str) -> String {
    std::path::Path::new(path).file_name().map_or_else(
        || path.to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

impl std::fmt::Display for DeleteSegmentFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeleteSegmentFailure::Unknown { name } => {
                write!(f, "there is no segment named \"{name}\"")
            }
            DeleteSegmentFailure::Referenced { name, referrers } => write!(
                f,
                "\"{name}\" cannot be deleted: {} refer{} to it",
                referrers.join(", "),
                if referrers.len() == 1 { "s" } else { "" }
            ),
            DeleteSegmentFailure::DefinedInFile { name, path } => {
                f.write_str(&defined_in_file(name, path))
            }
            DeleteSegmentFailure::LeavesOthersInvalid { name, diagnostics } => {
                write!(
                    f,
                    "\"{name}\" cannot be deleted: the segments left would not be valid"
                )?;
                match diagnostics.first() {
                    Some(first) => write!(f, " ({})", first.message),
                    None => Ok(()),
                }
            }
            DeleteSegmentFailure::Workspace(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for DeleteSegmentFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DeleteSegmentFailure::Workspace(error) => Some(error),
            _ => None,
        }
    }
}

/// What a condition would select, against the segment's saved members.
#[derive(Clone, Debug, PartialEq)]
pub struct Preview {
    pub members: usize,
    pub of: usize,
    /// Would enter / leave compared with the saved segment.
    pub entering: usize,
    pub leaving: usize,
    /// The first matching entities' ids.
    pub sample: Vec<String>,
    /// The language's and the data's warnings about the condition.
    pub warnings: Vec<Diagnostic>,
}

/// How many matching entities a preview lists.
pub const PREVIEW_SAMPLE: usize = 8;

impl Workspace {
    /// Evaluates a condition being typed: its members, and who would enter
    /// or leave `original` if it were saved. It is checked as saving checks
    /// it: in place of `original`, a cycle through the segments that refer
    /// to it, or a referrer left with a segment of the wrong kind, is an
    /// error here too (spanning the whole condition, since the problem is
    /// in how the segments fit together).
    pub fn preview(
        &self,
        kind: EntityKind,
        condition: &str,
        original: Option<&str>,
    ) -> Result<Preview, Vec<Diagnostic>> {
        let matching = self.matching_rows(kind, condition)?;
        if let Some(original) = original {
            let parsed = parse_condition(condition)?;
            let span = parsed.span();
            let as_saved = SegmentDefinition {
                name: Name {
                    text: original.to_string(),
                    span: Span::default(),
                },
                kind,
                description: None,
                condition: parsed,
                span: Span::default(),
            };
            if let Err(SaveFailure::Invalid { diagnostics, .. }) =
                self.check_whole(&as_saved, Some(original), None)
            {
                return Err(diagnostics
                    .into_iter()
                    .map(|d| Diagnostic { span, ..d })
                    .collect());
            }
        }
        let empty = FixedBitSet::new();
        let saved = original
            .and_then(|name| self.engine.members(name))
            .filter(|(saved_kind, _)| *saved_kind == kind)
            .map_or(&empty, |(_, bits)| bits);
        let table = self.engine.table(kind);
        // Examples read better with a name or an e-mail beside the id.
        let label = ["name", "email", "domain"]
            .iter()
            .find_map(|property| table.column(property));
        let sample = matching
            .ones()
            .take(PREVIEW_SAMPLE)
            .map(|row| {
                let id = &table.ids[row];
                match label.and_then(|column| column.value(column.cell(row))) {
                    Some(value) => format!("{id} ({value})"),
                    None => id.to_string(),
                }
            })
            .collect();
        Ok(Preview {
            members: matching.count_ones(..),
            of: table.alive.count_ones(..),
            entering: matching.difference_count(saved),
            leaving: saved.difference_count(&matching),
            sample,
            warnings: self.condition_warnings(kind, condition),
        })
    }

    /// The stored definition of a segment, and its tree.
    pub fn segment_definition(
        &self,
        name: &str,
    ) -> Option<(&StoredDefinition, &SegmentDefinition)> {
        self.registry.segment(name)
    }

    /// The definitions (of any kind) that refer to segment `name`, as
    /// `segment "X"`, from the reference graph.
    pub fn referrers(&self, name: &str) -> Vec<String> {
        self.registry.referrers(name)
    }

    /// Checks a draft against everything else; returns its definition.
    pub fn check_draft(&self, draft: &SegmentDraft) -> Result<SegmentDefinition, SaveFailure> {
        let definition = self.check_draft_alone(draft)?;
        let name = definition.name.text.as_str();
        if let Some(original) = draft.original.as_deref()
            && fold_name(original) != fold_name(name)
        {
            let referrers = self.referrers(original);
            if !referrers.is_empty() {
                return Err(SaveFailure::ReferencedRename {
                    old: original.to_string(),
                    new: name.to_string(),
                    referrers,
                });
            }
        }
        self.check_whole(&definition, draft.original.as_deref(), None)?;
        Ok(definition)
    }

    /// The draft's own fields: its name, and its condition parsed and
    /// validated against the other segments' names and kinds.
    pub(super) fn check_draft_alone(
        &self,
        draft: &SegmentDraft,
    ) -> Result<SegmentDefinition, SaveFailure> {
        let invalid = |field, diagnostics| SaveFailure::Invalid { field, diagnostics };
        let name = draft.name.trim();
        let name_problem = if name.is_empty() {
            Some("the name cannot be empty".to_string())
        } else if name.chars().count() > MAX_NAME_CHARS {
            Some(format!("a name is at most {MAX_NAME_CHARS} characters"))
        } else {
            let taken = self.segment_definition(name).filter(|(stored, _)| {
                draft
                    .original
                    .as_deref()
                    .is_none_or(|original| fold_name(original) != fold_name(&stored.name))
            });
            taken.map(|(stored, _)| format!("there is already a segment named \"{}\"", stored.name))
        };
        if let Some(problem) = name_problem {
            return Err(invalid(
                DraftField::Name,
                vec![Diagnostic::error(problem, Span::new(0, draft.name.len()))],
            ));
        }
        let condition =
            parse_condition(&draft.condition).map_err(|d| invalid(DraftField::Condition, d))?;
        let mut catalog = SegmentCatalog::new();
        for (segment, kind) in self.engine.segment_names() {
            if draft
                .original
                .as_deref()
                .is_none_or(|o| fold_name(o) != fold_name(&segment))
            {
                catalog.insert(&segment, kind);
            }
        }
        catalog.insert(name, draft.kind.0);
        let diagnostics = validate_condition(&condition, draft.kind.0, &catalog);
        if diagnostics.iter().any(Diagnostic::is_error) {
            return Err(invalid(DraftField::Condition, diagnostics));
        }
        let definition = SegmentDefinition {
            name: Name {
                text: name.to_string(),
                span: Span::default(),
            },
            kind: draft.kind.0,
            description: Some(draft.description.trim())
                .filter(|d| !d.is_empty())
                .map(|d| Text {
                    value: d.to_string(),
                    span: Span::default(),
                }),
            condition,
            span: Span::default(),
        };
        Ok(definition)
    }

    /// Cycles and references broken by a rename, found by validating every
    /// segment together with the draft in place of its original.
    /// With `rename` (old, new), the others are checked with their
    /// references to the old name renamed.
    pub(super) fn check_whole(
        &self,
        draft: &SegmentDefinition,
        original: Option<&str>,
        rename: Option<(&str, &str)>,
    ) -> Result<(), SaveFailure> {
        let replaced = original
            .map(fold_name)
            .unwrap_or_else(|| fold_name(&draft.name.text));
        // The other segments as the registry holds them, parsed once when
        // they were stored (a rename changes the trees of its referrers).
        let others: Vec<(&StoredDefinition, File)> = self
            .registry
            .entries()
            .iter()
            .filter(|e| {
                e.stored.kind == DefinitionKind::Segment && fold_name(&e.stored.name) != replaced
            })
            .map(|e| {
                let mut definition = e.definition.clone();
                if let Some((old, new)) = rename {
                    rename_references(&mut definition, old, new);
                }
                let file = File {
                    definitions: vec![definition],
                    comments: Vec::new(),
                };
                (&e.stored, file)
            })
            .collect();
        let draft_text = canonical_text(&Definition::Segment(draft.clone()));
        let (draft_file, _) = parse_file(&draft_text);
        let mut sources: Vec<SourceFile> = others
            .iter()
            .map(|(stored, file)| SourceFile {
                origin: &stored.name,
                text: &stored.text,
                file,
            })
            .collect();
        sources.push(SourceFile {
            origin: "draft",
            text: &draft_text,
            file: &draft_file,
        });
        let results = validate_files(&sources, &SegmentCatalog::new());
        let mut problems: Vec<Diagnostic> = Vec::new();
        for (index, list) in results.into_iter().enumerate() {
            for diagnostic in list.into_iter().filter(Diagnostic::is_error) {
                // A problem in another segment (one that refers to the old
                // name of a renamed segment, say) names that segment.
                let message = match others.get(index) {
                    Some((stored, _)) => {
                        format!("segment \"{}\": {}", stored.name, diagnostic.message)
                    }
                    None => diagnostic.message,
                };
                problems.push(Diagnostic::error(message, Span::new(0, 0)));
            }
        }
        problems.extend(self.views_and_destinations_left_broken(draft, &others, rename));
        if problems.is_empty() {
            Ok(())
        } else {
            Err(SaveFailure::Invalid {
                field: DraftField::Condition,
                diagnostics: problems,
            })
        }
    }

    /// The views and destinations that would name a segment that is gone
    /// or of another kind once the draft is saved over its original (a
    /// segment turned from users to accounts, say), each as an error that
    /// names it.
    fn views_and_destinations_left_broken(
        &self,
        draft: &SegmentDefinition,
        others: &[(&StoredDefinition, File)],
        rename: Option<(&str, &str)>,
    ) -> Vec<Diagnostic> {
        let mut catalog = SegmentCatalog::from_files(others.iter().map(|(_, file)| file));
        catalog.insert(&draft.name.text, draft.kind);
        let mut problems = Vec::new();
        for entry in self.registry.entries() {
            if entry.stored.kind == DefinitionKind::Segment {
                continue;
            }
            let mut definition = entry.definition.clone();
            if let Some((old, new)) = rename {
                rename_references(&mut definition, old, new);
            }
            if let Some(problem) = unresolved_reference(&definition, &catalog) {
                let message = format!(
                    "{} \"{}\": {problem}",
                    entry.stored.kind.keyword(),
                    entry.stored.name
                );
                problems.push(Diagnostic::error(message, Span::new(0, 0)));
            }
        }
        problems
    }

    /// Saves a draft: into its file when the segment came from one,
    /// otherwise as a segment of the terminal UI.
    pub fn save_segment(&mut self, draft: &SegmentDraft) -> Result<ApplyReport, SaveFailure> {
        let definition = self.check_draft(draft)?;
        let text = canonical_text(&Definition::Segment(definition.clone()));
        let original = draft
            .original
            .as_deref()
            .and_then(|name| self.segment_definition(name))
            .map(|(stored, _)| stored.clone());
        if let Some(StoredDefinition {
            origin: Origin::File(path),
            name,
            ..
        }) = &original
        {
            return self.save_into_file(
                DefinitionKind::Segment,
                path,
                name,
                &text,
                draft.based_on.as_deref(),
            );
        }
        let mut next: Vec<StoredDefinition> = self
            .registry
            .stored()
            .filter(|d| {
                !(d.kind == DefinitionKind::Segment
                    && original
                        .as_ref()
                        .is_some_and(|o| fold_name(&o.name) == fold_name(&d.name)))
            })
            .cloned()
            .collect();
        next.push(StoredDefinition {
            name: definition.name.text.clone(),
            kind: DefinitionKind::Segment,
            text,
            origin: Origin::Interactive,
            updated_at: self.now,
        });
        let mut report = ApplyReport::default();
        match &original {
            Some(original) => {
                report.changed.push(definition.name.text.clone());
                if fold_name(&original.name) != fold_name(&definition.name.text) {
                    report
                        .renamed
                        .push((original.name.clone(), definition.name.text.clone()));
                }
            }
            None => report.added.push(definition.name.text.clone()),
        }
        Ok(self.replace_definitions(next, report)?)
    }

    /// Rewrites the definition of `kind` named `name` in `path` with `text`
    /// and applies the file.
    pub(super) fn save_into_file(
        &mut self,
        kind: DefinitionKind,
        path: &str,
        name: &str,
        text: &str,
        based_on: Option<&str>,
    ) -> Result<ApplyReport, SaveFailure> {
        let edit = FileEdit {
            kind,
            name: name.to_string(),
            expected: based_on.map(str::to_string),
            text: text.to_string(),
        };
        let updated = rewrite_definitions(path, &[edit])?;
        let source = SourceText {
            origin: path.to_string(),
            text: updated.clone(),
        };
        // Check before touching the file: a file that would not apply is
        // never written.
        let checked = self.check_sources(std::slice::from_ref(&source));
        if checked.has_errors() {
            return Err(SaveFailure::from(ApplyFailure::Invalid(
                checked.diagnostics,
            )));
        }
        crate::files::write_replacing(std::path::Path::new(path), &updated).map_err(|error| {
            SaveFailure::File(format!(
                "cannot write {path}: {}",
                crate::os_error::reason(&error)
            ))
        })?;
        Ok(self.apply(&[source])?)
    }

    /// A segment as its file holds it now, and its canonical text (to
    /// reload an editor whose file changed under it).
    pub fn segment_in_file(
        &self,
        path: &str,
        name: &str,
    ) -> Result<(SegmentDefinition, String), SaveFailure> {
        let (_, file, index) = read_file_segment(path, name)?;
        match file.definitions.into_iter().nth(index) {
            Some(Definition::Segment(segment)) => {
                let text = canonical_text(&Definition::Segment(segment.clone()));
                Ok((segment, text))
            }
            _ => Err(SaveFailure::File(format!(
                "segment \"{name}\" is no longer in {path}"
            ))),
        }
    }

    /// Can segment `name` be deleted? Not while anything refers to it, nor
    /// when a file defines it (the file is its truth). The faces ask this
    /// before asking the user to confirm.
    pub fn check_segment_deletion(&self, name: &str) -> Result<(), DeleteSegmentFailure> {
        let Some((stored, _)) = self.segment_definition(name) else {
            return Err(DeleteSegmentFailure::Unknown {
                name: name.to_string(),
            });
        };
        let referrers = self.referrers(name);
        if !referrers.is_empty() {
            return Err(DeleteSegmentFailure::Referenced {
                name: stored.name.clone(),
                referrers,
            });
        }
        if let Origin::File(path) = &stored.origin {
            return Err(DeleteSegmentFailure::DefinedInFile {
                name: stored.name.clone(),
                path: path.clone(),
            });
        }
        Ok(())
    }

    /// Deletes a segment made in the terminal UI (see
    /// [`Workspace::check_segment_deletion`] for when it refuses).
    pub fn delete_segment(&mut self, name: &str) -> Result<ApplyReport, DeleteSegmentFailure> {
        self.check_segment_deletion(name)?;
        let next: Vec<StoredDefinition> = self
            .registry
            .stored()
            .filter(|d| {
                !(d.kind == DefinitionKind::Segment && fold_name(&d.name) == fold_name(name))
            })
            .cloned()
            .collect();
        self.replace_definitions(next, ApplyReport::default())
            .map_err(|failure| match failure {
                ApplyFailure::Workspace(error) => DeleteSegmentFailure::Workspace(error),
                ApplyFailure::Invalid(files) => DeleteSegmentFailure::LeavesOthersInvalid {
                    name: name.to_string(),
                    diagnostics: files
                        .into_iter()
                        .flatten()
                        .filter(Diagnostic::is_error)
                        .collect(),
                },
            })
    }

    /// Property names of `kind` with the types their values have.
    pub fn property_types(&self, kind: EntityKind) -> Vec<(String, String)> {
        let table = self.engine.table(kind);
        let mut names: Vec<(String, String)> = table
            .columns()
            .map(|(name, column)| (name.clone(), crate::engine::type_label(column)))
            .collect();
        names.push(("id".to_string(), "text".to_string()));
        names.push(("segments".to_string(), "list".to_string()));
        names.sort();
        names
    }
}

/// A problem with a definition's name, located at the name field.
pub(super) fn name_problem(message: String, name: &str) -> SaveFailure {
    SaveFailure::Invalid {
        field: DraftField::Name,
        diagnostics: vec![Diagnostic::error(message, Span::new(0, name.len()))],
    }
}
