//! The secretariat's command-line tools against real SQLite, and their effect on a running bot.

use crate::support;

use std::process::Command;

use chrono::{TimeZone, Utc};
use dwcp_feedback::cli;
use dwcp_feedback::conversation::{Effect, State};
use dwcp_feedback::domain::*;
use dwcp_feedback::store::{StepWrite, Store};
use support::fake_telegram::FakeTelegram;
use support::harness::{assert_telegram_happy, database, onboard, rate, start, with_plan};

fn at(minute: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 4, minute, 0).unwrap()
}

fn code(s: &str) -> ActivityCode {
    ActivityCode::parse(s).unwrap()
}

async fn member_rates(
    store: &Store,
    member: i64,
    c: Constituency,
    ratings: &[(&str, u8)],
    version: i64,
) {
    let mut effects = vec![
        Effect::GiveConsent,
        Effect::SetProfile(dwcp_feedback::conversation::ProfileField::Constituency(c)),
    ];
    effects.extend(ratings.iter().map(|(a, r)| Effect::Rate {
        code: code(a),
        rating: Rating::new(*r).unwrap(),
    }));
    store
        .apply(StepWrite {
            chat_id: member,
            state: &State::Menu,
            effects: &effects,
            plan_version: version,
            update_id: None,
            first_name: None,
            now: at(1),
        })
        .await
        .unwrap();
}

/// The built-in plan with P1.2 reworded, X.2 dropped, and marked validated.
fn validated_plan() -> String {
    dwcp_feedback::plan_io::DEFAULT_PLAN_TOML
        .replace("status = \"draft\"", "status = \"validated\"")
        .replace(
            "Update TVET curricula and competency standards with employers",
            "Update TVET curricula with employers and unions",
        )
        .split("[[activity]]\ncode = \"X.2\"")
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn importing_a_plan_keeps_the_ratings_of_unchanged_activities() {
    let (_dir, url) = database();
    let store = with_plan(&url).await;
    member_rates(
        &store,
        1,
        Constituency::Workers,
        &[("P1.1", 4), ("P1.2", 2), ("X.2", 5)],
        1,
    )
    .await;

    let mut out = Vec::new();
    cli::plan_import(
        &store,
        "validated.toml",
        validated_plan().as_bytes(),
        at(5),
        &mut out,
    )
    .await
    .unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("version 2")
            && out.contains("14 activities")
            && out.contains("1 rating carried over"),
        "{out}"
    );

    let plan = store.active_plan().await.unwrap().unwrap();
    assert_eq!(
        (plan.version, plan.is_draft(), plan.activities.len()),
        (2, false, 14)
    );
    assert_eq!(
        store.current_ratings(2).await.unwrap(),
        vec![(1, "P1.1".to_string(), 4)],
        "reworded P1.2 starts afresh"
    );
    assert_eq!(
        store.current_ratings(1).await.unwrap().len(),
        3,
        "answers on version 1 stay tied to it"
    );
    let audit = store.audit_log().await.unwrap();
    assert_eq!(
        (audit[0].actor, audit[0].action.as_str()),
        (None, "plan-import")
    );
}

#[tokio::test]
async fn a_broken_plan_file_is_reported_and_changes_nothing() {
    let (dir, url) = database();
    let broken = dir.path().join("broken.toml");
    let text = dwcp_feedback::plan_io::DEFAULT_PLAN_TOML
        .replacen("code = \"P1.2\"", "code = \"P1.1\"", 1)
        .replacen("priority = \"P3\"", "priority = \"P9\"", 1)
        .replacen("timeframe = \"2026Q1-2026Q4\"", "timeframe = \"2026Q5\"", 1);
    // Where each broken line now is, counted as an editor does (from 1).
    let line_of = |needle: &str| {
        text.lines()
            .position(|l| l.starts_with(needle))
            .map(|i| i + 1)
            .unwrap()
    };
    let (twice, p9, q5) = (
        // The second P1.1: the first is the original.
        text.lines()
            .enumerate()
            .filter(|(_, l)| l.starts_with("code = \"P1.1\""))
            .nth(1)
            .map(|(i, _)| i + 1)
            .unwrap(),
        line_of("priority = \"P9\""),
        line_of("timeframe = \"2026Q5\""),
    );
    std::fs::write(&broken, &text).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_dwcp-feedback"))
        .args(["plan", "import"])
        .arg(&broken)
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "3 problems; the active plan is unchanged".to_string(),
        format!("line {twice}, code: the code P1.1 is used twice"),
        format!("line {p9}, priority: the priority P9 is not defined in this file"),
        format!("line {q5}, timeframe: “2026Q5” is not a span of quarters"),
    ] {
        assert!(
            stdout.contains(expected.as_str()),
            "missing {expected:?} in:\n{stdout}"
        );
    }
    let store = Store::open(&url).await.unwrap();
    assert_eq!(
        store.active_plan().await.unwrap(),
        None,
        "nothing was imported"
    );
}

#[tokio::test]
async fn stats_prints_the_consolidated_figures() {
    let (_dir, url) = database();
    let store = with_plan(&url).await;
    member_rates(
        &store,
        1,
        Constituency::Workers,
        &[("P1.1", 5), ("P2.1", 2)],
        1,
    )
    .await;
    member_rates(&store, 2, Constituency::Employers, &[("P1.1", 3)], 1).await;
    let mut out = Vec::new();
    cli::stats(&store, &mut out).await.unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("Members 2 · ratings 3"), "{out}");
    assert!(
        out.contains("By constituency: workers 1, employers 1"),
        "{out}"
    );
    let p11 = out.lines().find(|l| l.starts_with("P1.1")).unwrap();
    assert_eq!(
        p11.split_whitespace().collect::<Vec<_>>(),
        [
            "P1.1",
            "2",
            "4.00",
            "4.00",
            "0/0/1/0/1",
            "5.00",
            "3.00",
            "—",
            "0",
            "0"
        ],
        "typed comments and voice notes in columns of their own"
    );
    assert!(out.contains("Lowest rated: P2.1 (2.00)"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_bot_follows_imports_and_the_window_set_from_the_command_line() {
    let fake = FakeTelegram::start().await;
    let (_dir, url) = database();
    let bot = start(&fake, &url, None).await;
    let member = fake.user(77, "Piseth", Some("en"));
    let card = onboard(&member).await;
    rate(&member, &card, "P1.1", 4).await;

    let store = Store::open(&url).await.unwrap();
    let mut out = Vec::new();
    cli::plan_import(
        &store,
        "validated.toml",
        validated_plan().as_bytes(),
        Utc::now(),
        &mut out,
    )
    .await
    .unwrap();
    member.send_text("/menu");
    let menu = member.reply().await;
    assert!(
        menu.text.contains("You have rated 1 of 14"),
        "the new plan, P1.1 carried over: {}",
        menu.text
    );
    assert!(
        !menu.text.contains("Draft plan"),
        "a validated plan has no draft marker: {}",
        menu.text
    );

    cli::window_set(&store, false, None, Utc::now(), &mut out)
        .await
        .unwrap();
    let (notice, closed) = member.tap(&menu, "Rate the plan").await;
    assert!(
        closed.text.contains("Consultation closed on"),
        "{}",
        closed.text
    );
    assert!(
        closed.button("Not useful").is_none(),
        "a closed card offers no rating"
    );
    // A rating button on a card sent before the close.
    let id = member.tap_on(&card, "1 Not useful");
    let notice2 = member.answer(&id).await;
    let refused = member.reply().await;
    assert_eq!(notice, None);
    assert_eq!(notice2.as_deref(), Some("🔒 The consultation is closed"));
    assert!(
        refused.text.contains("no longer change them"),
        "{}",
        refused.text
    );
    assert_eq!(
        bot.engine.store().current_ratings(2).await.unwrap().len(),
        1,
        "nothing changed"
    );
    assert_telegram_happy(&fake);
}

#[tokio::test]
async fn the_plan_template_is_edited_in_excel_and_imported_back() {
    let (dir, url) = database();
    let sheet = dir.path().join("plan.xlsx");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_dwcp-feedback"))
            .args(args)
            .env("DATABASE_URL", &url)
            .output()
            .unwrap()
    };
    let made = run(&[
        "plan",
        "template",
        "--filled",
        "--out",
        sheet.to_str().unwrap(),
    ]);
    assert!(made.status.success(), "{made:?}");
    assert!(String::from_utf8_lossy(&made.stdout).contains("15 activities"));
    // Sent back as it is, the sheet is recognised: no new version.
    let same = run(&["plan", "import", sheet.to_str().unwrap()]);
    assert!(same.status.success(), "{same:?}");
    assert!(
        String::from_utf8_lossy(&same.stdout)
            .contains("holds the active plan as it is (version 1)"),
        "{same:?}"
    );
    // Edited (as the secretariat would in Excel), it becomes version 2.
    let mut edited = dwcp_feedback::plan_io::default_plan();
    edited.activities[1].title.en = "Reworded in Excel".into();
    dwcp_feedback::plan_io::write_xlsx_template(&sheet, Some(&edited)).unwrap();
    let imported = run(&["plan", "import", sheet.to_str().unwrap()]);
    assert!(imported.status.success(), "{imported:?}");
    assert!(
        String::from_utf8_lossy(&imported.stdout).contains("Imported version 2"),
        "{imported:?}"
    );
    let store = Store::open(&url).await.unwrap();
    edited.version = 2;
    assert_eq!(store.active_plan().await.unwrap(), Some(edited));
}

#[tokio::test]
async fn organisations_focal_points_and_broadcasts_from_the_command_line() {
    let (_dir, url) = database();
    let store = with_plan(&url).await;
    member_rates(&store, 11, Constituency::Workers, &[], 1).await;
    member_rates(&store, 12, Constituency::Employers, &[], 1).await;
    let mut out = Vec::new();
    let bftu = dwcp_feedback::store::Org {
        code: "BFTU".into(),
        abbr: "BFTU".into(),
        name_en: "Building Federation".into(),
        name_km: "សហព័ន្ធសំណង់".into(),
        constituency: Constituency::Workers,
        added: true,
    };
    cli::org_add(&store, &bftu, at(1), &mut out).await.unwrap();
    assert!(
        cli::org_add(&store, &bftu, at(2), &mut out).await.is_err(),
        "a code is added once"
    );
    let ccawdu = dwcp_feedback::store::Org {
        code: "CCAWDU".into(),
        abbr: "CCAWDU".into(),
        ..bftu.clone()
    };
    assert!(
        cli::org_add(&store, &ccawdu, at(2), &mut out)
            .await
            .is_err(),
        "built-in codes are taken"
    );
    cli::coordinator_add(&store, "BFTU", 7001, at(3), &mut out)
        .await
        .unwrap();
    assert!(cli::coordinator_add(&store, "NOPE", 7002, at(3), &mut out)
        .await
        .is_err());
    // An announcement to an organisation nobody knows is refused with the codes there are,
    // as in the bot.
    let refused = cli::broadcast(
        &store,
        &Audience::Organisation("NOPE".into()),
        "Meeting",
        at(3),
        &mut out,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        refused.contains("no organisation NOPE") && refused.contains("CCAWDU"),
        "{refused}"
    );
    assert_eq!(
        store.coordinated_org(7001).await.unwrap().as_deref(),
        Some("BFTU")
    );
    cli::coordinator_add(&store, "CCAWDU", 7003, at(3), &mut out)
        .await
        .unwrap();
    cli::coordinator_remove(&store, 7003, at(4), &mut out)
        .await
        .unwrap();
    assert_eq!(store.coordinated_org(7003).await.unwrap(), None);
    assert!(
        cli::coordinator_remove(&store, 7003, at(5), &mut out)
            .await
            .is_err(),
        "not a focal point any more"
    );
    let mut list = Vec::new();
    cli::org_list(&store, &mut list).await.unwrap();
    let list = String::from_utf8(list).unwrap();
    assert!(
        list.contains("BFTU\tworkers\tBuilding Federation\tសហព័ន្ធសំណង់\t(added)\tcoordinators: 7001"),
        "{list}"
    );
    assert!(list.contains("CCAWDU\t"), "the built-in list too");

    let mut report = Vec::new();
    let to = Audience::Constituency(Constituency::Workers);
    cli::broadcast(&store, &to, "ប្រជុំថ្ងៃសុក្រ", at(4), &mut report)
        .await
        .unwrap();
    let report = String::from_utf8(report).unwrap();
    assert!(
        report.contains("to constituency:workers: 1 member."),
        "{report}"
    );
    // An organisation's code is matched in any case, typed as on the command line.
    store
        .apply(StepWrite {
            chat_id: 13,
            state: &State::Menu,
            effects: &[Effect::GiveConsent, support::harness::member_of("CCAWDU")],
            plan_version: 1,
            update_id: None,
            first_name: None,
            now: at(4),
        })
        .await
        .unwrap();
    let text = _dir.path().join("notice.txt");
    std::fs::write(&text, "ប្រជុំ").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_dwcp-feedback"))
        .args(["broadcast", "--to", "org:ccawdu", "--text-file"])
        .arg(&text)
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(said.contains("to org:CCAWDU: 1 member."), "{said}");
    assert!(
        cli::broadcast(&store, &Audience::All, "  ", at(5), &mut Vec::new())
            .await
            .is_err(),
        "an empty announcement is refused"
    );
}

/// `--version` says where the database stands, without creating or changing it.
#[tokio::test]
async fn version_names_the_database_migration_level() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("v.db").display());
    let version = || {
        let out = Command::new(env!("CARGO_BIN_EXE_dwcp-feedback"))
            .arg("--version")
            .env("DATABASE_URL", &db)
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let before = version();
    assert!(
        before.starts_with(&format!("dwcp-feedback {}\n", env!("CARGO_PKG_VERSION"))),
        "{before}"
    );
    assert!(before.contains("not created yet"), "{before}");
    assert!(
        !dir.path().join("v.db").exists(),
        "--version creates nothing"
    );
    Store::open(&db).await.unwrap().close().await;
    let latest = dwcp_feedback::store::latest_migration();
    assert!(latest >= 7);
    let after = version();
    assert!(
        after.contains(&format!("migration {latest} of {latest}, up to date")),
        "{after}"
    );
}

#[tokio::test]
async fn a_read_only_copy_exports_the_same_pseudonyms_and_is_not_written() {
    let (dir, url) = database();
    let store = with_plan(&url).await;
    member_rates(&store, 11, Constituency::Workers, &[("P1.1", 4)], 1).await;
    member_rates(&store, 12, Constituency::Employers, &[("P2.1", 2)], 1).await;
    store.close().await;
    let export = |db: String, out: &str| {
        let out = dir.path().join(out);
        let status = Command::new(env!("CARGO_BIN_EXE_dwcp-feedback"))
            .args(["export", "--format", "csv", "--out"])
            .arg(&out)
            .env("DATABASE_URL", db)
            .status()
            .unwrap();
        assert!(status.success());
        std::fs::read(out).unwrap()
    };
    let live = export(url.clone(), "live.csv");

    // The auditor's copy (a backup: a plain file copy could miss what is still in the WAL),
    // opened read-only: nothing may be written, not even the key.
    let copy = dir.path().join("copy.db");
    let backup = Command::new(env!("CARGO_BIN_EXE_dwcp-feedback"))
        .args(["backup", "--out"])
        .arg(&copy)
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(
        backup.status.success(),
        "{}",
        String::from_utf8_lossy(&backup.stderr)
    );
    let before = std::fs::read(&copy).unwrap();
    let audited = export(format!("sqlite://{}?mode=ro", copy.display()), "copy.csv");
    assert_eq!(audited, live, "same rows, same pseudonyms");
    assert_eq!(
        std::fs::read(&copy).unwrap(),
        before,
        "the copy is untouched"
    );
    let stats = Command::new(env!("CARGO_BIN_EXE_dwcp-feedback"))
        .arg("stats")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}?mode=ro", copy.display()),
        )
        .output()
        .unwrap();
    assert!(
        stats.status.success(),
        "{}",
        String::from_utf8_lossy(&stats.stderr)
    );
}

#[tokio::test]
async fn a_focal_point_reminds_from_try_and_the_secretariat_from_the_command_line() {
    use dwcp_feedback::store::{Actor, NewCampaign};
    let (dir, url) = database();
    let store = with_plan(&url).await;
    // `try` is chat 1: make it the union's focal point, with one member who has not finished.
    store
        .add_coordinator("CCAWDU", 1, Actor::Cli, at(0))
        .await
        .unwrap();
    let campaign = store
        .create_campaign(
            &NewCampaign {
                code: CampaignCode::generate().unwrap(),
                org_code: "CCAWDU".into(),
                title: "Union poll".into(),
                activities: vec![code("P1.1"), code("P1.2")],
                plan_version: 1,
                deadline: Utc.with_ymd_and_hms(2099, 1, 31, 17, 0, 0).unwrap(),
                auto_remind: true,
            },
            Actor::Cli,
            at(0),
        )
        .await
        .unwrap();
    store
        .apply(StepWrite {
            chat_id: 601,
            state: &State::Menu,
            effects: &[
                Effect::SetLang(Lang::En),
                Effect::GiveConsent,
                support::harness::member_of("CCAWDU"),
                Effect::JoinCampaign(campaign.id),
            ],
            plan_version: 1,
            update_id: None,
            first_name: None,
            now: at(1),
        })
        .await
        .unwrap();
    let outbox_rows = |store: Store| async move {
        let due = store.due_outbox(Utc::now(), 100, &[]).await.unwrap();
        due.into_iter().filter(|i| i.chat_id == 601).count()
    };

    // /campaign, 🔔 Remind (the first button), then 🔔 Send (the first again).
    let mut shown = Vec::new();
    dwcp_feedback::try_chat::run(
        store.clone(),
        Some(Lang::En),
        std::sync::Arc::new(dwcp_feedback::SystemClock),
        dir.path(),
        std::io::Cursor::new(b"/campaign\n1\n1\n:quit\n".to_vec()),
        &mut shown,
    )
    .await
    .unwrap();
    let shown = String::from_utf8(shown).unwrap();
    assert!(shown.contains("1 message queued in the outbox"), "{shown}");
    assert_eq!(outbox_rows(store.clone()).await, 1);

    // The secretariat, by the campaign's link, without being anyone's focal point.
    let link = campaign.code.link("dwcp_test_bot");
    let output = Command::new(env!("CARGO_BIN_EXE_dwcp-feedback"))
        .args(["remind", &link, "--bot-username", "dwcp_test_bot"])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("Queued a reminder to 1 member of"),
        "{stdout}"
    );
    assert_eq!(outbox_rows(store.clone()).await, 2);
    let due = Command::new(env!("CARGO_BIN_EXE_dwcp-feedback"))
        .args(["remind", "--due", "--bot-username", "dwcp_test_bot"])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&due.stdout).contains("No automatic reminder is due now"),
        "{}",
        String::from_utf8_lossy(&due.stdout)
    );
    // Without the bot's username (no bot has run on this database) it says what is missing.
    let unknown = Command::new(env!("CARGO_BIN_EXE_dwcp-feedback"))
        .args(["remind", &link])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("--bot-username"));
}
