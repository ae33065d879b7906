//! `segscope playbooks`: the playbooks with their trigger, actions, fires
//! in the last 24 hours and pending deliveries; `--runs NAME` lists one
//! playbook's firings with each action's result; `--log` the activity log;
//! `--disable NAME` / `--enable NAME [--catch-up]` switch one off and on.

use super::output::note;
use serde_json::json;

use super::deliver::{activity_line, report_and_deliver};
use super::output::{ListFormat, finish_output, print_table, write_records};
use super::{CliError, Global, Outcome};
use crate::model::format_instant;
use crate::model::playbook_run::{ActionState, Activity, Firing};
use crate::workspace::{PlaybookFailure, PlaybookSummary};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// List this playbook's firings, newest first: the entity, when, and
    /// each action's result (done, pending with its next try, failed with
    /// the reason).
    #[arg(long, value_name = "NAME", conflicts_with_all = ["log", "enable", "disable"])]
    pub runs: Option<String>,
    /// List the activity log, newest first: `log` actions, chains of
    /// firings stopped, webhooks given up.
    #[arg(long, conflicts_with_all = ["enable", "disable"])]
    pub log: bool,
    /// Disable a playbook: it fires no more until enabled again.
    #[arg(long, value_name = "NAME", conflicts_with = "enable")]
    pub disable: Option<String>,
    /// Enable a playbook again. Entities that started to match while it
    /// was disabled do not fire, unless --catch-up.
    #[arg(long, value_name = "NAME")]
    pub enable: Option<String>,
    /// With --enable: fire for every entity that started to match while
    /// the playbook was disabled.
    #[arg(long, requires = "enable")]
    pub catch_up: bool,
    /// The most firings (--runs) or log entries (--log) listed.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// The output format [default: table on a terminal, jsonl otherwise].
    #[arg(long, value_enum)]
    pub format: Option<ListFormat>,
}

pub fn run(global: &Global, args: Args) -> Outcome {
    if let Some(name) = &args.disable {
        let mut workspace = global.open_existing(true)?;
        if is_enabled(&workspace, name)? == Some(false) {
            note!(
                "playbook \"{}\" is already disabled",
                canonical_name(&workspace, name)
            );
            return Ok(());
        }
        workspace
            .disable_playbook(name)
            .map_err(|error| playbook_error(&workspace, error))?;
        note!("disabled playbook \"{}\"", canonical_name(&workspace, name));
        report_and_deliver(&mut workspace)?;
        return Ok(());
    }
    if let Some(name) = &args.enable {
        let mut workspace = global.open_existing(true)?;
        if is_enabled(&workspace, name)? == Some(true) {
            note!(
                "playbook \"{}\" is already enabled",
                canonical_name(&workspace, name)
            );
            return Ok(());
        }
        workspace
            .enable_playbook(name, args.catch_up)
            .map_err(|error| playbook_error(&workspace, error))?;
        let how = if args.catch_up {
            "; entities that started to match meanwhile fired"
        } else {
            "; entities that started to match meanwhile did not fire (--catch-up would)"
        };
        note!(
            "enabled playbook \"{}\"{how}",
            canonical_name(&workspace, name)
        );
        report_and_deliver(&mut workspace)?;
        return Ok(());
    }
    let workspace = global.open_existing(false)?;
    let format = ListFormat::or_default(args.format);
    let result = if let Some(name) = &args.runs {
        let Some(playbook) = workspace.playbook(name) else {
            return Err(unknown(&workspace, name));
        };
        let firings = workspace.playbook_firings(&playbook.name, args.limit)?;
        match format {
            ListFormat::Table => firings_table(&firings),
            format => write_records(
                format,
                &["id", "playbook", "kind", "entity", "at", "depth", "actions"],
                firings.iter().map(firing_record).collect(),
            ),
        }
    } else if args.log {
        let activity = workspace.activity(args.limit)?;
        match format {
            ListFormat::Table => activity_table(&activity),
            format => write_records(
                format,
                &["at", "level", "playbook", "kind", "entity", "message"],
                activity.iter().map(activity_record).collect(),
            ),
        }
    } else {
        let playbooks = workspace.playbooks()?;
        match format {
            ListFormat::Table => playbooks_table(&playbooks),
            format => write_records(
                format,
                &[
                    "name",
                    "kind",
                    "enabled",
                    "when",
                    "runs",
                    "skip_existing",
                    "actions",
                    "fired_last_24h",
                    "pending_deliveries",
                    "matching_now",
                    "description",
                ],
                playbooks.iter().map(playbook_record).collect(),
            ),
        }
    };
    finish_output(result)
}

/// Whether a playbook is enabled; `None` when there is none of that name.
fn is_enabled(
    workspace: &crate::workspace::Workspace,
    name: &str,
) -> Result<Option<bool>, CliError> {
    let folded = crate::model::fold_name(name);
    Ok(workspace
        .playbooks()?
        .into_iter()
        .find(|summary| crate::model::fold_name(&summary.playbook.name) == folded)
        .map(|summary| summary.enabled))
}

fn canonical_name(workspace: &crate::workspace::Workspace, name: &str) -> String {
    workspace
        .playbook(name)
        .map_or_else(|| name.to_string(), |playbook| playbook.name.clone())
}

fn unknown(workspace: &crate::workspace::Workspace, name: &str) -> CliError {
    CliError::UnknownPlaybook {
        name: name.to_string(),
        known: workspace
            .playbooks()
            .unwrap_or_default()
            .into_iter()
            .map(|summary| summary.playbook.name)
            .collect(),
    }
}

fn playbook_error(workspace: &crate::workspace::Workspace, error: PlaybookFailure) -> CliError {
    match error {
        PlaybookFailure::Unknown(name) => unknown(workspace, &name),
        PlaybookFailure::Workspace(error) => error.into(),
        other => CliError::Playbook(other.to_string()),
    }
}

fn playbooks_table(playbooks: &[PlaybookSummary]) -> std::io::Result<()> {
    let rows: Vec<Vec<String>> = playbooks
        .iter()
        .map(|summary| {
            vec![
                summary.playbook.name.clone(),
                summary.playbook.kind.as_str().to_string(),
                if summary.enabled { "on" } else { "off" }.to_string(),
                summary.trigger.clone(),
                summary.actions.join("; "),
                summary.fired_last_day.to_string(),
                summary.pending_deliveries.to_string(),
                summary.matching_now.to_string(),
            ]
        })
        .collect();
    print_table(
        &[
            "PLAYBOOK",
            "KIND",
            "ENABLED",
            "WHEN",
            "ACTIONS",
            "FIRED 24H",
            "PENDING",
            "MATCHING",
        ],
        &rows,
    )
}

fn playbook_record(summary: &PlaybookSummary) -> serde_json::Value {
    json!({
        "name": summary.playbook.name,
        "kind": summary.playbook.kind.as_str(),
        "enabled": summary.enabled,
        "when": summary.trigger,
        "runs": summary.playbook.runs.words(),
        "skip_existing": summary.playbook.skip_existing,
        "actions": summary.actions,
        "fired_last_24h": summary.fired_last_day,
        "pending_deliveries": summary.pending_deliveries,
        "matching_now": summary.matching_now,
        "description": summary.playbook.description,
    })
}

/// An action's state in words: `done`, `pending (try 2 at …: reason)`,
/// `failed after 3 tries: reason`.
pub fn state_text(state: &ActionState) -> String {
    match state {
        ActionState::Done { .. } => "done".to_string(),
        ActionState::Pending {
            attempts,
            next_try,
            last_error,
        } => {
            let reason = last_error
                .as_ref()
                .map_or_else(String::new, |reason| format!(": {reason}"));
            format!(
                "pending (try {} from {}){reason}",
                attempts + 1,
                format_instant(*next_try)
            )
        }
        ActionState::Failed {
            attempts, reason, ..
        } => format!(
            "failed after {attempts} tr{}: {reason}",
            if *attempts == 1 { "y" } else { "ies" }
        ),
    }
}

fn firings_table(firings: &[Firing]) -> std::io::Result<()> {
    let mut rows = Vec::new();
    for firing in firings {
        for (index, action) in firing.actions.iter().enumerate() {
            let (id, entity, at) = if index == 0 {
                (
                    firing.id.to_string(),
                    format!("{} {}", firing.kind.singular(), firing.entity),
                    format_instant(firing.at),
                )
            } else {
                Default::default()
            };
            rows.push(vec![
                id,
                at,
                entity,
                action.action.clone(),
                state_text(&action.state),
            ]);
        }
    }
    print_table(&["FIRING", "AT", "ENTITY", "ACTION", "RESULT"], &rows)
}

fn firing_record(firing: &Firing) -> serde_json::Value {
    json!({
        "id": firing.id,
        "playbook": firing.playbook,
        "kind": firing.kind.as_str(),
        "entity": firing.entity,
        "at": format_instant(firing.at),
        "depth": firing.depth,
        "actions": firing.actions.iter().map(|action| {
            let mut record = json!({
                "action": action.action,
                "result": action.state.label(),
            });
            match &action.state {
                ActionState::Done { at } => record["done_at"] = json!(format_instant(*at)),
                ActionState::Pending { attempts, next_try, last_error } => {
                    record["attempts"] = json!(attempts);
                    record["next_try"] = json!(format_instant(*next_try));
                    record["last_error"] = json!(last_error);
                }
                ActionState::Failed { at, attempts, reason } => {
                    record["failed_at"] = json!(format_instant(*at));
                    record["attempts"] = json!(attempts);
                    record["reason"] = json!(reason);
                }
            }
            record
        }).collect::<Vec<_>>(),
    })
}

fn activity_table(activity: &[Activity]) -> std::io::Result<()> {
    let mut out = String::new();
    for entry in activity {
        out.push_str(&format!(
            "{}  {}\n",
            format_instant(entry.at),
            activity_line(entry)
        ));
    }
    use std::io::Write;
    std::io::stdout().lock().write_all(out.as_bytes())
}

fn activity_record(entry: &Activity) -> serde_json::Value {
    json!({
        "at": format_instant(entry.at),
        "level": match entry.level {
            crate::model::playbook_run::ActivityLevel::Info => "info",
            crate::model::playbook_run::ActivityLevel::Error => "error",
        },
        "playbook": entry.playbook,
        "kind": entry.entity.as_ref().map(|(kind, _)| kind.as_str()),
        "entity": entry.entity.as_ref().map(|(_, id)| id),
        "message": entry.message,
    })
}
