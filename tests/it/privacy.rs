//! Erased means erased (in backups and after a restore), files that hold personal data are
//! the owner's only, and people who never agreed are not kept for good.

use crate::support;

use chrono::{TimeZone, Utc};
use dwcp_feedback::conversation::{Consent, Effect, State};
use dwcp_feedback::domain::*;
use dwcp_feedback::store::{StepWrite, Store};
use support::harness::{database, with_plan};

const MARKER: &str = "QZXJ-ពាក្យសម្ងាត់";

fn at(minute: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 2, minute, 0).unwrap()
}

async fn write(store: &Store, chat: i64, effects: &[Effect], minute: u32) {
    store
        .apply(StepWrite {
            chat_id: chat,
            state: &State::Menu,
            effects,
            plan_version: 1,
            update_id: None,
            first_name: Some("QZXJ-Name"),
            now: at(minute),
        })
        .await
        .unwrap();
}

/// Member `chat` agreed and rated P1.1 with a comment holding [`MARKER`].
async fn member_with_comment(store: &Store, chat: i64, minute: u32) {
    let code = ActivityCode::parse("P1.1").unwrap();
    let effects = [
        Effect::SetLang(Lang::Km),
        Effect::GiveConsent,
        Effect::Rate {
            code: code.clone(),
            rating: Rating::new(4).unwrap(),
        },
        Effect::Comment {
            code,
            comment: Comment::Text(CommentText::parse(&format!("{MARKER} {chat}")).unwrap()),
        },
    ];
    write(store, chat, &effects, minute).await;
}

fn holds(path: &std::path::Path, text: &str) -> bool {
    let bytes = std::fs::read(path).unwrap_or_default();
    bytes.windows(text.len()).any(|w| w == text.as_bytes())
}

fn path_of(url: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(url.trim_start_matches("sqlite://"))
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn an_older_backup_put_back_in_place_does_not_bring_an_erased_member_back() {
    let (dir, url) = database();
    let store = with_plan(&url).await;
    member_with_comment(&store, 8, 1).await;
    member_with_comment(&store, 9, 2).await;
    let before = dir.path().join("before.db");
    store.backup_to(&before).await.unwrap();
    assert!(holds(&before, &format!("{MARKER} 8")));

    write(&store, 8, &[Effect::Erase], 10).await;
    assert_eq!(store.rows_about(8).await.unwrap(), 0);
    // The erasure is listed beside the database by a keyed hash, never the id.
    let list = dir.path().join("bot.db.erased");
    let listed = std::fs::read_to_string(&list).unwrap();
    assert_eq!(listed.lines().count(), 1);
    let (hash, _) = listed.trim().split_once(' ').unwrap();
    assert_eq!(hash.len(), 64, "{listed}");
    store.close().await;

    // The backup goes back in the database's place, as the README says to restore.
    let db = path_of(&url);
    for beside in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{beside}", db.display()));
    }
    std::fs::remove_file(&db).unwrap();
    std::fs::copy(&before, &db).unwrap();
    let store = Store::open(&url).await.unwrap();
    assert_eq!(
        store.rows_about(8).await.unwrap(),
        0,
        "erased again at start"
    );
    assert_eq!(
        store.load_chat(8, 1).await.unwrap().consent,
        Consent::Unknown
    );
    assert_eq!(store.load_chat(9, 1).await.unwrap().consent, Consent::Given);
    // The member who came back after the erasure and agreed again keeps what they give now.
    member_with_comment(&store, 8, 30).await;
    store.close().await;
    let store = Store::open(&url).await.unwrap();
    let back = store.load_chat(8, 1).await.unwrap();
    assert_eq!(back.consent, Consent::Given);
    assert_eq!(back.given.len(), 1);
    store.close().await;
}

#[tokio::test]
async fn every_backup_in_the_folder_is_cleared_of_whoever_is_erased() {
    let (dir, url) = database();
    let store = with_plan(&url).await;
    member_with_comment(&store, 8, 1).await;
    member_with_comment(&store, 9, 2).await;
    let schedule = dwcp_feedback::backups::Schedule {
        dir: dir.path().join("backups"),
        keep: 7,
    };
    let (automatic, _) = dwcp_feedback::backups::once(&store, at(3), &schedule)
        .await
        .unwrap();
    // A copy the secretariat made by hand into the same folder is a backup too.
    let manual = schedule.dir.join("before-the-meeting.db");
    store.backup_to(&manual).await.unwrap();
    for file in [&automatic, &manual] {
        assert!(holds(file, &format!("{MARKER} 8")), "{}", file.display());
    }

    write(&store, 8, &[Effect::Erase], 10).await;
    dwcp_feedback::backups::scrub(&store, &schedule.dir).await;
    for file in [&automatic, &manual] {
        assert!(!holds(file, &format!("{MARKER} 8")), "{}", file.display());
        // The others' answers stay.
        assert!(holds(file, &format!("{MARKER} 9")), "{}", file.display());
        let copy = Store::open_read_only(&format!("sqlite://{}", file.display()))
            .await
            .unwrap();
        assert_eq!(copy.rows_about(8).await.unwrap(), 0);
        assert_eq!(copy.load_chat(9, 1).await.unwrap().consent, Consent::Given);
        copy.close().await;
        assert!(
            std::fs::read_dir(&schedule.dir).unwrap().all(|e| !e
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with("-journal")),
            "no journal left behind"
        );
    }
}

#[cfg(unix)]
#[tokio::test]
async fn the_database_its_companions_and_backups_are_owner_only() {
    let (dir, url) = database();
    let store = with_plan(&url).await;
    member_with_comment(&store, 8, 1).await;
    write(&store, 7, &[Effect::Erase], 2).await;
    let db = path_of(&url);
    let schedule = dwcp_feedback::backups::Schedule {
        dir: dir.path().join("backups"),
        keep: 7,
    };
    let (backup, _) = dwcp_feedback::backups::once(&store, at(3), &schedule)
        .await
        .unwrap();
    let manual = dir.path().join("manual.db");
    store.backup_to(&manual).await.unwrap();
    for file in [
        db.clone(),
        std::path::PathBuf::from(format!("{}-wal", db.display())),
        std::path::PathBuf::from(format!("{}-shm", db.display())),
        dir.path().join("bot.db.erased"),
        backup,
        manual,
    ] {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    assert_eq!(mode(&schedule.dir), 0o700);
    store.close().await;

    // A database left readable by an earlier build is made owner-only when opened.
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let store = Store::open(&url).await.unwrap();
    assert_eq!(mode(&db), 0o600);
    store.close().await;
}

#[tokio::test]
async fn people_who_never_agreed_are_forgotten_after_a_quiet_month() {
    let (_dir, url) = database();
    let store = with_plan(&url).await;
    // 20 said no, 21 opened the bot and never answered, 22 agreed; 23 said no, but lately.
    write(&store, 20, &[Effect::DeclineConsent], 0).await;
    write(&store, 21, &[], 0).await;
    write(&store, 22, &[Effect::GiveConsent], 0).await;
    write(&store, 23, &[Effect::DeclineConsent], 40).await;
    let forgotten = store.forget_strangers(at(30)).await.unwrap();
    assert_eq!(forgotten, 2);
    for gone in [20, 21] {
        assert_eq!(store.rows_about(gone).await.unwrap(), 0, "{gone}");
    }
    assert_eq!(
        store.load_chat(22, 1).await.unwrap().consent,
        Consent::Given
    );
    assert_eq!(
        store.load_chat(23, 1).await.unwrap().consent,
        Consent::Declined
    );
}
