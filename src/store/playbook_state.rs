//! What playbooks keep between changes: the rows that satisfied each
//! one's `when` at the last recorded evaluation (so the next change can
//! tell who starts to satisfy it), who a `runs once` playbook fired for,
//! the runs log of firings, the outbox of webhooks not yet delivered, which
//! playbooks are disabled, and the activity log.
//!
//! Firings, their outbox entries and the `set` actions they apply are
//! written in the change that fired them, so a crash keeps all of it or
//! none. This module does not decide when anything fires.

use std::collections::HashMap;

use fixedbitset::FixedBitSet;
use redb::ReadableTable;

use super::error::OrStoreError;
use super::meta;
use super::seal::Sealed;
use super::tables::*;
use super::{Change, Store, StoreError, StoreOperation};
use crate::model::playbook_run::{Activity, Firing, PendingDelivery};

impl Store {
    /// The rows that satisfied a playbook's `when` at the last recorded
    /// evaluation; `None` when it never was evaluated.
    pub fn playbook_matches(&self, folded_name: &str) -> Result<Option<FixedBitSet>, StoreError> {
        self.bitset_chunks(
            PLAYBOOK_MATCHES,
            Sealed::PlaybookMatches,
            folded_name,
            StoreOperation::ReadPlaybooks,
        )
    }

    /// The rows a `runs once` playbook has fired for (read-only: what an
    /// editor's preview subtracts from who would fire).
    pub fn fired_once_rows(&self, folded_name: &str) -> Result<Vec<u32>, StoreError> {
        let reading = StoreOperation::ReadPlaybooks;
        let transaction = self.read(reading)?;
        let Some(table) = self.open_table(&transaction, PLAYBOOK_FIRED_ONCE, reading)? else {
            return Ok(Vec::new());
        };
        let mut rows = Vec::new();
        let range = (folded_name, 0)..=(folded_name, u32::MAX);
        for entry in table.range(range).or_store_error(&self.path, reading)? {
            let (key, _) = entry.or_store_error(&self.path, reading)?;
            rows.push(key.value().1);
        }
        Ok(rows)
    }

    /// Folded name → the instant each disabled playbook was disabled at.
    pub fn disabled_playbooks(&self) -> Result<HashMap<String, i64>, StoreError> {
        let reading = StoreOperation::ReadPlaybooks;
        let transaction = self.read(reading)?;
        let Some(table) = self.open_table(&transaction, DISABLED_PLAYBOOKS, reading)? else {
            return Ok(HashMap::new());
        };
        let mut disabled = HashMap::new();
        for entry in table.iter().or_store_error(&self.path, reading)? {
            let (name, at) = entry.or_store_error(&self.path, reading)?;
            disabled.insert(name.value().to_string(), at.value());
        }
        Ok(disabled)
    }

    /// A playbook's firings (by folded name), newest first, at most `limit`.
    pub fn firings(&self, folded_name: &str, limit: usize) -> Result<Vec<Firing>, StoreError> {
        let reading = StoreOperation::ReadPlaybooks;
        let transaction = self.read(reading)?;
        let (Some(index), Some(firings)) = (
            self.open_table(&transaction, PLAYBOOK_FIRINGS_BY_PLAYBOOK, reading)?,
            self.open_table(&transaction, PLAYBOOK_FIRINGS, reading)?,
        ) else {
            return Ok(Vec::new());
        };
        let mut found = Vec::new();
        let range = (folded_name, 0)..=(folded_name, u64::MAX);
        for entry in index
            .range(range)
            .or_store_error(&self.path, reading)?
            .rev()
        {
            if found.len() == limit {
                break;
            }
            let (key, _) = entry.or_store_error(&self.path, reading)?;
            let id = key.value().1;
            let Some(bytes) = firings.get(id).or_store_error(&self.path, reading)? else {
                continue;
            };
            found.push(decode_firing(self, id, bytes.value())?);
        }
        Ok(found)
    }

    /// How many times a playbook (by folded name) fired at or after `since`.
    pub fn firings_since(&self, folded_name: &str, since: i64) -> Result<usize, StoreError> {
        let reading = StoreOperation::ReadPlaybooks;
        let transaction = self.read(reading)?;
        let Some(index) = self.open_table(&transaction, PLAYBOOK_FIRINGS_BY_PLAYBOOK, reading)?
        else {
            return Ok(0);
        };
        let mut count = 0;
        let range = (folded_name, 0)..=(folded_name, u64::MAX);
        for entry in index
            .range(range)
            .or_store_error(&self.path, reading)?
            .rev()
        {
            let (_, at) = entry.or_store_error(&self.path, reading)?;
            if at.value() < since {
                break;
            }
            count += 1;
        }
        Ok(count)
    }

    /// Every webhook waiting in the outbox, oldest firing first.
    pub fn outbox(&self) -> Result<Vec<PendingDelivery>, StoreError> {
        let reading = StoreOperation::ReadPlaybooks;
        let transaction = self.read(reading)?;
        let Some(table) = self.open_table(&transaction, PLAYBOOK_OUTBOX, reading)? else {
            return Ok(Vec::new());
        };
        let mut pending = Vec::new();
        for entry in table.iter().or_store_error(&self.path, reading)? {
            let (key, bytes) = entry.or_store_error(&self.path, reading)?;
            let (firing, action) = key.value();
            pending.push(postcard::from_bytes(bytes.value()).map_err(|error| {
                self.damaged(
                    format_args!("the outbox entry of firing {firing}, action {action}"),
                    error,
                )
            })?);
        }
        Ok(pending)
    }

    /// The activity log, newest first, at most `limit` entries.
    pub fn activity(&self, limit: usize) -> Result<Vec<Activity>, StoreError> {
        let reading = StoreOperation::ReadPlaybooks;
        let transaction = self.read(reading)?;
        let Some(table) = self.open_table(&transaction, ACTIVITY_LOG, reading)? else {
            return Ok(Vec::new());
        };
        let mut entries = Vec::new();
        for entry in table.iter().or_store_error(&self.path, reading)?.rev() {
            if entries.len() == limit {
                break;
            }
            let (sequence, bytes) = entry.or_store_error(&self.path, reading)?;
            entries.push(postcard::from_bytes(bytes.value()).map_err(|error| {
                self.damaged(
                    format_args!("activity log entry {}", sequence.value()),
                    error,
                )
            })?);
        }
        Ok(entries)
    }
}

fn decode_firing(store: &Store, id: u64, bytes: &[u8]) -> Result<Firing, StoreError> {
    postcard::from_bytes(bytes).map_err(|error| store.damaged(format_args!("firing {id}"), error))
}

impl Change {
    fn playbook_table<K: redb::Key + 'static, V: redb::Value + 'static>(
        &self,
        definition: redb::TableDefinition<K, V>,
    ) -> Result<redb::Table<'_, K, V>, StoreError> {
        self.transaction
            .open_table(definition)
            .or_store_error(&self.path, StoreOperation::WritePlaybooks)
    }

    /// Stores the chunks of a playbook's matches that contain `rows` (all
    /// chunks when `rows` is `None`).
    pub fn put_playbook_matches(
        &self,
        folded_name: &str,
        matches: &FixedBitSet,
        rows: Option<&[u32]>,
    ) -> Result<(), StoreError> {
        let mut table = self.playbook_table(PLAYBOOK_MATCHES)?;
        self.put_bitset_chunks(
            &mut table,
            Sealed::PlaybookMatches,
            folded_name,
            matches,
            rows,
            StoreOperation::WritePlaybooks,
        )
    }

    /// Forgets what a playbook matched and whom it fired for once (it is
    /// gone, or now about another kind); its runs log stays.
    pub fn forget_playbook(&self, folded_name: &str) -> Result<(), StoreError> {
        let writing = StoreOperation::WritePlaybooks;
        self.playbook_table(PLAYBOOK_MATCHES)?
            .retain_in((folded_name, 0)..=(folded_name, u32::MAX), |_, _| false)
            .or_store_error(&self.path, writing)?;
        self.playbook_table(PLAYBOOK_FIRED_ONCE)?
            .retain_in((folded_name, 0)..=(folded_name, u32::MAX), |_, _| false)
            .or_store_error(&self.path, writing)?;
        Ok(())
    }

    /// Forgets only what a playbook matched: its next evaluation finds
    /// every entity that matches as starting to.
    pub fn forget_playbook_matches(&self, folded_name: &str) -> Result<(), StoreError> {
        self.playbook_table(PLAYBOOK_MATCHES)?
            .retain_in((folded_name, 0)..=(folded_name, u32::MAX), |_, _| false)
            .or_store_error(&self.path, StoreOperation::WritePlaybooks)?;
        Ok(())
    }

    /// Whether a `runs once` playbook has fired for this entity.
    pub fn fired_once(&self, folded_name: &str, ordinal: u32) -> Result<bool, StoreError> {
        let table = self.playbook_table(PLAYBOOK_FIRED_ONCE)?;
        let found = table
            .get((folded_name, ordinal))
            .or_store_error(&self.path, StoreOperation::WritePlaybooks)?;
        Ok(found.is_some())
    }

    pub fn mark_fired_once(
        &self,
        folded_name: &str,
        ordinal: u32,
        firing: u64,
    ) -> Result<(), StoreError> {
        self.playbook_table(PLAYBOOK_FIRED_ONCE)?
            .insert((folded_name, ordinal), firing)
            .or_store_error(&self.path, StoreOperation::WritePlaybooks)?;
        Ok(())
    }

    /// The next firing id (and counts it as used).
    pub fn allocate_firing_id(&self) -> Result<u64, StoreError> {
        let writing = StoreOperation::WritePlaybooks;
        let mut meta = self.playbook_table(META)?;
        let next = meta::u64_fact(&meta, NEXT_FIRING_KEY, &self.path, writing)?.unwrap_or(1);
        meta::put(
            &mut meta,
            NEXT_FIRING_KEY,
            &(next + 1).to_le_bytes(),
            &self.path,
            writing,
        )?;
        Ok(next)
    }

    /// The random token that names this database in webhook ids, made the
    /// first time it is asked for.
    pub fn database_token(&self) -> Result<String, StoreError> {
        let writing = StoreOperation::WritePlaybooks;
        let mut meta = self.playbook_table(META)?;
        if let Some(token) = meta::fact(&meta, DATABASE_TOKEN_KEY, &self.path, writing)?
            .and_then(|bytes| String::from_utf8(bytes).ok())
        {
            return Ok(token);
        }
        let token = random_token();
        meta::put(
            &mut meta,
            DATABASE_TOKEN_KEY,
            token.as_bytes(),
            &self.path,
            writing,
        )?;
        Ok(token)
    }

    /// Writes (or rewrites) a firing in the runs log.
    pub fn put_firing(&self, firing: &Firing) -> Result<(), StoreError> {
        let writing = StoreOperation::WritePlaybooks;
        let bytes = postcard::to_allocvec(firing).map_err(|error| StoreError::Unencodable {
            what: format!("firing {} of \"{}\"", firing.id, firing.playbook),
            reason: error.to_string(),
        })?;
        self.playbook_table(PLAYBOOK_FIRINGS)?
            .insert(firing.id, bytes.as_slice())
            .or_store_error(&self.path, writing)?;
        let folded = crate::model::fold_name(&firing.playbook);
        self.playbook_table(PLAYBOOK_FIRINGS_BY_PLAYBOOK)?
            .insert((folded.as_str(), firing.id), firing.at)
            .or_store_error(&self.path, writing)?;
        Ok(())
    }

    /// A firing of the runs log, read inside this change.
    pub fn firing(&self, id: u64) -> Result<Option<Firing>, StoreError> {
        let table = self.playbook_table(PLAYBOOK_FIRINGS)?;
        let Some(bytes) = table
            .get(id)
            .or_store_error(&self.path, StoreOperation::WritePlaybooks)?
        else {
            return Ok(None);
        };
        postcard::from_bytes(bytes.value())
            .map(Some)
            .map_err(|error| StoreError::Damaged {
                path: self.path.clone(),
                reason: format!("firing {id}: {error}"),
            })
    }

    /// Puts a webhook in the outbox (or rewrites it after a try).
    pub fn put_delivery(&self, delivery: &PendingDelivery) -> Result<(), StoreError> {
        let bytes = postcard::to_allocvec(delivery).map_err(|error| StoreError::Unencodable {
            what: format!("the webhook of firing {}", delivery.firing),
            reason: error.to_string(),
        })?;
        self.playbook_table(PLAYBOOK_OUTBOX)?
            .insert((delivery.firing, delivery.action), bytes.as_slice())
            .or_store_error(&self.path, StoreOperation::WritePlaybooks)?;
        Ok(())
    }

    /// Takes a webhook out of the outbox (delivered, or given up).
    pub fn remove_delivery(&self, firing: u64, action: u32) -> Result<(), StoreError> {
        self.playbook_table(PLAYBOOK_OUTBOX)?
            .remove((firing, action))
            .or_store_error(&self.path, StoreOperation::WritePlaybooks)?;
        Ok(())
    }

    /// Disables a playbook as of `at` (`None`: enables it again).
    pub fn set_playbook_disabled(
        &self,
        folded_name: &str,
        at: Option<i64>,
    ) -> Result<(), StoreError> {
        let mut table = self.playbook_table(DISABLED_PLAYBOOKS)?;
        match at {
            Some(at) => table.insert(folded_name, at).map(drop),
            None => table.remove(folded_name).map(drop),
        }
        .or_store_error(&self.path, StoreOperation::WritePlaybooks)?;
        Ok(())
    }

    /// Appends to the activity log.
    pub fn append_activity(&self, activity: &Activity) -> Result<(), StoreError> {
        let writing = StoreOperation::WritePlaybooks;
        let mut table = self.playbook_table(ACTIVITY_LOG)?;
        let sequence = table
            .last()
            .or_store_error(&self.path, writing)?
            .map_or(0, |(key, _)| key.value() + 1);
        let bytes = postcard::to_allocvec(activity).map_err(|error| StoreError::Unencodable {
            what: "an activity log entry".to_string(),
            reason: error.to_string(),
        })?;
        table
            .insert(sequence, bytes.as_slice())
            .or_store_error(&self.path, writing)?;
        Ok(())
    }
}

/// 16 hex digits that differ between databases.
fn random_token() -> String {
    format!("{:016x}", meta::random_number())
}
