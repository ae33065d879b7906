//! `segscope views`: the saved views, with their kind, whether each is a
//! list or a stage board, its filter, columns, sort and origin. The rows
//! of one are `segscope query --view NAME`'s.

use super::output::{ListFormat, finish_output, print_table, write_records};
use super::{Global, KindArg, Outcome};
use crate::lang::format::format_condition;
use crate::model::view::View;
use crate::model::{EntityKind, Scalar, format_instant};
use crate::workspace::ViewSummary;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only views of this kind.
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// The output format [default: table on a terminal, jsonl otherwise].
    #[arg(long, value_enum)]
    pub format: Option<ListFormat>,
}

pub fn run(global: &Global, args: Args) -> Outcome {
    let workspace = global.open_existing(false)?;
    let kind = args.kind.map(EntityKind::from);
    let views: Vec<ViewSummary> = workspace
        .views()
        .into_iter()
        .filter(|summary| kind.is_none_or(|k| k == summary.view.kind))
        .collect();
    let result = match ListFormat::or_default(args.format) {
        ListFormat::Table => {
            let rows: Vec<Vec<String>> = views
                .iter()
                .map(|summary| {
                    let view = &summary.view;
                    vec![
                        view.name.clone(),
                        view.kind.to_string(),
                        layout(view),
                        filter_text(view).unwrap_or_default(),
                        view.columns.join(", "),
                        sort_text(view).unwrap_or_default(),
                        summary.origin.to_string(),
                    ]
                })
                .collect();
            print_table(
                &[
                    "NAME", "KIND", "LAYOUT", "FILTER", "COLUMNS", "SORT", "ORIGIN",
                ],
                &rows,
            )
        }
        format => {
            let records: Vec<serde_json::Value> = views.iter().map(record).collect();
            let columns = [
                "name",
                "kind",
                "layout",
                "description",
                "filter",
                "columns",
                "sort",
                "stages",
                "origin",
                "updated_at",
            ];
            write_records(format, &columns, records)
        }
    };
    finish_output(result)
}

/// `list`, or `stages by <property>` for a stage board.
fn layout(view: &View) -> String {
    match &view.stages {
        Some(stages) => format!("stages by {}", stages.property),
        None => "list".to_string(),
    }
}

fn filter_text(view: &View) -> Option<String> {
    view.filter.as_ref().map(format_condition)
}

/// `last_seen_at desc`.
fn sort_text(view: &View) -> Option<String> {
    view.sort
        .as_ref()
        .map(|sort| format!("{} {}", sort.property, sort.order.word()))
}

/// One view as a JSON object (`sort` and `stages` as objects, or null).
fn record(summary: &ViewSummary) -> serde_json::Value {
    let view = &summary.view;
    let sort = view
        .sort
        .as_ref()
        .map(|sort| serde_json::json!({ "property": sort.property, "order": sort.order.word() }));
    let stages = view.stages.as_ref().map(|stages| {
        let values: Vec<serde_json::Value> = stages.values.iter().map(Scalar::to_json).collect();
        serde_json::json!({ "property": stages.property, "values": values })
    });
    serde_json::json!({
        "name": view.name,
        "kind": view.kind.as_str(),
        "layout": if view.stages.is_some() { "stages" } else { "list" },
        "description": view.description,
        "filter": filter_text(view),
        "columns": view.columns,
        "sort": sort,
        "stages": stages,
        "origin": summary.origin.to_string(),
        "updated_at": format_instant(summary.updated_at),
    })
}
