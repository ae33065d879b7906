//! The three import formats read row by row: JSON lines, a JSON array (read
//! as a stream, never whole), and CSV with a header. Each row becomes an
//! [`ImportRow`] or a [`RowError`] naming its line; a problem with the file
//! as a whole is the error of the reader.

use std::cell::Cell;
use std::io::{BufRead, Read};
use std::ops::ControlFlow;
use std::rc::Rc;

use super::json_array::{ArrayElements, Step};
use super::line_bound::{LineBound, read_bounded_line};
use super::*;
use crate::model::EntityKind;
use crate::model::{
    ACCOUNT_ID, ID, MAX_PROPERTY_NAME_BYTES, SEGMENTS, TypingError, Value, id_problem,
    value_from_csv_cell, value_from_json,
};

/// A JSON row as read: its fields in file order, or something that is not
/// an object. Read straight from the text, without building a JSON map.
enum JsonRow {
    Object(Vec<(String, serde_json::Value)>),
    NotAnObject,
}

impl<'de> serde::Deserialize<'de> for JsonRow {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<JsonRow, D::Error> {
        deserializer.deserialize_any(JsonRowVisitor)
    }
}

struct JsonRowVisitor;

impl<'de> serde::de::Visitor<'de> for JsonRowVisitor {
    type Value = JsonRow;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<JsonRow, A::Error> {
        let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(16));
        while let Some(name) = map.next_key::<String>()? {
            fields.push((name, map.next_value::<serde_json::Value>()?));
        }
        Ok(JsonRow::Object(fields))
    }

    // Anything else is read whole and reported as not an object.
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<JsonRow, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(JsonRow::NotAnObject)
    }

    fn visit_bool<E>(self, _: bool) -> Result<JsonRow, E> {
        Ok(JsonRow::NotAnObject)
    }

    fn visit_i64<E>(self, _: i64) -> Result<JsonRow, E> {
        Ok(JsonRow::NotAnObject)
    }

    fn visit_u64<E>(self, _: u64) -> Result<JsonRow, E> {
        Ok(JsonRow::NotAnObject)
    }

    fn visit_f64<E>(self, _: f64) -> Result<JsonRow, E> {
        Ok(JsonRow::NotAnObject)
    }

    fn visit_str<E>(self, _: &str) -> Result<JsonRow, E> {
        Ok(JsonRow::NotAnObject)
    }

    fn visit_unit<E>(self) -> Result<JsonRow, E> {
        Ok(JsonRow::NotAnObject)
    }
}

type Visit<'a> = dyn FnMut(Result<ImportRow, RowError>) -> ControlFlow<()> + 'a;

pub(super) fn read_json_lines(
    mut input: impl BufRead,
    kind: EntityKind,
    visit: &mut Visit,
) -> Result<(), String> {
    let mut line = Vec::new();
    let mut number = 0;
    loop {
        if read_bounded_line(&mut input, &mut line, number + 1)?.is_none() {
            return Ok(());
        }
        number += 1;
        let Ok(text) = std::str::from_utf8(&line) else {
            let row = Err(RowError {
                line: number,
                message: "the line is not UTF-8 text".to_string(),
            });
            if visit(row).is_break() {
                return Ok(());
            }
            continue;
        };
        // A byte order mark may start the file, as in CSV.
        let text = if number == 1 {
            text.trim_start_matches('\u{feff}')
        } else {
            text
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let row = serde_json::from_str::<JsonRow>(text)
            .map_err(|error| RowError {
                line: number,
                message: json_reason(&error),
            })
            .and_then(|json| row_from_json(number, json, kind));
        if visit(row).is_break() {
            return Ok(());
        }
    }
}

pub(super) fn read_json_array(
    input: impl BufRead,
    kind: EntityKind,
    visit: &mut Visit,
) -> Result<(), String> {
    let mut elements = ArrayElements::new(input);
    loop {
        let (text, line, finished) = match elements.next_step()? {
            Step::Element { text, line } => (text, line, true),
            Step::Unfinished { text, line } => (text, line, false),
            Step::End => return Ok(()),
        };
        let parsed = serde_json::from_slice::<JsonRow>(&text).map_err(|error| RowError {
            line: line + error.line().saturating_sub(1),
            message: json_reason(&error),
        });
        if !finished {
            // The input ended inside the element: the parse says what is
            // missing, or the array itself is.
            return match parsed {
                Err(row) => {
                    let _ = visit(Err(row));
                    Ok(())
                }
                Ok(_) => Err("the array is not closed with ]".to_string()),
            };
        }
        let row = parsed.and_then(|json| row_from_json(line, json, kind));
        if visit(row).is_break() {
            return Ok(());
        }
    }
}

pub(super) fn read_csv(
    input: impl Read,
    kind: EntityKind,
    visit: &mut Visit,
) -> Result<(), String> {
    let quotes = Rc::new(Cell::new(0u64));
    let counted = QuoteCounter {
        inner: LineBound::new(input),
        quotes: Rc::clone(&quotes),
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(counted);
    let headers = reader
        .headers()
        .map_err(|error| format!("cannot read the CSV header: {}", csv_reason(&error)))?
        .clone();
    check_csv_headers(&headers)?;
    let id_column = headers.iter().position(|h| h == ID).unwrap_or(0);
    // Each record is handed on when the next one is read: the last one is
    // looked at again once the whole input is read (see below).
    let mut pending: Option<(usize, csv::StringRecord)> = None;
    for record in reader.records() {
        if let Some((line, record)) = pending.take()
            && visit(row_from_csv(line, &headers, id_column, &record, kind)).is_break()
        {
            return Ok(());
        }
        match record {
            Ok(record) => {
                let line = record.position().map_or(0, |p| p.line() as usize);
                pending = Some((line, record));
            }
            Err(error) => {
                let row = Err(RowError {
                    line: error.position().map_or(0, |p| p.line() as usize),
                    message: csv_reason(&error),
                });
                if visit(row).is_break() {
                    return Ok(());
                }
            }
        }
    }
    if let Some((line, record)) = pending {
        // The CSV reader ends a quoted field left open at the end of the
        // input and takes the rest of the file into it. An odd number of
        // quotes in all, and a last field that runs over lines, is that.
        let open_quote = quotes.get() % 2 == 1 && record.iter().any(|field| field.contains('\n'));
        let row = if open_quote {
            Err(RowError {
                line,
                message: "a quoted field opened on this line is never closed (a \" is missing), so it would take in the rest of the file".to_string(),
            })
        } else {
            row_from_csv(line, &headers, id_column, &record, kind)
        };
        let _ = visit(row);
    }
    Ok(())
}

/// A reader that counts the double quotes that pass through it.
struct QuoteCounter<R> {
    inner: R,
    quotes: Rc<Cell<u64>>,
}

impl<R: Read> Read for QuoteCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        let found = buf[..read].iter().filter(|&&byte| byte == b'"').count();
        self.quotes.set(self.quotes.get() + found as u64);
        Ok(read)
    }
}

fn check_csv_headers(headers: &csv::StringRecord) -> Result<(), String> {
    if !headers.iter().any(|h| h == ID) {
        return Err("the CSV header has no `id` column".to_string());
    }
    let mut seen = std::collections::HashSet::new();
    for (index, name) in headers.iter().enumerate() {
        if let Some(problem) = property_name_problem(name) {
            return Err(format!("CSV column {}: {problem}", index + 1));
        }
        if !seen.insert(name) {
            return Err(format!("the CSV header names `{name}` twice"));
        }
    }
    Ok(())
}

fn row_from_csv(
    line: usize,
    headers: &csv::StringRecord,
    id_column: usize,
    record: &csv::StringRecord,
    kind: EntityKind,
) -> Result<ImportRow, RowError> {
    let error = |message: String| RowError { line, message };
    let id = record.get(id_column).unwrap_or("");
    if let Some(problem) = id_problem("the id", id) {
        return Err(error(problem));
    }
    let mut properties = Vec::with_capacity(headers.len());
    let mut segments_left_out = false;
    for (name, cell) in headers.iter().zip(record.iter()) {
        if name == ID {
            continue;
        }
        // `segments` (as `export` writes it) is computed, never imported.
        if name == SEGMENTS {
            segments_left_out = true;
            continue;
        }
        let value = if name == ACCOUNT_ID && kind == EntityKind::Users {
            if let Some(problem) = (!cell.is_empty())
                .then(|| id_problem("account_id", cell))
                .flatten()
            {
                return Err(error(format!("column `{name}`: {problem}")));
            }
            (!cell.is_empty()).then(|| Value::string(cell))
        } else {
            value_from_csv_cell(cell).map_err(|e| error(format!("column `{name}`: {e}")))?
        };
        properties.push((name.to_string(), value));
    }
    let mut row = ImportRow::new(line, id.to_string(), properties)?;
    row.segments_left_out |= segments_left_out;
    Ok(row)
}

fn row_from_json(line: usize, json: JsonRow, kind: EntityKind) -> Result<ImportRow, RowError> {
    let error = |message: String| RowError { line, message };
    let JsonRow::Object(mut fields) = json else {
        return Err(error(
            "expected an object such as {\"id\": \"u1\", \"plan\": \"pro\"}".to_string(),
        ));
    };
    // Of a key given twice the last counts, as in any JSON reader.
    sort_keeping_last(&mut fields);
    let id = match fields.binary_search_by(|(name, _)| name.as_str().cmp(ID)) {
        Ok(at) => fields.remove(at).1,
        Err(_) => return Err(error("the row has no \"id\"".to_string())),
    };
    let id = match id {
        serde_json::Value::String(id) => id,
        serde_json::Value::Number(number) if number.is_i64() || number.is_u64() => {
            number.to_string()
        }
        _ => return Err(error("the id must be text or a whole number".to_string())),
    };
    if let Some(problem) = id_problem("the id", &id) {
        return Err(error(problem));
    }
    let mut properties = Vec::with_capacity(fields.len());
    let mut segments_left_out = false;
    for (name, value) in fields {
        // `segments` (as `export` writes it) is computed, never imported;
        // left out before its value is typed, whatever it holds.
        if name == SEGMENTS {
            segments_left_out = true;
            continue;
        }
        if let Some(problem) = property_name_problem(&name) {
            return Err(error(format!("key \"{}\": {problem}", shorten(&name))));
        }
        let typed = if name == ACCOUNT_ID && kind == EntityKind::Users {
            match value {
                serde_json::Value::Null => None,
                serde_json::Value::String(text) => {
                    if !text.is_empty()
                        && let Some(problem) = id_problem("account_id", &text)
                    {
                        return Err(error(format!("key \"account_id\": {problem}")));
                    }
                    Some(Value::string(text))
                }
                serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => {
                    Some(Value::string(n.to_string()))
                }
                _ => {
                    return Err(error(
                        "key \"account_id\": must be text or a whole number".to_string(),
                    ));
                }
            }
        } else {
            value_from_json(value).map_err(|problem| match problem {
                TypingError::NestedObject => error(format!(
                    "key \"{}\" holds an object; nested objects are not supported, flatten them into separate properties",
                    shorten(&name)
                )),
                other => error(format!("key \"{}\": {other}", shorten(&name))),
            })?
        };
        properties.push((name, typed));
    }
    // Still in name order: the fields were sorted above.
    let mut row = ImportRow::sorted(line, id, properties)?;
    row.segments_left_out |= segments_left_out;
    Ok(row)
}

/// Why a name cannot be a property name, if it cannot.
fn property_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("a property name cannot be empty".to_string());
    }
    if name.len() > MAX_PROPERTY_NAME_BYTES {
        return Some(format!(
            "a property name is at most {MAX_PROPERTY_NAME_BYTES} bytes; this one has {}",
            name.len()
        ));
    }
    if name.contains('`') || name.contains('\n') {
        return Some("a property name cannot contain a backtick or a line break".to_string());
    }
    None
}

fn shorten(name: &str) -> String {
    if name.chars().count() <= 40 {
        name.to_string()
    } else {
        format!("{}...", name.chars().take(40).collect::<String>())
    }
}

/// serde_json's message without its "at line 1 column 5" (we name the line).
fn json_reason(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let reason = text
        .find(" at line ")
        .map_or(text.as_str(), |at| &text[..at]);
    format!("invalid JSON ({reason}, column {})", error.column())
}

fn csv_reason(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("the row has {len} fields but the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "the row is not UTF-8 text".to_string(),
        csv::ErrorKind::Io(error) => error.to_string(),
        _ => error.to_string(),
    }
}
