//! The positive form of every predicate, as a test on one value.
//!
//! Negated forms never appear here: the plan wraps the positive test in
//! `not`, which is exactly rule 1 of the language (a missing or mismatched
//! value makes the positive form false and the negated form true). Rule 2 —
//! on a list, a positive form is true when any element satisfies it — and
//! rule 3 — no coercion between types — live in [`ValueTest::cell`].

use std::cmp::Ordering;

use regex::Regex;

use super::table::{Cell, Column};
use crate::model::Scalar;
use crate::model::ast::{CompareOp, TextOp};

/// A test on a property's value.
#[derive(Debug)]
pub enum ValueTest {
    /// `=`, `<`, `<=`, `>`, `>=` (never `!=`: that is `not =`). `has v` too.
    Compare(CompareOp, Scalar),
    /// `in [..]`, `has any [..]`
    OneOf(Vec<Scalar>),
    /// `contains`, `starts with`, `ends with` with the lower-cased needle.
    Text(TextOp, String),
    /// `matches`
    Matches(Regex),
    /// `between low and high`
    Between(Scalar, Scalar),
    IsSet,
    /// `has all [..]`
    HasAll(Vec<Scalar>),
}

/// A single value as the tests see it; text comes with its lower case when
/// the dictionary has it.
#[derive(Clone, Copy, Debug)]
pub enum Atom<'a> {
    Text(&'a str, &'a str),
    Number(f64),
    Bool(bool),
    DateTime(i64),
}

impl ValueTest {
    /// Does the test read text, so that a table over a column's dictionary
    /// can answer it once per distinct text?
    pub fn reads_text(&self) -> bool {
        !matches!(self, ValueTest::IsSet | ValueTest::HasAll(_))
    }

    /// The test on one cell of `column`; `text_table`, when given, holds the
    /// answer for each dictionary code.
    pub fn cell(&self, column: &Column, cell: Cell, text_table: Option<&[bool]>) -> bool {
        match cell {
            Cell::Missing => false,
            Cell::List { start, len } => {
                let items = column.list_items(start, len);
                match self {
                    ValueTest::IsSet => len > 0,
                    ValueTest::HasAll(needles) => needles
                        .iter()
                        .all(|needle| items.iter().any(|&item| equal(atom(column, item), needle))),
                    _ => items
                        .iter()
                        .any(|&item| self.atom_cell(column, item, text_table)),
                }
            }
            atom_cell => match self {
                ValueTest::IsSet => match atom_cell {
                    Cell::Text(code) => !column.dictionary.text(code).is_empty(),
                    _ => true,
                },
                ValueTest::HasAll(needles) => {
                    let value = atom(column, atom_cell);
                    needles.iter().all(|needle| equal(value, needle))
                }
                _ => self.atom_cell(column, atom_cell, text_table),
            },
        }
    }

    fn atom_cell(&self, column: &Column, cell: Cell, text_table: Option<&[bool]>) -> bool {
        if let (Cell::Text(code), Some(table)) = (cell, text_table) {
            return table[code as usize];
        }
        self.atom(atom(column, cell))
    }

    /// The test on one value of several (a list's elements, the names in
    /// `segments`), or on a single text such as an id.
    pub fn atoms<'a>(&self, values: impl IntoIterator<Item = Atom<'a>>) -> bool {
        let values: Vec<Atom> = values.into_iter().collect();
        match self {
            ValueTest::IsSet => values.iter().any(|value| match value {
                Atom::Text(text, _) => !text.is_empty(),
                _ => true,
            }),
            ValueTest::HasAll(needles) => {
                !values.is_empty()
                    && needles
                        .iter()
                        .all(|needle| values.iter().any(|&value| equal(value, needle)))
            }
            _ => values.into_iter().any(|value| self.atom(value)),
        }
    }

    /// The test on one scalar.
    pub fn atom(&self, value: Atom) -> bool {
        match self {
            // Booleans are equal or not; they have no order (rule 3).
            ValueTest::Compare(op, Scalar::Bool(_)) if *op != CompareOp::Eq => false,
            ValueTest::Compare(op, rhs) => compare(value, rhs).is_some_and(|o| holds(*op, o)),
            ValueTest::OneOf(options) => options.iter().any(|option| equal(value, option)),
            ValueTest::Text(op, needle) => match value {
                Atom::Text(_, lower) => match op {
                    TextOp::Contains => lower.contains(needle.as_str()),
                    TextOp::StartsWith => lower.starts_with(needle.as_str()),
                    TextOp::EndsWith => lower.ends_with(needle.as_str()),
                    TextOp::Matches => false,
                },
                _ => false,
            },
            ValueTest::Matches(regex) => match value {
                Atom::Text(text, _) => regex.is_match(text),
                _ => false,
            },
            ValueTest::Between(Scalar::Bool(_), _) | ValueTest::Between(_, Scalar::Bool(_)) => {
                false
            }
            ValueTest::Between(low, high) => {
                compare(value, low).is_some_and(|o| o != Ordering::Less)
                    && compare(value, high).is_some_and(|o| o != Ordering::Greater)
            }
            ValueTest::IsSet => match value {
                Atom::Text(text, _) => !text.is_empty(),
                _ => true,
            },
            ValueTest::HasAll(needles) => needles.iter().all(|needle| equal(value, needle)),
        }
    }
}

/// A cell that is not a list or missing, as an atom.
pub fn atom(column: &Column, cell: Cell) -> Atom<'_> {
    match cell {
        Cell::Text(code) => Atom::Text(column.dictionary.text(code), column.dictionary.lower(code)),
        Cell::Number(number) => Atom::Number(number),
        Cell::Bool(value) => Atom::Bool(value),
        Cell::DateTime(micros) => Atom::DateTime(micros),
        // Callers never pass these; an impossible text never matches.
        Cell::Missing | Cell::List { .. } => Atom::Bool(false),
    }
}

fn equal(value: Atom, rhs: &Scalar) -> bool {
    compare(value, rhs) == Some(Ordering::Equal)
}

/// Orders a value against a literal of the same type; `None` across types
/// (rule 3: no coercion) and for booleans beyond equality.
pub fn compare(value: Atom, rhs: &Scalar) -> Option<Ordering> {
    match (value, rhs) {
        (Atom::Text(text, _), Scalar::String(other)) => Some(text.cmp(other.as_str())),
        (Atom::Number(number), Scalar::Number(other)) => number.partial_cmp(other),
        (Atom::DateTime(micros), Scalar::DateTime(other)) => Some(micros.cmp(other)),
        (Atom::Bool(value), Scalar::Bool(other)) if value == *other => Some(Ordering::Equal),
        // Different booleans are unequal but not ordered: `<` stays false.
        (Atom::Bool(_), Scalar::Bool(_)) => None,
        _ => None,
    }
}

pub fn holds(op: CompareOp, ordering: Ordering) -> bool {
    match op {
        CompareOp::Eq => ordering == Ordering::Equal,
        CompareOp::Ne => ordering != Ordering::Equal,
        CompareOp::Lt => ordering == Ordering::Less,
        CompareOp::Le => ordering != Ordering::Greater,
        CompareOp::Gt => ordering == Ordering::Greater,
        CompareOp::Ge => ordering != Ordering::Less,
    }
}
