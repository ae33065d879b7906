//! The `meta` table's small facts (schema version, next ordinals, the last
//! evaluation's instant, the next firing id, the database token), each
//! sealed with its checksum: read through here, a damaged fact is an error,
//! never a wrong counter; and the random numbers that token and each
//! commit draw.

use std::path::Path;

use redb::{ReadableTable, Table};

use super::error::OrStoreError;
use super::seal;
use super::{StoreError, StoreOperation};

/// A fact of `meta`, checked; `None` when it was never written.
pub fn fact(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
    path: &Path,
    operation: StoreOperation,
) -> Result<Option<Vec<u8>>, StoreError> {
    let Some(value) = table.get(key).or_store_error(path, operation)? else {
        return Ok(None);
    };
    seal::meta_payload(key, value.value())
        .map(|payload| Some(payload.to_vec()))
        .map_err(|reason| damaged(path, key, &reason))
}

fn damaged(path: &Path, key: &str, reason: &str) -> StoreError {
    StoreError::Damaged {
        path: path.to_path_buf(),
        reason: format!("the setting {key}: {reason}"),
    }
}

/// A fact of exactly `N` bytes (a little-endian number).
fn fixed<const N: usize>(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
    path: &Path,
    operation: StoreOperation,
) -> Result<Option<[u8; N]>, StoreError> {
    match fact(table, key, path, operation)? {
        None => Ok(None),
        Some(bytes) => bytes.try_into().map(Some).map_err(|bytes: Vec<u8>| {
            damaged(path, key, &format!("{} bytes, not {N}", bytes.len()))
        }),
    }
}

pub fn u32_fact(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
    path: &Path,
    operation: StoreOperation,
) -> Result<Option<u32>, StoreError> {
    Ok(fixed(table, key, path, operation)?.map(u32::from_le_bytes))
}

pub fn u64_fact(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
    path: &Path,
    operation: StoreOperation,
) -> Result<Option<u64>, StoreError> {
    Ok(fixed(table, key, path, operation)?.map(u64::from_le_bytes))
}

pub fn i64_fact(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
    path: &Path,
    operation: StoreOperation,
) -> Result<Option<i64>, StoreError> {
    Ok(fixed(table, key, path, operation)?.map(i64::from_le_bytes))
}

/// Writes a fact with its checksum.
pub fn put(
    table: &mut Table<'_, &'static str, &'static [u8]>,
    key: &str,
    value: &[u8],
    path: &Path,
    operation: StoreOperation,
) -> Result<(), StoreError> {
    table
        .insert(key, seal::sealed_meta(key, value).as_slice())
        .or_store_error(path, operation)?;
    Ok(())
}

/// A number that differs between calls, processes and machines: the clock,
/// the process and a per-call counter, hashed with the standard library's
/// randomly seeded hasher (no cryptographic strength is needed: it tells
/// databases and commits apart, it guards nothing).
pub fn random_number() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    hasher.write_u128(since_epoch.as_nanos());
    hasher.write_u32(std::process::id());
    hasher.write_u64(CALLS.fetch_add(1, Ordering::Relaxed));
    hasher.finish()
}
