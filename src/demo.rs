//! A deterministic, realistic SaaS data set: accounts (companies on plans)
//! and their users, written as JSON lines so the demo and the benchmarks
//! load it through the same import path a user's data takes.
//!
//! The same seed and `now` give the same data; times are relative to `now`
//! so that "seen in the last 7 days" means something whenever it runs.

use std::io::Write;

/// The example definitions the demo applies (also `examples/demo.seg`).
pub const DEMO_SEGMENTS: &str = include_str!("../examples/demo.seg");

/// A small, fast, seedable generator (SplitMix64): the data needs to be
/// repeatable, not cryptographic.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    /// An item chosen with the given weights.
    fn weighted<'a>(&mut self, items: &[(&'a str, u64)]) -> &'a str {
        let total: u64 = items.iter().map(|(_, w)| w).sum();
        let mut roll = self.below(total);
        for (item, weight) in items {
            if roll < *weight {
                return item;
            }
            roll -= weight;
        }
        items[0].0
    }
}

const DAY: i64 = 86_400_000_000;

const NAME_STARTS: [&str; 16] = [
    "Acme", "Bright", "Cobalt", "Delta", "Ember", "Fable", "Granite", "Harbor", "Iris", "Juniper",
    "Kite", "Lumen", "Maple", "Nimbus", "Orbit", "Pioneer",
];
const NAME_ENDS: [&str; 12] = [
    "Labs",
    "Works",
    "Systems",
    "Analytics",
    "Health",
    "Logistics",
    "Media",
    "Pay",
    "Cloud",
    "Foods",
    "Robotics",
    "Studio",
];
const COUNTRIES: [(&str, u64); 10] = [
    ("US", 40),
    ("GB", 10),
    ("DE", 9),
    ("FR", 7),
    ("CA", 6),
    ("AU", 5),
    ("NL", 4),
    ("SE", 3),
    ("JP", 3),
    ("BR", 3),
];
const INDUSTRIES: [&str; 8] = [
    "SaaS",
    "Fintech",
    "Healthcare",
    "E-commerce",
    "Education",
    "Media",
    "Manufacturing",
    "Logistics",
];
const PLANS: [(&str, u64); 4] = [
    ("free", 35),
    ("starter", 30),
    ("pro", 25),
    ("enterprise", 10),
];
const FIRST_NAMES: [&str; 16] = [
    "Ada", "Ben", "Chloé", "Dev", "Elena", "Femi", "Grace", "Hiro", "Ines", "Jonas", "Kavya",
    "Liam", "Maya", "Noah", "Olga", "Priya",
];
const LAST_NAMES: [&str; 12] = [
    "Smith", "García", "Müller", "Okafor", "Tanaka", "Rossi", "Novak", "Silva", "Kim", "Dubois",
    "Patel", "Berg",
];
const TITLES: [(&str, u64); 10] = [
    ("CEO", 2),
    ("VP Sales", 3),
    ("Head of Growth", 3),
    ("Head of Customer Success", 3),
    ("RevOps Manager", 8),
    ("Software Engineer", 30),
    ("Data Analyst", 15),
    ("Product Manager", 12),
    ("Account Executive", 14),
    ("Marketing Manager", 10),
];
const TAGS: [&str; 6] = ["beta", "vip", "api", "mobile", "sso", "newsletter"];

/// Writes `count` accounts as JSON lines.
pub fn write_accounts(
    out: &mut impl Write,
    count: usize,
    seed: u64,
    now: i64,
) -> std::io::Result<()> {
    let mut random = Random(seed ^ 0xACC0_0000);
    for index in 0..count {
        let plan = random.weighted(&PLANS);
        let seats = match plan {
            "free" => 1 + random.below(5),
            "starter" => 3 + random.below(15),
            "pro" => 10 + random.below(60),
            _ => 40 + random.below(460),
        };
        let price = match plan {
            "free" => 0.0,
            "starter" => 15.0,
            "pro" => 45.0,
            _ => 90.0,
        };
        let created_at = now - (30 + random.below(3 * 365) as i64) * DAY;
        let age_days = (now - created_at) / DAY;
        let renewal_at = created_at + ((age_days / 365) + 1) * 365 * DAY;
        let stage = if plan == "free" && random.chance(0.5) {
            "trial"
        } else {
            random.weighted(&[
                ("onboarding", 10),
                ("active", 65),
                ("at_risk", 15),
                ("churned", 10),
            ])
        };
        let name = format!("{} {}", random.pick(&NAME_STARTS), random.pick(&NAME_ENDS));
        let domain = format!("{}{index}.example", name.to_lowercase().replace(' ', "-"));
        let mut record = serde_json::json!({
            "id": account_id(index),
            "name": name,
            "domain": domain,
            "plan": plan,
            "seats": seats,
            "mrr": (seats as f64 * price).round(),
            "country": random.weighted(&COUNTRIES),
            "industry": random.pick(&INDUSTRIES),
            "lifecycle_stage": stage,
            "created_at": timestamp(created_at),
            "renewal_at": timestamp(renewal_at),
            "health_score": random.below(101),
        });
        if random.chance(0.2) {
            record["csm"] = serde_json::json!(random.pick(&["Ana", "Bo", "Cy", "Di"]));
        }
        writeln!(out, "{record}")?;
    }
    Ok(())
}

/// Writes `count` users of `accounts` accounts as JSON lines.
pub fn write_users(
    out: &mut impl Write,
    count: usize,
    accounts: usize,
    seed: u64,
    now: i64,
) -> std::io::Result<()> {
    let mut random = Random(seed ^ 0x0005_E500);
    for index in 0..count {
        // A few users have no account (self-serve sign-ups not yet matched).
        let account = (accounts > 0 && !random.chance(0.02)).then(|| {
            // Larger accounts get more users: skew towards low indexes.
            let a = random.below(accounts as u64);
            let b = random.below(accounts as u64);
            a.min(b) as usize
        });
        let first = random.pick(&FIRST_NAMES);
        let last = random.pick(&LAST_NAMES);
        let activity = random.weighted(&[
            ("power", 15),
            ("regular", 45),
            ("light", 25),
            ("dormant", 15),
        ]);
        let (sessions, seen_days) = match activity {
            "power" => (20 + random.below(60), random.below(3)),
            "regular" => (4 + random.below(16), random.below(14)),
            "light" => (random.below(4), 7 + random.below(40)),
            _ => (0, 45 + random.below(300)),
        };
        let signed_up_at = now - (seen_days as i64 + 1 + random.below(900) as i64) * DAY;
        let last_seen_at = now - seen_days as i64 * DAY - random.below(86_400) as i64 * 1_000_000;
        let role = random.weighted(&[("owner", 5), ("admin", 15), ("member", 65), ("viewer", 15)]);
        let tags: Vec<&str> = TAGS
            .iter()
            .copied()
            .filter(|_| random.chance(0.18))
            .collect();
        let domain = match account {
            Some(a) => format!("company{a}.example"),
            None => "mail.example".to_string(),
        };
        let mut record = serde_json::json!({
            "id": user_id(index),
            "email": format!("{}.{}{index}@{domain}", ascii(first), ascii(last)),
            "name": format!("{first} {last}"),
            "role": role,
            "title": random.weighted(&TITLES),
            "sessions_30d": sessions,
            "last_seen_at": timestamp(last_seen_at),
            "signed_up_at": timestamp(signed_up_at),
            "tags": tags,
        });
        if let Some(account) = account {
            record["account_id"] = serde_json::json!(account_id(account));
        }
        // Some admins and owners already have a CS owner (what the demo's
        // "Assign new champions" playbook sets for new ones); chosen without
        // drawing from `random`, so the rest of the data stays as it was.
        if matches!(role, "owner" | "admin") && index % 3 == 0 {
            record["cs_owner"] = serde_json::json!("smb-cs");
            record["cs_assigned_at"] = serde_json::json!(timestamp(signed_up_at));
        }
        if random.chance(0.6) {
            record["nps"] = serde_json::json!(random.below(11));
        }
        if random.chance(0.3) {
            record["phone"] = serde_json::json!(format!("+1 555 {:04}", random.below(10_000)));
        }
        writeln!(out, "{record}")?;
    }
    Ok(())
}

pub fn account_id(index: usize) -> String {
    format!("acc-{index:06}")
}

pub fn user_id(index: usize) -> String {
    format!("usr-{index:07}")
}

fn timestamp(micros: i64) -> String {
    crate::model::format_instant(micros)
}

/// Lower-case ASCII for e-mail addresses (`Chloé` → `chloe`).
fn ascii(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            'é' | 'è' => 'e',
            'ü' => 'u',
            'í' => 'i',
            c => c,
        })
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_data() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        write_users(&mut a, 50, 5, 7, 0).unwrap();
        write_users(&mut b, 50, 5, 7, 0).unwrap();
        assert_eq!(a, b);
        let mut c = Vec::new();
        write_users(&mut c, 50, 5, 8, 0).unwrap();
        assert_ne!(a, c);
    }
}
