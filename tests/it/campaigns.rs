//! Unions and employers' associations polling their members, end to end through the fake
//! Telegram: a coordinator makes a campaign, a member joins by its link in three taps, the
//! coordinator follows progress and reminds; other organisations and forged links get nothing.

use crate::support;

use std::time::Duration;

use chrono::{TimeZone, Utc};
use dwcp_feedback::domain::{ActivityCode, CampaignCode, Constituency};
use dwcp_feedback::store::{Actor, NewCampaign};
use support::fake_telegram::{FakeTelegram, BOT_USERNAME};
use support::harness::{assert_telegram_happy, database, start, with_plan};

const UNION_FOCAL: i64 = 7001;
const EMPLOYER_FOCAL: i64 = 7002;

/// The campaign code in the link the bot gave back.
fn link_code(text: &str) -> CampaignCode {
    let prefix = format!("https://t.me/{BOT_USERNAME}?start=");
    let start = text.find(&prefix).expect("a t.me link") + prefix.len();
    let payload: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    CampaignCode::from_start_payload(&payload).expect("a campaign payload")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_union_polls_its_members_through_a_link_and_reminds_who_has_not_finished() {
    let fake = FakeTelegram::start().await;
    let (_dir, url) = database();
    let store = with_plan(&url).await;
    store
        .add_coordinator("CCAWDU", UNION_FOCAL, Actor::Cli, Utc::now())
        .await
        .unwrap();
    store
        .add_coordinator("CAMFEBA", EMPLOYER_FOCAL, Actor::Cli, Utc::now())
        .await
        .unwrap();
    let bot = start(&fake, &url, None).await;

    // Members' menus never list /campaign.
    let lists = |m: &serde_json::Value| {
        m["commands"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["command"] == "campaign")
    };
    assert!(!fake
        .commands()
        .iter()
        .filter(|c| c["scope"].is_null())
        .any(lists));

    // The union's focal point makes a campaign on priority 1.
    let focal = fake.user(UNION_FOCAL, "Dara", Some("en"));
    focal.send_text("/campaign new 2099-01-31 P1 Garment workers' voice <2027>");
    let created = focal.reply().await;
    assert!(
        created.text.contains("Garment workers' voice <2027>"),
        "{}",
        created.text
    );
    let code = link_code(&created.text);
    // Their own menu, set once they wrote to the bot, lists /campaign.
    assert!(support::harness::menus_list(&fake, UNION_FOCAL, "campaign").await);
    let forward = focal.reply().await;
    assert!(
        forward.text.contains("សហ") || forward.text.contains("C.CAWDU"),
        "{}",
        forward.text
    );
    assert_eq!(
        link_code(&forward.text),
        code,
        "the forwardable message has the same link"
    );

    // A worker opens the link: consent, skip the rest, and the campaign's first activity.
    let sokha = fake.user(601, "Sokha", Some("km"));
    sokha.send_text(&format!("/start {}", code.start_payload()));
    let welcome = sokha.reply().await;
    assert!(
        welcome.text.contains("អង្គការ"),
        "joined banner in Khmer: {}",
        welcome.text
    );
    let (_, asked) = sokha.tap(&welcome, "✅").await;
    assert!(
        asked
            .buttons
            .iter()
            .flatten()
            .any(|(_, d)| d.starts_with("pv:")),
        "constituency and organisation are filled in: the province comes next: {:?}",
        asked.labels()
    );
    let (_, card) = sokha.tap(&asked, "⏩").await;
    assert!(
        card.buttons.iter().flatten().any(|(_, d)| d == "r:P1.1:4"),
        "{:?}",
        card.buttons
    );
    let id = sokha.tap_data(card.id, "r:P1.1:4");
    sokha.answer(&id).await;
    sokha.reply().await;
    let profile = bot.engine.store().load_chat(601, 1).await.unwrap().profile;
    assert_eq!(
        profile.constituency,
        Some(dwcp_feedback::domain::Constituency::Workers)
    );

    // A link altered by hand names no campaign: a clear word, then the normal flow.
    let mut forged = code.start_payload();
    forged.replace_range(5..6, if &forged[5..6] == "A" { "B" } else { "A" });
    let vanna = fake.user(602, "Vanna", Some("en"));
    vanna.send_text(&format!("/start {forged}"));
    let welcome = vanna.reply().await;
    assert!(welcome.text.contains("not valid"), "{}", welcome.text);

    // The focal point follows progress: Sokha joined and has not finished.
    focal.send_text("/campaign");
    let list = focal.reply().await;
    assert!(
        list.text.contains("Joined 1") && list.text.contains("finished 0"),
        "{}",
        list.text
    );
    assert!(list.text.contains("Sokha"), "{}", list.text);
    let remind = list
        .buttons
        .iter()
        .flatten()
        .find(|(_, d)| d.starts_with("cr:"))
        .expect("a remind button")
        .1
        .clone();

    // Another organisation's focal point cannot see or remind them, even with a forged button.
    let employer = fake.user(EMPLOYER_FOCAL, "Chan", Some("en"));
    employer.send_text("/campaign");
    let theirs = employer.reply().await;
    assert!(!theirs.text.contains("Sokha"), "{}", theirs.text);
    let send = remind.replace("cr:", "cs:");
    let id = employer.tap_data(theirs.id, &send);
    assert_eq!(
        employer.answer(&id).await.as_deref(),
        Some("This is another organisation's campaign")
    );
    assert!(
        sokha.silence(Duration::from_millis(500)).await,
        "no reminder from a stranger"
    );
    // Nor turn its automatic reminders off.
    let campaign_id: i64 = remind.trim_start_matches("cr:").parse().unwrap();
    let id = employer.tap_data(theirs.id, &format!("ca:{campaign_id}:n"));
    assert_eq!(
        employer.answer(&id).await.as_deref(),
        Some("This is another organisation's campaign")
    );
    let auto = |bot: &support::harness::Bot| {
        let store = bot.engine.store().clone();
        async move {
            store
                .campaign(campaign_id)
                .await
                .unwrap()
                .unwrap()
                .auto_remind
        }
    };
    assert!(auto(&bot).await, "still on");
    // Its own focal point can: the button says how it stands.
    let (_, off) = focal.tap(&list, "Auto-reminders: on").await;
    assert!(
        off.button("Auto-reminders: off").is_some(),
        "{:?}",
        off.labels()
    );
    assert!(!auto(&bot).await);
    let (_, on) = focal.tap(&off, "Auto-reminders: off").await;
    assert!(on.button("Auto-reminders: on").is_some());
    assert!(auto(&bot).await);

    // The union's focal point reminds: a preview, then the reminder reaches Sokha once, even
    // when the confirmation is tapped twice.
    let id = focal.tap_data(list.id, &remind);
    focal.answer(&id).await;
    let confirm = focal.reply().await;
    assert!(confirm.text.contains('1'), "{}", confirm.text);
    let first = focal.tap_on(&confirm, "🔔");
    let second = focal.tap_on(&confirm, "🔔");
    assert_eq!(focal.answer(&first).await.as_deref(), Some("⏳ Sending…"));
    assert_eq!(
        focal.answer(&second).await.as_deref(),
        Some("✓ Already done with your first tap")
    );
    let reminder = sokha.reply().await;
    assert!(
        reminder.text.contains("Garment workers' voice <2027>"),
        "{}",
        reminder.text
    );
    let (_, url) = &reminder.buttons[0][0];
    assert_eq!(
        url,
        &code.link(BOT_USERNAME),
        "the button continues the campaign"
    );
    assert!(
        sokha.silence(Duration::from_secs(1)).await,
        "exactly one reminder"
    );

    // Someone who is not a coordinator is refused.
    vanna.send_text("/campaign");
    let refused = vanna.reply().await;
    assert!(!refused.text.contains("Sokha"));
    assert_telegram_happy(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_campaign_says_so_and_the_member_goes_on_as_usual() {
    let fake = FakeTelegram::start().await;
    let (_dir, url) = database();
    let store = with_plan(&url).await;
    let code = CampaignCode::generate().unwrap();
    store
        .create_campaign(
            &NewCampaign {
                code: code.clone(),
                org_code: "CCAWDU".into(),
                title: "Last year".into(),
                activities: vec![ActivityCode::parse("P2.1").unwrap()],
                plan_version: 1,
                deadline: Utc::now() - chrono::Duration::days(1),
                auto_remind: false,
            },
            Actor::User(UNION_FOCAL),
            Utc::now(),
        )
        .await
        .unwrap();
    let _bot = start(&fake, &url, None).await;
    let member = fake.user(603, "Rith", Some("en"));
    member.send_text(&format!("/start {}", code.start_payload()));
    let welcome = member.reply().await;
    assert!(welcome.text.contains("expired"), "{}", welcome.text);
    let (_, asked) = member.tap(&welcome, "✅").await;
    assert!(
        asked
            .buttons
            .iter()
            .flatten()
            .any(|(_, d)| d.starts_with("k:")),
        "no organisation taken from an expired campaign: {:?}",
        asked.labels()
    );
}

/// The bot's clock, fixed at a moment chosen by the test.
struct At(chrono::DateTime<Utc>);

impl dwcp_feedback::Clock for At {
    fn now(&self) -> chrono::DateTime<Utc> {
        self.0
    }
}

/// Three days before the deadline, in the daytime in Phnom Penh, members who joined and have
/// not finished get one reminder, and only one, however often the bot restarts; those who
/// finished or turned reminders off get none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automatic_reminders_go_once_in_the_daytime_to_who_has_not_finished() {
    use dwcp_feedback::conversation::{Effect, State};
    use dwcp_feedback::domain::{Lang, Rating};
    use dwcp_feedback::store::StepWrite;
    // 10:00 in Phnom Penh, 2 days 14 hours before a deadline at midnight.
    let now = Utc.with_ymd_and_hms(2027, 1, 29, 3, 0, 0).unwrap();
    let deadline = Utc.with_ymd_and_hms(2027, 1, 31, 17, 0, 0).unwrap();
    let fake = FakeTelegram::start().await;
    let (_dir, url) = database();
    let store = with_plan(&url).await;
    let p11 = ActivityCode::parse("P1.1").unwrap();
    let campaign = store
        .create_campaign(
            &NewCampaign {
                code: CampaignCode::generate().unwrap(),
                org_code: "CCAWDU".into(),
                title: "Before the tripartite meeting".into(),
                activities: vec![p11.clone()],
                plan_version: 1,
                deadline,
                auto_remind: true,
            },
            Actor::User(UNION_FOCAL),
            now,
        )
        .await
        .unwrap();
    // 801 has not rated; 802 finished; 803 has not, but turned reminders off.
    for (member, effects) in [
        (801, vec![]),
        (
            802,
            vec![Effect::Rate {
                code: p11.clone(),
                rating: Rating::new(5).unwrap(),
            }],
        ),
        (803, vec![Effect::SetReminders(false)]),
    ] {
        let mut all = vec![
            Effect::SetLang(Lang::En),
            Effect::GiveConsent,
            support::harness::member_of("CCAWDU"),
            Effect::JoinCampaign(campaign.id),
        ];
        all.extend(effects);
        store
            .apply(StepWrite {
                chat_id: member,
                state: &State::Menu,
                effects: &all,
                plan_version: 1,
                update_id: None,
                first_name: None,
                now,
            })
            .await
            .unwrap();
    }
    store
        .add_coordinator("CCAWDU", UNION_FOCAL, Actor::Cli, now)
        .await
        .unwrap();
    let config = support::harness::config(&fake, &url, None);
    for _restart in 0..2 {
        let app = dwcp_feedback::app::App::build(&config, std::sync::Arc::new(At(now)))
            .await
            .unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(app.run_until(async move {
            let _ = stopped.await;
        }));
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let _ = stop.send(());
        running.await.unwrap().expect("the bot runs");
    }
    let got = |chat: i64| {
        fake.drain(chat)
            .into_iter()
            .filter(|e| matches!(e, support::fake_telegram::Event::Sent(_)))
            .count()
    };
    // The focal point is told once, in a message that ends with the tally.
    let told: Vec<_> = fake.drain(UNION_FOCAL);
    let texts: Vec<(bool, String)> = told
        .into_iter()
        .filter_map(|e| match e {
            support::fake_telegram::Event::Sent(m) => Some((true, m.text)),
            support::fake_telegram::Event::Edited(m) => Some((false, m.text)),
            _ => None,
        })
        .collect();
    assert_eq!(
        texts.iter().filter(|(sent, _)| *sent).count(),
        1,
        "{texts:?}"
    );
    // In Khmer: the focal point never chose a language.
    assert!(texts[0].1.starts_with("⏰ ការរំលឹកស្វ័យប្រវត្តិ"), "{texts:?}");
    assert!(
        texts.last().is_some_and(|(_, t)| t.contains("បានផ្ញើ ១")),
        "{texts:?}"
    );
    assert_eq!(got(801), 1, "one reminder, across two starts");
    assert_eq!(got(802), 0, "finished");
    assert_eq!(got(803), 0, "opted out");
}

/// An organisation the secretariat adds while the bot runs is in the workers' organisation
/// picker at once, and a member who joins its campaign belongs to it (so an announcement to
/// `org:BFTU` reaches them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organisation_added_while_the_bot_runs_is_pickable_and_its_campaign_fills_it_in() {
    use dwcp_feedback::domain::{Audience, Constituency, Org};
    let fake = FakeTelegram::start().await;
    let (_dir, url) = database();
    let store = with_plan(&url).await;
    let _bot = start(&fake, &url, None).await;
    // Someone who has been here before the organisation existed.
    let early = fake.user(610, "Vanna", Some("en"));
    early.send_text("/start");
    let welcome = early.reply().await;
    early.tap(&welcome, "✅").await;

    let bftu = Org {
        code: "BFTU".into(),
        abbr: "BFTU".into(),
        name_en: "Building Federation".into(),
        name_km: "សហព័ន្ធសំណង់".into(),
        constituency: Constituency::Workers,
        added: true,
    };
    assert!(store
        .add_organisation(&bftu, Actor::Cli, Utc::now())
        .await
        .unwrap());

    // The picker lists it now, on its last page, under the workers only.
    early.send_text("/settings");
    let settings = early.reply().await;
    let (_, sides) = early.tap(&settings, "You are from").await;
    let (_, mut picker) = early.tap(&sides, "Workers").await;
    while picker.button("BFTU").is_none() {
        picker = early.tap(&picker, "▶").await.1;
    }
    // The side and its organisation are the one answer changed: saved, back to the settings.
    let (_, settings) = early.tap(&picker, "BFTU").await;
    assert!(
        settings.text.contains("Building Federation (BFTU)"),
        "{}",
        settings.text
    );

    // A member who opens the federation's campaign link belongs to it after consent.
    let code = CampaignCode::generate().unwrap();
    store
        .create_campaign(
            &NewCampaign {
                code: code.clone(),
                org_code: "BFTU".into(),
                title: "Builders".into(),
                activities: vec![ActivityCode::parse("P3.1").unwrap()],
                plan_version: 1,
                deadline: Utc::now() + chrono::Duration::days(10),
                auto_remind: false,
            },
            Actor::Cli,
            Utc::now(),
        )
        .await
        .unwrap();
    let joiner = fake.user(611, "Kosal", Some("en"));
    joiner.send_text(&format!("/start {}", code.start_payload()));
    let welcome = joiner.reply().await;
    let (_, asked) = joiner.tap(&welcome, "✅").await;
    assert!(asked.text.contains("province"), "{}", asked.text);
    joiner.send_text("/settings");
    assert!(joiner
        .reply()
        .await
        .text
        .contains("Building Federation (BFTU)"));
    let mut reached: Vec<i64> = store
        .audience(&Audience::Organisation("BFTU".into()))
        .await
        .unwrap()
        .iter()
        .map(|r| r.chat_id)
        .collect();
    reached.sort_unstable();
    assert_eq!(reached, [610, 611]);
    assert_telegram_happy(&fake);
}

/// In the union's group the focal point posts the campaign card: one message whose button
/// opens the private chat on the campaign's link. Members typing /campaign there get nothing,
/// and a group flooding the bot with /start never pushes it past Telegram's group limit (the
/// fake answers 429 beyond 20 a minute, which `assert_telegram_happy` would catch).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_focal_point_posts_the_campaign_card_in_the_group_within_the_group_limit() {
    use support::fake_telegram::{Event, Limits};
    const GROUP: i64 = -100_777;
    let fake = FakeTelegram::start().await;
    fake.set_limits(Some(Limits::TELEGRAM));
    let (_dir, url) = database();
    let store = with_plan(&url).await;
    store
        .add_coordinator("CCAWDU", UNION_FOCAL, Actor::Cli, Utc::now())
        .await
        .unwrap();
    let code = CampaignCode::generate().unwrap();
    store
        .create_campaign(
            &NewCampaign {
                code: code.clone(),
                org_code: "CCAWDU".into(),
                title: "Garment workers' voice".into(),
                activities: vec![ActivityCode::parse("P1.1").unwrap()],
                plan_version: 1,
                deadline: Utc::now() + chrono::Duration::days(10),
                auto_remind: false,
            },
            Actor::User(UNION_FOCAL),
            Utc::now(),
        )
        .await
        .unwrap();
    let bot = start(&fake, &url, None).await;
    let focal = fake.user(UNION_FOCAL, "Dara", Some("km"));
    let member = fake.user(620, "Srey", Some("km"));
    let from_focal = fake.group(GROUP, "C.CAWDU members", &focal);
    let from_member = fake.group(GROUP, "C.CAWDU members", &member);

    from_focal.send_text("/campaign@dwcp_test_bot");
    let card = from_focal.reply().await;
    assert!(
        card.text.contains("Garment workers' voice"),
        "{}",
        card.text
    );
    assert!(
        card.text.contains("សមាជិក") && card.text.contains("private chat"),
        "both languages: {}",
        card.text
    );
    let (_, link) = card
        .button("Garment")
        .expect("the campaign's button")
        .clone();
    assert_eq!(link, code.link(BOT_USERNAME));

    from_member.send_text("/campaign");
    assert!(
        from_member.silence(Duration::from_millis(400)).await,
        "members get no answer to /campaign in the group"
    );
    // A command for another bot in the same group is not ours to answer.
    from_focal.send_text("/campaign@another_bot");
    assert!(from_focal.silence(Duration::from_millis(400)).await);

    for _ in 0..25 {
        from_member.send_text("/start");
    }
    let mut replies = 1; // the card
    while let Some(event) = fake.next_event(GROUP, Duration::from_millis(1500)).await {
        if let Event::Sent(_) = event {
            replies += 1;
        }
    }
    assert_eq!(
        replies,
        dwcp_feedback::delivery::group_budget::GROUP_REPLIES_PER_MINUTE,
        "the group's budget, then quiet"
    );
    assert_eq!(bot.engine.store().rows_about(GROUP).await.unwrap(), 0);
    assert_telegram_happy(&fake);
}

/// The guided way: from /campaign, a button, a typed title, two taps, and the link comes back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_focal_point_makes_a_campaign_with_buttons() {
    let fake = FakeTelegram::start().await;
    let (_dir, url) = database();
    let store = with_plan(&url).await;
    store
        .add_coordinator("CAMFEBA", EMPLOYER_FOCAL, Actor::Cli, Utc::now())
        .await
        .unwrap();
    let _bot = start(&fake, &url, None).await;
    let focal = fake.user(EMPLOYER_FOCAL, "Lina", Some("en"));
    focal.send_text("/campaign");
    let list = focal.reply().await;
    let (_, title) = focal.tap(&list, "New campaign").await;
    assert!(title.text.contains("step 1 of 3"), "{}", title.text);
    focal.send_text("Employers & the plan");
    let scope = focal.reply().await;
    assert!(scope.text.contains("step 2 of 3"), "{}", scope.text);
    let (_, deadline) = focal.tap(&scope, "P2 ·").await;
    assert!(deadline.text.contains("step 3 of 3"), "{}", deadline.text);
    // The deadline tapped twice: one campaign.
    let first = focal.tap_on(&deadline, "14 days");
    let second = focal.tap_on(&deadline, "14 days");
    let notice = focal.answer(&first).await;
    assert_eq!(notice.as_deref(), Some("⏳ Making the campaign…"));
    assert!(
        focal.answer(&second).await.is_some(),
        "the second tap is answered"
    );
    let created = loop {
        let shown = focal.reply().await;
        if shown.text.contains("created") {
            break shown;
        }
    };
    assert!(
        created.text.contains("Employers & the plan"),
        "{}",
        created.text
    );
    let code = link_code(&created.text);
    let campaign = store.campaign_by_code(&code).await.unwrap().expect("made");
    assert_eq!(campaign.org_code, "CAMFEBA");
    assert!(campaign
        .activities
        .iter()
        .all(|a| a.as_str().starts_with("P2.")));
    let days = (campaign.deadline - Utc::now()).num_days();
    assert!((14..=15).contains(&days), "{days} days");
    let _forward = focal.reply().await;
    assert_eq!(
        store
            .open_campaigns(Utc::now(), Some("CAMFEBA"))
            .await
            .unwrap()
            .len(),
        1,
        "one campaign for two taps"
    );
    assert_telegram_happy(&fake);
}

/// The secretariat names a focal point from the bot: their menu gains /campaign at once and
/// they can run campaigns; removed, the menu and the right go again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_names_a_focal_point_from_the_bot_and_removes_them() {
    const ADMIN: i64 = 9001;
    const FOCAL: i64 = 7003;
    let fake = FakeTelegram::start().await;
    let (_dir, url) = database();
    let _store = with_plan(&url).await;
    let _bot = support::harness::start_with_admins(&fake, &url, None, &[ADMIN]).await;
    let admin = fake.user(ADMIN, "Secretariat", Some("en"));
    let focal = fake.user(FOCAL, "Dara", Some("en"));
    let menu_lists_campaign = |fake: &FakeTelegram| {
        let menus: Vec<_> = fake
            .commands()
            .into_iter()
            .filter(|c| c["scope"]["chat_id"].as_i64() == Some(FOCAL))
            .collect();
        menus.last().map(|m| {
            m["commands"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["command"] == "campaign")
        })
    };
    assert_eq!(menu_lists_campaign(&fake), None);

    admin.send_text("/focal add ccawdu 7003");
    let added = admin.reply().await;
    assert!(added.text.contains("focal point of"), "{}", added.text);
    // They never wrote to the bot: their menu comes when they first do.
    focal.send_text("/campaign");
    let list = focal.reply().await;
    assert!(list.button("New campaign").is_some(), "{:?}", list.labels());
    assert!(
        support::harness::menus_list(&fake, FOCAL, "campaign").await,
        "no focal menu"
    );
    admin.send_text("/focal");
    let all = admin.reply().await;
    assert!(
        all.text.contains("CCAWDU") && all.text.contains("7003"),
        "{}",
        all.text
    );

    admin.send_text("/focal remove 7003");
    let removed = admin.reply().await;
    assert!(removed.text.contains("no longer"), "{}", removed.text);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while menu_lists_campaign(&fake) != Some(false) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the focal menu stayed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    focal.send_text("/campaign");
    assert!(focal.reply().await.text.contains("focal point only"));
    assert_telegram_happy(&fake);
}

/// A focal point makes a campaign on priority 1 with the one-line command; its link's code.
async fn campaign_of(fake: &FakeTelegram, focal: i64, title: &str) -> CampaignCode {
    let focal = fake.user(focal, "Focal", Some("en"));
    focal.send_text(&format!("/campaign new 2099-01-31 P1 {title}"));
    let created = focal.reply().await;
    focal.reply().await; // the message to forward
    link_code(&created.text)
}

/// Who the database says a member's ratings were given as: (activity, constituency, org).
fn ratings_as(url: &str, member: i64) -> Vec<(String, Option<String>, Option<String>)> {
    let db = rusqlite::Connection::open(url.trim_start_matches("sqlite://")).unwrap();
    let mut q = db
        .prepare(
            "SELECT activity_code, constituency, org_code FROM ratings
             WHERE member_id = ?1 ORDER BY activity_code",
        )
        .unwrap();
    q.query_map([member], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_organisations_link_asks_before_it_moves_a_member_and_keeps_past_ratings() {
    let fake = FakeTelegram::start().await;
    let (_dir, url) = database();
    let store = with_plan(&url).await;
    for (org, focal) in [("CCAWDU", UNION_FOCAL), ("CAMFEBA", EMPLOYER_FOCAL)] {
        store
            .add_coordinator(org, focal, Actor::Cli, Utc::now())
            .await
            .unwrap();
    }
    let bot = start(&fake, &url, None).await;
    let union = campaign_of(&fake, UNION_FOCAL, "Union poll").await;
    let employers = campaign_of(&fake, EMPLOYER_FOCAL, "Employers poll").await;

    // A union member joins by their union's link and rates.
    let sokha = fake.user(601, "Sokha", Some("en"));
    sokha.send_text(&format!("/start {}", union.start_payload()));
    let welcome = sokha.reply().await;
    let (_, asked) = sokha.tap(&welcome, "✅").await;
    let (_, card) = sokha.tap(&asked, "⏩").await;
    let id = sokha.tap_data(card.id, "r:P1.1:4");
    sokha.answer(&id).await;
    sokha.reply().await;
    let before = bot.engine.store().load_chat(601, 1).await.unwrap().profile;
    assert_eq!(
        ratings_as(&url, 601),
        [("P1.1".into(), Some("W".into()), Some("CCAWDU".into()))]
    );

    // The employers' link: a question, and nothing changed until it is answered.
    sokha.send_text(&format!("/start {}", employers.start_payload()));
    let question = sokha.reply().await;
    assert!(
        question.text.contains("Employers poll"),
        "{}",
        question.text
    );
    assert!(question.text.contains("C.CAWDU"), "{}", question.text);
    assert!(question.text.contains("CAMFEBA"), "{}", question.text);
    assert!(
        question.labels()[0].starts_with("✓ Stay with"),
        "{:?}",
        question.labels()
    );
    assert_eq!(
        bot.engine.store().load_chat(601, 1).await.unwrap().profile,
        before
    );
    // Keeping (the first button): still a union member, and the campaign works for them.
    let (_, card) = sokha.tap(&question, "Stay with").await;
    assert!(card.text.contains("profile stays"), "{}", card.text);
    assert!(
        card.buttons
            .iter()
            .flatten()
            .any(|(_, d)| d.starts_with("r:P1.")),
        "the campaign's next activity: {:?}",
        card.buttons
    );
    assert_eq!(
        bot.engine.store().load_chat(601, 1).await.unwrap().profile,
        before
    );
    // She opened the employers' link and stayed a union member: not the employers' to see.
    let employer = fake.user(EMPLOYER_FOCAL, "Chan", Some("en"));
    employer.send_text("/campaign");
    let progress = employer.reply().await;
    assert!(progress.text.contains("Joined 0"), "{}", progress.text);

    // Switching, the second time: the profile moves, the earlier rating stays the union's.
    sokha.send_text(&format!("/start {}", employers.start_payload()));
    let question = sokha.reply().await;
    let (_, card) = sokha.tap(&question, "Switch to").await;
    assert!(
        card.text.contains("count for the new organisation"),
        "{}",
        card.text
    );
    let after = bot.engine.store().load_chat(601, 1).await.unwrap().profile;
    assert_eq!(after.constituency, Some(Constituency::Employers));
    let id = sokha.tap_data(card.id, "r:P1.2:5");
    sokha.answer(&id).await;
    sokha.reply().await;
    assert_eq!(
        ratings_as(&url, 601),
        [
            ("P1.1".into(), Some("W".into()), Some("CCAWDU".into())),
            ("P1.2".into(), Some("E".into()), Some("CAMFEBA".into())),
        ]
    );
    assert_telegram_happy(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_who_declines_is_kept_nowhere_and_can_be_forgotten_before_agreeing() {
    let fake = FakeTelegram::start().await;
    let (_dir, url) = database();
    let store = with_plan(&url).await;
    store
        .add_coordinator("CCAWDU", UNION_FOCAL, Actor::Cli, Utc::now())
        .await
        .unwrap();
    let bot = start(&fake, &url, None).await;
    let code = campaign_of(&fake, UNION_FOCAL, "Union poll").await;

    let kosal = fake.user(611, "Kosal", Some("en"));
    kosal.send_text(&format!("/start {}", code.start_payload()));
    let welcome = kosal.reply().await;
    let id = kosal.tap_data(welcome.id, "c:n");
    kosal.answer(&id).await;
    kosal.reply().await;
    kosal.send_text(&format!("/start {}", code.start_payload()));
    kosal.reply().await;

    let focal = fake.user(UNION_FOCAL, "Dara", Some("en"));
    focal.send_text("/campaign");
    let list = focal.reply().await;
    assert!(list.text.contains("Joined 0"), "{}", list.text);
    assert!(!list.text.contains("Kosal"), "{}", list.text);
    let db = rusqlite::Connection::open(url.trim_start_matches("sqlite://")).unwrap();
    let (memberships, named): (i64, i64) = db
        .query_row(
            "SELECT (SELECT count(*) FROM campaign_members WHERE member_id = 611),
                    (SELECT count(*) FROM chats WHERE first_name IS NOT NULL AND chat_id = 611)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((memberships, named), (0, 0), "no membership, no name");

    // /forget before agreeing to anything: the refusal goes too.
    kosal.send_text("/forget");
    let confirm = kosal.reply().await;
    let (_, done) = kosal.tap(&confirm, "Yes").await;
    assert!(
        done.text.contains("erased") || done.text.contains("deleted"),
        "{}",
        done.text
    );
    assert_eq!(bot.engine.store().rows_about(611).await.unwrap(), 0);

    // Someone who agrees after opening the link joins then, with their name.
    let vanna = fake.user(612, "Vanna", Some("en"));
    vanna.send_text(&format!("/start {}", code.start_payload()));
    let welcome = vanna.reply().await;
    vanna.tap(&welcome, "✅").await;
    focal.send_text("/campaign");
    let list = focal.reply().await;
    assert!(list.text.contains("Joined 1"), "{}", list.text);
    assert!(list.text.contains("Vanna"), "{}", list.text);
    assert_telegram_happy(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_campaign_link_of_the_same_organisation_joins_that_campaign() {
    let fake = FakeTelegram::start().await;
    let (_dir, url) = database();
    let store = with_plan(&url).await;
    store
        .add_coordinator("CCAWDU", UNION_FOCAL, Actor::Cli, Utc::now())
        .await
        .unwrap();
    let _bot = start(&fake, &url, None).await;
    let first = campaign_of(&fake, UNION_FOCAL, "First poll").await;
    let second = campaign_of(&fake, UNION_FOCAL, "Second poll").await;
    let sokha = fake.user(601, "Sokha", Some("en"));
    sokha.send_text(&format!("/start {}", first.start_payload()));
    let welcome = sokha.reply().await;
    let (_, asked) = sokha.tap(&welcome, "✅").await;
    sokha.tap(&asked, "⏩").await;
    sokha.send_text(&format!("/start {}", second.start_payload()));
    let card = sokha.reply().await;
    assert!(card.text.contains("joined"), "{}", card.text);
    let focal = fake.user(UNION_FOCAL, "Dara", Some("en"));
    focal.send_text("/campaign");
    let list = focal.reply().await;
    for title in ["First poll", "Second poll"] {
        let item = list
            .text
            .split(title)
            .nth(1)
            .expect("both campaigns listed");
        let counts = item.lines().nth(1).unwrap_or_default();
        assert!(counts.starts_with("Joined 1"), "{title}: {}", list.text);
    }
    assert_telegram_happy(&fake);
}

/// Three organisations share the bot and nobody sees another's members. Members cross each
/// other's links: one stays with her union, an employer never answers the switch question, one
/// declines the privacy notice, one switches, and an old switch question is tapped late. Each
/// focal point's list, tally and reminder cover only the members whose profile is with their
/// organisation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_organisation_sees_and_reminds_only_its_own_members_whatever_links_they_open() {
    const CLC_FOCAL: i64 = 7003;
    let fake = FakeTelegram::start().await;
    let (_dir, url) = database();
    let focal = [
        ("CCAWDU", UNION_FOCAL),
        ("CLC", CLC_FOCAL),
        ("CAMFEBA", EMPLOYER_FOCAL),
    ];
    support::harness::with_focal_points(&url, &focal).await;
    let bot = start(&fake, &url, None).await;
    let campaign_of = |focal_id: i64, name: &'static str| {
        let fake = &fake;
        async move {
            let focal = fake.user(focal_id, name, Some("en"));
            focal.send_text("/campaign new 2099-01-31 P1.1,P1.2 Before the workshop");
            let created = focal.reply().await;
            focal.reply().await; // the message to forward
            (focal, link_code(&created.text))
        }
    };
    let (ccawdu, ccawdu_link) = campaign_of(UNION_FOCAL, "Dara").await;
    let (clc, clc_link) = campaign_of(CLC_FOCAL, "Chea").await;
    let open = |user: &support::fake_telegram::FakeUser, link: &CampaignCode| {
        user.send_text(&format!("/start {}", link.start_payload()));
    };
    // Through a link from the welcome: agree, skip the rest, on the campaign's first card.
    let join = |user: support::fake_telegram::FakeUser, link: CampaignCode| async move {
        open(&user, &link);
        let welcome = user.reply().await;
        let (_, asked) = user.tap(&welcome, "I agree").await;
        let (_, card) = user.tap(&asked, "Skip the rest").await;
        (user, card)
    };

    // Bopha joins C.CAWDU's campaign and rates one activity; then opens CLC's link and stays.
    let (bopha, card) = join(fake.user(801, "Bopha", Some("en")), ccawdu_link.clone()).await;
    support::harness::rate(&bopha, &card, "P1.1", 4).await;
    open(&bopha, &clc_link);
    let bopha_question = bopha.reply().await;
    let (_, _) = bopha.tap(&bopha_question, "Stay with").await;
    // Vanna joins C.CAWDU's, then switches to CLC; she keeps the old question to tap later.
    let (vanna, _) = join(fake.user(802, "Vanna", Some("en")), ccawdu_link.clone()).await;
    open(&vanna, &clc_link);
    let vanna_question = vanna.reply().await;
    let (_, _) = vanna.tap(&vanna_question, "Switch to").await;
    // Emma speaks for employers, opens CLC's link and never answers the question.
    let emma = fake.user(803, "Emma", Some("en"));
    emma.send_text("/start");
    let welcome = emma.reply().await;
    let (_, asked) = emma.tap(&welcome, "I agree").await;
    let (_, asked) = emma.tap(&asked, "Employers").await;
    emma.tap(&asked, "Skip the rest").await;
    open(&emma, &clc_link);
    let emma_question = emma.reply().await;
    assert!(emma_question.text.contains("CLC"), "{}", emma_question.text);
    // Sok opens CLC's link and declines the privacy notice.
    let sok = fake.user(804, "Sok", Some("en"));
    open(&sok, &clc_link);
    let welcome = sok.reply().await;
    sok.tap(&welcome, "No, thanks").await;
    // Bopha's old question from CLC, tapped late after she opened C.CAWDU's link again:
    // the question is out of date and she stays where she is.
    open(&bopha, &ccawdu_link);
    bopha.reply().await;
    let switch = bopha_question
        .button("Switch to")
        .expect("the question's switch button")
        .1
        .clone();
    let late = bopha.tap_data(bopha_question.id, &switch);
    assert_eq!(
        bopha.answer(&late).await.as_deref(),
        Some("This button is out of date")
    );
    bopha.reply().await;
    assert_eq!(profile_org(&bot, 801).await, "CCAWDU");
    assert_eq!(profile_org(&bot, 802).await, "CLC");

    // CLC sees Vanna only: not Bopha (stayed with C.CAWDU), not Emma (an employer who never
    // answered), not Sok (declined).
    clc.send_text("/campaign");
    let list = clc.reply().await;
    assert!(list.text.contains("Joined 1"), "{}", list.text);
    assert!(list.text.contains("Vanna"), "{}", list.text);
    for other in ["Bopha", "Emma", "Sok"] {
        assert!(!list.text.contains(other), "{other}: {}", list.text);
    }
    // C.CAWDU sees Bopha, not Vanna who moved to CLC; Bopha's rating is in its tally.
    ccawdu.send_text("/campaign");
    let list = ccawdu.reply().await;
    assert!(list.text.contains("Joined 1"), "{}", list.text);
    assert!(
        list.text.contains("Bopha") && !list.text.contains("Vanna"),
        "{}",
        list.text
    );
    assert!(list.text.contains("P1.1 ⭐1"), "{}", list.text);

    // CLC's reminder reaches Vanna and nobody else.
    let clc_list = {
        clc.send_text("/campaign");
        clc.reply().await
    };
    let (_, confirm) = clc.tap(&clc_list, "Remind").await;
    assert!(
        confirm.text.contains("<b>1</b>") || confirm.text.contains(" 1 "),
        "{}",
        confirm.text
    );
    clc.tap(&confirm, "Send the reminder").await;
    let reminded = |user: &support::fake_telegram::FakeUser| {
        let fake = &fake;
        let id = user.id;
        async move {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            fake.drain(id)
                .into_iter()
                .filter(|e| matches!(e, support::fake_telegram::Event::Sent(m) if m.text.contains("reminder from")))
                .count()
        }
    };
    assert_eq!(reminded(&vanna).await, 1);
    for other in [&bopha, &emma, &sok] {
        assert_eq!(reminded(other).await, 0, "{}", other.id);
    }
    let _ = (vanna_question, emma_question);
    assert_telegram_happy(&fake);
}

/// The organisation code a member's profile speaks for.
async fn profile_org(bot: &support::harness::Bot, member: i64) -> String {
    match bot
        .engine
        .store()
        .load_chat(member, 1)
        .await
        .unwrap()
        .profile
        .organisation
    {
        Some(dwcp_feedback::domain::OrgChoice::Known(org)) => org.code,
        other => format!("{other:?}"),
    }
}

/// `/campaign new …` sent twice (a double send, a slow network) makes one campaign: the second
/// says it is the one made a moment ago, with the same link.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_campaign_command_twice_makes_one_campaign() {
    let fake = FakeTelegram::start().await;
    let (_dir, url) = database();
    support::harness::with_focal_points(&url, &[("CCAWDU", UNION_FOCAL)]).await;
    let bot = start(&fake, &url, None).await;
    let focal = fake.user(UNION_FOCAL, "Dara", Some("en"));
    focal.send_text("/campaign new 2099-01-31 P1 Our voice");
    let first = focal.reply().await;
    focal.reply().await; // to forward
    focal.send_text("/campaign new 2099-01-31 P1 Our voice");
    let second = focal.reply().await;
    assert!(second.text.contains("a moment ago"), "{}", second.text);
    assert_eq!(link_code(&first.text), link_code(&second.text));
    let campaigns = bot
        .engine
        .store()
        .campaign_progress("CCAWDU")
        .await
        .unwrap();
    assert_eq!(campaigns.len(), 1);
    assert_telegram_happy(&fake);
}
