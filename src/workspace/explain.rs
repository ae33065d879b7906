//! "Why": for one entity and a segment of its kind, whether it is a member
//! and which part of the segment's condition decided it, with the values
//! that were compared (`sessions_30d = 4, needs >= 20`).
//!
//! Every truth value comes from the engine's trace of the segment's own
//! compiled plan for that one row ([`crate::engine::Trace`]), so "why" can
//! never disagree with membership; this module only chooses what decided
//! and writes it in the language's canonical text. It does not change
//! anything, and it is not a screen: the faces lay an [`Explanation`] out.
//!
//! What decided: for a false `and`, its first false operand; for a true
//! `or`, its first true operand; for a true `and` or a false `or`, every
//! operand; `not` shows its operand (with the opposite truth); `in segment
//! "S"` shows S's own deciding clause one level down.

use super::Workspace;
use crate::engine::{Observed, Step, Trace, resolve_relative};
use crate::lang::format::{format_condition, quoted};
use crate::model::ast::{
    Condition, Predicate, PredicateKind, PropertyPath, Scope, Span, Value as AstValue,
};
use crate::model::{EntityKind, Scalar, Value, format_instant, format_number};

/// How many `in segment` levels down a "why" follows references.
const SEGMENT_DEPTH: usize = 1;

/// Why one entity is or is not in one segment.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    pub segment: String,
    pub kind: EntityKind,
    pub id: String,
    /// Whether the entity is a member.
    pub member: bool,
    /// The segment's whole condition, in canonical text.
    pub condition: String,
    /// The part of the condition that decided, from the top.
    pub deciding: Clause,
}

/// One part of a condition and why it holds or not.
#[derive(Clone, Debug, PartialEq)]
pub struct Clause {
    /// The part in canonical text (`sessions_30d >= 20`).
    pub text: String,
    pub holds: bool,
    pub shape: ClauseShape,
    /// For a predicate: the values compared (`sessions_30d = 4, needs >=
    /// 20`); `None` for `and`, `or`, `not`.
    pub values: Option<String>,
    /// The operands that decided this part, in the condition's order.
    pub because: Vec<Clause>,
    /// For `in segment "S"` and `account in segment "S"`: S's own deciding
    /// clause, one level down.
    pub inside: Option<Box<Clause>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClauseShape {
    And,
    Or,
    Not,
    Predicate,
}

/// Why a "why" cannot be given.
#[derive(Clone, Debug, PartialEq)]
pub enum ExplainError {
    UnknownEntity {
        kind: EntityKind,
        id: String,
    },
    UnknownSegment {
        name: String,
    },
    WrongKind {
        segment: String,
        segment_kind: EntityKind,
        kind: EntityKind,
    },
    /// The segment's condition does not compile (its definitions are
    /// broken; validation normally prevents it).
    Condition {
        segment: String,
        reason: String,
    },
}

impl std::fmt::Display for ExplainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExplainError::UnknownEntity { kind, id } => {
                write!(f, "there is no {} with id \"{id}\"", kind.singular())
            }
            ExplainError::UnknownSegment { name } => {
                write!(f, "there is no segment named \"{name}\"")
            }
            ExplainError::WrongKind {
                segment,
                segment_kind,
                kind,
            } => write!(
                f,
                "\"{segment}\" is a segment of {segment_kind}, not of {kind}"
            ),
            ExplainError::Condition { segment, reason } => {
                write!(
                    f,
                    "the condition of \"{segment}\" cannot be evaluated: {reason}"
                )
            }
        }
    }
}

impl std::error::Error for ExplainError {}

impl Explanation {
    /// One line for a table cell: `out: sessions_30d = 4, needs >= 20`, the
    /// values of every deciding predicate joined by `; `.
    pub fn summary(&self) -> String {
        let verdict = if self.member { "in" } else { "out" };
        let mut values = Vec::new();
        self.deciding.leaf_values(&mut values);
        if values.is_empty() {
            verdict.to_string()
        } else {
            format!("{verdict}: {}", values.join("; "))
        }
    }
}

impl Clause {
    /// The values of the deciding predicates under this clause, in order
    /// (not those of referenced segments).
    fn leaf_values<'a>(&'a self, out: &mut Vec<&'a str>) {
        if let Some(values) = &self.values {
            out.push(values);
        }
        for clause in &self.because {
            clause.leaf_values(out);
        }
    }
}

impl Workspace {
    /// Why the entity `id` of `kind` is or is not in `segment`.
    pub fn explain(
        &self,
        kind: EntityKind,
        id: &str,
        segment: &str,
    ) -> Result<Explanation, ExplainError> {
        let row = self.explained_row(kind, id)?;
        let Some((name, segment_kind, _)) = self.engine.segment_condition(segment) else {
            return Err(ExplainError::UnknownSegment {
                name: segment.to_string(),
            });
        };
        if segment_kind != kind {
            return Err(ExplainError::WrongKind {
                segment: name.to_string(),
                segment_kind,
                kind,
            });
        }
        self.explain_row(kind, row, id, name)
    }

    /// Why the entity is or is not in each segment of its kind, in name
    /// order.
    pub fn explain_all(
        &self,
        kind: EntityKind,
        id: &str,
    ) -> Result<Vec<Explanation>, ExplainError> {
        let row = self.explained_row(kind, id)?;
        let mut names: Vec<(String, EntityKind)> = self.engine.segment_names();
        names.sort();
        names
            .iter()
            .filter(|(_, segment_kind)| *segment_kind == kind)
            .map(|(name, _)| self.explain_row(kind, row, id, name))
            .collect()
    }

    fn explained_row(&self, kind: EntityKind, id: &str) -> Result<u32, ExplainError> {
        self.engine
            .row_of(kind, id)
            .ok_or_else(|| ExplainError::UnknownEntity {
                kind,
                id: id.to_string(),
            })
    }

    fn explain_row(
        &self,
        kind: EntityKind,
        row: u32,
        id: &str,
        segment: &str,
    ) -> Result<Explanation, ExplainError> {
        let failed = |reason: String| ExplainError::Condition {
            segment: segment.to_string(),
            reason,
        };
        let (name, _, condition) =
            self.engine
                .segment_condition(segment)
                .ok_or_else(|| ExplainError::UnknownSegment {
                    name: segment.to_string(),
                })?;
        let trace = self
            .engine
            .trace_segment(name, row, SEGMENT_DEPTH)
            .ok_or_else(|| failed("it is not compiled".to_string()))?
            .map_err(|error| failed(error.0))?;
        let writer = ClauseWriter {
            engine: &self.engine,
            now: self.now,
        };
        Ok(Explanation {
            segment: name.to_string(),
            kind,
            id: id.to_string(),
            member: trace.holds,
            condition: format_condition(condition),
            deciding: writer.clause(condition, &trace),
        })
    }
}

/// Writes traces as clauses of canonical text.
struct ClauseWriter<'a> {
    engine: &'a crate::engine::Engine,
    now: i64,
}

impl ClauseWriter<'_> {
    fn clause(&self, condition: &Condition, trace: &Trace) -> Clause {
        let mut clause = Clause {
            text: format_condition(condition),
            holds: trace.holds,
            shape: ClauseShape::Predicate,
            values: None,
            because: Vec::new(),
            inside: None,
        };
        match (condition, &trace.step) {
            (Condition::And(parts), Step::And(traces)) => {
                clause.shape = ClauseShape::And;
                clause.because = self.deciding(parts, traces, false);
            }
            (Condition::Or(parts), Step::Or(traces)) => {
                clause.shape = ClauseShape::Or;
                clause.because = self.deciding(parts, traces, true);
            }
            (Condition::Not(inner, _), Step::Not(trace)) => {
                clause.shape = ClauseShape::Not;
                clause.because = vec![self.clause(inner, trace)];
            }
            (Condition::Predicate(predicate), step) => {
                clause.values = Some(self.values(predicate, step));
                clause.inside = self.inside(step);
            }
            // The engine traces in the condition's shape; a mismatch would
            // leave the clause with its truth and text, which are right.
            _ => {}
        }
        clause
    }

    /// The operands that decided an `and` (`settles` false) or an `or`
    /// (`settles` true): the first operand whose truth is `settles`, or
    /// every operand when none is.
    fn deciding(&self, parts: &[Condition], traces: &[Trace], settles: bool) -> Vec<Clause> {
        let pairs = parts.iter().zip(traces);
        match pairs.clone().find(|(_, trace)| trace.holds == settles) {
            Some((part, trace)) => vec![self.clause(part, trace)],
            None => pairs
                .map(|(part, trace)| self.clause(part, trace))
                .collect(),
        }
    }

    fn inside(&self, step: &Step) -> Option<Box<Clause>> {
        let (segment, inner) = match step {
            Step::InSegment { segment, inner, .. }
            | Step::AccountInSegment { segment, inner, .. } => (segment, inner.as_deref()?),
            _ => return None,
        };
        let (_, _, condition) = self.engine.segment_condition(segment)?;
        Some(Box::new(self.clause(condition, inner)))
    }

    /// The values a predicate compared, and what it needed.
    fn values(&self, predicate: &Predicate, step: &Step) -> String {
        match (&predicate.kind, step) {
            (PredicateKind::InSegment { .. }, Step::InSegment { member, .. }) => {
                membership(*member, step_segment(step))
            }
            (
                PredicateKind::AccountInSegment { .. },
                Step::AccountInSegment {
                    account, member, ..
                },
            ) => match account {
                Some(account) => format!(
                    "account {} is {}",
                    quoted(account),
                    membership(*member, step_segment(step))
                ),
                None => "no account".to_string(),
            },
            (
                PredicateKind::Aggregate {
                    aggregate,
                    op,
                    value,
                },
                Step::Aggregate { value: found },
            ) => {
                // The aggregate as written: the text before ` op value`.
                let comparison = after_property(&PredicateKind::Compare {
                    path: placeholder(),
                    op: *op,
                    value: value.clone(),
                });
                let text = format_condition(&Condition::Predicate(predicate.clone()));
                let subject = text
                    .strip_suffix(&format!(" {comparison}"))
                    .unwrap_or(aggregate.function.keyword());
                let needs = format!("{comparison}{}", self.resolved(&predicate.kind));
                match found {
                    Some(found) => format!("{subject} = {}, needs {needs}", scalar_text(found)),
                    None => format!("{subject} has no value, needs {needs}"),
                }
            }
            (kind, Step::Property(observed)) => {
                let Some(path) = kind.path() else {
                    return String::new();
                };
                let subject = path_text(path);
                let needs = self.needs(kind);
                match observed {
                    Observed::Value(Some(value)) => {
                        format!("{subject} = {}, needs {needs}", value_text(value))
                    }
                    Observed::Value(None) => format!("{subject} is not set, needs {needs}"),
                    Observed::Account {
                        value: Some(value), ..
                    } => {
                        format!("{subject} = {}, needs {needs}", value_text(value))
                    }
                    Observed::Account { id, value: None } => format!(
                        "{subject} is not set (account {}), needs {needs}",
                        quoted(id)
                    ),
                    Observed::NoAccount => format!("no account, needs {subject} {needs}"),
                }
            }
            _ => String::new(),
        }
    }

    /// What a property predicate needs: its text after the property, with
    /// relative times resolved (`> 7 days ago (2025-12-25T00:00:00Z)`).
    fn needs(&self, kind: &PredicateKind) -> String {
        format!("{}{}", after_property(kind), self.resolved(kind))
    }

    /// The instants a predicate's relative times name as of `now`, as
    /// ` (2025-12-25T00:00:00Z)`, or nothing when it has none.
    fn resolved(&self, kind: &PredicateKind) -> String {
        let values: Vec<&AstValue> = match kind {
            PredicateKind::Compare { value, .. } | PredicateKind::Aggregate { value, .. } => {
                vec![value]
            }
            PredicateKind::Between { low, high, .. } => vec![low, high],
            _ => Vec::new(),
        };
        let instants: Vec<String> = values
            .into_iter()
            .filter_map(|value| match value {
                AstValue::Relative(relative) => {
                    Some(format_instant(resolve_relative(self.now, *relative)))
                }
                AstValue::Literal(_) => None,
            })
            .collect();
        if instants.is_empty() {
            String::new()
        } else {
            format!(" ({})", instants.join(" to "))
        }
    }
}

/// A predicate's text after its property (`>= 20` of `sessions_30d >=
/// 20`): the predicate written by the formatter about a placeholder.
fn after_property(kind: &PredicateKind) -> String {
    let mut bare = kind.clone();
    if let Some(path) = PredicateKind::path_mut(&mut bare) {
        *path = placeholder();
    }
    let text = format_condition(&Condition::Predicate(Predicate {
        kind: bare,
        span: Span::default(),
    }));
    text.strip_prefix(PLACEHOLDER)
        .map_or(text.as_str(), str::trim_start)
        .to_string()
}

/// A property name that needs no backticks, standing in for the real path
/// so the formatter writes what follows it.
const PLACEHOLDER: &str = "x";

fn placeholder() -> PropertyPath {
    PropertyPath {
        scope: Scope::Own,
        name: PLACEHOLDER.to_string(),
        span: Span::default(),
    }
}

/// A property path as the language writes it (`account.plan`).
fn path_text(path: &PropertyPath) -> String {
    let prefix = match path.scope {
        Scope::Own => "",
        Scope::Account => "account.",
        Scope::Users => "users.",
    };
    format!("{prefix}{}", crate::lang::format::property_name(&path.name))
}

fn step_segment(step: &Step) -> &str {
    match step {
        Step::InSegment { segment, .. } | Step::AccountInSegment { segment, .. } => segment,
        _ => "",
    }
}

fn membership(member: bool, segment: &str) -> String {
    if member {
        format!("a member of {}", quoted(segment))
    } else {
        format!("not a member of {}", quoted(segment))
    }
}

/// A value as the language would write it: text quoted, instants in RFC
/// 3339, lists in brackets.
fn value_text(value: &Value) -> String {
    match value {
        Value::Scalar(scalar) => scalar_text(scalar),
        Value::List(items) => {
            let items: Vec<String> = items.iter().map(scalar_text).collect();
            format!("[{}]", items.join(", "))
        }
    }
}

fn scalar_text(scalar: &Scalar) -> String {
    match scalar {
        Scalar::String(text) => quoted(text),
        Scalar::Number(number) => format_number(*number),
        Scalar::Bool(value) => value.to_string(),
        Scalar::DateTime(micros) => format_instant(*micros),
    }
}
