//! `segscope export --kind K`: every entity (or segment members) with its
//! properties and segments.

use super::output::{EntityFormat, ListFormat};
use super::query::{Listing, print_entities};
use super::{CliError, Global, KindArg, Outcome};
use crate::model::EntityKind;
use crate::workspace::{EntityView, MembersError};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which kind of entity to write.
    #[arg(long, value_enum)]
    pub kind: KindArg,
    /// The output format [default: table on a terminal, jsonl otherwise];
    /// jsonl and csv import back to the same values.
    #[arg(long, value_enum)]
    pub format: Option<ListFormat>,
    /// Only members of this segment (repeat for any of several).
    #[arg(long = "segment", value_name = "S")]
    pub segments: Vec<String>,
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
    let format = match ListFormat::or_default(args.format) {
        ListFormat::Table => EntityFormat::Table,
        ListFormat::Json => EntityFormat::Json,
        ListFormat::Jsonl => EntityFormat::Jsonl,
        ListFormat::Csv => EntityFormat::Csv,
    };
    let properties = match format {
        EntityFormat::Table | EntityFormat::Csv => workspace.property_names(kind),
        _ => Vec::new(),
    };
    let listing = Listing {
        kind,
        properties: &properties,
        columns: None,
    };
    print_entities(&listing, &entities, format)
}
