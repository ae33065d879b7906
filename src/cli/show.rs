//! `segscope show --kind K ID`: one entity in full.

use super::output::{entity_json, finish_output, write_stdout};
use super::{CliError, Global, KindArg, Outcome};
use crate::model::EntityKind;
use crate::model::{format_instant, visible};
use crate::workspace::HistoryFilter;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which kind of entity the id names.
    #[arg(long, value_enum)]
    pub kind: KindArg,
    pub id: String,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

pub use super::output::TableOrJson as Format;

pub fn run(global: &Global, args: Args) -> Outcome {
    let kind = EntityKind::from(args.kind);
    let workspace = global.open_existing(false)?;
    let entity = workspace
        .entity(kind, &args.id)
        .ok_or_else(|| CliError::UnknownEntity {
            kind,
            id: args.id.clone(),
        })?;
    let history = workspace.history(&HistoryFilter {
        kind: Some(kind),
        id: Some(args.id.clone()),
        ..HistoryFilter::default()
    })?;
    match args.format {
        Format::Json => {
            let mut object = entity_json(&entity, None);
            if let serde_json::Value::Object(map) = &mut object {
                if let Some(account) = &entity.account {
                    map.insert("account".into(), serde_json::json!(account));
                }
                if let Some(users) = entity.users {
                    map.insert("users_count".into(), serde_json::json!(users));
                }
                let events: Vec<serde_json::Value> = history
                    .iter()
                    .map(|e| {
                        serde_json::json!({
                            "at": format_instant(e.at),
                            "segment": e.segment,
                            "event": if e.entered { "entered" } else { "exited" },
                        })
                    })
                    .collect();
                map.insert("history".into(), serde_json::Value::Array(events));
            }
            finish_output(write_stdout(&format!("{object}\n")))
        }
        Format::Table => {
            let mut lines = vec![format!("{} {}", kind.singular(), entity.id)];
            for (name, value) in &entity.properties {
                lines.push(format!("  {name}: {value}"));
            }
            lines.push(format!("  segments: {}", entity.segments.join(", ")));
            match (&entity.account, entity.users, kind) {
                (Some(account), _, EntityKind::Users) => lines.push(format!("account {account}")),
                (None, _, EntityKind::Users) => lines.push("account: none".to_string()),
                (_, Some(users), _) => lines.push(format!("users: {users}")),
                _ => {}
            }
            lines.push("history:".to_string());
            if history.is_empty() {
                lines.push("  (no membership changes recorded)".to_string());
            }
            for event in &history {
                let what = if event.entered { "entered" } else { "exited " };
                lines.push(format!(
                    "  {}  {what} {}",
                    format_instant(event.at),
                    event.segment
                ));
            }
            finish_output(write_lines(&lines))
        }
    }
}

fn write_lines(lines: &[String]) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    for line in lines {
        // One line each: a newline in a value is written out, not obeyed.
        writeln!(out, "{}", visible(line))?;
    }
    Ok(())
}
