//! A segment's trend as a small panel: members at the end of each day as
//! a sparkline (scaled between the period's lowest and highest count, which
//! the gutter names), and below it who entered and who exited each day, with
//! the first and last day shown and the period's totals.
//!
//! It draws the series it is given and nothing else: computing the series
//! is the workspace's ([`crate::workspace::Workspace::daily_counts`]), and
//! keeping it is the screen's. Named colours only, through the theme, so the
//! plain theme draws the same shapes without colour. Narrow panels show
//! the most recent days that fit.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Sparkline};

use super::text::{cut, thousands, width};
use crate::model::format_datetime;
use crate::tui::theme::Theme;
use crate::workspace::DayCount;

/// Columns the labels on the left take.
const GUTTER: u16 = 9;

/// What the panel shows: a segment's series, or why there is none.
pub enum TrendView<'a> {
    Series(&'a [DayCount]),
    /// A message in place of the chart ("computing…", an error).
    Note(&'a str),
}

/// Draws the trend of `segment` in `area` (a top border with the title,
/// then the chart). Too small an area draws only what fits.
pub fn draw_trend(frame: &mut Frame, area: Rect, segment: &str, view: TrendView, theme: Theme) {
    if area.height < 2 || area.width < GUTTER + 10 {
        return;
    }
    let days = match &view {
        TrendView::Series(days) => {
            let room = usize::from(area.width - GUTTER);
            &days[days.len().saturating_sub(room)..]
        }
        TrendView::Note(_) => &[][..],
    };
    let what = match days.len() {
        0 => " · members per day ".to_string(),
        1 => " · members today ".to_string(),
        n => format!(" · members, last {n} days "),
    };
    // A long name is cut so that what the chart shows stays in the title.
    let room = usize::from(area.width).saturating_sub(width(&what) + 2);
    let title = format!(" {}{what}", cut(segment, room.max(8)));
    let mut block = Block::default()
        .borders(Borders::TOP)
        .title(Span::styled(title.clone(), theme.title()));
    if let Some(last) = days.last() {
        let today = format!(
            " now {} · today +{} −{} ",
            thousands(last.members as u64),
            thousands(last.entered as u64),
            thousands(last.exited as u64)
        );
        if width(&title) + width(&today) + 2 <= usize::from(area.width) {
            block = block.title_top(Line::from(Span::styled(today, theme.dim())).right_aligned());
        }
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    match view {
        TrendView::Note(note) => {
            frame.render_widget(Paragraph::new(note.to_string()).style(theme.dim()), inner);
        }
        TrendView::Series(_) if days.is_empty() => {}
        TrendView::Series(_) => draw_series(frame, inner, days, theme),
    }
}

fn draw_series(frame: &mut Frame, area: Rect, days: &[DayCount], theme: Theme) {
    // Members take what the two flow rows and the axis leave, at least one.
    let flows = if area.height >= 4 { 1 } else { 0 };
    let axis = if area.height >= 2 { 1 } else { 0 };
    let [members, entered, exited, dates] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(flows),
        Constraint::Length(flows),
        Constraint::Length(axis),
    ])
    .areas(area);
    let low = days.iter().map(|d| d.members).min().unwrap_or(0);
    let high = days.iter().map(|d| d.members).max().unwrap_or(0);
    let (bars, top) = scaled(days, low, high);
    let members_style = theme.title().remove_modifier(Modifier::BOLD);
    sparkline_row(frame, members, &bars, top, members_style);
    gutter(
        frame,
        members,
        &thousands(high as u64),
        &thousands(low as u64),
        theme,
    );
    if flows > 0 {
        let entered_counts: Vec<usize> = days.iter().map(|d| d.entered).collect();
        let exited_counts: Vec<usize> = days.iter().map(|d| d.exited).collect();
        let flow_top = entered_counts
            .iter()
            .chain(&exited_counts)
            .copied()
            .max()
            .unwrap_or(0);
        let entered_bars = flow_levels(&entered_counts, flow_top);
        let exited_bars = flow_levels(&exited_counts, flow_top);
        sparkline_row(frame, entered, &entered_bars, FLOW_LEVELS, theme.good());
        label(frame, entered, "entered", theme);
        sparkline_row(frame, exited, &exited_bars, FLOW_LEVELS, theme.error());
        label(frame, exited, "exited", theme);
    }
    if axis > 0 {
        axis_line(frame, dates, days, theme);
    }
}

/// The heights of a one-row bar.
const FLOW_LEVELS: u64 = 8;

/// Entered or exited counts as one-row bar heights, the highest count of
/// either full: a day with any change shows at least the lowest bar, so a
/// day of two exits is not lost beside a day of forty entries.
fn flow_levels(counts: &[usize], top: usize) -> Vec<u64> {
    counts
        .iter()
        .map(|&count| match count {
            0 => 0,
            count => (1 + (count - 1) * 7 / top.saturating_sub(1).max(1)).min(8) as u64,
        })
        .collect()
}

/// Members as bar heights above a baseline just under the period's lowest
/// count, so a change of a few members shows; a flat series is half high.
fn scaled(days: &[DayCount], low: usize, high: usize) -> (Vec<u64>, u64) {
    if low == high {
        let bar = u64::from(high > 0);
        return (vec![bar; days.len()], 2);
    }
    let pad = ((high - low) / 8).max(1);
    let base = low.saturating_sub(pad);
    let bars = days.iter().map(|d| (d.members - base) as u64).collect();
    (bars, (high - base) as u64)
}

fn chart_area(row: Rect) -> Rect {
    Rect {
        x: row.x + GUTTER,
        width: row.width.saturating_sub(GUTTER),
        ..row
    }
}

fn sparkline_row(
    frame: &mut Frame,
    row: Rect,
    values: &[u64],
    top: u64,
    style: ratatui::style::Style,
) {
    if row.height == 0 {
        return;
    }
    let sparkline = Sparkline::default()
        .data(values.iter().copied())
        .max(top)
        .style(style);
    frame.render_widget(sparkline, chart_area(row));
}

/// The highest count at the top of the gutter, the lowest at its bottom.
fn gutter(frame: &mut Frame, row: Rect, high: &str, low: &str, theme: Theme) {
    label(frame, row, high, theme);
    if row.height > 1 {
        let bottom = Rect {
            y: row.y + row.height - 1,
            height: 1,
            ..row
        };
        label(frame, bottom, low, theme);
    }
}

fn label(frame: &mut Frame, row: Rect, text: &str, theme: Theme) {
    if row.height == 0 {
        return;
    }
    let area = Rect {
        width: GUTTER - 1,
        height: 1,
        ..row
    };
    let text = format!("{text:>w$}", w = usize::from(GUTTER - 1));
    frame.render_widget(Paragraph::new(text).style(theme.dim()), area);
}

/// The first day on the left, the period's totals in the middle, the last
/// day on the right (whatever fits).
fn axis_line(frame: &mut Frame, row: Rect, days: &[DayCount], theme: Theme) {
    let (Some(first), Some(last)) = (days.first(), days.last()) else {
        return;
    };
    // Under the bars only: a short series ends where its last bar does.
    let mut area = chart_area(row);
    area.width = area
        .width
        .min(u16::try_from(days.len()).unwrap_or(u16::MAX));
    let room = usize::from(area.width);
    let start = format_datetime(first.day);
    let end = format_datetime(last.day);
    let entered: usize = days.iter().map(|d| d.entered).sum();
    let exited: usize = days.iter().map(|d| d.exited).sum();
    let totals = format!(
        "+{} −{} in {} days",
        thousands(entered as u64),
        thousands(exited as u64),
        days.len()
    );
    let mut text = start.clone();
    let used = width(&start) + width(&end);
    if used + width(&totals) + 4 <= room {
        let gap = room - used - width(&totals);
        let left = gap / 2;
        text.push_str(&" ".repeat(left));
        text.push_str(&totals);
        text.push_str(&" ".repeat(gap - left));
        text.push_str(&end);
    } else if used < room && days.len() > 1 {
        text.push_str(&" ".repeat(room - used));
        text.push_str(&end);
    }
    frame.render_widget(Paragraph::new(text).style(theme.dim()), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(members: usize) -> DayCount {
        DayCount {
            day: 0,
            members,
            entered: 0,
            exited: 0,
        }
    }

    #[test]
    fn bars_start_just_under_the_lowest_count() {
        let (bars, top) = scaled(&[day(100), day(108), day(116)], 100, 116);
        assert_eq!(bars, [2, 10, 18]);
        assert_eq!(top, 18);
    }

    #[test]
    fn any_change_shows_at_least_the_lowest_bar() {
        assert_eq!(flow_levels(&[0, 1, 2, 45], 45), [0, 1, 1, 8]);
        assert_eq!(flow_levels(&[0, 0], 0), [0, 0]);
    }

    #[test]
    fn a_flat_series_is_half_high_and_an_empty_one_empty() {
        assert_eq!(scaled(&[day(5), day(5)], 5, 5), (vec![1, 1], 2));
        assert_eq!(scaled(&[day(0)], 0, 0), (vec![0], 2));
    }
}
