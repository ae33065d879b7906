//! Import readers: JSON lines, a JSON array, or CSV, read row by row into
//! typed rows, each bad row reported with its line and what is wrong. This
//! file holds the rows, the sources and the entry point; `formats` reads
//! each format, `line_bound` keeps any line within 16 MiB, `background`
//! runs the reading on a thread of its own.
//!
//! Rows stream through a callback so a large file never sits in memory as
//! parsed JSON; [`BackgroundReader`] runs that on a thread of its own and
//! hands rows over in batches, each row sorted by name and already encoded
//! in its stored form. A `segments` field — as `export` writes it — is
//! left out (and the row says so): segscope computes it, so an export
//! imports back unchanged. `set` follows the same rule through
//! [`ImportRow::new`]. What
//! a row *means* for the database (merge or replace, all-or-nothing) is the
//! workspace's business.

use std::io::BufRead;
use std::ops::ControlFlow;

use super::encode_properties;
use crate::model::{EntityKind, SEGMENTS};
use crate::model::{Value, present_pairs};

mod background;
mod formats;
mod json_array;
mod line_bound;

pub use background::BackgroundReader;
use formats::{read_csv, read_json_array, read_json_lines};

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
    /// The row carried a `segments` field, left out: segscope computes
    /// `segments` from the definitions, so no row or `set` stores it.
    pub segments_left_out: bool,
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
        mut properties: Vec<(String, Option<Value>)>,
    ) -> Result<ImportRow, RowError> {
        let segments_at = properties
            .binary_search_by(|(name, _)| name.as_str().cmp(SEGMENTS))
            .ok();
        if let Some(at) = segments_at {
            properties.remove(at);
        }
        let encoded = encode_properties(present_pairs(&properties)).map_err(|error| RowError {
            line,
            message: format!("cannot store the row: {error}"),
        })?;
        Ok(ImportRow {
            line,
            id,
            properties,
            encoded,
            segments_left_out: segments_at.is_some(),
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

#[cfg(test)]
mod tests {
    use super::background::BATCH_ROWS;
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
