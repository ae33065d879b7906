//! One run of a destination, as the run log keeps it: when it ran, what it
//! sent, what it left alone, and every record that did not go with the
//! reason. The sync runner writes it (with each acknowledged batch, in the
//! same transaction as the destination's state); `segscope runs` and the
//! Destinations screen read it. Nothing here sends or stores.

use serde::{Deserialize, Serialize};

use super::EntityKind;

/// Record problems a run keeps in full; past these it only counts them.
pub const MAX_LOGGED_PROBLEMS: usize = 1000;

/// How many records a run saw, by what became of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncCounts {
    /// New or changed records the destination acknowledged.
    pub sent: u64,
    /// Selected records whose payload was what the destination already has.
    pub unchanged: u64,
    /// Records that left the selection: cleared once and forgotten.
    pub exited: u64,
    /// Selected entities without a value for the key: never sent.
    pub skipped_without_key: u64,
    /// Entities sharing a key with another: none of them sent.
    pub conflicts: u64,
    /// Records the destination rejected (retried by the next run).
    pub failed: u64,
}

impl SyncCounts {
    pub fn add(&mut self, other: &SyncCounts) {
        self.sent += other.sent;
        self.unchanged += other.unchanged;
        self.exited += other.exited;
        self.skipped_without_key += other.skipped_without_key;
        self.conflicts += other.conflicts;
        self.failed += other.failed;
    }
}

/// Why one record did not go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProblemClass {
    /// The entity has no value for the key.
    NoKey,
    /// Two or more entities have this key.
    Conflict,
    /// The destination refused the record.
    Rejected,
}

impl ProblemClass {
    pub fn label(self) -> &'static str {
        match self {
            ProblemClass::NoKey => "skipped",
            ProblemClass::Conflict => "conflict",
            ProblemClass::Rejected => "failed",
        }
    }
}

/// One record that did not go.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordProblem {
    pub kind: EntityKind,
    /// The key when the record has one, else the entity's id.
    pub key: String,
    pub class: ProblemClass,
    pub reason: String,
}

/// How a run ended (or that it has not).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RunOutcome {
    /// Still going, or stopped by a crash: what it holds was acknowledged.
    Running,
    /// Everything planned was tried.
    Completed,
    /// Cancelled between batches; the acknowledged batches are kept.
    Cancelled,
    /// Stopped early: the destination refused (auth, daily limit, gone) or
    /// could not be reached; the reason says which.
    Stopped(String),
}

impl RunOutcome {
    /// The word a run log shows. A run still marked running when anyone
    /// reads the log was interrupted (the database has one writer, so the
    /// reader is not the run).
    pub fn label(&self) -> &str {
        match self {
            RunOutcome::Running => "interrupted",
            RunOutcome::Completed => "completed",
            RunOutcome::Cancelled => "cancelled",
            RunOutcome::Stopped(_) => "stopped",
        }
    }
}

/// One run of a destination.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SyncRun {
    /// Increasing across all destinations.
    pub id: u64,
    pub destination: String,
    /// Microseconds since the epoch, UTC (the clock, not `--now`).
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub counts: SyncCounts,
    /// HTTP requests made (property calls and batches, retries included).
    pub requests: u64,
    /// The first [`MAX_LOGGED_PROBLEMS`] problems; `counts` has them all.
    pub problems: Vec<RecordProblem>,
    pub outcome: RunOutcome,
}

impl SyncRun {
    /// Keeps a problem unless the log is full (the counts still say it).
    pub fn note(&mut self, problem: RecordProblem) {
        if self.problems.len() < MAX_LOGGED_PROBLEMS {
            self.problems.push(problem);
        }
    }

    /// Did any record fail to go that the user must see to (rejected, or in
    /// a key conflict)? Entities without a key are reported, not failures:
    /// a contact without an email simply is not a contact.
    pub fn had_failures(&self) -> bool {
        self.counts.failed + self.counts.conflicts > 0
    }
}
