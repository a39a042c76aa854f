//! Exports and the summary over 1,000,000 ratings from 50,000 members.
//!
//!   cargo bench --bench exports                  # 50,000 members × 20 activities
//!   cargo bench --bench exports -- 5000          # a smaller data set: 5,000 members
//!
//! The data is generated in SQLite (a plan of 20 activities, members spread over the
//! constituencies and provinces, one rating per member and activity, a tenth with a Khmer
//! comment, one revision each), then each export runs as `dwcp-feedback export` would. Peak RSS
//! is reset before each export (`/proc/self/clear_refs`), so each figure is that export's own.

use std::time::Instant;

use chrono::Utc;
use dwcp_feedback::cli::{self, ExportFormat};
use dwcp_feedback::domain::summary::Summary;
use dwcp_feedback::domain::Plan;
use dwcp_feedback::store::{ExportFilter, Store};

#[path = "common/own_memory.rs"]
mod own_memory;
use own_memory::{peak_rss_mib, reset_peak};

/// The built-in plan with a fifth activity in each priority: 20 in all.
fn plan_of_twenty() -> Plan {
    let mut plan = dwcp_feedback::plan_io::default_plan();
    let mut extra = Vec::new();
    for p in &plan.priorities {
        let have: Vec<_> = plan.activities_of(&p.code).cloned().collect();
        for i in have.len()..5 {
            let mut a = have[i % have.len()].clone();
            a.code = dwcp_feedback::domain::ActivityCode::parse(&format!("{}.{}", p.code, i + 1))
                .unwrap();
            a.title.en = format!("{} (bis)", a.title.en);
            extra.push(a);
        }
    }
    plan.activities.extend(extra);
    let order: Vec<_> = plan.priorities.iter().map(|p| p.code.clone()).collect();
    plan.activities
        .sort_by_key(|a| (order.iter().position(|c| *c == a.priority), a.code.clone()));
    plan
}

#[tokio::main]
async fn main() {
    let members: i64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(50_000);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = Store::open(&url).await.unwrap();
    let plan = plan_of_twenty();
    let version = store.add_plan(&plan, Utc::now()).await.unwrap();

    let t = Instant::now();
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let now = Utc::now();
    sqlx::query(
        "WITH RECURSIVE m(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM m WHERE i < ?1)
         INSERT INTO members (member_id, consent, consent_at, constituency, province, sector, gender, created_at, updated_at)
         SELECT 7000000000 + i, 'given', ?2, substr('WWWEEGO', 1 + i % 7, 1), 1 + i % 25, 'gft', 'f', ?2, ?2 FROM m",
    )
    .bind(members)
    .bind(now)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO chats (chat_id, lang, state, updated_at) SELECT member_id, 'km', '{\"at\":\"Menu\"}', ?1 FROM members")
        .bind(now)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO ratings (member_id, plan_version, activity_code, rating, comment_text, first_at, updated_at)
         SELECT m.member_id, ?1, a.code, 1 + abs(random()) % 5,
                CASE WHEN abs(random()) % 10 = 0 THEN 'ត្រូវការថវិកា និងការបណ្តុះបណ្តាលបន្ថែម សម្រាប់កម្មករ' END, ?2, ?2
         FROM members m CROSS JOIN activities a WHERE a.plan_version = ?1",
    )
    .bind(version)
    .bind(now)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO rating_revisions (member_id, plan_version, activity_code, action, rating, comment_text, at)
         SELECT member_id, plan_version, activity_code, 'rate', rating, comment_text, updated_at FROM ratings",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let (ratings,): (i64,) = sqlx::query_as("SELECT count(*) FROM ratings")
        .fetch_one(&sqlx::SqlitePool::connect(&url).await.unwrap())
        .await
        .unwrap();
    println!(
        "dwcp-feedback exports: {members} members, {ratings} ratings (generated in {:.1} s)",
        t.elapsed().as_secs_f64()
    );

    reset_peak();
    let t = Instant::now();
    let summary = Summary::new(
        &plan,
        store.member_counts().await.unwrap(),
        &store.summary_cells(version).await.unwrap(),
    );
    println!(
        "  summary             {:>7.0} ms   peak RSS {:>6.1} MiB   ({} ratings counted)",
        t.elapsed().as_secs_f64() * 1e3,
        peak_rss_mib(),
        summary.ratings()
    );

    for format in [ExportFormat::Csv, ExportFormat::Json, ExportFormat::Xlsx] {
        let path = dir.path().join(format!("export.{format:?}"));
        reset_peak();
        let t = Instant::now();
        let mut report = Vec::new();
        cli::export(
            &store,
            format,
            &path,
            ExportFilter::default(),
            None,
            Utc::now(),
            &mut report,
        )
        .await
        .unwrap();
        let size = std::fs::metadata(&path).map_or(0, |m| m.len()) as f64 / 1048576.0;
        println!(
            "  export {:<5}        {:>7.2} s    peak RSS {:>6.1} MiB   ({size:.0} MiB file)",
            format!("{format:?}").to_lowercase(),
            t.elapsed().as_secs_f64(),
            peak_rss_mib()
        );
    }
}
