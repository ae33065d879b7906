//! The one command table. Every user action is a row here: its name (for the
//! `:` prompt and the key map file), where it applies, its default keys and
//! its help line. The key map, the prompt's completion and the `?` help are
//! all read from this table, so help cannot drift from behaviour.

/// Everything the user can ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Help,
    Prompt,
    Close,
    NextScreen,
    PreviousScreen,
    Screen(usize),
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    NextKind,
    PreviousKind,
    NewSegment,
    EditSegment,
    DeleteSegment,
    Filter,
    Save,
    NextField,
    PreviousField,
}

/// Where a command is bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Everywhere outside text fields.
    Global,
    /// The Segments screen.
    Segments,
    /// The segment editor.
    Editor,
}

impl Scope {
    pub fn title(self) -> &'static str {
        match self {
            Scope::Global => "Everywhere",
            Scope::Segments => "Segments",
            Scope::Editor => "Segment editor",
        }
    }
}

pub struct Command {
    pub action: Action,
    /// The name used by the `:` prompt and the key map file.
    pub name: &'static str,
    pub scope: Scope,
    pub keys: &'static [&'static str],
    pub help: &'static str,
}

pub const COMMANDS: &[Command] = &[
    Command {
        action: Action::Quit,
        name: "quit",
        scope: Scope::Global,
        keys: &["q", "ctrl-c"],
        help: "quit segscope",
    },
    Command {
        action: Action::Help,
        name: "help",
        scope: Scope::Global,
        keys: &["?"],
        help: "show this help",
    },
    Command {
        action: Action::Prompt,
        name: "prompt",
        scope: Scope::Global,
        keys: &[":"],
        help: "open the command prompt",
    },
    Command {
        action: Action::Close,
        name: "close",
        scope: Scope::Global,
        keys: &["esc"],
        help: "close the top overlay",
    },
    Command {
        action: Action::NextScreen,
        name: "next-screen",
        scope: Scope::Global,
        keys: &["tab"],
        help: "next screen",
    },
    Command {
        action: Action::PreviousScreen,
        name: "previous-screen",
        scope: Scope::Global,
        keys: &["backtab"],
        help: "previous screen",
    },
    Command {
        action: Action::Screen(0),
        name: "segments",
        scope: Scope::Global,
        keys: &["1"],
        help: "Segments screen",
    },
    Command {
        action: Action::Screen(1),
        name: "users",
        scope: Scope::Global,
        keys: &["2"],
        help: "Users screen",
    },
    Command {
        action: Action::Screen(2),
        name: "accounts",
        scope: Scope::Global,
        keys: &["3"],
        help: "Accounts screen",
    },
    Command {
        action: Action::Screen(3),
        name: "stages",
        scope: Scope::Global,
        keys: &["4"],
        help: "Stages screen",
    },
    Command {
        action: Action::Screen(4),
        name: "destinations",
        scope: Scope::Global,
        keys: &["5"],
        help: "Destinations screen",
    },
    Command {
        action: Action::Up,
        name: "up",
        scope: Scope::Global,
        keys: &["k", "up"],
        help: "move up",
    },
    Command {
        action: Action::Down,
        name: "down",
        scope: Scope::Global,
        keys: &["j", "down"],
        help: "move down",
    },
    Command {
        action: Action::Top,
        name: "top",
        scope: Scope::Global,
        keys: &["g", "home"],
        help: "go to the first row",
    },
    Command {
        action: Action::Bottom,
        name: "bottom",
        scope: Scope::Global,
        keys: &["G", "end"],
        help: "go to the last row",
    },
    Command {
        action: Action::PageUp,
        name: "page-up",
        scope: Scope::Global,
        keys: &["pageup", "ctrl-u"],
        help: "up a page",
    },
    Command {
        action: Action::PageDown,
        name: "page-down",
        scope: Scope::Global,
        keys: &["pagedown", "ctrl-d"],
        help: "down a page",
    },
    Command {
        action: Action::NextKind,
        name: "next-kind",
        scope: Scope::Segments,
        keys: &["l", "right"],
        help: "Accounts sub-tab",
    },
    Command {
        action: Action::PreviousKind,
        name: "previous-kind",
        scope: Scope::Segments,
        keys: &["h", "left"],
        help: "Users sub-tab",
    },
    Command {
        action: Action::NewSegment,
        name: "new",
        scope: Scope::Segments,
        keys: &["n", "+"],
        help: "create a segment",
    },
    Command {
        action: Action::EditSegment,
        name: "edit",
        scope: Scope::Segments,
        keys: &["enter", "e"],
        help: "edit the selected segment",
    },
    Command {
        action: Action::DeleteSegment,
        name: "delete",
        scope: Scope::Segments,
        keys: &["d"],
        help: "delete the selected segment",
    },
    Command {
        action: Action::Filter,
        name: "filter",
        scope: Scope::Segments,
        keys: &["/"],
        help: "filter segments by name",
    },
    Command {
        action: Action::Save,
        name: "save",
        scope: Scope::Editor,
        keys: &["ctrl-s"],
        help: "save the segment",
    },
    Command {
        action: Action::Close,
        name: "cancel",
        scope: Scope::Editor,
        keys: &["esc"],
        help: "cancel (asks when there are changes)",
    },
    Command {
        action: Action::NextField,
        name: "next-field",
        scope: Scope::Editor,
        keys: &["tab"],
        help: "next field, or take the completion",
    },
    Command {
        action: Action::PreviousField,
        name: "previous-field",
        scope: Scope::Editor,
        keys: &["backtab"],
        help: "previous field",
    },
];

/// Prompt commands: `:name arguments`, with their help.
pub const PROMPT_COMMANDS: &[(&str, &str)] = &[
    ("apply", "FILE... — apply .seg files"),
    ("import", "users|accounts FILE — import entities"),
    ("new", "create a segment"),
    ("help", "show the key bindings"),
    ("quit", "quit (also :q)"),
];

pub fn command_named(name: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|command| command.name == name)
}
