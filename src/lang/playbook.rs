// TEMPORARY compile shim; replaced by the lang branch.
use crate::lang::Diagnostic;
use crate::model::ast::BlockDefinition;
use crate::model::playbook::Playbook;
pub fn playbook_from_block(_: &BlockDefinition) -> Result<Playbook, Vec<Diagnostic>> {
    Err(Vec::new())
}
pub fn playbook_text(_: &Playbook) -> String {
    String::new()
}
