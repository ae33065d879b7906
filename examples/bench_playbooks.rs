//! What playbooks cost, on the demo data at 100,000 users, each figure beside
//! its peer in the same run:
//!
//! 1. a single-entity `set` (median of 300) with 20 playbooks' triggers in
//!    the engine, beside the same `set` with none;
//! 2. firing: applying a playbook that fires for every user matching its
//!    `when` (a firing, a `set` applied in the transaction, a log line and a
//!    webhook in the outbox each), beside applying a segment of the same
//!    condition (membership events only);
//! 3. delivering 1,000 webhooks from the outbox, one signed POST each, to a
//!    loopback receiver answering 200 at once, beside a webhook destination
//!    sending the same 1,000 users in batches of 100.
//!
//! cargo run --release --example bench_playbooks [-- --users 100000]

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use segscope::model::{EntityKind, Value};
use segscope::playbook::Deliverer;
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

/// A loopback receiver answering 200 at once; counts requests.
fn start_receiver() -> (String, Arc<AtomicU64>) {
    let server = tiny_http::Server::http("127.0.0.1:0").expect("a loopback port");
    let url = format!("http://{}/hook", server.server_addr());
    let requests = Arc::new(AtomicU64::new(0));
    let counted = requests.clone();
    std::thread::spawn(move || {
        for mut request in server.incoming_requests() {
            let mut body = String::new();
            let _ = request.as_reader().read_to_string(&mut body);
            counted.fetch_add(1, Ordering::Relaxed);
            let _ = request.respond(tiny_http::Response::empty(200));
        }
    });
    (url, requests)
}

fn open(path: &std::path::Path, now: i64) -> Workspace {
    Workspace::open(
        path,
        OpenOptions {
            now: Some(now),
            wait: None,
            record: true,
        },
    )
    .expect("the database opens")
}

fn seeded(path: &std::path::Path, users: usize, now: i64) -> Workspace {
    let mut workspace = open(path, now);
    let accounts = (users / 10).max(1);
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
    apply(
        &mut workspace,
        "segments.seg",
        segscope::demo::DEMO_SEGMENTS,
    );
    workspace
}

fn apply(workspace: &mut Workspace, origin: &str, text: &str) {
    workspace
        .apply(&[SourceText {
            origin: origin.to_string(),
            text: text.to_string(),
        }])
        .unwrap_or_else(|failure| panic!("{origin} applies: {failure:?}"));
}

/// The median of `runs` single-entity sets (alternating a property).
fn median_set(workspace: &mut Workspace, runs: usize) -> Duration {
    let mut times = Vec::with_capacity(runs);
    for index in 0..runs {
        let id = segscope::demo::user_id(index * 7);
        let value = Value::number((index % 40) as f64);
        let start = Instant::now();
        workspace
            .set(
                EntityKind::Users,
                &id,
                vec![("sessions_30d".to_string(), Some(value))],
            )
            .expect("the set");
        times.push(start.elapsed());
    }
    times.sort();
    times[times.len() / 2]
}

/// Twenty playbooks on conditions the sets move, none firing a webhook.
fn twenty_playbooks() -> String {
    (0..20)
        .map(|index| {
            format!(
                "playbook \"Bench {index}\" for users {{\n  when sessions_30d >= {} and in segment \"Power users\"\n  skip existing\n  log \"bench\"\n}}\n",
                10 + index
            )
        })
        .collect()
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
    let directory =
        std::env::temp_dir().join(format!("segscope-bench-playbooks-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("a temporary directory");
    let now = clock_now();
    let (url, requests) = start_receiver();

    // 1. A single-entity set, without and with 20 triggers.
    let mut workspace = seeded(&directory.join("set.redb"), users, now);
    // Warmed up first: the first sets after an import pay for caches.
    median_set(&mut workspace, 300);
    let without = median_set(&mut workspace, 300);
    apply(&mut workspace, "twenty.seg", &twenty_playbooks());
    let with = median_set(&mut workspace, 300);

    // 2. Firing for everyone matching, beside a segment of the condition.
    let condition = "sessions_30d >= 20";
    let segment_start = Instant::now();
    apply(
        &mut workspace,
        "peer.seg",
        &format!("segment \"Bench peer\" for users {{\n  where {condition}\n}}\n"),
    );
    let segment_took = segment_start.elapsed();
    let matching = workspace
        .segments()
        .into_iter()
        .find(|segment| segment.name == "Bench peer")
        .map_or(0, |segment| segment.members);
    let firing_start = Instant::now();
    apply(
        &mut workspace,
        "fire.seg",
        &format!(
            "playbook \"Bench fire\" for users {{\n  when {condition}\n  set bench_owner = \"team-a\"\n  webhook \"{url}\"\n  log \"bench\"\n}}\n"
        ),
    );
    let firing_took = firing_start.elapsed();
    let news = workspace.take_playbook_news();
    let fired: usize = news
        .fired
        .iter()
        .filter(|f| f.playbook == "Bench fire")
        .map(|f| f.count)
        .sum();
    assert_eq!(fired, matching, "one firing per matching user");

    // 3. Delivering 1,000 of those webhooks, beside a webhook destination.
    let due = workspace.due_deliveries().expect("the outbox");
    let deliverer = Deliverer::new();
    let deliver_start = Instant::now();
    let mut delivered = 0;
    for delivery in due.iter().take(1000) {
        let state = deliverer.deliver(delivery, clock_now());
        workspace
            .record_delivery(delivery, state)
            .expect("recorded");
        delivered += 1;
    }
    let deliver_took = deliver_start.elapsed();
    assert_eq!(requests.load(Ordering::Relaxed), delivered as u64);
    apply(
        &mut workspace,
        "hook.seg",
        &format!(
            "segment \"Bench thousand\" for users {{\n  where id in [{}]\n}}\n\ndestination \"Bench hook\" webhook {{\n  url \"{url}\"\n  users {{ segments [\"Bench thousand\"]  map segments -> segments as list  map email -> email }}\n}}\n",
            (0..1000)
                .map(|index| format!("\"{}\"", segscope::demo::user_id(index)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    let destination = workspace
        .destination("Bench hook")
        .expect("defined")
        .destination;
    let sync_start = Instant::now();
    let run = segscope::sync::run(&workspace, &destination, &mut Quiet).expect("a run");
    let sync_took = sync_start.elapsed();

    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    println!("bench_playbooks: {users} users (demo data), loopback receiver answering 200 at once");
    println!("| what | segscope | peer | peer is |");
    println!("|---|---:|---:|---|");
    println!(
        "| single-entity set, median of 300 | {:.0} µs with 20 playbooks | {:.0} µs | the same set with no playbooks |",
        micros(with),
        micros(without)
    );
    println!(
        "| apply a playbook firing for {matching} users (set + webhook + log each) | {:.2} s ({:.0} firings/s) | {:.2} s | applying a segment of the same condition |",
        firing_took.as_secs_f64(),
        matching as f64 / firing_took.as_secs_f64(),
        segment_took.as_secs_f64()
    );
    println!(
        "| deliver {delivered} webhooks from the outbox, one signed POST each | {:.2} s ({:.0}/s) | {:.2} s ({} requests) | a webhook destination sending the same 1,000 users in batches of 100 |",
        deliver_took.as_secs_f64(),
        delivered as f64 / deliver_took.as_secs_f64(),
        sync_took.as_secs_f64(),
        run.requests
    );
    workspace.close_and_exit_soon();
    let _ = std::fs::remove_dir_all(&directory);
}
