//! Throughput, latency and memory of the real bot, end to end over HTTP on loopback.
//!
//!   cargo bench --bench throughput                    # all five scenarios, about 2 minutes
//!   cargo bench --bench throughput -- single          # one of: throughput single latency idle pacing
//!
//! Scenarios (each on a fresh bot process and database):
//! - throughput: 100 members in closed loops, pacing off: the bot's saturation rate, and the
//!   bot's CPU per update.
//! - single: one member tapping every 20-40 ms, pacing off: the round trip of one update. (A
//!   member in a closed loop with no pause at all sends 200 updates a second, the pace past
//!   which `delivery/flood.rs` spreads a chat's updates: that would measure the guard.)
//! - latency: 1,000 members at a human pace (a tap every 0.5-1.5 s), pacing off: p50/p99.
//! - idle: 10,000 members brought to the middle of the conversation, then the bot's RSS.
//! - pacing: 300 members with pacing on and a fake that answers 429 beyond Telegram's limits.
//!
//! The bot runs as its own process (the release binary, exactly as deployed) so that its peak
//! RSS is its own; the fake Telegram and the simulated members run in this process. Members are
//! closed loops: each sends an update, waits for the bot's reply, then sends the next, walking
//! the real flow (consent, profile, ratings, comments). Latency is measured by the fake from the
//! moment an update is queued for getUpdates to the first sendMessage/editMessageText for that
//! chat. Both processes share the machine's cores.

mod common;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::fake_telegram::{FakeTelegram, Limits};
use common::{cpu_seconds, memory_mib, next_reply, percentile, start_bot};

struct Run {
    fake: FakeTelegram,
    bot: std::process::Child,
    pid: u32,
    _dir: tempfile::TempDir,
}

async fn start(pacing: bool) -> Run {
    let fake = FakeTelegram::start().await;
    if pacing {
        fake.set_limits(Some(Limits::TELEGRAM));
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let db = format!("sqlite://{}", dir.path().join("bench.db").display());
    let bot = start_bot(&fake, &db, pacing, &[]);
    let pid = bot.id();
    common::polling(&fake).await;
    Run {
        fake,
        bot,
        pid,
        _dir: dir,
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        let _ = self.bot.kill();
        let _ = self.bot.wait();
    }
}

/// Runs `members` members for `seconds` after a warm-up; `think` is the pause between taps.
async fn drive(
    run: &Run,
    members: usize,
    seconds: u64,
    think: Option<(u64, u64)>,
) -> (usize, Duration, f64, f64, Vec<Duration>) {
    let habit = common::Habit {
        think,
        comments: true,
    };
    let (stop, done, tasks) = common::members(&run.fake, 1_000_000, members as i64, habit);
    tokio::time::sleep(Duration::from_secs(3)).await;
    run.fake.take_latencies();
    let (count0, bot0, own0) = (
        done.load(Ordering::Relaxed),
        cpu_seconds(run.pid),
        cpu_seconds(std::process::id()),
    );
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let handled = done.load(Ordering::Relaxed) - count0;
    let elapsed = t0.elapsed();
    let (bot_cpu, own_cpu) = (
        cpu_seconds(run.pid) - bot0,
        cpu_seconds(std::process::id()) - own0,
    );
    let mut lat = run.fake.take_latencies();
    common::stop_members(&stop, tasks).await;
    lat.sort();
    (handled, elapsed, bot_cpu, own_cpu, lat)
}

fn report(
    run: &Run,
    handled: usize,
    elapsed: Duration,
    bot_cpu: f64,
    own_cpu: f64,
    lat: &[Duration],
) {
    let secs = elapsed.as_secs_f64();
    println!(
        "  updates handled   {handled} in {secs:.1} s = {:.0} updates/s",
        handled as f64 / secs
    );
    println!(
        "  update→reply      p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} samples)",
        percentile(lat, 0.50).as_secs_f64() * 1e3,
        percentile(lat, 0.99).as_secs_f64() * 1e3,
        lat.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        lat.len()
    );
    println!(
        "  bot CPU           {:.0}% of one core, {:.0} µs per update",
        bot_cpu / secs * 100.0,
        bot_cpu / handled.max(1) as f64 * 1e6
    );
    println!(
        "  fake + members    {:.0}% of one core, {:.0} µs per update",
        own_cpu / secs * 100.0,
        own_cpu / handled.max(1) as f64 * 1e6
    );
    println!(
        "  getUpdates calls  {} in all ({:.2} per update handled)",
        run.fake.calls("getUpdates"),
        run.fake.calls("getUpdates") as f64 / handled.max(1) as f64
    );
    println!("  bot peak RSS      {:.1} MiB", memory_mib(run.pid).0);
    println!(
        "  429s answered     {} ({} for the overall limit)",
        run.fake.too_many_requests(),
        run.fake.too_many_overall()
    );
    println!("  requests rejected {}", run.fake.rejections().len());
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let argv: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let all = ["throughput", "single", "latency", "idle", "pacing"];
    let chosen: Vec<&str> = all
        .iter()
        .copied()
        .filter(|s| argv.is_empty() || argv.iter().any(|a| a == s))
        .collect();
    println!(
        "dwcp-feedback benchmark ({} cores)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    for scenario in chosen {
        match scenario {
            "throughput" => {
                println!("\nthroughput: 100 members in closed loops, pacing off, 15 s");
                let run = start(false).await;
                let (h, e, b, o, l) = drive(&run, 100, 15, None).await;
                report(&run, h, e, b, o, &l);
            }
            "single" => {
                println!("\nsingle: one member tapping every 20-40 ms, pacing off, 10 s");
                let run = start(false).await;
                let (h, e, b, o, l) = drive(&run, 1, 10, Some((20, 40))).await;
                report(&run, h, e, b, o, &l);
            }
            "latency" => {
                println!("\nlatency: 1,000 members tapping every 0.5-1.5 s, pacing off, 20 s");
                let run = start(false).await;
                let (h, e, b, o, l) = drive(&run, 1000, 20, Some((500, 1500))).await;
                report(&run, h, e, b, o, &l);
            }
            "idle" => {
                println!(
                    "\nidle: 10,000 members stopped mid-conversation (consented, at the profile)"
                );
                let run = start(false).await;
                let t = Instant::now();
                for wave in 0..(10_000 / 100) {
                    let mut joins = Vec::new();
                    for i in 0..100 {
                        let user =
                            run.fake
                                .user(5_000_000 + (wave * 100 + i) as i64, "idle", Some("km"));
                        joins.push(tokio::spawn(async move {
                            user.send_text("/start");
                            let welcome = next_reply(&user).await?;
                            user.tap_data(welcome.id, "c:y");
                            next_reply(&user).await
                        }));
                    }
                    for j in joins {
                        let _ = j.await;
                    }
                }
                tokio::time::sleep(Duration::from_secs(2)).await;
                let (peak, now) = memory_mib(run.pid);
                println!(
                    "  set up in {:.1} s; bot RSS now {now:.1} MiB, peak {peak:.1} MiB",
                    t.elapsed().as_secs_f64()
                );
                println!("  requests rejected {}", run.fake.rejections().len());
            }
            "pacing" => {
                println!(
                    "\npacing: 300 members, pacing on, fake enforcing Telegram's limits, 20 s"
                );
                let run = start(true).await;
                let (h, e, b, o, l) = drive(&run, 300, 20, None).await;
                report(&run, h, e, b, o, &l);
            }
            _ => {}
        }
    }
}
