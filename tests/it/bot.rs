//! End to end: the real bot over HTTP (teloxide, reqwest) against a fake Telegram on 127.0.0.1.

use crate::support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use dwcp_feedback::app::App;
use dwcp_feedback::domain::ActivityCode;
use support::fake_telegram::{FakeTelegram, Limits, BOT_USERNAME};
use support::harness::{assert_telegram_happy, database, onboard, rate, start};

fn code(s: &str) -> ActivityCode {
    ActivityCode::parse(s).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn khmer_newcomer_rates_within_six_taps_and_comments() {
    let fake = FakeTelegram::start().await;
    let (_dir, db) = database();
    let bot = start(&fake, &db, None).await;
    let member = fake.user(101, "Sokha", Some("km"));

    member.send_text("/start");
    let welcome = member.reply().await;
    assert!(
        welcome.button("ឯកជនភាព").is_some() && welcome.text.contains("/forget"),
        "the privacy notice one tap away: {}",
        welcome.text
    );
    assert!(
        welcome.button("✓ ខ្មែរ").is_some(),
        "Khmer pre-selected: {:?}",
        welcome.labels()
    );
    assert!(welcome.text.contains("ផែនការព្រាង"), "draft marker shown");
    let (_, privacy) = member.tap(&welcome, "ឯកជនភាព").await;
    assert!(
        privacy.text.contains("លេខសម្គាល់ (ID) តេឡេក្រាម") && privacy.id == welcome.id,
        "{}",
        privacy.text
    );
    let (_, welcome) = member.tap(&privacy, "ត្រឡប់ក្រោយ").await;

    let mut taps = 0;
    let (_, constituency) = member.tap(&welcome, "ខ្ញុំយល់ព្រម").await;
    taps += 1;
    let (_, organisation) = member.tap(&constituency, "កម្មករនិយោជិត").await;
    taps += 1;
    let (_, card) = member.tap(&organisation, "រំលងសំណួរនៅសល់").await;
    taps += 1;
    assert!(
        card.text.contains("P1.1"),
        "straight to the first activity: {}",
        card.text
    );
    assert_eq!(
        card.id, welcome.id,
        "one message edited in place, not a pile"
    );
    let (notice, next) = member.tap(&card, "៤").await;
    taps += 1;
    assert_eq!(taps, 4, "first rating took {taps} taps");
    assert_eq!(notice.as_deref(), Some("✓ បានរក្សាទុក៖ ៤ មានប្រយោជន៍"));
    assert!(
        next.text.contains("P1.2") && next.text.contains("មតិលើ P1.1"),
        "on to the next activity, offering a comment on the one rated: {}",
        next.text
    );
    assert!(
        next.text.contains("បានវាយតម្លៃ ១/១៥"),
        "n of N rated: {}",
        next.text
    );

    member.send_text("សកម្មភាពនេះល្អ ប៉ុន្តែត្រូវការថវិកាបន្ថែម <ច្រើន> & លឿន");
    let next = member.reply().await;
    assert!(next.text.contains("បានរក្សាទុកមតិលើ P1.1"), "{}", next.text);
    assert!(next.text.contains("P1.2"), "still on P1.2: {}", next.text);

    let revisions = bot
        .engine
        .store()
        .revisions(101, 1, &code("P1.1"))
        .await
        .unwrap();
    assert_eq!(
        revisions
            .iter()
            .map(|r| r.action.as_str())
            .collect::<Vec<_>>(),
        ["rate", "comment"]
    );
    assert_eq!(
        revisions[1].comment_text.as_deref(),
        Some("សកម្មភាពនេះល្អ ប៉ុន្តែត្រូវការថវិកាបន្ថែម <ច្រើន> & លឿន")
    );
    assert_telegram_happy(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn english_member_full_profile_voice_note_change_and_withdraw() {
    let fake = FakeTelegram::start().await;
    let (_dir, db) = database();
    let bot = start(&fake, &db, None).await;
    let member = fake.user(202, "Dara", Some("en-US"));

    member.send_text("/start");
    let welcome = member.reply().await;
    assert!(
        welcome.button("✓ English").is_some(),
        "{:?}",
        welcome.labels()
    );
    let (_, s) = member.tap(&welcome, "I agree").await;
    let (_, s) = member.tap(&s, "Employers").await;
    assert!(
        s.labels().iter().any(|l| l.ends_with(" (CAMFEBA)")),
        "{:?}",
        s.labels()
    );
    let (_, s) = member.tap(&s, "CAMFEBA").await;
    let (_, s) = member.tap(&s, "▶").await;
    assert!(
        s.labels().contains(&"◀ Page 1/2") && !s.labels().iter().any(|l| l.contains("2/2")),
        "province page 2, each page button naming the page it opens: {:?}",
        s.labels()
    );
    let (_, s) = member.tap(&s, "Takeo").await;
    let (_, s) = member.tap(&s, "Garment").await;
    let (_, card) = member.tap(&s, "Prefer not to say").await;
    assert!(
        card.text.contains("Profile saved") && card.text.contains("P1.1"),
        "{}",
        card.text
    );
    let (_, details) = member.tap(&card, "Details").await;
    assert!(
        details.text.contains("Jan 2026 – Dec 2027") && details.text.contains("Lead"),
        "timeframe in words: {}",
        details.text
    );
    let (_, card) = member.tap(&details, "Back").await;

    let (_, ask) = member.tap(&card, "5 Very useful").await;
    member.send_voice("voice-abc", 12);
    let next = member.reply().await;
    assert!(
        next.text.contains("Voice note on P1.1 saved") && next.text.contains("P1.2"),
        "{}",
        next.text
    );

    member.send_text("/mine");
    let mine = member.reply().await;
    assert!(
        mine.text.contains("P1.1") && mine.text.contains("🎤 0:12"),
        "{}",
        mine.text
    );
    let (_, card) = member.tap(&mine, "P1.1 · 5").await;
    assert!(
        card.text.contains("Your rating: 5 Very useful"),
        "{}",
        card.text
    );
    // Changed from My feedback: back to My feedback, the change said.
    let (_, back) = member.tap(&card, "2").await;
    assert!(
        back.text.contains("My feedback") && back.text.contains("P1.1: 2 A little useful saved"),
        "{}",
        back.text
    );

    let store = bot.engine.store();
    let history = store.revisions(202, 1, &code("P1.1")).await.unwrap();
    let actions: Vec<_> = history
        .iter()
        .map(|r| (r.action.as_str(), r.rating))
        .collect();
    assert_eq!(
        actions,
        [("rate", Some(5)), ("comment", Some(5)), ("rate", Some(2))]
    );
    assert_eq!(
        history[2].voice_file_id.as_deref(),
        Some("voice-abc"),
        "the voice note stays with the new rating"
    );

    // Withdraw from the card, with a confirmation.
    member.send_text("/mine");
    let mine = member.reply().await;
    let (_, card) = member.tap(&mine, "P1.1").await;
    let (_, confirm) = member.tap(&card, "Withdraw").await;
    let (notice, after) = member.tap(&confirm, "Yes, withdraw").await;
    assert_eq!(notice.as_deref(), Some("✓ Rating withdrawn"));
    assert!(after.text.contains("Rating withdrawn"), "{}", after.text);
    assert!(store
        .current_ratings(1)
        .await
        .unwrap()
        .iter()
        .all(|(m, c, _)| !(*m == 202 && c == "P1.1")));
    assert_eq!(
        store.revisions(202, 1, &code("P1.1")).await.unwrap().len(),
        4,
        "history kept"
    );
    let _ = ask;
    assert_telegram_happy(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn language_switch_on_the_welcome_screen_and_later() {
    let fake = FakeTelegram::start().await;
    let (_dir, db) = database();
    let _bot = start(&fake, &db, None).await;
    let member = fake.user(303, "Vanna", None);

    member.send_text("/start");
    let welcome = member.reply().await;
    assert!(
        welcome.button("✓ ខ្មែរ").is_some(),
        "no language_code: Khmer first"
    );
    let (_, english) = member.tap(&welcome, "English").await;
    assert!(english.text.contains("Hello") && english.button("✓ English").is_some());
    // Tapping the language already chosen changes nothing: no edit is sent at all.
    let id = member.tap_on(&english, "✓ English");
    member.answer(&id).await;
    assert!(
        member.silence(Duration::from_millis(300)).await,
        "no unchanged edit"
    );

    let (_, s) = member.tap(&english, "I agree").await;
    let (_, s) = member.tap(&s, "Government").await;
    let (_, _card) = member.tap(&s, "Skip the rest").await;
    member.send_text("/language");
    let choose = member.reply().await;
    let (_, menu) = member.tap(&choose, "ខ្មែរ").await;
    assert!(menu.text.contains("បានប្តូរភាសា"), "{}", menu.text);
    assert_telegram_happy(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_malformed_and_stale_buttons_get_a_polite_answer() {
    let fake = FakeTelegram::start().await;
    let (_dir, db) = database();
    let bot = start(&fake, &db, None).await;
    let member = fake.user(404, "Srey", Some("en"));

    member.send_text("/start");
    let welcome = member.reply().await;
    let (_, s) = member.tap(&welcome, "I agree").await;
    let (_, card) = {
        let (_, s) = member.tap(&s, "Workers").await;
        member.tap(&s, "Skip the rest").await
    };

    for (i, forged) in [
        "r:P1.1:9",
        "r:P1.1:04",
        "zzz",
        "a:P1.1:extra",
        &"x".repeat(64),
        "o:NOSUCHORG",
        "l:fr",
    ]
    .into_iter()
    .enumerate()
    {
        let id = member.tap_data(card.id, forged);
        let answer = member.answer(&id).await;
        assert_eq!(
            answer.as_deref(),
            Some("This button is out of date"),
            "for {forged:?}"
        );
        if i == 0 {
            // The first turns the card into the menu; the rest would show the same menu again.
            let menu = member.reply().await;
            assert!(
                menu.text.contains("You have not rated any"),
                "menu after a forged button: {}",
                menu.text
            );
        }
    }
    assert!(member.silence(Duration::from_millis(200)).await);
    // A well-formed button for an activity that is not in the plan.
    let id = member.tap_data(card.id, "a:Z9.9");
    assert_eq!(
        member.answer(&id).await.as_deref(),
        Some("This button is out of date")
    );
    let priorities = member.reply().await;
    assert!(
        priorities.text.contains("no longer in the plan"),
        "{}",
        priorities.text
    );

    // The welcome message from before consent, tapped again: the member stays in.
    let id = member.tap_data(welcome.id, "c:y");
    member.answer(&id).await;
    let menu = member.reply().await;
    assert!(
        menu.text.contains("You have not rated any of the 15"),
        "{}",
        menu.text
    );
    // A button on a message the bot never sent (deleted, or from another install).
    let id = member.tap_data(99_999, "r:P2.1:3");
    member.answer(&id).await;
    let ask = member.reply().await;
    assert!(
        ask.text.contains("P2.1"),
        "the rating still counts: {}",
        ask.text
    );
    assert_eq!(
        bot.engine.store().current_ratings(1).await.unwrap(),
        vec![(404, "P2.1".into(), 3)]
    );
    // The one thing Telegram refused: editing a message that does not exist, which the bot
    // answered by sending the screen as a new message.
    let rejections = fake.rejections();
    assert_eq!(rejections.len(), 1, "{rejections:#?}");
    assert_eq!(
        rejections[0].description,
        "Bad Request: message to edit not found"
    );
    assert_eq!(fake.unanswered_callbacks(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn double_tap_saves_one_rating_and_sends_no_unchanged_edit() {
    let fake = FakeTelegram::start().await;
    let (_dir, db) = database();
    let bot = start(&fake, &db, None).await;
    let member = fake.user(505, "Rith", Some("km"));
    member.send_text("/start");
    let w = member.reply().await;
    let (_, s) = member.tap(&w, "ខ្ញុំយល់ព្រម").await;
    let (_, s) = member.tap(&s, "និយោជក").await;
    let (_, card) = member.tap(&s, "រំលងសំណួរនៅសល់").await;

    let first = member.tap_on(&card, "៣");
    let second = member.tap_on(&card, "៣");
    // Both answers before the screen: a tap is answered at once, while the edit it causes is
    // paced, so the second answer may come before the first edit.
    member.answer(&first).await;
    member.answer(&second).await;
    member.reply().await;
    assert!(
        member.silence(Duration::from_millis(300)).await,
        "the second tap edits nothing"
    );
    let history = bot
        .engine
        .store()
        .revisions(505, 1, &code("P1.1"))
        .await
        .unwrap();
    assert_eq!(history.len(), 1, "one rating, one revision: {history:?}");
    assert_telegram_happy(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stickers_photos_and_stray_text_get_hints() {
    let fake = FakeTelegram::start().await;
    let (_dir, db) = database();
    let _bot = start(&fake, &db, None).await;
    let member = fake.user(606, "Mony", Some("en"));

    member.send_sticker();
    let before_consent = member.reply().await;
    assert!(
        before_consent.text.contains("Do you agree?"),
        "the welcome comes first: {}",
        before_consent.text
    );
    let (_, s) = member.tap(&before_consent, "I agree").await;
    member.send_photo();
    let hint = member.reply().await;
    assert!(
        hint.text.contains("Photos and videos cannot be kept")
            && hint
                .text
                .contains("Are you a worker, an employer or from government"),
        "the hint, and the question again with its buttons: {}",
        hint.text
    );
    assert!(hint.button("Workers").is_some());
    member.send_sticker();
    assert!(member.reply().await.text.contains("keeps taps on buttons"));
    member.send_voice("v1", 3);
    assert!(member.reply().await.text.contains("Please tap a button"));
    // Typing at the organisation question names the organisation.
    let (_, org) = member.tap(&s, "Other").await;
    member.send_text("  Khmer Women's Network  ");
    let province = member.reply().await;
    assert!(
        province.text.contains("Which province"),
        "{}",
        province.text
    );
    member.send_text("hello?");
    let again = member.reply().await;
    assert!(
        again.text.contains("Please tap one of the buttons")
            && again.text.contains("Which province"),
        "{}",
        again.text
    );
    let _ = org;
    assert_telegram_happy(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_start_points_to_the_private_chat_and_collects_nothing() {
    let fake = FakeTelegram::start().await;
    let (_dir, db) = database();
    let bot = start(&fake, &db, Some(Default::default())).await;
    let member = fake.user(707, "Chan", Some("km"));
    let group = fake.group(-1001234, "Union members", &member);

    group.send_text("/start@dwcp_test_bot");
    let invite = group.reply().await;
    let (_, url) = invite
        .button("ផ្តល់មតិ")
        .expect("a button to the private chat")
        .clone();
    assert_eq!(url, format!("https://t.me/{BOT_USERNAME}?start=group"));
    assert!(
        invite.text.contains("private chat"),
        "both languages: {}",
        invite.text
    );
    group.send_text("what is this bot?");
    assert!(
        group.silence(Duration::from_millis(400)).await,
        "no chatter in groups"
    );
    assert_eq!(
        bot.engine.store().rows_about(-1001234).await.unwrap(),
        0,
        "nothing stored for the group"
    );
    assert_telegram_happy(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forget_erases_everything_after_confirmation() {
    let fake = FakeTelegram::start().await;
    let (_dir, db) = database();
    let bot = start(&fake, &db, None).await;
    let member = fake.user(808, "Kanha", Some("en"));
    let card = onboard(&member).await;
    let (_, _ask) = member.tap(&card, "1 Not useful").await;
    member.send_text("Not enough for informal workers");
    member.reply().await;
    assert!(bot.engine.store().rows_about(808).await.unwrap() > 0);

    member.send_text("/forget");
    let confirm = member.reply().await;
    let (_, done) = member.tap(&confirm, "Yes, erase everything").await;
    assert!(done.text.contains("erased"), "{}", done.text);
    assert_eq!(
        bot.engine.store().rows_about(808).await.unwrap(),
        0,
        "no row names the member"
    );
    member.send_text("/start");
    assert!(
        member.reply().await.text.contains("Do you agree?"),
        "a fresh start"
    );
    assert_telegram_happy(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_who_blocked_the_bot_is_marked_and_not_retried() {
    let fake = FakeTelegram::start().await;
    let (_dir, db) = database();
    let bot = start(&fake, &db, None).await;
    let member = fake.user(909, "Bopha", Some("en"));
    member.send_text("/start");
    member.reply().await;

    // The message and the block cross: the reply meets a 403.
    fake.block(909);
    member.send_text("/help");
    let deadline = Instant::now() + Duration::from_secs(5);
    while !bot.engine.store().load_chat(909, 1).await.unwrap().blocked {
        assert!(Instant::now() < deadline, "the 403 was not recorded");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(fake.calls("sendMessage"), 2, "a 403 is not retried");
    assert_telegram_happy(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_is_waited_out_and_pacing_provokes_none() {
    // Pacing off in the bot, limits on in the fake (without Telegram's short burst): the second
    // reply in a second meets a 429.
    let fake = FakeTelegram::start().await;
    fake.set_limits(Some(Limits {
        per_chat_burst: 1,
        ..Limits::TELEGRAM
    }));
    let (_dir, db) = database();
    let bot = start(&fake, &db, None).await;
    let member = fake.user(1001, "Nary", Some("en"));
    // One after the other: sent together, the second screen would replace the first unsent one.
    let t0 = Instant::now();
    member.send_text("/help");
    member.reply().await;
    member.send_text("/help");
    member.reply().await;
    assert!(
        fake.too_many_requests() >= 1,
        "the fake should have pushed back"
    );
    assert!(
        t0.elapsed() >= Duration::from_millis(900),
        "the retry waited for retry_after"
    );
    assert_eq!(fake.late_after_429(), 0);
    bot.kill();

    // Pacing on: the same burst goes out at Telegram's pace with no 429 at all. A screen not
    // sent yet is replaced by a newer one, which is what the member would see anyway: the first
    // leaves at once (unless the second was handled before it left), the rest collapse.
    let fake = FakeTelegram::start().await;
    fake.set_limits(Some(Limits::TELEGRAM));
    let (_dir, db) = database();
    let _bot = start(&fake, &db, Some(Default::default())).await;
    let member = fake.user(1002, "Nary", Some("en"));
    for _ in 0..3 {
        member.send_text("/help");
    }
    member.reply().await;
    while !member.silence(Duration::from_millis(1500)).await {}
    let sent = fake.calls("sendMessage");
    assert!(
        (1..=2).contains(&sent),
        "unsent screens were replaced: {sent}"
    );
    assert_eq!(fake.too_many_requests(), 0, "pacing keeps under the limits");
    let commands = fake.commands();
    assert_eq!(
        commands.len(),
        2,
        "default (Khmer) and English command lists"
    );
    assert!(commands
        .iter()
        .any(|c| c["language_code"] == "en"
            && c["commands"][0]["description"] == "Start or continue"));
    assert!(commands
        .iter()
        .any(|c| c["language_code"].is_null() && c["commands"][0]["description"] == "ចាប់ផ្តើម ឬបន្ត"));
    assert_telegram_happy(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_summary_reaches_admins_and_is_refused_to_members() {
    let fake = FakeTelegram::start().await;
    let (_dir, db) = database();
    let bot = start(&fake, &db, None).await;
    bot.engine
        .store()
        .bootstrap_admins(&[3003], chrono::Utc::now())
        .await
        .unwrap();
    let member = fake.user(3001, "Kosal", Some("en"));
    let admin = fake.user(3003, "Secretariat", Some("km"));
    for user in [&member, &admin] {
        let card = onboard(user).await;
        rate(user, &card, "P1.1", 5).await;
    }

    member.send_text("/summary");
    let refused = member.reply().await;
    assert!(
        refused.text.contains("secretariat only"),
        "{}",
        refused.text
    );
    let id = member.tap_data(refused.id, "sm:1");
    assert_eq!(
        member.answer(&id).await.as_deref(),
        Some("This button is out of date")
    );

    admin.send_text("/summary");
    let totals = admin.reply().await;
    assert!(
        totals.text.contains("សេចក្តីសង្ខេប") && totals.text.contains("សមាជិក៖ ២"),
        "{}",
        totals.text
    );
    let (_, p1) = admin.tap(&totals, "P1 ·").await;
    assert!(
        p1.text.contains("P1.1") && p1.text.contains("មធ្យមភាគ ៥.០០"),
        "{}",
        p1.text
    );
    let audit = bot.engine.store().audit_log().await.unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "summary" && e.actor == Some(3003))
            .count(),
        2
    );
    assert!(
        audit.iter().all(|e| e.actor != Some(3001)),
        "the refusal changed nothing"
    );
    assert_telegram_happy(&fake);
}

/// At start-up, Telegram out of reach is waited for (a server often boots before its network),
/// while a token Telegram does not know ends the start at once with a message saying so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_waits_for_telegram_but_not_for_a_wrong_token() {
    use dwcp_feedback::app::{App, StartError};
    use std::sync::Arc;

    // A port with nothing behind it yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (_dir, db) = database();
    let config = support::harness::config_at(&format!("http://127.0.0.1:{port}/"), &db, None);
    let clock = Arc::new(dwcp_feedback::clock::SystemClock);
    let starting = tokio::spawn({
        let (config, clock) = (config.clone(), clock.clone());
        async move { App::build(&config, clock).await.map(|_| ()) }
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(!starting.is_finished(), "gave up while Telegram was away");
    let _fake = FakeTelegram::start_on(port).await;
    tokio::time::timeout(Duration::from_secs(10), starting)
        .await
        .expect("started once Telegram answered")
        .unwrap()
        .expect("the bot starts");

    let wrong = dwcp_feedback::config::Config {
        token: "5000000001:wrong".into(),
        ..config
    };
    let refused = tokio::time::timeout(Duration::from_secs(5), App::build(&wrong, clock))
        .await
        .expect("a wrong token is not waited on");
    match refused {
        Err(e @ StartError::Telegram(dwcp_feedback::telegram::api::WhoAmIError::Token)) => {
            assert!(e.to_string().contains("TELOXIDE_TOKEN"))
        }
        Err(other) => panic!("not the token error: {other}"),
        Ok(_) => panic!("a wrong token was accepted"),
    }
}

/// Sends one HTTP/1.1 GET to `addr` and returns the status code and the body.
async fn http_get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connects");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    (status, body)
}

/// The value of the Prometheus sample `name{labels}` (exactly as exposed), if present; and a
/// check that every sample line of the exposition is `name[{labels}] number`.
fn sample(text: &str, series: &str) -> Option<f64> {
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (name, value) = line.rsplit_once(' ').expect("a sample line: name value");
        let value: f64 = value.parse().expect("a number");
        assert!(
            name.chars().next().is_some_and(|c| c.is_ascii_alphabetic()),
            "{line}"
        );
        if name == series {
            return Some(value);
        }
    }
    None
}

/// /healthz says whether the database and Telegram answer; /metrics counts what happened.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_metrics_follow_the_bot_and_telegram() {
    let free_port = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
    };
    let fake = FakeTelegram::start().await;
    let (_dir, db) = database();
    let metrics_addr = free_port();
    let config = dwcp_feedback::config::Config {
        metrics_addr: Some(metrics_addr),
        poll_timeout: Duration::from_secs(1),
        ..support::harness::config(&fake, &db, None)
    };
    let app = App::build(&config, Arc::new(dwcp_feedback::SystemClock))
        .await
        .expect("the bot starts");
    let running = tokio::spawn(app.run_until(std::future::pending()));

    let healthy = |want: u16| async move {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let (status, body) = http_get(metrics_addr, "/healthz").await;
            if status == want {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "/healthz stayed {status}: {body}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    assert_eq!(healthy(200).await, "ok\n");

    let member = fake.user(31, "Vanna", Some("en"));
    member.send_text("/start");
    let welcome = member.reply().await;
    member.tap(&welcome, "I agree").await;
    // The bot counts an answer once Telegram has acknowledged it, a moment after the fake saw it.
    let answered = r#"dwcp_telegram_answers_total{outcome="answered"}"#;
    let deadline = Instant::now() + Duration::from_secs(5);
    let text = loop {
        let (status, text) = http_get(metrics_addr, "/metrics").await;
        assert_eq!(status, 200);
        if sample(&text, answered) == Some(fake.calls("answerCallbackQuery") as f64) {
            break text;
        }
        assert!(Instant::now() < deadline, "{text}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(
        sample(&text, r#"dwcp_updates_total{kind="message"}"#),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, r#"dwcp_updates_total{kind="callback"}"#),
        Some(1.0)
    );
    assert_eq!(sample(&text, "dwcp_members"), Some(1.0));
    assert_eq!(
        sample(
            &text,
            r#"dwcp_telegram_answers_total{outcome="retry_after"}"#
        ),
        Some(fake.too_many_requests() as f64)
    );
    assert_eq!(
        sample(&text, r#"dwcp_outbox_rows{state="uncertain"}"#),
        Some(0.0)
    );
    assert!(
        text.contains("dwcp_update_handling_seconds_bucket"),
        "{text}"
    );

    fake.set_answering(false);
    let why = healthy(503).await;
    assert!(why.contains("Telegram"), "{why}");
    fake.set_answering(true);
    assert_eq!(healthy(200).await, "ok\n");
    running.abort();
}

/// Webhook mode: Telegram posts updates to the bot, with the secret token it was given; the
/// whole member flow works so, and a post with a wrong or no secret is refused and changes
/// nothing. A graceful stop deletes the webhook.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_mode_carries_the_member_flow_and_refuses_a_wrong_secret() {
    use support::fake_telegram::post_update;
    let fake = FakeTelegram::start().await;
    let (_dir, db) = database();
    let (url, _, engine, stop, running) = support::harness::start_webhook(&fake, &db).await;

    let member = fake.user(51, "Kosal", Some("en"));
    let card = onboard(&member).await;
    rate(&member, &card, "P1.1", 5).await;
    let (set_url, secret) = fake.webhook().expect("the webhook is set");
    assert_eq!(set_url, url, "the path holds no token");
    let secret = secret.expect("a secret token");
    assert!(secret.len() >= 32, "{secret}");
    assert_eq!(fake.calls("getUpdates"), 0, "no polling");

    let forged = r#"{"update_id": 99999999, "message": {"message_id": 1, "date": 0,
        "chat": {"id": 666, "type": "private", "first_name": "x"},
        "from": {"id": 666, "is_bot": false, "first_name": "x"}, "text": "/start"}}"#;
    for wrong in [None, Some("not-the-secret")] {
        assert_eq!(post_update(&url, wrong, forged).await.unwrap(), 401);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        engine.store().rows_about(666).await.unwrap(),
        0,
        "nothing changed"
    );
    assert!(fake.drain(666).is_empty(), "no answer to a forged update");

    let _ = stop.send(());
    running.await.unwrap().expect("the bot ran");
    assert_eq!(fake.webhook(), None, "a graceful stop deletes the webhook");
    assert_telegram_happy(&fake);
}

/// Slow connections to the webhook (headers never finished) neither exhaust the bot's file
/// handles nor keep Telegram's posts out: at most a few hundred are served at once, each has
/// ten seconds to send its headers, and a real update still gets through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_connections_to_the_webhook_are_bounded_and_cut_off() {
    use support::fake_telegram::post_update;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let fake = FakeTelegram::start().await;
    let (_dir, db) = database();
    let (url, listen, _, stop, running) = support::harness::start_webhook(&fake, &db).await;
    let mut waited = 0;
    let secret = loop {
        if let Some((_, Some(secret))) = fake.webhook() {
            break secret;
        }
        waited += 1;
        assert!(waited < 100, "the webhook is set");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    // More slow connections than the bot serves at once.
    let limit = dwcp_feedback::telegram::webhook::MAX_CONNECTIONS;
    let mut slow = Vec::new();
    for _ in 0..limit + 50 {
        let mut s = tokio::net::TcpStream::connect(listen).await.unwrap();
        s.write_all(b"POST /telegram HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        slow.push(s);
    }
    let started = std::time::Instant::now();
    let update = r#"{"update_id": 5, "message": {"message_id": 1, "date": 0,
        "chat": {"id": 61, "type": "private", "first_name": "x"},
        "from": {"id": 61, "is_bot": false, "first_name": "x"}, "text": "/start"}}"#;
    let status = tokio::time::timeout(
        Duration::from_secs(30),
        post_update(&url, Some(&secret), update),
    )
    .await
    .expect("the post is answered")
    .unwrap();
    assert_eq!(status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "{:?}",
        started.elapsed()
    );
    // The member's update was handled.
    let member = fake.user(61, "x", None);
    member.reply().await;
    // The slow ones were cut off once their time to send headers ran out.
    let mut closed = 0;
    for s in slow.iter_mut().take(limit) {
        let mut buf = [0u8; 256];
        match tokio::time::timeout(Duration::from_secs(15), s.read(&mut buf)).await {
            Ok(Ok(_)) | Ok(Err(_)) => closed += 1,
            Err(_) => {}
        }
    }
    assert_eq!(closed, limit, "every slow connection served was closed");
    drop(slow);
    let _ = stop.send(());
    running.await.unwrap().expect("the bot ran");
}

/// Nothing a member sends on a card is thrown away: typed text, a voice note, a photo and
/// then the words, a photo's caption: each ends as the comment of the activity the screen
/// names, and the screen says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_member_sends_on_a_card_becomes_that_activitys_comment() {
    let fake = FakeTelegram::start().await;
    let (_dir, db) = database();
    let bot = start(&fake, &db, None).await;
    let member = fake.user(909, "Pisey", Some("en"));
    onboard(&member).await;
    let store = bot.engine.store();
    let comment_of = |code: &'static str| {
        let store = store.clone();
        async move {
            store
                .revisions(
                    909,
                    1,
                    &dwcp_feedback::domain::ActivityCode::parse(code).unwrap(),
                )
                .await
                .unwrap()
                .into_iter()
                .rev()
                .find_map(|r| r.comment_text.or(r.voice_file_id))
        }
    };

    // A photo on a card not yet rated: the hint, with the card and its buttons.
    member.send_photo();
    let hint = member.reply().await;
    assert!(
        hint.text.contains("cannot be kept") && hint.text.contains("P1.1"),
        "{}",
        hint.text
    );
    assert!(
        hint.button("5 Very useful").is_some(),
        "{:?}",
        hint.labels()
    );
    // Then the words: kept on the card until it is rated, and saved with the rating.
    member.send_text("The fan in the photo is broken");
    let kept = member.reply().await;
    assert!(
        kept.text.contains("We keep this for P1.1") && kept.text.contains("The fan in"),
        "{}",
        kept.text
    );
    let (_, next) = member.tap(&kept, "4").await;
    assert!(
        next.text.contains("Comment on P1.1 saved") && next.text.contains("P1.2"),
        "{}",
        next.text
    );
    assert_eq!(
        comment_of("P1.1").await.as_deref(),
        Some("The fan in the photo is broken")
    );

    // Rated, then a voice note: the card that follows names P1.2 for it.
    let (_, p13) = member.tap(&next, "3").await;
    assert!(
        p13.text.contains("To comment on P1.2") && p13.text.contains("P1.3"),
        "{}",
        p13.text
    );
    member.send_voice("voice-p12", 9);
    let after = member.reply().await;
    assert!(
        after.text.contains("Voice note on P1.2 saved"),
        "{}",
        after.text
    );
    assert_eq!(comment_of("P1.2").await.as_deref(), Some("voice-p12"));

    // A photo with a caption on a rated card: the caption is added to the comment, and the
    // card stays, so that more words join it.
    member.send_text("/mine");
    let mine = member.reply().await;
    let (_, p11) = member.tap(&mine, "P1.1 · 4").await;
    assert!(p11.text.contains("The fan in"), "{}", p11.text);
    member.send_photo_with_caption("Same problem on line 3");
    let card = member.reply().await;
    assert!(
        card.text.contains("Comment on P1.1 saved") && card.button("My feedback").is_some(),
        "the card, with its way back to My feedback: {} {:?}",
        card.text,
        card.labels()
    );
    assert_eq!(
        comment_of("P1.1").await.as_deref(),
        Some("The fan in the photo is broken\nSame problem on line 3")
    );

    // A command copied from a group for another bot gets an answer, and is no comment.
    member.send_text("/help@OtherBot");
    let hint = member.reply().await;
    assert!(
        hint.text.contains("does not have that command"),
        "{}",
        hint.text
    );
    member.send_text("/stats");
    let hint = member.reply().await;
    assert!(
        hint.text.contains("does not have that command"),
        "{}",
        hint.text
    );
    assert_eq!(
        comment_of("P1.1").await.as_deref(),
        Some("The fan in the photo is broken\nSame problem on line 3")
    );

    // On the menu, words go to the activity changed last, once the member says so.
    member.send_text("/menu");
    member.reply().await;
    member.send_text("Also the toilets");
    let ask = member.reply().await;
    assert!(
        ask.text.contains("P1.1"),
        "P1.1 was changed last: {}",
        ask.text
    );
    let (_, added) = member.tap(&ask, "Add to P1.1").await;
    assert!(
        added.text.contains("Comment on P1.1 saved"),
        "{}",
        added.text
    );
    assert_eq!(
        comment_of("P1.1").await.as_deref(),
        Some("The fan in the photo is broken\nSame problem on line 3\nAlso the toilets")
    );
    assert_telegram_happy(&fake);
}

/// Provinces read in the reader's alphabet, two pages at most, the capital first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provinces_come_in_khmer_order_for_khmer_readers() {
    let fake = FakeTelegram::start().await;
    let (_dir, db) = database();
    let _bot = start(&fake, &db, None).await;
    let member = fake.user(910, "Sreyneang", Some("km"));
    member.send_text("/start");
    let welcome = member.reply().await;
    let (_, s) = member.tap(&welcome, "ខ្ញុំយល់ព្រម").await;
    let (_, s) = member.tap(&s, "កម្មករនិយោជិត").await;
    let (_, first) = member.tap(&s, "រំលង").await;
    let (_, second) = member.tap(&first, "▶").await;
    assert!(
        second.labels().contains(&"◀ ទំព័រ ១/២"),
        "two pages: {:?}",
        second.labels()
    );
    let names: Vec<String> = [&first, &second]
        .iter()
        .flat_map(|page| page.labels())
        .filter(|l| l.chars().any(|c| ('\u{1780}'..='\u{17FF}').contains(&c)))
        .filter(|l| !l.contains('/') && !l.contains("រំលង"))
        .map(str::to_string)
        .collect();
    assert_eq!(names.len(), 25, "{names:?}");
    assert_eq!(names[0], "ភ្នំពេញ", "the capital first");
    let rest = &names[1..];
    assert_eq!(rest[0], "កណ្ដាល", "ក first: {rest:?}");
    let mut sorted = rest.to_vec();
    sorted.sort_by_key(|n| n.replace('\u{178A}', "\u{178F}"));
    assert_eq!(
        rest,
        sorted.as_slice(),
        "in the order of the Khmer alphabet"
    );
    assert_eq!(rest.last().map(String::as_str), Some("ឧត្ដរមានជ័យ"));
}
