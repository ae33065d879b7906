//! Parse speed: a generated file of 10,000 segments, parsed, validated and
//! formatted; beside it, SQLite preparing the same 10,000 conditions as SQL.
//! Then one condition of 900 to 100,000 `and` terms, checked (linear in the
//! terms), beside SQLite preparing 900 (its depth limit is 1,000).
//!
//! cargo run --release --example bench_parse [-- --segments N --runs R]

/// The allocator the `segscope` binary uses, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};

use segscope::lang::format::format_file;
use segscope::lang::parse_file;
use segscope::lang::validate::{SegmentCatalog, SourceFile, validate_files};

fn main() {
    let mut segments = 10_000;
    let mut runs = 7;
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).and_then(|v| v.parse().ok());
        match (pair[0].as_str(), value) {
            ("--segments", Some(n)) => segments = n,
            ("--runs", Some(n)) => runs = n,
            _ => {
                eprintln!("usage: bench_parse [--segments N] [--runs R]");
                std::process::exit(2);
            }
        }
    }
    let (text, sql) = generate(segments);
    println!(
        "bench_parse: {segments} segments, {} KiB of .seg text, median of {runs} runs",
        text.len() / 1024
    );

    let parse = median(runs, || {
        let (file, diagnostics) = parse_file(&text);
        assert!(diagnostics.is_empty(), "generated file must parse");
        std::hint::black_box(file);
    });
    let (file, _) = parse_file(&text);
    let validate = median(runs, || {
        let source = SourceFile {
            origin: "bench.seg",
            text: &text,
            file: &file,
        };
        let diagnostics = validate_files(&[source], &SegmentCatalog::new());
        assert!(diagnostics[0].is_empty(), "generated file must validate");
    });
    let format = median(runs, || {
        std::hint::black_box(format_file(&file, &text));
    });
    let sqlite = median(runs, || prepare_in_sqlite(&sql));

    println!("{:<34} {:>12}", "step", "median");
    println!("{:<34} {:>12}", "segscope parse", ms(parse));
    println!("{:<34} {:>12}", "segscope validate", ms(validate));
    println!("{:<34} {:>12}", "segscope format", ms(format));
    println!(
        "{:<34} {:>12}",
        "segscope parse + validate",
        ms(parse + validate)
    );
    println!(
        "{:<34} {:>12}",
        "SQLite prepare same conditions",
        ms(sqlite)
    );
    println!(
        "parse + validate vs SQLite prepare: {:.2}x",
        sqlite.as_secs_f64() / (parse + validate).as_secs_f64()
    );
    long_chains(runs);
}

/// One condition of n `and` terms, as `check` reads it: the time should
/// grow with n, not with n² (it took 27.5 s at 100,000 terms while a chain
/// was rebuilt at every term). SQLite refuses an expression deeper than
/// 1,000, so it is compared at 900 terms.
fn long_chains(runs: usize) {
    println!();
    println!("one condition of n `and` terms, parse + validate (median of {runs}):");
    println!("{:<34} {:>12} {:>14}", "condition", "median", "per term");
    for terms in [900, 20_000, 40_000, 100_000] {
        let condition = chain(terms, " and ");
        let text = format!("segment \"Long\" for users {{\n  where {condition}\n}}\n");
        let took = median(runs, || {
            let (file, diagnostics) = parse_file(&text);
            assert!(diagnostics.is_empty(), "the chain must parse");
            let source = SourceFile {
                origin: "long.seg",
                text: &text,
                file: &file,
            };
            let diagnostics = validate_files(&[source], &SegmentCatalog::new());
            assert!(diagnostics[0].is_empty(), "the chain must validate");
        });
        println!(
            "{:<34} {:>12} {:>11.2} µs",
            format!("segscope, {terms} terms"),
            ms(took),
            took.as_secs_f64() * 1e6 / terms as f64
        );
    }
    let sql = format!("SELECT count(*) FROM users WHERE {}", chain(900, " AND "));
    let took = median(runs, || prepare_in_sqlite(std::slice::from_ref(&sql)));
    println!(
        "{:<34} {:>12} {:>11.2} µs",
        "SQLite prepare, 900 terms",
        ms(took),
        took.as_secs_f64() * 1e6 / 900.0
    );
}

/// `sessions_30d > 0 and nps > 1 and …`, n terms joined by `joiner`.
fn chain(terms: usize, joiner: &str) -> String {
    let properties = ["sessions_30d", "nps", "seats", "mrr"];
    (0..terms)
        .map(|i| format!("{} > {i}", properties[i % properties.len()]))
        .collect::<Vec<_>>()
        .join(joiner)
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

fn median(runs: usize, mut work: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// A `.seg` file of `count` segments (a realistic mix of predicates) and the
/// same conditions as SQL `WHERE` clauses.
fn generate(count: usize) -> (String, Vec<String>) {
    let mut text = String::new();
    let mut sql = Vec::new();
    for i in 0..count {
        let (condition, where_sql) = match i % 6 {
            0 => (
                format!("plan = \"enterprise\" and seats >= {}", i % 500),
                format!("plan = 'enterprise' AND seats >= {}", i % 500),
            ),
            1 => (
                format!(
                    "role in [\"admin\", \"owner\"] and last_seen_at > {} days ago",
                    i % 90 + 1
                ),
                format!(
                    "role IN ('admin', 'owner') AND last_seen_at > unixepoch('now', '-{} days')",
                    i % 90 + 1
                ),
            ),
            2 => (
                format!("email ends with \"@acme{i}.com\" or title contains \"vp\""),
                format!("lower(email) LIKE '%@acme{i}.com' OR lower(title) LIKE '%vp%'"),
            ),
            3 => (
                format!("nps between {} and 10 and phone is not set", i % 10),
                format!(
                    "nps BETWEEN {} AND 10 AND (phone IS NULL OR phone = '')",
                    i % 10
                ),
            ),
            4 => (
                format!("not (country = \"US\" or country = \"CA\") and mrr > {i}.5"),
                format!("NOT (country = 'US' OR country = 'CA') AND mrr > {i}.5"),
            ),
            _ => (
                format!("in segment \"S{}\" and sessions_30d >= 4", i - 1),
                format!(
                    "id IN (SELECT id FROM users WHERE plan = 'x{}') AND sessions_30d >= 4",
                    i - 1
                ),
            ),
        };
        text.push_str(&format!(
            "# segment number {i}\nsegment \"S{i}\" for users {{\n  description \"generated\"\n  where {condition}\n}}\n\n"
        ));
        sql.push(format!("SELECT count(*) FROM users WHERE {where_sql}"));
    }
    (text, sql)
}

fn prepare_in_sqlite(statements: &[String]) {
    let connection = rusqlite::Connection::open_in_memory().expect("in-memory SQLite");
    connection
        .execute_batch(
            "CREATE TABLE users (id TEXT PRIMARY KEY, plan TEXT, seats REAL, role TEXT,
             last_seen_at INTEGER, email TEXT, title TEXT, nps REAL, phone TEXT,
             country TEXT, mrr REAL, sessions_30d REAL)",
        )
        .expect("schema");
    for statement in statements {
        let prepared = connection.prepare(statement).expect("valid SQL");
        std::hint::black_box(prepared);
    }
}
