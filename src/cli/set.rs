//! `segscope set --kind K ID PROP=VALUE...`: change one entity's properties.

use super::output::report_membership;
use super::{Global, KindArg, Outcome};
use crate::model::EntityKind;
use crate::model::{
    ACCOUNT_ID, ID, MAX_PROPERTY_NAME_BYTES, SEGMENTS, Scalar, Value, value_from_literal_text,
};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long, value_enum)]
    pub kind: KindArg,
    /// The entity's id.
    pub id: String,
    /// PROP=VALUE with VALUE in the language's literal syntax ("text", 42,
    /// true, 2024-05-01, ["a", "b"]); PROP= unsets the property.
    #[arg(required = true, value_name = "PROP=VALUE")]
    pub assignments: Vec<String>,
}

pub fn run(global: &Global, args: Args) -> Outcome {
    let assignments = parse_assignments(&args.assignments)?;
    let kind = EntityKind::from(args.kind);
    let mut workspace = global.open_existing(true)?;
    let membership = workspace.set(kind, &args.id, assignments)?;
    eprintln!("updated {} {}", kind.singular(), args.id);
    report_membership(&membership);
    Ok(())
}

/// A `PROP=VALUE` that does not say what to set; `position` counts from 1.
#[derive(Debug, Clone, PartialEq)]
pub enum AssignmentError {
    NoEquals { position: usize, assignment: String },
    NoName { position: usize, assignment: String },
    BuiltIn { name: String },
    NameTooLong,
    BadValue { name: String, reason: String },
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
            AssignmentError::AccountIdNotText => {
                f.write_str("`account_id` must be text, such as account_id=\"a1\"")
            }
        }
    }
}

impl std::error::Error for AssignmentError {}

/// `PROP=VALUE` pairs, each checked before anything is opened.
pub fn parse_assignments(
    assignments: &[String],
) -> Result<Vec<(String, Option<Value>)>, AssignmentError> {
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
            if name == ID || name == SEGMENTS {
                return Err(AssignmentError::BuiltIn {
                    name: name.to_string(),
                });
            }
            if name.len() > MAX_PROPERTY_NAME_BYTES {
                return Err(AssignmentError::NameTooLong);
            }
            let mut value =
                value_from_literal_text(value).map_err(|reason| AssignmentError::BadValue {
                    name: name.to_string(),
                    reason,
                })?;
            if name == ACCOUNT_ID {
                value = account_id_value(value)?;
            }
            Ok((name.to_string(), value))
        })
        .collect()
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
