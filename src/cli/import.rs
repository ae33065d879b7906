//! `segscope import --kind K FILE`: upsert entities from a file or stdin.

use super::output::note;
use std::io::IsTerminal;
use std::path::PathBuf;

use super::output::report_membership;
use super::{CliError, Global, KindArg, Outcome};
use crate::model::EntityKind;
use crate::workspace::{ImportFailure, ImportMode};
use crate::workspace::{ImportProgress, ImportSource};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which kind of entity the file holds.
    #[arg(long, value_enum)]
    pub kind: KindArg,
    /// A .jsonl, .json (array) or .csv file; `-` reads JSON lines from stdin.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Replace whole entities instead of merging properties into them.
    #[arg(long)]
    pub replace: bool,
    /// Import the good rows and report the bad ones instead of rejecting the
    /// whole file.
    #[arg(long)]
    pub skip_invalid: bool,
}

pub fn run(global: &Global, args: Args) -> Outcome {
    let name = args.file.display().to_string();
    let source = ImportSource::open(&name).map_err(CliError::ImportSource)?;
    let kind = EntityKind::from(args.kind);
    let mut workspace = global.open(true)?;
    let bar = progress_bar();
    let mut progress = |progress: ImportProgress| {
        if let Some(bar) = &bar {
            bar.set_message(format!("{} rows read", progress.rows));
            bar.tick();
        }
        std::ops::ControlFlow::Continue(())
    };
    let mode = if args.replace {
        ImportMode::Replace
    } else {
        ImportMode::Merge
    };
    let result = workspace.import(kind, source, mode, args.skip_invalid, &mut progress);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    match result {
        Ok(report) => {
            note!(
                "imported {name}: {} created, {} updated, {} unchanged",
                report.created,
                report.updated,
                report.unchanged
            );
            if report.segments_left_out > 0 {
                note!(
                    "left out the `segments` field of {} row{}: segscope computes it from the segment definitions",
                    crate::model::format_count(report.segments_left_out as u64),
                    if report.segments_left_out == 1 {
                        ""
                    } else {
                        "s"
                    }
                );
            }
            if report.skipped_count > 0 {
                note!("skipped {} invalid rows:", report.skipped_count);
                for error in &report.skipped {
                    note!("  {name}:{error}");
                }
                if report.skipped_count > report.skipped.len() {
                    note!(
                        "  ... and {} more",
                        report.skipped_count - report.skipped.len()
                    );
                }
            }
            report_membership(&report.membership);
            super::deliver::report_and_deliver(&mut workspace)?;
            Ok(())
        }
        Err(ImportFailure::Rows { errors, count }) => {
            for error in &errors {
                note!("{name}:{error}");
            }
            if count > errors.len() {
                note!("... and {} more bad rows", count - errors.len());
            }
            Err(CliError::BadRows { file: name, count })
        }
        Err(ImportFailure::File(reason)) => Err(CliError::ImportUnreadable { file: name, reason }),
        Err(ImportFailure::Workspace(error)) => Err(error.into()),
        Err(ImportFailure::Cancelled) => Err(CliError::ImportCancelled { file: name }),
    }
}

/// A spinner on stderr when it is a terminal.
fn progress_bar() -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_message("importing");
    Some(bar)
}
