//! The meaning of a `destination` block: [`destination_from_block`] reads
//! the generic entries of `destination "Name" hubspot { ... }` into a
//! [`Destination`], with an error (and a span) for every entry it cannot
//! take; [`destination_definition`] and [`destination_text`] go the other
//! way, to the one canonical text a destination saved from the terminal UI
//! is stored as.
//!
//! What a destination may hold: a connector word after its name (`hubspot`,
//! `webhook`, `file`, required), the settings of that connector, each at
//! most once (`description`; hubspot: `token env "VAR"`, `base_url`,
//! `rate_limit`; webhook: `url`, `secret env "VAR"`; file: `path`), and at
//! most one `users { ... }` and one `accounts { ... }` block saying what of
//! that kind goes: `object` (hubspot), `key`, `segments [...]` and any
//! number of `map`. Secrets are never written in a definition, only the
//! names of the environment variables that hold them.
//!
//! Also here, for `validate` and the workspace: whether the segments each
//! kind lists exist and are of that kind ([`segment_filter_problems`]), and
//! which environment variables it names are unset
//! ([`environment_warnings`]). Not here: whether the data has the
//! properties it maps (the workspace warns about those).

mod checks;
mod kind_block;
mod text;

pub use super::environment::{environment_warnings, variable_is_set};
pub use checks::segment_filter_problems;
pub use text::{destination_definition, destination_text};

use super::diagnostic::Diagnostic;
use super::environment::is_variable_name;
use super::validate::did_you_mean;
use crate::model::EntityKind;
use crate::model::ast::{
    Argument, BlockDefinition, Entry, Literal, PropertyPath, Scope, Span, Subject, Value,
};
use crate::model::destination::{ConnectorKind, Destination, FileFormat};

/// The entries of a destination, in the order its canonical text gives them.
pub const DESTINATION_ENTRIES: [&str; 9] = [
    "description",
    "token",
    "base_url",
    "rate_limit",
    "url",
    "secret",
    "path",
    "users",
    "accounts",
];

/// The entries of a `users { ... }` or `accounts { ... }` block, in order.
pub const KIND_ENTRIES: [&str; 4] = ["object", "key", "segments", "map"];

/// The most requests per rolling ten seconds a destination may allow itself.
pub const MAX_RATE_LIMIT: u32 = 10_000;

/// How a user's account's property is named (`account.plan`).
const ACCOUNT_PREFIX: &str = "account.";

/// The connector a setting belongs to; `None` for those every destination
/// takes.
fn connector_of(setting: &str) -> Option<ConnectorKind> {
    match setting {
        "token" | "base_url" | "rate_limit" => Some(ConnectorKind::HubSpot),
        "url" | "secret" => Some(ConnectorKind::Webhook),
        "path" => Some(ConnectorKind::File),
        _ => None,
    }
}

/// The kind a `users` / `accounts` entry is about.
fn kind_of_entry(key: &str) -> Option<EntityKind> {
    match key {
        "users" => Some(EntityKind::Users),
        "accounts" => Some(EntityKind::Accounts),
        _ => None,
    }
}

/// Reads a `destination` block into its meaning, or says everything wrong
/// with it.
pub fn destination_from_block(block: &BlockDefinition) -> Result<Destination, Vec<Diagnostic>> {
    let mut reader = Reader {
        name: &block.name.text,
        connector: None,
        diagnostics: Vec::new(),
        suggested: Vec::new(),
    };
    reader.header(block);
    let mut destination = Destination {
        name: block.name.text.clone(),
        connector: reader.connector.unwrap_or(ConnectorKind::HubSpot),
        description: None,
        token_env: None,
        secret_env: None,
        base_url: None,
        url: None,
        path: None,
        rate_limit: None,
        kinds: Vec::new(),
    };
    let mut seen: Vec<&str> = Vec::new();
    for entry in &block.entries {
        let key = entry.key.text.as_str();
        let Some(known) = DESTINATION_ENTRIES.into_iter().find(|k| *k == key) else {
            reader.unknown_entry(entry);
            continue;
        };
        if seen.contains(&known) {
            reader.given_twice(known, entry);
            continue;
        }
        seen.push(known);
        if let Some(kind) = kind_of_entry(known) {
            if let Some(sync) = reader.kind_block(kind, entry) {
                destination.kinds.push(sync);
            }
            continue;
        }
        if !reader.belongs(known, entry) {
            continue;
        }
        match known {
            "description" => {
                destination.description = reader.text(entry).filter(|text| !text.is_empty());
            }
            "token" => destination.token_env = reader.secret(entry),
            "secret" => destination.secret_env = reader.secret(entry),
            "base_url" | "url" => {
                let address = reader.address(entry);
                if known == "url" {
                    destination.url = address;
                } else {
                    destination.base_url = address;
                }
            }
            "path" => destination.path = reader.path(entry),
            _ => destination.rate_limit = reader.rate_limit(entry),
        }
    }
    destination.kinds.sort_by_key(|sync| sync.kind);
    reader.required(block, &destination);
    if reader.diagnostics.is_empty() {
        Ok(destination)
    } else {
        Err(reader.diagnostics)
    }
}

/// A path as the destination keeps it: `account.` before an account's.
fn path_text(path: &PropertyPath) -> String {
    match path.scope {
        Scope::Account => format!("{ACCOUNT_PREFIX}{}", path.name),
        Scope::Own => path.name.clone(),
        Scope::Users => format!("users.{}", path.name),
    }
}

/// How each entry is written, for the help of a misshapen one.
fn shape_help(key: &str) -> &'static str {
    match key {
        "description" => "write: description \"Champions to the CRM\"",
        "token" => "write: token env \"HUBSPOT_TOKEN\"",
        "secret" => "write: secret env \"HOOK_SECRET\"",
        "base_url" => "write: base_url \"https://api.hubapi.com\"",
        "url" => "write: url \"https://hooks.example.com/segscope\"",
        "path" => "write: path \"exports/accounts.csv\" (.jsonl or .csv)",
        "rate_limit" => "write: rate_limit 150",
        "users" => "write: users { segments [\"Champions\"] map email -> email }",
        "accounts" => "write: accounts { map domain -> domain }",
        "object" => "write: object contacts",
        "key" => "write: key email, or key id -> segscope_account_id",
        "segments" => "write: segments [\"Champions\", \"Power users\"]",
        _ => "write: map plan -> plan_tier (with `as list` or `as text` for a list)",
    }
}

/// The help for a setting on a connector that does not take it.
fn elsewhere_help(setting: &str, connector: ConnectorKind) -> String {
    let owner = connector_of(setting).map_or("", ConnectorKind::word);
    match (setting, connector) {
        ("url", ConnectorKind::HubSpot) => {
            "a HubSpot destination's address is `base_url` (and rarely needed)".to_string()
        }
        ("base_url", ConnectorKind::Webhook) => "a webhook destination posts to its `url`".into(),
        ("url" | "base_url", ConnectorKind::File) => {
            "a file destination writes to its `path`".to_string()
        }
        ("token", ConnectorKind::Webhook) => {
            "a webhook destination signs its batches with `secret env \"VAR\"`".to_string()
        }
        ("secret", ConnectorKind::HubSpot) => {
            "a HubSpot destination authenticates with `token env \"VAR\"`".to_string()
        }
        ("rate_limit", _) => "only HubSpot destinations pace their requests; remove it".into(),
        _ => format!("remove it, or make the destination `{owner}`"),
    }
}

/// The article and name of a connector in a sentence ("a HubSpot").
fn a_connector(connector: ConnectorKind) -> &'static str {
    match connector {
        ConnectorKind::HubSpot => "a HubSpot",
        ConnectorKind::Webhook => "a webhook",
        ConnectorKind::File => "a file",
    }
}

fn list_words(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

struct Reader<'a> {
    name: &'a str,
    /// The connector, once the header names a known one.
    connector: Option<ConnectorKind>,
    diagnostics: Vec<Diagnostic>,
    /// The entries suggested for unknown ones, in order: a missing entry
    /// that was suggested is not reported missing as well.
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
        if let Some(kind) = block.kind {
            self.error(
                format!(
                    "a destination takes no `for {kind}`: each kind it sends has a block of its own"
                ),
                block.name.span,
                format!(
                    "write: destination \"{}\" {} {{ {kind} {{ ... }} }}",
                    self.quoted_name(),
                    block
                        .connector
                        .as_ref()
                        .map_or("hubspot", |c| c.text.as_str())
                ),
            );
        }
        let Some(connector) = &block.connector else {
            self.error(
                format!(
                    "destination \"{}\" needs a connector: `hubspot`, `webhook` or `file`",
                    self.name
                ),
                block.name.span,
                format!(
                    "write: destination \"{}\" hubspot {{ ... }}",
                    self.quoted_name()
                ),
            );
            return;
        };
        self.connector = ConnectorKind::from_word(&connector.text);
        if self.connector.is_none() {
            let words = ConnectorKind::ALL.map(ConnectorKind::word);
            let help = match did_you_mean(&connector.text, words) {
                Some(similar) => format!("did you mean `{similar}`?"),
                None => "the connectors are `hubspot`, `webhook` and `file`".to_string(),
            };
            self.error(
                format!("there is no connector `{}`", connector.text),
                connector.span,
                help,
            );
        }
    }

    /// An entry a destination does not have at its top level.
    fn unknown_entry(&mut self, entry: &Entry) {
        let key = &entry.key;
        if key.text == "where" {
            self.where_entry(entry);
        } else if KIND_ENTRIES.contains(&key.text.as_str()) {
            self.error(
                format!(
                    "`{}` goes inside a `users {{ ... }}` or `accounts {{ ... }}` block",
                    key.text
                ),
                key.span,
                "each kind says what of it goes in a block of its own: users { map email -> email }",
            );
        } else {
            let help = match did_you_mean(&key.text, DESTINATION_ENTRIES) {
                Some(similar) => {
                    self.suggested.push(similar);
                    format!("did you mean `{similar}`?")
                }
                None => format!(
                    "a destination's entries are {}",
                    list_words(&DESTINATION_ENTRIES)
                ),
            };
            self.error(
                format!("a destination has no entry `{}`", key.text),
                key.span,
                help,
            );
        }
    }

    fn where_entry(&mut self, entry: &Entry) {
        self.error(
            "a destination chooses whom it sends by segments, not by `where`".to_string(),
            entry.key.span,
            "define a segment with this condition and list it: segments [\"Name\"]",
        );
    }

    fn given_twice(&mut self, key: &str, entry: &Entry) {
        let (message, help) = match kind_of_entry(key) {
            Some(kind) => (
                format!(
                    "destination \"{}\" has more than one `{kind}` block",
                    self.name
                ),
                format!("say everything about its {kind} in one `{kind} {{ ... }}` block"),
            ),
            None => (
                format!("destination \"{}\" has more than one `{key}`", self.name),
                "keep one of them".to_string(),
            ),
        };
        self.error(message, entry.key.span, help);
    }

    /// Whether a setting belongs to the destination's connector (an error
    /// when it does not).
    fn belongs(&mut self, key: &str, entry: &Entry) -> bool {
        let (Some(owner), Some(connector)) = (connector_of(key), self.connector) else {
            return true;
        };
        if owner == connector {
            return true;
        }
        self.error(
            format!(
                "`{key}` is a setting of {} destinations, and \"{}\" is {} destination",
                owner.label(),
                self.name,
                a_connector(connector)
            ),
            entry.key.span,
            elsewhere_help(key, connector),
        );
        false
    }

    fn misshapen(&mut self, key: &str, entry: &Entry, what: &str) {
        self.error(
            format!("`{key}` in a destination takes {what}"),
            entry.span,
            shape_help(key),
        );
    }

    /// The one text an entry takes (`description "..."`).
    fn text(&mut self, entry: &Entry) -> Option<String> {
        match (&entry.subject, entry.arguments.as_slice()) {
            (None, [Argument::Value(Value::Literal(Literal::String(text)))]) => Some(text.clone()),
            _ => {
                self.misshapen(&entry.key.text, entry, "one text in quotes");
                None
            }
        }
    }

    /// `token env "VAR"` / `secret env "VAR"`: the variable's name.
    fn secret(&mut self, entry: &Entry) -> Option<String> {
        let key = entry.key.text.as_str();
        match (&entry.subject, entry.arguments.as_slice()) {
            (Some(Subject::Env(name)), []) => {
                if is_variable_name(&name.value) {
                    Some(name.value.clone())
                } else {
                    self.error(
                        format!(
                            "`{}` is not a name an environment variable can have",
                            name.value
                        ),
                        name.span,
                        "write letters, digits and `_`, not starting with a digit, such as HUBSPOT_TOKEN",
                    );
                    None
                }
            }
            (None, [Argument::Value(Value::Literal(Literal::String(_)))]) => {
                // The value is a secret: the message points at the key and
                // its rendering shows the rest of the entry as `*`s.
                let value = Span {
                    start: entry.key.span.end,
                    end: entry.span.end,
                };
                self.diagnostics.push(
                    Diagnostic::error(
                        format!(
                            "a {key} is never written in a definition: it is read from an environment variable"
                        ),
                        entry.key.span,
                    )
                    .with_help(format!(
                        "{} and set that variable where segscope runs; it is never stored or shown",
                        shape_help(key)
                    ))
                    .concealing(value),
                );
                None
            }
            _ => {
                self.misshapen(key, entry, "`env` and the name of an environment variable");
                None
            }
        }
    }

    /// `url "..."` / `base_url "..."`: an http(s) address.
    fn address(&mut self, entry: &Entry) -> Option<String> {
        let address = self.text(entry)?;
        let lower = address.to_ascii_lowercase();
        let has_scheme = ["https://", "http://"]
            .iter()
            .any(|scheme| lower.len() > scheme.len() && lower.starts_with(scheme));
        if !has_scheme {
            let key = &entry.key.text;
            self.error(
                format!("`{key}` is an address starting with https:// or http://"),
                entry.span,
                shape_help(key),
            );
            return None;
        }
        Some(address)
    }

    fn path(&mut self, entry: &Entry) -> Option<String> {
        let path = self.text(entry)?;
        if FileFormat::of_path(&path).is_none() {
            self.error(
                format!("a file destination writes .jsonl or .csv, and \"{path}\" is neither"),
                entry.span,
                "end the path in .jsonl (one JSON object per line) or .csv",
            );
            return None;
        }
        Some(path)
    }

    fn rate_limit(&mut self, entry: &Entry) -> Option<u32> {
        let limit = match (&entry.subject, entry.arguments.as_slice()) {
            (None, [Argument::Value(Value::Literal(Literal::Number(number)))]) => Some(*number),
            _ => None,
        };
        match limit {
            Some(n) if n.fract() == 0.0 && (1.0..=f64::from(MAX_RATE_LIMIT)).contains(&n) => {
                Some(n as u32)
            }
            _ => {
                self.error(
                    format!(
                        "`rate_limit` is requests per rolling 10 seconds: a whole number from 1 to {MAX_RATE_LIMIT}"
                    ),
                    entry.span,
                    "write: rate_limit 150 (HubSpot allows 100 to 190, by tier)",
                );
                None
            }
        }
    }

    /// What the connector cannot do without, and a destination that sends
    /// nothing.
    fn required(&mut self, block: &BlockDefinition, destination: &Destination) {
        let given = |key: &str| block.entries.iter().any(|e| e.key.text == key);
        let sends = ["users", "accounts"].iter().any(|k| given(k));
        if !sends {
            self.error(
                format!(
                    "destination \"{}\" sends nothing: it has no `users {{ ... }}` or `accounts {{ ... }}` block",
                    self.name
                ),
                block.name.span,
                "add a block for each kind it sends, such as users { segments [\"Champions\"] }",
            );
        }
        let Some(connector) = self.connector else {
            return;
        };
        let needed = match connector {
            ConnectorKind::HubSpot => "token",
            ConnectorKind::Webhook => "url",
            ConnectorKind::File => "path",
        };
        if !given(needed) && !self.suggested.contains(&needed) {
            let help = match connector {
                ConnectorKind::HubSpot => {
                    "write: token env \"HUBSPOT_TOKEN\" (a private app's access token, read from the environment)"
                }
                _ => shape_help(needed),
            };
            self.error(
                format!(
                    "{} destination \"{}\" has no `{needed}`",
                    connector.label(),
                    destination.name
                ),
                block.name.span,
                help,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::parse_file;
    use crate::model::ast::Definition;
    use crate::model::destination::{KindSync, ListEncoding, Mapping, SyncKey};

    /// The destination `text` defines, or its errors as `message` lines.
    fn read(text: &str) -> Result<Destination, Vec<String>> {
        let (file, diagnostics) = parse_file(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let Some(Definition::Block(block)) = file.definitions.first() else {
            panic!("no block in {text}");
        };
        destination_from_block(block)
            .map_err(|problems| problems.into_iter().map(|d| d.message).collect())
    }

    #[test]
    fn a_webhook_reads_with_its_defaults() {
        let destination = read(
            "destination \"Ops hook\" Webhook {\n  url \"https://hooks.example.com/segscope\"\n  secret env \"HOOK_SECRET\"\n  users { segments [\"Champions\"]  map segments -> segments as list  map email -> email }\n}\n",
        )
        .expect("a destination");
        let mut users = KindSync::new(EntityKind::Users);
        users.segments = vec!["Champions".to_string()];
        users.mappings = vec![
            Mapping {
                source: "segments".to_string(),
                target: "segments".to_string(),
                encoding: Some(ListEncoding::List),
            },
            Mapping {
                source: "email".to_string(),
                target: "email".to_string(),
                encoding: None,
            },
        ];
        assert_eq!(destination.connector, ConnectorKind::Webhook);
        assert_eq!(destination.secret_env.as_deref(), Some("HOOK_SECRET"));
        assert_eq!(destination.kinds, [users]);
        assert_eq!(destination.kinds[0].key().source, "id");
        let again = read(&destination_text(&destination)).expect("read back");
        assert_eq!(again, destination);
    }

    #[test]
    fn kinds_come_users_first_and_keys_keep_their_arrow() {
        let destination = read(
            "destination \"D\" hubspot {\n  token env \"T\"\n  accounts { key id -> segscope_account_id }\n  users { key email }\n}\n",
        )
        .expect("a destination");
        let kinds: Vec<EntityKind> = destination.kinds.iter().map(|k| k.kind).collect();
        assert_eq!(kinds, [EntityKind::Users, EntityKind::Accounts]);
        assert_eq!(
            destination.kinds[1].key,
            Some(SyncKey {
                source: "id".to_string(),
                target: Some("segscope_account_id".to_string()),
            })
        );
        assert_eq!(
            destination_text(&destination),
            "destination \"D\" hubspot {\n  token env \"T\"\n  users {\n    key email\n  }\n  accounts {\n    key id -> segscope_account_id\n  }\n}\n"
        );
    }

    #[test]
    fn a_setting_belongs_to_one_connector() {
        assert_eq!(
            read(
                "destination \"D\" file {\n  path \"a.csv\"\n  url \"https://x.example\"\n  accounts {}\n}\n"
            ),
            Err(vec![
                "`url` is a setting of webhook destinations, and \"D\" is a file destination"
                    .to_string()
            ])
        );
    }
}
