//! Changing entities: import, set, delete. Each is one store transaction
//! with the membership events it causes; a failure leaves the database and
//! the snapshot as they were.

use std::io::BufRead;
use std::ops::ControlFlow;

use super::{Workspace, WorkspaceError, build_engine};
use crate::engine::{Engine, MembershipDelta, Touched};
use crate::lang::ast::EntityKind;
use crate::model::{Properties, Value, present_pairs, property_pairs};
use crate::store::import::{ImportFormat, ImportRow, RowError, read_rows_in_background};
use crate::store::{EntityWriter, StoreError, StoredEntityRef};

/// How many row errors an import lists before it only counts them.
pub const LISTED_ROW_ERRORS: usize = 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportMode {
    /// Present properties overwrite, `null` removes, absent ones are kept.
    Merge,
    /// Each row replaces the whole entity.
    Replace,
}

#[derive(Debug, Default, PartialEq)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Rows left out with `--skip-invalid` (the first ones) and their count.
    pub skipped: Vec<RowError>,
    pub skipped_count: usize,
    /// (segment, entered, exited)
    pub membership: Vec<(String, usize, usize)>,
}

#[derive(Debug)]
pub enum ImportFailure {
    /// Bad rows: nothing was imported. The first errors and their count.
    Rows {
        errors: Vec<RowError>,
        count: usize,
    },
    /// The file as a whole could not be read.
    File(String),
    Workspace(WorkspaceError),
}

impl From<StoreError> for ImportFailure {
    fn from(error: StoreError) -> ImportFailure {
        ImportFailure::Workspace(error.into())
    }
}

impl From<WorkspaceError> for ImportFailure {
    fn from(error: WorkspaceError) -> ImportFailure {
        ImportFailure::Workspace(error)
    }
}

/// A `set` or `delete` that cannot be done; nothing was changed.
#[derive(Debug)]
pub enum ChangeFailure {
    Unknown { kind: EntityKind, ids: Vec<String> },
    Workspace(WorkspaceError),
}

impl std::fmt::Display for ChangeFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChangeFailure::Unknown { kind, ids } => {
                let listed: Vec<String> =
                    ids.iter().take(10).map(|id| format!("\"{id}\"")).collect();
                let more = if ids.len() > 10 {
                    format!(" and {} more", ids.len() - 10)
                } else {
                    String::new()
                };
                write!(
                    f,
                    "there is no {} with id {}{more}; nothing was changed",
                    kind.singular(),
                    listed.join(", ")
                )
            }
            ChangeFailure::Workspace(error) => error.fmt(f),
        }
    }
}

impl From<StoreError> for ChangeFailure {
    fn from(error: StoreError) -> ChangeFailure {
        ChangeFailure::Workspace(error.into())
    }
}

/// What happened to one row.
enum RowOutcome {
    Created,
    Updated,
    Unchanged,
}

impl Workspace {
    /// Imports entities of `kind` from `input`. All or nothing unless
    /// `skip_invalid`, which imports the good rows and reports the rest.
    /// `progress` hears the number of rows read so far.
    pub fn import(
        &mut self,
        kind: EntityKind,
        input: impl BufRead + Send + 'static,
        format: ImportFormat,
        mode: ImportMode,
        skip_invalid: bool,
        progress: &mut dyn FnMut(usize),
    ) -> Result<ImportReport, ImportFailure> {
        let change = self.store.begin()?;
        let mut report = ImportReport::default();
        let mut errors = Vec::new();
        let mut error_count = 0;
        let mut touched = Touched::default();
        let mut store_error = None;
        let mut rows_read = 0;
        let read = {
            let mut writer = change.entities(kind)?;
            let engine = &mut self.engine;
            let read = read_rows_in_background(input, format, kind, |row| {
                rows_read += 1;
                if rows_read % 10_000 == 0 {
                    progress(rows_read);
                }
                let row = match row {
                    Ok(row) => row,
                    Err(error) => {
                        error_count += 1;
                        if errors.len() < LISTED_ROW_ERRORS {
                            errors.push(error.clone());
                        }
                        return ControlFlow::Continue(());
                    }
                };
                // After a bad row nothing will be written; only count errors.
                if error_count > 0 && !skip_invalid {
                    return ControlFlow::Continue(());
                }
                match upsert_row(engine, &mut writer, kind, row, mode, &mut touched) {
                    Ok(RowOutcome::Created) => report.created += 1,
                    Ok(RowOutcome::Updated) => report.updated += 1,
                    Ok(RowOutcome::Unchanged) => report.unchanged += 1,
                    Err(error) => {
                        store_error = Some(error);
                        return ControlFlow::Break(());
                    }
                }
                ControlFlow::Continue(())
            });
            writer.finish()?;
            read
        };
        progress(rows_read);
        let failure = match (read, store_error) {
            (_, Some(error)) => Some(ImportFailure::from(error)),
            (Err(message), None) => Some(ImportFailure::File(message)),
            (Ok(()), None) if error_count > 0 && !skip_invalid => Some(ImportFailure::Rows {
                errors: std::mem::take(&mut errors),
                count: error_count,
            }),
            _ => None,
        };
        if let Some(failure) = failure {
            drop(change);
            self.restore_engine()?;
            return Err(failure);
        }
        let deltas = self.engine.settle(touched);
        self.record(&change, &deltas)?;
        change.commit()?;
        report.skipped = errors;
        report.skipped_count = error_count;
        report.membership = summarize(&deltas);
        Ok(report)
    }

    /// Sets (or, with `None`, unsets) properties of one existing entity.
    pub fn set(
        &mut self,
        kind: EntityKind,
        id: &str,
        assignments: Vec<(String, Option<Value>)>,
    ) -> Result<Vec<(String, usize, usize)>, ChangeFailure> {
        if self.engine.row_of(kind, id).is_none() {
            return Err(ChangeFailure::Unknown {
                kind,
                ids: vec![id.to_string()],
            });
        }
        let change = self.store.begin()?;
        let row = ImportRow::new(0, id.to_string(), assignments)
            .map_err(|error| ChangeFailure::from(StoreError::Corrupt(error.message)))?;
        let mut touched = Touched::default();
        let outcome = {
            let mut writer = change.entities(kind)?;
            let outcome = upsert_row(
                &mut self.engine,
                &mut writer,
                kind,
                &row,
                ImportMode::Merge,
                &mut touched,
            )?;
            writer.finish()?;
            outcome
        };
        let deltas = match outcome {
            RowOutcome::Created | RowOutcome::Updated => self.engine.settle(touched),
            RowOutcome::Unchanged => Vec::new(),
        };
        self.record(&change, &deltas)?;
        change.commit()?;
        Ok(summarize(&deltas))
    }

    /// Deletes entities; every id must exist, or nothing is deleted.
    pub fn delete(
        &mut self,
        kind: EntityKind,
        ids: &[String],
    ) -> Result<Vec<(String, usize, usize)>, ChangeFailure> {
        let unknown: Vec<String> = ids
            .iter()
            .filter(|id| self.engine.row_of(kind, id).is_none())
            .cloned()
            .collect();
        if !unknown.is_empty() {
            return Err(ChangeFailure::Unknown { kind, ids: unknown });
        }
        let change = self.store.begin()?;
        let mut touched = Touched::default();
        {
            let mut writer = change.entities(kind)?;
            for id in ids {
                if let Some(row) = self.engine.row_of(kind, id) {
                    writer.delete(id)?;
                    touched.merge(self.engine.unload(kind, row));
                }
            }
            writer.finish()?;
        }
        let deltas = self.engine.settle(touched);
        self.record(&change, &deltas)?;
        change.commit()?;
        Ok(summarize(&deltas))
    }

    /// Rebuilds the snapshot from the store after a change that failed
    /// half-way through (the store rolled back; the engine must too).
    fn restore_engine(&mut self) -> Result<(), WorkspaceError> {
        let (engine, definitions, _) = build_engine(&self.store, self.now)?;
        self.engine = engine;
        self.definitions = definitions;
        Ok(())
    }
}

/// Merges (or replaces) one row into the store and the engine's tables,
/// noting in `touched` the rows to settle.
fn upsert_row(
    engine: &mut Engine,
    writer: &mut EntityWriter,
    kind: EntityKind,
    row: &ImportRow,
    mode: ImportMode,
    touched: &mut Touched,
) -> Result<RowOutcome, StoreError> {
    let Some(ordinal) = engine.row_of(kind, &row.id) else {
        // A new entity is the row as it was read and encoded.
        let ordinal = writer.allocate_ordinal()?;
        writer.put_encoded(&row.id, ordinal, &row.encoded)?;
        engine.load(
            kind,
            ordinal,
            &row.id,
            present_pairs(&row.properties),
            touched,
        );
        return Ok(RowOutcome::Created);
    };
    let before = engine.table(kind).properties(ordinal);
    let properties: Properties = match mode {
        ImportMode::Merge => {
            let mut merged = before.clone();
            for (name, value) in &row.properties {
                match value {
                    Some(value) => merged.insert(name.clone(), value.clone()),
                    None => merged.remove(name),
                };
            }
            merged
        }
        ImportMode::Replace => present_pairs(&row.properties)
            .map(|(name, value)| (name.to_string(), value.clone()))
            .collect(),
    };
    if before == properties {
        return Ok(RowOutcome::Unchanged);
    }
    writer.put(
        &row.id,
        &StoredEntityRef {
            ordinal,
            properties: &properties,
        },
    )?;
    engine.load(kind, ordinal, &row.id, property_pairs(&properties), touched);
    Ok(RowOutcome::Updated)
}

pub(super) fn summarize(deltas: &[MembershipDelta]) -> Vec<(String, usize, usize)> {
    deltas
        .iter()
        .map(|d| (d.segment.clone(), d.entered.len(), d.exited.len()))
        .collect()
}
