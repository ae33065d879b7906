//! The speed of "why" and of trends on a large database: `explain_all` (why
//! an entity is or is not in each segment of its kind) for many users and
//! accounts, and `daily_counts` (90 days) for every segment, each timed
//! alone in-process after the workspace is open; median, p99 and max.
//!
//! segscope demo --users 1000000 --accounts 100000 --no-tui --db big.redb
//! cargo run --release --example bench_explain -- big.redb

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};

use segscope::model::EntityKind;
use segscope::workspace::{OpenOptions, Workspace};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: bench_explain DATABASE");
        std::process::exit(2);
    };
    let start = Instant::now();
    let options = OpenOptions {
        now: None,
        wait: None,
        record: false,
    };
    let workspace = Workspace::open(path.as_ref(), options).expect("the database opens");
    eprintln!("opened in {:?}", start.elapsed());
    for kind in [EntityKind::Users, EntityKind::Accounts] {
        let entities = workspace.all_entities(kind);
        let count = entities.len();
        let step = (count / 500).max(1);
        let mut times = Vec::new();
        let mut explained = 0;
        for entity in entities.iter().step_by(step) {
            let id = workspace.entity_at(entity).id;
            let start = Instant::now();
            let all = workspace.explain_all(kind, &id).expect("explains");
            times.push(start.elapsed());
            explained = all.len();
        }
        report(
            &format!("explain_all, {count} {kind}, {explained} segments each"),
            &mut times,
        );
    }
    let mut times = Vec::new();
    for (name, _) in workspace.segment_names() {
        let start = Instant::now();
        let days = workspace.daily_counts(&name, 90).expect("a trend");
        times.push(start.elapsed());
        assert_eq!(days.len(), 90);
    }
    report("daily_counts (90 days), one segment", &mut times);
}

fn report(what: &str, times: &mut [Duration]) {
    times.sort();
    let at = |share: f64| times[((times.len() - 1) as f64 * share) as usize];
    println!(
        "{what}: median {:?}, p99 {:?}, max {:?} ({} runs)",
        at(0.5),
        at(0.99),
        times[times.len() - 1],
        times.len()
    );
}
