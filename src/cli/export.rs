//! `segscope export --kind K`: every entity (or segment members) with its
//! properties and segments.

use clap::ValueEnum;

use super::output::EntityFormat;
use super::query::print_entities;
use super::{CliError, Global, KindArg, Outcome};
use crate::model::EntityKind;
use crate::workspace::EntityView;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long, value_enum)]
    pub kind: KindArg,
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: Format,
    /// Only members of this segment (repeat for any of several).
    #[arg(long = "segment", value_name = "S")]
    pub segments: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Jsonl,
    Csv,
}

pub fn run(global: &Global, args: Args) -> Outcome {
    let kind = EntityKind::from(args.kind);
    let workspace = global.open(false)?;
    let mut selected = if args.segments.is_empty() {
        workspace.all_rows(kind)
    } else {
        fixedbitset::FixedBitSet::with_capacity(workspace.engine().table(kind).rows())
    };
    for name in &args.segments {
        let (segment_kind, members) = workspace
            .members(name)
            .ok_or_else(|| CliError::UnknownSegment { name: name.clone() })?;
        if segment_kind != kind {
            return Err(CliError::SegmentOfOtherKind {
                name: name.clone(),
                segment_kind,
                kind,
            });
        }
        selected.union_with(members);
    }
    let rows = workspace.rows_in_id_order(kind, &selected);
    let entities: Vec<EntityView> = rows
        .iter()
        .map(|&row| workspace.entity_at(kind, row))
        .collect();
    let format = match args.format {
        Format::Jsonl => EntityFormat::Jsonl,
        Format::Csv => EntityFormat::Csv,
    };
    print_entities(&entities, format, None)
}
