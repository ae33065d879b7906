//! Interned text: each distinct string stored once, found by content in a
//! hash table of codes. Millions of ids and e-mail addresses would otherwise
//! be held twice (once in a list, once as a map key).

use std::hash::BuildHasher;

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
    codes: HashTable<u32>,
    hasher: Hasher,
}

impl Default for StringTable {
    fn default() -> StringTable {
        StringTable {
            bytes: String::new(),
            starts: vec![0],
            codes: HashTable::new(),
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

/// The text of `code` in a table's buffer.
fn text_at<'a>(bytes: &'a str, starts: &[usize], code: u32) -> &'a str {
    let code = code as usize;
    &bytes[starts[code]..starts[code + 1]]
}

impl StringTable {
    pub fn get(&self, text: &str) -> Option<u32> {
        self.codes
            .find(self.hasher.hash(text), |&code| {
                text_at(&self.bytes, &self.starts, code) == text
            })
            .copied()
    }

    /// The code of `text`, adding it if it is new; `true` when it was added.
    pub fn intern(&mut self, text: &str) -> (u32, bool) {
        let hashed = self.hasher.hash(text);
        let (bytes, starts) = (&self.bytes, &self.starts);
        if let Some(&code) = self
            .codes
            .find(hashed, |&code| text_at(bytes, starts, code) == text)
        {
            return (code, false);
        }
        let code = self.len() as u32;
        self.bytes.push_str(text);
        self.starts.push(self.bytes.len());
        let (bytes, starts, hasher) = (&self.bytes, &self.starts, &self.hasher);
        self.codes
            .insert_unique(hashed, code, |&c| hasher.hash(text_at(bytes, starts, c)));
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

/// Row numbers found by the id each row holds (ids live in the table's own
/// list, not here).
#[derive(Debug, Default)]
pub struct RowIndex {
    rows: HashTable<u32>,
    hasher: Hasher,
}

impl RowIndex {
    pub fn get(&self, ids: &[Box<str>], id: &str) -> Option<u32> {
        self.rows
            .find(self.hasher.hash(id), |&row| &*ids[row as usize] == id)
            .copied()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn reserve(&mut self, ids: &[Box<str>], additional: usize) {
        let hasher = &self.hasher;
        // A hint: without the memory, the index grows as rows come.
        let _ = self
            .rows
            .try_reserve(additional, |&row| hasher.hash(&ids[row as usize]));
    }

    /// Indexes `row` under `ids[row]` (which must not be indexed yet).
    pub fn insert(&mut self, ids: &[Box<str>], row: u32) {
        let hasher = &self.hasher;
        let hashed = hasher.hash(&ids[row as usize]);
        self.rows
            .insert_unique(hashed, row, |&r| hasher.hash(&ids[r as usize]));
    }

    /// Removes `row` if it is indexed under `ids[row]`.
    pub fn remove(&mut self, ids: &[Box<str>], row: u32) {
        let id = &ids[row as usize];
        if let Ok(entry) = self.rows.find_entry(self.hasher.hash(id), |&r| r == row) {
            entry.remove();
        }
    }
}
