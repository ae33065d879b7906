//! Destinations: the `destination` block read into its meaning and printed
//! back (the sync spec's examples as written), every error a bad one earns
//! with its line and column (in the language and from the real binary's
//! `check`), the warnings of the data and the environment (which never fail
//! `check`), the segments a destination lists refusing deletion and
//! following a rename, and the workspace listing and saving destinations
//! (rewritten in their file, or stored as the terminal UI's).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use segscope::lang::destination::{destination_from_block, destination_text};
use segscope::lang::format::format_file;
use segscope::lang::parse_file;
use segscope::model::EntityKind;
use segscope::model::Origin;
use segscope::model::ast::Definition;
use segscope::model::destination::{
    ConnectorKind, Destination, KindSync, ListEncoding, Mapping, SyncKey,
};
use segscope::workspace::{
    DeleteSegmentFailure, EntityKindChoice, OpenOptions, SaveFailure, SegmentDraft, Workspace,
};
use support::binary::run_at;
use support::checked::errors_after;
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_segscope");
const NOW: &str = "2024-06-15T12:00:00Z";

const SEGMENTS: &str = r#"segment "Champions" for users {
  where role = "admin"
}

segment "Power users" for users {
  where sessions >= 20
}

segment "Enterprise ICP" for accounts {
  where plan = "enterprise"
}
"#;

/// The three examples of the sync spec, as written there.
const SPEC: &str = r#"# Where segments go.
destination "HubSpot" hubspot {
  token env "HUBSPOT_TOKEN"            # never stored, never printed
  base_url "https://api.hubapi.com"    # optional; tests point it at loopback
  users {
    object contacts
    key email                          # segscope property `email` = contact property `email` (unique)
    segments ["Champions", "Power users"]
    map segments -> segscope_segments as list   # multi-select (enumeration/checkbox)
    map plan -> plan_tier
  }
  accounts {
    object companies
    key id -> segscope_account_id      # created as a unique text property if missing
    map segments -> segscope_segments as text   # multi-line text
  }
}

destination "Ops hook" webhook {
  url "https://hooks.example.com/segscope"
  secret env "HOOK_SECRET"
  users { segments ["Champions"]  map segments -> segments as list  map email -> email }
}

destination "Nightly export" file {
  path "exports/accounts.csv"          # .jsonl or .csv
  accounts { map segments -> segments as text  map domain -> domain }
}
"#;

const ACCOUNTS: &str = r#"{"id": "a1", "name": "Acme", "domain": "acme.example", "plan": "enterprise"}
{"id": "a2", "name": "Bolt", "domain": "bolt.example", "plan": "free"}
"#;

const USERS: &str = r#"{"id": "u1", "account_id": "a1", "email": "ann@acme.example", "role": "admin", "plan": "pro", "sessions": 30}
{"id": "u2", "account_id": "a2", "email": "bob@bolt.example", "role": "member", "plan": "free", "sessions": 2}
"#;

// ---------------------------------------------------------------- the language

/// Every destination a text defines, in order.
fn destinations_of(text: &str) -> Vec<Destination> {
    let (file, diagnostics) = parse_file(text);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    file.definitions
        .iter()
        .filter_map(|definition| match definition {
            Definition::Block(block) => {
                Some(destination_from_block(block).unwrap_or_else(|d| panic!("{d:?}")))
            }
            Definition::Segment(_) => None,
        })
        .collect()
}

fn mapping(source: &str, target: &str, encoding: Option<ListEncoding>) -> Mapping {
    Mapping {
        source: source.to_string(),
        target: target.to_string(),
        encoding,
    }
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| name.to_string()).collect()
}

/// A destination of `connector` with nothing set.
fn bare(name: &str, connector: ConnectorKind) -> Destination {
    Destination {
        name: name.to_string(),
        connector,
        description: None,
        token_env: None,
        secret_env: None,
        base_url: None,
        url: None,
        path: None,
        rate_limit: None,
        kinds: Vec::new(),
    }
}

/// What the spec's three examples mean.
fn spec_destinations() -> Vec<Destination> {
    let hubspot = Destination {
        token_env: Some("HUBSPOT_TOKEN".to_string()),
        base_url: Some("https://api.hubapi.com".to_string()),
        kinds: vec![
            KindSync {
                kind: EntityKind::Users,
                object: Some("contacts".to_string()),
                key: Some(SyncKey {
                    source: "email".to_string(),
                    target: None,
                }),
                segments: strings(&["Champions", "Power users"]),
                mappings: vec![
                    mapping("segments", "segscope_segments", Some(ListEncoding::List)),
                    mapping("plan", "plan_tier", None),
                ],
            },
            KindSync {
                kind: EntityKind::Accounts,
                object: Some("companies".to_string()),
                key: Some(SyncKey {
                    source: "id".to_string(),
                    target: Some("segscope_account_id".to_string()),
                }),
                segments: Vec::new(),
                mappings: vec![mapping(
                    "segments",
                    "segscope_segments",
                    Some(ListEncoding::Text),
                )],
            },
        ],
        ..bare("HubSpot", ConnectorKind::HubSpot)
    };
    let webhook = Destination {
        url: Some("https://hooks.example.com/segscope".to_string()),
        secret_env: Some("HOOK_SECRET".to_string()),
        kinds: vec![KindSync {
            segments: strings(&["Champions"]),
            mappings: vec![
                mapping("segments", "segments", Some(ListEncoding::List)),
                mapping("email", "email", None),
            ],
            ..KindSync::new(EntityKind::Users)
        }],
        ..bare("Ops hook", ConnectorKind::Webhook)
    };
    let file = Destination {
        path: Some("exports/accounts.csv".to_string()),
        kinds: vec![KindSync {
            mappings: vec![
                mapping("segments", "segments", Some(ListEncoding::Text)),
                mapping("domain", "domain", None),
            ],
            ..KindSync::new(EntityKind::Accounts)
        }],
        ..bare("Nightly export", ConnectorKind::File)
    };
    vec![hubspot, webhook, file]
}

#[test]
fn the_specs_examples_read_as_destinations() {
    let read = destinations_of(SPEC);
    assert_eq!(read, spec_destinations());
    // What the spec leaves unsaid takes the model's defaults.
    let [hubspot, webhook, file] = &read[..] else {
        panic!("three destinations");
    };
    assert_eq!(hubspot.rate_limit(), 100);
    assert_eq!(webhook.kinds[0].key().source, "id");
    assert_eq!(webhook.kinds[0].object(), "contacts");
    assert_eq!(
        file.file_format(),
        Some(segscope::model::destination::FileFormat::Csv)
    );
    assert_eq!(hubspot.segments(), ["Champions", "Power users"]);
}

#[test]
fn canonical_text_reads_back_as_the_same_destination() {
    let mut odd = Destination {
        description: Some("Odd \"names\" go\nhere".to_string()),
        token_env: Some("T_1".to_string()),
        rate_limit: Some(150),
        kinds: vec![KindSync {
            key: Some(SyncKey {
                source: "Work Email".to_string(),
                target: Some("email".to_string()),
            }),
            mappings: vec![
                mapping("account.plan", "account_plan", None),
                mapping("segments", "in", Some(ListEncoding::Text)),
                mapping("Company Size", "size", Some(ListEncoding::List)),
            ],
            ..KindSync::new(EntityKind::Users)
        }],
        ..bare("Odd", ConnectorKind::HubSpot)
    };
    odd.kinds.push(KindSync {
        key: Some(SyncKey {
            source: "domain".to_string(),
            target: None,
        }),
        segments: strings(&["Enterprise ICP"]),
        ..KindSync::new(EntityKind::Accounts)
    });
    let mut all = spec_destinations();
    all.push(odd);
    for destination in all {
        let text = destination_text(&destination);
        let again = destinations_of(&text);
        assert_eq!(again, std::slice::from_ref(&destination), "{text}");
        assert_eq!(destination_text(&again[0]), text);
        // The canonical text is what `fmt` writes.
        assert_eq!(format_file(&parse_file(&text).0, &text), text);
    }
    assert_eq!(
        destination_text(&spec_destinations()[0]),
        r#"destination "HubSpot" hubspot {
  token env "HUBSPOT_TOKEN"
  base_url "https://api.hubapi.com"
  users {
    object contacts
    key email
    segments ["Champions", "Power users"]
    map segments -> segscope_segments as list
    map plan -> plan_tier
  }
  accounts {
    object companies
    key id -> segscope_account_id
    map segments -> segscope_segments as text
  }
}
"#
    );
    // Spelling does not matter; the canonical text is one.
    let shouting = destinations_of(
        "destination \"S\" WEBHOOK { url 'https://x.example/h' users { map tags -> tags AS TEXT } }",
    );
    assert_eq!(
        destination_text(&shouting[0]),
        "destination \"S\" webhook {\n  url \"https://x.example/h\"\n  users {\n    map tags -> tags as text\n  }\n}\n"
    );
}

/// Every error of checking `text` (after the segments above), as
/// `line:column message | help`, lines counted in `text`.
fn errors(text: &str) -> Vec<String> {
    errors_after(SEGMENTS, "case.seg", text)
}

/// Each bad destination and the errors it earns.
const MISTAKES: &[(&str, &[&str])] = &[
    (
        "destination \"D\" {\n  users {}\n}\n",
        &[
            r#"1:13 destination "D" needs a connector: `hubspot`, `webhook` or `file` | write: destination "D" hubspot { ... }"#,
        ],
    ),
    (
        "destination \"D\" hubspt {\n  users {}\n}\n",
        &["1:17 there is no connector `hubspt` | did you mean `hubspot`?"],
    ),
    (
        "destination \"D\" ftp {\n  users {}\n}\n",
        &["1:17 there is no connector `ftp` | the connectors are `hubspot`, `webhook` and `file`"],
    ),
    (
        "destination \"D\" for users webhook {\n  url \"https://x.example/h\"\n  users {}\n}\n",
        &[
            r#"1:13 a destination takes no `for users`: each kind it sends has a block of its own | write: destination "D" webhook { users { ... } }"#,
        ],
    ),
    (
        "destination \"D\" hubspot {\n  token env \"T\"\n  url \"https://x.example/h\"\n  users { key email }\n}\n",
        &[
            r#"3:3 `url` is a setting of webhook destinations, and "D" is a HubSpot destination | a HubSpot destination's address is `base_url` (and rarely needed)"#,
        ],
    ),
    (
        "destination \"D\" webhook {\n  url \"https://x.example/h\"\n  base_url \"https://x.example/h\"\n  token env \"T\"\n  rate_limit 10\n  users {}\n}\n",
        &[
            r#"3:3 `base_url` is a setting of HubSpot destinations, and "D" is a webhook destination | a webhook destination posts to its `url`"#,
            r#"4:3 `token` is a setting of HubSpot destinations, and "D" is a webhook destination | a webhook destination signs its batches with `secret env "VAR"`"#,
            r#"5:3 `rate_limit` is a setting of HubSpot destinations, and "D" is a webhook destination | only HubSpot destinations pace their requests; remove it"#,
        ],
    ),
    (
        "destination \"D\" file {\n  path \"a.jsonl\"\n  secret env \"S\"\n  accounts {}\n}\n",
        &[
            r#"3:3 `secret` is a setting of webhook destinations, and "D" is a file destination | remove it, or make the destination `webhook`"#,
        ],
    ),
    (
        "destination \"D\" hubspot {\n  token \"pat-na1-123\"\n  users { key email }\n}\n",
        &[
            r#"2:3 a token is never written in a definition: it is read from an environment variable | write: token env "HUBSPOT_TOKEN" and set that variable where segscope runs; it is never stored or shown"#,
        ],
    ),
    (
        "destination \"D\" webhook {\n  url \"https://x.example/h\"\n  secret \"shh\"\n  users {}\n}\n",
        &[
            r#"3:3 a secret is never written in a definition: it is read from an environment variable | write: secret env "HOOK_SECRET" and set that variable where segscope runs; it is never stored or shown"#,
        ],
    ),
    (
        "destination \"D\" hubspot {\n  token env \"HUBSPOT TOKEN\"\n  users { key email }\n}\n",
        &[
            "2:13 `HUBSPOT TOKEN` is not a name an environment variable can have | write letters, digits and `_`, not starting with a digit, such as HUBSPOT_TOKEN",
        ],
    ),
    (
        "destination \"D\" webhook {\n  url \"https://x.example/h\"\n  url \"https://x.example/g\"\n  users {}\n}\n",
        &[r#"3:3 destination "D" has more than one `url` | keep one of them"#],
    ),
    (
        "destination \"D\" hubspot {\n  tokn env \"T\"\n  users { key email }\n}\n",
        // The missing `token` is the misspelt one: said once.
        &["2:3 a destination has no entry `tokn` | did you mean `token`?"],
    ),
    (
        "destination \"D\" hubspot {\n  banana 1\n  token env \"T\"\n  users { key email }\n}\n",
        &[
            "2:3 a destination has no entry `banana` | a destination's entries are `description`, `token`, `base_url`, `rate_limit`, `url`, `secret`, `path`, `users`, `accounts`",
        ],
    ),
    (
        "destination \"D\" webhook {\n  url \"https://x.example/h\"\n  users {}\n  users {}\n}\n",
        &[
            r#"4:3 destination "D" has more than one `users` block | say everything about its users in one `users { ... }` block"#,
        ],
    ),
    (
        "destination \"D\" webhook {\n  url \"https://x.example/h\"\n}\n",
        &[
            r#"1:13 destination "D" sends nothing: it has no `users { ... }` or `accounts { ... }` block | add a block for each kind it sends, such as users { segments ["Champions"] }"#,
        ],
    ),
    (
        "destination \"D\" hubspot {\n  token env \"T\"\n  users { map email -> email }\n}\n",
        &[
            r#"3:3 missing key: the `users` block of HubSpot destination "D" names no `key` to match contacts by | write: key email (contacts are matched by their email)"#,
        ],
    ),
    (
        "destination \"D\" hubspot {\n  token env \"T\"\n  users { key email }\n  accounts { object companies }\n}\n",
        &[
            r#"4:3 missing key: the `accounts` block of HubSpot destination "D" names no `key` to match companies by | write: key id -> segscope_account_id (a unique company property, created if missing)"#,
        ],
    ),
    (
        "destination \"D\" webhook {\n  url \"https://x.example/h\"\n  users { object contacts }\n}\n",
        &[
            r#"3:11 `object` is for HubSpot destinations, and "D" is a webhook destination | only HubSpot sorts records into objects; remove it"#,
        ],
    ),
    (
        "destination \"D\" webhook {\n  url \"https://x.example/h\"\n  users { map segments -> segments as csv }\n}\n",
        &[
            "3:39 `as csv` is not a way to send a list: write `as list` or `as text` | `as list` sends the destination's multi-value type, `as text` one value per line",
        ],
    ),
    (
        "destination \"D\" webhook {\n  url \"https://x.example/h\"\n  users {\n    map plan -> tier\n    map role -> tier\n  }\n}\n",
        &[
            "5:17 two mappings send to `tier` | each destination property takes one mapping; send the other elsewhere",
        ],
    ),
    (
        "destination \"D\" hubspot {\n  token env \"T\"\n  users {\n    key email\n    map email -> email\n  }\n}\n",
        &[
            "5:18 `email` is where the key goes: each record carries it already | remove this mapping, or send the property to another name",
        ],
    ),
    (
        // The key of a webhook is `id` unless named: `-> id` is taken.
        "destination \"D\" webhook {\n  url \"https://x.example/h\"\n  users {\n    map id -> user_id\n    map external_id -> id\n  }\n}\n",
        &[
            "5:24 `id` is where the key goes: each record carries it already | remove this mapping, or send the property to another name",
        ],
    ),
    (
        "destination \"D\" webhook {\n  url \"https://x.example/h\"\n  accounts {\n    key account.id\n    map account.plan -> plan\n    map plan -> account.plan\n  }\n}\n",
        &[
            "4:9 a key is the account's own property, not `account.id` | each account needs a key of its own, such as `id` or `email`",
            "5:9 `account.plan` reads a user's account, but these are accounts | write `plan` for the account's own property",
            "6:17 `-> account.plan` names the destination's property: a plain name, with no `account.` | write: -> account_plan",
        ],
    ),
    (
        "destination \"D\" webhook {\n  url \"https://x.example/h\"\n  users {\n    key segments\n    map email\n    map email -> mail as text as list\n  }\n}\n",
        &[
            "4:9 `segments` cannot be a key: it is the list of the segments an entity is in | key by a property unique to each user, such as `id` or `email`",
            "5:5 `map` in a destination takes a property, `->` and the destination's property | write: map plan -> plan_tier (with `as list` or `as text` for a list)",
            "6:5 `map` in a destination takes a property, `->` and the destination's property | write: map plan -> plan_tier (with `as list` or `as text` for a list)",
        ],
    ),
    (
        "destination \"D\" file {\n  path \"exports/accounts.txt\"\n  accounts {}\n}\n",
        &[
            r#"2:3 a file destination writes .jsonl or .csv, and "exports/accounts.txt" is neither | end the path in .jsonl (one JSON object per line) or .csv"#,
        ],
    ),
    (
        "destination \"D\" webhook {\n  users {}\n}\n",
        &[
            r#"1:13 webhook destination "D" has no `url` | write: url "https://hooks.example.com/segscope""#,
        ],
    ),
    (
        "destination \"D\" file {\n  accounts {}\n}\n",
        &[
            r#"1:13 file destination "D" has no `path` | write: path "exports/accounts.csv" (.jsonl or .csv)"#,
        ],
    ),
    (
        "destination \"D\" hubspot {\n  users { key email }\n}\n",
        &[
            r#"1:13 HubSpot destination "D" has no `token` | write: token env "HUBSPOT_TOKEN" (a private app's access token, read from the environment)"#,
        ],
    ),
    (
        "destination \"D\" webhook {\n  url \"hooks.example.com\"\n  users {}\n}\n",
        &[
            r#"2:3 `url` is an address starting with https:// or http:// | write: url "https://hooks.example.com/segscope""#,
        ],
    ),
    (
        "destination \"D\" hubspot {\n  token env \"T\"\n  rate_limit 0\n  users { key email }\n}\n",
        &[
            "3:3 `rate_limit` is requests per rolling 10 seconds: a whole number from 1 to 10000 | write: rate_limit 150 (HubSpot allows 100 to 190, by tier)",
        ],
    ),
    (
        "destination \"D\" hubspot {\n  token env \"T\"\n  rate_limit 150.5\n  accounts { key domain }\n}\n",
        &[
            "3:3 `rate_limit` is requests per rolling 10 seconds: a whole number from 1 to 10000 | write: rate_limit 150 (HubSpot allows 100 to 190, by tier)",
        ],
    ),
    (
        "destination \"D\" hubspot {\n  token env \"T\"\n  rate_limit 10001\n  accounts { key domain }\n}\n",
        &[
            "3:3 `rate_limit` is requests per rolling 10 seconds: a whole number from 1 to 10000 | write: rate_limit 150 (HubSpot allows 100 to 190, by tier)",
        ],
    ),
    (
        "destination \"D\" webhook {\n  url \"https://x.example/h\"\n  users { segments [\"Champion\", \"Enterprise ICP\"] }\n}\n",
        &[
            r#"3:21 there is no segment named "Champion" | did you mean "Champions"?"#,
            r#"3:33 "Enterprise ICP" is a segment of accounts, but this `users` block lists segments of users | list it in the destination's `accounts { ... }` block, or list a segment of users"#,
        ],
    ),
    (
        "destination \"D\" webhook {\n  url \"https://x.example/h\"\n  accounts {\n    segments [\n      \"Enterprise ICP\",\n      \"Champions\", # a users segment\n    ]\n  }\n}\n",
        &[
            r#"6:7 "Champions" is a segment of users, but this `accounts` block lists segments of accounts | list it in the destination's `users { ... }` block, or list a segment of accounts"#,
        ],
    ),
    (
        "destination \"D\" webhook {\n  url \"https://x.example/h\"\n  users {\n    segments [\"Champions\", \"champions\"]\n  }\n}\n",
        &["4:5 the segment \"champions\" is listed twice | list each segment once"],
    ),
    (
        "destination \"D\" webhook {\n  url \"https://x.example/h\"\n  users {\n    key email\n    key id\n    segments [\"Champions\"]\n    segments [\"Power users\"]\n  }\n}\n",
        &[
            r#"5:5 the `users` block of destination "D" has more than one `key` | keep one of them"#,
            r#"7:5 the `users` block of destination "D" has more than one `segments` | list every segment in one `segments [...]`: members of any of them go"#,
        ],
    ),
    (
        "destination \"D\" webhook {\n  url \"https://x.example/h\"\n  users {\n    where plan = \"pro\"\n  }\n}\n",
        &[
            r#"4:5 a destination chooses whom it sends by segments, not by `where` | define a segment with this condition and list it: segments ["Name"]"#,
        ],
    ),
    (
        "destination \"D\" webhook {\n  url \"https://x.example/h\"\n  map email -> email\n  users {}\n}\n",
        &[
            "3:3 `map` goes inside a `users { ... }` or `accounts { ... }` block | each kind says what of it goes in a block of its own: users { map email -> email }",
        ],
    ),
    (
        "destination \"D\" webhook {\n  url \"https://x.example/h\"\n  users {\n    url \"https://x.example/h\"\n    accounts {}\n    maps email -> email\n  }\n}\n",
        &[
            "4:5 `url` is a setting of the whole destination, not of its users | move it out of the `users { ... }` block",
            "5:5 `accounts { ... }` goes beside `users { ... }`, not inside it | close the `users` block before it",
            "6:5 a `users` block has no entry `maps` | did you mean `map`?",
        ],
    ),
    (
        "destination \"D\" webhook {\n  url \"https://x.example/h\"\n  users {\n    map `` -> x\n  }\n}\n",
        &["4:9 a property name in backticks cannot be empty"],
    ),
    (
        "destination \"D\" webhook {\n  url \"https://x.example/h\"\n  users { map x -> }\n}\n",
        &["3:20 expected a property name, found `}`"],
    ),
    (
        "destination \"D\" webhook {\n  url \"https://x.example/h\"\n  description 3\n  users {}\n}\n",
        &[
            r#"3:3 `description` in a destination takes one text in quotes | write: description "Champions to the CRM""#,
        ],
    ),
    (
        "destination \"D\" webhook {\n  url \"https://x.example/h\"\n  users \"all\"\n}\n",
        &[
            r#"3:3 `users` in a destination takes one `{ ... }` block | write: users { segments ["Champions"] map email -> email }"#,
        ],
    ),
];

#[test]
fn every_mistake_in_a_destination_is_an_error_with_its_place() {
    for (text, expected) in MISTAKES {
        assert_eq!(errors(text), *expected, "for {text}");
    }
    // Several mistakes are all reported.
    let many = errors(
        "destination \"D\" webhook {\n  base_url \"x\"\n  users { kye id  map a -> b as c }\n}\n",
    );
    assert_eq!(many.len(), 4, "{many:?}");
}

#[test]
fn good_destinations_have_no_errors() {
    assert_eq!(errors(SPEC), Vec::<String>::new());
    // `map id -> ...`, `account.` properties of users, names in backticks,
    // `as` in any case, an empty filter, a description and a pace.
    let text = "destination \"D\" hubspot {\n  description \"everyone\"\n  token env \"T\"\n  rate_limit 10000\n  users {\n    key `Work Email` -> email\n    segments []\n    map id -> segscope_id\n    map account.plan -> company_plan AS Text\n  }\n}\n";
    assert_eq!(errors(text), Vec::<String>::new());
}

// ---------------------------------------------------------------- the binary

/// A database in a temporary directory (`segscope.redb`, as
/// `support::binary::run_at` opens it), with the entities imported and the
/// segments applied from segments.seg.
struct Db {
    dir: TempDir,
}

impl Db {
    fn seeded() -> Db {
        let db = Db::empty();
        db.import("accounts", "a.jsonl", ACCOUNTS);
        db.import("users", "u.jsonl", USERS);
        db
    }

    /// The segments and no entities.
    fn empty() -> Db {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = Db { dir };
        let segments = db.write("segments.seg", SEGMENTS);
        db.expect(0, &["apply", &segments]);
        db
    }

    fn with_destinations() -> Db {
        let db = Db::seeded();
        let destinations = db.write("destinations.seg", SPEC);
        db.expect(0, &["apply", &destinations]);
        db
    }

    fn write(&self, name: &str, contents: &str) -> String {
        let path = self.file(name);
        std::fs::write(&path, contents).expect("write a fixture");
        path.display().to_string()
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn import(&self, kind: &str, name: &str, contents: &str) {
        let file = self.write(name, contents);
        self.expect(0, &["import", "--kind", kind, &file]);
    }

    /// Runs the binary and checks its exit code; returns its stderr.
    fn expect(&self, code: i32, args: &[&str]) -> String {
        let (status, stdout, stderr) = run_at(self.dir.path(), NOW, args);
        assert_eq!(
            status, code,
            "{args:?}\n--- stdout\n{stdout}--- stderr\n{stderr}"
        );
        stderr
    }

    /// Runs the binary with `set` in the environment and `unset` removed
    /// from it; returns (exit code, stdout and stderr together).
    fn run_with_env(&self, args: &[&str], set: &[(&str, &str)], unset: &[&str]) -> (i32, String) {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .arg("--now")
            .arg(NOW)
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env_remove("SEGSCOPE_DB");
        for (name, value) in set {
            command.env(name, value);
        }
        for name in unset {
            command.env_remove(name);
        }
        let output = command.output().expect("the binary runs");
        let text = format!(
            "{}{}",
            String::from_utf8(output.stdout).expect("UTF-8"),
            String::from_utf8(output.stderr).expect("UTF-8")
        );
        assert!(!text.contains("panicked"), "{text}");
        (output.status.code().unwrap_or(-1), text)
    }

    fn db_path(&self) -> String {
        self.file("segscope.redb").display().to_string()
    }

    /// The workspace in this process, as the terminal UI opens it.
    fn open(&self) -> Workspace {
        let now = segscope::model::datetime_from_text(NOW).expect("an instant");
        let options = OpenOptions {
            now: Some(now),
            record: true,
            ..OpenOptions::default()
        };
        Workspace::open(Path::new(&self.db_path()), options).expect("open the workspace")
    }
}

#[test]
fn check_reports_each_mistake_with_its_file_line_and_column() {
    let db = Db::seeded();
    for (text, expected) in MISTAKES {
        let file = db.write("case.seg", text);
        let stderr = db.expect(1, &["check", &file]);
        for line in *expected {
            let (place, rest) = line.split_once(' ').expect("a place");
            let (message, help) = match rest.split_once(" | ") {
                Some((message, help)) => (message, Some(help)),
                None => (rest, None),
            };
            assert!(
                stderr.contains(&format!("case.seg:{place} ]")),
                "{place} for {text}:\n{stderr}"
            );
            assert!(
                stderr.contains(&format!("Error: {message}\n")),
                "{message}:\n{stderr}"
            );
            if let Some(help) = help {
                assert!(
                    stderr.contains(&format!("Help: {help}\n")),
                    "{help}:\n{stderr}"
                );
            }
        }
        assert!(
            stderr.contains(&format!(
                "check failed: {} error{}",
                expected.len(),
                if expected.len() == 1 { "" } else { "s" }
            )),
            "{text}:\n{stderr}"
        );
        // What fails `check` is never applied.
        let stderr = db.expect(1, &["apply", &file]);
        assert!(stderr.contains("nothing was applied"), "{stderr}");
    }
}

#[test]
fn the_specs_examples_check_and_apply() {
    let db = Db::seeded();
    let file = db.write("destinations.seg", SPEC);
    let unset = ["HUBSPOT_TOKEN", "HOOK_SECRET"];
    let set = [("HUBSPOT_TOKEN", "pat-1"), ("HOOK_SECRET", "whsec-1")];
    let (code, output) = db.run_with_env(&["check", &file, "--db", &db.db_path()], &set, &[]);
    assert_eq!(code, 0, "{output}");
    assert!(
        output.contains("checked 1 file: 3 definitions, 0 warnings"),
        "{output}"
    );
    let (code, output) = db.run_with_env(&["apply", &file, "--db", &db.db_path()], &[], &unset);
    assert_eq!(code, 0, "{output}");
    assert!(output.contains("applied: 3 added"), "{output}");
    let workspace = db.open();
    let listed: Vec<Destination> = workspace
        .destinations()
        .into_iter()
        .map(|summary| summary.destination)
        .collect();
    // In name order.
    let mut expected = spec_destinations();
    expected.swap(1, 2);
    assert_eq!(listed, expected);
    let hook = workspace
        .destination("OPS HOOK")
        .expect("found ignoring case");
    assert!(matches!(&hook.origin, Origin::File(path) if path.ends_with("destinations.seg")));
    assert_eq!(hook.destination.name, "Ops hook");
}

/// A file whose destinations map or key by properties the data lacks and
/// name variables the environment lacks.
const NEEDS_WARNINGS: &str = r#"destination "CRM" hubspot {
  token env "SEGSCOPE_TEST_UNSET_TOKEN"
  users {
    key emial
    map plna -> plan_tier
    map account.domian -> company_domain
    map account.domain -> company
    map segments -> segscope_segments
  }
  accounts {
    key id -> segscope_account_id
    map nmae -> company_name
  }
}

destination "Hook" webhook {
  url "https://hooks.example.com/segscope"
  secret env "SEGSCOPE_TEST_UNSET_SECRET"
  users { map email -> email  map account_id -> account }
}
"#;

#[test]
fn warnings_name_unset_variables_and_properties_no_entity_has_and_never_fail() {
    let db = Db::seeded();
    let file = db.write("warned.seg", NEEDS_WARNINGS);
    let unset = ["SEGSCOPE_TEST_UNSET_TOKEN", "SEGSCOPE_TEST_UNSET_SECRET"];
    let (code, output) = db.run_with_env(&["check", &file, "--db", &db.db_path()], &[], &unset);
    assert_eq!(code, 0, "{output}");
    assert!(
        output.contains("checked 1 file: 2 definitions, 6 warnings"),
        "{output}"
    );
    for expected in [
        "Warning: the environment variable `SEGSCOPE_TEST_UNSET_TOKEN` is not set: destination \"CRM\" cannot send until it is",
        "Help: set SEGSCOPE_TEST_UNSET_TOKEN where segscope runs; its value is never stored or shown",
        "warned.seg:2:13 ]",
        "Warning: the environment variable `SEGSCOPE_TEST_UNSET_SECRET` is not set: destination \"Hook\" cannot send until it is",
        "Warning: none of the 2 users has a property `emial`: users without a key are skipped, so none would be sent",
        "warned.seg:4:9 ]",
        "Help: did you mean `email`?",
        "Warning: none of the 2 users has a property `plna`",
        "Help: did you mean `plan`?",
        "Warning: none of the 2 accounts has a property `domian`",
        "Help: did you mean `account.domain`?",
        "Warning: none of the 2 accounts has a property `nmae`",
        "warned.seg:12:9 ]",
        "Help: did you mean `name`?",
    ] {
        assert!(output.contains(expected), "{expected}:\n{output}");
    }
    // Built-ins and properties the data has earn nothing.
    assert!(!output.contains("`account_id`"), "{output}");
    assert!(!output.contains("`segments`"), "{output}");

    // Set, a variable earns nothing, and its value is never shown.
    let set = [
        ("SEGSCOPE_TEST_UNSET_TOKEN", "pat-na1-very-secret"),
        ("SEGSCOPE_TEST_UNSET_SECRET", "whsec-also-secret"),
    ];
    let (code, output) = db.run_with_env(&["check", &file, "--db", &db.db_path()], &set, &[]);
    assert_eq!(code, 0, "{output}");
    assert!(output.contains("4 warnings"), "{output}");
    assert!(!output.contains("environment variable"), "{output}");
    assert!(!output.contains("very-secret") && !output.contains("also-secret"));

    // Without a database only the environment has a say.
    let (code, output) = db.run_with_env(&["check", &file], &[], &unset);
    assert_eq!(code, 0, "{output}");
    assert!(
        output.contains("checked 1 file: 2 definitions, 2 warnings"),
        "{output}"
    );
    assert!(output.contains("`SEGSCOPE_TEST_UNSET_TOKEN` is not set"));

    // `apply` prints the data's warnings and applies; the environment is
    // check's (and the sync's) to judge: apply often runs where syncs do not.
    let (code, output) = db.run_with_env(&["apply", &file, "--db", &db.db_path()], &[], &unset);
    assert_eq!(code, 0, "{output}");
    assert!(output.contains("`emial`"), "{output}");
    assert!(!output.contains("environment variable"), "{output}");
    assert!(output.contains("applied: 2 added (CRM, Hook)"), "{output}");

    // The workspace says the same of a destination, one line each.
    let workspace = db.open();
    let hook = workspace.destination("hook").expect("applied").destination;
    assert_eq!(
        workspace.destination_warnings(&hook),
        [
            "the environment variable `SEGSCOPE_TEST_UNSET_SECRET` is not set: destination \"Hook\" cannot send until it is; set SEGSCOPE_TEST_UNSET_SECRET where segscope runs; its value is never stored or shown"
        ]
    );
    let crm = workspace.destination("crm").expect("applied").destination;
    let warnings = workspace.destination_warnings(&crm);
    assert_eq!(warnings.len(), 5, "{warnings:#?}");
    assert!(
        warnings.contains(
            &"none of the 2 users has a property `plna`; did you mean `plan`?".to_string()
        )
    );
}

#[test]
fn properties_are_not_warned_about_without_data() {
    let db = Db::empty();
    let file = db.write("warned.seg", NEEDS_WARNINGS);
    let unset = ["SEGSCOPE_TEST_UNSET_TOKEN", "SEGSCOPE_TEST_UNSET_SECRET"];
    let (code, output) = db.run_with_env(&["check", &file, "--db", &db.db_path()], &[], &unset);
    assert_eq!(code, 0, "{output}");
    assert!(
        output.contains("checked 1 file: 2 definitions, 2 warnings"),
        "{output}"
    );
    assert!(!output.contains("has a property"), "{output}");
}

// ---------------------------------------------------------------- references

#[test]
fn a_segment_a_destination_lists_cannot_be_deleted_or_removed_from_under_it() {
    let db = Db::with_destinations();
    let mut workspace = db.open();
    assert_eq!(
        workspace.referrers("champions"),
        ["destination \"HubSpot\"", "destination \"Ops hook\""]
    );
    assert_eq!(
        workspace.referrers("Power users"),
        ["destination \"HubSpot\""]
    );
    let refused = workspace.delete_segment("Power users");
    assert!(
        matches!(&refused, Err(DeleteSegmentFailure::Referenced { referrers, .. })
            if referrers == &["destination \"HubSpot\""]),
        "{refused:?}"
    );
    assert_eq!(
        refused.unwrap_err().to_string(),
        "\"Power users\" cannot be deleted: destination \"HubSpot\" refers to it"
    );
    // A segment made in the UI, listed by a destination made in the UI.
    let draft = SegmentDraft {
        name: "Callers".to_string(),
        kind: EntityKindChoice(EntityKind::Users),
        condition: "role = \"admin\"".to_string(),
        ..SegmentDraft::default()
    };
    workspace.save_segment(&draft).expect("a UI segment");
    let mut mine = bare("Mine", ConnectorKind::Webhook);
    mine.url = Some("https://hooks.example.com/mine".to_string());
    mine.kinds.push(KindSync {
        segments: strings(&["callers"]),
        ..KindSync::new(EntityKind::Users)
    });
    workspace.save_destination(&mine, None).expect("saved");
    let refused = workspace.delete_segment("Callers");
    assert!(
        matches!(&refused, Err(DeleteSegmentFailure::Referenced { referrers, .. })
            if referrers == &["destination \"Mine\""]),
        "{refused:?}"
    );
    // Nor may it become a segment of accounts under the destination.
    let retyped = SegmentDraft {
        original: Some("Callers".to_string()),
        kind: EntityKindChoice(EntityKind::Accounts),
        condition: "plan = \"pro\"".to_string(),
        ..draft.clone()
    };
    let refused = workspace.save_segment(&retyped);
    assert!(
        matches!(&refused, Err(SaveFailure::Invalid { diagnostics, .. })
            if diagnostics[0].message == "destination \"Mine\": \"Callers\" is a segment of accounts, but this `users` block lists segments of users"),
        "{refused:?}"
    );
    drop(workspace);

    // A file that drops a segment another file's destination lists is
    // refused, naming the destination.
    let segments = db.write(
        "segments.seg",
        &SEGMENTS.replace(
            "segment \"Champions\" for users {\n  where role = \"admin\"\n}\n",
            "",
        ),
    );
    let stderr = db.expect(1, &["apply", &segments]);
    assert!(stderr.contains("destination \"HubSpot\" (in "), "{stderr}");
    assert!(
        stderr.contains("would be left broken: there is no segment named \"Champions\""),
        "{stderr}"
    );
    // Turned into an accounts segment, it breaks them as well.
    let segments = db.write(
        "segments.seg",
        &SEGMENTS.replace("\"Champions\" for users", "\"Champions\" for accounts"),
    );
    let stderr = db.expect(1, &["apply", &segments]);
    assert!(
        stderr.contains(
            "would be left broken: \"Champions\" is a segment of accounts, but this `users` block lists segments of users"
        ),
        "{stderr}"
    );
}

#[test]
fn renaming_a_segment_carries_the_destinations_along_in_their_file() {
    let db = Db::with_destinations();
    let mut workspace = db.open();
    let renamed = SegmentDraft {
        original: Some("Champions".to_string()),
        name: "Heroes".to_string(),
        kind: EntityKindChoice(EntityKind::Users),
        condition: "role = \"admin\"".to_string(),
        ..SegmentDraft::default()
    };
    let refused = workspace.save_segment(&renamed);
    assert!(
        matches!(&refused, Err(SaveFailure::ReferencedRename { referrers, .. })
            if referrers == &["destination \"HubSpot\"", "destination \"Ops hook\""]),
        "{refused:?}"
    );
    workspace
        .rename_segment_updating_references(&renamed)
        .expect("renamed with the destinations");
    assert_eq!(
        workspace
            .destination("HubSpot")
            .expect("there")
            .destination
            .kinds[0]
            .segments,
        ["Heroes", "Power users"]
    );
    assert_eq!(
        workspace
            .destination("Ops hook")
            .expect("there")
            .destination
            .kinds[0]
            .segments,
        ["Heroes"]
    );
    let text = std::fs::read_to_string(db.file("destinations.seg")).expect("the file");
    assert!(text.starts_with("# Where segments go.\n"), "{text}");
    assert!(
        text.contains("segments [\"Heroes\", \"Power users\"]"),
        "{text}"
    );
    assert!(text.contains("segments [\"Heroes\"]"), "{text}");
    assert!(!text.contains("Champions"), "{text}");
    assert!(text.contains("# never stored, never printed"), "{text}");
    // The untouched destination is as it was written.
    assert!(
        text.contains("  accounts { map segments -> segments as text  map domain -> domain }"),
        "{text}"
    );
    // The file still applies as it is.
    drop(workspace);
    let destinations = db.file("destinations.seg").display().to_string();
    let segments = db.file("segments.seg").display().to_string();
    let stderr = db.expect(0, &["apply", &segments, &destinations]);
    assert!(stderr.contains("unchanged"), "{stderr}");
}

// ---------------------------------------------------------------- saving

#[test]
fn a_destination_from_a_file_is_rewritten_in_its_file() {
    let db = Db::with_destinations();
    let mut workspace = db.open();
    let mut hook = workspace
        .destination("Ops hook")
        .expect("there")
        .destination;
    hook.kinds[0].segments = strings(&["Champions", "Power users"]);
    hook.kinds[0].mappings[0].encoding = Some(ListEncoding::Text);
    let report = workspace
        .save_destination(&hook, Some("ops hook"))
        .expect("saved");
    assert_eq!(report.changed, ["Ops hook"]);
    let text = std::fs::read_to_string(db.file("destinations.seg")).expect("the file");
    assert!(text.starts_with("# Where segments go.\n"), "{text}");
    assert!(
        text.contains("    map segments -> segscope_segments as list   # multi-select (enumeration/checkbox)\n"),
        "the other destinations and their comments are kept: {text}"
    );
    assert!(
        text.contains(
            "destination \"Ops hook\" webhook {\n  url \"https://hooks.example.com/segscope\"\n  secret env \"HOOK_SECRET\"\n  users {\n    segments [\"Champions\", \"Power users\"]\n    map segments -> segments as text\n    map email -> email\n  }\n}\n"
        ),
        "{text}"
    );
    let saved = workspace.destination("Ops hook").expect("still there");
    assert_eq!(saved.destination, hook);
    assert!(matches!(&saved.origin, Origin::File(path) if path.ends_with("destinations.seg")));

    // Renamed in its file: the old name is gone from the file and the store.
    hook.name = "Hook".to_string();
    workspace
        .save_destination(&hook, Some("Ops hook"))
        .expect("renamed");
    let text = std::fs::read_to_string(db.file("destinations.seg")).expect("the file");
    assert!(text.contains("destination \"Hook\" webhook {"), "{text}");
    assert!(!text.contains("Ops hook"), "{text}");
    let names: Vec<String> = workspace
        .destinations()
        .into_iter()
        .map(|summary| summary.destination.name)
        .collect();
    // Name order is code-point order.
    assert_eq!(names, ["Hook", "HubSpot", "Nightly export"]);

    // A comment inside the saved definition moves above it.
    let mut hubspot = workspace.destination("HubSpot").expect("there").destination;
    hubspot.kinds[0].mappings[0].encoding = Some(ListEncoding::Text);
    workspace
        .save_destination(&hubspot, Some("HubSpot"))
        .expect("saved");
    let text = std::fs::read_to_string(db.file("destinations.seg")).expect("the file");
    assert!(
        text.contains("# never stored, never printed\n"),
        "comments inside are kept: {text}"
    );
    assert!(
        text.contains("map segments -> segscope_segments as text\n    map plan -> plan_tier"),
        "{text}"
    );

    // A file changed on disk since it was applied is not overwritten.
    std::fs::write(
        db.file("destinations.seg"),
        text.replace("map email -> email", "map email -> mail"),
    )
    .expect("edit the file");
    let refused = workspace.save_destination(&hook, Some("Hook"));
    assert!(
        matches!(&refused, Err(SaveFailure::ChangedOnDisk { .. })),
        "{refused:?}"
    );
}

#[test]
fn a_destination_made_in_the_terminal_ui_is_stored_as_the_uis() {
    let db = Db::with_destinations();
    let mut mine = bare("  Mine  ", ConnectorKind::File);
    mine.path = Some("exports/mine.jsonl".to_string());
    mine.kinds.push(KindSync {
        segments: strings(&["Enterprise ICP"]),
        mappings: vec![mapping("domain", "domain", None)],
        ..KindSync::new(EntityKind::Accounts)
    });
    {
        let mut workspace = db.open();
        let report = workspace.save_destination(&mine, None).expect("saved");
        assert_eq!(report.added, ["Mine"]);
        let saved = workspace.destination("MINE").expect("found ignoring case");
        assert_eq!(saved.origin, Origin::Interactive);
        assert_eq!(saved.destination.name, "Mine");

        // Names are unique among destinations, ignoring case.
        let refused = workspace.save_destination(&bare("hubspot", ConnectorKind::File), None);
        assert!(
            matches!(&refused, Err(SaveFailure::Invalid { diagnostics, .. })
                if diagnostics[0].message == "there is already a destination named \"HubSpot\""),
            "{refused:?}"
        );
        // The segments it lists must exist and be of their kind.
        let mut broken = mine.clone();
        broken.name = "Broken".to_string();
        broken.kinds[0].segments = strings(&["Nobody"]);
        let refused = workspace.save_destination(&broken, None);
        assert!(
            matches!(&refused, Err(SaveFailure::Invalid { diagnostics, .. })
                if diagnostics[0].message == "there is no segment named \"Nobody\""),
            "{refused:?}"
        );
        broken.kinds[0].segments = strings(&["Champions"]);
        assert!(workspace.save_destination(&broken, None).is_err());
        // And it must be a destination its text reads back as.
        broken.kinds[0].segments.clear();
        broken.path = None;
        let refused = workspace.save_destination(&broken, None);
        assert!(
            matches!(&refused, Err(SaveFailure::Invalid { diagnostics, .. })
                if diagnostics[0].message == "file destination \"Broken\" has no `path`"),
            "{refused:?}"
        );
        let refused = workspace.save_destination(&mine, Some("Nobody"));
        assert!(refused.is_err(), "{refused:?}");
    }
    // After reopening, it is there, in name order; renamed, the old name is
    // gone.
    let mut workspace = db.open();
    let names = |workspace: &Workspace| -> Vec<String> {
        workspace
            .destinations()
            .into_iter()
            .map(|summary| summary.destination.name)
            .collect()
    };
    assert_eq!(
        names(&workspace),
        ["HubSpot", "Mine", "Nightly export", "Ops hook"]
    );
    mine.name = "Ours".to_string();
    mine.kinds[0].mappings[0].encoding = Some(ListEncoding::Text);
    let report = workspace
        .save_destination(&mine, Some("mine"))
        .expect("renamed");
    assert_eq!(report.changed, ["Ours"]);
    assert_eq!(
        names(&workspace),
        ["HubSpot", "Nightly export", "Ops hook", "Ours"]
    );
    assert_eq!(
        workspace.destination("ours").expect("there").destination,
        mine
    );
    let stored = workspace
        .definitions()
        .into_iter()
        .find(|d| d.name == "Ours")
        .expect("stored");
    assert_eq!(stored.text, destination_text(&mine));
}

/// A token written in a definition is refused without being repeated: the
/// caret diagnostic shows its line with the value as `*`s.
#[test]
fn a_literal_token_is_refused_without_being_shown() {
    let db = Db::empty();
    let file = db.write(
        "leak.seg",
        "destination \"CRM\" hubspot {\n  token \"pat-na1-do-not-print\"\n  users { key email }\n}\n",
    );
    let (code, output) = db.run_with_env(&["check", &file], &[], &[]);
    assert_eq!(code, 1, "{output}");
    assert!(
        output.contains("a token is never written in a definition"),
        "{output}"
    );
    assert!(!output.contains("do-not-print"), "{output}");
    assert!(output.contains("token ******"), "{output}");
}
