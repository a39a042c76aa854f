//! Crowds, through the real bot and the fake Bot API over HTTP, with pacing on as deployed and
//! the fake enforcing Telegram's limits: a herd arriving at once, a member flooding their own
//! chat beside a normal one, admins tapping export again and again, a tap on an older copy of a
//! screen. (The speed targets are measured by `cargo bench --bench crowd`; these check that the
//! behaviour holds.)

use crate::support;

use std::time::{Duration, Instant};

use dwcp_feedback::config::Pacing;
use dwcp_feedback::delivery::queues::CHAT_CAP;
use support::fake_telegram::{Event, FakeTelegram, FakeUser, Limits, Shown};
use support::harness::{
    assert_telegram_happy, database, onboard, onboard_from, start, start_with_admins,
};

/// The fake Bot API, enforcing Telegram's limits.
async fn telegram() -> FakeTelegram {
    let fake = FakeTelegram::start().await;
    fake.set_limits(Some(Limits::TELEGRAM));
    fake
}

/// Taps `data` on `screen` and waits for the answer and the screen that follows.
async fn tap(member: &FakeUser, screen: &Shown, data: &str) -> Shown {
    let id = member.tap_data(screen.id, data);
    member.answer(&id).await;
    member.reply().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_herd_gets_its_first_screens_at_telegrams_pace_and_every_tap_answered() {
    const MEMBERS: i64 = 200;
    let fake = telegram().await;
    let (_dir, url) = database();
    let _bot = start(&fake, &url, Some(Pacing::default())).await;
    let members: Vec<FakeUser> = (0..MEMBERS)
        .map(|i| {
            fake.user(
                10_000 + i,
                "member",
                Some(if i % 4 == 0 { "en" } else { "km" }),
            )
        })
        .collect();
    let t0 = Instant::now();
    for m in &members {
        m.send_text("/start");
    }
    let mut walks = Vec::new();
    for m in members {
        walks.push(tokio::spawn(async move {
            let welcome = m.reply().await;
            let first_screen = t0.elapsed();
            let screen = onboard_from(&m, welcome).await;
            assert!(screen.text.contains("P1.1"), "{}", screen.text);
            let rated = tap(&m, &screen, "r:P1.1:4").await;
            assert!(rated.id == screen.id);
            first_screen
        }));
    }
    let mut firsts = Vec::new();
    for w in walks {
        firsts.push(w.await.expect("every member gets through"));
    }
    firsts.sort();
    for (n, at) in firsts.iter().enumerate() {
        // Telegram lets 30 new messages a second through: the n-th first screen cannot come
        // sooner than n/30 s, and should not come much later (the margin is for a debug build
        // sharing two cores with the fake and 200 members).
        let due = Duration::from_secs_f64((n + 1) as f64 / 30.0 + 3.0);
        assert!(*at <= due, "first screen #{} after {at:?}", n + 1);
    }
    // The bot keeps 2% under 30 a second as requests leave; the fake counts them as they
    // arrive. On two loaded cores a request can arrive a little after the ones behind it, so
    // one or two of 800 sends may meet a 429 for the overall limit. That is how real Telegram
    // behaves too, and what matters is that no chat's own pace is ever exceeded and every
    // retry_after is kept.
    let overall = fake.too_many_overall();
    assert_eq!(
        fake.too_many_requests() - overall,
        0,
        "a chat's own pace exceeded"
    );
    assert!(overall <= 2, "{overall} sends over the overall limit");
    assert_eq!(fake.late_after_429(), 0, "a retry_after not kept");
    assert_telegram_happy(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_forwarding_200_messages_delays_only_their_own_chat() {
    let fake = telegram().await;
    let (_dir, url) = database();
    let bot = start(&fake, &url, Some(Pacing::default())).await;
    let flooder = fake.user(1, "Flood", Some("km"));
    onboard(&flooder).await;
    let other = fake.user(2, "Calm", Some("km"));

    let mut last_update = 0;
    for i in 0..200 {
        last_update = flooder.send_text(&format!("សារបញ្ជូនបន្ត {i}"));
    }
    let t = Instant::now();
    other.send_text("/start");
    let welcome = other.reply().await;
    let waited = t.elapsed();
    let card = onboard_from(&other, welcome).await;
    assert!(card.text.contains("P1.1"));
    assert!(
        waited < Duration::from_secs(3),
        "the other member waited {waited:?} behind the flood"
    );

    // The flood is handled to its last message; the chat never holds more than its cap.
    let mut most_waiting = 0;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        most_waiting = most_waiting.max(bot.delivery.waiting_in(1));
        let handled = bot
            .engine
            .store()
            .load_chat(1, 1)
            .await
            .unwrap()
            .last_update_id;
        if handled == Some(last_update) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the flood was not handled in 20 s"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(most_waiting <= CHAT_CAP, "{most_waiting} waiting");
    // The flooder's screens were replaced by newer ones, not queued without end.
    let flooder_messages = fake
        .drain(1)
        .iter()
        .filter(|e| matches!(e, Event::Sent(_)))
        .count();
    assert!(
        flooder_messages < 30,
        "{flooder_messages} messages to the flooder"
    );
    assert_eq!(fake.too_many_requests(), 0);
    assert_telegram_happy(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_storm_makes_one_file_per_export_started_and_members_go_on() {
    const ADMINS: [i64; 2] = [900, 901];
    let fake = telegram().await;
    let (_dir, url) = database();
    let _bot = start_with_admins(&fake, &url, Some(Pacing::default()), &ADMINS).await;
    let member = fake.user(501, "Sokha", Some("km"));
    let mut card = onboard(&member).await;
    let admins: Vec<FakeUser> = ADMINS
        .iter()
        .map(|id| fake.user(*id, "Secretariat", Some("en")))
        .collect();
    let mut menus = Vec::new();
    for admin in &admins {
        admin.send_text("/export");
        menus.push(admin.reply().await);
    }
    // Each admin taps the CSV button ten times in two seconds while the member rates.
    let mut storm = Vec::new();
    for (admin, menu) in admins.iter().zip(&menus) {
        let (admin, menu) = (admin.clone(), menu.clone());
        storm.push(tokio::spawn(async move {
            let (_, data) = menu.button("CSV").expect("a CSV button").clone();
            let mut toasts = Vec::new();
            for _ in 0..10 {
                let id = admin.tap_data(menu.id, &data);
                toasts.push(admin.answer(&id).await);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            toasts
        }));
    }
    let mut slowest = Duration::ZERO;
    for code in ["P1.1", "P1.2", "P1.3"] {
        let t = Instant::now();
        card = tap(&member, &card, &format!("r:{code}:3")).await;
        slowest = slowest.max(t.elapsed());
    }
    assert!(
        slowest < Duration::from_secs(4),
        "a rating took {slowest:?}"
    );
    for s in storm {
        let toasts = s.await.unwrap();
        assert!(
            toasts.iter().all(Option::is_some),
            "every tap says what happened: {toasts:?}"
        );
    }
    for admin in &admins {
        // Everything for this admin, until the last file has come and gone quiet.
        let mut events = Vec::new();
        while let Some(e) = fake.next_event(admin.id, Duration::from_secs(3)).await {
            events.push(e);
        }
        let started = events
            .iter()
            .filter(|e| matches!(e, Event::Sent(m) if m.text.contains("Building the CSV export")))
            .count();
        let files = events
            .iter()
            .filter(|e| matches!(e, Event::File(_)))
            .count();
        assert!(started >= 1);
        assert_eq!(files, started, "one document per export started");
        assert!(started < 10, "taps during an export start none: {started}");
    }
    assert_eq!(fake.too_many_requests(), 0);
    assert_telegram_happy(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tap_on_an_older_copy_of_a_screen_edits_nothing_it_already_shows() {
    let fake = telegram().await;
    let (_dir, url) = database();
    let bot = start(&fake, &url, Some(Pacing::default())).await;
    let member = fake.user(77, "Dara", Some("en"));
    member.send_text("/start");
    let older = member.reply().await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    member.send_text("/start");
    let newer = member.reply().await;
    assert_ne!(older.id, newer.id);
    // After a restart the bot remembers nothing of what it sent: the tap itself must say.
    bot.stop().await;
    let _bot = start(&fake, &url, Some(Pacing::default())).await;
    // The older welcome shows English chosen; choosing English there again changes nothing.
    let (_, english) = older.button("English").expect("a language button").clone();
    let id = member.tap_data(older.id, &english);
    member.answer(&id).await;
    assert!(
        member.silence(Duration::from_millis(800)).await,
        "nothing to edit"
    );
    // A tap that does change the older copy still edits it.
    let (_, khmer) = older.button("ខ្មែរ").expect("a language button").clone();
    let id = member.tap_data(older.id, &khmer);
    member.answer(&id).await;
    let edited = member.reply().await;
    assert_eq!(edited.id, older.id);
    assert_telegram_happy(&fake);
}
