//! The engine's semantics (as grammar/README.md describes them) on small hand-made data: which
//! entities each condition selects, what each change reports as entered and
//! exited, and a property test that incremental updates always agree with a
//! fresh evaluation from scratch.
//!
//! Every world is built twice — loaded and evaluated in full, and upserted
//! one entity at a time after the segments — and both must agree, so each
//! expectation below holds for the bulk and the per-row evaluation alike.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use segscope::engine::{Engine, MembershipDelta, SegmentSpec, Touched};
use segscope::lang::validate::{SegmentCatalog, validate_condition};
use segscope::lang::{parse_condition, parse_datetime};
use segscope::model::EntityKind;
use segscope::model::{ACCOUNT_ID, Entity, Properties, Scalar, Value, property_pairs};

const USERS: EntityKind = EntityKind::Users;
const ACCOUNTS: EntityKind = EntityKind::Accounts;
const NOBODY: [&str; 0] = [];

/// (name, kind, condition)
type Segments<'a> = &'a [(&'a str, EntityKind, &'a str)];
/// (condition, the ids it selects)
type Cases<'a> = &'a [(&'a str, &'a [&'a str])];

// ---------------------------------------------------------------- helpers

fn at(text: &str) -> i64 {
    parse_datetime(text).unwrap()
}

/// The fixed evaluation instant of these tests.
fn now() -> i64 {
    at("2024-06-15T12:00:00Z")
}

fn text(value: &str) -> Value {
    Value::string(value)
}

fn num(value: f64) -> Value {
    Value::number(value)
}

fn flag(value: bool) -> Value {
    Value::Scalar(Scalar::Bool(value))
}

fn time(value: &str) -> Value {
    Value::Scalar(Scalar::DateTime(at(value)))
}

fn list(items: &[Value]) -> Value {
    let scalar = |item: &Value| match item {
        Value::Scalar(scalar) => scalar.clone(),
        Value::List(_) => panic!("lists do not nest"),
    };
    Value::List(items.iter().map(scalar).collect())
}

fn user(id: &str) -> Entity {
    Entity::new(id)
}

fn user_of(id: &str, account_id: &str) -> Entity {
    Entity::new(id).with(ACCOUNT_ID, text(account_id))
}

fn account(id: &str) -> Entity {
    Entity::new(id)
}

/// Parses and validates each segment's condition.
fn specs(segments: Segments) -> Vec<SegmentSpec> {
    let mut catalog = SegmentCatalog::new();
    for (name, kind, _) in segments {
        catalog.insert(name, *kind);
    }
    segments
        .iter()
        .map(|&(name, kind, condition)| {
            let parsed = parse_condition(condition)
                .unwrap_or_else(|errors| panic!("{condition:?} does not parse: {errors:?}"));
            let errors: Vec<_> = validate_condition(&parsed, kind, &catalog)
                .into_iter()
                .filter(|diagnostic| diagnostic.is_error())
                .collect();
            assert!(errors.is_empty(), "{condition:?} is invalid: {errors:?}");
            SegmentSpec::segment(name, kind, parsed)
        })
        .collect()
}

/// The engine re-evaluates everything when a change touches more than a
/// small share of the rows; a spare (removed) row this far out keeps the
/// tables large enough that the changes of these tests go row by row.
const SPARE_ROW: u32 = 255;

fn reserve_rows(engine: &mut Engine) {
    engine.upsert(USERS, SPARE_ROW, "spare", &Properties::new());
    engine.remove(USERS, SPARE_ROW);
}

/// Loads `entities` of `kind` at rows 0, 1, 2… without evaluating.
fn load_rows(engine: &mut Engine, kind: EntityKind, entities: &[Entity]) {
    for (row, entity) in entities.iter().enumerate() {
        engine.load(
            kind,
            row as u32,
            &entity.id,
            property_pairs(&entity.properties),
            &mut Touched::default(),
        );
    }
}

/// An engine at `now` holding `users` and `accounts` (rows in the order
/// given) and `segments`, evaluated in full. The same world built one upsert
/// at a time after `set_segments` must have the same members.
fn engine_at(now: i64, users: &[Entity], accounts: &[Entity], segments: Segments) -> Engine {
    let mut full = Engine::new(now);
    reserve_rows(&mut full);
    load_rows(&mut full, USERS, users);
    load_rows(&mut full, ACCOUNTS, accounts);
    full.install_segments(specs(segments), |_| None).unwrap();
    full.reevaluate_all();

    let mut stepwise = Engine::new(now);
    reserve_rows(&mut stepwise);
    stepwise.set_segments(specs(segments)).unwrap();
    for (row, entity) in users.iter().enumerate() {
        stepwise.upsert(USERS, row as u32, &entity.id, &entity.properties);
    }
    for (row, entity) in accounts.iter().enumerate() {
        stepwise.upsert(ACCOUNTS, row as u32, &entity.id, &entity.properties);
    }
    for (name, _, _) in segments {
        assert_eq!(
            ids(&stepwise, name),
            ids(&full, name),
            "segment {name:?} built one upsert at a time"
        );
    }
    full
}

fn engine(users: &[Entity], accounts: &[Entity], segments: Segments) -> Engine {
    engine_at(now(), users, accounts, segments)
}

/// The ids of a segment's members, sorted.
fn ids(engine: &Engine, segment: &str) -> Vec<String> {
    let (kind, members) = engine
        .members(segment)
        .unwrap_or_else(|| panic!("no segment {segment:?}"));
    let table = engine.table(kind);
    let mut ids: Vec<String> = members
        .ones()
        .map(|row| table.ids[row].to_string())
        .collect();
    ids.sort();
    ids
}

fn row(engine: &Engine, kind: EntityKind, id: &str) -> u32 {
    engine
        .row_of(kind, id)
        .unwrap_or_else(|| panic!("no {kind} {id:?}"))
}

/// Each condition, as a segment "S" of `kind` beside `others`, selects
/// exactly the listed ids; every mismatch is reported at once.
fn check_at(
    now: i64,
    kind: EntityKind,
    (users, accounts): (&[Entity], &[Entity]),
    others: Segments,
    cases: Cases,
) {
    let mut failures = Vec::new();
    for &(condition, expected) in cases {
        let mut segments = others.to_vec();
        segments.push(("S", kind, condition));
        let got = ids(&engine_at(now, users, accounts, &segments), "S");
        if got != expected {
            failures.push(format!(
                "{kind} where {condition}\n    expected {expected:?}\n    got      {got:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

fn check_users(users: &[Entity], cases: Cases) {
    check_at(now(), USERS, (users, &[]), &[], cases);
}

/// Membership changes as sorted lines: `+Segment id` entered, `-Segment id`
/// exited.
fn changes(engine: &Engine, deltas: &[MembershipDelta]) -> Vec<String> {
    let mut lines = Vec::new();
    for delta in deltas {
        let table = engine.table(delta.kind);
        for &row in &delta.entered {
            lines.push(format!("+{} {}", delta.segment, table.ids[row as usize]));
        }
        for &row in &delta.exited {
            lines.push(format!("-{} {}", delta.segment, table.ids[row as usize]));
        }
    }
    lines.sort();
    lines
}

/// Inserts or replaces an entity (a new one takes the next row).
fn upsert(engine: &mut Engine, kind: EntityKind, entity: &Entity) -> Vec<String> {
    let row = engine
        .row_of(kind, &entity.id)
        .unwrap_or(engine.table(kind).rows() as u32);
    let deltas = engine.upsert(kind, row, &entity.id, &entity.properties);
    changes(engine, &deltas)
}

fn remove(engine: &mut Engine, kind: EntityKind, id: &str) -> Vec<String> {
    let deltas = engine.remove(kind, row(engine, kind, id));
    changes(engine, &deltas)
}

// ---------------------------------------------------------------- predicates

fn named() -> Vec<Entity> {
    vec![
        user("u1").with("name", text("Alice")),
        user("u2").with("name", text("bob")),
        user("u3").with("name", text("")),
        user("u4").with("name", num(42.0)),
        user("u5"),
        user("u6").with("name", list(&[text("Carol"), text("alice")])),
    ]
}

#[test]
fn string_equality_is_exact_and_negations_are_complements() {
    check_users(
        &named(),
        &[
            (r#"name = "Alice""#, &["u1"]),
            (r#"name == "Alice""#, &["u1"]),
            (r#"name = "alice""#, &["u6"]),
            (r#"name != "Alice""#, &["u2", "u3", "u4", "u5", "u6"]),
            (r#"name <> "Alice""#, &["u2", "u3", "u4", "u5", "u6"]),
            (r#"name != "alice""#, &["u1", "u2", "u3", "u4", "u5"]),
            (r#"name = """#, &["u3"]),
            (r#"name in ["bob", "Carol"]"#, &["u2", "u6"]),
            (r#"name not in ["bob", "Carol"]"#, &["u1", "u3", "u4", "u5"]),
            (r#"name in []"#, &NOBODY),
            (r#"name not in []"#, &["u1", "u2", "u3", "u4", "u5", "u6"]),
        ],
    );
}

#[test]
fn strings_order_by_code_point() {
    check_users(
        &named(),
        &[
            // 'A' < 'B' < 'C' < 'a' < 'b'
            (r#"name < "B""#, &["u1", "u3"]),
            (r#"name <= "bob""#, &["u1", "u2", "u3", "u6"]),
            (r#"name < "bob""#, &["u1", "u3", "u6"]),
            (r#"name > "a""#, &["u2", "u6"]),
            (r#"name >= "bob""#, &["u2"]),
            (r#"name > "bob""#, &NOBODY),
            (r#"name between "b" and "c""#, &["u2"]),
            (r#"name between "Alice" and "Alice""#, &["u1"]),
            (r#"name between "bob" and "bob""#, &["u2"]),
            (r#"name between "c" and "b""#, &NOBODY),
            (
                r#"name not between "b" and "c""#,
                &["u1", "u3", "u4", "u5", "u6"],
            ),
        ],
    );
}

#[test]
fn contains_starts_and_ends_ignore_case() {
    check_users(
        &named(),
        &[
            (r#"name contains "LIC""#, &["u1", "u6"]),
            (r#"name not contains "LIC""#, &["u2", "u3", "u4", "u5"]),
            (r#"name contains """#, &["u1", "u2", "u3", "u6"]),
            (r#"name starts with "B""#, &["u2"]),
            (
                r#"name not starts with "B""#,
                &["u1", "u3", "u4", "u5", "u6"],
            ),
            (r#"name ends with "OL""#, &["u6"]),
            (
                r#"name not ends with "OL""#,
                &["u1", "u2", "u3", "u4", "u5"],
            ),
            (r#"name ends with "ICE""#, &["u1", "u6"]),
        ],
    );
}

#[test]
fn matches_searches_unanchored_and_case_sensitive_unless_i() {
    check_users(
        &named(),
        &[
            (r#"name matches "li""#, &["u1", "u6"]),
            (r#"name matches "LI""#, &NOBODY),
            (r#"name matches "(?i)LI""#, &["u1", "u6"]),
            (r#"name matches "^[A-Z]""#, &["u1", "u6"]),
            (r#"name not matches "^[A-Z]""#, &["u2", "u3", "u4", "u5"]),
            (r#"name matches "^bob$""#, &["u2"]),
            (r#"name matches "^$""#, &["u3"]),
            (r#"name not matches "o""#, &["u1", "u3", "u4", "u5"]),
        ],
    );
}

#[test]
fn is_set_treats_empty_string_and_empty_list_as_unset() {
    let users = [
        user("u1").with("p", text("x")),
        user("u2").with("p", text("")),
        user("u3").with("p", list(&[])),
        user("u4").with("p", list(&[text("")])),
        user("u5").with("p", num(0.0)),
        user("u6").with("p", flag(false)),
        user("u7"),
        user("u8").with("p", time("1970-01-01")),
    ];
    check_users(
        &users,
        &[
            ("p is set", &["u1", "u4", "u5", "u6", "u8"]),
            ("p is not set", &["u2", "u3", "u7"]),
            ("P is set", &NOBODY),
            (
                "P is not set",
                &["u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8"],
            ),
        ],
    );
}

#[test]
fn has_on_a_scalar_is_equality() {
    check_users(
        &named(),
        &[
            (r#"name has "Alice""#, &["u1"]),
            (r#"name has "alice""#, &["u6"]),
            (r#"name has any ["bob", "alice"]"#, &["u2", "u6"]),
            (r#"name has all ["Carol", "alice"]"#, &["u6"]),
            (r#"name has all ["Carol", "bob"]"#, &NOBODY),
            (r#"name has all ["bob"]"#, &["u2"]),
            (r#"name has 42"#, &["u4"]),
        ],
    );
}

fn seats() -> Vec<Entity> {
    vec![
        user("u1").with("seats", num(50.0)),
        user("u2").with("seats", num(10.5)),
        user("u3").with("seats", num(-3.0)),
        user("u4").with("seats", text("50")),
        user("u5"),
        user("u6").with("seats", list(&[num(1.0), num(100.0)])),
        user("u7").with("seats", flag(true)),
    ]
}

#[test]
fn numbers_compare_as_numbers() {
    check_users(
        &seats(),
        &[
            ("seats = 50", &["u1"]),
            ("seats == 5e1", &["u1"]),
            ("seats = 50.0", &["u1"]),
            ("seats != 50", &["u2", "u3", "u4", "u5", "u6", "u7"]),
            ("seats <> 50", &["u2", "u3", "u4", "u5", "u6", "u7"]),
            ("seats < 10.5", &["u3", "u6"]),
            ("seats <= 10.5", &["u2", "u3", "u6"]),
            ("seats > 50", &["u6"]),
            ("seats >= 50", &["u1", "u6"]),
            ("seats <= -3", &["u3"]),
            ("seats < -3", &NOBODY),
            ("seats between 10.5 and 50", &["u1", "u2"]),
            // One element must be in range: 1 is below 60 and 100 above 50.
            ("seats between 50 and 60", &["u1"]),
            ("seats between -3 and -3", &["u3"]),
            (
                "seats not between 10.5 and 50",
                &["u3", "u4", "u5", "u6", "u7"],
            ),
            ("seats in [50, 100]", &["u1", "u6"]),
            ("seats not in [50, 100]", &["u2", "u3", "u4", "u5", "u7"]),
            ("seats has 100", &["u6"]),
            ("seats has 50", &["u1"]),
            ("seats has any [1, -3]", &["u3", "u6"]),
            ("seats has all [1, 100]", &["u6"]),
            ("seats has all [1, 2]", &NOBODY),
            ("seats is set", &["u1", "u2", "u3", "u4", "u6", "u7"]),
            ("seats is not set", &["u5"]),
        ],
    );
}

#[test]
fn numbers_never_match_text_or_bools() {
    check_users(
        &seats(),
        &[
            (r#"seats = "50""#, &["u4"]),
            (r#"seats != "50""#, &["u1", "u2", "u3", "u5", "u6", "u7"]),
            (r#"seats > "1""#, &["u4"]),
            (r#"seats in ["50"]"#, &["u4"]),
            (r#"seats in ["50", 50]"#, &["u1", "u4"]),
            (r#"seats contains "5""#, &["u4"]),
            (
                r#"seats not contains "5""#,
                &["u1", "u2", "u3", "u5", "u6", "u7"],
            ),
            (r#"seats starts with "1""#, &NOBODY),
            (r#"seats matches "0""#, &["u4"]),
            (
                r#"seats not matches "0""#,
                &["u1", "u2", "u3", "u5", "u6", "u7"],
            ),
            (r#"seats between "1" and "9""#, &["u4"]),
            ("seats = true", &["u7"]),
            ("seats = 1", &["u6"]),
        ],
    );
}

#[test]
fn bools_are_equal_or_not_and_never_ordered() {
    let users = [
        user("u1").with("active", flag(true)),
        user("u2").with("active", flag(false)),
        user("u3").with("active", text("true")),
        user("u4"),
        user("u5").with("active", list(&[flag(false)])),
        user("u6").with("active", num(1.0)),
    ];
    check_users(
        &users,
        &[
            ("active = true", &["u1"]),
            ("active == false", &["u2", "u5"]),
            ("active != true", &["u2", "u3", "u4", "u5", "u6"]),
            ("active <> false", &["u1", "u3", "u4", "u6"]),
            (r#"active = "true""#, &["u3"]),
            ("active = 1", &["u6"]),
            ("active < true", &NOBODY),
            ("active > false", &NOBODY),
            ("active between false and true", &NOBODY),
            (
                "active not between false and true",
                &["u1", "u2", "u3", "u4", "u5", "u6"],
            ),
            ("active in [true, 0]", &["u1"]),
            ("active not in [true]", &["u2", "u3", "u4", "u5", "u6"]),
            ("active has false", &["u2", "u5"]),
            ("active is set", &["u1", "u2", "u3", "u5", "u6"]),
            ("active is not set", &["u4"]),
            (r#"active contains "TRU""#, &["u3"]),
        ],
    );
}

/// Ordering operators are for numbers, datetimes and strings (dsl.md §3);
/// on booleans they never hold, whether or not the values are equal.
#[test]

fn ordering_operators_never_hold_for_bools() {
    let users = [
        user("u1").with("active", flag(true)),
        user("u2").with("active", flag(false)),
    ];
    check_users(
        &users,
        &[
            ("active <= true", &NOBODY),
            ("active >= false", &NOBODY),
            ("active between true and true", &NOBODY),
            ("active not between true and true", &["u1", "u2"]),
        ],
    );
}

#[test]
fn backticks_name_any_property() {
    let users = [
        user("u1")
            .with("Company Size", num(50.0))
            .with("order", num(1.0)),
        user("u2")
            .with("Company Size", num(5.0))
            .with("in", text("x")),
    ];
    check_users(
        &users,
        &[
            ("`Company Size` >= 50", &["u1"]),
            ("order = 1", &["u1"]),
            (r#"`in` = "x""#, &["u2"]),
            ("`Company size` is set", &NOBODY),
        ],
    );
}

fn created() -> Vec<Entity> {
    vec![
        user("u1").with("created_at", time("2024-01-01")),
        user("u2").with("created_at", time("2024-06-15T10:00:00Z")),
        user("u3").with("created_at", text("2024-01-01")),
        user("u4"),
        user("u5").with(
            "created_at",
            list(&[time("2023-01-01"), time("2025-01-01")]),
        ),
    ]
}

#[test]
fn datetimes_are_instants() {
    check_users(
        &created(),
        &[
            ("created_at = 2024-01-01", &["u1"]),
            ("created_at == 2024-01-01T00:00:00Z", &["u1"]),
            ("created_at = 2024-01-01T02:00:00+02:00", &["u1"]),
            ("created_at = 2023-12-31T19:00:00-05:00", &["u1"]),
            ("created_at = 2024-01-01T00:00:00.000001Z", &NOBODY),
            ("created_at != 2024-01-01", &["u2", "u3", "u4", "u5"]),
            ("created_at < 2024-01-01", &["u5"]),
            ("created_at <= 2024-01-01", &["u1", "u5"]),
            ("created_at > 2024-06-15T10:00:00Z", &["u5"]),
            ("created_at >= 2024-06-15T10:00:00Z", &["u2", "u5"]),
            (
                "created_at between 2024-01-01 and 2024-06-15T10:00:00Z",
                &["u1", "u2"],
            ),
            (
                "created_at between 2024-01-01T00:00:00.000001Z and 2024-06-15T09:59:59Z",
                &NOBODY,
            ),
            (
                "created_at not between 2024-01-01 and 2024-06-15T10:00:00Z",
                &["u3", "u4", "u5"],
            ),
            ("created_at in [2024-01-01, 2025-01-01]", &["u1", "u5"]),
            (
                "created_at not in [2024-01-01, 2025-01-01]",
                &["u2", "u3", "u4"],
            ),
            ("created_at has 2023-01-01", &["u5"]),
            ("created_at has any [2023-01-01, 2024-01-01]", &["u1", "u5"]),
            ("created_at has all [2023-01-01, 2025-01-01]", &["u5"]),
            ("created_at is set", &["u1", "u2", "u3", "u5"]),
            ("created_at < now", &["u1", "u2", "u5"]),
            ("created_at > now", &["u5"]),
        ],
    );
}

#[test]
fn datetimes_never_match_text() {
    check_users(
        &created(),
        &[
            (r#"created_at = "2024-01-01""#, &["u3"]),
            (r#"created_at >= "2024-01-01""#, &["u3"]),
            (r#"created_at > "2023""#, &["u3"]),
            (r#"created_at != "2024-01-01""#, &["u1", "u2", "u4", "u5"]),
            (r#"created_at contains "2024""#, &["u3"]),
            (
                r#"created_at not contains "2024""#,
                &["u1", "u2", "u4", "u5"],
            ),
            (r#"created_at matches "^2""#, &["u3"]),
            ("created_at = 20240101", &NOBODY),
        ],
    );
}

fn tagged() -> Vec<Entity> {
    vec![
        user("u1").with("tags", list(&[text("vip"), num(2024.0)])),
        user("u2").with("tags", list(&[text("beta"), text("VIP")])),
        user("u3").with("tags", list(&[])),
        user("u4").with("tags", text("vip")),
        user("u5"),
        user("u6").with("tags", list(&[time("2024-06-01"), flag(true)])),
    ]
}

#[test]
fn on_lists_positive_forms_need_any_element_and_negations_need_none() {
    check_users(
        &tagged(),
        &[
            (r#"tags = "vip""#, &["u1", "u4"]),
            (r#"tags != "vip""#, &["u2", "u3", "u5", "u6"]),
            (r#"tags in ["beta", "x"]"#, &["u2"]),
            (
                r#"tags not in ["beta", "x"]"#,
                &["u1", "u3", "u4", "u5", "u6"],
            ),
            (r#"tags contains "VI""#, &["u1", "u2", "u4"]),
            (r#"tags not contains "VI""#, &["u3", "u5", "u6"]),
            (r#"tags starts with "B""#, &["u2"]),
            (
                r#"tags not starts with "B""#,
                &["u1", "u3", "u4", "u5", "u6"],
            ),
            (r#"tags ends with "p""#, &["u1", "u2", "u4"]),
            (r#"tags not ends with "p""#, &["u3", "u5", "u6"]),
            (r#"tags matches "^[a-z]+$""#, &["u1", "u2", "u4"]),
            (r#"tags not matches "^[a-z]+$""#, &["u3", "u5", "u6"]),
            ("tags > 2000", &["u1"]),
            ("tags < 2024-06-02", &["u6"]),
            ("tags between 2000 and 2030", &["u1"]),
            (
                "tags not between 2000 and 2030",
                &["u2", "u3", "u4", "u5", "u6"],
            ),
            ("tags = true", &["u6"]),
            ("tags is set", &["u1", "u2", "u4", "u6"]),
            ("tags is not set", &["u3", "u5"]),
        ],
    );
}

#[test]
fn has_finds_elements_of_mixed_lists_without_coercion() {
    check_users(
        &tagged(),
        &[
            ("tags has 2024", &["u1"]),
            (r#"tags has "2024""#, &NOBODY),
            (r#"tags has "vip""#, &["u1", "u4"]),
            (r#"tags has "VIP""#, &["u2"]),
            ("tags has true", &["u6"]),
            ("tags has 2024-06-01", &["u6"]),
            (r#"tags has any ["beta", 2024]"#, &["u1", "u2"]),
            (r#"tags has any ["x", "y"]"#, &NOBODY),
            (r#"tags has all ["vip", 2024]"#, &["u1"]),
            (r#"tags has all ["vip"]"#, &["u1", "u4"]),
            (r#"tags has all ["vip", "beta"]"#, &NOBODY),
            (r#"not tags has "vip""#, &["u2", "u3", "u5", "u6"]),
        ],
    );
}

#[test]
fn case_insensitive_operators_use_unicode_lower_case() {
    let users = [
        user("u1").with("name", text("Élodie")),
        user("u2").with("name", text("ÉCOLE")),
        user("u3").with("name", text("eloise")),
        user("u4").with("name", text("ΣΟΦΊΑ")),
    ];
    check_users(
        &users,
        &[
            (r#"name contains "é""#, &["u1", "u2"]),
            (r#"name contains "É""#, &["u1", "u2"]),
            (r#"name not contains "É""#, &["u3", "u4"]),
            (r#"name starts with "él""#, &["u1"]),
            (r#"name starts with "ÉL""#, &["u1"]),
            (r#"name ends with "cole""#, &["u2"]),
            (r#"name contains "σοφ""#, &["u4"]),
            (r#"name contains "E""#, &["u1", "u2", "u3"]),
            (r#"name = "élodie""#, &NOBODY),
            (r#"name matches "é""#, &NOBODY),
            (r#"name matches "(?i)é""#, &["u1", "u2"]),
        ],
    );
}

#[test]
fn id_and_account_id_are_properties() {
    let users = [user_of("u1", "a1"), user("u2"), user_of("U3", "a2")];
    check_users(
        &users,
        &[
            (r#"id = "u1""#, &["u1"]),
            (r#"id != "u1""#, &["U3", "u2"]),
            (r#"id starts with "u""#, &["U3", "u1", "u2"]),
            (r#"id matches "^u""#, &["u1", "u2"]),
            (r#"id in ["u2", "U3"]"#, &["U3", "u2"]),
            ("id is set", &["U3", "u1", "u2"]),
            (r#"account_id = "a1""#, &["u1"]),
            ("account_id is not set", &["u2"]),
        ],
    );
}

#[test]
fn not_binds_tighter_than_and_which_binds_tighter_than_or() {
    let users = [
        user("u1").with("x", num(1.0)).with("y", num(0.0)),
        user("u2").with("x", num(2.0)).with("y", num(1.0)),
        user("u3").with("x", num(2.0)).with("y", num(0.0)),
        user("u4").with("x", num(3.0)).with("y", num(1.0)),
    ];
    check_users(
        &users,
        &[
            ("x = 1 or x = 2 and y = 1", &["u1", "u2"]),
            ("(x = 1 or x = 2) and y = 1", &["u2"]),
            ("not x = 1 and y = 1", &["u2", "u4"]),
            ("not (x = 1 and y = 0)", &["u2", "u3", "u4"]),
            ("not not x = 3", &["u4"]),
            ("x = 1 OR x = 3", &["u1", "u4"]),
            ("X = 1 or Y = 1", &NOBODY),
        ],
    );
}

// ---------------------------------------------------------------- time

/// One user per instant, each named by that instant.
fn seen_at(instants: &[&str]) -> Vec<Entity> {
    instants
        .iter()
        .map(|instant| user(instant).with("seen", time(instant)))
        .collect()
}

#[test]
fn relative_times_count_back_and_forward_from_now() {
    let cases: Cases = &[
        ("seen = now", &["2024-06-15T12:00:00Z"]),
        ("seen = 1 minute ago", &["2024-06-15T11:59:00Z"]),
        ("seen = 90 minutes from now", &["2024-06-15T13:30:00Z"]),
        ("seen = 3 hours ago", &["2024-06-15T09:00:00Z"]),
        ("seen = 1 hour from now", &["2024-06-15T13:00:00Z"]),
        ("seen = 2 days ago", &["2024-06-13T12:00:00Z"]),
        ("seen = 1 day from now", &["2024-06-16T12:00:00Z"]),
        ("seen = 1 week ago", &["2024-06-08T12:00:00Z"]),
        ("seen = 2 weeks from now", &["2024-06-29T12:00:00Z"]),
        ("seen = 1 month ago", &["2024-05-15T12:00:00Z"]),
        ("seen = 3 months from now", &["2024-09-15T12:00:00Z"]),
        ("seen = 1 year ago", &["2023-06-15T12:00:00Z"]),
        ("seen = 2 years from now", &["2026-06-15T12:00:00Z"]),
        ("seen = 0 days ago", &["2024-06-15T12:00:00Z"]),
    ];
    let instants: BTreeSet<&str> = cases
        .iter()
        .flat_map(|(_, ids)| ids.iter().copied())
        .collect();
    let users = seen_at(&instants.into_iter().collect::<Vec<_>>());
    check_users(&users, cases);
}

#[test]
fn relative_times_work_with_every_comparison() {
    let users = seen_at(&[
        "2024-06-01T00:00:00Z",
        "2024-06-08T12:00:00Z",
        "2024-06-14T00:00:00Z",
        "2024-06-20T00:00:00Z",
    ]);
    check_users(
        &users,
        &[
            (
                "seen > 7 days ago",
                &["2024-06-14T00:00:00Z", "2024-06-20T00:00:00Z"],
            ),
            (
                "seen >= 7 days ago",
                &[
                    "2024-06-08T12:00:00Z",
                    "2024-06-14T00:00:00Z",
                    "2024-06-20T00:00:00Z",
                ],
            ),
            ("seen < 1 week ago", &["2024-06-01T00:00:00Z"]),
            (
                "seen between 1 week ago and now",
                &["2024-06-08T12:00:00Z", "2024-06-14T00:00:00Z"],
            ),
            (
                "seen not between 1 week ago and now",
                &["2024-06-01T00:00:00Z", "2024-06-20T00:00:00Z"],
            ),
            ("seen > 4 days from now", &["2024-06-20T00:00:00Z"]),
            (
                "seen != 7 days ago",
                &[
                    "2024-06-01T00:00:00Z",
                    "2024-06-14T00:00:00Z",
                    "2024-06-20T00:00:00Z",
                ],
            ),
        ],
    );
}

#[test]
fn months_and_years_clamp_to_the_end_of_the_month() {
    let users = seen_at(&[
        "2024-02-29T12:00:00Z",
        "2024-04-30T12:00:00Z",
        "2023-02-28T12:00:00Z",
        "2025-02-28T12:00:00Z",
    ]);
    let end_of_march = at("2024-03-31T12:00:00Z");
    check_at(
        end_of_march,
        USERS,
        (&users, &[]),
        &[],
        &[
            ("seen = 1 month ago", &["2024-02-29T12:00:00Z"]),
            ("seen = 1 month from now", &["2024-04-30T12:00:00Z"]),
            ("seen = 13 months ago", &["2023-02-28T12:00:00Z"]),
        ],
    );
    let leap_day = at("2024-02-29T12:00:00Z");
    check_at(
        leap_day,
        USERS,
        (&users, &[]),
        &[],
        &[
            ("seen = 1 year ago", &["2023-02-28T12:00:00Z"]),
            ("seen = 1 year from now", &["2025-02-28T12:00:00Z"]),
        ],
    );
}

#[test]
fn offsets_in_values_and_literals_are_converted_to_utc() {
    let users = [
        user("plus_two").with("seen", time("2024-06-15T14:00:00+02:00")),
        user("minus_five").with("seen", time("2024-06-15T07:00:00-05:00")),
        user("utc").with("seen", time("2024-06-15T11:00:00Z")),
    ];
    check_users(
        &users,
        &[
            ("seen = now", &["minus_five", "plus_two"]),
            ("seen = 2024-06-15T12:00:00Z", &["minus_five", "plus_two"]),
            ("seen = 2024-06-15T13:00:00+02:00", &["utc"]),
            ("seen < 2024-06-15T08:00:00-04:00", &["utc"]),
        ],
    );
}

#[test]
fn set_now_moves_members_of_relative_segments() {
    let users = [
        user("u1").with("seen", time("2024-06-10")),
        user("u2").with("seen", time("2024-06-14")),
        user("u3").with("renews", time("2024-07-01")),
    ];
    let segments: Segments = &[
        ("Recent", USERS, "seen > 7 days ago"),
        ("Renewing soon", USERS, "renews < 2 weeks from now"),
    ];
    let mut engine = engine(&users, &[], segments);
    assert_eq!(ids(&engine, "Recent"), ["u1", "u2"]);
    assert_eq!(ids(&engine, "Renewing soon"), NOBODY);

    let deltas = engine.set_now(at("2024-06-20T00:00:00Z")).unwrap();
    assert_eq!(engine.now(), at("2024-06-20T00:00:00Z"));
    assert_eq!(
        changes(&engine, &deltas),
        ["+Renewing soon u3", "-Recent u1"]
    );

    let deltas = engine.set_now(at("2024-06-25T00:00:00Z")).unwrap();
    assert_eq!(changes(&engine, &deltas), ["-Recent u2"]);

    let deltas = engine.set_now(now()).unwrap();
    assert_eq!(
        changes(&engine, &deltas),
        ["+Recent u1", "+Recent u2", "-Renewing soon u3"]
    );
}

// ---------------------------------------------------------------- accounts

/// a1 is big, a2 small, a3 has no properties; u3 has no account, u4 names
/// an account that does not exist, u6's account_id is not text.
fn linked() -> (Vec<Entity>, Vec<Entity>) {
    let users = vec![
        user_of("u1", "a1"),
        user_of("u2", "a2"),
        user("u3"),
        user_of("u4", "ghost"),
        user_of("u5", "a3"),
        user("u6").with(ACCOUNT_ID, num(7.0)),
    ];
    let accounts = vec![
        account("a1")
            .with("plan", text("enterprise"))
            .with("seats", num(100.0)),
        account("a2")
            .with("plan", text("pro"))
            .with("seats", num(10.0)),
        account("a3"),
    ];
    (users, accounts)
}

#[test]
fn account_properties_are_missing_without_an_account() {
    let (users, accounts) = linked();
    check_at(
        now(),
        USERS,
        (&users, &accounts),
        &[],
        &[
            (r#"account.plan = "enterprise""#, &["u1"]),
            (
                r#"account.plan != "enterprise""#,
                &["u2", "u3", "u4", "u5", "u6"],
            ),
            ("account.plan is set", &["u1", "u2"]),
            ("account.plan is not set", &["u3", "u4", "u5", "u6"]),
            ("account.seats between 10 and 100", &["u1", "u2"]),
            (
                "account.seats not between 10 and 100",
                &["u3", "u4", "u5", "u6"],
            ),
            ("account.seats > 5", &["u1", "u2"]),
            ("not account.seats > 5", &["u3", "u4", "u5", "u6"]),
            (r#"account.plan in ["pro"]"#, &["u2"]),
            (
                r#"account.plan not in ["pro"]"#,
                &["u1", "u3", "u4", "u5", "u6"],
            ),
            (r#"account.plan contains "RO""#, &["u2"]),
            (
                r#"account.plan not contains "RO""#,
                &["u1", "u3", "u4", "u5", "u6"],
            ),
            (r#"account.plan matches "^e""#, &["u1"]),
            (
                r#"account.plan not matches "^e""#,
                &["u2", "u3", "u4", "u5", "u6"],
            ),
            (r#"account.id = "a2""#, &["u2"]),
            ("account.id is set", &["u1", "u2", "u5"]),
            ("account.id is not set", &["u3", "u4", "u6"]),
            (r#"account_id = "ghost""#, &["u4"]),
            ("account_id is set", &["u1", "u2", "u4", "u5", "u6"]),
        ],
    );
}

#[test]
fn account_in_segment_reads_the_accounts_members() {
    let (users, accounts) = linked();
    check_at(
        now(),
        USERS,
        (&users, &accounts),
        &[("Big", ACCOUNTS, "seats >= 50")],
        &[
            (r#"account in segment "Big""#, &["u1"]),
            (r#"account in segment "big""#, &["u1"]),
            (
                r#"account not in segment "Big""#,
                &["u2", "u3", "u4", "u5", "u6"],
            ),
            (r#"account.segments has "Big""#, &["u1"]),
        ],
    );
}

#[test]
fn users_link_to_their_account_by_id() {
    let (users, accounts) = linked();
    let engine = engine(&users, &accounts, &[]);
    let account_of = |id| engine.account_of(row(&engine, USERS, id));
    assert_eq!(account_of("u1"), Some(row(&engine, ACCOUNTS, "a1")));
    assert_eq!(account_of("u5"), Some(row(&engine, ACCOUNTS, "a3")));
    for id in ["u3", "u4", "u6"] {
        assert_eq!(account_of(id), None, "{id}");
    }
    let users_of = |id| engine.users_of_account(row(&engine, ACCOUNTS, id));
    assert_eq!(users_of("a1"), [row(&engine, USERS, "u1")]);
    assert_eq!(users_of("a3"), [row(&engine, USERS, "u5")]);
}

/// a1 (enterprise): u1, u2, u3; a2 (pro): u4; a3: nobody; a4: u5 without
/// properties; u6 names an account that does not exist.
fn teams() -> (Vec<Entity>, Vec<Entity>) {
    let users = vec![
        user_of("u1", "a1")
            .with("score", num(10.0))
            .with("seen", time("2024-06-01"))
            .with("role", text("admin")),
        user_of("u2", "a1")
            .with("score", num(20.0))
            .with("seen", time("2024-06-11"))
            .with("role", text("member")),
        user_of("u3", "a1")
            .with("score", text("12"))
            .with("seen", text("never"))
            .with("role", text("admin")),
        user_of("u4", "a2")
            .with("score", num(5.0))
            .with("role", text("admin")),
        user_of("u5", "a4"),
        user_of("u6", "ghost")
            .with("score", num(1000.0))
            .with("seen", time("2024-06-14"))
            .with("role", text("admin")),
    ];
    let accounts = vec![
        account("a1").with("plan", text("enterprise")),
        account("a2").with("plan", text("pro")),
        account("a3"),
        account("a4"),
    ];
    (users, accounts)
}

fn check_teams(cases: Cases) {
    let (users, accounts) = teams();
    let admins: Segments = &[("Admins", USERS, r#"role = "admin""#)];
    check_at(now(), ACCOUNTS, (&users, &accounts), admins, cases);
}

#[test]
fn count_counts_the_accounts_users() {
    check_teams(&[
        ("count(users) = 3", &["a1"]),
        ("count(users) = 0", &["a3"]),
        ("count(users) >= 1", &["a1", "a2", "a4"]),
        ("count(users) != 3", &["a2", "a3", "a4"]),
        (r#"count(users where role = "admin") = 2"#, &["a1"]),
        (r#"count(users where role = "admin") = 0"#, &["a3", "a4"]),
        (r#"count(users where role != "admin") = 1"#, &["a1", "a4"]),
        ("count(users where score is set) >= 1", &["a1", "a2"]),
        ("count(users where seen > 7 days ago) = 1", &["a1"]),
    ]);
}

#[test]
fn sum_adds_numbers_and_skips_everything_else() {
    check_teams(&[
        ("sum(users.score) = 30", &["a1"]),
        ("sum(users.score) = 5", &["a2"]),
        ("sum(users.score) = 0", &["a3", "a4"]),
        ("sum(users.score) > 1000", &NOBODY),
        (r#"sum(users.score where role = "admin") = 10"#, &["a1"]),
        ("sum(users.score) != 30", &["a2", "a3", "a4"]),
    ]);
}

#[test]
fn avg_min_max_of_numbers_are_missing_without_values() {
    check_teams(&[
        ("avg(users.score) = 15", &["a1"]),
        ("avg(users.score) = 5", &["a2"]),
        ("avg(users.score) > 0", &["a1", "a2"]),
        ("avg(users.score) <= 1000", &["a1", "a2"]),
        ("avg(users.score) != 15", &["a2", "a3", "a4"]),
        ("min(users.score) = 10", &["a1"]),
        ("min(users.score) < 6", &["a2"]),
        ("min(users.score) != 10", &["a2", "a3", "a4"]),
        ("max(users.score) = 20", &["a1"]),
        ("max(users.score) >= 5", &["a1", "a2"]),
        (r#"max(users.score where role = "admin") = 10"#, &["a1"]),
        (r#"max(users.score where role = "owner") < 1"#, &NOBODY),
        (
            r#"max(users.score where role = "owner") != 1"#,
            &["a1", "a2", "a3", "a4"],
        ),
    ]);
}

#[test]
fn avg_min_max_of_datetimes_are_instants() {
    check_teams(&[
        ("min(users.seen) = 2024-06-01", &["a1"]),
        ("max(users.seen) = 2024-06-11", &["a1"]),
        ("avg(users.seen) = 2024-06-06", &["a1"]),
        ("avg(users.seen) = 2024-06-06T00:00:00.000001Z", &NOBODY),
        ("max(users.seen) > 7 days ago", &["a1"]),
        ("min(users.seen) < now", &["a1"]),
        ("max(users.seen) != 2024-06-11", &["a2", "a3", "a4"]),
        ("sum(users.seen) > 2000-01-01", &NOBODY),
    ]);
}

#[test]
fn aggregates_compared_with_another_type_are_missing() {
    check_teams(&[
        (r#"sum(users.score) = "30""#, &NOBODY),
        (r#"sum(users.score) != "30""#, &["a1", "a2", "a3", "a4"]),
        (r#"count(users) > "2""#, &NOBODY),
        ("avg(users.seen) > 5", &NOBODY),
        ("max(users.score) > 2000-01-01", &NOBODY),
        ("count(users) = true", &NOBODY),
    ]);
}

#[test]
fn aggregate_filters_may_use_users_segments_and_account_properties() {
    check_teams(&[
        (r#"count(users where in segment "Admins") = 2"#, &["a1"]),
        (
            r#"count(users where not in segment "Admins") = 1"#,
            &["a1", "a4"],
        ),
        (
            r#"count(users where in segment "Admins" and account.plan = "enterprise") = 2"#,
            &["a1"],
        ),
        (
            r#"count(users where in segment "Admins" and account.plan != "enterprise") >= 1"#,
            &["a2"],
        ),
        (r#"sum(users.score where in segment "Admins") = 5"#, &["a2"]),
        (r#"count(users where account.plan = "pro") = 1"#, &["a2"]),
        (r#"count(users where account.id = "a4") = 1"#, &["a4"]),
    ]);
}

#[test]
fn aggregate_filters_may_use_account_in_segment() {
    let (users, accounts) = teams();
    let others: Segments = &[("Enterprise", ACCOUNTS, r#"plan = "enterprise""#)];
    check_at(
        now(),
        ACCOUNTS,
        (&users, &accounts),
        others,
        &[
            (
                r#"count(users where account in segment "Enterprise") = 3"#,
                &["a1"],
            ),
            (
                r#"count(users where account not in segment "Enterprise") >= 1"#,
                &["a2", "a4"],
            ),
        ],
    );
}

// ---------------------------------------------------------------- segments

#[test]
fn segments_chain_in_dependency_order_whatever_the_definition_order() {
    let users = [
        user("u1")
            .with("role", text("admin"))
            .with("seen", time("2024-06-10")),
        user("u2")
            .with("role", text("admin"))
            .with("seen", time("2024-01-01")),
        user("u3")
            .with("role", text("member"))
            .with("seen", time("2024-06-10")),
        user("u4"),
    ];
    let segments: Segments = &[
        ("Others", USERS, r#"not in segment "Active admins""#),
        (
            "Via segments",
            USERS,
            r#"segments has "Admins" and segments has "active""#,
        ),
        (
            "Active admins",
            USERS,
            r#"in segment "Active" and in segment "admins""#,
        ),
        ("Admins", USERS, r#"role = "admin""#),
        ("Active", USERS, "seen > 30 days ago"),
    ];
    let engine = engine(&users, &[], segments);
    assert_eq!(ids(&engine, "Active"), ["u1", "u3"]);
    assert_eq!(ids(&engine, "Admins"), ["u1", "u2"]);
    assert_eq!(ids(&engine, "Active admins"), ["u1"]);
    assert_eq!(ids(&engine, "Others"), ["u2", "u3", "u4"]);
    assert_eq!(ids(&engine, "Via segments"), ["u1"]);
    assert_eq!(
        engine.segments_of(USERS, row(&engine, USERS, "u1")),
        ["Active", "Active admins", "Admins", "Via segments"]
    );
    assert_eq!(
        engine.segments_of(USERS, row(&engine, USERS, "u4")),
        ["Others"]
    );
}

#[test]
fn segments_of_is_sorted_by_byte_order_and_per_kind() {
    let segments: Segments = &[
        ("beta", USERS, r#"id = "u1""#),
        ("Épique", USERS, r#"id = "u1""#),
        ("Alpha", USERS, r#"id = "u1""#),
        ("_under", USERS, r#"id = "u1""#),
        ("a2", USERS, r#"id = "u1""#),
        ("Zeta", USERS, r#"id = "u1""#),
        ("Accounts too", ACCOUNTS, "count(users) >= 0"),
    ];
    let engine = engine(
        &[user_of("u1", "a1"), user("u2")],
        &[account("a1")],
        segments,
    );
    assert_eq!(
        engine.segments_of(USERS, row(&engine, USERS, "u1")),
        ["Alpha", "Zeta", "_under", "a2", "beta", "Épique"]
    );
    assert_eq!(
        engine.segments_of(USERS, row(&engine, USERS, "u2")),
        Vec::<String>::new()
    );
    assert_eq!(
        engine.segments_of(ACCOUNTS, row(&engine, ACCOUNTS, "a1")),
        ["Accounts too"]
    );
}

#[test]
fn queries_read_the_computed_segments_list() {
    let segments: Segments = &[
        ("Champions", USERS, r#"id = "u1""#),
        ("Churned", USERS, r#"id in ["u1", "u2"]"#),
    ];
    let engine = engine(&[user("u1"), user("u2"), user("u3")], &[], segments);
    let query = |condition: &str| {
        let parsed = parse_condition(condition).unwrap();
        let rows = engine.query(USERS, &parsed).unwrap();
        let mut ids: Vec<&str> = rows
            .ones()
            .map(|row| &*engine.table(USERS).ids[row])
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(query(r#"segments has "Champions""#), ["u1"]);
    assert_eq!(query(r#"segments contains "CH""#), ["u1", "u2"]);
    assert_eq!(query(r#"segments starts with "churn""#), ["u1", "u2"]);
    assert_eq!(query(r#"segments not contains "champ""#), ["u2", "u3"]);
    assert_eq!(query("segments is set"), ["u1", "u2"]);
    assert_eq!(query("segments is not set"), ["u3"]);
    assert_eq!(
        query(r#"segments has all ["Champions", "Churned"]"#),
        ["u1"]
    );
    assert_eq!(
        query(r#"segments has any ["Champions", "Churned"]"#),
        ["u1", "u2"]
    );
    assert_eq!(query(r#"segments = "Churned""#), ["u1", "u2"]);
    assert_eq!(query(r#"segments != "Churned""#), ["u3"]);
}

#[test]
fn conditions_that_cannot_compile_are_errors_and_change_nothing() {
    let segments: Segments = &[("Big", ACCOUNTS, "seats > 1")];
    let mut engine = engine(
        &[user("u1")],
        &[account("a1").with("seats", num(5.0))],
        segments,
    );
    for condition in [
        r#"in segment "Nope""#,
        r#"segments has "Nope""#,
        r#"name matches "(""#,
    ] {
        let parsed = parse_condition(condition).unwrap();
        assert!(engine.query(USERS, &parsed).is_err(), "{condition}");
    }
    let cycle: Segments = &[
        ("A", USERS, r#"in segment "B""#),
        ("B", USERS, r#"in segment "C" or x = 1"#),
        ("C", USERS, r#"not in segment "A""#),
    ];
    assert!(engine.set_segments(specs(cycle)).is_err());
    assert_eq!(ids(&engine, "Big"), ["a1"]);
    assert!(engine.members("A").is_none());
}

/// Validation normally rejects these first (dsl.md §4: references resolve
/// to a segment of the right kind), but the engine must not read one kind's
/// members as the other's rows.
#[test]

fn a_reference_to_a_segment_of_the_other_kind_is_an_error() {
    let segments: Segments = &[
        ("Big", ACCOUNTS, "seats > 1"),
        ("Champions", USERS, "score > 1"),
    ];
    let users = [user("u1")];
    let mut engine = engine(&users, &[account("a1").with("seats", num(5.0))], segments);
    for condition in [r#"in segment "Big""#, r#"account in segment "Champions""#] {
        let parsed = parse_condition(condition).unwrap();
        let rows = engine.query(USERS, &parsed).map(|rows| {
            let ids = &engine.table(USERS).ids;
            rows.ones().map(|row| ids[row].clone()).collect::<Vec<_>>()
        });
        assert!(rows.is_err(), "users where {condition} gave {rows:?}");
    }
    let mut unchecked = specs(segments);
    unchecked.push(SegmentSpec::segment(
        "Wrong",
        USERS,
        parse_condition(r#"in segment "Big""#).unwrap(),
    ));
    let deltas = engine.set_segments(unchecked).map(|d| changes(&engine, &d));
    assert!(deltas.is_err(), "installed, with {deltas:?}");
}

// ---------------------------------------------------------------- changes

#[test]
fn set_segments_reports_entries_exits_and_keeps_unchanged_members() {
    let users = [
        user("u1").with("score", num(10.0)),
        user("u2").with("score", num(20.0)),
        user("u3").with("score", num(30.0)),
    ];
    let mut engine = engine(&users, &[account("a1")], &[]);

    let first: Segments = &[
        ("High", USERS, "score >= 20"),
        ("Low", USERS, "score < 20"),
        ("Gone", USERS, "score = 30"),
    ];
    let deltas = engine.set_segments(specs(first)).unwrap();
    assert_eq!(
        changes(&engine, &deltas),
        ["+Gone u3", "+High u2", "+High u3", "+Low u1"]
    );

    let second: Segments = &[
        ("High", USERS, "score >= 30"),
        ("Low", USERS, "score < 20"),
        ("New", USERS, "score = 10"),
    ];
    let deltas = engine.set_segments(specs(second)).unwrap();
    assert_eq!(
        changes(&engine, &deltas),
        ["+New u1", "-Gone u3", "-High u2"]
    );

    let third: Segments = &[
        ("high", USERS, "score >= 30"),
        ("Low", ACCOUNTS, "count(users) = 0"),
        ("New", USERS, "score = 10"),
    ];
    let deltas = engine.set_segments(specs(third)).unwrap();
    assert_eq!(changes(&engine, &deltas), ["+Low a1", "-Low u1"]);
    assert_eq!(ids(&engine, "High"), ["u3"]);

    let deltas = engine.set_segments(specs(third)).unwrap();
    assert_eq!(deltas, []);
}

#[test]
fn upsert_and_remove_report_what_changed() {
    let segments: Segments = &[
        ("Pro", USERS, r#"plan = "pro""#),
        ("Not pro", USERS, r#"plan != "pro""#),
        ("Named", USERS, "name is set"),
    ];
    let users = [
        user("u1").with("plan", text("pro")),
        user("u2").with("plan", text("free")),
    ];
    let mut engine = engine(&users, &[], segments);

    let u2 = user("u2")
        .with("plan", text("pro"))
        .with("name", text("Bo"));
    assert_eq!(
        upsert(&mut engine, USERS, &u2),
        ["+Named u2", "+Pro u2", "-Not pro u2"]
    );
    assert_eq!(upsert(&mut engine, USERS, &u2), Vec::<String>::new());
    assert_eq!(
        upsert(&mut engine, USERS, &user("u1")),
        ["+Not pro u1", "-Pro u1"]
    );
    assert_eq!(remove(&mut engine, USERS, "u2"), ["-Named u2", "-Pro u2"]);
    assert_eq!(engine.row_of(USERS, "u2"), None);
    assert_eq!(engine.remove(USERS, 1), []);
    assert_eq!(upsert(&mut engine, USERS, &user("u3")), ["+Not pro u3"]);
    assert_eq!(ids(&engine, "Not pro"), ["u1", "u3"]);

    // The removed user's row comes back.
    let deltas = engine.upsert(USERS, 1, "u2", &u2.properties);
    assert_eq!(changes(&engine, &deltas), ["+Named u2", "+Pro u2"]);
}

#[test]
fn changing_an_accounts_plan_moves_its_users() {
    let users = [
        user_of("u1", "a1"),
        user_of("u2", "a1"),
        user_of("u3", "a2"),
    ];
    let accounts = [
        account("a1").with("plan", text("pro")),
        account("a2").with("plan", text("enterprise")),
    ];
    let segments: Segments = &[
        ("Champions", USERS, r#"account in segment "Enterprise""#),
        ("Outsiders", USERS, r#"account not in segment "Enterprise""#),
        ("Pro users", USERS, r#"account.plan = "pro""#),
        ("Enterprise", ACCOUNTS, r#"plan = "enterprise""#),
    ];
    let mut engine = engine(&users, &accounts, segments);
    assert_eq!(ids(&engine, "Champions"), ["u3"]);

    let a1 = account("a1").with("plan", text("enterprise"));
    assert_eq!(
        upsert(&mut engine, ACCOUNTS, &a1),
        [
            "+Champions u1",
            "+Champions u2",
            "+Enterprise a1",
            "-Outsiders u1",
            "-Outsiders u2",
            "-Pro users u1",
            "-Pro users u2",
        ]
    );
    let a2 = account("a2").with("plan", text("pro"));
    assert_eq!(
        upsert(&mut engine, ACCOUNTS, &a2),
        [
            "+Outsiders u3",
            "+Pro users u3",
            "-Champions u3",
            "-Enterprise a2"
        ]
    );
}

#[test]
fn changing_a_user_moves_its_account_in_aggregate_segments() {
    let users = [
        user_of("u1", "a1").with("active", flag(true)),
        user_of("u2", "a1").with("active", flag(false)),
        user_of("u3", "a2").with("active", flag(true)),
    ];
    let segments: Segments = &[
        ("In busy", USERS, r#"account in segment "Busy""#),
        (
            "Busy",
            ACCOUNTS,
            r#"count(users where in segment "Active") >= 2"#,
        ),
        ("Team", ACCOUNTS, "count(users) >= 2"),
        ("Active", USERS, "active = true"),
    ];
    let mut engine = engine(&users, &[account("a1"), account("a2")], segments);
    assert_eq!(ids(&engine, "Busy"), NOBODY);
    assert_eq!(ids(&engine, "Team"), ["a1"]);

    let u2 = user_of("u2", "a1").with("active", flag(true));
    assert_eq!(
        upsert(&mut engine, USERS, &u2),
        ["+Active u2", "+Busy a1", "+In busy u1", "+In busy u2"]
    );
    assert_eq!(
        remove(&mut engine, USERS, "u1"),
        [
            "-Active u1",
            "-Busy a1",
            "-In busy u1",
            "-In busy u2",
            "-Team a1",
        ]
    );
}

#[test]
fn a_user_changing_account_affects_the_old_and_the_new_account() {
    let users = [
        user_of("u1", "a1"),
        user_of("u2", "a1"),
        user_of("u3", "a2"),
    ];
    let accounts = [
        account("a1").with("plan", text("pro")),
        account("a2").with("plan", text("enterprise")),
    ];
    let segments: Segments = &[
        ("Team", ACCOUNTS, "count(users) >= 2"),
        ("Solo", ACCOUNTS, "count(users) = 1"),
        ("Enterprise users", USERS, r#"account.plan = "enterprise""#),
    ];
    let mut engine = engine(&users, &accounts, segments);

    assert_eq!(
        upsert(&mut engine, USERS, &user_of("u2", "a2")),
        [
            "+Enterprise users u2",
            "+Solo a1",
            "+Team a2",
            "-Solo a2",
            "-Team a1",
        ]
    );
    assert_eq!(
        upsert(&mut engine, USERS, &user_of("u2", "ghost")),
        ["+Solo a2", "-Enterprise users u2", "-Team a2"]
    );
    assert_eq!(engine.account_of(row(&engine, USERS, "u2")), None);
    assert_eq!(upsert(&mut engine, USERS, &user("u1")), ["-Solo a1"]);
}

#[test]
fn an_account_created_after_its_users_links_them_and_deleting_it_unlinks_them() {
    let users = [
        user_of("u1", "a9").with("role", text("admin")),
        user_of("u2", "a9"),
    ];
    let segments: Segments = &[
        (
            "Has admins",
            ACCOUNTS,
            r#"count(users where role = "admin") >= 1"#,
        ),
        ("Pro users", USERS, r#"account.plan = "pro""#),
        ("Orphans", USERS, "account.id is not set"),
        ("Pro", ACCOUNTS, r#"plan = "pro""#),
        ("In pro", USERS, r#"account in segment "Pro""#),
    ];
    let mut engine = engine(&users, &[], segments);
    assert_eq!(ids(&engine, "Orphans"), ["u1", "u2"]);

    let a9 = account("a9").with("plan", text("pro"));
    let linked = [
        "+Has admins a9",
        "+In pro u1",
        "+In pro u2",
        "+Pro a9",
        "+Pro users u1",
        "+Pro users u2",
        "-Orphans u1",
        "-Orphans u2",
    ];
    assert_eq!(upsert(&mut engine, ACCOUNTS, &a9), linked);
    let a9_row = row(&engine, ACCOUNTS, "a9");
    assert_eq!(engine.users_of_account(a9_row), [0, 1]);
    assert_eq!(engine.account_of(0), Some(a9_row));

    let unlinked = [
        "+Orphans u1",
        "+Orphans u2",
        "-Has admins a9",
        "-In pro u1",
        "-In pro u2",
        "-Pro a9",
        "-Pro users u1",
        "-Pro users u2",
    ];
    assert_eq!(remove(&mut engine, ACCOUNTS, "a9"), unlinked);
    assert_eq!(engine.account_of(0), None);
    assert_eq!(ids(&engine, "Orphans"), ["u1", "u2"]);

    // Created again at another row, it links them again.
    let deltas = engine.upsert(ACCOUNTS, 5, "a9", &a9.properties);
    assert_eq!(changes(&engine, &deltas), linked);
    assert_eq!(engine.account_of(1), Some(5));
}

#[test]
fn apply_batch_reports_the_combined_changes_small_or_large() {
    let users = [
        user_of("u1", "a1").with("score", num(5.0)),
        user_of("u2", "a2").with("score", num(50.0)),
    ];
    let accounts = [
        account("a1").with("plan", text("pro")),
        account("a2").with("plan", text("free")),
    ];
    let segments: Segments = &[
        ("Scorers", USERS, "score > 10"),
        ("Pro users", USERS, r#"account.plan = "pro""#),
        ("High total", ACCOUNTS, "sum(users.score) > 40"),
        ("Pro", ACCOUNTS, r#"plan = "pro""#),
    ];
    // Ten more changes make the batch large enough to be re-evaluated in full.
    for extra in [0, 10] {
        let mut engine = engine(&users, &accounts, segments);
        let u1 = user_of("u1", "a1").with("score", num(60.0));
        let a1 = account("a1").with("plan", text("free"));
        let mut batch = vec![
            (USERS, 0, "u1".to_string(), Some(u1.properties)),
            (ACCOUNTS, 1, "a2".to_string(), None),
            (ACCOUNTS, 0, "a1".to_string(), Some(a1.properties)),
        ];
        for row in 2..2 + extra {
            batch.push((USERS, row, format!("p{row}"), Some(Properties::new())));
        }
        let deltas = engine.apply_batch(batch);
        assert_eq!(
            changes(&engine, &deltas),
            [
                "+High total a1",
                "+Scorers u1",
                "-High total a2",
                "-Pro a1",
                "-Pro users u1",
            ],
            "batch of {} changes",
            extra + 3
        );
        assert_eq!(engine.account_of(1), None);
    }
}

// ---------------------------------------------------------------- incremental = full

const USER_COUNT: usize = 30;
const ACCOUNT_COUNT: usize = 8;
const USER_PROPERTIES: [&str; 5] = ["name", "score", "seen", "tags", "active"];
const ACCOUNT_PROPERTIES: [&str; 3] = ["plan", "seats", "renewal"];

/// Every predicate kind, negated forms, relative times, `account.P`,
/// `account in segment`, aggregates with filters and chains across kinds,
/// listed out of dependency order.
const MIXED_SEGMENTS: Segments = &[
    (
        "Chained",
        USERS,
        r#"segments has "Numbers" or (in segment "Recent" and not in segment "Texty")"#,
    ),
    (
        "In busy",
        USERS,
        r#"account in segment "Busy" or account not in segment "Big" and account.plan is set"#,
    ),
    (
        "Texty",
        USERS,
        r#"name = "Alice" or name contains "LAN" or name starts with "b" or name ends with "E" or name matches "^[A-Z][a-z]+$""#,
    ),
    (
        "Negated",
        USERS,
        r#"(name not contains "l" and name not starts with "B" and score not in [0, 100] and score not between 5 and 10)
           or (tags not ends with "a" and tags not matches "^v" and name <> "" and name != "Alice" and seen is not set)"#,
    ),
    (
        "Numbers",
        USERS,
        r#"score between 5 and 10 or score > 50 or score in [0] or score <= -1 or score = "10" or score == 10.5"#,
    ),
    (
        "Recent",
        USERS,
        "seen > 7 days ago and seen <= now or seen < 1 year ago or seen >= 2 hours from now",
    ),
    (
        "Tagged",
        USERS,
        r#"tags has "vip" or tags has any [2024, "beta"] or tags has all [5, 10] or active = true or (tags is set and active is not set)"#,
    ),
    (
        "Rich",
        USERS,
        r#"account.seats >= 50 and not in segment "Tagged" or account.renewal < 1 month from now or account.id = "a1""#,
    ),
    (
        "Scored",
        ACCOUNTS,
        r#"max(users.score where account.plan = "enterprise" and in segment "Texty") >= 10
           or avg(users.seen) < 2024-06-10
           or min(users.seen) != 2024-06-01 and not in segment "Big""#,
    ),
    (
        "Linked",
        ACCOUNTS,
        r#"count(users where account in segment "Big" and in segment "In busy") >= 1 or in segment "Valuable" and not in segment "Busy""#,
    ),
    (
        "Big",
        ACCOUNTS,
        r#"seats >= 50 or plan in ["enterprise", "pro"] or plan != "free" and renewal between 2024-06-01 and 3 days from now"#,
    ),
    (
        "Busy",
        ACCOUNTS,
        r#"count(users where in segment "Recent") >= 2 or count(users) = 0"#,
    ),
    (
        "Valuable",
        ACCOUNTS,
        "sum(users.score) > 20 or avg(users.score) = 10 or min(users.score) < 0 or max(users.seen) > 3 days ago",
    ),
];

/// Values of every type, missing included, shared by every property.
fn value_pool() -> Vec<Option<Value>> {
    vec![
        None,
        Some(text("Alice")),
        Some(text("alice")),
        Some(text("bob")),
        Some(text("ÉLAN")),
        Some(text("")),
        Some(text("enterprise")),
        Some(text("pro")),
        Some(text("free")),
        Some(text("10")),
        Some(num(0.0)),
        Some(num(-1.0)),
        Some(num(5.0)),
        Some(num(10.0)),
        Some(num(10.5)),
        Some(num(50.0)),
        Some(num(100.0)),
        Some(flag(true)),
        Some(flag(false)),
        Some(time("2023-01-01")),
        Some(time("2024-06-01")),
        Some(time("2024-06-10")),
        Some(time("2024-06-14T12:00:00Z")),
        Some(time("2024-06-15T12:00:00Z")),
        Some(time("2024-06-20")),
        Some(list(&[text("vip"), num(2024.0)])),
        Some(list(&[text("beta"), text("Alice")])),
        Some(list(&[])),
        Some(list(&[num(5.0), num(10.0)])),
        Some(list(&[time("2024-06-10"), text("")])),
    ]
}

fn account_id_pool() -> Vec<Option<Value>> {
    let mut pool: Vec<Option<Value>> = (0..ACCOUNT_COUNT)
        .map(|i| Some(text(&account_key(i))))
        .collect();
    pool.extend([None, Some(text("ghost")), Some(num(3.0))]);
    pool
}

fn user_key(index: usize) -> String {
    format!("u{index}")
}

fn account_key(index: usize) -> String {
    format!("a{index}")
}

fn key(kind: EntityKind, index: usize) -> String {
    match kind {
        EntityKind::Users => user_key(index),
        EntityKind::Accounts => account_key(index),
    }
}

fn properties(names: &'static [&'static str]) -> impl Strategy<Value = Properties> {
    prop::collection::vec(prop::sample::select(value_pool()), names.len()).prop_map(move |values| {
        names
            .iter()
            .zip(values)
            .filter_map(|(name, value)| Some((name.to_string(), value?)))
            .collect()
    })
}

fn user_properties() -> impl Strategy<Value = Properties> {
    (
        properties(&USER_PROPERTIES),
        prop::sample::select(account_id_pool()),
    )
        .prop_map(|(mut properties, account_id)| {
            if let Some(account_id) = account_id {
                properties.insert(ACCOUNT_ID.to_string(), account_id);
            }
            properties
        })
}

fn account_properties() -> impl Strategy<Value = Properties> {
    properties(&ACCOUNT_PROPERTIES)
}

/// Every entity by row; `None` is absent (never created, or removed).
#[derive(Clone, Debug)]
struct Model {
    now: i64,
    users: Vec<Option<Properties>>,
    accounts: Vec<Option<Properties>>,
}

impl Model {
    fn rows(&mut self, kind: EntityKind) -> &mut Vec<Option<Properties>> {
        match kind {
            EntityKind::Users => &mut self.users,
            EntityKind::Accounts => &mut self.accounts,
        }
    }

    /// The account row a user's `account_id` names, if that account exists.
    fn account_of(&self, user: usize) -> Option<u32> {
        let id = self.users[user].as_ref()?.get(ACCOUNT_ID)?.as_str()?;
        let index = (0..ACCOUNT_COUNT).find(|&i| account_key(i) == id)?;
        self.accounts[index].as_ref().map(|_| index as u32)
    }
}

fn model() -> impl Strategy<Value = Model> {
    (
        prop::collection::vec(prop::option::weighted(0.9, user_properties()), USER_COUNT),
        prop::collection::vec(
            prop::option::weighted(0.8, account_properties()),
            ACCOUNT_COUNT,
        ),
    )
        .prop_map(|(users, accounts)| Model {
            now: now(),
            users,
            accounts,
        })
}

#[derive(Clone, Debug)]
enum Change {
    Upsert(EntityKind, usize, Properties),
    Remove(EntityKind, usize),
    /// Only the user's `account_id` changes (`None` unsets it).
    MoveUser(usize, Option<Value>),
    SetNow(i64),
    /// `None` removes.
    Batch(Vec<(EntityKind, usize, Option<Properties>)>),
}

fn batch_item() -> impl Strategy<Value = (EntityKind, usize, Option<Properties>)> {
    prop_oneof![
        (
            0..USER_COUNT,
            prop::option::weighted(0.8, user_properties())
        )
            .prop_map(|(i, p)| (USERS, i, p)),
        (
            0..ACCOUNT_COUNT,
            prop::option::weighted(0.8, account_properties())
        )
            .prop_map(|(i, p)| (ACCOUNTS, i, p)),
    ]
}

fn change() -> impl Strategy<Value = Change> {
    let instants: Vec<i64> = [
        "2024-06-13T00:00:00Z",
        "2024-06-15T12:00:00Z",
        "2024-06-16T12:00:00Z",
        "2024-06-20T00:00:00Z",
        "2024-07-15T12:00:00Z",
        "2025-01-01T00:00:00Z",
    ]
    .into_iter()
    .map(at)
    .collect();
    prop_oneof![
        4 => (0..USER_COUNT, user_properties()).prop_map(|(i, p)| Change::Upsert(USERS, i, p)),
        2 => (0..ACCOUNT_COUNT, account_properties())
            .prop_map(|(i, p)| Change::Upsert(ACCOUNTS, i, p)),
        1 => (0..USER_COUNT).prop_map(|i| Change::Remove(USERS, i)),
        1 => (0..ACCOUNT_COUNT).prop_map(|i| Change::Remove(ACCOUNTS, i)),
        2 => (0..USER_COUNT, prop::sample::select(account_id_pool()))
            .prop_map(|(i, id)| Change::MoveUser(i, id)),
        1 => prop::sample::select(instants).prop_map(Change::SetNow),
        1 => prop::collection::vec(batch_item(), 1..8).prop_map(Change::Batch),
    ]
}

/// Applies a change to the engine and the model; returns the engine's deltas.
fn apply(engine: &mut Engine, model: &mut Model, change: &Change) -> Vec<MembershipDelta> {
    match change {
        Change::Upsert(kind, index, properties) => {
            model.rows(*kind)[*index] = Some(properties.clone());
            engine.upsert(*kind, *index as u32, &key(*kind, *index), properties)
        }
        Change::Remove(kind, index) => {
            model.rows(*kind)[*index] = None;
            engine.remove(*kind, *index as u32)
        }
        Change::MoveUser(index, account_id) => {
            let mut properties = model.users[*index].clone().unwrap_or_default();
            match account_id {
                Some(id) => properties.insert(ACCOUNT_ID.to_string(), id.clone()),
                None => properties.remove(ACCOUNT_ID),
            };
            apply(engine, model, &Change::Upsert(USERS, *index, properties))
        }
        Change::SetNow(now) => {
            model.now = *now;
            engine.set_now(*now).unwrap()
        }
        Change::Batch(items) => {
            let mut batch = Vec::new();
            for (kind, index, properties) in items {
                model.rows(*kind)[*index] = properties.clone();
                batch.push((*kind, *index as u32, key(*kind, *index), properties.clone()));
            }
            engine.apply_batch(batch)
        }
    }
}

/// A fresh engine evaluated in full: users loaded before their accounts.
fn from_scratch(model: &Model, specs: &[SegmentSpec]) -> Engine {
    let mut engine = Engine::new(model.now);
    for (kind, rows) in [(USERS, &model.users), (ACCOUNTS, &model.accounts)] {
        for (index, properties) in rows.iter().enumerate() {
            if let Some(properties) = properties {
                engine.load(
                    kind,
                    index as u32,
                    &key(kind, index),
                    property_pairs(properties),
                    &mut Touched::default(),
                );
            }
        }
    }
    engine.install_segments(specs.to_vec(), |_| None).unwrap();
    engine.reevaluate_all();
    engine
}

/// Segment name → member rows.
type Membership = BTreeMap<String, BTreeSet<u32>>;

fn membership(engine: &Engine) -> Membership {
    engine
        .segment_names()
        .into_iter()
        .map(|(name, _)| {
            let (_, members) = engine.members(&name).unwrap();
            let rows = members.ones().map(|row| row as u32).collect();
            (name, rows)
        })
        .collect()
}

/// `before` with the deltas applied; an entry of a member or an exit of a
/// non-member is an error.
fn replay(before: &Membership, deltas: &[MembershipDelta]) -> Result<Membership, String> {
    let mut after = before.clone();
    for delta in deltas {
        let rows = after
            .get_mut(&delta.segment)
            .ok_or_else(|| format!("a delta for unknown segment {:?}", delta.segment))?;
        for &row in &delta.entered {
            if !rows.insert(row) {
                return Err(format!("row {row} entered {:?} twice", delta.segment));
            }
        }
        for &row in &delta.exited {
            if !rows.remove(&row) {
                return Err(format!(
                    "row {row} exited {:?} without being in it",
                    delta.segment
                ));
            }
        }
    }
    Ok(after)
}

/// The engine's links and computed `segments` agree with the model and the
/// membership.
fn check_links_and_segments(
    engine: &Engine,
    model: &Model,
    members: &Membership,
) -> Result<(), TestCaseError> {
    for user in 0..model.users.len() {
        if model.users[user].is_some() {
            let linked = engine.account_of(user as u32);
            prop_assert_eq!(linked, model.account_of(user), "account of user {}", user);
        }
    }
    let names = engine.segment_names();
    for (kind, count) in [(USERS, model.users.len()), (ACCOUNTS, model.accounts.len())] {
        for row in 0..count as u32 {
            let mut expected: Vec<&str> = names
                .iter()
                .filter(|(name, k)| *k == kind && members[name].contains(&row))
                .map(|(name, _)| name.as_str())
                .collect();
            expected.sort();
            let got = engine.segments_of(kind, row);
            prop_assert_eq!(got, expected, "segments of {} row {}", kind, row);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 128,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn incremental_updates_agree_with_evaluation_from_scratch(
        initial in model(),
        steps in prop::collection::vec(change(), 1..20),
    ) {
        let specs = specs(MIXED_SEGMENTS);
        let mut model = initial.clone();

        // Built one upsert at a time: half the users, the accounts, the rest.
        let mut engine = Engine::new(model.now);
        reserve_rows(&mut engine);
        let mut deltas = engine.set_segments(specs.clone()).unwrap();
        let empty: Membership = specs.iter().map(|s| (s.name.clone(), BTreeSet::new())).collect();
        let half = USER_COUNT / 2;
        let order = (0..half).map(|i| (USERS, i))
            .chain((0..ACCOUNT_COUNT).map(|i| (ACCOUNTS, i)))
            .chain((half..model.users.len()).map(|i| (USERS, i)));
        for (kind, index) in order {
            if let Some(properties) = model.rows(kind)[index].clone() {
                deltas.extend(engine.upsert(kind, index as u32, &key(kind, index), &properties));
            }
        }
        let built = membership(&engine);
        prop_assert_eq!(&built, &membership(&from_scratch(&model, &specs)), "initial world");
        let replayed = replay(&empty, &deltas).map_err(TestCaseError::fail)?;
        prop_assert_eq!(replayed, built.clone(), "initial deltas");
        let mut members = built;

        for change in &steps {
            let deltas = apply(&mut engine, &mut model, change);
            let after = membership(&engine);
            prop_assert_eq!(&after, &membership(&from_scratch(&model, &specs)), "after {:?}", change);
            let replayed = replay(&members, &deltas).map_err(TestCaseError::fail)?;
            prop_assert_eq!(replayed, after.clone(), "deltas of {:?}", change);
            check_links_and_segments(&engine, &model, &after)?;
            members = after;
        }
    }
}

/// Changing one segment re-evaluates it and the segments that read it, and
/// leaves the others alone: an unrelated segment keeps the members it was
/// installed with even when they are not what its condition would give.
#[test]
fn changing_a_segment_reevaluates_it_and_its_dependents_only() {
    let users = [
        user("u1").with("plan", text("pro")).with("seats", num(5.0)),
        user("u2")
            .with("plan", text("free"))
            .with("seats", num(50.0)),
    ];
    let before: Segments = &[
        ("Pro", USERS, r#"plan = "pro""#),
        ("Reads pro", USERS, r#"in segment "Pro""#),
        ("Big", USERS, "seats > 10"),
    ];
    let mut engine = Engine::new(now());
    load_rows(&mut engine, USERS, &users);
    // "Big" is installed with a member its condition would not choose.
    engine
        .install_segments(specs(before), |spec| {
            (spec.name == "Big").then(|| {
                let mut bits = fixedbitset::FixedBitSet::with_capacity(2);
                bits.insert(0);
                bits
            })
        })
        .unwrap();
    let after: Segments = &[
        ("Pro", USERS, r#"plan = "free""#),
        ("Reads pro", USERS, r#"in segment "Pro""#),
        ("Big", USERS, "seats > 10"),
    ];
    engine.set_segments(specs(after)).unwrap();
    assert_eq!(ids(&engine, "Pro"), ["u2"]);
    assert_eq!(ids(&engine, "Reads pro"), ["u2"]);
    assert_eq!(
        ids(&engine, "Big"),
        ["u1"],
        "an unchanged segment was evaluated again"
    );
}
