//! Running the real `segscope` binary from a test: on a database in a
//! directory, as of an instant, with what it printed and how it exited.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_segscope");

/// Runs the binary on `dir/segscope.redb` as of `now`; returns (exit code,
/// stdout, stderr). A panic in it fails the test.
pub fn run_at(dir: &Path, now: &str, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(BIN)
        .args(args)
        .arg("--db")
        .arg(dir.join("segscope.redb"))
        .arg("--now")
        .arg(now)
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8(output.stderr).expect("UTF-8 on stderr");
    assert!(!stderr.contains("panicked"), "{stderr}");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).expect("UTF-8 on stdout"),
        stderr,
    )
}
