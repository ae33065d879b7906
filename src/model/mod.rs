//! The nouns of segscope, which every layer speaks: property values and
//! entities, the kinds of entity and of definition, the definitions
//! themselves (`ast`: segments, and the blocks of views, playbooks and
//! destinations, with a source span on every node), and the one reference
//! graph over definitions (`references`). `lang` makes definitions from
//! text and prints them back; nothing here reads text of the language.
//!
//! Values are typed as the language reference (`grammar/README.md`) says — text, number, boolean,
//! datetime (an instant in microseconds, UTC) and lists of those — and this
//! module owns the one set of rules that turns outside data (JSON values, CSV
//! cells, literals typed in `set`) into them. It knows nothing of storage or
//! evaluation.

pub mod ast;
pub mod destination;
mod kinds;
pub mod playbook;
pub mod playbook_run;
mod references;
pub mod sync_run;
mod text;
mod typing;
pub mod view;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use kinds::{DEFINITION_KEYWORDS, DefinitionKind, EntityKind};
pub use references::{Cycle, Node, ReferenceGraph, fold_name};
pub use text::{
    EPOCH, cut_to_width, display_width, format_count, format_datetime, format_instant,
    format_number, format_share, visible, visible_lines,
};
pub use typing::{
    MAX_ID_BYTES, MAX_LINE_BYTES, MAX_LIST_ELEMENTS, MAX_PROPERTY_NAME_BYTES, MAX_STRING_BYTES,
    TypingError, csv_cell, datetime_from_text, id_problem, scalar_from_literal,
    value_from_csv_cell, value_from_json, value_from_literal_text,
};

/// One element of a list, or a value that is not a list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Scalar {
    String(String),
    Number(f64),
    Bool(bool),
    /// Microseconds since the Unix epoch, UTC.
    DateTime(i64),
}

/// A property's value. An unset property is simply absent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Value {
    Scalar(Scalar),
    List(Vec<Scalar>),
}

impl Value {
    pub fn string(text: impl Into<String>) -> Value {
        Value::Scalar(Scalar::String(text.into()))
    }

    pub fn number(number: f64) -> Value {
        Value::Scalar(Scalar::Number(number))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Scalar(Scalar::String(text)) => Some(text),
            _ => None,
        }
    }

    /// The value as JSON: datetimes as RFC 3339 text in UTC.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Scalar(scalar) => scalar.to_json(),
            Value::List(items) => {
                serde_json::Value::Array(items.iter().map(Scalar::to_json).collect())
            }
        }
    }
}

impl Scalar {
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Scalar::String(text) => serde_json::Value::String(text.clone()),
            // Whole numbers print as integers (12, not 12.0).
            Scalar::Number(number) if number.fract() == 0.0 && number.abs() < 9.0e15 => {
                serde_json::Value::Number((*number as i64).into())
            }
            Scalar::Number(number) => serde_json::Number::from_f64(*number)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Scalar::Bool(value) => serde_json::Value::Bool(*value),
            Scalar::DateTime(micros) => serde_json::Value::String(format_instant(*micros)),
        }
    }
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::String(text) => f.write_str(text),
            Scalar::Number(number) => f.write_str(&format_number(*number)),
            Scalar::Bool(value) => write!(f, "{value}"),
            Scalar::DateTime(micros) => f.write_str(&format_instant(*micros)),
        }
    }
}

/// For tables, screens and messages: lists as their elements joined by
/// `, ` (CSV writes lists as JSON arrays, see `csv_cell`).
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Scalar(scalar) => scalar.fmt(f),
            Value::List(items) => {
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        f.write_str(", ")?;
                    }
                    item.fmt(f)?;
                }
                Ok(())
            }
        }
    }
}

/// Properties by name, in name order.
pub type Properties = BTreeMap<String, Value>;

/// Properties as borrowed `(name, value)` pairs, the form the engine takes
/// them in (from a map, or straight from an imported row).
pub fn property_pairs(properties: &Properties) -> impl Iterator<Item = (&str, &Value)> + Clone {
    properties
        .iter()
        .map(|(name, value)| (name.as_str(), value))
}

/// The present properties of a change list (`None` removes a property).
pub fn present_pairs(
    changes: &[(String, Option<Value>)],
) -> impl Iterator<Item = (&str, &Value)> + Clone {
    changes
        .iter()
        .filter_map(|(name, value)| value.as_ref().map(|value| (name.as_str(), value)))
}

/// A user or an account. Users link to their account through the built-in
/// `account_id` property, kept with the others.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    pub id: String,
    pub properties: Properties,
}

impl Entity {
    pub fn new(id: impl Into<String>) -> Entity {
        Entity {
            id: id.into(),
            properties: Properties::new(),
        }
    }

    pub fn with(mut self, name: &str, value: Value) -> Entity {
        self.properties.insert(name.to_string(), value);
        self
    }

    pub fn account_id(&self) -> Option<&str> {
        self.properties.get(ACCOUNT_ID).and_then(Value::as_str)
    }
}

/// The built-in property linking a user to an account.
pub const ACCOUNT_ID: &str = "account_id";
/// The built-in computed property listing an entity's segments.
pub const SEGMENTS: &str = "segments";
/// The built-in key property.
pub const ID: &str = "id";

/// Where a definition came from: a file (the file is the source of truth for
/// it) or the terminal UI.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Origin {
    File(String),
    Interactive,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File(path) => f.write_str(path),
            Origin::Interactive => f.write_str("tui"),
        }
    }
}
