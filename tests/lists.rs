//! List views' workspace answers: rows sorted by a property (every type,
//! missing values last both ways, ties in id order, texts that share a
//! long prefix, `account.` properties, `segments`), cells as text, the
//! property catalog a filter picks from, and filter chips joined into one
//! condition of the language.

use segscope::model::EntityKind;
use segscope::model::view::{SortKey, SortOrder};
use segscope::workspace::{ImportFormat, ImportMode, ImportSource, SourceText, Workspace};
use tempfile::TempDir;

mod support;
use support::tui_session::open_workspace;

const USERS: &str = r#"{"id":"u1","account_id":"a1","name":"Zoë Long-Name-B","score":10,"seen":"2025-01-02","tags":["b"]}
{"id":"u2","account_id":"a2","name":"Zoë Long-Name-A","score":-3.5,"seen":"2024-06-01"}
{"id":"u3","name":"adam","score":10,"tags":["a","z"]}
{"id":"u4","account_id":"a1","score":"ten","seen":"2026-01-01"}
{"id":"u5","account_id":"a9","name":"Bea","seen":"2023-01-01","tags":[]}
"#;

const ACCOUNTS: &str = r#"{"id":"a1","plan":"pro","seats":5}
{"id":"a2","plan":"enterprise","seats":50}
"#;

fn workspace() -> (TempDir, Workspace) {
    let dir = TempDir::new().expect("a temporary directory");
    let mut workspace = open_workspace(&dir.path().join("lists.redb"));
    for (kind, data) in [(EntityKind::Accounts, ACCOUNTS), (EntityKind::Users, USERS)] {
        workspace
            .import(
                kind,
                ImportSource::new(
                    std::io::Cursor::new(data.as_bytes().to_vec()),
                    ImportFormat::JsonLines,
                ),
                ImportMode::Merge,
                false,
                &mut |_| std::ops::ControlFlow::Continue(()),
            )
            .expect("the import");
    }
    workspace
        .apply(&[SourceText {
            origin: "lists.seg".to_string(),
            text: r#"segment "Scored" for users { where score is set }
segment "Tagged" for users { where tags is set }
segment "Pro" for accounts { where plan = "pro" }"#
                .to_string(),
        }])
        .expect("the segments apply");
    (dir, workspace)
}

fn ids(workspace: &Workspace, property: &str, order: SortOrder) -> Vec<String> {
    let all = workspace.all_entities(EntityKind::Users);
    let key = SortKey {
        property: property.to_string(),
        order,
    };
    workspace
        .sorted(&all, &key)
        .iter()
        .map(|entity| workspace.id_of(entity))
        .collect()
}

#[test]
fn numbers_sort_by_value_with_other_types_apart_and_missing_last() {
    let (_dir, workspace) = workspace();
    // Numbers first (ties in id order), then the text "ten", then missing.
    assert_eq!(
        ids(&workspace, "score", SortOrder::Ascending),
        ["u2", "u1", "u3", "u4", "u5"]
    );
    assert_eq!(
        ids(&workspace, "score", SortOrder::Descending),
        ["u4", "u1", "u3", "u2", "u5"]
    );
}

#[test]
fn texts_sort_by_code_point_even_past_a_shared_prefix() {
    let (_dir, workspace) = workspace();
    assert_eq!(
        ids(&workspace, "name", SortOrder::Ascending),
        ["u5", "u2", "u1", "u3", "u4"]
    );
    assert_eq!(
        ids(&workspace, "name", SortOrder::Descending),
        ["u3", "u1", "u2", "u5", "u4"]
    );
}

#[test]
fn datetimes_ids_lists_and_account_properties_sort() {
    let (_dir, workspace) = workspace();
    assert_eq!(
        ids(&workspace, "seen", SortOrder::Ascending),
        ["u5", "u2", "u1", "u4", "u3"]
    );
    assert_eq!(
        ids(&workspace, "id", SortOrder::Descending),
        ["u5", "u4", "u3", "u2", "u1"]
    );
    // A list by its first element; an empty list counts as not set.
    assert_eq!(
        ids(&workspace, "tags", SortOrder::Ascending),
        ["u3", "u1", "u2", "u4", "u5"]
    );
    // u3 has no account and u5's account does not exist: both last.
    assert_eq!(
        ids(&workspace, "account.plan", SortOrder::Ascending),
        ["u2", "u1", "u4", "u3", "u5"]
    );
    assert_eq!(
        ids(&workspace, "account.seats", SortOrder::Descending),
        ["u2", "u1", "u4", "u3", "u5"]
    );
    // By how many segments: u1 and u3 are in two, u2 and u4 in one.
    assert_eq!(
        ids(&workspace, "segments", SortOrder::Descending),
        ["u1", "u3", "u2", "u4", "u5"]
    );
    // A property nobody has leaves the order alone.
    assert_eq!(
        ids(&workspace, "nothing", SortOrder::Descending),
        ["u1", "u2", "u3", "u4", "u5"]
    );
}

#[test]
fn cells_read_as_text_and_the_catalog_lists_every_property() {
    let (_dir, workspace) = workspace();
    let all = workspace.all_entities(EntityKind::Users);
    let first = all.iter().next().expect("u1");
    assert_eq!(workspace.cell_text(first, "seen"), "2025-01-02");
    assert_eq!(workspace.cell_text(first, "segments"), "Scored, Tagged");
    assert_eq!(workspace.cell_text(first, "account.plan"), "pro");
    assert_eq!(workspace.cell_text(first, "tags"), "b");
    assert_eq!(workspace.cell_text(first, "missing"), "");
    let catalog = workspace.property_catalog(EntityKind::Users);
    let paths: Vec<&str> = catalog.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "id",
            "account_id",
            "segments",
            "name",
            "score",
            "seen",
            "tags",
            "account.plan",
            "account.seats"
        ]
    );
    let score = catalog.iter().find(|p| p.path == "score").expect("score");
    assert_eq!((score.type_word.as_str(), score.count), ("mixed", 4));
    let plan = catalog
        .iter()
        .find(|p| p.path == "account.plan")
        .expect("plan");
    assert_eq!((plan.count, plan.counted), (2, EntityKind::Accounts));
}

#[test]
fn chips_join_into_one_condition_that_filters_like_query() {
    let (_dir, workspace) = workspace();
    let chips = vec![
        "score >= 0 or score is not set".to_string(),
        "in segment \"Tagged\"".to_string(),
    ];
    let joined = workspace
        .joined_filter(EntityKind::Users, &chips)
        .expect("the chips check")
        .expect("two chips");
    assert_eq!(
        joined,
        "(score >= 0 or score is not set) and in segment \"Tagged\""
    );
    let by_query = workspace.query(EntityKind::Users, &joined).expect("checks");
    let by_chips = workspace
        .filtered(EntityKind::Users, &chips)
        .expect("checks");
    let listed = |set: &segscope::workspace::EntitySet| -> Vec<String> {
        set.iter().map(|e| workspace.id_of(e)).collect()
    };
    assert_eq!(listed(&by_chips), listed(&by_query));
    assert_eq!(listed(&by_chips), ["u1", "u3"]);
    let error = workspace
        .filtered(EntityKind::Users, &["score >".to_string()])
        .expect_err("an unfinished chip");
    assert!(error.starts_with("condition 1:"), "{error}");
    assert_eq!(
        workspace
            .filtered(EntityKind::Users, &[])
            .expect("no chips")
            .len(),
        5
    );
}

#[test]
fn a_sort_job_run_on_another_thread_gives_the_same_order() {
    let (_dir, workspace) = workspace();
    let all = workspace.all_entities(EntityKind::Users);
    for property in [
        "name",
        "score",
        "seen",
        "id",
        "tags",
        "account.plan",
        "segments",
    ] {
        for order in [SortOrder::Ascending, SortOrder::Descending] {
            let key = SortKey {
                property: property.to_string(),
                order,
            };
            let here: Vec<String> = workspace
                .sorted(&all, &key)
                .iter()
                .map(|e| workspace.id_of(e))
                .collect();
            let job = workspace.sort_job(&all, &key);
            let there = std::thread::spawn(move || job.run())
                .join()
                .expect("the sort thread");
            let there: Vec<String> = there.iter().map(|e| workspace.id_of(e)).collect();
            assert_eq!(here, there, "{property} {order:?}");
        }
    }
}

#[test]
fn sets_stay_in_id_order_as_entities_come_and_go() {
    let (_dir, mut workspace) = workspace();
    let ids = |workspace: &Workspace, set: &segscope::workspace::EntitySet| -> Vec<String> {
        set.iter().map(|e| workspace.id_of(e)).collect()
    };
    let all = workspace.all_entities(EntityKind::Users);
    assert_eq!(ids(&workspace, &all), ["u1", "u2", "u3", "u4", "u5"]);
    workspace
        .import(
            EntityKind::Users,
            ImportSource::new(
                std::io::Cursor::new(b"{\"id\":\"u25\",\"score\":1}\n{\"id\":\"u0\"}\n".to_vec()),
                ImportFormat::JsonLines,
            ),
            ImportMode::Merge,
            false,
            &mut |_| std::ops::ControlFlow::Continue(()),
        )
        .expect("the import");
    let all = workspace.all_entities(EntityKind::Users);
    assert_eq!(
        ids(&workspace, &all),
        ["u0", "u1", "u2", "u25", "u3", "u4", "u5"]
    );
    let scored = workspace
        .query(EntityKind::Users, "score is set")
        .expect("checks");
    assert_eq!(ids(&workspace, &scored), ["u1", "u2", "u25", "u3", "u4"]);
    workspace
        .delete(EntityKind::Users, &["u2".to_string()])
        .expect("the delete");
    let all = workspace.all_entities(EntityKind::Users);
    assert_eq!(ids(&workspace, &all), ["u0", "u1", "u25", "u3", "u4", "u5"]);
    // A property change keeps the order (and the cached order is reused).
    workspace
        .set(
            EntityKind::Users,
            "u0",
            vec![(
                "score".to_string(),
                Some(segscope::model::Value::number(3.0)),
            )],
        )
        .expect("the set");
    let scored = workspace
        .query(EntityKind::Users, "score is set")
        .expect("checks");
    assert_eq!(ids(&workspace, &scored), ["u0", "u1", "u25", "u3", "u4"]);
}
