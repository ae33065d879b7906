//! The columnar snapshot of one kind of entity: a dense row per entity, one
//! typed column per property, and the `alive` bitset of rows in use.
//!
//! Every cell is a small tagged value (text as a dictionary code, numbers as
//! f64, datetimes as microseconds, lists as a range into the column's item
//! store), so a predicate reads a row without allocating and can be checked
//! once per distinct text instead of once per row.
//!
//! A table opened from a snapshot's image keeps each column's bytes until
//! the column is first read ([`ColumnSlot`]): a query that reads two
//! properties decodes two columns, not thirty.

use std::sync::OnceLock;

use rustc_hash::FxHashMap as HashMap;

use super::image::ColumnImage;
use super::strings::{RowIndex, StringTable};

use fixedbitset::FixedBitSet;

use crate::model::{Properties, Scalar, Value};

/// One property value of one row.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cell {
    Missing,
    Text(u32),
    Number(f64),
    Bool(bool),
    DateTime(i64),
    /// `len` items starting at `start` in the column's item store.
    List {
        start: u32,
        len: u32,
    },
}

/// The distinct texts of a column, each with its lower-case form for the
/// case-insensitive operators (kept only where it differs from the text).
#[derive(Debug, Default)]
pub struct Dictionary {
    texts: StringTable,
    lower: Vec<Option<Box<str>>>,
}

impl Dictionary {
    pub fn code(&mut self, text: &str) -> u32 {
        let (code, added) = self.texts.intern(text);
        if added {
            self.lower.push(lower_if_different(text));
        }
        code
    }

    /// The code of `text` if the column has it.
    pub fn find(&self, text: &str) -> Option<u32> {
        self.texts.get(text)
    }

    pub fn text(&self, code: u32) -> &str {
        self.texts.text(code)
    }

    pub fn lower(&self, code: u32) -> &str {
        match &self.lower[code as usize] {
            Some(lower) => lower,
            None => self.texts.text(code),
        }
    }

    pub fn len(&self) -> usize {
        self.texts.len()
    }

    /// A dictionary of texts and their lower-case forms (`None` where the
    /// form is the text itself), one per text.
    pub fn from_parts(texts: StringTable, lower: Vec<Option<Box<str>>>) -> Dictionary {
        debug_assert_eq!(texts.len(), lower.len());
        Dictionary { texts, lower }
    }

    /// The codes whose lower-case form differs from the text, with it.
    pub fn differing_lower(&self) -> impl Iterator<Item = (u32, &str)> {
        self.lower
            .iter()
            .enumerate()
            .filter_map(|(code, lower)| Some((code as u32, lower.as_deref()?)))
    }

    /// The texts in one buffer and their starts (see `StringTable::raw_parts`).
    pub fn raw_parts(&self) -> (&str, &[usize]) {
        self.texts.raw_parts()
    }

    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }
}

/// The lower-case form of `text` when it differs (most texts have no
/// upper-case letter: they are checked without building a copy).
fn lower_if_different(text: &str) -> Option<Box<str>> {
    if text.is_ascii() {
        return text
            .bytes()
            .any(|byte| byte.is_ascii_uppercase())
            .then(|| text.to_ascii_lowercase().into_boxed_str());
    }
    let lower = text.to_lowercase();
    (lower != text).then(|| lower.into_boxed_str())
}

/// One property across all rows of a kind.
#[derive(Debug, Default)]
pub struct Column {
    pub cells: Vec<Cell>,
    /// Elements of list cells (never `List` or `Missing` themselves).
    pub items: Vec<Cell>,
    pub dictionary: Dictionary,
}

impl Column {
    fn set(&mut self, row: usize, value: Option<&Value>) {
        let cell = match value {
            None => Cell::Missing,
            Some(Value::Scalar(scalar)) => self.atom(scalar),
            Some(Value::List(items)) => {
                let start = self.items.len() as u32;
                for item in items {
                    let atom = self.atom(item);
                    self.items.push(atom);
                }
                Cell::List {
                    start,
                    len: items.len() as u32,
                }
            }
        };
        // Rows mostly arrive in order: the next row is a push.
        match row.cmp(&self.cells.len()) {
            std::cmp::Ordering::Less => self.cells[row] = cell,
            std::cmp::Ordering::Equal => self.cells.push(cell),
            std::cmp::Ordering::Greater => {
                self.cells.resize(row, Cell::Missing);
                self.cells.push(cell);
            }
        }
    }

    /// Room for `rows` cells, if the memory is there (a hint: a failed
    /// reservation leaves the column to grow as rows come).
    fn reserve(&mut self, rows: usize) {
        let _ = self
            .cells
            .try_reserve(rows.saturating_sub(self.cells.len()));
    }

    fn atom(&mut self, scalar: &Scalar) -> Cell {
        match scalar {
            Scalar::String(text) => Cell::Text(self.dictionary.code(text)),
            Scalar::Number(number) => Cell::Number(*number),
            Scalar::Bool(value) => Cell::Bool(*value),
            Scalar::DateTime(micros) => Cell::DateTime(*micros),
        }
    }

    pub fn cell(&self, row: usize) -> Cell {
        self.cells.get(row).copied().unwrap_or(Cell::Missing)
    }

    /// The elements of a list cell.
    pub fn list_items(&self, start: u32, len: u32) -> &[Cell] {
        let start = start as usize;
        &self.items[start..start + len as usize]
    }

    /// Turns a cell back into a value.
    pub fn value(&self, cell: Cell) -> Option<Value> {
        match cell {
            Cell::Missing => None,
            Cell::List { start, len } => Some(Value::List(
                self.list_items(start, len)
                    .iter()
                    .filter_map(|&item| self.scalar(item))
                    .collect(),
            )),
            atom => self.scalar(atom).map(Value::Scalar),
        }
    }

    fn scalar(&self, cell: Cell) -> Option<Scalar> {
        match cell {
            Cell::Text(code) => Some(Scalar::String(self.dictionary.text(code).to_string())),
            Cell::Number(number) => Some(Scalar::Number(number)),
            Cell::Bool(value) => Some(Scalar::Bool(value)),
            Cell::DateTime(micros) => Some(Scalar::DateTime(micros)),
            Cell::Missing | Cell::List { .. } => None,
        }
    }
}

/// A column as a table holds it: decoded, or still the checked bytes of a
/// snapshot's image, decoded when first read.
#[derive(Debug, Default)]
pub struct ColumnSlot {
    column: OnceLock<Column>,
    /// The image bytes the column still equals (dropped at its first change).
    image: Option<ColumnImage>,
}

impl ColumnSlot {
    pub fn decoded(column: Column) -> ColumnSlot {
        ColumnSlot {
            column: OnceLock::from(column),
            image: None,
        }
    }

    /// A column decoded from `image` when first read.
    pub fn in_image(image: ColumnImage) -> ColumnSlot {
        ColumnSlot {
            column: OnceLock::new(),
            image: Some(image),
        }
    }

    pub fn get(&self) -> &Column {
        self.column.get_or_init(|| {
            self.image
                .as_ref()
                .map(ColumnImage::decode)
                .unwrap_or_default()
        })
    }

    /// The column, to change: from here on it no longer equals its image.
    pub fn get_mut(&mut self) -> &mut Column {
        self.get();
        self.image = None;
        self.column.get_mut().expect("decoded just above")
    }

    /// The image bytes this column still equals, if it came from one and
    /// has not changed since (written back as they are).
    pub fn image(&self) -> Option<&ColumnImage> {
        self.image.as_ref()
    }

    /// Whether `row` has a value here (read in the image when the column
    /// is not decoded yet, so a change of one row decodes only the columns
    /// it touches).
    pub fn holds_value(&self, row: usize) -> bool {
        match (self.column.get(), &self.image) {
            (Some(column), _) => column.cell(row) != Cell::Missing,
            (None, Some(image)) => image.holds_value(row),
            (None, None) => false,
        }
    }

    /// Whether the column has been decoded (or was never an image).
    pub fn is_decoded(&self) -> bool {
        self.column.get().is_some()
    }
}

/// All entities of one kind.
#[derive(Debug, Default)]
pub struct Table {
    /// By row: the entity's id (kept after removal, for history).
    pub ids: Vec<Box<str>>,
    pub alive: FixedBitSet,
    columns: HashMap<String, ColumnSlot>,
    index: RowIndex,
    /// Rows [`Table::reserve`] made room for.
    expected_rows: usize,
    /// Counts every change of which rows are alive or what id one holds,
    /// so an order of the ids kept elsewhere knows when it is stale.
    generation: u64,
}

impl Table {
    /// A table of rows already laid out (from a snapshot's image).
    pub fn from_parts(
        ids: Vec<Box<str>>,
        alive: FixedBitSet,
        columns: HashMap<String, ColumnSlot>,
        index: RowIndex,
    ) -> Table {
        Table {
            ids,
            alive,
            columns,
            index,
            expected_rows: 0,
            generation: 0,
        }
    }

    /// Decodes every column still in an image and builds now the hash
    /// indexes that are otherwise built on their first lookup (the ids',
    /// every column's texts'), so no later read pays for either.
    pub fn build_indexes(&self) {
        self.row_of("");
        for slot in self.columns.values() {
            slot.get().dictionary.find("");
        }
    }

    /// Lets go of the image bytes of decoded columns (the snapshot file's
    /// buffer is freed once no column holds it).
    pub fn release_images(&mut self) {
        for slot in self.columns.values_mut() {
            if slot.is_decoded() {
                slot.image = None;
            }
        }
    }

    /// The row of the entity with this id.
    pub fn row_of(&self, id: &str) -> Option<u32> {
        self.index.get(&self.ids, &self.alive, id)
    }

    /// Makes room for `rows` rows in all, so loading that many grows nothing
    /// (columns made later get the same room). Only a hint: without the
    /// memory for it nothing is reserved and rows still load as they come.
    pub fn reserve(&mut self, rows: usize) {
        if self
            .ids
            .try_reserve(rows.saturating_sub(self.ids.len()))
            .is_err()
        {
            return;
        }
        self.expected_rows = self.expected_rows.max(rows);
        self.index.reserve(
            &self.ids,
            &self.alive,
            rows.saturating_sub(self.index.len()),
        );
        for slot in self.columns.values_mut() {
            slot.get_mut().reserve(rows);
        }
    }

    /// Changes when a row starts or stops living or changes its id (not
    /// when only properties change).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Number of row slots (alive or not).
    pub fn rows(&self) -> usize {
        self.ids.len()
    }

    pub fn is_alive(&self, row: u32) -> bool {
        self.alive.contains(row as usize)
    }

    /// Stores an entity at `row`, replacing whatever the row held. The id
    /// must not be held by another living row (callers look it up first).
    pub fn put<'p>(
        &mut self,
        row: u32,
        id: &str,
        properties: impl Iterator<Item = (&'p str, &'p Value)>,
    ) {
        let index = row as usize;
        if self.ids.len() <= index {
            self.ids.resize(index + 1, Box::from(""));
            self.alive.grow(index + 1);
        }
        debug_assert!(
            self.index
                .get(&self.ids, &self.alive, id)
                .is_none_or(|other| other == row),
            "the id {id} already lives at another row"
        );
        // Living rows are indexed under their id; others are not.
        let was_alive = self.alive.contains(index);
        if was_alive && &*self.ids[index] != id {
            self.index.remove(&self.ids, &self.alive, row);
        }
        if !was_alive || &*self.ids[index] != id {
            self.ids[index] = id.into();
            self.index.insert(&self.ids, &self.alive, row);
            self.generation += 1;
        }
        self.alive.insert(index);
        // A row that held an entity starts empty again.
        if was_alive {
            self.clear_row(index);
        }
        for (name, value) in properties {
            match self.columns.get_mut(name) {
                Some(slot) => slot.get_mut().set(index, Some(value)),
                None => {
                    let mut column = Column::default();
                    column.reserve(self.expected_rows);
                    column.set(index, Some(value));
                    self.columns
                        .insert(name.to_string(), ColumnSlot::decoded(column));
                }
            }
        }
    }

    pub fn remove(&mut self, row: u32) {
        let index = row as usize;
        if index >= self.ids.len() {
            return;
        }
        if self.alive.contains(index) {
            self.generation += 1;
        }
        self.alive.set(index, false);
        self.index.remove(&self.ids, &self.alive, row);
        self.clear_row(index);
    }

    /// Empties a row's cells; a column decodes (and leaves its image) only
    /// when the row has a value in it.
    fn clear_row(&mut self, index: usize) {
        for slot in self.columns.values_mut() {
            if slot.holds_value(index) {
                slot.get_mut().set(index, None);
            }
        }
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.get(name).map(ColumnSlot::get)
    }

    /// Every column with its name, in no order (each decoded as it comes).
    pub fn columns(&self) -> impl Iterator<Item = (&String, &Column)> {
        self.columns.iter().map(|(name, slot)| (name, slot.get()))
    }

    /// Every column's slot with its name, in no order, decoded or not.
    pub fn column_slots(&self) -> impl Iterator<Item = (&String, &ColumnSlot)> {
        self.columns.iter()
    }

    /// Takes a column out of the table (a test's way to get one built).
    #[cfg(test)]
    pub fn take_column(&mut self, name: &str) -> Option<Column> {
        let mut slot = self.columns.remove(name)?;
        Some(std::mem::take(slot.get_mut()))
    }

    /// Every property of a row, as values.
    pub fn properties(&self, row: u32) -> Properties {
        let index = row as usize;
        self.columns()
            .filter_map(|(name, column)| {
                column.value(column.cell(index)).map(|v| (name.clone(), v))
            })
            .collect()
    }
}

/// How many values of each type a column holds: its cells, and apart from
/// them the elements of its list cells.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TypeCounts {
    /// Cells: text, number, bool, datetime, list.
    pub cells: [usize; 5],
    /// Elements of list cells: text, number, bool, datetime.
    pub elements: [usize; 4],
}

/// The words for [`TypeCounts`]' slots, in their order.
pub const TYPE_WORDS: [&str; 5] = ["text", "number", "bool", "datetime", "list"];

impl TypeCounts {
    /// Entities that have the property at all.
    pub fn present(&self) -> usize {
        self.cells.iter().sum()
    }
}

fn scalar_slot(cell: &Cell) -> Option<usize> {
    match cell {
        Cell::Text(_) => Some(0),
        Cell::Number(_) => Some(1),
        Cell::Bool(_) => Some(2),
        Cell::DateTime(_) => Some(3),
        Cell::Missing | Cell::List { .. } => None,
    }
}

impl Column {
    /// Whether any row has a value here (stops at the first).
    pub fn has_values(&self) -> bool {
        self.cells.iter().any(|cell| *cell != Cell::Missing)
    }

    /// Counts the column's values by type (one pass over its cells and
    /// their list elements).
    pub fn type_counts(&self) -> TypeCounts {
        let mut counts = TypeCounts::default();
        for cell in &self.cells {
            match *cell {
                Cell::Missing => {}
                Cell::List { start, len } => {
                    counts.cells[4] += 1;
                    let items = self.items.get(start as usize..(start + len) as usize);
                    for item in items.unwrap_or_default() {
                        if let Some(slot) = scalar_slot(item) {
                            counts.elements[slot] += 1;
                        }
                    }
                }
                ref scalar => counts.cells[scalar_slot(scalar).unwrap_or(0)] += 1,
            }
        }
        counts
    }
}

/// A word for the type of a column's values: `text`, `number`, `bool`,
/// `datetime`, `list`, or `mixed` when no type holds nine in ten values.
pub fn type_label(column: &Column) -> String {
    let counts = column.type_counts().cells;
    let total: usize = counts.iter().sum();
    counts
        .iter()
        .enumerate()
        .max_by_key(|(_, count)| **count)
        .filter(|(_, count)| total > 0 && **count * 10 >= total * 9)
        .map_or("mixed", |(index, _)| TYPE_WORDS[index])
        .to_string()
}
