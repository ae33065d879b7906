//! Arbitrary bytes (as lossy UTF-8) through the whole language front end:
//! parsing as a file and as a condition, validation, rendering of every
//! diagnostic, and — whenever the text parses without errors — the formatter,
//! which must give text that parses to a tree of the same meaning (spans
//! aside) with the same comments, and that it leaves unchanged.
//!
//! Set `SEGSCOPE_FUZZ_ALLOW_COMMENT_DRIFT=1` to accept a second formatting
//! pass that only moves comments (the known comment-placement bugs), so that
//! a run can look past them for other failures.

#![no_main]

use libfuzzer_sys::fuzz_target;
use segscope::model::ast::{Comment, File, Node};
use segscope::model::EntityKind;
use segscope::lang::format::{format_condition, format_file};
use segscope::lang::validate::{SegmentCatalog, SourceFile, validate_condition, validate_files};
use segscope::lang::{Diagnostic, Renderer, parse_condition, parse_file};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    check_file(&text);
    check_condition(&text);
});

fn render(origin: &str, text: &str, diagnostics: &[Diagnostic]) -> String {
    let renderer = Renderer {
        origin,
        text,
        color: false,
    };
    for diagnostic in diagnostics {
        let _ = renderer.headline(diagnostic);
    }
    renderer.render_all(diagnostics)
}

fn check_file(text: &str) {
    let (file, diagnostics) = parse_file(text);
    render("fuzz.seg", text, &diagnostics);

    // Validation copes with whatever the parser recovered, alone and with a
    // second copy of itself (every name then clashes).
    let source = || SourceFile {
        origin: "fuzz.seg",
        text,
        file: &file,
    };
    let existing = SegmentCatalog::from_files([&file]);
    for list in validate_files(&[source()], &SegmentCatalog::new()) {
        render("fuzz.seg", text, &list);
    }
    for list in validate_files(&[source(), source()], &existing) {
        render("fuzz.seg", text, &list);
    }

    if !diagnostics.is_empty() {
        return;
    }
    let once = format_file(&file, text);
    let (reparsed, again) = parse_file(&once);
    assert!(
        again.is_empty(),
        "formatted text does not parse:\n{once}\n{}",
        render("formatted", &once, &again)
    );
    assert!(
        reparsed.definitions.same_meaning(&file.definitions),
        "formatted text parses to another tree:\n{once}"
    );
    assert_eq!(
        comment_texts(&reparsed),
        comment_texts(&file),
        "formatting lost or changed comments:\n{once}"
    );
    let twice = format_file(&reparsed, &once);
    if twice != once && std::env::var_os("SEGSCOPE_FUZZ_ALLOW_COMMENT_DRIFT").is_some() {
        let (thrice, _) = parse_file(&twice);
        assert_eq!(
            without_comments(&twice, &thrice.comments),
            without_comments(&once, &reparsed.comments),
            "formatting is not a fixed point (beyond comment placement)"
        );
        return;
    }
    assert_eq!(twice, once, "formatting is not a fixed point");
}

fn check_condition(text: &str) {
    match parse_condition(text) {
        Err(diagnostics) => {
            render("condition", text, &diagnostics);
        }
        Ok(condition) => {
            let mut catalog = SegmentCatalog::new();
            catalog.insert("Champions", EntityKind::Users);
            catalog.insert("Enterprise ICP", EntityKind::Accounts);
            for kind in [EntityKind::Users, EntityKind::Accounts] {
                render(
                    "condition",
                    text,
                    &validate_condition(&condition, kind, &catalog),
                );
            }
            let once = format_condition(&condition);
            let reparsed = match parse_condition(&once) {
                Ok(reparsed) => reparsed,
                Err(diagnostics) => panic!(
                    "formatted condition does not parse:\n{once}\n{}",
                    render("condition", &once, &diagnostics)
                ),
            };
            assert!(
                reparsed.same_meaning(&condition),
                "formatted condition: {once}"
            );
            assert_eq!(format_condition(&reparsed), once);
        }
    }
}

fn comment_texts(file: &File) -> Vec<&str> {
    let mut texts: Vec<&str> = file.comments.iter().map(|c| c.text.as_str()).collect();
    texts.sort_unstable();
    texts
}

/// The text with its comments cut out and the lines left blank dropped.
fn without_comments(text: &str, comments: &[Comment]) -> String {
    let mut out = String::new();
    let mut at = 0;
    for comment in comments {
        out.push_str(&text[at..comment.span.start]);
        at = comment.span.end;
    }
    out.push_str(&text[at..]);
    out.lines()
        .map(str::trim_end)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}
