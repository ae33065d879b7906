//! `segscope segments`: segments with kind, member count and description.

use super::output::{finish_output, print_table, write_stdout};
use super::{Global, KindArg, Outcome};
use crate::model::EntityKind;
use crate::model::format_instant;
use crate::model::format_share;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only segments of this kind.
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

pub use super::output::TableOrJson as Format;

pub fn run(global: &Global, args: Args) -> Outcome {
    let workspace = global.open_existing(false)?;
    let kind = args.kind.map(EntityKind::from);
    let segments: Vec<_> = workspace
        .segments()
        .into_iter()
        .filter(|s| kind.is_none_or(|k| k == s.kind))
        .collect();
    let result = match args.format {
        Format::Table => {
            let rows: Vec<Vec<String>> = segments
                .iter()
                .map(|s| {
                    vec![
                        s.name.clone(),
                        s.kind.to_string(),
                        s.members.to_string(),
                        format_share(s.members, s.of),
                        s.description.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            print_table(&["NAME", "KIND", "MEMBERS", "SHARE", "DESCRIPTION"], &rows)
        }
        Format::Json => {
            let list: Vec<serde_json::Value> = segments
                .iter()
                .map(|s| {
                    serde_json::json!({
                        "name": s.name,
                        "kind": s.kind.as_str(),
                        "members": s.members,
                        "of": s.of,
                        "description": s.description,
                        "origin": s.origin.to_string(),
                        "updated_at": format_instant(s.updated_at),
                    })
                })
                .collect();
            write_stdout(&format!("{}\n", serde_json::Value::Array(list)))
        }
    };
    finish_output(result)
}
