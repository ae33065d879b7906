//! Import readers: JSON lines, a JSON array, or CSV, read row by row into
//! typed rows, each bad row reported with its line and what is wrong.
//!
//! Rows stream through a callback so a large file never sits in memory as
//! parsed JSON; [`BackgroundReader`] runs that on a thread of its own and
//! hands rows over in batches, each row sorted by name and already encoded
//! in its stored form. A `segments` field — as `export` writes it — is
//! skipped: segscope computes it, so an export imports back unchanged. What
//! a row *means* for the database (merge or replace, all-or-nothing) is the
//! workspace's business.

use std::cell::Cell;
use std::io::{BufRead, Read};
use std::ops::ControlFlow;
use std::rc::Rc;
use std::sync::mpsc::{Receiver, Sender};
use std::thread::JoinHandle;

use super::encode_properties;
use crate::model::EntityKind;
use crate::model::{
    ACCOUNT_ID, ID, MAX_PROPERTY_NAME_BYTES, SEGMENTS, TypingError, Value, present_pairs,
    value_from_csv_cell, value_from_json,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportFormat {
    JsonLines,
    JsonArray,
    Csv,
}

impl ImportFormat {
    /// The format a file name says (`-` is JSON lines from stdin).
    pub fn for_path(path: &str) -> Result<ImportFormat, String> {
        if path == "-" {
            return Ok(ImportFormat::JsonLines);
        }
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
            Ok(ImportFormat::JsonLines)
        } else if lower.ends_with(".json") {
            Ok(ImportFormat::JsonArray)
        } else if lower.ends_with(".csv") {
            Ok(ImportFormat::Csv)
        } else {
            Err(format!(
                "cannot tell the format of {path}: name it .jsonl, .json or .csv"
            ))
        }
    }
}

/// One entity from the file: `None` values remove the property.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportRow {
    pub line: usize,
    pub id: String,
    /// In name order, each name once.
    pub properties: Vec<(String, Option<Value>)>,
    /// The present properties in their stored form (see
    /// [`crate::store::encode_properties`]), for a row that creates or
    /// replaces its entity; encoded where the row is read.
    pub encoded: Vec<u8>,
}

impl ImportRow {
    /// A row of `properties` in any order; of a name given twice, the last
    /// value counts.
    pub fn new(
        line: usize,
        id: String,
        mut properties: Vec<(String, Option<Value>)>,
    ) -> Result<ImportRow, RowError> {
        sort_keeping_last(&mut properties);
        ImportRow::sorted(line, id, properties)
    }

    /// A row of `properties` already in name order, each name once.
    fn sorted(
        line: usize,
        id: String,
        properties: Vec<(String, Option<Value>)>,
    ) -> Result<ImportRow, RowError> {
        let encoded = encode_properties(present_pairs(&properties)).map_err(|error| RowError {
            line,
            message: format!("cannot store the row: {error}"),
        })?;
        Ok(ImportRow {
            line,
            id,
            properties,
            encoded,
        })
    }
}

/// A row that cannot be imported, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct RowError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Reads every row and hands it (or its error) to `visit`, which may stop
/// the reading. The error is about the file as a whole (unreadable, not
/// CSV at all).
pub fn read_rows(
    input: impl BufRead,
    format: ImportFormat,
    kind: EntityKind,
    mut visit: impl FnMut(Result<ImportRow, RowError>) -> ControlFlow<()>,
) -> Result<(), String> {
    match format {
        ImportFormat::JsonLines => read_json_lines(input, kind, &mut visit),
        ImportFormat::JsonArray => read_json_array(input, kind, &mut visit),
        ImportFormat::Csv => read_csv(input, kind, &mut visit),
    }
}

/// Rows handed from the reading thread to the caller at a time.
const BATCH_ROWS: usize = 1024;

/// Sorts `(name, value)` pairs by name; of a name given twice, the last
/// value stays.
fn sort_keeping_last<V>(pairs: &mut Vec<(String, V)>) {
    // Stable: pairs of one name keep their order.
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    pairs.dedup_by(|later, earlier| {
        let same = later.0 == earlier.0;
        if same {
            std::mem::swap(&mut later.1, &mut earlier.1);
        }
        same
    });
}

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

/// What an import reads: the text of its rows, their format, and — when
/// it is a file — its size, from which the number of rows is estimated so
/// the snapshot can make room for them at once.
pub struct ImportSource {
    input: Box<dyn BufRead + Send>,
    format: ImportFormat,
    size: Option<u64>,
}

impl ImportSource {
    /// Rows of `format` from any reader (size unknown).
    pub fn new(input: impl BufRead + Send + 'static, format: ImportFormat) -> ImportSource {
        ImportSource {
            input: Box::new(input),
            format,
            size: None,
        }
    }

    /// Rows of `format` held in memory.
    pub fn from_bytes(bytes: Vec<u8>, format: ImportFormat) -> ImportSource {
        let size = bytes.len() as u64;
        ImportSource {
            input: Box::new(std::io::Cursor::new(bytes)),
            format,
            size: Some(size),
        }
    }

    /// The file at `path` (`-` is JSON lines from stdin), its format told
    /// by its name.
    pub fn open(path: &str) -> Result<ImportSource, String> {
        let format = ImportFormat::for_path(path)?;
        if path == "-" {
            return Ok(ImportSource::new(
                std::io::BufReader::new(std::io::stdin()),
                format,
            ));
        }
        let cannot = |error: std::io::Error| {
            format!("cannot read {path}: {}", crate::os_error::reason(&error))
        };
        let file = std::fs::File::open(path).map_err(cannot)?;
        let metadata = file.metadata().map_err(cannot)?;
        if metadata.is_dir() {
            return Err(format!("cannot read {path}: it is a directory"));
        }
        Ok(ImportSource {
            input: Box::new(std::io::BufReader::with_capacity(1 << 20, file)),
            format,
            size: metadata.is_file().then_some(metadata.len()),
        })
    }
}

/// Rows as they come from a [`BackgroundReader`].
pub type RowBatch = Vec<Result<ImportRow, RowError>>;

/// Reads rows on a thread of its own, in batches, while the caller stores
/// them: reading, typing and encoding rows costs about as much as storing
/// them. Batches given back through [`BackgroundReader::recycler`] are freed
/// on the reading thread, where they were made (freeing them elsewhere cost
/// a tenth of an import).
pub struct BackgroundReader {
    /// Each batch with the bytes of input read up to its last row.
    batches: Receiver<(RowBatch, u64)>,
    recycle: Sender<RowBatch>,
    thread: JoinHandle<Result<(), String>>,
    size: Option<u64>,
    rows_received: u64,
    bytes_received: u64,
}

impl BackgroundReader {
    pub fn start(source: ImportSource, kind: EntityKind) -> Result<BackgroundReader, String> {
        let (sender, batches) = std::sync::mpsc::sync_channel::<(RowBatch, u64)>(8);
        let (recycle, recycled) = std::sync::mpsc::channel::<RowBatch>();
        let ImportSource {
            input,
            format,
            size,
        } = source;
        let thread = std::thread::Builder::new()
            .name("import-reader".to_string())
            .spawn(move || {
                let consumed = Rc::new(Cell::new(0));
                let input = Counted {
                    inner: input,
                    consumed: Rc::clone(&consumed),
                };
                let mut batch = Vec::with_capacity(BATCH_ROWS);
                let result = read_rows(input, format, kind, |row| {
                    batch.push(row);
                    if batch.len() == BATCH_ROWS {
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
                        // The caller stopped listening: stop reading.
                        if sender.send((full, consumed.get())).is_err() {
                            return ControlFlow::Break(());
                        }
                        while let Ok(done) = recycled.try_recv() {
                            drop(done);
                        }
                    }
                    ControlFlow::Continue(())
                });
                if !batch.is_empty() {
                    let _ = sender.send((batch, consumed.get()));
                }
                result
            })
            .map_err(|error| format!("cannot start reading: {error}"))?;
        Ok(BackgroundReader {
            batches,
            recycle,
            thread,
            size,
            rows_received: 0,
            bytes_received: 0,
        })
    }

    /// The next rows, or `None` when the input is read.
    pub fn next_batch(&mut self) -> Option<RowBatch> {
        let (batch, bytes) = self.batches.recv().ok()?;
        self.rows_received += batch.len() as u64;
        self.bytes_received = bytes;
        Some(batch)
    }

    /// How many rows the whole input holds, judged from the rows received
    /// so far and the bytes they took (for a file of known size).
    pub fn expected_rows(&self) -> Option<usize> {
        let size = self.size?;
        if self.bytes_received == 0 || self.rows_received == 0 {
            return None;
        }
        let expected = size as u128 * self.rows_received as u128 / self.bytes_received as u128;
        usize::try_from(expected).ok()
    }

    /// Where finished batches go to be freed on the reading thread (once
    /// that thread is done, sending fails and the batch is freed by the
    /// sender).
    pub fn recycler(&self) -> Sender<RowBatch> {
        self.recycle.clone()
    }

    /// Stops reading (if the input is not read yet) and tells whether the
    /// input as a whole could be read.
    pub fn finish(self) -> Result<(), String> {
        drop(self.batches);
        drop(self.recycle);
        self.thread
            .join()
            .unwrap_or_else(|_| Err("the import reader stopped unexpectedly".to_string()))
    }
}

/// A reader that counts the bytes taken from it.
struct Counted<R> {
    inner: R,
    consumed: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.consumed.set(self.consumed.get() + read as u64);
        Ok(read)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.consumed.set(self.consumed.get() + amount as u64);
        self.inner.consume(amount);
    }
}

type Visit<'a> = dyn FnMut(Result<ImportRow, RowError>) -> ControlFlow<()> + 'a;

fn read_json_lines(
    mut input: impl BufRead,
    kind: EntityKind,
    visit: &mut Visit,
) -> Result<(), String> {
    let mut line = String::new();
    let mut number = 0;
    loop {
        line.clear();
        let read = input
            .read_line(&mut line)
            .map_err(|error| format!("cannot read line {}: {}", number + 1, error))?;
        if read == 0 {
            return Ok(());
        }
        number += 1;
        let text = line.trim();
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

fn read_json_array(
    mut input: impl BufRead,
    kind: EntityKind,
    visit: &mut Visit,
) -> Result<(), String> {
    let mut text = String::new();
    input
        .read_to_string(&mut text)
        .map_err(|error| format!("cannot read the file: {error}"))?;
    let bytes = text.as_bytes();
    let skip_space = |mut at: usize| {
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        at
    };
    let mut at = skip_space(0);
    if bytes.get(at) != Some(&b'[') {
        return Err(
            "a .json file must hold one array of objects, such as [{\"id\": \"u1\"}]".to_string(),
        );
    }
    at = skip_space(at + 1);
    if bytes.get(at) == Some(&b']') {
        return Ok(());
    }
    let mut line = 1 + text[..at].matches('\n').count();
    let mut counted_to = at;
    loop {
        line += text[counted_to..at].matches('\n').count();
        counted_to = at;
        let mut stream = serde_json::Deserializer::from_str(&text[at..]).into_iter::<JsonRow>();
        let row = match stream.next() {
            Some(Ok(json)) => {
                let row = row_from_json(line, json, kind);
                at += stream.byte_offset();
                row
            }
            Some(Err(error)) => {
                // Without a well-formed element there is no next one to find.
                let _ = visit(Err(RowError {
                    line: line + error.line().saturating_sub(1),
                    message: json_reason(&error),
                }));
                return Ok(());
            }
            None => return Err("the array is not closed with ]".to_string()),
        };
        if visit(row).is_break() {
            return Ok(());
        }
        at = skip_space(at);
        match bytes.get(at) {
            Some(b',') => at = skip_space(at + 1),
            Some(b']') => return Ok(()),
            _ => {
                line += text[counted_to..at].matches('\n').count();
                return Err(format!(
                    "line {line}: expected , or ] after an element of the array"
                ));
            }
        }
    }
}

fn read_csv(input: impl Read, kind: EntityKind, visit: &mut Visit) -> Result<(), String> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(input);
    let headers = reader
        .headers()
        .map_err(|error| format!("cannot read the CSV header: {}", csv_reason(&error)))?
        .clone();
    check_csv_headers(&headers)?;
    let id_column = headers.iter().position(|h| h == ID).unwrap_or(0);
    for record in reader.records() {
        let row = match record {
            Ok(record) => {
                let line = record.position().map_or(0, |p| p.line() as usize);
                row_from_csv(line, &headers, id_column, &record, kind)
            }
            Err(error) => Err(RowError {
                line: error.position().map_or(0, |p| p.line() as usize),
                message: csv_reason(&error),
            }),
        };
        if visit(row).is_break() {
            break;
        }
    }
    Ok(())
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
    if id.trim().is_empty() {
        return Err(error("the id is empty".to_string()));
    }
    let mut properties = Vec::with_capacity(headers.len());
    for (name, cell) in headers.iter().zip(record.iter()) {
        if name == ID || name == SEGMENTS {
            continue;
        }
        let value = if name == ACCOUNT_ID && kind == EntityKind::Users {
            (!cell.is_empty()).then(|| Value::string(cell))
        } else {
            value_from_csv_cell(cell).map_err(|e| error(format!("column `{name}`: {e}")))?
        };
        properties.push((name.to_string(), value));
    }
    ImportRow::new(line, id.to_string(), properties)
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
        serde_json::Value::String(id) if !id.trim().is_empty() => id,
        serde_json::Value::Number(number) if number.is_i64() || number.is_u64() => {
            number.to_string()
        }
        serde_json::Value::String(_) => return Err(error("the id is empty".to_string())),
        _ => return Err(error("the id must be text or a whole number".to_string())),
    };
    let mut properties = Vec::with_capacity(fields.len());
    for (name, value) in fields {
        // `segments` (as `export` writes it) is computed, never imported.
        if name == SEGMENTS {
            continue;
        }
        if let Some(problem) = property_name_problem(&name) {
            return Err(error(format!("key \"{}\": {problem}", shorten(&name))));
        }
        let typed = if name == ACCOUNT_ID && kind == EntityKind::Users {
            match value {
                serde_json::Value::Null => None,
                serde_json::Value::String(text) => Some(Value::string(text)),
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
    ImportRow::sorted(line, id, properties)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Properties, property_pairs};
    use crate::store::StoredEntity;
    use proptest::strategy::Strategy;

    fn pair(name: &str, value: Option<f64>) -> (String, Option<Value>) {
        (name.to_string(), value.map(Value::number))
    }

    #[test]
    fn a_row_is_in_name_order_and_the_last_of_a_repeated_name_counts() {
        let row = ImportRow::new(
            7,
            "u1".to_string(),
            vec![
                pair("seats", Some(1.0)),
                pair("age", None),
                pair("seats", Some(2.0)),
                pair("mrr", Some(3.0)),
                pair("age", Some(4.0)),
            ],
        )
        .unwrap();
        assert_eq!(
            row.properties,
            vec![
                pair("age", Some(4.0)),
                pair("mrr", Some(3.0)),
                pair("seats", Some(2.0))
            ]
        );
    }

    /// Each line of `text` read as JSON lines: the row or its error.
    fn json_lines(text: &str) -> Vec<Result<ImportRow, RowError>> {
        let mut rows = Vec::new();
        read_rows(
            text.as_bytes(),
            ImportFormat::JsonLines,
            EntityKind::Users,
            |row| {
                rows.push(row);
                ControlFlow::Continue(())
            },
        )
        .unwrap();
        rows
    }

    fn message(row: &Result<ImportRow, RowError>) -> String {
        match row {
            Ok(row) => panic!("expected an error, got {row:?}"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn a_json_row_that_is_not_an_object_says_so_whatever_it_is() {
        let rows = json_lines("[1, {\"a\": [2]}]\n7\n-7\n7.5\n\"u1\"\ntrue\nnull\n");
        assert_eq!(rows.len(), 7);
        for (index, row) in rows.iter().enumerate() {
            assert_eq!(
                message(row),
                format!(
                    "line {}: expected an object such as {{\"id\": \"u1\", \"plan\": \"pro\"}}",
                    index + 1
                )
            );
        }
    }

    #[test]
    fn broken_json_is_named_with_its_column() {
        let rows = json_lines("{\"id\": \"u1\",}\n{\"id\": \"u2\"} x\n{\"id\": \"u3\"\n");
        assert_eq!(
            message(&rows[0]),
            "line 1: invalid JSON (trailing comma, column 13)"
        );
        assert_eq!(
            message(&rows[1]),
            "line 2: invalid JSON (trailing characters, column 14)"
        );
        assert_eq!(
            message(&rows[2]),
            "line 3: invalid JSON (EOF while parsing an object, column 11)"
        );
    }

    #[test]
    fn of_a_json_key_given_twice_the_last_counts() {
        let rows = json_lines(concat!(
            "{\"id\": \"u1\", \"plan\": {\"x\": 1}, \"plan\": \"pro\", \"id\": \"u2\"}\n",
            "{\"id\": 12, \"nps\": 3, \"nps\": null}\n",
        ));
        let first = rows[0].as_ref().unwrap();
        assert_eq!(first.id, "u2");
        assert_eq!(
            first.properties,
            vec![("plan".to_string(), Some(Value::string("pro")))]
        );
        let second = rows[1].as_ref().unwrap();
        assert_eq!(second.id, "12");
        assert_eq!(second.properties, vec![("nps".to_string(), None)]);
    }

    #[test]
    fn json_ids_must_be_present_non_empty_text_or_whole_numbers() {
        let rows = json_lines(concat!(
            "{\"plan\": \"pro\"}\n",
            "{\"id\": \"  \"}\n",
            "{\"id\": 1.5}\n",
            "{\"id\": [\"u1\"]}\n",
            "{\"id\": \"u1\", \"account_id\": true}\n",
        ));
        let messages: Vec<String> = rows.iter().map(message).collect();
        assert_eq!(
            messages,
            [
                "line 1: the row has no \"id\"",
                "line 2: the id is empty",
                "line 3: the id must be text or a whole number",
                "line 4: the id must be text or a whole number",
                "line 5: key \"account_id\": must be text or a whole number",
            ]
        );
    }

    #[test]
    fn a_source_that_cannot_be_read_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("rows.jsonl");
        std::fs::create_dir(&folder).unwrap();
        let folder = folder.display().to_string();
        let message = |path: &str| match ImportSource::open(path) {
            Ok(_) => panic!("{path} must not open"),
            Err(message) => message,
        };
        assert_eq!(
            message(&folder),
            format!("cannot read {folder}: it is a directory")
        );
        let missing = dir.path().join("missing.csv").display().to_string();
        assert!(
            message(&missing).starts_with(&format!("cannot read {missing}: ")),
            "{}",
            message(&missing)
        );
        assert!(message("rows.txt").starts_with("cannot tell the format of rows.txt"));
    }

    /// The reader judges how many rows a file holds from its size and the
    /// first batch, so the snapshot can make room for them at once.
    #[test]
    fn the_rows_of_a_file_are_estimated_from_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rows.jsonl");
        let rows: String = (0..10_000)
            .map(|i| format!("{{\"id\": \"u{i}\", \"nps\": {}}}\n", i % 11))
            .collect();
        std::fs::write(&path, rows).unwrap();
        let source = ImportSource::open(&path.display().to_string()).unwrap();
        let mut reader = BackgroundReader::start(source, EntityKind::Users).unwrap();
        assert_eq!(reader.expected_rows(), None, "nothing read yet");
        let first = reader.next_batch().unwrap();
        assert_eq!(first.len(), BATCH_ROWS);
        let expected = reader.expected_rows().unwrap();
        assert!((9_500..=10_500).contains(&expected), "{expected}");
        let mut total = first.len();
        while let Some(batch) = reader.next_batch() {
            total += batch.len();
        }
        assert_eq!(total, 10_000);
        reader.finish().unwrap();
        // Without a size (a pipe) there is no estimate.
        let source = ImportSource::new(
            std::io::Cursor::new(b"{\"id\": \"u1\"}\n".to_vec()),
            ImportFormat::JsonLines,
        );
        let mut reader = BackgroundReader::start(source, EntityKind::Users).unwrap();
        assert_eq!(reader.next_batch().map(|batch| batch.len()), Some(1));
        assert_eq!(reader.expected_rows(), None);
        reader.finish().unwrap();
    }

    /// JSON-shaped text of tokens that reach the row reader's every branch.
    fn json_soup() -> impl proptest::strategy::Strategy<Value = String> {
        let tokens = proptest::sample::select(vec![
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"id\"",
            "\"account_id\"",
            "\"segments\"",
            "\"a\"",
            "\"\"",
            "\"2024-02-30\"",
            "\"2024-05-01T10:00:00Z\"",
            "1",
            "-1.5",
            "1e999",
            "true",
            "null",
            "\"x\\u0000\"",
            "\"`\"",
            " ",
            "\n",
        ]);
        proptest::collection::vec(tokens, 0..40).prop_map(|tokens| tokens.concat())
    }

    proptest::proptest! {
        /// Whatever the text, every line is a row or an error with its line
        /// number, in the three formats, and nothing panics.
        #[test]
        fn any_text_reads_as_rows_or_errors_without_panicking(text in json_soup()) {
            for format in [ImportFormat::JsonLines, ImportFormat::JsonArray, ImportFormat::Csv] {
                let mut lines = Vec::new();
                let _ = read_rows(text.as_bytes(), format, EntityKind::Users, |row| {
                    lines.push(match row {
                        Ok(row) => row.line,
                        Err(error) => error.line,
                    });
                    ControlFlow::Continue(())
                });
                let newlines = text.matches('\n').count() + 1;
                proptest::prop_assert!(lines.iter().all(|&line| line <= newlines + 1), "{lines:?}");
            }
        }
    }

    #[test]
    fn a_row_is_encoded_exactly_as_the_store_writes_an_entity() {
        let row = ImportRow::new(
            1,
            "u1".to_string(),
            vec![
                ("plan".to_string(), Some(Value::string("pro"))),
                ("gone".to_string(), None),
                ("seats".to_string(), Some(Value::number(12.0))),
                ("tags".to_string(), Some(Value::List(Vec::new()))),
            ],
        )
        .unwrap();
        let properties: Properties = present_pairs(&row.properties)
            .map(|(name, value)| (name.to_string(), value.clone()))
            .collect();
        assert_eq!(
            encode_properties(property_pairs(&properties)).unwrap(),
            row.encoded
        );
        // An ordinal large enough to take several bytes.
        let ordinal = 70_000;
        let mut ours = postcard::to_allocvec(&ordinal).unwrap();
        ours.extend_from_slice(&row.encoded);
        let whole = StoredEntity {
            ordinal,
            properties,
        };
        assert_eq!(ours, postcard::to_allocvec(&whole).unwrap());
        assert_eq!(postcard::from_bytes::<StoredEntity>(&ours).unwrap(), whole);
    }
}
