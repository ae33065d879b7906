//! How values read as text: numbers in their shortest exact form, instants
//! in RFC 3339 (UTC), dates when an instant is midnight, a share of a whole
//! as a percentage. The language's formatter, tables, CSV, the screens and
//! messages all print values through these.

/// The shortest text that reads back as the same number.
pub fn format_number(number: f64) -> String {
    let magnitude = number.abs();
    if magnitude != 0.0 && !(1e-5..1e16).contains(&magnitude) {
        format!("{number:e}")
    } else {
        format!("{number}")
    }
}

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// 1970-01-01T00:00:00, the origin of datetime literals' microseconds.
pub const EPOCH: jiff::civil::DateTime = jiff::civil::date(1970, 1, 1).at(0, 0, 0, 0);

/// A date when the instant is midnight UTC, else RFC 3339 in UTC.
pub fn format_datetime(micros: i64) -> String {
    if micros.rem_euclid(MICROS_PER_DAY) == 0
        && let Some(civil) = civil_utc(micros)
    {
        return civil.date().to_string();
    }
    format_instant(micros)
}

/// An instant as RFC 3339 in UTC, such as `2024-05-01T10:30:00Z`.
pub fn format_instant(micros: i64) -> String {
    if let Ok(instant) = jiff::Timestamp::from_microsecond(micros) {
        return instant.to_string();
    }
    // Beyond jiff's instants (the last hours of 9999), still a civil time.
    match civil_utc(micros) {
        Some(civil) => format!("{}Z", civil.strftime("%Y-%m-%dT%H:%M:%S%.f")),
        None => micros.to_string(),
    }
}

fn civil_utc(micros: i64) -> Option<jiff::civil::DateTime> {
    EPOCH
        .checked_add(jiff::SignedDuration::from_micros(micros))
        .ok()
}

/// `part` of `whole` as a percentage with one decimal ("12.5%"), or "-"
/// when there is no whole: the one place a share is computed.
pub fn format_share(part: usize, whole: usize) -> String {
    if whole == 0 {
        "-".to_string()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / whole as f64)
    }
}
