//! Output shared by the commands: aligned text tables, entities as flat JSON
//! objects, CSV, and the `say!` / `note!` lines every human-readable message
//! goes through (control characters written out, never sent). Datetimes print as RFC 3339 in UTC.
//!
//! One rule for every listing command: `--format table|json|jsonl|csv`
//! (`query` adds `ids`), `table` by default when standard output is a
//! terminal and `jsonl` when it is not; in tables lists and segments are
//! joined by `, ` and counts have thousands separators.

use std::io::Write;

use clap::ValueEnum;

use crate::model::{ACCOUNT_ID, ID, SEGMENTS, Value, csv_cell};
use crate::model::{EntityKind, cut_to_width, display_width, visible};
use crate::workspace::{EntityView, MembershipCount};

/// A line of human-readable text on standard output, as `println!` takes
/// it, with every control character but newline and tab written out
/// (`visible_lines`): the way the commands print names and values.
macro_rules! say {
    () => {
        println!()
    };
    ($($arg:tt)*) => {
        println!("{}", $crate::model::visible_lines(&format!($($arg)*)))
    };
}

/// [`say!`] for standard error: messages, reports, errors.
macro_rules! note {
    ($($arg:tt)*) => {
        eprintln!("{}", $crate::model::visible_lines(&format!($($arg)*)))
    };
}

pub(crate) use {note, say};

/// Cells wider than this are cut in tables (never in JSON or CSV).
const MAX_CELL: usize = 48;

/// Writes rows as an aligned table with a header.
pub fn print_table(headers: &[&str], rows: &[Vec<String>]) -> std::io::Result<()> {
    let mut widths: Vec<usize> = headers.iter().map(|h| display_width(h)).collect();
    let cut: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| cut_cell(cell)).collect())
        .collect();
    for row in &cut {
        for (index, cell) in row.iter().enumerate() {
            if let Some(width) = widths.get_mut(index) {
                *width = (*width).max(display_width(cell));
            }
        }
    }
    let mut out = std::io::stdout().lock();
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| {
                let padding = width.saturating_sub(display_width(cell));
                format!("{cell}{}", " ".repeat(padding))
            })
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    writeln!(out, "{}", line(headers.to_vec()))?;
    for row in &cut {
        writeln!(out, "{}", line(row.iter().map(String::as_str).collect()))?;
    }
    Ok(())
}

fn cut_cell(cell: &str) -> String {
    let single_line = cell.replace(['\n', '\r', '\t'], " ");
    cut_to_width(&visible(&single_line), MAX_CELL)
}

/// An entity as one flat JSON object: id, (users) account_id, every
/// property, and segments.
pub fn entity_json(entity: &EntityView, columns: Option<&[String]>) -> serde_json::Value {
    let mut object = serde_json::Map::new();
    object.insert(ID.to_string(), serde_json::Value::String(entity.id.clone()));
    if entity.kind == EntityKind::Users {
        let account_id = entity
            .properties
            .get(ACCOUNT_ID)
            .map_or(serde_json::Value::Null, Value::to_json);
        object.insert(ACCOUNT_ID.to_string(), account_id);
    }
    for (name, value) in &entity.properties {
        if name != ACCOUNT_ID {
            object.insert(name.clone(), value.to_json());
        }
    }
    object.insert(
        SEGMENTS.to_string(),
        serde_json::Value::Array(
            entity
                .segments
                .iter()
                .map(|s| serde_json::Value::String(s.clone()))
                .collect(),
        ),
    );
    if let Some(columns) = columns {
        object.retain(|key, _| key == ID || columns.iter().any(|c| c == key));
    }
    serde_json::Value::Object(object)
}

/// The text of one column of an entity, for tables.
pub fn entity_cell(entity: &EntityView, column: &str) -> String {
    match column {
        ID => entity.id.clone(),
        SEGMENTS => entity.segments.join(", "),
        name => entity
            .properties
            .get(name)
            .map(ToString::to_string)
            .unwrap_or_default(),
    }
}

/// The columns to show for entities of `kind`: `id`, the chosen ones or
/// every property the kind's entities have (`properties`, in name order:
/// the same columns whichever rows are shown), then `segments`.
pub fn entity_columns(
    kind: EntityKind,
    properties: &[String],
    chosen: Option<&[String]>,
) -> Vec<String> {
    let mut columns = vec![ID.to_string()];
    if let Some(chosen) = chosen {
        columns.extend(chosen.iter().filter(|c| c.as_str() != ID).cloned());
        return columns;
    }
    if kind == EntityKind::Users {
        columns.push(ACCOUNT_ID.to_string());
    }
    columns.extend(
        properties
            .iter()
            .filter(|name| name.as_str() != ACCOUNT_ID || kind != EntityKind::Users)
            .cloned(),
    );
    columns.push(SEGMENTS.to_string());
    columns
}

/// The CSV cell of one column of an entity, in the encoding import reads
/// back to the same value (see [`csv_cell`]): `id` and `account_id` as they
/// are, `segments` as a JSON array like any list.
fn entity_csv_cell(entity: &EntityView, column: &str) -> String {
    match column {
        ID => entity.id.clone(),
        SEGMENTS => serde_json::Value::from(entity.segments.clone()).to_string(),
        ACCOUNT_ID if entity.kind == EntityKind::Users => entity
            .properties
            .get(ACCOUNT_ID)
            .map(ToString::to_string)
            .unwrap_or_default(),
        name => entity
            .properties
            .get(name)
            .map(csv_cell)
            .unwrap_or_default(),
    }
}

/// Entities as CSV with the given columns.
pub fn write_csv(entities: &[EntityView], columns: &[String]) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(std::io::BufWriter::new(std::io::stdout().lock()));
    writer.write_record(columns).map_err(csv_to_io)?;
    for entity in entities {
        let record = columns.iter().map(|c| entity_csv_cell(entity, c));
        writer.write_record(record).map_err(csv_to_io)?;
    }
    writer.flush()
}

fn csv_to_io(error: csv::Error) -> std::io::Error {
    match error.into_kind() {
        csv::ErrorKind::Io(error) => error,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

/// Writes text to stdout (a closed pipe is reported to the caller, which
/// [`finish_output`] turns into a quiet success).
pub fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// One text per line, streamed.
pub fn write_lines<'t>(lines: impl Iterator<Item = &'t str>) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in lines {
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// One JSON value per line.
pub fn write_json_lines(values: impl Iterator<Item = serde_json::Value>) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for value in values {
        serde_json::to_writer(&mut out, &value)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// `--format table|json` for commands that print one thing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TableOrJson {
    Table,
    Json,
}

/// `--format` of every listing command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
    Jsonl,
    Csv,
}

/// Output formats of entity listings: a listing's, and `ids`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EntityFormat {
    Table,
    Json,
    Jsonl,
    Csv,
    Ids,
}

/// Whether standard output is a terminal (a person reads it).
fn stdout_is_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal()
}

impl ListFormat {
    /// The format asked for, or `table` on a terminal and `jsonl` otherwise.
    pub fn or_default(given: Option<ListFormat>) -> ListFormat {
        given.unwrap_or(if stdout_is_terminal() {
            ListFormat::Table
        } else {
            ListFormat::Jsonl
        })
    }
}

impl EntityFormat {
    /// As [`ListFormat::or_default`].
    pub fn or_default(given: Option<EntityFormat>) -> EntityFormat {
        given.unwrap_or(match ListFormat::or_default(None) {
            ListFormat::Table => EntityFormat::Table,
            _ => EntityFormat::Jsonl,
        })
    }
}

/// Records (JSON objects) as JSON, JSON lines or CSV with `columns` in
/// order (text as it is, numbers and booleans as JSON writes them, lists as
/// JSON arrays, null as an empty cell). Tables are the caller's: their
/// columns are for reading.
pub fn write_records(
    format: ListFormat,
    columns: &[&str],
    records: Vec<serde_json::Value>,
) -> std::io::Result<()> {
    match format {
        ListFormat::Json => write_stdout(&format!("{}\n", serde_json::Value::Array(records))),
        ListFormat::Jsonl => write_json_lines(records.into_iter()),
        ListFormat::Csv | ListFormat::Table => {
            let out = std::io::BufWriter::new(std::io::stdout().lock());
            let mut writer = csv::Writer::from_writer(out);
            writer.write_record(columns).map_err(csv_to_io)?;
            for record in &records {
                let cells = columns.iter().map(|column| match &record[*column] {
                    serde_json::Value::Null => String::new(),
                    serde_json::Value::String(text) => text.clone(),
                    other => other.to_string(),
                });
                writer.write_record(cells).map_err(csv_to_io)?;
            }
            writer.flush()
        }
    }
}

/// `entered` / `exited` counts per segment after a change, on stderr.
pub fn report_membership(membership: &[MembershipCount]) {
    for count in membership {
        note!(
            "  {}: +{} entered, -{} exited",
            count.segment,
            count.entered,
            count.exited
        );
    }
}

/// Writes to stdout and turns a closed pipe (`| head`) into a quiet success.
pub fn finish_output(result: std::io::Result<()>) -> Result<(), super::CliError> {
    match result {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(error) => Err(super::CliError::Output(error)),
    }
}
