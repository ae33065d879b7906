//! A destination, as its meaning: a connector (HubSpot, a webhook, a file)
//! with its settings, and per entity kind which entities go (members of any
//! of the listed segments; none listed means every entity of the kind),
//! under which key, and which properties go where. `lang` reads one from a
//! `destination` block and prints one back; `sync` plans and runs it; the
//! faces show it. Nothing here reads text, touches the network or stores.
//!
//! Secrets are never part of a destination: it names the environment
//! variables that hold them (`token env "HUBSPOT_TOKEN"`).

use super::EntityKind;

/// Requests per rolling ten seconds HubSpot allows a private app on the
/// lowest tier; the default pace of a HubSpot destination.
pub const HUBSPOT_DEFAULT_RATE_LIMIT: u32 = 100;

/// Records per request: HubSpot's batch limit, and the webhook default.
pub const RECORDS_PER_BATCH: usize = 100;

/// The kinds of connector a destination can be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConnectorKind {
    HubSpot,
    Webhook,
    File,
}

impl ConnectorKind {
    pub const ALL: [ConnectorKind; 3] = [
        ConnectorKind::HubSpot,
        ConnectorKind::Webhook,
        ConnectorKind::File,
    ];

    /// The word a definition uses (`destination "X" hubspot { ... }`).
    pub fn word(self) -> &'static str {
        match self {
            ConnectorKind::HubSpot => "hubspot",
            ConnectorKind::Webhook => "webhook",
            ConnectorKind::File => "file",
        }
    }

    /// The connector a word names, ignoring case.
    pub fn from_word(word: &str) -> Option<ConnectorKind> {
        ConnectorKind::ALL
            .into_iter()
            .find(|kind| kind.word().eq_ignore_ascii_case(word))
    }

    /// The name a person reads ("HubSpot").
    pub fn label(self) -> &'static str {
        match self {
            ConnectorKind::HubSpot => "HubSpot",
            ConnectorKind::Webhook => "webhook",
            ConnectorKind::File => "file",
        }
    }
}

/// How a list value (the computed `segments`, or a list property) is sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ListEncoding {
    /// The destination's multi-value type (HubSpot: a multi-select whose
    /// options are the values, sent joined with `;`; a webhook or a file: a
    /// JSON array).
    #[default]
    List,
    /// One value per line, no trailing newline (HubSpot: multi-line text).
    Text,
}

impl ListEncoding {
    /// The word after `as` (`list` / `text`).
    pub fn word(self) -> &'static str {
        match self {
            ListEncoding::List => "list",
            ListEncoding::Text => "text",
        }
    }

    pub fn from_word(word: &str) -> Option<ListEncoding> {
        match word.to_ascii_lowercase().as_str() {
            "list" => Some(ListEncoding::List),
            "text" => Some(ListEncoding::Text),
            _ => None,
        }
    }
}

/// What a file destination writes, told by its path's ending.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileFormat {
    /// `.jsonl`: one JSON object per line.
    JsonLines,
    /// `.csv`: a header row, then one row per record.
    Csv,
}

impl FileFormat {
    /// The format a path names by its extension (any case), if it names one.
    pub fn of_path(path: &str) -> Option<FileFormat> {
        let (_, extension) = path.rsplit_once('.')?;
        if extension.eq_ignore_ascii_case("jsonl") {
            Some(FileFormat::JsonLines)
        } else if extension.eq_ignore_ascii_case("csv") {
            Some(FileFormat::Csv)
        } else {
            None
        }
    }
}

/// `map <source> -> <target> [as list|text]`: one property sent.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Mapping {
    /// A property of the entity, `segments`, or (users) `account.<name>`.
    pub source: String,
    /// The destination's property.
    pub target: String,
    /// How a list goes; `None` as written means the default (a list).
    pub encoding: Option<ListEncoding>,
}

impl Mapping {
    pub fn encoding(&self) -> ListEncoding {
        self.encoding.unwrap_or_default()
    }
}

/// `key <source> [-> <target>]`: which property identifies an entity in the
/// destination. The target defaults to the source's name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SyncKey {
    pub source: String,
    pub target: Option<String>,
}

impl SyncKey {
    /// The destination's name for the key.
    pub fn target(&self) -> &str {
        self.target.as_deref().unwrap_or(&self.source)
    }
}

/// What a destination does with one kind of entity (`users { ... }`).
#[derive(Clone, Debug, PartialEq)]
pub struct KindSync {
    pub kind: EntityKind,
    /// HubSpot's object type (`contacts`, `companies`); `None` takes the
    /// kind's default ([`KindSync::object`]).
    pub object: Option<String>,
    /// `None`: the entity's `id` (only HubSpot requires one to be named).
    pub key: Option<SyncKey>,
    /// The segment filter: members of any of these go. Empty: every entity.
    pub segments: Vec<String>,
    pub mappings: Vec<Mapping>,
}

impl KindSync {
    /// An entry for `kind` that sends everyone and nothing yet.
    pub fn new(kind: EntityKind) -> KindSync {
        KindSync {
            kind,
            object: None,
            key: None,
            segments: Vec::new(),
            mappings: Vec::new(),
        }
    }

    /// The HubSpot object the kind goes to: as written, else contacts for
    /// users and companies for accounts.
    pub fn object(&self) -> &str {
        self.object.as_deref().unwrap_or(match self.kind {
            EntityKind::Users => "contacts",
            EntityKind::Accounts => "companies",
        })
    }

    /// The key, `id` when none is named.
    pub fn key(&self) -> SyncKey {
        self.key.clone().unwrap_or(SyncKey {
            source: super::ID.to_string(),
            target: None,
        })
    }
}

/// A `destination` definition.
#[derive(Clone, Debug, PartialEq)]
pub struct Destination {
    pub name: String,
    pub connector: ConnectorKind,
    pub description: Option<String>,
    /// (hubspot) the environment variable that holds the private app token.
    pub token_env: Option<String>,
    /// (webhook) the environment variable that holds the signing secret.
    pub secret_env: Option<String>,
    /// (hubspot) the API's address; default `https://api.hubapi.com`.
    pub base_url: Option<String>,
    /// (webhook) where batches are posted.
    pub url: Option<String>,
    /// (file) where the file is written: `.jsonl` or `.csv`.
    pub path: Option<String>,
    /// (hubspot) requests per rolling ten seconds; default
    /// [`HUBSPOT_DEFAULT_RATE_LIMIT`].
    pub rate_limit: Option<u32>,
    /// One entry per kind, users first; a kind without one is not sent.
    pub kinds: Vec<KindSync>,
}

impl Destination {
    /// What it does with `kind`, when it sends that kind.
    pub fn kind(&self, kind: EntityKind) -> Option<&KindSync> {
        self.kinds.iter().find(|k| k.kind == kind)
    }

    pub fn kind_mut(&mut self, kind: EntityKind) -> Option<&mut KindSync> {
        self.kinds.iter_mut().find(|k| k.kind == kind)
    }

    /// Every segment its filters name, in order, each once as written.
    pub fn segments(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for kind in &self.kinds {
            for name in &kind.segments {
                if !names
                    .iter()
                    .any(|seen| super::fold_name(seen) == super::fold_name(name))
                {
                    names.push(name);
                }
            }
        }
        names
    }

    /// (file) what its path says it writes.
    pub fn file_format(&self) -> Option<FileFormat> {
        self.path.as_deref().and_then(FileFormat::of_path)
    }

    /// Requests per rolling ten seconds it allows itself.
    pub fn rate_limit(&self) -> u32 {
        self.rate_limit.unwrap_or(HUBSPOT_DEFAULT_RATE_LIMIT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_read_as_the_spec_says() {
        let users = KindSync::new(EntityKind::Users);
        assert_eq!(users.object(), "contacts");
        assert_eq!(users.key().source, "id");
        assert_eq!(KindSync::new(EntityKind::Accounts).object(), "companies");
        let key = SyncKey {
            source: "id".into(),
            target: Some("segscope_account_id".into()),
        };
        assert_eq!(key.target(), "segscope_account_id");
        assert_eq!(
            ConnectorKind::from_word("HubSpot"),
            Some(ConnectorKind::HubSpot)
        );
        assert_eq!(ListEncoding::from_word("TEXT"), Some(ListEncoding::Text));
        assert_eq!(ListEncoding::from_word("csv"), None);
        assert_eq!(FileFormat::of_path("exports/a.CSV"), Some(FileFormat::Csv));
        assert_eq!(FileFormat::of_path("a.jsonl"), Some(FileFormat::JsonLines));
        assert_eq!(FileFormat::of_path("a.json"), None);
        assert_eq!(FileFormat::of_path("csv"), None);
    }
}
