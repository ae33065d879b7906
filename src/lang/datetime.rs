//! Datetime literals: ISO dates and RFC 3339 instants to microseconds since
//! the epoch, through civil arithmetic so that the whole of 0000-01-01 to
//! 9999-12-31 (UTC) is in range.

/// A datetime literal in microseconds since the epoch (UTC). Civil
/// arithmetic (not jiff's instants, which end hours before) keeps the whole
/// of 0000-01-01 to 9999-12-31 in range: `9999-12-31` is a common "never".
pub fn parse_datetime(text: &str) -> Result<i64, String> {
    let (civil, offset_seconds) = if text.len() == 10 {
        let date: jiff::civil::Date = text
            .parse()
            .map_err(|_| format!("{text} is not a date that exists"))?;
        (date.to_datetime(jiff::civil::Time::midnight()), 0)
    } else {
        let (local, offset) = split_offset(text).ok_or_else(|| {
            format!("{text} has no time zone: add Z for UTC or an offset such as +02:00")
        })?;
        let civil: jiff::civil::DateTime = local
            .parse()
            .map_err(|_| format!("{text} is not a date and time that exists"))?;
        (civil, offset)
    };
    let local = civil.duration_since(crate::model::EPOCH).as_micros();
    let utc = local - i128::from(offset_seconds) * 1_000_000;
    if utc < FIRST_INSTANT {
        return Err(format!("{text} is before the year 0000 in UTC"));
    }
    i64::try_from(utc).map_err(|_| format!("{text} is outside the supported range of dates"))
}

/// 0000-01-01T00:00:00Z in microseconds since the epoch.
const FIRST_INSTANT: i128 = -62_167_219_200_000_000;

/// `2024-05-01T10:30:00+02:00` → (`2024-05-01T10:30:00`, 7200).
fn split_offset(text: &str) -> Option<(&str, i32)> {
    if let Some(local) = text.strip_suffix(['Z', 'z']) {
        return Some((local, 0));
    }
    let at = text.len().checked_sub(6)?;
    let (local, offset) = text.split_at(at);
    let sign = match offset.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let hours: i32 = offset.get(1..3)?.parse().ok()?;
    let minutes: i32 = offset.get(4..6)?.parse().ok()?;
    if offset.as_bytes().get(3) != Some(&b':') || hours > 23 || minutes > 59 {
        return None;
    }
    Some((local, sign * (hours * 3600 + minutes * 60)))
}
