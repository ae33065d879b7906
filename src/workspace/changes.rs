//! Changing entities: import, set, delete. Each is one store transaction
//! with the membership events it causes; a failure leaves the database and
//! the snapshot as they were. An import is a pipeline: rows are read on one
//! thread, folded into the snapshot on another (which decides what the store
//! must write), and written to the store on the caller's.

use std::ops::ControlFlow;

use fixedbitset::FixedBitSet;

use super::{Workspace, WorkspaceError, build_engine};
use crate::engine::{Engine, MembershipDelta, Touched};
use crate::model::EntityKind;
use crate::model::{
    ACCOUNT_ID, Properties, Scalar, Value, id_problem, present_pairs, property_pairs,
};
use crate::store::import::{BackgroundReader, ImportRow, ImportSource, RowBatch, RowError};
use crate::store::{EntityWriter, Ordinals, StoreError, encode_properties};

/// The most new rows an import makes room for ahead (a file that starts
/// with tiny rows must not reserve memory for billions).
const MOST_ROWS_RESERVED: usize = 1 << 26;

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
    /// Rows whose `segments` field was left out (segscope computes it).
    pub segments_left_out: usize,
    /// (segment, entered, exited)
    pub membership: Vec<MembershipCount>,
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
    /// The caller asked to stop (between batches): nothing was imported.
    Cancelled,
    Workspace(WorkspaceError),
}

/// How far an import is: rows read so far, and how many the whole input
/// seems to hold (judged from the bytes read, for a file of known size).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImportProgress {
    pub rows: usize,
    pub expected_rows: Option<usize>,
}

impl std::fmt::Display for ImportFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportFailure::Rows { errors, count } => {
                write!(f, "{count} bad row{}", if *count == 1 { "" } else { "s" })?;
                match errors.first() {
                    Some(first) => write!(f, "; {first}"),
                    None => Ok(()),
                }
            }
            ImportFailure::File(reason) => f.write_str(reason),
            ImportFailure::Cancelled => {
                f.write_str("the import was cancelled: nothing was imported")
            }
            ImportFailure::Workspace(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for ImportFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ImportFailure::Workspace(error) => Some(error),
            _ => None,
        }
    }
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
    Unknown {
        kind: EntityKind,
        ids: Vec<String>,
    },
    /// A value the change may not set (an `account_id` that is no id).
    Refused {
        reason: String,
    },
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
            ChangeFailure::Refused { reason } => write!(f, "{reason}; nothing was changed"),
            ChangeFailure::Workspace(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for ChangeFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ChangeFailure::Workspace(error) => Some(error),
            ChangeFailure::Unknown { .. } | ChangeFailure::Refused { .. } => None,
        }
    }
}

impl From<StoreError> for ChangeFailure {
    fn from(error: StoreError) -> ChangeFailure {
        ChangeFailure::Workspace(error.into())
    }
}

impl From<WorkspaceError> for ChangeFailure {
    fn from(error: WorkspaceError) -> ChangeFailure {
        ChangeFailure::Workspace(error)
    }
}

/// What one row asks of the store, as the engine stage decided it.
pub(super) enum Write {
    /// A new entity: the row as it was read and encoded.
    Created { ordinal: u32 },
    /// An existing entity, re-encoded after merging.
    Updated { ordinal: u32, encoded: Vec<u8> },
    /// A valid row that changes nothing of an existing entity.
    Unchanged { ordinal: u32 },
    /// A bad row, or any row once nothing will be written.
    Nothing,
}

/// Counts of entities, not rows: a file may name an entity twice. New ones
/// have ordinals from `first_new` on; an existing one is updated if any of
/// its rows changed it, unchanged if none did, and counted once.
struct EntityTally {
    first_new: u32,
    updated: FixedBitSet,
    unchanged: FixedBitSet,
}

impl EntityTally {
    fn new(first_new: u32) -> EntityTally {
        EntityTally {
            first_new,
            updated: FixedBitSet::with_capacity(first_new as usize),
            unchanged: FixedBitSet::with_capacity(first_new as usize),
        }
    }

    fn count(&mut self, write: &Write, report: &mut ImportReport) {
        match *write {
            Write::Created { .. } => report.created += 1,
            Write::Updated { ordinal, .. }
                if ordinal < self.first_new && !self.updated.contains(ordinal as usize) =>
            {
                if self.unchanged.contains(ordinal as usize) {
                    self.unchanged.set(ordinal as usize, false);
                    report.unchanged -= 1;
                }
                self.updated.insert(ordinal as usize);
                report.updated += 1;
            }
            Write::Unchanged { ordinal }
                if ordinal < self.first_new
                    && !self.updated.contains(ordinal as usize)
                    && !self.unchanged.contains(ordinal as usize) =>
            {
                self.unchanged.insert(ordinal as usize);
                report.unchanged += 1;
            }
            _ => {}
        }
    }
}

/// The part of an import that folds rows into the engine's snapshot, on a
/// thread of its own: it decides what each row does and counts it.
struct EngineStage<'e> {
    engine: &'e mut Engine,
    kind: EntityKind,
    mode: ImportMode,
    skip_invalid: bool,
    ordinals: Ordinals,
    touched: Touched,
    report: ImportReport,
    tally: EntityTally,
    errors: Vec<RowError>,
    error_count: usize,
    failure: Option<StoreError>,
}

impl EngineStage<'_> {
    /// After the first batch: room in the snapshot for as many new rows as
    /// the whole input will likely create (so nothing grows row by row).
    fn make_room(&mut self, batch: &RowBatch, writes: &[Write], expected_rows: Option<usize>) {
        let Some(expected_rows) = expected_rows else {
            return;
        };
        let created = writes
            .iter()
            .filter(|write| matches!(write, Write::Created { .. }))
            .count();
        let expected_new =
            (expected_rows.saturating_mul(created) / batch.len().max(1)).min(MOST_ROWS_RESERVED);
        let rows = self.engine.table(self.kind).rows();
        self.engine
            .reserve(self.kind, rows.saturating_add(expected_new));
    }

    /// Folds a batch in; one write per row (`Nothing` for bad rows and for
    /// everything once nothing will be written).
    fn merge_batch(&mut self, batch: &RowBatch) -> Vec<Write> {
        let mut writes = Vec::with_capacity(batch.len());
        for row in batch {
            let write = match row {
                Err(error) => {
                    self.error_count += 1;
                    if self.errors.len() < LISTED_ROW_ERRORS {
                        self.errors.push(error.clone());
                    }
                    Write::Nothing
                }
                // After a bad row nothing will be written; only count errors.
                Ok(_) if self.failure.is_some() || (self.error_count > 0 && !self.skip_invalid) => {
                    Write::Nothing
                }
                Ok(row) => {
                    self.report.segments_left_out += usize::from(row.segments_left_out);
                    let folded = merge_row(
                        self.engine,
                        &mut self.ordinals,
                        self.kind,
                        row,
                        self.mode,
                        &mut self.touched,
                    );
                    match folded {
                        Ok(write) => {
                            self.tally.count(&write, &mut self.report);
                            write
                        }
                        Err(error) => {
                            self.failure = Some(error);
                            Write::Nothing
                        }
                    }
                }
            };
            writes.push(write);
        }
        writes
    }
}

/// Writes what the engine stage decided for a batch.
fn write_batch(
    writer: &mut EntityWriter,
    batch: &RowBatch,
    writes: &[Write],
) -> Result<(), StoreError> {
    for (row, write) in batch.iter().zip(writes) {
        if let Ok(row) = row {
            write_row(writer, row, write)?;
        }
    }
    Ok(())
}

pub(super) fn write_row(
    writer: &mut EntityWriter,
    row: &ImportRow,
    write: &Write,
) -> Result<(), StoreError> {
    match write {
        Write::Created { ordinal } => writer.put_encoded(&row.id, *ordinal, &row.encoded),
        Write::Updated { ordinal, encoded } => writer.put_encoded(&row.id, *ordinal, encoded),
        Write::Unchanged { .. } | Write::Nothing => Ok(()),
    }
}

impl Workspace {
    /// Imports entities of `kind` from `input`. All or nothing unless
    /// `skip_invalid`, which imports the good rows and reports the rest.
    /// `progress` hears how far the import is after every batch; when it
    /// answers `Break` the import stops there and nothing is written.
    ///
    /// Three threads share the work: one reads rows, one folds them into
    /// the engine's snapshot, and this one writes them to the store.
    pub fn import(
        &mut self,
        kind: EntityKind,
        source: ImportSource,
        mode: ImportMode,
        skip_invalid: bool,
        progress: &mut dyn FnMut(ImportProgress) -> ControlFlow<()>,
    ) -> Result<ImportReport, ImportFailure> {
        self.may_record()?;
        let change = self.store.begin()?;
        let mut writer = change.entities(kind)?;
        let mut reader = BackgroundReader::start(source, kind).map_err(ImportFailure::File)?;
        let recycler = reader.recycler();
        let mut stage = EngineStage {
            engine: &mut self.engine,
            kind,
            mode,
            skip_invalid,
            ordinals: writer.ordinals(),
            touched: Touched::default(),
            report: ImportReport::default(),
            tally: EntityTally::new(writer.ordinals().first_unused()),
            errors: Vec::new(),
            error_count: 0,
            failure: None,
        };
        let mut rows_read = 0;
        let mut store_error = None;
        let mut cancelled = false;
        let (to_store, for_store) =
            std::sync::mpsc::sync_channel::<(RowBatch, Vec<Write>, Option<usize>)>(4);
        let read = std::thread::scope(|scope| {
            let engine_stage = std::thread::Builder::new()
                .name("import-engine".to_string())
                .spawn_scoped(scope, || {
                    let mut first = true;
                    while let Some(batch) = reader.next_batch() {
                        let writes = stage.merge_batch(&batch);
                        if std::mem::take(&mut first) {
                            stage.make_room(&batch, &writes, reader.expected_rows());
                        }
                        let stop = stage.failure.is_some();
                        let expected = reader.expected_rows();
                        if to_store.send((batch, writes, expected)).is_err() || stop {
                            break;
                        }
                    }
                    drop(to_store);
                    reader.finish()
                });
            let Ok(engine_stage) = engine_stage else {
                return Err("cannot start the import: no thread for it".to_string());
            };
            for (batch, writes, expected_rows) in &for_store {
                if let Err(error) = write_batch(&mut writer, &batch, &writes) {
                    store_error = Some(error);
                    break;
                }
                rows_read += batch.len();
                let _ = recycler.send(batch);
                let heard = progress(ImportProgress {
                    rows: rows_read,
                    expected_rows,
                });
                if heard.is_break() {
                    cancelled = true;
                    break;
                }
            }
            // Stops the engine stage if this one stopped early.
            drop(for_store);
            engine_stage
                .join()
                .unwrap_or_else(|_| Err("the import stopped unexpectedly".to_string()))
        });
        let _ = progress(ImportProgress {
            rows: rows_read,
            expected_rows: None,
        });
        writer.set_ordinals(stage.ordinals);
        let finished = writer.finish();
        let EngineStage {
            touched,
            mut report,
            mut errors,
            error_count,
            failure,
            ..
        } = stage;
        let failure = match (read, store_error.or(failure).or(finished.err())) {
            _ if cancelled => Some(ImportFailure::Cancelled),
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
        let deltas = self.commit_recorded(change, deltas)?;
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
    ) -> Result<Vec<MembershipCount>, ChangeFailure> {
        if self.engine.row_of(kind, id).is_none() {
            return Err(ChangeFailure::Unknown {
                kind,
                ids: vec![id.to_string()],
            });
        }
        // The same rule as import's for the account a user belongs to.
        if kind == EntityKind::Users
            && let Some((_, Some(Value::Scalar(Scalar::String(account))))) =
                assignments.iter().find(|(name, _)| name == ACCOUNT_ID)
            && !account.is_empty()
            && let Some(problem) = id_problem("account_id", account)
        {
            return Err(ChangeFailure::Refused { reason: problem });
        }
        self.may_record()?;
        let change = self.store.begin()?;
        let row = ImportRow::new(0, id.to_string(), assignments).map_err(|error| {
            ChangeFailure::from(StoreError::Unencodable {
                what: format!("{} {id}", kind.singular()),
                reason: error.message,
            })
        })?;
        let mut touched = Touched::default();
        let write = {
            let mut writer = change.entities(kind)?;
            let mut ordinals = writer.ordinals();
            let write = merge_row(
                &mut self.engine,
                &mut ordinals,
                kind,
                &row,
                ImportMode::Merge,
                &mut touched,
            )?;
            write_row(&mut writer, &row, &write)?;
            writer.set_ordinals(ordinals);
            writer.finish()?;
            write
        };
        let deltas = match write {
            Write::Created { .. } | Write::Updated { .. } => self.engine.settle(touched),
            Write::Unchanged { .. } | Write::Nothing => Vec::new(),
        };
        let deltas = self.commit_recorded(change, deltas)?;
        Ok(summarize(&deltas))
    }

    /// Deletes entities; every id must exist, or nothing is deleted.
    pub fn delete(
        &mut self,
        kind: EntityKind,
        ids: &[String],
    ) -> Result<Vec<MembershipCount>, ChangeFailure> {
        let unknown: Vec<String> = ids
            .iter()
            .filter(|id| self.engine.row_of(kind, id).is_none())
            .cloned()
            .collect();
        if !unknown.is_empty() {
            return Err(ChangeFailure::Unknown { kind, ids: unknown });
        }
        self.may_record()?;
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
        let deltas = self.commit_recorded(change, deltas)?;
        Ok(summarize(&deltas))
    }

    /// Rebuilds the snapshot from the store after a change that failed
    /// half-way through (the store rolled back; the engine must too).
    pub(super) fn restore_engine(&mut self) -> Result<(), WorkspaceError> {
        let built = match build_engine(&self.store, self.now) {
            // The failed change left the handle refusing every read.
            Err(WorkspaceError::Store(StoreError::FailedEarlier { .. })) => {
                self.store.reopen()?;
                build_engine(&self.store, self.now)
            }
            built => built,
        };
        let (engine, registry, deltas) = built?;
        self.engine = engine;
        self.registry = registry;
        // What moved since the last recorded evaluation is still unrecorded.
        self.unrecorded = deltas;
        // A new snapshot counts its generations afresh.
        self.id_order = super::entity_set::IdOrder::default();
        Ok(())
    }
}

/// Merges (or replaces) one row into the engine's tables, noting in
/// `touched` the rows to settle, and says what the store must write.
pub(super) fn merge_row(
    engine: &mut Engine,
    ordinals: &mut Ordinals,
    kind: EntityKind,
    row: &ImportRow,
    mode: ImportMode,
    touched: &mut Touched,
) -> Result<Write, StoreError> {
    let Some(ordinal) = engine.row_of(kind, &row.id) else {
        let ordinal = ordinals.allocate()?;
        engine.load(
            kind,
            ordinal,
            &row.id,
            present_pairs(&row.properties),
            touched,
        );
        return Ok(Write::Created { ordinal });
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
        return Ok(Write::Unchanged { ordinal });
    }
    let encoded = encode_properties(property_pairs(&properties))?;
    engine.load(kind, ordinal, &row.id, property_pairs(&properties), touched);
    Ok(Write::Updated { ordinal, encoded })
}

/// How many entered and left each segment (a segment a cascade of
/// playbook firings moved more than once is counted once, in all); the
/// triggers of playbooks are not segments and are left out.
pub(super) fn summarize(deltas: &[MembershipDelta]) -> Vec<MembershipCount> {
    let mut counts: Vec<MembershipCount> = Vec::new();
    for delta in deltas.iter().filter(|delta| !delta.trigger) {
        match counts.iter_mut().find(|c| c.segment == delta.segment) {
            Some(count) => {
                count.entered += delta.entered.len();
                count.exited += delta.exited.len();
            }
            None => counts.push(MembershipCount {
                segment: delta.segment.clone(),
                entered: delta.entered.len(),
                exited: delta.exited.len(),
            }),
        }
    }
    counts
}

/// How many entities entered and how many left one segment in one change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MembershipCount {
    pub segment: String,
    pub entered: usize,
    pub exited: usize,
}

impl MembershipCount {
    /// Entered plus exited: how many memberships moved.
    pub fn moved(&self) -> usize {
        self.entered + self.exited
    }
}
