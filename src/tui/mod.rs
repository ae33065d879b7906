//! The terminal UI: a synchronous event loop over crossterm events, the
//! running job's channel and a periodic tick (debounced checks, the file
//! watcher), drawing with ratatui only when something changed. The
//! terminal is restored on exit, on error and on panic.
//!
//! Layout: `app` routes input top-down (popups, the screen, the globals);
//! `action` is the one command table that `keymap`, the prompt, help and
//! hints read; `screens/` has one module per screen, `popups/` one per
//! overlay, `widgets/` the pieces screens share; `jobs` runs long work off
//! this thread, `deliveries` sends playbook webhooks off it and
//! `playbook_news` says what playbooks did; `frame` draws the tab bar, the status bar and the popups.

mod action;
mod app;
mod deliveries;
mod file_commands;
mod frame;
mod jobs;
mod keymap;
mod messages;
mod playbook_news;
mod popups;
mod screens;
mod theme;
mod watch;
mod widgets;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event, KeyEventKind};
use ratatui::Terminal;
use ratatui::backend::Backend;

pub use action::{Action, COMMANDS, Command, Scope};
pub use app::App;
pub use file_commands::{applied_message, membership_lines};
pub use keymap::{Key, KeyMap, KeyMapError};
pub use messages::Message;
pub use screens::ScreenId;
pub use theme::Theme;

use crate::workspace::Workspace;

/// How the UI starts.
pub struct TuiOptions {
    /// Files to watch and re-apply when they change.
    pub watched: Vec<PathBuf>,
    /// Capture the mouse (off: the terminal's own text selection works).
    pub mouse: bool,
    /// Whether `--now` was given (shown in the status bar).
    pub now_given: bool,
}

/// What loading hands the UI: the workspace, and what the start had to say
/// (what was applied, how membership moved, the warnings), oldest first,
/// for the message log — a UI session prints nothing to the terminal.
pub struct Loaded {
    pub workspace: Workspace,
    pub messages: Vec<Message>,
}

/// How the UI loads its workspace, on a worker thread.
pub type Loader = Box<dyn FnOnce() -> Result<Loaded, String> + Send>;

/// On a panic, the terminal leaves bracketed paste and mouse capture too
/// (ratatui's own hook, called next, leaves the alternate screen and raw
/// mode): the shell after it gets keys and pastes as usual.
fn leave_modes_on_panic() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(
            std::io::stdout(),
            crossterm::event::DisableBracketedPaste,
            crossterm::event::DisableMouseCapture
        );
        previous(info);
    }));
}

/// Opens the database and runs the UI until the user quits. `load` runs on
/// a worker thread while a loading screen shows at once (a million entities
/// take seconds to read); its messages go to the log, and its error ends
/// the UI and is returned.
pub fn run(load: Loader, label: String, options: TuiOptions) -> Result<(), String> {
    let (keymap, problem) = KeyMap::load();
    let theme = Theme::from_environment();
    let mut terminal =
        ratatui::try_init().map_err(|error| format!("cannot start the terminal UI: {error}"))?;
    if options.mouse {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture);
    }
    // A paste arrives as one event (inserted as one edit), not as keys.
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableBracketedPaste);
    leave_modes_on_panic();
    let result = match wait_for_load(&mut terminal, load, &label, &keymap, theme) {
        Ok(Some(loaded)) => {
            let mut app = App::new(loaded.workspace, keymap, theme, options.watched);
            app.now_given = options.now_given;
            for message in loaded.messages {
                app.say(message);
            }
            if let Some(problem) = problem {
                app.say(messages::Message::error(problem));
            }
            event_loop(&mut terminal, &mut app).map(|()| Some(app))
        }
        Ok(None) => Ok(None),
        Err(error) => Err(error),
    };
    if options.mouse {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
    }
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableBracketedPaste);
    ratatui::restore();
    match result {
        Ok(Some(mut app)) => {
            // Quitting during a job: it stops at its next batch first.
            app.finish_jobs(Duration::from_secs(60));
            // A webhook being sent is waited for, so it is not sent twice.
            app.finish_deliveries(crate::playbook::DELIVERY_TIMEOUT + Duration::from_secs(1));
            if let Some(fatal) = app.fatal() {
                return Err(fatal.to_string());
            }
            if let Some(workspace) = app.into_workspace() {
                workspace.close_and_exit_soon();
            }
            Ok(())
        }
        Ok(None) => Ok(()),
        Err(error) => Err(error),
    }
}

/// Shows the loading screen until the workspace is ready; `None` when the
/// user quit while waiting.
fn wait_for_load<B: Backend>(
    terminal: &mut Terminal<B>,
    load: Loader,
    label: &str,
    keymap: &KeyMap,
    theme: Theme,
) -> Result<Option<Loaded>, String>
where
    B::Error: std::fmt::Display,
{
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(load());
    });
    let started = Instant::now();
    let quit_keys = keymap.key_label(Action::Quit);
    loop {
        let elapsed = started.elapsed();
        terminal
            .draw(|frame| {
                frame::draw_busy(
                    frame,
                    &format!("loading {label}"),
                    elapsed,
                    &quit_keys,
                    theme,
                )
            })
            .map_err(|error| format!("cannot draw: {error}"))?;
        match receiver.recv_timeout(Duration::from_millis(100)) {
            Ok(Ok(loaded)) => return Ok(Some(loaded)),
            Ok(Err(message)) => return Err(message),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err("loading the database stopped unexpectedly".to_string());
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
        }
        while event::poll(Duration::ZERO)
            .map_err(|error| format!("cannot read the terminal: {error}"))?
        {
            if let Event::Key(key) =
                event::read().map_err(|error| format!("cannot read the terminal: {error}"))?
            {
                let bound = keymap.action(&[Scope::Anywhere, Scope::Global], Key::from_event(&key));
                if matches!(bound, Some(Action::Quit | Action::ForceQuit)) {
                    return Ok(None);
                }
            }
        }
    }
}

fn event_loop<B: Backend>(terminal: &mut Terminal<B>, app: &mut App) -> Result<(), String>
where
    B::Error: std::fmt::Display,
{
    while !app.should_quit() {
        if app.is_dirty() {
            render(terminal, app).map_err(|error| format!("cannot draw: {error}"))?;
        }
        let timeout = app.next_deadline(Instant::now());
        if event::poll(timeout).map_err(|error| format!("cannot read the terminal: {error}"))? {
            match event::read().map_err(|error| format!("cannot read the terminal: {error}"))? {
                Event::Key(key) if key.kind != KeyEventKind::Release => app.on_key(key),
                Event::Mouse(mouse) => app.on_mouse(mouse),
                Event::Paste(text) => app.on_paste(text),
                Event::Resize(width, height) => app.resize(width, height),
                _ => {}
            }
        }
        app.poll_jobs();
        app.tick(Instant::now());
    }
    Ok(())
}

/// Draws the app once into any backend (the event loop; tests and
/// benchmarks use ratatui's TestBackend).
pub fn render<B: Backend>(terminal: &mut Terminal<B>, app: &mut App) -> Result<(), B::Error> {
    let size = terminal.size()?;
    app.resize(size.width, size.height);
    terminal.draw(|frame| frame::draw(frame, app))?;
    app.drawn();
    Ok(())
}
