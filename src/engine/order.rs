//! Putting rows in the order of one property, for list views and sorted
//! queries. Each row gets one integer key that orders like its value — the
//! type first (numbers, datetimes, texts, booleans), then the value; texts
//! by their first eight bytes, with runs of equal prefixes settled by the
//! whole text afterwards — so a million rows sort as integers, not by
//! comparing strings a million times. Missing values sort last whichever
//! way the sort goes; ties keep the order the rows came in.
//!
//! Lists order by their first element and `segments` by how many segments
//! an entity is in. Nothing here filters or evaluates conditions.

use super::Engine;
use super::table::{Cell, Column};
use crate::model::EntityKind;
use crate::model::view::SortOrder;

/// The key of a missing value: after every present one, either way.
const MISSING: u128 = u128::MAX;

/// The type classes, in the order they sort ascending.
const NUMBER: u128 = 0;
const DATETIME: u128 = 1;
const TEXT: u128 = 2;
const BOOL: u128 = 3;

/// Where a row's value comes from.
enum Source<'a> {
    Id,
    SegmentCount,
    Column(&'a Column),
    AccountColumn(&'a Column),
    Nothing,
}

impl Engine {
    /// Reorders `rows` (of `kind`) by `property`: `id`, `segments`, a
    /// property, or (users) `account.<name>`. Rows that tie stay in the
    /// order they were given.
    pub fn order_rows(&self, kind: EntityKind, rows: &mut [u32], property: &str, order: SortOrder) {
        let source = self.sort_source(kind, property);
        let mut keyed: Vec<(u128, u32)> = rows
            .iter()
            .map(|&row| (self.sort_key(kind, &source, row, order), row))
            .collect();
        // Stable: ties keep the given order (the caller's id order).
        keyed.sort_by_key(|(key, _)| *key);
        self.settle_text_ties(kind, &source, &mut keyed, order);
        for (slot, (_, row)) in rows.iter_mut().zip(keyed) {
            *slot = row;
        }
    }

    fn sort_source(&self, kind: EntityKind, property: &str) -> Source<'_> {
        if property == crate::model::ID {
            return Source::Id;
        }
        if property == crate::model::SEGMENTS {
            return Source::SegmentCount;
        }
        if kind == EntityKind::Users
            && let Some(name) = property.strip_prefix("account.")
        {
            return match self.accounts.column(name) {
                Some(column) => Source::AccountColumn(column),
                None => Source::Nothing,
            };
        }
        match self.table(kind).column(property) {
            Some(column) => Source::Column(column),
            None => Source::Nothing,
        }
    }

    fn sort_key(&self, kind: EntityKind, source: &Source, row: u32, order: SortOrder) -> u128 {
        let key = match source {
            Source::Id => Some(text_key(&self.table(kind).ids[row as usize])),
            Source::SegmentCount => {
                let count = self
                    .kinds
                    .iter()
                    .zip(&self.members)
                    .filter(|(segment_kind, members)| {
                        **segment_kind == kind && members.contains(row as usize)
                    })
                    .count();
                Some(number_key(count as f64))
            }
            Source::Column(column) => cell_key(column, column.cell(row as usize)),
            Source::AccountColumn(column) => self
                .account_of(row)
                .and_then(|account| cell_key(column, column.cell(account as usize))),
            Source::Nothing => None,
        };
        match (key, order) {
            (None, _) => MISSING,
            (Some(key), SortOrder::Ascending) => key,
            // Inverted within the present values; MISSING stays above them.
            (Some(key), SortOrder::Descending) => (MISSING - 1) - key,
        }
    }

    /// Rows whose keys are equal texts by their first eight bytes are put
    /// in the order of their whole texts (stably).
    fn settle_text_ties(
        &self,
        kind: EntityKind,
        source: &Source,
        keyed: &mut [(u128, u32)],
        order: SortOrder,
    ) {
        let text_of = |row: u32| -> Option<&str> {
            match source {
                Source::Id => Some(&self.table(kind).ids[row as usize]),
                Source::Column(column) => cell_text(column, column.cell(row as usize)),
                Source::AccountColumn(column) => self
                    .account_of(row)
                    .and_then(|account| cell_text(column, column.cell(account as usize))),
                Source::SegmentCount | Source::Nothing => None,
            }
        };
        if matches!(source, Source::SegmentCount | Source::Nothing) {
            return;
        }
        let mut start = 0;
        while start < keyed.len() {
            let key = keyed[start].0;
            let mut end = start + 1;
            while end < keyed.len() && keyed[end].0 == key {
                end += 1;
            }
            if end - start > 1 && key != MISSING {
                let run = &mut keyed[start..end];
                if text_of(run[0].1).is_some() {
                    run.sort_by(|a, b| {
                        let ordering = text_of(a.1).cmp(&text_of(b.1));
                        match order {
                            SortOrder::Ascending => ordering,
                            SortOrder::Descending => ordering.reverse(),
                        }
                    });
                }
            }
            start = end;
        }
    }
}

/// The text a cell sorts by, when it is a text (or a list starting with one).
fn cell_text(column: &Column, cell: Cell) -> Option<&str> {
    match cell {
        Cell::Text(code) => Some(column.dictionary.text(code)),
        Cell::List { start, len } if len > 0 => match column.list_items(start, len)[0] {
            Cell::Text(code) => Some(column.dictionary.text(code)),
            _ => None,
        },
        _ => None,
    }
}

fn cell_key(column: &Column, cell: Cell) -> Option<u128> {
    match cell {
        Cell::Missing => None,
        Cell::Text(code) => Some(text_key(column.dictionary.text(code))),
        Cell::Number(number) => Some(number_key(number)),
        Cell::DateTime(micros) => Some((DATETIME << 64) | u128::from((micros as u64) ^ (1 << 63))),
        Cell::Bool(value) => Some((BOOL << 64) | u128::from(value)),
        // An empty list is "not set", as the language counts it.
        Cell::List { start, len } => match len {
            0 => None,
            _ => cell_key(column, column.list_items(start, len)[0]),
        },
    }
}

/// Numbers in their total order (negative below positive, -0 below 0).
fn number_key(number: f64) -> u128 {
    let bits = number.to_bits();
    let ordered = if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    };
    (NUMBER << 64) | u128::from(ordered)
}

/// A text by its first eight bytes (code-point order is byte order in UTF-8).
fn text_key(text: &str) -> u128 {
    let mut prefix = [0u8; 8];
    let bytes = text.as_bytes();
    let take = bytes.len().min(8);
    prefix[..take].copy_from_slice(&bytes[..take]);
    (TEXT << 64) | u128::from(u64::from_be_bytes(prefix))
}
