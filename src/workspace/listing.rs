//! What list views and sorted queries need beyond a condition's matches:
//! entities in the order of one property, one cell of an entity as text,
//! the properties a filter can name (with their types and how many
//! entities have each, `account.` ones for users), and filter chips joined
//! into one condition of the language.
//!
//! It filters through the same plans as segments (`query`) and sorts in the
//! engine; it does not draw, keep state between calls, or know of screens.

use super::Workspace;
use super::entity_set::{EntityRow, EntitySet};
use crate::engine::{TYPE_WORDS, TypeCounts};
use crate::lang::Diagnostic;
use crate::lang::format::format_condition;
use crate::model::ast::Condition;
use crate::model::view::SortKey;
use crate::model::{ACCOUNT_ID, EntityKind, ID, SEGMENTS, format_datetime, format_number, visible};
use crate::model::{Scalar, Value};

/// A property a filter or a column can name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropertyInfo {
    /// As the language writes it: `plan`, `account.plan`, `segments`.
    pub path: String,
    /// `text`, `number`, `bool`, `datetime`, `list` or `mixed`.
    pub type_word: String,
    /// How many entities have it: of the kind, or (for `account.` paths)
    /// how many accounts.
    pub count: usize,
    /// What `count` counts: "users", "accounts".
    pub counted: EntityKind,
}

/// A sort prepared by [`Workspace::sort_job`], to run on any thread (it
/// holds what it needs, nothing of the workspace): a list keeps drawing
/// the order it had until the sorted set lands.
pub struct SortJob {
    kind: EntityKind,
    work: crate::engine::SortWork,
}

impl SortJob {
    /// The set in the new order.
    pub fn run(self) -> EntitySet {
        EntitySet::in_order(self.kind, self.work.run())
    }

    /// How many entities it sorts.
    pub fn len(&self) -> usize {
        self.work.len()
    }

    pub fn is_empty(&self) -> bool {
        self.work.is_empty()
    }
}

impl Workspace {
    /// `set` in the order of `key` (missing values last either way; ties
    /// in the set's order, which is id order for what `query` returns).
    pub fn sorted(&self, set: &EntitySet, key: &SortKey) -> EntitySet {
        let rows = self
            .engine
            .ordered_rows(set.kind(), set.rows(), &key.property, key.order);
        EntitySet::in_order(set.kind(), rows)
    }

    /// What [`Workspace::sorted`] does, prepared here (one pass over the
    /// rows) and run wherever the caller likes.
    pub fn sort_job(&self, set: &EntitySet, key: &SortKey) -> SortJob {
        SortJob {
            kind: set.kind(),
            work: self
                .engine
                .sort_work(set.kind(), set.rows().to_vec(), &key.property, key.order),
        }
    }

    /// The properties of `kind` a filter can name, built-ins first (`id`,
    /// for users `account_id`, then `segments`), then the data's in name
    /// order, then for users the accounts' as `account.<name>`.
    pub fn property_catalog(&self, kind: EntityKind) -> Vec<PropertyInfo> {
        let entities = self.entity_count(kind);
        let mut found = vec![PropertyInfo {
            path: ID.to_string(),
            type_word: "text".to_string(),
            count: entities,
            counted: kind,
        }];
        let table = self.engine.table(kind);
        if kind == EntityKind::Users {
            let with_account = table
                .column(ACCOUNT_ID)
                .map_or(0, |column| column.type_counts().present());
            found.push(PropertyInfo {
                path: ACCOUNT_ID.to_string(),
                type_word: "text".to_string(),
                count: with_account,
                counted: kind,
            });
        }
        found.push(PropertyInfo {
            path: SEGMENTS.to_string(),
            type_word: "list".to_string(),
            count: entities,
            counted: kind,
        });
        let mut own = columns_of(self, kind, "");
        own.retain(|info| info.path != ACCOUNT_ID && info.path != ID);
        found.extend(own);
        if kind == EntityKind::Users {
            found.extend(columns_of(self, EntityKind::Accounts, "account."));
        }
        found
    }

    /// One column of an entity as text for a table cell: `id`, `segments`
    /// (names joined with `, `), a property, or (users) `account.<name>`;
    /// empty when missing. Datetimes as RFC 3339, numbers as the language
    /// writes them, lists joined with `, `; control characters written out
    /// ([`visible`]).
    pub fn cell_text(&self, entity: EntityRow, column: &str) -> String {
        match column {
            SEGMENTS => {
                visible(&self.engine.segments_of(entity.kind, entity.row).join(", ")).into_owned()
            }
            _ => self
                .cell_value(entity, column)
                .map_or_else(String::new, |value| value_text(&value)),
        }
    }

    /// One column of an entity as a value: `id` (text), `segments` (the
    /// names, as a list, empty when in none), a property, or (users)
    /// `account.<name>`; `None` when missing.
    pub fn cell_value(&self, entity: EntityRow, column: &str) -> Option<Value> {
        let EntityRow { kind, row } = entity;
        match column {
            ID => Some(Value::string(
                self.engine.table(kind).ids[row as usize].to_string(),
            )),
            SEGMENTS => Some(Value::List(
                self.engine
                    .segments_of(kind, row)
                    .into_iter()
                    .map(Scalar::String)
                    .collect(),
            )),
            _ => {
                let (table, row) = match column.strip_prefix("account.") {
                    Some(name) if kind == EntityKind::Users => (
                        self.engine.table(EntityKind::Accounts).column(name),
                        self.engine.account_of(row)?,
                    ),
                    _ => (self.engine.table(kind).column(column), row),
                };
                table.and_then(|column| column.value(column.cell(row as usize)))
            }
        }
    }

    /// The ids of an account's users, in id order.
    pub fn users_of_account(&self, account: &str) -> Vec<String> {
        let Some(row) = self.engine.row_of(EntityKind::Accounts, account) else {
            return Vec::new();
        };
        let users = self.engine.table(EntityKind::Users);
        let mut ids: Vec<String> = self
            .engine
            .users_of_account(row)
            .into_iter()
            .map(|user| users.ids[user as usize].to_string())
            .collect();
        ids.sort();
        ids
    }

    /// Where the entity `id` is in `set`, if it is there (no id is read
    /// for the others).
    pub fn position_in(&self, set: &EntitySet, id: &str) -> Option<usize> {
        let row = self.engine.row_of(set.kind(), id)?;
        set.rows().iter().position(|&r| r == row)
    }

    /// The id of an entity of a set.
    pub fn id_of(&self, entity: EntityRow) -> String {
        self.id_text(entity).to_string()
    }

    /// The id of an entity, borrowed (for listing many without copies).
    pub fn id_text(&self, entity: EntityRow) -> &str {
        &self.engine.table(entity.kind).ids[entity.row as usize]
    }

    /// The conditions of a filter bar, each checked, joined with `and`
    /// into one condition of the language (canonical text); `None` when
    /// there are none. The error names the chip (counting from 1).
    pub fn joined_filter(
        &self,
        kind: EntityKind,
        chips: &[String],
    ) -> Result<Option<String>, (usize, Vec<Diagnostic>)> {
        let mut parts = Vec::new();
        for (index, chip) in chips.iter().enumerate() {
            let condition = self
                .check_condition(kind, chip)
                .map_err(|diagnostics| (index, diagnostics))?;
            match condition {
                Condition::And(inner) => parts.extend(inner),
                other => parts.push(other),
            }
        }
        Ok(match parts.len() {
            0 => None,
            1 => Some(format_condition(&parts[0])),
            _ => Some(format_condition(&Condition::And(parts))),
        })
    }

    /// The entities of `kind` matching every chip (all of them with none),
    /// in id order.
    pub fn filtered(&self, kind: EntityKind, chips: &[String]) -> Result<EntitySet, String> {
        match self.joined_filter(kind, chips) {
            Ok(None) => Ok(self.all_entities(kind)),
            Ok(Some(text)) => self.query(kind, &text).map_err(|diagnostics| {
                diagnostics.first().map_or_else(
                    || "the filter does not check".to_string(),
                    |d| d.message.clone(),
                )
            }),
            Err((index, diagnostics)) => Err(format!(
                "condition {}: {}",
                index + 1,
                diagnostics
                    .first()
                    .map_or("does not check", |d| d.message.as_str())
            )),
        }
    }
}

/// The data's columns of `kind` (with values), named with `prefix`.
fn columns_of(workspace: &Workspace, kind: EntityKind, prefix: &str) -> Vec<PropertyInfo> {
    let table = workspace.engine.table(kind);
    let mut found: Vec<PropertyInfo> = table
        .columns()
        .filter_map(|(name, column)| {
            // One pass over the column for both (a million rows: ~3 ms).
            let counts = column.type_counts();
            let count = counts.present();
            (count > 0).then(|| PropertyInfo {
                path: format!("{prefix}{}", crate::lang::format::property_name(name)),
                type_word: type_word(&counts),
                count,
                counted: kind,
            })
        })
        .collect();
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

/// The type of a column from its counts, by the rule of
/// [`crate::engine::type_label`] (which counts again): the type of nine in
/// ten values, or `mixed`.
fn type_word(counts: &TypeCounts) -> String {
    let total = counts.present();
    counts
        .cells
        .iter()
        .enumerate()
        .max_by_key(|(_, count)| **count)
        .filter(|(_, count)| total > 0 && **count * 10 >= total * 9)
        .map_or("mixed", |(index, _)| TYPE_WORDS[index])
        .to_string()
}

/// A value as a table cell shows it, control characters written out
/// ([`visible`]).
pub fn value_text(value: &Value) -> String {
    match value {
        Value::Scalar(scalar) => scalar_text(scalar),
        Value::List(items) => items.iter().map(scalar_text).collect::<Vec<_>>().join(", "),
    }
}

fn scalar_text(scalar: &Scalar) -> String {
    match scalar {
        Scalar::String(text) => visible(text).into_owned(),
        Scalar::Number(number) => format_number(*number),
        Scalar::Bool(value) => value.to_string(),
        Scalar::DateTime(micros) => format_datetime(*micros),
    }
}
