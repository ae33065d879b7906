//! Panics from the storage layer caught as damage. redb trusts the pages it
//! reads: on a damaged file it can index out of bounds or unwrap invalid
//! UTF-8 in a key. Work on the database runs inside [`guarded`], which turns
//! a panic raised in redb's code into `StoreError::Damaged` (so the user
//! reads "the database is damaged", not a panic) and keeps its message off
//! the terminal.
//!
//! It is not a licence to panic, and it hides no bug of segscope's: a panic
//! raised anywhere else goes on as a panic, reported as before.

use std::cell::RefCell;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::Once;

use super::StoreError;

thread_local! {
    /// The message of the last panic this thread raised in redb's code.
    static STORAGE_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

static QUIET_HOOK: Once = Once::new();

/// Is this where redb's code is? (Its source files, wherever cargo keeps
/// them: `…/redb-4.6.0/src/…`.)
fn in_storage_code(file: &str) -> bool {
    file.split(['/', '\\'])
        .any(|part| part.starts_with("redb-") || part == "redb")
}

/// Panics raised in redb's code are recorded for [`guarded`] and kept
/// quiet; every other panic goes to the hook that was there.
fn install_quiet_hook() {
    QUIET_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info
                .location()
                .is_some_and(|location| in_storage_code(location.file()))
            {
                let message = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|text| text.to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "no message".to_string());
                STORAGE_PANIC.with(|last| *last.borrow_mut() = Some(message));
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `work` on the database at `path`; a panic raised in redb's code
/// inside it is the file's damage, returned as an error.
pub fn guarded<T, E: From<StoreError>>(
    path: &Path,
    work: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    install_quiet_hook();
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(work));
    outcome.unwrap_or_else(
        |payload| match STORAGE_PANIC.with(|last| last.borrow_mut().take()) {
            Some(message) => Err(E::from(StoreError::Damaged {
                path: path.to_path_buf(),
                reason: format!("reading it failed ({message})"),
            })),
            None => std::panic::resume_unwind(payload),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redb_source_files_are_told_apart() {
        assert!(in_storage_code(
            "/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/redb-4.6.0/src/tree_store/page_store/page_manager.rs"
        ));
        assert!(!in_storage_code("src/store/read.rs"));
        assert!(!in_storage_code("/work/redbook/src/main.rs"));
    }

    #[test]
    fn other_panics_stay_panics() {
        let path = Path::new("x.redb");
        let caught = std::panic::catch_unwind(|| {
            let _: Result<(), StoreError> = guarded(path, || panic!("a bug of ours"));
        });
        assert!(caught.is_err());
        assert_eq!(guarded::<_, StoreError>(path, || Ok(7)).ok(), Some(7));
    }
}
