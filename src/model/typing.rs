//! How outside data becomes typed values — JSON values, CSV cells and the
//! literals of `segscope set` — with the limits every import enforces, and
//! the CSV cell a value is written as so that reading it back gives the same
//! value. One typing rule holds whatever the source: text that reads as an
//! ISO-8601 date or instant is a datetime.

use std::fmt;

use super::{Scalar, Value};
use crate::lang::parse_datetime;
use crate::model::ast::Literal;

/// Longest property name, in bytes.
pub const MAX_PROPERTY_NAME_BYTES: usize = 128;
/// Longest text value, in bytes.
pub const MAX_STRING_BYTES: usize = 64 * 1024;

/// Longest id (and `account_id`), in bytes: 1 KiB.
pub const MAX_ID_BYTES: usize = 1024;

/// Why `id` cannot name an entity, if it cannot: empty, longer than
/// [`MAX_ID_BYTES`], or beginning or ending with whitespace. Ids are taken
/// exactly as given — never trimmed — so `" u1"` would be another user than
/// `u1`; whitespace at either end is refused instead, with this reason.
/// `what` names it in the message ("the id", "account_id").
pub fn id_problem(what: &str, id: &str) -> Option<String> {
    if id.trim().is_empty() {
        return Some(format!("{what} is empty"));
    }
    if id.len() > MAX_ID_BYTES {
        return Some(format!(
            "{what} is {} bytes, longer than the limit of {MAX_ID_BYTES} bytes",
            id.len()
        ));
    }
    if id.trim() != id {
        return Some(format!(
            "{what} {:?} begins or ends with whitespace; ids are taken exactly, so remove it",
            id
        ));
    }
    None
}

/// The longest line an import file may hold (16 MiB): more than any row of
/// valid values takes. A longer line stops an import with its number.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;
/// Most elements in a list value.
pub const MAX_LIST_ELEMENTS: usize = 1000;

/// Why a value was refused; the caller adds the row and property.
#[derive(Clone, Debug, PartialEq)]
pub enum TypingError {
    NestedObject,
    NestedList,
    ObjectInList,
    StringTooLong(usize),
    ListTooLong(usize),
    NotANumber(String),
}

impl fmt::Display for TypingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypingError::NestedObject => f.write_str(
                "nested objects are not supported; flatten them into separate properties",
            ),
            TypingError::NestedList => f.write_str("lists inside lists are not supported"),
            TypingError::ObjectInList => f.write_str("objects inside lists are not supported"),
            TypingError::StringTooLong(len) => write!(
                f,
                "text of {len} bytes is longer than the limit of {MAX_STRING_BYTES} bytes"
            ),
            TypingError::ListTooLong(len) => write!(
                f,
                "a list of {len} elements is longer than the limit of {MAX_LIST_ELEMENTS}"
            ),
            TypingError::NotANumber(text) => write!(f, "{text} is not a finite number"),
        }
    }
}

/// Types a JSON value; `Ok(None)` is `null` (the property is removed).
/// Takes the value so its text is kept, not copied.
pub fn value_from_json(json: serde_json::Value) -> Result<Option<Value>, TypingError> {
    match json {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::Array(items) => {
            if items.len() > MAX_LIST_ELEMENTS {
                return Err(TypingError::ListTooLong(items.len()));
            }
            let mut list = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    serde_json::Value::Array(_) => return Err(TypingError::NestedList),
                    serde_json::Value::Object(_) => return Err(TypingError::ObjectInList),
                    // A null element carries nothing; it is dropped.
                    serde_json::Value::Null => {}
                    scalar => list.push(scalar_from_json(scalar)?),
                }
            }
            Ok(Some(Value::List(list)))
        }
        serde_json::Value::Object(_) => Err(TypingError::NestedObject),
        scalar => Ok(Some(Value::Scalar(scalar_from_json(scalar)?))),
    }
}

fn scalar_from_json(json: serde_json::Value) -> Result<Scalar, TypingError> {
    match json {
        serde_json::Value::Bool(value) => Ok(Scalar::Bool(value)),
        serde_json::Value::Number(number) => match number.as_f64() {
            Some(n) if n.is_finite() => Ok(Scalar::Number(n)),
            _ => Err(TypingError::NotANumber(number.to_string())),
        },
        serde_json::Value::String(text) => typed_text(text),
        // Callers handle null, arrays and objects before.
        _ => Err(TypingError::NestedObject),
    }
}

/// A text is a datetime when it is an ISO-8601 date or an RFC 3339 instant
/// that exists; otherwise it stays text (owned text is kept, not copied).
fn typed_text(text: impl AsRef<str> + Into<String>) -> Result<Scalar, TypingError> {
    let len = text.as_ref().len();
    if len > MAX_STRING_BYTES {
        return Err(TypingError::StringTooLong(len));
    }
    Ok(match datetime_from_text(text.as_ref()) {
        Some(micros) => Scalar::DateTime(micros),
        None => Scalar::String(text.into()),
    })
}

/// `2024-05-01`, `2024-05-01T10:30:00Z`, `2024-05-01T10:30:00+02:00`.
pub fn datetime_from_text(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let date_shaped = bytes.len() >= 10
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[5..7].iter().all(u8::is_ascii_digit)
        && bytes[7] == b'-'
        && bytes[8..10].iter().all(u8::is_ascii_digit);
    if !date_shaped || (bytes.len() > 10 && !matches!(bytes[10], b'T' | b't')) {
        return None;
    }
    parse_datetime(text).ok()
}

/// Types a CSV cell. Empty is unset. A cell that begins with `[` and is a
/// JSON array is a list, and one that begins with `"` and is a JSON string is
/// that text (typed as JSON text is: an ISO date is still a datetime) — the
/// form [`csv_cell`] writes for lists and for text that would otherwise read
/// as something else. Otherwise numbers, booleans (any case) and datetimes
/// are recognised, and anything else is text as written.
pub fn value_from_csv_cell(cell: &str) -> Result<Option<Value>, TypingError> {
    if cell.is_empty() {
        return Ok(None);
    }
    if cell.starts_with('[') || cell.starts_with('"') {
        match serde_json::from_str::<serde_json::Value>(cell) {
            Ok(json @ (serde_json::Value::Array(_) | serde_json::Value::String(_))) => {
                return value_from_json(json);
            }
            // Not JSON after all (`[draft] notes`): text as written.
            _ => return Ok(Some(Value::Scalar(typed_text(cell)?))),
        }
    }
    if is_csv_number(cell) {
        if let Ok(number) = cell.parse::<f64>()
            && number.is_finite()
        {
            return Ok(Some(Value::number(number)));
        }
        return Err(TypingError::NotANumber(cell.to_string()));
    }
    if cell.eq_ignore_ascii_case("true") {
        return Ok(Some(Value::Scalar(Scalar::Bool(true))));
    }
    if cell.eq_ignore_ascii_case("false") {
        return Ok(Some(Value::Scalar(Scalar::Bool(false))));
    }
    Ok(Some(Value::Scalar(typed_text(cell)?)))
}

/// The CSV cell of a value, which [`value_from_csv_cell`] reads back to the
/// same value: numbers as JSON writes them, `true`/`false`, datetimes in RFC
/// 3339, lists as a JSON array, and text as it is unless it would read as
/// something else (`12`, `TRUE`, empty, or beginning with `[` or `"`), when
/// it is written as a JSON string.
pub fn csv_cell(value: &Value) -> String {
    match value {
        Value::List(_) => value.to_json().to_string(),
        Value::Scalar(Scalar::String(text)) => {
            let reads_back = !text.is_empty()
                && !text.starts_with(['[', '"'])
                && matches!(
                    value_from_csv_cell(text),
                    Ok(Some(Value::Scalar(Scalar::String(read)))) if read == *text
                );
            if reads_back {
                text.clone()
            } else {
                serde_json::Value::String(text.clone()).to_string()
            }
        }
        Value::Scalar(Scalar::Number(_)) => value.to_json().to_string(),
        Value::Scalar(scalar) => scalar.to_string(),
    }
}

/// `-12`, `3.5`, `1e6`, `.5`, `0.5` — not `inf`, `NaN`, `0x10`, `1,000`,
/// nor a whole part with leading zeros (`00123`, `0123`): leading zeros are
/// data (zip codes, account numbers), so such a cell stays text.
fn is_csv_number(cell: &str) -> bool {
    let body = cell.strip_prefix('-').unwrap_or(cell);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (mantissa, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if whole.len() > 1 && whole.starts_with('0') {
        return false;
    }
    let mantissa_ok = match fraction {
        Some(fraction) => (whole.is_empty() || digits(whole)) && digits(fraction),
        None => digits(whole),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

/// The value of a language literal.
pub fn scalar_from_literal(literal: &Literal) -> Scalar {
    match literal {
        Literal::String(text) => Scalar::String(text.clone()),
        Literal::Number(number) => Scalar::Number(*number),
        Literal::Bool(value) => Scalar::Bool(*value),
        Literal::DateTime(micros) => Scalar::DateTime(*micros),
    }
}

/// Parses `VALUE` of `segscope set ID PROP=VALUE` in the language's literal
/// syntax (`"text"`, `42`, `true`, `2024-05-01`, `["a", "b"]`). `Ok(None)` is
/// an empty value: unset the property.
pub fn value_from_literal_text(text: &str) -> Result<Option<Value>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let value = crate::lang::parse_value(text)?;
    // Stored values follow the typing of imported data, so that an export
    // imports back the same: quoted text in ISO date form is a datetime.
    let stored = |literal: &Literal| match scalar_from_literal(literal) {
        Scalar::String(text) => match datetime_from_text(&text) {
            Some(micros) => Scalar::DateTime(micros),
            None => Scalar::String(text),
        },
        other => other,
    };
    let value = match value {
        crate::lang::ParsedValue::Single(literal) => Value::Scalar(stored(&literal)),
        crate::lang::ParsedValue::List(items) => {
            if items.len() > MAX_LIST_ELEMENTS {
                return Err(TypingError::ListTooLong(items.len()).to_string());
            }
            Value::List(items.iter().map(stored).collect())
        }
    };
    if let Value::Scalar(Scalar::String(text)) = &value
        && text.len() > MAX_STRING_BYTES
    {
        return Err(TypingError::StringTooLong(text.len()).to_string());
    }
    Ok(Some(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_numbers_are_strict() {
        for number in [
            "-12", "3.5", "1e6", ".5", "1E-3", "0", "0.25", "-0.5", "0e3",
        ] {
            assert!(is_csv_number(number), "{number}");
        }
        for text in [
            "inf", "NaN", "1,000", "0x10", "1.", "-", "e5", "1e", "12a", "00123", "0123", "-01",
            "007.5",
        ] {
            assert!(!is_csv_number(text), "{text}");
        }
    }

    #[test]
    fn csv_cells_read_back_to_their_values() {
        let text = |t: &str| Value::Scalar(Scalar::String(t.to_string()));
        let values = [
            text("plain"),
            text("12"),
            text("TRUE"),
            text(""),
            text("[draft] notes"),
            text("\"quoted\""),
            text("2024-02-30"),
            text("00123"),
            Value::number(12.0),
            Value::number(-0.125),
            Value::number(1e300),
            Value::Scalar(Scalar::Bool(false)),
            Value::Scalar(Scalar::DateTime(1_714_559_400_123_456)),
            Value::List(vec![]),
            Value::List(vec![
                Scalar::String("beta; vip".to_string()),
                Scalar::Number(3.5),
                Scalar::Bool(true),
                Scalar::DateTime(0),
            ]),
        ];
        for value in values {
            let cell = csv_cell(&value);
            assert_eq!(
                value_from_csv_cell(&cell),
                Ok(Some(value.clone())),
                "{cell}"
            );
        }
        assert_eq!(csv_cell(&text("12")), "\"12\"");
        assert_eq!(csv_cell(&text("plain")), "plain");
    }

    #[test]
    fn ids_are_bounded_and_never_padded() {
        assert_eq!(id_problem("the id", "u1"), None);
        assert_eq!(
            id_problem("the id", " "),
            Some("the id is empty".to_string())
        );
        assert!(id_problem("the id", " u1").is_some_and(|p| p.contains("whitespace")));
        assert!(id_problem("the id", "u1\t").is_some_and(|p| p.contains("whitespace")));
        assert_eq!(id_problem("the id", &"x".repeat(MAX_ID_BYTES)), None);
        assert!(
            id_problem("account_id", &"x".repeat(MAX_ID_BYTES + 1))
                .is_some_and(|p| p.starts_with("account_id is 1025 bytes"))
        );
    }

    #[test]
    fn set_types_quoted_dates_as_imports_do() {
        assert!(matches!(
            value_from_literal_text("\"2024-05-01\""),
            Ok(Some(Value::Scalar(Scalar::DateTime(_))))
        ));
        assert!(matches!(
            value_from_literal_text("\"VP Sales\""),
            Ok(Some(Value::Scalar(Scalar::String(_))))
        ));
    }

    #[test]
    fn dates_in_text_become_datetimes() {
        assert!(matches!(typed_text("2024-05-01"), Ok(Scalar::DateTime(_))));
        assert!(matches!(
            typed_text("2024-05-01T10:00:00+02:00"),
            Ok(Scalar::DateTime(_))
        ));
        assert!(matches!(typed_text("2024-02-30"), Ok(Scalar::String(_))));
        assert!(matches!(
            typed_text("2024-05-01 is a date"),
            Ok(Scalar::String(_))
        ));
    }
}
