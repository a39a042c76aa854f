//! The real binary, killed with SIGKILL in the middle of a conversation and started again:
//! every confirmed rating and the member's place in the conversation survive.

mod support;

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
    let (_, ask_comment) = member.tap(&card, "៣ មធ្យម").await;

    bot.kill().expect("SIGKILL");
    bot.wait().expect("reaped");

    // While the bot is down the member answers the comment prompt; Telegram keeps the update.
    member.send_text("ត្រូវការការបណ្តុះបណ្តាលបន្ថែម");
    let mut bot = spawn_bot(&fake, &db);
    let next = member.reply().await;
    assert!(
        next.text.contains("បានរក្សាទុកមតិយោបល់"),
        "the comment landed on P1.1: {}",
        next.text
    );
    assert!(next.text.contains("P1.2"), "{}", next.text);

    // A button on a message from before the crash still works.
    let (_, card_again) = member.tap(&ask_comment, "ប្តូរការវាយតម្លៃ").await;
    assert!(
        card_again.text.contains("P1.1") && card_again.text.contains("៣ មធ្យម"),
        "{}",
        card_again.text
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
