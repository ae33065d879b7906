//! Keys → actions, built from the command table, with overrides read from a
//! TOML file in the user's config directory:
//!
//! ```toml
//! [keys]
//! quit = ["q", "ctrl-q"]
//! new = ["n", "a"]
//! ```
//!
//! A key is a character (`n`, `+`, `?`), a named key (`enter`, `esc`, `tab`,
//! `backtab`, `up`, `down`, `left`, `right`, `home`, `end`, `pageup`,
//! `pagedown`, `backspace`, `delete`, `f1`..`f12`), or `ctrl-`/`alt-` with one.

use std::collections::HashMap;
use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::commands::{Action, COMMANDS, Scope, command_named};

/// A key as the map stores it: code and the modifiers that matter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    pub fn from_event(event: &KeyEvent) -> Key {
        // Shift is part of the character (`G`, `?`, `+`) except for BackTab.
        Key {
            code: event.code,
            ctrl: event.modifiers.contains(KeyModifiers::CONTROL),
            alt: event.modifiers.contains(KeyModifiers::ALT),
        }
    }

    pub fn parse(text: &str) -> Result<Key, String> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = text;
        loop {
            if let Some(after) = rest.strip_prefix("ctrl-") {
                ctrl = true;
                rest = after;
            } else if let Some(after) = rest.strip_prefix("alt-") {
                alt = true;
                rest = after;
            } else {
                break;
            }
        }
        let code = match rest {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "backspace" => KeyCode::Backspace,
            "delete" => KeyCode::Delete,
            "space" => KeyCode::Char(' '),
            f if f.starts_with('f')
                && f.len() > 1
                && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) =>
            {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            single if single.chars().count() == 1 => {
                KeyCode::Char(single.chars().next().unwrap_or(' '))
            }
            _ => {
                return Err(format!(
                    "`{text}` is not a key (try n, ctrl-s, enter, pagedown)"
                ));
            }
        };
        Ok(Key { code, ctrl, alt })
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Enter => "Enter".to_string(),
            KeyCode::Esc => "Esc".to_string(),
            KeyCode::Tab => "Tab".to_string(),
            KeyCode::BackTab => "Shift-Tab".to_string(),
            KeyCode::Up => "↑".to_string(),
            KeyCode::Down => "↓".to_string(),
            KeyCode::Left => "←".to_string(),
            KeyCode::Right => "→".to_string(),
            KeyCode::Home => "Home".to_string(),
            KeyCode::End => "End".to_string(),
            KeyCode::PageUp => "PgUp".to_string(),
            KeyCode::PageDown => "PgDn".to_string(),
            KeyCode::Backspace => "Backspace".to_string(),
            KeyCode::Delete => "Del".to_string(),
            KeyCode::F(n) => format!("F{n}"),
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            _ => "?".to_string(),
        };
        match (self.ctrl, self.alt) {
            (true, _) => format!("Ctrl-{base}"),
            (_, true) => format!("Alt-{base}"),
            _ => base,
        }
    }
}

/// The live bindings: for each scope, key → action; and for help, each
/// command's keys.
#[derive(Debug, Clone)]
pub struct KeyMap {
    /// The file the map is read from, when it is not just the defaults.
    pub path: Option<PathBuf>,
    bindings: HashMap<(ScopeKey, Key), Action>,
    /// Command name → its keys, in order.
    keys_of: HashMap<&'static str, Vec<Key>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum ScopeKey {
    Global,
    Segments,
    Editor,
}

fn scope_key(scope: Scope) -> ScopeKey {
    match scope {
        Scope::Global => ScopeKey::Global,
        Scope::Segments => ScopeKey::Segments,
        Scope::Editor => ScopeKey::Editor,
    }
}

impl KeyMap {
    /// The defaults of the command table.
    pub fn defaults() -> KeyMap {
        let mut keys_of = HashMap::new();
        for command in COMMANDS {
            let keys = command
                .keys
                .iter()
                .filter_map(|k| Key::parse(k).ok())
                .collect();
            keys_of.insert(command.name, keys);
        }
        KeyMap::from_keys(keys_of)
    }

    fn from_keys(keys_of: HashMap<&'static str, Vec<Key>>) -> KeyMap {
        let mut bindings = HashMap::new();
        for command in COMMANDS {
            for key in keys_of.get(command.name).into_iter().flatten() {
                bindings.insert((scope_key(command.scope), *key), command.action);
            }
        }
        KeyMap {
            path: None,
            bindings,
            keys_of,
        }
    }

    /// The defaults with the overrides of a TOML text; problems are listed
    /// and the defaults kept for those entries.
    pub fn with_overrides(text: &str) -> (KeyMap, Vec<String>) {
        let mut problems = Vec::new();
        let mut keys_of = KeyMap::defaults().keys_of;
        let parsed: Result<toml::Table, _> = text.parse();
        let table = match parsed {
            Ok(table) => table,
            Err(error) => {
                problems.push(format!(
                    "the key map is not valid TOML: {}",
                    error.message()
                ));
                return (KeyMap::from_keys(keys_of), problems);
            }
        };
        let Some(keys) = table.get("keys").and_then(|v| v.as_table()) else {
            if !table.is_empty() {
                problems.push("the key map needs a [keys] table".to_string());
            }
            return (KeyMap::from_keys(keys_of), problems);
        };
        for (name, value) in keys {
            let Some(command) = command_named(name) else {
                problems.push(format!("the key map names no command `{name}`"));
                continue;
            };
            let Some(list) = value.as_array() else {
                problems.push(format!("`{name}` needs a list of keys, such as [\"n\"]"));
                continue;
            };
            let mut parsed = Vec::new();
            for item in list {
                match item.as_str().map(Key::parse) {
                    Some(Ok(key)) => parsed.push(key),
                    Some(Err(problem)) => problems.push(format!("`{name}`: {problem}")),
                    None => problems.push(format!("`{name}`: keys are text, such as \"ctrl-s\"")),
                }
            }
            keys_of.insert(command.name, parsed);
        }
        (KeyMap::from_keys(keys_of), problems)
    }

    /// Loads `keys.toml` from the config directory, if there is one.
    pub fn load() -> (KeyMap, Vec<String>) {
        let Some(path) = config_path() else {
            return (KeyMap::defaults(), Vec::new());
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let (mut map, problems) = KeyMap::with_overrides(&text);
                map.path = Some(path.clone());
                let located = problems
                    .into_iter()
                    .map(|p| format!("{}: {p}", path.display()))
                    .collect();
                (map, located)
            }
            Err(_) => {
                let mut map = KeyMap::defaults();
                map.path = Some(path);
                (map, Vec::new())
            }
        }
    }

    /// The action bound to `key` in `scope` (editor and screen scopes first,
    /// then global).
    pub fn action(&self, scopes: &[Scope], key: Key) -> Option<Action> {
        scopes
            .iter()
            .find_map(|scope| self.bindings.get(&(scope_key(*scope), key)).copied())
    }

    /// The keys of a command, as shown in help.
    pub fn keys_label(&self, name: &str) -> String {
        self.keys_of
            .get(name)
            .map(|keys| keys.iter().map(Key::label).collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    }
}

/// `<config dir>/segscope/keys.toml`.
pub fn config_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "segscope")
        .map(|dirs| dirs.config_dir().join("keys.toml"))
}
