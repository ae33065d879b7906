//! The database: one redb file holding entities, definitions, segment
//! members and membership events — the source of truth that the engine's
//! snapshot is rebuilt from at open.
//!
//! Only this module touches redb. Values are encoded with postcard. Every
//! change a command makes goes through one [`Change`] (a write transaction):
//! it commits whole or not at all, so an interrupted import leaves either
//! none or all of it. The file is created whole (`creation`) with mode 0600.
//! One process at a time opens it for changes; any number of others may
//! read beside it, each through one read transaction (one commit).

mod change;
mod creation;
mod error;
mod guard;
pub mod import;
mod meta;
mod migration;
mod playbook_state;
mod read;
mod seal;
pub mod snapshot;
mod sync_state;
mod tables;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use redb::{
    ConcurrencyMode, Database, DatabaseError, ReadOnlyDatabase, ReadTransaction, ReadableDatabase,
    TableHandle,
};
use serde::{Deserialize, Serialize};

pub use change::{Change, EntityWriter, Ordinals};
pub use creation::is_blank;
pub use error::{StoreError, StoreOperation};
pub use guard::guarded;
pub use read::{EventCount, EventRecord, Stamp};

use error::OrStoreError;

use crate::model::{DefinitionKind, EntityKind};
use crate::model::{Origin, Properties, Value};
use tables::*;

/// The schema this build writes. Older files are migrated at open; newer
/// ones are refused. Version 2 seals every entity, definition, member chunk,
/// membership-event record and setting with a checksum (`seal`).
pub const SCHEMA_VERSION: u32 = 4;

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

/// The open file: for changes, or only for reading.
enum Opened {
    Writable(Database),
    /// Beside a writer in another process, every read goes through the
    /// one transaction taken at open, so a command reads one commit
    /// throughout (entities, definitions and members never from two).
    /// Declared first: it ends before the database closes.
    ReadOnly {
        pinned: ReadTransaction,
        /// Read only for the latest commit's stamp ([`Store::latest_stamp`]).
        db: ReadOnlyDatabase,
    },
}

/// How every segscope process opens a file: one process writes, and any
/// number of others read the last committed state beside it (redb's
/// byte-range locks; a second writer is refused as before).
fn builder() -> redb::Builder {
    let mut builder = Database::builder();
    builder
        .set_cache_size(CACHE_BYTES)
        .set_concurrency_mode(ConcurrencyMode::SingleWriter);
    builder
}

/// A read transaction: a new one for a writable store, the pinned one of a
/// read-only store.
pub(crate) enum Reading<'store> {
    Fresh(ReadTransaction),
    Pinned(&'store ReadTransaction),
}

impl std::ops::Deref for Reading<'_> {
    type Target = ReadTransaction;

    fn deref(&self) -> &ReadTransaction {
        match self {
            Reading::Fresh(transaction) => transaction,
            Reading::Pinned(transaction) => transaction,
        }
    }
}

pub struct Store {
    /// Always present; taken only when the store is dropped.
    opened: Option<Opened>,
    path: PathBuf,
}

impl Drop for Store {
    /// Closing reads redb's allocator state, which damage can break too.
    fn drop(&mut self) {
        if let Some(opened) = self.opened.take() {
            let _ = guard::guarded(&self.path, || {
                drop(opened);
                Ok::<(), StoreError>(())
            });
        }
    }
}

/// The instant a wait for another process ends: a wait beyond what the
/// clock can count is a wait without end.
fn deadline(wait: Option<Duration>) -> Option<Instant> {
    wait.map(|wait| {
        let now = Instant::now();
        now.checked_add(wait)
            .unwrap_or_else(|| now + Duration::from_secs(FOREVER_SECS))
    })
}

/// Calls `open` until it does not find the database in use by another
/// process, or `deadline` passes.
fn open_waiting<T>(
    path: &Path,
    deadline: Option<Instant>,
    open: impl Fn() -> Result<T, DatabaseError>,
) -> Result<T, StoreError> {
    loop {
        match open() {
            Ok(opened) => return Ok(opened),
            Err(DatabaseError::DatabaseAlreadyOpen)
                if deadline.is_some_and(|deadline| Instant::now() < deadline) =>
            {
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(error) => return Err(StoreError::from_redb(error, path, StoreOperation::Open)),
        }
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path`. Another process
    /// holding it makes this wait up to `wait`, then fail with `InUse`.
    pub fn open(path: &Path, wait: Option<Duration>) -> Result<Store, StoreError> {
        let deadline = deadline(wait);
        guard::guarded(path, || {
            // A new database is made whole beside its place, then put there.
            if creation::is_blank(path)? {
                creation::create_atomically(path)?;
            }
            let db = open_waiting(path, deadline, || builder().create(path))?;
            let store = Store {
                opened: Some(Opened::Writable(db)),
                path: path.to_path_buf(),
            };
            store.check_schema()?;
            Ok(store)
        })
    }

    /// Opens the existing database at `path` for reading only: nothing is
    /// written to the file (it may be on read-only media). A file that
    /// needs what only a writer does — recovery after a crash, a migration
    /// from an older segscope — is opened for writing instead, which does it
    /// (and fails with the reason where the file cannot be written).
    pub fn open_read_only(path: &Path, wait: Option<Duration>) -> Result<Store, StoreError> {
        let deadline = deadline(wait);
        guard::guarded(path, || {
            if creation::is_blank(path)? {
                return Err(StoreError::NotADatabase {
                    path: path.to_path_buf(),
                    reason: "it is empty".to_string(),
                });
            }
            let opened = open_waiting(path, deadline, || builder().open_read_only(path));
            let db = match opened {
                Err(StoreError::NeedsRecovery { .. }) => return Store::open(path, wait),
                opened => opened?,
            };
            let pinned = db.begin_read().or_store_error(path, StoreOperation::Open)?;
            let store = Store {
                opened: Some(Opened::ReadOnly { pinned, db }),
                path: path.to_path_buf(),
            };
            match store.schema_version()? {
                Some(SCHEMA_VERSION) => Ok(store),
                Some(version) if version > SCHEMA_VERSION => Err(StoreError::NewerSchema {
                    path: store.path.clone(),
                    found: version,
                }),
                // Older (migrated by a writable open) or not ours (refused
                // by it, with the reason).
                _ => {
                    drop(store);
                    Store::open(path, wait)
                }
            }
        })
    }

    /// Closes the file and opens it again for changes: after a write the
    /// operating system refused (a full disk), redb answers every later
    /// operation of that handle with "an earlier write failed" until it is
    /// closed. Reopening waits for no one: if another writer took the file
    /// in between, this fails with `InUse`.
    pub fn reopen(&mut self) -> Result<(), StoreError> {
        if let Some(opened) = self.opened.take() {
            let _ = guard::guarded(&self.path, || {
                drop(opened);
                Ok::<(), StoreError>(())
            });
        }
        let path = self.path.clone();
        let db = guard::guarded(&path, || {
            open_waiting(&path, None, || builder().open(&path))
        })?;
        self.opened = Some(Opened::Writable(db));
        Ok(())
    }

    /// Whether changes can be made (the store was not opened read-only).
    pub fn is_writable(&self) -> bool {
        matches!(self.opened, Some(Opened::Writable(_)))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Creates the tables of a new file, migrates an older one, refuses a
    /// newer one.
    fn check_schema(&self) -> Result<(), StoreError> {
        let found = self.schema_version()?;
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
            Some(older) => migration::migrate(self, older),
            // A database without a schema yet.
            None => self.initialise(),
        }
    }

    /// The schema version stored in `meta`: version 1 wrote it as four
    /// bytes, later versions seal it like every other setting.
    fn schema_version(&self) -> Result<Option<u32>, StoreError> {
        let reading = StoreOperation::ReadSettings;
        let transaction = self.read(reading)?;
        let Some(table) = self.open_table(&transaction, META, reading)? else {
            return Ok(None);
        };
        let raw = table.get(SCHEMA_KEY).or_store_error(&self.path, reading)?;
        match raw.as_ref().map(|value| value.value()) {
            None => Ok(None),
            Some(&[a, b, c, d]) if u32::from_le_bytes([a, b, c, d]) == 1 => Ok(Some(1)),
            Some(_) => meta::u32_fact(&table, SCHEMA_KEY, &self.path, reading),
        }
    }

    /// Makes the tables and writes the schema version, in one change.
    fn initialise(&self) -> Result<(), StoreError> {
        let change = self.begin()?;
        change.create_tables()?;
        change.set_meta_u32(SCHEMA_KEY, SCHEMA_VERSION)?;
        change.database_token()?;
        change.commit()
    }

    /// Starts a change; nothing is visible until [`Change::commit`].
    pub fn begin(&self) -> Result<Change, StoreError> {
        let Some(Opened::Writable(db)) = &self.opened else {
            return Err(StoreError::OpenedReadOnly {
                path: self.path.clone(),
            });
        };
        let transaction = db
            .begin_write()
            .or_store_error(&self.path, StoreOperation::BeginChange)?;
        Ok(Change::new(transaction, self.path.clone()))
    }

    /// Starts reading the last committed state.
    fn begin_read(&self, reading: StoreOperation) -> Result<Reading<'_>, StoreError> {
        match &self.opened {
            Some(Opened::Writable(db)) => db
                .begin_read()
                .map(Reading::Fresh)
                .or_store_error(&self.path, reading),
            Some(Opened::ReadOnly { pinned, .. }) => Ok(Reading::Pinned(pinned)),
            None => Err(StoreError::Internal {
                path: self.path.clone(),
                operation: reading,
                reason: "the database was closed".to_string(),
            }),
        }
    }

    /// Starts reading the last committed state, even in a read-only store
    /// (whose other reads keep to the commit it opened).
    fn read_latest(&self, reading: StoreOperation) -> Result<Reading<'_>, StoreError> {
        match &self.opened {
            Some(Opened::ReadOnly { db, .. }) => db
                .begin_read()
                .map(Reading::Fresh)
                .or_store_error(&self.path, reading),
            _ => self.begin_read(reading),
        }
    }

    /// Does the file hold tables that segscope did not make?
    fn has_foreign_tables(&self) -> Result<bool, StoreError> {
        let transaction = self.begin_read(StoreOperation::Open)?;
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
        let transaction = self.read(reading)?;
        let Some(table) = self.open_table(&transaction, META, reading)? else {
            return Ok(None);
        };
        meta::u32_fact(&table, key, &self.path, reading)
    }
}

fn entities_table(kind: EntityKind) -> redb::TableDefinition<'static, &'static str, &'static [u8]> {
    match kind {
        EntityKind::Users => USERS,
        EntityKind::Accounts => ACCOUNTS,
    }
}

/// Which sealed table an entity of `kind` is stored in.
fn entity_seal(kind: EntityKind) -> seal::Sealed {
    match kind {
        EntityKind::Users => seal::Sealed::Users,
        EntityKind::Accounts => seal::Sealed::Accounts,
    }
}

/// The seal of the table naming deleted entities' ids by ordinal.
fn ordinal_seal(kind: EntityKind) -> seal::Sealed {
    match kind {
        EntityKind::Users => seal::Sealed::UserOrdinals,
        EntityKind::Accounts => seal::Sealed::AccountOrdinals,
    }
}

/// A definition's key as its checksum reads it.
fn definition_key<'k>(kind: &'k str, folded_name: &'k str) -> [&'k [u8]; 2] {
    [kind.as_bytes(), folded_name.as_bytes()]
}

/// A bitset chunk's key as its checksum reads it.
fn chunk_key<'k>(folded_name: &'k str, chunk: &'k [u8; 4]) -> [&'k [u8]; 2] {
    [folded_name.as_bytes(), chunk]
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
