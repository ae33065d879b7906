//! The rule that keeps the faces behind the workspace: nothing under
//! `src/cli/` or `src/tui/` reaches into the engine or the store. Inside one
//! crate the compiler cannot enforce it, so this test does: it reads every
//! source file of the faces and names each line that breaks the rule.

use std::path::{Path, PathBuf};

/// What a face may not write: the engine's and the store's modules, and the
/// workspace's door to the engine.
const FORBIDDEN: &[&str] = &[
    "crate::engine",
    "crate::store",
    "segscope::engine",
    "segscope::store",
    ".engine()",
    "fixedbitset",
];

fn rust_files(directory: &Path, found: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(directory)
        .unwrap_or_else(|error| panic!("cannot list {}: {error}", directory.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// Every line of the faces' files that names something forbidden.
fn violations(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    for face in ["src/cli", "src/tui"] {
        rust_files(&root.join(face), &mut files);
    }
    assert!(
        files.len() > 10,
        "the faces' files were not found under {}",
        root.display()
    );
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a readable source file");
        for (index, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            // `crate::{engine, store}` and `super::super::engine` spell the
            // same thing differently.
            let squeezed: String = code.chars().filter(|c| !c.is_whitespace()).collect();
            let grouped = squeezed.contains("crate::{")
                && (squeezed.contains("engine") || squeezed.contains("store"));
            if grouped || FORBIDDEN.iter().any(|f| squeezed.contains(f)) {
                found.push(format!(
                    "{}:{}: {}",
                    file.strip_prefix(root).unwrap_or(&file).display(),
                    index + 1,
                    line.trim()
                ));
            }
        }
    }
    found
}

#[test]
fn faces_reach_only_the_workspace() {
    let found = violations(Path::new(env!("CARGO_MANIFEST_DIR")));
    assert!(
        found.is_empty(),
        "cli/ and tui/ must go through the workspace, not the engine or the store:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_a_violation() {
    // A face that broke the rule is caught (so the test above can fail).
    let root = tempfile::tempdir().expect("a temporary directory");
    for face in ["src/cli", "src/tui"] {
        std::fs::create_dir_all(root.path().join(face)).expect("a directory");
    }
    for index in 0..11 {
        std::fs::write(
            root.path().join(format!("src/cli/f{index}.rs")),
            "use crate::workspace::Workspace;\n",
        )
        .expect("a file");
    }
    std::fs::write(
        root.path().join("src/tui/screen.rs"),
        "fn f(w: &Workspace) { let _ = w.engine(); }\nuse crate::{engine::Engine, model};\n// crate::store in a comment is fine\n",
    )
    .expect("a file");
    let found = violations(root.path());
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found[0].starts_with("src/tui/screen.rs:1:"), "{found:#?}");
    assert!(found[1].starts_with("src/tui/screen.rs:2:"), "{found:#?}");
}
