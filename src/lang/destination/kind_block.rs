//! What a destination does with one kind: a `users { ... }` or
//! `accounts { ... }` block read into a [`KindSync`] — the HubSpot object,
//! the key, the segment filter and the mappings.

use super::{
    DESTINATION_ENTRIES, KIND_ENTRIES, Reader, a_connector, kind_of_entry, list_words, path_text,
    shape_help,
};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::validate::did_you_mean;
use crate::model::ast::{Argument, Entry, Literal, PropertyPath, Scope, Span, Subject};
use crate::model::destination::{ConnectorKind, KindSync, ListEncoding, Mapping, SyncKey};
use crate::model::{EntityKind, MAX_PROPERTY_NAME_BYTES, SEGMENTS, fold_name};

impl Reader<'_> {
    /// `users { ... }` / `accounts { ... }`.
    pub(super) fn kind_block(&mut self, kind: EntityKind, entry: &Entry) -> Option<KindSync> {
        let (None, [Argument::Block(entries)]) = (&entry.subject, entry.arguments.as_slice())
        else {
            self.misshapen(kind.as_str(), entry, "one `{ ... }` block");
            return None;
        };
        let mut sync = KindSync::new(kind);
        let mut seen: Vec<&str> = Vec::new();
        let suggested_before = self.suggested.len();
        // Each mapping with where its target is written.
        let mut mappings: Vec<(Mapping, Span)> = Vec::new();
        for inner in entries {
            let key = inner.key.text.as_str();
            let Some(known) = KIND_ENTRIES.into_iter().find(|k| *k == key) else {
                self.unknown_kind_entry(kind, inner);
                continue;
            };
            if known != "map" && seen.contains(&known) {
                let help = match known {
                    "segments" => {
                        "list every segment in one `segments [...]`: members of any of them go"
                    }
                    _ => "keep one of them",
                };
                self.error(
                    format!(
                        "the `{kind}` block of destination \"{}\" has more than one `{known}`",
                        self.name
                    ),
                    inner.key.span,
                    help,
                );
                continue;
            }
            seen.push(known);
            match known {
                "object" => sync.object = self.object(inner),
                "key" => sync.key = self.key(kind, inner),
                "segments" => sync.segments = self.segments(inner),
                _ => {
                    mappings.extend(self.mapping(kind, inner));
                }
            }
        }
        let keyed = seen.contains(&"key");
        if !keyed
            && self.connector == Some(ConnectorKind::HubSpot)
            && !self.suggested[suggested_before..].contains(&"key")
        {
            let help = match kind {
                EntityKind::Users => "write: key email (contacts are matched by their email)",
                EntityKind::Accounts => {
                    "write: key id -> segscope_account_id (a unique company property, created if missing)"
                }
            };
            self.error(
                format!(
                    "missing key: the `{kind}` block of HubSpot destination \"{}\" names no `key` to match {} by",
                    self.name,
                    sync.object()
                ),
                entry.key.span,
                help,
            );
        }
        // The key's target, unless a key was given and is wrong.
        let key_target = (sync.key.is_some() || !keyed).then(|| sync.key().target().to_string());
        let mut targets: Vec<&str> = Vec::new();
        for (mapping, span) in &mappings {
            if key_target.as_deref() == Some(mapping.target.as_str()) {
                self.error(
                    format!(
                        "`{}` is where the key goes: each record carries it already",
                        mapping.target
                    ),
                    *span,
                    "remove this mapping, or send the property to another name",
                );
            } else if targets.contains(&mapping.target.as_str()) {
                self.error(
                    format!("two mappings send to `{}`", mapping.target),
                    *span,
                    "each destination property takes one mapping; send the other elsewhere",
                );
            } else {
                targets.push(&mapping.target);
            }
        }
        sync.mappings = mappings.into_iter().map(|(mapping, _)| mapping).collect();
        Some(sync)
    }

    fn unknown_kind_entry(&mut self, kind: EntityKind, entry: &Entry) {
        let key = &entry.key;
        if key.text == "where" {
            self.where_entry(entry);
        } else if let Some(other) = kind_of_entry(&key.text) {
            self.error(
                format!("`{other} {{ ... }}` goes beside `{kind} {{ ... }}`, not inside it"),
                key.span,
                format!("close the `{kind}` block before it"),
            );
        } else if DESTINATION_ENTRIES.contains(&key.text.as_str()) {
            self.error(
                format!(
                    "`{}` is a setting of the whole destination, not of its {kind}",
                    key.text
                ),
                key.span,
                format!("move it out of the `{kind} {{ ... }}` block"),
            );
        } else {
            let help = match did_you_mean(&key.text, KIND_ENTRIES) {
                Some(similar) => {
                    self.suggested.push(similar);
                    format!("did you mean `{similar}`?")
                }
                None => format!("its entries are {}", list_words(&KIND_ENTRIES)),
            };
            self.error(
                format!("a `{kind}` block has no entry `{}`", key.text),
                key.span,
                help,
            );
        }
    }

    fn object(&mut self, entry: &Entry) -> Option<String> {
        if let Some(connector) = self.connector
            && connector != ConnectorKind::HubSpot
        {
            self.error(
                format!(
                    "`object` is for HubSpot destinations, and \"{}\" is {} destination",
                    self.name,
                    a_connector(connector)
                ),
                entry.key.span,
                "only HubSpot sorts records into objects; remove it",
            );
            return None;
        }
        match (&entry.subject, entry.arguments.as_slice()) {
            (Some(Subject::Property(path)), []) if path.scope == Scope::Own => {
                self.plain_name(path)
            }
            _ => {
                self.misshapen("object", entry, "the name of a HubSpot object");
                None
            }
        }
    }

    fn key(&mut self, kind: EntityKind, entry: &Entry) -> Option<SyncKey> {
        let (Some(Subject::Property(source)), arguments) = (&entry.subject, &entry.arguments[..])
        else {
            self.misshapen(
                "key",
                entry,
                "a property, and `->` the destination's name for it",
            );
            return None;
        };
        let target = match arguments {
            [] => None,
            [Argument::Arrow(target)] => Some(self.target(target)?),
            _ => {
                self.misshapen(
                    "key",
                    entry,
                    "a property, and `->` the destination's name for it",
                );
                return None;
            }
        };
        if source.scope == Scope::Account {
            self.error(
                format!(
                    "a key is the {}'s own property, not `{}`",
                    kind.singular(),
                    path_text(source)
                ),
                source.span,
                format!(
                    "each {} needs a key of its own, such as `id` or `email`",
                    kind.singular()
                ),
            );
            return None;
        }
        if source.name == SEGMENTS {
            self.error(
                "`segments` cannot be a key: it is the list of the segments an entity is in"
                    .to_string(),
                source.span,
                format!(
                    "key by a property unique to each {}, such as `id` or `email`",
                    kind.singular()
                ),
            );
            return None;
        }
        let source = self.source(kind, source, "a key")?;
        Some(SyncKey { source, target })
    }

    fn segments(&mut self, entry: &Entry) -> Vec<String> {
        let (None, [Argument::List(literals)]) = (&entry.subject, entry.arguments.as_slice())
        else {
            self.misshapen("segments", entry, "one list of segment names in quotes");
            return Vec::new();
        };
        let mut names: Vec<String> = Vec::new();
        for literal in literals {
            let Literal::String(name) = literal else {
                self.misshapen("segments", entry, "segment names in quotes");
                return Vec::new();
            };
            if name.trim().is_empty() {
                self.error(
                    "a segment name cannot be empty".to_string(),
                    entry.span,
                    shape_help("segments"),
                );
            } else if names.iter().any(|seen| fold_name(seen) == fold_name(name)) {
                self.error(
                    format!("the segment \"{name}\" is listed twice"),
                    entry.span,
                    "list each segment once",
                );
            } else {
                names.push(name.clone());
            }
        }
        names
    }

    /// `map <source> -> <target> [as list|text]`, and the target's span.
    fn mapping(&mut self, kind: EntityKind, entry: &Entry) -> Option<(Mapping, Span)> {
        let what = "a property, `->` and the destination's property";
        let (Some(Subject::Property(source)), arguments) = (&entry.subject, &entry.arguments[..])
        else {
            self.misshapen("map", entry, what);
            return None;
        };
        let (target, encoding) = match arguments {
            [Argument::Arrow(target)] => (target, None),
            [Argument::Arrow(target), Argument::As(word)] => (target, Some(word)),
            _ => {
                self.misshapen("map", entry, what);
                return None;
            }
        };
        let encoding = match encoding {
            None => None,
            Some(word) => match ListEncoding::from_word(&word.text) {
                Some(encoding) => Some(encoding),
                None => {
                    self.error(
                        format!(
                            "`as {}` is not a way to send a list: write `as list` or `as text`",
                            word.text
                        ),
                        word.span,
                        "`as list` sends the destination's multi-value type, `as text` one value per line",
                    );
                    return None;
                }
            },
        };
        let source = self.source(kind, source, "a mapping");
        let target_name = self.target(target);
        Some((
            Mapping {
                source: source?,
                target: target_name?,
                encoding,
            },
            target.span,
        ))
    }

    /// A property of the entity a key or mapping reads.
    fn source(&mut self, kind: EntityKind, path: &PropertyPath, what: &str) -> Option<String> {
        if path.scope == Scope::Account && kind == EntityKind::Accounts {
            self.error(
                format!(
                    "`{}` reads a user's account, but these are accounts",
                    path_text(path)
                ),
                path.span,
                format!("write `{}` for the account's own property", path.name),
            );
            return None;
        }
        if path.scope == Scope::Users {
            self.error(
                format!(
                    "{what} reads the entity's own property, not `{}`",
                    path_text(path)
                ),
                path.span,
                "name a property such as email or account.plan",
            );
            return None;
        }
        self.plain_name(path)?;
        Some(path_text(path))
    }

    /// The destination's name for a property: a plain name.
    fn target(&mut self, path: &PropertyPath) -> Option<String> {
        if path.scope != Scope::Own {
            self.error(
                format!(
                    "`-> {}` names the destination's property: a plain name, with no `account.`",
                    path_text(path)
                ),
                path.span,
                format!("write: -> {}", path_text(path).replace('.', "_")),
            );
            return None;
        }
        self.plain_name(path)
    }

    /// A name that is not empty and not too long. (An empty name in
    /// backticks is the parser's error already.)
    fn plain_name(&mut self, path: &PropertyPath) -> Option<String> {
        if path.name.is_empty() {
            return None;
        }
        if path.name.len() > MAX_PROPERTY_NAME_BYTES {
            self.diagnostics.push(Diagnostic::error(
                format!("a property name is at most {MAX_PROPERTY_NAME_BYTES} bytes"),
                path.span,
            ));
            return None;
        }
        Some(path.name.clone())
    }
}
