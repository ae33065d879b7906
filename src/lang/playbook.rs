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

use super::diagnostic::Diagnostic;
use super::environment::is_variable_name;
use super::format::format_file;
use super::validate::did_you_mean;
use crate::model::ast::{
    Argument, BlockDefinition, Condition, Definition, Entry, File, Literal, Name, PropertyPath,
    Scope, Span, Subject, Text, Value, Word,
};
use crate::model::playbook::{Action, Playbook, Runs, SetValue};
use crate::model::{
    ACCOUNT_ID, DefinitionKind, EntityKind, ID, MAX_LIST_ELEMENTS, MAX_PROPERTY_NAME_BYTES,
    MAX_STRING_BYTES, SEGMENTS, Scalar, datetime_from_text, scalar_from_literal,
};

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

/// The `playbook` definition of a playbook, with no spans: what
/// [`playbook_text`] prints. Its settings come in the order of
/// [`PLAYBOOK_ENTRIES`] (the defaults left out), then its actions in order.
pub fn playbook_definition(playbook: &Playbook) -> BlockDefinition {
    let mut entries = Vec::new();
    if let Some(description) = playbook.description.as_deref().filter(|d| !d.is_empty()) {
        entries.push(entry("description", None, vec![text(description)]));
    }
    entries.push(entry(
        "when",
        None,
        vec![Argument::Condition(playbook.when.clone())],
    ));
    if playbook.runs == Runs::Once {
        entries.push(entry("runs", Some(property_subject("once")), Vec::new()));
    }
    if playbook.skip_existing {
        entries.push(entry(
            "skip",
            Some(property_subject("existing")),
            Vec::new(),
        ));
    }
    for action in &playbook.actions {
        entries.push(action_entry(action));
    }
    BlockDefinition {
        keyword: DefinitionKind::Playbook,
        name: Name {
            text: playbook.name.clone(),
            span: Span::default(),
        },
        kind: Some(playbook.kind),
        connector: None,
        entries,
        span: Span::default(),
    }
}

/// A playbook's canonical text: how one is stored, and what replaces its
/// definition in its file when it is saved there.
pub fn playbook_text(playbook: &Playbook) -> String {
    let file = File {
        definitions: vec![Definition::Block(playbook_definition(playbook))],
        comments: Vec::new(),
    };
    format_file(&file, "")
}

fn action_entry(action: &Action) -> Entry {
    let key = action.keyword();
    match action {
        Action::Set { property, value } => {
            let value = match value {
                SetValue::Fixed(crate::model::Value::Scalar(scalar)) => {
                    Argument::Value(Value::Literal(literal_of(scalar)))
                }
                SetValue::Fixed(crate::model::Value::List(items)) => {
                    Argument::List(items.iter().map(literal_of).collect())
                }
                SetValue::Relative(relative) => Argument::Value(Value::Relative(*relative)),
            };
            let arguments = vec![Argument::Word(word("=")), value];
            entry(key, Some(property_subject(property)), arguments)
        }
        Action::Unset { property } => entry(key, Some(property_subject(property)), Vec::new()),
        Action::Webhook { url, secret_env } => {
            let mut arguments = vec![text(url)];
            if let Some(variable) = secret_env {
                arguments.push(Argument::Word(word("secret")));
                arguments.push(Argument::Env(Text {
                    value: variable.clone(),
                    span: Span::default(),
                }));
            }
            entry(key, None, arguments)
        }
        Action::Log { message } => entry(key, None, vec![text(message)]),
    }
}

fn entry(key: &str, subject: Option<Subject>, arguments: Vec<Argument>) -> Entry {
    Entry {
        key: word(key),
        subject,
        arguments,
        span: Span::default(),
    }
}

fn word(text: &str) -> Word {
    Word {
        text: text.to_string(),
        span: Span::default(),
    }
}

fn text(value: &str) -> Argument {
    Argument::Value(Value::Literal(Literal::String(value.to_string())))
}

/// A playbook's own property (it never names an account's).
fn property_subject(name: &str) -> Subject {
    Subject::Property(PropertyPath {
        scope: Scope::Own,
        name: name.to_string(),
        span: Span::default(),
    })
}

fn literal_of(scalar: &Scalar) -> Literal {
    match scalar {
        Scalar::String(text) => Literal::String(text.clone()),
        Scalar::Number(number) => Literal::Number(*number),
        Scalar::Bool(value) => Literal::Bool(*value),
        Scalar::DateTime(micros) => Literal::DateTime(*micros),
    }
}

/// A literal as a firing stores it: text in ISO date form is a datetime,
/// as it is when imported.
fn stored_scalar(literal: &Literal) -> Scalar {
    match scalar_from_literal(literal) {
        Scalar::String(text) => match datetime_from_text(&text) {
            Some(micros) => Scalar::DateTime(micros),
            None => Scalar::String(text),
        },
        other => other,
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

    fn action(&mut self, key: &str, entry: &Entry) -> Option<Action> {
        match key {
            "set" => self.set(entry),
            "unset" => self.unset(entry),
            "webhook" => self.webhook(entry),
            _ => self.log(entry),
        }
    }

    fn set(&mut self, entry: &Entry) -> Option<Action> {
        let what = "a property, `=` and a value";
        let (Some(Subject::Property(path)), [Argument::Word(assign), value]) =
            (&entry.subject, entry.arguments.as_slice())
        else {
            self.misshapen("set", entry, what);
            return None;
        };
        if assign.text != "=" {
            self.misshapen("set", entry, what);
            return None;
        }
        let property = self.target(path, "set");
        let value = match value {
            Argument::Value(Value::Relative(relative)) => SetValue::Relative(*relative),
            Argument::Value(Value::Literal(literal)) => {
                let scalar = stored_scalar(literal);
                if let Scalar::String(text) = &scalar {
                    self.set_text(text, path, entry)?;
                }
                SetValue::Fixed(crate::model::Value::Scalar(scalar))
            }
            Argument::List(literals) => {
                let items: Vec<Scalar> = literals.iter().map(stored_scalar).collect();
                self.set_list(&items, path, entry)?;
                SetValue::Fixed(crate::model::Value::List(items))
            }
            _ => {
                self.misshapen("set", entry, what);
                return None;
            }
        };
        Some(Action::Set {
            property: property?,
            value,
        })
    }

    /// A text a `set` gives: not empty (that is `unset`), not too long.
    fn set_text(&mut self, text: &str, path: &PropertyPath, entry: &Entry) -> Option<()> {
        if text.is_empty() {
            self.empty_value(path, entry, "empty text");
            return None;
        }
        if text.len() > MAX_STRING_BYTES {
            self.error(
                format!(
                    "text of {} bytes is longer than the limit of {MAX_STRING_BYTES} bytes",
                    text.len()
                ),
                entry.span,
                "a property holds at most 64 KiB of text",
            );
            return None;
        }
        Some(())
    }

    /// A list a `set` gives: not empty, not too long, no text too long.
    fn set_list(&mut self, items: &[Scalar], path: &PropertyPath, entry: &Entry) -> Option<()> {
        if items.is_empty() {
            self.empty_value(path, entry, "an empty list");
            return None;
        }
        if items.len() > MAX_LIST_ELEMENTS {
            self.error(
                format!(
                    "a list of {} elements is longer than the limit of {MAX_LIST_ELEMENTS}",
                    items.len()
                ),
                entry.span,
                "set fewer values",
            );
            return None;
        }
        for item in items {
            if let Scalar::String(text) = item
                && text.len() > MAX_STRING_BYTES
            {
                self.set_text(text, path, entry)?;
            }
        }
        Some(())
    }

    fn empty_value(&mut self, path: &PropertyPath, entry: &Entry, what: &str) {
        self.error(
            format!("`set {}` gives {what}, which counts as not set", path.name),
            entry.span,
            format!("to remove the property write: unset {}", path.name),
        );
    }

    fn unset(&mut self, entry: &Entry) -> Option<Action> {
        let (Some(Subject::Property(path)), []) = (&entry.subject, entry.arguments.as_slice())
        else {
            self.misshapen("unset", entry, "one property name");
            return None;
        };
        let property = self.target(path, "unset")?;
        Some(Action::Unset { property })
    }

    /// The property a `set` or `unset` changes: the entity's own, one a
    /// playbook may change.
    fn target(&mut self, path: &PropertyPath, key: &str) -> Option<String> {
        if path.scope != Scope::Own {
            let help = match self.kind {
                EntityKind::Users => format!(
                    "a playbook for accounts can {key} an account's `{}`",
                    path.name
                ),
                EntityKind::Accounts => format!("write `{key} {}`", path.name),
            };
            self.error(
                format!(
                    "a playbook for {} {key}s the {}'s own properties, not `account.{}`",
                    self.kind,
                    self.kind.singular(),
                    path.name
                ),
                path.span,
                help,
            );
            return None;
        }
        let name = path.name.as_str();
        let why = match name {
            ID => Some(format!("it is the {}'s identity", self.kind.singular())),
            ACCOUNT_ID if self.kind == EntityKind::Users => {
                Some("it is the user's link to its account, set by the data".to_string())
            }
            SEGMENTS => {
                Some("it is computed, the segments whose conditions the entity meets".to_string())
            }
            _ => None,
        };
        if let Some(why) = why {
            self.error(
                format!("a playbook cannot {key} `{name}`: {why}"),
                path.span,
                format!("{key} a property of your own, such as cs_owner"),
            );
            return None;
        }
        if name.is_empty() {
            // An empty name in backticks is the parser's error already.
            return None;
        }
        if name.len() > MAX_PROPERTY_NAME_BYTES {
            self.diagnostics.push(Diagnostic::error(
                format!("a property name is at most {MAX_PROPERTY_NAME_BYTES} bytes"),
                path.span,
            ));
            return None;
        }
        Some(name.to_string())
    }

    /// A property a second `set` or `unset` changes again: the first would
    /// be undone.
    fn changed_once(&mut self, property: &str, span: Span, changed: &[(String, Span)]) {
        if changed.iter().any(|(seen, _)| seen == property) {
            self.error(
                format!(
                    "playbook \"{}\" changes `{property}` twice: the later action undoes the earlier",
                    self.name
                ),
                span,
                "keep one `set` or `unset` of it",
            );
        }
    }

    fn webhook(&mut self, entry: &Entry) -> Option<Action> {
        let (
            None,
            [
                Argument::Value(Value::Literal(Literal::String(url))),
                rest @ ..,
            ],
        ) = (&entry.subject, entry.arguments.as_slice())
        else {
            self.misshapen("webhook", entry, "an address in quotes");
            return None;
        };
        let secret_env = match rest {
            [] => None,
            [Argument::Word(secret), Argument::Env(name)] if secret.text == "secret" => {
                if !is_variable_name(&name.value) {
                    self.error(
                        format!(
                            "`{}` is not a name an environment variable can have",
                            name.value
                        ),
                        name.span,
                        "write letters, digits and `_`, not starting with a digit, such as HOOK_SECRET",
                    );
                    return None;
                }
                Some(name.value.clone())
            }
            [Argument::Word(secret), Argument::Value(_)] if secret.text == "secret" => {
                self.literal_secret(entry, secret);
                return None;
            }
            _ => {
                self.misshapen(
                    "webhook",
                    entry,
                    "an address in quotes, then `secret env` and a variable's name",
                );
                return None;
            }
        };
        if !is_web_address(url) {
            self.error(
                format!(
                    "a webhook posts to an address starting with https:// or http:// and a host, and \"{url}\" is not one"
                ),
                entry.span,
                shape_help("webhook"),
            );
            return None;
        }
        Some(Action::Webhook {
            url: url.clone(),
            secret_env,
        })
    }

    /// `secret "whsec_..."`: refused, its value never shown again.
    fn literal_secret(&mut self, entry: &Entry, secret: &Word) {
        let value = Span {
            start: secret.span.end,
            end: entry.span.end,
        };
        self.diagnostics.push(
            Diagnostic::error(
                "a webhook's secret is never written in a definition: it is read from an environment variable",
                secret.span,
            )
            .with_help(
                "write: secret env \"HOOK_SECRET\" and set that variable where segscope runs; it is never stored or shown",
            )
            .concealing(value),
        );
    }

    fn log(&mut self, entry: &Entry) -> Option<Action> {
        let message = self.text(entry)?;
        if message.trim().is_empty() {
            self.error(
                "a `log` action needs a message: it is the line the activity log shows".to_string(),
                entry.span,
                shape_help("log"),
            );
            return None;
        }
        Some(Action::Log { message })
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

/// `http://` or `https://`, then a host (and nothing a URL cannot hold).
fn is_web_address(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let Some(rest) = ["https://", "http://"]
        .iter()
        .find_map(|scheme| lower.strip_prefix(scheme))
    else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = host.split(':').next().unwrap_or("");
    // A bracketed IPv6 host splits on its colons; its bracket is enough.
    let has_host = !host.is_empty() || authority.starts_with('[');
    has_host && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_addresses_have_a_scheme_and_a_host() {
        assert!(is_web_address("https://hooks.example.com/x"));
        assert!(is_web_address("HTTP://localhost:8080"));
        assert!(is_web_address("http://[::1]:9000/hook"));
        assert!(!is_web_address("https://"));
        assert!(!is_web_address("https:///path"));
        assert!(!is_web_address("https://:80/"));
        assert!(!is_web_address("ftp://example.com"));
        assert!(!is_web_address("hooks.example.com"));
        assert!(!is_web_address("https://exa mple.com"));
    }
}
