//! The application state and its update: keys become actions (through the
//! key map of the command table), actions change the state. Nothing here
//! draws; `draw` reads this state.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::commands::{Action, PROMPT_COMMANDS, Scope};
use super::editor::Editor;
use super::keymap::{Key, KeyMap};
use super::popup::{Confirm, Popup};
use super::theme::Theme;
use super::watch::WatchedFile;
use crate::model::EntityKind;
use crate::model::format_instant;
use crate::workspace::{ApplyFailure, SaveFailure, SegmentSummary, SourceText, Workspace};

/// The screens, in tab order.
pub const SCREENS: [&str; 5] = ["Segments", "Users", "Accounts", "Stages", "Destinations"];

/// The help never scrolls further than this many lines.
const HELP_SCROLL_LIMIT: u16 = 40;

/// How often watched files are looked at.
const WATCH_INTERVAL: Duration = Duration::from_millis(500);

/// The line at the bottom: the last message, and whether it is an error.
#[derive(Clone, Debug, Default)]
pub struct Status {
    pub message: String,
    pub is_error: bool,
}

/// The Segments screen's own state.
#[derive(Clone, Debug)]
pub struct SegmentsView {
    pub kind: EntityKind,
    pub selected: usize,
    pub filter: String,
    pub filtering: bool,
}

/// Long work (an import) that the event loop runs off the UI thread while it
/// shows progress; it hands back the status line to show.
pub struct Job {
    pub label: String,
    pub work: Box<dyn FnOnce(&mut Workspace) -> Status + Send>,
}

pub struct App {
    pub workspace: Workspace,
    /// Long work waiting to run (see [`Job`]).
    pub pending: Option<Job>,
    pub screen: usize,
    pub segments_view: SegmentsView,
    /// All segments, refreshed after every change.
    pub summaries: Vec<SegmentSummary>,
    pub editor: Option<Editor>,
    pub popups: Vec<Popup>,
    pub status: Status,
    pub keymap: KeyMap,
    pub theme: Theme,
    pub watched: Vec<WatchedFile>,
    pub quit: bool,
    /// Something changed since the last frame.
    pub dirty: bool,
    /// Rows a page moves (set from the last frame's size).
    pub page_rows: usize,
    last_watch: Instant,
}

impl App {
    pub fn new(workspace: Workspace, keymap: KeyMap, theme: Theme, watched: Vec<PathBuf>) -> App {
        let mut app = App {
            workspace,
            pending: None,
            screen: 0,
            segments_view: SegmentsView {
                kind: EntityKind::Users,
                selected: 0,
                filter: String::new(),
                filtering: false,
            },
            summaries: Vec::new(),
            editor: None,
            popups: Vec::new(),
            status: Status::default(),
            keymap,
            theme,
            watched: watched.into_iter().map(WatchedFile::new).collect(),
            quit: false,
            dirty: true,
            page_rows: 10,
            last_watch: Instant::now(),
        };
        app.refresh();
        app.info("? for help, : for commands, q to quit");
        app
    }

    pub fn info(&mut self, message: impl Into<String>) {
        self.status = Status {
            message: message.into(),
            is_error: false,
        };
        self.dirty = true;
    }

    pub fn error(&mut self, message: impl Into<String>) {
        self.status = Status {
            message: message.into(),
            is_error: true,
        };
        self.dirty = true;
    }

    /// Re-reads the segment list after a change.
    pub fn refresh(&mut self) {
        self.summaries = self.workspace.segments();
        let count = self.visible_segments().len();
        if self.segments_view.selected >= count {
            self.segments_view.selected = count.saturating_sub(1);
        }
        self.dirty = true;
    }

    /// The segments the Segments screen lists: its kind, its name filter.
    pub fn visible_segments(&self) -> Vec<&SegmentSummary> {
        let filter = self.segments_view.filter.to_lowercase();
        self.summaries
            .iter()
            .filter(|s| s.kind == self.segments_view.kind)
            .filter(|s| filter.is_empty() || s.name.to_lowercase().contains(&filter))
            .collect()
    }

    fn selected_segment(&self) -> Option<String> {
        self.visible_segments()
            .get(self.segments_view.selected)
            .map(|s| s.name.clone())
    }

    /// The scopes whose bindings apply now, most specific first.
    pub fn scopes(&self) -> Vec<Scope> {
        if self.editor.is_some() {
            vec![Scope::Editor]
        } else if self.screen == 0 {
            vec![Scope::Segments, Scope::Global]
        } else {
            vec![Scope::Global]
        }
    }

    // ------------------------------------------------------------ input

    /// Handles one key press: the top popup first, then the editor or the
    /// filter line, then the key map.
    pub fn on_key(&mut self, key: KeyEvent) {
        self.dirty = true;
        // Ctrl-C quits from anywhere, text fields and popups included.
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.quit = true;
            return;
        }
        if let Some(popup) = self.popups.pop() {
            if let Some(kept) = self.on_popup_key(popup, key) {
                self.popups.push(kept);
            }
            return;
        }
        if self.editor.is_some() {
            self.on_editor_key(key);
            return;
        }
        if self.segments_view.filtering {
            self.on_filter_key(key);
            return;
        }
        let bound = self.keymap.action(&self.scopes(), Key::from_event(&key));
        if let Some(action) = bound {
            self.update(action);
        }
    }

    /// With `--mouse`: the wheel moves the selection of the list in view.
    pub fn on_mouse(&mut self, event: crossterm::event::MouseEvent) {
        if !self.popups.is_empty() || self.editor.is_some() {
            return;
        }
        match event.kind {
            crossterm::event::MouseEventKind::ScrollUp => self.update(Action::Up),
            crossterm::event::MouseEventKind::ScrollDown => self.update(Action::Down),
            _ => {}
        }
    }

    fn on_filter_key(&mut self, key: KeyEvent) {
        match key.code {
            KeyCode::Esc => {
                self.segments_view.filtering = false;
                self.segments_view.filter.clear();
            }
            KeyCode::Enter => self.segments_view.filtering = false,
            KeyCode::Backspace => {
                self.segments_view.filter.pop();
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.segments_view.filter.push(c);
                self.segments_view.selected = 0;
            }
            _ => {}
        }
    }

    fn on_editor_key(&mut self, key: KeyEvent) {
        let bound = self.keymap.action(&[Scope::Editor], Key::from_event(&key));
        let Some(editor) = self.editor.as_mut() else {
            return;
        };
        let suggestions_open = !editor.suggestions.is_empty();
        match (bound, key.code) {
            (Some(Action::Save), _) => self.save(),
            (Some(Action::Close), _) if suggestions_open => editor.suggestions.clear(),
            (Some(Action::Close), _) => self.close_editor(),
            (Some(Action::NextField), _) => editor.next_field(&self.workspace),
            (Some(Action::PreviousField), _) => editor.previous_field(),
            (_, KeyCode::Down) if editor.move_suggestion(true) => {}
            (_, KeyCode::Up) if editor.move_suggestion(false) => {}
            _ => {
                editor.type_key(key, &self.workspace);
            }
        }
    }

    /// Handles a key for the top popup; returns it if it stays open.
    fn on_popup_key(&mut self, popup: Popup, key: KeyEvent) -> Option<Popup> {
        match popup {
            Popup::Help { scroll } => match key.code {
                KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('?') => None,
                KeyCode::Down | KeyCode::Char('j') => Some(Popup::Help {
                    scroll: scroll.saturating_add(1).min(HELP_SCROLL_LIMIT),
                }),
                KeyCode::Up | KeyCode::Char('k') => Some(Popup::Help {
                    scroll: scroll.saturating_sub(1),
                }),
                _ => Some(Popup::Help { scroll }),
            },
            Popup::Confirm { question, action } => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => {
                    self.confirmed(action);
                    None
                }
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => None,
                _ => Some(Popup::Confirm { question, action }),
            },
            Popup::Prompt { mut input, .. } => match key.code {
                KeyCode::Esc => None,
                KeyCode::Enter => {
                    let line = input.lines().join(" ");
                    self.run_prompt(&line);
                    None
                }
                KeyCode::Tab => {
                    let line = input.lines().join(" ");
                    if let Some(completed) = complete_prompt(&line) {
                        input = Box::new(single_line(&completed));
                    }
                    let completions = prompt_completions(&input.lines().join(" "));
                    Some(Popup::Prompt { input, completions })
                }
                _ => {
                    input.input(key);
                    let completions = prompt_completions(&input.lines().join(" "));
                    Some(Popup::Prompt { input, completions })
                }
            },
        }
    }

    // ------------------------------------------------------------ update

    pub fn update(&mut self, action: Action) {
        self.dirty = true;
        let count = self.visible_segments().len();
        let view = &mut self.segments_view;
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.popups.push(Popup::Help { scroll: 0 }),
            Action::Prompt => self.popups.push(Popup::prompt()),
            Action::Close => {
                self.popups.pop();
            }
            Action::NextScreen => self.screen = (self.screen + 1) % SCREENS.len(),
            Action::PreviousScreen => {
                self.screen = (self.screen + SCREENS.len() - 1) % SCREENS.len()
            }
            Action::Screen(index) => self.screen = index.min(SCREENS.len() - 1),
            Action::Up => view.selected = view.selected.saturating_sub(1),
            Action::Down => view.selected = (view.selected + 1).min(count.saturating_sub(1)),
            Action::Top => view.selected = 0,
            Action::Bottom => view.selected = count.saturating_sub(1),
            Action::PageUp => view.selected = view.selected.saturating_sub(self.page_rows),
            Action::PageDown => {
                view.selected = (view.selected + self.page_rows).min(count.saturating_sub(1))
            }
            Action::NextKind | Action::PreviousKind => {
                view.kind = match view.kind {
                    EntityKind::Users => EntityKind::Accounts,
                    EntityKind::Accounts => EntityKind::Users,
                };
                view.selected = 0;
            }
            Action::Filter => view.filtering = true,
            Action::NewSegment => {
                let kind = view.kind;
                self.screen = 0;
                self.editor = Some(Editor::new_segment(kind));
            }
            Action::EditSegment => match self.selected_segment() {
                Some(name) => self.editor = Editor::for_segment(&self.workspace, &name),
                None => self.info("no segment selected: n creates one"),
            },
            Action::DeleteSegment => match self.selected_segment() {
                Some(name) => self.ask_delete(name),
                None => self.info("no segment selected"),
            },
            Action::Save | Action::NextField | Action::PreviousField => {}
        }
    }

    fn ask_delete(&mut self, name: String) {
        if let Err(refused) = self.workspace.check_segment_deletion(&name) {
            return self.error(refused.summary());
        }
        self.popups.push(Popup::Confirm {
            question: format!("Delete segment \"{name}\"? (y/n)"),
            action: Confirm::DeleteSegment(name),
        });
    }

    fn confirmed(&mut self, action: Confirm) {
        match action {
            Confirm::DeleteSegment(name) => match self.workspace.delete_segment(&name) {
                Ok(_) => {
                    self.refresh();
                    self.info(format!("deleted \"{name}\""));
                }
                Err(failure) => self.error(failure.summary()),
            },
            Confirm::DiscardEdits => {
                self.editor = None;
                self.info("changes discarded");
            }
        }
    }

    fn close_editor(&mut self) {
        let changed = self.editor.as_ref().is_some_and(Editor::is_changed);
        if changed {
            self.popups.push(Popup::Confirm {
                question: "Discard your changes to this segment? (y/n)".to_string(),
                action: Confirm::DiscardEdits,
            });
        } else {
            self.editor = None;
        }
    }

    fn save(&mut self) {
        let Some(editor) = self.editor.as_mut() else {
            return;
        };
        let draft = editor.draft();
        match self.workspace.save_segment(&draft) {
            Ok(report) => {
                editor.mark_saved();
                let (entered, exited) = report
                    .membership
                    .iter()
                    .fold((0, 0), |(e, x), (_, entered, exited)| {
                        (e + entered, x + exited)
                    });
                let place = editor
                    .file
                    .as_deref()
                    .map_or(String::new(), |f| format!(" in {f}"));
                let name = draft.name.trim().to_string();
                // The file it may have written is already applied.
                for file in &mut self.watched {
                    file.changed();
                }
                self.editor = None;
                self.refresh();
                self.select_segment(&name);
                self.info(format!(
                    "saved \"{name}\"{place}: {entered} entered, {exited} left"
                ));
            }
            Err(failure) => {
                let summary = failure.summary();
                if let SaveFailure::Invalid { .. } = failure {
                    editor.save_error = Some(summary.clone());
                }
                self.error(format!("not saved: {summary}"));
            }
        }
    }

    fn select_segment(&mut self, name: &str) {
        if let Some(summary) = self.summaries.iter().find(|s| s.name == name) {
            self.segments_view.kind = summary.kind;
        }
        if let Some(index) = self.visible_segments().iter().position(|s| s.name == name) {
            self.segments_view.selected = index;
        }
    }

    // ------------------------------------------------------------ prompt

    fn run_prompt(&mut self, line: &str) {
        let mut words = line.split_whitespace();
        let Some(command) = words.next() else {
            return;
        };
        let arguments: Vec<&str> = words.collect();
        match command {
            "q" | "quit" => self.quit = true,
            "help" => self.popups.push(Popup::Help { scroll: 0 }),
            "new" => self.update(Action::NewSegment),
            "apply" if !arguments.is_empty() => {
                let paths: Vec<PathBuf> = arguments.iter().map(PathBuf::from).collect();
                self.apply_files(&paths);
            }
            "import" if arguments.len() == 2 => self.import(arguments[0], arguments[1]),
            _ => match PROMPT_COMMANDS.iter().find(|(name, _)| *name == command) {
                Some((name, help)) => self.error(format!("usage: :{name} {help}")),
                None => self.error(format!(
                    "there is no command `:{command}`; Tab completes, ? lists keys"
                )),
            },
        }
    }

    fn import(&mut self, kind: &str, path: &str) {
        let kind = match kind {
            "users" => EntityKind::Users,
            "accounts" => EntityKind::Accounts,
            other => {
                return self.error(format!("`{other}` is not a kind: write users or accounts"));
            }
        };
        if path == "-" {
            return self.error("the UI cannot import from standard input: name a file".to_string());
        }
        let source = match crate::store::import::ImportSource::open(path) {
            Ok(source) => source,
            Err(message) => return self.error(message),
        };
        let path = path.to_string();
        let work = move |workspace: &mut Workspace| {
            let result = workspace.import(
                kind,
                source,
                crate::workspace::ImportMode::Merge,
                false,
                &mut |_| {},
            );
            match result {
                Ok(report) => Status {
                    message: format!(
                        "imported {path}: {} created, {} updated",
                        report.created, report.updated
                    ),
                    is_error: false,
                },
                Err(crate::workspace::ImportFailure::Rows { errors, count }) => {
                    let first = errors.first().map(ToString::to_string).unwrap_or_default();
                    Status {
                        message: format!("nothing imported: {count} bad rows; {path}:{first}"),
                        is_error: true,
                    }
                }
                Err(crate::workspace::ImportFailure::File(message)) => Status {
                    message: format!("nothing imported: {message}"),
                    is_error: true,
                },
                Err(crate::workspace::ImportFailure::Workspace(error)) => Status {
                    message: error.to_string(),
                    is_error: true,
                },
            }
        };
        self.pending = Some(Job {
            label: "importing".to_string(),
            work: Box::new(work),
        });
    }

    /// Runs the waiting job here and now (the event loop runs it on a worker
    /// thread instead, drawing progress; tests and benchmarks call this).
    pub fn run_pending(&mut self) {
        if let Some(job) = self.pending.take() {
            let status = (job.work)(&mut self.workspace);
            self.job_finished(status);
        }
    }

    /// After a job: refresh and say how it went.
    pub fn job_finished(&mut self, status: Status) {
        self.refresh();
        self.status = status;
        self.dirty = true;
    }

    /// Applies files; on error keeps the last good definitions and says
    /// where the first problem is.
    pub fn apply_files(&mut self, paths: &[PathBuf]) {
        let mut sources = Vec::new();
        for path in paths {
            match std::fs::read_to_string(path) {
                Ok(text) => sources.push(SourceText {
                    origin: crate::files::identity(&path.display().to_string()),
                    text,
                }),
                Err(error) => {
                    return self.error(format!(
                        "cannot read {}: {}",
                        path.display(),
                        crate::os_error::reason(&error)
                    ));
                }
            }
        }
        match self.workspace.apply(&sources) {
            Ok(report) => {
                self.refresh();
                let moved: usize = report.membership.iter().map(|(_, e, x)| e + x).sum();
                self.info(format!(
                    "applied {}: {} added, {} changed, {} removed, {moved} membership changes",
                    display_paths(paths),
                    report.added.len(),
                    report.changed.len(),
                    report.removed.len()
                ));
            }
            Err(ApplyFailure::Invalid(files)) => {
                let first = sources
                    .iter()
                    .zip(&files)
                    .find_map(|(source, diagnostics)| {
                        diagnostics.iter().find(|d| d.is_error()).map(|d| {
                            let at = crate::lang::line_column(&source.text, d.span.start);
                            format!(
                                "not applied: {}:{at}: {}",
                                file_name(&source.origin),
                                d.message
                            )
                        })
                    });
                self.error(first.unwrap_or_else(|| "not applied".to_string()));
            }
            Err(ApplyFailure::Workspace(error)) => self.error(error.to_string()),
        }
    }

    // ------------------------------------------------------------ time

    /// Periodic work: the editor's debounced preview and the file watch.
    pub fn tick(&mut self, now: Instant) {
        if let Some(editor) = self.editor.as_mut()
            && editor.tick(now, &self.workspace)
        {
            self.dirty = true;
        }
        if now.duration_since(self.last_watch) >= WATCH_INTERVAL {
            self.last_watch = now;
            let changed: Vec<PathBuf> = self
                .watched
                .iter_mut()
                .filter_map(|file| file.changed().then(|| file.path.clone()))
                .collect();
            if !changed.is_empty() {
                self.apply_files(&changed);
            }
        }
    }

    /// The next instant something is due (a preview or a file look).
    pub fn next_deadline(&self, now: Instant) -> Duration {
        let watch = if self.watched.is_empty() {
            Duration::from_secs(1)
        } else {
            (self.last_watch + WATCH_INTERVAL).saturating_duration_since(now)
        };
        let preview = self
            .editor
            .as_ref()
            .and_then(Editor::deadline)
            .map_or(Duration::MAX, |due| due.saturating_duration_since(now));
        watch.min(preview).max(Duration::from_millis(5))
    }

    /// The status bar's left part: database, counts, `--now`, files.
    pub fn status_facts(&self, now_given: bool, wide: bool) -> String {
        let users = self
            .workspace
            .engine()
            .table(EntityKind::Users)
            .alive
            .count_ones(..);
        let accounts = self
            .workspace
            .engine()
            .table(EntityKind::Accounts)
            .alive
            .count_ones(..);
        let mut facts = format!("{users} users · {accounts} accounts");
        if wide {
            facts = format!(
                "{} · {facts}",
                file_name(&self.workspace.path().display().to_string())
            );
        }
        if now_given {
            facts.push_str(&format!(
                " · as of {}",
                format_instant(self.workspace.now())
            ));
        }
        if !self.watched.is_empty() {
            facts.push_str(&format!(
                " · watching {} file{}",
                self.watched.len(),
                if self.watched.len() == 1 { "" } else { "s" }
            ));
        }
        facts
    }
}

/// The last part of a path, for short messages and narrow columns.
pub fn file_name(path: &str) -> String {
    std::path::Path::new(path).file_name().map_or_else(
        || path.to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

fn display_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn single_line(text: &str) -> ratatui_textarea::TextArea<'static> {
    let mut input = ratatui_textarea::TextArea::new(vec![text.to_string()]);
    input.set_cursor_line_style(ratatui::style::Style::new());
    input.move_cursor(ratatui_textarea::CursorMove::End);
    input
}

/// Prompt commands starting with the typed word.
pub fn prompt_completions(line: &str) -> Vec<String> {
    let word = line.trim_start();
    if word.contains(' ') {
        return Vec::new();
    }
    PROMPT_COMMANDS
        .iter()
        .filter(|(name, _)| name.starts_with(word))
        .map(|(name, help)| format!(":{name} — {help}"))
        .collect()
}

/// The typed command completed, when only one fits.
fn complete_prompt(line: &str) -> Option<String> {
    let word = line.trim_start();
    if word.contains(' ') {
        return None;
    }
    let matching: Vec<&str> = PROMPT_COMMANDS
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| name.starts_with(word))
        .collect();
    match matching.as_slice() {
        [one] => Some(format!("{one} ")),
        _ => None,
    }
}
