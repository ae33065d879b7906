//! `segscope demo`: a database of generated SaaS data with the example
//! segments. It only ever replaces a database it generated itself.

use std::path::{Path, PathBuf};

use super::segments;
use super::source::LoadedSource;
use super::{Failed, Global, Outcome, apply, fail};
use crate::demo::{DEMO_SEGMENTS, write_accounts, write_users};
use crate::model::EntityKind;
use crate::workspace::{ImportFailure, ImportMode, OpenOptions, Workspace, clock_now};
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
}

pub fn run(global: &Global, args: Args) -> Outcome {
    let path: PathBuf = global.db.clone().unwrap_or_else(|| PathBuf::from(DEMO_DB));
    let workspace = create(global, &path, &args)?;
    drop(workspace);
    eprintln!(
        "demo database {}: {} users, {} accounts, segments in {}",
        path.display(),
        args.users,
        args.accounts,
        demo_segments_path(&path).display()
    );
    if !args.no_tui {
        let seg_file = demo_segments_path(&path);
        return super::ui::open_ui(global, &path, &[seg_file], false);
    }
    let shown = Global {
        db: Some(path),
        ..global.clone()
    };
    segments::run(
        &shown,
        segments::Args {
            kind: None,
            format: segments::Format::Table,
        },
    )
}

/// Generates the demo database at `path`, replacing an earlier demo there.
fn create(global: &Global, path: &Path, args: &Args) -> Result<Workspace, Failed> {
    remove_earlier_demo(global, path)?;
    let now = global.now.unwrap_or_else(clock_now);
    let options = OpenOptions {
        now: Some(now),
        wait: None,
        record: true,
    };
    let mut workspace = Workspace::open(path, options).map_err(fail)?;
    workspace.mark_demo().map_err(fail)?;
    let mut accounts = Vec::new();
    write_accounts(&mut accounts, args.accounts, args.seed, now).map_err(fail)?;
    let mut users = Vec::new();
    write_users(&mut users, args.users, args.accounts, args.seed, now).map_err(fail)?;
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
                ImportFailure::Workspace(error) => fail(error),
                other => fail(format!("the generated {kind} did not import: {other:?}")),
            })?;
    }
    let seg_file = write_demo_segments(path)?;
    let source = LoadedSource {
        origin: seg_file.display().to_string(),
        text: DEMO_SEGMENTS.to_string(),
    };
    apply::apply_sources(&mut workspace, vec![source])?;
    Ok(workspace)
}

/// The demo's segments as a file beside its database (`segscope-demo.seg`
/// for `segscope-demo.redb`): segments are code, and the UI writes edits to
/// them back into this file. An existing file is replaced only if an earlier
/// demo wrote it.
pub fn demo_segments_path(database: &Path) -> PathBuf {
    database.with_extension("seg")
}

fn write_demo_segments(database: &Path) -> Result<PathBuf, Failed> {
    let path = demo_segments_path(database);
    if let Ok(existing) = std::fs::read_to_string(&path)
        && !existing.starts_with(DEMO_HEADER)
    {
        return Err(fail(format!(
            "{} exists and was not written by the demo; choose another database name with --db",
            path.display()
        )));
    }
    std::fs::write(&path, DEMO_SEGMENTS).map_err(|error| {
        fail(format!(
            "cannot write {}: {}",
            path.display(),
            crate::os_error::reason(&error)
        ))
    })?;
    Ok(path)
}

/// How the demo's segment file starts (so a later demo knows it may replace it).
const DEMO_HEADER: &str = "# The segments of the demo data set";

/// Deletes the file at `path` if it is a demo database; refuses to touch
/// anything else.
fn remove_earlier_demo(global: &Global, path: &Path) -> Outcome {
    if !path.exists() {
        return Ok(());
    }
    let is_demo = {
        let workspace = global.open_at(path, false)?;
        workspace.is_demo().map_err(fail)?
    };
    if !is_demo {
        return Err(fail(format!(
            "{} exists and is not a demo database; choose another file with --db",
            path.display()
        )));
    }
    std::fs::remove_file(path).map_err(|error| {
        fail(format!(
            "cannot replace {}: {}",
            path.display(),
            crate::os_error::reason(&error)
        ))
    })
}
