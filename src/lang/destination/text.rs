//! A destination printed back: the `destination` block it stands for and
//! its one canonical text.

use super::ACCOUNT_PREFIX;
use crate::lang::format::format_file;
use crate::model::DefinitionKind;
use crate::model::ast::{
    Argument, BlockDefinition, Definition, Entry, File, Literal, Name, PropertyPath, Scope, Span,
    Subject, Text, Value, Word,
};
use crate::model::destination::{Destination, KindSync};

/// The `destination` definition of a destination, with no spans: what
/// [`destination_text`] prints. Every setting that is set is written, in
/// the order of [`super::DESTINATION_ENTRIES`]; each kind's block, users first.
pub fn destination_definition(destination: &Destination) -> BlockDefinition {
    let text = |value: &str| {
        vec![Argument::Value(Value::Literal(Literal::String(
            value.into(),
        )))]
    };
    let env = |name: &str| Some(Subject::Env(plain_text(name)));
    let mut entries = Vec::new();
    if let Some(description) = destination.description.as_deref().filter(|d| !d.is_empty()) {
        entries.push(entry("description", None, text(description)));
    }
    if let Some(name) = &destination.token_env {
        entries.push(entry("token", env(name), Vec::new()));
    }
    if let Some(address) = &destination.base_url {
        entries.push(entry("base_url", None, text(address)));
    }
    if let Some(limit) = destination.rate_limit {
        let number = Literal::Number(f64::from(limit));
        entries.push(entry(
            "rate_limit",
            None,
            vec![Argument::Value(Value::Literal(number))],
        ));
    }
    if let Some(address) = &destination.url {
        entries.push(entry("url", None, text(address)));
    }
    if let Some(name) = &destination.secret_env {
        entries.push(entry("secret", env(name), Vec::new()));
    }
    if let Some(path) = &destination.path {
        entries.push(entry("path", None, text(path)));
    }
    let mut kinds: Vec<&KindSync> = destination.kinds.iter().collect();
    kinds.sort_by_key(|sync| sync.kind);
    for sync in kinds {
        let block = Argument::Block(kind_entries(sync));
        entries.push(entry(sync.kind.as_str(), None, vec![block]));
    }
    BlockDefinition {
        keyword: DefinitionKind::Destination,
        name: Name {
            text: destination.name.clone(),
            span: Span::default(),
        },
        kind: None,
        connector: Some(word(destination.connector.word())),
        entries,
        span: Span::default(),
    }
}

/// A destination's canonical text: how one made in the terminal UI is
/// stored, and what replaces its definition in its file when it is saved
/// there.
pub fn destination_text(destination: &Destination) -> String {
    let file = File {
        definitions: vec![Definition::Block(destination_definition(destination))],
        comments: Vec::new(),
    };
    format_file(&file, "")
}

/// The entries of one kind's block, in the order of [`KIND_ENTRIES`].
fn kind_entries(sync: &KindSync) -> Vec<Entry> {
    let mut entries = Vec::new();
    if let Some(object) = &sync.object {
        entries.push(entry("object", Some(property_subject(object)), Vec::new()));
    }
    if let Some(key) = &sync.key {
        let arguments = key
            .target
            .iter()
            .map(|target| Argument::Arrow(property_path(target)))
            .collect();
        entries.push(entry("key", Some(property_subject(&key.source)), arguments));
    }
    if !sync.segments.is_empty() {
        let names = sync
            .segments
            .iter()
            .map(|name| Literal::String(name.clone()))
            .collect();
        entries.push(entry("segments", None, vec![Argument::List(names)]));
    }
    for mapping in &sync.mappings {
        let mut arguments = vec![Argument::Arrow(property_path(&mapping.target))];
        if let Some(encoding) = mapping.encoding {
            arguments.push(Argument::As(word(encoding.word())));
        }
        entries.push(entry(
            "map",
            Some(property_subject(&mapping.source)),
            arguments,
        ));
    }
    entries
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

fn plain_text(value: &str) -> Text {
    Text {
        value: value.to_string(),
        span: Span::default(),
    }
}

fn property_subject(property: &str) -> Subject {
    Subject::Property(property_path(property))
}

/// A property as a destination names it (`plan`, `account.plan`), as a
/// path of the language.
fn property_path(property: &str) -> PropertyPath {
    let (scope, name) = match property.strip_prefix(ACCOUNT_PREFIX) {
        Some(rest) if !rest.is_empty() => (Scope::Account, rest),
        _ => (Scope::Own, property),
    };
    PropertyPath {
        scope,
        name: name.to_string(),
        span: Span::default(),
    }
}
