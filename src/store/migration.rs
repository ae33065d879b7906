//! Bringing a database written by an older segscope to this build's schema,
//! in one change at open: all of it or, on any error, none.
//!
//! Version 1 → 2: every entity, definition, member chunk, playbook match
//! chunk, membership-event record and setting gets its checksum (`seal`).

use std::ops::Bound;

use redb::{ReadableTable, Table};

use super::error::OrStoreError;
use super::seal::{Sealed, seal, sealed_meta};
use super::tables::*;
use super::{
    SCHEMA_VERSION, Store, StoreError, StoreOperation, chunk_key, definition_key, entity_seal,
};
use crate::model::EntityKind;

/// Migrates the store from schema `found` (older than this build's).
pub fn migrate(store: &Store, found: u32) -> Result<(), StoreError> {
    if found != 1 {
        return Err(StoreError::Damaged {
            path: store.path().to_path_buf(),
            reason: format!("schema version {found} is none segscope ever wrote"),
        });
    }
    let change = store.begin()?;
    let path = store.path();
    let writing = StoreOperation::WriteSettings;
    let transaction = &change.transaction;
    for kind in [EntityKind::Users, EntityKind::Accounts] {
        let mut table = transaction
            .open_table(super::entities_table(kind))
            .or_store_error(path, writing)?;
        reseal(&mut table, path, |id: &&str| {
            (entity_seal(kind), vec![id.as_bytes().to_vec()])
        })?;
    }
    let mut definitions = transaction
        .open_table(DEFINITIONS)
        .or_store_error(path, writing)?;
    reseal(&mut definitions, path, |(kind, name): &(&str, &str)| {
        let key = definition_key(kind, name);
        (Sealed::Definitions, key.map(<[u8]>::to_vec).to_vec())
    })?;
    for (definition, sealed) in [
        (SEGMENT_MEMBERS, Sealed::SegmentMembers),
        (PLAYBOOK_MATCHES, Sealed::PlaybookMatches),
    ] {
        let mut chunks = transaction
            .open_table(definition)
            .or_store_error(path, writing)?;
        reseal(&mut chunks, path, |(name, chunk): &(&str, u32)| {
            let key = chunk_key(name, &chunk.to_le_bytes()).map(<[u8]>::to_vec);
            (sealed, key.to_vec())
        })?;
    }
    let mut events = transaction
        .open_table(MEMBERSHIP_EVENTS)
        .or_store_error(path, writing)?;
    reseal(&mut events, path, |sequence: &u64| {
        (
            Sealed::MembershipEvents,
            vec![sequence.to_le_bytes().to_vec()],
        )
    })?;
    let mut meta = transaction.open_table(META).or_store_error(path, writing)?;
    let facts: Vec<(String, Vec<u8>)> = meta
        .iter()
        .or_store_error(path, writing)?
        .map(|entry| {
            entry
                .map(|(key, value)| (key.value().to_string(), value.value().to_vec()))
                .or_store_error(path, writing)
        })
        .collect::<Result<_, _>>()?;
    for (key, value) in facts {
        let value = if key == SCHEMA_KEY {
            SCHEMA_VERSION.to_le_bytes().to_vec()
        } else {
            value
        };
        meta.insert(key.as_str(), sealed_meta(&key, &value).as_slice())
            .or_store_error(path, writing)?;
    }
    drop((definitions, events, meta));
    change.commit()
}

/// Rewrites every record of `table` with its checksum; `key_of` says how
/// a key reads for it (which sealed table, the key's parts). Records are
/// rewritten in key order, a batch at a time (a table cannot be read and
/// written at once), so memory stays within one batch.
fn reseal<K: redb::Key + 'static>(
    table: &mut Table<'_, K, &'static [u8]>,
    path: &std::path::Path,
    key_of: impl for<'k> Fn(&K::SelfType<'k>) -> (Sealed, Vec<Vec<u8>>),
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
                let (sealed, parts) = key_of(&key);
                let parts: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
                let mut record = value.value().to_vec();
                seal(sealed, &parts, &mut record);
                batch.push((K::as_bytes(&key).as_ref().to_vec(), record));
            }
        }
        let Some((last, _)) = batch.last() else {
            return Ok(());
        };
        let last = last.clone();
        for (key_bytes, record) in &batch {
            table
                .insert(K::from_bytes(key_bytes), record.as_slice())
                .or_store_error(path, writing)?;
        }
        after = Some(last);
    }
}
