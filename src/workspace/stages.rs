//! A stage board's columns: the entities of a set grouped by the value of
//! one property, in the order of the stage values given, then "other"
//! (values not listed, and lists) and "none" (missing). Grouping reads the
//! engine's column once per entity, comparing dictionary codes for texts,
//! so a board of a million cards costs one pass. Moving a card is setting
//! the property (`Workspace::set`), which recomputes membership.
//!
//! It neither filters (the caller passes the filtered set) nor draws.

use rustc_hash::FxHashMap as HashMap;

use super::Workspace;
use super::entity_set::EntitySet;
use crate::engine::Cell;
use crate::lang::format::scalar_literal;
use crate::model::{EntityKind, Scalar};

/// Stage values offered for a property without a saved view.
pub const MAX_OFFERED_STAGES: usize = 12;

/// Which kind of column of a board.
#[derive(Clone, Debug, PartialEq)]
pub enum StageColumnKind {
    /// A listed stage value.
    Stage(Scalar),
    /// Values that are not listed.
    Other,
    /// No value.
    None,
}

/// One column of a board and its cards, in id order.
#[derive(Clone, Debug)]
pub struct StageColumn {
    pub kind: StageColumnKind,
    /// The value as a card's column says it (`trial`, `other`, `none`).
    pub title: String,
    pub entities: EntitySet,
}

impl Workspace {
    /// The columns of a board of `set` over `property` with the stages
    /// `values` in order, then "other" and "none" (each always present, so
    /// the board's shape does not jump as cards move).
    pub fn stage_board(
        &self,
        set: &EntitySet,
        property: &str,
        values: &[Scalar],
    ) -> Vec<StageColumn> {
        let kind = set.kind();
        let column = self.engine.table(kind).column(property);
        let other = values.len();
        let none = values.len() + 1;
        let mut rows: Vec<Vec<u32>> = vec![Vec::new(); values.len() + 2];
        // Text stages by dictionary code: no text is compared per card.
        let codes: HashMap<u32, usize> = match column {
            Some(column) => values
                .iter()
                .enumerate()
                .filter_map(|(index, value)| match value {
                    Scalar::String(text) => column.dictionary.find(text).map(|code| (code, index)),
                    _ => None,
                })
                .collect(),
            None => HashMap::default(),
        };
        for &row in set.rows() {
            let slot = match column.map_or(Cell::Missing, |column| column.cell(row as usize)) {
                Cell::Missing => none,
                Cell::List { len: 0, .. } => none,
                Cell::Text(code) => codes.get(&code).copied().unwrap_or(other),
                Cell::Number(number) => position(values, |v| *v == Scalar::Number(number), other),
                Cell::Bool(flag) => position(values, |v| *v == Scalar::Bool(flag), other),
                Cell::DateTime(micros) => {
                    position(values, |v| *v == Scalar::DateTime(micros), other)
                }
                Cell::List { .. } => other,
            };
            rows[slot].push(row);
        }
        let mut columns: Vec<StageColumn> = Vec::with_capacity(values.len() + 2);
        for (index, rows) in rows.into_iter().enumerate() {
            let (column_kind, title) = if index < values.len() {
                let title = match &values[index] {
                    Scalar::String(text) => text.clone(),
                    other => scalar_literal(other),
                };
                (StageColumnKind::Stage(values[index].clone()), title)
            } else if index == other {
                (StageColumnKind::Other, "other".to_string())
            } else {
                (StageColumnKind::None, "none".to_string())
            };
            columns.push(StageColumn {
                kind: column_kind,
                title,
                entities: EntitySet::in_order(kind, rows),
            });
        }
        columns
    }

    /// The stages to offer for a property without a saved view: its most
    /// frequent values, most frequent first.
    pub fn offered_stages(&self, kind: EntityKind, property: &str) -> Vec<Scalar> {
        self.frequent_values(kind, property, MAX_OFFERED_STAGES)
            .into_iter()
            .map(|(value, _)| value)
            .collect()
    }
}

fn position(values: &[Scalar], equal: impl Fn(&Scalar) -> bool, other: usize) -> usize {
    values.iter().position(equal).unwrap_or(other)
}
