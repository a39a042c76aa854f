//! Broadcasts through the persistent outbox, checked against what the fake Telegram received:
//! everyone once, blocked members skipped and marked, 429s obeyed, restarts without a
//! duplicate or a loss.

use crate::support;

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use dwcp_feedback::config::Pacing;
use dwcp_feedback::conversation::{Effect, State};
use dwcp_feedback::domain::{Audience, Constituency, Lang};
use dwcp_feedback::jobs::announce::queue_announcement;
use dwcp_feedback::store::{Actor, StepWrite, Store, Tally};
use support::fake_telegram::{Event, FakeTelegram, Limits};
use support::harness::{database, start, with_plan};

/// Members 1..=n, consented; every third in English, the rest in Khmer; the first ten are
/// employers, the others workers.
async fn members(store: &Store, n: i64) -> Vec<i64> {
    let ids: Vec<i64> = (1..=n).map(|i| 500_000 + i).collect();
    for (i, &id) in ids.iter().enumerate() {
        let lang = if i % 3 == 0 { Lang::En } else { Lang::Km };
        let constituency = if i < 10 {
            Constituency::Employers
        } else {
            Constituency::Workers
        };
        store
            .apply(StepWrite {
                chat_id: id,
                state: &State::Menu,
                effects: &[
                    Effect::SetLang(lang),
                    Effect::GiveConsent,
                    Effect::SetProfile(dwcp_feedback::conversation::ProfileField::Constituency(
                        constituency,
                    )),
                ],
                plan_version: 1,
                update_id: None,
                first_name: None,
                now: Utc::now(),
            })
            .await
            .unwrap();
    }
    ids
}

/// Messages each chat received, by the fake's own record.
fn received(fake: &FakeTelegram, chats: &[i64]) -> HashMap<i64, Vec<String>> {
    chats
        .iter()
        .map(|&c| {
            let texts = fake
                .drain(c)
                .into_iter()
                .filter_map(|e| match e {
                    Event::Sent(shown) => Some(shown.text),
                    _ => None,
                })
                .collect();
            (c, texts)
        })
        .collect()
}

async fn finished(store: &Store, id: i64, within: Duration) -> Tally {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let tally = store.tally(id).await.unwrap();
        if tally.left == 0 {
            return tally;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the broadcast did not finish: {tally:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_announcement_reaches_everyone_once_and_skips_who_blocked_the_bot() {
    let fake = FakeTelegram::start().await;
    fake.set_limits(Some(Limits::TELEGRAM));
    let (_dir, url) = database();
    let store = with_plan(&url).await;
    let ids = members(&store, 45).await;
    // Blocked before (known from an earlier 403): not even queued.
    store.set_blocked(ids[0], true, Utc::now()).await.unwrap();
    // Blocked since: Telegram answers 403 and they are marked.
    fake.block(ids[1]);
    fake.block(ids[2]);
    let bot = start(&fake, &url, Some(Pacing::default())).await;

    let text = "Meeting on <Friday> & Saturday: ប្រជុំថ្ងៃសុក្រ";
    let queued = queue_announcement(&store, &Audience::All, text, Actor::Cli, Utc::now())
        .await
        .unwrap();
    assert_eq!(
        queued.messages, 44,
        "the member known to have blocked the bot is left out"
    );
    bot.engine.outbox_wake().notify_one();
    let tally = finished(&store, queued.broadcast_id, Duration::from_secs(30)).await;
    assert_eq!(
        (tally.sent, tally.blocked, tally.failed, tally.uncertain),
        (42, 2, 0, 0)
    );

    let got = received(&fake, &ids);
    for (i, id) in ids.iter().enumerate() {
        let texts = &got[id];
        if i < 3 {
            assert!(texts.is_empty(), "member {i} blocked the bot");
            continue;
        }
        assert_eq!(
            texts.len(),
            1,
            "member {i} got exactly one message: {texts:?}"
        );
        assert!(texts[0].ends_with("Meeting on <Friday> & Saturday: ប្រជុំថ្ងៃសុក្រ"));
        let header = if i % 3 == 0 {
            "From the DWCP secretariat"
        } else {
            "លេខាធិការដ្ឋាន"
        };
        assert!(
            texts[0].contains(header),
            "in the member's language: {}",
            texts[0]
        );
    }
    // The newly blocked are remembered: the next announcement leaves them out.
    let again = queue_announcement(&store, &Audience::All, "again", Actor::Cli, Utc::now())
        .await
        .unwrap();
    assert_eq!(again.messages, 42);
    assert_eq!(fake.late_after_429(), 0);
    assert!(fake.rejections().is_empty(), "{:?}", fake.rejections());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_audience_narrows_who_is_sent() {
    let fake = FakeTelegram::start().await;
    let (_dir, url) = database();
    let store = with_plan(&url).await;
    let ids = members(&store, 25).await;
    let _bot = start(&fake, &url, Some(Pacing::default())).await;
    let to = Audience::Constituency(Constituency::Employers);
    let queued = queue_announcement(&store, &to, "employers only", Actor::Cli, Utc::now())
        .await
        .unwrap();
    assert_eq!(queued.messages, 10);
    finished(&store, queued.broadcast_id, Duration::from_secs(30)).await;
    let got = received(&fake, &ids);
    assert!(ids[..10].iter().all(|id| got[id].len() == 1));
    assert!(ids[10..].iter().all(|id| got[id].is_empty()));
    let nobody = Audience::Organisation("NO-SUCH-ORG".into());
    assert!(
        queue_announcement(&store, &nobody, "x", Actor::Cli, Utc::now())
            .await
            .is_err()
    );
}

/// Without the bot's own pacing, the outbox runs into Telegram's 30/s and gets 429s: each is
/// obeyed (nothing sent to that chat before retry_after), and everyone still gets one message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_429_is_obeyed_and_nobody_is_lost() {
    let fake = FakeTelegram::start().await;
    fake.set_limits(Some(Limits::TELEGRAM));
    let (_dir, url) = database();
    let store = with_plan(&url).await;
    let ids = members(&store, 90).await;
    let bot = start(&fake, &url, None).await;
    let queued = queue_announcement(&store, &Audience::All, "hello", Actor::Cli, Utc::now())
        .await
        .unwrap();
    bot.engine.outbox_wake().notify_one();
    let tally = finished(&store, queued.broadcast_id, Duration::from_secs(40)).await;
    assert_eq!(tally.sent, 90, "{tally:?}");
    assert!(fake.too_many_requests() > 0, "the test must provoke 429s");
    assert_eq!(
        fake.late_after_429(),
        0,
        "a chat was sent to before its retry_after"
    );
    let got = received(&fake, &ids);
    assert!(ids.iter().all(|id| got[id].len() == 1));
}

/// Stopped in the middle (as Ctrl-C does) and started again: the rest is sent, nobody twice.
/// Killed in the middle (as a crash does): nobody twice; what was on its way is counted
/// uncertain, and every message is either received or uncertain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_mid_send_sends_nobody_twice() {
    let fake = FakeTelegram::start().await;
    fake.set_limits(Some(Limits::TELEGRAM));
    let (_dir, url) = database();
    let store = with_plan(&url).await;
    let ids = members(&store, 150).await;

    // A graceful stop.
    let bot = start(&fake, &url, Some(Pacing::default())).await;
    let first = queue_announcement(&store, &Audience::All, "first", Actor::Cli, Utc::now())
        .await
        .unwrap();
    bot.engine.outbox_wake().notify_one();
    while store.tally(first.broadcast_id).await.unwrap().sent < 40 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    bot.stop().await;
    let midway = store.tally(first.broadcast_id).await.unwrap();
    assert!(midway.left > 0, "stopped before the end: {midway:?}");
    assert_eq!(
        midway.uncertain, 0,
        "a graceful stop finishes what is on its way"
    );
    let bot = start(&fake, &url, Some(Pacing::default())).await;
    let tally = finished(&store, first.broadcast_id, Duration::from_secs(30)).await;
    assert_eq!((tally.sent, tally.uncertain), (150, 0));
    let got = received(&fake, &ids);
    assert!(
        ids.iter().all(|id| got[id].len() == 1),
        "one message each, no loss, no duplicate"
    );

    // A crash.
    let second = queue_announcement(&store, &Audience::All, "second", Actor::Cli, Utc::now())
        .await
        .unwrap();
    bot.engine.outbox_wake().notify_one();
    while store.tally(second.broadcast_id).await.unwrap().sent < 40 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    bot.kill();
    let _bot = start(&fake, &url, Some(Pacing::default())).await;
    let tally = finished(&store, second.broadcast_id, Duration::from_secs(30)).await;
    assert_eq!(tally.sent + tally.uncertain, 150, "{tally:?}");
    assert!(
        tally.uncertain <= 2,
        "only requests on the wire are uncertain; the queued ones went after the restart: {tally:?}"
    );
    let got = received(&fake, &ids);
    let delivered = ids.iter().filter(|id| got[id].len() == 1).count() as i64;
    assert!(
        ids.iter().all(|id| got[id].len() <= 1),
        "nobody got it twice"
    );
    assert!(delivered >= tally.sent && delivered <= tally.sent + tally.uncertain);
    assert_eq!(fake.late_after_429(), 0);
}

/// The secretariat announces from the bot: audience by button, text typed, a preview with the
/// number of members, then one tap to send; members get it once, each in their language, and
/// the admin's status message ends with the tally.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_announces_from_the_bot_after_a_preview() {
    const ADMIN: i64 = 900_001;
    let fake = FakeTelegram::start().await;
    let (_dir, url) = database();
    let store = with_plan(&url).await;
    let ids = members(&store, 12).await;
    let _bot = support::harness::start_with_admins(&fake, &url, None, &[ADMIN]).await;
    let admin = fake.user(ADMIN, "Secretariat", Some("en"));

    admin.send_text("/announce");
    let ask = admin.reply().await;
    let (_, text_prompt) = admin.tap(&ask, "Employers").await;
    assert!(
        text_prompt.text.contains("step 2 of 3"),
        "{}",
        text_prompt.text
    );
    admin.send_text("Tripartite meeting on <Friday> & Saturday");
    let preview = admin.reply().await;
    assert!(preview.text.contains("10 members"), "{}", preview.text);
    assert!(
        preview
            .text
            .contains("Tripartite meeting on <Friday> & Saturday"),
        "as members will see it: {}",
        preview.text
    );
    assert!(
        received(&fake, &ids).values().all(Vec::is_empty),
        "nothing sent before the confirmation"
    );

    let (notice, queued) = admin.tap(&preview, "Send to 10").await;
    assert!(notice.is_some());
    assert!(queued.text.contains("queued for 10"), "{}", queued.text);
    // The status message, edited until the final tally.
    let mut status = admin.reply().await;

    while !status.text.contains("finished") {
        status = admin.reply().await;
    }
    assert!(status.text.contains("10 sent"), "{}", status.text);
    let got = received(&fake, &ids);
    for (i, id) in ids.iter().enumerate() {
        let expected = usize::from(i < 10);
        assert_eq!(got[id].len(), expected, "member {id}");
    }
    assert!(
        got[&ids[1]][0].contains("កម្មវិធីការងារសមរម្យ"),
        "{:?}",
        got[&ids[1]]
    );
    // A second tap on the old preview sends nothing more.
    let again = admin.tap_on(&preview, "Send to 10");
    assert_eq!(
        admin.answer(&again).await.as_deref(),
        Some("This announcement was already sent or dropped")
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(received(&fake, &ids).values().all(Vec::is_empty));
    support::harness::assert_telegram_happy(&fake);
}

/// `systemctl stop` sends SIGTERM: the bot stops as gracefully as on Ctrl-C, in the middle of a
/// broadcast. It exits cleanly, nothing is left uncertain, and the rest goes out after the next
/// start, nobody twice.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_broadcast_stops_cleanly_and_leaves_nothing_uncertain() {
    let fake = FakeTelegram::start().await;
    fake.set_limits(Some(Limits::TELEGRAM));
    let (_dir, url) = database();
    let store = with_plan(&url).await;
    let ids = members(&store, 120).await;
    let queued = queue_announcement(&store, &Audience::All, "stop test", Actor::Cli, Utc::now())
        .await
        .unwrap();
    let mut bot = support::harness::spawn_binary(&fake, &url, true);
    while store.tally(queued.broadcast_id).await.unwrap().sent < 30 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let term = std::process::Command::new("kill")
        .args(["-TERM", &bot.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(term.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = bot.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no exit within 30 s of SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exit status {status:?}");
    let midway = store.tally(queued.broadcast_id).await.unwrap();
    assert!(midway.left > 0, "stopped before the end: {midway:?}");
    assert_eq!(midway.uncertain, 0, "{midway:?}");

    let mut bot = support::harness::spawn_binary(&fake, &url, true);
    let tally = finished(&store, queued.broadcast_id, Duration::from_secs(30)).await;
    bot.kill().unwrap();
    bot.wait().unwrap();
    assert_eq!((tally.sent, tally.uncertain), (120, 0));
    let got = received(&fake, &ids);
    assert!(ids.iter().all(|id| got[id].len() == 1), "one message each");
}

/// A stop while Telegram cannot be reached yet (an outage at start) ends the wait at once,
/// instead of leaving systemd to kill the process after its timeout.
#[cfg(unix)]
#[tokio::test]
async fn sigterm_while_telegram_is_unreachable_stops_at_once() {
    let (_dir, url) = database();
    // Nothing listens on the discard port of the loopback address.
    let mut bot = std::process::Command::new(env!("CARGO_BIN_EXE_dwcp-feedback"))
        .arg("run")
        .env_clear()
        .env("TELOXIDE_TOKEN", support::fake_telegram::TOKEN)
        .env("TELOXIDE_API_URL", "http://127.0.0.1:9")
        .env("DATABASE_URL", &url)
        .env("RUST_LOG", "warn")
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        bot.try_wait().unwrap().is_none(),
        "still waiting for Telegram"
    );
    let term = std::process::Command::new("kill")
        .args(["-TERM", &bot.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(term.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let status = loop {
        if let Some(status) = bot.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no exit within 5 s of SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exit status {status:?}");
}
