//! Interned text: each distinct string stored once, found by content in a
//! hash table of codes. Millions of ids and e-mail addresses would otherwise
//! be held twice (once in a list, once as a map key).
//!
//! The hash tables are built on the first lookup: a table loaded from a
//! snapshot file costs two copies at open, and a command that never looks
//! a text up (a query that only compares numbers) never hashes a million.

use std::hash::BuildHasher;
use std::sync::OnceLock;

use fixedbitset::FixedBitSet;
use hashbrown::DefaultHashBuilder;
use hashbrown::HashTable;

/// Distinct texts, each stored once in one buffer and numbered in the order
/// they arrived. One buffer instead of a heap block per text: a million
/// e-mail addresses cost a million fewer allocations and their headers.
#[derive(Debug)]
pub struct StringTable {
    bytes: String,
    /// `bytes[starts[code]..starts[code + 1]]` is the text of `code`.
    starts: Vec<usize>,
    /// Built on first use (see the module's note).
    codes: OnceLock<HashTable<u32>>,
    hasher: Hasher,
}

impl Default for StringTable {
    fn default() -> StringTable {
        StringTable {
            bytes: String::new(),
            starts: vec![0],
            codes: OnceLock::new(),
            hasher: Hasher::default(),
        }
    }
}

/// The hasher (foldhash, hashbrown's default): well distributed for ids
/// that differ only in their last digits, where FxHash made long probe runs.
/// One per table, so every lookup hashes the same way.
#[derive(Debug, Default, Clone)]
struct Hasher(DefaultHashBuilder);

impl Hasher {
    fn hash(&self, text: &str) -> u64 {
        self.0.hash_one(text)
    }
}

/// Whether `starts` begins at 0, never goes back, ends at the end of
/// `bytes` and cuts it only between characters: what makes them the starts
/// of a [`StringTable`]'s texts.
pub fn cuts_whole(bytes: &str, starts: impl IntoIterator<Item = usize>) -> bool {
    let mut previous = None;
    for start in starts {
        let in_order = match previous {
            None => start == 0,
            Some(previous) => previous <= start,
        };
        if !in_order || !bytes.is_char_boundary(start) {
            return false;
        }
        previous = Some(start);
    }
    previous == Some(bytes.len())
}

/// The text of `code` in a table's buffer.
fn text_at<'a>(bytes: &'a str, starts: &[usize], code: u32) -> &'a str {
    let code = code as usize;
    &bytes[starts[code]..starts[code + 1]]
}

impl StringTable {
    /// A table of texts already in one buffer, `starts` as
    /// [`StringTable::raw_parts`] gives them; `None` unless `starts` begins
    /// at 0, never goes back, ends at the buffer's end and cuts it only
    /// between characters (what a damaged snapshot could break).
    pub fn from_raw_parts(bytes: String, starts: Vec<usize>) -> Option<StringTable> {
        cuts_whole(&bytes, starts.iter().copied()).then(|| StringTable {
            bytes,
            starts,
            codes: OnceLock::new(),
            hasher: Hasher::default(),
        })
    }

    /// The hash table of codes, built now if it is not yet.
    fn codes(&self) -> &HashTable<u32> {
        self.codes.get_or_init(|| {
            let mut codes = HashTable::with_capacity(self.len());
            let (bytes, starts, hasher) = (&self.bytes, &self.starts, &self.hasher);
            for code in 0..self.len() as u32 {
                let hashed = hasher.hash(text_at(bytes, starts, code));
                codes.insert_unique(hashed, code, |&c| hasher.hash(text_at(bytes, starts, c)));
            }
            codes
        })
    }

    pub fn get(&self, text: &str) -> Option<u32> {
        self.codes()
            .find(self.hasher.hash(text), |&code| {
                text_at(&self.bytes, &self.starts, code) == text
            })
            .copied()
    }

    /// The code of `text`, adding it if it is new; `true` when it was added.
    pub fn intern(&mut self, text: &str) -> (u32, bool) {
        let hashed = self.hasher.hash(text);
        if let Some(&code) = self.codes().find(hashed, |&code| {
            text_at(&self.bytes, &self.starts, code) == text
        }) {
            return (code, false);
        }
        let code = self.len() as u32;
        self.bytes.push_str(text);
        self.starts.push(self.bytes.len());
        let (bytes, starts, hasher) = (&self.bytes, &self.starts, &self.hasher);
        if let Some(codes) = self.codes.get_mut() {
            codes.insert_unique(hashed, code, |&c| hasher.hash(text_at(bytes, starts, c)));
        }
        (code, true)
    }

    pub fn text(&self, code: u32) -> &str {
        text_at(&self.bytes, &self.starts, code)
    }

    /// Every text in one buffer, and where each starts (`starts[code]` to
    /// `starts[code + 1]`): to copy them all at the cost of two memcpys.
    pub fn raw_parts(&self) -> (&str, &[usize]) {
        (&self.bytes, &self.starts)
    }

    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Row numbers found by the id each living row holds (ids live in the
/// table's own list, not here). A table loaded from a snapshot builds it on
/// the first lookup ([`RowIndex::unbuilt`]).
#[derive(Debug)]
pub struct RowIndex {
    rows: OnceLock<HashTable<u32>>,
    hasher: Hasher,
}

impl Default for RowIndex {
    fn default() -> RowIndex {
        RowIndex {
            rows: OnceLock::from(HashTable::new()),
            hasher: Hasher::default(),
        }
    }
}

impl RowIndex {
    /// An index to be built from the rows when first asked.
    pub fn unbuilt() -> RowIndex {
        RowIndex {
            rows: OnceLock::new(),
            hasher: Hasher::default(),
        }
    }

    fn rows(&self, ids: &[Box<str>], alive: &FixedBitSet) -> &HashTable<u32> {
        self.rows.get_or_init(|| {
            let hasher = &self.hasher;
            let mut rows = HashTable::with_capacity(alive.count_ones(..));
            for row in alive.ones() {
                let hashed = hasher.hash(&ids[row]);
                rows.insert_unique(hashed, row as u32, |&r| hasher.hash(&ids[r as usize]));
            }
            rows
        })
    }

    fn rows_mut(&mut self, ids: &[Box<str>], alive: &FixedBitSet) -> &mut HashTable<u32> {
        self.rows(ids, alive);
        self.rows.get_mut().expect("built just above")
    }

    pub fn get(&self, ids: &[Box<str>], alive: &FixedBitSet, id: &str) -> Option<u32> {
        self.rows(ids, alive)
            .find(self.hasher.hash(id), |&row| &*ids[row as usize] == id)
            .copied()
    }

    /// Rows indexed so far (0 while unbuilt).
    pub fn len(&self) -> usize {
        self.rows.get().map_or(0, HashTable::len)
    }

    pub fn reserve(&mut self, ids: &[Box<str>], alive: &FixedBitSet, additional: usize) {
        let hasher = self.hasher.clone();
        // A hint: without the memory, the index grows as rows come.
        let _ = self
            .rows_mut(ids, alive)
            .try_reserve(additional, |&row| hasher.hash(&ids[row as usize]));
    }

    /// Indexes `row` under `ids[row]` (which must not be indexed yet; the
    /// row must not be in `alive` yet either).
    pub fn insert(&mut self, ids: &[Box<str>], alive: &FixedBitSet, row: u32) {
        let hasher = self.hasher.clone();
        let hashed = hasher.hash(&ids[row as usize]);
        self.rows_mut(ids, alive)
            .insert_unique(hashed, row, |&r| hasher.hash(&ids[r as usize]));
    }

    /// Removes `row` if it is indexed under `ids[row]`.
    pub fn remove(&mut self, ids: &[Box<str>], alive: &FixedBitSet, row: u32) {
        let hashed = self.hasher.hash(&ids[row as usize]);
        if let Ok(entry) = self.rows_mut(ids, alive).find_entry(hashed, |&r| r == row) {
            entry.remove();
        }
    }
}
