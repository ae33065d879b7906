//! Relative times (`30 days ago`, `3 months from now`) resolved against one
//! instant. Minutes to weeks are fixed lengths; months and years are calendar
//! arithmetic in UTC that keeps the day where it can and otherwise takes the
//! month's last day (2024-03-31 minus 1 month is 2024-02-29).

use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

use crate::model::ast::{RelativeTime, TimeUnit};

const MICROS_PER_MINUTE: i64 = 60_000_000;

/// The instant (microseconds, UTC) that `relative` names when it is `now`.
/// Results beyond the supported calendar saturate at its ends.
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
    let Ok(instant) = Timestamp::from_microsecond(clamp(now)) else {
        return now;
    };
    let zoned = instant.to_zoned_datetime(TimeZone::UTC);
    let span = match unit {
        TimeUnit::Year => Span::new().try_years(sign * amount),
        _ => Span::new().try_months(sign * amount),
    };
    match span.and_then(|span| zoned.checked_add(span)) {
        Ok(moved) => moved.timestamp().as_microsecond(),
        Err(_) if sign < 0 => Timestamp::MIN.as_microsecond(),
        Err(_) => Timestamp::MAX.as_microsecond(),
    }
}

fn clamp(micros: i64) -> i64 {
    micros.clamp(
        Timestamp::MIN.as_microsecond(),
        Timestamp::MAX.as_microsecond(),
    )
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
    fn huge_amounts_saturate() {
        let now = at("2024-01-01");
        let far = resolve_relative(now, RelativeTime::Ago(100_000, TimeUnit::Year));
        assert_eq!(far, Timestamp::MIN.as_microsecond());
    }
}
