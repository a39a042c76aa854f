//! A broadcast to 10,000 members against a fake Bot API that enforces Telegram's limits
//! (30 messages/s overall, 1/s per chat, 429 with retry_after beyond), with the bot killed
//! (SIGKILL) part-way and started again.
//!
//!   cargo bench --bench outbox              # 10,000 members, about 6 minutes
//!   cargo bench --bench outbox -- 2000      # fewer members
//!
//! The bot runs as its own process (the release binary, `dwcp-feedback run`, pacing on as
//! deployed); the announcement is queued the way `dwcp-feedback broadcast` queues it. The
//! figures come from the fake's own record of what it received: the sustained rate, 429s
//! answered, sends to a chat before its retry_after had passed, and messages per member.

#[path = "../tests/support/fake_telegram.rs"]
mod fake_telegram;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use dwcp_feedback::domain::{Audience, Plan};
use dwcp_feedback::store::{Actor, Store};
use fake_telegram::{Event, FakeTelegram, Limits, TOKEN};

fn start_bot(fake: &FakeTelegram, db: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_dwcp-feedback"))
        .arg("run")
        .env_clear()
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("TELOXIDE_API_URL", fake.url())
        .env("DATABASE_URL", db)
        .env("DWCP_PACING", "on")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .spawn()
        .expect("the release binary starts")
}

/// Waits until the fake has received `n` messages in all; returns when it did.
async fn until_sent(fake: &FakeTelegram, n: usize, within: Duration) -> Instant {
    let deadline = Instant::now() + within;
    while fake.sent_count() < n {
        assert!(
            Instant::now() < deadline,
            "stalled at {} of {n}",
            fake.sent_count()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Instant::now()
}

#[tokio::main]
async fn main() {
    let members: i64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let fake = FakeTelegram::start().await;
    fake.set_limits(Some(Limits::TELEGRAM));
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = Store::open(&db).await.unwrap();
    store
        .active_plan_or(Plan::default_plan, Utc::now())
        .await
        .unwrap();
    let pool = sqlx::SqlitePool::connect(&db).await.unwrap();
    let now = Utc::now();
    sqlx::query(
        "WITH RECURSIVE m(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM m WHERE i < ?1)
         INSERT INTO members (member_id, consent, consent_at, constituency, created_at, updated_at)
         SELECT 8000000000 + i, 'given', ?2, 'W', ?2, ?2 FROM m",
    )
    .bind(members)
    .bind(now)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO chats (chat_id, lang, state, updated_at)
         SELECT member_id, CASE WHEN member_id % 4 = 0 THEN 'en' ELSE 'km' END, '{\"at\":\"Menu\"}', ?1
         FROM members",
    )
    .bind(now)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let text = "ការប្រជុំត្រីភាគីនឹងធ្វើឡើងនៅថ្ងៃសុក្រ។ A tripartite meeting is on Friday.";
    let queued = dwcp_feedback::broadcast::queue_announcement(
        &store,
        &Audience::All,
        text,
        Actor::Cli,
        Utc::now(),
    )
    .await
    .unwrap();
    let total = queued.messages;
    println!("dwcp-feedback outbox: a broadcast to {total} members, fake enforcing 30/s overall and 1/s per chat");

    let started = Instant::now();
    let mut bot = start_bot(&fake, &db);
    let first = until_sent(&fake, 1, Duration::from_secs(30)).await;
    let kill_at = total * 2 / 5;
    let before_kill = until_sent(&fake, kill_at, Duration::from_secs(3600)).await;
    bot.kill().unwrap(); // SIGKILL: no goodbye, whatever is on its way is cut off
    bot.wait().unwrap();
    let sent_before = fake.sent_count();
    let rate_before = (sent_before - 1) as f64 / before_kill.duration_since(first).as_secs_f64();

    let restarted = Instant::now();
    let mut bot = start_bot(&fake, &db);
    let resumed = until_sent(&fake, sent_before + 1, Duration::from_secs(60)).await;
    // The end: every row settled, as the store says.
    let tally = loop {
        let t = store.tally(queued.broadcast_id).await.unwrap();
        if t.left == 0 {
            break t;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let ended = Instant::now();
    bot.kill().unwrap();
    bot.wait().unwrap();
    let sent_after = fake.sent_count() - sent_before;
    let rate_after = (sent_after - 1) as f64 / ended.duration_since(resumed).as_secs_f64();

    let mut once = 0;
    let mut twice = 0;
    let mut never = 0;
    for i in 1..=members {
        let got = fake
            .drain(8_000_000_000 + i)
            .into_iter()
            .filter(|e| matches!(e, Event::Sent(_)))
            .count();
        match got {
            0 => never += 1,
            1 => once += 1,
            _ => twice += 1,
        }
    }
    let overall = fake.sent_count() as f64 / ended.duration_since(first).as_secs_f64();
    println!("  before the kill     {sent_before:>6} sent at {rate_before:.1} messages/s");
    println!(
        "  restart             first message {:.2} s after the new process started",
        resumed.duration_since(restarted).as_secs_f64()
    );
    println!("  after the restart   {sent_after:>6} sent at {rate_after:.1} messages/s");
    println!(
        "  whole broadcast     {:.1} s, {overall:.1} messages/s including the restart",
        ended.duration_since(started).as_secs_f64()
    );
    println!(
        "  429s answered {}, sends before retry_after passed {}, rejected requests {}",
        fake.too_many_requests(),
        fake.late_after_429(),
        fake.rejections().len()
    );
    println!(
        "  members: {once} got it once, {twice} more than once, {never} never; \
         store: {} sent, {} uncertain (on their way at the kill)",
        tally.sent, tally.uncertain
    );
}
