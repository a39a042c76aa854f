//! Crowds against the bot as deployed: the release binary (`dwcp-feedback run`, pacing on)
//! against the fake Bot API on 127.0.0.1 enforcing Telegram's limits (a private chat's bucket of
//! 3 refilled once a second, edits included; 20 a minute per group; 30 new messages a second
//! overall; 429 with retry_after beyond; callback answers later than 15 s refused).
//!
//!   cargo bench --bench crowd                      # all four scenarios, about 9 minutes
//!   cargo bench --bench crowd -- herd              # one of: herd flood storm broadcast
//!   cargo bench --bench crowd -- broadcast 2000    # a smaller broadcast
//!   cargo bench --bench crowd -- round             # a monitoring round opened to 10,000
//!
//! - herd: 1,000 members send /start within one second, then rate (taps only) as fast as the
//!   bot answers.
//! - flood: 100 members rating at a person's pace (a tap 1-2 s after each screen, no typed
//!   comments); then one more member sends 200 messages at once. Their reactions with and
//!   without the flood.
//! - storm: the same 100 members; then two admins tap export (XLSX) 20 times each in 10 s.
//! - broadcast: an announcement to 10,000 members while 200 rate; SIGKILL at 40%, restart.
//! - round (only when named): the same, the message being a monitoring round's as it opens.
//!
//! Latencies are the fake's own: from the moment an update is queued for getUpdates to the
//! first message or edit in its chat ("first reaction"), and from a tap to its answer. Memory is
//! the bot process's peak RSS (VmHWM).

mod common;

use std::process::Child;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use common::fake_telegram::{Event, FakeTelegram, Limits};
use common::{
    act, members, memory_mib, ms, next_reply, next_reply_within, percentile, start_bot, Habit,
};

/// Members who rate at a person's pace: a tap 1-2 s after each screen (reading a card takes
/// that), no typed comments. Faster, a member would meet their own chat's pace now and then,
/// and that wait, not anyone else's doing, would make the tail of their latencies.
const RATING: Habit = Habit {
    think: Some((1000, 2000)),
    comments: false,
};
use dwcp_feedback::domain::Audience;
use dwcp_feedback::store::{Actor, Store};

struct Run {
    fake: FakeTelegram,
    bot: Child,
    db: String,
    _dir: tempfile::TempDir,
}

impl Run {
    async fn start(admins: &[i64]) -> Run {
        let fake = FakeTelegram::start().await;
        fake.set_limits(Some(Limits::TELEGRAM));
        let dir = tempfile::tempdir().expect("temp dir");
        let db = format!("sqlite://{}", dir.path().join("bench.db").display());
        let bot = start_bot(&fake, &db, true, admins);
        common::polling(&fake).await;
        Run {
            fake,
            bot,
            db,
            _dir: dir,
        }
    }

    fn peak_mib(&self) -> f64 {
        memory_mib(self.bot.id()).0
    }

    fn telegram_said(&self) {
        let rejected = self.fake.rejections();
        let too_old = rejected
            .iter()
            .filter(|r| r.description.contains("too old"))
            .count();
        println!(
            "  429s {} ({} overall), 400s {} (answers too late {too_old}), sends before retry_after {}",
            self.fake.too_many_requests(),
            self.fake.too_many_overall(),
            rejected.len(),
            self.fake.late_after_429()
        );
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        let _ = self.bot.kill();
        let _ = self.bot.wait();
    }
}

fn spread(label: &str, mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    let p99 = percentile(&samples, 0.99);
    println!(
        "  {label:<22} p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms ({} samples)",
        ms(percentile(&samples, 0.5)),
        ms(p99),
        ms(samples.last().copied().unwrap_or_default()),
        samples.len()
    );
    p99
}

async fn herd() {
    const MEMBERS: i64 = 1_000;
    const SECONDS: u64 = 45;
    println!("\nherd: {MEMBERS} members send /start within one second, then rate as fast as the bot answers, {SECONDS} s");
    let run = Run::start(&[]).await;
    let per_second: Arc<Vec<AtomicUsize>> =
        Arc::new((0..SECONDS + 30).map(|_| AtomicUsize::new(0)).collect());
    let t0 = Instant::now();
    let end = t0 + Duration::from_secs(SECONDS);
    let mut walks = Vec::new();
    for i in 0..MEMBERS {
        let user = run.fake.user(
            1_000_000 + i,
            "member",
            Some(if i % 4 == 0 { "en" } else { "km" }),
        );
        user.send_text("/start");
        if i % 25 == 24 {
            // 1,000 in a second: 25 every 25 ms.
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let per_second = per_second.clone();
        walks.push(tokio::spawn(async move {
            // Telegram lets the 1,000th first screen out after 33 s: wait for it.
            let mut shown = next_reply_within(&user, Duration::from_secs(60)).await?;
            let first = t0.elapsed();
            let mut turn = user.id as usize;
            loop {
                per_second[t0.elapsed().as_secs() as usize].fetch_add(1, Ordering::Relaxed);
                if Instant::now() >= end {
                    return Some(first);
                }
                turn += 1;
                // Ratings only: a typed comment's answer is a new message, which would compete
                // with the newcomers' first screens for the same 30 a second.
                act(&user, &shown, turn, false);
                shown = next_reply(&user).await?;
            }
        }));
    }
    println!("  all /start sent in   {:.2} s", t0.elapsed().as_secs_f64());
    let mut firsts = Vec::new();
    for w in walks {
        if let Ok(Some(first)) = w.await {
            firsts.push(first);
        }
    }
    firsts.sort();
    let late: Vec<(usize, Duration)> = firsts
        .iter()
        .enumerate()
        .filter(|(n, t)| t.as_secs_f64() > (n + 1) as f64 / 30.0 + 1.0)
        .map(|(n, t)| (n + 1, *t))
        .collect();
    let worst_margin = firsts
        .iter()
        .enumerate()
        .map(|(n, t)| t.as_secs_f64() - (n + 1) as f64 / 30.0)
        .fold(f64::MIN, f64::max);
    println!(
        "  first screens        {} of {MEMBERS}; the last at {:.1} s; n-th within n/30 s + 1 s: {} late (worst: {worst_margin:+.2} s against n/30)",
        firsts.len(),
        firsts.last().copied().unwrap_or_default().as_secs_f64(),
        late.len()
    );
    let screens: Vec<usize> = per_second
        .iter()
        .take(SECONDS as usize)
        .map(|c| c.load(Ordering::Relaxed))
        .collect();
    println!(
        "  screens per second   min {} (seconds with none: {}), mean {:.0}, {} in all",
        screens.iter().min().copied().unwrap_or(0),
        screens.iter().filter(|c| **c == 0).count(),
        screens.iter().sum::<usize>() as f64 / screens.len() as f64,
        screens.iter().sum::<usize>()
    );
    spread("tap → answer", run.fake.take_answer_latencies());
    spread("update → reaction", run.fake.take_latencies());
    println!("  unanswered taps      {}", run.fake.unanswered_callbacks());
    println!("  bot peak RSS         {:.1} MiB", run.peak_mib());
    run.telegram_said();
}

/// 100 members at a human pace; `disturb` starts at the middle of the run. Returns the
/// members' reactions before and after it.
async fn beside_members<F, Fut>(run: &Run, staff: &[i64], disturb: F) -> (Duration, Duration)
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (stop, _, tasks) = members(&run.fake, 2_000_000, 100, RATING);
    tokio::time::sleep(Duration::from_secs(5)).await;
    run.fake.take_latencies();
    run.fake.take_answer_latencies();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let quiet = spread("alone: reaction", run.fake.take_latencies_without(staff));
    spread("alone: tap → answer", run.fake.take_answer_latencies());
    disturb().await;
    let busy = spread("beside: reaction", run.fake.take_latencies_without(staff));
    spread("beside: tap → answer", run.fake.take_answer_latencies());
    common::stop_members(&stop, tasks).await;
    (quiet, busy)
}

async fn flood() {
    const FLOODER: i64 = 3_000_000;
    println!("\nflood: 100 members rating at a person's pace; one more sends 200 messages at once");
    let run = Run::start(&[]).await;
    let flooder = run.fake.user(FLOODER, "flood", Some("km"));
    let (quiet, busy) = beside_members(&run, &[FLOODER], || async {
        flooder.send_text("/start");
        for i in 0..200 {
            flooder.send_text(&format!("សារបញ្ជូនបន្ត {i}"));
        }
        tokio::time::sleep(Duration::from_secs(10)).await;
    })
    .await;
    let to_flooder = run
        .fake
        .drain(FLOODER)
        .iter()
        .filter(|e| matches!(e, Event::Sent(_) | Event::Edited(_)))
        .count();
    println!(
        "  others' p99          {:.2}× without the flood",
        busy.as_secs_f64() / quiet.as_secs_f64().max(1e-3)
    );
    println!("  messages to the flooder in 10 s: {to_flooder} (newer screens replaced the unsent)");
    println!("  bot peak RSS         {:.1} MiB", run.peak_mib());
    run.telegram_said();
}

async fn storm() {
    const ADMINS: [i64; 2] = [900_001, 900_002];
    println!("\nstorm: 100 members rating at a person's pace; two admins ask for an export (XLSX) 20 times each, every 0.5 s");
    let run = Run::start(&ADMINS).await;
    let admins: Vec<_> = ADMINS
        .iter()
        .map(|id| run.fake.user(*id, "admin", Some("en")))
        .collect();
    let toasts = Arc::new(AtomicUsize::new(0));
    let (quiet, busy) = beside_members(&run, &ADMINS, || async {
        let mut tapping = Vec::new();
        for admin in &admins {
            let (admin, toasts) = (admin.clone(), toasts.clone());
            tapping.push(tokio::spawn(async move {
                // A format tap acts once per /export: asking again is how an admin gets another.
                for _ in 0..20 {
                    admin.send_text("/export");
                    let mut menu = None;
                    for _ in 0..10 {
                        match next_reply(&admin).await {
                            Some(m) if m.buttons.iter().flatten().any(|(_, d)| d == "ex:xlsx") => {
                                menu = Some(m);
                                break;
                            }
                            Some(_) => continue,
                            None => break,
                        }
                    }
                    if let Some(menu) = menu {
                        admin.tap_data(menu.id, "ex:xlsx");
                    }
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                toasts.fetch_add(1, Ordering::Relaxed);
            }));
        }
        for t in tapping {
            let _ = t.await;
        }
    })
    .await;
    for admin in &admins {
        let mut events = run.fake.drain(admin.id);
        while let Some(e) = run.fake.next_event(admin.id, Duration::from_secs(5)).await {
            events.push(e);
        }
        let started = events
            .iter()
            .filter(|e| matches!(e, Event::Sent(m) if m.text.contains("Building the XLSX export")))
            .count();
        let files = events
            .iter()
            .filter(|e| matches!(e, Event::File(_)))
            .count();
        println!(
            "  admin {}: 20 asked, {started} exports started, {files} documents",
            admin.id
        );
    }
    println!(
        "  members' p99         {:.2}× without the storm",
        busy.as_secs_f64() / quiet.as_secs_f64().max(1e-3)
    );
    println!("  bot peak RSS         {:.1} MiB", run.peak_mib());
    run.telegram_said();
}

/// `count` consented members in the database, as if they had come through the bot.
async fn seed_members(db: &str, count: i64) {
    let pool = sqlx::SqlitePool::connect(db).await.unwrap();
    let now = Utc::now();
    sqlx::query(
        "WITH RECURSIVE m(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM m WHERE i < ?1)
         INSERT INTO members (member_id, consent, consent_at, constituency, created_at, updated_at)
         SELECT 8000000000 + i, 'given', ?2, 'W', ?2, ?2 FROM m",
    )
    .bind(count)
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
}

/// A send queued: its broadcast (for the tally) and how many messages.
#[derive(Clone, Copy)]
struct Queued {
    broadcast_id: i64,
    messages: usize,
}

/// What the broadcast scenario sends: an announcement, or a monitoring round's message.
#[derive(Clone, Copy, PartialEq)]
enum Sending {
    Announcement,
    Round,
}

async fn broadcast(recipients: i64, what: Sending) {
    let name = match what {
        Sending::Announcement => "broadcast: an announcement",
        Sending::Round => "round: a monitoring round's message",
    };
    println!("\n{name} to {recipients} members while 200 rate at a person's pace; SIGKILL at 40%, restart");
    let mut run = Run::start(&[]).await;
    let store = Store::open(&run.db).await.unwrap();
    store
        .active_plan_or(dwcp_feedback::plan_io::default_plan, Utc::now())
        .await
        .unwrap();
    seed_members(&run.db, recipients).await;
    let (stop, _, tasks) = members(&run.fake, 4_000_000, 200, RATING);
    tokio::time::sleep(Duration::from_secs(5)).await;
    run.fake.take_latencies();
    let queued = match what {
        Sending::Announcement => {
            let text = "ការប្រជុំត្រីភាគីនឹងធ្វើឡើងនៅថ្ងៃសុក្រ។ A tripartite meeting is on Friday.";
            let q = dwcp_feedback::jobs::announce::queue_announcement(
                &store,
                &Audience::All,
                text,
                Actor::Cli,
                Utc::now(),
            )
            .await
            .unwrap();
            (q.broadcast_id, q.messages)
        }
        Sending::Round => {
            let plan = store
                .active_plan_or(dwcp_feedback::plan_io::default_plan, Utc::now())
                .await
                .unwrap();
            let request = dwcp_feedback::domain::monitoring::RoundRequest {
                title: "ឆមាសទីមួយ ឆ្នាំ ២០២៧ · First half of 2027".into(),
                activities: Vec::new(),
                audience: Audience::All,
                until: Utc::now() + chrono::Duration::days(30),
            };
            let o = dwcp_feedback::jobs::monitoring::open(
                &store,
                &plan,
                "bench_bot",
                &request,
                Actor::Cli,
                Utc::now(),
                None,
            )
            .await
            .unwrap();
            (o.broadcast, o.messages)
        }
    };
    let queued = Queued {
        broadcast_id: queued.0,
        messages: queued.1,
    };
    let total = queued.messages as i64;
    let sent = |store: &Store| {
        let store = store.clone();
        async move { store.tally(queued.broadcast_id).await.unwrap().sent }
    };
    let t_queued = Instant::now();
    while sent(&store).await == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let t_first = Instant::now();
    while sent(&store).await < total * 2 / 5 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let before = sent(&store).await;
    let rate_before = before as f64 / t_first.elapsed().as_secs_f64();
    let reactions = run.fake.take_latencies();
    // SIGKILL: no goodbye, whatever is on its way is cut off.
    run.bot.kill().unwrap();
    run.bot.wait().unwrap();
    common::stop_members(&stop, tasks).await;
    println!(
        "  first message {:.2} s after queuing; {before} sent before the kill at {rate_before:.1} messages/s",
        t_first.duration_since(t_queued).as_secs_f64()
    );
    spread("members' reaction", reactions);

    let restarted = Instant::now();
    run.bot = start_bot(&run.fake, &run.db, true, &[]);
    let tally = loop {
        let t = store.tally(queued.broadcast_id).await.unwrap();
        if t.left == 0 {
            break t;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let after = tally.sent - before;
    println!(
        "  after the restart    {after} sent in {:.1} s ({:.1} messages/s)",
        restarted.elapsed().as_secs_f64(),
        after as f64 / restarted.elapsed().as_secs_f64()
    );
    let (mut once, mut twice, mut never) = (0, 0, 0);
    for i in 1..=recipients {
        let got = run
            .fake
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
    println!(
        "  members: {once} got it once, {twice} more than once, {never} never; store: {} sent, {} uncertain",
        tally.sent, tally.uncertain
    );
    run.telegram_said();
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let recipients = args.iter().find_map(|a| a.parse().ok()).unwrap_or(10_000);
    let chosen = |name: &str| {
        args.iter().all(|a| a.parse::<i64>().is_ok()) || args.iter().any(|a| a == name)
    };
    println!(
        "dwcp-feedback crowd benchmark ({} cores)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    if chosen("herd") {
        herd().await;
    }
    if chosen("flood") {
        flood().await;
    }
    if chosen("storm") {
        storm().await;
    }
    // Named only: the same delivery as the broadcast's, through a round's opening.
    if args.iter().any(|a| a == "round") {
        broadcast(recipients, Sending::Round).await;
    }
    if chosen("broadcast") {
        broadcast(recipients, Sending::Announcement).await;
    }
}
