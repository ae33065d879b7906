//! Why one entity is or is not in a segment, as the engine sees it: the
//! segment's condition compiled by the same [`Compiler`] that computes
//! membership, then every part of the compiled plan evaluated for that one
//! row by the same [`World::row`], beside the values each predicate read.
//!
//! This is a trace, not a presentation: it says which parts held and what
//! they read, in the shape of the condition; choosing the deciding clause
//! and writing it as text is the workspace's. Nothing here evaluates a
//! whole kind, so tracing every segment of one entity costs microseconds
//! however many entities there are.

use super::plan::{Compiler, Plan};
use super::{CompileError, Engine};
use crate::model::ast::{Condition, PredicateKind, Scope};
use crate::model::{EntityKind, Scalar, Value, fold_name};

/// One part of a condition, evaluated for one row.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    /// Whether this part holds for the row (the engine's own answer).
    pub holds: bool,
    pub step: Step,
}

/// What a part of a condition is, with what it read. `And`, `Or` and `Not`
/// hold their operands' traces in the condition's order.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    And(Vec<Trace>),
    Or(Vec<Trace>),
    Not(Box<Trace>),
    /// A predicate on a property of the entity or of its account.
    Property(Observed),
    /// `in segment "S"`: `inner` is S's own condition traced for the same
    /// row, while the depth allows.
    InSegment {
        segment: String,
        member: bool,
        inner: Option<Box<Trace>>,
    },
    /// `account in segment "S"`: the account's id (if the user has one) and
    /// S traced for the account's row, while the depth allows.
    AccountInSegment {
        account: Option<String>,
        segment: String,
        member: bool,
        inner: Option<Box<Trace>>,
    },
    /// An aggregate over the account's users: its value, `None` when it has
    /// none (avg, min, max over no values).
    Aggregate {
        value: Option<Scalar>,
    },
}

/// The value a property predicate read.
#[derive(Clone, Debug, PartialEq)]
pub enum Observed {
    /// The property's value; `None` when it is not set.
    Value(Option<Value>),
    /// `account.P` of a user without an account (or whose `account_id`
    /// names no account).
    NoAccount,
    /// `account.P`: the account's id and its value of `P`.
    Account { id: String, value: Option<Value> },
}

impl Engine {
    /// The names of the segments and their kinds, matched ignoring case.
    fn segment_lookup(&self, name: &str) -> Option<(usize, EntityKind)> {
        self.by_folded_name
            .get(&fold_name(name))
            .map(|&index| (index, self.kinds[index]))
    }

    /// The condition of a segment (by name, ignoring case), with its kind
    /// and exact name.
    pub fn segment_condition(&self, name: &str) -> Option<(&str, EntityKind, &Condition)> {
        let (index, kind) = self.segment_lookup(name)?;
        let spec = &self.segments[index].spec;
        Some((spec.name.as_str(), kind, &spec.condition))
    }

    /// Traces a segment's condition (by name, ignoring case) for one living
    /// `row` of its kind, through the very plan that computes its members.
    pub fn trace_segment(
        &self,
        name: &str,
        row: u32,
        depth: usize,
    ) -> Option<Result<Trace, CompileError>> {
        let (index, kind) = self.segment_lookup(name)?;
        let lookup = |name: &str| self.segment_lookup(name);
        let compiler = Compiler::new(self.now, &lookup);
        let tracer = Tracer {
            engine: self,
            compiler: &compiler,
        };
        let segment = &self.segments[index];
        Some(tracer.trace(&segment.spec.condition, &segment.plan, kind, row, depth))
    }

    /// Traces `condition` (about entities of `kind`) for one living `row`.
    /// `in segment` references are traced into their own conditions up to
    /// `depth` levels down.
    pub fn trace(
        &self,
        kind: EntityKind,
        row: u32,
        condition: &Condition,
        depth: usize,
    ) -> Result<Trace, CompileError> {
        let lookup = |name: &str| self.segment_lookup(name);
        let compiler = Compiler::new(self.now, &lookup);
        let plan = compiler.compile(condition, kind)?;
        let tracer = Tracer {
            engine: self,
            compiler: &compiler,
        };
        tracer.trace(condition, &plan, kind, row, depth)
    }
}

struct Tracer<'a> {
    engine: &'a Engine,
    compiler: &'a Compiler<'a>,
}

impl Tracer<'_> {
    /// Walks the condition and its compiled plan side by side. The compiler
    /// maps `and`, `or` and `not` one to one and each predicate to one plan,
    /// so they have the same shape; should a part ever not match, it is
    /// compiled on its own, so the answer is the engine's either way.
    fn trace(
        &self,
        condition: &Condition,
        plan: &Plan,
        kind: EntityKind,
        row: u32,
        depth: usize,
    ) -> Result<Trace, CompileError> {
        let holds = self.engine.world().row(plan, kind, row);
        let step = match (condition, plan) {
            (Condition::And(parts), Plan::And(plans)) if parts.len() == plans.len() => {
                Step::And(self.each(parts, plans, kind, row, depth)?)
            }
            (Condition::Or(parts), Plan::Or(plans)) if parts.len() == plans.len() => {
                Step::Or(self.each(parts, plans, kind, row, depth)?)
            }
            (Condition::Not(inner, _), Plan::Not(inner_plan)) => {
                Step::Not(Box::new(self.trace(inner, inner_plan, kind, row, depth)?))
            }
            (Condition::Predicate(predicate), plan) => {
                self.predicate(&predicate.kind, plan, kind, row, depth)?
            }
            (other, _) => {
                let plan = self.compiler.compile(other, kind)?;
                return self.trace(other, &plan, kind, row, depth);
            }
        };
        Ok(Trace { holds, step })
    }

    fn each(
        &self,
        parts: &[Condition],
        plans: &[Plan],
        kind: EntityKind,
        row: u32,
        depth: usize,
    ) -> Result<Vec<Trace>, CompileError> {
        parts
            .iter()
            .zip(plans)
            .map(|(part, plan)| self.trace(part, plan, kind, row, depth))
            .collect()
    }

    fn predicate(
        &self,
        predicate: &PredicateKind,
        plan: &Plan,
        kind: EntityKind,
        row: u32,
        depth: usize,
    ) -> Result<Step, CompileError> {
        let engine = self.engine;
        Ok(match predicate {
            PredicateKind::InSegment { segment, .. } => {
                let (index, _) = engine
                    .segment_lookup(&segment.text)
                    .ok_or_else(|| unknown(&segment.text))?;
                Step::InSegment {
                    segment: engine.segments[index].spec.name.clone(),
                    member: engine.members[index].contains(row as usize),
                    inner: self.inner(index, kind, row, depth)?,
                }
            }
            PredicateKind::AccountInSegment { segment, .. } => {
                let (index, _) = engine
                    .segment_lookup(&segment.text)
                    .ok_or_else(|| unknown(&segment.text))?;
                let account = engine.account_of(row);
                Step::AccountInSegment {
                    account: account.map(|a| engine.accounts.ids[a as usize].to_string()),
                    segment: engine.segments[index].spec.name.clone(),
                    member: account.is_some_and(|a| engine.members[index].contains(a as usize)),
                    inner: match account {
                        Some(account) => self.inner(index, EntityKind::Accounts, account, depth)?,
                        None => None,
                    },
                }
            }
            PredicateKind::Aggregate { .. } => {
                let aggregate = match plan {
                    Plan::Aggregate(aggregate) => Some(aggregate),
                    Plan::Not(inner) => match inner.as_ref() {
                        Plan::Aggregate(aggregate) => Some(aggregate),
                        _ => None,
                    },
                    _ => None,
                };
                Step::Aggregate {
                    value: aggregate
                        .and_then(|aggregate| engine.world().aggregate_value(aggregate, row)),
                }
            }
            other => match other.path() {
                Some(path) => Step::Property(self.observe(path.scope, &path.name, kind, row)),
                None => Step::Property(Observed::Value(None)),
            },
        })
    }

    /// Segment `index`'s own condition traced for `row`, one level down.
    fn inner(
        &self,
        index: usize,
        kind: EntityKind,
        row: u32,
        depth: usize,
    ) -> Result<Option<Box<Trace>>, CompileError> {
        if depth == 0 {
            return Ok(None);
        }
        let segment = &self.engine.segments[index];
        let trace = self.trace(&segment.spec.condition, &segment.plan, kind, row, depth - 1)?;
        Ok(Some(Box::new(trace)))
    }

    /// The value a predicate on `name` reads for `row`.
    fn observe(&self, scope: Scope, name: &str, kind: EntityKind, row: u32) -> Observed {
        let engine = self.engine;
        match scope {
            Scope::Account if kind == EntityKind::Users => match engine.account_of(row) {
                Some(account) => Observed::Account {
                    id: engine.accounts.ids[account as usize].to_string(),
                    value: self.value_of(EntityKind::Accounts, account, name),
                },
                None => Observed::NoAccount,
            },
            _ => Observed::Value(self.value_of(kind, row, name)),
        }
    }

    fn value_of(&self, kind: EntityKind, row: u32, name: &str) -> Option<Value> {
        let engine = self.engine;
        let table = engine.table(kind);
        match name {
            "id" => Some(Value::string(table.ids[row as usize].to_string())),
            "segments" => Some(Value::List(
                engine
                    .segments_of(kind, row)
                    .into_iter()
                    .map(Scalar::String)
                    .collect(),
            )),
            name => table
                .column(name)
                .and_then(|column| column.value(column.cell(row as usize))),
        }
    }
}

fn unknown(name: &str) -> CompileError {
    CompileError(format!("there is no segment named \"{name}\""))
}
