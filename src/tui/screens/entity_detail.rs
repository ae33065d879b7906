//! One entity in full, opened with Enter from a list (and from another
//! entity's detail): every property with its type, the computed Segments,
//! membership history, and the account (for a user: Enter opens it) or the
//! account's users (Enter opens one). `e` on a property edits it — a new
//! value in the language's literal syntax, or empty to unset — through the
//! workspace, which recomputes membership at once; the status line says
//! which segments the entity entered and left.
//!
//! State and drawing only; what it reads comes from the workspace when it
//! is opened or refreshed, never while drawing.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, List, ListItem, ListState, Paragraph};

use super::segments::hints_line;
use super::{Context, Input, Look};
use crate::lang::format::value_literal;
use crate::model::{EntityKind, Value, format_instant, value_from_literal_text, visible};
use crate::tui::action::{Action, Scope};
use crate::tui::theme::Theme;
use crate::tui::widgets::text::{cut, width};
use crate::tui::widgets::text_line::TextLine;
use crate::workspace::{Clause, MembershipCount, Workspace, value_text};

/// How many of an account's users the detail lists.
const USERS_LISTED: usize = 500;

/// What Enter or `e` does on a line.
#[derive(Clone, Debug, PartialEq)]
enum LineAction {
    None,
    Property(String),
    Open(EntityKind, String),
    /// A segment's "why": Enter shows or hides its deciding clauses.
    Why(String),
}

/// How a part of a line looks; the theme says how at draw time.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Tone {
    Heading,
    Plain,
    Dim,
    Good,
    Error,
}

/// One line of the detail, with what it leads to.
struct DetailLine {
    parts: Vec<(Tone, String)>,
    action: LineAction,
}

impl DetailLine {
    fn new(tone: Tone, text: impl Into<String>, action: LineAction) -> DetailLine {
        DetailLine {
            parts: vec![(tone, text.into())],
            action,
        }
    }

    fn line(&self, theme: Theme) -> Line<'static> {
        Line::from(
            self.parts
                .iter()
                .map(|(tone, text)| {
                    let style = match tone {
                        Tone::Heading => theme.title(),
                        Tone::Plain => theme.normal(),
                        Tone::Dim => theme.dim(),
                        Tone::Good => theme.good(),
                        Tone::Error => theme.error(),
                    };
                    Span::styled(text.clone(), style)
                })
                .collect::<Vec<_>>(),
        )
    }
}

/// What the screen under the detail should do after an input.
#[derive(Debug, PartialEq)]
pub enum DetailOutcome {
    Stay,
    Close,
    /// Open this entity's detail on top.
    Open(EntityKind, String),
}

pub struct EntityDetail {
    kind: EntityKind,
    id: String,
    lines: Vec<DetailLine>,
    selected: usize,
    /// Editing a property: its name and the value being typed.
    editing: Option<(String, TextLine)>,
    /// Segments whose reasons the user showed or hid with Enter: shown by
    /// default are the segments the entity is out of.
    toggled: Vec<String>,
}

impl EntityDetail {
    /// The detail of an entity, read now; `None` when it does not exist.
    pub fn open(workspace: &Workspace, kind: EntityKind, id: &str) -> Option<EntityDetail> {
        workspace.entity(kind, id)?;
        let mut detail = EntityDetail {
            kind,
            id: id.to_string(),
            lines: Vec::new(),
            selected: 0,
            editing: None,
            toggled: Vec::new(),
        };
        detail.reload(workspace);
        detail.selected = detail.first_selectable();
        Some(detail)
    }

    pub fn is_editing(&self) -> bool {
        self.editing.is_some()
    }

    fn first_selectable(&self) -> usize {
        self.lines
            .iter()
            .position(|line| line.action != LineAction::None)
            .unwrap_or(0)
    }

    /// Reads the entity again (after a change); false when it is gone.
    pub fn reload(&mut self, workspace: &Workspace) -> bool {
        let Some(entity) = workspace.entity(self.kind, &self.id) else {
            return false;
        };
        let mut lines = Vec::new();
        let heading = |text: String| DetailLine::new(Tone::Heading, text, LineAction::None);
        let plain = |text: String, action: LineAction| DetailLine::new(Tone::Plain, text, action);
        let dim = |text: String| DetailLine::new(Tone::Dim, text, LineAction::None);
        lines.push(heading(format!("Properties ({})", entity.properties.len())));
        let name_width = entity
            .properties
            .keys()
            .map(|name| width(name))
            .max()
            .unwrap_or(0)
            .min(32);
        for (name, value) in &entity.properties {
            lines.push(DetailLine {
                parts: vec![
                    (
                        Tone::Plain,
                        format!("  {:<name_width$}  ", cut(name, name_width)),
                    ),
                    (Tone::Dim, format!("{:<9}", type_word(value))),
                    (Tone::Plain, value_text(value)),
                ],
                action: LineAction::Property(name.clone()),
            });
        }
        lines.push(plain(String::new(), LineAction::None));
        lines.push(heading(format!("Segments ({})", entity.segments.len())));
        if entity.segments.is_empty() {
            lines.push(dim("  in no segment".to_string()));
        }
        for segment in &entity.segments {
            lines.push(plain(format!("  {segment}"), LineAction::None));
        }
        lines.push(plain(String::new(), LineAction::None));
        match workspace.explain_all(self.kind, &self.id) {
            Ok(explanations) => {
                lines.push(heading(format!(
                    "Why: in {} of {} {} segments (enter shows or hides the reasons)",
                    explanations.iter().filter(|e| e.member).count(),
                    explanations.len(),
                    self.kind.singular()
                )));
                for explanation in &explanations {
                    let mark = if explanation.member { "in " } else { "out" };
                    let shown = !explanation.member ^ self.toggled.contains(&explanation.segment);
                    lines.push(DetailLine {
                        parts: vec![
                            (
                                if explanation.member {
                                    Tone::Good
                                } else {
                                    Tone::Plain
                                },
                                format!("  {mark}  {}", explanation.segment),
                            ),
                            (
                                Tone::Dim,
                                if shown {
                                    String::new()
                                } else {
                                    format!("  {}", explanation.summary())
                                },
                            ),
                        ],
                        action: LineAction::Why(explanation.segment.clone()),
                    });
                    if shown {
                        clause_lines(&explanation.deciding, 3, &mut lines);
                    }
                }
            }
            Err(error) => lines.push(DetailLine::new(
                Tone::Error,
                format!("Why could not be worked out: {error}"),
                LineAction::None,
            )),
        }
        lines.push(plain(String::new(), LineAction::None));
        match self.kind {
            EntityKind::Users => {
                lines.push(heading("Account".to_string()));
                match &entity.account {
                    Some(account) => lines.push(plain(
                        format!("  {account}  (enter opens it)"),
                        LineAction::Open(EntityKind::Accounts, account.clone()),
                    )),
                    None => lines.push(dim("  no account".to_string())),
                }
            }
            EntityKind::Accounts => {
                let users = workspace.users_of_account(&self.id);
                lines.push(heading(format!("Users ({})", users.len())));
                for user in users.iter().take(USERS_LISTED) {
                    lines.push(plain(
                        format!("  {user}"),
                        LineAction::Open(EntityKind::Users, user.clone()),
                    ));
                }
                if users.len() > USERS_LISTED {
                    lines.push(dim(format!("  … and {} more", users.len() - USERS_LISTED)));
                }
            }
        }
        lines.push(plain(String::new(), LineAction::None));
        match workspace.entity_history(self.kind, &self.id) {
            Ok(events) => {
                lines.push(heading(format!("History ({} events)", events.len())));
                for (at, segment, entered) in events.iter().rev() {
                    let what = if *entered { "entered" } else { "exited " };
                    lines.push(plain(
                        format!("  {}  {what}  {segment}", format_instant(*at)),
                        LineAction::None,
                    ));
                }
            }
            Err(error) => lines.push(DetailLine::new(
                Tone::Error,
                format!("History could not be read: {error}"),
                LineAction::None,
            )),
        }
        self.lines = lines;
        self.selected = self.selected.min(self.lines.len().saturating_sub(1));
        true
    }

    /// Shows or hides a segment's deciding clauses.
    fn toggle_why(&mut self, segment: &str) {
        match self.toggled.iter().position(|s| s == segment) {
            Some(at) => {
                self.toggled.remove(at);
            }
            None => self.toggled.push(segment.to_string()),
        }
    }

    /// Moves between the lines that lead somewhere.
    fn move_selection(&mut self, action: Action, page: usize) -> bool {
        let selectable: Vec<usize> = self
            .lines
            .iter()
            .enumerate()
            .filter(|(_, line)| line.action != LineAction::None)
            .map(|(index, _)| index)
            .collect();
        if selectable.is_empty() {
            return matches!(action, Action::Up | Action::Down);
        }
        let at = selectable
            .iter()
            .position(|&index| index >= self.selected)
            .unwrap_or(selectable.len() - 1);
        let last = selectable.len() - 1;
        let next = match action {
            Action::Up => at.saturating_sub(1),
            Action::Down => (at + 1).min(last),
            Action::Top => 0,
            Action::Bottom => last,
            Action::PageUp => at.saturating_sub(page),
            Action::PageDown => (at + page).min(last),
            _ => return false,
        };
        self.selected = selectable[next];
        true
    }

    /// Handles one input.
    pub fn handle(
        &mut self,
        key: Option<crossterm::event::KeyEvent>,
        action: Option<Action>,
        context: &mut Context,
    ) -> DetailOutcome {
        if let Some((property, line)) = &mut self.editing {
            match action {
                Some(Action::Dismiss) => self.editing = None,
                Some(Action::Accept) => {
                    let property = property.clone();
                    let text = line.text();
                    self.save_property(&property, &text, context);
                }
                _ => {
                    if let Some(key) = key {
                        line.input(key);
                    }
                }
            }
            return DetailOutcome::Stay;
        }
        let Some(action) = action else {
            return DetailOutcome::Stay;
        };
        let chosen = self
            .lines
            .get(self.selected)
            .map(|line| line.action.clone());
        match (action, chosen) {
            (Action::Back, _) => return DetailOutcome::Close,
            (Action::OpenLinked, Some(LineAction::Open(kind, id))) => {
                return DetailOutcome::Open(kind, id);
            }
            (Action::OpenLinked, Some(LineAction::Why(segment))) => {
                self.toggle_why(&segment);
                if let Some(workspace) = context.workspace.as_deref() {
                    self.reload(workspace);
                }
            }
            (Action::EditProperty | Action::OpenLinked, Some(LineAction::Property(name))) => {
                let current = context
                    .workspace
                    .as_deref()
                    .and_then(|workspace| workspace.entity(self.kind, &self.id))
                    .and_then(|entity| entity.properties.get(&name).map(value_literal));
                self.editing = Some((name, TextLine::with_text(&current.unwrap_or_default())));
            }
            (Action::EditProperty, _) => context.out.info("select a property to edit it"),
            (other, _) => {
                self.move_selection(other, context.page_rows);
            }
        }
        DetailOutcome::Stay
    }

    fn save_property(&mut self, property: &str, text: &str, context: &mut Context) {
        let value = match value_from_literal_text(text) {
            Ok(value) => value,
            Err(message) => {
                context.out.error(format!("{property}: {message}"));
                return;
            }
        };
        let (kind, id) = (self.kind, self.id.clone());
        let Some(workspace) = context.workspace() else {
            return;
        };
        let result = workspace.set(kind, &id, vec![(property.to_string(), value.clone())]);
        if result.is_ok() {
            self.editing = None;
            self.reload(workspace);
        }
        match result {
            Ok(moved) => {
                let what = match &value {
                    Some(value) => format!("{property} = {}", value_literal(value)),
                    None => format!("{property} unset"),
                };
                context
                    .out
                    .info(format!("{id}: {what}{}", membership_note(&moved)));
                context.out.changed.merge(super::Changed::ENTITIES);
            }
            Err(failure) => context.out.error(failure.to_string()),
        }
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: Theme, hint: Line<'static>) {
        let title = format!(" {} {} ", self.kind.singular(), visible(&self.id));
        let block = Block::default().borders(Borders::TOP).title(title);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let editing_height = if self.editing.is_some() { 1 } else { 0 };
        let [body, edit, hints] = Layout::vertical([
            Constraint::Min(1),
            Constraint::Length(editing_height),
            Constraint::Length(1),
        ])
        .areas(inner);
        let items: Vec<ListItem> = self
            .lines
            .iter()
            .map(|line| ListItem::new(line.line(theme)))
            .collect();
        let mut state = ListState::default();
        state.select(Some(self.selected));
        frame.render_stateful_widget(
            List::new(items).highlight_style(theme.selected()),
            body,
            &mut state,
        );
        if let Some((property, line)) = &self.editing {
            let label = format!("{property} = ");
            let [name, field] =
                Layout::horizontal([Constraint::Length(width(&label) as u16), Constraint::Min(1)])
                    .areas(edit);
            frame.render_widget(Paragraph::new(Span::styled(label, theme.key())), name);
            line.draw(frame, field, true);
        }
        frame.render_widget(Paragraph::new(hint), hints);
    }
}

/// A deciding clause and the ones under it, indented by `depth`.
fn clause_lines(clause: &Clause, depth: usize, lines: &mut Vec<DetailLine>) {
    let indent = " ".repeat(depth * 2);
    let verdict = if clause.holds { "true " } else { "false" };
    let mut parts = vec![
        (Tone::Dim, format!("{indent}{verdict} ")),
        (Tone::Plain, clause.text.clone()),
    ];
    if let Some(values) = &clause.values {
        parts.push((Tone::Dim, format!("   {values}")));
    }
    lines.push(DetailLine {
        parts,
        action: LineAction::None,
    });
    for part in &clause.because {
        clause_lines(part, depth + 1, lines);
    }
    if let Some(inside) = &clause.inside {
        clause_lines(inside, depth + 1, lines);
    }
}

/// `; entered "A"; left "B"` for a status line, or nothing.
pub fn membership_note(moved: &[MembershipCount]) -> String {
    let entered: Vec<String> = moved
        .iter()
        .filter(|m| m.entered > 0)
        .map(|m| format!("\"{}\"", m.segment))
        .collect();
    let left: Vec<String> = moved
        .iter()
        .filter(|m| m.exited > 0)
        .map(|m| format!("\"{}\"", m.segment))
        .collect();
    let mut note = String::new();
    if !entered.is_empty() {
        note.push_str(&format!("; entered {}", entered.join(", ")));
    }
    if !left.is_empty() {
        note.push_str(&format!("; left {}", left.join(", ")));
    }
    if note.is_empty() {
        note.push_str("; no segment changed");
    }
    note
}

/// The type of a value, as the column chooser and the builder say it.
fn type_word(value: &Value) -> &'static str {
    use crate::model::Scalar;
    match value {
        Value::List(_) => "list",
        Value::Scalar(Scalar::String(_)) => "text",
        Value::Scalar(Scalar::Number(_)) => "number",
        Value::Scalar(Scalar::Bool(_)) => "bool",
        Value::Scalar(Scalar::DateTime(_)) => "datetime",
    }
}

/// The details opened over a view screen (a list or the board), the top
/// one shown: Enter on an account or user opens another on top, Esc goes
/// back one. The screen under it asks whether one is open and hands it
/// input, refreshes and drawing while it is.
#[derive(Default)]
pub struct DetailStack {
    details: Vec<EntityDetail>,
}

impl DetailStack {
    pub fn is_open(&self) -> bool {
        !self.details.is_empty()
    }

    /// The scopes while a detail is open.
    pub fn scopes(&self) -> Option<&'static [Scope]> {
        let detail = self.details.last()?;
        Some(if detail.is_editing() {
            &[Scope::TextLine]
        } else {
            &[Scope::Detail, Scope::List]
        })
    }

    pub fn takes_text(&self) -> bool {
        self.details.last().is_some_and(EntityDetail::is_editing)
    }

    /// Opens the detail of an entity on top, or says it does not exist.
    pub fn open(&mut self, kind: EntityKind, id: &str, context: &mut Context) {
        let Some(workspace) = context.workspace() else {
            return;
        };
        match EntityDetail::open(workspace, kind, id) {
            Some(detail) => self.details.push(detail),
            None => context
                .out
                .error(format!("there is no {} {id}", kind.singular())),
        }
    }

    /// Input for the top detail; true when the last one closed.
    pub fn handle(&mut self, input: &Input, context: &mut Context) -> bool {
        let Some(detail) = self.details.last_mut() else {
            return false;
        };
        match detail.handle(input.key, input.action, context) {
            DetailOutcome::Stay => false,
            DetailOutcome::Close => {
                self.details.pop();
                self.details.is_empty()
            }
            DetailOutcome::Open(kind, id) => {
                self.open(kind, &id, context);
                false
            }
        }
    }

    /// Reads every open detail again; those whose entity is gone close.
    pub fn reload(&mut self, workspace: &Workspace) {
        self.details.retain_mut(|detail| detail.reload(workspace));
    }

    /// Draws the top detail with its hints; false when none is open.
    pub fn draw(&self, frame: &mut Frame, area: Rect, look: &Look) -> bool {
        let Some(detail) = self.details.last() else {
            return false;
        };
        let hint = hints_line(
            &[
                (Action::OpenLinked, "open"),
                (Action::EditProperty, "edit property"),
                (Action::Back, "back"),
            ],
            look,
        );
        detail.draw(frame, area, look.theme, hint);
        true
    }
}
