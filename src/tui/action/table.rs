//! The rows of THE command table, in the order help lists them, and the
//! lookups over them.

use super::{Action, Command, Scope};

const fn row(
    action: Action,
    scope: Scope,
    keys: &'static [&'static str],
    arguments: Option<&'static str>,
    help: &'static str,
) -> Command {
    Command {
        action,
        scope,
        keys,
        aliases: &[],
        arguments,
        help,
    }
}

/// Offered at the prompt, without arguments.
const PROMPT: Option<&str> = Some("");
/// Keys only.
const KEYS: Option<&str> = None;

pub const COMMANDS: &[Command] = &[
    row(
        Action::ForceQuit,
        Scope::Anywhere,
        &["ctrl-c"],
        KEYS,
        "quit at once, from anywhere",
    ),
    Command {
        aliases: &["q"],
        ..row(Action::Quit, Scope::Global, &["q"], PROMPT, "quit segscope")
    },
    row(
        Action::Help,
        Scope::Global,
        &["?"],
        PROMPT,
        "show this help",
    ),
    row(
        Action::Prompt,
        Scope::Global,
        &[":"],
        KEYS,
        "open the command prompt",
    ),
    row(
        Action::Messages,
        Scope::Global,
        &["M"],
        PROMPT,
        "show the message log, every message whole",
    ),
    row(
        Action::Close,
        Scope::Global,
        &["esc"],
        KEYS,
        "close the top overlay",
    ),
    row(
        Action::CancelJob,
        Scope::Global,
        &["ctrl-x"],
        PROMPT,
        "cancel the running job (an import cancelled writes nothing)",
    ),
    row(
        Action::NextScreen,
        Scope::Global,
        &["tab"],
        KEYS,
        "next screen",
    ),
    row(
        Action::PreviousScreen,
        Scope::Global,
        &["backtab"],
        KEYS,
        "previous screen",
    ),
    row(
        Action::Segments,
        Scope::Global,
        &["1"],
        PROMPT,
        "Segments screen",
    ),
    row(Action::Users, Scope::Global, &["2"], PROMPT, "Users screen"),
    row(
        Action::Accounts,
        Scope::Global,
        &["3"],
        PROMPT,
        "Accounts screen",
    ),
    row(
        Action::Stages,
        Scope::Global,
        &["4"],
        PROMPT,
        "Stages screen",
    ),
    row(
        Action::Destinations,
        Scope::Global,
        &["5"],
        PROMPT,
        "Destinations screen",
    ),
    row(
        Action::Playbooks,
        Scope::Global,
        &["6"],
        PROMPT,
        "Playbooks screen",
    ),
    row(
        Action::Apply,
        Scope::Global,
        &[],
        Some("FILE..."),
        "apply .seg files",
    ),
    row(
        Action::Import,
        Scope::Global,
        &[],
        Some("users|accounts FILE"),
        "import entities from .jsonl, .json or .csv (runs in the background)",
    ),
    row(Action::Up, Scope::List, &["k", "up"], KEYS, "move up"),
    row(Action::Down, Scope::List, &["j", "down"], KEYS, "move down"),
    row(
        Action::Top,
        Scope::List,
        &["g", "home"],
        KEYS,
        "go to the first row",
    ),
    row(
        Action::Bottom,
        Scope::List,
        &["G", "end"],
        KEYS,
        "go to the last row",
    ),
    row(
        Action::PageUp,
        Scope::List,
        &["pageup", "ctrl-u"],
        KEYS,
        "up a page",
    ),
    row(
        Action::PageDown,
        Scope::List,
        &["pagedown", "ctrl-d"],
        KEYS,
        "down a page",
    ),
    row(
        Action::NextKind,
        Scope::Segments,
        &["l", "right"],
        KEYS,
        "Accounts segments",
    ),
    row(
        Action::PreviousKind,
        Scope::Segments,
        &["h", "left"],
        KEYS,
        "Users segments",
    ),
    row(
        Action::New,
        Scope::Segments,
        &["n", "+"],
        PROMPT,
        "create a segment",
    ),
    row(
        Action::Edit,
        Scope::Segments,
        &["enter", "e"],
        PROMPT,
        "edit the selected segment",
    ),
    row(
        Action::Delete,
        Scope::Segments,
        &["d"],
        PROMPT,
        "delete the selected segment (asks first)",
    ),
    row(
        Action::Filter,
        Scope::Segments,
        &["/"],
        PROMPT,
        "filter segments by name",
    ),
    row(
        Action::ClearFilter,
        Scope::Segments,
        &["esc"],
        KEYS,
        "clear the name filter",
    ),
    row(
        Action::Save,
        Scope::Editor,
        &["ctrl-s"],
        KEYS,
        "save the segment or playbook",
    ),
    row(
        Action::Cancel,
        Scope::Editor,
        &["esc"],
        KEYS,
        "close the completion list, or the editor (asks when there are changes)",
    ),
    row(
        Action::NextField,
        Scope::Editor,
        &["tab"],
        KEYS,
        "next field, or take the completion",
    ),
    row(
        Action::PreviousField,
        Scope::Editor,
        &["backtab"],
        KEYS,
        "previous field",
    ),
    row(
        Action::NextSuggestion,
        Scope::Editor,
        &["down"],
        KEYS,
        "next completion, while the list is open (else the cursor moves)",
    ),
    row(
        Action::PreviousSuggestion,
        Scope::Editor,
        &["up"],
        KEYS,
        "previous completion, while the list is open",
    ),
    row(
        Action::Accept,
        Scope::TextLine,
        &["enter"],
        KEYS,
        "run the command, keep the filter, or take the chosen item",
    ),
    row(
        Action::Complete,
        Scope::TextLine,
        &["tab"],
        KEYS,
        "complete the command",
    ),
    row(
        Action::Dismiss,
        Scope::TextLine,
        &["esc"],
        KEYS,
        "close the prompt or the list, or clear the filter",
    ),
    row(
        Action::AddCondition,
        Scope::Views,
        &["a"],
        PROMPT,
        "add a condition to the filter: pick a property (or Segments), an operator, a value",
    ),
    row(
        Action::RawFilter,
        Scope::Views,
        &["/"],
        PROMPT,
        "type a condition in the language, checked as you type",
    ),
    row(
        Action::FocusFilter,
        Scope::Views,
        &["f"],
        KEYS,
        "select the filter's conditions (h/l choose, enter edits, x removes)",
    ),
    row(
        Action::PreviousCondition,
        Scope::Views,
        &["h", "left"],
        KEYS,
        "previous condition, while they are selected",
    ),
    row(
        Action::NextCondition,
        Scope::Views,
        &["l", "right"],
        KEYS,
        "next condition, while they are selected",
    ),
    row(
        Action::RemoveCondition,
        Scope::Views,
        &["x"],
        PROMPT,
        "remove the selected condition from the filter",
    ),
    row(
        Action::ShowFilter,
        Scope::Views,
        &["="],
        PROMPT,
        "show the whole filter as one condition of the language",
    ),
    row(
        Action::Open,
        Scope::Views,
        &["enter"],
        KEYS,
        "open the selected entity (or edit the selected condition)",
    ),
    row(
        Action::Views,
        Scope::Views,
        &["v"],
        PROMPT,
        "list the saved views and open one",
    ),
    row(
        Action::SaveView,
        Scope::Views,
        &["w"],
        Some("[NAME]"),
        "save the filter, columns and sort as a view",
    ),
    row(
        Action::Columns,
        Scope::Entities,
        &["c"],
        PROMPT,
        "choose the columns",
    ),
    row(
        Action::SortAscending,
        Scope::Entities,
        &["s"],
        Some("[PROPERTY]"),
        "sort by a column, ascending (missing values last)",
    ),
    row(
        Action::SortDescending,
        Scope::Entities,
        &["S"],
        Some("[PROPERTY]"),
        "sort by a column, descending (missing values last)",
    ),
    row(
        Action::NextItem,
        Scope::Picker,
        &["down", "ctrl-n"],
        KEYS,
        "next item",
    ),
    row(
        Action::PreviousItem,
        Scope::Picker,
        &["up", "ctrl-p"],
        KEYS,
        "previous item",
    ),
    row(
        Action::OpenLinked,
        Scope::Detail,
        &["enter"],
        KEYS,
        "open the selected account, user or segment's reasons",
    ),
    row(
        Action::EditProperty,
        Scope::Detail,
        &["e"],
        KEYS,
        "edit the selected property (a literal of the language; empty unsets it)",
    ),
    row(
        Action::Back,
        Scope::Detail,
        &["esc"],
        KEYS,
        "back to where the detail was opened from",
    ),
    row(
        Action::PreviousStage,
        Scope::Stages,
        &["h", "left"],
        KEYS,
        "the stage column to the left",
    ),
    row(
        Action::NextStage,
        Scope::Stages,
        &["l", "right"],
        KEYS,
        "the stage column to the right",
    ),
    row(
        Action::MoveCardBack,
        Scope::Stages,
        &["H", "<"],
        PROMPT,
        "move the selected card to the previous stage (sets the property)",
    ),
    row(
        Action::MoveCardForward,
        Scope::Stages,
        &["L", ">"],
        PROMPT,
        "move the selected card to the next stage (sets the property)",
    ),
    row(
        Action::StageProperty,
        Scope::Stages,
        &["p"],
        PROMPT,
        "make a board of another property (users' or accounts')",
    ),
    row(
        Action::SaveTicked,
        Scope::Picker,
        &["ctrl-s"],
        KEYS,
        "save what is ticked (a destination's segment filter; enter ticks, esc leaves it as it was)",
    ),
    row(
        Action::DryRun,
        Scope::Destinations,
        &["d"],
        Some("[NAME]"),
        "dry run: the plan of the selected destination (or NAME) — counts, requests, sample payloads; nothing is sent",
    ),
    row(
        Action::Sync,
        Scope::Destinations,
        &["S"],
        Some("[NAME]"),
        "sync now: send what changed to the selected destination (or NAME), in the background",
    ),
    row(
        Action::EditSegmentFilter,
        Scope::Destinations,
        &["enter", "e"],
        PROMPT,
        "edit the segment filter of the selected part (users or accounts): tick segments; none ticked sends everyone",
    ),
    row(
        Action::ToggleSegmentsEncoding,
        Scope::Destinations,
        &["m"],
        PROMPT,
        "send the selected part's Segments mapping as a List or as Multi-line text (saved at once)",
    ),
    row(
        Action::CancelSync,
        Scope::Destinations,
        &["c"],
        KEYS,
        "cancel the running sync or dry run (a sync stops after the current batch; what was sent is kept)",
    ),
    row(
        Action::DestinationUsers,
        Scope::Destinations,
        &["h", "left"],
        KEYS,
        "select the destination's users part (what e and m change)",
    ),
    row(
        Action::DestinationAccounts,
        Scope::Destinations,
        &["l", "right"],
        KEYS,
        "select the destination's accounts part (what e and m change)",
    ),
    row(
        Action::NextRun,
        Scope::Destinations,
        &["J"],
        KEYS,
        "the next (older) run of the history; its record errors show below",
    ),
    row(
        Action::PreviousRun,
        Scope::Destinations,
        &["K"],
        KEYS,
        "the previous (newer) run of the history",
    ),
    row(
        Action::ShowPlan,
        Scope::Destinations,
        &["p"],
        PROMPT,
        "show the last dry run's plan, or the run history again",
    ),
    row(
        Action::TogglePlaybook,
        Scope::Playbooks,
        &["space", "t"],
        Some("[NAME]"),
        "enable or disable the selected playbook (or NAME); enabling asks whether to fire for who started to match while it was off",
    ),
    row(
        Action::NewPlaybook,
        Scope::Playbooks,
        &["n", "+"],
        PROMPT,
        "create a playbook",
    ),
    row(
        Action::EditPlaybook,
        Scope::Playbooks,
        &["enter", "e"],
        Some("[NAME]"),
        "edit the selected playbook (or NAME)",
    ),
    row(
        Action::DeletePlaybook,
        Scope::Playbooks,
        &["d"],
        Some("[NAME]"),
        "delete the selected playbook (or NAME; asks first; its runs log stays)",
    ),
    row(
        Action::NextFiring,
        Scope::Playbooks,
        &["J"],
        KEYS,
        "the next (older) firing of the runs log",
    ),
    row(
        Action::PreviousFiring,
        Scope::Playbooks,
        &["K"],
        KEYS,
        "the previous (newer) firing of the runs log",
    ),
    row(
        Action::ToggleChoice,
        Scope::PlaybookEditor,
        &["space"],
        KEYS,
        "change the focused choice (kind, runs, skip existing); in a text field space is typed",
    ),
    row(
        Action::BuildCondition,
        Scope::PlaybookEditor,
        &["ctrl-b"],
        KEYS,
        "add a condition to `when` with the builder: a property (or Segments), an operator, a value",
    ),
    row(Action::Yes, Scope::Confirm, &["y", "enter"], KEYS, "yes"),
    row(
        Action::EnableWithoutFiring,
        Scope::Confirm,
        &["e"],
        KEYS,
        "enable the playbook without firing for who started to match while it was off",
    ),
    row(Action::No, Scope::Confirm, &["n", "esc"], KEYS, "no"),
    row(
        Action::Reload,
        Scope::Confirm,
        &["r"],
        KEYS,
        "reload from the file (when a file changed under the editor)",
    ),
];

/// The commands of a scope, in table order.
pub fn commands_in(scope: Scope) -> impl Iterator<Item = &'static Command> {
    COMMANDS
        .iter()
        .filter(move |command| command.scope == scope)
}

/// The prompt command a typed name stands for: a name or an alias.
pub fn prompt_command(name: &str) -> Option<&'static Command> {
    COMMANDS
        .iter()
        .filter(|c| c.at_prompt())
        .find(|command| command.action.name() == name || command.aliases.contains(&name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_one_row_and_a_name_that_reads_back() {
        let mut seen = std::collections::HashSet::new();
        for command in COMMANDS {
            assert!(seen.insert(command.action), "{:?} twice", command.action);
            let name = command.action.name();
            assert_eq!(Action::named(&name), Some(command.action), "{name}");
            assert!(name.chars().all(|c| c.is_ascii_lowercase() || c == '-'));
        }
        assert_eq!(Action::Quit.name(), "quit");
        assert_eq!(Action::PageDown.name(), "page-down");
        assert_eq!(Action::named("no-such-command"), None);
    }

    #[test]
    fn the_prompt_takes_names_and_aliases() {
        assert_eq!(prompt_command("q").map(|c| c.action), Some(Action::Quit));
        assert_eq!(prompt_command("edit").map(|c| c.action), Some(Action::Edit));
        assert!(prompt_command("up").is_none(), "keys only");
    }
}
