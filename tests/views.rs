//! Saved views: the `view` block read into its meaning and printed back,
//! every error a bad view earns (with its line and column), the workspace
//! saving and deleting views (into the terminal UI's store or rewritten in
//! their file), a view refusing the deletion of a segment it uses, the data
//! warnings about its properties, and `apply`, `views` and `query --view`
//! run as the real binary.

use segscope::lang::format::format_file;
use segscope::lang::validate::{SegmentCatalog, SourceFile, validate_files};
use segscope::lang::view::{view_from_block, view_text};
use segscope::lang::{line_column, parse_file};
use segscope::model::ast::{Definition, Node};
use segscope::model::view::{SortKey, SortOrder, StageLayout, View};
use segscope::model::{EntityKind, Scalar};

const SEGMENTS: &str = r#"segment "Champions" for users {
  where role = "admin"
}

segment "Big" for accounts {
  where seats >= 10
}
"#;

const VIEWS: &str = r#"# The views we work from.
view "Champions to call" for users {
  description "Champions we have not called yet"
  where in segment "Champions" and called_at is not set
  columns ["id", "email", "account.name", "segments"]
  sort last_seen_at desc
}

view "Pipeline" for accounts {
  stages lifecycle_stage ["trial", "active", "churned"]
  columns ["name", "plan"] # what the cards show
}
"#;

// ---------------------------------------------------------------- the language

/// The one view a text defines.
fn view_of(text: &str) -> View {
    let (file, diagnostics) = parse_file(text);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let Some(Definition::Block(block)) = file.definitions.first() else {
        panic!("no block in {text}");
    };
    view_from_block(block).unwrap_or_else(|d| panic!("{d:?}"))
}

/// Every error of checking `text` alone (with the segments above), as
/// `line:column message`.
fn errors(text: &str) -> Vec<String> {
    let whole = format!("{SEGMENTS}{text}");
    let (file, mut diagnostics) = parse_file(&whole);
    let source = SourceFile {
        origin: "views.seg",
        text: &whole,
        file: &file,
    };
    diagnostics.extend(validate_files(&[source], &SegmentCatalog::new()).remove(0));
    let offset_lines = SEGMENTS.lines().count();
    diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            let at = line_column(&whole, d.span.start);
            let help = d
                .help
                .as_deref()
                .map_or(String::new(), |h| format!(" | {h}"));
            format!(
                "{}:{} {}{help}",
                at.line - offset_lines,
                at.column,
                d.message
            )
        })
        .collect()
}

#[test]
fn a_view_block_means_a_view() {
    let view = view_of(VIEWS);
    assert_eq!(view.name, "Champions to call");
    assert_eq!(view.kind, EntityKind::Users);
    assert_eq!(
        view.description.as_deref(),
        Some("Champions we have not called yet")
    );
    assert_eq!(view.columns, ["id", "email", "account.name", "segments"]);
    assert_eq!(
        view.sort,
        Some(SortKey {
            property: "last_seen_at".to_string(),
            order: SortOrder::Descending,
        })
    );
    assert_eq!(view.stages, None);
    let filter = view.filter.expect("a filter");
    let expected =
        segscope::lang::parse_condition(r#"in segment "Champions" and called_at is not set"#)
            .expect("a condition");
    assert!(filter.same_meaning(&expected));

    let pipeline = view_of(&VIEWS[VIEWS.find("view \"Pipeline\"").expect("pipeline")..]);
    assert_eq!(pipeline.kind, EntityKind::Accounts);
    assert_eq!(
        pipeline.stages,
        Some(StageLayout {
            property: "lifecycle_stage".to_string(),
            values: ["trial", "active", "churned"]
                .map(|s| Scalar::String(s.to_string()))
                .to_vec(),
        })
    );
    assert_eq!(pipeline.sort, None);
}

#[test]
fn sort_orders_are_words_in_any_case_and_default_to_ascending() {
    let sort_of = |entry: &str| view_of(&format!("view \"V\" for users {{ {entry} }}")).sort;
    let key = |property: &str, order| {
        Some(SortKey {
            property: property.to_string(),
            order,
        })
    };
    assert_eq!(sort_of("sort seen"), key("seen", SortOrder::Ascending));
    assert_eq!(
        sort_of("sort seen DESC"),
        key("seen", SortOrder::Descending)
    );
    assert_eq!(
        sort_of("sort seen descending"),
        key("seen", SortOrder::Descending)
    );
    assert_eq!(sort_of("sort seen Asc"), key("seen", SortOrder::Ascending));
    assert_eq!(
        sort_of("sort account.plan desc"),
        key("account.plan", SortOrder::Descending)
    );
    // A word that merely starts like one is the next entry's key.
    let view = view_of("view \"V\" for users { sort seen\ndescription \"d\" }");
    assert_eq!(view.sort, key("seen", SortOrder::Ascending));
    assert_eq!(view.description.as_deref(), Some("d"));
    // A property may be named like an order: it is the subject.
    assert_eq!(sort_of("sort desc"), key("desc", SortOrder::Ascending));
}

#[test]
fn views_format_and_read_back_the_same() {
    let (file, diagnostics) = parse_file(VIEWS);
    assert!(diagnostics.is_empty());
    let formatted = format_file(&file, VIEWS);
    assert!(
        formatted.contains("  sort last_seen_at desc\n"),
        "{formatted}"
    );
    assert!(formatted.contains("# what the cards show"), "{formatted}");
    let (again, diagnostics) = parse_file(&formatted);
    assert!(diagnostics.is_empty());
    assert!(again.same_meaning(&file));
    assert_eq!(format_file(&again, &formatted), formatted);
    // `DESC` is spelled one way.
    let shouting = "view \"V\" for users {\n  sort x DESC\n}\n";
    let (file, _) = parse_file(shouting);
    assert_eq!(
        format_file(&file, shouting),
        "view \"V\" for users {\n  sort x desc\n}\n"
    );
}

#[test]
fn a_views_canonical_text_reads_back_as_the_view() {
    for view in [
        view_of(VIEWS),
        view_of(&VIEWS[VIEWS.find("view \"Pipeline\"").expect("pipeline")..]),
        view_of("view \"Bare\" for accounts {}"),
        view_of(
            "view \"Odd\" for users { columns [\"Company Size\"] sort `Company Size` stages tier [1, true, 2024-05-01, \"x\"] }",
        ),
    ] {
        let text = view_text(&view);
        let again = view_of(&text);
        assert_eq!(view_text(&again), text);
        assert_eq!(again.name, view.name);
        assert_eq!(again.columns, view.columns);
        assert_eq!(again.sort, view.sort);
        assert_eq!(again.stages, view.stages);
        assert_eq!(again.description, view.description);
        assert_eq!(
            again.filter.as_ref().map(Node::without_spans),
            view.filter.as_ref().map(Node::without_spans)
        );
    }
    let text = view_text(&view_of(VIEWS));
    assert_eq!(
        text,
        r#"view "Champions to call" for users {
  description "Champions we have not called yet"
  where in segment "Champions" and called_at is not set
  columns ["id", "email", "account.name", "segments"]
  sort last_seen_at desc
}
"#
    );
}

#[test]
fn every_mistake_in_a_view_is_an_error_with_its_place() {
    let cases: &[(&str, &[&str])] = &[
        (
            "view \"V\" {\n  columns [\"a\"]\n}\n",
            &[
                r#"1:6 view "V" needs `for users` or `for accounts` | write: view "V" for users { ... }"#,
            ],
        ),
        (
            "view \"V\" for users hubspot {}\n",
            &[
                "1:20 a view takes no connector, but `hubspot` follows its kind | connectors are for destinations; remove the word",
            ],
        ),
        (
            "view \"V\" for users {\n  colums [\"a\"]\n}\n",
            &["2:3 a view has no entry `colums` | did you mean `columns`?"],
        ),
        (
            "view \"V\" for users {\n  banana 1\n}\n",
            &[
                "2:3 a view has no entry `banana` | a view's entries are `description`, `where`, `columns`, `sort`, `stages`",
            ],
        ),
        (
            "view \"V\" for users {\n  sort a\n  sort b desc\n}\n",
            &[r#"3:3 view "V" has more than one `sort` | keep one of them"#],
        ),
        (
            "view \"V\" for users {\n  where a = 1\n  where b = 2\n}\n",
            &[
                r#"3:3 view "V" has more than one `where` | combine the conditions with `and` or `or` in one `where`"#,
            ],
        ),
        (
            "view \"V\" for users {\n  sort { a 1 }\n}\n",
            &[
                "2:3 `sort` in a view takes no `{ ... }` block | write: sort last_seen_at desc (or asc, the default)",
            ],
        ),
        (
            "view \"V\" for users {\n  sort \"name\" desc\n}\n",
            &[
                "2:3 `sort` in a view takes a property and an order | write: sort last_seen_at desc (or asc, the default)",
            ],
        ),
        (
            "view \"V\" for users {\n  sort name desc 3\n}\n",
            &[
                "2:3 `sort` in a view takes a property and an order, `asc` or `desc` | write: sort last_seen_at desc (or asc, the default)",
            ],
        ),
        (
            "view \"V\" for users {\n  columns \"a\"\n}\n",
            &[
                "2:3 `columns` in a view takes one list of property names in quotes | write: columns [\"name\", \"email\", \"account.plan\"]",
            ],
        ),
        (
            "view \"V\" for users {\n  columns [\"a\", 2]\n}\n",
            &[
                "2:3 `columns` in a view takes property names in quotes | write: columns [\"name\", \"email\", \"account.plan\"]",
            ],
        ),
        (
            "view \"V\" for users {\n  columns [\"a\", \"a\"]\n}\n",
            &["2:3 the column \"a\" is listed twice | list each column once"],
        ),
        (
            "view \"V\" for accounts {\n  columns [\"account.plan\"]\n}\n",
            &[
                "2:3 `account.plan` reads a user's account, but this view is about accounts | write `plan` for the account's own property",
            ],
        ),
        (
            "view \"V\" for accounts {\n  sort account.plan\n}\n",
            &[
                "2:8 `sort account.plan` reads a user's account, but this view is about accounts | write `sort plan` for the account's own property",
            ],
        ),
        (
            "view \"V\" for users {\n  description 42\n}\n",
            &[
                "2:3 `description` in a view takes one text in quotes | write: description \"Champions we have not called yet\"",
            ],
        ),
        (
            "view \"V\" for accounts {\n  stages lifecycle_stage\n}\n",
            &[
                "2:3 `stages` in a view takes a property and the list of its values in order | write: stages lifecycle_stage [\"trial\", \"active\", \"churned\"]",
            ],
        ),
        (
            "view \"V\" for accounts {\n  stages lifecycle_stage []\n}\n",
            &[
                r#"2:3 the stages of view "V" list no values | list the values in the order the board shows them; values not listed go to an "other" column"#,
            ],
        ),
        (
            "view \"V\" for accounts {\n  stages stage [\"a\", \"b\", \"a\"]\n}\n",
            &["2:3 the stage \"a\" is listed twice | list each stage once"],
        ),
        (
            "view \"V\" for users {\n  stages account.stage [\"a\"]\n}\n",
            &[
                "2:10 the stages of a view are its own entities' property, not `account.stage` | moving a card sets the property; make a view for accounts to stage accounts",
            ],
        ),
        (
            "view \"V\" for users {\n  stages segments [\"a\"]\n}\n",
            &[
                "2:10 `segments` cannot be a stage property: it cannot be set | stage by a property you set, such as lifecycle_stage",
            ],
        ),
        (
            "view \"V\" for users {\n  where in segment \"Champion\"\n}\n",
            &[r#"2:20 there is no segment named "Champion" | did you mean "Champions"?"#],
        ),
        (
            "view \"V\" for users {\n  where in segment \"Big\"\n}\n",
            &[
                r#"2:20 "Big" is a segment of accounts, but `in segment` here needs a segment of users | for the user's account write: account in segment "Big""#,
            ],
        ),
        (
            "view \"V\" for accounts {\n  where account in segment \"Champions\"\n}\n",
            &[
                r#"2:9 `account in segment` is for users; this condition is about accounts | write: in segment "Champions""#,
            ],
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(errors(text), *expected, "for {text}");
    }
    // Several mistakes are all reported.
    let many = errors("view \"V\" for users hubspot {\n  colums []\n  sort \"x\"\n}\n");
    assert_eq!(many.len(), 3, "{many:?}");
}

#[test]
fn a_good_view_has_no_errors() {
    assert_eq!(errors(VIEWS), Vec::<String>::new());
}
