//! THE command table. Every command the user can give is one row here: the
//! action, where it applies (its scope), its default keys, the arguments it
//! takes at the `:` prompt and its help line. The key map, the prompt (and
//! its completion), the `?` help and every hint on screen are read from this
//! table, so none of them can drift from what the keys do. An action's name
//! (in `keys.toml` and at the prompt) is its serde name. This file has the
//! nouns (actions, scopes, a row's shape); `table` has the rows.

use serde::{Deserialize, Serialize};

mod table;

pub use table::{COMMANDS, commands_in, prompt_command};

/// Everything the user can ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    ForceQuit,
    Quit,
    Help,
    Prompt,
    Messages,
    Close,
    CancelJob,
    NextScreen,
    PreviousScreen,
    Segments,
    Users,
    Accounts,
    Stages,
    Destinations,
    Playbooks,
    Apply,
    Import,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    NextKind,
    PreviousKind,
    New,
    Edit,
    Delete,
    Filter,
    ClearFilter,
    Save,
    Cancel,
    NextField,
    PreviousField,
    NextSuggestion,
    PreviousSuggestion,
    Yes,
    No,
    Reload,
    Accept,
    Complete,
    Dismiss,
    AddCondition,
    RawFilter,
    FocusFilter,
    PreviousCondition,
    NextCondition,
    RemoveCondition,
    ShowFilter,
    Open,
    Views,
    SaveView,
    Columns,
    SortAscending,
    SortDescending,
    NextItem,
    PreviousItem,
    OpenLinked,
    EditProperty,
    Back,
    PreviousStage,
    NextStage,
    MoveCardBack,
    MoveCardForward,
    StageProperty,
    SaveTicked,
    DryRun,
    Sync,
    EditSegmentFilter,
    ToggleSegmentsEncoding,
    CancelSync,
    DestinationUsers,
    DestinationAccounts,
    NextRun,
    PreviousRun,
    ShowPlan,
    TogglePlaybook,
    NewPlaybook,
    EditPlaybook,
    DeletePlaybook,
    NextFiring,
    PreviousFiring,
    ToggleChoice,
    BuildCondition,
    EnableWithoutFiring,
}

impl Action {
    /// The name used by the `:` prompt and `keys.toml`: the serde name.
    pub fn name(self) -> String {
        match toml::Value::try_from(self) {
            Ok(toml::Value::String(name)) => name,
            _ => format!("{self:?}").to_lowercase(),
        }
    }

    /// The action of a name, as `keys.toml` and the prompt spell it.
    pub fn named(name: &str) -> Option<Action> {
        Action::deserialize(toml::Value::String(name.to_string())).ok()
    }

    /// This action's row of the table.
    pub fn command(self) -> &'static Command {
        COMMANDS
            .iter()
            .find(|command| command.action == self)
            .unwrap_or(&COMMANDS[0])
    }
}

/// Where a command's keys are looked up. Each part of the UI names the
/// scopes it reads, most specific first; a key is bound at most once per
/// scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Before anything else, text fields and overlays included.
    Anywhere,
    /// Outside text fields, when no overlay is open.
    Global,
    /// Lists, tables and scrolling overlays.
    List,
    /// The Segments screen.
    Segments,
    /// The segment editor.
    Editor,
    /// A one-line text field: the `:` prompt, a filter.
    TextLine,
    /// A yes/no question.
    Confirm,
    /// The filter bar and views of the Users, Accounts and Stages screens.
    Views,
    /// The Users and Accounts tables.
    Entities,
    /// An entity's detail.
    Detail,
    /// A list to pick from while typing (the condition builder, the
    /// column chooser, the raw filter's completion).
    Picker,
    /// The Stages board.
    Stages,
    /// The Destinations screen.
    Destinations,
    /// The Playbooks screen.
    Playbooks,
    /// The playbook editor (besides the editor's own keys).
    PlaybookEditor,
}

impl Scope {
    /// Every scope, in the order help lists them.
    pub const ALL: [Scope; 15] = [
        Scope::Anywhere,
        Scope::Global,
        Scope::List,
        Scope::Segments,
        Scope::Editor,
        Scope::Views,
        Scope::Entities,
        Scope::Stages,
        Scope::Destinations,
        Scope::Playbooks,
        Scope::PlaybookEditor,
        Scope::Detail,
        Scope::Picker,
        Scope::TextLine,
        Scope::Confirm,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Scope::Anywhere => "Anywhere",
            Scope::Global => "Everywhere outside text fields",
            Scope::List => "Lists and tables",
            Scope::Segments => "Segments screen",
            Scope::Editor => "Segment and playbook editors",
            Scope::TextLine => "Prompt and filter line",
            Scope::Confirm => "Questions",
            Scope::Views => "Users, Accounts and Stages: filter and views",
            Scope::Entities => "Users and Accounts tables",
            Scope::Detail => "An entity's detail",
            Scope::Picker => "Lists to pick from while typing",
            Scope::Stages => "Stages board",
            Scope::Destinations => "Destinations screen",
            Scope::Playbooks => "Playbooks screen",
            Scope::PlaybookEditor => "Playbook editor",
        }
    }
}

/// One row of the table.
pub struct Command {
    pub action: Action,
    pub scope: Scope,
    /// The default keys (see `keymap` for how a key is written).
    pub keys: &'static [&'static str],
    /// Other names the prompt takes (`:q`).
    pub aliases: &'static [&'static str],
    /// What follows the name at the prompt, for its usage line; `None`
    /// when the command is not offered at the prompt.
    pub arguments: Option<&'static str>,
    pub help: &'static str,
}

impl Command {
    /// Does the prompt offer this command?
    pub fn at_prompt(&self) -> bool {
        self.arguments.is_some()
    }

    /// `:name ARGUMENTS`, as the prompt takes it.
    pub fn usage(&self) -> String {
        let usage = format!(
            ":{} {}",
            self.action.name(),
            self.arguments.unwrap_or_default()
        );
        usage.trim_end().to_string()
    }

    /// What to say when the prompt got this command without its arguments.
    pub fn usage_message(&self) -> String {
        format!("usage: {} — {}", self.usage(), self.help)
    }

    /// Does it need arguments at the prompt?
    pub fn needs_arguments(&self) -> bool {
        self.arguments.is_some_and(|a| !a.is_empty())
    }
}
