//! `segscope sync NAME [--dry-run]` and `segscope sync --all`: run
//! destinations, or show what a run would send. A run prints its summary —
//! sent, unchanged, exited, skipped without a key, in conflict, failed, and
//! each record that did not go with its key and reason — and exits 1 when
//! any record failed; a dry run prints the plan: counts per kind, the
//! requests it would make and how long the destination's pace makes them
//! take, and a few payloads exactly as they would be sent.

use super::output::{note, say};
use std::io::IsTerminal;

use super::{CliError, Global, Outcome};
use crate::model::destination::{ConnectorKind, Destination};
use crate::model::format_count;
use crate::model::sync_run::{ProblemClass, RunOutcome, SyncRun};
use crate::sync::summary::{counts_text, duration_text, problem_text, run_headline};
use crate::sync::{SyncControl, SyncProgress, plan, plan_report, sample_payloads};
use crate::workspace::Workspace;

/// Records without a key a summary names before it only counts them.
const LISTED_WITHOUT_KEY: usize = 10;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The destination to run (`destination "NAME" ...` in a .seg file).
    #[arg(
        value_name = "DESTINATION",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub destination: Option<String>,
    /// Run every destination, in name order.
    #[arg(long)]
    pub all: bool,
    /// Print the plan (counts, the requests, sample payloads, how long it
    /// would take) and send nothing; needs no token.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(global: &Global, args: Args) -> Outcome {
    let mut workspace = global.open_existing(!args.dry_run)?;
    if !args.dry_run {
        super::deliver::report_and_deliver(&mut workspace)?;
    }
    let destinations: Vec<Destination> = if args.all {
        workspace
            .destinations()
            .into_iter()
            .map(|summary| summary.destination)
            .collect()
    } else {
        let name = args.destination.unwrap_or_default();
        match workspace.destination(&name) {
            Some(summary) => vec![summary.destination],
            None => {
                return Err(CliError::UnknownDestination {
                    name,
                    known: workspace
                        .destinations()
                        .into_iter()
                        .map(|summary| summary.destination.name)
                        .collect(),
                });
            }
        }
    };
    if destinations.is_empty() {
        note!(
            "there are no destinations (define one in a .seg file: `destination \"NAME\" hubspot {{ ... }}`)"
        );
        return Ok(());
    }
    let mut errors = Vec::new();
    for (index, destination) in destinations.iter().enumerate() {
        if index > 0 {
            say!();
        }
        let outcome = if args.dry_run {
            dry_run(&workspace, destination)
        } else {
            sync_one(&workspace, destination)
        };
        if let Err(error) = outcome {
            if args.all {
                // The others still run; the error is kept for the end.
                note!("error: {error}");
                errors.push(CliError::Reported);
            } else {
                errors.push(error);
            }
        }
    }
    match CliError::all(errors) {
        None => Ok(()),
        Some(CliError::Several(_)) => Err(CliError::Reported),
        Some(error) => Err(error),
    }
}

fn dry_run(workspace: &Workspace, destination: &Destination) -> Outcome {
    let plan = plan(workspace, destination).map_err(CliError::Sync)?;
    let report = plan_report(&plan);
    say!(
        "Dry run of \"{}\" ({}): nothing is sent.",
        destination.name,
        destination.connector.label()
    );
    if let Some(address) = workspace.destination_disabled_at(&destination.name)?
        && destination.url.as_deref() == Some(address.as_str())
    {
        say!("  Disabled: {address} answered 410 Gone; a run refuses until the url changes.");
    }
    for kind in &report.kinds {
        say!(
            "  {} → {}: {} selected — {} new, {} changed, {} unchanged, {} leaving; {} without a key, {} in a key conflict",
            kind.kind,
            kind.target,
            format_count(kind.selected),
            format_count(kind.new),
            format_count(kind.changed),
            format_count(kind.unchanged),
            format_count(kind.exits),
            format_count(kind.without_key),
            format_count(kind.conflicts),
        );
    }
    let batches: u64 = report.kinds.iter().map(|k| k.batches).sum();
    let checks: u64 = report.kinds.iter().map(|k| k.property_checks).sum();
    match destination.connector {
        ConnectorKind::HubSpot => say!(
            "Requests: {checks} property checks (each followed by a create or an options patch when the property is missing or short of options) and {batches} batch writes of at most 100 (upserts; exits as updates) — at least {} requests, {} at {} requests per 10 s.",
            report.requests,
            if report.duration.is_zero() {
                "within one rate-limit window".to_string()
            } else {
                format!("about {}", duration_text(report.duration))
            },
            destination.rate_limit()
        ),
        ConnectorKind::Webhook => say!(
            "Requests: {batches} POSTs of at most 100 records to {}.",
            destination.url.as_deref().unwrap_or("?")
        ),
        ConnectorKind::File => say!(
            "Writes {} with every selected record ({}).",
            destination.path.as_deref().unwrap_or("?"),
            format_count(
                report
                    .kinds
                    .iter()
                    .map(|k| k.selected - k.without_key - k.conflicts)
                    .sum()
            )
        ),
    }
    for kind in &plan.kinds {
        let samples = sample_payloads(&plan, kind);
        if samples.is_empty() {
            continue;
        }
        say!("Sample payloads ({}):", kind.kind());
        for sample in samples {
            say!("  {sample}");
        }
    }
    for kind in &plan.kinds {
        print_problems(&kind.problems, kind.problems.len());
    }
    Ok(())
}

fn sync_one(workspace: &Workspace, destination: &Destination) -> Outcome {
    let mut progress = Progress::new(&destination.name);
    let result = crate::sync::run(workspace, destination, &mut progress);
    progress.finish();
    let run = result.map_err(CliError::Sync)?;
    print_summary(&run, destination);
    if let RunOutcome::Stopped(reason) = &run.outcome {
        return Err(CliError::SyncStopped {
            destination: destination.name.clone(),
            reason: reason.clone(),
        });
    }
    if run.had_failures() {
        return Err(CliError::SyncFailures {
            destination: destination.name.clone(),
            failed: run.counts.failed + run.counts.conflicts,
        });
    }
    Ok(())
}

/// The summary of a run, as `sync` prints it.
pub fn print_summary(run: &SyncRun, destination: &Destination) {
    say!("{}", run_headline(run, destination));
    say!("  {}", counts_text(&run.counts));
    print_problems(&run.problems, run.problems.len());
}

/// Each failure and conflict with its key and reason; entities without a
/// key, the first few.
pub fn print_problems(problems: &[crate::model::sync_run::RecordProblem], logged: usize) {
    let mut without_key = 0;
    for problem in problems.iter().take(logged) {
        if problem.class == ProblemClass::NoKey {
            without_key += 1;
            if without_key > LISTED_WITHOUT_KEY {
                continue;
            }
        }
        say!("  {}", problem_text(problem));
    }
    if without_key > LISTED_WITHOUT_KEY {
        say!(
            "  … and {} more without a key",
            format_count((without_key - LISTED_WITHOUT_KEY) as u64)
        );
    }
}

/// A progress bar on stderr when it is a terminal; Ctrl-C is the
/// process's (a run killed mid-way resends what was not acknowledged).
struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    fn new(name: &str) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(0);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{msg} [{bar:30}] {pos}/{len} records ({elapsed})",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(format!("syncing \"{name}\""));
            bar
        });
        Progress { bar }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl SyncControl for Progress {
    fn progress(&mut self, progress: SyncProgress) {
        let Some(bar) = &self.bar else {
            return;
        };
        match progress {
            SyncProgress::Planned { to_send } => bar.set_length(to_send),
            SyncProgress::Sent { done, .. } => bar.set_position(done),
            SyncProgress::Waiting { reason, seconds } => {
                bar.println(crate::model::visible_lines(&format!(
                    "{reason} ({seconds:.1} s)"
                )));
            }
        }
    }

    fn cancelled(&self) -> bool {
        false
    }
}
