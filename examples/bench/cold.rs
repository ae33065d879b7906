//! Cold figures: each measure a fresh process, as a cron job, a script or
//! the UI's start pays it. segscope is the real `segscope` binary (built
//! beside this example if missing) on the benchmark's database; SQLite is
//! this example run again in a mode that opens the SQLite file, runs the
//! same segment's SQL and prints its ids. Ids go to a pipe and are counted.
//! Each is started by this example run again as a small measuring process
//! (`--measure`), whose `wait4` gives the time and peak RSS: a peak taken
//! by the benchmark's own large process would count its memory too (Linux
//! carries the parent's peak across `exec`).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::segments::BenchSegment;

/// The argument that runs this example as the SQLite side of a cold query.
pub const SQLITE_QUERY_MODE: &str = "--sqlite-cold-query";
/// The argument that runs it as the SQLite side of listing the segments.
pub const SQLITE_SEGMENTS_MODE: &str = "--sqlite-cold-segments";

/// The argument that runs this example as the measuring process:
/// `--measure OUT PROGRAM ARGS...` runs the program (its output inherited)
/// and writes "microseconds peak-KiB status" to OUT.
pub const MEASURE_MODE: &str = "--measure";

/// One fresh process: how long it took, its peak RSS, the lines it printed.
#[derive(Clone, Copy)]
pub struct Ran {
    pub time: Duration,
    pub peak_kib: u64,
    pub lines: usize,
}

/// The measuring process: runs `args[1..]`, waits for it with `wait4`,
/// writes what it measured to `args[0]`. Returns false when the arguments
/// do not ask for it.
pub fn run_measure_mode(args: &[String]) -> bool {
    if args.first().map(String::as_str) != Some(MEASURE_MODE) || args.len() < 3 {
        return false;
    }
    let started = Instant::now();
    // Reaped by `wait4` below, which std's `wait` cannot stand in for.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(&args[2])
        .args(&args[3..])
        .spawn()
        .expect("the measured command starts");
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pid is our child's, not waited for yet; both pointers
    // point at live locals.
    let waited = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    let time = started.elapsed();
    assert!(waited > 0, "wait4 failed");
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    std::fs::write(
        &args[1],
        format!("{} {} {}", time.as_micros(), usage.ru_maxrss, u8::from(ok)),
    )
    .expect("the measurement file");
    true
}

/// Runs `command` through the measuring process, its output in a pipe
/// (counted line by line).
fn run(command: Command) -> Ran {
    let out = tempfile::NamedTempFile::new().expect("a measurement file");
    let mut measuring = Command::new(std::env::current_exe().expect("the example's path"));
    measuring
        .arg(MEASURE_MODE)
        .arg(out.path())
        .arg(command.get_program())
        .args(command.get_args())
        .envs(
            command
                .get_envs()
                .filter_map(|(name, value)| value.map(|value| (name, value))),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in command.get_envs() {
        if value.is_none() {
            measuring.env_remove(name);
        }
    }
    let mut child = measuring.spawn().expect("the measuring process starts");
    let stdout = child.stdout.take().expect("piped");
    let lines = BufReader::new(stdout).lines().count();
    let output = child
        .wait_with_output()
        .expect("the measuring process ends");
    let measured = std::fs::read_to_string(out.path()).unwrap_or_default();
    let fields: Vec<u64> = measured
        .split_whitespace()
        .filter_map(|field| field.parse().ok())
        .collect();
    if fields.len() != 3 || fields[2] != 1 || !output.status.success() {
        panic!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ran {
        time: Duration::from_micros(fields[0]),
        peak_kib: fields[1],
        lines,
    }
}

/// The median time of `runs` runs (and the largest peak RSS among them).
fn median_run(runs: usize, mut make: impl FnMut() -> Command) -> Ran {
    let mut all: Vec<Ran> = (0..runs).map(|_| run(make())).collect();
    let peak_kib = all.iter().map(|ran| ran.peak_kib).max().unwrap_or(0);
    all.sort_by_key(|ran| ran.time);
    Ran {
        peak_kib,
        ..all[all.len() / 2]
    }
}

/// The `segscope` binary of this build: beside the example's folder, built
/// with the cargo that runs the example when it is not there yet.
pub fn segscope_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the example's path");
    let release = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/examples/bench");
    let binary = release.join("segscope");
    if let Ok(cargo) = std::env::var("CARGO") {
        let profile = release
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("release");
        let mut build = Command::new(cargo);
        build.args(["build", "--bin", "segscope"]);
        if profile == "release" {
            build.arg("--release");
        }
        let status = build.status().expect("cargo runs");
        assert!(status.success(), "building segscope failed");
    }
    assert!(
        binary.exists(),
        "no segscope binary at {}: cargo build --release",
        binary.display()
    );
    binary
}

/// Makes each segment a table of the SQLite file (later ones read earlier
/// ones), as a SQLite user keeps their segments between processes.
pub fn persist_sqlite_segments(connection: &rusqlite::Connection, segments: &[BenchSegment]) {
    for segment in segments {
        connection
            .execute_batch(&format!(
                "DROP TABLE IF EXISTS main.\"{name}\"; CREATE TABLE main.\"{name}\" AS SELECT id FROM temp.\"{name}\";",
                name = segment.name
            ))
            .unwrap_or_else(|e| panic!("{}: {e}", segment.name));
    }
}

/// The query one segment's SQL makes over its kind's table.
fn sqlite_select(segment: &BenchSegment) -> String {
    let from = if segment.kind == "users" {
        "users t LEFT JOIN accounts a ON a.id = t.account_id"
    } else {
        "accounts t"
    };
    format!("SELECT t.id FROM {from} WHERE {}", segment.sql_where)
}

/// This example as the SQLite side: `--sqlite-cold-query FILE SQL` prints
/// the ids; `--sqlite-cold-segments FILE NAME...` prints each table's
/// count. Returns false when the arguments ask for neither.
pub fn run_sqlite_mode(args: &[String]) -> bool {
    let (Some(mode), Some(file)) = (args.first(), args.get(1)) else {
        return false;
    };
    if mode != SQLITE_QUERY_MODE && mode != SQLITE_SEGMENTS_MODE {
        return false;
    }
    let connection = rusqlite::Connection::open(file).expect("the SQLite file");
    super::regexp_function(&connection);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if mode == SQLITE_QUERY_MODE {
        let mut statement = connection.prepare(&args[2]).expect("the query");
        let mut rows = statement.query([]).expect("the query runs");
        while let Some(row) = rows.next().expect("a row") {
            let id: String = row.get(0).expect("an id");
            writeln!(out, "{id}").expect("stdout");
        }
    } else {
        for name in &args[2..] {
            let count: i64 = connection
                .query_row(&format!("SELECT count(*) FROM \"{name}\""), [], |r| {
                    r.get(0)
                })
                .expect("a count");
            writeln!(out, "{name}\t{count}").expect("stdout");
        }
    }
    true
}

/// What the cold part of the benchmark measured.
pub struct ColdFigures {
    /// `segments` with no snapshot file beside the database yet: the
    /// tables decoded from the store, and the snapshot written at exit.
    pub first_open: Ran,
    pub segments: (Ran, Ran),
    /// Per segment: segscope's query, SQLite's query.
    pub queries: Vec<(String, Ran, Ran)>,
}

/// Measures `segments` and a query of every benchmark segment, each in
/// fresh processes, the median of `runs`.
pub fn measure(
    db: &Path,
    sqlite: &Path,
    now: &str,
    segments: &[BenchSegment],
    runs: usize,
) -> ColdFigures {
    let binary = segscope_binary();
    let exe = std::env::current_exe().expect("the example's path");
    let segscope = |args: &[&str]| {
        let mut command = Command::new(&binary);
        command
            .arg("--db")
            .arg(db)
            .args(["--now", now])
            .args(args)
            .env_remove("SEGSCOPE_DB")
            .env_remove("SEGSCOPE_NOW");
        command
    };
    let mut snapshot = db.as_os_str().to_owned();
    snapshot.push(".snapshot");
    let _ = std::fs::remove_file(&snapshot);
    let first_open = run(segscope(&["segments", "--format", "jsonl"]));
    let listed = median_run(runs, || segscope(&["segments", "--format", "jsonl"]));
    let sqlite_listed = median_run(runs, || {
        let mut command = Command::new(&exe);
        command.arg(SQLITE_SEGMENTS_MODE).arg(sqlite);
        command.args(segments.iter().map(|s| s.name.as_str()));
        command
    });
    let mut queries = Vec::new();
    for segment in segments {
        let ours = median_run(runs, || {
            segscope(&[
                "query",
                "--kind",
                segment.kind,
                &segment.condition,
                "--format",
                "ids",
            ])
        });
        let theirs = median_run(runs, || {
            let mut command = Command::new(&exe);
            command
                .arg(SQLITE_QUERY_MODE)
                .arg(sqlite)
                .arg(sqlite_select(segment));
            command
        });
        queries.push((segment.name.clone(), ours, theirs));
    }
    ColdFigures {
        first_open,
        segments: (listed, sqlite_listed),
        queries,
    }
}

fn ms(time: Duration) -> String {
    format!("{:.0} ms", time.as_secs_f64() * 1e3)
}

/// Prints the cold table: `segments`, each query, and the medians and
/// worst cases.
pub fn report(figures: &ColdFigures) {
    println!();
    println!("cold: a fresh process each time, ids printed to a pipe (median of runs)");
    println!(
        "{:<26} {:>10} {:>10} {:>8} {:>9} {:>9}  ids",
        "measure", "segscope", "SQLite", "ratio", "RSS MiB", "SQLite"
    );
    let line = |name: &str, ours: &Ran, theirs: &Ran, same: &str| {
        println!(
            "{name:<26} {:>10} {:>10} {:>7.1}x {:>9} {:>9}  {same}",
            ms(ours.time),
            ms(theirs.time),
            theirs.time.as_secs_f64() / ours.time.as_secs_f64(),
            ours.peak_kib / 1024,
            theirs.peak_kib / 1024,
        );
    };
    let (listed, sqlite_listed) = &figures.segments;
    println!(
        "{:<26} {:>10} {:>10} {:>8} {:>9}",
        "segments, no snapshot yet",
        ms(figures.first_open.time),
        "",
        "",
        figures.first_open.peak_kib / 1024
    );
    line("segments", listed, sqlite_listed, "");
    let mut ours: Vec<Duration> = Vec::new();
    let mut theirs: Vec<Duration> = Vec::new();
    let mut slower = 0;
    let mut differ = 0;
    for (name, our, their) in &figures.queries {
        let same = if our.lines == their.lines {
            format!("{} equal", our.lines)
        } else {
            differ += 1;
            format!("DIFFER: {} vs {}", our.lines, their.lines)
        };
        line(&format!("query {name}"), our, their, &same);
        ours.push(our.time);
        theirs.push(their.time);
        slower += usize::from(our.time > their.time);
    }
    ours.sort();
    theirs.sort();
    let peak = figures
        .queries
        .iter()
        .map(|(_, our, _)| our.peak_kib)
        .max()
        .unwrap_or(0);
    println!(
        "cold query over {} segments: segscope median {} worst {}, SQLite median {} worst {}; segscope slower on {slower}; peak RSS {} MiB; id counts differ on {differ}",
        ours.len(),
        ms(ours[ours.len() / 2]),
        ms(*ours.last().expect("a query")),
        ms(theirs[theirs.len() / 2]),
        ms(*theirs.last().expect("a query")),
        peak / 1024
    );
}
