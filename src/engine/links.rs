//! The user → account links: which account row each user belongs to, and
//! which users name each account id (whether or not that account exists yet,
//! so an account imported after its users links them at once). Account ids
//! are interned: a million users name a hundred thousand accounts.

use super::strings::StringTable;
use super::table::{Cell, Table};
use crate::model::ACCOUNT_ID;

#[derive(Debug, Default)]
pub struct Links {
    /// By user row: the account row, if the user's `account_id` names one.
    account_of_user: Vec<Option<u32>>,
    /// By user row: the code of the `account_id` the user names, if any.
    code_of_user: Vec<Option<u32>>,
    /// Account ids named by users or held by accounts.
    account_ids: StringTable,
    /// By account id code: the user rows naming it.
    users_by_code: Vec<Vec<u32>>,
    /// By account id code: the row of the account with that id, if it
    /// exists (so linking a user costs no lookup in the accounts' index).
    account_row_by_code: Vec<Option<u32>>,
}

impl Links {
    /// The user → account links the tables imply: what loading them entity by
    /// entity would have built.
    pub fn of_tables(users: &Table, accounts: &Table) -> Links {
        let mut links = Links::default();
        for row in accounts.alive.ones() {
            links.set_account(&accounts.ids[row], Some(row as u32));
        }
        links.account_of_user = vec![None; users.rows()];
        links.code_of_user = vec![None; users.rows()];
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
            links.code_of_user[row] = Some(code);
            links.account_of_user[row] = links.account_row_by_code[code as usize];
        }
        // Each account's list of users made at its final size, rows in
        // order: what linking them one by one gives, without regrowing a
        // hundred thousand lists.
        let mut counts = vec![0usize; links.users_by_code.len()];
        for code in links.code_of_user.iter().flatten() {
            counts[*code as usize] += 1;
        }
        for (users, count) in links.users_by_code.iter_mut().zip(counts) {
            users.reserve_exact(count);
        }
        for (row, code) in links.code_of_user.iter().enumerate() {
            if let Some(code) = code {
                links.users_by_code[*code as usize].push(row as u32);
            }
        }
        links
    }

    /// Room for `users` user rows in all, if the memory is there (a hint).
    pub fn reserve_users(&mut self, users: usize) {
        let _ = self
            .account_of_user
            .try_reserve(users.saturating_sub(self.account_of_user.len()));
        let _ = self
            .code_of_user
            .try_reserve(users.saturating_sub(self.code_of_user.len()));
    }

    /// Builds now the account ids' hash index (see `StringTable`).
    pub fn build_index(&self) {
        self.account_ids.get("");
    }

    pub fn account_of(&self, user: u32) -> Option<u32> {
        self.account_of_user.get(user as usize).copied().flatten()
    }

    /// The user rows that name `account_id` (some may be deleted rows).
    pub fn users_of(&self, account_id: &str) -> &[u32] {
        match self.account_ids.get(account_id) {
            Some(code) => &self.users_by_code[code as usize],
            None => &[],
        }
    }

    /// The code of an account id, adding it if it is new.
    pub fn code(&mut self, account_id: &str) -> u32 {
        let (code, added) = self.account_ids.intern(account_id);
        if added {
            self.users_by_code.push(Vec::new());
            self.account_row_by_code.push(None);
        }
        code
    }

    /// Records that `user` names `account_id` (or none). Returns the
    /// account rows it was linked to before and is linked to now.
    pub fn set_user(&mut self, user: u32, account_id: Option<&str>) -> (Option<u32>, Option<u32>) {
        let index = user as usize;
        if self.account_of_user.len() <= index {
            self.account_of_user.resize(index + 1, None);
            self.code_of_user.resize(index + 1, None);
        }
        let previous_row = self.account_of_user[index];
        let previous_code = self.code_of_user[index];
        let code = account_id.map(|id| self.code(id));
        if previous_code != code {
            if let Some(previous) = previous_code {
                self.users_by_code[previous as usize].retain(|&u| u != user);
            }
            if let Some(code) = code {
                self.users_by_code[code as usize].push(user);
            }
        }
        let account_row = code.and_then(|code| self.account_row_by_code[code as usize]);
        self.code_of_user[index] = code;
        self.account_of_user[index] = account_row;
        (previous_row, account_row)
    }

    /// An account with `account_id` now lives at `row` (or, with `None`, no
    /// longer exists): its users link to it.
    pub fn set_account(&mut self, account_id: &str, row: Option<u32>) {
        let code = self.code(account_id) as usize;
        self.account_row_by_code[code] = row;
        for &user in &self.users_by_code[code] {
            self.account_of_user[user as usize] = row;
        }
    }
}
