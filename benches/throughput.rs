//! Throughput, latency and memory of the real bot, end to end over HTTP on loopback.
//!
//!   cargo bench --bench throughput                      # headline: 1,000 members, pacing off
//!   cargo bench --bench throughput -- --pacing on       # Telegram's limits on both sides
//!   cargo bench --bench throughput -- --members 200 --seconds 10 --idle 10000
//!
//! The bot runs as its own process (the release binary, exactly as deployed) so that its peak
//! RSS is its own; the fake Telegram and the simulated members run in this process. Members are
//! closed loops: each sends an update, waits for the bot's reply, then sends the next, walking
//! the real flow (consent, profile, ratings, comments). Latency is measured by the fake from the
//! moment an update is queued for getUpdates to the first sendMessage/editMessageText for that
//! chat. Both processes share the machine's cores.

#[path = "../tests/support/fake_telegram.rs"]
mod fake_telegram;

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fake_telegram::{FakeTelegram, FakeUser, Limits, Shown, TOKEN};

struct Args {
    members: usize,
    seconds: u64,
    pacing: bool,
    idle: usize,
}

fn args() -> Args {
    let mut a = Args {
        members: 1000,
        seconds: 20,
        pacing: false,
        idle: 10_000,
    };
    let argv: Vec<String> = std::env::args().collect();
    let value = |name: &str| {
        argv.iter()
            .position(|x| x == name)
            .and_then(|i| argv.get(i + 1))
            .cloned()
    };
    if let Some(v) = value("--members") {
        a.members = v.parse().expect("--members N");
    }
    if let Some(v) = value("--seconds") {
        a.seconds = v.parse().expect("--seconds S");
    }
    if let Some(v) = value("--pacing") {
        a.pacing = v == "on";
    }
    if let Some(v) = value("--idle") {
        a.idle = v.parse().expect("--idle N");
    }
    a
}

/// Peak and current resident memory of a process, in MiB, from /proc.
fn memory_mib(pid: u32) -> (f64, f64) {
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
fn cpu_seconds(pid: u32) -> f64 {
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

fn data_of<'a>(m: &'a Shown, prefix: &str) -> Option<&'a str> {
    m.buttons
        .iter()
        .flatten()
        .map(|(_, d)| d.as_str())
        .find(|d| d.starts_with(prefix))
}

/// One step of a member who rates everything, sometimes with a comment, then starts again.
fn next_action(user: &FakeUser, shown: &Shown, turn: usize) {
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
        if turn % 5 == 0 {
            user.send_text("ត្រូវការការគាំទ្របន្ថែមសម្រាប់កម្មករ");
        } else {
            user.tap_data(shown.id, d);
        }
    } else {
        // The end of the plan (or a hint): back to a card.
        user.tap_data(shown.id, "a:P1.1");
    }
}

async fn member(user: FakeUser, stop: Arc<AtomicBool>, done: Arc<AtomicUsize>) {
    user.send_text("/start");
    let mut turn = user.id as usize;
    while !stop.load(Ordering::Relaxed) {
        let Some(shown) = next_reply(&user).await else {
            break;
        };
        done.fetch_add(1, Ordering::Relaxed);
        turn += 1;
        next_action(&user, &shown, turn);
    }
}

async fn next_reply(user: &FakeUser) -> Option<Shown> {
    loop {
        match user
            .fake
            .next_event(user.id, Duration::from_secs(30))
            .await?
        {
            fake_telegram::Event::Sent(m) | fake_telegram::Event::Edited(m) => return Some(m),
            fake_telegram::Event::Answered { .. } => continue,
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args = args();
    let fake = FakeTelegram::start().await;
    if args.pacing {
        fake.set_limits(Some(Limits::TELEGRAM));
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let db = format!("sqlite://{}", dir.path().join("bench.db").display());
    let mut bot = Command::new(env!("CARGO_BIN_EXE_dwcp-feedback"))
        .arg("run")
        .env_clear()
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("TELOXIDE_API_URL", fake.url())
        .env("DATABASE_URL", &db)
        .env("DWCP_PACING", if args.pacing { "on" } else { "off" })
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .spawn()
        .expect("the release binary starts");
    let pid = bot.id();
    while fake.calls("getUpdates") == 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    println!(
        "dwcp-feedback throughput: {} members, {} s, pacing {}",
        args.members,
        args.seconds,
        if args.pacing {
            "on (fake enforces Telegram's limits)"
        } else {
            "off"
        }
    );
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..args.members {
        let user = fake.user(
            1_000_000 + i as i64,
            "member",
            Some(if i % 4 == 0 { "en" } else { "km" }),
        );
        tasks.push(tokio::spawn(member(user, stop.clone(), done.clone())));
    }
    // Warm-up: every member through consent and profile, caches and pools filled.
    tokio::time::sleep(Duration::from_secs(3)).await;
    fake.take_latencies();
    let start_count = done.load(Ordering::Relaxed);
    let cpu0 = cpu_seconds(pid);
    let own0 = cpu_seconds(std::process::id());
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs(args.seconds)).await;
    let handled = done.load(Ordering::Relaxed) - start_count;
    let elapsed = t0.elapsed();
    let bot_cpu = cpu_seconds(pid) - cpu0;
    let own_cpu = cpu_seconds(std::process::id()) - own0;
    let mut lat = fake.take_latencies();
    stop.store(true, Ordering::Relaxed);
    lat.sort();
    let (peak, _) = memory_mib(pid);
    println!(
        "  updates handled      {handled} in {:.1} s = {:.0} updates/s",
        elapsed.as_secs_f64(),
        handled as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  update→reply latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} samples)",
        percentile(&lat, 0.50).as_secs_f64() * 1e3,
        percentile(&lat, 0.99).as_secs_f64() * 1e3,
        lat.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        lat.len()
    );
    println!(
        "  bot CPU              {:.0}% of one core ({:.0} µs per update)",
        bot_cpu / elapsed.as_secs_f64() * 100.0,
        bot_cpu / handled.max(1) as f64 * 1e6
    );
    println!(
        "  fake Telegram + simulated members: {:.0}% of one core ({:.0} µs per update)",
        own_cpu / elapsed.as_secs_f64() * 100.0,
        own_cpu / handled.max(1) as f64 * 1e6
    );
    println!("  bot peak RSS         {peak:.1} MiB");
    println!("  429 answered         {}", fake.too_many_requests());
    println!("  rejected requests    {}", fake.rejections().len());
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(35), t).await;
    }

    if args.idle > 0 && !args.pacing {
        // Many members mid-conversation: each has agreed and stopped at the profile.
        let idle_stop = Arc::new(AtomicBool::new(false));
        let t = Instant::now();
        let mut started = 0;
        while started < args.idle {
            let batch = (args.idle - started).min(500);
            let mut wave = Vec::new();
            for i in started..started + batch {
                let user = fake.user(5_000_000 + i as i64, "idle", Some("km"));
                wave.push(tokio::spawn(async move {
                    user.send_text("/start");
                    let welcome = next_reply(&user).await?;
                    user.tap_data(welcome.id, "c:y");
                    next_reply(&user).await
                }));
            }
            for w in wave {
                let _ = w.await;
            }
            started += batch;
        }
        idle_stop.store(true, Ordering::Relaxed);
        tokio::time::sleep(Duration::from_secs(2)).await;
        let (peak, now) = memory_mib(pid);
        println!(
            "  {} members mid-conversation (state stored, {:.1} s to set up): bot RSS now {now:.1} MiB, peak {peak:.1} MiB",
            args.idle,
            t.elapsed().as_secs_f64()
        );
    }
    let _ = bot.kill();
    let _ = bot.wait();
}
