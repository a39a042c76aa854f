//! The store on real SQLite files: migrations, revisions, atomicity, erasure, restarts.

use crate::support;

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use dwcp_feedback::clock::Clock;
use dwcp_feedback::conversation::{
    ChatKind, Command, Consent, Effect, Facts, Input, ProfileField, State,
};
use dwcp_feedback::domain::*;
use dwcp_feedback::engine::{Engine, Incoming};
use dwcp_feedback::store::{StepWrite, Store};
use support::harness::{database, with_plan};

fn at(minute: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 2, minute, 0).unwrap()
}

fn code(s: &str) -> ActivityCode {
    ActivityCode::parse(s).unwrap()
}

async fn write(
    store: &Store,
    chat: i64,
    state: &State,
    effects: &[Effect],
    minute: u32,
) -> Result<(), dwcp_feedback::store::StoreError> {
    store
        .apply(StepWrite {
            chat_id: chat,
            state,
            effects,
            plan_version: 1,
            update_id: None,
            first_name: None,
            now: at(minute),
        })
        .await
}

async fn consented(url: &str, chat: i64) -> Store {
    let store = with_plan(url).await;
    write(
        &store,
        chat,
        &State::Menu,
        &[Effect::SetLang(Lang::Km), Effect::GiveConsent],
        0,
    )
    .await
    .unwrap();
    store
}

#[tokio::test]
async fn the_default_plan_is_stored_once_as_version_one() {
    let (_dir, url) = database();
    let store = Store::open(&url).await.unwrap();
    let plan = store
        .active_plan_or(dwcp_feedback::plan_io::default_plan, at(0))
        .await
        .unwrap();
    assert_eq!(plan.version, 1);
    let mut expected = dwcp_feedback::plan_io::default_plan();
    expected.version = 1;
    assert_eq!(plan, expected, "what is stored reads back identically");
    store.close().await;
    let again = Store::open(&url).await.unwrap();
    assert_eq!(
        again
            .active_plan_or(dwcp_feedback::plan_io::default_plan, at(1))
            .await
            .unwrap()
            .version,
        1,
        "not stored twice"
    );
}

#[tokio::test]
async fn a_new_plan_version_becomes_the_active_one() {
    let (_dir, url) = database();
    let store = with_plan(&url).await;
    let mut validated = dwcp_feedback::plan_io::default_plan();
    validated.status = PlanStatus::Validated;
    validated.activities.truncate(3);
    assert_eq!(store.add_plan(&validated, at(1)).await.unwrap(), 2);
    let active = store.active_plan().await.unwrap().unwrap();
    assert_eq!(
        (active.version, active.activities.len(), active.is_draft()),
        (2, 3, false)
    );
}

#[tokio::test]
async fn every_change_is_a_revision_and_repeats_are_not() {
    let (_dir, url) = database();
    let store = consented(&url, 7).await;
    let p11 = code("P1.1");
    let rate = |r| Effect::Rate {
        code: p11.clone(),
        rating: Rating::new(r).unwrap(),
    };
    write(&store, 7, &State::Menu, &[rate(4)], 1).await.unwrap();
    write(&store, 7, &State::Menu, &[rate(4)], 2).await.unwrap();
    let comment = Comment::Text(CommentText::parse("ត្រូវការថវិកា").unwrap());
    write(
        &store,
        7,
        &State::Menu,
        &[Effect::Comment {
            code: p11.clone(),
            comment,
        }],
        3,
    )
    .await
    .unwrap();
    write(&store, 7, &State::Menu, &[rate(2)], 4).await.unwrap();
    let voice = Comment::Voice(VoiceNote {
        file_id: "AwAC".into(),
        duration_secs: 9,
        size_bytes: Some(9000),
    });
    write(
        &store,
        7,
        &State::Menu,
        &[Effect::Comment {
            code: p11.clone(),
            comment: voice,
        }],
        5,
    )
    .await
    .unwrap();

    let history = store.revisions(7, 1, &p11).await.unwrap();
    let summary: Vec<_> = history
        .iter()
        .map(|r| (r.action.as_str(), r.rating, r.at))
        .collect();
    assert_eq!(
        summary,
        [
            ("rate", Some(4), at(1)),
            ("comment", Some(4), at(3)),
            ("rate", Some(2), at(4)),
            ("comment", Some(2), at(5))
        ]
    );
    assert_eq!(
        history[2].comment_text.as_deref(),
        Some("ត្រូវការថវិកា"),
        "Khmer kept byte for byte"
    );
    assert_eq!(history[3].voice_file_id.as_deref(), Some("AwAC"));
    assert_eq!(
        history[3].comment_text.as_deref(),
        Some("ត្រូវការថវិកា"),
        "a voice note stands beside the typed comment"
    );

    write(
        &store,
        7,
        &State::Menu,
        &[Effect::Withdraw { code: p11.clone() }],
        6,
    )
    .await
    .unwrap();
    assert!(store.current_ratings(1).await.unwrap().is_empty());
    assert_eq!(
        store
            .revisions(7, 1, &p11)
            .await
            .unwrap()
            .last()
            .unwrap()
            .action,
        "withdraw"
    );
}

#[tokio::test]
async fn a_failed_step_writes_nothing() {
    let (_dir, url) = database();
    let store = with_plan(&url).await;
    // A rating from someone who never consented breaks a foreign key half-way through.
    let effects = [
        Effect::SetLang(Lang::En),
        Effect::Rate {
            code: code("P1.1"),
            rating: Rating::new(3).unwrap(),
        },
    ];
    assert!(write(&store, 99, &State::Menu, &effects, 1).await.is_err());
    let chat = store.load_chat(99, 1).await.unwrap();
    assert_eq!(
        (chat.lang, chat.state),
        (None, State::Start),
        "the language written first was rolled back"
    );
    assert_eq!(store.rows_about(99).await.unwrap(), 0);
}

#[tokio::test]
async fn erase_leaves_no_row_about_the_member() {
    let (_dir, url) = database();
    let store = consented(&url, 8).await;
    let other = 9;
    write(&store, other, &State::Menu, &[Effect::GiveConsent], 0)
        .await
        .unwrap();
    for (i, c) in ["P1.1", "P2.2", "X.1"].iter().enumerate() {
        let e = [Effect::Rate {
            code: code(c),
            rating: Rating::new(5).unwrap(),
        }];
        write(&store, 8, &State::Menu, &e, i as u32 + 1)
            .await
            .unwrap();
        write(&store, other, &State::Menu, &e, i as u32 + 1)
            .await
            .unwrap();
    }
    write(
        &store,
        8,
        &State::Menu,
        &[Effect::SetProfile(ProfileField::Province(
            Province::new(3).unwrap(),
        ))],
        5,
    )
    .await
    .unwrap();
    assert!(store.rows_about(8).await.unwrap() >= 8);
    write(&store, 8, &State::Start, &[Effect::Erase], 6)
        .await
        .unwrap();
    assert_eq!(store.rows_about(8).await.unwrap(), 0);
    assert_eq!(
        store.current_ratings(1).await.unwrap().len(),
        3,
        "other members untouched"
    );
    let fresh = store.load_chat(8, 1).await.unwrap();
    assert_eq!(
        (fresh.consent, fresh.state, fresh.given.len()),
        (Consent::Unknown, State::Start, 0)
    );
}

#[tokio::test]
async fn state_profile_and_last_update_survive_a_reopen() {
    let (_dir, url) = database();
    let store = consented(&url, 10).await;
    let effects = [
        Effect::SetProfile(ProfileField::Constituency(Constituency::Workers)),
        Effect::SetProfile(ProfileField::Organisation(OrgChoice::Known(Org::built_in(
            reference::organisation("BWTUC").unwrap(),
        )))),
        Effect::SetProfile(ProfileField::Gender(Gender::Female)),
        Effect::Rate {
            code: code("P2.3"),
            rating: Rating::new(4).unwrap(),
        },
    ];
    let state = State::Comment {
        code: code("P2.3"),
        back: dwcp_feedback::conversation::Back::Mine(1),
    };
    store
        .apply(StepWrite {
            chat_id: 10,
            state: &state,
            effects: &effects,
            plan_version: 1,
            update_id: Some(5001),
            first_name: None,
            now: at(2),
        })
        .await
        .unwrap();
    store.close().await;

    let store = Store::open(&url).await.unwrap();
    let chat = store.load_chat(10, 1).await.unwrap();
    assert_eq!(chat.state, state);
    assert_eq!(chat.lang, Some(Lang::Km));
    assert_eq!(chat.last_update_id, Some(5001));
    assert_eq!(chat.profile.constituency, Some(Constituency::Workers));
    assert!(matches!(chat.profile.organisation, Some(OrgChoice::Known(o)) if o.code == "BWTUC"));
    assert_eq!(chat.given[&code("P2.3")].rating.get(), 4);

    // Changing side clears a listed organisation of the old side.
    write(
        &store,
        10,
        &State::Menu,
        &[Effect::SetProfile(ProfileField::Constituency(
            Constituency::Employers,
        ))],
        3,
    )
    .await
    .unwrap();
    assert_eq!(
        store.load_chat(10, 1).await.unwrap().profile.organisation,
        None
    );
}

struct Fixed;
impl Clock for Fixed {
    fn now(&self) -> chrono::DateTime<Utc> {
        at(30)
    }
}

#[tokio::test]
async fn the_engine_skips_an_update_telegram_redelivers() {
    let (_dir, url) = database();
    let store = Store::open(&url).await.unwrap();
    let plan = store
        .active_plan_or(dwcp_feedback::plan_io::default_plan, at(0))
        .await
        .unwrap();
    let engine = Engine::new(store, plan, Arc::new(Fixed), "bot".into());
    let start = |id| Incoming {
        chat_id: 11,
        chat: ChatKind::Private,
        sender: Some(11),
        language_code: Some("km".into()),
        update_id: Some(id),
        seen: None,
        first_name: None,
        input: Input::Command(Command::Start(None)),
    };
    assert_eq!(engine.handle(start(700)).await.unwrap().outgoing.len(), 1);
    assert!(
        engine.handle(start(700)).await.unwrap().outgoing.is_empty(),
        "seen before: skipped"
    );
    assert_eq!(engine.handle(start(701)).await.unwrap().outgoing.len(), 1);
}

#[tokio::test]
async fn admins_are_bootstrapped_added_removed_and_audited() {
    use dwcp_feedback::store::Actor;
    let (_dir, url) = database();
    let store = Store::open(&url).await.unwrap();
    store.bootstrap_admins(&[111, 222], at(0)).await.unwrap();
    store.bootstrap_admins(&[111], at(1)).await.unwrap();
    assert!(store.is_admin(111).await.unwrap() && !store.is_admin(333).await.unwrap());

    assert!(store.add_admin(333, Actor::User(111), at(2)).await.unwrap());
    assert!(
        !store.add_admin(333, Actor::Cli, at(3)).await.unwrap(),
        "already an admin"
    );
    assert!(store.remove_admin(222, Actor::Cli, at(4)).await.unwrap());
    assert!(!store.remove_admin(222, Actor::Cli, at(5)).await.unwrap());
    let ids: Vec<i64> = store
        .admins()
        .await
        .unwrap()
        .iter()
        .map(|a| a.user_id)
        .collect();
    assert_eq!(ids, [111, 333]);

    let log: Vec<_> = store
        .audit_log()
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.actor, e.action, e.detail, e.at))
        .collect();
    assert_eq!(
        log,
        [
            (Some(111), "admin-add".to_string(), "333".to_string(), at(2)),
            (None, "admin-remove".to_string(), "222".to_string(), at(4)),
        ],
        "only real changes are logged, with who and when"
    );
}

#[tokio::test]
async fn the_window_is_stored_audited_and_reaches_the_conversation() {
    use dwcp_feedback::store::Actor;
    let (_dir, url) = database();
    let store = consented(&url, 12).await;
    assert!(
        store.window().await.unwrap().is_open(at(0)),
        "a new database is open for feedback"
    );
    let until = at(40);
    let window = Window {
        open: true,
        until: Some(until),
        changed_at: at(1),
    };
    store.set_window(window, Actor::User(9)).await.unwrap();
    assert_eq!(store.window().await.unwrap(), window);
    assert_eq!(
        store.load_chat(12, 1).await.unwrap().window,
        window,
        "loaded with the chat, no extra query"
    );
    store
        .set_window(
            Window {
                open: false,
                until: None,
                changed_at: at(2),
            },
            Actor::Cli,
        )
        .await
        .unwrap();
    let details: Vec<_> = store
        .audit_log()
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.detail)
        .collect();
    assert_eq!(
        details,
        [
            format!("open until {}", until.to_rfc3339()),
            "closed".to_string()
        ]
    );
}

/// The summary's counts are kept by triggers, not grouped on request: after a long mixed run of
/// ratings, changes, comments, withdrawals, constituency changes and erasures, they must equal
/// what the members did, counted here independently.
#[tokio::test]
async fn kept_summary_counts_match_what_members_did() {
    use std::collections::BTreeMap;
    let (_dir, url) = database();
    let store = with_plan(&url).await;
    let codes = ["P1.1", "P1.2", "P2.1", "P2.2", "P3.1", "P3.2"].map(code);
    let members: Vec<i64> = (11..23).collect();
    // (member, activity) → (rating, has text, has voice); member → constituency.
    let mut given: BTreeMap<(i64, usize), (u8, bool, bool)> = BTreeMap::new();
    let mut constituency: BTreeMap<i64, Option<Constituency>> = BTreeMap::new();
    let mut erased = Vec::new();
    for &m in &members {
        write(&store, m, &State::Menu, &[Effect::GiveConsent], 0)
            .await
            .unwrap();
        constituency.insert(m, None);
    }
    // A small linear congruential generator: the same "random" run every time.
    let mut seed: u64 = 20261125;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    for turn in 0..800u32 {
        let m = members[next(members.len() as u64) as usize];
        if erased.contains(&m) {
            continue;
        }
        let a = next(codes.len() as u64) as usize;
        let effect = match next(20) {
            0..=7 => {
                let r = 1 + next(5) as u8;
                let e = given.entry((m, a)).or_insert((r, false, false));
                e.0 = r;
                Effect::Rate {
                    code: codes[a].clone(),
                    rating: Rating::new(r).unwrap(),
                }
            }
            8..=10 => {
                if let Some(e) = given.get_mut(&(m, a)) {
                    e.1 = true;
                }
                let text = CommentText::parse("ត្រូវការថវិកា").unwrap();
                Effect::Comment {
                    code: codes[a].clone(),
                    comment: Comment::Text(text),
                }
            }
            11..=12 => {
                if let Some(e) = given.get_mut(&(m, a)) {
                    e.2 = true;
                }
                let voice = VoiceNote {
                    file_id: format!("v{turn}"),
                    duration_secs: 3,
                    size_bytes: None,
                };
                Effect::Comment {
                    code: codes[a].clone(),
                    comment: Comment::Voice(voice),
                }
            }
            13..=15 => {
                given.remove(&(m, a));
                Effect::Withdraw {
                    code: codes[a].clone(),
                }
            }
            16..=18 => {
                let c = Constituency::ALL[next(4) as usize];
                constituency.insert(m, Some(c));
                Effect::SetProfile(ProfileField::Constituency(c))
            }
            _ if turn > 600 && erased.is_empty() => {
                given.retain(|(member, _), _| *member != m);
                erased.push(m);
                Effect::Erase
            }
            _ => continue,
        };
        write(&store, m, &State::Menu, &[effect], turn % 60)
            .await
            .unwrap();
    }
    type Counts = BTreeMap<(String, Option<Constituency>, u8), (u64, u64, u64)>;
    let mut expected = Counts::new();
    for (&(m, a), &(r, text, voice)) in &given {
        let cell = expected
            .entry((codes[a].as_str().to_string(), constituency[&m], r))
            .or_default();
        cell.0 += 1;
        cell.1 += u64::from(text);
        cell.2 += u64::from(voice);
    }
    store.close().await;
    let store = Store::open(&url).await.unwrap();
    let kept: BTreeMap<_, _> = store
        .summary_cells(1)
        .await
        .unwrap()
        .into_iter()
        .map(|c| {
            (
                (c.activity, c.constituency, c.rating),
                (c.count, c.texts, c.voices),
            )
        })
        .collect();
    assert!(
        expected.len() > 20,
        "the run exercised many cells: {expected:?}"
    );
    assert!(!erased.is_empty(), "the run erased someone");
    assert_eq!(kept, expected);
}

/// Every byte of the database as it lies on disk: the file, its WAL and shared memory.
fn database_bytes(url: &str) -> Vec<u8> {
    let path = url.trim_start_matches("sqlite://");
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        if let Ok(b) = std::fs::read(format!("{path}{suffix}")) {
            bytes.extend(b);
        }
    }
    bytes
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn forget_leaves_no_byte_of_the_member_in_the_database_files() {
    use dwcp_feedback::store::{
        Actor, BroadcastKind, NewBroadcast, OutMessage, Settled, StatusMessage,
    };
    let (_dir, url) = database();
    let store = consented(&url, 8).await;
    let marker = "QZXJ-មតិសម្ងាត់";
    let comment = |text: &str| Effect::Comment {
        code: code("P1.1"),
        comment: Comment::Text(CommentText::parse(text).unwrap()),
    };
    let rate = Effect::Rate {
        code: code("P1.1"),
        rating: Rating::new(2).unwrap(),
    };
    write(&store, 8, &State::Menu, &[rate], 1).await.unwrap();
    write(
        &store,
        8,
        &State::Menu,
        &[comment(&format!("{marker} one"))],
        2,
    )
    .await
    .unwrap();
    write(
        &store,
        8,
        &State::Menu,
        &[comment(&format!("{marker} two"))],
        3,
    )
    .await
    .unwrap();
    store
        .apply(StepWrite {
            chat_id: 8,
            state: &State::Menu,
            effects: &[],
            plan_version: 1,
            update_id: None,
            first_name: Some("QZXJ-Sokha"),
            now: at(4),
        })
        .await
        .unwrap();
    // Messages to them in every state an outbox row can end in, and a broadcast they ran.
    for (i, settled) in [Some(Settled::Sent), Some(Settled::Failed), None]
        .into_iter()
        .enumerate()
    {
        let broadcast = NewBroadcast {
            kind: BroadcastKind::Announcement,
            audience: format!("test {i}"),
            campaign_id: None,
            stage: None,
            by: Actor::User(8),
            status: Some(StatusMessage {
                chat: 8,
                message: 1,
                lang: Lang::Km,
            }),
        };
        let message = OutMessage {
            chat_id: 8,
            html: format!("QZXJ-outbox {i}"),
            button: None,
        };
        store
            .queue_broadcast(&broadcast, &[message], at(4))
            .await
            .unwrap();
        if let Some(settled) = settled {
            let item = store.due_outbox(at(5), 10, &[]).await.unwrap().remove(0);
            store.settle(&item, settled, at(5)).await.unwrap();
        }
    }
    // Named by an admin (audit mention) and acting as one (audit actor).
    store.add_admin(8, Actor::Cli, at(6)).await.unwrap();
    store
        .record(Actor::User(8), "export", "xlsx", at(7))
        .await
        .unwrap();
    assert!(
        holds(&database_bytes(&url), "QZXJ"),
        "the test sees the bytes"
    );

    write(&store, 8, &State::Start, &[Effect::Erase], 8)
        .await
        .unwrap();
    assert_eq!(store.rows_about(8).await.unwrap(), 0);
    let bytes = database_bytes(&url);
    assert!(!holds(&bytes, "QZXJ"), "a marker is left in the files");
    assert!(
        !holds(&bytes, "មតិសម្ងាត់"),
        "the Khmer comment is left in the files"
    );
    let audit = store.audit_log().await.unwrap();
    assert!(audit.iter().all(|e| e.actor != Some(8)), "{audit:?}");
    assert!(audit.iter().all(|e| !e.detail.contains('8')), "{audit:?}");
}

#[tokio::test]
async fn every_column_that_names_a_person_is_on_the_erase_list() {
    use dwcp_feedback::store::{NOT_PERSON_COLUMNS, PERSON_COLUMNS};
    let (_dir, url) = database();
    with_plan(&url).await;
    let db = rusqlite::Connection::open(url.trim_start_matches("sqlite://")).unwrap();
    let tables: Vec<String> = db
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table'
             AND name NOT LIKE 'sqlite%' AND name NOT LIKE '\\_sqlx%' ESCAPE '\\'",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut schema = Vec::new();
    for table in &tables {
        let columns: Vec<String> = db
            .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        schema.extend(columns.into_iter().map(|c| (table.clone(), c)));
    }
    // A column names a person when it holds an id of one: *_id, *_by, or these words.
    let names_person = |c: &str| {
        (c.ends_with("_id") || c.ends_with("_by") || c.ends_with("_chat"))
            && !NOT_PERSON_COLUMNS.contains(&c)
            || ["actor", "subject", "user", "member"].contains(&c)
    };
    for (table, column) in &schema {
        if names_person(column) {
            assert!(
                PERSON_COLUMNS
                    .iter()
                    .any(|(t, c, _)| t == table && c == column),
                "{table}.{column} names a person but /forget does not erase it: add it to \
                 store::erase::PERSON_COLUMNS"
            );
        }
    }
    for (table, column, _) in PERSON_COLUMNS {
        assert!(
            schema.iter().any(|(t, c)| t == table && c == column),
            "{table}.{column} is on the erase list but not in the schema"
        );
    }
}

#[tokio::test]
async fn a_comment_edited_hundreds_of_times_keeps_a_bounded_history() {
    use dwcp_feedback::store::REVISIONS_KEPT;
    let (dir, url) = database();
    let store = consented(&url, 8).await;
    let rate = Effect::Rate {
        code: code("P1.1"),
        rating: Rating::new(3).unwrap(),
    };
    write(&store, 8, &State::Menu, &[rate], 1).await.unwrap();
    let add = |text: String| {
        [Effect::Comment {
            code: code("P1.1"),
            comment: Comment::Text(CommentText::parse(&text).unwrap()),
        }]
    };
    for i in 0..300 {
        write(&store, 8, &State::Menu, &add(format!("{i} ការងារ")), 2)
            .await
            .unwrap();
    }
    let history = store.revisions(8, 1, &code("P1.1")).await.unwrap();
    assert_eq!(history.len() as i64, 1 + REVISIONS_KEPT);
    assert_eq!(history[0].action, "rate", "the first revision stays");
    let latest = history.last().unwrap().comment_text.clone().unwrap();
    assert!(
        latest.starts_with("0 ការងារ\n1 ការងារ"),
        "messages are joined"
    );
    assert!(latest.ends_with("\n299 ការងារ"), "the latest stays");

    // Long messages fill the comment up to its limit, and no further.
    let long = "ក".repeat(4000);
    for i in 0..10 {
        write(&store, 8, &State::Menu, &add(format!("{i} {long}")), 3)
            .await
            .unwrap();
    }
    let history = store.revisions(8, 1, &code("P1.1")).await.unwrap();
    assert_eq!(history.len() as i64, 1 + REVISIONS_KEPT);
    let full = history.last().unwrap().comment_text.clone().unwrap();
    assert_eq!(
        full.chars().count(),
        dwcp_feedback::domain::comment::MAX_COMMENT_CHARS
    );
    store.close().await;
    let size = std::fs::metadata(dir.path().join("bot.db")).unwrap().len();
    // At most 21 revisions of a full comment (16,000 Khmer characters, 48 KB) are kept.
    assert!(size < 2 * 1024 * 1024, "{size} bytes in the database file");
}

#[tokio::test]
async fn the_store_and_the_core_read_every_effect_alike() {
    let (_dir, url) = database();
    let store = with_plan(&url).await;
    let plan = dwcp_feedback::plan_io::default_plan();
    let ccawdu = Org::find("CCAWDU", &[]).expect("a listed union");
    let text = Comment::Text(CommentText::parse("ត្រូវការថវិកា").unwrap());
    let effects = [
        Effect::SetLang(Lang::Km),
        Effect::GiveConsent,
        Effect::SetProfile(ProfileField::Constituency(Constituency::Workers)),
        Effect::SetProfile(ProfileField::Organisation(OrgChoice::Known(ccawdu))),
        Effect::Rate {
            code: code("P1.1"),
            rating: Rating::new(4).unwrap(),
        },
        Effect::Comment {
            code: code("P1.1"),
            comment: text,
        },
        Effect::Rate {
            code: code("P1.2"),
            rating: Rating::new(2).unwrap(),
        },
        Effect::Rate {
            code: code("P1.1"),
            rating: Rating::new(5).unwrap(),
        },
        Effect::Withdraw { code: code("P1.2") },
        // Another side: the listed union no longer fits and is cleared, in both readings.
        Effect::SetProfile(ProfileField::Constituency(Constituency::Employers)),
        Effect::SetProfile(ProfileField::Province(Province::new(12).unwrap())),
        Effect::MoveTo {
            constituency: Constituency::Workers,
            organisation: Some(OrgChoice::Named("Kampong Speu workers".into())),
        },
        Effect::SetReminders(false),
        Effect::Erase,
    ];
    let mut facts = Facts::new(5, &plan, ChatKind::Private, Lang::En);
    for (i, effect) in effects.iter().enumerate() {
        write(
            &store,
            5,
            &State::Menu,
            std::slice::from_ref(effect),
            i as u32,
        )
        .await
        .unwrap();
        facts.after(std::slice::from_ref(effect));
        let stored = store.load_chat(5, 1).await.unwrap();
        assert_eq!(
            (
                stored.lang,
                stored.consent,
                &stored.profile,
                &stored.given,
                stored.reminders
            ),
            (
                facts.lang,
                facts.consent,
                &facts.profile,
                &facts.given,
                facts.reminders
            ),
            "after {effect:?}"
        );
    }
}

#[tokio::test]
async fn staff_who_only_accepted_the_notice_are_not_members_who_did_not_say() {
    use dwcp_feedback::store::Actor;
    let (_dir, url) = database();
    let store = with_plan(&url).await;
    // An admin and a focal point who agreed and never said a side; a member who did the same;
    // a worker.
    store.add_admin(1, Actor::Cli, at(0)).await.unwrap();
    store
        .add_coordinator("CCAWDU", 2, Actor::Cli, at(0))
        .await
        .unwrap();
    for person in [1, 2, 3] {
        write(&store, person, &State::Menu, &[Effect::GiveConsent], 1)
            .await
            .unwrap();
    }
    let worker = [
        Effect::GiveConsent,
        Effect::SetProfile(ProfileField::Constituency(Constituency::Workers)),
    ];
    write(&store, 4, &State::Menu, &worker, 1).await.unwrap();
    let counts = store.member_counts().await.unwrap();
    assert_eq!(counts.get(&None), Some(&1), "{counts:?}");
    assert_eq!(counts.get(&Some(Constituency::Workers)), Some(&1));
    assert_eq!(counts.values().sum::<u64>(), 2);
}
