//! The user → account links: which account row each user belongs to, and
//! which users name each account id (whether or not that account exists yet,
//! so an account imported after its users links them at once).

use rustc_hash::FxHashMap as HashMap;

#[derive(Debug, Default)]
pub struct Links {
    /// By user row: the account row, if the user's `account_id` names one.
    account_of_user: Vec<Option<u32>>,
    /// By user row: the `account_id` the user names, if any.
    account_id_of_user: Vec<Option<String>>,
    /// Account id → the user rows naming it.
    users_by_account_id: HashMap<String, Vec<u32>>,
}

impl Links {
    pub fn account_of(&self, user: u32) -> Option<u32> {
        self.account_of_user.get(user as usize).copied().flatten()
    }

    pub fn account_id_of(&self, user: u32) -> Option<&str> {
        self.account_id_of_user
            .get(user as usize)
            .and_then(|id| id.as_deref())
    }

    /// The user rows that name `account_id` (some may be deleted rows).
    pub fn users_of(&self, account_id: &str) -> &[u32] {
        self.users_by_account_id
            .get(account_id)
            .map_or(&[], Vec::as_slice)
    }

    /// Records that `user` names `account_id` (or none), with `account_row`
    /// the row of that account if it exists. Returns the previous account row.
    pub fn set_user(
        &mut self,
        user: u32,
        account_id: Option<&str>,
        account_row: Option<u32>,
    ) -> Option<u32> {
        let index = user as usize;
        if self.account_of_user.len() <= index {
            self.account_of_user.resize(index + 1, None);
            self.account_id_of_user.resize(index + 1, None);
        }
        let previous_row = self.account_of_user[index];
        let previous_id = self.account_id_of_user[index].take();
        if previous_id.as_deref() != account_id {
            if let Some(previous_id) = &previous_id
                && let Some(users) = self.users_by_account_id.get_mut(previous_id)
            {
                users.retain(|&u| u != user);
                if users.is_empty() {
                    self.users_by_account_id.remove(previous_id);
                }
            }
            if let Some(id) = account_id {
                match self.users_by_account_id.get_mut(id) {
                    Some(users) => users.push(user),
                    None => {
                        self.users_by_account_id.insert(id.to_string(), vec![user]);
                    }
                }
            }
        }
        self.account_id_of_user[index] = match previous_id {
            Some(previous) if Some(previous.as_str()) == account_id => Some(previous),
            _ => account_id.map(str::to_string),
        };
        self.account_of_user[index] = account_row;
        previous_row
    }

    /// An account with `account_id` now lives at `row` (or, with `None`, no
    /// longer exists): its users link to it. Returns those users.
    pub fn set_account(&mut self, account_id: &str, row: Option<u32>) -> Vec<u32> {
        let users = self.users_of(account_id).to_vec();
        for &user in &users {
            self.account_of_user[user as usize] = row;
        }
        users
    }
}
