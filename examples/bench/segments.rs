//! The benchmark's 50 segments, each in the segscope language and as the
//! hand-written SQL a SQLite user would write for the same set. Relative
//! times are resolved against the benchmark's `now`.

/// One segment: name, kind ("users"/"accounts"), condition, SQL `WHERE`
/// over the kind's table `t` (users also see their account as `a`).
pub struct BenchSegment {
    pub name: String,
    pub kind: &'static str,
    pub condition: String,
    pub sql_where: String,
    pub cross_entity: bool,
}

const DAY: i64 = 86_400_000_000;

/// `NOT coalesce(x, 0)`: the language's negated forms are true when the
/// value is missing, SQL's are NULL.
fn not(sql: &str) -> String {
    format!("NOT coalesce(({sql}), 0)")
}

pub fn segments(now: i64) -> Vec<BenchSegment> {
    let ago = |days: i64| now - days * DAY;
    let ahead = |days: i64| now + days * DAY;
    let mut list: Vec<(&str, &str, String, String, bool)> = vec![
        // ---- users: every predicate form
        ("U admins", "users", r#"role = "admin""#.into(), "t.role = 'admin'".into(), false),
        ("U not viewers", "users", r#"role != "viewer""#.into(), not("t.role = 'viewer'"), false),
        ("U owner or admin", "users", r#"role in ["owner", "admin"]"#.into(), "t.role IN ('owner','admin')".into(), false),
        ("U not members", "users", r#"role not in ["member"]"#.into(), not("t.role IN ('member')"), false),
        ("U busy", "users", "sessions_30d >= 20".into(), "t.sessions_30d >= 20".into(), false),
        ("U idle", "users", "sessions_30d < 2".into(), "t.sessions_30d < 2".into(), false),
        ("U mid usage", "users", "sessions_30d between 5 and 15".into(), "t.sessions_30d BETWEEN 5 AND 15".into(), false),
        ("U outside mid", "users", "sessions_30d not between 5 and 15".into(), not("t.sessions_30d BETWEEN 5 AND 15"), false),
        ("U seen this week", "users", "last_seen_at > 7 days ago".into(), format!("t.last_seen_at > {}", ago(7)), false),
        ("U gone quiet", "users", "last_seen_at < 45 days ago".into(), format!("t.last_seen_at < {}", ago(45)), false),
        ("U new", "users", "signed_up_at >= 90 days ago".into(), format!("t.signed_up_at >= {}", ago(90)), false),
        ("U promoters", "users", "nps >= 9".into(), "t.nps >= 9".into(), false),
        ("U no nps", "users", "nps is not set".into(), "t.nps IS NULL".into(), false),
        ("U with phone", "users", "phone is set".into(), "t.phone IS NOT NULL AND t.phone <> ''".into(), false),
        ("U engineers", "users", r#"title contains "engineer""#.into(), "instr(lower(t.title), 'engineer') > 0".into(), false),
        ("U not managers", "users", r#"title not contains "manager""#.into(), not("instr(lower(t.title), 'manager') > 0"), false),
        ("U heads", "users", r#"title starts with "head of""#.into(), "lower(t.title) LIKE 'head of%'".into(), false),
        ("U managers", "users", r#"title ends with "manager""#.into(), "lower(t.title) LIKE '%manager'".into(), false),
        ("U leaders", "users", r#"title matches "(?i)^(ceo|vp|head of)""#.into(), "t.title REGEXP '(?i)^(ceo|vp|head of)'".into(), false),
        ("U beta", "users", r#"tags has "beta""#.into(), "EXISTS (SELECT 1 FROM json_each(t.tags) WHERE value = 'beta')".into(), false),
        ("U vip or api", "users", r#"tags has any ["vip", "api"]"#.into(), "EXISTS (SELECT 1 FROM json_each(t.tags) WHERE value IN ('vip','api'))".into(), false),
        ("U sso mobile", "users", r#"tags has all ["sso", "mobile"]"#.into(), "EXISTS (SELECT 1 FROM json_each(t.tags) WHERE value = 'sso') AND EXISTS (SELECT 1 FROM json_each(t.tags) WHERE value = 'mobile')".into(), false),
        ("U no account", "users", "account_id is not set".into(), "t.account_id IS NULL".into(), false),
        ("U example mail", "users", r#"email ends with "@mail.example""#.into(), "lower(t.email) LIKE '%@mail.example'".into(), false),
        ("U power", "users", "sessions_30d >= 20 and last_seen_at > 7 days ago".into(), format!("t.sessions_30d >= 20 AND t.last_seen_at > {}", ago(7)), false),
        ("U dormant", "users", "last_seen_at < 45 days ago or last_seen_at is not set".into(), format!("t.last_seen_at < {} OR t.last_seen_at IS NULL", ago(45)), false),
        ("U active non power", "users", r#"in segment "U seen this week" and not in segment "U power""#.into(), "t.id IN (SELECT id FROM \"U seen this week\") AND t.id NOT IN (SELECT id FROM \"U power\")".into(), false),
        ("U detractors", "users", "nps <= 6 and not (role = \"viewer\")".into(), format!("t.nps <= 6 AND {}", not("t.role = 'viewer'")), false),
        ("U beta not dormant", "users", r#"tags has "beta" and not in segment "U dormant""#.into(), "EXISTS (SELECT 1 FROM json_each(t.tags) WHERE value = 'beta') AND t.id NOT IN (SELECT id FROM \"U dormant\")".into(), false),
        ("U senior promoters", "users", r#"(role = "owner" or title starts with "vp") and nps >= 9"#.into(), "(t.role = 'owner' OR lower(t.title) LIKE 'vp%') AND t.nps >= 9".into(), false),
        // ---- accounts
        ("A enterprise", "accounts", r#"plan = "enterprise""#.into(), "t.plan = 'enterprise'".into(), false),
        ("A paying", "accounts", r#"mrr > 0 and lifecycle_stage != "churned""#.into(), format!("t.mrr > 0 AND {}", not("t.lifecycle_stage = 'churned'")), false),
        ("A big", "accounts", "seats >= 100".into(), "t.seats >= 100".into(), false),
        ("A icp", "accounts", r#"plan = "enterprise" and seats >= 50 and industry in ["SaaS", "Fintech", "Healthcare"]"#.into(), "t.plan = 'enterprise' AND t.seats >= 50 AND t.industry IN ('SaaS','Fintech','Healthcare')".into(), false),
        ("A renewing", "accounts", "renewal_at between now and 60 days from now".into(), format!("t.renewal_at BETWEEN {now} AND {}", ahead(60)), false),
        ("A young", "accounts", "created_at > 6 months ago".into(), format!("t.created_at > {}", six_months_ago(now)), false),
        ("A at risk stage", "accounts", r#"lifecycle_stage = "at_risk" or health_score < 30"#.into(), "t.lifecycle_stage = 'at_risk' OR t.health_score < 30".into(), false),
        ("A europe", "accounts", r#"country in ["GB", "DE", "FR", "NL", "SE"]"#.into(), "t.country IN ('GB','DE','FR','NL','SE')".into(), false),
        ("A with csm", "accounts", "csm is set".into(), "t.csm IS NOT NULL AND t.csm <> ''".into(), false),
        ("A labs", "accounts", r#"name ends with "labs""#.into(), "lower(t.name) LIKE '%labs'".into(), false),
        // ---- cross-entity (10)
        ("X enterprise users", "users", r#"account.plan = "enterprise""#.into(), "a.plan = 'enterprise'".into(), true),
        ("X users not in US", "users", r#"account.country != "US""#.into(), not("a.country = 'US'"), true),
        ("X big account admins", "users", r#"role = "admin" and account.seats >= 100"#.into(), "t.role = 'admin' AND a.seats >= 100".into(), true),
        ("X champions", "users", r#"role in ["admin", "owner"] and last_seen_at > 14 days ago and account in segment "A icp""#.into(), format!("t.role IN ('admin','owner') AND t.last_seen_at > {} AND t.account_id IN (SELECT id FROM \"A icp\")", ago(14)), true),
        ("X paying detractors", "users", r#"nps <= 6 and account in segment "A paying""#.into(), "t.nps <= 6 AND t.account_id IN (SELECT id FROM \"A paying\")".into(), true),
        ("X free users", "users", r#"account not in segment "A paying""#.into(), "t.account_id IS NULL OR t.account_id NOT IN (SELECT id FROM \"A paying\")".into(), true),
        ("X healthy", "accounts", "count(users where last_seen_at > 30 days ago) >= 3".into(), format!("(SELECT count(*) FROM users u WHERE u.account_id = t.id AND u.last_seen_at > {}) >= 3", ago(30)), true),
        ("X heavy accounts", "accounts", "sum(users.sessions_30d) > 200".into(), "(SELECT coalesce(sum(u.sessions_30d), 0) FROM users u WHERE u.account_id = t.id) > 200".into(), true),
        ("X quiet accounts", "accounts", "max(users.last_seen_at) < 21 days ago".into(), format!("(SELECT max(u.last_seen_at) FROM users u WHERE u.account_id = t.id) < {}", ago(21)), true),
        ("X expansion", "accounts", r#"in segment "A paying" and count(users where in segment "U power") >= 3 and avg(users.nps) > 7"#.into(), "t.id IN (SELECT id FROM \"A paying\") AND (SELECT count(*) FROM users u WHERE u.account_id = t.id AND u.id IN (SELECT id FROM \"U power\")) >= 3 AND (SELECT avg(u.nps) FROM users u WHERE u.account_id = t.id) > 7".into(), true),
    ];
    list.drain(..)
        .map(
            |(name, kind, condition, sql_where, cross_entity)| BenchSegment {
                name: name.to_string(),
                kind,
                condition,
                sql_where,
                cross_entity,
            },
        )
        .collect()
}

/// `6 months ago` in calendar arithmetic, as the engine resolves it.
fn six_months_ago(now: i64) -> i64 {
    segscope::engine::resolve_relative(
        now,
        segscope::model::ast::RelativeTime::Ago(6, segscope::model::ast::TimeUnit::Month),
    )
}

/// The segments as one `.seg` file.
pub fn seg_file(segments: &[BenchSegment]) -> String {
    segments
        .iter()
        .map(|s| {
            format!(
                "segment {} for {} {{\n  where {}\n}}\n",
                segscope::lang::format::quoted(&s.name),
                s.kind,
                s.condition
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}
