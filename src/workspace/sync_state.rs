//! What the sync runner keeps in the database, through the workspace: the
//! payloads each destination acknowledged, the run log, and destinations
//! disabled by their endpoint. Each acknowledged batch is written with the
//! run's record in one change. The runner itself (planning, sending) is in
//! `sync`; this is only its way to the store.

use std::collections::HashMap;

use super::Workspace;
use crate::model::EntityKind;
use crate::model::fold_name;
use crate::model::sync_run::SyncRun;
use crate::store::StoreError;

/// What one acknowledged batch changes in a destination's state: the new
/// payload of each key sent, or `None` for a key that exited.
pub type Acknowledged = Vec<(String, Option<String>)>;

impl Workspace {
    /// Key → payload a destination last acknowledged, for one kind and
    /// the property its keys are values of (a destination keyed anew starts
    /// afresh: its old keys name other things).
    pub fn acknowledged(
        &self,
        destination: &str,
        kind: EntityKind,
        key_property: &str,
    ) -> Result<HashMap<String, String>, StoreError> {
        self.store
            .acknowledged(&fold_name(destination), &scope(kind, key_property))
    }

    /// The id the next run gets.
    pub fn next_run_id(&self) -> Result<u64, StoreError> {
        self.store.next_run_id()
    }

    /// Writes a run's record, and with it (in the same change) what one
    /// acknowledged batch of `kind` (keyed by `key_property`) changes in the destination's state.
    /// Not `durable`, the change commits without waiting for the disk: a
    /// crash before the next durable one loses it whole, state and record
    /// together, and the next run resends those records (at least once).
    pub fn record_sync(
        &self,
        run: &SyncRun,
        batch: Option<(EntityKind, &str, &Acknowledged)>,
        durable: bool,
    ) -> Result<(), StoreError> {
        let mut change = self.store.begin()?;
        if !durable {
            change.without_waiting_for_the_disk();
        }
        if let Some((kind, key_property, entries)) = batch {
            let scope = scope(kind, key_property);
            change.acknowledge(&fold_name(&run.destination), &scope, entries)?;
        }
        change.put_run(run)?;
        change.commit()
    }

    /// The newest runs of one destination (any case), or of all.
    pub fn sync_runs(
        &self,
        destination: Option<&str>,
        limit: usize,
    ) -> Result<Vec<SyncRun>, StoreError> {
        self.store.sync_runs(destination, limit)
    }

    /// The address a destination was disabled at (its endpoint said it is
    /// gone), if it was.
    pub fn destination_disabled_at(&self, destination: &str) -> Result<Option<String>, StoreError> {
        self.store.disabled_at(&fold_name(destination))
    }

    /// Disables a destination at an address, with the run that found it
    /// gone.
    pub fn set_destination_disabled(&self, run: &SyncRun, address: &str) -> Result<(), StoreError> {
        let change = self.store.begin()?;
        change.set_disabled(&fold_name(&run.destination), Some(address))?;
        change.put_run(run)?;
        change.commit()
    }

    /// Enables a disabled destination again, forgetting (in the same change)
    /// what its old address acknowledged: the next run sends everyone.
    pub fn enable_destination_afresh(&self, destination: &str) -> Result<(), StoreError> {
        let folded = fold_name(destination);
        let change = self.store.begin()?;
        change.set_disabled(&folded, None)?;
        change.forget_destination(&folded)?;
        change.commit()
    }

    /// Forgets what a destination acknowledged: its next run sends everyone.
    pub fn forget_destination_state(&self, destination: &str) -> Result<(), StoreError> {
        let change = self.store.begin()?;
        change.forget_destination(&fold_name(destination))?;
        change.commit()
    }
}

/// Where a kind's acknowledged payloads are kept: `users:email`.
fn scope(kind: EntityKind, key_property: &str) -> String {
    format!("{}:{key_property}", kind.as_str())
}
