//! `segscope run`: re-evaluate as of now and record membership changes.
//! Opening the workspace for writing does exactly that; this reports it.
//! With `--dry-run` the same evaluation records nothing, so it may be as of
//! any instant (a what-if: who would move by then).

use super::output::note;
use super::output::report_membership;
use super::{Global, Outcome};
use crate::model::format_instant;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Report what would move as of --now (any instant, past or future)
    /// and record nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(global: &Global, args: Args) -> Outcome {
    let mut workspace = global.open_existing(!args.dry_run)?;
    let segments = workspace.segments();
    let moved = workspace.moved_at_open();
    let recorded = if args.dry_run {
        " (dry run: nothing recorded)"
    } else {
        ""
    };
    note!(
        "evaluated {} segments as of {}: {} changed membership{recorded}",
        segments.len(),
        format_instant(workspace.now()),
        moved.len()
    );
    report_membership(moved);
    if !args.dry_run {
        super::deliver::report_and_deliver(&mut workspace)?;
    }
    Ok(())
}
