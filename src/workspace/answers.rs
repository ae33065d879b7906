//! Answers: segments with their counts, entities matching a condition, one
//! entity in full, membership history. Nothing here changes anything.

use fixedbitset::FixedBitSet;

use super::Workspace;
use crate::lang::validate::{SegmentCatalog, validate_condition};
use crate::lang::{Diagnostic, parse_condition};
use crate::model::EntityKind;
use crate::model::{Origin, Properties};
use crate::store::{EventRecord, StoreError, StoredDefinitionKind};

/// A segment as listed by `segments` and the Segments screen.
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentSummary {
    pub name: String,
    pub kind: EntityKind,
    pub description: Option<String>,
    pub members: usize,
    /// Entities of the kind, for the share.
    pub of: usize,
    pub origin: Origin,
    pub updated_at: i64,
}

/// One entity in full.
#[derive(Clone, Debug, PartialEq)]
pub struct EntityView {
    pub kind: EntityKind,
    pub id: String,
    pub properties: Properties,
    pub segments: Vec<String>,
    /// (users) the account's id, when it exists.
    pub account: Option<String>,
    /// (accounts) how many users name it.
    pub users: Option<usize>,
}

/// Which membership events to list.
#[derive(Clone, Debug, Default)]
pub struct HistoryFilter {
    pub kind: Option<EntityKind>,
    pub id: Option<String>,
    pub segment: Option<String>,
    pub since: Option<i64>,
}

impl Workspace {
    /// The segments that exist, as a catalog for checking conditions.
    pub fn catalog(&self) -> SegmentCatalog {
        let mut catalog = SegmentCatalog::new();
        for (name, kind) in self.engine.segment_names() {
            catalog.insert(&name, kind);
        }
        catalog
    }

    /// Every segment with its member count, in name order.
    pub fn segments(&self) -> Vec<SegmentSummary> {
        let mut summaries: Vec<SegmentSummary> = self
            .definitions
            .iter()
            .filter(|d| d.kind == StoredDefinitionKind::Segment)
            .filter_map(|definition| {
                let (kind, members) = self.engine.members(&definition.name)?;
                Some(SegmentSummary {
                    name: definition.name.clone(),
                    kind,
                    description: description_of(&definition.text),
                    members: members.count_ones(..),
                    of: self.engine.table(kind).alive.count_ones(..),
                    origin: definition.origin.clone(),
                    updated_at: definition.updated_at,
                })
            })
            .collect();
        summaries.sort_by(|a, b| a.name.cmp(&b.name));
        summaries
    }

    /// Parses and checks a condition about `kind`; the diagnostics locate
    /// problems in `text`.
    pub fn check_condition(
        &self,
        kind: EntityKind,
        text: &str,
    ) -> Result<crate::lang::ast::Condition, Vec<Diagnostic>> {
        let condition = parse_condition(text)?;
        let diagnostics = validate_condition(&condition, kind, &self.catalog());
        if diagnostics.iter().any(Diagnostic::is_error) {
            return Err(diagnostics);
        }
        Ok(condition)
    }

    /// The rows of `kind` matching a condition.
    pub fn query(&self, kind: EntityKind, text: &str) -> Result<FixedBitSet, Vec<Diagnostic>> {
        let condition = self.check_condition(kind, text)?;
        self.engine
            .query(kind, &condition)
            .map_err(|error| vec![Diagnostic::error(error.0, condition.span())])
    }

    /// One entity by id, with its computed segments and its links.
    pub fn entity(&self, kind: EntityKind, id: &str) -> Option<EntityView> {
        let row = self.engine.row_of(kind, id)?;
        Some(self.entity_at(kind, row))
    }

    /// One entity by row.
    pub fn entity_at(&self, kind: EntityKind, row: u32) -> EntityView {
        let table = self.engine.table(kind);
        let (account, users) = match kind {
            EntityKind::Users => {
                let account = self
                    .engine
                    .account_of(row)
                    .map(|a| self.engine.table(EntityKind::Accounts).ids[a as usize].to_string());
                (account, None)
            }
            EntityKind::Accounts => (None, Some(self.engine.users_of_account(row).len())),
        };
        EntityView {
            kind,
            id: table.ids[row as usize].to_string(),
            properties: table.properties(row),
            segments: self.engine.segments_of(kind, row),
            account,
            users,
        }
    }

    /// Membership events, oldest first.
    pub fn history(&self, filter: &HistoryFilter) -> Result<Vec<EventRecord>, StoreError> {
        let segment = filter.segment.as_deref().map(crate::lang::validate::fold);
        let living = |kind: EntityKind, ordinal: u32| {
            self.engine
                .table(kind)
                .ids
                .get(ordinal as usize)
                .filter(|id| !id.is_empty())
                .map(|id| id.to_string())
        };
        let events = self.store.events(
            |batch| {
                filter.kind.is_none_or(|kind| kind == batch.kind)
                    && segment
                        .as_deref()
                        .is_none_or(|s| crate::lang::validate::fold(&batch.segment) == s)
                    && filter.since.is_none_or(|since| batch.at >= since)
            },
            living,
        )?;
        Ok(match &filter.id {
            Some(id) => events.into_iter().filter(|e| &e.id == id).collect(),
            None => events,
        })
    }

    /// All rows of a kind, in id order.
    pub fn rows_in_id_order(&self, kind: EntityKind, rows: &FixedBitSet) -> Vec<u32> {
        let table = self.engine.table(kind);
        let mut rows: Vec<u32> = rows.ones().map(|r| r as u32).collect();
        rows.sort_by(|a, b| table.ids[*a as usize].cmp(&table.ids[*b as usize]));
        rows
    }

    /// Every alive row of a kind.
    pub fn all_rows(&self, kind: EntityKind) -> FixedBitSet {
        self.engine.table(kind).alive.clone()
    }
}

fn description_of(text: &str) -> Option<String> {
    let (file, _) = crate::lang::parse_file(text);
    match file.definitions.into_iter().next() {
        Some(crate::lang::ast::Definition::Segment(segment)) => {
            segment.description.map(|d| d.value)
        }
        _ => None,
    }
}
