//! The database: one redb file holding entities, definitions, segment
//! members and membership events — the source of truth that the engine's
//! snapshot is rebuilt from at open.
//!
//! Only this module touches redb. Values are encoded with postcard. Every
//! change a command makes goes through one [`Change`] (a write transaction):
//! it commits whole or not at all, so an interrupted import leaves either
//! none or all of it. The file is created whole (`creation`) with mode 0600
//! and locked by the one process that has it open.

mod change;
mod creation;
mod error;
pub mod import;
mod playbook_state;
mod read;
mod sync_state;
mod tables;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use redb::{Database, DatabaseError, ReadableDatabase, TableHandle};
use serde::{Deserialize, Serialize};

pub use change::{Change, EntityWriter, Ordinals};
pub use creation::is_blank;
pub use error::{StoreError, StoreOperation};
pub use read::{EventCount, EventRecord};

use error::OrStoreError;

use crate::model::{DefinitionKind, EntityKind};
use crate::model::{Origin, Properties, Value};
use tables::*;

/// The schema this build writes. Older files are migrated at open; newer
/// ones are refused.
pub const SCHEMA_VERSION: u32 = 1;

/// redb's page cache. The engine holds the snapshot that answers questions,
/// so the cache only serves writes and the one read of everything at open:
/// a small one lets a large import write its pages out as it goes instead of
/// holding them all until the commit (at 1M users: 290 MB less memory, an
/// import a fifth faster, opening a tenth faster than with redb's 1 GiB).
const CACHE_BYTES: usize = 64 << 20;

/// Rows per stored chunk of a segment's member bitset (a multiple of 64).
pub const MEMBER_CHUNK_ROWS: u32 = 32_768;

/// An entity as stored: its stable row number and its properties.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredEntity {
    pub ordinal: u32,
    pub properties: Properties,
}

/// Present properties (name order, each name once) in the stored form of
/// [`StoredEntity::properties`], so they can be encoded away from the thread
/// that writes them: a stored entity is its ordinal followed by these bytes.
pub fn encode_properties<'p>(
    pairs: impl Iterator<Item = (&'p str, &'p Value)> + Clone,
) -> Result<Vec<u8>, StoreError> {
    postcard::to_allocvec(&PairsAsMap(pairs)).map_err(|error| StoreError::Unencodable {
        what: "the properties of an entity".to_string(),
        reason: error.to_string(),
    })
}

/// Serializes `(name, value)` pairs exactly as a [`Properties`] map.
struct PairsAsMap<I>(I);

impl<'p, I: Iterator<Item = (&'p str, &'p Value)> + Clone> Serialize for PairsAsMap<I> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.clone().count()))?;
        for (name, value) in self.0.clone() {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// A definition as stored: its canonical text is the truth.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredDefinition {
    pub name: String,
    pub kind: DefinitionKind,
    pub text: String,
    pub origin: Origin,
    pub updated_at: i64,
}

/// Who entered or left a segment, when: one record for many entities.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventBatch {
    pub at: i64,
    pub segment: String,
    pub kind: EntityKind,
    pub entered: bool,
    pub ordinals: Vec<u32>,
}

/// About a century: how long a `--wait` too large for the clock waits.
const FOREVER_SECS: u64 = 100 * 365 * 24 * 60 * 60;

pub struct Store {
    db: Database,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the database at `path`. Another process
    /// holding it makes this wait up to `wait`, then fail with `InUse`.
    pub fn open(path: &Path, wait: Option<Duration>) -> Result<Store, StoreError> {
        // A wait beyond what the clock can count is a wait without end.
        let deadline = wait.map(|wait| {
            let now = Instant::now();
            now.checked_add(wait)
                .unwrap_or_else(|| now + Duration::from_secs(FOREVER_SECS))
        });
        // A new database is made whole beside its place, then put there.
        if creation::is_blank(path)? {
            creation::create_atomically(path)?;
        }
        let db = loop {
            match Database::builder().set_cache_size(CACHE_BYTES).create(path) {
                Ok(db) => break db,
                Err(DatabaseError::DatabaseAlreadyOpen)
                    if deadline.is_some_and(|deadline| Instant::now() < deadline) =>
                {
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(error) => return Err(StoreError::from_redb(error, path, StoreOperation::Open)),
            }
        };
        let store = Store {
            db,
            path: path.to_path_buf(),
        };
        store.check_schema()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Creates the tables of a new file, migrates an older one, refuses a
    /// newer one.
    fn check_schema(&self) -> Result<(), StoreError> {
        let found = self.read_meta_u32(SCHEMA_KEY)?;
        match found {
            Some(version) if version > SCHEMA_VERSION => Err(StoreError::NewerSchema {
                path: self.path.clone(),
                found: version,
            }),
            Some(SCHEMA_VERSION) => Ok(()),
            None if self.has_foreign_tables()? => Err(StoreError::NotADatabase {
                path: self.path.clone(),
                reason: "it is another program's database".to_string(),
            }),
            // A database without a schema yet (or, in later versions, an
            // older schema to migrate).
            _ => self.initialise(),
        }
    }

    /// Makes the tables and writes the schema version, in one change.
    fn initialise(&self) -> Result<(), StoreError> {
        let change = self.begin()?;
        change.create_tables()?;
        change.set_meta_u32(SCHEMA_KEY, SCHEMA_VERSION)?;
        change.commit()
    }

    /// Starts a change; nothing is visible until [`Change::commit`].
    pub fn begin(&self) -> Result<Change, StoreError> {
        let transaction = self
            .db
            .begin_write()
            .or_store_error(&self.path, StoreOperation::BeginChange)?;
        Ok(Change::new(transaction, self.path.clone()))
    }

    /// Does the file hold tables that segscope did not make?
    fn has_foreign_tables(&self) -> Result<bool, StoreError> {
        let transaction = self
            .db
            .begin_read()
            .or_store_error(&self.path, StoreOperation::Open)?;
        let mut tables = transaction
            .list_tables()
            .or_store_error(&self.path, StoreOperation::Open)?;
        Ok(tables.any(|table| table.name() != "meta"))
    }

    /// Is this a database `segscope demo` generated?
    pub fn is_demo(&self) -> Result<bool, StoreError> {
        Ok(self.read_meta_u32(DEMO_KEY)? == Some(1))
    }

    fn read_meta_u32(&self, key: &str) -> Result<Option<u32>, StoreError> {
        let reading = StoreOperation::ReadSettings;
        let transaction = self.db.begin_read().or_store_error(&self.path, reading)?;
        let table = match transaction.open_table(META) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(error) => return Err(StoreError::from_redb(error, &self.path, reading)),
        };
        let value = table.get(key).or_store_error(&self.path, reading)?;
        Ok(value.and_then(|v| v.value().try_into().ok().map(u32::from_le_bytes)))
    }
}

/// Creates the file with owner-only permissions when it does not exist: a
/// customer database is nobody else's business.
fn entities_table(kind: EntityKind) -> redb::TableDefinition<'static, &'static str, &'static [u8]> {
    match kind {
        EntityKind::Users => USERS,
        EntityKind::Accounts => ACCOUNTS,
    }
}

fn ordinals_table(kind: EntityKind) -> redb::TableDefinition<'static, u32, &'static str> {
    match kind {
        EntityKind::Users => USER_ORDINALS,
        EntityKind::Accounts => ACCOUNT_ORDINALS,
    }
}

fn next_ordinal_key(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Users => "next_user_ordinal",
        EntityKind::Accounts => "next_account_ordinal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A definition's kind is stored as its variant's index: databases
    /// written before the kinds moved to `model` read the same.
    #[test]
    fn definition_kinds_keep_their_stored_form() {
        for (kind, byte) in DefinitionKind::ALL.into_iter().zip(0u8..) {
            assert_eq!(postcard::to_allocvec(&kind).expect("encodes"), [byte]);
        }
    }
}
