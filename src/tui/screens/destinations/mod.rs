//! The Destinations screen: on the left the destinations (name, connector,
//! how the last run ended and when); on the right the selected one's tab —
//! per kind its segment filter with member counts, its key and mappings
//! (the Segments mapping as a List or as Multi-line text), its settings
//! (environment variables by name only: a secret's value is never read
//! into the screen), and below either its run history (the last runs with
//! their counts, the selected run's record errors) or its last dry run (the
//! plan counted, the requests, a few payloads).
//!
//! `d` makes a dry run and `S` syncs, each as a job on the worker thread
//! (`jobs`): the status bar's gauge follows a sync, the history shows its
//! counts as it goes, and `c` (or Ctrl-x) cancels it between batches. `e`
//! edits the selected part's segment filter in a picker and `m` flips its
//! Segments mapping; both save through the workspace, which rewrites a
//! destination from a file in its file (`edit`). Drawing is `draw`'s.

mod draw;
mod edit;
mod jobs;
mod lower;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ratatui::Frame;
use ratatui::layout::Rect;

use super::{Changed, Context, Handled, Input, Look, Screen, ScreenId};
use crate::lang::destination::variable_is_set;
use crate::model::destination::{ConnectorKind, Destination};
use crate::model::sync_run::SyncRun;
use crate::model::{EntityKind, Origin, fold_name};
use crate::tui::action::{Action, Scope};
use crate::workspace::{SegmentSummary, Workspace, clock_now};
use edit::FilterPicker;
use jobs::{DryRun, Shared, landed};

/// Runs the history shows.
const RUNS: usize = 10;

/// How often "2 min ago" is brought up to date while the screen is shown.
const CLOCK_EVERY: Duration = Duration::from_secs(30);

/// One destination as the screen shows it, read at refresh.
struct Entry {
    destination: Destination,
    origin: Origin,
    /// Newest first, or why they could not be read.
    runs: Result<Vec<SyncRun>, String>,
    /// One per kind the destination sends, in its order.
    parts: Vec<Part>,
    /// The environment variable its secret is read from, if it names one.
    secret: Option<Secret>,
    warnings: Vec<String>,
}

/// What one kind's filter selects now.
struct Part {
    kind: EntityKind,
    /// Each segment of the filter with its members (`None`: no such
    /// segment).
    filter: Vec<(String, Option<usize>)>,
    /// Entities the filter selects, or why it cannot select.
    selected: Result<usize, String>,
    /// Entities of the kind.
    of: usize,
}

/// A secret, by the name of the variable that holds it.
struct Secret {
    what: &'static str,
    variable: String,
    set: bool,
}

/// What the lower half of the tab shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lower {
    Runs,
    Plan,
}

pub struct DestinationsScreen {
    entries: Vec<Entry>,
    /// Every segment, for the filter's counts and the picker.
    segments: Vec<SegmentSummary>,
    selected: usize,
    /// The part (users or accounts) `e` and `m` change.
    part: EntityKind,
    /// The selected run of the history.
    run: usize,
    lower: Lower,
    /// The last dry run of each destination (by folded name), until the
    /// definitions or the data change.
    plans: HashMap<String, Result<DryRun, String>>,
    picker: Option<FilterPicker>,
    shared: Shared,
    /// The clock (not `--now`) that "2 min ago" is counted from.
    clock: i64,
    next_clock: Option<Instant>,
    in_view: bool,
}

impl DestinationsScreen {
    pub fn new() -> DestinationsScreen {
        DestinationsScreen {
            entries: Vec::new(),
            segments: Vec::new(),
            selected: 0,
            part: EntityKind::Users,
            run: 0,
            lower: Lower::Runs,
            plans: HashMap::new(),
            picker: None,
            shared: Arc::default(),
            clock: clock_now(),
            next_clock: None,
            in_view: false,
        }
    }

    fn entry(&self) -> Option<&Entry> {
        self.entries.get(self.selected)
    }

    /// The part `e` and `m` change: the one chosen with `h`/`l` when the
    /// destination sends that kind, else its first.
    fn part_kind(&self) -> Option<EntityKind> {
        let entry = self.entry()?;
        let kinds = &entry.destination.kinds;
        kinds
            .iter()
            .find(|k| k.kind == self.part)
            .or(kinds.first())
            .map(|k| k.kind)
    }

    fn runs(&self) -> &[SyncRun] {
        match self.entry().map(|entry| &entry.runs) {
            Some(Ok(runs)) => runs,
            _ => &[],
        }
    }

    fn plan(&self) -> Option<&Result<DryRun, String>> {
        let entry = self.entry()?;
        self.plans.get(&fold_name(&entry.destination.name))
    }

    /// The destination a command names (the words after it at the prompt),
    /// or the selected one; selects it. `None` after saying why not.
    fn target(&mut self, arguments: &[String], context: &mut Context) -> Option<Destination> {
        if arguments.is_empty() {
            let Some(entry) = self.entry() else {
                context.out.error(no_destinations());
                return None;
            };
            return Some(entry.destination.clone());
        }
        let name = arguments.join(" ");
        let name = name.trim().trim_matches('"');
        let index = self
            .entries
            .iter()
            .position(|entry| fold_name(&entry.destination.name) == fold_name(name));
        match index {
            Some(index) => {
                self.select(index);
                Some(self.entries[index].destination.clone())
            }
            None => {
                let known: Vec<String> = self
                    .entries
                    .iter()
                    .map(|entry| format!("\"{}\"", entry.destination.name))
                    .collect();
                let known = if known.is_empty() {
                    no_destinations()
                } else {
                    format!("the destinations are {}", known.join(", "))
                };
                context
                    .out
                    .error(format!("there is no destination named \"{name}\": {known}"));
                None
            }
        }
    }

    fn select(&mut self, index: usize) {
        if index != self.selected {
            self.selected = index;
            self.run = 0;
        }
    }

    fn move_selection(&mut self, action: Action, page: usize) -> bool {
        let last = self.entries.len().saturating_sub(1);
        let next = match action {
            Action::Up => self.selected.saturating_sub(1),
            Action::Down => (self.selected + 1).min(last),
            Action::Top => 0,
            Action::Bottom => last,
            Action::PageUp => self.selected.saturating_sub(page),
            Action::PageDown => (self.selected + page).min(last),
            _ => return false,
        };
        self.select(next);
        true
    }

    fn move_run(&mut self, forward: bool) {
        self.lower = Lower::Runs;
        let last = self.runs().len().saturating_sub(1);
        self.run = if forward {
            (self.run + 1).min(last)
        } else {
            self.run.saturating_sub(1)
        };
    }

    fn dry_run(&mut self, arguments: &[String], context: &mut Context) {
        let Some(destination) = self.target(arguments, context) else {
            return;
        };
        if context.workspace().is_none() {
            return;
        }
        self.lower = Lower::Plan;
        context.out.job = Some(jobs::dry_run_job(destination, Arc::clone(&self.shared)));
    }

    fn sync(&mut self, arguments: &[String], context: &mut Context) {
        let Some(destination) = self.target(arguments, context) else {
            return;
        };
        if let Some(problem) = missing_secret(&destination, context) {
            context.out.error(problem);
            return;
        }
        if context.workspace().is_none() {
            return;
        }
        // What the last dry run planned is not what the next one would.
        self.plans.remove(&fold_name(&destination.name));
        self.lower = Lower::Runs;
        self.run = 0;
        context.out.job = Some(jobs::sync_job(destination, Arc::clone(&self.shared)));
    }

    fn handle_input(&mut self, input: &Input, context: &mut Context) -> Handled {
        if self.picker.is_some() {
            self.handle_picker(input, context);
            return Handled::Consumed;
        }
        let Some(action) = input.action else {
            return Handled::Ignored;
        };
        match action {
            Action::DryRun => self.dry_run(&input.arguments, context),
            Action::Sync => self.sync(&input.arguments, context),
            Action::EditSegmentFilter => self.open_picker(context),
            Action::ToggleSegmentsEncoding => self.toggle_encoding(context),
            Action::CancelSync => context.out.command = Some((Action::CancelJob, Vec::new())),
            Action::DestinationUsers => self.part = EntityKind::Users,
            Action::DestinationAccounts => self.part = EntityKind::Accounts,
            Action::NextRun => self.move_run(true),
            Action::PreviousRun => self.move_run(false),
            Action::ShowPlan => {
                self.lower = match self.lower {
                    Lower::Runs => Lower::Plan,
                    Lower::Plan => Lower::Runs,
                }
            }
            other => {
                if !self.move_selection(other, context.page_rows) {
                    return Handled::Ignored;
                }
            }
        }
        Handled::Consumed
    }

    /// Takes the dry runs jobs left since the last look.
    fn take_landed(&mut self) {
        let landed: Vec<_> = std::mem::take(&mut landed(&self.shared).dry_runs);
        for (name, made) in landed {
            self.plans.insert(fold_name(&name), made);
        }
    }
}

impl Default for DestinationsScreen {
    fn default() -> DestinationsScreen {
        DestinationsScreen::new()
    }
}

impl Screen for DestinationsScreen {
    fn id(&self) -> ScreenId {
        ScreenId::Destinations
    }

    fn scopes(&self) -> &'static [Scope] {
        if self.picker.is_some() {
            &[Scope::Picker, Scope::TextLine]
        } else {
            &[Scope::Destinations, Scope::List]
        }
    }

    fn takes_text(&self) -> bool {
        self.picker.is_some()
    }

    fn unsaved_work(&self) -> Option<&'static str> {
        self.picker
            .as_ref()
            .filter(|picker| picker.is_changed())
            .map(|_| "your changes to the segment filter")
    }

    fn handle(&mut self, input: &Input, context: &mut Context) -> Handled {
        self.handle_input(input, context)
    }

    fn refresh(&mut self, workspace: &Workspace, changed: &Changed) {
        let selected = self.entry().map(|entry| fold_name(&entry.destination.name));
        self.segments = workspace.segments();
        self.entries = workspace
            .destinations()
            .into_iter()
            .map(|summary| read_entry(workspace, &self.segments, summary))
            .collect();
        if let Some(name) = selected
            && let Some(index) = self
                .entries
                .iter()
                .position(|entry| fold_name(&entry.destination.name) == name)
        {
            self.selected = index;
        }
        self.selected = self.selected.min(self.entries.len().saturating_sub(1));
        self.run = self.run.min(self.runs().len().saturating_sub(1));
        if changed.any() {
            // A plan made before the change no longer says what would go.
            self.plans.clear();
        }
        self.take_landed();
        self.clock = clock_now();
    }

    fn set_shown(&mut self, shown: bool, _workspace: &Workspace) {
        self.in_view = shown;
        self.clock = clock_now();
        self.next_clock = shown.then(|| Instant::now() + CLOCK_EVERY);
    }

    fn tick(&mut self, now: Instant, _workspace: &Workspace) -> bool {
        match self.next_clock {
            Some(due) if self.in_view && now >= due => {
                self.clock = clock_now();
                self.next_clock = Some(now + CLOCK_EVERY);
                true
            }
            _ => false,
        }
    }

    fn deadline(&self) -> Option<Instant> {
        self.next_clock.filter(|_| self.in_view)
    }

    fn draw(&self, frame: &mut Frame, area: Rect, look: &Look) {
        draw::draw(self, frame, area, look);
    }

    fn hints(&self) -> Vec<(Action, &'static str)> {
        if self.entries.is_empty() {
            return vec![(Action::Prompt, "apply FILE"), (Action::Help, "help")];
        }
        if self.picker.is_some() {
            return vec![
                (Action::Accept, "tick"),
                (Action::SaveTicked, "save"),
                (Action::Dismiss, "leave as it was"),
            ];
        }
        vec![
            (Action::DryRun, "dry run"),
            (Action::Sync, "sync now"),
            (Action::EditSegmentFilter, "filter"),
            (Action::ToggleSegmentsEncoding, "list/text"),
            (Action::DestinationUsers, "users/accounts"),
            (Action::ShowPlan, "plan/runs"),
            (Action::CancelSync, "cancel"),
            (Action::Help, "help"),
        ]
    }
}

/// What the screen keeps of a destination.
fn read_entry(
    workspace: &Workspace,
    segments: &[SegmentSummary],
    summary: crate::workspace::DestinationSummary,
) -> Entry {
    let destination = summary.destination;
    let runs = workspace
        .sync_runs(Some(&destination.name), RUNS)
        .map_err(|error| error.to_string());
    let parts = destination
        .kinds
        .iter()
        .map(|sync| {
            let filter = sync
                .segments
                .iter()
                .map(|name| {
                    let members = segments
                        .iter()
                        .find(|s| fold_name(&s.name) == fold_name(name))
                        .map(|s| s.members);
                    (name.clone(), members)
                })
                .collect();
            let of = workspace.entity_count(sync.kind);
            let selected = if sync.segments.is_empty() {
                Ok(of)
            } else {
                workspace
                    .members_of_any(sync.kind, &sync.segments)
                    .map(|set| set.len())
                    .map_err(|error| error.to_string())
            };
            Part {
                kind: sync.kind,
                filter,
                selected,
                of,
            }
        })
        .collect();
    let secret = secret_of(&destination).map(|(what, variable)| Secret {
        what,
        set: variable_is_set(variable),
        variable: variable.to_string(),
    });
    let warnings = workspace.destination_warnings(&destination);
    Entry {
        destination,
        origin: summary.origin,
        runs,
        parts,
        secret,
        warnings,
    }
}

/// What secret a destination reads, and from which variable.
fn secret_of(destination: &Destination) -> Option<(&'static str, &str)> {
    match destination.connector {
        ConnectorKind::HubSpot => destination.token_env.as_deref().map(|v| ("token", v)),
        ConnectorKind::Webhook => destination
            .secret_env
            .as_deref()
            .map(|v| ("signing secret", v)),
        ConnectorKind::File => None,
    }
}

/// Why a sync cannot start: its secret's variable is not set (the UI's
/// environment is the one it started with, so the fix is a restart).
fn missing_secret(destination: &Destination, context: &Context) -> Option<String> {
    let (what, variable) = secret_of(destination)?;
    if variable_is_set(variable) {
        return None;
    }
    Some(format!(
        "cannot sync \"{}\": its {what} is read from the environment variable {variable}, which is not set: quit, export {variable} and start segscope again (the value is never stored or shown); {} shows the plan without it",
        destination.name,
        context.keymap.key_label(Action::DryRun)
    ))
}

/// How to make a first destination.
const HOW_TO_DEFINE: &str = "define one in a .seg file — destination \"HubSpot\" hubspot { ... } — see grammar/README.md (Destinations), then :apply FILE";

/// What a command that needs a destination says when there is none.
fn no_destinations() -> String {
    format!("no destinations: {HOW_TO_DEFINE}")
}
