//! `segscope run`: re-evaluate as of now and record membership changes.
//! Opening the workspace for writing does exactly that; this reports it.

use super::output::report_membership;
use super::{Global, Outcome};
use crate::model::format_instant;

pub fn run(global: &Global) -> Outcome {
    let workspace = global.open_existing(true)?;
    let segments = workspace.segments();
    let moved = workspace.moved_at_open();
    eprintln!(
        "evaluated {} segments as of {}: {} changed membership",
        segments.len(),
        format_instant(workspace.now()),
        moved.len()
    );
    report_membership(moved);
    Ok(())
}
