//! `segscope segments`: segments with kind, member count and description.

use super::output::{ListFormat, finish_output, print_table, write_records};
use super::{Global, KindArg, Outcome};
use crate::model::EntityKind;
use crate::model::{format_count, format_instant, format_share};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only segments of this kind.
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// The output format [default: table on a terminal, jsonl otherwise].
    #[arg(long, value_enum)]
    pub format: Option<ListFormat>,
}

pub fn run(global: &Global, args: Args) -> Outcome {
    let workspace = global.open_existing(false)?;
    let kind = args.kind.map(EntityKind::from);
    let segments: Vec<_> = workspace
        .segments()
        .into_iter()
        .filter(|s| kind.is_none_or(|k| k == s.kind))
        .collect();
    let result = match ListFormat::or_default(args.format) {
        ListFormat::Table => {
            let rows: Vec<Vec<String>> = segments
                .iter()
                .map(|s| {
                    vec![
                        s.name.clone(),
                        s.kind.to_string(),
                        format_count(s.members as u64),
                        format_share(s.members, s.of),
                        s.description.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            print_table(&["NAME", "KIND", "MEMBERS", "SHARE", "DESCRIPTION"], &rows)
        }
        format => {
            let records: Vec<serde_json::Value> = segments
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
            let columns = [
                "name",
                "kind",
                "members",
                "of",
                "description",
                "origin",
                "updated_at",
            ];
            write_records(format, &columns, records)
        }
    };
    finish_output(result)
}
