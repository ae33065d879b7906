//! The engine's entity tables as bytes: what a snapshot file beside the
//! database holds so that opening copies columns instead of decoding every
//! entity from the store.
//!
//! An image holds, per kind, the ids (one buffer and their ends), the
//! living rows, and per column its dictionary (one buffer, ends, and the
//! lower-case forms that differ), its list elements and its cells — each
//! cell as a tag byte and an 8-byte payload, in two arrays. Opening checks
//! every length, tag, code and range, so even an image that passed its
//! checksum cannot make the engine index out of bounds: it is refused.
//! Columns are not built at open: each keeps its checked bytes
//! ([`ColumnImage`]) and is decoded when first read, and written back as
//! those bytes while it has not changed.
//! The user → account links are rebuilt from the tables when first needed
//! (`Links::of_tables`); segments are not
//! in an image (their members come from the store, their plans from the
//! definitions). Not here: the file around an image, its stamp and
//! checksum (`store::snapshot`).

use std::io::{self, Write};
use std::ops::Range;
use std::sync::Arc;

use fixedbitset::FixedBitSet;

use super::Engine;
use super::strings::{self, RowIndex, StringTable};
use super::table::{Cell, Column, ColumnSlot, Dictionary, Table};

/// The bytes an image lies in (a snapshot file's, mapped or read), shared
/// by the columns not decoded yet.
pub type ImageFile = Arc<dyn AsRef<[u8]> + Send + Sync>;

/// Why an image was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageError(pub String);

impl std::fmt::Display for ImageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn refused<T>(what: impl Into<String>) -> Result<T, ImageError> {
    Err(ImageError(what.into()))
}

fn bad_cell(tag: u8, payload: u64, what: &str) -> String {
    match tag {
        TAG_LIST => format!("{what}: a list outside its elements"),
        _ => format!("{what}: a cell of tag {tag} and value {payload}"),
    }
}

const TAG_MISSING: u8 = 0;
const TAG_TEXT: u8 = 1;
const TAG_NUMBER: u8 = 2;
const TAG_BOOL: u8 = 3;
const TAG_DATETIME: u8 = 4;
const TAG_LIST: u8 = 5;

fn cell_parts(cell: Cell) -> (u8, u64) {
    match cell {
        Cell::Missing => (TAG_MISSING, 0),
        Cell::Text(code) => (TAG_TEXT, u64::from(code)),
        Cell::Number(number) => (TAG_NUMBER, number.to_bits()),
        Cell::Bool(value) => (TAG_BOOL, u64::from(value)),
        Cell::DateTime(micros) => (TAG_DATETIME, micros as u64),
        Cell::List { start, len } => (TAG_LIST, (u64::from(start) << 32) | u64::from(len)),
    }
}

// ---------------------------------------------------------------- writing

fn put_u64(out: &mut impl Write, value: u64) -> io::Result<()> {
    out.write_all(&value.to_le_bytes())
}

fn put_u64s(out: &mut impl Write, values: impl ExactSizeIterator<Item = u64>) -> io::Result<()> {
    put_u64(out, values.len() as u64)?;
    let mut buffer = Vec::with_capacity(values.len().min(1 << 16) * 8);
    for value in values {
        buffer.extend_from_slice(&value.to_le_bytes());
        if buffer.len() >= 1 << 19 {
            out.write_all(&buffer)?;
            buffer.clear();
        }
    }
    out.write_all(&buffer)
}

fn put_bytes(out: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    put_u64(out, bytes.len() as u64)?;
    out.write_all(bytes)
}

/// Texts as their ends (each text's end in the buffer) and the buffer.
fn put_texts<'t>(
    out: &mut impl Write,
    texts: impl ExactSizeIterator<Item = &'t str> + Clone,
) -> io::Result<()> {
    let mut end = 0u64;
    put_u64s(
        out,
        texts.clone().map(|text| {
            end += text.len() as u64;
            end
        }),
    )?;
    put_u64(out, end)?;
    for text in texts {
        out.write_all(text.as_bytes())?;
    }
    Ok(())
}

fn put_cells(out: &mut impl Write, cells: &[Cell]) -> io::Result<()> {
    let tags: Vec<u8> = cells.iter().map(|&cell| cell_parts(cell).0).collect();
    put_bytes(out, &tags)?;
    put_u64s(out, cells.iter().map(|&cell| cell_parts(cell).1))
}

fn put_dictionary(out: &mut impl Write, dictionary: &Dictionary) -> io::Result<()> {
    let (bytes, starts) = dictionary.raw_parts();
    put_u64s(out, starts.iter().map(|&start| start as u64))?;
    put_bytes(out, bytes.as_bytes())?;
    let differing: Vec<(u32, &str)> = dictionary.differing_lower().collect();
    put_u64s(out, differing.iter().map(|(code, _)| u64::from(*code)))?;
    put_texts(out, differing.iter().map(|(_, lower)| *lower))
}

fn put_table(out: &mut impl Write, table: &Table) -> io::Result<()> {
    put_texts(out, table.ids.iter().map(|id| &**id))?;
    put_u64(out, table.alive.len() as u64)?;
    put_u64s(
        out,
        table.alive.as_slice().iter().map(|&block| block as u64),
    )?;
    let mut slots: Vec<(&String, &ColumnSlot)> = table.column_slots().collect();
    slots.sort_by_key(|(name, _)| *name);
    put_u64(out, slots.len() as u64)?;
    for (name, slot) in slots {
        put_bytes(out, name.as_bytes())?;
        // A column unchanged since it was read from an image is those
        // bytes again: copied, not decoded and encoded.
        if let Some(image) = slot.image() {
            out.write_all(image.bytes())?;
            continue;
        }
        let column = slot.get();
        put_dictionary(out, &column.dictionary)?;
        put_cells(out, &column.items)?;
        put_cells(out, &column.cells)?;
    }
    Ok(())
}

impl Engine {
    /// Writes the image of the users' and accounts' tables to `out`.
    pub fn write_image(&self, out: &mut impl Write) -> io::Result<()> {
        put_table(out, &self.users)?;
        put_table(out, &self.accounts)
    }

    /// An engine holding the tables of the image at `image` in `file`
    /// (no segments yet: see [`Engine::install_segments`]), or why the
    /// image is refused. Every column is checked now and decoded when
    /// first read; `file` is kept while a column still needs it.
    pub fn from_image(
        now: i64,
        file: ImageFile,
        image: Range<usize>,
    ) -> Result<Engine, ImageError> {
        let bytes = (*file).as_ref();
        if image.start > image.end || image.end > bytes.len() {
            return refused("the image lies outside its file");
        }
        let mut reader = Reader {
            bytes: &bytes[..image.end],
            at: image.start,
        };
        let users = reader.table("users", &file)?;
        let accounts = reader.table("accounts", &file)?;
        if reader.at != image.end {
            return refused(format!(
                "{} bytes after the accounts' table",
                image.end - reader.at
            ));
        }
        let mut engine = Engine::new(now);
        // Built from the tables when first needed (a query of properties
        // never needs them).
        engine.links = std::sync::OnceLock::new();
        engine.users = users;
        engine.accounts = accounts;
        Ok(engine)
    }
}

// ---------------------------------------------------------------- reading

/// A column's bytes in a snapshot's image (its dictionary, list elements
/// and cells, as `put_table` wrote them), checked at open so decoding them
/// cannot fail.
#[derive(Clone)]
pub struct ColumnImage {
    file: ImageFile,
    section: Range<usize>,
    /// The cells' tags in `file`: one byte per row.
    tags: Range<usize>,
}

impl std::fmt::Debug for ColumnImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ColumnImage({} bytes)", self.section.len())
    }
}

impl ColumnImage {
    /// The column's bytes, as an image holds them.
    pub fn bytes(&self) -> &[u8] {
        &(*self.file).as_ref()[self.section.clone()]
    }

    /// Whether `row` has a value (its tag is not "missing").
    pub fn holds_value(&self, row: usize) -> bool {
        (*self.file).as_ref()[self.tags.clone()]
            .get(row)
            .is_some_and(|&tag| tag != TAG_MISSING)
    }

    /// The column these bytes hold.
    pub fn decode(&self) -> Column {
        let mut reader = Reader {
            bytes: &(*self.file).as_ref()[..self.section.end],
            at: self.section.start,
        };
        match reader.column("a column checked at open") {
            Ok(column) => column,
            // Not reached: the same bytes passed `check_column` at open.
            Err(error) => {
                debug_assert!(false, "{error}");
                Column::default()
            }
        }
    }
}

/// The cell a tag and payload stand for, if they are valid for a column of
/// `texts` texts (and, for cells that may be lists or missing, `items`
/// list elements).
fn cell_of(tag: u8, payload: u64, texts: usize, items: Option<usize>) -> Option<Cell> {
    Some(match tag {
        TAG_MISSING if items.is_some() => Cell::Missing,
        TAG_TEXT if payload < texts as u64 => Cell::Text(payload as u32),
        TAG_NUMBER => Cell::Number(f64::from_bits(payload)),
        TAG_BOOL if payload <= 1 => Cell::Bool(payload == 1),
        TAG_DATETIME => Cell::DateTime(payload as i64),
        TAG_LIST => {
            let (start, len) = ((payload >> 32) as u32, payload as u32);
            if u64::from(start) + u64::from(len) > items? as u64 {
                return None;
            }
            Cell::List { start, len }
        }
        _ => return None,
    })
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: u64, what: &str) -> Result<&'a [u8], ImageError> {
        let left = (self.bytes.len() - self.at) as u64;
        if len > left {
            return refused(format!(
                "{what}: {len} bytes asked for at byte {}, {left} left",
                self.at
            ));
        }
        let taken = &self.bytes[self.at..self.at + len as usize];
        self.at += len as usize;
        Ok(taken)
    }

    fn u64(&mut self, what: &str) -> Result<u64, ImageError> {
        let bytes = self.take(8, what)?;
        Ok(u64::from_le_bytes(bytes.try_into().expect("eight bytes")))
    }

    /// A count that the bytes left could hold at `each` bytes apiece.
    fn count(&mut self, each: u64, what: &str) -> Result<usize, ImageError> {
        let count = self.u64(what)?;
        let left = (self.bytes.len() - self.at) as u64;
        if count.saturating_mul(each.max(1)) > left {
            return refused(format!("{what}: {count} items cannot fit in {left} bytes"));
        }
        Ok(count as usize)
    }

    /// Numbers written by `put_u64s`, read where they lie.
    fn u64s_in_place(
        &mut self,
        what: &str,
    ) -> Result<impl ExactSizeIterator<Item = u64> + 'a, ImageError> {
        let count = self.count(8, what)?;
        let bytes = self.take(count as u64 * 8, what)?;
        Ok(bytes
            .chunks_exact(8)
            .map(|chunk| u64::from_le_bytes(chunk.try_into().expect("eight bytes"))))
    }

    fn u64s(&mut self, what: &str) -> Result<Vec<u64>, ImageError> {
        Ok(self.u64s_in_place(what)?.collect())
    }

    fn bytes(&mut self, what: &str) -> Result<&'a [u8], ImageError> {
        let len = self.count(1, what)?;
        self.take(len as u64, what)
    }

    fn text(&mut self, what: &str) -> Result<&'a str, ImageError> {
        std::str::from_utf8(self.bytes(what)?).or_else(|_| refused(format!("{what}: not UTF-8")))
    }

    /// Texts written by `put_texts`.
    fn texts(&mut self, what: &str) -> Result<Vec<&'a str>, ImageError> {
        let ends = self.u64s(what)?;
        let buffer = std::str::from_utf8(self.bytes(what)?)
            .or_else(|_| refused(format!("{what}: not UTF-8")))?;
        let mut start = 0usize;
        let mut texts = Vec::with_capacity(ends.len());
        for end in ends {
            let Some(text) = usize::try_from(end)
                .ok()
                .and_then(|end| buffer.get(start..end).map(|text| (text, end)))
            else {
                return refused(format!("{what}: a text ends outside its buffer"));
            };
            texts.push(text.0);
            start = text.1;
        }
        if start != buffer.len() {
            return refused(format!("{what}: bytes after the last text"));
        }
        Ok(texts)
    }

    fn dictionary(&mut self, what: &str) -> Result<Dictionary, ImageError> {
        let starts: Vec<usize> = self
            .u64s_in_place(what)?
            .map(|start| usize::try_from(start).unwrap_or(usize::MAX))
            .collect();
        let buffer = self.text(what)?;
        let Some(texts) = StringTable::from_raw_parts(buffer.to_string(), starts) else {
            return refused(format!("{what}: its texts do not cut their buffer"));
        };
        let codes = self.u64s(what)?;
        let lowers = self.texts(what)?;
        if codes.len() != lowers.len() {
            return refused(format!("{what}: lower-case forms without their texts"));
        }
        let mut lower: Vec<Option<Box<str>>> = vec![None; texts.len()];
        for (code, form) in codes.into_iter().zip(lowers) {
            match lower.get_mut(code as usize) {
                Some(slot) if code < texts.len() as u64 => *slot = Some(form.into()),
                _ => return refused(format!("{what}: a lower-case form of no text")),
            }
        }
        Ok(Dictionary::from_parts(texts, lower))
    }

    /// The two arrays `put_cells` writes, of the same length: tags, and
    /// payloads read where they lie.
    fn cell_arrays(
        &mut self,
        what: &str,
    ) -> Result<(&'a [u8], impl ExactSizeIterator<Item = u64> + 'a), ImageError> {
        let tags = self.bytes(what)?;
        let payloads = self.u64s_in_place(what)?;
        if tags.len() != payloads.len() {
            return refused(format!(
                "{what}: {} tags for {} values",
                tags.len(),
                payloads.len()
            ));
        }
        Ok((tags, payloads))
    }

    /// Cells written by `put_cells`, each checked against the dictionary's
    /// size and (for lists, allowed when `items` is given) the elements.
    fn cells(
        &mut self,
        texts: usize,
        items: Option<usize>,
        what: &str,
    ) -> Result<Vec<Cell>, ImageError> {
        let (tags, payloads) = self.cell_arrays(what)?;
        let mut cells = Vec::with_capacity(tags.len());
        for (&tag, payload) in tags.iter().zip(payloads) {
            match cell_of(tag, payload, texts, items) {
                Some(cell) => cells.push(cell),
                None => return refused(bad_cell(tag, payload, what)),
            }
        }
        Ok(cells)
    }

    /// Checks cells as [`Reader::cells`] reads them, building nothing;
    /// returns how many there are and where their tags lie.
    fn check_cells(
        &mut self,
        texts: usize,
        items: Option<usize>,
        what: &str,
    ) -> Result<(usize, Range<usize>), ImageError> {
        let tags_start = self.at + 8;
        let (tags, payloads) = self.cell_arrays(what)?;
        let tags_at = tags_start..tags_start + tags.len();
        for (&tag, payload) in tags.iter().zip(payloads) {
            if cell_of(tag, payload, texts, items).is_none() {
                return refused(bad_cell(tag, payload, what));
            }
        }
        Ok((tags.len(), tags_at))
    }

    /// Checks a dictionary as [`Reader::dictionary`] reads it, building
    /// nothing; returns how many texts it has.
    fn check_dictionary(&mut self, what: &str) -> Result<usize, ImageError> {
        let starts = self.u64s_in_place(what)?;
        let count = starts.len();
        let buffer = self.text(what)?;
        let starts = starts.map(|start| usize::try_from(start).unwrap_or(usize::MAX));
        if !strings::cuts_whole(buffer, starts) {
            return refused(format!("{what}: its texts do not cut their buffer"));
        }
        let texts = count - 1;
        let codes = self.u64s_in_place(what)?;
        let lowers = self.texts(what)?;
        if codes.len() != lowers.len() {
            return refused(format!("{what}: lower-case forms without their texts"));
        }
        if codes.into_iter().any(|code| code >= texts as u64) {
            return refused(format!("{what}: a lower-case form of no text"));
        }
        Ok(texts)
    }

    /// A column's dictionary, elements and cells.
    fn column(&mut self, what: &str) -> Result<Column, ImageError> {
        let dictionary = self.dictionary(what)?;
        let items = self.cells(dictionary.len(), None, what)?;
        let cells = self.cells(dictionary.len(), Some(items.len()), what)?;
        Ok(Column {
            cells,
            items,
            dictionary,
        })
    }

    /// Checks a column's bytes, returning them (and its row count) to be
    /// decoded when first read.
    fn check_column(
        &mut self,
        file: &ImageFile,
        what: &str,
    ) -> Result<(ColumnImage, usize), ImageError> {
        let start = self.at;
        let texts = self.check_dictionary(what)?;
        let (items, _) = self.check_cells(texts, None, what)?;
        let (rows, tags) = self.check_cells(texts, Some(items), what)?;
        let image = ColumnImage {
            file: Arc::clone(file),
            section: start..self.at,
            tags,
        };
        Ok((image, rows))
    }

    fn table(&mut self, kind: &str, file: &ImageFile) -> Result<Table, ImageError> {
        let ids: Vec<Box<str>> = self
            .texts(&format!("the {kind}' ids"))?
            .into_iter()
            .map(Box::from)
            .collect();
        let bits = self.u64(&format!("the {kind}' rows"))?;
        let blocks = self.u64s(&format!("the {kind}' rows"))?;
        if bits != ids.len() as u64 || blocks.len() != ids.len().div_ceil(usize::BITS as usize) {
            return refused(format!(
                "the {kind}: {bits} living-row bits in {} blocks for {} ids",
                blocks.len(),
                ids.len()
            ));
        }
        // Bits past the last row would make rows that do not exist alive.
        let spare = blocks.len() * usize::BITS as usize - ids.len();
        if spare > 0 && blocks.last().is_some_and(|&last| last >> (64 - spare) != 0) {
            return refused(format!("the {kind}: living rows past the last id"));
        }
        let alive = FixedBitSet::with_capacity_and_blocks(
            ids.len(),
            blocks.into_iter().map(|b| b as usize),
        );
        let count = self.count(1, &format!("the {kind}' columns"))?;
        let mut columns = rustc_hash::FxHashMap::default();
        for _ in 0..count {
            let name = self
                .text(&format!("a column name of the {kind}"))?
                .to_string();
            let what = format!("the {kind}' column {name:?}");
            let (image, rows) = self.check_column(file, &what)?;
            if rows > ids.len() {
                return refused(format!("{what}: {rows} cells for {} rows", ids.len()));
            }
            if columns.insert(name, ColumnSlot::in_image(image)).is_some() {
                return refused(format!("{what} twice"));
            }
        }
        Ok(Table::from_parts(ids, alive, columns, RowIndex::unbuilt()))
    }
}

#[cfg(test)]
mod tests {
    use super::super::links::Links;
    use super::*;
    use crate::model::{EntityKind, Scalar, Value};

    fn engine() -> Engine {
        let mut engine = Engine::new(0);
        let mut touched = super::super::Touched::default();
        let text = |t: &str| Value::Scalar(Scalar::String(t.to_string()));
        let accounts = [("a1", vec![("plan", text("Pro"))]), ("a2", vec![])];
        for (row, (id, properties)) in accounts.iter().enumerate() {
            let pairs = properties.iter().map(|(name, value)| (*name, value));
            engine.load(EntityKind::Accounts, row as u32, id, pairs, &mut touched);
        }
        let users: [(&str, Vec<(&str, Value)>); 3] = [
            (
                "u1",
                vec![
                    ("account_id", text("a1")),
                    ("name", text("Ann É")),
                    ("n", Value::Scalar(Scalar::Number(2.5))),
                    ("on", Value::Scalar(Scalar::Bool(true))),
                    ("at", Value::Scalar(Scalar::DateTime(86_400_000_000))),
                    ("tags", Value::List(vec![Scalar::String("vip".into())])),
                ],
            ),
            ("u2", vec![("name", text("bo"))]),
            (
                "u3",
                vec![(
                    "tags",
                    Value::List(vec![Scalar::Number(1.0), Scalar::Bool(false)]),
                )],
            ),
        ];
        for (row, (id, properties)) in users.iter().enumerate() {
            let pairs = properties.iter().map(|(name, value)| (*name, value));
            engine.load(EntityKind::Users, row as u32, id, pairs, &mut touched);
        }
        engine.remove(EntityKind::Users, 1);
        engine
    }

    fn image_of(engine: &Engine) -> Vec<u8> {
        let mut bytes = Vec::new();
        engine.write_image(&mut bytes).unwrap();
        bytes
    }

    fn every_property(engine: &Engine) -> Vec<crate::model::Properties> {
        [&engine.users, &engine.accounts]
            .iter()
            .flat_map(|table| (0..table.rows() as u32).map(|row| table.properties(row)))
            .collect()
    }

    #[test]
    fn an_image_reads_back_lazily_and_writes_back_the_same() {
        let engine = engine();
        let bytes = image_of(&engine);
        let len = bytes.len();
        let read = Engine::from_image(0, Arc::new(bytes.clone()), 0..len).unwrap();
        // Nothing is decoded at open, not even what links are made of.
        let decoded = (read.users.column_slots())
            .chain(read.accounts.column_slots())
            .filter(|(_, slot)| slot.is_decoded())
            .count();
        assert_eq!(decoded, 0);
        assert!(read.links.get().is_none());
        // Which rows hold a value is read off the image's tags.
        for (table, original) in [
            (&read.users, &engine.users),
            (&read.accounts, &engine.accounts),
        ] {
            for (name, slot) in table.column_slots() {
                let column = original.column(name).unwrap();
                for row in 0..table.rows() + 1 {
                    let holds = column.cell(row) != Cell::Missing;
                    assert_eq!(slot.holds_value(row), holds, "{name} row {row}");
                }
            }
        }
        // Unread columns are copied through as they are.
        assert_eq!(image_of(&read), bytes);
        assert_eq!(every_property(&read), every_property(&engine));
        assert_eq!(image_of(&read), bytes);
        // The links built from the tables are those loading built.
        for user in 0..engine.users.rows() as u32 {
            assert_eq!(
                read.account_of(user),
                engine.account_of(user),
                "user {user}"
            );
        }
        for account in 0..engine.accounts.rows() as u32 {
            let users = engine.users_of_account(account);
            assert_eq!(read.users_of_account(account), users, "account {account}");
        }
    }

    /// A user moved to another account in an engine whose links are still
    /// to be built: they are built of the tables before the move, so the
    /// account left is touched (its aggregates change) and no longer lists
    /// the user.
    #[test]
    fn moving_a_user_before_the_links_are_built_touches_the_account_left() {
        let bytes = image_of(&engine());
        let len = bytes.len();
        let mut read = Engine::from_image(0, Arc::new(bytes), 0..len).unwrap();
        let account = |id: &str| Value::Scalar(Scalar::String(id.to_string()));
        let moved = [("account_id", account("a2"))];
        let mut touched = super::super::Touched::default();
        let pairs = moved.iter().map(|(name, value)| (*name, value));
        read.load(EntityKind::Users, 0, "u1", pairs, &mut touched);
        assert!(touched.aggregate_accounts.contains(&0), "{touched:?}");
        assert!(touched.aggregate_accounts.contains(&1), "{touched:?}");
        assert_eq!(read.account_of(0), Some(1));
        assert!(read.users_of_account(0).is_empty());
        assert_eq!(read.users_of_account(1), [0]);
    }

    /// Each byte of an image changed: refused at open, or every column of
    /// what was accepted decodes (the check at open and the decode agree;
    /// a disagreement would trip the decode's debug assertion here).
    #[test]
    fn a_changed_byte_is_refused_at_open_or_decodes() {
        let bytes = image_of(&engine());
        let (mut refused, mut accepted) = (0, 0);
        for at in 0..bytes.len() {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut changed = bytes.clone();
                changed[at] ^= flip;
                let len = changed.len();
                match Engine::from_image(0, Arc::new(changed), 0..len) {
                    Err(_) => refused += 1,
                    Ok(read) => {
                        accepted += 1;
                        every_property(&read);
                        let _ = Links::of_tables(&read.users, &read.accounts);
                    }
                }
            }
        }
        assert!(
            refused > 0 && accepted > 0,
            "{refused} refused, {accepted} accepted"
        );
    }
}
