//! Drawing the playbook editor: the fields one a row, the `when` box with
//! what the live check found (who matches now, who would fire on save),
//! the choices with the key that changes them, the actions box with its
//! problems under it, and the builder over it all while it is open.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::editor::{Field, PlaybookEditor};
use crate::model::playbook::Runs;
use crate::tui::action::Action;
use crate::tui::popups::centered;
use crate::tui::screens::Look;
use crate::tui::widgets::text::{file_name, thousands};
use crate::workspace::DraftPart;

/// Rows the actions box wants at most (borders included).
const ACTIONS_MOST: u16 = 8;

pub fn draw(editor: &PlaybookEditor, frame: &mut Frame, area: Rect, look: &Look) {
    let theme = look.theme;
    let verb = if editor.is_new() { "New" } else { "Edit" };
    let mut title = format!(" {verb} playbook ");
    if let Some(file) = &editor.file {
        title.push_str(&format!("— saving writes it back to {} ", file_name(file)));
    }
    let outer = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title, theme.title()));
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let actions_height = (editor.actions.lines().len() as u16 + 2).clamp(3, ACTIONS_MOST);
    let [
        name,
        kind,
        description,
        when,
        outcome,
        runs,
        skip,
        actions,
        problems,
        hints,
    ] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(editor.when.height()),
        Constraint::Length(3),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(actions_height),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    let choice = look.keymap.key_label(Action::ToggleChoice);
    label_row(editor, frame, name, Field::Name, "Name          ", look);
    if editor.is_new() {
        editor
            .name
            .draw(frame, after_label(name), editor.focus == Field::Name);
    } else {
        let kept = Line::from(vec![
            Span::raw(editor.name.text()),
            Span::styled("  (a playbook keeps its name)", theme.dim()),
        ]);
        frame.render_widget(Paragraph::new(kept), after_label(name));
    }
    label_row(editor, frame, kind, Field::Kind, "For           ", look);
    choice_value(
        frame,
        after_label(kind),
        &editor.kind.to_string(),
        editor.focus == Field::Kind,
        &choice,
        look,
    );
    label_row(
        editor,
        frame,
        description,
        Field::Description,
        "Description   ",
        look,
    );
    editor.description.draw(
        frame,
        after_label(description),
        editor.focus == Field::Description,
    );
    editor
        .when
        .draw_area(frame, when, editor.focus == Field::When, theme);
    let mut lines = editor.when.outcome_lines(theme, outcome.width);
    if let Some(firing) = &editor.firing {
        let line = match firing {
            Ok(0) if editor.skip_existing => {
                "none would fire on save: it skips those already matching".to_string()
            }
            Ok(count) => format!(
                "{} would fire on save{}",
                thousands(*count as u64),
                if editor.skip_existing || *count == 0 {
                    ""
                } else {
                    " (with skip existing: none)"
                }
            ),
            Err(reason) => format!("who would fire is not known: {reason}"),
        };
        // Who fires is what the user is about to cause: right under the count.
        lines.insert(
            1.min(lines.len()),
            Line::from(Span::styled(line, theme.key())),
        );
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), outcome);
    label_row(editor, frame, runs, Field::Runs, "Runs          ", look);
    let runs_text = match editor.runs {
        Runs::EveryEntry => "every entry (each time an entity starts to match)",
        Runs::Once => "once (once per entity, ever)",
    };
    choice_value(
        frame,
        after_label(runs),
        runs_text,
        editor.focus == Field::Runs,
        &choice,
        look,
    );
    label_row(editor, frame, skip, Field::Skip, "Skip existing ", look);
    let skip_text = if editor.skip_existing {
        "yes (who matches when it is saved does not fire)"
    } else {
        "no (who matches when it is saved fires)"
    };
    choice_value(
        frame,
        after_label(skip),
        skip_text,
        editor.focus == Field::Skip,
        &choice,
        look,
    );
    let mut shown = editor.actions.clone();
    let border = if editor.focus == Field::Actions {
        theme.focused_border()
    } else {
        theme.dim()
    };
    shown.set_block(
        Block::default()
            .borders(Borders::ALL)
            .border_style(border)
            .title(" Actions, one a line: set P = v · unset P · webhook \"url\" secret env \"VAR\" · log \"text\" "),
    );
    if editor.focus != Field::Actions {
        shown.set_cursor_style(ratatui::style::Style::new());
    }
    frame.render_widget(&shown, actions);
    let mut problem_lines = Vec::new();
    if let Some(error) = &editor.save_error {
        problem_lines.push(Line::from(Span::styled(
            format!("Not saved: {error}"),
            theme.error(),
        )));
    }
    for problem in editor
        .problems
        .iter()
        .filter(|p| p.part != DraftPart::When)
        .take(2)
    {
        problem_lines.push(Line::from(Span::styled(problem.summary(), theme.error())));
        if let Some(help) = &problem.help {
            problem_lines.push(Line::from(Span::styled(
                format!("  help: {help}"),
                theme.dim(),
            )));
        }
    }
    frame.render_widget(
        Paragraph::new(problem_lines).wrap(Wrap { trim: false }),
        problems,
    );
    let mut spans = Vec::new();
    for (action, label) in [
        (Action::Save, "save"),
        (Action::Cancel, "cancel"),
        (Action::NextField, "next field"),
        (Action::BuildCondition, "add a condition"),
        (Action::ToggleChoice, "change a choice"),
    ] {
        spans.push(Span::styled(look.keymap.keys_label(action), theme.key()));
        spans.push(Span::raw(format!(" {label}  ")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), hints);
    if editor.focus == Field::When {
        editor.when.draw_suggestions(frame, when, area, theme);
    }
    if let Some(builder) = &editor.builder {
        builder.draw(frame, centered(area, 72, 18), theme);
    }
}

/// The label of a field's row, marked when the field has the focus.
fn label_row(
    editor: &PlaybookEditor,
    frame: &mut Frame,
    area: Rect,
    field: Field,
    label: &str,
    look: &Look,
) {
    let style = if editor.focus == field {
        look.theme.focused_border()
    } else {
        look.theme.normal()
    };
    frame.render_widget(Paragraph::new(Span::styled(label.to_string(), style)), area);
}

/// The row right of a label.
fn after_label(area: Rect) -> Rect {
    const LABEL: u16 = 14;
    Rect {
        x: area.x + LABEL.min(area.width),
        width: area.width.saturating_sub(LABEL),
        ..area
    }
}

/// A choice's value, with the key that changes it while focused.
fn choice_value(frame: &mut Frame, area: Rect, value: &str, focused: bool, key: &str, look: &Look) {
    let mut spans = vec![Span::styled(
        value.to_string(),
        if focused {
            look.theme.selected()
        } else {
            look.theme.normal()
        },
    )];
    if focused {
        spans.push(Span::styled(
            format!("  {key} changes it"),
            look.theme.dim(),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
