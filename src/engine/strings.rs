//! Interned text: each distinct string stored once, found by content in a
//! hash table of codes. Millions of ids and e-mail addresses would otherwise
//! be held twice (once in a list, once as a map key).

use std::hash::BuildHasher;

use hashbrown::DefaultHashBuilder;
use hashbrown::HashTable;

#[derive(Debug, Default)]
pub struct StringTable {
    texts: Vec<Box<str>>,
    codes: HashTable<u32>,
    hasher: Hasher,
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

impl StringTable {
    pub fn get(&self, text: &str) -> Option<u32> {
        self.codes
            .find(self.hasher.hash(text), |&code| {
                &*self.texts[code as usize] == text
            })
            .copied()
    }

    /// The code of `text`, adding it if it is new; `true` when it was added.
    pub fn intern(&mut self, text: &str) -> (u32, bool) {
        let texts = &self.texts;
        let hasher = &self.hasher;
        let hashed = hasher.hash(text);
        if let Some(&code) = self
            .codes
            .find(hashed, |&code| &*texts[code as usize] == text)
        {
            return (code, false);
        }
        let code = self.texts.len() as u32;
        self.texts.push(text.into());
        let texts = &self.texts;
        self.codes
            .insert_unique(hashed, code, |&c| hasher.hash(&texts[c as usize]));
        (code, true)
    }

    pub fn text(&self, code: u32) -> &str {
        &self.texts[code as usize]
    }

    pub fn len(&self) -> usize {
        self.texts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
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
