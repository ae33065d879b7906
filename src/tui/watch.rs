//! The `.seg` files given at startup, watched by their modification time
//! (polled: it works the same on every file system and over SSH).

use std::path::PathBuf;
use std::time::SystemTime;

pub struct WatchedFile {
    pub path: PathBuf,
    modified: Option<SystemTime>,
}

impl WatchedFile {
    pub fn new(path: PathBuf) -> WatchedFile {
        let modified = modified(&path);
        WatchedFile { path, modified }
    }

    /// Has the file changed on disk since the last look?
    pub fn changed(&mut self) -> bool {
        let now = modified(&self.path);
        if now != self.modified {
            self.modified = now;
            return now.is_some();
        }
        false
    }
}

fn modified(path: &PathBuf) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}
