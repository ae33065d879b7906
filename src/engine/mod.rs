//! The segment engine: a columnar snapshot of every user and account,
//! segments compiled into plans, their members as bitsets, and the changes
//! of membership that every change of data, definitions or time causes.
//!
//! Rows are dense `u32` numbers chosen by the caller (the workspace uses the
//! store's stable ordinals). Segments are evaluated in dependency order; a
//! change to one entity re-evaluates only the rows that can change: its own,
//! its account's for aggregates, and its account's users' where they read the
//! account. The engine knows no storage and no terminal.

mod at_open;
mod evaluate;
mod explain;
mod image;
mod links;
mod order;
mod plan;
mod strings;
mod table;
mod time;
mod value_test;

use std::collections::HashMap;
use std::sync::OnceLock;

use fixedbitset::FixedBitSet;

pub use evaluate::World;
pub use explain::{Observed, Step, Trace};
pub use image::ImageError;
pub use order::SortWork;
pub use plan::CompileError;
pub use table::{Cell, Column, TYPE_WORDS, Table, TypeCounts, type_label};
pub use time::resolve_relative;

use crate::model::ast::{Condition, Node};
use crate::model::{ACCOUNT_ID, Properties, Value, property_pairs};
use crate::model::{DefinitionKind, EntityKind, ReferenceGraph, fold_name};
use links::Links;
use plan::{Compiler, Plan};

/// A segment as the engine needs it — or a playbook's trigger.
#[derive(Clone, Debug)]
pub struct SegmentSpec {
    pub name: String,
    pub kind: EntityKind,
    pub condition: Condition,
    /// A playbook's `when`: kept and moved exactly like a segment's members
    /// (incrementally, after every segment it may read), but not a segment:
    /// no condition can name it, no `segments` list shows it, and its names
    /// are a namespace of their own.
    pub trigger: bool,
}

impl SegmentSpec {
    pub fn segment(name: impl Into<String>, kind: EntityKind, condition: Condition) -> SegmentSpec {
        SegmentSpec {
            name: name.into(),
            kind,
            condition,
            trigger: false,
        }
    }
}

/// Who entered and who left one segment (or one playbook's trigger, when
/// `trigger`) in one change.
#[derive(Clone, Debug, PartialEq)]
pub struct MembershipDelta {
    pub segment: String,
    pub kind: EntityKind,
    pub entered: Vec<u32>,
    pub exited: Vec<u32>,
    pub trigger: bool,
}

struct CompiledSegment {
    spec: SegmentSpec,
    plan: Plan,
    /// Segments this one reads (their indexes).
    references: Vec<usize>,
    reads_account: bool,
    has_aggregate: bool,
    /// Its plan resolved a relative time: members move with `now`.
    moves_with_time: bool,
    /// Members were given at install (stored ones), not started empty.
    given_members: bool,
}

/// A batch larger than this share of a kind's rows is re-evaluated in full.
const FULL_EVALUATION_SHARE: usize = 64;

pub struct Engine {
    now: i64,
    users: Table,
    accounts: Table,
    /// Built from the tables on first use when the engine was opened from
    /// a snapshot's image; kept up to date by every load after.
    links: OnceLock<Links>,
    segments: Vec<CompiledSegment>,
    members: Vec<FixedBitSet>,
    kinds: Vec<EntityKind>,
    /// Segment indexes in dependency order.
    order: Vec<usize>,
    /// (name, index) of segments sorted by name in byte order, for `segments`.
    by_name: Vec<(String, usize)>,
    /// Segments by folded name: what `in segment` may name.
    by_folded_name: HashMap<String, usize>,
    /// Playbook triggers by folded name.
    triggers_by_folded_name: HashMap<String, usize>,
    /// Segments whose evaluation at open was put off (empty: none); see
    /// [`Engine::defer_at_open`].
    deferred: Vec<bool>,
}

impl Engine {
    pub fn new(now: i64) -> Engine {
        Engine {
            now,
            users: Table::default(),
            accounts: Table::default(),
            links: OnceLock::from(Links::default()),
            segments: Vec::new(),
            members: Vec::new(),
            kinds: Vec::new(),
            order: Vec::new(),
            by_name: Vec::new(),
            by_folded_name: HashMap::new(),
            triggers_by_folded_name: HashMap::new(),
            deferred: Vec::new(),
        }
    }

    pub fn now(&self) -> i64 {
        self.now
    }

    pub fn table(&self, kind: EntityKind) -> &Table {
        match kind {
            EntityKind::Users => &self.users,
            EntityKind::Accounts => &self.accounts,
        }
    }

    fn table_mut(&mut self, kind: EntityKind) -> &mut Table {
        match kind {
            EntityKind::Users => &mut self.users,
            EntityKind::Accounts => &mut self.accounts,
        }
    }

    /// Makes room for `rows` entities of `kind` in all (a hint: loading
    /// that many then grows nothing it can know the size of).
    pub fn reserve(&mut self, kind: EntityKind, rows: usize) {
        self.table_mut(kind).reserve(rows);
        if kind == EntityKind::Users {
            self.links_mut().reserve_users(rows);
        }
    }

    /// Builds every hash index that is otherwise built on its first lookup
    /// (ids, texts, account ids): for the UI, whose first keys should not
    /// pay for them; a one-off command never needs most of them.
    pub fn build_indexes(&self) {
        std::thread::scope(|scope| {
            scope.spawn(|| self.users.build_indexes());
            self.accounts.build_indexes();
            self.links().build_index();
        });
    }

    /// Lets go of the snapshot image bytes that decoded columns no longer
    /// need (after [`Engine::build_indexes`]: all of them).
    pub fn release_images(&mut self) {
        self.users.release_images();
        self.accounts.release_images();
    }

    pub fn row_of(&self, kind: EntityKind, id: &str) -> Option<u32> {
        self.table(kind).row_of(id)
    }

    /// The account row of a user, if the user's `account_id` names one.
    pub fn account_of(&self, user: u32) -> Option<u32> {
        self.links().account_of(user)
    }

    /// The user rows whose `account_id` is this account's id.
    pub fn users_of_account(&self, account: u32) -> Vec<u32> {
        let id = &self.accounts.ids[account as usize];
        self.links()
            .users_of(id)
            .iter()
            .copied()
            .filter(|&user| self.users.is_alive(user))
            .collect()
    }

    /// The user → account links (built from the tables now if they are not
    /// yet).
    fn links(&self) -> &Links {
        self.links
            .get_or_init(|| Links::of_tables(&self.users, &self.accounts))
    }

    fn links_mut(&mut self) -> &mut Links {
        self.links();
        self.links.get_mut().expect("built just above")
    }

    fn world(&self) -> World<'_> {
        World {
            users: &self.users,
            accounts: &self.accounts,
            links: &self.links,
            members: &self.members,
            segment_kinds: &self.kinds,
            segments_by_name: &self.by_name,
        }
    }

    // ------------------------------------------------------------ loading

    /// Stores an entity without evaluating anything, noting in `touched` the
    /// rows to settle later: for loading a snapshot before
    /// [`Engine::install_segments`] and [`Engine::reevaluate_all`], or for a
    /// batch of changes finished by [`Engine::settle`].
    pub fn load<'p>(
        &mut self,
        kind: EntityKind,
        row: u32,
        id: &str,
        properties: impl Iterator<Item = (&'p str, &'p Value)> + Clone,
        touched: &mut Touched,
    ) {
        // Links built from the tables must be of the tables before this
        // change, which then moves them.
        self.links();
        self.table_mut(kind).put(row, id, properties.clone());
        match kind {
            EntityKind::Users => {
                let account_id = properties
                    .into_iter()
                    .find(|(name, _)| *name == ACCOUNT_ID)
                    .and_then(|(_, value)| value.as_str());
                let (previous, account_row) = self.links_mut().set_user(row, account_id);
                touched.users.push(row);
                touched.aggregate_accounts.extend(previous);
                touched.aggregate_accounts.extend(account_row);
            }
            EntityKind::Accounts => {
                self.links_mut().set_account(id, Some(row));
                touched.accounts.push(row);
            }
        }
    }

    /// Removes an entity without evaluating; see [`Engine::settle`].
    pub fn unload(&mut self, kind: EntityKind, row: u32) -> Touched {
        let mut touched = Touched::default();
        if !self.table(kind).is_alive(row) {
            return touched;
        }
        self.links();
        self.table_mut(kind).remove(row);
        match kind {
            EntityKind::Users => {
                let (previous, _) = self.links_mut().set_user(row, None);
                touched.users.push(row);
                touched.aggregate_accounts.extend(previous);
            }
            EntityKind::Accounts => {
                let id = self.accounts.ids[row as usize].clone();
                self.links_mut().set_account(&id, None);
                touched.accounts.push(row);
            }
        }
        touched
    }

    // ------------------------------------------------------------ segments

    /// Compiles `specs` (which must be valid and free of cycles) and takes
    /// `members` as their current members (missing ones start empty),
    /// without evaluating anything. Triggers come after every segment in
    /// evaluation order (they may read segments; nothing reads them).
    pub fn install_segments(
        &mut self,
        specs: Vec<SegmentSpec>,
        mut members: impl FnMut(&SegmentSpec) -> Option<FixedBitSet>,
    ) -> Result<(), CompileError> {
        let mut by_folded_name = HashMap::new();
        let mut triggers_by_folded_name = HashMap::new();
        for (index, spec) in specs.iter().enumerate() {
            let names = if spec.trigger {
                &mut triggers_by_folded_name
            } else {
                &mut by_folded_name
            };
            names.insert(fold_name(&spec.name), index);
        }
        let kinds: Vec<EntityKind> = specs.iter().map(|spec| spec.kind).collect();
        let lookup = |name: &str| {
            by_folded_name
                .get(&fold_name(name))
                .map(|&index| (index, kinds[index]))
        };
        let compiler = Compiler::new(self.now, &lookup);
        let mut compiled = Vec::with_capacity(specs.len());
        for spec in specs {
            let what = if spec.trigger { "playbook" } else { "segment" };
            compiler.resolved_relative.set(false);
            let plan = compiler
                .compile(&spec.condition, spec.kind)
                .map_err(|error| CompileError(format!("{what} \"{}\": {}", spec.name, error.0)))?;
            let mut references = Vec::new();
            plan.segment_references(&mut references);
            references.sort_unstable();
            references.dedup();
            compiled.push(CompiledSegment {
                reads_account: plan.reads_account(),
                has_aggregate: plan.has_aggregate(),
                moves_with_time: compiler.resolved_relative.get(),
                given_members: false,
                plan,
                references,
                spec,
            });
        }
        let order = dependency_order(&compiled)?;
        self.deferred.clear();
        self.members = compiled
            .iter_mut()
            .map(|segment| {
                let rows = self.table(segment.spec.kind).rows();
                let given = members(&segment.spec);
                segment.given_members = given.is_some();
                let mut bits = given.unwrap_or_default();
                bits.grow(rows);
                bits
            })
            .collect();
        let mut by_name: Vec<(String, usize)> = compiled
            .iter()
            .enumerate()
            .filter(|(_, segment)| !segment.spec.trigger)
            .map(|(index, segment)| (segment.spec.name.clone(), index))
            .collect();
        by_name.sort();
        self.kinds = kinds;
        self.segments = compiled;
        self.order = order;
        self.by_name = by_name;
        self.by_folded_name = by_folded_name;
        self.triggers_by_folded_name = triggers_by_folded_name;
        Ok(())
    }

    /// Replaces the segments, keeping the members of those that stay (by
    /// name and kind), and returns every change of membership.
    pub fn set_segments(
        &mut self,
        specs: Vec<SegmentSpec>,
    ) -> Result<Vec<MembershipDelta>, CompileError> {
        self.set_segments_renaming(specs, &[])
    }

    /// Like [`Engine::set_segments`], where each `(old, new)` of `renames`
    /// is the same segment under a new name: it keeps its members, and
    /// nobody leaves or enters because of the new name.
    pub fn set_segments_renaming(
        &mut self,
        specs: Vec<SegmentSpec>,
        renames: &[(String, String)],
    ) -> Result<Vec<MembershipDelta>, CompileError> {
        // Names are (trigger, folded name): a playbook may share a segment's.
        let renamed = |spec: &SegmentSpec| -> (bool, String) {
            let folded = fold_name(&spec.name);
            if spec.trigger {
                return (true, folded);
            }
            let name = renames
                .iter()
                .find(|(old, _)| fold_name(old) == folded)
                .map_or(folded, |(_, new)| fold_name(new));
            (false, name)
        };
        let key = |spec: &SegmentSpec| (spec.trigger, fold_name(&spec.name));
        let previous: HashMap<(bool, String), (EntityKind, FixedBitSet)> = self
            .segments
            .iter()
            .zip(&self.members)
            .map(|(segment, bits)| (renamed(&segment.spec), (segment.spec.kind, bits.clone())))
            .collect();
        let new_names: HashMap<(bool, String), EntityKind> =
            specs.iter().map(|spec| (key(spec), spec.kind)).collect();
        // Segments that go away (or change kind): every member exits.
        let mut deltas: Vec<MembershipDelta> = self
            .segments
            .iter()
            .zip(&self.members)
            .filter(|(segment, bits)| {
                new_names.get(&renamed(&segment.spec)) != Some(&segment.spec.kind)
                    && !bits.is_clear()
            })
            .map(|(segment, bits)| MembershipDelta {
                segment: segment.spec.name.clone(),
                kind: segment.spec.kind,
                entered: Vec::new(),
                exited: bits.ones().map(|row| row as u32).collect(),
                trigger: segment.spec.trigger,
            })
            .collect();
        let unchanged: HashMap<(bool, String), (EntityKind, Condition)> = self
            .segments
            .iter()
            .map(|s| (renamed(&s.spec), (s.spec.kind, s.spec.condition.clone())))
            .collect();
        let kinds: HashMap<(bool, String), EntityKind> = new_names;
        self.install_segments(specs, |spec| {
            let key = key(spec);
            previous
                .get(&key)
                .filter(|(kind, _)| Some(kind) == kinds.get(&key))
                .map(|(_, bits)| bits.clone())
        })?;
        // Only new and changed segments, and those that read them, are
        // evaluated again; the others keep their members. A condition that
        // only moved in its text (a renamed segment's) has not changed.
        let mut stale: Vec<bool> = self
            .segments
            .iter()
            .map(|s| {
                !unchanged
                    .get(&key(&s.spec))
                    .is_some_and(|(kind, condition)| {
                        *kind == s.spec.kind && condition.same_meaning(&s.spec.condition)
                    })
            })
            .collect();
        for &index in &self.order {
            if self.segments[index].references.iter().any(|&r| stale[r]) {
                stale[index] = true;
            }
        }
        deltas.extend(self.reevaluate(&stale));
        Ok(deltas)
    }

    /// Evaluates every segment in full and returns what changed.
    pub fn reevaluate_all(&mut self) -> Vec<MembershipDelta> {
        let all = vec![true; self.segments.len()];
        self.reevaluate(&all)
    }

    /// Evaluates the segments marked in `which` in full (in dependency
    /// order) and returns what changed.
    fn reevaluate(&mut self, which: &[bool]) -> Vec<MembershipDelta> {
        let mut deltas = Vec::new();
        for position in 0..self.order.len() {
            let index = self.order[position];
            if !which[index] {
                continue;
            }
            let segment = &self.segments[index];
            let fresh = self.world().bulk(&segment.plan, segment.spec.kind);
            let old = &self.members[index];
            let entered: Vec<u32> = fresh.difference(old).map(|row| row as u32).collect();
            let exited: Vec<u32> = old.difference(&fresh).map(|row| row as u32).collect();
            if !entered.is_empty() || !exited.is_empty() {
                deltas.push(MembershipDelta {
                    segment: segment.spec.name.clone(),
                    kind: segment.spec.kind,
                    entered,
                    exited,
                    trigger: segment.spec.trigger,
                });
            }
            self.members[index] = fresh;
            if let Some(deferred) = self.deferred.get_mut(index) {
                *deferred = false;
            }
        }
        deltas
    }

    /// Evaluates as of another instant: relative times move, members change.
    pub fn set_now(&mut self, now: i64) -> Result<Vec<MembershipDelta>, CompileError> {
        self.now = now;
        let specs: Vec<SegmentSpec> = self.segments.iter().map(|s| s.spec.clone()).collect();
        let members = std::mem::take(&mut self.members);
        let names: Vec<(bool, String)> =
            specs.iter().map(|s| (s.trigger, s.name.clone())).collect();
        let mut by_name: HashMap<(bool, String), FixedBitSet> =
            names.into_iter().zip(members).collect();
        self.install_segments(specs, |spec| {
            by_name.remove(&(spec.trigger, spec.name.clone()))
        })?;
        Ok(self.reevaluate_all())
    }

    // ------------------------------------------------------------ changes

    /// Inserts or replaces one entity and returns the membership changes,
    /// re-evaluating only the rows that can change.
    pub fn upsert(
        &mut self,
        kind: EntityKind,
        row: u32,
        id: &str,
        properties: &Properties,
    ) -> Vec<MembershipDelta> {
        let mut touched = Touched::default();
        self.load(kind, row, id, property_pairs(properties), &mut touched);
        self.settle(touched)
    }

    /// Removes one entity: it leaves every segment.
    pub fn remove(&mut self, kind: EntityKind, row: u32) -> Vec<MembershipDelta> {
        let touched = self.unload(kind, row);
        self.settle(touched)
    }

    /// Applies many changes (`None` removes) and returns the combined
    /// changes.
    pub fn apply_batch(
        &mut self,
        changes: Vec<(EntityKind, u32, String, Option<Properties>)>,
    ) -> Vec<MembershipDelta> {
        let mut touched = Touched::default();
        for (kind, row, id, properties) in &changes {
            match properties {
                Some(properties) => {
                    self.load(*kind, *row, id, property_pairs(properties), &mut touched)
                }
                None => touched.merge(self.unload(*kind, *row)),
            }
        }
        self.settle(touched)
    }

    /// Brings membership up to date after [`Engine::load`] and
    /// [`Engine::unload`] calls: row by row for a few changes, in full for
    /// many.
    pub fn settle(&mut self, touched: Touched) -> Vec<MembershipDelta> {
        self.grow_members();
        let changed = touched.users.len() + touched.accounts.len();
        let rows = self.users.rows() + self.accounts.rows();
        if changed * FULL_EVALUATION_SHARE > rows.max(1) {
            self.reevaluate_all()
        } else {
            self.propagate(touched)
        }
    }

    fn grow_members(&mut self) {
        for (index, bits) in self.members.iter_mut().enumerate() {
            let rows = match self.kinds[index] {
                EntityKind::Users => self.users.rows(),
                EntityKind::Accounts => self.accounts.rows(),
            };
            bits.grow(rows);
        }
    }

    /// Re-evaluates, segment by segment in dependency order, only the rows
    /// whose inputs changed, following changes across kinds.
    fn propagate(&mut self, touched: Touched) -> Vec<MembershipDelta> {
        let mut changed: Vec<Vec<u32>> = vec![Vec::new(); self.segments.len()];
        // Users whose account's data changed.
        let mut users_of_touched_accounts = Vec::new();
        for &account in &touched.accounts {
            let id = &self.accounts.ids[account as usize];
            users_of_touched_accounts.extend_from_slice(self.links().users_of(id));
        }
        let mut aggregate_accounts = touched.aggregate_accounts.clone();
        aggregate_accounts.extend(
            touched
                .users
                .iter()
                .filter_map(|&u| self.links().account_of(u)),
        );

        let mut deltas = Vec::new();
        for position in 0..self.order.len() {
            let index = self.order[position];
            let segment = &self.segments[index];
            let kind = segment.spec.kind;
            let mut rows: Vec<u32> = Vec::new();
            match kind {
                EntityKind::Users => {
                    rows.extend(&touched.users);
                    if segment.reads_account {
                        rows.extend(&users_of_touched_accounts);
                    }
                }
                EntityKind::Accounts => {
                    rows.extend(&touched.accounts);
                    if segment.has_aggregate {
                        rows.extend(&aggregate_accounts);
                    }
                }
            }
            for &reference in &segment.references {
                match (kind, self.kinds[reference]) {
                    (EntityKind::Users, EntityKind::Accounts) => {
                        for &account in &changed[reference] {
                            let id = &self.accounts.ids[account as usize];
                            rows.extend_from_slice(self.links().users_of(id));
                        }
                    }
                    (EntityKind::Accounts, EntityKind::Users) => {
                        rows.extend(
                            changed[reference]
                                .iter()
                                .filter_map(|&u| self.links().account_of(u)),
                        );
                    }
                    _ => rows.extend(&changed[reference]),
                }
            }
            rows.sort_unstable();
            rows.dedup();
            let world = self.world();
            let mut entered = Vec::new();
            let mut exited = Vec::new();
            for &row in &rows {
                let now_member = world.row(&segment.plan, kind, row);
                let was_member = self.members[index].contains(row as usize);
                if now_member && !was_member {
                    entered.push(row);
                } else if was_member && !now_member {
                    exited.push(row);
                }
            }
            let bits = &mut self.members[index];
            for &row in &entered {
                bits.grow(row as usize + 1);
                bits.insert(row as usize);
            }
            for &row in &exited {
                bits.set(row as usize, false);
            }
            changed[index] = entered.iter().chain(&exited).copied().collect();
            if !entered.is_empty() || !exited.is_empty() {
                deltas.push(MembershipDelta {
                    segment: segment.spec.name.clone(),
                    kind,
                    entered,
                    exited,
                    trigger: segment.spec.trigger,
                });
            }
        }
        deltas
    }

    // ------------------------------------------------------------ answers

    /// The rows of `kind` matching a standalone condition, evaluated with
    /// the current segments and `now`.
    /// A condition of `kind` compiled against the installed segments.
    fn compile_query(&self, kind: EntityKind, condition: &Condition) -> Result<Plan, CompileError> {
        let lookup = |name: &str| {
            self.by_folded_name
                .get(&fold_name(name))
                .map(|&index| (index, self.kinds[index]))
        };
        Compiler::new(self.now, &lookup).compile(condition, kind)
    }

    pub fn query(
        &self,
        kind: EntityKind,
        condition: &Condition,
    ) -> Result<FixedBitSet, CompileError> {
        let plan = self.compile_query(kind, condition)?;
        if self.reads_deferred(&plan) {
            return Err(CompileError(
                "this condition reads segments that were not evaluated at open".to_string(),
            ));
        }
        Ok(self.world().bulk(&plan, kind))
    }

    /// The members of a segment (by name, ignoring case).
    pub fn members(&self, name: &str) -> Option<(EntityKind, &FixedBitSet)> {
        let index = *self.by_folded_name.get(&fold_name(name))?;
        debug_assert!(!self.is_deferred(index), "{name} was not evaluated");
        Some((self.kinds[index], &self.members[index]))
    }

    /// The computed `segments` of a row: names in byte order.
    pub fn segments_of(&self, kind: EntityKind, row: u32) -> Vec<String> {
        debug_assert!(!self.deferred.contains(&true), "segments not evaluated");
        self.world()
            .segment_names(kind, row)
            .map(str::to_string)
            .collect()
    }

    /// Segment names with their kinds, in dependency order.
    pub fn segment_names(&self) -> Vec<(String, EntityKind)> {
        self.segments
            .iter()
            .filter(|segment| !segment.spec.trigger)
            .map(|segment| (segment.spec.name.clone(), segment.spec.kind))
            .collect()
    }

    /// The rows that satisfy a playbook's trigger now (by name, ignoring
    /// case), as last evaluated.
    pub fn trigger_matches(&self, name: &str) -> Option<(EntityKind, &FixedBitSet)> {
        let index = *self.triggers_by_folded_name.get(&fold_name(name))?;
        debug_assert!(!self.is_deferred(index), "{name} was not evaluated");
        Some((self.kinds[index], &self.members[index]))
    }
}

/// The rows whose own data changed, and the accounts whose aggregates may
/// have (a user joined, left or changed).
#[derive(Debug, Default)]
pub struct Touched {
    users: Vec<u32>,
    accounts: Vec<u32>,
    aggregate_accounts: Vec<u32>,
}

impl Touched {
    pub fn clear(&mut self) {
        self.users.clear();
        self.accounts.clear();
        self.aggregate_accounts.clear();
    }

    pub fn merge(&mut self, other: Touched) {
        self.users.extend(other.users);
        self.accounts.extend(other.accounts);
        self.aggregate_accounts.extend(other.aggregate_accounts);
    }
}

/// Segment indexes such that each comes after every segment it reads, and
/// the triggers after them all.
fn dependency_order(segments: &[CompiledSegment]) -> Result<Vec<usize>, CompileError> {
    let mut graph = ReferenceGraph::default();
    // The segment each node of the graph is.
    let mut node_segment = Vec::new();
    for (index, segment) in segments.iter().enumerate() {
        if segment.spec.trigger {
            continue;
        }
        let references = segment
            .references
            .iter()
            .map(|&index| (segments[index].spec.name.clone(), ()))
            .collect();
        graph.add(DefinitionKind::Segment, &segment.spec.name, references);
        node_segment.push(index);
    }
    let mut order: Vec<usize> = graph
        .dependency_order()
        .map_err(|cycle| CompileError(cycle.message()))?
        .into_iter()
        .map(|node| node_segment[node])
        .collect();
    order.extend(
        segments
            .iter()
            .enumerate()
            .filter(|(_, segment)| segment.spec.trigger)
            .map(|(index, _)| index),
    );
    Ok(order)
}
