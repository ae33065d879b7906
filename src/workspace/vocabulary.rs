//! What the data says a property holds: its most frequent values with how
//! many times each occurs, read off the engine's columns, for completion to
//! offer values that exist (`plan = "enterprise"`, not a guess).
//!
//! One pass over the property's column, never over the store, with the
//! number of distinct values tracked bounded so that a property of a million
//! distinct values costs a bounded amount of memory. It is not a statistics
//! module: no histograms, no ranges, no caching (callers keep what they ask).

use rustc_hash::FxHashMap as HashMap;

use super::Workspace;
use crate::engine::{Cell, Column};
use crate::model::{EntityKind, Scalar};

/// Distinct values counted per property at most; values first seen after
/// that many are not counted (they cannot be frequent in such a column
/// anyway, or the first ones would be).
pub const MAX_DISTINCT_COUNTED: usize = 65_536;

impl Workspace {
    /// The `limit` most frequent values of `property` among the entities of
    /// `kind`, most frequent first (ties in value order), with how many
    /// times each occurs; a list property counts its elements. `segments`
    /// gives segment names with their member counts; `id` and a property no
    /// entity has give nothing.
    pub fn frequent_values(
        &self,
        kind: EntityKind,
        property: &str,
        limit: usize,
    ) -> Vec<(Scalar, usize)> {
        if property == "segments" {
            let mut found: Vec<(Scalar, usize)> = self
                .engine
                .segment_names()
                .into_iter()
                .filter(|(_, of)| *of == kind)
                .filter_map(|(name, _)| {
                    let (_, members) = self.engine.members(&name)?;
                    Some((Scalar::String(name), members.count_ones(..)))
                })
                .collect();
            return most_frequent(&mut found, limit);
        }
        match self.engine.table(kind).column(property) {
            Some(column) => most_frequent(&mut count_values(column), limit),
            None => Vec::new(),
        }
    }
}

/// How often each value of a column occurs (up to the bound).
fn count_values(column: &Column) -> Vec<(Scalar, usize)> {
    let mut texts = vec![0usize; column.dictionary.len()];
    let mut numbers: HashMap<u64, usize> = HashMap::default();
    let mut datetimes: HashMap<i64, usize> = HashMap::default();
    let mut bools = [0usize; 2];
    let mut count = |cell: &Cell| match *cell {
        Cell::Text(code) => {
            if let Some(slot) = texts.get_mut(code as usize) {
                *slot += 1;
            }
        }
        // -0 and 0 are one number.
        Cell::Number(number) => bump(&mut numbers, (number + 0.0).to_bits()),
        Cell::DateTime(micros) => bump(&mut datetimes, micros),
        Cell::Bool(value) => bools[usize::from(value)] += 1,
        Cell::Missing | Cell::List { .. } => {}
    };
    for cell in &column.cells {
        match *cell {
            Cell::List { start, len } => column.list_items(start, len).iter().for_each(&mut count),
            ref atom => count(atom),
        }
    }
    let mut found: Vec<(Scalar, usize)> = texts
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(code, &n)| {
            let text = column.dictionary.text(code as u32).to_string();
            (Scalar::String(text), n)
        })
        .collect();
    found.extend(
        numbers
            .into_iter()
            .map(|(bits, n)| (Scalar::Number(f64::from_bits(bits)), n)),
    );
    found.extend(
        datetimes
            .into_iter()
            .map(|(micros, n)| (Scalar::DateTime(micros), n)),
    );
    for (value, n) in [(false, bools[0]), (true, bools[1])] {
        if n > 0 {
            found.push((Scalar::Bool(value), n));
        }
    }
    found
}

fn bump<K: std::hash::Hash + Eq>(counts: &mut HashMap<K, usize>, key: K) {
    let room = counts.len() < MAX_DISTINCT_COUNTED;
    match counts.get_mut(&key) {
        Some(n) => *n += 1,
        None if room => {
            counts.insert(key, 1);
        }
        None => {}
    }
}

/// The first `limit` of `found` by count, then by value.
fn most_frequent(found: &mut Vec<(Scalar, usize)>, limit: usize) -> Vec<(Scalar, usize)> {
    found.sort_by(|(a, n), (b, m)| m.cmp(n).then_with(|| value_order(a, b)));
    found.truncate(limit);
    std::mem::take(found)
}

fn value_order(a: &Scalar, b: &Scalar) -> std::cmp::Ordering {
    match (a, b) {
        (Scalar::Number(x), Scalar::Number(y)) => x.total_cmp(y),
        (Scalar::DateTime(x), Scalar::DateTime(y)) => x.cmp(y),
        (Scalar::String(x), Scalar::String(y)) => x.cmp(y),
        (Scalar::Bool(x), Scalar::Bool(y)) => x.cmp(y),
        // Different types: a fixed order of types.
        _ => rank(a).cmp(&rank(b)),
    }
}

fn rank(value: &Scalar) -> u8 {
    match value {
        Scalar::String(_) => 0,
        Scalar::Number(_) => 1,
        Scalar::Bool(_) => 2,
        Scalar::DateTime(_) => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Value;

    fn column_of(values: &[Option<Value>]) -> Column {
        let mut table = crate::engine::Table::default();
        for (row, value) in values.iter().enumerate() {
            let properties: Vec<(&str, &Value)> = value.iter().map(|v| ("p", v)).collect();
            table.put(row as u32, &format!("e{row}"), properties.into_iter());
        }
        table.take_column("p").expect("the column")
    }

    #[test]
    fn most_frequent_first_with_counts() {
        let text = |t: &str| Some(Value::string(t));
        let column = column_of(&[text("pro"), text("free"), text("pro"), None, text("team")]);
        let found = most_frequent(&mut count_values(&column), 2);
        assert_eq!(
            found,
            [
                (Scalar::String("pro".into()), 2),
                (Scalar::String("free".into()), 1)
            ]
        );
    }

    #[test]
    fn lists_count_their_elements_and_types_mix() {
        let list = |items: &[&str]| {
            Some(Value::List(
                items
                    .iter()
                    .map(|i| Scalar::String(i.to_string()))
                    .collect(),
            ))
        };
        let column = column_of(&[
            list(&["vip", "beta"]),
            list(&["vip"]),
            Some(Value::number(-0.0)),
            Some(Value::number(0.0)),
        ]);
        let found = most_frequent(&mut count_values(&column), 10);
        assert_eq!(
            found,
            [
                (Scalar::String("vip".into()), 2),
                (Scalar::Number(0.0), 2),
                (Scalar::String("beta".into()), 1),
            ]
        );
    }
}
