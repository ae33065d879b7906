//! A playbook printed back: the `playbook` block it stands for and its one
//! canonical text.

use crate::lang::format::format_file;
use crate::model::DefinitionKind;
use crate::model::Scalar;
use crate::model::ast::{
    Argument, BlockDefinition, Definition, Entry, File, Literal, Name, PropertyPath, Scope, Span,
    Subject, Text, Value, Word,
};
use crate::model::playbook::{Action, Playbook, Runs, SetValue};

/// The `playbook` definition of a playbook, with no spans: what
/// [`playbook_text`] prints. Its settings come in the order of
/// [`super::PLAYBOOK_ENTRIES`] (the defaults left out), then its actions in order.
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

/// Each action as its line of the canonical text (`set cs_owner =
/// "team-a"`, `webhook "https://…" secret env "HOOK_SECRET"`), in order:
/// what an editor shows of a playbook's actions.
pub fn action_lines(actions: &[Action]) -> Vec<String> {
    let mut block = playbook_definition(&Playbook {
        name: String::new(),
        kind: crate::model::EntityKind::Users,
        description: None,
        when: crate::model::ast::Condition::And(Vec::new()),
        runs: Runs::EveryEntry,
        skip_existing: false,
        actions: Vec::new(),
    });
    block.entries = actions.iter().map(action_entry).collect();
    let file = File {
        definitions: vec![Definition::Block(block)],
        comments: Vec::new(),
    };
    let text = format_file(&file, "");
    // The block's first line is its header and its last the closing
    // brace; each line between is one action, indented.
    let lines: Vec<&str> = text.lines().collect();
    lines
        .get(1..lines.len().saturating_sub(1))
        .unwrap_or_default()
        .iter()
        .map(|line| line.trim().to_string())
        .collect()
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
