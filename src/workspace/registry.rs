//! The definitions the workspace holds, each parsed once when it enters
//! (at open and at every apply or save), with the one reference graph over
//! them. It answers what used to need a parse or a text search each time:
//! a segment's tree and description, the specs the engine compiles, and
//! who refers to a segment (for delete refusals), from the same graph the
//! engine orders segments by; and each playbook's meaning, whose `when`
//! the engine keeps as a trigger.

use super::WorkspaceError;
use crate::engine::SegmentSpec;
use crate::lang::parse_file;
use crate::lang::playbook::playbook_from_block;
use crate::lang::validate::definition_references;
use crate::model::DefinitionKind;
use crate::model::ast::{BlockDefinition, Definition, SegmentDefinition};
use crate::model::playbook::Playbook;
use crate::model::{ReferenceGraph, fold_name};
use crate::store::StoredDefinition;

/// One stored definition and its tree.
#[derive(Clone, Debug)]
pub struct Registered {
    pub stored: StoredDefinition,
    pub definition: Definition,
}

#[derive(Clone, Debug, Default)]
pub struct Registry {
    entries: Vec<Registered>,
    graph: ReferenceGraph<()>,
    /// Every playbook's meaning, in the order given.
    playbooks: Vec<Playbook>,
}

impl Registry {
    /// Parses every stored definition; one that no longer parses is an
    /// error naming it (its text was canonical when it was stored).
    pub fn new(stored: Vec<StoredDefinition>) -> Result<Registry, WorkspaceError> {
        let mut entries = Vec::with_capacity(stored.len());
        for definition in stored {
            let (file, diagnostics) = parse_file(&definition.text);
            let parsed = file.definitions.into_iter().next();
            match parsed {
                Some(tree) if diagnostics.is_empty() && tree.kind() == definition.kind => {
                    entries.push(Registered {
                        stored: definition,
                        definition: tree,
                    });
                }
                _ => {
                    return Err(WorkspaceError::Definitions(format!(
                        "the stored {} \"{}\" does not parse any more; re-apply its file",
                        definition.kind.keyword(),
                        definition.name
                    )));
                }
            }
        }
        let mut graph = ReferenceGraph::default();
        let mut playbooks = Vec::new();
        for entry in &entries {
            let references = definition_references(&entry.definition)
                .into_iter()
                .map(|name| (name, ()))
                .collect();
            graph.add(entry.definition.kind(), &entry.stored.name, references);
            if let Definition::Block(block) = &entry.definition
                && block.keyword == DefinitionKind::Playbook
            {
                let playbook = playbook_from_block(block).map_err(|_| {
                    WorkspaceError::Definitions(format!(
                        "the stored playbook \"{}\" is not valid any more; re-apply its file",
                        entry.stored.name
                    ))
                })?;
                playbooks.push(playbook);
            }
        }
        Ok(Registry {
            entries,
            graph,
            playbooks,
        })
    }

    /// Every playbook, in the order given.
    pub fn playbooks(&self) -> &[Playbook] {
        &self.playbooks
    }

    /// A playbook by name (ignoring case).
    pub fn playbook(&self, name: &str) -> Option<&Playbook> {
        let folded = fold_name(name);
        self.playbooks
            .iter()
            .find(|playbook| fold_name(&playbook.name) == folded)
    }

    /// Every stored definition, in the order they were given.
    pub fn stored(&self) -> impl Iterator<Item = &StoredDefinition> {
        self.entries.iter().map(|entry| &entry.stored)
    }

    /// Every definition, stored and parsed.
    pub fn entries(&self) -> &[Registered] {
        &self.entries
    }

    /// The blocks of one keyword (views, destinations), each with how it
    /// is stored.
    pub fn blocks(
        &self,
        keyword: DefinitionKind,
    ) -> impl Iterator<Item = (&BlockDefinition, &StoredDefinition)> {
        self.entries
            .iter()
            .filter_map(move |entry| match &entry.definition {
                Definition::Block(block) if block.keyword == keyword => {
                    Some((block, &entry.stored))
                }
                _ => None,
            })
    }

    /// The stored definition of a kind by name, ignoring case.
    pub fn stored_named(&self, kind: DefinitionKind, name: &str) -> Option<&StoredDefinition> {
        let folded = fold_name(name);
        self.stored()
            .find(|d| d.kind == kind && fold_name(&d.name) == folded)
    }

    /// The stored definitions, as a list to change and apply.
    pub fn stored_list(&self) -> Vec<StoredDefinition> {
        self.stored().cloned().collect()
    }

    /// Every segment with its tree.
    pub fn segments(&self) -> impl Iterator<Item = (&StoredDefinition, &SegmentDefinition)> {
        self.entries
            .iter()
            .filter_map(|entry| match &entry.definition {
                Definition::Segment(segment) => Some((&entry.stored, segment)),
                Definition::Block(_) => None,
            })
    }

    /// A segment by name (ignoring case).
    pub fn segment(&self, name: &str) -> Option<(&StoredDefinition, &SegmentDefinition)> {
        let folded = fold_name(name);
        self.segments()
            .find(|(stored, _)| fold_name(&stored.name) == folded)
    }

    /// The definitions that refer to segment `name`, as `segment "X"`.
    pub fn referrers(&self, name: &str) -> Vec<String> {
        self.graph
            .referrers(name)
            .into_iter()
            .map(|node| node.label())
            .collect()
    }

    /// What the engine compiles: every segment's name, kind and condition,
    /// then the trigger of every playbook not `disabled` (folded names).
    pub fn specs(&self, disabled: &std::collections::HashMap<String, i64>) -> Vec<SegmentSpec> {
        let segments = self.segments().map(|(stored, segment)| {
            SegmentSpec::segment(&stored.name, segment.kind, segment.condition.clone())
        });
        let triggers = self
            .playbooks
            .iter()
            .filter(|playbook| !disabled.contains_key(&fold_name(&playbook.name)))
            .map(|playbook| SegmentSpec {
                name: playbook.name.clone(),
                kind: playbook.kind,
                condition: playbook.when.clone(),
                trigger: true,
            });
        segments.chain(triggers).collect()
    }
}
