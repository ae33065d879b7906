//! Overlays: the help generated from the live key map, confirmations, and
//! the `:` prompt with its completions.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::centered;
use crate::tui::app::App;
use crate::tui::commands::{COMMANDS, Scope};
use crate::tui::popup::Popup;

pub fn draw(frame: &mut Frame, app: &App, popup: &Popup, area: Rect) {
    match popup {
        Popup::Help { scroll } => draw_help(frame, app, *scroll, area),
        Popup::Confirm { question, .. } => {
            let rect = centered(area, question.chars().count() as u16 + 6, 3);
            frame.render_widget(Clear, rect);
            frame.render_widget(
                Paragraph::new(question.as_str())
                    .block(Block::default().borders(Borders::ALL).title(" Confirm ")),
                rect,
            );
        }
        Popup::Prompt { input, completions } => {
            let height = (completions.len() as u16 + 3).min(area.height);
            let rect = Rect {
                x: area.x,
                y: area.bottom().saturating_sub(height + 1),
                width: area.width,
                height,
            };
            frame.render_widget(Clear, rect);
            let block = Block::default()
                .borders(Borders::TOP)
                .title(" : command (Tab completes, Enter runs, Esc closes) ");
            let inner = block.inner(rect);
            frame.render_widget(block, rect);
            let line_area = Rect { height: 1, ..inner };
            frame.render_widget(Paragraph::new(":"), line_area);
            let input_area = Rect {
                x: inner.x + 1,
                width: inner.width.saturating_sub(1),
                height: 1,
                ..inner
            };
            frame.render_widget(&**input, input_area);
            let list: Vec<Line> = completions
                .iter()
                .map(|c| Line::from(Span::styled(c.clone(), app.theme.dim())))
                .collect();
            let list_area = Rect {
                y: inner.y + 1,
                height: inner.height.saturating_sub(1),
                ..inner
            };
            frame.render_widget(Paragraph::new(list), list_area);
        }
    }
}

/// The help lists every command of the table with the keys bound to it now.
fn draw_help(frame: &mut Frame, app: &App, scroll: u16, area: Rect) {
    let theme = app.theme;
    let mut lines = Vec::new();
    for scope in [Scope::Global, Scope::Segments, Scope::Editor] {
        lines.push(Line::from(Span::styled(scope.title(), theme.title())));
        for command in COMMANDS.iter().filter(|c| c.scope == scope) {
            let keys = app.keymap.keys_label(command.name);
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<16}"), theme.key()),
                Span::raw(command.help),
            ]));
        }
        lines.push(Line::raw(""));
    }
    lines.push(Line::from(Span::styled("Commands after :", theme.title())));
    for (name, help) in crate::tui::commands::PROMPT_COMMANDS {
        lines.push(Line::raw(format!("  :{name:<14} {help}")));
    }
    if let Some(path) = &app.keymap.path {
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled(
            format!("Keys can be changed in {}", path.display()),
            theme.dim(),
        )));
    }
    let rect = centered(area, 72, area.height.saturating_sub(2));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(" Help — Esc closes, j/k scroll "),
            )
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        rect,
    );
}
