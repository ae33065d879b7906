//! What can go wrong with the database, told apart: a full disk, a
//! permission problem, a database in use, a file too new or too old, a file
//! that is not a database, real damage. Each error names the database file
//! and says what to do.
//!
//! This is the one place that turns redb's errors (and the operating
//! system's, underneath them) into [`StoreError`]s, with what the store was
//! doing as context ([`StoreOperation`]). It is not where errors are
//! printed: the faces (CLI, TUI) show them.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use super::SCHEMA_VERSION;
use crate::model::EntityKind;

/// What the store was doing when something failed, as a phrase that
/// follows "cannot".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreOperation {
    /// Creating the file of a new database.
    Create,
    /// Opening the file and checking what it holds.
    Open,
    /// Starting a change (a write transaction).
    BeginChange,
    ReadSettings,
    WriteSettings,
    ReadEntities(EntityKind),
    WriteEntities(EntityKind),
    ReadDefinitions,
    WriteDefinitions,
    ReadMembers,
    WriteMembers,
    ReadHistory,
    WriteHistory,
    /// What each destination last acknowledged, and the run log.
    ReadSyncState,
    WriteSyncState,
    /// Playbooks' trigger state, runs log, outbox and the activity log.
    ReadPlaybooks,
    WritePlaybooks,
    /// Making a change durable (committing the write transaction).
    Commit,
    /// Writing the snapshot file beside the database (a cache: no change).
    WriteSnapshot,
}

impl StoreOperation {
    /// Does this operation belong to a change, which a failure rolls back?
    pub fn writes(self) -> bool {
        !matches!(
            self,
            StoreOperation::Open
                | StoreOperation::ReadSettings
                | StoreOperation::ReadEntities(_)
                | StoreOperation::ReadDefinitions
                | StoreOperation::ReadMembers
                | StoreOperation::ReadHistory
                | StoreOperation::ReadSyncState
                | StoreOperation::ReadPlaybooks
                | StoreOperation::WriteSnapshot
        )
    }

    /// "read the users from /path/segscope.redb"
    fn describe(self, path: &Path) -> String {
        let path = path.display();
        match self {
            StoreOperation::Create => format!("create the database {path}"),
            StoreOperation::Open => format!("open the database {path}"),
            StoreOperation::BeginChange => format!("start a change to {path}"),
            StoreOperation::ReadSettings => format!("read the settings of {path}"),
            StoreOperation::WriteSnapshot => format!("write the snapshot file {path}"),
            StoreOperation::WriteSettings => format!("write the settings of {path}"),
            StoreOperation::ReadEntities(kind) => format!("read the {kind} from {path}"),
            StoreOperation::WriteEntities(kind) => format!("write the {kind} to {path}"),
            StoreOperation::ReadDefinitions => format!("read the definitions from {path}"),
            StoreOperation::WriteDefinitions => format!("write the definitions to {path}"),
            StoreOperation::ReadMembers => format!("read the segment members from {path}"),
            StoreOperation::WriteMembers => format!("write the segment members to {path}"),
            StoreOperation::ReadHistory => format!("read the membership history from {path}"),
            StoreOperation::WriteHistory => {
                format!("record the membership changes in {path}")
            }
            StoreOperation::ReadSyncState => format!("read the sync state and run log of {path}"),
            StoreOperation::WriteSyncState => {
                format!("record the sync run in {path}")
            }
            StoreOperation::ReadPlaybooks => format!("read the playbooks' runs log from {path}"),
            StoreOperation::WritePlaybooks => {
                format!("record the playbooks' firings in {path}")
            }
            StoreOperation::Commit => format!("save the change to {path}"),
        }
    }
}

/// What can go wrong with the database, in words a user can act on.
#[derive(Debug)]
pub enum StoreError {
    /// Another process has the database open.
    InUse(PathBuf),
    /// The file was written by a newer segscope (its schema).
    NewerSchema { path: PathBuf, found: u32 },
    /// The file is in a newer redb file format than this build reads.
    NewerFileFormat { path: PathBuf, reason: String },
    /// The file is in an older redb file format that must be upgraded.
    OlderFileFormat { path: PathBuf, version: u8 },
    /// The file holds something else (another program's data, text).
    NotADatabase { path: PathBuf, reason: String },
    /// The disk holding the file has no room left.
    DiskFull {
        path: PathBuf,
        operation: StoreOperation,
    },
    /// The user's disk quota is used up.
    QuotaExceeded {
        path: PathBuf,
        operation: StoreOperation,
    },
    /// The file would grow past the largest file this process may write
    /// (`ulimit -f`).
    FileTooLarge {
        path: PathBuf,
        operation: StoreOperation,
    },
    /// The operating system does not let this user read or write the file.
    PermissionDenied {
        path: PathBuf,
        operation: StoreOperation,
    },
    /// The file is on a file system mounted read-only.
    ReadOnlyFileSystem {
        path: PathBuf,
        operation: StoreOperation,
    },
    /// Any other failure to read or write the file.
    Io {
        path: PathBuf,
        operation: StoreOperation,
        reason: String,
        source: Option<std::io::Error>,
    },
    /// An earlier write to the file failed in this process; redb refuses
    /// everything until the database is opened again.
    FailedEarlier {
        path: PathBuf,
        operation: StoreOperation,
    },
    /// Real damage: the file does not hold what redb or segscope wrote.
    Damaged { path: PathBuf, reason: String },
    /// A read-only open found a file that was not closed properly: only a
    /// writer can recover it.
    NeedsRecovery { path: PathBuf },
    /// A change was asked of a database opened for reading only (a bug in
    /// the command that asked).
    OpenedReadOnly { path: PathBuf },
    /// A single value larger than a database can hold.
    ValueTooLarge {
        path: PathBuf,
        operation: StoreOperation,
        length: usize,
    },
    /// Every stable row number of a kind has been handed out.
    TooManyEntities { kind: EntityKind },
    /// A value of ours could not be encoded (a bug: nothing was written).
    Unencodable { what: String, reason: String },
    /// redb reported a misuse (a bug in segscope, not a problem of the file).
    Internal {
        path: PathBuf,
        operation: StoreOperation,
        reason: String,
    },
}

/// Said after a failed change: redb rolled it back.
const NOTHING_CHANGED: &str = "nothing was changed";

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::InUse(path) => write!(
                f,
                "the database {} is in use by another segscope process; run the command again when it is done, or wait for it with --wait SECONDS",
                path.display()
            ),
            StoreError::NewerSchema { path, found } => write!(
                f,
                "the database {} was written by a newer segscope (schema {found}; this one reads up to {SCHEMA_VERSION}); upgrade segscope",
                path.display()
            ),
            StoreError::NewerFileFormat { path, reason } => write!(
                f,
                "the database {} was written by a newer segscope ({reason}); upgrade segscope",
                path.display()
            ),
            StoreError::OlderFileFormat { path, version } => write!(
                f,
                "the database {} is in an older file format (redb format {version}) that this segscope cannot read; export its data with the segscope that wrote it and import it into a new database",
                path.display()
            ),
            StoreError::NotADatabase { path, reason } => write!(
                f,
                "{} is not a segscope database: {reason}; choose another file with --db",
                path.display()
            ),
            StoreError::DiskFull { path, operation } => write!(
                f,
                "cannot {}: the disk is full; free some space and run the command again{}",
                operation.describe(path),
                unchanged(*operation)
            ),
            StoreError::QuotaExceeded { path, operation } => write!(
                f,
                "cannot {}: your disk quota is used up; free some space and run the command again{}",
                operation.describe(path),
                unchanged(*operation)
            ),
            StoreError::FileTooLarge { path, operation } => write!(
                f,
                "cannot {}: the file would grow past the largest file this process may write (see `ulimit -f`); raise the limit and run the command again{}",
                operation.describe(path),
                unchanged(*operation)
            ),
            StoreError::PermissionDenied { path, operation } => write!(
                f,
                "cannot {}: permission denied; check the owner and permissions of the file and its folder (ls -l), or choose another file with --db{}",
                operation.describe(path),
                unchanged(*operation)
            ),
            StoreError::ReadOnlyFileSystem { path, operation } => write!(
                f,
                "cannot {}: the file system holding it is read-only; choose a file on a writable disk with --db{}",
                operation.describe(path),
                unchanged(*operation)
            ),
            StoreError::Io {
                path,
                operation,
                reason,
                ..
            } => write!(
                f,
                "cannot {}: {reason}{}",
                operation.describe(path),
                unchanged(*operation)
            ),
            StoreError::FailedEarlier { path, operation } => write!(
                f,
                "cannot {}: an earlier write to it failed; close segscope and open the database again{}",
                operation.describe(path),
                unchanged(*operation)
            ),
            StoreError::Damaged { path, reason } => write!(
                f,
                "the database {} is damaged: {reason}; restore it from a backup, or make a new one from your .seg files and data",
                path.display()
            ),
            StoreError::NeedsRecovery { path } => write!(
                f,
                "the database {} was not closed properly and needs recovering, which a read-only open cannot do; run a command that writes (such as `segscope run`) where the file is writable",
                path.display()
            ),
            StoreError::OpenedReadOnly { path } => write!(
                f,
                "cannot change the database {}: this command opened it for reading only",
                path.display()
            ),
            StoreError::ValueTooLarge {
                path,
                operation,
                length,
            } => write!(
                f,
                "cannot {}: one value of {length} bytes is more than a database can hold (3 GiB){}",
                operation.describe(path),
                unchanged(*operation)
            ),
            StoreError::TooManyEntities { kind } => write!(
                f,
                "cannot add more {kind}: a database holds at most {} {kind}, counting deleted ones; {NOTHING_CHANGED}",
                u32::MAX
            ),
            StoreError::Unencodable { what, reason } => write!(
                f,
                "cannot encode {what} for the database: {reason} (a bug in segscope); {NOTHING_CHANGED}"
            ),
            StoreError::Internal {
                path,
                operation,
                reason,
            } => write!(
                f,
                "cannot {}: {reason} (a bug in segscope){}",
                operation.describe(path),
                unchanged(*operation)
            ),
        }
    }
}

/// "; nothing was changed" after a failed change (empty after a read).
fn unchanged(operation: StoreOperation) -> String {
    if operation.writes() {
        format!("; {NOTHING_CHANGED}")
    } else {
        String::new()
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Io {
                source: Some(source),
                ..
            } => Some(source),
            _ => None,
        }
    }
}

impl StoreError {
    /// The database file this error is about, when it is about one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            StoreError::InUse(path)
            | StoreError::NewerSchema { path, .. }
            | StoreError::NewerFileFormat { path, .. }
            | StoreError::OlderFileFormat { path, .. }
            | StoreError::NotADatabase { path, .. }
            | StoreError::DiskFull { path, .. }
            | StoreError::QuotaExceeded { path, .. }
            | StoreError::FileTooLarge { path, .. }
            | StoreError::PermissionDenied { path, .. }
            | StoreError::ReadOnlyFileSystem { path, .. }
            | StoreError::Io { path, .. }
            | StoreError::FailedEarlier { path, .. }
            | StoreError::Damaged { path, .. }
            | StoreError::NeedsRecovery { path }
            | StoreError::OpenedReadOnly { path }
            | StoreError::ValueTooLarge { path, .. }
            | StoreError::Internal { path, .. } => Some(path),
            StoreError::TooManyEntities { .. } | StoreError::Unencodable { .. } => None,
        }
    }

    /// A redb error (of any of redb's error types), told apart by what it
    /// says happened.
    pub(crate) fn from_redb(
        error: impl Into<redb::Error>,
        path: &Path,
        operation: StoreOperation,
    ) -> StoreError {
        let path = path.to_path_buf();
        match error.into() {
            redb::Error::DatabaseAlreadyOpen | redb::Error::LockProtocolMismatch => {
                StoreError::InUse(path)
            }
            redb::Error::Io(error) => StoreError::from_io(error, &path, operation),
            // How redb 4 refuses a file format newer than its own.
            redb::Error::Corrupted(reason) if reason.starts_with("Expected file format version") => {
                StoreError::NewerFileFormat { path, reason }
            }
            redb::Error::Corrupted(reason) => StoreError::Damaged { path, reason },
            redb::Error::UpgradeRequired(version) => StoreError::OlderFileFormat { path, version },
            redb::Error::ValueTooLarge(length) => StoreError::ValueTooLarge {
                path,
                operation,
                length,
            },
            redb::Error::PreviousIo => StoreError::FailedEarlier { path, operation },
            redb::Error::RepairAborted => StoreError::NeedsRecovery { path },
            redb::Error::Backend(error) => StoreError::Io {
                path,
                operation,
                reason: error.to_string(),
                source: None,
            },
            redb::Error::Unsupported => StoreError::Io {
                path,
                operation,
                reason: "the file system does not support what a database needs (such as locking the file)".to_string(),
                source: None,
            },
            // A table of ours that is missing or not what we wrote.
            mismatch @ (redb::Error::TableTypeMismatch { .. }
            | redb::Error::TypeDefinitionChanged { .. }
            | redb::Error::TableIsMultimap(_)
            | redb::Error::TableIsNotMultimap(_)
            | redb::Error::TableDoesNotExist(_)) => StoreError::Damaged {
                path,
                reason: mismatch.to_string(),
            },
            // Misuse: a transaction or table used wrongly, a poisoned lock.
            other => StoreError::Internal {
                path,
                operation,
                reason: other.to_string(),
            },
        }
    }

    /// An operating-system error on the database file, told apart by its
    /// kind (which Rust derives from the errno: ENOSPC, EDQUOT, EFBIG,
    /// EACCES/EPERM, EROFS).
    pub(crate) fn from_io(
        error: std::io::Error,
        path: &Path,
        operation: StoreOperation,
    ) -> StoreError {
        let path = path.to_path_buf();
        // An I/O error wrapped in another one (by a storage backend) is
        // judged by the inner one.
        let kind = error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<std::io::Error>())
            .map_or(error.kind(), std::io::Error::kind);
        match kind {
            ErrorKind::StorageFull => StoreError::DiskFull { path, operation },
            ErrorKind::QuotaExceeded => StoreError::QuotaExceeded { path, operation },
            ErrorKind::FileTooLarge => StoreError::FileTooLarge { path, operation },
            ErrorKind::PermissionDenied => StoreError::PermissionDenied { path, operation },
            ErrorKind::ReadOnlyFilesystem => StoreError::ReadOnlyFileSystem { path, operation },
            // How redb reports, at open, a file that is not a redb database.
            ErrorKind::InvalidData if operation == StoreOperation::Open => {
                StoreError::NotADatabase {
                    path,
                    reason: "it holds something else".to_string(),
                }
            }
            _ => StoreError::Io {
                path,
                operation,
                reason: crate::os_error::reason(&error),
                source: Some(error),
            },
        }
    }
}

/// Classifies the error of a redb call: `table.get(key).or_store_error(path,
/// StoreOperation::ReadSettings)?`.
pub(crate) trait OrStoreError<T> {
    fn or_store_error(self, path: &Path, operation: StoreOperation) -> Result<T, StoreError>;
}

impl<T, E: Into<redb::Error>> OrStoreError<T> for Result<T, E> {
    fn or_store_error(self, path: &Path, operation: StoreOperation) -> Result<T, StoreError> {
        self.map_err(|error| StoreError::from_redb(error, path, operation))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = "/data/segscope.redb";

    fn io(error: std::io::Error, operation: StoreOperation) -> StoreError {
        StoreError::from_io(error, Path::new(PATH), operation)
    }

    fn redb_error(error: impl Into<redb::Error>, operation: StoreOperation) -> StoreError {
        StoreError::from_redb(error, Path::new(PATH), operation)
    }

    /// ENOSPC, EDQUOT and EFBIG as Linux reports them.
    const ENOSPC: i32 = 28;
    const EFBIG: i32 = 27;
    const EACCES: i32 = 13;
    const EROFS: i32 = 30;
    #[cfg(target_os = "linux")]
    const EDQUOT: i32 = 122;

    #[test]
    fn a_full_disk_is_a_full_disk_whichever_way_it_is_reported() {
        let commit = StoreOperation::Commit;
        for error in [
            std::io::Error::from_raw_os_error(ENOSPC),
            std::io::Error::from(ErrorKind::StorageFull),
            std::io::Error::other(std::io::Error::from_raw_os_error(ENOSPC)),
        ] {
            let classified = io(error, commit);
            assert!(
                matches!(&classified, StoreError::DiskFull { operation, .. } if *operation == commit),
                "{classified:?}"
            );
        }
        // Through every layer of redb's errors that carries an I/O error.
        let wrapped = || redb::StorageError::Io(std::io::Error::from_raw_os_error(ENOSPC));
        for classified in [
            redb_error(wrapped(), commit),
            redb_error(redb::CommitError::Storage(wrapped()), commit),
            redb_error(redb::TableError::Storage(wrapped()), commit),
            redb_error(redb::TransactionError::Storage(wrapped()), commit),
            redb_error(redb::DatabaseError::Storage(wrapped()), commit),
        ] {
            assert!(
                matches!(classified, StoreError::DiskFull { .. }),
                "{classified:?}"
            );
        }
        assert_eq!(
            redb_error(redb::CommitError::Storage(wrapped()), commit).to_string(),
            "cannot save the change to /data/segscope.redb: the disk is full; free some space and run the command again; nothing was changed"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_used_up_quota_is_told_apart_from_a_full_disk() {
        let error = io(
            std::io::Error::from_raw_os_error(EDQUOT),
            StoreOperation::Commit,
        );
        assert!(
            matches!(error, StoreError::QuotaExceeded { .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("quota"), "{error}");
    }

    #[test]
    fn the_file_size_limit_is_named() {
        let error = io(
            std::io::Error::from_raw_os_error(EFBIG),
            StoreOperation::WriteEntities(EntityKind::Users),
        );
        assert!(
            matches!(error, StoreError::FileTooLarge { .. }),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            "cannot write the users to /data/segscope.redb: the file would grow past the largest file this process may write (see `ulimit -f`); raise the limit and run the command again; nothing was changed"
        );
    }

    #[test]
    fn permission_problems_are_not_damage() {
        let denied = io(
            std::io::Error::from_raw_os_error(EACCES),
            StoreOperation::Open,
        );
        assert!(
            matches!(
                denied,
                StoreError::PermissionDenied {
                    operation: StoreOperation::Open,
                    ..
                }
            ),
            "{denied:?}"
        );
        assert!(
            denied
                .to_string()
                .starts_with("cannot open the database /data/segscope.redb: permission denied;"),
            "{denied}"
        );
        assert!(
            !denied.to_string().contains("nothing was changed"),
            "opening changes nothing: {denied}"
        );
        let read_only = io(
            std::io::Error::from_raw_os_error(EROFS),
            StoreOperation::Commit,
        );
        assert!(
            matches!(read_only, StoreError::ReadOnlyFileSystem { .. }),
            "{read_only:?}"
        );
    }

    #[test]
    fn other_io_errors_keep_their_reason_and_source() {
        let error = io(
            std::io::Error::from_raw_os_error(5),
            StoreOperation::ReadEntities(EntityKind::Accounts),
        );
        assert!(matches!(error, StoreError::Io { .. }), "{error:?}");
        assert_eq!(
            error.to_string(),
            "cannot read the accounts from /data/segscope.redb: Input/output error"
        );
        assert!(std::error::Error::source(&error).is_some());
    }

    #[test]
    fn only_real_corruption_is_damage() {
        let damaged = redb_error(
            redb::StorageError::Corrupted("bad checksum".to_string()),
            StoreOperation::ReadEntities(EntityKind::Users),
        );
        assert!(matches!(damaged, StoreError::Damaged { .. }), "{damaged:?}");
        assert!(
            damaged
                .to_string()
                .starts_with("the database /data/segscope.redb is damaged: bad checksum;"),
            "{damaged}"
        );
        let newer = redb_error(
            redb::DatabaseError::Storage(redb::StorageError::Corrupted(
                "Expected file format version <= 3, found 4".to_string(),
            )),
            StoreOperation::Open,
        );
        assert!(
            matches!(newer, StoreError::NewerFileFormat { .. }),
            "{newer:?}"
        );
        let older = redb_error(
            redb::DatabaseError::UpgradeRequired(2),
            StoreOperation::Open,
        );
        assert!(
            matches!(older, StoreError::OlderFileFormat { version: 2, .. }),
            "{older:?}"
        );
        let in_use = redb_error(
            redb::DatabaseError::DatabaseAlreadyOpen,
            StoreOperation::Open,
        );
        assert!(matches!(in_use, StoreError::InUse(_)), "{in_use:?}");
        let earlier = redb_error(redb::StorageError::PreviousIo, StoreOperation::Commit);
        assert!(
            matches!(earlier, StoreError::FailedEarlier { .. }),
            "{earlier:?}"
        );
        let too_large = redb_error(
            redb::StorageError::ValueTooLarge(4 << 30),
            StoreOperation::WriteHistory,
        );
        assert!(
            matches!(too_large, StoreError::ValueTooLarge { .. }),
            "{too_large:?}"
        );
        let misuse = redb_error(
            redb::CommitError::TransactionPoisoned,
            StoreOperation::Commit,
        );
        assert!(matches!(misuse, StoreError::Internal { .. }), "{misuse:?}");
    }

    #[test]
    fn every_message_about_the_file_names_it() {
        let operation = StoreOperation::WriteDefinitions;
        let path = || PathBuf::from(PATH);
        let errors = [
            StoreError::InUse(path()),
            StoreError::NewerSchema {
                path: path(),
                found: 9,
            },
            StoreError::NotADatabase {
                path: path(),
                reason: "it holds something else".to_string(),
            },
            StoreError::DiskFull {
                path: path(),
                operation,
            },
            StoreError::PermissionDenied {
                path: path(),
                operation,
            },
            StoreError::FailedEarlier {
                path: path(),
                operation,
            },
            StoreError::Damaged {
                path: path(),
                reason: "x".to_string(),
            },
        ];
        for error in errors {
            assert_eq!(error.path(), Some(Path::new(PATH)));
            assert!(error.to_string().contains(PATH), "{error}");
        }
    }
}
