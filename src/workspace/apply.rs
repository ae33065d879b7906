//! Applying definition files: declarative per file, all or nothing.
//!
//! A file is the source of truth for the definitions it holds: applying it
//! adds and changes them, and removes those applied from it before that it no
//! longer holds. Definitions from other files or from the terminal UI are
//! left alone, and a file may not take over a name one of them holds.

use std::collections::{HashMap, HashSet};

use super::changes::MembershipCount;
use super::firing::triggers_by_name;
use super::registry::Registry;
use super::{Workspace, WorkspaceError};
use crate::lang::Diagnostic;
use crate::lang::destination::segment_filter_problems;
use crate::lang::format::format_file;
use crate::lang::validate::{
    SegmentCatalog, check_texts, definition_references, validate_condition,
};
use crate::lang::view::view_from_block;
use crate::model::ast::Node;
use crate::model::ast::{Definition, File, Span};
use crate::model::fold_name;
use crate::model::{DefinitionKind, Origin};
use crate::store::StoredDefinition;

/// A file's name (as given) and its text.
pub struct SourceText {
    pub origin: String,
    pub text: String,
}

/// What an apply changed.
#[derive(Debug, Default, PartialEq)]
pub struct ApplyReport {
    pub added: Vec<String>,
    pub changed: Vec<String>,
    pub removed: Vec<String>,
    pub unchanged: usize,
    /// (old name, new name) of segments renamed in the UI.
    pub renamed: Vec<(String, String)>,
    /// (segment, entered, exited)
    pub membership: Vec<MembershipCount>,
    /// Warnings per source, in the order given (the language's and the
    /// data's); they never stop an apply.
    pub warnings: Vec<Vec<Diagnostic>>,
}

/// Sources checked together with the database: the parsed files and every
/// diagnostic per source (errors, and warnings from the language and from
/// the data).
#[derive(Debug)]
pub struct CheckedSources {
    pub files: Vec<File>,
    pub diagnostics: Vec<Vec<Diagnostic>>,
}

impl CheckedSources {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().flatten().any(Diagnostic::is_error)
    }
}

/// Why nothing was applied.
#[derive(Debug)]
pub enum ApplyFailure {
    /// Diagnostics per source, in the order given.
    Invalid(Vec<Vec<Diagnostic>>),
    Workspace(WorkspaceError),
}

impl From<WorkspaceError> for ApplyFailure {
    fn from(error: WorkspaceError) -> ApplyFailure {
        ApplyFailure::Workspace(error)
    }
}

impl From<crate::store::StoreError> for ApplyFailure {
    fn from(error: crate::store::StoreError) -> ApplyFailure {
        ApplyFailure::Workspace(error.into())
    }
}

impl Workspace {
    /// Checks the sources together with what the database holds: references
    /// resolve against its definitions, names must not clash with another
    /// file's, and conditions are checked against its data (warnings).
    pub fn check_sources(&self, sources: &[SourceText]) -> CheckedSources {
        let origins: Vec<&str> = sources.iter().map(|s| s.origin.as_str()).collect();
        let mut catalog = SegmentCatalog::new();
        for definition in self.definitions_outside(&origins) {
            if definition.kind == DefinitionKind::Segment
                && let Some((kind, _)) = self.engine.members(&definition.name)
            {
                catalog.insert(&definition.name, kind);
            }
        }
        let texts: Vec<(&str, &str)> = sources
            .iter()
            .map(|s| (s.origin.as_str(), s.text.as_str()))
            .collect();
        let mut checked = check_texts(&texts, &catalog);
        let files: Vec<&File> = checked.iter().map(|(file, _)| file).collect();
        let left_broken = self.left_broken(&origins, &catalog, &files);
        for (index, (file, diagnostics)) in checked.iter_mut().enumerate() {
            diagnostics.extend(self.name_conflicts(file, &origins));
            for definition in &file.definitions {
                match definition {
                    Definition::Segment(segment) => {
                        diagnostics.extend(self.data_warnings(segment.kind, &segment.condition));
                    }
                    Definition::Block(block) if block.keyword == DefinitionKind::View => {
                        diagnostics.extend(self.view_data_warnings(block));
                    }
                    Definition::Block(block) if block.keyword == DefinitionKind::Destination => {
                        diagnostics.extend(self.destination_data_warnings(block));
                    }
                    Definition::Block(block) if block.keyword == DefinitionKind::Playbook => {
                        diagnostics.extend(self.playbook_data_warnings(block));
                    }
                    Definition::Block(_) => {}
                }
            }
            diagnostics.extend(
                left_broken
                    .iter()
                    .filter(|(source, _)| *source == index)
                    .map(|(_, diagnostic)| diagnostic.clone()),
            );
            diagnostics.sort_by_key(|d| d.span.start);
        }
        let (files, diagnostics) = checked.into_iter().unzip();
        CheckedSources { files, diagnostics }
    }

    /// Stored definitions that did not come from any of `origins`.
    fn definitions_outside<'a>(
        &'a self,
        origins: &'a [&str],
    ) -> impl Iterator<Item = &'a StoredDefinition> {
        self.registry
            .stored()
            .filter(move |definition| match &definition.origin {
                Origin::File(path) => !origins.contains(&path.as_str()),
                Origin::Interactive => true,
            })
    }

    /// Definitions from elsewhere (other files, the terminal UI) that these
    /// files would leave naming a segment that is gone or of another kind:
    /// each as an error of the file that held the segment (the first file
    /// when none did), at its start. `outside` holds the segments from
    /// elsewhere; `files` are the sources' trees.
    fn left_broken(
        &self,
        origins: &[&str],
        outside: &SegmentCatalog,
        files: &[&File],
    ) -> Vec<(usize, Diagnostic)> {
        let mut catalog = outside.clone();
        for file in files {
            for definition in &file.definitions {
                if let Definition::Segment(segment) = definition {
                    catalog.insert(&segment.name.text, segment.kind);
                }
            }
        }
        let mut broken = Vec::new();
        for entry in self.registry.entries() {
            let is_outside = match &entry.stored.origin {
                Origin::File(path) => !origins.contains(&path.as_str()),
                Origin::Interactive => true,
            };
            if !is_outside {
                continue;
            }
            let Some(problem) = unresolved_reference(&entry.definition, &catalog) else {
                continue;
            };
            let names: Vec<String> = definition_references(&entry.definition)
                .iter()
                .map(|name| fold_name(name))
                .collect();
            // The file that held one of the segments it names.
            let source = self
                .registry
                .segments()
                .filter(|(stored, _)| names.contains(&fold_name(&stored.name)))
                .find_map(|(stored, _)| match &stored.origin {
                    Origin::File(path) => origins.iter().position(|o| o == path),
                    Origin::Interactive => None,
                })
                .unwrap_or(0);
            let label = format!("{} \"{}\"", entry.stored.kind.keyword(), entry.stored.name);
            let diagnostic = Diagnostic::error(
                format!(
                    "{label} (in {}) would be left broken: {problem}",
                    describe_origin(&entry.stored.origin)
                ),
                Span::new(0, 0),
            )
            .with_help(format!(
                "keep the segment it uses, or change or delete {label} first"
            ));
            broken.push((source, diagnostic));
        }
        broken
    }

    /// Definitions in `file` whose names another file or the TUI holds.
    fn name_conflicts(&self, file: &File, origins: &[&str]) -> Vec<Diagnostic> {
        let mut diagnostics = Vec::new();
        for definition in &file.definitions {
            let kind = definition.kind();
            let name = definition.name();
            let holder = self.definitions_outside(origins).find(|stored| {
                stored.kind == kind && fold_name(&stored.name) == fold_name(&name.text)
            });
            if let Some(holder) = holder {
                diagnostics.push(
                    Diagnostic::error(
                        format!(
                            "a {} named \"{}\" is already defined in {}",
                            definition.kind().keyword(),
                            holder.name,
                            describe_origin(&holder.origin)
                        ),
                        name.span,
                    )
                    .with_help("rename this one, or remove the other first"),
                );
            }
        }
        diagnostics
    }

    /// Applies the sources: all their definitions or, on any error, none.
    pub fn apply(&mut self, sources: &[SourceText]) -> Result<ApplyReport, ApplyFailure> {
        let checked = self.check_sources(sources);
        if checked.has_errors() {
            return Err(ApplyFailure::Invalid(checked.diagnostics));
        }
        let CheckedSources {
            files,
            diagnostics: warnings,
        } = checked;
        let origins: Vec<&str> = sources.iter().map(|s| s.origin.as_str()).collect();
        let mut next: Vec<StoredDefinition> = self.definitions_outside(&origins).cloned().collect();
        let previous: HashMap<(DefinitionKind, String), &StoredDefinition> = self
            .registry
            .stored()
            .map(|d| ((d.kind, fold_name(&d.name)), d))
            .collect();
        let mut report = ApplyReport {
            warnings,
            ..ApplyReport::default()
        };
        for (source, file) in sources.iter().zip(&files) {
            for definition in &file.definitions {
                let kind = definition.kind();
                let name = definition.name().text.clone();
                let text = canonical_text(definition);
                let origin = Origin::File(source.origin.clone());
                let before = previous.get(&(kind, fold_name(&name)));
                let updated_at = match before {
                    Some(before) if before.text == text && before.origin == origin => {
                        report.unchanged += 1;
                        before.updated_at
                    }
                    Some(_) => {
                        report.changed.push(name.clone());
                        self.now
                    }
                    None => {
                        report.added.push(name.clone());
                        self.now
                    }
                };
                next.push(StoredDefinition {
                    name,
                    kind,
                    text,
                    origin,
                    updated_at,
                });
            }
        }
        self.replace_definitions(next, report)
    }

    /// Makes `next` the set of definitions: the engine's segments, the
    /// stored definitions, the membership they cause — in one transaction.
    /// `report` says what was added and changed; removals are found here.
    pub(super) fn replace_definitions(
        &mut self,
        next: Vec<StoredDefinition>,
        mut report: ApplyReport,
    ) -> Result<ApplyReport, ApplyFailure> {
        self.may_record()?;
        let kept: std::collections::HashSet<(DefinitionKind, String)> =
            next.iter().map(|d| (d.kind, fold_name(&d.name))).collect();
        let removed: Vec<StoredDefinition> = self
            .registry
            .stored()
            .filter(|d| !kept.contains(&(d.kind, fold_name(&d.name))))
            .cloned()
            .collect();
        report.removed = removed.iter().map(|d| d.name.clone()).collect();

        // Parsed once here; a definition that does not parse changes nothing.
        let registry = Registry::new(next)?;
        let specs = registry.specs(&self.store.disabled_playbooks()?);
        let playbooks = PlaybookChanges::between(&self.registry, &registry);
        let deltas = self
            .engine
            .set_segments_renaming(specs, &report.renamed)
            .map_err(|error| WorkspaceError::Definitions(error.to_string()))?;
        let old_registry = std::mem::replace(&mut self.registry, registry);
        match self.store_definitions(&removed, &playbooks, deltas, &report) {
            Ok(deltas) => {
                report.membership = super::changes::summarize(&deltas);
                Ok(report)
            }
            Err(error) => {
                // Nothing was stored: the snapshot goes back with the store.
                self.registry = old_registry;
                self.restore_engine()?;
                Err(error.into())
            }
        }
    }

    /// The store's half of [`Workspace::replace_definitions`], with the new
    /// registry and segments in place: one change, committed or not at all.
    fn store_definitions(
        &mut self,
        removed: &[StoredDefinition],
        playbooks: &PlaybookChanges,
        deltas: Vec<crate::engine::MembershipDelta>,
        report: &ApplyReport,
    ) -> Result<Vec<crate::engine::MembershipDelta>, crate::store::StoreError> {
        let change = self.store.begin()?;
        for definition in removed {
            change.delete_definition(definition.kind, &fold_name(&definition.name))?;
        }
        for definition in self.registry.stored() {
            change.put_definition(definition, &fold_name(&definition.name))?;
        }
        for folded in &playbooks.forgotten {
            change.forget_playbook(folded)?;
        }
        for folded in &playbooks.removed {
            change.set_playbook_disabled(folded, None)?;
        }
        let deltas = self.record_and_fire(&change, deltas, &playbooks.silent)?;
        for folded in &playbooks.restarted {
            change.forget_playbook_matches(folded)?;
            if let Some((_, matches)) = self.engine.trigger_matches(folded) {
                change.put_playbook_matches(folded, matches, None)?;
            }
        }
        // New, changed and removed segments get their stored members
        // rewritten whole: a name may now hold another kind's rows.
        for name in report
            .added
            .iter()
            .chain(&report.changed)
            .chain(&report.removed)
        {
            self.rewrite_members(&change, name)?;
        }
        change.commit()?;
        Ok(deltas)
    }

    /// Every stored definition (all kinds), as applied.
    pub fn definitions(&self) -> Vec<StoredDefinition> {
        self.registry.stored_list()
    }
}

/// How the playbooks of an apply differ from those before it (folded names).
struct PlaybookChanges {
    /// Gone: their state is forgotten, their runs log stays.
    removed: Vec<String>,
    /// Removed, or now about another kind: who matched and who fired once
    /// are forgotten.
    forgotten: Vec<String>,
    /// New, or with another `when` or kind: their matches are stored whole.
    restarted: Vec<String>,
    /// Of those, the ones that `skip existing`: what matches now does not fire.
    silent: HashSet<String>,
}

impl PlaybookChanges {
    fn between(before: &Registry, after: &Registry) -> PlaybookChanges {
        let old = triggers_by_name(before.playbooks());
        let new = triggers_by_name(after.playbooks());
        let mut changes = PlaybookChanges {
            removed: old
                .keys()
                .filter(|folded| !new.contains_key(*folded))
                .cloned()
                .collect(),
            forgotten: Vec::new(),
            restarted: Vec::new(),
            silent: HashSet::new(),
        };
        changes.forgotten = changes.removed.clone();
        for (folded, playbook) in &new {
            let restarted = match old.get(folded) {
                None => true,
                Some(previous) if previous.kind != playbook.kind => {
                    changes.forgotten.push(folded.clone());
                    true
                }
                Some(previous) => !previous.when.same_meaning(&playbook.when),
            };
            if restarted {
                changes.restarted.push(folded.clone());
                if playbook.skip_existing {
                    changes.silent.insert(folded.clone());
                }
            }
        }
        changes
    }
}

/// One definition alone, in canonical form (comments belong to the file).
pub fn canonical_text(definition: &Definition) -> String {
    let file = File {
        definitions: vec![definition.clone()],
        comments: Vec::new(),
    };
    format_file(&file, "")
}

/// The first reference of a definition that `catalog` does not satisfy
/// (a segment gone, or of another kind), as a message.
pub(super) fn unresolved_reference(
    definition: &Definition,
    catalog: &SegmentCatalog,
) -> Option<String> {
    let first_error = |diagnostics: Vec<Diagnostic>| {
        diagnostics
            .into_iter()
            .find(Diagnostic::is_error)
            .map(|d| d.message)
    };
    match definition {
        Definition::Segment(segment) => first_error(validate_condition(
            &segment.condition,
            segment.kind,
            catalog,
        )),
        Definition::Block(block) if block.keyword == DefinitionKind::View => {
            let view = view_from_block(block).ok()?;
            first_error(validate_condition(&view.filter?, view.kind, catalog))
        }
        Definition::Block(block) if block.keyword == DefinitionKind::Destination => {
            first_error(segment_filter_problems(block, catalog, None))
        }
        Definition::Block(_) => definition_references(definition)
            .into_iter()
            .find(|name| catalog.get(name).is_none())
            .map(|name| format!("there is no segment named \"{name}\"")),
    }
}

fn describe_origin(origin: &Origin) -> String {
    match origin {
        Origin::File(path) => path.clone(),
        Origin::Interactive => "the terminal UI".to_string(),
    }
}
