//! Monitoring rounds' results over many answers, as /monitor, `stats` and the report read them.
//!
//!   cargo bench --bench monitoring             # 10,000 members × 15 activities = 150,000 answers
//!   cargo bench --bench monitoring -- 50000    # members
//!
//! Two rounds of the same audience (so the change since the round before is computed too), every
//! member answering every activity of the built-in plan with a status spread over the four, a
//! comment on every tenth answer. Times are the median of 7 runs after a warm-up.

use std::time::{Duration, Instant};

use chrono::Utc;
use dwcp_feedback::domain::monitoring::RoundRequest;
use dwcp_feedback::domain::Audience;
use dwcp_feedback::store::{Actor, Store};

#[path = "common/own_memory.rs"]
mod own_memory;
use own_memory::{peak_rss_mib, reset_peak};

fn median(mut times: Vec<Duration>) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let members: i64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = Store::open(&url).await.unwrap();
    let plan = store
        .active_plan_or(dwcp_feedback::plan_io::default_plan, Utc::now())
        .await
        .unwrap();
    let now = Utc::now();
    let request = |title: &str| RoundRequest {
        title: title.into(),
        activities: Vec::new(),
        audience: Audience::All,
        until: now + chrono::Duration::days(30),
    };
    use dwcp_feedback::jobs::monitoring::{close, latest, open};
    let first = open(
        &store,
        &plan,
        "bench_bot",
        &request("Q1"),
        Actor::Cli,
        now,
        None,
    )
    .await
    .unwrap();
    close(&store, first.round.id, Actor::Cli, now)
        .await
        .unwrap();
    let second = open(
        &store,
        &plan,
        "bench_bot",
        &request("Q2"),
        Actor::Cli,
        now,
        None,
    )
    .await
    .unwrap();
    let codes: Vec<&str> = plan.activities.iter().map(|a| a.code.as_str()).collect();
    let codes = serde_json::to_string(&codes).unwrap();
    // Straight into the table: seeding is not what is measured.
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let started = Instant::now();
    for round in [first.round.id, second.round.id] {
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
             INSERT INTO round_answers (round_id, member_id, activity_code, status, constituency,
                                        comment_text, answered_at)
             SELECT ?2, 9000000000 + i, a.value,
                    CASE (i + a.key + ?2) % 4 WHEN 0 THEN 'done' WHEN 1 THEN 'started'
                         WHEN 2 THEN 'nothing' ELSE 'unknown' END,
                    CASE i % 3 WHEN 0 THEN 'W' WHEN 1 THEN 'E' ELSE 'G' END,
                    CASE WHEN (i + a.key) % 10 = 0 THEN 'ការបណ្តុះបណ្តាលមិនទាន់ចាប់ផ្តើមទេ' END,
                    ?4
             FROM n CROSS JOIN json_each(?3) a",
        )
        .bind(members)
        .bind(round)
        .bind(&codes)
        .bind(now)
        .execute(&pool)
        .await
        .unwrap();
    }
    pool.close().await;
    let answers = members * plan.activities.len() as i64;
    println!(
        "dwcp-feedback monitoring benchmark: 2 rounds × {answers} answers ({members} members × {} activities), seeded in {:.1} s",
        plan.activities.len(),
        started.elapsed().as_secs_f64()
    );
    reset_peak();
    let mut results = Vec::new();
    let mut with_previous = Vec::new();
    let mut member = Vec::new();
    for run in 0..8 {
        let t = Instant::now();
        let r = store.round_results(second.round.clone()).await.unwrap();
        let one = t.elapsed();
        assert_eq!(r.members as i64, members);
        let t = Instant::now();
        let (latest, previous) = latest(&store, Utc::now()).await.unwrap().unwrap();
        let both = t.elapsed();
        assert!(previous.is_some() && latest.round.id == second.round.id);
        let t = Instant::now();
        let seen = store
            .member_round(9_000_000_000 + members / 2, None, Utc::now())
            .await
            .unwrap()
            .unwrap();
        let card = t.elapsed();
        assert_eq!(seen.answers.len(), plan.activities.len());
        if run > 0 {
            results.push(one);
            with_previous.push(both);
            member.push(card);
        }
    }
    println!(
        "  one round's results           {:>8.1} ms (median of 7)",
        median(results)
    );
    println!(
        "  results with the round before {:>8.1} ms (what /monitor's results and `stats` load)",
        median(with_previous)
    );
    println!(
        "  a member's round and answers  {:>8.2} ms (what a tap on a card loads)",
        median(member)
    );
    println!(
        "  peak RSS while counting       {:>8.1} MiB",
        peak_rss_mib()
    );
}
