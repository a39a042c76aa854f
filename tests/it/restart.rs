//! The real binary, killed with SIGKILL in the middle of a conversation and started again:
//! every confirmed rating and the member's place in the conversation survive.

use crate::support;

use support::fake_telegram::FakeTelegram;
use support::harness::{assert_telegram_happy, database, spawn_binary};

fn spawn_bot(fake: &FakeTelegram, db: &str) -> std::process::Child {
    spawn_binary(fake, db, true)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_conversation_resumes_where_the_member_was() {
    let fake = FakeTelegram::start().await;
    let (_dir, db) = database();
    let mut bot = spawn_bot(&fake, &db);
    let member = fake.user(4242, "Sopheap", Some("km"));

    member.send_text("/start");
    let welcome = member.reply().await;
    let (_, s) = member.tap(&welcome, "ខ្ញុំយល់ព្រម").await;
    let (_, s) = member.tap(&s, "រាជរដ្ឋាភិបាល").await;
    let (_, card) = member.tap(&s, "រំលងសំណួរនៅសល់").await;
    let (_, next_card) = member.tap(&card, "៣").await;

    bot.kill().expect("SIGKILL");
    bot.wait().expect("reaped");

    // While the bot is down the member answers the comment prompt; Telegram keeps the update.
    member.send_text("ត្រូវការការបណ្តុះបណ្តាលបន្ថែម");
    let mut bot = spawn_bot(&fake, &db);
    let next = member.reply().await;
    assert!(
        next.text.contains("បានរក្សាទុកមតិលើ P1.1"),
        "the comment landed on P1.1, which the screen named: {}",
        next.text
    );
    assert!(next.text.contains("P1.2"), "{}", next.text);

    // A button on a message from before the crash still works.
    let (_, ask) = member.tap(&next_card, "ផ្តល់មតិលើ P1.1").await;
    assert!(
        ask.text.contains("P1.1") && ask.text.contains("៣"),
        "{}",
        ask.text
    );

    bot.kill().expect("SIGKILL");
    bot.wait().expect("reaped");

    let store = dwcp_feedback::Store::open(&db).await.unwrap();
    let code = dwcp_feedback::domain::ActivityCode::parse("P1.1").unwrap();
    let history = store.revisions(4242, 1, &code).await.unwrap();
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(history[0].rating, Some(3));
    assert_eq!(
        history[1].comment_text.as_deref(),
        Some("ត្រូវការការបណ្តុះបណ្តាលបន្ថែម")
    );
    assert_telegram_happy(&fake);
}

/// A backup taken with the command line while members rate: the copy is sound and holds every
/// rating confirmed before it started; a bot started on it, restored in the database's place,
/// carries on the conversations. The automatic schedule keeps the newest few.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_members_rate_restores_into_a_working_bot() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use support::harness::{onboard, rate, start};

    let fake = FakeTelegram::start().await;
    let (dir, db) = database();
    let bot = start(&fake, &db, None).await;
    let member = fake.user(4343, "Dara", Some("en"));
    let card = onboard(&member).await;
    let next_card = rate(&member, &card, "P1.1", 4).await;
    assert!(next_card.text.contains("P1.2"), "{}", next_card.text);

    // Others keep rating while the backup is taken.
    let busy = Arc::new(AtomicBool::new(true));
    let mut others = Vec::new();
    for id in 0..4 {
        let (user, busy) = (fake.user(7000 + id, "member", Some("km")), busy.clone());
        others.push(tokio::spawn(async move {
            let mut card = onboard(&user).await;
            for code in ["P1.1", "P1.2", "P1.3", "P2.1", "P2.2"] {
                if !busy.load(Ordering::Relaxed) {
                    break;
                }
                card = rate(&user, &card, code, 3).await;
            }
        }));
    }
    let copy = dir.path().join("copy.db");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_dwcp-feedback"))
        .args(["backup", "--out"])
        .arg(&copy)
        .env("DATABASE_URL", &db)
        .output()
        .expect("the binary runs");
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{said} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(said.contains("integrity check: ok"), "{said}");
    assert!(said.contains("pseudonymisation key"), "{said}");
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_dwcp-feedback"))
        .args(["backup", "--out"])
        .arg(&copy)
        .env("DATABASE_URL", &db)
        .output()
        .unwrap();
    assert!(!again.status.success(), "a backup never overwrites");
    busy.store(false, Ordering::Relaxed);
    for o in others {
        o.await.unwrap();
    }
    bot.stop().await;

    // Restore: the copy in the place of a database, and a bot on it.
    let restored_path = dir.path().join("restored.db");
    std::fs::copy(&copy, &restored_path).unwrap();
    let restored = format!("sqlite://{}", restored_path.display());
    let store = dwcp_feedback::Store::open(&restored).await.unwrap();
    let chat = store.load_chat(4343, 1).await.unwrap();
    let p11 = dwcp_feedback::domain::ActivityCode::parse("P1.1").unwrap();
    assert_eq!(
        chat.given[&p11].rating.get(),
        4,
        "confirmed before the backup"
    );
    let _bot = start(&fake, &restored, None).await;
    let (_, asked) = member.tap(&next_card, "5").await;
    assert!(
        asked.text.contains("P1.2"),
        "the conversation goes on: {}",
        asked.text
    );

    // Daily backups into a directory, the newest two kept.
    let schedule = dwcp_feedback::backups::Schedule {
        dir: dir.path().join("daily"),
        keep: 2,
    };
    for day in 1..=3 {
        let now = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 12, day, 2, 0, 0).unwrap();
        dwcp_feedback::backups::once(&store, now, &schedule)
            .await
            .unwrap();
    }
    let mut kept: Vec<String> = std::fs::read_dir(&schedule.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    kept.sort();
    assert_eq!(
        kept,
        [
            "dwcp-feedback-2026-12-02T020000Z.db",
            "dwcp-feedback-2026-12-03T020000Z.db"
        ]
    );
    assert_telegram_happy(&fake);
}
