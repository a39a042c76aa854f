//! The secretariat's work from Telegram, through the real bot and the fake Bot API: the
//! summary with its chart, exports and the plan sheet as documents, plan files imported from
//! an upload, the window and admins, and members refused all of it.

use crate::support;

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use support::fake_telegram::{FakeTelegram, FakeUser};
use support::harness::{assert_telegram_happy, database, onboard, rate, start_with_admins};

const ADMIN: i64 = 900;

async fn admin_and_member(fake: &FakeTelegram, lang: &str) -> (FakeUser, FakeUser) {
    let member = fake.user(501, "Sokha", Some("km"));
    let card = onboard(&member).await;
    rate(&member, &card, "P1.1", 2).await;
    let admin = fake.user(ADMIN, "Secretariat", Some(lang));
    (admin, member)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_summary_comes_with_a_chart_picture() {
    let fake = FakeTelegram::start().await;
    let (_dir, url) = database();
    let _bot = start_with_admins(&fake, &url, None, &[ADMIN]).await;
    let (admin, _member) = admin_and_member(&fake, "km").await;
    // Named before they ever wrote to the bot, the admin has no chat with it yet, so no menu
    // of their own (Telegram would answer "chat not found")…
    assert!(fake
        .commands()
        .iter()
        .all(|c| c["scope"]["chat_id"].as_i64() != Some(ADMIN)));
    admin.send_text("/summary");
    let summary = admin.reply().await;
    // …and gets it, in both languages, when they first write.
    assert!(support::harness::menus_list(&fake, ADMIN, "summary").await);
    assert!(summary.text.contains("សេចក្តីសង្ខេប"), "{}", summary.text);
    let chart = admin.file().await;
    assert_eq!(chart.method, "sendphoto");
    assert!(chart.bytes.starts_with(b"\x89PNG"), "a PNG");
    assert!(chart.caption.contains("ពិន្ទុមធ្យម"), "{}", chart.caption);
    assert_telegram_happy(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_gets_the_export_as_a_file_with_progress() {
    let fake = FakeTelegram::start().await;
    let (_dir, url) = database();
    let bot = start_with_admins(&fake, &url, None, &[ADMIN]).await;
    let (admin, _member) = admin_and_member(&fake, "en").await;
    admin.send_text("/export");
    let choose = admin.reply().await;
    let (notice, progress) = admin.tap(&choose, "XLSX").await;
    assert_eq!(notice.as_deref(), Some("⏳ Preparing the file…"));
    assert!(
        progress.text.contains("Building the XLSX export"),
        "{}",
        progress.text
    );
    let file = admin.file().await;
    assert!(file.file_name.ends_with(".xlsx"), "{}", file.file_name);
    assert!(file.caption.contains("1 rating on"), "{}", file.caption);
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(file.bytes)).unwrap();
    let ratings = book.worksheet_range("Ratings").unwrap();
    let rows: Vec<_> = ratings.rows().skip(1).collect();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].contains(&Data::String("P1.1".into())));
    let done = admin.reply().await;
    assert_eq!(done.id, progress.id, "the progress message is edited");
    assert!(
        done.text.contains("Export sent: 1 rating."),
        "{}",
        done.text
    );
    // Another format on the same menu: its file comes too.
    let (notice, progress) = admin.tap(&choose, "CSV").await;
    assert_eq!(notice.as_deref(), Some("⏳ Preparing the file…"));
    assert!(progress.text.contains("CSV"), "{}", progress.text);
    let csv = admin.file().await;
    assert!(csv.file_name.ends_with(".csv"), "{}", csv.file_name);
    admin.reply().await; // "Export sent"
                         // A format tapped again: each acts once on a menu; /export asks anew.
    let again = admin.tap_on(&choose, "XLSX");
    assert_eq!(
        admin.answer(&again).await.as_deref(),
        Some("✓ Already done with your first tap")
    );
    assert!(
        admin.silence(std::time::Duration::from_millis(500)).await,
        "no second file"
    );
    let audit = bot.engine.store().audit_log().await.unwrap();
    assert!(audit
        .iter()
        .any(|e| e.actor == Some(ADMIN) && e.action == "export"));
    assert_telegram_happy(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plan_sheet_goes_out_and_comes_back_as_a_new_plan() {
    let fake = FakeTelegram::start().await;
    let (_dir, url) = database();
    let bot = start_with_admins(&fake, &url, None, &[ADMIN]).await;
    let (admin, member) = admin_and_member(&fake, "en").await;
    admin.send_text("/template");
    let sheet = admin.file().await;
    assert!(sheet.file_name.ends_with(".xlsx"));

    // Sent back unchanged, it is recognised: no new version.
    admin.send_document(&sheet.file_name, &sheet.bytes);
    admin.reply().await; // checking…
    let same = admin.reply().await;
    assert!(
        same.text
            .contains("holds the active plan as it is (version 1)"),
        "{}",
        same.text
    );
    // Edited in Excel (another activity's title), it becomes version 2.
    let mut edited = dwcp_feedback::plan_io::default_plan();
    edited.activities[1].title.en = "Reworded in Excel".into();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(&sheet.file_name);
    dwcp_feedback::plan_io::write_xlsx_template(&path, Some(&edited)).unwrap();
    admin.send_document(&sheet.file_name, &std::fs::read(&path).unwrap());
    let checking = admin.reply().await;
    assert!(checking.text.contains("Checking"), "{}", checking.text);
    let done = admin.reply().await;
    assert!(
        done.text
            .contains("Plan version 2 is now active. Activities: 15 · ratings carried over from unchanged activities: 1"),
        "{}",
        done.text
    );
    assert_eq!(
        bot.engine.store().current_ratings(2).await.unwrap().len(),
        1
    );
    member.send_text("/menu");
    assert!(
        member.reply().await.text.contains("១"),
        "the member's rating followed"
    );
    assert_telegram_happy(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_upload_is_explained_in_the_admins_language_and_changes_nothing() {
    let fake = FakeTelegram::start().await;
    let (_dir, url) = database();
    let bot = start_with_admins(&fake, &url, None, &[ADMIN]).await;
    let (admin, _member) = admin_and_member(&fake, "km").await;
    let mut csv = Vec::new();
    dwcp_feedback::plan_io::write_csv_template(
        &mut csv,
        Some(&dwcp_feedback::plan_io::default_plan()),
    )
    .unwrap();
    let broken = String::from_utf8(csv)
        .unwrap()
        .replacen(",2026Q1-2027Q4\n", ",soon\n", 1)
        .replacen(",P1.2,", ",P1.1,", 1);
    admin.send_document("plan <v2>.csv", broken.as_bytes());
    admin.reply().await; // checking…
    let report = admin.reply().await;
    assert!(
        report.html.contains("plan &lt;v2&gt;.csv"),
        "the name is escaped: {}",
        report.html
    );
    assert!(report.text.contains("មានបញ្ហា ២"), "{}", report.text);
    assert!(
        report.text.contains("ជួរដេកទី ២៣, timeframe"),
        "{}",
        report.text
    );
    assert!(
        report
            .text
            .contains("ជួរដេកទី ២៤, code: កូដ P1.1 ត្រូវបានប្រើពីរដង"),
        "{}",
        report.text
    );
    assert_eq!(
        bot.engine
            .store()
            .active_plan()
            .await
            .unwrap()
            .unwrap()
            .version,
        1,
        "nothing imported"
    );
    assert_telegram_happy(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_and_admins_are_managed_from_the_bot_and_members_are_refused() {
    let fake = FakeTelegram::start().await;
    let (_dir, url) = database();
    let bot = start_with_admins(&fake, &url, None, &[ADMIN]).await;
    let (admin, member) = admin_and_member(&fake, "en").await;

    for command in ["/export", "/template", "/window close", "/admin add 501"] {
        member.send_text(command);
        let refused = member.reply().await;
        assert!(
            refused.text.contains("លេខាធិការដ្ឋាន"),
            "{command}: {}",
            refused.text
        );
    }
    member.send_document("plan.xlsx", b"PK\x03\x04 whatever");
    let hint = member.reply().await;
    assert!(!hint.text.contains("Checking"), "{}", hint.text);
    assert!(member.silence(std::time::Duration::from_millis(300)).await);
    let store = bot.engine.store();
    assert!(store.window().await.unwrap().open);
    assert!(!store.is_admin(501).await.unwrap());

    admin.send_text("/window");
    let window = admin.reply().await;
    assert!(window.text.contains("open"), "{}", window.text);
    let (_, closed) = admin.tap(&window, "Close the consultation").await;
    assert!(closed.text.contains("closed"), "{}", closed.text);
    assert!(!store.window().await.unwrap().open);

    admin.send_text("/admin add 501");
    assert!(admin
        .reply()
        .await
        .text
        .contains("501 is now a secretariat admin"));
    assert!(store.is_admin(501).await.unwrap());
    let audit: Vec<_> = store
        .audit_log()
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.actor, e.action))
        .collect();
    assert!(audit.contains(&(Some(ADMIN), "window".to_string())));
    assert!(audit.contains(&(Some(ADMIN), "admin-add".to_string())));
    assert_telegram_happy(&fake);
}

/// A secretariat day with two organisations' focal points: the window opened with an end
/// date, campaigns made and answered, an announcement whose older preview is tapped after a
/// newer draft, two formats from one export menu, the summary with its chart, and a reminder
/// refused once the consultation is closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secretariat_day_with_two_organisations() {
    const UNION: i64 = 7101;
    const EMPLOYERS: i64 = 7102;
    let fake = FakeTelegram::start().await;
    let (_dir, url) = database();
    support::harness::with_focal_points(&url, &[("CCAWDU", UNION), ("CAMFEBA", EMPLOYERS)]).await;
    let _bot = start_with_admins(&fake, &url, None, &[ADMIN]).await;
    let admin = fake.user(ADMIN, "Secretariat", Some("en"));

    // The window, with an end date; tapped twice, the close acts once.
    admin.send_text("/window open 2099-03-31");
    let window = admin.reply().await;
    assert!(window.text.contains("open until"), "{}", window.text);
    assert!(
        !window.text.contains("To set an end date"),
        "{}",
        window.text
    );
    // Focal points named before they wrote to the bot are listed so.
    admin.send_text("/focal");
    let focal = admin.reply().await;
    assert!(
        focal.text.contains("not yet opened the bot"),
        "{}",
        focal.text
    );

    // Each organisation polls its members: two union members, one employer.
    let mut links = Vec::new();
    for (id, name) in [(UNION, "Dara"), (EMPLOYERS, "Chan")] {
        let f = fake.user(id, name, Some("en"));
        f.send_text("/campaign new 2099-01-31 P1 Our members' voice");
        let created = f.reply().await;
        f.reply().await;
        let start = created.text.find("start=").unwrap() + "start=".len();
        let payload: String = created.text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        links.push((f, payload));
    }
    for (member, link) in [(601, 0), (602, 0), (603, 1)] {
        let m = fake.user(member, "Member", Some("en"));
        m.send_text(&format!("/start {}", links[link].1));
        let welcome = m.reply().await;
        let (_, asked) = m.tap(&welcome, "I agree").await;
        let (_, card) = m.tap(&asked, "Skip the rest").await;
        rate(&m, &card, "P1.1", 3).await;
    }

    // An announcement to the union's members: the older preview's Send, tapped after a newer
    // draft, sends nothing; the newer one goes to the two of them only.
    admin.send_text("/announce org:ccawdu");
    admin.reply().await;
    admin.send_text("Meeting on Friday");
    let old = admin.reply().await;
    assert!(old.text.contains("2 members"), "{}", old.text);
    let (_, asked) = admin.tap(&old, "Change the text").await;
    let _ = asked;
    admin.send_text("Meeting on Saturday");
    let newer = admin.reply().await;
    let stale = admin.tap_on(&old, "Send to");
    assert_eq!(
        admin.answer(&stale).await.as_deref(),
        Some("This preview is out of date: use the newest one")
    );
    let (_, queued) = admin.tap(&newer, "Send to").await;
    assert!(queued.text.contains("2 members"), "{}", queued.text);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let told = |id: i64| {
        fake.drain(id)
            .into_iter()
            .filter(|e| matches!(e, support::fake_telegram::Event::Sent(m) if m.text.contains("Saturday")))
            .count()
    };
    assert_eq!((told(601), told(602), told(603)), (1, 1, 0));
    assert_eq!(
        fake.drain(601)
            .iter()
            .filter(
                |e| matches!(e, support::fake_telegram::Event::Sent(m) if m.text.contains("Friday"))
            )
            .count(),
        0
    );

    // Two formats from one export menu, and the summary's chart meanwhile.
    fake.drain(ADMIN); // the announcement's progress and tally
    admin.send_text("/export");
    let menu = admin.reply().await;
    for format in ["XLSX", "CSV"] {
        let tap = admin.tap_on(&menu, format);
        assert_eq!(
            admin.answer(&tap).await.as_deref(),
            Some("⏳ Preparing the file…")
        );
    }
    admin.send_text("/summary");
    let mut files = Vec::new();
    while files.len() < 3 {
        let file = admin.file().await;
        files.push(file.file_name.clone());
    }
    assert!(files.iter().any(|f| f.ends_with(".xlsx")), "{files:?}");
    assert!(files.iter().any(|f| f.ends_with(".csv")), "{files:?}");
    assert!(files.iter().any(|f| f.ends_with(".png")), "{files:?}");

    // The consultation closes: the union's reminder is refused, clearly.
    admin.send_text("/window close");
    admin.reply().await;
    let (union, _) = &links[0];
    union.send_text("/campaign");
    let list = union.reply().await;
    let (_, answer) = union.tap(&list, "Remind").await;
    assert!(
        answer.text.contains("consultation is closed"),
        "{}",
        answer.text
    );
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(
        !fake.drain(601).iter().any(
            |e| matches!(e, support::fake_telegram::Event::Sent(m) if m.text.contains("reminder"))
        ),
        "no reminder while closed"
    );
    assert_telegram_happy(&fake);
}
