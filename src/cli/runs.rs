//! `segscope runs [DESTINATION]`: the sync run log, newest first — when
//! each run started, how long it took, how it ended, its counts and
//! requests — and under each run the records that did not go, with their
//! keys and reasons.

use super::output::say;
use serde_json::json;

use super::output::{ListFormat, finish_output, print_table, write_records};
use super::{CliError, Global, Outcome};
use crate::model::format_instant;
use crate::model::sync_run::SyncRun;
use crate::sync::summary::{duration_text, problem_text, run_duration};

/// Problems listed under a run in the table; the JSON has them all.
const LISTED_PROBLEMS: usize = 20;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only the runs of this destination.
    #[arg(value_name = "DESTINATION")]
    pub destination: Option<String>,
    /// The most runs listed.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// The output format [default: table on a terminal, jsonl otherwise].
    #[arg(long, value_enum)]
    pub format: Option<ListFormat>,
}

pub fn run(global: &Global, args: Args) -> Outcome {
    let workspace = global.open_existing(false)?;
    if let Some(name) = &args.destination
        && workspace.destination(name).is_none()
        && workspace.sync_runs(Some(name), 1)?.is_empty()
    {
        return Err(CliError::UnknownDestination {
            name: name.clone(),
            known: workspace
                .destinations()
                .into_iter()
                .map(|summary| summary.destination.name)
                .collect(),
        });
    }
    let runs = workspace.sync_runs(args.destination.as_deref(), args.limit)?;
    let result = match ListFormat::or_default(args.format) {
        ListFormat::Table => table(&runs),
        format => {
            let columns = [
                "id",
                "destination",
                "started_at",
                "ended_at",
                "outcome",
                "reason",
                "sent",
                "unchanged",
                "exited",
                "skipped_without_key",
                "conflicts",
                "failed",
                "requests",
                "problems",
            ];
            write_records(format, &columns, runs.iter().map(record).collect())
        }
    };
    finish_output(result)
}

fn table(runs: &[SyncRun]) -> std::io::Result<()> {
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|run| {
            let counts = run.counts;
            vec![
                run.id.to_string(),
                run.destination.clone(),
                format_instant(run.started_at),
                run.ended_at
                    .map_or_else(String::new, |_| duration_text(run_duration(run))),
                run.outcome.label().to_string(),
                counts.sent.to_string(),
                counts.unchanged.to_string(),
                counts.exited.to_string(),
                counts.skipped_without_key.to_string(),
                counts.conflicts.to_string(),
                counts.failed.to_string(),
                run.requests.to_string(),
            ]
        })
        .collect();
    print_table(
        &[
            "RUN",
            "DESTINATION",
            "STARTED",
            "TOOK",
            "OUTCOME",
            "SENT",
            "UNCHANGED",
            "EXITED",
            "NO KEY",
            "CONFLICTS",
            "FAILED",
            "REQUESTS",
        ],
        &rows,
    )?;
    for run in runs {
        if let Some(reason) = crate::sync::stopped_reason(run) {
            say!("run {}: stopped: {reason}", run.id);
        }
        for problem in run.problems.iter().take(LISTED_PROBLEMS) {
            say!("run {}: {}", run.id, problem_text(problem));
        }
        if run.problems.len() > LISTED_PROBLEMS {
            say!(
                "run {}: … and {} more (--format jsonl lists them all)",
                run.id,
                run.problems.len() - LISTED_PROBLEMS
            );
        }
    }
    Ok(())
}

fn record(run: &SyncRun) -> serde_json::Value {
    let counts = run.counts;
    json!({
        "id": run.id,
        "destination": run.destination,
        "started_at": format_instant(run.started_at),
        "ended_at": run.ended_at.map(format_instant),
        "outcome": run.outcome.label(),
        "reason": crate::sync::stopped_reason(run),
        "sent": counts.sent,
        "unchanged": counts.unchanged,
        "exited": counts.exited,
        "skipped_without_key": counts.skipped_without_key,
        "conflicts": counts.conflicts,
        "failed": counts.failed,
        "requests": run.requests,
        "problems": run.problems.iter().map(|problem| json!({
            "kind": problem.kind.as_str(),
            "key": problem.key,
            "class": problem.class.label(),
            "reason": problem.reason,
        })).collect::<Vec<_>>(),
    })
}
