//! `segscope export --kind K`: every entity (or segment members) with its
//! properties and segments.

use clap::ValueEnum;

use super::output::EntityFormat;
use super::query::print_entities;
use super::{CliError, Global, KindArg, Outcome};
use crate::model::EntityKind;
use crate::workspace::{EntityView, MembersError};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which kind of entity to write.
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
    let workspace = global.open_existing(false)?;
    let selected = if args.segments.is_empty() {
        workspace.all_entities(kind)
    } else {
        workspace
            .members_of_any(kind, &args.segments)
            .map_err(|error| match error {
                MembersError::UnknownSegment(name) => CliError::UnknownSegment { name },
                MembersError::WrongKind {
                    segment,
                    segment_kind,
                    wanted,
                } => CliError::SegmentOfOtherKind {
                    name: segment,
                    segment_kind,
                    kind: wanted,
                },
            })?
    };
    let entities: Vec<EntityView> = selected
        .iter()
        .map(|entity| workspace.entity_at(entity))
        .collect();
    let format = match args.format {
        Format::Jsonl => EntityFormat::Jsonl,
        Format::Csv => EntityFormat::Csv,
    };
    print_entities(&entities, format, None)
}
