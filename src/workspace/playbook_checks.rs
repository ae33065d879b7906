//! The data's warnings about a `playbook` block, as `check` and `apply`
//! give them: the properties its `when` reads that no entity has (and
//! literals of a type they never hold), and the properties its `set` and
//! `unset` actions change that no entity of its kind has — each with
//! "did you mean", and only when the kind has data. They never stop an
//! apply. Not here: what a `playbook` block means (`lang::playbook`'s), and
//! firing one.

use super::Workspace;
use crate::lang::Diagnostic;
use crate::model::ast::{Argument, BlockDefinition, Scope, Subject};

impl Workspace {
    /// The data's warnings about a `playbook` block, in entry order.
    pub(super) fn playbook_data_warnings(&self, block: &BlockDefinition) -> Vec<Diagnostic> {
        let Some(kind) = block.kind else {
            return Vec::new();
        };
        let mut warnings = Vec::new();
        for entry in &block.entries {
            match (entry.key.text.to_ascii_lowercase().as_str(), &entry.subject) {
                ("when", None) => {
                    for argument in &entry.arguments {
                        if let Argument::Condition(condition) = argument {
                            warnings.extend(self.data_warnings(kind, condition));
                        }
                    }
                }
                // An `account.` target is the language's error already.
                (key @ ("set" | "unset"), Some(Subject::Property(path)))
                    if path.scope == Scope::Own =>
                {
                    let mut found = Vec::new();
                    self.check_path(kind, path, &mut found);
                    let consequence = if key == "set" {
                        ": a firing would add it"
                    } else {
                        ": unsetting it changes nothing"
                    };
                    warnings.extend(found.into_iter().map(|mut warning| {
                        warning.message.push_str(consequence);
                        warning
                    }));
                }
                _ => {}
            }
        }
        warnings
    }
}
