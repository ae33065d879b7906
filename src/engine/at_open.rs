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
    /// [`Engine::settle_deferred`], a query whose condition reads one of
    /// those segments is refused, and nothing else that reads segments may
    /// be asked (a command opens this way only to query properties).
    pub fn defer_at_open(&mut self) {
        self.deferred = self.stale_at_open();
    }

    /// Evaluates what [`Engine::defer_at_open`] put off; what changed.
    pub fn settle_deferred(&mut self) -> Vec<MembershipDelta> {
        let which = std::mem::take(&mut self.deferred);
        if which.contains(&true) {
            self.reevaluate(&which)
        } else {
            Vec::new()
        }
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

    /// Whether a condition of `kind` reads segments put off at open (a
    /// condition that does not compile reads none: its error comes later).
    pub fn condition_reads_deferred(
        &self,
        kind: crate::model::EntityKind,
        condition: &crate::model::ast::Condition,
    ) -> bool {
        self.compile_query(kind, condition)
            .is_ok_and(|plan| self.reads_deferred(&plan))
    }
}
