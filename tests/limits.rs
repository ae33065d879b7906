//! One set of limits for every way data comes in, with the real binary:
//! ids and `account_id` at most 1 KiB and never padded with whitespace
//! (refused with the reason, in JSON lines, JSON arrays, CSV and `set`),
//! and a CSV cell with leading zeros (`00123`, a zip code) kept as text.

use std::path::Path;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_segscope");

fn segscope(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(BIN)
        .current_dir(dir)
        .args(["--db", "segscope.redb"])
        .args(args)
        .env_remove("SEGSCOPE_DB")
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs");
    (
        output.status.success(),
        String::from_utf8(output.stdout).expect("UTF-8"),
        String::from_utf8(output.stderr).expect("UTF-8"),
    )
}

#[test]
fn ids_are_at_most_1_kib_and_never_padded_in_every_format() {
    let dir = tempfile::tempdir().expect("a directory");
    let dir = dir.path();
    let long = "x".repeat(1025);
    let rows = [
        serde_json::json!({"id": " u1"}),
        serde_json::json!({"id": long}),
        serde_json::json!({"id": "u3", "account_id": "a1 "}),
        serde_json::json!({"id": "u4", "account_id": "y".repeat(2000)}),
        serde_json::json!({"id": "u5"}),
    ];
    let lines: Vec<String> = rows.iter().map(|row| row.to_string()).collect();
    std::fs::write(dir.join("u.jsonl"), lines.join("\n")).unwrap();
    std::fs::write(
        dir.join("u.json"),
        serde_json::Value::Array(rows.to_vec()).to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.join("u.csv"),
        format!("id,account_id\nu1 ,\n{long},\nu3,\ta1\nu5,a1\n"),
    )
    .unwrap();
    for (file, lines) in [
        ("u.jsonl", [1, 2, 3, 4]),
        ("u.json", [1, 1, 1, 1]),
        ("u.csv", [2, 3, 4, 4]),
    ] {
        let (ok, _, stderr) = segscope(dir, &["import", "--kind", "users", file]);
        assert!(!ok, "{file}: {stderr}");
        assert!(stderr.contains("nothing was imported"), "{file}: {stderr}");
        assert!(
            stderr.contains("begins or ends with whitespace"),
            "{file}: {stderr}"
        );
        assert!(
            stderr.contains("is 1025 bytes, longer than the limit of 1024 bytes"),
            "{file}: {stderr}"
        );
        if file != "u.json" {
            for line in lines {
                assert!(
                    stderr.contains(&format!("line {line}:")),
                    "{file}: {stderr}"
                );
            }
        }
    }
    let (ok, _, stderr) = segscope(
        dir,
        &["import", "--kind", "users", "u.jsonl", "--skip-invalid"],
    );
    assert!(ok, "{stderr}");
    let (ok, _, stderr) = segscope(dir, &["set", "--kind", "users", "u5", "account_id=\" a1\""]);
    assert!(!ok);
    assert!(
        stderr.contains("account_id \" a1\" begins or ends with whitespace"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was changed"), "{stderr}");
    assert!(!stderr.contains("a bug"), "{stderr}");
}

#[test]
fn csv_leading_zeros_are_text_and_export_keeps_them() {
    let dir = tempfile::tempdir().expect("a directory");
    let dir = dir.path();
    std::fs::write(dir.join("u.csv"), "id,zip,visits,share\nu1,00123,7,0.5\n").unwrap();
    let (ok, _, stderr) = segscope(dir, &["import", "--kind", "users", "u.csv"]);
    assert!(ok, "{stderr}");
    let (ok, stdout, stderr) = segscope(dir, &["export", "--kind", "users"]);
    assert!(ok, "{stderr}");
    let row: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(row["zip"], "00123");
    assert_eq!(row["visits"], 7.0);
    assert_eq!(row["share"], 0.5);
    let (ok, stdout, _) = segscope(
        dir,
        &[
            "query",
            "--kind",
            "users",
            "zip = \"00123\"",
            "--format",
            "ids",
        ],
    );
    assert!(ok);
    assert_eq!(stdout, "u1\n");
}
