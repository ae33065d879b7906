//! Evaluating plans: for a whole kind at once (a bitset of matching rows) or
//! for one row (incremental updates). Both read the same columns through the
//! same [`ValueTest`]s, so they cannot disagree on what a predicate means.

use std::sync::OnceLock;

use fixedbitset::FixedBitSet;

use super::links::Links;
use super::plan::{AggregatePlan, Plan, PropertyPlan, Source};
use super::table::{Cell, Table};
use super::value_test::{Atom, ValueTest, compare, holds};
use crate::model::EntityKind;
use crate::model::Scalar;
use crate::model::ast::AggregateFunction;

/// Everything a plan can read: both tables, the user→account links and the
/// current members of every segment.
pub struct World<'a> {
    pub users: &'a Table,
    pub accounts: &'a Table,
    /// Built on first use (see `Engine::links`).
    pub links: &'a OnceLock<Links>,
    pub members: &'a [FixedBitSet],
    pub segment_kinds: &'a [EntityKind],
    /// Segment indexes in name order, for the computed `segments` list.
    pub segments_by_name: &'a [(String, usize)],
}

impl World<'_> {
    fn links(&self) -> &Links {
        self.links
            .get_or_init(|| Links::of_tables(self.users, self.accounts))
    }

    pub fn table(&self, kind: EntityKind) -> &Table {
        match kind {
            EntityKind::Users => self.users,
            EntityKind::Accounts => self.accounts,
        }
    }

    /// The rows of `kind` that satisfy `plan`.
    pub fn bulk(&self, plan: &Plan, kind: EntityKind) -> FixedBitSet {
        self.bulk_within(plan, kind, &self.table(kind).alive)
    }

    /// The rows among `within` (living rows of `kind`) that satisfy `plan`.
    /// Each part of an `and` is tested only on the rows the parts before it
    /// kept, so a selective first part makes the rest cheap.
    fn bulk_within(&self, plan: &Plan, kind: EntityKind, within: &FixedBitSet) -> FixedBitSet {
        let table = self.table(kind);
        match plan {
            Plan::And(parts) => {
                let mut result = within.clone();
                for part in parts {
                    if result.is_clear() {
                        break;
                    }
                    result = self.bulk_within(part, kind, &result);
                }
                result
            }
            Plan::Or(parts) => {
                let mut result = FixedBitSet::with_capacity(table.rows());
                for part in parts {
                    result.union_with(&self.bulk_within(part, kind, within));
                }
                result
            }
            Plan::Not(inner) => {
                let mut result = within.clone();
                result.difference_with(&self.bulk_within(inner, kind, within));
                result
            }
            Plan::Property(property) if property.on_account && kind == EntityKind::Users => {
                let on_accounts =
                    self.property_bulk(property, EntityKind::Accounts, &self.accounts.alive);
                self.gather_from_accounts(&on_accounts, within)
            }
            Plan::Property(property) => self.property_bulk(property, kind, within),
            Plan::InSegment(index) => {
                let mut result = self.members[*index].clone();
                result.grow(table.rows());
                result.intersect_with(within);
                result
            }
            Plan::AccountInSegment(index) => {
                self.gather_from_accounts(&self.members[*index], within)
            }
            Plan::Aggregate(aggregate) => {
                let mut result = self.aggregate_bulk(aggregate);
                result.grow(table.rows());
                result.intersect_with(within);
                result
            }
        }
    }

    /// Does `row` of `kind` satisfy `plan`?
    pub fn row(&self, plan: &Plan, kind: EntityKind, row: u32) -> bool {
        if !self.table(kind).is_alive(row) {
            return false;
        }
        match plan {
            Plan::And(parts) => parts.iter().all(|part| self.row(part, kind, row)),
            Plan::Or(parts) => parts.iter().any(|part| self.row(part, kind, row)),
            Plan::Not(inner) => !self.row(inner, kind, row),
            Plan::Property(property) if property.on_account && kind == EntityKind::Users => self
                .links()
                .account_of(row)
                .is_some_and(|account| self.property_row(property, EntityKind::Accounts, account)),
            Plan::Property(property) => self.property_row(property, kind, row),
            Plan::InSegment(index) => self.members[*index].contains(row as usize),
            Plan::AccountInSegment(index) => self
                .links()
                .account_of(row)
                .is_some_and(|account| self.members[*index].contains(account as usize)),
            Plan::Aggregate(aggregate) => self.aggregate_row(aggregate, row),
        }
    }

    /// Users among `within` whose account is in `account_bits`.
    fn gather_from_accounts(
        &self,
        account_bits: &FixedBitSet,
        within: &FixedBitSet,
    ) -> FixedBitSet {
        let mut result = FixedBitSet::with_capacity(self.users.rows());
        for user in within.ones() {
            if let Some(account) = self.links().account_of(user as u32)
                && account_bits.contains(account as usize)
            {
                result.insert(user);
            }
        }
        result
    }

    /// The rows among `within` (living rows of `kind`) whose property
    /// passes the test.
    fn property_bulk(
        &self,
        property: &PropertyPlan,
        kind: EntityKind,
        within: &FixedBitSet,
    ) -> FixedBitSet {
        let table = self.table(kind);
        let mut result = FixedBitSet::with_capacity(table.rows());
        match &property.source {
            Source::Column(name) => {
                let Some(column) = table.column(name) else {
                    return result;
                };
                // Answer text tests once per distinct text, not once per
                // row — unless there are fewer rows to test than texts.
                let per_text =
                    property.test.reads_text() && within.count_ones(..) >= column.dictionary.len();
                let text_table: Option<Vec<bool>> = per_text.then(|| {
                    (0..column.dictionary.len() as u32)
                        .map(|code| {
                            property.test.atom(Atom::Text(
                                column.dictionary.text(code),
                                column.dictionary.lower(code),
                            ))
                        })
                        .collect()
                });
                for row in within.ones() {
                    let cell = column.cell(row);
                    if cell != Cell::Missing
                        && property.test.cell(column, cell, text_table.as_deref())
                    {
                        result.insert(row);
                    }
                }
            }
            _ => {
                for row in within.ones() {
                    if self.property_row(property, kind, row as u32) {
                        result.insert(row);
                    }
                }
            }
        }
        result
    }

    fn property_row(&self, property: &PropertyPlan, kind: EntityKind, row: u32) -> bool {
        let table = self.table(kind);
        match &property.source {
            Source::Column(name) => table
                .column(name)
                .is_some_and(|column| property.test.cell(column, column.cell(row as usize), None)),
            Source::Id => {
                let id = &table.ids[row as usize];
                property.test.atoms([Atom::Text(id, &id.to_lowercase())])
            }
            Source::Segments => {
                let names: Vec<(&str, String)> = self
                    .segment_names(kind, row)
                    .map(|name| (name, name.to_lowercase()))
                    .collect();
                test_texts(&property.test, &names)
            }
        }
    }

    /// The names of the segments `row` is in, in name order.
    pub fn segment_names(&self, kind: EntityKind, row: u32) -> impl Iterator<Item = &str> {
        self.segments_by_name
            .iter()
            .filter(move |(_, index)| {
                self.segment_kinds[*index] == kind && self.members[*index].contains(row as usize)
            })
            .map(|(name, _)| name.as_str())
    }

    fn aggregate_bulk(&self, aggregate: &AggregatePlan) -> FixedBitSet {
        let counted = match &aggregate.filter {
            Some(filter) => self.bulk(filter, EntityKind::Users),
            None => self.users.alive.clone(),
        };
        let mut totals = vec![Total::default(); self.accounts.rows()];
        let column = aggregate
            .property
            .as_deref()
            .and_then(|name| self.users.column(name));
        for user in counted.ones() {
            if let Some(account) = self.links().account_of(user as u32) {
                let cell = column.map_or(Cell::Missing, |c| c.cell(user));
                totals[account as usize].add(cell, &aggregate.rhs);
            }
        }
        let mut result = FixedBitSet::with_capacity(self.accounts.rows());
        for account in self.accounts.alive.ones() {
            if totals[account].satisfies(aggregate) {
                result.insert(account);
            }
        }
        result
    }

    fn aggregate_row(&self, aggregate: &AggregatePlan, account: u32) -> bool {
        self.aggregate_total(aggregate, account)
            .satisfies(aggregate)
    }

    /// The aggregate's value for one account, as [`World::row`] compares
    /// it; `None` when it has none (avg, min or max over no values).
    pub fn aggregate_value(&self, aggregate: &AggregatePlan, account: u32) -> Option<Scalar> {
        self.aggregate_total(aggregate, account)
            .value(aggregate.function, &aggregate.rhs)
    }

    fn aggregate_total(&self, aggregate: &AggregatePlan, account: u32) -> Total {
        let mut total = Total::default();
        let column = aggregate
            .property
            .as_deref()
            .and_then(|name| self.users.column(name));
        let id = &self.accounts.ids[account as usize];
        for &user in self.links().users_of(id) {
            if !self.users.is_alive(user) {
                continue;
            }
            let counted = match &aggregate.filter {
                Some(filter) => self.row(filter, EntityKind::Users, user),
                None => true,
            };
            if counted {
                let cell = column.map_or(Cell::Missing, |c| c.cell(user as usize));
                total.add(cell, &aggregate.rhs);
            }
        }
        total
    }
}

fn test_texts(test: &ValueTest, names: &[(&str, String)]) -> bool {
    test.atoms(names.iter().map(|(name, lower)| Atom::Text(name, lower)))
}

/// Running totals of one account's counted users.
#[derive(Clone, Default)]
struct Total {
    count: u64,
    /// Values of the type the comparison needs (numbers, or datetimes).
    values: u64,
    sum: f64,
    time_sum: i128,
    min: Option<f64>,
    max: Option<f64>,
    time_min: Option<i64>,
    time_max: Option<i64>,
}

impl Total {
    fn add(&mut self, cell: Cell, rhs: &Scalar) {
        self.count += 1;
        match (cell, rhs) {
            (Cell::Number(n), Scalar::Number(_)) => {
                self.values += 1;
                self.sum += n;
                self.min = Some(self.min.map_or(n, |m| m.min(n)));
                self.max = Some(self.max.map_or(n, |m| m.max(n)));
            }
            (Cell::DateTime(t), Scalar::DateTime(_)) => {
                self.values += 1;
                self.time_sum += i128::from(t);
                self.time_min = Some(self.time_min.map_or(t, |m| m.min(t)));
                self.time_max = Some(self.time_max.map_or(t, |m| m.max(t)));
            }
            _ => {}
        }
    }

    /// The aggregate's value; `None` is missing (no values for avg/min/max).
    fn value(&self, function: AggregateFunction, rhs: &Scalar) -> Option<Scalar> {
        let is_time = matches!(rhs, Scalar::DateTime(_));
        match function {
            AggregateFunction::Count => Some(Scalar::Number(self.count as f64)),
            AggregateFunction::Sum if is_time => None,
            AggregateFunction::Sum => Some(Scalar::Number(self.sum)),
            _ if self.values == 0 => None,
            AggregateFunction::Avg if is_time => Some(Scalar::DateTime(
                (self.time_sum / i128::from(self.values)) as i64,
            )),
            AggregateFunction::Avg => Some(Scalar::Number(self.sum / self.values as f64)),
            AggregateFunction::Min if is_time => self.time_min.map(Scalar::DateTime),
            AggregateFunction::Min => self.min.map(Scalar::Number),
            AggregateFunction::Max if is_time => self.time_max.map(Scalar::DateTime),
            AggregateFunction::Max => self.max.map(Scalar::Number),
        }
    }

    fn satisfies(&self, aggregate: &AggregatePlan) -> bool {
        let Some(value) = self.value(aggregate.function, &aggregate.rhs) else {
            return false;
        };
        let atom = match value {
            Scalar::Number(n) => Atom::Number(n),
            Scalar::DateTime(t) => Atom::DateTime(t),
            Scalar::String(_) | Scalar::Bool(_) => return false,
        };
        compare(atom, &aggregate.rhs).is_some_and(|ordering| holds(aggregate.op, ordering))
    }
}
