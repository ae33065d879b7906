//! The tables of the database, named for what they hold.

use redb::TableDefinition;

/// Small facts: the schema version, the next ordinals, the last evaluation.
pub const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
pub const SCHEMA_KEY: &str = "schema_version";
pub const EVALUATED_AT_KEY: &str = "evaluated_at";
pub const DEMO_KEY: &str = "demo";
/// How many changes were committed (u64): with the database token, the
/// stamp that tells a snapshot file of this very state from a stale one.
pub const COMMITS_KEY: &str = "commits";
/// A random number drawn by each commit (u64): two copies of one database
/// that went on separately reach the same commit count, never (but for a
/// 1 in 2^64 chance) the same last commit.
pub const LAST_COMMIT_KEY: &str = "last_commit";

/// id → postcard(StoredEntity)
pub const USERS: TableDefinition<&str, &[u8]> = TableDefinition::new("users");
pub const ACCOUNTS: TableDefinition<&str, &[u8]> = TableDefinition::new("accounts");

/// ordinal → id of deleted entities, so history can still name them (the
/// living ones name themselves).
pub const USER_ORDINALS: TableDefinition<u32, &str> = TableDefinition::new("user_ordinals");
pub const ACCOUNT_ORDINALS: TableDefinition<u32, &str> = TableDefinition::new("account_ordinals");

/// (definition kind, folded name) → postcard(StoredDefinition)
pub const DEFINITIONS: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("definitions");

/// (folded segment name, chunk index) → member bitset words, little-endian.
pub const SEGMENT_MEMBERS: TableDefinition<(&str, u32), &[u8]> =
    TableDefinition::new("segment_members");

/// sequence → postcard(EventBatch)
pub const MEMBERSHIP_EVENTS: TableDefinition<u64, &[u8]> =
    TableDefinition::new("membership_events");

/// (folded destination name, scope — `kind:key property`, e.g.
/// `users:email` —, key) → the payload the destination last acknowledged
/// for that key, as canonical JSON text.
pub const SYNC_STATE: TableDefinition<(&str, &str, &str), &str> =
    TableDefinition::new("sync_state");

/// run id → postcard(SyncRun)
pub const SYNC_RUNS: TableDefinition<u64, &[u8]> = TableDefinition::new("sync_runs");

/// folded destination name → the address it was disabled at (a webhook that
/// answered 410 Gone); a destination pointed elsewhere is enabled again.
pub const DISABLED_DESTINATIONS: TableDefinition<&str, &str> =
    TableDefinition::new("disabled_destinations");

/// (folded playbook name, chunk index) → the rows that satisfied its `when`
/// at the last recorded evaluation, as bitset words like `segment_members`.
pub const PLAYBOOK_MATCHES: TableDefinition<(&str, u32), &[u8]> =
    TableDefinition::new("playbook_matches");

/// (folded playbook name, ordinal) → the firing id, for the entities a
/// `runs once` playbook has fired for (never again).
pub const PLAYBOOK_FIRED_ONCE: TableDefinition<(&str, u32), u64> =
    TableDefinition::new("playbook_fired_once");

/// firing id → postcard(Firing): the runs log.
pub const PLAYBOOK_FIRINGS: TableDefinition<u64, &[u8]> = TableDefinition::new("playbook_firings");

/// (folded playbook name, firing id) → the firing's instant: each
/// playbook's firings, newest last, without decoding them.
pub const PLAYBOOK_FIRINGS_BY_PLAYBOOK: TableDefinition<(&str, u64), i64> =
    TableDefinition::new("playbook_firings_by_playbook");

/// (firing id, action index) → postcard(PendingDelivery): the outbox.
pub const PLAYBOOK_OUTBOX: TableDefinition<(u64, u32), &[u8]> =
    TableDefinition::new("playbook_outbox");

/// folded playbook name → the instant it was disabled at.
pub const DISABLED_PLAYBOOKS: TableDefinition<&str, i64> =
    TableDefinition::new("disabled_playbooks");

/// sequence → postcard(Activity): the activity log.
pub const ACTIVITY_LOG: TableDefinition<u64, &[u8]> = TableDefinition::new("activity_log");

/// The next firing id (u64, little-endian) in `meta`.
pub const NEXT_FIRING_KEY: &str = "next_firing_id";
/// A random token naming this database in webhook ids, in `meta`.
pub const DATABASE_TOKEN_KEY: &str = "database_token";
