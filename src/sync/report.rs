//! A plan as a person reads it before anything is sent: per kind how many
//! entities are selected, new, changed, unchanged, leaving, without a key
//! or in conflict; the requests a run would make (property checks, upsert
//! batches); how long the destination's rate limit makes it take; and a
//! few payloads exactly as they would go on the wire.

use std::time::Duration;

use serde_json::Value as Json;

use super::hubspot::{upsert_body, wanted_properties};
use super::pace::Pace;
use super::plan::{KindPlan, Record, RecordOp, SyncPlan};
use super::webhook::batch_body;
use crate::model::EntityKind;
use crate::model::destination::{ConnectorKind, RECORDS_PER_BATCH};

/// Sample payloads a dry run shows per kind.
pub const SAMPLES: usize = 3;

/// One kind of a plan, counted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KindReport {
    pub kind: EntityKind,
    /// Where it goes (HubSpot's object, or the connector's word).
    pub target: String,
    pub selected: u64,
    pub new: u64,
    pub changed: u64,
    pub unchanged: u64,
    pub exits: u64,
    pub without_key: u64,
    pub conflicts: u64,
    /// Record requests (upsert batches, webhook posts, the file write).
    pub batches: u64,
    /// Property reads a HubSpot run starts with (a create or an options
    /// patch follows each one that is missing or short).
    pub property_checks: u64,
}

/// A plan, counted, with its cost.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanReport {
    pub destination: String,
    pub connector: ConnectorKind,
    pub kinds: Vec<KindReport>,
    /// Requests at least (property creates and patches come on top).
    pub requests: u64,
    /// How long the destination's pace makes those take, at best.
    pub duration: Duration,
}

/// Counts a plan.
pub fn plan_report(plan: &SyncPlan) -> PlanReport {
    let connector = plan.destination.connector;
    let kinds: Vec<KindReport> = plan
        .kinds
        .iter()
        .map(|kind| kind_report(kind, connector))
        .collect();
    let requests = kinds.iter().map(|k| k.batches + k.property_checks).sum();
    let duration = match connector {
        ConnectorKind::HubSpot => Pace::estimate(plan.destination.rate_limit(), requests),
        _ => Duration::ZERO,
    };
    PlanReport {
        destination: plan.destination.name.clone(),
        connector,
        kinds,
        requests,
        duration,
    }
}

fn kind_report(kind: &KindPlan, connector: ConnectorKind) -> KindReport {
    let to_send = kind.to_send_count() as u64;
    let (target, batches, property_checks) = match connector {
        ConnectorKind::HubSpot => {
            // Each batch of the runner is an upsert request for its upserts
            // and an update request for its exits with something to clear.
            let records: Vec<&Record> = kind.to_send().collect();
            let requests: usize = records
                .chunks(RECORDS_PER_BATCH)
                .map(|batch| {
                    let upserts = batch.iter().any(|r| r.op == RecordOp::Upsert);
                    let exits = batch
                        .iter()
                        .any(|r| r.op == RecordOp::Exit && !r.payload.is_empty());
                    usize::from(upserts) + usize::from(exits)
                })
                .sum();
            let checks = if to_send == 0 {
                0
            } else {
                wanted_properties(kind).len() as u64
            };
            (kind.sync.object().to_string(), requests as u64, checks)
        }
        ConnectorKind::Webhook => (
            "webhook".to_string(),
            to_send.div_ceil(RECORDS_PER_BATCH as u64),
            0,
        ),
        ConnectorKind::File => ("file".to_string(), 1, 0),
    };
    KindReport {
        kind: kind.kind(),
        target,
        selected: kind.selected,
        new: kind.new,
        changed: kind.upserts.len() as u64 - kind.new,
        unchanged: kind.unchanged_count,
        exits: kind.exits.len() as u64,
        without_key: kind.without_key,
        conflicts: kind.conflicts,
        batches,
        property_checks,
    }
}

/// A few of a kind's records as the wire would carry them: HubSpot's
/// upsert inputs, webhook records, a file's lines (JSON).
pub fn sample_payloads(plan: &SyncPlan, kind: &KindPlan) -> Vec<Json> {
    let records: Vec<_> = kind.to_send().take(SAMPLES).collect();
    match plan.destination.connector {
        ConnectorKind::HubSpot => upsert_body(kind, &records)["inputs"]
            .as_array()
            .cloned()
            .unwrap_or_default(),
        ConnectorKind::Webhook => batch_body(&plan.destination.name, kind, &records)["records"]
            .as_array()
            .cloned()
            .unwrap_or_default(),
        ConnectorKind::File => records
            .iter()
            .map(|record| {
                let mut line = serde_json::Map::new();
                line.insert(
                    kind.sync.key().target().to_string(),
                    Json::String(record.key.clone()),
                );
                line.extend(record.payload.clone());
                Json::Object(line)
            })
            .collect(),
    }
}
