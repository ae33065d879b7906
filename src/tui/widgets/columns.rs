//! Table columns laid out by priority, for any table of the UI: the most
//! important column gets what it needs (up to its limit) before the next
//! one gets anything beyond its minimum; room left after every column has
//! what it asked for goes to a column that fills, or to the columns whose
//! cells are still cut; columns that do not fit are hidden, lowest
//! priority first, and the caller shows that they are. Pure arithmetic on
//! widths: it draws nothing and cuts no text (cells are cut with `…` by
//! the model's rule, `text::cut`, at the widths it returns).

use super::text::width;

/// One column as the layout sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// What the header says (lower case for the hidden-columns note).
    pub header: &'static str,
    /// 0 is the most important; columns of equal priority go left to right.
    pub priority: u8,
    /// The narrowest it is shown at (a cell narrower than its text is cut).
    pub min: u16,
    /// The most it asks for before less important columns get their share.
    pub limit: u16,
    /// What its widest cell (or header) needs.
    pub need: u16,
    /// Takes the room nobody needs (a description), so the table spans the
    /// width.
    pub fill: bool,
}

impl Column {
    /// A column that needs its header's width, shown from that width, with
    /// no limit.
    pub fn new(header: &'static str, priority: u8) -> Column {
        let header_width = width(header) as u16;
        Column {
            header,
            priority,
            min: header_width,
            limit: u16::MAX,
            need: header_width,
            fill: false,
        }
    }

    pub fn min(self, min: u16) -> Column {
        Column { min, ..self }
    }

    pub fn limit(self, limit: u16) -> Column {
        Column { limit, ..self }
    }

    pub fn fill(self) -> Column {
        Column { fill: true, ..self }
    }

    /// Needs the widest of its header and these cells.
    pub fn fitting<'a>(self, cells: impl IntoIterator<Item = &'a str>) -> Column {
        let widest = cells
            .into_iter()
            .map(|cell| u16::try_from(width(cell)).unwrap_or(u16::MAX))
            .max()
            .unwrap_or(0);
        Column {
            need: self.need.max(widest),
            ..self
        }
    }

    /// What it asks for before the next column's turn.
    fn wanted(&self) -> u16 {
        self.need.min(self.limit).max(self.shown_min())
    }

    /// Its minimum, never more than it needs.
    fn shown_min(&self) -> u16 {
        self.min.min(self.need)
    }
}

/// The widths chosen, one per column in the order given: `None` is hidden.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnLayout {
    pub widths: Vec<Option<u16>>,
}

impl ColumnLayout {
    /// The indexes of the hidden columns, in the order given.
    pub fn hidden(&self) -> Vec<usize> {
        (0..self.widths.len())
            .filter(|&index| self.widths[index].is_none())
            .collect()
    }

    /// The note that says which columns are hidden, as wide as `room`
    /// allows: `+2 hidden: changed, origin (widen the terminal)`, else
    /// `+2 columns hidden`, else `+2`; `None` when every column shows.
    pub fn hidden_note(&self, columns: &[Column], room: usize) -> Option<String> {
        let hidden = self.hidden();
        if hidden.is_empty() {
            return None;
        }
        let count = hidden.len();
        let names: Vec<String> = hidden
            .iter()
            .map(|&index| columns[index].header.trim().to_lowercase())
            .collect();
        let plural = if count == 1 { "" } else { "s" };
        [
            format!("+{count} hidden: {} (widen the terminal)", names.join(", ")),
            format!("+{count} column{plural} hidden (widen the terminal)"),
            format!("+{count} column{plural} hidden"),
            format!("+{count}"),
        ]
        .into_iter()
        .find(|note| width(note) <= room)
    }
}

/// Lays `columns` out in `total` terminal columns with `spacing` between
/// neighbours.
///
/// Which columns show: in priority order, a column shows when it fits at
/// its minimum beside what the more important ones want; the first that
/// does not fit hides, and so does every one after it (the most important
/// column always shows). How wide: every shown column starts at its
/// minimum; then, in priority order, each grows to what it wants (its need
/// up to its limit), then to its whole need; what is left goes to the fill
/// column. So no room is left unused while a cell is cut.
pub fn lay_out(columns: &[Column], total: u16, spacing: u16) -> ColumnLayout {
    let mut order: Vec<usize> = (0..columns.len()).collect();
    order.sort_by_key(|&index| columns[index].priority);

    let mut shown: Vec<usize> = Vec::new();
    let mut wanted: u32 = 0;
    for &index in &order {
        let column = &columns[index];
        let gaps = u32::from(spacing) * shown.len() as u32;
        let fits = wanted + gaps + u32::from(column.shown_min()) <= u32::from(total);
        if !fits && !shown.is_empty() {
            break;
        }
        shown.push(index);
        wanted += u32::from(column.wanted());
    }

    let mut widths: Vec<Option<u16>> = vec![None; columns.len()];
    let gaps = u32::from(spacing) * shown.len().saturating_sub(1) as u32;
    let mut room = u32::from(total).saturating_sub(gaps);
    for &index in &shown {
        let start = u32::from(columns[index].shown_min()).min(room);
        widths[index] = Some(start as u16);
        room -= start;
    }
    for target in [Column::wanted, |column: &Column| column.need] {
        for &index in &shown {
            let current = widths[index].unwrap_or(0);
            let grow = u32::from(target(&columns[index]).saturating_sub(current)).min(room);
            widths[index] = Some(current + grow as u16);
            room -= grow;
        }
    }
    if let Some(&index) = shown.iter().find(|&&index| columns[index].fill) {
        let current = widths[index].unwrap_or(0);
        widths[index] = Some(current.saturating_add(room.min(u32::from(u16::MAX)) as u16));
    }
    ColumnLayout { widths }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Like the Segments table: name, members, share, description,
    /// changed, origin, with the name and the description needing what
    /// they are given.
    fn segments_like(name: u16, description: u16) -> Vec<Column> {
        let needs = |column: Column, need: u16| Column { need, ..column };
        vec![
            needs(Column::new("NAME", 0).min(12).limit(40), name),
            Column::new("MEMBERS", 1),
            Column::new(" SHARE", 1),
            needs(
                Column::new("DESCRIPTION", 2).min(16).limit(40).fill(),
                description,
            ),
            needs(Column::new("CHANGED", 3).min(10), 10),
            needs(Column::new("ORIGIN", 4).min(8).limit(16), 12),
        ]
    }

    fn widths(layout: &ColumnLayout) -> Vec<u16> {
        layout.widths.iter().map(|w| w.unwrap_or(0)).collect()
    }

    fn used(layout: &ColumnLayout, spacing: u16) -> u16 {
        let shown = layout.widths.iter().flatten().count() as u16;
        layout.widths.iter().flatten().sum::<u16>() + spacing * shown.saturating_sub(1)
    }

    #[test]
    fn everything_fits_and_the_fill_column_takes_the_rest() {
        let columns = segments_like(29, 47);
        let layout = lay_out(&columns, 140, 1);
        assert_eq!(widths(&layout), vec![29, 7, 6, 71, 10, 12]);
        assert_eq!(used(&layout, 1), 140);
        assert!(layout.hidden().is_empty());
        assert_eq!(layout.hidden_note(&columns, 100), None);
    }

    #[test]
    fn the_name_gets_what_it_needs_first_and_the_rest_hide_in_priority_order() {
        let columns = segments_like(29, 47);
        // 29 + 7 + 6 want 44 with their gaps; the description fits at 35;
        // changed and origin would not fit beside what it wants.
        let layout = lay_out(&columns, 80, 1);
        assert_eq!(
            layout.widths,
            vec![Some(29), Some(7), Some(6), Some(35), None, None]
        );
        assert_eq!(used(&layout, 1), 80);
        assert_eq!(layout.hidden(), vec![4, 5]);
        assert_eq!(
            layout.hidden_note(&columns, 60).as_deref(),
            Some("+2 hidden: changed, origin (widen the terminal)")
        );
        assert_eq!(
            layout.hidden_note(&columns, 30).as_deref(),
            Some("+2 columns hidden")
        );
        assert_eq!(layout.hidden_note(&columns, 3).as_deref(), Some("+2"));
    }

    #[test]
    fn a_column_that_does_not_fit_at_its_minimum_hides_with_all_after_it() {
        let columns = segments_like(29, 47);
        // The description would get 11 of its 16: hidden; changed and
        // origin are less important, hidden too; the room left goes to no
        // one, since no shown cell is cut.
        let layout = lay_out(&columns, 55, 1);
        assert_eq!(
            layout.widths,
            vec![Some(29), Some(7), Some(6), None, None, None]
        );
        assert_eq!(layout.hidden(), vec![3, 4, 5]);
    }

    #[test]
    fn room_goes_to_a_cut_name_before_it_is_left_unused() {
        // A name longer than its limit: once every shown column has what it
        // wants and the description is hidden, the name takes the rest.
        let columns = segments_like(60, 47);
        let layout = lay_out(&columns, 70, 1);
        assert_eq!(
            layout.widths,
            vec![Some(55), Some(7), Some(6), None, None, None]
        );
        assert_eq!(used(&layout, 1), 70);
    }

    #[test]
    fn the_most_important_column_always_shows_even_when_narrower_than_its_minimum() {
        let columns = segments_like(29, 47);
        let layout = lay_out(&columns, 8, 1);
        assert_eq!(layout.widths[0], Some(8));
        assert_eq!(layout.hidden(), vec![1, 2, 3, 4, 5]);
    }

    #[test]
    fn a_column_never_starts_wider_than_it_needs() {
        let columns = vec![
            Column::new("A", 0).min(12).fitting(["abc"]),
            Column::new("B", 1).min(4).fitting(["bb"]),
        ];
        assert_eq!(lay_out(&columns, 40, 1).widths, vec![Some(3), Some(2)]);
    }

    #[test]
    fn fitting_measures_display_width() {
        let column = Column::new("N", 0).fitting(["日本語", "ab"]);
        assert_eq!(column.need, 6);
    }
}
