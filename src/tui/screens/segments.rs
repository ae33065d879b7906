//! The Segments screen: Users / Accounts sub-tabs, the table of segments
//! (members, share, description, last change, origin), the name filter, and
//! the segment editor opened over it to create or change one. The table's
//! columns are laid out by priority (`widgets::columns`): cut cells end in
//! `…`, and columns that do not fit are hidden with a note in the title.
//! Below the table, the selected segment's trend: members per day over the
//! last 90 days with who entered and exited (`widgets::trend`), computed
//! through the workspace when the selection lands on a segment and kept per
//! segment until the workspace changes, so moving the selection reads a
//! cache and drawing reads only state.

use std::collections::HashMap;
use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, TableState};

use super::segment_editor::{EditorOutcome, SaveHow, SegmentEditor};
use super::{Changed, Context, Handled, Input, Look, Screen, ScreenId};
use crate::model::{EntityKind, Origin, format_instant, format_share};
use crate::tui::action::{Action, Scope};
use crate::tui::popups::{ConfirmPopup, Confirmation, Popup};
use crate::tui::widgets::columns::{Column, lay_out};
use crate::tui::widgets::text::{cut, file_name, thousands, width};
use crate::tui::widgets::text_line::TextLine;
use crate::tui::widgets::trend::{TrendView, draw_trend};
use crate::workspace::{DayCount, SegmentSummary, Workspace};

/// Days the trend covers.
const TREND_DAYS: usize = 90;

/// A segment's trend as the screen keeps it: the series, or why not.
type Trend = Result<Vec<DayCount>, String>;

pub struct SegmentsScreen {
    kind: EntityKind,
    /// Every segment, as of the last refresh.
    summaries: Vec<SegmentSummary>,
    /// The selected row among the visible segments.
    selected: usize,
    filter: TextLine,
    filtering: bool,
    editor: Option<SegmentEditor>,
    /// Trends by segment name, computed when a segment is first selected
    /// after a change of the workspace.
    trends: HashMap<String, Trend>,
}

impl SegmentsScreen {
    pub fn new() -> SegmentsScreen {
        SegmentsScreen {
            kind: EntityKind::Users,
            summaries: Vec::new(),
            selected: 0,
            filter: TextLine::default(),
            filtering: false,
            editor: None,
            trends: HashMap::new(),
        }
    }

    /// Makes sure the selected segment's trend is kept (one read of the
    /// events' headers the first time; a lookup after).
    fn load_trend(&mut self, workspace: &Workspace) {
        let Some(name) = self.selected_name() else {
            return;
        };
        if let std::collections::hash_map::Entry::Vacant(slot) = self.trends.entry(name) {
            let trend = workspace
                .daily_counts(slot.key(), TREND_DAYS)
                .map_err(|error| error.to_string());
            slot.insert(trend);
        }
    }

    /// The segments the table lists: of the shown kind, matching the filter.
    fn visible(&self) -> Vec<&SegmentSummary> {
        let filter = self.filter.text().to_lowercase();
        self.summaries
            .iter()
            .filter(|s| s.kind == self.kind)
            .filter(|s| filter.is_empty() || s.name.to_lowercase().contains(&filter))
            .collect()
    }

    fn selected_name(&self) -> Option<String> {
        self.visible().get(self.selected).map(|s| s.name.clone())
    }

    fn select(&mut self, name: &str) {
        if let Some(summary) = self.summaries.iter().find(|s| s.name == name) {
            self.kind = summary.kind;
        }
        if let Some(index) = self.visible().iter().position(|s| s.name == name) {
            self.selected = index;
        }
    }

    fn clamp_selection(&mut self) {
        let count = self.visible().len();
        self.selected = self.selected.min(count.saturating_sub(1));
    }

    fn move_selection(&mut self, action: Action, page: usize) -> bool {
        let last = self.visible().len().saturating_sub(1);
        self.selected = match action {
            Action::Up => self.selected.saturating_sub(1),
            Action::Down => (self.selected + 1).min(last),
            Action::Top => 0,
            Action::Bottom => last,
            Action::PageUp => self.selected.saturating_sub(page),
            Action::PageDown => (self.selected + page).min(last),
            _ => return false,
        };
        true
    }

    fn handle_filter(&mut self, input: &Input) {
        match input.action {
            Some(Action::Dismiss) => {
                self.filtering = false;
                self.filter.set_text("");
            }
            Some(Action::Accept) => self.filtering = false,
            _ => {
                if let Some(key) = input.key
                    && self.filter.input(key)
                {
                    self.selected = 0;
                }
            }
        }
        self.clamp_selection();
    }

    fn handle_editor(&mut self, input: &Input, context: &mut Context) {
        let Some(editor) = self.editor.as_mut() else {
            return;
        };
        let outcome = editor.handle(input, context);
        self.after_editor(outcome, context);
    }

    /// Closes the editor or selects what it saved, as its outcome says.
    fn after_editor(&mut self, outcome: EditorOutcome, context: &mut Context) {
        match outcome {
            EditorOutcome::Stay => {}
            EditorOutcome::Close => self.editor = None,
            EditorOutcome::Saved(name) => {
                self.editor = None;
                if let Some(workspace) = context.workspace.as_deref() {
                    self.refresh(workspace, &Changed::DEFINITIONS);
                }
                self.select(&name);
            }
        }
    }

    fn ask_delete(&mut self, context: &mut Context) {
        let Some(name) = self.selected_name() else {
            context.out.info("no segment selected");
            return;
        };
        let Some(workspace) = context.workspace() else {
            return;
        };
        match workspace.check_segment_deletion(&name) {
            Ok(()) => context.out.popups.push(Popup::Confirm(ConfirmPopup::new(
                format!("Delete segment \"{name}\"?"),
                Confirmation::DeleteSegment(name),
            ))),
            Err(refusal) => context.out.error(refusal.summary()),
        }
    }

    fn open_editor(&mut self, context: &mut Context) {
        let Some(name) = self.selected_name() else {
            let new = context.keymap.key_label(Action::New);
            context
                .out
                .info(format!("no segment selected: {new} creates one"));
            return;
        };
        let Some(workspace) = context.workspace() else {
            return;
        };
        self.editor = SegmentEditor::for_segment(workspace, &name);
    }

    /// One input: to the editor when it is open, to the name filter while
    /// typing one, else the table's own actions.
    fn handle_input(&mut self, input: &Input, context: &mut Context) -> Handled {
        if self.editor.is_some() {
            self.handle_editor(input, context);
            return Handled::Consumed;
        }
        if self.filtering {
            self.handle_filter(input);
            return Handled::Consumed;
        }
        let Some(action) = input.action else {
            return Handled::Ignored;
        };
        match action {
            Action::NextKind | Action::PreviousKind => {
                self.kind = match self.kind {
                    EntityKind::Users => EntityKind::Accounts,
                    EntityKind::Accounts => EntityKind::Users,
                };
                self.selected = 0;
            }
            Action::Filter => self.filtering = true,
            Action::ClearFilter if !self.filter.text().is_empty() => {
                self.filter.set_text("");
                self.selected = 0;
            }
            Action::New => self.editor = Some(SegmentEditor::new_segment(self.kind)),
            Action::Edit => self.open_editor(context),
            Action::Delete => self.ask_delete(context),
            other => {
                if !self.move_selection(other, context.page_rows) {
                    return Handled::Ignored;
                }
            }
        }
        Handled::Consumed
    }

    fn draw_tabs(&self, frame: &mut Frame, area: Rect, look: &Look) {
        let theme = look.theme;
        let filter = self.filter.text().to_lowercase();
        let count = |kind: EntityKind| {
            let all = self.summaries.iter().filter(|s| s.kind == kind).count();
            let shown = self
                .summaries
                .iter()
                .filter(|s| s.kind == kind && s.name.to_lowercase().contains(&filter))
                .count();
            if filter.is_empty() {
                all.to_string()
            } else {
                format!("{shown} of {all}")
            }
        };
        let tab = |kind: EntityKind, label: &str| {
            let style = if self.kind == kind {
                theme.active_tab()
            } else {
                theme.normal()
            };
            Span::styled(format!(" {label} ({}) ", count(kind)), style)
        };
        let mut line = vec![
            tab(EntityKind::Users, "Users"),
            Span::raw(" "),
            tab(EntityKind::Accounts, "Accounts"),
        ];
        let filter = self.filter.text();
        if self.filtering || !filter.is_empty() {
            let cursor = if self.filtering { "_" } else { "" };
            line.push(Span::styled(
                format!("   filter: {filter}{cursor}"),
                theme.key(),
            ));
        }
        frame.render_widget(Paragraph::new(Line::from(line)), area);
    }

    fn draw_table(&self, frame: &mut Frame, area: Rect, look: &Look) {
        let theme = look.theme;
        let segments = self.visible();
        let cells: Vec<[String; 6]> = segments.iter().map(|s| table_cells(s)).collect();
        let columns = table_columns(&cells);
        let layout = lay_out(&columns, area.width, COLUMN_SPACING);
        let shown: Vec<(usize, u16)> = layout
            .widths
            .iter()
            .enumerate()
            .filter_map(|(index, width)| width.map(|width| (index, width)))
            .collect();
        let fitted = |texts: [&str; 6]| -> Vec<String> {
            shown
                .iter()
                .map(|&(index, width)| {
                    let text = cut(texts[index], usize::from(width));
                    if RIGHT_ALIGNED.contains(&index) {
                        format!("{text:>width$}", width = usize::from(width))
                    } else {
                        text
                    }
                })
                .collect()
        };
        let rows: Vec<Row> = cells
            .iter()
            .map(|row| Row::new(fitted(row.each_ref().map(String::as_str))))
            .collect();
        let header = Row::new(fitted(HEADERS)).style(theme.title());
        let widths: Vec<Constraint> = shown
            .iter()
            .map(|&(_, width)| Constraint::Length(width))
            .collect();
        let title = format!(" {} segments ", self.kind);
        let mut block = Block::default().borders(Borders::TOP).title(title.clone());
        let room = usize::from(area.width).saturating_sub(width(&title) + 4);
        if let Some(note) = layout.hidden_note(&columns, room) {
            block = block.title_top(
                Line::from(Span::styled(format!(" {note} "), theme.dim())).right_aligned(),
            );
        }
        let table = Table::new(rows, widths)
            .header(header)
            .column_spacing(COLUMN_SPACING)
            .block(block)
            .row_highlight_style(theme.selected());
        let mut state = TableState::default();
        if !segments.is_empty() {
            state.select(Some(self.selected));
        }
        frame.render_stateful_widget(table, area, &mut state);
        if segments.is_empty() {
            let filter = self.filter.text();
            let empty = if filter.is_empty() {
                format!(
                    "No {} segments yet. Press {} to create one.",
                    self.kind.singular(),
                    look.keymap.key_label(Action::New)
                )
            } else {
                format!("No segment name contains \"{filter}\".")
            };
            let inner = Rect {
                y: area.y.saturating_add(2),
                height: area.height.saturating_sub(2),
                ..area
            };
            frame.render_widget(Paragraph::new(empty).style(theme.dim()), inner);
        }
    }
}

impl SegmentsScreen {
    fn draw_trend(&self, frame: &mut Frame, area: Rect, look: &Look) {
        if area.height == 0 {
            return;
        }
        let Some(name) = self.selected_name() else {
            return;
        };
        let view = match self.trends.get(&name) {
            Some(Ok(days)) => TrendView::Series(days),
            Some(Err(reason)) => TrendView::Note(reason),
            None => TrendView::Note("the trend shows once the running job is done"),
        };
        draw_trend(frame, area, &name, view, look.theme);
    }
}

impl Default for SegmentsScreen {
    fn default() -> SegmentsScreen {
        SegmentsScreen::new()
    }
}

impl Screen for SegmentsScreen {
    fn id(&self) -> ScreenId {
        ScreenId::Segments
    }

    fn scopes(&self) -> &'static [Scope] {
        if self.editor.is_some() {
            &[Scope::Editor]
        } else if self.filtering {
            &[Scope::TextLine]
        } else {
            &[Scope::Segments, Scope::List]
        }
    }

    fn unsaved_work(&self) -> Option<&'static str> {
        self.editor
            .as_ref()
            .filter(|editor| editor.is_changed())
            .map(|_| "your changes to this segment")
    }

    fn takes_text(&self) -> bool {
        self.editor.is_some() || self.filtering
    }

    fn takes_paste(&self) -> bool {
        self.editor.is_some()
    }

    fn handle(&mut self, input: &Input, context: &mut Context) -> Handled {
        let handled = self.handle_input(input, context);
        if self.editor.is_none()
            && let Some(workspace) = context.workspace.as_deref()
        {
            self.load_trend(workspace);
        }
        handled
    }
    fn confirmed(&mut self, confirmation: &Confirmation, context: &mut Context) {
        match confirmation {
            Confirmation::DiscardEdits => {
                self.editor = None;
                context.out.info("changes discarded");
            }
            // The app's question, and the Playbooks screen's.
            Confirmation::QuitDiscarding
            | Confirmation::DeletePlaybook(_)
            | Confirmation::EnablePlaybookCatchingUp(_)
            | Confirmation::EnablePlaybookQuietly(_) => {}
            Confirmation::OverwriteChangedFile | Confirmation::RenameUpdatingReferences => {
                let how = if *confirmation == Confirmation::OverwriteChangedFile {
                    SaveHow::Overwrite
                } else {
                    SaveHow::UpdatingReferences
                };
                if let Some(editor) = self.editor.as_mut() {
                    let outcome = editor.save(context, how);
                    self.after_editor(outcome, context);
                }
            }
            Confirmation::ReloadChangedFile => {
                if let Some(editor) = self.editor.as_mut() {
                    editor.reload_from_file(context);
                }
            }
            Confirmation::DeleteSegment(name) => {
                let Some(workspace) = context.workspace() else {
                    return;
                };
                match workspace.delete_segment(name) {
                    Ok(_) => {
                        context.out.changed.merge(Changed::EVERYTHING);
                        context.out.info(format!("deleted \"{name}\""));
                    }
                    Err(failure) => context.out.error(failure.summary()),
                }
            }
        }
    }

    fn refresh(&mut self, workspace: &Workspace, changed: &Changed) {
        // The selection follows the segment, not the row number.
        let selected = self.selected_name();
        self.summaries = workspace.segments();
        if let Some(name) = selected
            && let Some(index) = self.visible().iter().position(|s| s.name == name)
        {
            self.selected = index;
        }
        self.clamp_selection();
        if changed.any() {
            self.trends.clear();
        }
        self.load_trend(workspace);
    }

    fn tick(&mut self, now: Instant, workspace: &Workspace) -> bool {
        self.editor
            .as_mut()
            .is_some_and(|editor| editor.tick(now, workspace))
    }

    fn deadline(&self) -> Option<Instant> {
        self.editor.as_ref().and_then(SegmentEditor::deadline)
    }

    fn draw(&self, frame: &mut Frame, area: Rect, look: &Look) {
        if let Some(editor) = &self.editor {
            editor.draw(frame, area, look);
            return;
        }
        let [tabs, table, trend, hints] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(3),
            Constraint::Length(trend_height(area)),
            Constraint::Length(1),
        ])
        .areas(area);
        self.draw_tabs(frame, tabs, look);
        self.draw_table(frame, table, look);
        self.draw_trend(frame, trend, look);
        frame.render_widget(Paragraph::new(hints_line(&self.hints(), look)), hints);
    }

    fn hints(&self) -> Vec<(Action, &'static str)> {
        vec![
            (Action::New, "new"),
            (Action::Edit, "edit"),
            (Action::Delete, "delete"),
            (Action::Filter, "filter"),
            (Action::NextKind, "users/accounts"),
            (Action::Help, "help"),
        ]
    }
}

/// Rows the trend panel takes in the screen's `area`: more on tall
/// terminals, none when the table would have too little room.
fn trend_height(area: Rect) -> u16 {
    if area.width < 30 {
        return 0;
    }
    match area.height {
        0..=13 => 0,
        14..=17 => 5,
        18..=31 => 8,
        _ => 12,
    }
}

/// A hints line: each action's keys from the live map, then what it does.
pub fn hints_line(hints: &[(Action, &'static str)], look: &Look) -> Line<'static> {
    let mut spans = Vec::new();
    for (action, label) in hints {
        spans.push(Span::styled(
            look.keymap.keys_label(*action),
            look.theme.key(),
        ));
        spans.push(Span::raw(format!(" {label}  ")));
    }
    Line::from(spans)
}

/// The table's headers, in the order shown.
const HEADERS: [&str; 6] = [
    "NAME",
    "MEMBERS",
    "SHARE",
    "DESCRIPTION",
    "CHANGED",
    "ORIGIN",
];

/// Numbers line up on the right.
const RIGHT_ALIGNED: [usize; 2] = [1, 2];

const COLUMN_SPACING: u16 = 1;

/// A segment's row, each cell whole (the layout cuts them).
fn table_cells(summary: &SegmentSummary) -> [String; 6] {
    let origin = match &summary.origin {
        Origin::File(path) => file_name(path),
        Origin::Interactive => "tui".to_string(),
    };
    [
        summary.name.clone(),
        thousands(summary.members as u64),
        format_share(summary.members, summary.of),
        summary.description.clone().unwrap_or_default(),
        format_instant(summary.updated_at)
            .chars()
            .take(10)
            .collect(),
        origin,
    ]
}

/// The columns by priority: the name first (up to a limit), then members
/// and share, then the description (which takes the room left), then when
/// it changed, then where it comes from.
fn table_columns(cells: &[[String; 6]]) -> Vec<Column> {
    let fit =
        |column: Column, index: usize| column.fitting(cells.iter().map(|row| row[index].as_str()));
    vec![
        fit(Column::new(HEADERS[0], 0).min(12).limit(40), 0),
        fit(Column::new(HEADERS[1], 1), 1),
        fit(Column::new(HEADERS[2], 1), 2),
        fit(Column::new(HEADERS[3], 2).min(16).limit(40).fill(), 3),
        fit(Column::new(HEADERS[4], 3).min(10), 4),
        fit(Column::new(HEADERS[5], 4).min(8).limit(24), 5),
    ]
}
