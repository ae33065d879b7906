//! The screens whose features arrive with later work say what they will
//! hold, in one honest paragraph — never a fake table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::tui::app::{App, SCREENS};

fn explanation(index: usize) -> &'static str {
    match index {
        1 => {
            "The Users list: every user in a table that shows only the visible rows, chosen columns (always with segments), sorting, and a filter bar of conditions shown as chips. Until it arrives, `segscope query --kind users '...'` lists users from the command line."
        }
        2 => {
            "The Accounts list: every account with the same table, filter bar and detail view as Users, the account's users included. Until it arrives, `segscope query --kind accounts '...'` lists accounts."
        }
        3 => {
            "Stages: a kanban of a view's stage property, one column per value; moving a card sets the property and recomputes segments at once. It arrives with views."
        }
        _ => {
            "Destinations and playbooks: HubSpot, webhook and file connectors with their segment filters, mappings, dry runs and sync runs. They arrive with the sync work."
        }
    }
}

pub fn draw(frame: &mut Frame, app: &App, index: usize, area: Rect) {
    let theme = app.theme;
    let name = SCREENS.get(index).copied().unwrap_or("");
    let text = vec![
        Line::from(Span::styled(
            format!("{name} — not built yet"),
            theme.title(),
        )),
        Line::raw(""),
        Line::raw(explanation(index)),
        Line::raw(""),
        Line::from(Span::styled("Press 1 for Segments.", theme.dim())),
    ];
    let paragraph = Paragraph::new(text)
        .block(Block::default().borders(Borders::TOP))
        .wrap(Wrap { trim: true });
    frame.render_widget(paragraph, area);
}
