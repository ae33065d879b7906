//! Saving what a view screen shows as a `view` definition (`w`), shared
//! by the lists and the Stages board: the line that names it, and the save
//! itself — the filter's chips checked and joined into the view's
//! condition, the shown view replaced when the name is its own (keeping its
//! description; rewritten in its file when it came from one), a new view of
//! the UI otherwise.
//!
//! The screens say what the view holds (columns and sort, or stages); this
//! says how it is named, checked and stored.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Borders, Clear};

use super::{Changed, Context};
use crate::model::fold_name;
use crate::model::view::View;
use crate::tui::popups::centered;
use crate::tui::theme::Theme;
use crate::tui::widgets::text_line::TextLine;

/// What a saved view holds besides its name, kind and filter.
pub struct ViewShape {
    pub columns: Vec<String>,
    pub sort: Option<crate::model::view::SortKey>,
    pub stages: Option<crate::model::view::StageLayout>,
}

/// Saves a view named `name` of `kind` with the filter `chips` and the
/// `shape`; `shown` is the view the screen shows, if any. Returns the
/// saved name, having said what happened in the outbox.
pub fn save_view(
    context: &mut Context,
    name: &str,
    kind: crate::model::EntityKind,
    chips: &[String],
    shape: ViewShape,
    shown: Option<&str>,
) -> Option<String> {
    let name = name.trim();
    if name.is_empty() {
        context.out.error("a view needs a name");
        return None;
    }
    let workspace = context.workspace()?;
    let filter = match workspace.joined_filter(kind, chips) {
        Ok(Some(text)) => match workspace.check_condition(kind, &text) {
            Ok(condition) => Some(condition),
            Err(_) => {
                context
                    .out
                    .error("the filter does not check: fix it before saving");
                return None;
            }
        },
        Ok(None) => None,
        Err((index, _)) => {
            context.out.error(format!(
                "condition {} does not check: fix it before saving",
                index + 1
            ));
            return None;
        }
    };
    let replacing = shown.filter(|shown| fold_name(shown) == fold_name(name));
    let description = replacing
        .and_then(|shown| workspace.view(shown))
        .and_then(|summary| summary.view.description);
    let view = View {
        name: name.to_string(),
        kind,
        description,
        filter,
        columns: shape.columns,
        sort: shape.sort,
        stages: shape.stages,
    };
    match workspace.save_view(&view, replacing) {
        Ok(_) => {
            context.out.info(format!("saved view \"{name}\""));
            context.out.changed.merge(Changed::DEFINITIONS);
            context.out.wrote_files = true;
            Some(name.to_string())
        }
        Err(failure) => {
            context.out.error(failure.summary());
            None
        }
    }
}

/// The line that names the view being saved, in a box over `area`.
pub fn draw_name_line(frame: &mut Frame, area: Rect, line: &TextLine, theme: Theme) {
    let rect = centered(area, 60, 3);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focused_border())
        .title(" Save as the view named ");
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    line.draw(frame, inner, true);
}
