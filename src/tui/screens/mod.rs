//! The screens, one module each, and what every screen is to the app: a
//! component that handles input (saying whether it used it, so the app can
//! try the next layer), refreshes what it shows from the workspace after a
//! change, draws itself from its own state only (`&self`), and names the
//! actions it offers for hints and help.
//!
//! A screen never draws from the workspace and never changes another
//! screen: what it asks of the rest of the UI (a message, a popup, a job,
//! "the definitions changed") goes into the [`Outbox`] of its [`Context`].

mod destinations;
mod entities;
mod entity_detail;
mod playbooks;
mod segment_editor;
mod segments;
mod stages;
mod view_saving;

use std::time::Instant;

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

pub use destinations::DestinationsScreen;
pub use entities::EntitiesScreen;
pub use playbooks::PlaybooksScreen;
pub use segments::SegmentsScreen;
pub use stages::StagesScreen;

use super::action::{Action, Scope};
use super::jobs::Job;
use super::keymap::KeyMap;
use super::messages::Message;
use super::popups::{Confirmation, Popup};
use super::theme::Theme;
use crate::model::EntityKind;
use crate::workspace::Workspace;

/// The screens, in tab order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScreenId {
    Segments,
    Users,
    Accounts,
    Stages,
    Destinations,
    Playbooks,
}

impl ScreenId {
    pub const ALL: [ScreenId; 6] = [
        ScreenId::Segments,
        ScreenId::Users,
        ScreenId::Accounts,
        ScreenId::Stages,
        ScreenId::Destinations,
        ScreenId::Playbooks,
    ];

    pub fn title(self) -> &'static str {
        match self {
            ScreenId::Segments => "Segments",
            ScreenId::Users => "Users",
            ScreenId::Accounts => "Accounts",
            ScreenId::Stages => "Stages",
            ScreenId::Destinations => "Destinations",
            ScreenId::Playbooks => "Playbooks",
        }
    }

    /// The action that shows this screen.
    pub fn action(self) -> Action {
        match self {
            ScreenId::Segments => Action::Segments,
            ScreenId::Users => Action::Users,
            ScreenId::Accounts => Action::Accounts,
            ScreenId::Stages => Action::Stages,
            ScreenId::Destinations => Action::Destinations,
            ScreenId::Playbooks => Action::Playbooks,
        }
    }

    pub fn for_action(action: Action) -> Option<ScreenId> {
        ScreenId::ALL.into_iter().find(|id| id.action() == action)
    }

    fn index(self) -> usize {
        ScreenId::ALL.iter().position(|id| *id == self).unwrap_or(0)
    }

    /// The next screen in tab order (`step` 1 or -1), wrapping around.
    pub fn step(self, forward: bool) -> ScreenId {
        let count = ScreenId::ALL.len();
        let next = if forward {
            (self.index() + 1) % count
        } else {
            (self.index() + count - 1) % count
        };
        ScreenId::ALL[next]
    }
}

/// What changed in the workspace, so screens refresh what they show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Changed {
    /// Definitions were added, changed or removed.
    pub definitions: bool,
    /// Entities were added, changed or removed (and so membership).
    pub entities: bool,
}

impl Changed {
    pub const DEFINITIONS: Changed = Changed {
        definitions: true,
        entities: false,
    };
    pub const ENTITIES: Changed = Changed {
        definitions: false,
        entities: true,
    };
    pub const EVERYTHING: Changed = Changed {
        definitions: true,
        entities: true,
    };

    pub fn any(&self) -> bool {
        self.definitions || self.entities
    }

    pub fn merge(&mut self, other: Changed) {
        self.definitions |= other.definitions;
        self.entities |= other.entities;
    }
}

/// One input for a component: a key (with the action the key map binds it
/// to in the component's scopes), or a command from the prompt.
#[derive(Clone, Debug)]
pub struct Input {
    pub key: Option<KeyEvent>,
    pub action: Option<Action>,
    /// Words after the command's name at the prompt.
    pub arguments: Vec<String>,
    /// Text the terminal says was pasted (bracketed paste), taken as one
    /// edit by the field that has the focus.
    pub pasted: Option<String>,
}

impl Input {
    pub fn key(key: KeyEvent, action: Option<Action>) -> Input {
        Input {
            key: Some(key),
            action,
            arguments: Vec::new(),
            pasted: None,
        }
    }

    pub fn command(action: Action, arguments: Vec<String>) -> Input {
        Input {
            key: None,
            action: Some(action),
            arguments,
            pasted: None,
        }
    }

    pub fn paste(text: String) -> Input {
        Input {
            key: None,
            action: None,
            arguments: Vec::new(),
            pasted: Some(text),
        }
    }
}

/// Did a component use the input?
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handled {
    Consumed,
    Ignored,
}

/// What a component asks of the rest of the UI; the app carries it out
/// after the component returns.
#[derive(Default)]
pub struct Outbox {
    pub messages: Vec<Message>,
    pub popups: Vec<Popup>,
    pub job: Option<Job>,
    pub changed: Changed,
    /// Files the UI wrote itself (already applied: the watcher need not).
    pub wrote_files: bool,
    /// The answer to a question a screen asked (a confirmation popup).
    pub confirmed: Option<Confirmation>,
    /// A command from the prompt, to route like a key's action.
    pub command: Option<(Action, Vec<String>)>,
    pub quit: bool,
}

impl Outbox {
    pub fn info(&mut self, text: impl Into<String>) {
        self.messages.push(Message::info(text));
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.messages.push(Message::error(text));
    }
}

/// What a component may use while it handles input.
pub struct Context<'a> {
    /// `None` while a job holds the workspace.
    pub workspace: Option<&'a mut Workspace>,
    /// What holds the workspace, when a job does ("importing users.jsonl").
    pub busy_with: Option<&'a str>,
    pub keymap: &'a KeyMap,
    /// Rows a page moves in the screen's list.
    pub page_rows: usize,
    pub out: Outbox,
}

impl Context<'_> {
    /// The workspace, or a message saying why it cannot be used now.
    pub fn workspace(&mut self) -> Option<&mut Workspace> {
        if self.workspace.is_none() {
            let what = self.busy_with.unwrap_or("a job");
            let cancel = self.keymap.key_label(Action::CancelJob);
            self.out.error(format!(
                "busy: {what} is running; wait for it, or {cancel} cancels it"
            ));
        }
        self.workspace.as_deref_mut()
    }
}

/// What drawing may read besides the component's own state.
#[derive(Clone, Copy)]
pub struct Look<'a> {
    pub theme: Theme,
    pub keymap: &'a KeyMap,
}

/// A screen of the UI.
pub trait Screen {
    fn id(&self) -> ScreenId;

    /// The scopes whose keys apply now, most specific first.
    fn scopes(&self) -> &'static [Scope];

    /// Handles one input; `Ignored` lets the app try the global commands.
    fn handle(&mut self, input: &Input, context: &mut Context) -> Handled;

    /// The user answered a question this screen asked.
    fn confirmed(&mut self, _confirmation: &Confirmation, _context: &mut Context) {}

    /// Re-reads what the screen shows after a change.
    fn refresh(&mut self, workspace: &Workspace, changed: &Changed);

    /// The screen came into view (or went out of it). A screen whose
    /// refresh is costly may put it off while out of view and catch up
    /// here.
    fn set_shown(&mut self, _shown: bool, _workspace: &Workspace) {}

    /// Periodic work (a debounced preview); returns whether anything
    /// changed on screen.
    fn tick(&mut self, _now: Instant, _workspace: &Workspace) -> bool {
        false
    }

    /// When the next tick is due, if one is.
    fn deadline(&self) -> Option<Instant> {
        None
    }

    /// What unsaved work the screen holds, if any ("your changes to the
    /// segment"), so quitting asks first.
    fn unsaved_work(&self) -> Option<&'static str> {
        None
    }

    /// Does the screen take typed text now (so a key never reaches the
    /// global commands)?
    fn takes_text(&self) -> bool {
        false
    }

    /// Does the field with the focus take a paste as one edit
    /// ([`Input::pasted`])? Where not, a paste is typed into it character
    /// by character.
    fn takes_paste(&self) -> bool {
        false
    }

    fn draw(&self, frame: &mut Frame, area: Rect, look: &Look);

    /// The actions the hints line offers, with what each does here.
    fn hints(&self) -> Vec<(Action, &'static str)>;
}

/// Every screen, made once; the app keeps them all so each keeps its own
/// selection while another is shown.
pub fn all_screens() -> Vec<Box<dyn Screen>> {
    ScreenId::ALL
        .into_iter()
        .map(|id| -> Box<dyn Screen> {
            match id {
                ScreenId::Segments => Box::new(SegmentsScreen::new()),
                ScreenId::Users => Box::new(EntitiesScreen::new(id, EntityKind::Users)),
                ScreenId::Accounts => Box::new(EntitiesScreen::new(id, EntityKind::Accounts)),
                ScreenId::Stages => Box::new(StagesScreen::new()),
                ScreenId::Destinations => Box::new(DestinationsScreen::new()),
                ScreenId::Playbooks => Box::new(PlaybooksScreen::new()),
            }
        })
        .collect()
}
