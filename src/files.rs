//! Files the user names: reading a `.seg` source within its bound (so
//! `/dev/zero` or a huge file is refused, not read until memory runs out),
//! replacing a file's contents safely (through a temporary file in the same
//! folder and a rename, keeping the permissions, so an interrupted write
//! never leaves half a file), and the one name a file is known by in the
//! database.

use std::io::Read;
use std::path::Path;

/// The largest `.seg` source segscope reads (64 MiB): far more than any set
/// of definitions needs, and a bound on what reading one may hold.
pub const MAX_SOURCE_BYTES: usize = 64 * 1024 * 1024;

/// A source that cannot be read.
#[derive(Debug)]
pub enum SourceError {
    Unreadable {
        /// The file as given, or "standard input".
        name: String,
        source: std::io::Error,
    },
    /// The file holds bytes that are not UTF-8 (the first at `offset`).
    NotText { name: String, offset: usize },
    /// More than [`MAX_SOURCE_BYTES`].
    TooLarge { name: String },
}

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SourceError::Unreadable { name, source } => {
                write!(f, "cannot read {name}: {}", crate::os_error::reason(source))
            }
            SourceError::NotText { name, offset } => write!(
                f,
                "{name} is not UTF-8 text (invalid byte at offset {offset})"
            ),
            SourceError::TooLarge { name } => write!(
                f,
                "{name} is larger than {} MiB, the most a .seg source may hold: is it a .seg file?",
                MAX_SOURCE_BYTES / (1024 * 1024)
            ),
        }
    }
}

impl std::error::Error for SourceError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SourceError::Unreadable { source, .. } => Some(source),
            SourceError::NotText { .. } | SourceError::TooLarge { .. } => None,
        }
    }
}

/// Reads a `.seg` source (standard input for `-`) as UTF-8 text, at most
/// [`MAX_SOURCE_BYTES`] of it.
pub fn read_source(path: &Path) -> Result<String, SourceError> {
    let given = path.display().to_string();
    let name = if given == "-" {
        "standard input".to_string()
    } else {
        given
    };
    let read = if name == "standard input" {
        read_bounded(std::io::stdin().lock())
    } else {
        std::fs::File::open(path).and_then(read_bounded)
    };
    let bytes = read
        .map_err(|source| SourceError::Unreadable {
            name: name.clone(),
            source,
        })?
        .ok_or_else(|| SourceError::TooLarge { name: name.clone() })?;
    String::from_utf8(bytes).map_err(|error| SourceError::NotText {
        name,
        offset: error.utf8_error().valid_up_to(),
    })
}

/// Reads at most [`MAX_SOURCE_BYTES`] from `input`: `Ok(None)` when there
/// is more than that.
pub fn read_bounded(input: impl Read) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    input
        .take(MAX_SOURCE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok((bytes.len() <= MAX_SOURCE_BYTES).then_some(bytes))
}

pub fn write_replacing(path: &Path, contents: &str) -> std::io::Result<()> {
    // The file must exist: this replaces, it never creates.
    std::fs::metadata(path)?;
    write_atomically(path, contents.as_bytes())
}

/// Writes a whole file at once, new or not: into a temporary file in the
/// same folder, flushed to disk, then renamed over `path` (keeping an
/// existing file's permissions; a new file has the umask's). A reader sees
/// the old file or the new one, never part of either; a failure leaves the
/// old one. A symbolic link is written through: its target is replaced, in
/// the target's folder, and the link stays a link.
pub fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let linked;
    let path = if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        linked = std::fs::canonicalize(path)?;
        linked.as_path()
    } else {
        path
    };
    let directory = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = directory.join(format!(".{name}.segscope-tmp-{}", std::process::id()));
    let written = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(contents)?;
        if let Ok(existing) = std::fs::metadata(path) {
            file.set_permissions(existing.permissions())?;
        }
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// The name a definition file is known by in the database, whatever path
/// named it (`a.seg`, `./a.seg`, `/home/me/a.seg`): its canonical path.
/// Sources that are not files keep their name.
pub fn identity(origin: &str) -> String {
    std::fs::canonicalize(origin)
        .map(|path| path.display().to_string())
        .unwrap_or_else(|_| origin.to_string())
}
