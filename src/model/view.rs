//! A saved view, as its meaning: which entities (a kind and an optional
//! filter), which columns, in which order, and — for a stage view — which
//! property's values make the board's columns, in the order given. `lang`
//! reads one from a `view` block and prints one back; the workspace lists,
//! sorts and stores them; the faces show them. Nothing here evaluates.

use super::EntityKind;
use super::Scalar;
use super::ast::Condition;

/// Which way a sort goes. Missing values sort last either way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SortOrder {
    #[default]
    Ascending,
    Descending,
}

impl SortOrder {
    /// The word a view definition uses (`asc` / `desc`).
    pub fn word(self) -> &'static str {
        match self {
            SortOrder::Ascending => "asc",
            SortOrder::Descending => "desc",
        }
    }

    /// The order a word names (`asc`, `ascending`, `desc`, `descending`, any case).
    pub fn from_word(word: &str) -> Option<SortOrder> {
        match word.to_ascii_lowercase().as_str() {
            "asc" | "ascending" => Some(SortOrder::Ascending),
            "desc" | "descending" => Some(SortOrder::Descending),
            _ => None,
        }
    }

    pub fn reversed(self) -> SortOrder {
        match self {
            SortOrder::Ascending => SortOrder::Descending,
            SortOrder::Descending => SortOrder::Ascending,
        }
    }
}

/// Sort the rows by one property (`id`, `account_id`, `segments`, any
/// property, or `account.<name>` for users).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SortKey {
    pub property: String,
    pub order: SortOrder,
}

/// A stage view's board: one column per value of `property`, in the
/// order of `values`; values not listed go to an "other" column at the
/// end and missing values to "none".
#[derive(Clone, Debug, PartialEq)]
pub struct StageLayout {
    pub property: String,
    pub values: Vec<Scalar>,
}

/// A `view` definition.
#[derive(Clone, Debug, PartialEq)]
pub struct View {
    pub name: String,
    pub kind: EntityKind,
    pub description: Option<String>,
    /// `where <condition>`; none lists every entity of the kind.
    pub filter: Option<Condition>,
    /// The columns shown, in order; empty means the screen's default.
    pub columns: Vec<String>,
    pub sort: Option<SortKey>,
    /// Present for a stage view.
    pub stages: Option<StageLayout>,
}
