//! `segscope set --kind K ID PROP=VALUE...`: change one entity's properties.

use super::output::note;
use super::output::report_membership;
use super::{Global, KindArg, Outcome};
use crate::lang::format::quoted;
use crate::lang::{needs_quotes, parse_relative_time};
use crate::model::EntityKind;
use crate::model::ast::RelativeTime;
use crate::model::{
    ACCOUNT_ID, ID, MAX_PROPERTY_NAME_BYTES, SEGMENTS, Scalar, Value, value_from_literal_text,
};
use crate::workspace::resolve_relative;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which kind of entity the id names.
    #[arg(long, value_enum)]
    pub kind: KindArg,
    /// The entity's id.
    pub id: String,
    /// PROP=VALUE with VALUE in the language's literal syntax ("text", 42,
    /// true, 2024-05-01, ["a", "b"]) or a relative time (now, 3 days ago:
    /// the instant as of --now or the clock); PROP= unsets the property.
    /// Quote for the shell too: 'title="VP Sales"'.
    #[arg(required = true, value_name = "PROP=VALUE")]
    pub assignments: Vec<String>,
}

pub fn run(global: &Global, args: Args) -> Outcome {
    let mut assignments = parse_assignments(&args.assignments)?;
    let kind = EntityKind::from(args.kind);
    // The rule import follows too: `segments` is computed, never stored.
    let before = assignments.len();
    assignments.retain(|(name, _)| name != SEGMENTS);
    if assignments.len() < before {
        note!("left out `segments`: segscope computes it from the segment definitions");
        if assignments.is_empty() {
            // Nothing to change: read only, to say whether the entity is there.
            let workspace = global.open_existing(false)?;
            if workspace.entity(kind, &args.id).is_none() {
                return Err(super::CliError::UnknownEntity { kind, id: args.id });
            }
            note!(
                "nothing else to set: {} {} unchanged",
                kind.singular(),
                args.id
            );
            return Ok(());
        }
    }
    let mut workspace = global.open_existing(true)?;
    let now = workspace.now();
    let assignments = assignments
        .into_iter()
        .map(|(name, value)| (name, value.into_value(now)))
        .collect();
    let membership = workspace.set(kind, &args.id, assignments)?;
    note!("updated {} {}", kind.singular(), args.id);
    report_membership(&membership);
    super::deliver::report_and_deliver(&mut workspace)?;
    Ok(())
}

/// A `PROP=VALUE` that does not say what to set; `position` counts from 1.
#[derive(Debug, Clone, PartialEq)]
pub enum AssignmentError {
    NoEquals {
        position: usize,
        assignment: String,
    },
    NoName {
        position: usize,
        assignment: String,
    },
    BuiltIn {
        name: String,
    },
    NameTooLong,
    BadValue {
        name: String,
        reason: String,
    },
    /// Text without the quotes the language needs (`title=VP Sales`).
    NeedsQuotes {
        name: String,
        text: String,
    },
    AccountIdNotText,
}

impl std::fmt::Display for AssignmentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AssignmentError::NoEquals {
                position,
                assignment,
            } => write!(
                f,
                "assignment {position} `{assignment}` has no `=`: write PROP=VALUE, such as plan=\"pro\""
            ),
            AssignmentError::NoName {
                position,
                assignment,
            } => write!(f, "assignment {position} `{assignment}` names no property"),
            AssignmentError::BuiltIn { name } => {
                write!(f, "`{name}` cannot be set: it is built in")
            }
            AssignmentError::NameTooLong => write!(
                f,
                "a property name is at most {MAX_PROPERTY_NAME_BYTES} bytes"
            ),
            AssignmentError::BadValue { name, reason } => {
                write!(f, "the value of `{name}`: {reason}")
            }
            AssignmentError::NeedsQuotes { name, text } => write!(
                f,
                "the value of `{name}`: text needs quotes, and the shell removes one pair: write {}",
                shell_quoted(&format!("{name}={}", quoted(text.trim())))
            ),
            AssignmentError::AccountIdNotText => {
                f.write_str("`account_id` must be text, such as account_id=\"a1\"")
            }
        }
    }
}

impl std::error::Error for AssignmentError {}

/// What an assignment sets: a value (`None` unsets), or an instant relative
/// to the command's `now` (`last_seen_at=3 days ago`).
#[derive(Debug, Clone, PartialEq)]
pub enum AssignedValue {
    Value(Option<Value>),
    Relative(RelativeTime),
}

impl AssignedValue {
    /// The value to store, a relative time resolved as of `now`.
    pub fn into_value(self, now: i64) -> Option<Value> {
        match self {
            AssignedValue::Value(value) => value,
            AssignedValue::Relative(relative) => Some(Value::Scalar(Scalar::DateTime(
                resolve_relative(now, relative),
            ))),
        }
    }
}

/// `PROP=VALUE` pairs, each checked before anything is opened.
pub fn parse_assignments(
    assignments: &[String],
) -> Result<Vec<(String, AssignedValue)>, AssignmentError> {
    assignments
        .iter()
        .enumerate()
        .map(|(index, assignment)| {
            let position = index + 1;
            let (name, value) =
                assignment
                    .split_once('=')
                    .ok_or_else(|| AssignmentError::NoEquals {
                        position,
                        assignment: assignment.clone(),
                    })?;
            let name = name.trim();
            if name.is_empty() {
                return Err(AssignmentError::NoName {
                    position,
                    assignment: assignment.clone(),
                });
            }
            if name == ID {
                return Err(AssignmentError::BuiltIn {
                    name: name.to_string(),
                });
            }
            if name.len() > MAX_PROPERTY_NAME_BYTES {
                return Err(AssignmentError::NameTooLong);
            }
            let value = assigned_value(name, value)?;
            Ok((name.to_string(), value))
        })
        .collect()
}

/// The value of `name=text`: a literal, a relative time, or nothing.
fn assigned_value(name: &str, text: &str) -> Result<AssignedValue, AssignmentError> {
    if let Some(relative) = parse_relative_time(text) {
        if name == ACCOUNT_ID {
            return Err(AssignmentError::AccountIdNotText);
        }
        return match relative {
            Ok(relative) => Ok(AssignedValue::Relative(relative)),
            Err(reason) => Err(AssignmentError::BadValue {
                name: name.to_string(),
                reason,
            }),
        };
    }
    if needs_quotes(text) {
        return Err(AssignmentError::NeedsQuotes {
            name: name.to_string(),
            text: text.to_string(),
        });
    }
    let mut value = value_from_literal_text(text).map_err(|reason| AssignmentError::BadValue {
        name: name.to_string(),
        reason,
    })?;
    if name == ACCOUNT_ID {
        value = account_id_value(value)?;
    }
    Ok(AssignedValue::Value(value))
}

/// `text` as one word for a POSIX shell: in single quotes, each `'` closed,
/// escaped and opened again.
fn shell_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// `account_id` links by text; a whole number is taken as its digits.
fn account_id_value(value: Option<Value>) -> Result<Option<Value>, AssignmentError> {
    match value {
        None => Ok(None),
        Some(Value::Scalar(Scalar::String(text))) => Ok(Some(Value::string(text))),
        Some(Value::Scalar(Scalar::Number(n))) if n.fract() == 0.0 && n.abs() < 1e15 => {
            Ok(Some(Value::string(format!("{n}"))))
        }
        Some(_) => Err(AssignmentError::AccountIdNotText),
    }
}
