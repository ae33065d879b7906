//! Files the user names: replacing a file's contents safely (through a
//! temporary file in the same folder and a rename, keeping the permissions,
//! so an interrupted write never leaves half a file), and the one name a
//! file is known by in the database.

use std::path::Path;

pub fn write_replacing(path: &Path, contents: &str) -> std::io::Result<()> {
    // The file must exist: this replaces, it never creates.
    std::fs::metadata(path)?;
    write_atomically(path, contents.as_bytes())
}

/// Writes a whole file at once, new or not: into a temporary file in the
/// same folder, flushed to disk, then renamed over `path` (keeping an
/// existing file's permissions). A reader sees the old file or the new one,
/// never part of either; a failure leaves the old one.
pub fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
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
