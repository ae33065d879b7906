//! Bringing a database written by an older segscope to this build's schema,
//! in one change at open: all of it or, on any error, none.
//!
//! Version 1 → 2: every entity, definition, member chunk, playbook match
//! chunk, membership-event record and setting gets its checksum (`seal`).
//! Version 2 → 3: so do each deleted entity's id, each acknowledged sync
//! payload and each sync run. Version 3 → 4: the database gets its token
//! and its commit count (the stamp of a snapshot file). An older database
//! takes every step it needs in the one change.

use std::ops::Bound;

use redb::{ReadableTable, Table};

use super::error::OrStoreError;
use super::seal::{Sealed, seal, seal_text, sealed_meta};
use super::tables::*;
use super::{
    SCHEMA_VERSION, Store, StoreError, StoreOperation, chunk_key, definition_key, entity_seal,
    ordinal_seal, ordinals_table, sync_state::state_key,
};
use crate::model::EntityKind;

/// Migrates the store from schema `found` (older than this build's).
pub fn migrate(store: &Store, found: u32) -> Result<(), StoreError> {
    if !(1..SCHEMA_VERSION).contains(&found) {
        return Err(StoreError::Damaged {
            path: store.path().to_path_buf(),
            reason: format!("schema version {found} is none segscope ever wrote"),
        });
    }
    let change = store.begin()?;
    let path = store.path();
    let writing = StoreOperation::WriteSettings;
    let transaction = &change.transaction;
    if found == 1 {
        seal_version_1_records(transaction, path)?;
    }
    if found <= 2 {
        seal_version_2_records(transaction, path)?;
    }
    // Version 3 → 4: the token and the commit count that stamp a snapshot
    // file (the count starts with this change's commit).
    change.database_token()?;
    let mut meta = transaction.open_table(META).or_store_error(path, writing)?;
    meta.insert(
        SCHEMA_KEY,
        sealed_meta(SCHEMA_KEY, &SCHEMA_VERSION.to_le_bytes()).as_slice(),
    )
    .or_store_error(path, writing)?;
    drop(meta);
    change.commit()
}

/// Version 1 → 2: seals entities, definitions, member and match chunks,
/// membership events and settings.
fn seal_version_1_records(
    transaction: &redb::WriteTransaction,
    path: &std::path::Path,
) -> Result<(), StoreError> {
    let writing = StoreOperation::WriteSettings;
    for kind in [EntityKind::Users, EntityKind::Accounts] {
        let mut table = transaction
            .open_table(super::entities_table(kind))
            .or_store_error(path, writing)?;
        reseal(&mut table, path, |id: &&str, record| {
            sealed(entity_seal(kind), &[id.as_bytes()], record)
        })?;
    }
    let mut definitions = transaction
        .open_table(DEFINITIONS)
        .or_store_error(path, writing)?;
    reseal(
        &mut definitions,
        path,
        |(kind, name): &(&str, &str), record| {
            sealed(Sealed::Definitions, &definition_key(kind, name), record)
        },
    )?;
    for (definition, table) in [
        (SEGMENT_MEMBERS, Sealed::SegmentMembers),
        (PLAYBOOK_MATCHES, Sealed::PlaybookMatches),
    ] {
        let mut chunks = transaction
            .open_table(definition)
            .or_store_error(path, writing)?;
        reseal(&mut chunks, path, |(name, chunk): &(&str, u32), record| {
            sealed(table, &chunk_key(name, &chunk.to_le_bytes()), record)
        })?;
    }
    let mut events = transaction
        .open_table(MEMBERSHIP_EVENTS)
        .or_store_error(path, writing)?;
    reseal(&mut events, path, |sequence: &u64, record| {
        sealed(Sealed::MembershipEvents, &[&sequence.to_le_bytes()], record)
    })?;
    let mut meta = transaction.open_table(META).or_store_error(path, writing)?;
    reseal(&mut meta, path, |key: &&str, fact| sealed_meta(key, fact))?;
    Ok(())
}

/// Version 2 → 3: seals the ids of deleted entities, what destinations
/// acknowledged, and the sync runs.
fn seal_version_2_records(
    transaction: &redb::WriteTransaction,
    path: &std::path::Path,
) -> Result<(), StoreError> {
    let writing = StoreOperation::WriteSettings;
    for kind in [EntityKind::Users, EntityKind::Accounts] {
        let mut table = transaction
            .open_table(ordinals_table(kind))
            .or_store_error(path, writing)?;
        reseal(&mut table, path, |ordinal: &u32, id| {
            let id = std::str::from_utf8(id).unwrap_or_default();
            seal_text(ordinal_seal(kind), &[&ordinal.to_le_bytes()], id).into_bytes()
        })?;
    }
    let mut state = transaction
        .open_table(SYNC_STATE)
        .or_store_error(path, writing)?;
    reseal(
        &mut state,
        path,
        |(destination, scope, key): &(&str, &str, &str), payload| {
            let payload = std::str::from_utf8(payload).unwrap_or_default();
            let parts = state_key(destination, scope, key);
            seal_text(Sealed::SyncState, &parts, payload).into_bytes()
        },
    )?;
    let mut runs = transaction
        .open_table(SYNC_RUNS)
        .or_store_error(path, writing)?;
    reseal(&mut runs, path, |id: &u64, record| {
        sealed(Sealed::SyncRuns, &[&id.to_le_bytes()], record)
    })?;
    Ok(())
}

/// `record` with its checksum under `key` in `table`.
fn sealed(table: Sealed, key: &[&[u8]], record: &[u8]) -> Vec<u8> {
    let mut record = record.to_vec();
    seal(table, key, &mut record);
    record
}

/// Rewrites every record of `table` as `rewrite` makes it of its key and
/// stored bytes (a value of text stays text). Records are rewritten in key
/// order, a batch at a time (a table cannot be read and written at once),
/// so memory stays within one batch.
fn reseal<K: redb::Key + 'static, V: redb::Value + 'static>(
    table: &mut Table<'_, K, V>,
    path: &std::path::Path,
    rewrite: impl for<'k> Fn(&K::SelfType<'k>, &[u8]) -> Vec<u8>,
) -> Result<(), StoreError> {
    const BATCH: usize = 4096;
    let writing = StoreOperation::WriteSettings;
    let mut after: Option<Vec<u8>> = None;
    loop {
        let mut batch: Vec<(Vec<u8>, Vec<u8>)> = Vec::with_capacity(BATCH);
        {
            let start = match &after {
                Some(last) => Bound::Excluded(K::from_bytes(last)),
                None => Bound::Unbounded,
            };
            let range = table
                .range::<K::SelfType<'_>>((start, Bound::Unbounded))
                .or_store_error(path, writing)?;
            for entry in range.take(BATCH) {
                let (key, value) = entry.or_store_error(path, writing)?;
                let key = key.value();
                let value = value.value();
                let record = rewrite(&key, V::as_bytes(&value).as_ref());
                batch.push((K::as_bytes(&key).as_ref().to_vec(), record));
            }
        }
        let Some((last, _)) = batch.last() else {
            return Ok(());
        };
        let last = last.clone();
        for (key_bytes, record) in &batch {
            table
                .insert(K::from_bytes(key_bytes), V::from_bytes(record))
                .or_store_error(path, writing)?;
        }
        after = Some(last);
    }
}
