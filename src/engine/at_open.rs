//! What opening evaluates: after the store's segments are installed with
//! the members it recorded, the segments those members cannot answer as of
//! `now` — evaluated at once, or, for a command that reads no segment (a
//! query of properties), put off until something asks for them.
//!
//! Not here: the evaluation itself (`evaluate`), installing segments
//! (`Engine::install_segments`).

use super::plan::Plan;
use super::{Engine, MembershipDelta};

impl Engine {
    /// The segments stored members cannot answer: those whose conditions
    /// read relative times (they move with `now`), read the whole
    /// `segments` list, were given no members, or read one of these — and
    /// every playbook trigger. The others' stored members are what
    /// evaluating them would give: the store commits data and members
    /// together.
    fn stale_at_open(&self) -> Vec<bool> {
        let mut which = vec![false; self.segments.len()];
        for &index in &self.order {
            let segment = &self.segments[index];
            which[index] = segment.spec.trigger
                || segment.moves_with_time
                || !segment.given_members
                || segment.plan.reads_all_segments()
                || segment.references.iter().any(|&read| which[read]);
        }
        which
    }

    /// Evaluates, after [`Engine::install_segments`] with the members the
    /// store recorded with the data, what those members cannot answer.
    pub fn reevaluate_at_open(&mut self) -> Vec<MembershipDelta> {
        let which = self.stale_at_open();
        self.reevaluate(&which)
    }

    /// Puts off what [`Engine::reevaluate_at_open`] would evaluate: until
    /// [`Engine::settle_deferred_read_by`], a query whose condition reads one of
    /// those segments is refused, and nothing else that reads segments may
    /// be asked (a command opens this way only to query properties).
    pub fn defer_at_open(&mut self) {
        self.deferred = self.stale_at_open();
    }

    /// Evaluates, of what [`Engine::defer_at_open`] put off, what a
    /// condition of `kind` reads — the segments it names and those they
    /// read in turn; all of it when something reads the whole `segments`
    /// list — and returns what changed. The rest stays put off. A condition
    /// that does not compile evaluates nothing (its error comes later).
    pub fn settle_deferred_read_by(
        &mut self,
        kind: crate::model::EntityKind,
        condition: &crate::model::ast::Condition,
    ) -> Vec<MembershipDelta> {
        let Ok(plan) = self.compile_query(kind, condition) else {
            return Vec::new();
        };
        if !self.reads_deferred(&plan) {
            return Vec::new();
        }
        let mut read = vec![plan.reads_all_segments(); self.segments.len()];
        let mut to_visit = Vec::new();
        plan.segment_references(&mut to_visit);
        while let Some(index) = to_visit.pop() {
            if !read[index] {
                read[index] = true;
                to_visit.extend(&self.segments[index].references);
            }
        }
        if (0..read.len())
            .any(|index| read[index] && self.segments[index].plan.reads_all_segments())
        {
            read.fill(true);
        }
        let which: Vec<bool> = (0..read.len())
            .map(|index| read[index] && self.is_deferred(index))
            .collect();
        self.reevaluate(&which)
    }

    /// Whether segment `index`'s evaluation was put off.
    pub(super) fn is_deferred(&self, index: usize) -> bool {
        self.deferred.get(index).copied().unwrap_or(false)
    }

    /// Whether a plan reads a segment whose evaluation was put off (or the
    /// whole `segments` list while any is).
    pub(super) fn reads_deferred(&self, plan: &Plan) -> bool {
        if !self.deferred.contains(&true) {
            return false;
        }
        let mut references = Vec::new();
        plan.segment_references(&mut references);
        plan.reads_all_segments() || references.iter().any(|&index| self.deferred[index])
    }
}
