//! Sets of entities as the workspace hands them to the faces: which kind,
//! how many, and the entities in order (id order, unless the set was
//! sorted by a property), a page at a time. The bitsets
//! the engine answers with stay inside the workspace; a face sees only
//! this type, so the engine's representation can change without them.

use std::cell::RefCell;

use fixedbitset::FixedBitSet;

use crate::model::EntityKind;

/// One entity of a set: what [`Workspace::entity_at`](super::Workspace::entity_at)
/// turns into a view. Only the workspace makes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EntityRow {
    pub(super) kind: EntityKind,
    pub(super) row: u32,
}

impl EntityRow {
    pub fn kind(&self) -> EntityKind {
        self.kind
    }
}

/// Entities of one kind, in order.
#[derive(Clone, Debug)]
pub struct EntitySet {
    kind: EntityKind,
    /// The rows, in the set's order.
    rows: Vec<u32>,
}

impl EntitySet {
    /// The set of `rows`, put in id order by `id_of`.
    pub(super) fn new<'a>(
        kind: EntityKind,
        rows: &FixedBitSet,
        id_of: &impl Fn(u32) -> &'a str,
    ) -> EntitySet {
        let mut in_id_order: Vec<u32> = rows.ones().map(|row| row as u32).collect();
        in_id_order.sort_by(|a, b| id_of(*a).cmp(id_of(*b)));
        EntitySet {
            kind,
            rows: in_id_order,
        }
    }

    /// The set of `rows`, in the order given.
    pub(super) fn in_order(kind: EntityKind, rows: Vec<u32>) -> EntitySet {
        EntitySet { kind, rows }
    }

    pub(super) fn rows(&self) -> &[u32] {
        &self.rows
    }

    pub fn kind(&self) -> EntityKind {
        self.kind
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Every entity, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = EntityRow> + '_ {
        self.page(0, self.len())
    }

    /// At most `limit` entities from the `offset`-th on, in order.
    pub fn page(
        &self,
        offset: usize,
        limit: usize,
    ) -> impl ExactSizeIterator<Item = EntityRow> + '_ {
        let start = offset.min(self.len());
        let end = start.saturating_add(limit).min(self.len());
        let kind = self.kind;
        self.rows[start..end]
            .iter()
            .map(move |&row| EntityRow { kind, row })
    }
}

/// The living rows of each kind in id order, kept between answers and
/// made again only when rows came, went or changed ids (the engine's table
/// generation says so): a set of a million entities is then put in id
/// order by one pass over this order, not by sorting a million ids.
#[derive(Debug, Default)]
pub(super) struct IdOrder {
    users: RefCell<Option<(u64, Vec<u32>)>>,
    accounts: RefCell<Option<(u64, Vec<u32>)>>,
}

impl IdOrder {
    /// `rows` of `kind` in id order; `generation` is the kind's table
    /// generation now, `alive` its living rows.
    pub(super) fn set_of<'a>(
        &self,
        kind: EntityKind,
        generation: u64,
        alive: &FixedBitSet,
        rows: &FixedBitSet,
        id_of: impl Fn(u32) -> &'a str,
    ) -> EntitySet {
        let cell = match kind {
            EntityKind::Users => &self.users,
            EntityKind::Accounts => &self.accounts,
        };
        let mut cached = cell.borrow_mut();
        let stale = cached.as_ref().is_none_or(|(at, _)| *at != generation);
        if stale {
            let all = EntitySet::new(kind, alive, &id_of);
            *cached = Some((generation, all.rows));
        }
        let order = cached
            .as_ref()
            .map_or(&[][..], |(_, order)| order.as_slice());
        let rows: Vec<u32> = if rows.is_superset(alive) {
            order.to_vec()
        } else {
            order
                .iter()
                .copied()
                .filter(|&row| rows.contains(row as usize))
                .collect()
        };
        EntitySet { kind, rows }
    }
}
