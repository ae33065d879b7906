//! The engine benchmark: generate a SaaS data set, import it, apply 50
//! segments (10 of them cross-entity), and measure — each as a median of
//! several runs — import rows/s, full evaluation, single-entity update →
//! recompute latency, a selective query and peak memory; then load the same
//! data into SQLite and run hand-written SQL for the same 50 segments, and
//! print both side by side with the member counts compared. Then the cold
//! figures (`cold`): `segments` and a query of each segment from a fresh
//! process, segscope's binary beside SQLite's.
//!
//! cargo run --release --example bench -- --users 1000000 --accounts 100000

mod cold;
mod segments;

/// The allocator the `segscope` binary uses, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, BufWriter};
use std::path::Path;
use std::time::{Duration, Instant};

use segscope::demo::{user_id, write_accounts, write_users};
use segscope::engine::{Engine, SegmentSpec, Touched};
use segscope::model::EntityKind;
use segscope::model::ast::Definition;
use segscope::model::{Properties, Value, property_pairs, value_from_json};
use segscope::store::import::ImportSource;
use segscope::workspace::{ImportMode, OpenOptions, SourceText, Workspace};

use segments::{BenchSegment, seg_file};

struct Options {
    users: usize,
    accounts: usize,
    runs: usize,
    seed: u64,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if cold::run_measure_mode(&args) || cold::run_sqlite_mode(&args) {
        return;
    }
    let options = parse_args();
    let now = segscope::lang::parse_datetime("2026-01-01T00:00:00Z").expect("a valid instant");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let accounts_file = dir.path().join("accounts.jsonl");
    let users_file = dir.path().join("users.jsonl");
    eprintln!(
        "generating {} users and {} accounts...",
        options.users, options.accounts
    );
    write_file(&accounts_file, |out| {
        write_accounts(out, options.accounts, options.seed, now)
    });
    write_file(&users_file, |out| {
        write_users(out, options.users, options.accounts, options.seed, now)
    });
    let bench_segments = segments::segments(now);
    let rows = options.users + options.accounts;

    // ---- segscope
    eprintln!("segscope: importing ({} runs)...", options.runs.min(3));
    let mut import_times = Vec::new();
    let mut workspace = None;
    let mut db_path = dir.path().join("bench-0.redb");
    for run in 0..options.runs.min(3) {
        let path = dir.path().join(format!("bench-{run}.redb"));
        db_path = path.clone();
        // One database in memory at a time, for an honest peak RSS.
        drop(workspace.take());
        let start = Instant::now();
        let mut opened = open_workspace(&path, now);
        import(&mut opened, EntityKind::Accounts, &accounts_file);
        import(&mut opened, EntityKind::Users, &users_file);
        import_times.push(start.elapsed());
        workspace = Some(opened);
    }
    let mut workspace = workspace.expect("at least one import run");
    let import_runs: Vec<String> = import_times
        .iter()
        .map(|time| format!("{:.0}", rows as f64 / time.as_secs_f64()))
        .collect();
    let import_time = median(import_times);

    eprintln!("segscope: applying {} segments...", bench_segments.len());
    let start = Instant::now();
    let applied = workspace.apply(&[SourceText {
        origin: "bench.seg".to_string(),
        text: seg_file(&bench_segments),
    }]);
    assert!(
        applied.is_ok(),
        "the benchmark segments must apply: {applied:?}"
    );
    let apply_time = start.elapsed();

    let query_text = r#"email ends with "@company42.example" and sessions_30d > 10"#;
    let query = median_of(options.runs, || {
        let hits = workspace
            .query(EntityKind::Users, query_text)
            .expect("a valid query");
        std::hint::black_box(hits);
    });

    let counts: HashMap<String, usize> = workspace
        .segments()
        .into_iter()
        .map(|s| (s.name, s.members))
        .collect();

    // The cold figures read the data as SQLite has it: before the updates.
    let cold_db = dir.path().join("cold.redb");
    std::fs::copy(&db_path, &cold_db).expect("a copy of the database");

    eprintln!("segscope: single-entity updates through the workspace (with commit)...");
    let mut committed = Vec::new();
    for index in 0..50 {
        let id = user_id(index * 7919 % options.users.max(1));
        let value = Value::number((index % 40) as f64);
        let start = Instant::now();
        workspace
            .set(
                EntityKind::Users,
                &id,
                vec![("sessions_30d".to_string(), Some(value))],
            )
            .expect("set");
        committed.push(start.elapsed());
    }
    let rss_segscope = peak_rss_kib();
    drop(workspace);

    eprintln!("segscope: full evaluation and single-entity recompute in the engine alone...");
    let (evaluation, first_p99, update_median, update_p99) = engine_updates(
        &users_file,
        &accounts_file,
        &bench_segments,
        now,
        options.users,
        options.runs,
    );

    // ---- SQLite
    eprintln!("SQLite: loading ({} runs)...", options.runs.min(3));
    let mut sqlite_import_times = Vec::new();
    let mut connection = None;
    let mut sqlite_path = dir.path().join("bench-0.sqlite");
    for run in 0..options.runs.min(3) {
        let path = dir.path().join(format!("bench-{run}.sqlite"));
        sqlite_path = path.clone();
        let start = Instant::now();
        let loaded = sqlite_load(&path, &accounts_file, &users_file);
        sqlite_import_times.push(start.elapsed());
        connection = Some(loaded);
    }
    let connection = connection.expect("at least one load");
    let sqlite_import = median(sqlite_import_times);
    eprintln!(
        "SQLite: evaluating the same segments ({} runs)...",
        options.runs
    );
    let mut sqlite_counts = HashMap::new();
    let sqlite_evaluation = median_of(options.runs, || {
        sqlite_counts = sqlite_evaluate(&connection, &bench_segments);
    });
    let sqlite_query = median_of(options.runs, || {
        let count: i64 = connection
            .query_row(
                "SELECT count(*) FROM users WHERE lower(email) LIKE '%@company42.example' AND sessions_30d > 10",
                [],
                |row| row.get(0),
            )
            .expect("query");
        std::hint::black_box(count);
    });

    // ---- cold: fresh processes on the databases both sides made
    cold::persist_sqlite_segments(&connection, &bench_segments);
    drop(connection);
    eprintln!(
        "cold: segments and {} queries from fresh processes, both sides...",
        bench_segments.len()
    );
    let cold_figures = cold::measure(
        &cold_db,
        &sqlite_path,
        "2026-01-01T00:00:00Z",
        &bench_segments,
        options.runs.min(3),
    );

    // ---- report
    let agree = bench_segments
        .iter()
        .filter(|s| counts.get(&s.name) == sqlite_counts.get(&s.name))
        .count();
    let cross = bench_segments.iter().filter(|s| s.cross_entity).count();
    println!();
    println!(
        "bench: {} users, {} accounts, {} segments ({} cross-entity), median of {} runs",
        options.users,
        options.accounts,
        bench_segments.len(),
        cross,
        options.runs
    );
    println!(
        "{:<44} {:>14} {:>14} {:>9}",
        "measure", "segscope", "SQLite", "ratio"
    );
    let rate = |time: Duration| rows as f64 / time.as_secs_f64();
    println!(
        "{:<44} {:>14} {:>14} {:>8.1}x",
        "import (rows/s)",
        format!("{:.0}", rate(import_time)),
        format!("{:.0}", rate(sqlite_import)),
        rate(import_time) / rate(sqlite_import)
    );
    println!(
        "{:<44} {:>14}",
        "  each import run (rows/s)",
        import_runs.join(" ")
    );
    row(
        "full evaluation of all segments",
        evaluation,
        Some(sqlite_evaluation),
    );
    row("selective query", query, Some(sqlite_query));
    row("apply 50 segments (first evaluation)", apply_time, None);
    row("single-entity update, engine (median)", update_median, None);
    row("single-entity update, engine (p99)", update_p99, None);
    row("  p99 of the first 1000 after loading", first_p99, None);
    row(
        "single-entity update + commit (median)",
        median(committed),
        None,
    );
    println!(
        "{:<44} {:>11} MiB",
        "peak RSS (segscope phases)",
        rss_segscope / 1024
    );
    println!(
        "member counts equal to SQLite's: {agree} of {}",
        bench_segments.len()
    );
    for segment in &bench_segments {
        let ours = counts.get(&segment.name);
        let theirs = sqlite_counts.get(&segment.name);
        if ours != theirs {
            println!(
                "  differs: {} segscope {:?} SQLite {:?}",
                segment.name, ours, theirs
            );
        }
    }
    cold::report(&cold_figures);
}

fn row(name: &str, ours: Duration, theirs: Option<Duration>) {
    let show = |d: Duration| {
        if d < Duration::from_millis(1) {
            format!("{:.1} µs", d.as_secs_f64() * 1e6)
        } else {
            format!("{:.1} ms", d.as_secs_f64() * 1e3)
        }
    };
    match theirs {
        Some(theirs) => println!(
            "{name:<44} {:>14} {:>14} {:>8.1}x",
            show(ours),
            show(theirs),
            theirs.as_secs_f64() / ours.as_secs_f64()
        ),
        None => println!("{name:<44} {:>14}", show(ours)),
    }
}

fn parse_args() -> Options {
    let mut options = Options {
        users: 1_000_000,
        accounts: 100_000,
        runs: 5,
        seed: 1,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).and_then(|v| v.parse::<u64>().ok());
        match (pair[0].as_str(), value) {
            ("--users", Some(n)) => options.users = n as usize,
            ("--accounts", Some(n)) => options.accounts = n as usize,
            ("--runs", Some(n)) => options.runs = (n as usize).max(1),
            ("--seed", Some(n)) => options.seed = n,
            _ => {
                eprintln!("usage: bench [--users N] [--accounts N] [--runs R] [--seed S]");
                std::process::exit(2);
            }
        }
    }
    options
}

fn write_file(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<std::fs::File>) -> std::io::Result<()>,
) {
    let file = std::fs::File::create(path).expect("a writable temporary file");
    let mut out = BufWriter::new(file);
    write(&mut out).expect("writing generated data");
    // On disk before anything is timed: the kernel writing it back in the
    // background would slow whichever import comes first.
    let file = out.into_inner().expect("writing generated data");
    file.sync_all().expect("syncing generated data");
}

fn open_workspace(path: &Path, now: i64) -> Workspace {
    let options = OpenOptions {
        now: Some(now),
        wait: None,
        record: true,
    };
    Workspace::open(path, options).expect("a new database")
}

fn import(workspace: &mut Workspace, kind: EntityKind, path: &Path) {
    // As `segscope import FILE` reads it.
    let source = ImportSource::open(&path.display().to_string()).expect("generated data");
    let report = workspace.import(kind, source, ImportMode::Merge, false, &mut |_| {
        std::ops::ControlFlow::Continue(())
    });
    assert!(report.is_ok(), "generated data must import: {report:?}");
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn median_of(runs: usize, mut work: impl FnMut()) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                work();
                start.elapsed()
            })
            .collect(),
    )
}

/// Peak resident memory of this process so far (VmHWM), in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

/// Loads the generated data into an engine alone and times the full
/// evaluation of every segment (median of `runs`), then single-user
/// changes: the p99 of the first thousand after loading (while the kernel
/// and the allocator settle after a million entities), then the median and
/// p99 of the next thousand, on other users.
fn engine_updates(
    users_file: &Path,
    accounts_file: &Path,
    bench_segments: &[BenchSegment],
    now: i64,
    users: usize,
    runs: usize,
) -> (Duration, Duration, Duration, Duration) {
    let mut engine = Engine::new(now);
    let mut user_rows = Vec::new();
    for (kind, path) in [
        (EntityKind::Accounts, accounts_file),
        (EntityKind::Users, users_file),
    ] {
        let file = std::fs::File::open(path).expect("generated data");
        for (row, line) in BufReader::new(file).lines().enumerate() {
            let line = line.expect("a line");
            let (id, properties) = parse_entity(&line);
            engine.load(
                kind,
                row as u32,
                &id,
                property_pairs(&properties),
                &mut Touched::default(),
            );
            if kind == EntityKind::Users {
                user_rows.push((id, properties));
            }
        }
    }
    let (file, _) = segscope::lang::parse_file(&seg_file(bench_segments));
    let specs: Vec<SegmentSpec> = file
        .definitions
        .into_iter()
        .filter_map(|definition| match definition {
            Definition::Segment(s) => Some(SegmentSpec::segment(s.name.text, s.kind, s.condition)),
            Definition::Block(_) => None,
        })
        .collect();
    engine
        .install_segments(specs, |_| None)
        .expect("segments compile");
    engine.reevaluate_all();
    // The full evaluation of every segment, warm: the engine's own loop
    // (the workspace skips evaluating again as of the instant it holds).
    eprintln!("segscope: full evaluation ({runs} runs)...");
    let evaluation = median_of(runs, || {
        std::hint::black_box(engine.reevaluate_all());
    });
    let mut first = Vec::new();
    let mut times = Vec::new();
    for index in 0..2000 {
        let row = index * 7919 % users.max(1);
        let (id, properties) = &mut user_rows[row];
        properties.insert(
            "sessions_30d".to_string(),
            Value::number((index % 40) as f64),
        );
        let start = Instant::now();
        let deltas = engine.upsert(EntityKind::Users, row as u32, id, properties);
        let took = start.elapsed();
        std::hint::black_box(deltas);
        if index < 1000 {
            first.push(took);
        } else {
            times.push(took);
        }
    }
    let p99 = |times: &mut Vec<Duration>| {
        times.sort();
        times[times.len() * 99 / 100]
    };
    let first_p99 = p99(&mut first);
    let steady_p99 = p99(&mut times);
    (evaluation, first_p99, times[times.len() / 2], steady_p99)
}

fn parse_entity(line: &str) -> (String, Properties) {
    let json: serde_json::Value = serde_json::from_str(line).expect("generated JSON");
    let serde_json::Value::Object(object) = json else {
        panic!("generated rows are objects")
    };
    let id = object["id"].as_str().expect("an id").to_string();
    let properties = object
        .into_iter()
        .filter(|(name, _)| name.as_str() != "id")
        .filter_map(|(name, value)| value_from_json(value).ok().flatten().map(|v| (name, v)))
        .collect();
    (id, properties)
}

fn sqlite_load(path: &Path, accounts_file: &Path, users_file: &Path) -> rusqlite::Connection {
    let mut connection = rusqlite::Connection::open(path).expect("SQLite database");
    connection
        .execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
             CREATE TABLE accounts (id TEXT PRIMARY KEY, name TEXT, domain TEXT, plan TEXT, seats REAL,
               mrr REAL, country TEXT, industry TEXT, lifecycle_stage TEXT, created_at INTEGER,
               renewal_at INTEGER, health_score REAL, csm TEXT);
             CREATE TABLE users (id TEXT PRIMARY KEY, account_id TEXT, email TEXT, name TEXT, role TEXT,
               title TEXT, sessions_30d REAL, last_seen_at INTEGER, signed_up_at INTEGER, tags TEXT,
               nps REAL, phone TEXT);",
        )
        .expect("schema");
    regexp_function(&connection);
    let transaction = connection.transaction().expect("a transaction");
    {
        let mut insert_account = transaction
            .prepare("INSERT INTO accounts VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)")
            .expect("insert");
        for line in BufReader::new(std::fs::File::open(accounts_file).expect("data")).lines() {
            let json: serde_json::Value = serde_json::from_str(&line.expect("line")).expect("json");
            insert_account
                .execute(rusqlite::params![
                    json["id"].as_str(),
                    json["name"].as_str(),
                    json["domain"].as_str(),
                    json["plan"].as_str(),
                    json["seats"].as_f64(),
                    json["mrr"].as_f64(),
                    json["country"].as_str(),
                    json["industry"].as_str(),
                    json["lifecycle_stage"].as_str(),
                    micros(&json["created_at"]),
                    micros(&json["renewal_at"]),
                    json["health_score"].as_f64(),
                    json["csm"].as_str(),
                ])
                .expect("insert account");
        }
        let mut insert_user = transaction
            .prepare("INSERT INTO users VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)")
            .expect("insert");
        for line in BufReader::new(std::fs::File::open(users_file).expect("data")).lines() {
            let json: serde_json::Value = serde_json::from_str(&line.expect("line")).expect("json");
            insert_user
                .execute(rusqlite::params![
                    json["id"].as_str(),
                    json["account_id"].as_str(),
                    json["email"].as_str(),
                    json["name"].as_str(),
                    json["role"].as_str(),
                    json["title"].as_str(),
                    json["sessions_30d"].as_f64(),
                    micros(&json["last_seen_at"]),
                    micros(&json["signed_up_at"]),
                    json["tags"].to_string(),
                    json["nps"].as_f64(),
                    json["phone"].as_str(),
                ])
                .expect("insert user");
        }
    }
    transaction
        .execute_batch("CREATE INDEX users_account ON users(account_id);")
        .expect("index");
    transaction.commit().expect("commit");
    connection
}

fn micros(json: &serde_json::Value) -> Option<i64> {
    json.as_str()
        .and_then(|text| segscope::lang::parse_datetime(text).ok())
}

/// `x REGEXP 'pattern'` with Rust's regex, as `matches` uses.
fn regexp_function(connection: &rusqlite::Connection) {
    use rusqlite::functions::FunctionFlags;
    connection
        .create_scalar_function(
            "regexp",
            2,
            FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
            |ctx| {
                let regex = ctx.get_or_create_aux(
                    0,
                    |vr| -> Result<regex::Regex, Box<dyn std::error::Error + Send + Sync>> {
                        Ok(regex::Regex::new(vr.as_str()?)?)
                    },
                )?;
                let text: Option<String> = ctx.get(1)?;
                Ok(text.is_some_and(|text| regex.is_match(&text)))
            },
        )
        .expect("regexp function");
}

/// Materialises every segment as a temporary table, in order (later ones
/// read earlier ones), and returns the member counts.
fn sqlite_evaluate(
    connection: &rusqlite::Connection,
    bench_segments: &[BenchSegment],
) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for segment in bench_segments {
        connection
            .execute_batch(&format!("DROP TABLE IF EXISTS temp.\"{}\";", segment.name))
            .expect("drop");
    }
    for segment in bench_segments {
        let from = if segment.kind == "users" {
            "users t LEFT JOIN accounts a ON a.id = t.account_id"
        } else {
            "accounts t"
        };
        let sql = format!(
            "CREATE TEMP TABLE \"{}\" AS SELECT t.id AS id FROM {from} WHERE {}",
            segment.name, segment.sql_where
        );
        connection
            .execute_batch(&sql)
            .unwrap_or_else(|e| panic!("{}: {e}", segment.name));
        let count: i64 = connection
            .query_row(
                &format!("SELECT count(*) FROM temp.\"{}\"", segment.name),
                [],
                |r| r.get(0),
            )
            .expect("count");
        counts.insert(segment.name.clone(), count as usize);
    }
    counts
}
