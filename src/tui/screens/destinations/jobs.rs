//! The Destinations screen's long work, as jobs on the worker thread: a dry
//! run (the plan counted, with a few payloads as the wire would carry them;
//! nothing sent) and a sync (the runner, its progress turned into the job's
//! gauge, the user's cancel heard between batches). What a job finds lands
//! in a [`Landing`] it shares with the screen: the screen takes dry runs
//! from there at its next refresh, and reads a running sync's counts while
//! drawing. Each job ends with a message in the words `segscope sync` uses.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::model::EntityKind;
use crate::model::destination::Destination;
use crate::model::sync_run::{RecordProblem, RunOutcome, SyncCounts, SyncRun};
use crate::sync::summary::{counts_text, problem_text, run_headline};
use crate::sync::{PlanReport, SyncControl, SyncProgress, plan, plan_report, sample_payloads};
use crate::tui::jobs::{Job, JobControl, JobOutcome};
use crate::tui::messages::Message;
use crate::tui::screens::Changed;
use crate::tui::widgets::text::thousands;
use crate::workspace::{Workspace, clock_now};

/// Record problems a message or the screen names before it only counts.
pub const LISTED_PROBLEMS: usize = 10;

/// What jobs leave for the screen.
#[derive(Default)]
pub struct Landing {
    /// Dry runs made since the screen last looked, by destination name.
    pub dry_runs: Vec<(String, Result<DryRun, String>)>,
    /// The sync running now, as far as it got.
    pub live: Option<LiveSync>,
}

/// The landing, shared between the screen and its jobs.
pub type Shared = Arc<Mutex<Landing>>;

/// The landing, even if a job panicked while holding it (what it holds
/// stays readable: plain counts and texts).
pub fn landed(shared: &Shared) -> MutexGuard<'_, Landing> {
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A dry run as the screen shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct DryRun {
    pub report: PlanReport,
    /// Per kind, a few payloads as JSON text.
    pub samples: Vec<(EntityKind, Vec<String>)>,
    /// The first problems (no key, a shared key), one line each.
    pub problems: Vec<String>,
    pub problem_count: usize,
    /// When it was made (the clock, not `--now`).
    pub made_at: i64,
}

/// A running sync's progress.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveSync {
    pub destination: String,
    /// Records the plan sends, once planned.
    pub to_send: Option<u64>,
    pub done: u64,
    pub counts: SyncCounts,
    /// Why it waits now (a rate limit, a retry), if it does.
    pub waiting: Option<String>,
}

/// A dry run of `destination` as a job.
pub fn dry_run_job(destination: Destination, shared: Shared) -> Job {
    let label = format!("dry run of \"{}\"", destination.name);
    let work = move |workspace: &mut Workspace, control: &JobControl| {
        let name = destination.name.clone();
        let made = make_dry_run(workspace, &destination);
        if control.cancelled() {
            return JobOutcome {
                message: Message::info(format!("dry run of \"{name}\" cancelled")),
                changed: Changed::default(),
            };
        }
        let message = match &made {
            Ok(dry) => Message::info(dry_run_message(&name, dry)),
            Err(reason) => Message::error(format!("no dry run of \"{name}\": {reason}")),
        };
        landed(&shared).dry_runs.push((name, made));
        JobOutcome {
            message,
            changed: Changed::default(),
        }
    };
    Job {
        label,
        work: Box::new(work),
    }
}

fn make_dry_run(workspace: &Workspace, destination: &Destination) -> Result<DryRun, String> {
    let plan = plan(workspace, destination).map_err(|error| error.to_string())?;
    let report = plan_report(&plan);
    let samples = plan
        .kinds
        .iter()
        .map(|kind| {
            let texts = sample_payloads(&plan, kind)
                .iter()
                .map(|sample| sample.to_string())
                .collect();
            (kind.kind(), texts)
        })
        .collect();
    let problems: Vec<&RecordProblem> = plan.kinds.iter().flat_map(|k| &k.problems).collect();
    Ok(DryRun {
        report,
        samples,
        problems: problems
            .iter()
            .take(LISTED_PROBLEMS)
            .map(|problem| problem_text(problem))
            .collect(),
        problem_count: problems.len(),
        made_at: clock_now(),
    })
}

/// `dry run of "HubSpot": 34 to send (12 new, 22 changed, 0 leaving), 880
/// unchanged; nothing sent`.
fn dry_run_message(name: &str, dry: &DryRun) -> String {
    let kinds = &dry.report.kinds;
    let new: u64 = kinds.iter().map(|k| k.new).sum();
    let changed: u64 = kinds.iter().map(|k| k.changed).sum();
    let exits: u64 = kinds.iter().map(|k| k.exits).sum();
    let unchanged: u64 = kinds.iter().map(|k| k.unchanged).sum();
    format!(
        "dry run of \"{name}\": {} to send ({} new, {} changed, {} leaving), {} unchanged; nothing sent",
        thousands(new + changed + exits),
        thousands(new),
        thousands(changed),
        thousands(exits),
        thousands(unchanged),
    )
}

/// A sync of `destination` as a job.
pub fn sync_job(destination: Destination, shared: Shared) -> Job {
    let label = format!("syncing \"{}\"", destination.name);
    let work = move |workspace: &mut Workspace, control: &JobControl| {
        landed(&shared).live = Some(LiveSync {
            destination: destination.name.clone(),
            ..LiveSync::default()
        });
        let mut adapter = JobSync {
            control,
            shared: &shared,
        };
        let result = crate::sync::run(workspace, &destination, &mut adapter);
        landed(&shared).live = None;
        let message = match result {
            Ok(run) => run_message(&run, &destination),
            Err(error) => Message::error(error.to_string()),
        };
        JobOutcome {
            message,
            changed: Changed::default(),
        }
    };
    Job {
        label,
        work: Box::new(work),
    }
}

/// The runner's side of a job: progress to the gauge and the landing, the
/// job's cancel as the run's.
struct JobSync<'a> {
    control: &'a JobControl,
    shared: &'a Shared,
}

impl SyncControl for JobSync<'_> {
    fn progress(&mut self, progress: SyncProgress) {
        let mut landing = landed(self.shared);
        let Some(live) = landing.live.as_mut() else {
            return;
        };
        match progress {
            SyncProgress::Planned { to_send } => {
                live.to_send = Some(to_send);
                self.control.progress(0, Some(to_send));
            }
            SyncProgress::Sent {
                done,
                total,
                counts,
            } => {
                live.done = done;
                live.to_send = Some(total);
                live.counts = counts;
                live.waiting = None;
                self.control.progress(done, Some(total));
            }
            SyncProgress::Waiting { reason, seconds } => {
                live.waiting = Some(format!("{reason} ({seconds:.1} s)"));
            }
        }
    }

    fn cancelled(&self) -> bool {
        self.control.cancelled()
    }
}

/// A run's summary: how it ended, how long it took and what it did on the
/// first line; then each record that did not go.
pub fn run_message(run: &SyncRun, destination: &Destination) -> Message {
    let mut text = format!(
        "{} — {}",
        run_headline(run, destination),
        counts_text(&run.counts)
    );
    match &run.outcome {
        RunOutcome::Stopped(reason) => text.push_str(&format!("\nstopped: {reason}")),
        RunOutcome::Cancelled => {
            text.push_str("\nwhat was acknowledged is kept; the next run sends the rest")
        }
        _ => {}
    }
    for problem in run.problems.iter().take(LISTED_PROBLEMS) {
        text.push('\n');
        text.push_str(&problem_text(problem));
    }
    if run.problems.len() > LISTED_PROBLEMS {
        text.push_str(&format!(
            "\n… and {} more",
            thousands((run.problems.len() - LISTED_PROBLEMS) as u64)
        ));
    }
    let failed = matches!(run.outcome, RunOutcome::Stopped(_)) || run.had_failures();
    if failed {
        Message::error(text)
    } else {
        Message::info(text)
    }
}

/// How long ago an instant was, as a person says it: `just now`, `4 min
/// ago`, `3 h ago`, `2 days ago`.
pub fn ago(then: i64, now: i64) -> String {
    let seconds = (now - then).max(0) / 1_000_000;
    match seconds {
        0..=59 => "just now".to_string(),
        60..=3_599 => format!("{} min ago", seconds / 60),
        3_600..=86_399 => format!("{} h ago", seconds / 3_600),
        _ => {
            let days = seconds / 86_400;
            format!("{days} day{} ago", if days == 1 { "" } else { "s" })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_read_as_how_long_ago() {
        let minute = 60_000_000;
        assert_eq!(ago(0, 59_000_000), "just now");
        assert_eq!(ago(0, 2 * minute), "2 min ago");
        assert_eq!(ago(0, 61 * minute), "1 h ago");
        assert_eq!(ago(0, 24 * 60 * minute), "1 day ago");
        assert_eq!(ago(0, 72 * 60 * minute), "3 days ago");
        assert_eq!(ago(5 * minute, 0), "just now", "a clock that went back");
    }
}
