//! Boots the real application (the same `App` the binary runs) against the fake Telegram.

use std::sync::Arc;
use std::time::Duration;

use dwcp_feedback::app::App;
use dwcp_feedback::config::{Config, Pacing};
use dwcp_feedback::{Engine, SystemClock};

use super::fake_telegram::{FakeTelegram, FakeUser, Shown, TOKEN};

pub struct Bot {
    pub engine: Arc<Engine>,
    pub delivery: dwcp_feedback::delivery::Delivery,
    task: Option<tokio::task::JoinHandle<()>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Bot {
    /// Stops the bot abruptly, as a crash would: no graceful shutdown, in-flight work dropped.
    pub fn kill(mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }

    /// Stops the bot as Ctrl-C would: polling ends and the sends on their way are finished.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(30), task)
                .await
                .expect("the bot stops within 30 s")
                .expect("the bot's task ends cleanly");
        }
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

pub fn config(fake: &FakeTelegram, database_url: &str, pacing: Option<Pacing>) -> Config {
    config_at(&fake.url(), database_url, pacing)
}

/// Like [`config`], for a Bot API at `api_url` that may not be up yet.
pub fn config_at(api_url: &str, database_url: &str, pacing: Option<Pacing>) -> Config {
    Config {
        token: TOKEN.into(),
        api_url: Some(api_url.into()),
        database_url: database_url.into(),
        admins: vec![],
        pacing,
        poll_timeout: Duration::from_secs(5),
        backups: None,
        metrics_addr: None,
        webhook: None,
    }
}

pub async fn start(fake: &FakeTelegram, database_url: &str, pacing: Option<Pacing>) -> Bot {
    start_with_admins(fake, database_url, pacing, &[]).await
}

/// Like [`start`], with `admins` bootstrapped as DWCP_ADMINS would.
pub async fn start_with_admins(
    fake: &FakeTelegram,
    database_url: &str,
    pacing: Option<Pacing>,
    admins: &[i64],
) -> Bot {
    let config = Config {
        admins: admins.to_vec(),
        ..config(fake, database_url, pacing)
    };
    let app = App::build(&config, Arc::new(SystemClock))
        .await
        .expect("the bot starts");
    let engine = app.engine.clone();
    let delivery = app.delivery().clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let run = app.run_until(async move {
        let _ = stopped.await;
    });
    Bot {
        engine,
        delivery,
        task: Some(tokio::spawn(
            async move { run.await.expect("the bot runs") },
        )),
        stop: Some(stop),
    }
}

/// The release-or-debug binary itself (`dwcp-feedback run`) on `db`, as a separate process: for
/// what only a real process shows (SIGKILL, SIGTERM).
pub fn spawn_binary(fake: &FakeTelegram, db: &str, pacing: bool) -> std::process::Child {
    binary(fake, db, pacing).spawn().expect("the binary starts")
}

/// The command [`spawn_binary`] runs, for a test to add to (admins, other settings).
pub fn binary(fake: &FakeTelegram, db: &str, pacing: bool) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_dwcp-feedback"));
    command
        .arg("run")
        .env_clear()
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("TELOXIDE_API_URL", fake.url())
        .env("DATABASE_URL", db)
        .env("DWCP_POLL_TIMEOUT_SECS", "2")
        .env("DWCP_PACING", if pacing { "on" } else { "off" })
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit());
    command
}

/// A fresh database file in its own directory, removed when the guard drops.
pub fn database() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("bot.db").display());
    (dir, url)
}

/// A store on `url` with the built-in plan stored as version 1, as the bot's first start does.
pub async fn with_plan(url: &str) -> dwcp_feedback::Store {
    let store = dwcp_feedback::Store::open(url)
        .await
        .expect("the store opens");
    store
        .active_plan_or(dwcp_feedback::plan_io::default_plan, chrono::Utc::now())
        .await
        .expect("the plan is stored");
    store
}

/// Waits (up to 5 s) until `chat`'s own command menus, in both languages, list `command`.
pub async fn menus_list(fake: &FakeTelegram, chat: i64, command: &str) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let menus: Vec<_> = fake
            .commands()
            .into_iter()
            .filter(|c| c["scope"]["chat_id"].as_i64() == Some(chat))
            .collect();
        let listed = menus.len() >= 2
            && menus.iter().rev().take(2).all(|m| {
                m["commands"]
                    .as_array()
                    .is_some_and(|l| l.iter().any(|c| c["command"] == command))
            });
        if listed {
            return true;
        }
        if tokio::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The member-visible invariants every scenario must keep.
pub fn assert_telegram_happy(fake: &FakeTelegram) {
    assert!(
        fake.rejections().is_empty(),
        "Telegram would have rejected: {:#?}",
        fake.rejections()
    );
    assert_eq!(fake.unanswered_callbacks(), 0, "a button was left spinning");
}

/// /start, agree, a workers' organisation, "skip the rest": the member's first activity card.
/// For tests about what comes after; the onboarding itself is tested label by label.
pub async fn onboard(user: &FakeUser) -> Shown {
    user.send_text("/start");
    let welcome = user.reply().await;
    onboard_from(user, welcome).await
}

/// Like [`onboard`], from the welcome screen already shown.
pub async fn onboard_from(user: &FakeUser, welcome: Shown) -> Shown {
    let mut screen = welcome;
    for data in ["c:y", "k:W", "sr"] {
        let id = user.tap_data(screen.id, data);
        user.answer(&id).await;
        screen = user.reply().await;
    }
    screen
}

/// Rates `activity` on `card` and skips the comment prompt.
pub async fn rate(user: &FakeUser, card: &Shown, activity: &str, rating: u8) -> Shown {
    let id = user.tap_data(card.id, &format!("r:{activity}:{rating}"));
    user.answer(&id).await;
    let next = user.reply().await;
    // A rating of 1 or 2 asks what should change: skipped here.
    let skip = format!("nc:{activity}");
    if next.buttons.iter().flatten().any(|(_, data)| *data == skip) {
        let id = user.tap_data(next.id, &skip);
        user.answer(&id).await;
        return user.reply().await;
    }
    next
}

/// The effects that make a member speak for `org` (a built-in organisation's code), as a
/// campaign link's switch does.
pub fn member_of(org: &str) -> dwcp_feedback::conversation::Effect {
    let org = dwcp_feedback::domain::Org::find(org, &[]).expect("a built-in organisation");
    dwcp_feedback::conversation::Effect::MoveTo {
        constituency: org.constituency,
        organisation: Some(dwcp_feedback::domain::OrgChoice::Known(org)),
    }
}

/// The real app in webhook mode on a free local port, until `stop` is sent: its address (what
/// Telegram would post to) and the app's task.
pub async fn start_webhook(
    fake: &FakeTelegram,
    database_url: &str,
) -> (
    String,
    std::net::SocketAddr,
    Arc<Engine>,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<Result<(), dwcp_feedback::app::StartError>>,
) {
    let listen = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let url = format!("http://{listen}/telegram");
    let config = Config {
        webhook: Some(dwcp_feedback::config::Webhook {
            url: url.parse().unwrap(),
            listen,
        }),
        ..config(fake, database_url, None)
    };
    let app = App::build(&config, Arc::new(SystemClock))
        .await
        .expect("the bot starts");
    let engine = app.engine.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    (url, listen, engine, stop, running)
}

/// A store with the built-in plan and these organisations' focal points.
pub async fn with_focal_points(url: &str, focal: &[(&str, i64)]) -> dwcp_feedback::Store {
    let store = with_plan(url).await;
    for (org, id) in focal {
        store
            .add_coordinator(
                org,
                *id,
                dwcp_feedback::store::Actor::Cli,
                chrono::Utc::now(),
            )
            .await
            .expect("a focal point is named");
    }
    store
}
