//! The tables of the database, named for what they hold.

use redb::TableDefinition;

/// Small facts: the schema version, the next ordinals, the last evaluation.
pub const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
pub const SCHEMA_KEY: &str = "schema_version";
pub const EVALUATED_AT_KEY: &str = "evaluated_at";
pub const DEMO_KEY: &str = "demo";

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
