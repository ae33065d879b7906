//! How values read as text: numbers in their shortest exact form, instants
//! in RFC 3339 (UTC), dates when an instant is midnight, a share of a whole
//! as a percentage, counts with thousands separators, text cut to a number of terminal columns (by display
//! width) with … when cut, and text made safe to show on a terminal (every
//! control character written out, `\u{1b}`, instead of sent). The
//! language's formatter, tables, CSV, the screens and messages all print
//! values through these.

use std::borrow::Cow;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// A count with thousands separators, `1,234,567`: how every table, screen
/// and message prints a number of entities.
pub fn format_count(number: u64) -> String {
    let digits = number.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

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

/// Columns `text` takes in a terminal (wide characters count as two).
pub fn display_width(text: &str) -> usize {
    text.width()
}

/// `text` in at most `columns` columns, ending with … when cut.
pub fn cut_to_width(text: &str, columns: usize) -> String {
    if text.width() <= columns {
        return text.to_string();
    }
    if columns == 0 {
        return String::new();
    }
    let mut kept = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > columns - 1 {
            break;
        }
        kept.push(c);
        used += w;
    }
    kept.push('…');
    kept
}

/// `text` as a terminal may be shown it: every character that would act
/// instead of print — C0 controls (ESC, BEL, NUL, newline, tab...), DEL,
/// C1 controls, and the bidirectional overrides and isolates that reorder
/// what follows — written out as `\u{1b}`. Data (values, ids, property and
/// segment names) goes through this before any table, message, diagnostic
/// or screen shows it, so an imported value cannot retitle, clear or
/// rewrite the user's terminal. JSON, JSON lines, CSV and ids are exact
/// and never go through it.
pub fn visible(text: &str) -> Cow<'_, str> {
    escape_where(text, |c, _| acts_on_terminal(c))
}

/// Like [`visible`], for text of several lines: newlines, tabs and the
/// carriage return of a CRLF stay as they are, every other control
/// character (a lone carriage return too: it would overwrite the line) is
/// written out.
pub fn visible_lines(text: &str) -> Cow<'_, str> {
    escape_where(text, |c, next| match c {
        '\n' | '\t' => false,
        '\r' => next != Some('\n'),
        _ => acts_on_terminal(c),
    })
}

/// A character a terminal acts on instead of printing (or that reorders
/// the text after it).
fn acts_on_terminal(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{061c}')
}

/// `text` with each character `escaped` says (given the character after
/// it) written out as `\u{...}`.
fn escape_where(text: &str, escaped: impl Fn(char, Option<char>) -> bool) -> Cow<'_, str> {
    let needs = |(c, next): (char, Option<char>)| escaped(c, next);
    let pairs = || {
        text.chars()
            .zip(text.chars().skip(1).map(Some).chain([None]))
    };
    if !pairs().any(needs) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for (c, next) in pairs() {
        if escaped(c, next) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_written_out() {
        let hostile = "\u{1b}]0;PWNED\u{7}\u{1b}[2J";
        assert_eq!(visible(hostile), "\\u{1b}]0;PWNED\\u{7}\\u{1b}[2J");
        assert_eq!(visible("a\0b\u{7f}c\u{9b}d"), "a\\u{0}b\\u{7f}c\\u{9b}d");
        assert_eq!(visible("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(visible("one\ntwo\tthree"), "one\\u{a}two\\u{9}three");
        assert_eq!(visible_lines("one\ntwo\tthree\r"), "one\ntwo\tthree\\u{d}");
        assert_eq!(visible_lines("a\r\nb\rc"), "a\r\nb\\u{d}c");
        // Plain text, wide or not, is borrowed as it is; escaping twice
        // changes nothing.
        assert!(matches!(visible("Müller 日本"), Cow::Borrowed(_)));
        assert_eq!(visible(&visible(hostile)), visible(hostile));
    }

    #[test]
    fn cuts_by_columns() {
        assert_eq!(cut_to_width("segments", 20), "segments");
        assert_eq!(cut_to_width("segments", 5), "segm…");
        assert_eq!(cut_to_width("日本語のテキスト", 7), "日本語…");
        assert_eq!(display_width(&cut_to_width("日本語のテキスト", 6)), 5);
        assert_eq!(cut_to_width("abc", 0), "");
    }

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(format_count(0), "0");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(1000), "1,000");
        assert_eq!(format_count(1_234_567), "1,234,567");
    }
}
