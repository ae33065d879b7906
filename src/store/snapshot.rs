//! The snapshot file beside a database (`NAME.redb.snapshot`): an image of
//! the engine's tables as of one commit, so that opening reads one file
//! instead of decoding every entity. The database stays the truth; the
//! snapshot is a cache that is used only when it is provably of this very
//! state.
//!
//! The file starts with a magic, its format, and the stamp of the commit
//! it images (the database's token, commit count and the last commit's
//! random number, so copies of one database that went on separately never
//! take each other's snapshot); it ends with the
//! image's length and a CRC-32 of everything before the CRC. It is written to a
//! temporary file beside it and renamed into place, so a reader finds the
//! last whole snapshot or none; a crash leaves at most a temporary file,
//! which the next write removes. A missing, stale, foreign, truncated or
//! damaged file is refused with the reason, never trusted.
//!
//! Not here: what an image holds (`engine::image`), when to write one
//! (the workspace).

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::Stamp;

const MAGIC: &[u8; 8] = b"SEGSNAP\0";
const FORMAT: u32 = 2;
const TRAILER: usize = 8 + 4;

/// Where the snapshot of the database at `database` lives.
pub fn snapshot_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".snapshot");
    PathBuf::from(name)
}

/// Why a snapshot file was not used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    Missing,
    /// Of another state of this database (or of another database).
    Stale,
    Damaged(String),
    Unreadable(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Missing => f.write_str("there is none"),
            Refusal::Stale => f.write_str("it is of another commit or another database"),
            Refusal::Damaged(reason) => write!(f, "it is damaged ({reason})"),
            Refusal::Unreadable(reason) => write!(f, "it cannot be read ({reason})"),
        }
    }
}

/// A checked snapshot: the file's bytes and where its image lies in them.
pub struct Snapshot {
    bytes: SnapshotBytes,
    image: std::ops::Range<usize>,
}

impl Snapshot {
    pub fn image(&self) -> &[u8] {
        &self.bytes[self.image.clone()]
    }

    /// The file's bytes and where the image lies in them.
    pub fn into_parts(self) -> (SnapshotBytes, std::ops::Range<usize>) {
        (self.bytes, self.image)
    }
}

fn header(stamp: &Stamp) -> Vec<u8> {
    let mut header = Vec::with_capacity(32 + stamp.database.len());
    header.extend_from_slice(MAGIC);
    header.extend_from_slice(&FORMAT.to_le_bytes());
    header.extend_from_slice(&(stamp.database.len() as u32).to_le_bytes());
    header.extend_from_slice(stamp.database.as_bytes());
    header.extend_from_slice(&stamp.commits.to_le_bytes());
    header.extend_from_slice(&stamp.last_commit.to_le_bytes());
    header
}

/// The bytes of a snapshot file: mapped from the page cache (no copy, no
/// fresh pages to zero), or none for an empty file (which cannot be
/// mapped).
pub enum SnapshotBytes {
    Mapped(memmap2::Mmap),
    Empty,
}

impl AsRef<[u8]> for SnapshotBytes {
    fn as_ref(&self) -> &[u8] {
        match self {
            SnapshotBytes::Mapped(map) => map,
            SnapshotBytes::Empty => &[],
        }
    }
}

impl std::ops::Deref for SnapshotBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_ref()
    }
}

/// The snapshot file's bytes, mapped.
fn map(path: &Path) -> io::Result<SnapshotBytes> {
    let file = std::fs::File::open(path)?;
    if file.metadata()?.len() == 0 {
        return Ok(SnapshotBytes::Empty);
    }
    // SAFETY: a mapped file must not shrink while mapped (its pages would
    // fault with SIGBUS). segscope never writes a snapshot in place: every
    // write goes to a temporary file renamed over this one, which leaves
    // the mapped file whole until the last mapping of it goes. Only
    // another program truncating the file in place could break this.
    let map = unsafe { memmap2::Mmap::map(&file)? };
    Ok(SnapshotBytes::Mapped(map))
}

/// Reads the snapshot of `database` if it is whole and of `stamp`.
pub fn read(database: &Path, stamp: &Stamp) -> Result<Snapshot, Refusal> {
    let (snapshot, checksum) = read_unverified(database, stamp)?;
    if !checksum.matches(&snapshot.bytes) {
        return Err(checksum.refusal());
    }
    Ok(snapshot)
}

/// The CRC-32 a snapshot file ends with, to be checked against its bytes.
pub struct Checksum(u32);

impl Checksum {
    /// Whether the file's bytes (all of them) are what was written.
    pub fn matches(&self, file: &[u8]) -> bool {
        file.len() >= 4 && crc32fast::hash(&file[..file.len() - 4]) == self.0
    }

    pub fn refusal(&self) -> Refusal {
        Refusal::Damaged("its checksum does not match".to_string())
    }
}

/// The snapshot of `database` if its header, stamp and length are right,
/// and the checksum its bytes must still match before they are trusted
/// (checked by the caller, who may check the image beside it).
pub fn read_unverified(database: &Path, stamp: &Stamp) -> Result<(Snapshot, Checksum), Refusal> {
    let path = snapshot_path(database);
    let bytes = match map(&path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Err(Refusal::Missing),
        Err(error) => return Err(Refusal::Unreadable(crate::os_error::reason(&error))),
    };
    let expected = header(stamp);
    if bytes.len() < expected.len() + TRAILER || !bytes.starts_with(MAGIC) {
        return Err(Refusal::Damaged("not a segscope snapshot".to_string()));
    }
    // The stamp is compared before the checksum: a stale file is told
    // apart from a damaged one without reading it through.
    if !bytes.starts_with(&expected) {
        return Err(Refusal::Stale);
    }
    let trailer = bytes.len() - TRAILER;
    let length = u64::from_le_bytes(bytes[trailer..trailer + 8].try_into().expect("8 bytes"));
    let crc = u32::from_le_bytes(bytes[trailer + 8..].try_into().expect("4 bytes"));
    if length != (trailer - expected.len()) as u64 {
        return Err(Refusal::Damaged(format!(
            "its image should be {length} bytes, the file holds {}",
            trailer - expected.len()
        )));
    }
    let snapshot = Snapshot {
        image: expected.len()..trailer,
        bytes,
    };
    Ok((snapshot, Checksum(crc)))
}

/// A writer that counts and checksums what passes through it.
struct Checked<W> {
    inner: W,
    crc: crc32fast::Hasher,
    written: u64,
}

impl<W: Write> Write for Checked<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.crc.update(&buf[..written]);
        self.written += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes the snapshot of `database` as of `stamp`, its image made by
/// `image`: whole in a temporary file, then renamed into place.
pub fn write(
    database: &Path,
    stamp: &Stamp,
    image: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let path = snapshot_path(database);
    remove_abandoned(&path);
    let temporary = temporary_path(&path, std::process::id());
    let written =
        write_file(&temporary, stamp, image).and_then(|()| std::fs::rename(&temporary, &path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

fn write_file(
    temporary: &Path,
    stamp: &Stamp,
    image: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // As private as the database: it holds the same data.
        options.mode(0o600);
    }
    let file = options.open(temporary)?;
    let mut out = Checked {
        inner: BufWriter::with_capacity(1 << 20, file),
        crc: crc32fast::Hasher::new(),
        written: 0,
    };
    let header = header(stamp);
    out.write_all(&header)?;
    image(&mut out)?;
    let length = out.written - header.len() as u64;
    out.write_all(&length.to_le_bytes())?;
    let crc = out.crc.clone().finalize();
    let mut inner = out.inner;
    inner.write_all(&crc.to_le_bytes())?;
    inner.flush()
}

fn temporary_path(path: &Path, pid: u32) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".tmp.{pid}"));
    PathBuf::from(name)
}

/// Removes the temporary files of writers that are gone (a crash or a
/// `kill -9` mid-write), where the system says which processes live.
fn remove_abandoned(path: &Path) {
    let processes = Path::new("/proc/self");
    let (Some(directory), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    if !processes.exists() {
        return;
    }
    let directory = if directory.as_os_str().is_empty() {
        Path::new(".")
    } else {
        directory
    };
    let prefix = format!("{}.tmp.", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(directory) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(commits: u64) -> Stamp {
        Stamp {
            database: "0123456789abcdef".to_string(),
            commits,
            last_commit: commits * 31,
        }
    }

    #[test]
    fn a_snapshot_is_read_back_only_whole_and_of_its_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db.redb");
        assert_eq!(read(&db, &stamp(1)).err(), Some(Refusal::Missing));
        write(&db, &stamp(7), |out| out.write_all(b"the image")).unwrap();
        assert_eq!(read(&db, &stamp(7)).unwrap().image(), b"the image");
        assert_eq!(read(&db, &stamp(8)).err(), Some(Refusal::Stale));
        let other = Stamp {
            database: "fedcba9876543210".to_string(),
            commits: 7,
            last_commit: 7 * 31,
        };
        assert_eq!(read(&db, &other).err(), Some(Refusal::Stale));
        // A copy of the database that went on separately to as many
        // commits: the same token and count, another last commit.
        let diverged = Stamp {
            last_commit: 1,
            ..stamp(7)
        };
        assert_eq!(read(&db, &diverged).err(), Some(Refusal::Stale));

        let bytes = std::fs::read(snapshot_path(&db)).unwrap();
        for cut in [bytes.len() - 1, bytes.len() - TRAILER, 40, 3, 0] {
            std::fs::write(snapshot_path(&db), &bytes[..cut]).unwrap();
            assert!(
                matches!(
                    read(&db, &stamp(7)),
                    Err(Refusal::Damaged(_) | Refusal::Stale)
                ),
                "cut at {cut}"
            );
        }
        for at in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0x10;
            std::fs::write(snapshot_path(&db), &flipped).unwrap();
            assert!(
                read(&db, &stamp(7)).is_err(),
                "a flip at byte {at} was trusted"
            );
        }
    }

    #[test]
    fn a_failed_write_leaves_the_last_snapshot_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db.redb");
        write(&db, &stamp(1), |out| out.write_all(b"first")).unwrap();
        let failed = write(&db, &stamp(2), |out| {
            out.write_all(b"half")?;
            Err(io::Error::other("interrupted"))
        });
        assert!(failed.is_err());
        assert_eq!(read(&db, &stamp(1)).unwrap().image(), b"first");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn a_dead_writer_s_temporary_file_is_removed_by_the_next_write() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db.redb");
        // No process has this pid (above the kernel's pid_max).
        let abandoned = temporary_path(&snapshot_path(&db), 4_194_305);
        std::fs::write(&abandoned, b"half of a snapshot").unwrap();
        write(&db, &stamp(1), |out| out.write_all(b"image")).unwrap();
        assert!(!abandoned.exists());
    }
}
