//! Where the engine's tables come from at open, and keeping the snapshot
//! file beside the database current: the workspace reads the tables from
//! the snapshot when its stamp is the store's (same database, same commit)
//! and decodes them from the store otherwise; when a command or the UI is
//! done, a snapshot of what it committed (or had to decode) is written so
//! the next open is a copy, not a decode.
//!
//! Not here: the file's format (`store::snapshot`), the image's
//! (`engine::image`).

use std::sync::Arc;

use crate::engine::{Engine, Touched};
use crate::model::{EntityKind, property_pairs};
use crate::store::snapshot::{self, Refusal};
use crate::store::{Stamp, Store, StoreError};

use super::{Workspace, WorkspaceError};

/// Where the tables of an open workspace came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TablesFrom {
    /// The snapshot file, of the store's very commit.
    Snapshot,
    /// The store's entities, decoded; why the snapshot was not used.
    Store(String),
}

/// The engine's tables for `store` as of its commit `stamp` (no segments).
pub(super) fn load_tables(
    store: &Store,
    stamp: &Stamp,
    now: i64,
) -> Result<(Engine, TablesFrom), WorkspaceError> {
    let refusal = match snapshot::read_unverified(store.path(), stamp) {
        Ok((file, checksum)) => {
            let (bytes, image) = file.into_parts();
            let bytes = Arc::new(bytes);
            // The checksum is summed on a second core while the image is
            // checked; neither is trusted until both agree.
            let (summed, engine) = std::thread::scope(|scope| {
                let summing = scope.spawn(|| checksum.matches(&bytes));
                let engine = Engine::from_image(now, bytes.clone(), image);
                (summing.join().unwrap_or(false), engine)
            });
            match (summed, engine) {
                (false, _) => checksum.refusal(),
                (true, Ok(engine)) => return Ok((engine, TablesFrom::Snapshot)),
                (true, Err(error)) => Refusal::Damaged(error.to_string()),
            }
        }
        Err(refusal) => refusal,
    };
    Ok((
        decode_tables(store, now)?,
        TablesFrom::Store(refusal.to_string()),
    ))
}

/// The tables decoded entity by entity from the store.
fn decode_tables(store: &Store, now: i64) -> Result<Engine, StoreError> {
    let mut engine = Engine::new(now);
    for kind in [EntityKind::Accounts, EntityKind::Users] {
        engine.reserve(kind, store.ordinals_used(kind)? as usize);
        let mut touched = Touched::default();
        store.for_each_entity(kind, |ordinal, id, entity| {
            let properties = property_pairs(&entity.properties);
            engine.load(kind, ordinal, id, properties, &mut touched);
            // Everything is evaluated after; nothing needs settling.
            touched.clear();
        })?;
    }
    Ok(engine)
}

impl Workspace {
    /// Decodes every column and builds the lookups a session of keys will
    /// use (the UI after it opened): otherwise its first key that finds an
    /// id or a text would build one of a million entries, or decode a
    /// column. The snapshot's buffer is let go of after.
    pub fn prepare_for_a_session(&mut self) {
        self.engine.build_indexes();
        self.engine.release_images();
    }

    /// Where this workspace's tables came from at open.
    pub fn tables_from(&self) -> &TablesFrom {
        &self.tables_from
    }

    /// Writes the snapshot file of the committed state unless the one
    /// beside the database is of it already, or another process committed
    /// since this workspace read (its snapshot would be stale at once, and
    /// could replace the writer's newer one); `true` when it wrote one. A
    /// snapshot is a cache: a failure to write it (a read-only directory)
    /// changes nothing else.
    pub fn save_snapshot(&mut self) -> Result<bool, WorkspaceError> {
        let stamp = self.store.stamp()?;
        if self.snapshot_stamp.as_ref() == Some(&stamp) || self.store.latest_stamp()? != stamp {
            return Ok(false);
        }
        let engine = &self.engine;
        let path = self.store.path();
        snapshot::write(path, &stamp, |mut out| engine.write_image(&mut out)).map_err(|error| {
            StoreError::from_io(
                error,
                &snapshot::snapshot_path(path),
                crate::store::StoreOperation::WriteSnapshot,
            )
        })?;
        self.snapshot_stamp = Some(stamp);
        Ok(true)
    }
}
