//! Putting rows in the order of one property, for list views and sorted
//! queries. Each row gets one integer key that orders like its value — the
//! type first (numbers, datetimes, texts, booleans), then the value — and
//! the rows sort by those integers with a stable radix sort over only the
//! bytes in which the keys differ, packed small (a number column of counts
//! takes two or three passes over eight-byte items), not by comparing
//! values twenty times per row. Texts key by their rank in the column's
//! dictionary when it holds far fewer texts than there are rows (its texts
//! are sorted once, not the rows); otherwise by their first eight bytes,
//! with runs of equal prefixes settled by the whole text afterwards.
//! Missing values sort last whichever way the sort goes; ties keep the
//! order the rows came in.
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

/// Sorting prepared on the thread that holds the engine and run anywhere:
/// the rows, their keys and, where texts tie on their first bytes, a copy
/// of the texts that settle them. Preparing reads each row once (and
/// copies a column's text buffer whole); running is the sort.
pub struct SortWork {
    rows: Vec<u32>,
    keys: Vec<u128>,
    ties: Option<TieTexts>,
    order: SortOrder,
}

/// The texts of the rows being sorted, for keys that tie: one buffer, the
/// starts of its texts, and each row's text (by position) in it.
struct TieTexts {
    bytes: String,
    starts: Vec<usize>,
    codes: Vec<u32>,
}

/// No text for this row.
const NO_TEXT: u32 = u32::MAX;

impl TieTexts {
    fn text(&self, position: u32) -> Option<&str> {
        let code = *self.codes.get(position as usize)?;
        if code == NO_TEXT {
            return None;
        }
        let code = code as usize;
        self.bytes.get(self.starts[code]..self.starts[code + 1])
    }
}

impl SortWork {
    /// The rows in order (stably: ties keep the order they were given in).
    pub fn run(self) -> Vec<u32> {
        let positions = sorted_positions(&self.keys);
        let Some(ties) = &self.ties else {
            return positions
                .into_iter()
                .map(|at| self.rows[at as usize])
                .collect();
        };
        let mut keyed: Vec<(u128, u32)> = positions
            .into_iter()
            .map(|at| (self.keys[at as usize], at))
            .collect();
        settle_text_ties(ties, &mut keyed, self.order);
        keyed
            .into_iter()
            .map(|(_, at)| self.rows[at as usize])
            .collect()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

impl Engine {
    /// `rows` (of `kind`) in the order of `property`: `id`, `segments`, a
    /// property, or (users) `account.<name>`. Rows that tie stay in the
    /// order they were given.
    pub fn ordered_rows(
        &self,
        kind: EntityKind,
        rows: &[u32],
        property: &str,
        order: SortOrder,
    ) -> Vec<u32> {
        self.sort_work(kind, rows.to_vec(), property, order).run()
    }

    /// What [`Engine::ordered_rows`] does, prepared to run on another thread.
    pub fn sort_work(
        &self,
        kind: EntityKind,
        rows: Vec<u32>,
        property: &str,
        order: SortOrder,
    ) -> SortWork {
        let source = self.sort_source(kind, property);
        let ranks = text_ranks(&source, rows.len());
        let keys: Vec<u128> = rows
            .iter()
            .map(|&row| self.sort_key(kind, &source, ranks.as_deref(), row, order))
            .collect();
        let texts_by_prefix = ranks.is_none()
            && match source {
                Source::Id => true,
                Source::Column(column) | Source::AccountColumn(column) => {
                    !column.dictionary.is_empty()
                }
                Source::SegmentCount | Source::Nothing => false,
            };
        let ties = texts_by_prefix.then(|| self.tie_texts(kind, &source, &rows));
        SortWork {
            rows,
            keys,
            ties,
            order,
        }
    }

    /// The texts that settle ties: a column's whole text buffer (copied at
    /// once) and each row's code in it, or the rows' ids in a new buffer.
    fn tie_texts(&self, kind: EntityKind, source: &Source, rows: &[u32]) -> TieTexts {
        let code_of = |column: &Column, row: u32| match column.cell(row as usize) {
            Cell::Text(code) => code,
            Cell::List { start, len } if len > 0 => match column.list_items(start, len)[0] {
                Cell::Text(code) => code,
                _ => NO_TEXT,
            },
            _ => NO_TEXT,
        };
        match source {
            Source::Column(column) | Source::AccountColumn(column) => {
                let (bytes, starts) = column.dictionary.raw_parts();
                let account = matches!(source, Source::AccountColumn(_));
                let codes = rows
                    .iter()
                    .map(|&row| {
                        let row = if account {
                            match self.account_of(row) {
                                Some(account) => account,
                                None => return NO_TEXT,
                            }
                        } else {
                            row
                        };
                        code_of(column, row)
                    })
                    .collect();
                TieTexts {
                    bytes: bytes.to_string(),
                    starts: starts.to_vec(),
                    codes,
                }
            }
            Source::Id | Source::SegmentCount | Source::Nothing => {
                let ids = &self.table(kind).ids;
                let mut bytes = String::new();
                let mut starts = Vec::with_capacity(rows.len() + 1);
                starts.push(0);
                for &row in rows {
                    bytes.push_str(&ids[row as usize]);
                    starts.push(bytes.len());
                }
                TieTexts {
                    bytes,
                    starts,
                    codes: (0..rows.len() as u32).collect(),
                }
            }
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

    fn sort_key(
        &self,
        kind: EntityKind,
        source: &Source,
        ranks: Option<&[u32]>,
        row: u32,
        order: SortOrder,
    ) -> u128 {
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
            Source::Column(column) => cell_key(column, ranks, column.cell(row as usize)),
            Source::AccountColumn(column) => self
                .account_of(row)
                .and_then(|account| cell_key(column, ranks, column.cell(account as usize))),
            Source::Nothing => None,
        };
        match (key, order) {
            (None, _) => MISSING,
            (Some(key), SortOrder::Ascending) => key,
            // Inverted within the present values; MISSING stays above them.
            (Some(key), SortOrder::Descending) => (MISSING - 1) - key,
        }
    }
}

/// Runs of keys that are equal texts by their first eight bytes are put in
/// the order of their whole texts (stably); `keyed` holds (key, position).
fn settle_text_ties(ties: &TieTexts, keyed: &mut [(u128, u32)], order: SortOrder) {
    let mut start = 0;
    while start < keyed.len() {
        let key = keyed[start].0;
        let mut end = start + 1;
        while end < keyed.len() && keyed[end].0 == key {
            end += 1;
        }
        if end - start > 1 && key != MISSING {
            let run = &mut keyed[start..end];
            if ties.text(run[0].1).is_some() {
                run.sort_by(|a, b| {
                    let ordering = ties.text(a.1).cmp(&ties.text(b.1));
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

/// The key of a cell; texts by their rank when `ranks` (by code) is given.
fn cell_key(column: &Column, ranks: Option<&[u32]>, cell: Cell) -> Option<u128> {
    match cell {
        Cell::Missing => None,
        Cell::Text(code) => Some(match ranks {
            Some(ranks) => (TEXT << 64) | u128::from(ranks[code as usize]),
            None => text_key(column.dictionary.text(code)),
        }),
        Cell::Number(number) => Some(number_key(number)),
        Cell::DateTime(micros) => Some((DATETIME << 64) | u128::from((micros as u64) ^ (1 << 63))),
        Cell::Bool(value) => Some((BOOL << 64) | u128::from(value)),
        // An empty list is "not set", as the language counts it.
        Cell::List { start, len } => match len {
            0 => None,
            _ => cell_key(column, ranks, column.list_items(start, len)[0]),
        },
    }
}

/// Rows per dictionary text below which texts are ranked: sorting the
/// dictionary must be cheap beside sorting the rows (a name column of a
/// few hundred texts is ranked; an email column, one text a row, is not).
const ROWS_PER_RANKED_TEXT: usize = 8;

/// For a column whose dictionary holds far fewer texts than there are
/// rows to sort: each code's rank among the dictionary's texts
/// (code-point order; a dictionary holds each text once, so ranks are
/// distinct).
fn text_ranks(source: &Source, rows: usize) -> Option<Vec<u32>> {
    let column = match source {
        Source::Column(column) | Source::AccountColumn(column) => column,
        Source::Id | Source::SegmentCount | Source::Nothing => return None,
    };
    let dictionary = &column.dictionary;
    let ranked = !dictionary.is_empty()
        && dictionary.len().saturating_mul(ROWS_PER_RANKED_TEXT) <= rows
        && u32::try_from(dictionary.len()).is_ok();
    if !ranked {
        return None;
    }
    let mut codes: Vec<u32> = (0..dictionary.len() as u32).collect();
    codes.sort_unstable_by(|a, b| dictionary.text(*a).cmp(dictionary.text(*b)));
    let mut ranks = vec![0u32; codes.len()];
    for (rank, code) in codes.into_iter().enumerate() {
        ranks[code as usize] = rank as u32;
    }
    Some(ranks)
}

/// The positions of `keys` in the order of the keys, stably. Only the
/// bytes in which keys differ decide, so they are packed next to the
/// position — into a `u64` for up to four such bytes, a `u128` for up to
/// twelve — and radix-sorted by those bytes alone.
fn sorted_positions(keys: &[u128]) -> Vec<u32> {
    const SMALL: usize = 512;
    let (all_ones, any_ones) = keys
        .iter()
        .fold((u128::MAX, 0u128), |(and, or), key| (and & key, or | key));
    // Least significant first.
    let varying: Vec<u32> = (0..16u32)
        .filter(|digit| ((all_ones ^ any_ones) >> (digit * 8)) as u8 != 0)
        .collect();
    let pack = |key: u128| -> u128 {
        varying
            .iter()
            .enumerate()
            .fold(0u128, |packed, (slot, digit)| {
                packed | u128::from((key >> (digit * 8)) as u8) << (slot * 8)
            })
    };
    if keys.len() < SMALL || varying.len() > 12 || u32::try_from(keys.len()).is_err() {
        let mut positions: Vec<u32> = (0..keys.len() as u32).collect();
        positions.sort_by_key(|&at| keys[at as usize]);
        return positions;
    }
    if varying.len() <= 4 {
        let mut items: Vec<u64> = keys
            .iter()
            .zip(0u64..)
            .map(|(&key, at)| (pack(key) as u64) << 32 | at)
            .collect();
        radix_sort(&mut items, 4..4 + varying.len(), |item, digit| {
            (item >> (digit * 8)) as u8
        });
        items.into_iter().map(|item| item as u32).collect()
    } else {
        let mut items: Vec<u128> = keys
            .iter()
            .zip(0u128..)
            .map(|(&key, at)| pack(key) << 32 | at)
            .collect();
        radix_sort(&mut items, 4..4 + varying.len(), |item, digit| {
            (item >> (digit * 8)) as u8
        });
        items.into_iter().map(|item| item as u32).collect()
    }
}

/// A least-significant-digit radix sort of `items` by the bytes `digits`
/// (least significant first) that `byte` reads: stable.
fn radix_sort<T: Copy + Default>(
    items: &mut Vec<T>,
    digits: std::ops::Range<usize>,
    byte: impl Fn(T, usize) -> u8,
) {
    let mut counts = vec![[0usize; 256]; digits.len()];
    for &item in items.iter() {
        for (count, digit) in counts.iter_mut().zip(digits.clone()) {
            count[usize::from(byte(item, digit))] += 1;
        }
    }
    let mut from = std::mem::take(items);
    let mut to = vec![T::default(); from.len()];
    for (count, digit) in counts.iter().zip(digits) {
        let mut next = [0usize; 256];
        let mut sum = 0;
        for (start, n) in next.iter_mut().zip(count) {
            *start = sum;
            sum += n;
        }
        for &item in &from {
            let slot = &mut next[usize::from(byte(item, digit))];
            to[*slot] = item;
            *slot += 1;
        }
        std::mem::swap(&mut from, &mut to);
    }
    *items = from;
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

#[cfg(test)]
mod tests {
    use super::sorted_positions;

    /// The radix sort agrees with the standard library's stable sort (ties
    /// in the given order) on more keys than the small-input path takes,
    /// whether the keys differ in few bytes or many.
    #[test]
    fn sorted_positions_is_a_stable_sort_by_key() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for (values, shift) in [(50, 0), (50, 60), (1 << 40, 8), (u64::MAX, 0), (3, 100)] {
            let keys: Vec<u128> = (0..5000)
                .map(|_| match next() % 4 {
                    0 => u128::MAX,
                    n => ((u128::from(n) << 64) | u128::from(next() % values)) << shift,
                })
                .collect();
            let mut expected: Vec<u32> = (0..keys.len() as u32).collect();
            expected.sort_by_key(|&at| keys[at as usize]);
            assert_eq!(sorted_positions(&keys), expected, "{values} << {shift}");
        }
    }
}
