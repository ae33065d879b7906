//! `segscope history`: membership events, oldest first; with `--daily`,
//! one segment's member count at the end of each day, with who entered and
//! exited that day (the workspace's [`Workspace::daily_counts`]).

use super::output::note;
use super::output::{ListFormat, finish_output, print_table, write_records};
use super::{CliError, Global, InstantArg, KindArg, Outcome};
use crate::model::{format_count, format_datetime, format_instant};
use crate::workspace::{DayCount, HistoryFilter, MAX_TREND_DAYS, TrendError, Workspace};

/// Days `--daily` covers unless `--days` says otherwise.
const DEFAULT_DAYS: usize = 90;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only events of entities of this kind.
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// Only events of this entity.
    #[arg(long)]
    pub id: Option<String>,
    /// Only events of this segment.
    #[arg(long)]
    pub segment: Option<String>,
    /// Only events at or after this instant: a date, an RFC 3339 instant,
    /// or a relative time such as `1 hour ago` (as of --now or the clock).
    #[arg(long, value_name = "INSTANT", value_parser = super::parse_instant)]
    pub since: Option<InstantArg>,
    /// The output format [default: table on a terminal, jsonl otherwise].
    #[arg(long, value_enum)]
    pub format: Option<ListFormat>,
    /// Instead of events: the segment's members at the end of each day
    /// (UTC) of the last --days days, ending today (the day of --now), with
    /// how many entered and exited that day. Needs --segment.
    #[arg(long, requires = "segment", conflicts_with_all = ["kind", "id", "since"])]
    pub daily: bool,
    /// How many days --daily covers [default: 90].
    #[arg(long, requires = "daily", value_name = "N", value_parser = parse_days)]
    pub days: Option<usize>,
}

fn parse_days(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(days) if (1..=MAX_TREND_DAYS).contains(&days) => Ok(days),
        _ => Err(format!("give a number of days from 1 to {MAX_TREND_DAYS}")),
    }
}

pub fn run(global: &Global, args: Args) -> Outcome {
    let workspace = global.open_existing(false)?;
    if args.daily {
        let segment = args.segment.as_deref().unwrap_or_default();
        return daily(
            &workspace,
            segment,
            args.days.unwrap_or(DEFAULT_DAYS),
            args.format,
        );
    }
    if let Some(segment) = &args.segment
        && !workspace.has_segment(segment)
        && !workspace
            .definitions()
            .iter()
            .any(|d| d.name.eq_ignore_ascii_case(segment))
    {
        note!("note: there is no segment named \"{segment}\" now; showing its past events");
    }
    let filter = HistoryFilter {
        kind: args.kind.map(Into::into),
        id: args.id,
        segment: args.segment,
        since: args.since.map(|since| since.as_of(workspace.now())),
    };
    let events = workspace.history(&filter)?;
    let result = match ListFormat::or_default(args.format) {
        ListFormat::Table => {
            let rows: Vec<Vec<String>> = events
                .iter()
                .map(|e| {
                    vec![
                        format_instant(e.at),
                        (if e.entered { "entered" } else { "exited" }).to_string(),
                        e.segment.clone(),
                        e.kind.as_str().to_string(),
                        e.id.clone(),
                    ]
                })
                .collect();
            print_table(&["AT", "EVENT", "SEGMENT", "KIND", "ID"], &rows)
        }
        format => {
            let records = events.iter().map(|e| {
                serde_json::json!({
                    "at": format_instant(e.at),
                    "event": if e.entered { "entered" } else { "exited" },
                    "segment": e.segment,
                    "kind": e.kind.as_str(),
                    "id": e.id,
                })
            });
            let columns = ["at", "event", "segment", "kind", "id"];
            write_records(format, &columns, records.collect())
        }
    };
    finish_output(result)
}

/// `--daily`: the trend as a table (day, members, entered, exited) or one
/// record a day.
fn daily(workspace: &Workspace, segment: &str, days: usize, format: Option<ListFormat>) -> Outcome {
    let series = workspace
        .daily_counts(segment, days)
        .map_err(|error| match error {
            TrendError::UnknownSegment { name } => CliError::UnknownSegment { name },
            TrendError::Store(error) => CliError::from(error),
            other @ TrendError::Days { .. } => CliError::Workspace(
                crate::workspace::WorkspaceError::Definitions(other.to_string()),
            ),
        })?;
    let result = match ListFormat::or_default(format) {
        ListFormat::Table => {
            let rows: Vec<Vec<String>> = series
                .iter()
                .map(|d| {
                    vec![
                        format_datetime(d.day),
                        format_count(d.members as u64),
                        format_count(d.entered as u64),
                        format_count(d.exited as u64),
                    ]
                })
                .collect();
            print_table(&["DAY", "MEMBERS", "ENTERED", "EXITED"], &rows)
        }
        format => {
            let records = series.iter().map(day_json).collect();
            write_records(format, &["day", "members", "entered", "exited"], records)
        }
    };
    finish_output(result)
}

fn day_json(day: &DayCount) -> serde_json::Value {
    serde_json::json!({
        "day": format_datetime(day.day),
        "members": day.members,
        "entered": day.entered,
        "exited": day.exited,
    })
}
