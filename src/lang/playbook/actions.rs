//! A playbook's actions read from their entries: `set`, `unset`, `webhook`
//! and `log`, with what each may change, give or post to.

use super::{Reader, shape_help};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::environment::is_variable_name;
use crate::model::ast::{
    Argument, Entry, Literal, PropertyPath, Scope, Span, Subject, Value, Word,
};
use crate::model::playbook::{Action, SetValue};
use crate::model::{
    ACCOUNT_ID, EntityKind, ID, MAX_LIST_ELEMENTS, MAX_PROPERTY_NAME_BYTES, MAX_STRING_BYTES,
    SEGMENTS, Scalar, datetime_from_text, scalar_from_literal,
};

impl Reader<'_> {
    pub(super) fn action(&mut self, key: &str, entry: &Entry) -> Option<Action> {
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
    pub(super) fn changed_once(&mut self, property: &str, span: Span, changed: &[(String, Span)]) {
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
