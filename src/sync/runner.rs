//! The run: plan, open the connector, record the run as started, get the
//! destination ready, then send each kind's records in batches, storing
//! each batch's acknowledged state with the run's record in one change.
//! Cancelling (between batches, or during a wait) and stops leave exactly
//! the acknowledged state; the run's record says how it ended.

use std::time::{Duration, Instant};

use super::connector::{Connector, Stop, SyncControl, SyncProgress};
use super::plan::{Record, RecordOp, SyncPlan, plan};
use super::{SyncError, file, hubspot, webhook};
use crate::model::destination::{ConnectorKind, Destination};
use crate::model::sync_run::{ProblemClass, RecordProblem, RunOutcome, SyncCounts, SyncRun};
use crate::workspace::{Acknowledged, Workspace, clock_now};

/// How often a run's acknowledged state is flushed to disk, at most; in
/// between, batches commit without waiting for the disk.
const DURABLE_EVERY: Duration = Duration::from_secs(1);

/// Runs a destination: sends what changed since it last acknowledged, and
/// returns the run's record (also stored in the run log).
pub fn run(
    workspace: &Workspace,
    destination: &Destination,
    control: &mut dyn SyncControl,
) -> Result<SyncRun, SyncError> {
    if let Some(address) = workspace.destination_disabled_at(&destination.name)? {
        if Some(&address) == destination.url.as_ref() {
            return Err(SyncError::Disabled {
                destination: destination.name.clone(),
                address,
            });
        }
        // Pointed at a new address since the old one was gone: enabled
        // again, and what the old one acknowledged says nothing of the new
        // one, which gets everyone.
        workspace.enable_destination_afresh(&destination.name)?;
    }
    let plan = plan(workspace, destination)?;
    let mut connector = open_connector(destination)?;
    let mut run = SyncRun {
        id: workspace.next_run_id()?,
        destination: destination.name.clone(),
        started_at: clock_now(),
        ended_at: None,
        counts: SyncCounts::default(),
        requests: 0,
        problems: Vec::new(),
        outcome: RunOutcome::Running,
    };
    for kind in &plan.kinds {
        run.counts.unchanged += kind.unchanged_count;
        run.counts.skipped_without_key += kind.without_key;
        run.counts.conflicts += kind.conflicts;
        for problem in &kind.problems {
            run.note(problem.clone());
        }
    }
    workspace.record_sync(&run, None, true)?;
    let total: u64 = plan.kinds.iter().map(|k| k.to_send_count() as u64).sum();
    control.progress(SyncProgress::Planned { to_send: total });
    let stopped = send_plan(
        workspace,
        &plan,
        connector.as_mut(),
        &mut run,
        total,
        control,
    )?;
    run.requests = connector.requests();
    run.ended_at = Some(clock_now());
    run.outcome = match stopped {
        None => RunOutcome::Completed,
        Some(Stop::Cancelled) => RunOutcome::Cancelled,
        Some(Stop::Refused(reason)) => RunOutcome::Stopped(reason),
        Some(Stop::Gone { address, reason }) => {
            run.outcome = RunOutcome::Stopped(reason);
            workspace.set_destination_disabled(&run, &address)?;
            return Ok(run);
        }
    };
    workspace.record_sync(&run, None, true)?;
    Ok(run)
}

/// Sends every kind's records; the stop that cut it short, if any.
fn send_plan(
    workspace: &Workspace,
    plan: &SyncPlan,
    connector: &mut dyn Connector,
    run: &mut SyncRun,
    total: u64,
    control: &mut dyn SyncControl,
) -> Result<Option<Stop>, SyncError> {
    if plan.sends_nothing() && plan.destination.connector != ConnectorKind::File {
        return Ok(None);
    }
    if let Err(stop) = connector.prepare(plan, control) {
        return Ok(Some(stop));
    }
    let mut done = 0u64;
    let mut last_durable = Instant::now();
    for kind in &plan.kinds {
        let whole_file = plan.destination.connector == ConnectorKind::File;
        // Each record with whether it is a change (not merely rewritten).
        let records: Vec<(&Record, bool)> = if whole_file {
            // A file holds everyone selected; those who left are absent.
            let mut everyone: Vec<(&Record, bool)> = kind
                .upserts
                .iter()
                .map(|record| (record, true))
                .chain(kind.unchanged.iter().map(|record| (record, false)))
                .collect();
            everyone.sort_unstable_by(|a, b| a.0.key.cmp(&b.0.key));
            everyone
        } else {
            kind.to_send().map(|record| (record, true)).collect()
        };
        let batch_size = connector.batch_size().max(1);
        let mut batches: Vec<&[(&Record, bool)]> = records.chunks(batch_size).collect();
        if whole_file && batches.is_empty() {
            // An empty selection still writes the (empty) file.
            batches.push(&[]);
        }
        for batch in batches {
            if control.cancelled() {
                return Ok(Some(Stop::Cancelled));
            }
            let sending: Vec<&Record> = batch.iter().map(|(record, _)| *record).collect();
            let rejected = match connector.send(kind, &sending, control) {
                Ok(rejected) => rejected,
                Err(stop) => return Ok(Some(stop)),
            };
            let mut acknowledged: Acknowledged = Vec::with_capacity(batch.len());
            let mut batch_counts = SyncCounts::default();
            for &(record, changed) in batch {
                if let Some((_, reason)) = rejected.iter().find(|(key, _)| *key == record.key) {
                    batch_counts.failed += 1;
                    run.note(RecordProblem {
                        kind: kind.kind(),
                        key: record.key.clone(),
                        class: ProblemClass::Rejected,
                        reason: reason.clone(),
                    });
                    continue;
                }
                match record.op {
                    RecordOp::Upsert => {
                        if changed {
                            batch_counts.sent += 1;
                        }
                        acknowledged.push((record.key.clone(), Some(record.text.clone())));
                    }
                    RecordOp::Exit => {
                        batch_counts.exited += 1;
                        acknowledged.push((record.key.clone(), None));
                    }
                }
            }
            if whole_file {
                // The file no longer holds those who left: forgotten.
                for exit in &kind.exits {
                    batch_counts.exited += 1;
                    acknowledged.push((exit.key.clone(), None));
                }
            }
            run.counts.add(&batch_counts);
            run.requests = connector.requests();
            // A flush to disk at most every DURABLE_EVERY: a crash loses at
            // most that much acknowledged state, which the next run resends.
            let durable = last_durable.elapsed() >= DURABLE_EVERY;
            let key_property = kind.sync.key().target().to_string();
            let acknowledged_batch = Some((kind.kind(), key_property.as_str(), &acknowledged));
            workspace.record_sync(run, acknowledged_batch, durable)?;
            if durable {
                last_durable = Instant::now();
            }
            done += batch.len() as u64;
            control.progress(SyncProgress::Sent {
                done: done.min(total),
                total,
                counts: run.counts,
            });
        }
    }
    Ok(None)
}

fn open_connector(destination: &Destination) -> Result<Box<dyn Connector>, SyncError> {
    Ok(match destination.connector {
        ConnectorKind::HubSpot => Box::new(hubspot::HubSpot::open(destination)?),
        ConnectorKind::Webhook => Box::new(webhook::Webhook::open(destination)?),
        ConnectorKind::File => Box::new(file::FileConnector::open(destination)?),
    })
}
