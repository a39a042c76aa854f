//! What the benchmarks share: the release binary as its own process against the fake Bot API,
//! readings of its CPU and memory from /proc, simulated members, percentiles.
#![allow(dead_code)]

#[path = "../../tests/it/support/fake_telegram.rs"]
pub mod fake_telegram;

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use fake_telegram::{Event, FakeTelegram, FakeUser, Shown, TOKEN};

/// Peak and current resident memory of a process, in MiB, from /proc.
pub fn memory_mib(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat.
pub fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may contain spaces) start after the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The bot as deployed: the release binary, `dwcp-feedback run`, on `db`.
pub fn start_bot(fake: &FakeTelegram, db: &str, pacing: bool, admins: &[i64]) -> Child {
    let admins: Vec<String> = admins.iter().map(i64::to_string).collect();
    Command::new(env!("CARGO_BIN_EXE_dwcp-feedback"))
        .arg("run")
        .env_clear()
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("TELOXIDE_API_URL", fake.url())
        .env("DATABASE_URL", db)
        .env("DWCP_PACING", if pacing { "on" } else { "off" })
        .env("DWCP_ADMINS", admins.join(","))
        .env("RUST_LOG", "error")
        .envs(
            std::env::var("DWCP_WORKER_THREADS")
                .ok()
                .map(|v| ("DWCP_WORKER_THREADS", v)),
        )
        .stdout(Stdio::null())
        .spawn()
        .expect("the release binary starts")
}

/// Waits until the bot polls, so that what follows is not its start-up.
pub async fn polling(fake: &FakeTelegram) {
    while fake.calls("getUpdates") == 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub fn data_of<'a>(m: &'a Shown, prefix: &str) -> Option<&'a str> {
    m.buttons
        .iter()
        .flatten()
        .map(|(_, d)| d.as_str())
        .find(|d| d.starts_with(prefix))
}

/// One step of a member who rates everything (typing a comment every fifth turn when
/// `comments`), then starts again.
pub fn act(user: &FakeUser, shown: &Shown, turn: usize, comments: bool) {
    if let Some(d) = data_of(shown, "c:y") {
        user.tap_data(shown.id, d);
    } else if data_of(shown, "k:").is_some() {
        user.tap_data(shown.id, "k:W");
    } else if let Some(d) = data_of(shown, "sr") {
        user.tap_data(shown.id, d);
    } else if let Some(card) = data_of(shown, "r:") {
        let code = card.split(':').nth(1).unwrap_or("P1.1");
        user.tap_data(shown.id, &format!("r:{code}:{}", 1 + turn % 5));
    } else if let Some(d) = data_of(shown, "nc:") {
        if comments && turn % 5 == 0 {
            user.send_text("ត្រូវការការគាំទ្របន្ថែមសម្រាប់កម្មករ");
        } else {
            user.tap_data(shown.id, d);
        }
    } else {
        // The end of the plan (or a hint): back to a card.
        user.tap_data(shown.id, "a:P1.1");
    }
}

/// The next message sent or edited in the member's chat (answers and files skipped).
pub async fn next_reply(user: &FakeUser) -> Option<Shown> {
    next_reply_within(user, Duration::from_secs(30)).await
}

/// Like [`next_reply`], waiting up to `wait` for each event.
pub async fn next_reply_within(user: &FakeUser, wait: Duration) -> Option<Shown> {
    loop {
        match user.fake.next_event(user.id, wait).await? {
            Event::Sent(m) | Event::Edited(m) => return Some(m),
            Event::Answered { .. } | Event::File(_) => continue,
        }
    }
}

/// How a simulated member behaves.
#[derive(Clone, Copy)]
pub struct Habit {
    /// The pause between a screen and the next tap, in milliseconds (none: at once).
    pub think: Option<(u64, u64)>,
    /// Types a comment every fifth turn (its answer is a new message, not an edit).
    pub comments: bool,
}

/// A member in a closed loop: /start, then on every screen the next action as `habit` says,
/// until `stop`. `done` counts screens.
pub async fn member(user: FakeUser, stop: Arc<AtomicBool>, done: Arc<AtomicUsize>, habit: Habit) {
    user.send_text("/start");
    let mut turn = user.id as usize;
    while !stop.load(Ordering::Relaxed) {
        let Some(shown) = next_reply(&user).await else {
            break;
        };
        done.fetch_add(1, Ordering::Relaxed);
        turn += 1;
        if let Some((low, high)) = habit.think {
            // A person reads, thinks, taps: pauses spread evenly so members do not march in step.
            let pause = low + (turn as u64).wrapping_mul(2_654_435_761) % (high - low);
            tokio::time::sleep(Duration::from_millis(pause)).await;
        }
        act(&user, &shown, turn, habit.comments);
    }
}

/// Members `first..first+count` in closed loops; returns the flag that stops them, the count
/// of screens they saw, and their tasks.
pub fn members(
    fake: &FakeTelegram,
    first: i64,
    count: i64,
    habit: Habit,
) -> (
    Arc<AtomicBool>,
    Arc<AtomicUsize>,
    Vec<tokio::task::JoinHandle<()>>,
) {
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicUsize::new(0));
    let tasks = (0..count)
        .map(|i| {
            let user = fake.user(
                first + i,
                "member",
                Some(if i % 4 == 0 { "en" } else { "km" }),
            );
            tokio::spawn(member(user, stop.clone(), done.clone(), habit))
        })
        .collect();
    (stop, done, tasks)
}

/// Stops members started by [`members`] and waits for them to notice.
pub async fn stop_members(stop: &AtomicBool, tasks: Vec<tokio::task::JoinHandle<()>>) {
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(35), t).await;
    }
}
