//! The one façade both faces use. A workspace owns the store (the truth on
//! disk) and the engine (the snapshot in memory) and keeps them in step:
//! every change is written in one store transaction together with the
//! membership events and members it causes, and applied to the engine.
//!
//! Opening copies the engine's tables from the snapshot file beside the
//! database when it is of the store's last commit (else decodes them from
//! the store), takes the stored members, and evaluates as of `now` what
//! they cannot answer (segments reading relative times, and what reads
//! them); when the workspace records (commands that change things),
//! membership that moved since the last evaluation is recorded then, with
//! `now` as its instant.
//!
//! History only moves forward: a change that records membership events is
//! refused when `now` is before the last recorded evaluation or after the
//! clock ([`HistoryOrder`]). Reading evaluates as of any instant.

mod answers;
mod apply;
mod changes;
mod data_check;
mod destinations;
mod edit;
mod entity_set;
mod explain;
mod firing;
mod listing;
mod playbook_checks;
mod playbook_saving;
mod playbook_ui;
mod playbooks;
mod registry;
mod rename;
mod saving;
mod segment_file;
mod snapshot;
mod stages;
mod sync_state;
mod trends;
mod views;
mod vocabulary;

use std::path::Path;
use std::time::Duration;

/// The calendar of relative times (`30 days ago` as of an instant), for the
/// faces' own instants (`--since "1 hour ago"`, `set last_seen_at=now`).
pub use crate::engine::resolve_relative;
/// Import sources and formats, as the faces name them.
pub use crate::store::import::{ImportFormat, ImportSource};
/// The store's errors, as the faces name them.
pub use crate::store::{StoreError, StoreOperation, guarded};
pub use answers::{EntityView, HistoryFilter, MembersError, SegmentSummary};
pub use apply::{ApplyFailure, ApplyReport, CheckedSources, SourceText};
pub use changes::{
    ChangeFailure, ImportFailure, ImportMode, ImportProgress, ImportReport, LISTED_ROW_ERRORS,
    MembershipCount,
};
pub use destinations::DestinationSummary;
pub use edit::{
    DeleteSegmentFailure, DraftField, EntityKindChoice, PREVIEW_SAMPLE, Preview, SaveFailure,
    SegmentDraft,
};
pub use entity_set::{EntityRow, EntitySet};
pub use explain::{Clause, ClauseShape, ExplainError, Explanation};
pub use firing::{FiredCount, PlaybookNews, action_text};
pub use listing::{PropertyInfo, SortJob, value_text};
pub use playbook_ui::{DraftPart, DraftProblem, PlaybookDraft};
pub use playbooks::{PlaybookFailure, PlaybookSummary};
pub use snapshot::TablesFrom;
pub use stages::{MAX_OFFERED_STAGES, StageColumn, StageColumnKind};
pub use sync_state::Acknowledged;
pub use trends::{DayCount, MAX_TREND_DAYS, TrendError};
pub use views::{DeleteViewFailure, ViewSummary};
pub use vocabulary::MAX_DISTINCT_COUNTED;

use crate::engine::{Engine, MembershipDelta};
use crate::model::fold_name;
use crate::store::{Change, Store};
use registry::Registry;

/// How to open a workspace.
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    /// Evaluate as of this instant (microseconds, UTC); default: the clock.
    pub now: Option<i64>,
    /// Wait this long for another process to release the database.
    pub wait: Option<Duration>,
    /// Record membership changes found at open (commands that write).
    pub record: bool,
}

pub struct Workspace {
    store: Store,
    engine: Engine,
    /// Every stored definition, parsed, with the reference graph.
    registry: Registry,
    now: i64,
    /// How membership moved since the last recorded evaluation, found at
    /// open: (segment, entered, exited).
    moved_at_open: Vec<MembershipCount>,
    /// Each kind's living rows in id order, kept between answers.
    id_order: entity_set::IdOrder,
    /// What playbooks did since the faces last asked.
    news: PlaybookNews,
    /// How membership and playbooks' triggers moved at an open that did
    /// not record: the next change records them (and fires for them)
    /// first, so nothing that moved meanwhile is taken as never moved.
    unrecorded: Vec<MembershipDelta>,
    /// Where the tables came from at open.
    tables_from: TablesFrom,
    /// The stamp of the snapshot file beside the database when it is known
    /// to image a commit (the one read at open, or the last one written).
    snapshot_stamp: Option<crate::store::Stamp>,
}

/// A failure of the workspace: the store's, or a definition in the store
/// that no longer compiles.
#[derive(Debug)]
pub enum WorkspaceError {
    Store(StoreError),
    Definitions(String),
    /// A change would record membership events out of order in time.
    HistoryOrder(HistoryOrder),
}

/// Why a change may not record events as of `now`: the history of who
/// entered and left a segment must read forward in time, so an instant
/// earlier than the last recorded evaluation, or later than the clock (the
/// next evaluation at the clock's time would then go back), is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HistoryOrder {
    BeforeLastEvaluation { now: i64, last: i64 },
    InTheFuture { now: i64, clock: i64 },
}

impl std::fmt::Display for HistoryOrder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::model::format_instant;
        match self {
            HistoryOrder::BeforeLastEvaluation { now, last } => write!(
                f,
                "cannot record changes as of {}: membership was last recorded as of {}, and history only moves forward (commands that only read, such as query, segments, show and export, take any --now; `run --dry-run` shows what would move)",
                format_instant(*now),
                format_instant(*last)
            ),
            HistoryOrder::InTheFuture { now, clock } => write!(
                f,
                "cannot record changes as of {}: it is later than the clock ({}), and the next evaluation at the clock's time would move history back (commands that only read take any --now; `run --dry-run` shows what would move then)",
                format_instant(*now),
                format_instant(*clock)
            ),
        }
    }
}

impl std::fmt::Display for WorkspaceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WorkspaceError::Store(error) => error.fmt(f),
            WorkspaceError::Definitions(message) => f.write_str(message),
            WorkspaceError::HistoryOrder(order) => order.fmt(f),
        }
    }
}

impl std::error::Error for WorkspaceError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WorkspaceError::Store(error) => Some(error),
            WorkspaceError::Definitions(_) | WorkspaceError::HistoryOrder(_) => None,
        }
    }
}

impl From<StoreError> for WorkspaceError {
    fn from(error: StoreError) -> WorkspaceError {
        WorkspaceError::Store(error)
    }
}

/// Whether a database is at `path`: a file that is missing, empty or all
/// zero bytes (what an interrupted creation can leave) is none, and a
/// command that needs one says so rather than calling it damaged. A file
/// that cannot be read counts as one, for opening to report why.
pub fn database_exists(path: &Path) -> bool {
    !crate::store::is_blank(path).unwrap_or(false)
}

/// The current instant in microseconds since the epoch.
pub fn clock_now() -> i64 {
    jiff::Timestamp::now().as_microsecond()
}

impl Workspace {
    pub fn open(path: &Path, options: OpenOptions) -> Result<Workspace, WorkspaceError> {
        let store = Store::open(path, options.wait)?;
        Workspace::over(store, options, AtOpen::Evaluate)
    }

    /// Opens an existing database for reading only: nothing is written to
    /// the file (it may be on read-only media), nothing is recorded, and a
    /// change asked of it fails. Read commands open this way.
    pub fn open_read_only(path: &Path, options: OpenOptions) -> Result<Workspace, WorkspaceError> {
        let store = Store::open_read_only(path, options.wait)?;
        let options = OpenOptions {
            record: false,
            ..options
        };
        Workspace::over(store, options, AtOpen::Evaluate)
    }

    /// Opens an existing database for reading only, to query properties:
    /// the segments that stored members cannot answer as of `now` (those
    /// that move with time, playbook triggers) are not evaluated until
    /// [`Workspace::evaluate_segments_read_by`] finds a condition that
    /// reads them. Until then only [`Workspace::query`] and what reads no
    /// segment (ids, properties without `segments`) may be asked.
    pub fn open_to_query(path: &Path, options: OpenOptions) -> Result<Workspace, WorkspaceError> {
        let store = Store::open_read_only(path, options.wait)?;
        let options = OpenOptions {
            record: false,
            ..options
        };
        Workspace::over(store, options, AtOpen::Defer)
    }

    /// Evaluates what [`Workspace::open_to_query`] put off that the
    /// condition reads (`in segment`, `segments`), so that querying it
    /// answers as of `now`; a condition with errors evaluates nothing.
    pub fn evaluate_segments_read_by(&mut self, kind: crate::model::EntityKind, condition: &str) {
        let Ok(condition) = self.check_condition(kind, condition) else {
            return;
        };
        let deltas = self.engine.settle_deferred_read_by(kind, &condition);
        if !deltas.is_empty() {
            self.moved_at_open.extend(changes::summarize(&deltas));
            self.unrecorded.extend(deltas);
        }
    }

    fn over(
        store: Store,
        options: OpenOptions,
        at_open: AtOpen,
    ) -> Result<Workspace, WorkspaceError> {
        let now = options.now.unwrap_or_else(clock_now);
        let stamp = store.stamp()?;
        let (engine, tables_from) = snapshot::load_tables(&store, &stamp, now)?;
        let snapshot_stamp = (tables_from == TablesFrom::Snapshot).then_some(stamp);
        let (engine, registry, deltas) = with_segments(engine, &store, at_open)?;
        let mut workspace = Workspace {
            store,
            engine,
            registry,
            now,
            moved_at_open: Vec::new(),
            id_order: entity_set::IdOrder::default(),
            news: PlaybookNews::default(),
            unrecorded: Vec::new(),
            tables_from,
            snapshot_stamp,
        };
        if options.record {
            workspace.may_record()?;
        }
        workspace.moved_at_open = if options.record && !deltas.is_empty() {
            let change = workspace.store.begin()?;
            let recorded = workspace.record_and_fire(&change, deltas, &Default::default())?;
            change.commit()?;
            changes::summarize(&recorded)
        } else {
            let moved = changes::summarize(&deltas);
            workspace.unrecorded = deltas;
            moved
        };
        Ok(workspace)
    }

    pub fn path(&self) -> &Path {
        self.store.path()
    }

    /// Writes the snapshot file when the one beside the database is not of
    /// the last commit (best effort: it is a cache), closes the database and
    /// leaves the engine's memory to the process's end: freeing millions of
    /// small values one by one takes longer than a short command's work.
    /// Use it only just before the process exits.
    pub fn close_and_exit_soon(mut self) {
        let _ = self.save_snapshot();
        let Workspace { store, engine, .. } = self;
        drop(store);
        std::mem::forget(engine);
    }

    /// The instant this workspace evaluates relative times against.
    pub fn now(&self) -> i64 {
        self.now
    }

    /// The engine itself, for benchmarks and tests that look inside; the
    /// faces (`cli`, `tui`) never use it (`tests/architecture.rs`).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// How membership moved between the last recorded evaluation and this
    /// open (recorded when opened with `record`).
    pub fn moved_at_open(&self) -> &[MembershipCount] {
        &self.moved_at_open
    }

    /// Whether a change may record events as of `now` (see [`HistoryOrder`]);
    /// every change asks before it touches anything.
    fn may_record(&self) -> Result<(), WorkspaceError> {
        if let Some(last) = self.store.evaluated_at()?
            && self.now < last
        {
            return Err(WorkspaceError::HistoryOrder(
                HistoryOrder::BeforeLastEvaluation {
                    now: self.now,
                    last,
                },
            ));
        }
        let clock = clock_now();
        if self.now > clock {
            return Err(WorkspaceError::HistoryOrder(HistoryOrder::InTheFuture {
                now: self.now,
                clock,
            }));
        }
        Ok(())
    }

    /// Replaces every stored chunk of a segment's members.
    fn rewrite_members(&self, change: &Change, name: &str) -> Result<(), StoreError> {
        let folded = fold_name(name);
        change.delete_members(&folded)?;
        if let Some((_, members)) = self.engine.members(name) {
            change.put_members(&folded, members, None)?;
        }
        Ok(())
    }

    /// Re-evaluates every segment as of `now` and records what moved, with
    /// `now` as its instant (what `segscope run` does at the clock's time).
    pub fn recompute_as_of(&mut self, now: i64) -> Result<Vec<MembershipCount>, WorkspaceError> {
        let before = std::mem::replace(&mut self.now, now);
        if let Err(error) = self.may_record() {
            self.now = before;
            return Err(error);
        }
        // Already evaluated as of `now` (at open, then kept by every
        // change): only what is unrecorded remains to record.
        let deltas = if now == before {
            Vec::new()
        } else {
            self.engine
                .set_now(now)
                .map_err(|error| WorkspaceError::Definitions(error.to_string()))?
        };
        if deltas.is_empty() && self.unrecorded.is_empty() {
            return Ok(Vec::new());
        }
        let recorded = self.commit_recorded(self.store.begin()?, deltas)?;
        Ok(changes::summarize(&recorded))
    }

    /// Marks the database as a generated demo.
    pub fn mark_demo(&self) -> Result<(), StoreError> {
        let change = self.store.begin()?;
        change.mark_demo()?;
        change.commit()
    }

    pub fn is_demo(&self) -> Result<bool, StoreError> {
        self.store.is_demo()
    }
}

/// The engine's snapshot of everything in `store`, evaluated as of `now`:
/// the engine, the stored definitions parsed, and how membership moved since the
/// stored members were recorded.
fn build_engine(
    store: &Store,
    now: i64,
) -> Result<(Engine, Registry, Vec<MembershipDelta>), WorkspaceError> {
    let (engine, _) = snapshot::load_tables(store, &store.stamp()?, now)?;
    with_segments(engine, store, AtOpen::Evaluate)
}

/// Whether opening evaluates what stored members cannot answer, or puts it
/// off ([`Workspace::open_to_query`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum AtOpen {
    Evaluate,
    Defer,
}

/// The engine with the store's segments and playbooks installed, their
/// stored members taken, and what those cannot answer evaluated as of the
/// engine's `now` ([`Engine::reevaluate_at_open`]).
fn with_segments(
    mut engine: Engine,
    store: &Store,
    at_open: AtOpen,
) -> Result<(Engine, Registry, Vec<MembershipDelta>), WorkspaceError> {
    let registry = Registry::new(store.definitions()?)?;
    let specs = registry.specs(&store.disabled_playbooks()?);
    let mut stored = std::collections::HashMap::new();
    for spec in &specs {
        let folded = fold_name(&spec.name);
        let bits = if spec.trigger {
            store.playbook_matches(&folded)?
        } else {
            store.members(&folded)?
        };
        stored.insert((spec.trigger, folded), bits);
    }
    engine
        .install_segments(specs, |spec| {
            stored
                .get_mut(&(spec.trigger, fold_name(&spec.name)))
                .and_then(Option::take)
        })
        .map_err(|error| WorkspaceError::Definitions(error.to_string()))?;
    let deltas = match at_open {
        AtOpen::Evaluate => engine.reevaluate_at_open(),
        AtOpen::Defer => {
            engine.defer_at_open();
            Vec::new()
        }
    };
    Ok((engine, registry, deltas))
}
