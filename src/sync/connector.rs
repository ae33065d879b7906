//! What every connector is to the runner: it gets the destination ready,
//! then takes batches of records and says which the destination refused
//! (the rest it acknowledged), or that the run must stop. And what a run
//! tells whoever started it ([`SyncProgress`]) and hears back (a cancel).

use std::time::{Duration, Instant};

use super::plan::{KindPlan, Record, SyncPlan};
use crate::model::sync_run::SyncCounts;

/// What a running sync reports.
#[derive(Clone, Debug, PartialEq)]
pub enum SyncProgress {
    /// The plan is made: this many records will be sent.
    Planned { to_send: u64 },
    /// A batch was acknowledged (or refused): records done of all.
    Sent {
        done: u64,
        total: u64,
        counts: SyncCounts,
    },
    /// Waiting before the next request (a rate limit, a retry).
    Waiting { reason: String, seconds: f64 },
}

/// The side of a run that its starter holds.
pub trait SyncControl {
    fn progress(&mut self, progress: SyncProgress);
    /// Has the user asked the run to stop? Checked between batches and
    /// during waits.
    fn cancelled(&self) -> bool;
}

/// Why a run stops before its plan is through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    Cancelled,
    /// The destination refused (auth, a daily limit) or could not be
    /// reached: the sentence says what and what to do.
    Refused(String),
    /// The endpoint is gone (410): disable the destination at this address.
    Gone {
        address: String,
        reason: String,
    },
}

/// Which records of a batch the destination refused, with its reasons.
pub type Rejected = Vec<(String, String)>;

pub trait Connector {
    /// Before any record: make the destination able to take the plan
    /// (HubSpot: the properties, their types and options).
    fn prepare(&mut self, plan: &SyncPlan, control: &mut dyn SyncControl) -> Result<(), Stop>;

    /// Sends one batch of one kind's records.
    fn send(
        &mut self,
        kind: &KindPlan,
        records: &[&Record],
        control: &mut dyn SyncControl,
    ) -> Result<Rejected, Stop>;

    /// Records per batch.
    fn batch_size(&self) -> usize;

    /// Requests made so far (retries included).
    fn requests(&self) -> u64;
}

/// Waits `wait`, telling the starter why, unless the run is cancelled
/// first (then `Err(Stop::Cancelled)`).
pub fn pause(
    control: &mut dyn SyncControl,
    wait: Duration,
    reason: impl Into<String>,
) -> Result<(), Stop> {
    control.progress(SyncProgress::Waiting {
        reason: reason.into(),
        seconds: wait.as_secs_f64(),
    });
    let until = Instant::now() + wait;
    loop {
        if control.cancelled() {
            return Err(Stop::Cancelled);
        }
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
}
