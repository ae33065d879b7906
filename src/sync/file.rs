//! The file connector: the selected entities' mapped payloads written as
//! one `.jsonl` (a JSON object per line) or `.csv` file (the CSV encoding
//! of export and import: lists as JSON arrays, text that would read back as
//! something else quoted), atomically — a reader sees the last whole file
//! or the new one. Everyone selected is in each file; those who left are
//! simply absent. Relative paths are relative to the current directory.

use std::path::PathBuf;

use serde_json::Value as Json;

use super::SyncError;
use super::connector::{Connector, Rejected, Stop, SyncControl};
use super::plan::{KindPlan, Record, SyncPlan};
use crate::model::destination::{Destination, FileFormat};
use crate::model::{Value, csv_cell, datetime_from_text};

/// A file holds one kind.
pub fn check_plan(plan: &SyncPlan) -> Result<(), SyncError> {
    let destination = &plan.destination;
    let Some(path) = &destination.path else {
        return Err(SyncError::Plan(format!(
            "destination \"{}\" has no `path`: give it `path \"exports/accounts.csv\"`",
            destination.name
        )));
    };
    if FileFormat::of_path(path).is_none() {
        return Err(SyncError::Plan(format!(
            "destination \"{}\" writes {path}, which is neither .jsonl nor .csv",
            destination.name
        )));
    }
    if plan.kinds.len() > 1 {
        return Err(SyncError::Plan(format!(
            "destination \"{}\" is a file and sends both users and accounts; a file holds one kind: make two file destinations",
            destination.name
        )));
    }
    Ok(())
}

pub struct FileConnector {
    path: PathBuf,
    format: FileFormat,
    writes: u64,
}

impl FileConnector {
    pub fn open(destination: &Destination) -> Result<FileConnector, SyncError> {
        let path = destination.path.clone().unwrap_or_default();
        let format = FileFormat::of_path(&path).ok_or_else(|| {
            SyncError::Plan(format!(
                "destination \"{}\" writes {path}, which is neither .jsonl nor .csv",
                destination.name
            ))
        })?;
        Ok(FileConnector {
            path: PathBuf::from(path),
            format,
            writes: 0,
        })
    }
}

/// The file's text for these records.
pub fn file_text(kind: &KindPlan, records: &[&Record], csv: bool) -> Result<Vec<u8>, String> {
    let key = kind.sync.key();
    let key_column = key.target().to_string();
    if !csv {
        let mut text = Vec::new();
        for record in records {
            let mut line = serde_json::Map::new();
            line.insert(key_column.clone(), Json::String(record.key.clone()));
            line.extend(record.payload.clone());
            text.extend(Json::Object(line).to_string().into_bytes());
            text.push(b'\n');
        }
        return Ok(text);
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    let columns: Vec<&str> = std::iter::once(key_column.as_str())
        .chain(kind.sync.mappings.iter().map(|m| m.target.as_str()))
        .collect();
    writer.write_record(&columns).map_err(|e| e.to_string())?;
    for record in records {
        let mut row = vec![csv_cell(&Value::string(record.key.clone()))];
        for mapping in &kind.sync.mappings {
            row.push(
                record
                    .payload
                    .get(&mapping.target)
                    .map_or_else(String::new, cell_of),
            );
        }
        writer.write_record(&row).map_err(|e| e.to_string())?;
    }
    writer.into_inner().map_err(|e| e.to_string())
}

/// A payload value as a CSV cell. Payloads carry datetimes as RFC 3339
/// text, so text that reads as a datetime is written bare (it imports back
/// as the datetime it was); other text is quoted when it would read back as
/// something else.
fn cell_of(value: &Json) -> String {
    match value {
        Json::Null => String::new(),
        Json::String(text) if datetime_from_text(text).is_some() => text.clone(),
        Json::String(text) => csv_cell(&Value::string(text.clone())),
        Json::Array(_) => value.to_string(),
        Json::Bool(flag) => flag.to_string(),
        Json::Number(number) => number.to_string(),
        Json::Object(_) => value.to_string(),
    }
}

impl Connector for FileConnector {
    fn prepare(&mut self, _plan: &SyncPlan, _control: &mut dyn SyncControl) -> Result<(), Stop> {
        if let Some(parent) = self.path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|error| {
                Stop::Refused(format!(
                    "cannot create the folder {} for {}: {}",
                    parent.display(),
                    self.path.display(),
                    crate::os_error::reason(&error)
                ))
            })?;
        }
        Ok(())
    }

    fn send(
        &mut self,
        kind: &KindPlan,
        records: &[&Record],
        _control: &mut dyn SyncControl,
    ) -> Result<Rejected, Stop> {
        let text = file_text(kind, records, self.format == FileFormat::Csv).map_err(|reason| {
            Stop::Refused(format!("cannot write {}: {reason}", self.path.display()))
        })?;
        self.writes += 1;
        crate::files::write_atomically(&self.path, &text).map_err(|error| {
            Stop::Refused(format!(
                "cannot write {}: {}; the previous file is kept",
                self.path.display(),
                crate::os_error::reason(&error)
            ))
        })?;
        Ok(Vec::new())
    }

    /// Everyone at once: a file is written whole.
    fn batch_size(&self) -> usize {
        usize::MAX
    }

    fn requests(&self) -> u64 {
        self.writes
    }
}
