//! The terminal UI: a synchronous event loop over crossterm events and a
//! periodic tick (the editor's debounced preview, the file watcher), drawing
//! with ratatui only when something changed. The terminal is restored on
//! exit, on error and on panic.

mod app;
mod commands;
mod completion;
mod draw;
mod editor;
mod keymap;
mod popup;
mod theme;
mod watch;

use std::path::PathBuf;
use std::time::Instant;

use crossterm::event::{self, Event, KeyEventKind};
use ratatui::Terminal;
use ratatui::backend::Backend;

pub use app::{App, SCREENS};
pub use commands::{Action, COMMANDS};
pub use editor::{Editor, Field, PreviewState};
pub use keymap::{Key, KeyMap};
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

/// Opens the database and runs the UI until the user quits. `load` runs on
/// a worker thread while a loading screen shows at once (a million entities
/// take seconds to read); its error ends the UI and is returned.
pub fn run(
    load: Box<dyn FnOnce() -> Result<Workspace, String> + Send>,
    label: String,
    options: TuiOptions,
) -> Result<(), String> {
    let (keymap, problems) = KeyMap::load();
    let theme = Theme::from_environment();
    let mut terminal =
        ratatui::try_init().map_err(|error| format!("cannot start the terminal UI: {error}"))?;
    if options.mouse {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture);
    }
    let result = match wait_for_load(&mut terminal, load, &label, theme) {
        Ok(Some(workspace)) => {
            let mut app = App::new(workspace, keymap, theme, options.watched);
            if let Some(problem) = problems.first() {
                app.error(format!("{problem} (the default keys are used)"));
            }
            event_loop(&mut terminal, &mut app, options.now_given).map(|()| Some(app))
        }
        Ok(None) => Ok(None),
        Err(error) => Err(error),
    };
    if options.mouse {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
    }
    ratatui::restore();
    match result {
        Ok(Some(app)) => {
            app.workspace.close_and_exit_soon();
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
    load: Box<dyn FnOnce() -> Result<Workspace, String> + Send>,
    label: &str,
    theme: Theme,
) -> Result<Option<Workspace>, String>
where
    B::Error: std::fmt::Display,
{
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(load());
    });
    let started = Instant::now();
    loop {
        let elapsed = started.elapsed();
        terminal
            .draw(|frame| draw::draw_busy(frame, &format!("loading {label}"), elapsed, theme))
            .map_err(|error| format!("cannot draw: {error}"))?;
        match receiver.recv_timeout(std::time::Duration::from_millis(100)) {
            Ok(Ok(workspace)) => return Ok(Some(workspace)),
            Ok(Err(message)) => return Err(message),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err("loading the database stopped unexpectedly".to_string());
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
        }
        while event::poll(std::time::Duration::ZERO)
            .map_err(|error| format!("cannot read the terminal: {error}"))?
        {
            if let Event::Key(key) =
                event::read().map_err(|error| format!("cannot read the terminal: {error}"))?
            {
                let quit = matches!(key.code, crossterm::event::KeyCode::Char('q'))
                    || (key.code == crossterm::event::KeyCode::Char('c')
                        && key
                            .modifiers
                            .contains(crossterm::event::KeyModifiers::CONTROL));
                if quit {
                    return Ok(None);
                }
            }
        }
    }
}

fn event_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    now_given: bool,
) -> Result<(), String>
where
    B::Error: std::fmt::Display,
{
    while !app.quit {
        if app.dirty {
            terminal
                .draw(|frame| draw::draw(frame, app, now_given))
                .map_err(|error| format!("cannot draw: {error}"))?;
            app.dirty = false;
        }
        let timeout = app.next_deadline(Instant::now());
        if event::poll(timeout).map_err(|error| format!("cannot read the terminal: {error}"))? {
            match event::read().map_err(|error| format!("cannot read the terminal: {error}"))? {
                Event::Key(key) if key.kind != KeyEventKind::Release => {
                    app.on_key(key);
                    if let Some(job) = app.pending.take() {
                        run_job(terminal, app, job)?;
                    }
                }
                Event::Mouse(mouse) => app.on_mouse(mouse),
                Event::Resize(_, _) => app.dirty = true,
                _ => {}
            }
        }
        app.tick(Instant::now());
    }
    Ok(())
}

/// Runs a job on a worker thread, showing its progress; keys typed meanwhile
/// are dropped (the job cannot be stopped half-way: it is one transaction).
fn run_job<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    job: app::Job,
) -> Result<(), String>
where
    B::Error: std::fmt::Display,
{
    let theme = app.theme;
    let label = job.label.clone();
    let started = Instant::now();
    let workspace = &mut app.workspace;
    let status = std::thread::scope(|scope| -> Result<app::Status, String> {
        let handle = scope.spawn(move || (job.work)(workspace));
        while !handle.is_finished() {
            terminal
                .draw(|frame| draw::draw_busy(frame, &label, started.elapsed(), theme))
                .map_err(|error| format!("cannot draw: {error}"))?;
            if event::poll(std::time::Duration::from_millis(100))
                .map_err(|error| format!("cannot read the terminal: {error}"))?
            {
                let _ = event::read();
            }
        }
        Ok(handle
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    })?;
    app.job_finished(status);
    Ok(())
}

/// Draws the app once into any backend (tests and benchmarks use
/// ratatui's TestBackend).
pub fn render<B: Backend>(terminal: &mut Terminal<B>, app: &mut App) -> Result<(), B::Error> {
    terminal.draw(|frame| draw::draw(frame, app, false))?;
    app.dirty = false;
    Ok(())
}
