//! One change to the database: a redb write transaction with typed methods.
//! Nothing is visible to anyone until [`Change::commit`]; dropping a change
//! (or an error on the way) leaves the database exactly as it was.

use std::path::{Path, PathBuf};

use fixedbitset::FixedBitSet;
use redb::{ReadableTable, Table, WriteTransaction};

use super::error::OrStoreError;
use super::meta;
use super::seal::{Sealed, seal, seal_text, unseal};
use super::tables::*;
use super::{
    DefinitionKind, EventBatch, MEMBER_CHUNK_ROWS, StoreError, StoreOperation, StoredDefinition,
    StoredEntity, chunk_key, definition_key, entities_table, entity_seal, next_ordinal_key,
    ordinal_seal, ordinals_table,
};
use crate::model::EntityKind;

/// Most ordinals in one stored event record.
const EVENTS_PER_RECORD: usize = 65_536;

pub struct Change {
    pub(super) transaction: WriteTransaction,
    /// The database file, for the errors.
    pub(super) path: PathBuf,
}

impl Change {
    pub(super) fn new(transaction: WriteTransaction, path: PathBuf) -> Change {
        Change { transaction, path }
    }

    pub(super) fn create_tables(&self) -> Result<(), StoreError> {
        let creating = |opened: Result<(), redb::TableError>| {
            opened.or_store_error(&self.path, StoreOperation::Create)
        };
        creating(self.transaction.open_table(META).map(drop))?;
        creating(self.transaction.open_table(USERS).map(drop))?;
        creating(self.transaction.open_table(ACCOUNTS).map(drop))?;
        creating(self.transaction.open_table(USER_ORDINALS).map(drop))?;
        creating(self.transaction.open_table(ACCOUNT_ORDINALS).map(drop))?;
        creating(self.transaction.open_table(DEFINITIONS).map(drop))?;
        creating(self.transaction.open_table(SEGMENT_MEMBERS).map(drop))?;
        creating(self.transaction.open_table(MEMBERSHIP_EVENTS).map(drop))?;
        Ok(())
    }

    /// Makes the change durable, counting the commit in `meta` (see
    /// [`Store::stamp`]). On an error nothing of it is kept.
    pub fn commit(self) -> Result<(), StoreError> {
        let path = self.path.clone();
        super::guarded(&path, || {
            let writing = StoreOperation::WriteSettings;
            let mut meta = self
                .transaction
                .open_table(META)
                .or_store_error(&self.path, writing)?;
            let commits = meta::u64_fact(&meta, COMMITS_KEY, &self.path, writing)?.unwrap_or(0);
            meta::put(
                &mut meta,
                COMMITS_KEY,
                &(commits + 1).to_le_bytes(),
                &self.path,
                writing,
            )?;
            meta::put(
                &mut meta,
                LAST_COMMIT_KEY,
                &meta::random_number().to_le_bytes(),
                &self.path,
                writing,
            )?;
            drop(meta);
            self.transaction
                .commit()
                .or_store_error(&self.path, StoreOperation::Commit)
        })
    }

    pub(super) fn set_meta_u32(&self, key: &str, value: u32) -> Result<(), StoreError> {
        let writing = StoreOperation::WriteSettings;
        let mut meta = self
            .transaction
            .open_table(META)
            .or_store_error(&self.path, writing)?;
        meta::put(&mut meta, key, &value.to_le_bytes(), &self.path, writing)
    }

    /// Marks the database as a generated demo, which `segscope demo` may
    /// replace.
    pub fn mark_demo(&self) -> Result<(), StoreError> {
        self.set_meta_u32(DEMO_KEY, 1)
    }

    /// Records the instant of the last evaluation.
    pub fn set_evaluated_at(&self, micros: i64) -> Result<(), StoreError> {
        let writing = StoreOperation::WriteSettings;
        let mut meta = self
            .transaction
            .open_table(META)
            .or_store_error(&self.path, writing)?;
        meta::put(
            &mut meta,
            EVALUATED_AT_KEY,
            &micros.to_le_bytes(),
            &self.path,
            writing,
        )
    }

    /// Opens the entity tables of `kind` for many reads and writes.
    pub fn entities(&self, kind: EntityKind) -> Result<EntityWriter<'_>, StoreError> {
        let writing = StoreOperation::WriteEntities(kind);
        let meta = self
            .transaction
            .open_table(META)
            .or_store_error(&self.path, writing)?;
        let next_ordinal =
            meta::u32_fact(&meta, next_ordinal_key(kind), &self.path, writing)?.unwrap_or(0);
        Ok(EntityWriter {
            kind,
            path: &self.path,
            entities: self
                .transaction
                .open_table(entities_table(kind))
                .or_store_error(&self.path, writing)?,
            ordinals: self
                .transaction
                .open_table(ordinals_table(kind))
                .or_store_error(&self.path, writing)?,
            meta,
            next_ordinal,
            saved: false,
            buffer: Vec::with_capacity(1024),
        })
    }

    pub fn put_definition(
        &self,
        definition: &StoredDefinition,
        folded_name: &str,
    ) -> Result<(), StoreError> {
        let writing = StoreOperation::WriteDefinitions;
        let mut table = self
            .transaction
            .open_table(DEFINITIONS)
            .or_store_error(&self.path, writing)?;
        let mut bytes =
            postcard::to_allocvec(definition).map_err(|error| StoreError::Unencodable {
                what: format!("the definition \"{}\"", definition.name),
                reason: error.to_string(),
            })?;
        let kind = definition.kind.keyword();
        seal(
            Sealed::Definitions,
            &definition_key(kind, folded_name),
            &mut bytes,
        );
        table
            .insert((kind, folded_name), bytes.as_slice())
            .or_store_error(&self.path, writing)?;
        Ok(())
    }

    pub fn delete_definition(
        &self,
        kind: DefinitionKind,
        folded_name: &str,
    ) -> Result<(), StoreError> {
        let writing = StoreOperation::WriteDefinitions;
        let mut table = self
            .transaction
            .open_table(DEFINITIONS)
            .or_store_error(&self.path, writing)?;
        table
            .remove((kind.keyword(), folded_name))
            .or_store_error(&self.path, writing)?;
        Ok(())
    }

    /// Stores the chunks of a segment's members that contain `rows` (all
    /// chunks when `rows` is `None`).
    pub fn put_members(
        &self,
        folded_name: &str,
        members: &FixedBitSet,
        rows: Option<&[u32]>,
    ) -> Result<(), StoreError> {
        let writing = StoreOperation::WriteMembers;
        let mut table = self
            .transaction
            .open_table(SEGMENT_MEMBERS)
            .or_store_error(&self.path, writing)?;
        self.put_bitset_chunks(
            &mut table,
            Sealed::SegmentMembers,
            folded_name,
            members,
            rows,
            writing,
        )
    }

    /// Stores the chunks of a bitset under `(folded_name, chunk)` keys that
    /// contain `rows` (all chunks when `rows` is `None`).
    pub(super) fn put_bitset_chunks(
        &self,
        table: &mut Table<'_, (&'static str, u32), &'static [u8]>,
        sealed: Sealed,
        folded_name: &str,
        bits: &FixedBitSet,
        rows: Option<&[u32]>,
        writing: StoreOperation,
    ) -> Result<(), StoreError> {
        let chunk_count = bits.len().div_ceil(MEMBER_CHUNK_ROWS as usize) as u32;
        let mut chunks: Vec<u32> = match rows {
            Some(rows) => rows.iter().map(|row| row / MEMBER_CHUNK_ROWS).collect(),
            None => (0..chunk_count).collect(),
        };
        chunks.sort_unstable();
        chunks.dedup();
        let blocks = bits.as_slice();
        let blocks_per_chunk = MEMBER_CHUNK_ROWS as usize / usize::BITS as usize;
        for chunk in chunks {
            let start = chunk as usize * blocks_per_chunk;
            let end = (start + blocks_per_chunk).min(blocks.len());
            let mut bytes: Vec<u8> = blocks
                .get(start..end)
                .unwrap_or(&[])
                .iter()
                .flat_map(|block| (*block as u64).to_le_bytes())
                .collect();
            seal(
                sealed,
                &chunk_key(folded_name, &chunk.to_le_bytes()),
                &mut bytes,
            );
            table
                .insert((folded_name, chunk), bytes.as_slice())
                .or_store_error(&self.path, writing)?;
        }
        Ok(())
    }

    pub fn delete_members(&self, folded_name: &str) -> Result<(), StoreError> {
        let writing = StoreOperation::WriteMembers;
        let mut table = self
            .transaction
            .open_table(SEGMENT_MEMBERS)
            .or_store_error(&self.path, writing)?;
        table
            .retain_in((folded_name, 0)..=(folded_name, u32::MAX), |_, _| false)
            .or_store_error(&self.path, writing)?;
        Ok(())
    }

    /// Appends membership events, splitting large batches into records.
    pub fn append_events(&self, batches: &[EventBatch]) -> Result<(), StoreError> {
        let writing = StoreOperation::WriteHistory;
        let mut table = self
            .transaction
            .open_table(MEMBERSHIP_EVENTS)
            .or_store_error(&self.path, writing)?;
        let mut sequence = table
            .last()
            .or_store_error(&self.path, writing)?
            .map_or(0, |(key, _)| key.value() + 1);
        for batch in batches {
            for ordinals in batch.ordinals.chunks(EVENTS_PER_RECORD) {
                let record = EventBatch {
                    ordinals: ordinals.to_vec(),
                    segment: batch.segment.clone(),
                    ..*batch
                };
                let mut bytes =
                    postcard::to_allocvec(&record).map_err(|error| StoreError::Unencodable {
                        what: format!("the membership events of \"{}\"", record.segment),
                        reason: error.to_string(),
                    })?;
                seal(
                    Sealed::MembershipEvents,
                    &[&sequence.to_le_bytes()],
                    &mut bytes,
                );
                table
                    .insert(sequence, bytes.as_slice())
                    .or_store_error(&self.path, writing)?;
                sequence += 1;
            }
        }
        Ok(())
    }
}

/// Hands out stable row numbers to entities seen for the first time.
#[derive(Clone, Copy, Debug)]
pub struct Ordinals {
    kind: EntityKind,
    next: u32,
}

impl Ordinals {
    /// The ordinal the next new entity will get (every one below it is
    /// taken, alive or deleted).
    pub fn first_unused(&self) -> u32 {
        self.next
    }

    pub fn allocate(&mut self) -> Result<u32, StoreError> {
        let ordinal = self.next;
        self.next = ordinal
            .checked_add(1)
            .ok_or(StoreError::TooManyEntities { kind: self.kind })?;
        Ok(ordinal)
    }
}

/// The entity and ordinal tables of one kind, open for a batch of changes.
pub struct EntityWriter<'t> {
    kind: EntityKind,
    /// The database file, for the errors.
    path: &'t Path,
    entities: Table<'t, &'static str, &'static [u8]>,
    ordinals: Table<'t, u32, &'static str>,
    meta: Table<'t, &'static str, &'static [u8]>,
    next_ordinal: u32,
    saved: bool,
    buffer: Vec<u8>,
}

impl EntityWriter<'_> {
    /// Saves the ordinal counter; call it before committing the change.
    pub fn finish(mut self) -> Result<(), StoreError> {
        self.save_counter()?;
        self.saved = true;
        Ok(())
    }

    fn save_counter(&mut self) -> Result<(), StoreError> {
        let writing = self.writing();
        meta::put(
            &mut self.meta,
            next_ordinal_key(self.kind),
            &self.next_ordinal.to_le_bytes(),
            self.path,
            writing,
        )
    }

    fn writing(&self) -> StoreOperation {
        StoreOperation::WriteEntities(self.kind)
    }

    pub fn get(&self, id: &str) -> Result<Option<StoredEntity>, StoreError> {
        let Some(bytes) = self
            .entities
            .get(id)
            .or_store_error(self.path, self.writing())?
        else {
            return Ok(None);
        };
        let damaged = |reason: String| StoreError::Damaged {
            path: self.path.to_path_buf(),
            reason: format!("{} {id}: {reason}", self.kind.singular()),
        };
        let payload =
            unseal(entity_seal(self.kind), &[id.as_bytes()], bytes.value()).map_err(damaged)?;
        postcard::from_bytes(payload)
            .map(Some)
            .map_err(|error| damaged(error.to_string()))
    }

    /// The counter of stable row numbers, for handing them out elsewhere
    /// (another thread); [`EntityWriter::set_ordinals`] takes it back.
    pub fn ordinals(&self) -> Ordinals {
        Ordinals {
            kind: self.kind,
            next: self.next_ordinal,
        }
    }

    pub fn set_ordinals(&mut self, ordinals: Ordinals) {
        self.next_ordinal = ordinals.next;
    }

    /// Stores an entity from its properties already encoded by
    /// [`super::encode_properties`]: the record is the ordinal followed by
    /// those bytes, exactly a [`super::StoredEntity`].
    pub fn put_encoded(
        &mut self,
        id: &str,
        ordinal: u32,
        encoded_properties: &[u8],
    ) -> Result<(), StoreError> {
        // One buffer for every row: growing a fresh one per row cost more
        // than the encoding itself.
        let mut buffer = std::mem::take(&mut self.buffer);
        buffer.clear();
        let mut bytes =
            postcard::to_extend(&ordinal, buffer).map_err(|error| StoreError::Unencodable {
                what: format!("{} {id}", self.kind.singular()),
                reason: error.to_string(),
            })?;
        bytes.extend_from_slice(encoded_properties);
        seal(entity_seal(self.kind), &[id.as_bytes()], &mut bytes);
        let inserted = self
            .entities
            .insert(id, bytes.as_slice())
            .or_store_error(self.path, StoreOperation::WriteEntities(self.kind));
        self.buffer = bytes;
        inserted?;
        Ok(())
    }

    /// Deletes an entity; its ordinal keeps naming its id, so the history
    /// of a deleted entity still says who it was.
    pub fn delete(&mut self, id: &str) -> Result<(), StoreError> {
        let writing = self.writing();
        if let Some(entity) = self.get(id)? {
            let sealed = seal_text(
                ordinal_seal(self.kind),
                &[&entity.ordinal.to_le_bytes()],
                id,
            );
            self.ordinals
                .insert(entity.ordinal, sealed.as_str())
                .or_store_error(self.path, writing)?;
        }
        self.entities
            .remove(id)
            .or_store_error(self.path, writing)?;
        Ok(())
    }
}

impl Drop for EntityWriter<'_> {
    /// A writer dropped without `finish` (an early return on error) still
    /// saves the counter, so a change that is committed anyway never hands
    /// an ordinal out twice. An aborted change forgets it with the rest.
    fn drop(&mut self) {
        if !self.saved {
            let _ = self.save_counter();
        }
    }
}
