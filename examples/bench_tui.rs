//! The terminal UI's speed on a large database, driven in-process: the time
//! until the Segments table is ready (open the database, build the snapshot,
//! evaluate, draw — the real UI shows a loading screen meanwhile, drawn at
//! once) and the latency of each keystroke while typing a condition in the
//! editor (parse + check + live count + redraw into a TestBackend), median
//! and p99.
//! Beside it, SQLite counting the final condition over the same data.
//!
//! cargo run --release --example bench_tui -- --users 1000000 --accounts 100000

/// The allocator the `segscope` binary uses, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::{BufRead, BufReader, BufWriter};
use std::path::Path;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use segscope::demo::{DEMO_SEGMENTS, write_accounts, write_users};
use segscope::model::EntityKind;
use segscope::store::import::ImportSource;
use segscope::tui::{App, KeyMap, Theme, render};
use segscope::workspace::{ImportMode, OpenOptions, SourceText, Workspace};

const CONDITION: &str =
    r#"sessions_30d >= 20 and last_seen_at > 7 days ago and role in ["admin", "owner"]"#;

fn main() {
    let (users, accounts) = parse_args();
    let now = segscope::lang::parse_datetime("2026-01-01T00:00:00Z").expect("an instant");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = dir.path().join("tui.redb");
    let users_file = dir.path().join("users.jsonl");
    eprintln!("building a database of {users} users and {accounts} accounts...");
    build_database(&db, &users_file, users, accounts, now);

    // First frame: what a user waits for after pressing Enter.
    let start = Instant::now();
    let options = OpenOptions {
        now: Some(now),
        wait: None,
        record: false,
    };
    let workspace = Workspace::open(&db, options).expect("the database opens");
    let mut app = App::new(workspace, KeyMap::defaults(), Theme::plain(), Vec::new());
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("a test terminal");
    render(&mut terminal, &mut app).expect("a frame");
    let first_frame = start.elapsed();

    // Typing a condition: every keystroke evaluated and drawn at once (the
    // debounce only makes it cheaper when typing fast).
    press(&mut app, KeyCode::Char('n'));
    for c in "Busy admins".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    let mut keystrokes = Vec::new();
    for c in CONDITION.chars() {
        let start = Instant::now();
        press(&mut app, KeyCode::Char(c));
        app.tick(Instant::now() + Duration::from_secs(1));
        render(&mut terminal, &mut app).expect("a frame");
        keystrokes.push(start.elapsed());
    }
    // The live count, as the editor shows it: "N of M users".
    let screen: String = terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|cell| cell.symbol())
        .collect();
    let members: usize = screen
        .find(&format!(" of {users} users"))
        .and_then(|end| {
            let digits = screen[..end]
                .bytes()
                .rev()
                .take_while(u8::is_ascii_digit)
                .count();
            screen[end - digits..end].parse().ok()
        })
        .unwrap_or_else(|| panic!("the typed condition must evaluate: {screen}"));
    keystrokes.sort();
    let median = keystrokes[keystrokes.len() / 2];
    let p99 = keystrokes[(keystrokes.len() * 99 / 100).min(keystrokes.len() - 1)];

    eprintln!("SQLite: loading the same users...");
    let (sqlite_count, sqlite_time) = sqlite_count(&users_file, now);

    println!();
    println!("bench_tui: {users} users, {accounts} accounts, terminal 120x40");
    println!("{:<48} {:>12}", "measure", "time");
    println!(
        "{:<48} {:>12}",
        "segments ready (open + evaluate + draw)",
        show(first_frame)
    );
    println!(
        "{:<48} {:>12}",
        format!("keystroke, median of {}", keystrokes.len()),
        show(median)
    );
    println!("{:<48} {:>12}", "keystroke, p99", show(p99));
    println!(
        "{:<48} {:>12}",
        "SQLite: count(*) of the final condition",
        show(sqlite_time)
    );
    println!("live count {members}, SQLite count {sqlite_count}");
}

fn press(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn show(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1e3)
}

fn parse_args() -> (usize, usize) {
    let mut users = 1_000_000;
    let mut accounts = 100_000;
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).and_then(|v| v.parse::<usize>().ok());
        match (pair[0].as_str(), value) {
            ("--users", Some(n)) => users = n,
            ("--accounts", Some(n)) => accounts = n,
            _ => {
                eprintln!("usage: bench_tui [--users N] [--accounts N]");
                std::process::exit(2);
            }
        }
    }
    (users, accounts)
}

fn build_database(db: &Path, users_file: &Path, users: usize, accounts: usize, now: i64) {
    let accounts_file = users_file.with_file_name("accounts.jsonl");
    let mut out = BufWriter::new(std::fs::File::create(&accounts_file).expect("a file"));
    write_accounts(&mut out, accounts, 1, now).expect("generated accounts");
    drop(out);
    let mut out = BufWriter::new(std::fs::File::create(users_file).expect("a file"));
    write_users(&mut out, users, accounts, 1, now).expect("generated users");
    drop(out);
    let options = OpenOptions {
        now: Some(now),
        wait: None,
        record: true,
    };
    let mut workspace = Workspace::open(db, options).expect("a new database");
    for (kind, path) in [
        (EntityKind::Accounts, &accounts_file),
        (EntityKind::Users, &users_file.to_path_buf()),
    ] {
        let source = ImportSource::open(&path.display().to_string()).expect("generated data");
        workspace
            .import(kind, source, ImportMode::Merge, false, &mut |_| {
                std::ops::ControlFlow::Continue(())
            })
            .expect("generated data imports");
    }
    workspace
        .apply(&[SourceText {
            origin: "examples/demo.seg".to_string(),
            text: DEMO_SEGMENTS.to_string(),
        }])
        .expect("the demo segments apply");
}

/// SQLite's count of the same condition over the same users: (count, time).
fn sqlite_count(users_file: &Path, now: i64) -> (i64, Duration) {
    let mut connection = rusqlite::Connection::open_in_memory().expect("SQLite");
    connection
        .execute_batch("CREATE TABLE users (id TEXT PRIMARY KEY, role TEXT, sessions_30d REAL, last_seen_at INTEGER)")
        .expect("schema");
    let transaction = connection.transaction().expect("a transaction");
    {
        let mut insert = transaction
            .prepare("INSERT INTO users VALUES (?1, ?2, ?3, ?4)")
            .expect("insert");
        for line in BufReader::new(std::fs::File::open(users_file).expect("data")).lines() {
            let json: serde_json::Value = serde_json::from_str(&line.expect("line")).expect("json");
            let seen = json["last_seen_at"]
                .as_str()
                .and_then(|t| segscope::lang::parse_datetime(t).ok());
            insert
                .execute(rusqlite::params![
                    json["id"].as_str(),
                    json["role"].as_str(),
                    json["sessions_30d"].as_f64(),
                    seen
                ])
                .expect("insert");
        }
    }
    transaction.commit().expect("commit");
    let week_ago = now - 7 * 86_400_000_000;
    let start = Instant::now();
    let count: i64 = connection
        .query_row(
            "SELECT count(*) FROM users WHERE sessions_30d >= 20 AND last_seen_at > ?1 AND role IN ('admin', 'owner')",
            [week_ago],
            |row| row.get(0),
        )
        .expect("count");
    (count, start.elapsed())
}
