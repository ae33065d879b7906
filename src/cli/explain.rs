//! `segscope explain --kind K ID [SEGMENT]`: why an entity is or is not in a
//! segment (or in each segment of its kind) — the clause that decided it
//! and the values compared — as an indented table or one JSON document.
//! The answer is the workspace's ([`Workspace::explain`]); this file only
//! lays it out.

use super::output::{TableOrJson, finish_output, write_stdout};
use super::{CliError, Global, KindArg, Outcome};
use crate::model::EntityKind;
use crate::workspace::{Clause, ExplainError, Explanation, WorkspaceError};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  segscope explain --kind users u-42 \"Champions\"\n  segscope explain --kind accounts acme --format json"
)]
pub struct Args {
    /// Which kind of entity the id names.
    #[arg(long, value_enum)]
    pub kind: KindArg,
    /// The entity's id.
    pub id: String,
    /// The segment (of the same kind); without it, every segment of the
    /// kind, in name order.
    pub segment: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: TableOrJson,
}

pub fn run(global: &Global, args: Args) -> Outcome {
    let kind = EntityKind::from(args.kind);
    let workspace = global.open_existing(false)?;
    let explanations = match &args.segment {
        Some(segment) => vec![
            workspace
                .explain(kind, &args.id, segment)
                .map_err(cli_error)?,
        ],
        None => workspace.explain_all(kind, &args.id).map_err(cli_error)?,
    };
    let text = match args.format {
        TableOrJson::Json => {
            let document = match (&args.segment, explanations.as_slice()) {
                (Some(_), [one]) => explanation_json(one),
                _ => serde_json::json!({
                    "kind": kind.as_str(),
                    "id": args.id,
                    "segments": explanations.iter().map(explanation_json).collect::<Vec<_>>(),
                }),
            };
            format!("{document}\n")
        }
        TableOrJson::Table if explanations.is_empty() => {
            format!("there are no {} segments\n", kind.singular())
        }
        TableOrJson::Table => {
            let blocks: Vec<String> = explanations.iter().map(explanation_text).collect();
            blocks.join("\n")
        }
    };
    finish_output(write_stdout(&text))
}

fn cli_error(error: ExplainError) -> CliError {
    match error {
        ExplainError::UnknownEntity { kind, id } => CliError::UnknownEntity { kind, id },
        ExplainError::UnknownSegment { name } => CliError::UnknownSegment { name },
        ExplainError::WrongKind {
            segment,
            segment_kind,
            kind,
        } => CliError::SegmentOfOtherKind {
            name: segment,
            segment_kind,
            kind,
        },
        other @ ExplainError::Condition { .. } => {
            CliError::Workspace(WorkspaceError::Definitions(other.to_string()))
        }
    }
}

/// A block of text: the verdict, then the deciding clauses indented, each
/// with whether it holds and the values it compared.
fn explanation_text(explanation: &Explanation) -> String {
    let verdict = if explanation.member {
        "is in"
    } else {
        "is not in"
    };
    let mut out = format!(
        "{} {} {verdict} \"{}\"\n",
        explanation.kind.singular(),
        explanation.id,
        explanation.segment
    );
    clause_lines(&explanation.deciding, 1, &mut out);
    out
}

fn clause_lines(clause: &Clause, depth: usize, out: &mut String) {
    let indent = "  ".repeat(depth);
    let holds = if clause.holds { "true " } else { "false" };
    out.push_str(&format!("{indent}{holds}  {}\n", clause.text));
    if let Some(values) = &clause.values {
        out.push_str(&format!("{indent}       {values}\n"));
    }
    for inner in &clause.because {
        clause_lines(inner, depth + 1, out);
    }
    if let Some(inside) = &clause.inside {
        clause_lines(inside, depth + 2, out);
    }
}

fn explanation_json(explanation: &Explanation) -> serde_json::Value {
    serde_json::json!({
        "segment": explanation.segment,
        "kind": explanation.kind.as_str(),
        "id": explanation.id,
        "member": explanation.member,
        "condition": explanation.condition,
        "summary": explanation.summary(),
        "deciding": clause_json(&explanation.deciding),
    })
}

fn clause_json(clause: &Clause) -> serde_json::Value {
    let mut object = serde_json::json!({
        "clause": clause.text,
        "holds": clause.holds,
    });
    if let serde_json::Value::Object(map) = &mut object {
        if let Some(values) = &clause.values {
            map.insert("values".into(), serde_json::json!(values));
        }
        if !clause.because.is_empty() {
            let because: Vec<serde_json::Value> = clause.because.iter().map(clause_json).collect();
            map.insert("because".into(), serde_json::Value::Array(because));
        }
        if let Some(inside) = &clause.inside {
            map.insert("inside".into(), clause_json(inside));
        }
    }
    object
}
