//! The lower half of a destination's tab: its run history (a running
//! sync's counts, a line per run, the selected run's details and record
//! errors) or its last dry run (per kind the plan's counts, the requests
//! and how long they take, a few payloads as the wire would carry them).
//! Lines are made whole here; `draw` cuts them to their room.

use ratatui::text::Line;

use super::draw::{live_line, span};
use super::jobs::{DryRun, ago, landed};
use super::{DestinationsScreen, Entry, Lower};
use crate::model::destination::{ConnectorKind, Destination};
use crate::model::sync_run::{RunOutcome, SyncRun};
use crate::sync::summary::{counts_text, duration_text, problem_text};
use crate::tui::action::Action;
use crate::tui::screens::Look;
use crate::tui::widgets::text::{cut, thousands, width};

/// Rows a sample payload wraps over at most.
const SAMPLE_ROWS: usize = 3;

/// ` Runs (3)   Dry run ` with the one shown marked.
pub(super) fn lower_tabs(screen: &DestinationsScreen, entry: &Entry, look: &Look) -> Line<'static> {
    let theme = look.theme;
    let count = entry.runs.as_ref().map_or(0, Vec::len);
    let runs = format!(" Runs ({count}) ");
    let plan = match screen.plan() {
        Some(_) => " Dry run ".to_string(),
        None => " Dry run (none yet) ".to_string(),
    };
    let style = |lower: Lower| {
        if screen.lower == lower {
            theme.active_tab()
        } else {
            theme.normal()
        }
    };
    Line::from(vec![
        span(runs, style(Lower::Runs)),
        span(" ", theme.normal()),
        span(plan, style(Lower::Plan)),
        span(
            format!("  {} switches", look.keymap.key_label(Action::ShowPlan)),
            theme.dim(),
        ),
    ])
}

/// The history: a running sync's counts, then a line per run (the selected
/// one marked) and the selected run's details and record errors, in
/// `rows` rows.
pub(super) fn run_lines(
    screen: &DestinationsScreen,
    entry: &Entry,
    rows: usize,
    look: &Look,
) -> Vec<Line<'static>> {
    let theme = look.theme;
    let mut lines = Vec::new();
    let live = landed(&screen.shared).live.clone();
    if let Some(live) = live.filter(|live| live.destination == entry.destination.name) {
        lines.push(Line::from(span(live_line(&live), theme.key())));
    }
    let runs = match &entry.runs {
        Ok(runs) => runs,
        Err(reason) => {
            lines.push(Line::from(span(
                format!("the runs cannot be read: {reason}"),
                theme.error(),
            )));
            return lines;
        }
    };
    if runs.is_empty() {
        lines.push(Line::from(span(
            format!(
                "No runs yet: {} syncs now; {} shows what it would send.",
                look.keymap.key_label(Action::Sync),
                look.keymap.key_label(Action::DryRun)
            ),
            theme.dim(),
        )));
        return lines;
    }
    let details = run_details(&runs[screen.run.min(runs.len() - 1)], screen.clock, look);
    // Room for the runs around the selected one, and for two lines of its
    // details at least.
    let room = rows
        .saturating_sub(lines.len() + details.len().min(3))
        .max(1);
    let first = screen.run.saturating_sub(room.saturating_sub(1));
    for (index, run) in runs.iter().enumerate().skip(first).take(room) {
        let when = ago(run.started_at, screen.clock);
        let text = format!(
            "{when:<12} {:<11} {}",
            run.outcome.label(),
            short_counts(run)
        );
        let style = if index == screen.run {
            theme.selected()
        } else {
            theme.normal()
        };
        lines.push(Line::from(span(text, style)));
    }
    lines.extend(details);
    lines
}

/// `12 sent · 880 unchanged · 1 failed`: sent always, the rest when not 0.
fn short_counts(run: &SyncRun) -> String {
    let counts = run.counts;
    let mut parts = vec![format!("{} sent", thousands(counts.sent))];
    for (count, label) in [
        (counts.unchanged, "unchanged"),
        (counts.exited, "exited"),
        (counts.skipped_without_key, "without a key"),
        (counts.conflicts, "in a key conflict"),
        (counts.failed, "failed"),
    ] {
        if count > 0 {
            parts.push(format!("{} {label}", thousands(count)));
        }
    }
    parts.join(" · ")
}

/// The selected run: when, how long, its requests, every count, how it
/// ended, and its record errors.
fn run_details(run: &SyncRun, now: i64, look: &Look) -> Vec<Line<'static>> {
    let theme = look.theme;
    let took = run
        .ended_at
        .map(|end| {
            duration_text(std::time::Duration::from_micros(
                (end - run.started_at).max(0) as u64,
            ))
        })
        .unwrap_or_else(|| "?".to_string());
    let mut lines = vec![
        Line::from(span(
            format!(
                "Run {} · {} {} · took {took} · {} requests",
                run.id,
                run.outcome.label(),
                ago(run.started_at, now),
                run.requests
            ),
            theme.title(),
        )),
        Line::from(span(counts_text(&run.counts), theme.dim())),
    ];
    if let RunOutcome::Stopped(reason) = &run.outcome {
        lines.push(Line::from(span(
            format!("stopped: {reason}"),
            theme.error(),
        )));
    }
    if run.problems.is_empty() {
        lines.push(Line::from(span("no record errors", theme.dim())));
    }
    for problem in run.problems.iter().take(super::jobs::LISTED_PROBLEMS * 5) {
        lines.push(Line::from(span(problem_text(problem), theme.normal())));
    }
    lines
}

/// The last dry run: per kind its counts, the requests and how long they
/// take, a few payloads as they would be sent, the first problems.
pub(super) fn plan_lines(
    screen: &DestinationsScreen,
    room: usize,
    look: &Look,
) -> Vec<Line<'static>> {
    let theme = look.theme;
    let dry = match screen.plan() {
        None => {
            return vec![Line::from(span(
                format!(
                    "No dry run yet: {} makes one (nothing is sent).",
                    look.keymap.key_label(Action::DryRun)
                ),
                theme.dim(),
            ))];
        }
        Some(Err(reason)) => return vec![Line::from(span(reason.clone(), theme.error()))],
        Some(Ok(dry)) => dry,
    };
    let report = &dry.report;
    let mut lines = vec![Line::from(span(
        format!("Nothing sent · planned {}", ago(dry.made_at, screen.clock)),
        theme.dim(),
    ))];
    for kind in &report.kinds {
        lines.push(Line::from(vec![
            span(format!("{} → {}", kind.kind, kind.target), theme.title()),
            span(
                format!(": {} selected", thousands(kind.selected)),
                theme.normal(),
            ),
        ]));
        lines.push(Line::from(span(
            format!(
                "  {} new · {} changed · {} unchanged · {} leaving",
                thousands(kind.new),
                thousands(kind.changed),
                thousands(kind.unchanged),
                thousands(kind.exits)
            ),
            theme.normal(),
        )));
        lines.push(Line::from(span(
            format!(
                "  {} without a key · {} in a key conflict",
                thousands(kind.without_key),
                thousands(kind.conflicts)
            ),
            theme.dim(),
        )));
    }
    for (index, text) in requests_lines(screen, dry).into_iter().enumerate() {
        let style = if index == 0 {
            theme.normal()
        } else {
            theme.dim()
        };
        lines.push(Line::from(span(text, style)));
    }
    for (kind, samples) in &dry.samples {
        if samples.is_empty() {
            continue;
        }
        lines.push(Line::from(span(
            format!("Sample payloads ({kind}):"),
            theme.title(),
        )));
        for sample in samples {
            for piece in wrapped(sample, room.saturating_sub(2), SAMPLE_ROWS) {
                lines.push(Line::from(span(format!("  {piece}"), theme.normal())));
            }
        }
    }
    for problem in &dry.problems {
        lines.push(Line::from(span(problem.clone(), theme.dim())));
    }
    if dry.problem_count > dry.problems.len() {
        lines.push(Line::from(span(
            format!(
                "… and {} more not sent",
                thousands((dry.problem_count - dry.problems.len()) as u64)
            ),
            theme.dim(),
        )));
    }
    lines
}

/// `text` in pieces of at most `room` columns, at most `rows` of them (the
/// last cut with `…` when more is left).
fn wrapped(text: &str, room: usize, rows: usize) -> Vec<String> {
    let room = room.max(1);
    let mut pieces = Vec::new();
    let mut rest = text;
    while !rest.is_empty() && pieces.len() < rows {
        if pieces.len() + 1 == rows || width(rest) <= room {
            pieces.push(cut(rest, room));
            break;
        }
        let mut used = 0;
        let end = rest
            .char_indices()
            .find(|(_, c)| {
                used += width(c.encode_utf8(&mut [0; 4]));
                used > room
            })
            .map_or(rest.len(), |(at, _)| at);
        pieces.push(rest[..end].to_string());
        rest = &rest[end..];
    }
    pieces
}

/// The requests a run would make, as `segscope sync --dry-run` says them:
/// what they are, then how long they take.
fn requests_lines(screen: &DestinationsScreen, dry: &DryRun) -> Vec<String> {
    let report = &dry.report;
    let batches: u64 = report.kinds.iter().map(|k| k.batches).sum();
    let checks: u64 = report.kinds.iter().map(|k| k.property_checks).sum();
    let destination = screen.entry().map(|entry| &entry.destination);
    match report.connector {
        ConnectorKind::HubSpot => {
            let pace = destination.map_or(0, Destination::rate_limit);
            let time = if report.duration.is_zero() {
                "within one rate-limit window".to_string()
            } else {
                format!("about {}", duration_text(report.duration))
            };
            vec![
                format!(
                    "Requests: at least {} — {checks} property checks, {batches} batch writes of at most 100",
                    report.requests
                ),
                format!("  {time} at {pace} requests per 10 s"),
            ]
        }
        ConnectorKind::Webhook => vec![format!(
            "Requests: {batches} POSTs of at most 100 records to {}",
            destination.and_then(|d| d.url.as_deref()).unwrap_or("?")
        )],
        ConnectorKind::File => {
            let records: u64 = report
                .kinds
                .iter()
                .map(|k| k.selected.saturating_sub(k.without_key + k.conflicts))
                .sum();
            vec![format!(
                "Writes {} with every selected record ({})",
                destination.and_then(|d| d.path.as_deref()).unwrap_or("?"),
                thousands(records)
            )]
        }
    }
}
