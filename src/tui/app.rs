//! The app: routing only. Input goes top-down — the top popup (modal), then
//! the screen in view, then the global commands — each resolved to an action
//! through the key map in the scopes that part names. What a part asks for
//! in its outbox (messages, popups, a job, a refresh) is carried out here.
//! The screens keep their own state; the app keeps which one is in view,
//! the popup stack, the message log and the running job.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};

use super::action::{Action, Scope};
use super::deliveries::Deliveries;
use super::file_commands;
use super::jobs::{Poll, RunningJob};
use super::keymap::{Key, KeyMap};
use super::messages::{Message, MessageLog};
use super::playbook_news::news_messages;
use super::popups::{ConfirmPopup, Confirmation, HelpPopup, MessagesPopup, Popup};
use super::screens::{Changed, Context, Handled, Input, Outbox, Screen, ScreenId, all_screens};
use super::theme::Theme;
use super::watch::WatchedFile;
use crate::model::{EntityKind, format_count as thousands};
use crate::workspace::Workspace;

/// How often watched files are looked at.
const WATCH_INTERVAL: Duration = Duration::from_millis(500);

/// How often a running job's progress is looked at.
const JOB_POLL: Duration = Duration::from_millis(100);

/// The most a paste typed key by key into a field without a paste of its
/// own may be (a filter, a name): 64 KiB.
pub const MAX_TYPED_PASTE: usize = 64 * 1024;

/// What the status bar says about the database (kept while a job holds the
/// workspace).
#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub database: String,
    pub users: usize,
    pub accounts: usize,
    pub now: i64,
}

pub struct App {
    workspace: Option<Workspace>,
    screens: Vec<Box<dyn Screen>>,
    current: ScreenId,
    popups: Vec<Popup>,
    messages: MessageLog,
    job: Option<RunningJob>,
    /// Playbook webhooks, sent on a worker.
    deliveries: Deliveries,
    keymap: KeyMap,
    theme: Theme,
    watched: Vec<WatchedFile>,
    last_watch: Instant,
    facts: Facts,
    /// Whether `--now` was given (the status bar shows the instant).
    pub now_given: bool,
    quit: bool,
    /// Why the UI had to stop, when it did not stop by choice.
    fatal: Option<String>,
    /// Something changed since the last frame.
    dirty: bool,
    /// The terminal's size, for how far a page moves.
    size: (u16, u16),
}

impl App {
    pub fn new(workspace: Workspace, keymap: KeyMap, theme: Theme, watched: Vec<PathBuf>) -> App {
        let mut app = App {
            workspace: Some(workspace),
            screens: all_screens(),
            current: ScreenId::Segments,
            popups: Vec::new(),
            messages: MessageLog::default(),
            job: None,
            deliveries: Deliveries::start(),
            keymap,
            theme,
            watched: watched.into_iter().map(WatchedFile::new).collect(),
            last_watch: Instant::now(),
            facts: Facts::default(),
            now_given: false,
            quit: false,
            fatal: None,
            dirty: true,
            size: (80, 24),
        };
        app.refresh(Changed::EVERYTHING);
        let greeting = format!(
            "{} for help, {} for commands, {} to quit",
            app.keymap.key_label(Action::Help),
            app.keymap.key_label(Action::Prompt),
            app.keymap.key_label(Action::Quit)
        );
        app.messages.push(Message::info(greeting));
        app
    }

    // ------------------------------------------------------------ reading

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// Why the UI stopped on its own, if it did.
    pub fn fatal(&self) -> Option<&str> {
        self.fatal.as_deref()
    }

    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    pub fn drawn(&mut self) {
        self.dirty = false;
    }

    /// The workspace, unless a job holds it.
    pub fn workspace(&self) -> Option<&Workspace> {
        self.workspace.as_ref()
    }

    /// Hands the workspace over at the end (`None` if a job still had it).
    pub fn into_workspace(self) -> Option<Workspace> {
        self.workspace
    }

    pub fn current_screen(&self) -> &dyn Screen {
        self.screen(self.current)
    }

    fn screen(&self, id: ScreenId) -> &dyn Screen {
        self.screens
            .iter()
            .find(|s| s.id() == id)
            .map(|s| s.as_ref())
            .unwrap_or_else(|| self.screens[0].as_ref())
    }

    pub fn popups(&self) -> &[Popup] {
        &self.popups
    }

    pub fn messages(&self) -> &MessageLog {
        &self.messages
    }

    pub fn job(&self) -> Option<&RunningJob> {
        self.job.as_ref()
    }

    pub fn keymap(&self) -> &KeyMap {
        &self.keymap
    }

    pub fn theme(&self) -> Theme {
        self.theme
    }

    pub fn facts(&self) -> &Facts {
        &self.facts
    }

    pub fn watched_count(&self) -> usize {
        self.watched.len()
    }

    /// Says something in the status bar and the log.
    pub fn say(&mut self, message: Message) {
        self.messages.push(message);
        self.dirty = true;
    }

    /// The terminal's size changed (or is known for the first time).
    pub fn resize(&mut self, width: u16, height: u16) {
        if self.size != (width, height) {
            self.size = (width, height);
            self.dirty = true;
        }
    }

    /// Rows a page moves: the body less its header lines.
    fn page_rows(&self) -> usize {
        usize::from(self.size.1.saturating_sub(6)).max(1)
    }

    // ------------------------------------------------------------ input

    /// One key press, routed top-down.
    pub fn on_key(&mut self, event: KeyEvent) {
        self.dirty = true;
        let key = Key::from_event(&event);
        if self.keymap.action(&[Scope::Anywhere], key) == Some(Action::ForceQuit) {
            return self.force_quit();
        }
        if let Some(popup) = self.popups.pop() {
            let input = Input::key(event, self.keymap.action(popup.scopes(), key));
            return self.hand_to_popup(popup, &input);
        }
        let scopes = self.current_screen().scopes();
        let input = Input::key(event, self.keymap.action(scopes, key));
        if self.route_to_screen(&input) == Handled::Consumed {
            return;
        }
        if let Some(action) = self.keymap.action(&[Scope::Global], key) {
            self.global(action, &[], false);
        }
    }

    /// Hands `input` to the popup taken off the top, which goes back on
    /// unless it closes, and carries out what it asked for.
    fn hand_to_popup(&mut self, mut popup: Popup, input: &Input) {
        let mut context = self.context();
        let keep = popup.handle(input, &mut context);
        let out = context.out;
        if keep == super::popups::Keep::Open {
            self.popups.push(popup);
        }
        self.carry_out(out);
    }

    /// Quits: a running job is told to stop at its next batch at once (the
    /// event loop then waits for it), so nothing it had not committed is
    /// written after the user asked to leave.
    fn stop(&mut self) {
        self.quit = true;
        if let Some(job) = &self.job {
            job.cancel();
        }
    }

    /// Quits at once, unless a screen holds unsaved work: then it asks
    /// first, and the same key again quits all the same.
    fn force_quit(&mut self) {
        let asked = self.popups.last().is_some_and(|popup| {
            matches!(popup, Popup::Confirm(question) if question.confirmation == Confirmation::QuitDiscarding)
        });
        let unsaved = self.screens.iter().find_map(|screen| screen.unsaved_work());
        match unsaved {
            Some(work) if !asked => {
                let again = self.keymap.key_label(Action::ForceQuit);
                self.popups.push(Popup::Confirm(ConfirmPopup::new(
                    format!("Quit and lose {work}? ({again} again quits too)"),
                    Confirmation::QuitDiscarding,
                )));
            }
            _ => self.stop(),
        }
    }

    /// Pasted text (the terminal's bracketed paste): one edit in the field
    /// with the focus — the `:` prompt, the segment editor's fields — so a
    /// long paste is inserted and checked once, not key by key. A field
    /// without a paste of its own has it typed in character by character
    /// (line breaks as spaces), up to [`MAX_TYPED_PASTE`] bytes. A paste
    /// where no text is taken (a list, a question) does nothing: pasted
    /// text is never taken as commands.
    pub fn on_paste(&mut self, text: String) {
        self.dirty = true;
        if let Some(popup) = self.popups.pop() {
            if matches!(popup, Popup::Prompt(_)) {
                self.hand_to_popup(popup, &Input::paste(text));
            } else {
                self.popups.push(popup);
            }
            return;
        }
        if self.current_screen().takes_paste() {
            self.route_to_screen(&Input::paste(text));
            return;
        }
        if !self.current_screen().takes_text() {
            return;
        }
        if text.len() > MAX_TYPED_PASTE {
            self.say(Message::error(format!(
                "not pasted: {} bytes is more than this field takes ({} KiB)",
                thousands(text.len() as u64),
                MAX_TYPED_PASTE / 1024
            )));
            return;
        }
        for c in text.chars() {
            let c = if c.is_control() { ' ' } else { c };
            self.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
    }

    /// With `--mouse`: the wheel moves the selection of the list in view.
    pub fn on_mouse(&mut self, event: MouseEvent) {
        if !self.popups.is_empty() || self.current_screen().takes_text() {
            return;
        }
        let action = match event.kind {
            MouseEventKind::ScrollUp => Action::Up,
            MouseEventKind::ScrollDown => Action::Down,
            _ => return,
        };
        self.dirty = true;
        self.route_to_screen(&Input::command(action, Vec::new()));
    }

    /// A command from the prompt: to the screen, then the globals.
    fn on_command(&mut self, action: Action, arguments: Vec<String>) {
        let input = Input::command(action, arguments.clone());
        if self.route_to_screen(&input) == Handled::Consumed {
            return;
        }
        self.global(action, &arguments, true);
    }

    fn route_to_screen(&mut self, input: &Input) -> Handled {
        let index = self.screen_index(self.current);
        let page_rows = self.page_rows();
        let mut context = context_of(&mut self.workspace, &self.job, &self.keymap, page_rows);
        let handled = self.screens[index].handle(input, &mut context);
        let out = context.out;
        self.carry_out(out);
        handled
    }

    fn screen_index(&self, id: ScreenId) -> usize {
        self.screens.iter().position(|s| s.id() == id).unwrap_or(0)
    }

    fn context(&mut self) -> Context<'_> {
        let page_rows = self.page_rows();
        context_of(&mut self.workspace, &self.job, &self.keymap, page_rows)
    }

    /// Puts a screen in view. Screens out of view put off their refresh
    /// until they are shown again (a list re-runs its query then, not at
    /// every change made elsewhere).
    fn show(&mut self, id: ScreenId) {
        if id == self.current {
            return;
        }
        let previous = self.screen_index(self.current);
        let next = self.screen_index(id);
        self.current = id;
        let Some(workspace) = &self.workspace else {
            return;
        };
        self.screens[previous].set_shown(false, workspace);
        self.screens[next].set_shown(true, workspace);
    }

    /// The commands that belong to no screen.
    fn global(&mut self, action: Action, arguments: &[String], from_prompt: bool) {
        if let Some(id) = ScreenId::for_action(action) {
            self.show(id);
            return;
        }
        match action {
            Action::Quit => self.stop(),
            Action::Help => self.popups.push(Popup::Help(HelpPopup::default())),
            Action::Prompt => self.popups.push(Popup::Prompt(Box::default())),
            Action::Messages => self
                .popups
                .push(Popup::Messages(MessagesPopup::new(&self.messages))),
            // Esc with no overlay open: nothing to close (overlays take
            // their own keys first).
            Action::Close => {}
            Action::CancelJob => match &self.job {
                Some(job) => {
                    job.cancel();
                    self.say(Message::info(format!(
                        "cancelling {}: it stops after the current batch",
                        job.label
                    )));
                }
                None => self.say(Message::info("no job is running")),
            },
            Action::NextScreen => self.show(self.current.step(true)),
            Action::PreviousScreen => self.show(self.current.step(false)),
            Action::Apply => self.apply_files(arguments),
            Action::Import => self.import(arguments),
            other if from_prompt => self.elsewhere(other, arguments),
            _ => {}
        }
    }

    /// A prompt command the screen in view does not take: run it on the
    /// screen it belongs to, or say where it belongs.
    fn elsewhere(&mut self, action: Action, arguments: &[String]) {
        let scope = action.command().scope;
        let home = match scope {
            Scope::Segments => Some(ScreenId::Segments),
            Scope::Stages => Some(ScreenId::Stages),
            Scope::Destinations => Some(ScreenId::Destinations),
            Scope::Playbooks => Some(ScreenId::Playbooks),
            _ => None,
        };
        match home {
            Some(id) if id != self.current => {
                self.show(id);
                self.on_command(action, arguments.to_vec());
            }
            _ => self.say(Message::error(format!(
                "`:{}` does nothing here ({})",
                action.name(),
                scope.title().to_lowercase()
            ))),
        }
    }

    /// Does what a part asked for.
    fn carry_out(&mut self, out: Outbox) {
        let Outbox {
            messages,
            popups,
            job,
            changed,
            wrote_files,
            confirmed,
            command,
            quit,
        } = out;
        for message in messages {
            self.messages.push(message);
        }
        self.popups.extend(popups);
        if wrote_files {
            // What the UI wrote is applied already; the watcher need not.
            for file in &mut self.watched {
                file.changed();
            }
        }
        if changed.any() {
            self.refresh(changed);
        }
        if quit {
            self.stop();
        }
        if let Some(job) = job {
            self.start_job(job);
        }
        if confirmed == Some(Confirmation::QuitDiscarding) {
            self.stop();
        } else if let Some(confirmation) = confirmed {
            let index = self.screen_index(self.current);
            let page_rows = self.page_rows();
            let mut context = context_of(&mut self.workspace, &self.job, &self.keymap, page_rows);
            self.screens[index].confirmed(&confirmation, &mut context);
            let out = context.out;
            self.carry_out(out);
        }
        if let Some((action, arguments)) = command {
            self.on_command(action, arguments);
        }
        self.dirty = true;
    }

    /// Every screen re-reads what it shows; the status bar's facts too.
    /// What playbooks did in the change goes to the message log first.
    fn refresh(&mut self, changed: Changed) {
        self.say_playbook_news();
        let Some(workspace) = &self.workspace else {
            return;
        };
        for screen in &mut self.screens {
            screen.refresh(workspace, &changed);
        }
        self.facts = Facts {
            database: super::widgets::text::file_name(&workspace.path().display().to_string()),
            users: workspace.entity_count(EntityKind::Users),
            accounts: workspace.entity_count(EntityKind::Accounts),
            now: workspace.now(),
        };
        self.dirty = true;
    }

    /// Which playbooks fired in the changes since the last look, what they
    /// logged, and the webhooks they queued (which the worker is told of).
    fn say_playbook_news(&mut self) {
        let Some(workspace) = self.workspace.as_mut() else {
            return;
        };
        let news = workspace.take_playbook_news();
        if news.is_empty() {
            return;
        }
        for message in news_messages(&news) {
            self.messages.push(message);
        }
        if news.webhooks_queued > 0 {
            self.deliveries.look_soon();
        }
        self.dirty = true;
    }

    /// Records the deliveries the worker finished and hands it those due.
    fn deliver(&mut self, now: Instant) {
        let Some(workspace) = self.workspace.as_mut() else {
            return;
        };
        let (messages, recorded) = self.deliveries.take_finished(workspace);
        let said = self.deliveries.hand_out(workspace, now);
        for message in messages.into_iter().chain(said) {
            self.messages.push(message);
            self.dirty = true;
        }
        if recorded {
            self.refresh_playbooks();
        }
    }

    /// The Playbooks screen re-reads its runs log (a delivery changed it).
    fn refresh_playbooks(&mut self) {
        let index = self.screen_index(ScreenId::Playbooks);
        if let Some(workspace) = &self.workspace {
            self.screens[index].refresh(workspace, &Changed::default());
            self.dirty = true;
        }
    }

    /// Waits up to `timeout` for the webhooks due now to be delivered and
    /// recorded (tests, benchmarks); whether none is left in flight.
    pub fn wait_for_deliveries(&mut self, timeout: Duration) -> bool {
        self.deliveries.look_soon();
        self.deliver(Instant::now());
        let Some(workspace) = self.workspace.as_mut() else {
            return false;
        };
        let messages = self.deliveries.wait(workspace, timeout);
        for message in messages {
            self.messages.push(message);
        }
        self.refresh_playbooks();
        self.deliveries.in_flight() == 0
    }

    /// At the end: the delivery in flight is waited for up to `timeout`
    /// and recorded; the rest stays pending for the next start or command.
    pub fn finish_deliveries(&mut self, timeout: Duration) {
        if let Some(workspace) = self.workspace.as_mut() {
            self.deliveries.finish(workspace, timeout);
        }
    }

    // ------------------------------------------------------------ commands

    fn apply_files(&mut self, arguments: &[String]) {
        let Some(workspace) = self.workspace_or_busy() else {
            return;
        };
        let paths: Vec<PathBuf> = arguments.iter().map(PathBuf::from).collect();
        let (message, changed) = file_commands::apply_files(workspace, &paths);
        self.say(message);
        self.refresh(changed);
    }

    fn import(&mut self, arguments: &[String]) {
        let [kind, path] = arguments else {
            return self.say(Message::error(Action::Import.command().usage_message()));
        };
        match file_commands::import_job(kind, path) {
            Ok(job) => self.start_job(job),
            Err(message) => self.say(Message::error(message)),
        }
    }

    fn workspace_or_busy(&mut self) -> Option<&mut Workspace> {
        if self.workspace.is_none() {
            let label = self.job.as_ref().map_or("a job", |job| job.label.as_str());
            let message = format!(
                "busy: {label} is running; wait for it, or {} cancels it",
                self.keymap.key_label(Action::CancelJob)
            );
            self.say(Message::error(message));
        }
        self.workspace.as_mut()
    }

    // ------------------------------------------------------------ jobs

    fn start_job(&mut self, job: super::jobs::Job) {
        if let Some(running) = &self.job {
            let message = format!("{} is still running; one job at a time", running.label);
            return self.say(Message::error(message));
        }
        let Some(workspace) = self.workspace.take() else {
            return;
        };
        let label = job.label.clone();
        match RunningJob::start(job, workspace) {
            Ok(running) => {
                self.job = Some(running);
                let cancel = self.keymap.key_label(Action::CancelJob);
                self.say(Message::info(format!("{label}… ({cancel} cancels)")));
            }
            Err(refused) => {
                let (workspace, message) = *refused;
                self.workspace = Some(workspace);
                self.say(Message::error(message));
            }
        }
    }

    /// Takes what the running job reported; returns whether it ended.
    pub fn poll_jobs(&mut self) -> bool {
        let Some(job) = self.job.as_mut() else {
            return false;
        };
        let polled = job.poll();
        self.after_poll(polled)
    }

    /// At the end: a running job is asked to stop (an import cancelled
    /// writes nothing) and waited for, so the database is closed whole.
    pub fn finish_jobs(&mut self, timeout: Duration) -> bool {
        if let Some(job) = &self.job {
            job.cancel();
        }
        self.wait_for_job(timeout)
    }

    /// Waits for the running job to end, up to `timeout` (tests and
    /// benchmarks; the event loop polls instead).
    pub fn wait_for_job(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while let Some(job) = self.job.as_mut() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            let polled = job.wait(left.min(JOB_POLL));
            self.after_poll(polled);
        }
        true
    }

    fn after_poll(&mut self, polled: Poll) -> bool {
        self.dirty = true;
        match polled {
            Poll::Running => false,
            Poll::Finished(workspace, outcome) => {
                self.job = None;
                self.workspace = Some(*workspace);
                self.messages.push(outcome.message);
                self.refresh(outcome.changed);
                true
            }
            Poll::Lost => {
                self.job = None;
                self.fatal = Some("a background job stopped unexpectedly".to_string());
                self.quit = true;
                true
            }
        }
    }

    // ------------------------------------------------------------ time

    /// Periodic work: screens' debounced checks and the file watch.
    pub fn tick(&mut self, now: Instant) {
        let Some(workspace) = &self.workspace else {
            return;
        };
        for screen in &mut self.screens {
            if screen.tick(now, workspace) {
                self.dirty = true;
            }
        }
        if now.duration_since(self.last_watch) >= WATCH_INTERVAL {
            self.last_watch = now;
            let changed: Vec<String> = self
                .watched
                .iter_mut()
                .filter_map(|file| file.changed().then(|| file.path.display().to_string()))
                .collect();
            if !changed.is_empty() {
                self.apply_files(&changed);
            }
        }
        self.deliver(now);
    }

    /// How long the event loop may wait for input before something is due.
    pub fn next_deadline(&self, now: Instant) -> Duration {
        let watch = if self.watched.is_empty() {
            Duration::from_secs(1)
        } else {
            (self.last_watch + WATCH_INTERVAL).saturating_duration_since(now)
        };
        let screens = self
            .screens
            .iter()
            .filter_map(|s| s.deadline())
            .map(|due| due.saturating_duration_since(now))
            .min()
            .unwrap_or(Duration::MAX);
        let job = if self.job.is_some() {
            JOB_POLL
        } else {
            Duration::MAX
        };
        let deliveries = self.deliveries.deadline(now);
        watch
            .min(screens)
            .min(job)
            .min(deliveries)
            .max(Duration::from_millis(5))
    }
}

/// What a part may use while it handles input, from the app's fields (a
/// function, so the screens can be borrowed beside it).
fn context_of<'a>(
    workspace: &'a mut Option<Workspace>,
    job: &'a Option<RunningJob>,
    keymap: &'a KeyMap,
    page_rows: usize,
) -> Context<'a> {
    Context {
        workspace: workspace.as_mut(),
        busy_with: job.as_ref().map(|job| job.label.as_str()),
        keymap,
        page_rows,
        out: Outbox::default(),
    }
}
