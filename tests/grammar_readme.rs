//! Every example in grammar/README.md is checked: `seg` blocks as files,
//! `condition` blocks as conditions, `invalid` blocks must be rejected; the
//! destinations of the `seg` blocks must read as destinations of each
//! connector, and its playbooks as playbooks of both ways of running.

use segscope::lang::destination::destination_from_block;
use segscope::lang::playbook::playbook_from_block;
use segscope::lang::validate::{SegmentCatalog, SourceFile, validate_condition, validate_files};
use segscope::lang::{Diagnostic, Renderer, parse_condition, parse_file};
use segscope::model::DefinitionKind;
use segscope::model::EntityKind;
use segscope::model::ast::{Definition, File};
use segscope::model::destination::ConnectorKind;
use segscope::model::playbook::Runs;

const README: &str = include_str!("../grammar/README.md");

/// (info string, body) of every fenced block.
fn blocks() -> Vec<(&'static str, String)> {
    let mut blocks = Vec::new();
    let mut lines = README.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.strip_prefix("```") else {
            continue;
        };
        let body: Vec<&str> = lines
            .by_ref()
            .take_while(|l| !l.starts_with("```"))
            .collect();
        blocks.push((info.trim(), body.join("\n")));
    }
    blocks
}

fn file_errors(text: &str, catalog: &SegmentCatalog) -> Vec<Diagnostic> {
    let (file, mut diagnostics) = parse_file(text);
    let source = SourceFile {
        origin: "README",
        text,
        file: &file,
    };
    diagnostics.extend(validate_files(&[source], catalog).remove(0));
    diagnostics.retain(Diagnostic::is_error);
    diagnostics
}

fn render(text: &str, diagnostics: &[Diagnostic]) -> String {
    Renderer {
        origin: "README",
        text,
        color: false,
    }
    .render_all(diagnostics)
}

/// The segments that the README's file examples define, for the conditions.
fn readme_catalog() -> SegmentCatalog {
    let files: Vec<File> = blocks()
        .into_iter()
        .filter(|(info, _)| *info == "seg")
        .map(|(_, text)| parse_file(&text).0)
        .collect();
    SegmentCatalog::from_files(&files)
}

#[test]
fn file_examples_check() {
    let seg_blocks: Vec<_> = blocks().into_iter().filter(|(i, _)| *i == "seg").collect();
    assert!(seg_blocks.len() >= 3, "the README lost its file examples");
    for (_, text) in seg_blocks {
        let errors = file_errors(&text, &SegmentCatalog::new());
        assert!(errors.is_empty(), "{}", render(&text, &errors));
    }
}

#[test]
fn destination_examples_mean_destinations() {
    let mut connectors = Vec::new();
    for (_, text) in blocks().into_iter().filter(|(i, _)| *i == "seg") {
        for definition in parse_file(&text).0.definitions {
            if let Definition::Block(block) = definition
                && block.keyword == DefinitionKind::Destination
            {
                let destination = destination_from_block(&block)
                    .unwrap_or_else(|d| panic!("{}", render(&text, &d)));
                connectors.push(destination.connector);
            }
        }
    }
    for connector in ConnectorKind::ALL {
        assert!(
            connectors.contains(&connector),
            "the README lost its {} destination example",
            connector.word()
        );
    }
}

#[test]
fn playbook_examples_mean_playbooks() {
    let mut playbooks = Vec::new();
    for (_, text) in blocks().into_iter().filter(|(i, _)| *i == "seg") {
        for definition in parse_file(&text).0.definitions {
            if let Definition::Block(block) = definition
                && block.keyword == DefinitionKind::Playbook
            {
                let playbook =
                    playbook_from_block(&block).unwrap_or_else(|d| panic!("{}", render(&text, &d)));
                playbooks.push(playbook);
            }
        }
    }
    for runs in [Runs::EveryEntry, Runs::Once] {
        assert!(
            playbooks.iter().any(|p| p.runs == runs),
            "the README lost its playbook that runs {}",
            runs.words()
        );
    }
    assert!(playbooks.iter().any(|p| p.skip_existing));
    let keywords: Vec<&str> = playbooks
        .iter()
        .flat_map(|p| &p.actions)
        .map(|a| a.keyword())
        .collect();
    for keyword in ["set", "unset", "webhook", "log"] {
        assert!(keywords.contains(&keyword), "no `{keyword}` in the README");
    }
}

#[test]
fn condition_examples_check() {
    let catalog = readme_catalog();
    let mut checked = 0;
    for (_, text) in blocks().into_iter().filter(|(i, _)| *i == "condition") {
        let condition = parse_condition(&text).unwrap_or_else(|d| panic!("{}", render(&text, &d)));
        // A condition is valid for at least one kind.
        let valid = [EntityKind::Users, EntityKind::Accounts]
            .into_iter()
            .any(|kind| validate_condition(&condition, kind, &catalog).is_empty());
        assert!(valid, "{text} is not valid for users nor accounts");
        checked += 1;
    }
    assert!(checked >= 5, "the README lost its condition examples");
}

#[test]
fn invalid_examples_are_rejected() {
    let invalid: Vec<_> = blocks()
        .into_iter()
        .filter(|(i, _)| *i == "invalid")
        .collect();
    assert!(invalid.len() >= 2);
    for (_, text) in invalid {
        assert!(
            !file_errors(&text, &SegmentCatalog::new()).is_empty(),
            "accepted: {text}"
        );
    }
}

#[test]
fn quoted_messages_are_the_real_ones() {
    let cycle = "segment \"A\" for users { where in segment \"B\" }\nsegment \"B\" for users { where in segment \"A\" }";
    let rendered = render(cycle, &file_errors(cycle, &SegmentCatalog::new()));
    assert!(rendered.contains(r#"segments refer to each other in a cycle: "A" -> "B" -> "A""#));
    let view = "view \"Callers\" for users {\n  colums [\"name\"]\n  sort name descending\n  sort email\n}";
    assert!(README.contains(view), "the README's bad view changed");
    let rendered = render(view, &file_errors(view, &SegmentCatalog::new()));
    assert!(
        rendered.contains("a view has no entry `colums`"),
        "{rendered}"
    );
    assert!(rendered.contains("did you mean `columns`?"), "{rendered}");
    assert!(
        rendered.contains(r#"view "Callers" has more than one `sort`"#),
        "{rendered}"
    );
    let destination = "destination \"CRM\" hubspot {\n  url \"https://crm.example.com\"\n  users { map email -> email }\n}";
    assert!(
        README.contains(destination),
        "the README's bad destination changed"
    );
    let rendered = render(
        destination,
        &file_errors(destination, &SegmentCatalog::new()),
    );
    for message in [
        "HubSpot destination \"CRM\" has no `token`",
        "missing key: the `users` block of HubSpot destination \"CRM\" names no `key` to match contacts by",
        "`url` is a setting of webhook destinations, and \"CRM\" is a HubSpot destination",
        "a HubSpot destination's address is `base_url`",
    ] {
        assert!(rendered.contains(message), "{message}: {rendered}");
        assert!(README.contains(message), "{message}");
    }
    let playbook = "playbook \"Nudge\" for users {\n  when trial_ends_at < 3 days from now\n  runs twice\n  set id = \"x\"\n  webhook \"hooks.example.com\"\n}";
    assert!(
        README.contains(playbook),
        "the README's bad playbook changed"
    );
    let rendered = render(playbook, &file_errors(playbook, &SegmentCatalog::new()));
    for message in [
        "a playbook runs `every entry` or `once`, not `twice`",
        "a playbook cannot set `id`: it is the user's identity",
        "a webhook posts to an address starting with https:// or http:// and a host, and \"hooks.example.com\" is not one",
    ] {
        assert!(rendered.contains(message), "{message}: {rendered}");
        assert!(README.contains(message), "{message}");
    }
    let missing = "segment \"Trial\" for users {\n  where plan =\n}";
    let rendered = render(missing, &file_errors(missing, &SegmentCatalog::new()));
    assert!(
        rendered.contains(
            r#"Error: expected a value such as "text", 42, true or 2024-05-01, found `}`"#
        )
    );
}
