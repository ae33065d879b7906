//! Keys → actions, built from the command table, with overrides read from
//! `keys.toml` in the user's config directory:
//!
//! ```toml
//! [keys]
//! quit = ["q", "ctrl-q"]
//! new = ["n", "a"]
//! ```
//!
//! A key is a character (`n`, `+`, `?`), a named key (`enter`, `esc`, `tab`,
//! `backtab`, `up`, `down`, `left`, `right`, `home`, `end`, `pageup`,
//! `pagedown`, `backspace`, `delete`, `space`, `f1`..`f12`), or `ctrl-`/`alt-`
//! with one. The file is taken whole or not at all: an unknown command, a
//! key that is not a key, or a key bound twice in one scope refuses the file
//! with a message naming its line, and the defaults are used.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::{Action, COMMANDS, Scope};

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
            f if f.len() > 1
                && f.starts_with('f')
                && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) =>
            {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            single if single.chars().count() == 1 => match single.chars().next() {
                Some(c) => KeyCode::Char(c),
                None => KeyCode::Null,
            },
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

/// The live bindings: per scope, key → action; and per action, its keys.
#[derive(Debug, Clone)]
pub struct KeyMap {
    /// The file the map is read from, when there is one.
    pub path: Option<PathBuf>,
    bindings: HashMap<(Scope, Key), Action>,
    keys_of: HashMap<Action, Vec<Key>>,
}

/// Why a key map file was refused (its defaults are used instead).
#[derive(Clone, Debug, PartialEq)]
pub struct KeyMapError {
    /// 1-based line of the problem, when it has one.
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for KeyMapError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// `keys.toml` as read: command names and their keys, with where they are.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    #[serde(default)]
    keys: BTreeMap<toml::Spanned<String>, toml::Spanned<Vec<toml::Spanned<String>>>>,
}

impl KeyMap {
    /// The defaults of the command table.
    pub fn defaults() -> KeyMap {
        let keys_of = COMMANDS
            .iter()
            .map(|command| {
                let keys = command
                    .keys
                    .iter()
                    .filter_map(|k| Key::parse(k).ok())
                    .collect();
                (command.action, keys)
            })
            .collect();
        KeyMap::from_keys(keys_of)
    }

    fn from_keys(keys_of: HashMap<Action, Vec<Key>>) -> KeyMap {
        let mut bindings = HashMap::new();
        for command in COMMANDS {
            for key in keys_of.get(&command.action).into_iter().flatten() {
                bindings.insert((command.scope, *key), command.action);
            }
        }
        KeyMap {
            path: None,
            bindings,
            keys_of,
        }
    }

    /// The defaults with the overrides of a `keys.toml` text, or why the
    /// text is refused as a whole.
    pub fn with_overrides(text: &str) -> Result<KeyMap, KeyMapError> {
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let file: KeyFile = toml::from_str(text).map_err(|error| KeyMapError {
            line: error.span().map(|span| line_of(span.start)),
            message: error.message().trim().to_string(),
        })?;
        let mut keys_of = KeyMap::defaults().keys_of;
        for (name, keys) in &file.keys {
            let at = |span: std::ops::Range<usize>, message: String| KeyMapError {
                line: Some(line_of(span.start)),
                message,
            };
            let action = Action::named(name.get_ref())
                .ok_or_else(|| at(name.span(), unknown_command(name.get_ref())))?;
            let mut parsed = Vec::new();
            for key in keys.get_ref() {
                let parsed_key = Key::parse(key.get_ref()).map_err(|problem| {
                    at(key.span(), format!("`{}`: {problem}", name.get_ref()))
                })?;
                parsed.push(parsed_key);
            }
            keys_of.insert(action, parsed);
        }
        check_bindings(&keys_of).map_err(|message| {
            // The line of the first command named in the message, if any.
            let line = file
                .keys
                .keys()
                .find(|name| message.contains(&format!("`{}`", name.get_ref())))
                .map(|name| line_of(name.span().start));
            KeyMapError { line, message }
        })?;
        Ok(KeyMap::from_keys(keys_of))
    }

    /// Loads `keys.toml` from the config directory, if there is one; a file
    /// that is refused leaves the defaults and says why.
    pub fn load() -> (KeyMap, Option<String>) {
        let Some(path) = config_path() else {
            return (KeyMap::defaults(), None);
        };
        KeyMap::load_from(path)
    }

    /// Loads a key map file (missing: the defaults, silently).
    pub fn load_from(path: PathBuf) -> (KeyMap, Option<String>) {
        let (mut map, problem) = match std::fs::read_to_string(&path) {
            Ok(text) => match KeyMap::with_overrides(&text) {
                Ok(map) => (map, None),
                Err(error) => (
                    KeyMap::defaults(),
                    Some(format!(
                        "{}: {error}; the default keys are used",
                        path.display()
                    )),
                ),
            },
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                (KeyMap::defaults(), None)
            }
            Err(error) => (
                KeyMap::defaults(),
                Some(format!(
                    "cannot read {}: {}; the default keys are used",
                    path.display(),
                    crate::os_error::reason(&error)
                )),
            ),
        };
        map.path = Some(path);
        (map, problem)
    }

    /// The action bound to `key` in the first of `scopes` that binds it.
    pub fn action(&self, scopes: &[Scope], key: Key) -> Option<Action> {
        scopes
            .iter()
            .find_map(|scope| self.bindings.get(&(*scope, key)).copied())
    }

    /// The keys of an action, as help and hints show them.
    pub fn keys_label(&self, action: Action) -> String {
        self.keys_of
            .get(&action)
            .map(|keys| keys.iter().map(Key::label).collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    }

    /// The first key of an action, for a hint ("Esc closes"); the prompt
    /// form when no key is bound.
    pub fn key_label(&self, action: Action) -> String {
        self.keys_of
            .get(&action)
            .and_then(|keys| keys.first())
            .map_or_else(|| format!(":{}", action.name()), Key::label)
    }
}

fn unknown_command(name: &str) -> String {
    let names: Vec<String> = COMMANDS.iter().map(|c| c.action.name()).collect();
    let close = names
        .iter()
        .min_by_key(|candidate| strsim::levenshtein(candidate, name))
        .filter(|candidate| strsim::levenshtein(candidate, name) <= 2);
    match close {
        Some(candidate) => format!("there is no command `{name}` (did you mean `{candidate}`?)"),
        None => format!("there is no command `{name}`; `?` in segscope lists them"),
    }
}

/// Refuses a map that binds a key twice in one scope, or leaves no way to
/// quit.
fn check_bindings(keys_of: &HashMap<Action, Vec<Key>>) -> Result<(), String> {
    let mut seen: HashMap<(Scope, Key), Action> = HashMap::new();
    for command in COMMANDS {
        for key in keys_of.get(&command.action).into_iter().flatten() {
            if let Some(other) = seen.insert((command.scope, *key), command.action)
                && other != command.action
            {
                return Err(format!(
                    "{} is bound to both `{}` and `{}` in {}",
                    key.label(),
                    other.name(),
                    command.action.name(),
                    command.scope.title().to_lowercase()
                ));
            }
        }
    }
    let quits = [Action::Quit, Action::ForceQuit]
        .iter()
        .any(|action| keys_of.get(action).is_some_and(|keys| !keys.is_empty()));
    if !quits {
        return Err(
            "`quit` and `force-quit` have no keys left: there would be no way to quit".to_string(),
        );
    }
    Ok(())
}

/// `<config dir>/segscope/keys.toml`.
pub fn config_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "segscope")
        .map(|dirs| dirs.config_dir().join("keys.toml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> Key {
        Key::parse(text).expect("a key")
    }

    #[test]
    fn overrides_replace_a_commands_keys() {
        let map = KeyMap::with_overrides("[keys]\nnew = [\"a\"]\n").expect("valid");
        assert_eq!(map.action(&[Scope::Segments], key("a")), Some(Action::New));
        assert_eq!(map.action(&[Scope::Segments], key("n")), None);
        assert_eq!(map.keys_label(Action::New), "a");
    }

    #[test]
    fn a_bad_file_is_refused_whole_with_its_line() {
        let text = "[keys]\nnew = [\"j\"]\nquit = [\"ctrl-\"]\n";
        let error = KeyMap::with_overrides(text).expect_err("a bad key");
        assert_eq!(error.line, Some(3), "{error}");
        assert!(error.message.contains("is not a key"), "{error}");

        let error = KeyMap::with_overrides("[keys]\n\nnwe = [\"x\"]\n").expect_err("unknown");
        assert_eq!(error.line, Some(3));
        assert!(error.message.contains("did you mean `new`"), "{error}");

        let error = KeyMap::with_overrides("[keys]\nnew = [\"d\"]\n").expect_err("twice");
        assert_eq!(error.line, Some(2));
        assert!(error.message.contains("`new` and `delete`"), "{error}");

        let error =
            KeyMap::with_overrides("[keys]\nquit = []\nforce-quit = []\n").expect_err("no way out");
        assert!(error.message.contains("no way to quit"), "{error}");

        let error = KeyMap::with_overrides("keys = 3").expect_err("not a table");
        assert_eq!(error.line, Some(1));
        let error = KeyMap::with_overrides("[colours]\n").expect_err("unknown table");
        assert_eq!(error.line, Some(1), "{error}");
    }

    #[test]
    fn the_defaults_bind_no_key_twice_in_a_scope() {
        assert_eq!(KeyMap::with_overrides("[keys]\n").err(), None);
        let destinations = [Scope::Destinations, Scope::List];
        let map = KeyMap::defaults();
        assert_eq!(map.action(&destinations, key("d")), Some(Action::DryRun));
        assert_eq!(map.action(&destinations, key("S")), Some(Action::Sync));
        assert_eq!(map.action(&destinations, key("j")), Some(Action::Down));
    }

    #[test]
    fn the_same_key_in_two_scopes_is_fine() {
        // Tab is next-screen globally and next-field in the editor.
        assert!(KeyMap::with_overrides("[keys]\nnext-field = [\"tab\"]\n").is_ok());
    }
}
