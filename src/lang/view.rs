//! The meaning of a `view` block: [`view_from_block`] reads the generic
//! entries of a `view "Name" for users { ... }` definition into a
//! [`View`], with an error (and a span) for every entry it cannot take;
//! [`view_definition`] and [`view_text`] go the other way, to the one
//! canonical text a view saved from the terminal UI is stored as.
//!
//! What a view may hold: `for users|accounts` (required), and the entries
//! `description "..."`, `where <condition>`, `columns ["a", "account.b"]`,
//! `sort <property> [asc|desc]` and `stages <property> [values...]`, each
//! at most once. Not here: whether the segments its condition names exist
//! (`validate` checks that, as for every block), and whether the data has
//! the properties it names (the workspace warns about those).

use super::diagnostic::Diagnostic;
use super::format::format_file;
use super::validate::did_you_mean;
use crate::model::ast::{
    Argument, BlockDefinition, Condition, Definition, Entry, File, Literal, Name, PropertyPath,
    Scope, Span, Subject, Value, Word,
};
use crate::model::view::{SortKey, SortOrder, StageLayout, View};
use crate::model::{
    DefinitionKind, EntityKind, ID, MAX_PROPERTY_NAME_BYTES, SEGMENTS, Scalar, scalar_from_literal,
};

/// The entries a view understands, in the order its canonical text gives them.
pub const VIEW_ENTRIES: [&str; 5] = ["description", "where", "stages", "columns", "sort"];

/// How a column or sort property names a user's account's property.
const ACCOUNT_PREFIX: &str = "account.";

/// Reads a `view` block into its meaning, or says everything wrong with it.
pub fn view_from_block(block: &BlockDefinition) -> Result<View, Vec<Diagnostic>> {
    let mut reader = ViewReader {
        name: &block.name.text,
        kind: block.kind.unwrap_or(EntityKind::Users),
        diagnostics: Vec::new(),
    };
    if block.kind.is_none() {
        reader.error(
            format!(
                "view \"{}\" needs `for users` or `for accounts`",
                block.name.text
            ),
            block.name.span,
            format!(
                "write: view \"{}\" for users {{ ... }}",
                block.name.text.replace('"', "\\\"")
            ),
        );
    }
    if let Some(connector) = &block.connector {
        reader.error(
            format!(
                "a view takes no connector, but `{}` follows its kind",
                connector.text
            ),
            connector.span,
            "connectors are for destinations; remove the word",
        );
    }
    let mut view = View {
        name: block.name.text.clone(),
        kind: reader.kind,
        description: None,
        filter: None,
        columns: Vec::new(),
        sort: None,
        stages: None,
    };
    let mut seen: Vec<&str> = Vec::new();
    for entry in &block.entries {
        let key = entry.key.text.as_str();
        let Some(known) = VIEW_ENTRIES.into_iter().find(|k| *k == key) else {
            reader.unknown_entry(&entry.key);
            continue;
        };
        if seen.contains(&known) {
            let help = match known {
                "where" => "combine the conditions with `and` or `or` in one `where`",
                _ => "keep one of them",
            };
            reader.error(
                format!("view \"{}\" has more than one `{known}`", reader.name),
                entry.key.span,
                help,
            );
            continue;
        }
        seen.push(known);
        if entry
            .arguments
            .iter()
            .any(|a| matches!(a, Argument::Block(_)))
        {
            reader.error(
                format!("`{known}` in a view takes no `{{ ... }}` block"),
                entry.span,
                shape_help(known),
            );
            continue;
        }
        match known {
            "description" => view.description = reader.description(entry),
            "where" => view.filter = reader.filter(entry),
            "columns" => view.columns = reader.columns(entry),
            "sort" => view.sort = reader.sort(entry),
            _ => view.stages = reader.stages(entry),
        }
    }
    if reader.diagnostics.is_empty() {
        Ok(view)
    } else {
        Err(reader.diagnostics)
    }
}

/// The `view` definition of a view, with no spans: what [`view_text`] prints.
pub fn view_definition(view: &View) -> BlockDefinition {
    let entry = |key: &str, subject: Option<Subject>, arguments: Vec<Argument>| Entry {
        key: word(key),
        subject,
        arguments,
        span: Span::default(),
    };
    let mut entries = Vec::new();
    if let Some(description) = view.description.as_deref().filter(|d| !d.is_empty()) {
        let text = Literal::String(description.to_string());
        entries.push(entry(
            "description",
            None,
            vec![Argument::Value(Value::Literal(text))],
        ));
    }
    if let Some(filter) = &view.filter {
        entries.push(entry(
            "where",
            None,
            vec![Argument::Condition(filter.clone())],
        ));
    }
    if let Some(stages) = &view.stages {
        let subject = Subject::Property(property_path(&stages.property));
        let values = stages.values.iter().map(literal_of).collect();
        entries.push(entry("stages", Some(subject), vec![Argument::List(values)]));
    }
    if !view.columns.is_empty() {
        let names = view
            .columns
            .iter()
            .map(|c| Literal::String(c.clone()))
            .collect();
        entries.push(entry("columns", None, vec![Argument::List(names)]));
    }
    if let Some(sort) = &view.sort {
        let subject = Subject::Property(property_path(&sort.property));
        let order = Argument::Word(word(sort.order.word()));
        entries.push(entry("sort", Some(subject), vec![order]));
    }
    BlockDefinition {
        keyword: DefinitionKind::View,
        name: Name {
            text: view.name.clone(),
            span: Span::default(),
        },
        kind: Some(view.kind),
        connector: None,
        entries,
        span: Span::default(),
    }
}

/// A view's canonical text: how one made in the terminal UI is stored, and
/// what replaces a view's definition in its file when it is saved there.
pub fn view_text(view: &View) -> String {
    let file = File {
        definitions: vec![Definition::Block(view_definition(view))],
        comments: Vec::new(),
    };
    format_file(&file, "")
}

/// A property as a column or sort names it (`plan`, `account.plan`), as a
/// path of the language.
fn property_path(property: &str) -> PropertyPath {
    let (scope, name) = match property.strip_prefix(ACCOUNT_PREFIX) {
        Some(rest) => (Scope::Account, rest),
        None => (Scope::Own, property),
    };
    PropertyPath {
        scope,
        name: name.to_string(),
        span: Span::default(),
    }
}

fn literal_of(scalar: &Scalar) -> Literal {
    match scalar {
        Scalar::String(text) => Literal::String(text.clone()),
        Scalar::Number(number) => Literal::Number(*number),
        Scalar::Bool(value) => Literal::Bool(*value),
        Scalar::DateTime(micros) => Literal::DateTime(*micros),
    }
}

fn word(text: &str) -> Word {
    Word {
        text: text.to_string(),
        span: Span::default(),
    }
}

/// How each entry is written, for the help of a misshapen one.
fn shape_help(key: &str) -> &'static str {
    match key {
        "description" => "write: description \"Champions we have not called yet\"",
        "where" => "write: where in segment \"Champions\"",
        "columns" => "write: columns [\"name\", \"email\", \"account.plan\"]",
        "sort" => "write: sort last_seen_at desc (or asc, the default)",
        _ => "write: stages lifecycle_stage [\"trial\", \"active\", \"churned\"]",
    }
}

struct ViewReader<'a> {
    name: &'a str,
    kind: EntityKind,
    diagnostics: Vec<Diagnostic>,
}

impl ViewReader<'_> {
    fn error(&mut self, message: String, span: Span, help: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::error(message, span).with_help(help));
    }

    fn misshapen(&mut self, key: &str, entry: &Entry, what: &str) {
        self.error(
            format!("`{key}` in a view takes {what}"),
            entry.span,
            shape_help(key),
        );
    }

    fn unknown_entry(&mut self, key: &Word) {
        let mut diagnostic =
            Diagnostic::error(format!("a view has no entry `{}`", key.text), key.span);
        diagnostic = match did_you_mean(&key.text, VIEW_ENTRIES) {
            Some(similar) => diagnostic.with_help(format!("did you mean `{similar}`?")),
            None => diagnostic.with_help(format!(
                "a view's entries are {}",
                VIEW_ENTRIES.map(|k| format!("`{k}`")).join(", ")
            )),
        };
        self.diagnostics.push(diagnostic);
    }

    fn description(&mut self, entry: &Entry) -> Option<String> {
        match (&entry.subject, entry.arguments.as_slice()) {
            (None, [Argument::Value(Value::Literal(Literal::String(text)))]) => {
                Some(text.clone()).filter(|text| !text.is_empty())
            }
            _ => {
                self.misshapen("description", entry, "one text in quotes");
                None
            }
        }
    }

    fn filter(&mut self, entry: &Entry) -> Option<Condition> {
        match entry.arguments.as_slice() {
            [Argument::Condition(condition)] => Some(condition.clone()),
            _ => {
                self.misshapen("where", entry, "one condition");
                None
            }
        }
    }

    fn columns(&mut self, entry: &Entry) -> Vec<String> {
        let [Argument::List(literals)] = entry.arguments.as_slice() else {
            self.misshapen("columns", entry, "one list of property names in quotes");
            return Vec::new();
        };
        if entry.subject.is_some() {
            self.misshapen("columns", entry, "one list of property names in quotes");
            return Vec::new();
        }
        let mut columns: Vec<String> = Vec::new();
        for literal in literals {
            let Literal::String(column) = literal else {
                self.misshapen("columns", entry, "property names in quotes");
                return Vec::new();
            };
            if columns.contains(column) {
                self.error(
                    format!("the column \"{column}\" is listed twice"),
                    entry.span,
                    "list each column once",
                );
                continue;
            }
            self.property_name(column, entry.span, "column");
            columns.push(column.clone());
        }
        columns
    }

    /// A property name a view lists as text (`account.plan` for users).
    fn property_name(&mut self, property: &str, span: Span, what: &str) {
        let name = property.strip_prefix(ACCOUNT_PREFIX).unwrap_or(property);
        if name.is_empty() {
            self.error(
                format!("a {what} needs a property name"),
                span,
                "name a property such as \"email\" or \"account.plan\"",
            );
        } else if name.len() > MAX_PROPERTY_NAME_BYTES {
            self.diagnostics.push(Diagnostic::error(
                format!("a property name is at most {MAX_PROPERTY_NAME_BYTES} bytes"),
                span,
            ));
        } else if property.starts_with(ACCOUNT_PREFIX) && self.kind == EntityKind::Accounts {
            self.error(
                format!("`{property}` reads a user's account, but this view is about accounts"),
                span,
                format!("write `{name}` for the account's own property"),
            );
        }
    }

    fn sort(&mut self, entry: &Entry) -> Option<SortKey> {
        let (Some(Subject::Property(path)), arguments) = (&entry.subject, &entry.arguments[..])
        else {
            self.misshapen("sort", entry, "a property and an order");
            return None;
        };
        let order = match arguments {
            [] => SortOrder::Ascending,
            // Of the argument words only the orders are a sort's.
            [Argument::Word(word)] if SortOrder::from_word(&word.text).is_some() => {
                SortOrder::from_word(&word.text).unwrap_or_default()
            }
            _ => {
                self.misshapen("sort", entry, "a property and an order, `asc` or `desc`");
                return None;
            }
        };
        let property = self.path_property(path, "sort")?;
        Some(SortKey { property, order })
    }

    fn stages(&mut self, entry: &Entry) -> Option<StageLayout> {
        let (Some(Subject::Property(path)), [Argument::List(literals)]) =
            (&entry.subject, &entry.arguments[..])
        else {
            self.misshapen(
                "stages",
                entry,
                "a property and the list of its values in order",
            );
            return None;
        };
        if path.scope == Scope::Account {
            self.error(
                format!(
                    "the stages of a view are its own entities' property, not `account.{}`",
                    path.name
                ),
                path.span,
                "moving a card sets the property; make a view for accounts to stage accounts",
            );
            return None;
        }
        if path.name == ID || path.name == SEGMENTS {
            self.error(
                format!(
                    "`{}` cannot be a stage property: it cannot be set",
                    path.name
                ),
                path.span,
                "stage by a property you set, such as lifecycle_stage",
            );
            return None;
        }
        if literals.is_empty() {
            self.error(
                format!("the stages of view \"{}\" list no values", self.name),
                entry.span,
                "list the values in the order the board shows them; values not listed go to an \"other\" column",
            );
            return None;
        }
        let mut values: Vec<Scalar> = Vec::new();
        for literal in literals {
            let value = scalar_from_literal(literal);
            if values.contains(&value) {
                self.error(
                    format!("the stage \"{value}\" is listed twice"),
                    entry.span,
                    "list each stage once",
                );
                return None;
            }
            values.push(value);
        }
        let property = self.path_property(path, "stages")?;
        Some(StageLayout { property, values })
    }

    /// A path as the text a view keeps (`account.` for a user's account).
    fn path_property(&mut self, path: &PropertyPath, key: &str) -> Option<String> {
        match path.scope {
            Scope::Own => Some(path.name.clone()),
            Scope::Account if self.kind == EntityKind::Users => {
                Some(format!("{ACCOUNT_PREFIX}{}", path.name))
            }
            _ => {
                self.error(
                    format!(
                        "`{key} account.{}` reads a user's account, but this view is about accounts",
                        path.name
                    ),
                    path.span,
                    format!("write `{key} {}` for the account's own property", path.name),
                );
                None
            }
        }
    }
}
