//! A run in words, the same in the CLI and the UI: its headline (how it
//! ended, how long it took, what it did), its counts, and each record that
//! did not go. Only the words; where they are printed is the faces' choice.

use std::time::Duration;

use crate::model::destination::{ConnectorKind, Destination};
use crate::model::format_count;
use crate::model::sync_run::{RecordProblem, SyncCounts, SyncRun};

/// How long a run took (nothing while it has not ended).
pub fn run_duration(run: &SyncRun) -> Duration {
    run.ended_at
        .map(|end| Duration::from_micros((end - run.started_at).max(0) as u64))
        .unwrap_or_default()
}

/// `"HubSpot" (HubSpot): completed in 1.2 s, 12 requests`; a file's
/// `wrote exports/accounts.csv`.
pub fn run_headline(run: &SyncRun, destination: &Destination) -> String {
    let work = match destination.connector {
        ConnectorKind::File => format!(
            "wrote {}",
            destination.path.as_deref().unwrap_or("the file")
        ),
        _ => format!(
            "{} request{}",
            run.requests,
            if run.requests == 1 { "" } else { "s" }
        ),
    };
    format!(
        "\"{}\" ({}): {} in {}, {work}",
        run.destination,
        destination.connector.label(),
        run.outcome.label(),
        duration_text(run_duration(run)),
    )
}

/// `12 sent, 880 unchanged, 3 exited, 2 skipped without a key, 0 in a key
/// conflict, 1 failed`.
pub fn counts_text(counts: &SyncCounts) -> String {
    format!(
        "{} sent, {} unchanged, {} exited, {} skipped without a key, {} in a key conflict, {} failed",
        format_count(counts.sent),
        format_count(counts.unchanged),
        format_count(counts.exited),
        format_count(counts.skipped_without_key),
        format_count(counts.conflicts),
        format_count(counts.failed),
    )
}

/// `failed user a@x.com: INVALID_EMAIL …`.
pub fn problem_text(problem: &RecordProblem) -> String {
    format!(
        "{} {} {}: {}",
        problem.class.label(),
        problem.kind.singular(),
        problem.key,
        problem.reason
    )
}

/// `0.4 s`, `12 s`, `3 min 20 s`.
pub fn duration_text(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds < 10.0 {
        format!("{seconds:.1} s")
    } else if seconds < 60.0 {
        format!("{seconds:.0} s")
    } else {
        let whole = seconds.round() as u64;
        format!("{} min {} s", whole / 60, whole % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_seconds_then_minutes() {
        assert_eq!(duration_text(Duration::from_millis(400)), "0.4 s");
        assert_eq!(duration_text(Duration::from_secs(12)), "12 s");
        assert_eq!(duration_text(Duration::from_secs(200)), "3 min 20 s");
    }
}
