//! The engine's entity tables as bytes: what a snapshot file beside the
//! database holds so that opening copies columns instead of decoding every
//! entity from the store.
//!
//! An image holds, per kind, the ids (one buffer and their ends), the
//! living rows, and per column its dictionary (one buffer, ends, and the
//! lower-case forms that differ), its list elements and its cells — each
//! cell as a tag byte and an 8-byte payload, in two arrays. Reading checks
//! every length, tag, code and range, so even an image that passed its
//! checksum cannot make the engine index out of bounds: it is refused.
//! The user → account links are rebuilt from the tables; segments are not
//! in an image (their members come from the store, their plans from the
//! definitions). Not here: the file around an image, its stamp and
//! checksum (`store::snapshot`).

use std::io::{self, Write};

use fixedbitset::FixedBitSet;

use super::strings::{RowIndex, StringTable};
use super::table::{Cell, Column, Dictionary, Table};
use super::{Engine, links::Links};
use crate::model::ACCOUNT_ID;

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
    let mut names: Vec<&String> = table.columns.keys().collect();
    names.sort();
    put_u64(out, names.len() as u64)?;
    for name in names {
        let column = &table.columns[name];
        put_bytes(out, name.as_bytes())?;
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

    /// An engine holding the tables of an image (no segments yet: see
    /// [`Engine::install_segments`]), or why the image is refused.
    pub fn from_image(now: i64, image: &[u8]) -> Result<Engine, ImageError> {
        let mut reader = Reader {
            bytes: image,
            at: 0,
        };
        let users = reader.table("users")?;
        let accounts = reader.table("accounts")?;
        if reader.at != image.len() {
            return refused(format!(
                "{} bytes after the accounts' table",
                image.len() - reader.at
            ));
        }
        let mut engine = Engine::new(now);
        engine.links = links_of(&users, &accounts);
        engine.users = users;
        engine.accounts = accounts;
        Ok(engine)
    }
}

/// The user → account links the tables imply: what loading them entity by
/// entity would have built.
fn links_of(users: &Table, accounts: &Table) -> Links {
    let mut links = Links::default();
    links.reserve_users(users.rows());
    for row in accounts.alive.ones() {
        links.set_account(&accounts.ids[row], Some(row as u32));
    }
    let Some(column) = users.column(ACCOUNT_ID) else {
        return links;
    };
    // Each distinct account id is looked up once, not once per user.
    let mut link_codes: Vec<Option<u32>> = vec![None; column.dictionary.len()];
    for row in users.alive.ones() {
        let Cell::Text(text) = column.cell(row) else {
            continue;
        };
        let code = match link_codes[text as usize] {
            Some(code) => code,
            None => {
                let code = links.code(column.dictionary.text(text));
                link_codes[text as usize] = Some(code);
                code
            }
        };
        links.link_new_user(row as u32, code);
    }
    links
}

// ---------------------------------------------------------------- reading

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

    /// Cells written by `put_cells`, each checked against the dictionary's
    /// size and (for lists, allowed when `items` is given) the elements.
    fn cells(
        &mut self,
        texts: usize,
        items: Option<usize>,
        what: &str,
    ) -> Result<Vec<Cell>, ImageError> {
        let tags = self.bytes(what)?;
        let payloads = self.u64s_in_place(what)?;
        if tags.len() != payloads.len() {
            return refused(format!(
                "{what}: {} tags for {} values",
                tags.len(),
                payloads.len()
            ));
        }
        let mut cells = Vec::with_capacity(tags.len());
        for (&tag, payload) in tags.iter().zip(payloads) {
            let cell = match tag {
                TAG_MISSING if items.is_some() => Cell::Missing,
                TAG_TEXT if payload < texts as u64 => Cell::Text(payload as u32),
                TAG_NUMBER => Cell::Number(f64::from_bits(payload)),
                TAG_BOOL if payload <= 1 => Cell::Bool(payload == 1),
                TAG_DATETIME => Cell::DateTime(payload as i64),
                TAG_LIST => {
                    let (start, len) = ((payload >> 32) as u32, payload as u32);
                    match items {
                        Some(items) if u64::from(start) + u64::from(len) <= items as u64 => {
                            Cell::List { start, len }
                        }
                        _ => return refused(format!("{what}: a list outside its elements")),
                    }
                }
                _ => return refused(format!("{what}: a cell of tag {tag} and value {payload}")),
            };
            cells.push(cell);
        }
        Ok(cells)
    }

    fn table(&mut self, kind: &str) -> Result<Table, ImageError> {
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
            let dictionary = self.dictionary(&what)?;
            let items = self.cells(dictionary.len(), None, &what)?;
            let cells = self.cells(dictionary.len(), Some(items.len()), &what)?;
            if cells.len() > ids.len() {
                return refused(format!(
                    "{what}: {} cells for {} rows",
                    cells.len(),
                    ids.len()
                ));
            }
            let column = Column {
                cells,
                items,
                dictionary,
            };
            if columns.insert(name, column).is_some() {
                return refused(format!("{what} twice"));
            }
        }
        Ok(Table::from_parts(ids, alive, columns, RowIndex::unbuilt()))
    }
}
