//! The environment variables a definition names for its secrets — a
//! destination's `token env "VAR"` and `secret env "VAR"`, a playbook
//! webhook's `secret env "VAR"` — checked against the environment: a
//! warning for each that is not set. Values are never read into a
//! definition, only tested for being there; a secret written as text is
//! the reading block's error (see `lang::destination`, `lang::playbook`).

use super::diagnostic::Diagnostic;
use crate::model::DefinitionKind;
use crate::model::ast::{Argument, BlockDefinition, Subject, Text};

/// A name an environment variable may portably have.
pub(crate) fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The environment variables a block names for its secrets, where each is
/// written: a destination's `token`/`secret` entries, a playbook's
/// `webhook ... secret env "VAR"` actions; nothing for other blocks.
fn named_variables(block: &BlockDefinition) -> Vec<&Text> {
    match block.keyword {
        DefinitionKind::Destination => block
            .entries
            .iter()
            .filter(|entry| matches!(entry.key.text.as_str(), "token" | "secret"))
            .filter_map(|entry| match &entry.subject {
                Some(Subject::Env(name)) => Some(name),
                _ => None,
            })
            .collect(),
        DefinitionKind::Playbook => block
            .entries
            .iter()
            .filter(|entry| entry.key.text == "webhook")
            .flat_map(|entry| &entry.arguments)
            .filter_map(|argument| match argument {
                Argument::Env(name) => Some(name),
                _ => None,
            })
            .collect(),
        DefinitionKind::Segment | DefinitionKind::View => Vec::new(),
    }
}

/// The environment variables a block names (see [`named_variables`]) that
/// `is_set` says are not set: a warning each, at the name. Values are
/// never read here.
pub fn environment_warnings(
    block: &BlockDefinition,
    is_set: &dyn Fn(&str) -> bool,
) -> Vec<Diagnostic> {
    let consequence = match block.keyword {
        DefinitionKind::Playbook => format!(
            "playbook \"{}\" cannot post its webhook until it is",
            block.name.text
        ),
        _ => format!(
            "destination \"{}\" cannot send until it is",
            block.name.text
        ),
    };
    named_variables(block)
        .into_iter()
        .filter(|name| is_variable_name(&name.value) && !is_set(&name.value))
        .map(|name| {
            Diagnostic::warning(
                format!(
                    "the environment variable `{}` is not set: {consequence}",
                    name.value
                ),
                name.span,
            )
            .with_help(format!(
                "set {} where segscope runs; its value is never stored or shown",
                name.value
            ))
        })
        .collect()
}

/// Whether the process's environment has `name` set to something (blank
/// is not set: a sync refuses a blank token or secret too).
pub fn variable_is_set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|value| !value.to_string_lossy().trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_names_are_portable_ones() {
        assert!(is_variable_name("_A1"));
        assert!(!is_variable_name("1A"));
        assert!(!is_variable_name("A B"));
        assert!(!is_variable_name(""));
    }
}
