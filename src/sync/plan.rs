//! The plan of a run: per kind, which entities the filter selects, each
//! one's key and payload diffed against what the destination acknowledged —
//! new, changed, unchanged — the keys that left (one clearing update, then
//! forgotten), and the entities that cannot go (no key, or a key shared
//! with another). A dry run shows it; a run sends it. Planning reads the
//! workspace and the stored state and sends nothing.

use std::collections::{BTreeSet, HashMap};

use super::payload::{Payload, clearing_payload, key_of, payload_of, payload_text};
use super::{SyncError, connector_checks};
use crate::model::EntityKind;
use crate::model::destination::{ConnectorKind, Destination, KindSync};
use crate::model::sync_run::{ProblemClass, RecordProblem};
use crate::workspace::{EntityRow, MembersError, Workspace};

/// What a record asks of the destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordOp {
    /// Create or update the entity's record.
    Upsert,
    /// The entity left: clear its segments there, then forget it.
    Exit,
}

impl RecordOp {
    pub fn word(self) -> &'static str {
        match self {
            RecordOp::Upsert => "upsert",
            RecordOp::Exit => "exit",
        }
    }
}

/// One record to send.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub key: String,
    pub op: RecordOp,
    pub payload: Payload,
    /// The payload's canonical text, stored once acknowledged (upserts).
    pub text: String,
}

/// The plan for one kind.
#[derive(Clone, Debug)]
pub struct KindPlan {
    pub sync: KindSync,
    /// Entities the filter selects.
    pub selected: u64,
    /// New or changed records, in key order.
    pub upserts: Vec<Record>,
    /// How many of the upserts the destination has never acknowledged.
    pub new: u64,
    /// Records whose payload is what the destination has (kept only for
    /// connectors that write everything each time: files).
    pub unchanged: Vec<Record>,
    pub unchanged_count: u64,
    /// Keys that left the selection, in key order.
    pub exits: Vec<Record>,
    /// Entities without a key, and entities sharing one.
    pub problems: Vec<RecordProblem>,
    pub without_key: u64,
    pub conflicts: u64,
    /// The names of every segment of the kind (the options a multi-select
    /// of segments must offer).
    pub segment_names: Vec<String>,
}

impl KindPlan {
    pub fn kind(&self) -> EntityKind {
        self.sync.kind
    }

    /// Records to send: upserts, then exits.
    pub fn to_send(&self) -> impl Iterator<Item = &Record> {
        self.upserts.iter().chain(&self.exits)
    }

    pub fn to_send_count(&self) -> usize {
        self.upserts.len() + self.exits.len()
    }

    /// Every value a list-encoded target will be sent (the segment names
    /// included for a segments mapping), for destinations that must know
    /// them in advance (HubSpot's multi-select options).
    pub fn list_values(&self, target: &str) -> BTreeSet<String> {
        let mut values = BTreeSet::new();
        if self
            .sync
            .mappings
            .iter()
            .any(|mapping| mapping.target == target && mapping.source == crate::model::SEGMENTS)
        {
            values.extend(self.segment_names.iter().cloned());
        }
        for record in &self.upserts {
            if let Some(serde_json::Value::Array(items)) = record.payload.get(target) {
                values.extend(items.iter().map(super::json_text));
            }
        }
        values
    }
}

/// The plan of one run of a destination.
#[derive(Clone, Debug)]
pub struct SyncPlan {
    pub destination: Destination,
    pub kinds: Vec<KindPlan>,
}

impl SyncPlan {
    pub fn upserts(&self) -> usize {
        self.kinds.iter().map(|kind| kind.upserts.len()).sum()
    }

    pub fn exits(&self) -> usize {
        self.kinds.iter().map(|kind| kind.exits.len()).sum()
    }

    /// Does the run have anything to send?
    pub fn sends_nothing(&self) -> bool {
        self.upserts() + self.exits() == 0
    }
}

/// Plans a run of `destination` over the workspace as it is now.
pub fn plan(workspace: &Workspace, destination: &Destination) -> Result<SyncPlan, SyncError> {
    if destination.kinds.is_empty() {
        return Err(SyncError::Plan(format!(
            "destination \"{}\" sends no kind: give it a `users {{ ... }}` or `accounts {{ ... }}` block",
            destination.name
        )));
    }
    let keep_unchanged = destination.connector == ConnectorKind::File;
    let mut kinds = Vec::new();
    for sync in &destination.kinds {
        kinds.push(plan_kind(workspace, destination, sync, keep_unchanged)?);
    }
    let plan = SyncPlan {
        destination: destination.clone(),
        kinds,
    };
    connector_checks(&plan)?;
    Ok(plan)
}

fn plan_kind(
    workspace: &Workspace,
    destination: &Destination,
    sync: &KindSync,
    keep_unchanged: bool,
) -> Result<KindPlan, SyncError> {
    let kind = sync.kind;
    let selected = if sync.segments.is_empty() {
        workspace.all_entities(kind)
    } else {
        workspace
            .members_of_any(kind, &sync.segments)
            .map_err(|error| SyncError::Plan(filter_error(destination, error)))?
    };
    let acknowledged = workspace.acknowledged(&destination.name, kind, sync.key().target())?;
    let mut plan = KindPlan {
        sync: sync.clone(),
        selected: selected.len() as u64,
        upserts: Vec::new(),
        new: 0,
        unchanged: Vec::new(),
        unchanged_count: 0,
        exits: Vec::new(),
        problems: Vec::new(),
        without_key: 0,
        conflicts: 0,
        segment_names: workspace
            .segment_names()
            .into_iter()
            .filter(|(_, segment_kind)| *segment_kind == kind)
            .map(|(name, _)| name)
            .collect(),
    };
    // Keys first: an entity whose key another shares goes nowhere.
    let mut by_key: HashMap<String, Vec<EntityRow>> = HashMap::with_capacity(selected.len());
    // HubSpot reads emails without case: two that differ only in case are
    // one contact there, so they are one key here (a conflict, not an
    // overwrite).
    let fold_case = destination.connector == ConnectorKind::HubSpot
        && sync.key().target().eq_ignore_ascii_case("email");
    for entity in selected.iter() {
        let key = key_of(workspace, entity, sync).map(|key| {
            if fold_case {
                key.trim().to_lowercase()
            } else {
                key
            }
        });
        match key {
            Ok(key) => by_key.entry(key).or_default().push(entity),
            Err(reason) => {
                plan.without_key += 1;
                plan.problems.push(RecordProblem {
                    kind,
                    key: workspace.id_of(entity),
                    class: ProblemClass::NoKey,
                    reason: format!("not sent: {reason}"),
                });
            }
        }
    }
    let mut keys: Vec<(String, Vec<EntityRow>)> = by_key.into_iter().collect();
    keys.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for (key, entities) in &keys {
        if entities.len() > 1 {
            let ids: Vec<String> = entities.iter().map(|e| workspace.id_of(*e)).collect();
            plan.conflicts += entities.len() as u64;
            plan.problems.push(RecordProblem {
                kind,
                key: key.clone(),
                class: ProblemClass::Conflict,
                reason: format!(
                    "not sent: {} {} share the {} \"{key}\"",
                    kind.as_str(),
                    ids.join(", "),
                    sync.key().source
                ),
            });
            continue;
        }
        let payload = payload_of(workspace, entities[0], sync);
        let text = payload_text(&payload);
        let record = Record {
            key: key.clone(),
            op: RecordOp::Upsert,
            payload,
            text,
        };
        match acknowledged.get(key) {
            Some(stored) if *stored == record.text => {
                plan.unchanged_count += 1;
                if keep_unchanged {
                    plan.unchanged.push(record);
                }
            }
            Some(_) => plan.upserts.push(record),
            None => {
                plan.new += 1;
                plan.upserts.push(record);
            }
        }
    }
    // Keys acknowledged before that no selected entity holds now.
    let present: std::collections::HashSet<&str> =
        keys.iter().map(|(key, _)| key.as_str()).collect();
    let clearing = clearing_payload(sync);
    let clearing_text = payload_text(&clearing);
    let mut exits: Vec<&String> = acknowledged
        .keys()
        .filter(|key| !present.contains(key.as_str()))
        .collect();
    exits.sort_unstable();
    plan.exits = exits
        .into_iter()
        .map(|key| Record {
            key: key.clone(),
            op: RecordOp::Exit,
            payload: clearing.clone(),
            text: clearing_text.clone(),
        })
        .collect();
    Ok(plan)
}

fn filter_error(destination: &Destination, error: MembersError) -> String {
    format!(
        "destination \"{}\" cannot select its entities: {error}",
        destination.name
    )
}
