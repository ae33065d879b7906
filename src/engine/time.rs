//! Relative times (`30 days ago`, `3 months from now`) resolved against one
//! instant. Minutes to weeks are fixed lengths; months and years are calendar
//! arithmetic in UTC that keeps the day where it can and otherwise takes the
//! month's last day (2024-03-31 minus 1 month is 2024-02-29).

use jiff::civil::DateTime;
use jiff::{SignedDuration, Span};

use crate::model::EPOCH;
use crate::model::ast::{RelativeTime, TimeUnit};

const MICROS_PER_MINUTE: i64 = 60_000_000;

/// The instant (microseconds, UTC) that `relative` names when it is `now`.
/// Results beyond the supported calendar (years -9999 to 9999, UTC)
/// saturate at its ends, so a later `now` or a smaller amount never gives
/// an earlier instant, whatever the inputs.
pub fn resolve_relative(now: i64, relative: RelativeTime) -> i64 {
    let (amount, unit, sign) = match relative {
        RelativeTime::Now => return now,
        RelativeTime::Ago(amount, unit) => (i64::from(amount), unit, -1),
        RelativeTime::FromNow(amount, unit) => (i64::from(amount), unit, 1),
    };
    let fixed_minutes = match unit {
        TimeUnit::Minute => Some(1),
        TimeUnit::Hour => Some(60),
        TimeUnit::Day => Some(24 * 60),
        TimeUnit::Week => Some(7 * 24 * 60),
        TimeUnit::Month | TimeUnit::Year => None,
    };
    if let Some(minutes) = fixed_minutes {
        let delta = amount
            .saturating_mul(minutes)
            .saturating_mul(MICROS_PER_MINUTE);
        return clamp(now.saturating_add(sign * delta));
    }
    let civil = civil_of(clamp(now));
    let span = match unit {
        TimeUnit::Year => Span::new().try_years(sign * amount),
        _ => Span::new().try_months(sign * amount),
    };
    match span.and_then(|span| civil.checked_add(span)) {
        Ok(moved) => micros_of(moved),
        Err(_) if sign < 0 => micros_of(DateTime::MIN),
        Err(_) => micros_of(DateTime::MAX),
    }
}

/// `micros` within the calendar's range.
fn clamp(micros: i64) -> i64 {
    micros.clamp(micros_of(DateTime::MIN), micros_of(DateTime::MAX))
}

/// The civil time (UTC) of an instant in the calendar's range.
fn civil_of(micros: i64) -> DateTime {
    EPOCH
        .checked_add(SignedDuration::from_micros(micros))
        .unwrap_or(if micros < 0 {
            DateTime::MIN
        } else {
            DateTime::MAX
        })
}

/// Microseconds since 1970 of a civil time (UTC); the calendar's range
/// fits an `i64` of microseconds many times over.
fn micros_of(civil: DateTime) -> i64 {
    let micros = civil.duration_since(EPOCH).as_micros();
    i64::try_from(micros).unwrap_or(if micros < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::parse_datetime;

    fn at(text: &str) -> i64 {
        parse_datetime(text).unwrap()
    }

    #[test]
    fn months_clamp_to_the_end_of_the_month() {
        let now = at("2024-03-31T12:00:00Z");
        let back = resolve_relative(now, RelativeTime::Ago(1, TimeUnit::Month));
        assert_eq!(back, at("2024-02-29T12:00:00Z"));
        let year = resolve_relative(at("2024-02-29"), RelativeTime::FromNow(1, TimeUnit::Year));
        assert_eq!(year, at("2025-02-28"));
    }

    #[test]
    fn days_and_weeks_are_fixed_lengths() {
        let now = at("2024-03-10T12:00:00Z");
        assert_eq!(
            resolve_relative(now, RelativeTime::Ago(1, TimeUnit::Week)),
            at("2024-03-03T12:00:00Z")
        );
        assert_eq!(
            resolve_relative(now, RelativeTime::FromNow(36, TimeUnit::Hour)),
            at("2024-03-12T00:00:00Z")
        );
    }

    #[test]
    fn a_now_past_the_calendar_still_moves_back() {
        let now = at("9999-12-31");
        let back = resolve_relative(now, RelativeTime::Ago(8000, TimeUnit::Year));
        assert!(back < at("2000-01-01") && back > at("1999-12-01"), "{back}");
    }

    #[test]
    fn huge_amounts_saturate() {
        let now = at("2024-01-01");
        let far = resolve_relative(now, RelativeTime::Ago(100_000, TimeUnit::Year));
        assert_eq!(far, micros_of(DateTime::MIN));
    }

    proptest::proptest! {
        /// No panic for any `now` and amount, results in the calendar, and
        /// monotonic: a later `now` never gives an earlier instant, a larger
        /// amount ago never a later one.
        #[test]
        fn relative_times_are_total_and_monotonic(
            now in proptest::prelude::any::<i64>(),
            later in 0i64..=i64::MAX,
            amount in 0u32..=200_000,
            more in 0u32..=200_000,
            unit in proptest::sample::select(vec![
                TimeUnit::Minute, TimeUnit::Hour, TimeUnit::Day,
                TimeUnit::Week, TimeUnit::Month, TimeUnit::Year,
            ]),
        ) {
            let later_now = now.saturating_add(later);
            for relative in [RelativeTime::Ago(amount, unit), RelativeTime::FromNow(amount, unit)] {
                let at = resolve_relative(now, relative);
                proptest::prop_assert!(at >= micros_of(DateTime::MIN) && at <= micros_of(DateTime::MAX));
                proptest::prop_assert!(resolve_relative(later_now, relative) >= at);
            }
            let bigger = amount.saturating_add(more);
            proptest::prop_assert!(
                resolve_relative(now, RelativeTime::Ago(bigger, unit))
                    <= resolve_relative(now, RelativeTime::Ago(amount, unit))
            );
            proptest::prop_assert!(
                resolve_relative(now, RelativeTime::FromNow(bigger, unit))
                    >= resolve_relative(now, RelativeTime::FromNow(amount, unit))
            );
        }
    }
}
