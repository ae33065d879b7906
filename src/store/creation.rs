//! Making a new database atomically: it is built whole — tables made and
//! the schema version written — in a temporary file beside where it goes,
//! then put in place with one link or rename. A `kill -9` or a full disk
//! at any moment of the creation leaves no file, or a complete database,
//! never one that can never be opened. A file that is empty or holds only
//! zero bytes where the database would be (what an interrupted creation by
//! an older segscope, or a full disk, left) is no database: it is replaced.
//!
//! Not here: opening an existing database (the store's `open`).

use std::io::Read;
use std::path::{Path, PathBuf};

use super::Store;
use super::error::{StoreError, StoreOperation};

/// Whether `path` holds no database: no file there, or one that is empty
/// or all zero bytes. A file whose first bytes are not zero is something
/// (a database, or another program's file) and is left to `open` to judge.
pub fn is_blank(path: &Path) -> Result<bool, StoreError> {
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(true),
        Err(error) => return Err(StoreError::from_io(error, path, StoreOperation::Open)),
    };
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = file
            .read(&mut buffer)
            .map_err(|error| StoreError::from_io(error, path, StoreOperation::Open))?;
        if read == 0 {
            return Ok(true);
        }
        if buffer[..read].iter().any(|&byte| byte != 0) {
            return Ok(false);
        }
    }
}

/// Creates a complete, empty database at `path` (where [`is_blank`] says
/// there is none). When another process puts one there first, that one
/// stays.
pub fn create_atomically(path: &Path) -> Result<(), StoreError> {
    let temporary = temporary_path(path);
    let made = build(&temporary, path).and_then(|()| put_in_place(&temporary, path));
    // Whatever happened, the temporary file goes (after a link, the
    // database keeps its own name).
    let _ = std::fs::remove_file(&temporary);
    made
}

/// `dir/.NAME.segscope-new-PID`: beside the database, so the final rename
/// stays on one file system.
fn temporary_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.segscope-new-{}", std::process::id()))
}

/// The whole database in `temporary`: the file (mode 0600), the tables,
/// the schema version, committed and closed. Errors name `path`, the
/// database the user asked for.
fn build(temporary: &Path, path: &Path) -> Result<(), StoreError> {
    let _ = std::fs::remove_file(temporary);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(temporary)
        .map_err(|error| StoreError::from_io(error, path, StoreOperation::Create))?;
    let db = super::builder()
        .create(temporary)
        .map_err(|error| StoreError::from_redb(error, path, StoreOperation::Create))?;
    let store = Store {
        opened: Some(super::Opened::Writable(db)),
        path: path.to_path_buf(),
    };
    store.initialise()?;
    drop(store);
    std::fs::File::open(temporary)
        .and_then(|file| file.sync_all())
        .map_err(|error| StoreError::from_io(error, path, StoreOperation::Create))
}

/// Moves the finished database to `path`: a hard link when nothing is
/// there (so a database another process put there meanwhile is never
/// replaced), a rename over a blank file (or where hard links are not
/// to be had).
fn put_in_place(temporary: &Path, path: &Path) -> Result<(), StoreError> {
    let placed = match std::fs::hard_link(temporary, path) {
        Ok(()) => Ok(()),
        // Something is there already, or the file system has no hard
        // links (then a rename, unless another process made it first).
        Err(_) => {
            if is_blank(path)? {
                std::fs::rename(temporary, path)
            } else {
                // Another process made it first: theirs stays.
                Ok(())
            }
        }
    };
    placed.map_err(|error| StoreError::from_io(error, path, StoreOperation::Create))?;
    sync_directory(path);
    Ok(())
}

/// Makes the new name durable (best effort: not every system can).
fn sync_directory(path: &Path) {
    let directory = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Ok(directory) = std::fs::File::open(directory) {
        let _ = directory.sync_all();
    }
}
