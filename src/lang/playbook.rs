//! The meaning of a `playbook` block: [`playbook_from_block`] reads the
//! generic entries of a `playbook "Name" for users { ... }` definition into
//! a [`Playbook`], with an error (and a span) for every entry it cannot
//! take; [`playbook_definition`] and [`playbook_text`] go the other way, to
//! the one canonical text a playbook is stored as.
//!
//! What a playbook may hold: `for users|accounts` (required); the settings
//! `description "..."`, `when <condition>` (required), `runs every entry`
//! or `runs once` and `skip existing`, each at most once; and one action or
//! more, run in the order written: `set P = v`, `unset P`, `webhook "url"
//! [secret env "VAR"]` and `log "message"`. Not here: whether the segments
//! its `when` names exist (`validate` checks that, as for every block),
//! whether the data has the properties it reads and sets (the workspace
//! warns about those), and when it fires or what its actions do (the
//! workspace and `playbook` decide that).

mod actions;
mod text;

pub use text::{action_lines, playbook_definition, playbook_text};

use super::diagnostic::Diagnostic;
use super::validate::did_you_mean;
use crate::model::EntityKind;
use crate::model::ast::{
    Argument, BlockDefinition, Condition, Entry, Literal, Scope, Span, Subject, Value,
};
use crate::model::playbook::{Action, Playbook, Runs};

/// The entries a playbook understands: its settings, in the order its
/// canonical text gives them, then its actions.
pub const PLAYBOOK_ENTRIES: [&str; 8] = [
    "description",
    "when",
    "runs",
    "skip",
    "set",
    "unset",
    "webhook",
    "log",
];

/// The entries that are actions, run in the order written.
const ACTIONS: [&str; 4] = ["set", "unset", "webhook", "log"];

/// Reads a `playbook` block into its meaning, or says everything wrong
/// with it. A `set` value is typed as imported data is (text in ISO date
/// form is a datetime), so what it holds is what a firing stores.
pub fn playbook_from_block(block: &BlockDefinition) -> Result<Playbook, Vec<Diagnostic>> {
    let mut reader = Reader {
        name: &block.name.text,
        kind: block.kind.unwrap_or(EntityKind::Users),
        diagnostics: Vec::new(),
        suggested: Vec::new(),
    };
    reader.header(block);
    let mut playbook = Playbook {
        name: block.name.text.clone(),
        kind: reader.kind,
        description: None,
        when: Condition::And(Vec::new()),
        runs: Runs::default(),
        skip_existing: false,
        actions: Vec::new(),
    };
    let mut seen: Vec<&str> = Vec::new();
    // Each property a `set` or `unset` changes, with where.
    let mut changed: Vec<(String, Span)> = Vec::new();
    for entry in &block.entries {
        // Keywords are case-insensitive.
        let key = entry.key.text.as_str();
        let Some(known) = PLAYBOOK_ENTRIES
            .into_iter()
            .find(|k| k.eq_ignore_ascii_case(key))
        else {
            reader.unknown_entry(entry);
            continue;
        };
        let is_action = ACTIONS.contains(&known);
        if is_action {
            seen.push(known);
        } else if seen.contains(&known) {
            reader.given_twice(known, entry);
            continue;
        } else {
            seen.push(known);
        }
        if entry
            .arguments
            .iter()
            .any(|a| matches!(a, Argument::Block(_)))
        {
            reader.error(
                format!("`{known}` in a playbook takes no `{{ ... }}` block"),
                entry.span,
                shape_help(known),
            );
            continue;
        }
        match known {
            "description" => playbook.description = reader.description(entry),
            "when" => {
                if let Some(condition) = reader.when(entry) {
                    playbook.when = condition;
                }
            }
            "runs" => playbook.runs = reader.runs(entry).unwrap_or_default(),
            "skip" => playbook.skip_existing = reader.skip(entry),
            _ => {
                let Some(action) = reader.action(known, entry) else {
                    continue;
                };
                if let Action::Set { property, .. } | Action::Unset { property } = &action {
                    reader.changed_once(property, entry.span, &changed);
                    changed.push((property.clone(), entry.span));
                }
                playbook.actions.push(action);
            }
        }
    }
    reader.required(block, &seen);
    if reader.diagnostics.is_empty() {
        Ok(playbook)
    } else {
        Err(reader.diagnostics)
    }
}

/// How each entry is written, for the help of a misshapen one.
fn shape_help(key: &str) -> &'static str {
    match key {
        "description" => "write: description \"Hand new champions to the CS team\"",
        "when" => "write: when in segment \"Champions\"",
        "runs" => {
            "write: runs every entry (each time an entity starts to match, the default) or runs once (once per entity, ever)"
        }
        "skip" => {
            "write: skip existing (entities already matching when the playbook is created do not fire)"
        }
        "set" => "write: set cs_owner = \"team-a\" (a value, a list, or a time such as now)",
        "unset" => "write: unset trial_reminder",
        "webhook" => {
            "write: webhook \"https://hooks.example.com/champions\" secret env \"HOOK_SECRET\""
        }
        _ => "write: log \"New champion\"",
    }
}

fn list_words(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a subject is the bare word `word` (in any case).
fn is_word(subject: &Option<Subject>, word: &str) -> bool {
    matches!(subject, Some(Subject::Property(path))
        if path.scope == Scope::Own && path.name.eq_ignore_ascii_case(word))
}

/// An entry's words after its key, as written, for messages.
fn written_words(entry: &Entry) -> String {
    let mut words = Vec::new();
    match &entry.subject {
        Some(Subject::Property(path)) => words.push(path.name.clone()),
        Some(Subject::Env(_)) => words.push("env".to_string()),
        None => {}
    }
    for argument in &entry.arguments {
        words.push(match argument {
            Argument::Word(word) => word.text.clone(),
            _ => "...".to_string(),
        });
    }
    words.join(" ")
}

struct Reader<'a> {
    name: &'a str,
    kind: EntityKind,
    diagnostics: Vec<Diagnostic>,
    /// The entries suggested for unknown ones: a missing `when` that was
    /// suggested is not reported missing as well.
    suggested: Vec<&'static str>,
}

impl Reader<'_> {
    fn error(&mut self, message: String, span: Span, help: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::error(message, span).with_help(help));
    }

    fn quoted_name(&self) -> String {
        self.name.replace('\\', "\\\\").replace('"', "\\\"")
    }

    fn header(&mut self, block: &BlockDefinition) {
        if block.kind.is_none() {
            self.error(
                format!(
                    "playbook \"{}\" needs `for users` or `for accounts`",
                    self.name
                ),
                block.name.span,
                format!(
                    "write: playbook \"{}\" for users {{ ... }}",
                    self.quoted_name()
                ),
            );
        }
        if let Some(connector) = &block.connector {
            let help = if connector.text.eq_ignore_ascii_case("webhook") {
                "a playbook posts a webhook as an action inside its block: webhook \"https://...\""
            } else {
                "connectors are for destinations; remove the word"
            };
            self.error(
                format!(
                    "a playbook takes no connector, but `{}` follows its kind",
                    connector.text
                ),
                connector.span,
                help,
            );
        }
    }

    fn unknown_entry(&mut self, entry: &Entry) {
        let key = &entry.key;
        if key.text.eq_ignore_ascii_case("where") {
            self.suggested.push("when");
            self.error(
                "a playbook fires on `when <condition>`, not `where`".to_string(),
                key.span,
                "write: when in segment \"Champions\" (it fires as an entity starts to match)",
            );
            return;
        }
        if key.text.eq_ignore_ascii_case("secret") {
            self.error(
                "a playbook has no entry `secret`: a secret belongs to its webhook".to_string(),
                key.span,
                "write it after the address: webhook \"https://hooks.example.com/x\" secret env \"HOOK_SECRET\"",
            );
            return;
        }
        let help = match did_you_mean(&key.text, PLAYBOOK_ENTRIES) {
            Some(similar) => {
                self.suggested.push(similar);
                format!("did you mean `{similar}`?")
            }
            None => format!("a playbook's entries are {}", list_words(&PLAYBOOK_ENTRIES)),
        };
        self.error(
            format!("a playbook has no entry `{}`", key.text),
            key.span,
            help,
        );
    }

    fn given_twice(&mut self, key: &str, entry: &Entry) {
        let help = match key {
            "when" => "combine the conditions with `and` or `or` in one `when`",
            _ => "keep one of them",
        };
        self.error(
            format!("playbook \"{}\" has more than one `{key}`", self.name),
            entry.key.span,
            help,
        );
    }

    fn misshapen(&mut self, key: &str, entry: &Entry, what: &str) {
        self.error(
            format!("`{key}` in a playbook takes {what}"),
            entry.span,
            shape_help(key),
        );
    }

    /// The one text an entry takes (`description "..."`, `log "..."`).
    fn text(&mut self, entry: &Entry) -> Option<String> {
        match (&entry.subject, entry.arguments.as_slice()) {
            (None, [Argument::Value(Value::Literal(Literal::String(text)))]) => Some(text.clone()),
            _ => {
                self.misshapen(&entry.key.text, entry, "one text in quotes");
                None
            }
        }
    }

    fn description(&mut self, entry: &Entry) -> Option<String> {
        self.text(entry).filter(|text| !text.is_empty())
    }

    fn when(&mut self, entry: &Entry) -> Option<Condition> {
        match (&entry.subject, entry.arguments.as_slice()) {
            (None, [Argument::Condition(condition)]) => Some(condition.clone()),
            _ => {
                self.misshapen("when", entry, "one condition");
                None
            }
        }
    }

    fn runs(&mut self, entry: &Entry) -> Option<Runs> {
        match entry.arguments.as_slice() {
            [Argument::Word(word)] if is_word(&entry.subject, "every") && word.text == "entry" => {
                return Some(Runs::EveryEntry);
            }
            [] if is_word(&entry.subject, "once") => return Some(Runs::Once),
            _ => {}
        }
        let message = match self.swallowed_entry(entry) {
            Some(next) => format!(
                "`runs` needs `every entry` or `once`, and the `{next}` after it reads as its word"
            ),
            None => match written_words(entry).as_str() {
                "" => {
                    "`runs` says how often an entity may fire the playbook: `every entry` or `once`"
                        .to_string()
                }
                written => format!("a playbook runs `every entry` or `once`, not `{written}`"),
            },
        };
        self.error(message, entry.span, shape_help("runs"));
        None
    }

    fn skip(&mut self, entry: &Entry) -> bool {
        if entry.arguments.is_empty() && is_word(&entry.subject, "existing") {
            return true;
        }
        let message = match self.swallowed_entry(entry) {
            Some(next) => {
                format!("`skip` needs `existing`, and the `{next}` after it reads as its word")
            }
            None => match written_words(entry).as_str() {
                "" => "`skip` takes `existing`: write `skip existing`".to_string(),
                written => format!("a playbook can only `skip existing`, not `skip {written}`"),
            },
        };
        self.error(message, entry.span, shape_help("skip"));
        false
    }

    /// The entry key a `runs` or `skip` missing its word took for its
    /// subject (`runs` then `log "..."` on the next line): that entry is
    /// not reported missing as well.
    fn swallowed_entry(&mut self, entry: &Entry) -> Option<&'static str> {
        let Some(Subject::Property(path)) = &entry.subject else {
            return None;
        };
        let next = PLAYBOOK_ENTRIES
            .into_iter()
            .find(|key| path.scope == Scope::Own && *key == path.name)?;
        self.suggested.push(next);
        Some(next)
    }

    /// What a playbook cannot do without: a `when`, and an action.
    fn required(&mut self, block: &BlockDefinition, seen: &[&str]) {
        if !seen.contains(&"when") && !self.suggested.contains(&"when") {
            self.error(
                format!(
                    "playbook \"{}\" has no `when`: nothing would make it fire",
                    self.name
                ),
                block.name.span,
                "add the condition it fires on, such as: when in segment \"Champions\"",
            );
        }
        let acts = seen.iter().any(|key| ACTIONS.contains(key))
            || self.suggested.iter().any(|key| ACTIONS.contains(key));
        if !acts {
            self.error(
                format!("playbook \"{}\" does nothing: it has no action", self.name),
                block.name.span,
                "add what a firing does: set, unset, webhook or log, such as: log \"New champion\"",
            );
        }
    }
}
