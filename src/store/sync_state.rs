//! What each destination last acknowledged, and the run log. The sync
//! runner reads a destination's state once per run to diff against, and
//! writes each acknowledged batch's state together with the run's record
//! in one change, so the two never disagree: after a crash the state holds
//! exactly the batches whose run record says they were sent.
//!
//! Payloads are stored as the canonical JSON text the runner made them
//! into, each with its checksum (`seal`); this module does not look inside
//! them.

use std::collections::HashMap;

use redb::ReadableTable;

use super::error::OrStoreError;
use super::seal::{Sealed, seal, seal_text, unseal, unseal_text};
use super::tables::*;
use super::{Change, Store, StoreError, StoreOperation};
use crate::model::fold_name;
use crate::model::sync_run::SyncRun;

/// The parts of a sync-state key its checksum covers.
pub(super) fn state_key<'k>(destination: &'k str, scope: &'k str, key: &'k str) -> [&'k [u8]; 3] {
    [destination.as_bytes(), scope.as_bytes(), key.as_bytes()]
}

impl Store {
    /// Key → acknowledged payload, for one destination (folded name) and
    /// scope (a kind and the property its keys are values of).
    pub fn acknowledged(
        &self,
        destination: &str,
        scope: &str,
    ) -> Result<HashMap<String, String>, StoreError> {
        let reading = StoreOperation::ReadSyncState;
        let transaction = self.read(reading)?;
        let Some(table) = self.open_table(&transaction, SYNC_STATE, reading)? else {
            return Ok(HashMap::new());
        };
        let range = (destination, scope, "")..;
        let mut state = HashMap::new();
        for entry in table.range(range).or_store_error(&self.path, reading)? {
            let (key, payload) = entry.or_store_error(&self.path, reading)?;
            let (entry_destination, entry_kind, entity_key) = key.value();
            if entry_destination != destination || entry_kind != scope {
                break;
            }
            let parts = state_key(entry_destination, entry_kind, entity_key);
            let payload =
                unseal_text(Sealed::SyncState, &parts, payload.value()).map_err(|reason| {
                    self.damaged(
                        format_args!("what {destination} acknowledged for {entity_key}"),
                        reason,
                    )
                })?;
            state.insert(entity_key.to_string(), payload.to_string());
        }
        Ok(state)
    }

    /// The runs of one destination (any case), or of all, newest first, at
    /// most `limit`.
    pub fn sync_runs(
        &self,
        destination: Option<&str>,
        limit: usize,
    ) -> Result<Vec<SyncRun>, StoreError> {
        let reading = StoreOperation::ReadSyncState;
        let transaction = self.read(reading)?;
        let Some(table) = self.open_table(&transaction, SYNC_RUNS, reading)? else {
            return Ok(Vec::new());
        };
        let folded = destination.map(fold_name);
        let mut runs = Vec::new();
        for entry in table.iter().or_store_error(&self.path, reading)?.rev() {
            if runs.len() == limit {
                break;
            }
            let (id, bytes) = entry.or_store_error(&self.path, reading)?;
            let id = id.value();
            let damaged = |reason: String| self.damaged(format_args!("sync run {id}"), reason);
            let payload =
                unseal(Sealed::SyncRuns, &[&id.to_le_bytes()], bytes.value()).map_err(damaged)?;
            let run: SyncRun =
                postcard::from_bytes(payload).map_err(|error| damaged(error.to_string()))?;
            if folded
                .as_ref()
                .is_none_or(|folded| fold_name(&run.destination) == *folded)
            {
                runs.push(run);
            }
        }
        Ok(runs)
    }

    /// The address a destination was disabled at, if it was.
    pub fn disabled_at(&self, destination: &str) -> Result<Option<String>, StoreError> {
        let reading = StoreOperation::ReadSyncState;
        let transaction = self.read(reading)?;
        let Some(table) = self.open_table(&transaction, DISABLED_DESTINATIONS, reading)? else {
            return Ok(None);
        };
        let found = table.get(destination).or_store_error(&self.path, reading)?;
        Ok(found.map(|address| address.value().to_string()))
    }

    /// The id the next run gets.
    pub fn next_run_id(&self) -> Result<u64, StoreError> {
        let reading = StoreOperation::ReadSyncState;
        let transaction = self.read(reading)?;
        let Some(table) = self.open_table(&transaction, SYNC_RUNS, reading)? else {
            return Ok(1);
        };
        let last = table.last().or_store_error(&self.path, reading)?;
        Ok(last.map_or(1, |(id, _)| id.value() + 1))
    }
}

impl Change {
    /// Lets this change commit without waiting for the disk: it is kept in
    /// this process until a later durable commit writes it out, and a crash
    /// before then loses it whole (never part of it). For a sync's
    /// intermediate batches that is safe — what is lost is resent — and it
    /// spares a disk flush per batch.
    pub fn without_waiting_for_the_disk(&mut self) {
        // Refused only in modes that share the database between processes,
        // which segscope never opens: then the commit simply waits.
        let _ = self.transaction.set_durability(redb::Durability::None);
    }

    /// Records what a destination acknowledged: a payload for each key it
    /// now holds, `None` for a key it was told to forget (an exit).
    pub fn acknowledge(
        &self,
        destination: &str,
        scope: &str,
        entries: &[(String, Option<String>)],
    ) -> Result<(), StoreError> {
        let writing = StoreOperation::WriteSyncState;
        let mut table = self
            .transaction
            .open_table(SYNC_STATE)
            .or_store_error(&self.path, writing)?;
        for (key, payload) in entries {
            let entry = (destination, scope, key.as_str());
            match payload {
                Some(payload) => {
                    let parts = state_key(destination, scope, key);
                    let sealed = seal_text(Sealed::SyncState, &parts, payload);
                    table.insert(entry, sealed.as_str()).map(drop)
                }
                None => table.remove(entry).map(drop),
            }
            .or_store_error(&self.path, writing)?;
        }
        Ok(())
    }

    /// Forgets everything a destination acknowledged (its next run sends
    /// everyone again).
    pub fn forget_destination(&self, destination: &str) -> Result<(), StoreError> {
        let writing = StoreOperation::WriteSyncState;
        let mut table = self
            .transaction
            .open_table(SYNC_STATE)
            .or_store_error(&self.path, writing)?;
        table
            .retain(|(entry_destination, _, _), _| entry_destination != destination)
            .or_store_error(&self.path, writing)?;
        Ok(())
    }

    /// Disables a destination at an address (`None`: enables it again).
    pub fn set_disabled(&self, destination: &str, address: Option<&str>) -> Result<(), StoreError> {
        let writing = StoreOperation::WriteSyncState;
        let mut table = self
            .transaction
            .open_table(DISABLED_DESTINATIONS)
            .or_store_error(&self.path, writing)?;
        match address {
            Some(address) => table.insert(destination, address).map(drop),
            None => table.remove(destination).map(drop),
        }
        .or_store_error(&self.path, writing)?;
        Ok(())
    }

    /// Writes (or rewrites) a run's record.
    pub fn put_run(&self, run: &SyncRun) -> Result<(), StoreError> {
        let writing = StoreOperation::WriteSyncState;
        let mut table = self
            .transaction
            .open_table(SYNC_RUNS)
            .or_store_error(&self.path, writing)?;
        let mut bytes = postcard::to_allocvec(run).map_err(|error| StoreError::Unencodable {
            what: format!("the record of sync run {}", run.id),
            reason: error.to_string(),
        })?;
        seal(Sealed::SyncRuns, &[&run.id.to_le_bytes()], &mut bytes);
        table
            .insert(run.id, bytes.as_slice())
            .or_store_error(&self.path, writing)?;
        Ok(())
    }
}
