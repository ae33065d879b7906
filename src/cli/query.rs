//! `segscope query --kind K 'CONDITION'`: the entities matching a condition.

use super::output::{
    EntityFormat, entity_cell, entity_columns, entity_json, finish_output, print_table, write_csv,
    write_json_lines, write_stdout,
};
use super::source::stderr_color;
use super::{CliError, Global, KindArg, Outcome};
use crate::lang::Renderer;
use crate::model::EntityKind;
use crate::workspace::EntityView;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which kind of entity the condition is about.
    #[arg(long, value_enum)]
    pub kind: KindArg,
    /// A condition in the segscope language, such as 'plan = "pro" and seats > 10'.
    pub condition: String,
    #[arg(long, value_enum, default_value = "table")]
    pub format: EntityFormat,
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
    let matching = match workspace.query(kind, &args.condition) {
        Ok(rows) => rows,
        Err(diagnostics) => {
            let renderer = Renderer {
                origin: "condition",
                text: &args.condition,
                color: stderr_color(),
            };
            eprint!("{}", renderer.render_all(&diagnostics));
            return Err(CliError::InvalidCondition);
        }
    };
    let total = matching.len();
    let entities: Vec<EntityView> = matching
        .page(0, args.limit.unwrap_or(usize::MAX))
        .map(|entity| workspace.entity_at(entity))
        .collect();
    print_entities(&entities, args.format, args.columns.as_deref())?;
    if args.format == EntityFormat::Table {
        eprintln!("{} of {} {kind} match", total, workspace.entity_count(kind));
    }
    Ok(())
}

/// Prints entities in one of the listing formats.
pub fn print_entities(
    entities: &[EntityView],
    format: EntityFormat,
    columns: Option<&[String]>,
) -> Outcome {
    let result = match format {
        EntityFormat::Table => {
            let columns = entity_columns(entities, columns);
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
        EntityFormat::Csv => write_csv(entities, &entity_columns(entities, columns)),
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
