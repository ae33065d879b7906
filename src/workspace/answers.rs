//! Answers: segments with their counts, entities matching a condition, one
//! entity in full, membership history. Nothing here changes anything.

use fixedbitset::FixedBitSet;

use super::Workspace;
use super::entity_set::{EntityRow, EntitySet};
use crate::lang::validate::{SegmentCatalog, validate_condition};
use crate::lang::{Diagnostic, parse_condition};
use crate::model::EntityKind;
use crate::model::{Origin, Properties};
use crate::store::{EventRecord, StoreError};

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
            .registry
            .segments()
            .filter_map(|(definition, segment)| {
                let (kind, members) = self.engine.members(&definition.name)?;
                Some(SegmentSummary {
                    name: definition.name.clone(),
                    kind,
                    description: segment.description.as_ref().map(|d| d.value.clone()),
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
    ) -> Result<crate::model::ast::Condition, Vec<Diagnostic>> {
        let condition = parse_condition(text)?;
        let diagnostics = validate_condition(&condition, kind, &self.catalog());
        if diagnostics.iter().any(Diagnostic::is_error) {
            return Err(diagnostics);
        }
        Ok(condition)
    }

    /// The entities of `kind` matching a condition, in id order.
    pub fn query(&self, kind: EntityKind, text: &str) -> Result<EntitySet, Vec<Diagnostic>> {
        let rows = self.matching_rows(kind, text)?;
        Ok(self.entity_set(kind, &rows))
    }

    /// The rows of `kind` matching a condition, as the engine answers.
    pub(super) fn matching_rows(
        &self,
        kind: EntityKind,
        text: &str,
    ) -> Result<FixedBitSet, Vec<Diagnostic>> {
        let condition = self.check_condition(kind, text)?;
        self.engine
            .query(kind, &condition)
            .map_err(|error| vec![Diagnostic::error(error.0, condition.span())])
    }

    /// One entity by id, with its computed segments and its links.
    pub fn entity(&self, kind: EntityKind, id: &str) -> Option<EntityView> {
        let row = self.engine.row_of(kind, id)?;
        Some(self.entity_at(EntityRow { kind, row }))
    }

    /// One entity of a set.
    pub fn entity_at(&self, entity: EntityRow) -> EntityView {
        let EntityRow { kind, row } = entity;
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
        let segment = filter.segment.as_deref().map(crate::model::fold_name);
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
                        .is_none_or(|s| crate::model::fold_name(&batch.segment) == s)
                    && filter.since.is_none_or(|since| batch.at >= since)
            },
            living,
        )?;
        Ok(match &filter.id {
            Some(id) => events.into_iter().filter(|e| &e.id == id).collect(),
            None => events,
        })
    }

    /// One entity's membership events, oldest first: (instant, segment,
    /// entered). Cheaper than [`Workspace::history`] with an id: nobody
    /// else's events become records.
    pub fn entity_history(
        &self,
        kind: EntityKind,
        id: &str,
    ) -> Result<Vec<(i64, String, bool)>, StoreError> {
        match self.engine.row_of(kind, id) {
            Some(row) => self.store.events_of(kind, row),
            None => Ok(Vec::new()),
        }
    }

    /// Every entity of a kind, in id order.
    pub fn all_entities(&self, kind: EntityKind) -> EntitySet {
        self.entity_set(kind, &self.engine.table(kind).alive)
    }

    /// How many entities of a kind there are.
    pub fn entity_count(&self, kind: EntityKind) -> usize {
        self.engine.table(kind).alive.count_ones(..)
    }

    /// The members of a segment (by name, ignoring case), in id order.
    pub fn segment_members(&self, name: &str) -> Option<EntitySet> {
        let (kind, members) = self.engine.members(name)?;
        Some(self.entity_set(kind, members))
    }

    /// Entities of `kind` that are members of any of the segments named.
    pub fn members_of_any(
        &self,
        kind: EntityKind,
        segments: &[String],
    ) -> Result<EntitySet, MembersError> {
        let mut selected = FixedBitSet::with_capacity(self.engine.table(kind).rows());
        for name in segments {
            let Some((segment_kind, members)) = self.engine.members(name) else {
                return Err(MembersError::UnknownSegment(name.clone()));
            };
            if segment_kind != kind {
                return Err(MembersError::WrongKind {
                    segment: name.clone(),
                    segment_kind,
                    wanted: kind,
                });
            }
            selected.union_with(members);
        }
        Ok(self.entity_set(kind, &selected))
    }

    /// Every segment's name and kind, in name order.
    pub fn segment_names(&self) -> Vec<(String, EntityKind)> {
        self.engine.segment_names()
    }

    /// Does a segment of this name (ignoring case) exist?
    pub fn has_segment(&self, name: &str) -> bool {
        self.engine.members(name).is_some()
    }

    pub(super) fn entity_set(&self, kind: EntityKind, rows: &FixedBitSet) -> EntitySet {
        let table = self.engine.table(kind);
        self.id_order
            .set_of(kind, table.generation(), &table.alive, rows, |row| {
                &table.ids[row as usize]
            })
    }
}

/// Why the members of segments cannot be listed.
#[derive(Clone, Debug, PartialEq)]
pub enum MembersError {
    UnknownSegment(String),
    WrongKind {
        segment: String,
        segment_kind: EntityKind,
        wanted: EntityKind,
    },
}

impl std::fmt::Display for MembersError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MembersError::UnknownSegment(name) => write!(f, "there is no segment named \"{name}\""),
            MembersError::WrongKind {
                segment,
                segment_kind,
                wanted,
            } => write!(
                f,
                "\"{segment}\" is a segment of {segment_kind}, not of {wanted}"
            ),
        }
    }
}

impl std::error::Error for MembersError {}
