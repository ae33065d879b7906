//! The kinds of things segscope speaks of: the two kinds of entity (users
//! and accounts) and the four kinds of definition. Every layer names them
//! from here.

use std::fmt;

/// The two kinds of entity a segment can hold.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum EntityKind {
    Users,
    Accounts,
}

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Users => "users",
            EntityKind::Accounts => "accounts",
        }
    }

    /// The singular noun, for messages ("a users segment" reads badly).
    pub fn singular(self) -> &'static str {
        match self {
            EntityKind::Users => "user",
            EntityKind::Accounts => "account",
        }
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The four kinds of definition. Names are unique per kind. (Stored with
/// each definition: the order of the variants is part of the file format.)
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum DefinitionKind {
    Segment,
    View,
    Playbook,
    Destination,
}

impl DefinitionKind {
    /// Every kind, in the order the language documents them.
    pub const ALL: [DefinitionKind; 4] = [
        DefinitionKind::Segment,
        DefinitionKind::View,
        DefinitionKind::Playbook,
        DefinitionKind::Destination,
    ];

    /// The keyword that starts a definition of this kind: the one keyword
    /// table of the language.
    pub const fn keyword(self) -> &'static str {
        match self {
            DefinitionKind::Segment => "segment",
            DefinitionKind::View => "view",
            DefinitionKind::Playbook => "playbook",
            DefinitionKind::Destination => "destination",
        }
    }
}

impl DefinitionKind {
    /// The kind a definition keyword names, in any case.
    pub fn from_keyword(word: &str) -> Option<DefinitionKind> {
        DefinitionKind::ALL
            .into_iter()
            .find(|kind| kind.keyword().eq_ignore_ascii_case(word))
    }
}

/// The keywords that start a definition, in [`DefinitionKind::ALL`] order.
pub const DEFINITION_KEYWORDS: [&str; 4] = [
    DefinitionKind::Segment.keyword(),
    DefinitionKind::View.keyword(),
    DefinitionKind::Playbook.keyword(),
    DefinitionKind::Destination.keyword(),
];
