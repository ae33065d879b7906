//! What the in-process TUI tests share: a small deterministic workspace
//! (demo data with a fixed seed, evaluated as of a fixed instant, the
//! fixture segments applied) and a `Session` that feeds it keys the way a
//! user types them and reads back what the TestBackend screen shows.
#![allow(dead_code)]

use std::path::Path;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;
use segscope::model::EntityKind;
use segscope::tui::{App, KeyMap, Theme, render};
use segscope::workspace::{
    EntityKindChoice, ImportFormat, ImportMode, ImportSource, OpenOptions, SegmentDraft,
    SourceText, Workspace,
};
use tempfile::TempDir;

/// Every workspace evaluates as of this instant.
pub const NOW: &str = "2026-01-01T00:00:00Z";
pub const SEED: u64 = 7;
pub const USERS: usize = 300;
pub const ACCOUNTS: usize = 40;

/// Applied from a string (origin `fixture.seg`): both kinds, and segments
/// that refer to others.
pub const SEGMENTS: &str = r#"segment "Enterprise" for accounts {
  description "Accounts on the enterprise plan"
  where plan = "enterprise"
}

segment "Paying" for accounts {
  description "Accounts with revenue"
  where mrr > 0
}

segment "Power users" for users {
  description "Twenty sessions or more in 30 days"
  where sessions_30d >= 20
}

segment "Enterprise admins" for users {
  description "Admins and owners at enterprise accounts"
  where role in ["admin", "owner"] and account in segment "Enterprise"
}

segment "Promoters" for users {
  description "NPS 9 or 10"
  where nps >= 9
}

segment "Power promoters" for users {
  where in segment "Promoters" and in segment "Power users"
}
"#;

/// Made in the terminal UI (origin `tui`), so it can be edited and deleted
/// there.
pub const LIGHT_USERS: &str = "sessions_30d < 4";

// ---------------------------------------------------------------- helpers

/// A workspace in a temporary directory and the app over it.
pub struct Session {
    pub dir: TempDir,
    pub app: App,
}

impl Session {
    /// The fixture with the default key map.
    pub fn new() -> Session {
        Session::with_keymap(KeyMap::defaults())
    }

    pub fn with_keymap(keymap: KeyMap) -> Session {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut workspace = open_workspace(&dir.path().join("segscope.redb"));
        set_up_fixture(&mut workspace);
        let app = App::new(workspace, keymap, Theme::plain(), vec![]);
        Session { dir, app }
    }

    pub fn press(&mut self, code: KeyCode) {
        self.app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
    }

    pub fn presses(&mut self, code: KeyCode, times: usize) {
        for _ in 0..times {
            self.press(code);
        }
    }

    pub fn ctrl(&mut self, c: char) {
        self.app
            .on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    }

    /// Types `text` one character at a time (a newline is Enter).
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            match c {
                '\n' => self.press(KeyCode::Enter),
                c => self.press(KeyCode::Char(c)),
            }
        }
    }

    /// Pastes `text` as a terminal with bracketed paste sends it: one event.
    pub fn paste(&mut self, text: &str) {
        self.app.on_paste(text.to_string());
    }

    /// Lets the debounced editor preview run.
    pub fn settle(&mut self) {
        self.app.tick(Instant::now() + Duration::from_secs(1));
    }

    /// Draws the app into a fresh `width` x `height` test terminal.
    pub fn draw(&mut self, width: u16, height: u16) -> Terminal<TestBackend> {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("a test terminal");
        render(&mut terminal, &mut self.app).expect("a test backend cannot fail");
        terminal
    }

    /// What a `width` x `height` screen shows, one line per row.
    pub fn screen(&mut self, width: u16, height: u16) -> String {
        let terminal = self.draw(width, height);
        rows(terminal.backend()).join("\n")
    }

    /// The screen for a snapshot (the status bar names the database by its
    /// file name only, so a temporary directory does not show).
    pub fn snapshot(&mut self, width: u16, height: u16) -> TestBackend {
        self.draw(width, height).backend().clone()
    }

    /// The workspace's answer for a segment (by name).
    pub fn segment(&self, name: &str) -> segscope::workspace::SegmentSummary {
        let segments = self.workspace().segments();
        segments
            .iter()
            .find(|s| s.name == name)
            .cloned()
            .unwrap_or_else(|| panic!("no segment {name:?} in {segments:#?}"))
    }

    pub fn has_segment(&self, name: &str) -> bool {
        self.workspace().has_segment(name)
    }

    /// The workspace (no job holds it in these tests unless they wait).
    pub fn workspace(&self) -> &Workspace {
        self.app.workspace().expect("no job holds the workspace")
    }

    /// The names the Segments table lists now, top to bottom.
    pub fn listed(&mut self) -> Vec<String> {
        let terminal = self.draw(120, 60);
        let summaries = self.workspace().segments();
        rows(terminal.backend())
            .iter()
            .skip(4)
            .filter_map(|row| {
                summaries
                    .iter()
                    .map(|s| s.name.as_str())
                    .filter(|name| row.starts_with(&format!("{name} ")))
                    .max_by_key(|name| name.len())
                    .map(str::to_string)
            })
            .collect()
    }

    /// The text of the table's selected (reversed) row, if a row is.
    pub fn selected_row(&mut self) -> Option<String> {
        let terminal = self.draw(120, 60);
        let buffer = terminal.backend().buffer();
        let row = (3..buffer.area.height)
            .find(|&y| (0..20).all(|x| buffer[(x, y)].modifier.contains(Modifier::REVERSED)))?;
        Some(rows(terminal.backend())[usize::from(row)].clone())
    }

    /// The name on the table's selected (reversed) row, if a row is.
    pub fn selected(&mut self) -> Option<String> {
        let text = self.selected_row()?;
        self.listed()
            .into_iter()
            .filter(|name| text.starts_with(&format!("{name} ")))
            .max_by_key(String::len)
    }

    /// The title of the screen whose tab is shown active.
    pub fn current_screen(&mut self) -> String {
        let terminal = self.draw(120, 40);
        let buffer = terminal.backend().buffer();
        let text: String = (0..buffer.area.width)
            .filter(|&x| buffer[(x, 0)].modifier.contains(Modifier::REVERSED))
            .map(|x| buffer[(x, 0)].symbol())
            .collect();
        text.split_whitespace().nth(1).unwrap_or("").to_string()
    }

    /// The Segments screen's sub-tab shown active ("Users" or "Accounts").
    pub fn shown_kind(&mut self) -> String {
        let terminal = self.draw(120, 40);
        let buffer = terminal.backend().buffer();
        let text: String = (0..buffer.area.width)
            .filter(|&x| buffer[(x, 1)].modifier.contains(Modifier::REVERSED))
            .map(|x| buffer[(x, 1)].symbol())
            .collect();
        text.split_whitespace().next().unwrap_or("").to_string()
    }

    /// Moves the Segments table's selection to `name` (of the shown kind).
    pub fn select(&mut self, name: &str) {
        self.press(KeyCode::Home);
        let index = self
            .listed()
            .iter()
            .position(|listed| listed == name)
            .unwrap_or_else(|| panic!("{name:?} is not listed"));
        self.presses(KeyCode::Down, index);
        assert_eq!(self.selected().as_deref(), Some(name));
    }

    /// Opens the editor on `name` and empties its condition.
    pub fn edit_condition_of(&mut self, name: &str) {
        self.select(name);
        self.press(KeyCode::Enter);
        assert!(self.editor_open(), "Enter opens the editor");
        let length = self.condition().chars().count();
        self.presses(KeyCode::Backspace, length);
        assert_eq!(self.condition(), "");
    }

    /// The completion list as it shows under the cursor (empty when shut).
    pub fn suggestions(&mut self) -> Vec<String> {
        let screen = self.screen(200, 40);
        let lines: Vec<&str> = screen.lines().collect();
        let Some(top) = lines.iter().position(|line| line.contains("┌ Tab ")) else {
            return Vec::new();
        };
        let left = column_of(lines[top], "┌ Tab ");
        let mut labels = Vec::new();
        for line in &lines[top + 1..] {
            let inner: String = line.chars().skip(left).collect();
            if inner.starts_with('└') {
                break;
            }
            let body: String = inner.chars().skip(1).collect();
            let body = body.split('│').next().unwrap_or("").trim_end();
            labels.push(body.to_string());
        }
        labels
    }

    /// The editor's focused field, as its bold label shows.
    pub fn focus(&mut self) -> String {
        let terminal = self.draw(120, 40);
        let buffer = terminal.backend().buffer();
        let text = rows(terminal.backend());
        for label in ["Name", "Description"] {
            if let Some(y) = text
                .iter()
                .position(|row| row.contains(&format!("│{label} ")))
            {
                let x = text[y].chars().position(|c| c == '│').unwrap_or(0) as u16 + 1;
                if buffer[(x, y as u16)].modifier.contains(Modifier::BOLD) {
                    return label.to_string();
                }
            }
        }
        "Condition".to_string()
    }

    /// A one-line field of the editor ("Name", "Description") as shown.
    pub fn field(&mut self, label: &str) -> String {
        let screen = self.screen(120, 40);
        let line = screen
            .lines()
            .find(|row| row.contains(&format!("│{label} ")))
            .unwrap_or_else(|| panic!("no {label} field:\n{screen}"));
        let after = &line[line.find(label).expect("the label") + label.len()..];
        after.trim().trim_end_matches('│').trim().to_string()
    }

    /// Is the segment editor on screen?
    pub fn editor_open(&mut self) -> bool {
        let screen = self.screen(120, 40);
        screen.contains(" Condition ") && screen.contains(" segment ")
    }

    /// Is an overlay (help, a question, the prompt, the log) on screen?
    pub fn popup_open(&mut self) -> bool {
        let screen = self.screen(120, 40);
        [
            "┐ Confirm",
            " Confirm ",
            " Help — ",
            " : command",
            " Messages, newest first",
        ]
        .iter()
        .any(|title| screen.contains(title))
    }

    /// The editor's condition as its text area shows it.
    pub fn condition(&mut self) -> String {
        let screen = self.screen(200, 40);
        let lines: Vec<&str> = screen.lines().collect();
        let top = lines
            .iter()
            .position(|line| line.contains("┌ Condition "))
            .expect("the condition box is on screen");
        let left = column_of(lines[top], "┌ Condition ");
        let mut text = Vec::new();
        for line in &lines[top + 1..] {
            let inner: String = line.chars().skip(left).collect();
            if inner.starts_with('└') {
                break;
            }
            let body: String = inner.chars().skip(1).collect();
            let body = body.trim_end().trim_end_matches('│').trim_end();
            text.push(body.to_string());
        }
        text.join("\n")
    }

    /// The status bar's message as a 240-column screen shows it (without
    /// the facts on the right or the pointer to the log).
    pub fn status(&mut self) -> String {
        let terminal = self.draw(240, 40);
        let last = rows(terminal.backend()).pop().unwrap_or_default();
        let message = last.split("segscope.redb ·").next().unwrap_or("");
        let message = message.trim_end();
        message
            .strip_suffix("(M more)")
            .unwrap_or(message)
            .trim_end()
            .to_string()
    }

    /// Is the status bar's message an error (drawn bold, even without
    /// colour)?
    pub fn status_is_error(&mut self) -> bool {
        let terminal = self.draw(240, 40);
        let buffer = terminal.backend().buffer();
        let y = buffer.area.height - 1;
        buffer[(0, y)].modifier.contains(Modifier::BOLD)
    }

    /// Types a command at the `:` prompt and runs it.
    pub fn prompt(&mut self, command: &str) {
        self.press(KeyCode::Char(':'));
        self.type_text(command);
        self.press(KeyCode::Enter);
    }

    /// Applies a file the way a user does: `:apply FILE`.
    pub fn apply_file(&mut self, path: &Path) {
        self.prompt(&format!("apply {}", path.display()));
        assert!(!self.status_is_error(), "{}", self.status());
    }

    /// Waits for a background job to end.
    pub fn wait_for_job(&mut self) {
        assert!(
            self.app.wait_for_job(Duration::from_secs(30)),
            "the job ends"
        );
    }
}

/// The fixture in a workspace: the demo data, the fixture's segments (from
/// `fixture.seg`) and "Light users" made in the UI.
pub fn set_up_fixture(workspace: &mut Workspace) {
    import_demo_data(workspace);
    workspace
        .apply(&[SourceText {
            origin: "fixture.seg".to_string(),
            text: SEGMENTS.to_string(),
        }])
        .expect("the fixture segments apply");
    workspace
        .save_segment(&SegmentDraft {
            original: None,
            name: "Light users".to_string(),
            kind: EntityKindChoice(EntityKind::Users),
            description: "Fewer than four sessions in 30 days".to_string(),
            condition: LIGHT_USERS.to_string(),
            based_on: None,
        })
        .expect("a segment of the terminal UI saves");
}

pub fn open_workspace(path: &Path) -> Workspace {
    let now = segscope::lang::parse_datetime(NOW).expect("NOW parses");
    Workspace::open(
        path,
        OpenOptions {
            now: Some(now),
            wait: None,
            record: true,
        },
    )
    .expect("the workspace opens")
}

pub fn import_demo_data(workspace: &mut Workspace) {
    let now = workspace.now();
    let mut accounts = Vec::new();
    segscope::demo::write_accounts(&mut accounts, ACCOUNTS, SEED, now).expect("in memory");
    let mut users = Vec::new();
    segscope::demo::write_users(&mut users, USERS, ACCOUNTS, SEED, now).expect("in memory");
    for (kind, data) in [(EntityKind::Accounts, accounts), (EntityKind::Users, users)] {
        workspace
            .import(
                kind,
                ImportSource::new(std::io::Cursor::new(data), ImportFormat::JsonLines),
                ImportMode::Merge,
                false,
                &mut |_| std::ops::ControlFlow::Continue(()),
            )
            .unwrap_or_else(|_| panic!("the demo {kind} import"));
    }
}

/// The column (in characters) where `needle` starts in `line`.
pub fn column_of(line: &str, needle: &str) -> usize {
    let at = line.find(needle).expect("the text is on the line");
    line[..at].chars().count()
}

/// The rows of a test screen as text.
pub fn rows(backend: &TestBackend) -> Vec<String> {
    let buffer = backend.buffer();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect()
}

/// The number of `kind` entities matching `condition` now.
pub fn count(session: &Session, kind: EntityKind, condition: &str) -> usize {
    session
        .workspace()
        .query(kind, condition)
        .unwrap_or_else(|d| panic!("{condition}: {d:?}"))
        .len()
}

/// The line of `screen` that lists segment `name`, split into words.
pub fn table_row(screen: &str, name: &str) -> Vec<String> {
    let line = screen
        .lines()
        .find(|line| line.starts_with(name))
        .unwrap_or_else(|| panic!("{name:?} is not in the table:\n{screen}"));
    line[name.len()..]
        .split_whitespace()
        .map(str::to_string)
        .collect()
}
