//! `segscope delete --kind K ID...`: delete entities, all or none.

use super::output::note;
use super::output::report_membership;
use super::{Global, KindArg, Outcome};
use crate::model::EntityKind;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which kind of entity the ids name.
    #[arg(long, value_enum)]
    pub kind: KindArg,
    /// The ids of the entities to delete.
    #[arg(required = true, value_name = "ID")]
    pub ids: Vec<String>,
}

pub fn run(global: &Global, args: Args) -> Outcome {
    let kind = EntityKind::from(args.kind);
    let mut workspace = global.open_existing(true)?;
    let membership = workspace.delete(kind, &args.ids)?;
    // Entities, not arguments: an id given twice is one entity.
    let deleted = args
        .ids
        .iter()
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let noun = if deleted == 1 {
        kind.singular().to_string()
    } else {
        kind.to_string()
    };
    note!("deleted {deleted} {noun}");
    report_membership(&membership);
    super::deliver::report_and_deliver(&mut workspace)?;
    Ok(())
}
