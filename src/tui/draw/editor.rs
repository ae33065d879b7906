//! The segment editor: name, description, the condition in a text area, the
//! live preview or the error with its line, column and a caret under the
//! span, and the completion list.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, Paragraph, Wrap};

use crate::lang::line_column;
use crate::tui::app::App;
use crate::tui::editor::{Editor, Field, PreviewState};

pub fn draw(frame: &mut Frame, app: &App, editor: &Editor, area: Rect) {
    let theme = app.theme;
    let verb = if editor.original.is_some() {
        "Edit"
    } else {
        "New"
    };
    let mut title = format!(" {verb} {} segment ", editor.kind.singular());
    if let Some(file) = &editor.file {
        let name = crate::tui::app::file_name(file);
        title.push_str(&format!("— saving writes it back to {name} "));
    }
    let outer = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title, theme.title()));
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let condition_height = (editor.condition.lines().len() as u16 + 2).clamp(3, 8);
    let [name, description, condition, preview, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(condition_height),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    draw_field(frame, app, editor, Field::Name, "Name        ", name);
    draw_field(
        frame,
        app,
        editor,
        Field::Description,
        "Description ",
        description,
    );

    let mut area_widget = editor.condition.clone();
    let border_style = if editor.focus == Field::Condition {
        theme.focused_border()
    } else {
        theme.dim()
    };
    area_widget.set_block(
        Block::default()
            .borders(Borders::ALL)
            .border_style(border_style)
            .title(" Condition "),
    );
    if editor.focus != Field::Condition {
        area_widget.set_cursor_style(ratatui::style::Style::new());
    }
    frame.render_widget(&area_widget, condition);

    draw_preview(frame, app, editor, preview);
    let hints_line = Line::from(vec![
        Span::styled(app.keymap.keys_label("save"), theme.key()),
        Span::raw(" save  "),
        Span::styled(app.keymap.keys_label("cancel"), theme.key()),
        Span::raw(" cancel  "),
        Span::styled(app.keymap.keys_label("next-field"), theme.key()),
        Span::raw(" next field or take suggestion  ↑↓ choose"),
    ]);
    frame.render_widget(Paragraph::new(hints_line), hints);
    if !editor.suggestions.is_empty() {
        draw_suggestions(frame, app, editor, condition, area);
    }
}

fn draw_field(
    frame: &mut Frame,
    app: &App,
    editor: &Editor,
    field: Field,
    label: &str,
    area: Rect,
) {
    let theme = app.theme;
    let [label_area, input_area] =
        Layout::horizontal([Constraint::Length(label.len() as u16), Constraint::Min(1)])
            .areas(area);
    let style = if editor.focus == field {
        theme.focused_border()
    } else {
        theme.normal()
    };
    frame.render_widget(Paragraph::new(Span::styled(label, style)), label_area);
    let mut input = match field {
        Field::Name => editor.name.clone(),
        Field::Description => editor.description.clone(),
        Field::Condition => editor.condition.clone(),
    };
    if editor.focus != field {
        input.set_cursor_style(ratatui::style::Style::new());
    }
    frame.render_widget(&input, input_area);
}

fn draw_preview(frame: &mut Frame, app: &App, editor: &Editor, area: Rect) {
    let theme = app.theme;
    let mut lines = Vec::new();
    if let Some(error) = &editor.save_error {
        lines.push(Line::from(Span::styled(
            format!("Not saved: {error}"),
            theme.error(),
        )));
    }
    match &editor.preview {
        PreviewState::Pending => lines.push(Line::from(Span::styled("…", theme.dim()))),
        PreviewState::Ready(preview) => {
            let share = if preview.of == 0 {
                0.0
            } else {
                preview.members as f64 * 100.0 / preview.of as f64
            };
            lines.push(Line::from(vec![
                Span::styled(
                    format!("{} of {} {}", preview.members, preview.of, editor.kind),
                    theme.good(),
                ),
                Span::raw(format!(" ({share:.1}%)   ")),
                Span::raw(format!(
                    "+{} would enter  -{} would leave",
                    preview.entering, preview.leaving
                )),
            ]));
            if !preview.sample.is_empty() {
                lines.push(Line::from(Span::styled(
                    format!("e.g. {}", preview.sample.join(", ")),
                    theme.dim(),
                )));
            }
        }
        PreviewState::Invalid(diagnostics) => {
            let text = editor.condition_text();
            for diagnostic in diagnostics.iter().take(2) {
                let at = line_column(&text, diagnostic.span.start);
                lines.push(Line::from(Span::styled(
                    format!(
                        "line {}, column {}: {}",
                        at.line, at.column, diagnostic.message
                    ),
                    theme.error(),
                )));
                let source = text.lines().nth(at.line - 1).unwrap_or("");
                lines.push(Line::raw(format!("  {source}")));
                let width = text
                    .get(diagnostic.span.start..diagnostic.span.end.max(diagnostic.span.start))
                    .map_or(1, |s| s.chars().count().max(1));
                lines.push(Line::from(Span::styled(
                    format!("  {}{}", " ".repeat(at.column - 1), "^".repeat(width)),
                    theme.error(),
                )));
                if let Some(help) = &diagnostic.help {
                    lines.push(Line::from(Span::styled(
                        format!("  help: {help}"),
                        theme.dim(),
                    )));
                }
            }
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

fn draw_suggestions(frame: &mut Frame, app: &App, editor: &Editor, condition: Rect, bounds: Rect) {
    let theme = app.theme;
    let row = editor.condition.cursor().0;
    let top = condition.y + 2 + row as u16;
    let height = (editor.suggestions.len() as u16 + 2).min(bounds.bottom().saturating_sub(top));
    if height < 3 {
        return;
    }
    let width = editor
        .suggestions
        .iter()
        .map(|s| s.label.chars().count() as u16 + 4)
        .max()
        .unwrap_or(10)
        .min(bounds.width.saturating_sub(4));
    let area = Rect {
        x: condition.x + 2,
        y: top,
        width,
        height,
    };
    let items: Vec<ListItem> = editor
        .suggestions
        .iter()
        .enumerate()
        .map(|(index, suggestion)| {
            let style = if index == editor.selected_suggestion {
                theme.selected()
            } else {
                theme.normal()
            };
            ListItem::new(Span::styled(suggestion.label.clone(), style))
        })
        .collect();
    frame.render_widget(Clear, area);
    frame.render_widget(
        List::new(items).block(Block::default().borders(Borders::ALL).title(" Tab ")),
        area,
    );
}
