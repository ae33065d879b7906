//! Reading the database: entities (to build the engine's snapshot),
//! definitions, stored members and membership events.

use std::collections::HashMap;

use fixedbitset::FixedBitSet;
use redb::{ReadTransaction, ReadableTable, ReadableTableMetadata, TableDefinition, TableError};

use super::error::OrStoreError;
use super::guard;
use super::meta;
use super::seal::{Sealed, unseal, unseal_text};
use super::tables::*;
use super::{
    EventBatch, MEMBER_CHUNK_ROWS, Store, StoreError, StoreOperation, StoredDefinition,
    StoredEntity, chunk_key, definition_key, entities_table, entity_seal, next_ordinal_key,
    ordinal_seal, ordinals_table,
};
use crate::model::EntityKind;

/// Entities handed from the decoding thread at a time.
const DECODED_BATCH: usize = 1024;

/// The header of one stored record of membership events: everything but
/// the entities' ordinals, of which only the number is read.
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct EventCount<'a> {
    pub at: i64,
    pub segment: &'a str,
    pub kind: EntityKind,
    pub entered: bool,
    /// How many entities the record names.
    pub count: u64,
}

/// One membership event, resolved to the entity's id.
#[derive(Clone, Debug, PartialEq)]
pub struct EventRecord {
    pub at: i64,
    pub segment: String,
    pub kind: EntityKind,
    pub id: String,
    pub entered: bool,
}

impl Store {
    pub(super) fn read(&self, reading: StoreOperation) -> Result<super::Reading<'_>, StoreError> {
        self.begin_read(reading)
    }

    /// A record of ours that does not decode: the file is damaged.
    pub(super) fn damaged(
        &self,
        what: impl std::fmt::Display,
        error: impl std::fmt::Display,
    ) -> StoreError {
        StoreError::Damaged {
            path: self.path.clone(),
            reason: format!("{what}: {error}"),
        }
    }

    /// How many row numbers `kind` has handed out (living entities and
    /// deleted ones): every ordinal is below it.
    pub fn ordinals_used(&self, kind: EntityKind) -> Result<u32, StoreError> {
        let reading = StoreOperation::ReadSettings;
        let transaction = self.read(reading)?;
        let Some(table) = self.open_table(&transaction, META, reading)? else {
            return Ok(0);
        };
        Ok(meta::u32_fact(&table, next_ordinal_key(kind), &self.path, reading)?.unwrap_or(0))
    }

    /// Calls `visit` with every entity of `kind`: ordinal, id, properties.
    /// The entities are read and decoded on a second thread while `visit`
    /// runs on this one (a million of them open in two thirds of the time).
    pub fn for_each_entity(
        &self,
        kind: EntityKind,
        mut visit: impl FnMut(u32, &str, &StoredEntity),
    ) -> Result<(), StoreError> {
        type Batch = Vec<(String, StoredEntity)>;
        let reading = StoreOperation::ReadEntities(kind);
        let transaction = self.read(reading)?;
        let Some(table) = self.open_table(&transaction, entities_table(kind), reading)? else {
            return Ok(());
        };
        let (sender, batches) = std::sync::mpsc::sync_channel::<Batch>(8);
        let (recycle, recycled) = std::sync::mpsc::channel::<Batch>();
        std::thread::scope(|scope| {
            let decoder = std::thread::Builder::new()
                .name("store-decoder".to_string())
                .spawn_scoped(scope, move || -> Result<(), StoreError> {
                    guard::guarded(&self.path, || {
                        let mut batch = Vec::with_capacity(DECODED_BATCH);
                        let mut seen: u64 = 0;
                        for entry in table.iter().or_store_error(&self.path, reading)? {
                            let (id, bytes) = entry.or_store_error(&self.path, reading)?;
                            let id = id.value();
                            let payload =
                                unseal(entity_seal(kind), &[id.as_bytes()], bytes.value())
                                    .map_err(|reason| {
                                        self.damaged(
                                            format_args!("{} {id}", kind.singular()),
                                            reason,
                                        )
                                    })?;
                            let entity: StoredEntity =
                                postcard::from_bytes(payload).map_err(|error| {
                                    self.damaged(format_args!("{} {id}", kind.singular()), error)
                                })?;
                            seen += 1;
                            batch.push((id.to_string(), entity));
                            if batch.len() == DECODED_BATCH {
                                let full = std::mem::replace(
                                    &mut batch,
                                    Vec::with_capacity(DECODED_BATCH),
                                );
                                if sender.send(full).is_err() {
                                    return Ok(());
                                }
                                // Freed here, where they were made.
                                while let Ok(done) = recycled.try_recv() {
                                    drop(done);
                                }
                            }
                        }
                        self.expect_all(&table, seen, format_args!("the {}", kind.as_str()))?;
                        if !batch.is_empty() {
                            let _ = sender.send(batch);
                        }
                        Ok(())
                    })
                })
                .map_err(|error| StoreError::Io {
                    path: self.path.clone(),
                    operation: reading,
                    reason: format!(
                        "no thread to read with ({})",
                        crate::os_error::reason(&error)
                    ),
                    source: Some(error),
                })?;
            for batch in &batches {
                for (id, entity) in &batch {
                    visit(entity.ordinal, id, entity);
                }
                let _ = recycle.send(batch);
            }
            decoder.join().unwrap_or_else(|_| {
                Err(StoreError::Damaged {
                    path: self.path.clone(),
                    reason: format!("reading its {} failed", kind.as_str()),
                })
            })
        })
    }

    pub fn definitions(&self) -> Result<Vec<StoredDefinition>, StoreError> {
        let reading = StoreOperation::ReadDefinitions;
        let transaction = self.read(reading)?;
        let Some(table) = self.open_table(&transaction, DEFINITIONS, reading)? else {
            return Ok(Vec::new());
        };
        let mut definitions = Vec::new();
        for entry in table.iter().or_store_error(&self.path, reading)? {
            let (key, bytes) = entry.or_store_error(&self.path, reading)?;
            let (kind, name) = key.value();
            let what = || format!("{kind} \"{name}\"");
            let payload = unseal(
                Sealed::Definitions,
                &definition_key(kind, name),
                bytes.value(),
            )
            .map_err(|reason| self.damaged(what(), reason))?;
            definitions
                .push(postcard::from_bytes(payload).map_err(|error| self.damaged(what(), error))?);
        }
        self.expect_all(&table, definitions.len() as u64, "the definitions")?;
        Ok(definitions)
    }

    /// The stored members of a segment, if it has been evaluated before.
    pub fn members(&self, folded_name: &str) -> Result<Option<FixedBitSet>, StoreError> {
        self.bitset_chunks(
            SEGMENT_MEMBERS,
            Sealed::SegmentMembers,
            folded_name,
            StoreOperation::ReadMembers,
        )
    }

    /// A bitset stored in chunks under `(folded_name, chunk)` keys.
    pub(super) fn bitset_chunks(
        &self,
        definition: TableDefinition<(&str, u32), &[u8]>,
        sealed: Sealed,
        folded_name: &str,
        reading: StoreOperation,
    ) -> Result<Option<FixedBitSet>, StoreError> {
        let transaction = self.read(reading)?;
        let Some(table) = self.open_table(&transaction, definition, reading)? else {
            return Ok(None);
        };
        let mut words: Vec<u64> = Vec::new();
        let mut found = false;
        let words_per_chunk = MEMBER_CHUNK_ROWS as usize / 64;
        for entry in table
            .range((folded_name, 0)..=(folded_name, u32::MAX))
            .or_store_error(&self.path, reading)?
        {
            let (key, bytes) = entry.or_store_error(&self.path, reading)?;
            found = true;
            let chunk = key.value().1;
            let payload = unseal(
                sealed,
                &chunk_key(folded_name, &chunk.to_le_bytes()),
                bytes.value(),
            )
            .map_err(|reason| {
                self.damaged(format_args!("\"{folded_name}\" chunk {chunk}"), reason)
            })?;
            if payload.len() % 8 != 0 || payload.len() > words_per_chunk * 8 {
                return Err(self.damaged(
                    format_args!("\"{folded_name}\" chunk {chunk}"),
                    format_args!("{} bytes is no chunk of rows", payload.len()),
                ));
            }
            let first_word = chunk as usize * words_per_chunk;
            for (index, word) in payload.chunks_exact(8).enumerate() {
                let position = first_word + index;
                if words.len() <= position {
                    words.resize(position + 1, 0);
                }
                let mut bytes = [0; 8];
                bytes.copy_from_slice(word);
                words[position] = u64::from_le_bytes(bytes);
            }
        }
        if !found {
            return Ok(None);
        }
        let blocks = words.iter().map(|&word| word as usize);
        Ok(Some(FixedBitSet::with_capacity_and_blocks(
            words.len() * 64,
            blocks,
        )))
    }

    /// The instant of the last recorded evaluation.
    pub fn evaluated_at(&self) -> Result<Option<i64>, StoreError> {
        let reading = StoreOperation::ReadSettings;
        let transaction = self.read(reading)?;
        let Some(table) = self.open_table(&transaction, META, reading)? else {
            return Ok(None);
        };
        meta::i64_fact(&table, EVALUATED_AT_KEY, &self.path, reading)
    }

    /// Every membership event that `keep` accepts, oldest first, with ids:
    /// `living` names the entities that exist, the store the deleted ones.
    pub fn events(
        &self,
        mut keep: impl FnMut(&EventBatch) -> bool,
        living: impl Fn(EntityKind, u32) -> Option<String>,
    ) -> Result<Vec<EventRecord>, StoreError> {
        let reading = StoreOperation::ReadHistory;
        let transaction = self.read(reading)?;
        let Some(table) = self.open_table(&transaction, MEMBERSHIP_EVENTS, reading)? else {
            return Ok(Vec::new());
        };
        let mut records_seen: u64 = 0;
        let mut ids: HashMap<EntityKind, HashMap<u32, String>> = HashMap::new();
        let mut records = Vec::new();
        for entry in table.iter().or_store_error(&self.path, reading)? {
            let (sequence, bytes) = entry.or_store_error(&self.path, reading)?;
            let batch: EventBatch = postcard::from_bytes(
                self.event_record(sequence.value(), bytes.value())?,
            )
            .map_err(|error| {
                self.damaged(
                    format_args!("membership event record {}", sequence.value()),
                    error,
                )
            })?;
            records_seen += 1;
            if !keep(&batch) {
                continue;
            }
            let names = match ids.entry(batch.kind) {
                std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
                std::collections::hash_map::Entry::Vacant(entry) => {
                    entry.insert(self.ordinal_ids(&transaction, batch.kind)?)
                }
            };
            for ordinal in &batch.ordinals {
                records.push(EventRecord {
                    at: batch.at,
                    segment: batch.segment.clone(),
                    kind: batch.kind,
                    id: living(batch.kind, *ordinal)
                        .or_else(|| names.get(ordinal).cloned())
                        .unwrap_or_else(|| format!("#{ordinal}")),
                    entered: batch.entered,
                });
            }
        }
        self.expect_all(&table, records_seen, "the membership events")?;
        Ok(records)
    }

    /// The membership events of one entity (by its ordinal), oldest
    /// first, as (instant, segment, entered). It decodes the batches but
    /// builds no record for anyone else: an entity's detail reads this.
    pub fn events_of(
        &self,
        kind: EntityKind,
        ordinal: u32,
    ) -> Result<Vec<(i64, String, bool)>, StoreError> {
        let reading = StoreOperation::ReadHistory;
        let transaction = self.read(reading)?;
        let Some(table) = self.open_table(&transaction, MEMBERSHIP_EVENTS, reading)? else {
            return Ok(Vec::new());
        };
        let mut records_seen: u64 = 0;
        let mut found = Vec::new();
        for entry in table.iter().or_store_error(&self.path, reading)? {
            let (sequence, bytes) = entry.or_store_error(&self.path, reading)?;
            let batch: EventBatch = postcard::from_bytes(
                self.event_record(sequence.value(), bytes.value())?,
            )
            .map_err(|error| {
                self.damaged(
                    format_args!("membership event record {}", sequence.value()),
                    error,
                )
            })?;
            records_seen += 1;
            if batch.kind == kind && batch.ordinals.contains(&ordinal) {
                found.push((batch.at, batch.segment, batch.entered));
            }
        }
        self.expect_all(&table, records_seen, "the membership events")?;
        Ok(found)
    }

    /// Calls `visit` with the header of every membership event record,
    /// oldest first: when, which segment (as recorded), which kind, entered
    /// or exited, and how many entities — read without decoding their
    /// ordinals, so counting a million events per day reads only headers.
    pub fn for_each_event_count(
        &self,
        mut visit: impl FnMut(&EventCount<'_>),
    ) -> Result<(), StoreError> {
        let reading = StoreOperation::ReadHistory;
        let transaction = self.read(reading)?;
        let Some(table) = self.open_table(&transaction, MEMBERSHIP_EVENTS, reading)? else {
            return Ok(());
        };
        let mut records_seen: u64 = 0;
        for entry in table.iter().or_store_error(&self.path, reading)? {
            let (sequence, bytes) = entry.or_store_error(&self.path, reading)?;
            let bytes = self.event_record(sequence.value(), bytes.value())?;
            records_seen += 1;
            // An EventBatch's fields in order, its ordinals' length last:
            // postcard writes a sequence as its length, then its items.
            let (header, _ordinals): (EventCount, _) =
                postcard::take_from_bytes(bytes).map_err(|error| {
                    self.damaged(
                        format_args!("membership event record {}", sequence.value()),
                        error,
                    )
                })?;
            visit(&header);
        }
        self.expect_all(&table, records_seen, "the membership events")?;
        Ok(())
    }

    fn ordinal_ids(
        &self,
        transaction: &ReadTransaction,
        kind: EntityKind,
    ) -> Result<HashMap<u32, String>, StoreError> {
        let reading = StoreOperation::ReadHistory;
        let Some(table) = self.open_table(transaction, ordinals_table(kind), reading)? else {
            return Ok(HashMap::new());
        };
        let mut ids = HashMap::new();
        for entry in table.iter().or_store_error(&self.path, reading)? {
            let (ordinal, id) = entry.or_store_error(&self.path, reading)?;
            let ordinal = ordinal.value();
            let id = unseal_text(ordinal_seal(kind), &[&ordinal.to_le_bytes()], id.value())
                .map_err(|reason| {
                    self.damaged(
                        format_args!("the id of deleted {} {ordinal}", kind.singular()),
                        reason,
                    )
                })?;
            ids.insert(ordinal, id.to_string());
        }
        Ok(ids)
    }

    /// The payload of a membership-event record, checked.
    fn event_record<'r>(&self, sequence: u64, stored: &'r [u8]) -> Result<&'r [u8], StoreError> {
        unseal(Sealed::MembershipEvents, &[&sequence.to_le_bytes()], stored).map_err(|reason| {
            self.damaged(format_args!("membership event record {sequence}"), reason)
        })
    }

    /// A whole-table read met as many records as the table says it holds
    /// (a damaged page can hide records from a scan without failing it).
    fn expect_all<K: redb::Key + 'static, V: redb::Value + 'static>(
        &self,
        table: &redb::ReadOnlyTable<K, V>,
        seen: u64,
        what: impl std::fmt::Display,
    ) -> Result<(), StoreError> {
        let counted = table
            .len()
            .or_store_error(&self.path, StoreOperation::ReadSettings)?;
        if counted == seen {
            Ok(())
        } else {
            Err(self.damaged(
                what,
                format_args!("{seen} records read where the table counts {counted}"),
            ))
        }
    }

    /// Opens a table for reading; a table never written does not exist yet.
    pub(super) fn open_table<K: redb::Key + 'static, V: redb::Value + 'static>(
        &self,
        transaction: &ReadTransaction,
        definition: TableDefinition<K, V>,
        reading: StoreOperation,
    ) -> Result<Option<redb::ReadOnlyTable<K, V>>, StoreError> {
        match transaction.open_table(definition) {
            Ok(table) => Ok(Some(table)),
            Err(TableError::TableDoesNotExist(_)) => Ok(None),
            Err(error) => Err(StoreError::from_redb(error, &self.path, reading)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header reads exactly the fields of a stored batch, and the count
    /// is its number of ordinals.
    #[test]
    fn an_event_count_is_the_header_of_an_event_batch() {
        let batch = EventBatch {
            at: -1_234_567_890,
            segment: "Power users ✓".to_string(),
            kind: EntityKind::Accounts,
            entered: false,
            ordinals: (0..300).map(|n| n * 1000).collect(),
        };
        let bytes = postcard::to_allocvec(&batch).expect("encodes");
        let (header, rest): (EventCount, _) = postcard::take_from_bytes(&bytes).expect("decodes");
        assert_eq!(
            header,
            EventCount {
                at: batch.at,
                segment: "Power users ✓",
                kind: EntityKind::Accounts,
                entered: false,
                count: 300,
            }
        );
        assert!(!rest.is_empty(), "the ordinals follow, unread");
    }
}

/// What a snapshot file of the engine's tables is stamped with: the
/// database's token, how many changes had been committed and the random
/// number the last commit drew. Equal stamps mean the same database in the
/// same state — also for copies of one database that went on separately,
/// which share the token and may reach the same count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamp {
    pub database: String,
    pub commits: u64,
    pub last_commit: u64,
}

impl Store {
    /// The stamp of the committed state this store reads (a read-only
    /// store: the commit it opened).
    pub fn stamp(&self) -> Result<Stamp, StoreError> {
        self.stamp_in(&*self.read(StoreOperation::ReadSettings)?)
    }

    /// The stamp of the last commit, whoever made it: beside a writer in
    /// another process, a read-only store's own commit may be older.
    pub fn latest_stamp(&self) -> Result<Stamp, StoreError> {
        self.stamp_in(&*self.read_latest(StoreOperation::ReadSettings)?)
    }

    fn stamp_in(&self, transaction: &redb::ReadTransaction) -> Result<Stamp, StoreError> {
        let reading = StoreOperation::ReadSettings;
        let Some(table) = self.open_table(transaction, META, reading)? else {
            return Err(self.damaged("the settings", "the table is missing"));
        };
        let database = meta::fact(&table, DATABASE_TOKEN_KEY, &self.path, reading)?
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .unwrap_or_default();
        let commits = meta::u64_fact(&table, COMMITS_KEY, &self.path, reading)?.unwrap_or(0);
        let last_commit =
            meta::u64_fact(&table, LAST_COMMIT_KEY, &self.path, reading)?.unwrap_or(0);
        Ok(Stamp {
            database,
            commits,
            last_commit,
        })
    }
}
