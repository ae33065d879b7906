//! The terminal UI's speed on a large database, driven in-process: the time
//! until the Segments table is ready (open the database, build the snapshot,
//! evaluate, draw — the real UI shows a loading screen meanwhile, drawn at
//! once), then the latency of each measured keystroke — `on_key`, a tick
//! late enough to run any debounced check, and the redraw into a 120×40
//! TestBackend — as median, p99 and max: typing a condition in the segment
//! editor and in the list's raw filter, the builder's chip, sorting,
//! paging, opening an entity's detail with "why", removing a chip and
//! editing a property from the detail.
//! Beside them, where one exists, SQLite answering the same question over
//! the same data (a count, a first page, a sorted first page).
//!
//! cargo run --release --example bench_tui -- --users 1000000 --accounts 100000 [--runs N] [--dir DIR]
//!
//! With `--dir` the generated database is kept there and reused by the next
//! run of the same size; `BENCH_TUI_SLOW_MS=20` names every timed key that
//! took 20 ms or more.

/// The allocator the `segscope` binary uses, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::{BufRead, BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;
use segscope::demo::{DEMO_SEGMENTS, write_accounts, write_users};
use segscope::model::EntityKind;
use segscope::store::import::ImportSource;
use segscope::tui::{App, KeyMap, Theme, render};
use segscope::workspace::{ImportMode, OpenOptions, SourceText, Workspace};

/// Typed in the segment editor and in the raw filter, key by key.
const CONDITION: &str =
    r#"sessions_30d >= 20 and last_seen_at > 7 days ago and role in ["admin", "owner"]"#;

/// What a step must redraw within, at p99.
const BUDGET: Duration = Duration::from_millis(50);

/// The builder's chip; "Power users" of examples/demo.seg is this condition.
const POWER_USERS_SQL: &str = "sessions_30d >= 20 AND last_seen_at > ?1";

/// The list's default columns for users, as SQLite reads them.
const LIST_COLUMNS: &str = "id, name, email, title, role";

fn main() {
    let Args {
        users,
        accounts,
        runs,
        dir,
    } = parse_args();
    let now = segscope::lang::parse_datetime("2026-01-01T00:00:00Z").expect("an instant");
    let temporary = tempfile::tempdir().expect("a temporary directory");
    let dir = dir.unwrap_or_else(|| temporary.path().to_path_buf());
    let db = dir.join(format!("tui-{users}-{accounts}.redb"));
    let users_file = dir.join(format!("users-{users}-{accounts}.jsonl"));
    if db.exists() && users_file.exists() {
        eprintln!("reusing {}", db.display());
    } else {
        eprintln!("building a database of {users} users and {accounts} accounts...");
        std::fs::create_dir_all(&dir).expect("the directory");
        build_database(&db, &users_file, users, accounts, now);
    }

    // First frame: what a user waits for after pressing Enter.
    let start = Instant::now();
    let options = OpenOptions {
        now: Some(now),
        wait: None,
        record: false,
    };
    let mut workspace = Workspace::open(&db, options).expect("the database opens");
    // As the UI's loader does.
    workspace.prepare_for_a_session();
    let tables_from = workspace.tables_from().clone();
    let mut bench = Bench::new(workspace);
    let segments_ready = start.elapsed();
    eprintln!("the tables came from {tables_from:?}");

    eprintln!("measuring the segment editor...");
    editor_steps(&mut bench, users);
    bench.restart();
    eprintln!("measuring the Users list...");
    list_steps(&mut bench, runs);
    eprintln!("measuring sorts...");
    sort_steps(&mut bench, runs);
    eprintln!("measuring the detail...");
    detail_steps(&mut bench, runs, "in the sorted list");
    bench.restart();
    detail_steps(&mut bench, runs, "in the unsorted list");
    account_steps(&mut bench, runs);
    eprintln!("measuring the Stages board...");
    stage_steps(&mut bench, runs);

    eprintln!("SQLite: loading the same users...");
    let sqlite = Sqlite::load(&users_file, now);
    sqlite.peers(&mut bench, runs);

    bench.print(users, accounts, segments_ready);
}

/// The segment editor: `n`, a name, Tab Tab, then the condition key by key
/// (parse + check + live count + redraw); its live count must be SQLite's.
fn editor_steps(bench: &mut Bench, users: usize) {
    let of_users = format!(" of {} users", thousands(users));
    bench.press("nBusy admins<Tab><Tab>");
    bench.measure(
        Step::new("editor: typing a condition (check + live count)")
            .timed_each(CONDITION)
            .expect(&of_users),
    );
    let screen = bench.screen();
    let members: usize = screen
        .find(&of_users)
        .and_then(|end| {
            let digits = screen[..end]
                .bytes()
                .rev()
                .take_while(|b| b.is_ascii_digit() || *b == b',')
                .count();
            screen[end - digits..end].replace(',', "").parse().ok()
        })
        .unwrap_or_else(|| panic!("the typed condition must evaluate: {screen}"));
    bench.editor_count = Some(members);
}

/// Users, unsorted: the raw filter, the builder, a chip's removal, paging.
fn list_steps(bench: &mut Bench, runs: usize) {
    bench.press("2");
    bench.measure(
        Step::new("raw filter `/`: typing a condition (check + count)")
            .runs(3)
            .before("/")
            .timed_each(CONDITION)
            .expect("would enter")
            .after("<Esc><Esc>"),
    );
    bench.measure(
        Step::new("builder: open (`a`)")
            .runs(runs)
            .timed("a")
            .expect("Add a condition — property")
            .after("<Esc>"),
    );
    // Segments → in → the segment, by search; the timed Enter adds the chip
    // and lists its members; `f` `x` takes it away again.
    bench.measure(
        Step::new("builder: Enter adds [in segment \"Power users\"]")
            .runs(runs)
            .before("a<Enter><Enter>power users")
            .timed("<Enter>")
            .expect("[in segment \"Power users\"]")
            .after("fx"),
    );
    bench.measure(
        Step::new("chips: `x` removes the chip (`f` first)")
            .runs(runs)
            .before("a<Enter><Enter>power users<Enter>f")
            .timed("x")
            .expect("filter: none"),
    );
    bench.measure(
        Step::new("PgDn, unfiltered list")
            .runs(1)
            .timed_each(&"<PgDn>".repeat(runs))
            .after("g"),
    );
    bench.press("a<Enter><Enter>power users<Enter>");
    bench.measure(
        Step::new("PgDn, filtered list (Power users)")
            .runs(1)
            .timed_each(&"<PgDn>".repeat(runs))
            .after("g"),
    );
    bench.press("fx");
}

/// Sorting the whole Users list by a text and a number column, each way
/// (the Enter in the picker). The list stays sorted by the last one.
fn sort_steps(bench: &mut Bench, runs: usize) {
    for (property, key, word) in [
        ("name", "s", "asc"),
        ("name", "S", "desc"),
        ("sessions_30d", "s", "asc"),
        ("sessions_30d", "S", "desc"),
    ] {
        bench.measure(
            Step::new(&format!("sort by {property} {word} (Enter in the picker)"))
                .runs(runs)
                .before(&format!("{key}{property}"))
                .timed("<Enter>")
                .until(&format!("sorted by {property} {word}")),
        );
    }
}

/// Opening the selected user's detail (why for every user segment), and
/// editing `sessions_30d` from it: the user enters or leaves "Power users",
/// every screen reads again.
fn detail_steps(bench: &mut Bench, runs: usize, list: &str) {
    bench.press("2g");
    bench.measure(
        Step::new(&format!("open a user's detail, {list} (Enter)"))
            .runs(runs)
            .timed("<Enter>")
            .expect("Why: in ")
            .after("<Esc><Down>"),
    );
    bench.press("<Enter>");
    bench.select_line("sessions_30d");
    // 25 and 5 in turn: the user enters and leaves "Power users" (the
    // first 25 may change nothing, for a user who was in already).
    let clear = "<BS>".repeat(12);
    for run in 0..runs {
        let value = if run % 2 == 0 { "25" } else { "5" };
        bench.measure(
            Step::new(&format!("edit sessions_30d in the detail, {list} (Enter)"))
                .before(&format!("e{clear}{value}"))
                .timed("<Enter>")
                .expect(&format!("sessions_30d = {value}")),
        );
    }
    bench.press("<Esc>");
    // Closing the detail after an edit: the list, which waited under the
    // detail, reads again (its sort, if any, on the worker).
    for run in 0..runs {
        let value = if run % 2 == 0 { "25" } else { "5" };
        bench.press("<Enter>");
        bench.select_line("sessions_30d");
        bench.press(&format!("e{clear}{value}<Enter>"));
        bench.measure(
            Step::new(&format!("close the detail after an edit, {list} (Esc)"))
                .timed("<Esc>")
                .expect("users"),
        );
    }
}

fn account_steps(bench: &mut Bench, runs: usize) {
    bench.press("3g");
    bench.measure(
        Step::new("open an account's detail (Enter)")
            .runs(runs)
            .timed("<Enter>")
            .expect("Why: in ")
            .after("<Esc><Down>"),
    );
}

/// The demo's Pipeline board of 100,000 accounts: a card moved from
/// "active" to "at_risk" (`L`) and back (`H`), each setting the property
/// through the workspace — segments and counts everywhere recomputed.
fn stage_steps(bench: &mut Bench, runs: usize) {
    bench.press("4ll");
    bench.measure(
        Step::new("move a stage card (L)")
            .runs(runs)
            .timed("L")
            .expect("→ at_risk")
            .after("H"),
    );
}

/// The app on a 120×40 test terminal, and the figures so far.
struct Bench {
    app: Option<App>,
    terminal: Terminal<TestBackend>,
    figures: Vec<Figures>,
    editor_count: Option<usize>,
    /// Keys at least this slow are named on stderr
    /// (`BENCH_TUI_SLOW_MS=20`), to find what to profile.
    slow: Option<Duration>,
}

/// One measured step: every timed key's time, and a peer's if any.
struct Figures {
    label: String,
    samples: Vec<Duration>,
    peer: Option<(String, Duration)>,
}

/// What `Bench::measure` does, `runs` times: press `before` (untimed),
/// time each key of `timed`, check the screen shows `expect`, press
/// `after` (untimed). Keys as `Bench::press` reads them.
struct Step {
    label: String,
    runs: usize,
    before: String,
    timed: String,
    after: String,
    expect: Option<String>,
    /// Text the screen shows once work the step started on a worker has
    /// landed (a sort): the time until then is a figure of its own.
    until: Option<String>,
}

impl Step {
    fn new(label: &str) -> Step {
        Step {
            label: label.to_string(),
            runs: 1,
            before: String::new(),
            timed: String::new(),
            after: String::new(),
            expect: None,
            until: None,
        }
    }

    fn runs(mut self, runs: usize) -> Step {
        self.runs = runs;
        self
    }

    fn before(mut self, keys: &str) -> Step {
        self.before = keys.to_string();
        self
    }

    /// One key, or a sequence of which every key is timed on its own.
    fn timed(mut self, keys: &str) -> Step {
        self.timed = keys.to_string();
        self
    }

    fn timed_each(self, keys: &str) -> Step {
        self.timed(keys)
    }

    fn after(mut self, keys: &str) -> Step {
        self.after = keys.to_string();
        self
    }

    fn expect(mut self, text: &str) -> Step {
        self.expect = Some(text.to_string());
        self
    }

    fn until(mut self, text: &str) -> Step {
        self.until = Some(text.to_string());
        self
    }
}

impl Bench {
    fn new(workspace: Workspace) -> Bench {
        let app = App::new(workspace, KeyMap::defaults(), Theme::plain(), Vec::new());
        let mut bench = Bench {
            app: Some(app),
            terminal: Terminal::new(TestBackend::new(120, 40)).expect("a test terminal"),
            figures: Vec::new(),
            editor_count: None,
            slow: std::env::var("BENCH_TUI_SLOW_MS")
                .ok()
                .and_then(|ms| ms.parse().ok())
                .map(Duration::from_millis),
        };
        bench.draw();
        bench
    }

    fn app(&mut self) -> &mut App {
        self.app.as_mut().expect("the app")
    }

    /// A new app over the same workspace: every screen as at start.
    fn restart(&mut self) {
        let workspace = self.app.take().and_then(App::into_workspace);
        let workspace = workspace.expect("the workspace");
        self.app = Some(App::new(
            workspace,
            KeyMap::defaults(),
            Theme::plain(),
            Vec::new(),
        ));
        self.draw();
    }

    fn draw(&mut self) {
        let app = self.app.as_mut().expect("the app");
        render(&mut self.terminal, app).expect("a frame");
    }

    /// One key as the event loop handles it: the key, a tick late enough
    /// for any debounced check, the frame.
    fn key(&mut self, code: KeyCode) {
        self.app().on_key(KeyEvent::new(code, KeyModifiers::NONE));
        self.app().tick(Instant::now() + Duration::from_secs(1));
        self.draw();
    }

    /// Presses keys, untimed: characters as typed, `<Enter>`, `<Esc>`,
    /// `<Tab>`, `<BS>`, `<Down>`, `<PgDn>`.
    fn press(&mut self, keys: &str) {
        for code in keys_of(keys) {
            self.key(code);
        }
    }

    fn measure(&mut self, step: Step) {
        let mut samples = Vec::new();
        let mut landed = Vec::new();
        for _ in 0..step.runs {
            self.press(&step.before);
            let mut started = Instant::now();
            for (index, code) in keys_of(&step.timed).into_iter().enumerate() {
                let start = Instant::now();
                started = start;
                self.key(code);
                let took = start.elapsed();
                if self.slow.is_some_and(|slow| took >= slow) {
                    eprintln!(
                        "slow: {} key {index} ({code:?}): {}",
                        step.label,
                        show(took)
                    );
                }
                samples.push(took);
            }
            if let Some(expected) = &step.expect {
                let screen = self.screen();
                assert!(
                    screen.contains(expected.as_str()),
                    "{}: the screen should show {expected:?}:\n{screen}",
                    step.label
                );
            }
            if let Some(until) = &step.until {
                // The event loop's ticks, as often as a sort in flight asks.
                let give_up = Instant::now() + Duration::from_secs(120);
                while !self.screen().contains(until.as_str()) {
                    assert!(
                        Instant::now() < give_up,
                        "{}: {until:?} never came",
                        step.label
                    );
                    std::thread::sleep(Duration::from_millis(2));
                    self.app().tick(Instant::now());
                    self.draw();
                }
                landed.push(started.elapsed());
            }
            self.press(&step.after);
        }
        self.record(step.label.clone(), samples);
        if !landed.is_empty() {
            self.record(format!("{} — until the rows land", step.label), landed);
        }
    }

    fn record(&mut self, label: String, samples: Vec<Duration>) {
        match self.figures.iter_mut().find(|f| f.label == label) {
            Some(figures) => figures.samples.extend(samples),
            None => self.figures.push(Figures {
                label,
                samples,
                peer: None,
            }),
        }
    }

    /// Sets the peer of a measured step.
    fn peer(&mut self, label: &str, what: &str, time: Duration) {
        let figures = self
            .figures
            .iter_mut()
            .find(|f| f.label.starts_with(label))
            .unwrap_or_else(|| panic!("no step {label:?} to compare with"));
        figures.peer = Some((what.to_string(), time));
    }

    fn screen(&self) -> String {
        let buffer = self.terminal.backend().buffer();
        let width = usize::from(buffer.area.width);
        let symbols: Vec<&str> = buffer.content().iter().map(|cell| cell.symbol()).collect();
        symbols
            .chunks(width)
            .map(|line| line.concat())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Moves down until the highlighted line contains `text`.
    fn select_line(&mut self, text: &str) {
        for _ in 0..60 {
            let buffer = self.terminal.backend().buffer();
            let selected = (2..buffer.area.height)
                .find(|&y| (0..20).all(|x| buffer[(x, y)].modifier.contains(Modifier::REVERSED)));
            if let Some(y) = selected {
                let line: String = (0..buffer.area.width)
                    .map(|x| buffer[(x, y)].symbol())
                    .collect();
                if line.contains(text) {
                    return;
                }
            }
            self.press("<Down>");
        }
        panic!("no line with {text:?} to select:\n{}", self.screen());
    }

    fn print(&self, users: usize, accounts: usize, segments_ready: Duration) {
        println!();
        println!("bench_tui: {users} users, {accounts} accounts, terminal 120x40");
        println!(
            "segments ready (open + evaluate + draw): {}",
            show(segments_ready)
        );
        println!(
            "{:<64} {:>5} {:>9} {:>9} {:>9} {:>6}   peer",
            "step (key → frame drawn)", "n", "median", "p99", "max", "≤50ms"
        );
        for figures in &self.figures {
            let mut samples = figures.samples.clone();
            samples.sort();
            let n = samples.len();
            let median = samples[n / 2];
            // Nearest rank: below 100 samples the p99 is the max.
            let p99 = samples[(n * 99).div_ceil(100).saturating_sub(1)];
            let max = samples[n - 1];
            let peer = figures
                .peer
                .as_ref()
                .map_or_else(String::new, |(what, time)| {
                    format!("{what}: {}", show(*time))
                });
            println!(
                "{:<64} {:>5} {:>9} {:>9} {:>9} {:>6}   {peer}",
                figures.label,
                n,
                show(median),
                show(p99),
                show(max),
                if p99 <= BUDGET { "yes" } else { "NO" }
            );
        }
    }
}

/// `"ab<Enter>"` → `a`, `b`, Enter.
fn keys_of(text: &str) -> Vec<KeyCode> {
    const NAMED: [(&str, KeyCode); 8] = [
        ("<Enter>", KeyCode::Enter),
        ("<Esc>", KeyCode::Esc),
        ("<Tab>", KeyCode::Tab),
        ("<BS>", KeyCode::Backspace),
        ("<Down>", KeyCode::Down),
        ("<Up>", KeyCode::Up),
        ("<PgDn>", KeyCode::PageDown),
        ("<PgUp>", KeyCode::PageUp),
    ];
    let mut keys = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        match NAMED.iter().find(|(name, _)| rest.starts_with(name)) {
            Some((name, code)) => {
                keys.push(*code);
                rest = &rest[name.len()..];
            }
            None => {
                keys.push(KeyCode::Char(c));
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    keys
}

/// 1234567 → "1,234,567", as the screens write counts.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn show(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1e3)
}

struct Args {
    users: usize,
    accounts: usize,
    runs: usize,
    /// Where the database and the data files are kept between runs
    /// (built when missing); a temporary directory without it.
    dir: Option<PathBuf>,
}

fn parse_args() -> Args {
    let mut args = Args {
        users: 1_000_000,
        accounts: 100_000,
        runs: 40,
        dir: None,
    };
    let given: Vec<String> = std::env::args().skip(1).collect();
    for pair in given.chunks(2) {
        let value = pair.get(1).and_then(|v| v.parse::<usize>().ok());
        match (pair[0].as_str(), value) {
            ("--users", Some(n)) => args.users = n,
            ("--accounts", Some(n)) => args.accounts = n,
            ("--runs", Some(n)) if n >= 2 => args.runs = n,
            ("--dir", _) if pair.len() == 2 => args.dir = Some(PathBuf::from(&pair[1])),
            _ => {
                eprintln!("usage: bench_tui [--users N] [--accounts N] [--runs N] [--dir DIR]");
                std::process::exit(2);
            }
        }
    }
    args
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
    // What a command leaves as it exits: the next open copies the tables.
    workspace
        .save_snapshot()
        .expect("the snapshot file is written");
}

/// The same users in an in-memory SQLite table (the id its primary key,
/// no other index), and the instant "7 days ago" means.
struct Sqlite {
    connection: rusqlite::Connection,
    week_ago: i64,
}

impl Sqlite {
    fn load(users_file: &Path, now: i64) -> Sqlite {
        let mut connection = rusqlite::Connection::open_in_memory().expect("SQLite");
        connection
            .execute_batch(
                "CREATE TABLE users (id TEXT PRIMARY KEY, name TEXT, email TEXT, title TEXT, \
                 role TEXT, sessions_30d REAL, last_seen_at INTEGER)",
            )
            .expect("schema");
        let transaction = connection.transaction().expect("a transaction");
        {
            let mut insert = transaction
                .prepare("INSERT INTO users VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
                .expect("insert");
            for line in BufReader::new(std::fs::File::open(users_file).expect("data")).lines() {
                let json: serde_json::Value =
                    serde_json::from_str(&line.expect("line")).expect("json");
                let seen = json["last_seen_at"]
                    .as_str()
                    .and_then(|t| segscope::lang::parse_datetime(t).ok());
                insert
                    .execute(rusqlite::params![
                        json["id"].as_str(),
                        json["name"].as_str(),
                        json["email"].as_str(),
                        json["title"].as_str(),
                        json["role"].as_str(),
                        json["sessions_30d"].as_f64(),
                        seen
                    ])
                    .expect("insert");
            }
        }
        transaction.commit().expect("commit");
        Sqlite {
            connection,
            week_ago: now - 7 * 86_400_000_000,
        }
    }

    /// The median time of `runs` runs of `sql` (its rows read to the end),
    /// and the first column of the first row.
    fn time(&self, sql: &str, runs: usize) -> (Duration, Option<i64>) {
        let mut statement = self.connection.prepare(sql).expect("the SQL prepares");
        let takes_week = sql.contains("?1");
        let mut times = Vec::new();
        let mut first = None;
        for _ in 0..runs {
            let start = Instant::now();
            let mut rows = if takes_week {
                statement.query([self.week_ago])
            } else {
                statement.query([])
            }
            .expect("the SQL runs");
            let mut row_count = 0;
            while let Some(row) = rows.next().expect("a row") {
                if row_count == 0 {
                    first = row.get::<_, i64>(0).ok();
                }
                row_count += 1;
            }
            times.push(start.elapsed());
        }
        times.sort();
        (times[times.len() / 2], first)
    }

    /// The peers of the steps, each the median of a few runs.
    fn peers(&self, bench: &mut Bench, runs: usize) {
        let runs = runs.clamp(3, 10);
        let typed = "sessions_30d >= 20 AND last_seen_at > ?1 AND role IN ('admin', 'owner')";
        let (count_time, count) =
            self.time(&format!("SELECT count(*) FROM users WHERE {typed}"), runs);
        if let (Some(editor), Some(sqlite)) = (bench.editor_count, count) {
            println!("editor live count {editor}, SQLite count {sqlite}");
            assert_eq!(editor as i64, sqlite, "the editor's count is SQLite's");
        }
        bench.peer("editor: typing", "SQLite count(*) of it", count_time);
        bench.peer("raw filter", "SQLite count(*) of it", count_time);
        let page = |filter: &str, order: &str| {
            format!("SELECT {LIST_COLUMNS} FROM users {filter} ORDER BY {order} LIMIT 40")
        };
        let (counted, _) = self.time(
            &format!("SELECT count(*) FROM users WHERE {POWER_USERS_SQL}"),
            runs,
        );
        let (first_page, _) = self.time(&page(&format!("WHERE {POWER_USERS_SQL}"), "id"), runs);
        bench.peer(
            "builder: Enter",
            "SQLite count(*) + first 40 by id",
            counted + first_page,
        );
        let (all, _) = self.time("SELECT count(*) FROM users", runs);
        let (first_page, _) = self.time(&page("", "id"), runs);
        bench.peer(
            "chips: `x`",
            "SQLite count(*) + first 40 by id",
            all + first_page,
        );
        let (offset, _) = self.time(&format!("{} OFFSET 1320", page("", "id")), runs);
        bench.peer("PgDn, unfiltered", "SQLite 40 by id at offset 1320", offset);
        let (offset, _) = self.time(
            &format!(
                "{} OFFSET 1320",
                page(&format!("WHERE {POWER_USERS_SQL}"), "id")
            ),
            runs,
        );
        bench.peer("PgDn, filtered", "SQLite 40 by id at offset 1320", offset);
        for (property, word, sql) in [
            ("name", "asc", "name"),
            ("name", "desc", "name DESC"),
            ("sessions_30d", "asc", "sessions_30d"),
            ("sessions_30d", "desc", "sessions_30d DESC"),
        ] {
            let (sorted, _) = self.time(&page("", &format!("{sql}, id")), runs);
            bench.peer(
                &format!("sort by {property} {word}"),
                &format!("SQLite ORDER BY {sql} LIMIT 40"),
                sorted,
            );
        }
    }
}
