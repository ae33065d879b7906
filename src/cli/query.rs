//! `segscope query --kind K 'CONDITION'`: the entities matching a condition;
//! `segscope query --view NAME`: the rows of a saved view (its filter, its
//! columns, its sort).

use super::output::note;
use std::collections::HashMap;

use super::output::{
    EntityFormat, entity_cell, entity_columns, entity_json, finish_output, print_table, write_csv,
    write_json_lines, write_lines, write_stdout,
};
use super::source::stderr_color;
use super::{CliError, Global, KindArg, Outcome};
use crate::lang::Renderer;
use crate::lang::validate::did_you_mean;
use crate::model::view::View;
use crate::model::{EntityKind, format_count};
use crate::workspace::{EntitySet, EntityView, Workspace};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which kind of entity the condition is about (not with --view: a view
    /// has its own kind).
    #[arg(
        long,
        value_enum,
        required_unless_present = "view",
        conflicts_with = "view"
    )]
    pub kind: Option<KindArg>,
    /// A condition in the segscope language, such as 'plan = "pro" and seats > 10'.
    #[arg(required_unless_present = "view", conflicts_with = "view")]
    pub condition: Option<String>,
    /// Print the rows of this saved view (see `segscope views`) instead: its
    /// filter as of --now, its columns (unless --columns is given) and its
    /// sort. The name is compared ignoring case.
    #[arg(long, value_name = "NAME")]
    pub view: Option<String>,
    /// The output format [default: table on a terminal, jsonl otherwise].
    #[arg(long, value_enum)]
    pub format: Option<EntityFormat>,
    /// Only these properties (comma-separated), besides id; for users,
    /// `account.<name>` is the account's property.
    #[arg(long, value_delimiter = ',', value_name = "a,b")]
    pub columns: Option<Vec<String>>,
    /// At most this many entities.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

pub fn run(global: &Global, args: Args) -> Outcome {
    let format = EntityFormat::or_default(args.format);
    // Printing ids reads no entity's `segments`: only the segments the
    // condition names need evaluating as of --now.
    let workspace = match (&args.condition, args.kind) {
        (Some(condition), Some(kind)) if format == EntityFormat::Ids => {
            let mut workspace = global.open_to_query()?;
            workspace.evaluate_segments_read_by(kind.into(), condition);
            workspace
        }
        _ => global.open_existing(false)?,
    };
    let (matching, kind, columns, what) = match (&args.view, args.kind, &args.condition) {
        (Some(name), _, _) => {
            let (rows, view, columns) = view_rows(&workspace, name, args.columns.clone())?;
            (
                rows,
                view.kind,
                columns,
                format!("in view \"{}\"", view.name),
            )
        }
        (None, Some(kind), Some(condition)) => {
            let kind = EntityKind::from(kind);
            let rows = condition_rows(&workspace, kind, condition, args.columns.as_deref())?;
            (rows, kind, args.columns.clone(), "match".to_string())
        }
        // clap requires a kind and a condition without --view.
        _ => return Err(CliError::InvalidCondition),
    };
    if format == EntityFormat::Ids {
        // Only the ids: nothing else of an entity is read.
        let rows = matching.page(0, args.limit.unwrap_or(usize::MAX));
        return finish_output(write_lines(rows.map(|row| workspace.id_text(row))));
    }
    let total = matching.len();
    let entities: Vec<EntityView> = matching
        .page(0, args.limit.unwrap_or(usize::MAX))
        .map(|entity| workspace.entity_at(entity))
        .collect();
    let entities = with_account_columns(&workspace, entities, columns.as_deref());
    let needs_columns = matches!(format, EntityFormat::Table | EntityFormat::Csv);
    let properties = if needs_columns && columns.is_none() {
        workspace.property_names(kind)
    } else {
        Vec::new()
    };
    let listing = Listing {
        kind,
        properties: &properties,
        columns: columns.as_deref(),
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
        note!(
            "{} of {} {kind} {what}{shown}",
            format_count(total as u64),
            format_count(workspace.entity_count(kind) as u64)
        );
    }
    Ok(())
}

/// The entities matching a condition typed on the command line; its errors
/// and warnings are printed under it.
fn condition_rows(
    workspace: &Workspace,
    kind: EntityKind,
    condition: &str,
    columns: Option<&[String]>,
) -> Result<EntitySet, CliError> {
    for column in columns.into_iter().flatten() {
        workspace
            .check_property_name(kind, column)
            .map_err(|reason| CliError::UnknownColumn { reason })?;
    }
    let renderer = Renderer {
        origin: "condition",
        text: condition,
        color: stderr_color(),
    };
    let matching = match workspace.query(kind, condition) {
        Ok(rows) => rows,
        Err(diagnostics) => {
            eprint!("{}", renderer.render_all(&diagnostics));
            return Err(CliError::InvalidCondition);
        }
    };
    let warnings = workspace.condition_warnings(kind, condition);
    if !warnings.is_empty() {
        eprint!("{}", renderer.render_all(&warnings));
    }
    Ok(matching)
}

/// A saved view's rows in its sort (id order without one), the view and
/// the columns to show: `--columns` when given, else the view's (none:
/// every property).
fn view_rows(
    workspace: &Workspace,
    name: &str,
    columns: Option<Vec<String>>,
) -> Result<(EntitySet, View, Option<Vec<String>>), CliError> {
    let Some(summary) = workspace.view(name) else {
        let views = workspace.views();
        let suggestion = did_you_mean(name, views.iter().map(|s| s.view.name.as_str()));
        return Err(CliError::UnknownView {
            name: name.to_string(),
            suggestion: suggestion.map(str::to_string),
        });
    };
    let view = summary.view;
    for column in columns.iter().flatten() {
        workspace
            .check_property_name(view.kind, column)
            .map_err(|reason| CliError::UnknownColumn { reason })?;
    }
    let rows = workspace.view_rows(&view).map_err(|diagnostics| {
        let reasons: Vec<String> = diagnostics.into_iter().map(|d| d.message).collect();
        CliError::BrokenView {
            name: view.name.clone(),
            reason: reasons.join("; "),
        }
    })?;
    let rows = match &view.sort {
        Some(key) => workspace.sorted(&rows, key),
        None => rows,
    };
    let columns = columns.or_else(|| (!view.columns.is_empty()).then(|| view.columns.clone()));
    Ok((rows, view, columns))
}

/// Users with their account's properties as `account.<name>` for the
/// columns that ask for them (the account read once however many of its
/// users are listed).
fn with_account_columns(
    workspace: &Workspace,
    entities: Vec<EntityView>,
    columns: Option<&[String]>,
) -> Vec<EntityView> {
    let wanted: Vec<(&String, &str)> = columns
        .into_iter()
        .flatten()
        .filter_map(|column| Some((column, column.strip_prefix("account.")?)))
        .collect();
    if wanted.is_empty() {
        return entities;
    }
    let mut accounts: HashMap<String, Option<EntityView>> = HashMap::new();
    entities
        .into_iter()
        .map(|mut entity| {
            let Some(account_id) = entity.account.clone() else {
                return entity;
            };
            let account = accounts
                .entry(account_id)
                .or_insert_with_key(|id| workspace.entity(EntityKind::Accounts, id));
            if let Some(account) = account {
                for (column, property) in &wanted {
                    if let Some(value) = account.properties.get(*property) {
                        entity.properties.insert((*column).clone(), value.clone());
                    }
                }
            }
            entity
        })
        .collect()
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
