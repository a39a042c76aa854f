//! Monitoring rounds: opened from the bot after a preview, delivered through the outbox to the
//! audience only, answered one tap per activity with comments kept where the screen says,
//! closed with every answer kept; forged buttons refused; /forget takes the answers too.

use crate::support;

use std::time::Duration;

use chrono::Utc;
use dwcp_feedback::conversation::{Callback, Effect, MonitorCallback, State};
use dwcp_feedback::domain::monitoring::{RoundRequest, Status};
use dwcp_feedback::domain::{ActivityCode, Audience, Constituency, Lang};
use dwcp_feedback::store::{Actor, StepWrite, Store};
use support::fake_telegram::{Event, FakeTelegram};
use support::harness::{database, with_plan};

fn code(s: &str) -> ActivityCode {
    ActivityCode::parse(s).unwrap()
}

/// `effects` written for `chat` as a step would write them (named `name` when given).
async fn write(store: &Store, chat: i64, effects: &[Effect], name: Option<&str>) {
    store
        .apply(StepWrite {
            chat_id: chat,
            state: &State::Menu,
            effects,
            plan_version: 1,
            update_id: None,
            first_name: name,
            now: Utc::now(),
        })
        .await
        .unwrap();
}

/// Consented members with this side, in this language.
async fn members(store: &Store, ids: &[i64], side: Constituency, lang: Lang) {
    use dwcp_feedback::conversation::ProfileField;
    for &id in ids {
        let profile = Effect::SetProfile(ProfileField::Constituency(side));
        write(
            store,
            id,
            &[Effect::SetLang(lang), Effect::GiveConsent, profile],
            None,
        )
        .await;
    }
}

/// The messages the outbox delivered to `chat` (not replies to the member).
fn delivered(fake: &FakeTelegram, chat: i64) -> Vec<support::fake_telegram::Shown> {
    fake.drain(chat)
        .into_iter()
        .filter_map(|e| match e {
            Event::Sent(shown) => Some(shown),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_round_opened_from_the_bot_reaches_its_audience_and_is_answered_one_tap_each() {
    const ADMIN: i64 = 910_001;
    let fake = FakeTelegram::start().await;
    let (_dir, url) = database();
    let store = with_plan(&url).await;
    let employers = [700_001, 700_002, 700_003];
    let workers = [700_101, 700_102];
    members(&store, &employers, Constituency::Employers, Lang::En).await;
    members(&store, &workers, Constituency::Workers, Lang::Km).await;
    let bot = support::harness::start_with_admins(&fake, &url, None, &[ADMIN]).await;
    let admin = fake.user(ADMIN, "Secretariat", Some("en"));

    // /monitor → New round → title → Employers → 30 days → preview → Open.
    admin.send_text("/monitor");
    let list = admin.reply().await;
    assert!(list.text.contains("No round yet"), "{}", list.text);
    let (_, ask_title) = admin.tap(&list, "New round").await;
    assert!(ask_title.text.contains("step 1 of 4"), "{}", ask_title.text);
    admin.send_text("First half 2027");
    let ask_audience = admin.reply().await;
    let (_, ask_days) = admin.tap(&ask_audience, "Employers").await;
    let (_, preview) = admin.tap(&ask_days, "30 days").await;
    assert!(preview.text.contains("3 members"), "{}", preview.text);
    assert!(
        employers
            .iter()
            .chain(&workers)
            .all(|&m| delivered(&fake, m).is_empty()),
        "nothing goes out before the tap"
    );
    let (notice, opening) = admin.tap(&preview, "Open the round").await;
    assert!(notice.is_some());
    assert!(opening.text.contains("Opening"), "{}", opening.text);
    // Tapped again on the old preview: nothing opens twice.
    let again = admin.tap_on(&preview, "Open the round");
    assert!(admin.answer(&again).await.is_some());
    // The job's answer, and the status message the outbox edits until its final tally (in
    // either order): both read here, so that later screens are not mistaken for them.
    let (mut said, mut finished) = (None, false);
    while said.is_none() || !finished {
        let reply = admin.reply().await;
        finished |= reply.text.contains("Sending finished");
        if reply.text.contains("is open until") {
            said = Some(reply);
        }
    }
    let said = said.unwrap();
    assert!(said.text.contains("3 members"), "{}", said.text);
    let rounds = store.rounds().await.unwrap();
    assert_eq!(
        rounds.len(),
        1,
        "one round, however often the button is tapped"
    );
    let round = rounds[0].clone();
    assert_eq!(
        round.audience,
        Audience::Constituency(Constituency::Employers)
    );
    assert_eq!(round.activities.len(), 15);

    // The employers get one message with a button into the bot; the workers nothing.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut got = Vec::new();
    while got.len() < employers.len() && tokio::time::Instant::now() < deadline {
        for &m in &employers {
            if !got.contains(&m) && !delivered(&fake, m).is_empty() {
                got.push(m);
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(got.len(), employers.len(), "every employer was told once");
    tokio::time::sleep(Duration::from_millis(300)).await;
    for &w in &workers {
        assert!(delivered(&fake, w).is_empty(), "not the workers' round");
    }

    // An employer answers: the link's /start opens the first card; one tap per activity.
    let member = fake.user(employers[0], "Sok", Some("en"));
    member.send_text("/start mon");
    let card = member.reply().await;
    assert!(card.text.contains("1 of 15"), "{}", card.text);
    assert!(card.text.contains("P1.1"), "{}", card.text);
    let (notice, card) = member.tap(&card, "Nothing yet").await;
    assert_eq!(notice.as_deref(), Some("✓ Saved"));
    assert!(card.text.contains("Saved for P1.1"), "{}", card.text);
    assert!(card.text.contains("2 of 15"), "{}", card.text);
    // What they write now goes to P1.1, the activity the card says.
    member.send_text("No training in our factory yet");
    let after = member.reply().await;
    assert!(after.text.contains("P1.1"), "{}", after.text);
    let (_, card) = member.tap(&after, "Happening or done").await;
    assert!(card.text.contains("3 of 15"), "{}", card.text);
    // A voice note now goes to P1.2, the activity just answered, as the card says.
    assert!(card.text.contains("Saved for P1.2"), "{}", card.text);
    member.send_voice("voice-p12", 12);
    let card = member.reply().await;
    // On a card not answered yet, what they write is kept for that card's activity.
    let (_, card) = member.tap(&card, "Next").await;
    assert!(card.text.contains("P1.4"), "{}", card.text);
    member.send_text("Not in Kandal yet");
    let card = member.reply().await;
    assert!(card.text.contains("P1.4"), "{}", card.text);

    let answers = store.round_answers(Some(round.id)).await.unwrap();
    let of = |c: &str| answers.iter().find(|a| a.activity_code == c).cloned();
    let p11 = of("P1.1").expect("P1.1 answered");
    assert_eq!(p11.status.as_deref(), Some("nothing"));
    assert_eq!(
        p11.comment_text.as_deref(),
        Some("No training in our factory yet")
    );
    assert_eq!(p11.constituency.as_deref(), Some("E"));
    let p12 = of("P1.2").unwrap();
    assert_eq!(p12.status.as_deref(), Some("done"));
    assert_eq!(p12.voice_file_id.as_deref(), Some("voice-p12"));
    let p14 = of("P1.4").expect("the comment is kept before the answer");
    assert_eq!(p14.status, None);
    assert_eq!(p14.comment_text.as_deref(), Some("Not in Kandal yet"));

    // A worker forging a tap on the employers' round changes nothing.
    let worker = fake.user(workers[0], "Dara", Some("km"));
    worker.send_text("/menu");
    let on = worker.reply().await;
    assert!(
        !on.text.contains("📋"),
        "no round for the workers: {}",
        on.text
    );
    let forged = MonitorCallback::Answer {
        round: round.id,
        code: code("P1.1"),
        status: Status::Done,
    };
    let id = worker.tap_data(on.id, &Callback::Monitor(forged.clone()).encode());
    assert!(worker.answer(&id).await.is_some());
    assert!(store
        .round_answers(Some(round.id))
        .await
        .unwrap()
        .iter()
        .all(|a| a.member_id != workers[0]));
    // And a member's forged admin button is refused.
    let id = worker.tap_data(on.id, "my:1");
    assert!(worker.answer(&id).await.is_some());
    assert!(store
        .round(round.id)
        .await
        .unwrap()
        .unwrap()
        .closed_at
        .is_none());

    // The results, then the round is closed: every answer kept, none changes after.
    admin.send_text("/monitor");
    let list = admin.reply().await;
    assert!(list.text.contains("1 member answered"), "{}", list.text);
    let (_, results) = admin.tap(&list, "Results").await;
    assert!(
        results.text.contains("P1.1 ✅ 0% 🔸 0% ❌ 100%"),
        "{}",
        results.text
    );
    let (_, confirm) = admin.tap(&results, "Rounds").await;
    let (_, sure) = admin.tap(&confirm, "Close").await;
    let (_, _) = admin.tap(&sure, "Yes, close it").await;
    assert!(store
        .round(round.id)
        .await
        .unwrap()
        .unwrap()
        .closed_at
        .is_some());
    let (notice, closed) = member.tap(&card, "I don't know").await;
    assert!(notice.is_some());
    assert!(closed.text.contains("closed"), "{}", closed.text);
    let answers = store.round_answers(Some(round.id)).await.unwrap();
    assert_eq!(
        answers.len(),
        3,
        "closing keeps every answer and takes no new one"
    );
    assert!(answers
        .iter()
        .all(|a| a.activity_code != "P1.4" || a.status.is_none()));

    // /forget takes the member's monitoring answers too.
    member.send_text("/forget");
    let ask = member.reply().await;
    let _ = member.tap(&ask, "erase").await;
    assert_eq!(store.rows_about(employers[0]).await.unwrap(), 0);
    assert!(store.round_answers(None).await.unwrap().is_empty());
    support::harness::assert_telegram_happy(&fake);
    drop(bot);
}

#[tokio::test]
async fn one_open_round_per_audience_and_last_time_comes_from_the_round_before() {
    let (_dir, url) = database();
    let store = with_plan(&url).await;
    let plan = store
        .active_plan_or(dwcp_feedback::plan_io::default_plan, Utc::now())
        .await
        .unwrap();
    members(&store, &[1, 2], Constituency::Workers, Lang::Km).await;
    members(&store, &[3], Constituency::Government, Lang::En).await;
    let now = Utc::now();
    let request = |title: &str, audience: Audience, activities: Vec<ActivityCode>| RoundRequest {
        title: title.into(),
        activities,
        audience,
        until: now + chrono::Duration::days(10),
    };
    use dwcp_feedback::jobs::monitoring::{close, open, scope, RoundError};
    let p1 = scope(&plan, &["P1".to_string(), "X.1".to_string()]).unwrap();
    assert_eq!(
        p1.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        ["P1.1", "P1.2", "P1.3", "P1.4", "X.1"]
    );
    assert!(matches!(
        scope(&plan, &["P9.9".to_string()]),
        Err(RoundError::UnknownActivity(_))
    ));
    let first = open(
        &store,
        &plan,
        "bot",
        &request(
            "Q1",
            Audience::Constituency(Constituency::Workers),
            p1.clone(),
        ),
        Actor::Cli,
        now,
        None,
    )
    .await
    .unwrap();
    assert_eq!(first.messages, 2, "the workers, not the official");
    let twice = open(
        &store,
        &plan,
        "bot",
        &request(
            "Q1 again",
            Audience::Constituency(Constituency::Workers),
            p1.clone(),
        ),
        Actor::Cli,
        now,
        None,
    )
    .await;
    assert!(matches!(twice, Err(RoundError::AlreadyOpen(_))));
    assert!(matches!(
        open(
            &store,
            &plan,
            "bot",
            &request(" ", Audience::All, vec![]),
            Actor::Cli,
            now,
            None
        )
        .await,
        Err(RoundError::Title)
    ));

    // Member 1 answers in the first round; the second round shows it as "last time".
    let answer = |round: i64, c: &str, status: Status| Effect::Answer {
        round,
        code: code(c),
        status,
    };
    write(
        &store,
        1,
        &[
            answer(first.round.id, "P1.1", Status::Nothing),
            answer(first.round.id, "P1.2", Status::Started),
        ],
        None,
    )
    .await;
    let (closed, now_closed) = close(&store, first.round.id, Actor::Cli, now)
        .await
        .unwrap();
    assert!(now_closed && closed.closed_at.is_some());
    assert!(
        !close(&store, first.round.id, Actor::Cli, now)
            .await
            .unwrap()
            .1
    );
    let second = open(
        &store,
        &plan,
        "bot",
        &request("Q2", Audience::Constituency(Constituency::Workers), p1),
        Actor::Cli,
        now,
        None,
    )
    .await
    .unwrap();
    let seen = store.member_round(1, None, now).await.unwrap().unwrap();
    assert_eq!(seen.round.id, second.round.id);
    assert!(seen.reaches);
    assert_eq!(seen.previous.get(&code("P1.1")), Some(&Status::Nothing));
    assert!(seen.answers.is_empty());
    // The official is not in the workers' round.
    assert!(store.member_round(3, None, now).await.unwrap().is_none());
    let named = store
        .member_round(3, Some(second.round.id), now)
        .await
        .unwrap()
        .unwrap();
    assert!(!named.reaches);

    // An answer after the round closed is not stored, whatever the caller.
    write(
        &store,
        2,
        &[answer(first.round.id, "P1.1", Status::Done)],
        None,
    )
    .await;
    let results = store.round_results(closed.clone()).await.unwrap();
    assert_eq!(results.members, 1);
    // The export: pseudonymous, one row per answer, safe in a spreadsheet.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("monitoring.csv");
    let mut said = Vec::new();
    dwcp_feedback::cli::monitor::export(
        &store,
        dwcp_feedback::domain::ExportFormat::Csv,
        &path,
        None,
        now,
        &mut said,
    )
    .await
    .unwrap();
    let csv = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "a header and two answers: {csv}");
    assert!(lines[0].contains("round,round_title,respondent,activity,status"));
    assert!(lines[1].contains(",P1.1,nothing,workers,"), "{csv}");
    assert!(
        !csv.contains(",1,") && lines[1].contains(",R"),
        "no Telegram id: {csv}"
    );
    let p11 = results.activity(&code("P1.1")).unwrap();
    assert_eq!(p11.all.get(Status::Nothing), 1);
    assert_eq!(p11.all.total(), 1);
}

#[test]
fn round_buttons_fit_telegram_and_decode_only_as_written() {
    let longest = Callback::Monitor(MonitorCallback::Answer {
        round: i64::MAX,
        code: code("P9.99"),
        status: Status::Unknown,
    });
    let data = longest.encode();
    assert!(data.len() <= 64, "{data}");
    assert_eq!(Callback::decode(&data), Some(longest));
    for forged in [
        "ma:0:P1.1:d",
        "ma:1:P1.1:x",
        "ma:01:P1.1:d",
        "md:5",
        "mg:zz",
        "mo:1",
    ] {
        assert_eq!(Callback::decode(forged), None, "{forged}");
    }
}

mod pure {
    //! The round's part of the conversation as a pure function, with plain values.
    use super::code;
    use chrono::{TimeZone, Utc};
    use dwcp_feedback::conversation::reply::{Banner, Notice, Screen};
    use dwcp_feedback::conversation::*;
    use dwcp_feedback::domain::monitoring::{Round, Status};
    use dwcp_feedback::domain::{Audience, Comment, CommentText, Lang, Plan, Window};

    fn now() -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 3, 1, 3, 0, 0).unwrap()
    }

    fn round(closed: bool) -> MemberRound {
        MemberRound {
            round: Round {
                id: 7,
                title: "First half 2027".into(),
                plan_version: 1,
                activities: vec![code("P1.1"), code("P1.2"), code("P9.9")],
                audience: Audience::All,
                opened_at: now() - chrono::Duration::days(3),
                until: now() + chrono::Duration::days(3),
                closed_at: closed.then(|| now() - chrono::Duration::hours(1)),
            },
            reaches: true,
            answers: Default::default(),
            previous: [(code("P1.2"), Status::Nothing)].into(),
        }
    }

    fn facts(plan: &Plan, round: Option<MemberRound>, wanted: RoundWanted) -> Facts<'_> {
        let mut f = Facts::new(42, plan, ChatKind::Private, Lang::En);
        f.consent = Consent::Given;
        f.loaded.open_round = true;
        match wanted {
            RoundWanted::Current => f.open_round = round,
            RoundWanted::Id(id) => {
                f.round = round;
                f.loaded.round = Some(id);
            }
        }
        f
    }

    fn tap(cb: MonitorCallback) -> Input {
        Input::Callback {
            data: Callback::Monitor(cb),
            message_id: Some(5),
        }
    }

    #[test]
    fn an_answer_saves_moves_on_and_the_next_message_goes_to_the_activity_answered() {
        let plan = dwcp_feedback::plan_io::default_plan();
        let f = facts(&plan, Some(round(false)), RoundWanted::Id(7));
        let answer = tap(MonitorCallback::Answer {
            round: 7,
            code: code("P1.1"),
            status: Status::Done,
        });
        let out = step(&State::Menu, &answer, &f, now());
        assert_eq!(
            out.effects,
            vec![Effect::Answer {
                round: 7,
                code: code("P1.1"),
                status: Status::Done
            }]
        );
        assert_eq!(out.notice, Some(Notice::Saved));
        assert_eq!(
            out.state,
            State::Round {
                round: 7,
                code: code("P1.2"),
                answered: Some(code("P1.1"))
            }
        );
        let reply = &out.replies[0];
        assert_eq!(
            reply.banner,
            Some(Banner::Answered(code("P1.1"), Status::Done))
        );
        match &reply.screen {
            Screen::Monitor(MonitorScreen::Card {
                code: c,
                index,
                total,
                last_time,
                ..
            }) => {
                assert_eq!(
                    (c.as_str(), *index, *total),
                    ("P1.2", 2, 2),
                    "P9.9 is not in the plan"
                );
                assert_eq!(*last_time, Some(Status::Nothing));
            }
            other => panic!("{other:?}"),
        }
        // Typed next: a comment on P1.1, the activity the banner named, not the card's P1.2.
        let text = Input::Text("Training started in March".into());
        let out2 = step(&out.state, &text, &f, now());
        assert_eq!(
            out2.effects,
            vec![Effect::RoundComment {
                round: 7,
                code: code("P1.1"),
                comment: Comment::Text(CommentText::parse("Training started in March").unwrap()),
            }]
        );
    }

    #[test]
    fn the_last_answer_ends_the_round_and_only_a_named_activity_takes_words() {
        let plan = dwcp_feedback::plan_io::default_plan();
        let mut mr = round(false);
        mr.answers.insert(
            code("P1.1"),
            AnswerSeen {
                status: Some(Status::Done),
                ..Default::default()
            },
        );
        let f = facts(&plan, Some(mr.clone()), RoundWanted::Id(7));
        let last = tap(MonitorCallback::Answer {
            round: 7,
            code: code("P1.2"),
            status: Status::Unknown,
        });
        let out = step(&State::Menu, &last, &f, now());
        assert!(matches!(
            out.replies[0].screen,
            Screen::Monitor(MonitorScreen::Finished { total: 2, .. })
        ));
        assert_eq!(
            out.state,
            State::Round {
                round: 7,
                code: code("P1.2"),
                answered: Some(code("P1.2"))
            },
            "the banner names P1.2: words sent now are for it"
        );
        // Opened again once finished: the screen names no activity, so it takes no words.
        mr.answers.insert(
            code("P1.2"),
            AnswerSeen {
                status: Some(Status::Unknown),
                ..Default::default()
            },
        );
        let f = facts(&plan, Some(mr), RoundWanted::Current);
        let out = step(&State::Menu, &Input::Command(Command::Monitor), &f, now());
        assert!(matches!(
            out.replies[0].screen,
            Screen::Monitor(MonitorScreen::Finished { .. })
        ));
        assert_eq!(out.state, State::Menu);
    }

    #[test]
    fn a_closed_round_keeps_answers_as_they_are_and_the_consultations_window_does_not_stop_a_round()
    {
        let plan = dwcp_feedback::plan_io::default_plan();
        let answer = tap(MonitorCallback::Answer {
            round: 7,
            code: code("P1.1"),
            status: Status::Nothing,
        });
        let closed = facts(&plan, Some(round(true)), RoundWanted::Id(7));
        let out = step(&State::Menu, &answer, &closed, now());
        assert!(out.effects.is_empty());
        assert_eq!(out.notice, Some(Notice::Closed));
        assert!(matches!(
            out.replies[0].banner,
            Some(Banner::RoundClosed(_))
        ));

        let mut open = facts(&plan, Some(round(false)), RoundWanted::Id(7));
        open.window = Window {
            open: false,
            until: None,
            changed_at: now() - chrono::Duration::days(30),
        };
        let out = step(&State::Menu, &answer, &open, now());
        assert_eq!(out.effects.len(), 1, "rounds have their own dates");
    }

    #[test]
    fn the_round_is_loaded_first_and_a_round_not_theirs_is_refused() {
        let plan = dwcp_feedback::plan_io::default_plan();
        let answer = tap(MonitorCallback::Answer {
            round: 7,
            code: code("P1.1"),
            status: Status::Done,
        });
        // Facts loaded for another round: the step asks for this one and does nothing yet.
        let f = facts(&plan, None, RoundWanted::Current);
        let out = step(&State::Menu, &answer, &f, now());
        assert_eq!(out.needs.round, Some(7));
        assert!(out.effects.is_empty());
        let mut not_theirs = round(false);
        not_theirs.reaches = false;
        let f = facts(&plan, Some(not_theirs), RoundWanted::Id(7));
        let out = step(&State::Menu, &answer, &f, now());
        assert!(out.effects.is_empty());
        assert_eq!(out.notice, Some(Notice::Outdated));
        // No open round: the member is told so, from the menu's button or /monitor.
        let f = facts(&plan, None, RoundWanted::Current);
        let out = step(&State::Menu, &Input::Command(Command::Monitor), &f, now());
        assert!(matches!(
            out.replies[0].screen,
            Screen::Monitor(MonitorScreen::NoRound)
        ));
    }

    #[test]
    fn an_admins_round_opens_from_the_preview_it_showed_and_only_once() {
        let plan = dwcp_feedback::plan_io::default_plan();
        let mut f = Facts::new(1, &plan, ChatKind::Private, Lang::En);
        f.is_admin = true;
        f.audience_size = Some(12);
        f.loaded.audience_size = Some(Audience::All);
        let draft = RoundDraft {
            title: Some("Q1".into()),
            audience: Some(Audience::All),
            days: Some(30),
        };
        let state = State::NewRound {
            draft: draft.clone(),
        };
        let stale = tap(MonitorCallback::OpenRound(draft.fingerprint() ^ 1));
        let out = step(&state, &stale, &f, now());
        assert!(out.tasks.is_empty());
        assert_eq!(out.notice, Some(Notice::PreviewOutdated));
        let open = tap(MonitorCallback::OpenRound(draft.fingerprint()));
        let out = step(&state, &open, &f, now());
        assert!(matches!(&out.tasks[..], [Task::OpenRound(r)] if r.title == "Q1"));
        let twice = step(&out.state, &open, &f, now());
        assert!(twice.tasks.is_empty(), "a second tap opens nothing");
        // A member cannot open one.
        f.is_admin = false;
        let out = step(&state, &open, &f, now());
        assert!(out.tasks.is_empty());
    }
}

/// Members of `org` (a workers' organisation), consented, with their first name noted.
async fn org_members(store: &Store, ids: &[i64], org: &str) {
    use dwcp_feedback::conversation::ProfileField;
    let org = dwcp_feedback::domain::Org::find(org, &[]).unwrap();
    for &id in ids {
        let effects = [
            Effect::SetLang(Lang::En),
            Effect::GiveConsent,
            Effect::SetProfile(ProfileField::Constituency(Constituency::Workers)),
            Effect::SetProfile(ProfileField::Organisation(
                dwcp_feedback::domain::OrgChoice::Known(org.clone()),
            )),
        ];
        write(store, id, &effects, Some(&format!("Member{id}"))).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_focal_point_sees_and_reminds_only_their_own_members_who_have_not_finished() {
    const FOCAL: i64 = 920_001;
    let fake = FakeTelegram::start().await;
    let (_dir, url) = database();
    let store = with_plan(&url).await;
    let ours = [710_001, 710_002, 710_003];
    let theirs = [710_101, 710_102];
    org_members(&store, &ours, "CCAWDU").await;
    org_members(&store, &theirs, "BWTUC").await;
    store
        .add_coordinator("CCAWDU", FOCAL, Actor::Cli, Utc::now())
        .await
        .unwrap();
    let plan = store
        .active_plan_or(dwcp_feedback::plan_io::default_plan, Utc::now())
        .await
        .unwrap();
    let now = Utc::now();
    let activities = dwcp_feedback::jobs::monitoring::scope(&plan, &["P1.1".into()]).unwrap();
    let opened = dwcp_feedback::jobs::monitoring::open(
        &store,
        &plan,
        "dwcp_bot",
        &RoundRequest {
            title: "Workers' round".into(),
            activities,
            audience: Audience::Constituency(Constituency::Workers),
            until: now + chrono::Duration::days(7),
        },
        Actor::Cli,
        now,
        None,
    )
    .await
    .unwrap();
    assert_eq!(opened.messages, 5, "both unions' members are asked");
    // One of ours finished the one-activity round.
    write(
        &store,
        ours[0],
        &[Effect::Answer {
            round: opened.round.id,
            code: code("P1.1"),
            status: Status::Started,
        }],
        None,
    )
    .await;
    let bot = support::harness::start(&fake, &url, None).await;
    // The opening message went to everyone asked; drained so only reminders are counted below.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for &m in ours.iter().chain(&theirs) {
        assert_eq!(delivered(&fake, m).len(), 1, "member {m} told once");
    }

    let focal = fake.user(FOCAL, "Focal", Some("en"));
    focal.send_text("/monitor");
    let view = focal.reply().await;
    assert!(view.text.contains("3 members asked"), "{}", view.text);
    assert!(view.text.contains("1 finished"), "{}", view.text);
    assert!(view.text.contains("Member710002"), "{}", view.text);
    assert!(
        !view.text.contains("Member7101"),
        "another union's members: {}",
        view.text
    );
    let (_, sure) = focal.tap(&view, "Remind the 2").await;
    let (notice, _) = focal.tap(&sure, "Yes, remind them").await;
    assert!(notice.is_some());
    // The second tap on the same confirmation sends nothing more.
    let again = focal.tap_on(&sure, "Yes, remind them");
    assert!(focal.answer(&again).await.is_some());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        delivered(&fake, ours[0]).is_empty(),
        "finished: not reminded"
    );
    for &m in &ours[1..] {
        let got = delivered(&fake, m);
        assert_eq!(got.len(), 1, "member {m} reminded once");
        assert!(got[0].text.contains("reminds you"), "{}", got[0].text);
        assert!(got[0]
            .button("Answer")
            .is_some_and(|(_, url)| url.ends_with("start=mon")));
    }
    for &m in &theirs {
        assert!(
            delivered(&fake, m).is_empty(),
            "another union's member {m} is not reminded"
        );
    }
    // A member who is not a focal point cannot remind.
    let member = fake.user(theirs[0], "Other", Some("en"));
    member.send_text("/menu");
    let on = member.reply().await;
    let id = member.tap_data(on.id, &format!("mk:{}", opened.round.id));
    assert!(member.answer(&id).await.is_some());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(delivered(&fake, ours[1]).is_empty());
    support::harness::assert_telegram_happy(&fake);
    drop(bot);
}

#[test]
fn the_report_gains_a_monitoring_section_with_the_trend_and_where_the_sides_differ() {
    use dwcp_feedback::domain::monitoring::{Round, RoundResults, TallyRow};
    use dwcp_feedback::report::document::{self, Block, Span};
    use dwcp_feedback::report::{Filters, ReportBuilder, Typesetter};
    let plan = dwcp_feedback::plan_io::default_plan();
    let now = Utc::now();
    let round = |id: i64, title: &str| Round {
        id,
        title: title.into(),
        plan_version: 1,
        activities: plan.activities.iter().map(|a| a.code.clone()).collect(),
        audience: Audience::All,
        opened_at: now - chrono::Duration::days(40 - id * 10),
        until: now - chrono::Duration::days(30 - id * 10),
        closed_at: None,
    };
    let cell = |side: Constituency, status: Status, n: u64| TallyRow {
        activity: code("P1.1"),
        constituency: Some(side),
        status: Some(status),
        answers: n,
        comments: 0,
    };
    let latest = RoundResults::fold(
        round(2, "Second round"),
        8,
        2,
        &[
            cell(Constituency::Workers, Status::Nothing, 4),
            cell(Constituency::Employers, Status::Done, 3),
            cell(Constituency::Employers, Status::Started, 1),
        ],
    );
    let before = RoundResults::fold(
        round(1, "First round"),
        4,
        1,
        &[cell(Constituency::Workers, Status::Nothing, 4)],
    );
    let mut report = ReportBuilder::new(&plan, b"s", Lang::En).finish(
        dwcp_feedback::domain::Window::always_open(),
        Filters::default(),
        now,
        Lang::En,
    );
    report.rounds = vec![latest, before];
    let charts = dwcp_feedback::chart::ChartMaker::new();
    let doc = document::build(&report, &plan, Lang::En, &charts);
    let headings: Vec<&str> = doc
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Heading(_, h) => Some(h.as_str()),
            _ => None,
        })
        .collect();
    assert!(
        headings.contains(&"What members say has happened (monitoring)"),
        "{headings:?}"
    );
    assert!(headings.contains(&"Round by round"), "{headings:?}");
    let split: Vec<String> = doc
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Bullets(items) => Some(
                items
                    .iter()
                    .flatten()
                    .map(|s| match s {
                        Span::Plain(t) | Span::Bold(t) => t.clone(),
                    })
                    .collect::<String>(),
            ),
            _ => None,
        })
        .collect();
    assert!(
        split
            .iter()
            .any(|s| s.contains("P1.1") && s.contains("75.0 %") && s.contains("0.0 %")),
        "employers 3 of 4 done, workers none: {split:?}"
    );
    let trend = doc.blocks.iter().find_map(|b| match b {
        Block::Table { header, rows, .. } if header.contains(&"First round".to_string()) => {
            Some((header.clone(), rows[0].clone()))
        }
        _ => None,
    });
    let (header, p11) = trend.expect("a trend table");
    assert_eq!(
        header[1..],
        ["First round".to_string(), "Second round".to_string()]
    );
    assert_eq!(p11, ["P1.1", "0.0 %", "37.5 %"]);
    // Typeset once (in Khmer, the harder script); both languages as DOCX.
    let khmer = document::build(&report, &plan, Lang::Km, &charts);
    let pdf = Typesetter::new().pdf(&khmer, now.date_naive()).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(dwcp_feedback::report::docx::docx(&khmer).is_ok());
    assert!(dwcp_feedback::report::docx::docx(&doc).is_ok());
}

/// A round's message is the outbox's like any broadcast: a crash midway sends the rest after the
/// restart and nobody twice, while members answering the round get their cards at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_while_a_round_is_sent_tells_nobody_twice_and_members_answer_meanwhile() {
    use dwcp_feedback::config::Pacing;
    use support::fake_telegram::Limits;
    let fake = FakeTelegram::start().await;
    fake.set_limits(Some(Limits::TELEGRAM));
    let (_dir, url) = database();
    let store = with_plan(&url).await;
    let ids: Vec<i64> = (1..=150).map(|i| 730_000 + i).collect();
    members(&store, &ids, Constituency::Workers, Lang::Km).await;
    let bot = support::harness::start(&fake, &url, Some(Pacing::default())).await;
    let plan = store
        .active_plan_or(dwcp_feedback::plan_io::default_plan, Utc::now())
        .await
        .unwrap();
    let opened = dwcp_feedback::jobs::monitoring::open(
        &store,
        &plan,
        "dwcp_bot",
        &RoundRequest {
            title: "ឆមាសទីមួយ ឆ្នាំ ២០២៧".into(),
            activities: Vec::new(),
            audience: Audience::All,
            until: Utc::now() + chrono::Duration::days(30),
        },
        Actor::Cli,
        Utc::now(),
        None,
    )
    .await
    .unwrap();
    bot.engine.outbox_wake().notify_one();
    while store.tally(opened.broadcast).await.unwrap().sent < 40 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    bot.kill();
    let _bot = support::harness::start(&fake, &url, Some(Pacing::default())).await;
    // A member who got the message answers while the rest is sent.
    let member = fake.user(ids[0], "Sok", Some("km"));
    let started = std::time::Instant::now();
    member.send_text("/start mon");
    // The round's own message may arrive first: the card is the reply with buttons.
    let mut card = member.reply().await;
    while card.buttons.len() < 4 {
        card = member.reply().await;
    }
    assert!(card.text.contains("១/១៥"), "{}", card.text);
    let (_, next) = member.tap(&card, "មិនទាន់មានអ្វីទេ").await;
    assert!(next.text.contains("២/១៥"), "{}", next.text);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "answered beside the delivery"
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let tally = loop {
        let t = store.tally(opened.broadcast).await.unwrap();
        if t.left == 0 {
            break t;
        }
        assert!(tokio::time::Instant::now() < deadline, "{t:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(tally.sent + tally.uncertain, 150, "{tally:?}");
    assert!(tally.uncertain <= 2, "{tally:?}");
    for &id in &ids {
        let got = delivered(&fake, id)
            .into_iter()
            .filter(|m| m.text.contains("ឆមាសទីមួយ"))
            .count();
        assert!(got <= 1, "member {id} told {got} times");
    }
    assert_eq!(fake.late_after_429(), 0);
}
