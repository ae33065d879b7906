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

/// Runs the UI until the user quits.
pub fn run(workspace: Workspace, options: TuiOptions) -> Result<(), String> {
    let (keymap, problems) = KeyMap::load();
    let mut app = App::new(
        workspace,
        keymap,
        Theme::from_environment(),
        options.watched,
    );
    if let Some(problem) = problems.first() {
        app.error(format!("{problem} (the default keys are used)"));
    }
    let mut terminal =
        ratatui::try_init().map_err(|error| format!("cannot start the terminal UI: {error}"))?;
    if options.mouse {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture);
    }
    let result = event_loop(&mut terminal, &mut app, options.now_given);
    if options.mouse {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
    }
    ratatui::restore();
    app.workspace.close_and_exit_soon();
    result
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
                Event::Key(key) if key.kind != KeyEventKind::Release => app.on_key(key),
                Event::Resize(_, _) => app.dirty = true,
                _ => {}
            }
        }
        app.tick(Instant::now());
    }
    Ok(())
}

/// Draws the app once into any backend (tests and benchmarks use
/// ratatui's TestBackend).
pub fn render<B: Backend>(terminal: &mut Terminal<B>, app: &mut App) -> Result<(), B::Error> {
    terminal.draw(|frame| draw::draw(frame, app, false))?;
    app.dirty = false;
    Ok(())
}
