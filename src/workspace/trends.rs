//! Segment trends: a segment's member count at the end of each of the last
//! N days (UTC), with how many entered and exited on each, worked back from
//! today's count and the recorded membership events.
//!
//! Members at the end of day d are today's members, less those who entered
//! after d, plus those who exited after d. Only the events' headers are
//! read (when, which segment, entered or exited, how many): never the
//! entities they name, so a trend costs the same at a million users as at a
//! thousand. Events later than the workspace's `now` are not counted (a
//! command reading as of an earlier instant sees the trend as of then).
//! This module answers; it records nothing.

use super::Workspace;
use crate::model::{EntityKind, fold_name};
use crate::store::StoreError;

/// A day is 24 hours of UTC.
const MICROS_PER_DAY: i64 = 86_400_000_000;

/// The longest series asked for at once (ten years of days).
pub const MAX_TREND_DAYS: usize = 3_660;

/// One day of a segment's trend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayCount {
    /// The day's first instant: midnight UTC, in microseconds.
    pub day: i64,
    /// Members at the end of the day (today: as of `now`).
    pub members: usize,
    /// Entities that entered during the day.
    pub entered: usize,
    /// Entities that exited during the day.
    pub exited: usize,
}

/// Why a trend cannot be given.
#[derive(Debug)]
pub enum TrendError {
    UnknownSegment {
        name: String,
    },
    /// `days` must be between 1 and [`MAX_TREND_DAYS`].
    Days {
        days: usize,
    },
    Store(StoreError),
}

impl std::fmt::Display for TrendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TrendError::UnknownSegment { name } => {
                write!(f, "there is no segment named \"{name}\"")
            }
            TrendError::Days { days } => {
                write!(f, "a trend covers 1 to {MAX_TREND_DAYS} days, not {days}")
            }
            TrendError::Store(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for TrendError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TrendError::Store(error) => Some(error),
            _ => None,
        }
    }
}

impl From<StoreError> for TrendError {
    fn from(error: StoreError) -> TrendError {
        TrendError::Store(error)
    }
}

/// Midnight UTC at the start of the day holding `instant`.
pub fn day_of(instant: i64) -> i64 {
    instant - instant.rem_euclid(MICROS_PER_DAY)
}

impl Workspace {
    /// The daily counts of `segment` (by name, ignoring case) for the last
    /// `days` days, oldest first, ending with the day of `now`.
    pub fn daily_counts(&self, segment: &str, days: usize) -> Result<Vec<DayCount>, TrendError> {
        if days == 0 || days > MAX_TREND_DAYS {
            return Err(TrendError::Days { days });
        }
        let Some((kind, members)) = self.engine.members(segment) else {
            return Err(TrendError::UnknownSegment {
                name: segment.to_string(),
            });
        };
        let current = members.count_ones(..);
        let folded = fold_name(segment);
        let today = day_of(self.now);
        let first = today - (days as i64 - 1) * MICROS_PER_DAY;
        let mut entered = vec![0usize; days];
        let mut exited = vec![0usize; days];
        let now = self.now;
        self.store.for_each_event_count(|event| {
            if event.at < first || event.at > now || event.kind != kind {
                return;
            }
            if !same_name(event.segment, &folded) {
                return;
            }
            let index = ((day_of(event.at) - first) / MICROS_PER_DAY) as usize;
            let count = usize::try_from(event.count).unwrap_or(usize::MAX);
            let slot = if event.entered {
                &mut entered[index]
            } else {
                &mut exited[index]
            };
            *slot = slot.saturating_add(count);
        })?;
        Ok(series(first, current, &entered, &exited))
    }

    /// The kind of a segment, if it exists.
    pub fn segment_kind(&self, segment: &str) -> Option<EntityKind> {
        self.engine.members(segment).map(|(kind, _)| kind)
    }
}

/// Whether a recorded name is the segment's (folded) name, without
/// folding the recorded one when an ASCII comparison already says so.
fn same_name(recorded: &str, folded: &str) -> bool {
    recorded.eq_ignore_ascii_case(folded) || fold_name(recorded) == folded
}

/// Works members back from the last day's count: the end of a day is the
/// end of the next, less who entered on the next, plus who exited on it.
fn series(first: i64, current: usize, entered: &[usize], exited: &[usize]) -> Vec<DayCount> {
    let days = entered.len();
    let mut out = vec![
        DayCount {
            day: 0,
            members: 0,
            entered: 0,
            exited: 0
        };
        days
    ];
    let mut members = current as i64;
    for index in (0..days).rev() {
        out[index] = DayCount {
            day: first + index as i64 * MICROS_PER_DAY,
            members: members.max(0) as usize,
            entered: entered[index],
            exited: exited[index],
        };
        members = members - entered[index] as i64 + exited[index] as i64;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_start_at_midnight_utc_also_before_the_epoch() {
        assert_eq!(day_of(MICROS_PER_DAY + 5), MICROS_PER_DAY);
        assert_eq!(day_of(-1), -MICROS_PER_DAY);
        assert_eq!(day_of(0), 0);
    }

    #[test]
    fn members_are_worked_back_from_the_last_day() {
        // 10 today; 3 entered and 1 exited today; 2 entered yesterday.
        let days = series(0, 10, &[0, 2, 3], &[0, 0, 1]);
        let members: Vec<usize> = days.iter().map(|d| d.members).collect();
        assert_eq!(members, [6, 8, 10]);
        assert_eq!(days[2].day, 2 * MICROS_PER_DAY);
        assert_eq!((days[2].entered, days[2].exited), (3, 1));
    }

    #[test]
    fn names_compare_ignoring_case() {
        assert!(same_name("Power Users", "power users"));
        assert!(!same_name("Power", "power users"));
    }
}
