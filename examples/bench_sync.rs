//! The sync runner's speed and exactness at 100,000 users through the
//! HubSpot connector, against an in-process loopback fake that answers at
//! once (so what is timed is segscope: planning, diffing, encoding, storing
//! each batch's state). Four runs:
//!
//! 1. the first sync: everyone is new;
//! 2. nothing changed: must send nothing, in under 1 s;
//! 3. after 1% of the users changed: must send exactly those;
//! 4. the peer: a dump-based sync (what a tool without acknowledged state
//!    sends every run), by forgetting the state and running again.
//!
//! Requests must equal ⌈changed ÷ 100⌉ plus the property calls; the
//! runner's overhead per 100-record batch is the run's time over its batches.
//!
//! cargo run --release --example bench_sync [-- --users 100000]

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use segscope::model::EntityKind;
use segscope::model::sync_run::SyncRun;
use segscope::sync::{SyncControl, SyncProgress};
use segscope::workspace::{
    ImportFormat, ImportMode, ImportSource, OpenOptions, SourceText, Workspace, clock_now,
};

struct Quiet;

impl SyncControl for Quiet {
    fn progress(&mut self, _: SyncProgress) {}
    fn cancelled(&self) -> bool {
        false
    }
}

/// Counts requests and the records upserted; answers every upsert 200 and
/// every property call as if the property were there (created on first
/// sight), so nothing but segscope's own work is timed.
struct Fake {
    base_url: String,
    upserts: Arc<AtomicU64>,
    records: Arc<AtomicU64>,
    property_calls: Arc<AtomicU64>,
}

fn start_fake() -> Fake {
    let server = tiny_http::Server::http("127.0.0.1:0").expect("a loopback port");
    let base_url = format!("http://{}", server.server_addr());
    let upserts = Arc::new(AtomicU64::new(0));
    let records = Arc::new(AtomicU64::new(0));
    let property_calls = Arc::new(AtomicU64::new(0));
    let (u, r, p) = (upserts.clone(), records.clone(), property_calls.clone());
    std::thread::spawn(move || {
        let mut known: std::collections::HashMap<String, serde_json::Value> = Default::default();
        for mut request in server.incoming_requests() {
            let mut body = String::new();
            let _ = request.as_reader().read_to_string(&mut body);
            let url = request.url().to_string();
            let method = request.method().to_string();
            let (status, answer) = if url.contains("/batch/upsert") {
                u.fetch_add(1, Ordering::Relaxed);
                let parsed: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                let count = parsed["inputs"].as_array().map_or(0, Vec::len) as u64;
                r.fetch_add(count, Ordering::Relaxed);
                (200, r#"{"status":"COMPLETE","results":[]}"#.to_string())
            } else {
                p.fetch_add(1, Ordering::Relaxed);
                match method.as_str() {
                    "GET" => match known.get(&url) {
                        Some(property) => (200, property.to_string()),
                        None => (
                            404,
                            r#"{"status":"error","message":"not found"}"#.to_string(),
                        ),
                    },
                    "POST" => {
                        let mut property: serde_json::Value =
                            serde_json::from_str(&body).unwrap_or_default();
                        let name = property["name"].as_str().unwrap_or("").to_string();
                        if property["hasUniqueValue"].is_null() {
                            property["hasUniqueValue"] = false.into();
                        }
                        known.insert(format!("{url}/{name}"), property.clone());
                        (201, property.to_string())
                    }
                    _ => {
                        let patch: serde_json::Value =
                            serde_json::from_str(&body).unwrap_or_default();
                        if let Some(property) = known.get_mut(&url) {
                            property["options"] = patch["options"].clone();
                        }
                        (200, "{}".to_string())
                    }
                }
            };
            let _ =
                request.respond(tiny_http::Response::from_string(answer).with_status_code(status));
        }
    });
    Fake {
        base_url,
        upserts,
        records,
        property_calls,
    }
}

struct Row {
    what: &'static str,
    changed: u64,
    requests: u64,
    upserts: u64,
    records: u64,
    took: Duration,
    plan_took: Duration,
    batches: u64,
}

fn main() {
    let mut users = 100_000usize;
    let mut arguments = std::env::args().skip(1);
    while let Some(argument) = arguments.next() {
        if argument == "--users" {
            users = arguments
                .next()
                .and_then(|n| n.parse().ok())
                .expect("--users N");
        }
    }
    let accounts = (users / 10).max(1);
    let directory = tempfile_dir();
    let path = directory.join("bench-sync.redb");
    let now = clock_now();
    let mut workspace = Workspace::open(
        &path,
        OpenOptions {
            now: Some(now),
            wait: None,
            record: true,
        },
    )
    .expect("a new database");
    let mut account_rows = Vec::new();
    segscope::demo::write_accounts(&mut account_rows, accounts, 7, now).unwrap();
    let mut user_rows = Vec::new();
    segscope::demo::write_users(&mut user_rows, users, accounts, 7, now).unwrap();
    for (kind, rows) in [
        (EntityKind::Accounts, account_rows),
        (EntityKind::Users, user_rows),
    ] {
        workspace
            .import(
                kind,
                ImportSource::from_bytes(rows, ImportFormat::JsonLines),
                ImportMode::Replace,
                false,
                &mut |_| std::ops::ControlFlow::Continue(()),
            )
            .expect("the demo data imports");
    }
    let fake = start_fake();
    let definitions = format!(
        "{}\n\ndestination \"Bench\" hubspot {{\n  token env \"BENCH_SYNC_TOKEN\"\n  base_url \"{}\"\n  rate_limit 10000\n  users {{\n    key email\n    map segments -> segscope_segments as list\n    map title -> jobtitle\n  }}\n}}\n",
        segscope::demo::DEMO_SEGMENTS,
        fake.base_url
    );
    // SAFETY: one thread so far; the variable is this bench's own.
    unsafe { std::env::set_var("BENCH_SYNC_TOKEN", "bench-token") };
    workspace
        .apply(&[SourceText {
            origin: "bench.seg".to_string(),
            text: definitions,
        }])
        .expect("the definitions apply");
    let destination = workspace.destination("Bench").expect("defined").destination;
    let mut rows = Vec::new();
    let mut measure = |workspace: &Workspace, what: &'static str, changed: u64| {
        let before = (
            fake.upserts.load(Ordering::Relaxed),
            fake.records.load(Ordering::Relaxed),
            fake.property_calls.load(Ordering::Relaxed),
        );
        // The plan alone (what every run starts with), timed apart so the
        // per-batch figure is the sending: encoding, HTTP, storing state.
        let planning = Instant::now();
        segscope::sync::plan(workspace, &destination).expect("a plan");
        let plan_took = planning.elapsed();
        let start = Instant::now();
        let run: SyncRun = segscope::sync::run(workspace, &destination, &mut Quiet).expect("a run");
        let took = start.elapsed();
        let upserts = fake.upserts.load(Ordering::Relaxed) - before.0;
        let records = fake.records.load(Ordering::Relaxed) - before.1;
        let property_calls = fake.property_calls.load(Ordering::Relaxed) - before.2;
        assert_eq!(
            run.requests,
            upserts + property_calls,
            "every request counted"
        );
        assert_eq!(
            upserts,
            changed.div_ceil(100),
            "{what}: ⌈changed ÷ 100⌉ upserts"
        );
        assert_eq!(records, changed, "{what}: exactly the changed records");
        rows.push(Row {
            what,
            changed,
            requests: run.requests,
            upserts,
            records,
            took,
            plan_took,
            batches: upserts,
        });
    };
    let selected = workspace.entity_count(EntityKind::Users) as u64;
    let with_email = selected; // every demo user has an email
    measure(&workspace, "first sync (everyone new)", with_email);
    measure(&workspace, "second sync, nothing changed", 0);
    // 1% of the users get a new title: their payload (jobtitle) changes.
    let changed = (users / 100).max(1);
    let mut edits = Vec::new();
    for index in (0..users).step_by(users / changed).take(changed) {
        edits.extend(
            format!(
                "{{\"id\":\"{}\",\"title\":\"Bench title {index}\"}}\n",
                segscope::demo::user_id(index)
            )
            .into_bytes(),
        );
    }
    workspace
        .import(
            EntityKind::Users,
            ImportSource::from_bytes(edits, ImportFormat::JsonLines),
            ImportMode::Merge,
            false,
            &mut |_| std::ops::ControlFlow::Continue(()),
        )
        .expect("the edits import");
    measure(&workspace, "after 1% changed", changed as u64);
    workspace
        .forget_destination_state("Bench")
        .expect("the state is forgotten");
    measure(
        &workspace,
        "peer: dump-based (no acknowledged state)",
        with_email,
    );
    println!(
        "bench_sync: {users} users through the HubSpot connector, loopback fake answering at once"
    );
    println!(
        "| run | changed | requests | upserts | records sent | run took | of which the plan | per 100-record batch after the plan |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for row in &rows {
        let sending = row.took.saturating_sub(row.plan_took);
        let per_batch = if row.batches == 0 {
            "—".to_string()
        } else {
            format!(
                "{:.2} ms",
                sending.as_secs_f64() * 1000.0 / row.batches as f64
            )
        };
        println!(
            "| {} | {} | {} | {} | {} | {:.3} s | {:.3} s | {per_batch} |",
            row.what,
            row.changed,
            row.requests,
            row.upserts,
            row.records,
            row.took.as_secs_f64(),
            row.plan_took.as_secs_f64()
        );
    }
    let _ = std::fs::remove_dir_all(&directory);
}

fn tempfile_dir() -> std::path::PathBuf {
    let directory =
        std::env::temp_dir().join(format!("segscope-bench-sync-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("a temporary directory");
    directory
}
