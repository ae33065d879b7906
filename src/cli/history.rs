//! `segscope history`: membership events, oldest first.

use super::output::{ListFormat, finish_output, print_table, write_records};
use super::{Global, InstantArg, KindArg, Outcome};
use crate::model::format_instant;
use crate::workspace::HistoryFilter;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only events of entities of this kind.
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// Only events of this entity.
    #[arg(long)]
    pub id: Option<String>,
    /// Only events of this segment.
    #[arg(long)]
    pub segment: Option<String>,
    /// Only events at or after this instant: a date, an RFC 3339 instant,
    /// or a relative time such as `1 hour ago` (as of --now or the clock).
    #[arg(long, value_name = "INSTANT", value_parser = super::parse_instant)]
    pub since: Option<InstantArg>,
    /// The output format [default: table on a terminal, jsonl otherwise].
    #[arg(long, value_enum)]
    pub format: Option<ListFormat>,
}

pub fn run(global: &Global, args: Args) -> Outcome {
    let workspace = global.open_existing(false)?;
    if let Some(segment) = &args.segment
        && !workspace.has_segment(segment)
        && !workspace
            .definitions()
            .iter()
            .any(|d| d.name.eq_ignore_ascii_case(segment))
    {
        eprintln!("note: there is no segment named \"{segment}\" now; showing its past events");
    }
    let filter = HistoryFilter {
        kind: args.kind.map(Into::into),
        id: args.id,
        segment: args.segment,
        since: args.since.map(|since| since.as_of(workspace.now())),
    };
    let events = workspace.history(&filter)?;
    let result = match ListFormat::or_default(args.format) {
        ListFormat::Table => {
            let rows: Vec<Vec<String>> = events
                .iter()
                .map(|e| {
                    vec![
                        format_instant(e.at),
                        (if e.entered { "entered" } else { "exited" }).to_string(),
                        e.segment.clone(),
                        e.kind.as_str().to_string(),
                        e.id.clone(),
                    ]
                })
                .collect();
            print_table(&["AT", "EVENT", "SEGMENT", "KIND", "ID"], &rows)
        }
        format => {
            let records = events.iter().map(|e| {
                serde_json::json!({
                    "at": format_instant(e.at),
                    "event": if e.entered { "entered" } else { "exited" },
                    "segment": e.segment,
                    "kind": e.kind.as_str(),
                    "id": e.id,
                })
            });
            let columns = ["at", "event", "segment", "kind", "id"];
            write_records(format, &columns, records.collect())
        }
    };
    finish_output(result)
}
