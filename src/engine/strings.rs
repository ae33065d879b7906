//! Interned text: each distinct string stored once, found by content in a
//! hash table of codes. Millions of ids and e-mail addresses would otherwise
//! be held twice (once in a list, once as a map key).

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

#[derive(Debug, Default)]
pub struct StringTable {
    texts: Vec<Box<str>>,
    codes: HashTable<u32>,
}

fn hash(text: &str) -> u64 {
    FxBuildHasher.hash_one(text)
}

impl StringTable {
    pub fn get(&self, text: &str) -> Option<u32> {
        self.codes
            .find(hash(text), |&code| &*self.texts[code as usize] == text)
            .copied()
    }

    /// The code of `text`, adding it if it is new; `true` when it was added.
    pub fn intern(&mut self, text: &str) -> (u32, bool) {
        let texts = &self.texts;
        let hashed = hash(text);
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
            .insert_unique(hashed, code, |&c| hash(&texts[c as usize]));
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
}

impl RowIndex {
    pub fn get(&self, ids: &[Box<str>], id: &str) -> Option<u32> {
        self.rows
            .find(hash(id), |&row| &*ids[row as usize] == id)
            .copied()
    }

    /// Indexes `row` under `ids[row]` (which must not be indexed yet).
    pub fn insert(&mut self, ids: &[Box<str>], row: u32) {
        let hashed = hash(&ids[row as usize]);
        self.rows
            .insert_unique(hashed, row, |&r| hash(&ids[r as usize]));
    }

    /// Removes `row` if it is indexed under `ids[row]`.
    pub fn remove(&mut self, ids: &[Box<str>], row: u32) {
        let id = &ids[row as usize];
        if let Ok(entry) = self.rows.find_entry(hash(id), |&r| r == row) {
            entry.remove();
        }
    }
}
