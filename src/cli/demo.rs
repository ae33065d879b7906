//! `segscope demo`: a database of generated SaaS data with the example
//! segments. An existing demo database is opened as it is (what was made
//! in it stays); `--fresh` starts over, and only ever replaces a database
//! the demo generated itself. With the UI, what the demo did goes to the
//! UI's message log; `--no-tui` prints it.

use super::output::note;
use std::path::{Path, PathBuf};

use super::segments;
use super::source::LoadedSource;
use super::{CliError, Global, Outcome, apply};
use crate::demo::{DEMO_SEGMENTS, write_accounts, write_users};
use crate::model::EntityKind;
use crate::tui::{Message, applied_message};
use crate::workspace::{
    ApplyFailure, ImportFailure, ImportMode, OpenOptions, Workspace, clock_now,
};
use crate::workspace::{ImportFormat, ImportSource};

/// The demo's database unless `--db` says otherwise.
pub const DEMO_DB: &str = "segscope-demo.redb";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many users to generate.
    #[arg(long, default_value_t = 20_000)]
    pub users: usize,
    /// How many accounts to generate.
    #[arg(long, default_value_t = 2_000)]
    pub accounts: usize,
    /// The seed: the same seed (and --now) gives the same data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Print the segments instead of opening the terminal UI.
    #[arg(long)]
    pub no_tui: bool,
    /// Start over: replace an earlier demo database at this path (its
    /// segments, imports and history) with newly generated data. Without
    /// it an existing demo database is opened as it is.
    #[arg(long)]
    pub fresh: bool,
    /// Let the terminal UI use the mouse (off by default, so the terminal's
    /// own text selection works).
    #[arg(long)]
    pub mouse: bool,
}

/// Runs the demo; `mouse` is `segscope --mouse demo`, the same as
/// `demo --mouse`.
pub fn run(global: &Global, args: Args, mouse: bool) -> Outcome {
    let path: PathBuf = global.db.clone().unwrap_or_else(|| PathBuf::from(DEMO_DB));
    if !args.no_tui {
        super::ui::require_terminal()?;
    }
    let mut said = Vec::new();
    if crate::workspace::database_exists(&path) && !args.fresh {
        ensure_demo(global, &path)?;
        said.push(Message::info(format!(
            "demo database {} kept as it is (--fresh starts over), segments in {}",
            path.display(),
            demo_segments_path(&path).display()
        )));
    } else {
        let (workspace, applied) = create(global, &path, &args, &mut said)?;
        drop(workspace);
        said.push(Message::info(format!(
            "demo database {}: {} users, {} accounts, segments in {}",
            path.display(),
            args.users,
            args.accounts,
            demo_segments_path(&path).display()
        )));
        said.extend(applied);
    }
    if !args.no_tui {
        let seg_file = demo_segments_path(&path);
        return super::ui::open_ui(global, &path, &[seg_file], mouse || args.mouse, said);
    }
    for message in &said {
        note!("{}", message.text);
    }
    let shown = Global {
        db: Some(path),
        ..global.clone()
    };
    segments::run(
        &shown,
        segments::Args {
            kind: None,
            format: Some(super::output::ListFormat::Table),
        },
    )
}

/// Generates the demo database at `path`, replacing an earlier demo there.
/// With `--no-tui` the apply of its segments is printed as `apply` prints
/// it; for the UI it comes back as a message for the log.
fn create(
    global: &Global,
    path: &Path,
    args: &Args,
    said: &mut Vec<Message>,
) -> Result<(Workspace, Option<Message>), CliError> {
    remove_earlier_demo(global, path)?;
    let now = global.now.unwrap_or_else(clock_now);
    let options = OpenOptions {
        now: Some(now),
        wait: None,
        record: true,
    };
    let mut workspace = Workspace::open(path, options)?;
    workspace.mark_demo()?;
    let mut accounts = Vec::new();
    write_accounts(&mut accounts, args.accounts, args.seed, now).map_err(CliError::DemoData)?;
    let mut users = Vec::new();
    write_users(&mut users, args.users, args.accounts, args.seed, now)
        .map_err(CliError::DemoData)?;
    for (kind, data) in [(EntityKind::Accounts, accounts), (EntityKind::Users, users)] {
        workspace
            .import(
                kind,
                ImportSource::from_bytes(data, ImportFormat::JsonLines),
                ImportMode::Replace,
                false,
                &mut |_| std::ops::ControlFlow::Continue(()),
            )
            .map_err(|failure| match failure {
                ImportFailure::Workspace(error) => CliError::Workspace(error),
                failure => CliError::DemoImport { kind, failure },
            })?;
    }
    let (seg_file, text) = write_demo_segments(path)?;
    if text != DEMO_SEGMENTS {
        let kept = format!(
            "kept your edits in {} (delete it for the demo's own segments)",
            seg_file.display()
        );
        if args.no_tui {
            note!("{kept}");
        } else {
            said.push(Message::info(kept));
        }
    }
    let source = LoadedSource {
        origin: seg_file.display().to_string(),
        text,
    };
    if args.no_tui {
        apply::apply_sources(&mut workspace, vec![source])?;
        return Ok((workspace, None));
    }
    let texts = apply::source_texts(std::slice::from_ref(&source));
    match workspace.apply(&texts) {
        Ok(report) => {
            let message = applied_message(std::slice::from_ref(&source.origin), &texts, &report);
            Ok((workspace, Some(message)))
        }
        // The demo's own segments: an error here is a bug, reported as
        // `apply` reports one.
        Err(ApplyFailure::Invalid(diagnostics)) => {
            let errors = diagnostics
                .iter()
                .flatten()
                .filter(|d| d.is_error())
                .count();
            for list in &diagnostics {
                super::source::report(&source, list);
            }
            Err(CliError::NothingApplied { errors })
        }
        Err(ApplyFailure::Workspace(error)) => Err(error.into()),
    }
}

/// The demo's segments as a file beside its database (`segscope-demo.seg`
/// for `segscope-demo.redb`): segments are code, and the UI writes edits to
/// them back into this file. An existing file that an earlier demo wrote
/// is kept, with the user's edits (a fresh demo applies it); one the demo
/// did not write is refused.
pub fn demo_segments_path(database: &Path) -> PathBuf {
    database.with_extension("seg")
}

/// The demo's segment file and its text: the one there if an earlier demo
/// wrote it (edited or not), else the demo's own, written.
fn write_demo_segments(database: &Path) -> Result<(PathBuf, String), CliError> {
    let path = demo_segments_path(database);
    if let Ok(existing) = std::fs::read_to_string(&path) {
        if !existing.starts_with(DEMO_HEADER) {
            return Err(CliError::DemoSegmentsFileTaken { path });
        }
        return Ok((path, existing));
    }
    std::fs::write(&path, DEMO_SEGMENTS).map_err(|source| CliError::CannotWrite {
        path: path.display().to_string(),
        source,
    })?;
    Ok((path, DEMO_SEGMENTS.to_string()))
}

/// How the demo's segment file starts (so a later demo knows it may replace it).
const DEMO_HEADER: &str = "# The segments of the demo data set";

/// Refuses a database the demo did not generate.
fn ensure_demo(global: &Global, path: &Path) -> Outcome {
    let is_demo = {
        let workspace = global.open_at(path, false)?;
        workspace.is_demo()?
    };
    if !is_demo {
        return Err(CliError::NotADemoDatabase {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// Deletes the file at `path` if it is a demo database; refuses to touch
/// anything else.
fn remove_earlier_demo(global: &Global, path: &Path) -> Outcome {
    if !crate::workspace::database_exists(path) {
        return Ok(());
    }
    ensure_demo(global, path)?;
    std::fs::remove_file(path).map_err(|source| CliError::CannotReplace {
        path: path.to_path_buf(),
        source,
    })
}
