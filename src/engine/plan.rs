//! Conditions compiled into plans: segment names resolved to indexes,
//! relative times resolved against one `now`, regexes built, negated forms
//! turned into `not` of the positive form. A plan is compiled once and then
//! evaluated for a whole kind (bitsets) or for single rows (incremental).

use std::fmt;

use super::time::resolve_relative;
use super::value_test::ValueTest;
use crate::model::EntityKind;
use crate::model::ast::{
    AggregateFunction, CompareOp, Condition, Literal, PredicateKind, PropertyPath, Scope, TextOp,
    Value,
};
use crate::model::{Scalar, scalar_from_literal};

/// A compiled condition.
#[derive(Debug)]
pub enum Plan {
    And(Vec<Plan>),
    Or(Vec<Plan>),
    Not(Box<Plan>),
    Property(PropertyPlan),
    /// Member of this segment (of the same kind).
    InSegment(usize),
    /// (users) the user's account is a member of this accounts segment.
    AccountInSegment(usize),
    /// (accounts) a comparison on an aggregate over the account's users.
    Aggregate(Box<AggregatePlan>),
}

#[derive(Debug)]
pub struct PropertyPlan {
    /// `Account` reads the user's account; never `Users` here.
    pub on_account: bool,
    pub source: Source,
    pub test: ValueTest,
}

/// Where a property's value comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    Column(String),
    /// The built-in `id`.
    Id,
    /// The computed `segments` list.
    Segments,
}

#[derive(Debug)]
pub struct AggregatePlan {
    pub function: AggregateFunction,
    /// The users' property (`None` for `count`).
    pub property: Option<String>,
    /// A users plan choosing which users count.
    pub filter: Option<Plan>,
    /// Never `Ne` (that is `not` of `Eq`).
    pub op: CompareOp,
    pub rhs: Scalar,
}

/// A condition that cannot be compiled: it names a segment the engine does
/// not have (validation normally catches this first) or has a bad regex.
#[derive(Debug, Clone, PartialEq)]
pub struct CompileError(pub String);

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CompileError {}

/// What the compiler needs to know: `now`, and the segments by name.
pub struct Compiler<'a> {
    pub now: i64,
    pub segment: &'a dyn Fn(&str) -> Option<(usize, EntityKind)>,
    /// Set when a plan compiled by this compiler resolved a relative time
    /// (its members then move with `now`).
    pub resolved_relative: std::cell::Cell<bool>,
}

impl<'a> Compiler<'a> {
    pub fn new(now: i64, segment: &'a dyn Fn(&str) -> Option<(usize, EntityKind)>) -> Compiler<'a> {
        Compiler {
            now,
            segment,
            resolved_relative: std::cell::Cell::new(false),
        }
    }

    /// Compiles a condition about entities of `kind`.
    pub fn compile(&self, condition: &Condition, kind: EntityKind) -> Result<Plan, CompileError> {
        Ok(match condition {
            Condition::And(parts) => Plan::And(self.all(parts, kind)?),
            Condition::Or(parts) => Plan::Or(self.all(parts, kind)?),
            Condition::Not(inner, _) => Plan::Not(Box::new(self.compile(inner, kind)?)),
            Condition::Predicate(predicate) => self.predicate(&predicate.kind, kind)?,
        })
    }

    fn all(&self, parts: &[Condition], kind: EntityKind) -> Result<Vec<Plan>, CompileError> {
        parts.iter().map(|part| self.compile(part, kind)).collect()
    }

    fn predicate(&self, predicate: &PredicateKind, kind: EntityKind) -> Result<Plan, CompileError> {
        let negate = |plan: Plan, negated: bool| {
            if negated {
                Plan::Not(Box::new(plan))
            } else {
                plan
            }
        };
        Ok(match predicate {
            PredicateKind::Compare { path, op, value } => {
                let rhs = self.scalar(value);
                if *op == CompareOp::Ne {
                    negate(
                        self.property(path, ValueTest::Compare(CompareOp::Eq, rhs), kind)?,
                        true,
                    )
                } else {
                    self.property(path, ValueTest::Compare(*op, rhs), kind)?
                }
            }
            PredicateKind::InList {
                path,
                negated,
                values,
            } => negate(
                self.property(path, ValueTest::OneOf(scalars(values)), kind)?,
                *negated,
            ),
            PredicateKind::Text {
                path,
                op,
                negated,
                pattern,
            } => {
                let test = match op {
                    TextOp::Matches => {
                        ValueTest::Matches(regex::Regex::new(&pattern.value).map_err(|error| {
                            CompileError(format!("invalid regular expression: {error}"))
                        })?)
                    }
                    _ => ValueTest::Text(*op, pattern.value.to_lowercase()),
                };
                negate(self.property(path, test, kind)?, *negated)
            }
            PredicateKind::Between {
                path,
                negated,
                low,
                high,
            } => negate(
                self.property(
                    path,
                    ValueTest::Between(self.scalar(low), self.scalar(high)),
                    kind,
                )?,
                *negated,
            ),
            PredicateKind::IsSet { path, negated } => {
                negate(self.property(path, ValueTest::IsSet, kind)?, *negated)
            }
            PredicateKind::Has { path, value } => self.property(
                path,
                ValueTest::Compare(CompareOp::Eq, scalar_from_literal(value)),
                kind,
            )?,
            PredicateKind::HasAny { path, values } => {
                self.property(path, ValueTest::OneOf(scalars(values)), kind)?
            }
            PredicateKind::HasAll { path, values } => {
                self.property(path, ValueTest::HasAll(scalars(values)), kind)?
            }
            PredicateKind::InSegment { negated, segment } => negate(
                Plan::InSegment(self.segment_index(&segment.text, kind)?),
                *negated,
            ),
            PredicateKind::AccountInSegment { negated, segment } => {
                if kind != EntityKind::Users {
                    return Err(CompileError(
                        "`account in segment` is for users".to_string(),
                    ));
                }
                negate(
                    Plan::AccountInSegment(
                        self.segment_index(&segment.text, EntityKind::Accounts)?,
                    ),
                    *negated,
                )
            }
            PredicateKind::Aggregate {
                aggregate,
                op,
                value,
            } => {
                if kind != EntityKind::Accounts {
                    return Err(CompileError("aggregates are for accounts".to_string()));
                }
                let filter = match &aggregate.filter {
                    Some(filter) => Some(self.compile(filter, EntityKind::Users)?),
                    None => None,
                };
                let (op, negated) = match op {
                    CompareOp::Ne => (CompareOp::Eq, true),
                    other => (*other, false),
                };
                let plan = Plan::Aggregate(Box::new(AggregatePlan {
                    function: aggregate.function,
                    property: aggregate.property.as_ref().map(|p| p.name.clone()),
                    filter,
                    op,
                    rhs: self.scalar(value),
                }));
                negate(plan, negated)
            }
        })
    }

    fn property(
        &self,
        path: &PropertyPath,
        test: ValueTest,
        kind: EntityKind,
    ) -> Result<Plan, CompileError> {
        let on_account = path.scope == Scope::Account;
        if on_account && kind != EntityKind::Users {
            return Err(CompileError(format!(
                "`account.{}` is for users",
                path.name
            )));
        }
        let source = match path.name.as_str() {
            "id" => Source::Id,
            "segments" => {
                // `segments has "S"` is membership, which the dependency
                // order knows about.
                if let ValueTest::Compare(CompareOp::Eq, Scalar::String(name)) = &test {
                    let owner = if on_account {
                        EntityKind::Accounts
                    } else {
                        kind
                    };
                    let index = self.segment_index(name, owner)?;
                    return Ok(if on_account {
                        Plan::AccountInSegment(index)
                    } else {
                        Plan::InSegment(index)
                    });
                }
                Source::Segments
            }
            name => Source::Column(name.to_string()),
        };
        Ok(Plan::Property(PropertyPlan {
            on_account,
            source,
            test,
        }))
    }

    /// The index of segment `name`, which must hold entities of `kind`.
    fn segment_index(&self, name: &str, kind: EntityKind) -> Result<usize, CompileError> {
        match (self.segment)(name) {
            Some((index, found)) if found == kind => Ok(index),
            Some((_, found)) => Err(CompileError(format!(
                "\"{name}\" is a segment of {found}, not of {kind}"
            ))),
            None => Err(CompileError(format!(
                "there is no segment named \"{name}\""
            ))),
        }
    }

    fn scalar(&self, value: &Value) -> Scalar {
        match value {
            Value::Literal(literal) => scalar_from_literal(literal),
            Value::Relative(relative) => {
                self.resolved_relative.set(true);
                Scalar::DateTime(resolve_relative(self.now, *relative))
            }
        }
    }
}

fn scalars(values: &[Literal]) -> Vec<Scalar> {
    values.iter().map(scalar_from_literal).collect()
}

impl Plan {
    /// The segments this plan reads, directly or inside aggregates.
    pub fn segment_references(&self, out: &mut Vec<usize>) {
        match self {
            Plan::And(parts) | Plan::Or(parts) => {
                for part in parts {
                    part.segment_references(out);
                }
            }
            Plan::Not(inner) => inner.segment_references(out),
            Plan::InSegment(index) | Plan::AccountInSegment(index) => out.push(*index),
            Plan::Aggregate(aggregate) => {
                if let Some(filter) = &aggregate.filter {
                    filter.segment_references(out);
                }
            }
            Plan::Property(_) => {}
        }
    }

    /// Does the plan read the account of a user (`account.P`, `account in
    /// segment`), so that a change to an account touches its users' rows?
    pub fn reads_account(&self) -> bool {
        match self {
            Plan::And(parts) | Plan::Or(parts) => parts.iter().any(Plan::reads_account),
            Plan::Not(inner) => inner.reads_account(),
            Plan::Property(property) => property.on_account,
            Plan::AccountInSegment(_) => true,
            Plan::InSegment(_) => false,
            Plan::Aggregate(aggregate) => {
                aggregate.filter.as_ref().is_some_and(Plan::reads_account)
            }
        }
    }

    /// Does the plan aggregate over users?
    pub fn has_aggregate(&self) -> bool {
        match self {
            Plan::And(parts) | Plan::Or(parts) => parts.iter().any(Plan::has_aggregate),
            Plan::Not(inner) => inner.has_aggregate(),
            Plan::Aggregate(_) => true,
            _ => false,
        }
    }

    /// Does the plan read the computed `segments` list as a whole?
    pub fn reads_all_segments(&self) -> bool {
        match self {
            Plan::And(parts) | Plan::Or(parts) => parts.iter().any(Plan::reads_all_segments),
            Plan::Not(inner) => inner.reads_all_segments(),
            Plan::Property(property) => property.source == Source::Segments,
            Plan::Aggregate(aggregate) => aggregate
                .filter
                .as_ref()
                .is_some_and(Plan::reads_all_segments),
            _ => false,
        }
    }
}
