//! `segscope query --kind K 'CONDITION'`: the entities matching a condition.

use super::output::{
    EntityFormat, entity_cell, entity_columns, entity_json, finish_output, print_table, write_csv,
    write_json_lines, write_stdout,
};
use super::source::stderr_color;
use super::{CliError, Global, KindArg, Outcome};
use crate::lang::Renderer;
use crate::model::{EntityKind, format_count};
use crate::workspace::EntityView;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which kind of entity the condition is about.
    #[arg(long, value_enum)]
    pub kind: KindArg,
    /// A condition in the segscope language, such as 'plan = "pro" and seats > 10'.
    pub condition: String,
    /// The output format [default: table on a terminal, jsonl otherwise].
    #[arg(long, value_enum)]
    pub format: Option<EntityFormat>,
    /// Only these properties (comma-separated), besides id.
    #[arg(long, value_delimiter = ',', value_name = "a,b")]
    pub columns: Option<Vec<String>>,
    /// At most this many entities.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

pub fn run(global: &Global, args: Args) -> Outcome {
    let kind = EntityKind::from(args.kind);
    let workspace = global.open_existing(false)?;
    for column in args.columns.iter().flatten() {
        workspace
            .check_property_name(kind, column)
            .map_err(|reason| CliError::UnknownColumn { reason })?;
    }
    let renderer = Renderer {
        origin: "condition",
        text: &args.condition,
        color: stderr_color(),
    };
    let matching = match workspace.query(kind, &args.condition) {
        Ok(rows) => rows,
        Err(diagnostics) => {
            eprint!("{}", renderer.render_all(&diagnostics));
            return Err(CliError::InvalidCondition);
        }
    };
    let warnings = workspace.condition_warnings(kind, &args.condition);
    if !warnings.is_empty() {
        eprint!("{}", renderer.render_all(&warnings));
    }
    let total = matching.len();
    let entities: Vec<EntityView> = matching
        .page(0, args.limit.unwrap_or(usize::MAX))
        .map(|entity| workspace.entity_at(entity))
        .collect();
    let format = EntityFormat::or_default(args.format);
    let needs_columns = matches!(format, EntityFormat::Table | EntityFormat::Csv);
    let properties = if needs_columns && args.columns.is_none() {
        workspace.property_names(kind)
    } else {
        Vec::new()
    };
    let listing = Listing {
        kind,
        properties: &properties,
        columns: args.columns.as_deref(),
    };
    print_entities(&listing, &entities, format)?;
    if format == EntityFormat::Table {
        let shown = if entities.len() < total {
            format!(
                "; showing {} of {}",
                format_count(entities.len() as u64),
                format_count(total as u64)
            )
        } else {
            String::new()
        };
        eprintln!(
            "{} of {} {kind} match{shown}",
            format_count(total as u64),
            format_count(workspace.entity_count(kind) as u64)
        );
    }
    Ok(())
}

/// What a listing of entities shows: their kind, the kind's properties
/// (every column a table or CSV may have) and the columns chosen.
pub struct Listing<'a> {
    pub kind: EntityKind,
    pub properties: &'a [String],
    pub columns: Option<&'a [String]>,
}

/// Prints entities in one of the listing formats.
pub fn print_entities(listing: &Listing, entities: &[EntityView], format: EntityFormat) -> Outcome {
    let columns = listing.columns;
    let all_columns = || entity_columns(listing.kind, listing.properties, columns);
    let result = match format {
        EntityFormat::Table => {
            let columns = all_columns();
            let headers: Vec<&str> = columns.iter().map(String::as_str).collect();
            let rows: Vec<Vec<String>> = entities
                .iter()
                .map(|e| columns.iter().map(|c| entity_cell(e, c)).collect())
                .collect();
            print_table(&headers, &rows)
        }
        EntityFormat::Json => {
            let list: Vec<serde_json::Value> =
                entities.iter().map(|e| entity_json(e, columns)).collect();
            write_stdout(&format!("{}\n", serde_json::Value::Array(list)))
        }
        EntityFormat::Jsonl => write_json_lines(entities.iter().map(|e| entity_json(e, columns))),
        EntityFormat::Csv => write_csv(entities, &all_columns()),
        EntityFormat::Ids => {
            let ids: Vec<&str> = entities.iter().map(|e| e.id.as_str()).collect();
            let mut text = ids.join("\n");
            if !text.is_empty() {
                text.push('\n');
            }
            write_stdout(&text)
        }
    };
    finish_output(result)
}
