//! The consultation report over a generated consultation, as `dwcp-feedback report` makes it.
//!
//!   cargo bench --bench report                    # 2,000 members × 15 activities, 3,000 comments
//!   cargo bench --bench report -- 66667 150000    # ~1,000,000 ratings, ~100,000 comments
//!   cargo bench --bench report -- 2000 3000 /tmp/r   # keep the files and bench.db in /tmp/r
//!
//! Members are spread over the constituencies, organisations, provinces, sectors and genders;
//! each rates every activity of the built-in plan (15), with workers and employers apart on a
//! few activities; comments are Khmer and English of mixed lengths, a few voice notes among
//! them. Peak RSS is reset before each file (`/proc/self/clear_refs`).

use std::time::Instant;

use chrono::Utc;
use dwcp_feedback::chart::ChartMaker;
use dwcp_feedback::domain::{Lang, ReportFormat};
use dwcp_feedback::report::{ReportJob, Typesetter};
use dwcp_feedback::store::{Actor, ExportFilter, Store};

#[path = "common/own_memory.rs"]
mod own_memory;
use own_memory::{peak_rss_mib, reset_peak};

#[tokio::main]
async fn main() {
    let numbers: Vec<i64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let keep = std::env::args()
        .skip(1)
        .find(|a| a.starts_with('/'))
        .map(std::path::PathBuf::from);
    let members = numbers.first().copied().unwrap_or(2_000);
    let comments = numbers.get(1).copied().unwrap_or(3_000);
    let dir = tempfile::tempdir().unwrap();
    // With a directory named, the database stays there too, for `scripts/report-check.sh`.
    let db_dir = keep.clone().unwrap_or_else(|| dir.path().to_path_buf());
    std::fs::create_dir_all(&db_dir).unwrap();
    let _ = std::fs::remove_file(db_dir.join("bench.db"));
    let url = format!("sqlite://{}", db_dir.join("bench.db").display());
    let store = Store::open(&url).await.unwrap();
    let plan = dwcp_feedback::plan_io::default_plan();
    let version = store.add_plan(&plan, Utc::now()).await.unwrap();

    let t = Instant::now();
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let now = Utc::now();
    sqlx::query(
        "WITH RECURSIVE m(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM m WHERE i < ?1)
         INSERT INTO members (member_id, consent, consent_at, constituency, org_code, province,
                              sector, gender, created_at, updated_at)
         SELECT 7000000000 + i, 'given', ?2, substr('WWWEEGO', 1 + i % 7, 1),
                CASE substr('WWWEEGO', 1 + i % 7, 1)
                  WHEN 'W' THEN CASE i % 3 WHEN 0 THEN 'CCAWDU' WHEN 1 THEN 'NACC' ELSE 'CLC' END
                  WHEN 'E' THEN CASE i % 2 WHEN 0 THEN 'CAMFEBA' ELSE 'TAFTAC' END
                  WHEN 'G' THEN 'MLVT' END,
                1 + (i * 7) % 25,
                CASE i % 4 WHEN 2 THEN 'con' WHEN 3 THEN 'tou' ELSE 'gft' END,
                CASE i % 5 WHEN 0 THEN 'm' WHEN 4 THEN 'u' ELSE 'f' END, ?2, ?2 FROM m",
    )
    .bind(members)
    .bind(now)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO chats (chat_id, lang, state, updated_at)
         SELECT member_id, CASE member_id % 4 WHEN 0 THEN 'en' ELSE 'km' END, '{\"at\":\"Menu\"}', ?1
         FROM members",
    )
    .bind(now)
    .execute(&pool)
    .await
    .unwrap();
    // One rating per member and activity; a share of them commented so that about
    // `comments` carry words; workers rate P3.x higher and employers lower.
    let per_mille = (1000 * comments / (members * plan.activities.len() as i64).max(1)).max(1);
    sqlx::query(
        "INSERT INTO ratings (member_id, plan_version, activity_code, rating, comment_text,
                             voice_file_id, voice_duration, first_at, updated_at,
                             constituency, org_code)
         SELECT m.member_id, ?1, a.code,
                max(1, min(5, 1 + abs(random()) % 5
                    + CASE WHEN a.code LIKE 'P3.%' AND m.constituency = 'W' THEN 1
                           WHEN a.code LIKE 'P3.%' AND m.constituency = 'E' THEN -2 ELSE 0 END)),
                CASE WHEN abs(random()) % 1000 < ?3 THEN
                  CASE abs(random()) % 4
                    WHEN 0 THEN 'ត្រូវការថវិកា និងការបណ្តុះបណ្តាលបន្ថែម សម្រាប់កម្មករនៅតាមរោងចក្រ'
                    WHEN 1 THEN 'សកម្មភាពនេះល្អ ប៉ុន្តែគួរពន្យល់ឱ្យកម្មករស្ត្រីយល់ច្បាស់ជាងនេះ ហើយរៀបចំនៅថ្ងៃអាទិត្យ ដើម្បីឱ្យពួកគេអាចចូលរួមបាន'
                    WHEN 2 THEN 'Useful, but the training should reach workers outside Phnom Penh too.'
                    ELSE 'Employers need more time to prepare; please consult the sector associations before the pilot starts, and share the budget.' END
                END,
                CASE WHEN abs(random()) % 2000 < ?3 THEN 'AwACAgUAAxkBAAI' || m.member_id END,
                CASE WHEN abs(random()) % 2000 < ?3 THEN 5 + abs(random()) % 80 END,
                ?2, ?2, m.constituency, m.org_code
         FROM members m CROSS JOIN activities a WHERE a.plan_version = ?1",
    )
    .bind(version)
    .bind(now)
    .bind(per_mille)
    .execute(&pool)
    .await
    .unwrap();
    let (ratings, commented): (i64, i64) =
        sqlx::query_as("SELECT count(*), count(comment_text) + count(voice_file_id) FROM ratings")
            .fetch_one(&pool)
            .await
            .unwrap();
    pool.close().await;
    println!(
        "dwcp-feedback report: {members} members, {ratings} ratings, {commented} comments and voice notes (generated in {:.1} s)",
        t.elapsed().as_secs_f64()
    );

    let typesetter = Typesetter::new();
    let charts = ChartMaker::new();
    for (format, lang) in [
        (ReportFormat::Pdf, Lang::Km),
        (ReportFormat::Pdf, Lang::En),
        (ReportFormat::Docx, Lang::Km),
        (ReportFormat::Docx, Lang::En),
    ] {
        let out = keep.clone().unwrap_or_else(|| dir.path().to_path_buf());
        std::fs::create_dir_all(&out).unwrap();
        let path = out.join(format!("report-{}.{}", lang.code(), format.extension()));
        reset_peak();
        let t = Instant::now();
        let job = ReportJob {
            format,
            lang,
            path: &path,
            filter: &ExportFilter::default(),
            now: Utc::now(),
            by: Actor::Cli,
        };
        dwcp_feedback::report::write(&store, job, &typesetter, &charts)
            .await
            .unwrap();
        let size = std::fs::metadata(&path).map_or(0, |m| m.len());
        println!(
            "  {:<4} {}  {:>7.2} s   peak RSS {:>6.1} MiB   {:>6} KiB",
            format.extension(),
            lang.code(),
            t.elapsed().as_secs_f64(),
            peak_rss_mib(),
            size / 1024
        );
    }
}
