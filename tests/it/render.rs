//! Every screen, in both languages, as Telegram will judge it: valid HTML, within 4096
//! characters, every button's callback data within 64 bytes and decoding back to itself.

use crate::support;

use dwcp_feedback::conversation::reply::paginate;
use dwcp_feedback::conversation::reply::{
    Banner, Hint, MineItem, Placement, PriorityProgress, Progress, Reply, Screen, MAX_GROUP_CARDS,
    ORG_PAGE,
};
use dwcp_feedback::conversation::{
    AdminUnchanged, Back, Callback, CampaignCallback, CampaignScreen, CardCallback, CardScreen,
    CommentSeen, OtherKind, ProfileCallback, ProfileScreen, StaffCallback, StaffScreen, TextStart,
    MAX_CALLBACK_BYTES,
};
use dwcp_feedback::domain::*;
use dwcp_feedback::messages::{render, Action};
use support::fake_telegram::parse_html;

fn closed() -> chrono::DateTime<chrono::Utc> {
    chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2027, 3, 31, 17, 0, 0).unwrap()
}

/// The monitoring screens at their longest: a round of every activity, a long title with
/// markup-like text, counts on every activity and a round before it.
fn monitor_screens(plan: &Plan) -> Vec<Screen> {
    use dwcp_feedback::conversation::{AnswerSeen, MonitorScreen, RoundDraft, TextStart};
    use dwcp_feedback::domain::monitoring::{Round, RoundResults, Status, TallyRow};
    let round = Round {
        id: i64::MAX,
        title: "<ជុំ> & ".repeat(14),
        plan_version: 1,
        activities: plan.activities.iter().map(|a| a.code.clone()).collect(),
        audience: Audience::Organisation("CCAWDU".into()),
        opened_at: closed() - chrono::Duration::days(30),
        until: closed(),
        closed_at: None,
    };
    let rows: Vec<TallyRow> = plan
        .activities
        .iter()
        .flat_map(|a| {
            Constituency::ALL.into_iter().flat_map(move |c| {
                Status::ALL.into_iter().map(move |s| TallyRow {
                    activity: a.code.clone(),
                    constituency: Some(c),
                    status: Some(s),
                    answers: if c == Constituency::Workers && s == Status::Done {
                        90
                    } else {
                        3
                    },
                    comments: 2,
                })
            })
        })
        .collect();
    let results = RoundResults::fold(round.clone(), 123_456, 99_999, &rows);
    let code = plan.activities[0].code.clone();
    let answer = AnswerSeen {
        status: Some(Status::Started),
        comment: dwcp_feedback::conversation::CommentSeen {
            text: Some(TextStart::of(&"<b>ok</b> & ".repeat(10))),
            voice: Some(75),
        },
    };
    let summary = dwcp_feedback::domain::summary::Summary::new(plan, Default::default(), &[]);
    vec![
        Screen::Staff(StaffScreen::Summary {
            summary,
            page: 0,
            round: Some(Box::new((
                results.clone(),
                Some(RoundResults::fold(round.clone(), 1, 0, &rows[..40])),
            ))),
        }),
        Screen::Monitor(MonitorScreen::Card {
            round: round.clone(),
            code: code.clone(),
            index: 1,
            total: plan.activities.len(),
            answer: answer.clone(),
            last_time: Some(Status::Nothing),
            answered: None,
            closed_since: None,
        }),
        Screen::Monitor(MonitorScreen::Card {
            round: round.clone(),
            code: plan.activities.last().unwrap().code.clone(),
            index: plan.activities.len(),
            total: plan.activities.len(),
            answer: AnswerSeen::default(),
            last_time: None,
            answered: Some((code.clone(), Status::Done)),
            closed_since: Some(closed()),
        }),
        Screen::Monitor(MonitorScreen::Finished {
            round: round.clone(),
            total: plan.activities.len(),
            answered: Some((code, Status::Unknown)),
        }),
        Screen::Monitor(MonitorScreen::NoRound),
        Screen::Monitor(MonitorScreen::Rounds {
            list: vec![
                dwcp_feedback::domain::monitoring::RoundCounts {
                    round: round.clone(),
                    members: 123_456,
                    finished: 99_999,
                };
                7
            ],
            now: closed() - chrono::Duration::days(1),
        }),
        Screen::Monitor(MonitorScreen::Rounds {
            list: vec![],
            now: closed(),
        }),
        Screen::Monitor(MonitorScreen::Results {
            results: results.clone(),
            previous: Some(RoundResults::fold(round.clone(), 1, 0, &rows[..40])),
            now: closed(),
        }),
        Screen::Monitor(MonitorScreen::AskTitle),
        Screen::Monitor(MonitorScreen::AskAudience),
        Screen::Monitor(MonitorScreen::AskDays),
        Screen::Monitor(MonitorScreen::Preview {
            draft: RoundDraft {
                title: Some(round.title.clone()),
                audience: Some(Audience::Constituency(Constituency::Employers)),
                days: Some(60),
            },
            activities: plan.activities.len(),
            recipients: 1,
        }),
        Screen::Monitor(MonitorScreen::Opening),
        Screen::Monitor(MonitorScreen::ConfirmClose { round }),
    ]
}

fn every_screen(plan: &Plan) -> Vec<Screen> {
    let mut screens_extra = Vec::new();
    let progress = Progress {
        rated: 7,
        total: plan.activities.len(),
    };
    for why in [
        AdminUnchanged::Already,
        AdminUnchanged::NotAnAdmin,
        AdminUnchanged::FromEnvironment,
    ] {
        screens_extra.push(Screen::Staff(StaffScreen::AdminUnchanged {
            user_id: i64::MAX,
            why,
        }));
    }
    let long_name = OrgChoice::Named("ស".repeat(120));
    let ccawdu = Org::find("CCAWDU", &[]).unwrap();
    screens_extra.extend(monitor_screens(plan));
    let mut screens = vec![
        Screen::Staff(StaffScreen::UnknownOrganisation {
            code: "<NOPE&>".into(),
            known: Org::codes(&[]),
        }),
        Screen::Staff(StaffScreen::FocalAlready {
            user_id: i64::MAX,
            org: ccawdu.clone(),
        }),
        Screen::Staff(StaffScreen::NotFocal { user_id: i64::MAX }),
        Screen::Staff(StaffScreen::WindowAlready {
            window: dwcp_feedback::domain::Window::always_open(),
            now: chrono::Utc::now(),
        }),
        Screen::Staff(StaffScreen::ConfirmFocalMove {
            user_id: (1 << 52) - 1,
            from: "CAMFEBA".into(),
            to: ccawdu,
        }),
        Screen::Declined,
        Screen::Campaign(CampaignScreen::SwitchOrg {
            campaign: i64::MAX,
            title: "<ការស្ទង់មតិ> & ".repeat(7),
            from_side: Some(Constituency::Workers),
            from_org: Some(long_name.clone()),
            to_side: Constituency::Employers,
            to_org: Some(long_name),
        }),
        Screen::Campaign(CampaignScreen::SwitchOrg {
            campaign: 1,
            title: "Poll".into(),
            from_side: None,
            from_org: None,
            to_side: Constituency::Workers,
            to_org: None,
        }),
        Screen::Profile(ProfileScreen::AskConstituency),
        Screen::Profile(ProfileScreen::AskSector),
        Screen::Profile(ProfileScreen::AskGender),
        Screen::Menu {
            progress,
            draft: true,
            closed_since: None,
            until: Some(closed()),
            held: ["ABCDEFGHIJKL", "P1.1", "ABCDEFGHIJKM", "P3.4"]
                .iter()
                .map(|c| ActivityCode::parse(c).unwrap())
                .collect(),
            round: Some((
                "ឆមាសទីមួយ ឆ្នាំ ២០២៧ <b>& a title of a hundred characters, as long as one may be"
                    .into(),
                3,
                15,
            )),
        },
        Screen::Menu {
            progress: Progress {
                rated: 15,
                total: 15,
            },
            draft: false,
            closed_since: None,
            until: None,
            held: vec![],
            round: None,
        },
        Screen::Menu {
            progress,
            draft: true,
            closed_since: Some(closed()),
            until: None,
            held: vec![],
            round: None,
        },
        Screen::WindowClosed { since: closed() },
        Screen::NotAllowed,
        Screen::Staff(StaffScreen::WindowAdmin {
            window: Window {
                open: false,
                until: None,
                changed_at: closed(),
            },
            now: closed(),
        }),
        Screen::Staff(StaffScreen::WindowAdmin {
            window: Window {
                open: true,
                until: Some(closed() + chrono::Duration::days(9)),
                changed_at: closed(),
            },
            now: closed(),
        }),
        Screen::Staff(StaffScreen::WindowUsage),
        Screen::Staff(StaffScreen::ChooseExport),
        Screen::Staff(StaffScreen::AdminChanged {
            user_id: 123,
            added: true,
        }),
        Screen::Staff(StaffScreen::AdminChanged {
            user_id: 123,
            added: false,
        }),
        Screen::Staff(StaffScreen::AdminUsage { admins: vec![] }),
        Screen::Staff(StaffScreen::AdminUsage {
            admins: vec![
                AdminRole {
                    user_id: i64::MAX,
                    from_environment: true,
                },
                AdminRole {
                    user_id: 7,
                    from_environment: false,
                },
            ],
        }),
        Screen::Campaign(CampaignScreen::CampaignUsage),
        Screen::Campaign(CampaignScreen::NotCoordinator),
        Screen::Campaign(CampaignScreen::Campaigns {
            list: vec![],
            now: chrono::Utc::now(),
            page: 0,
            pages: 1,
        }),
        // A page of open campaigns, with their buttons…
        Screen::Campaign(CampaignScreen::Campaigns {
            list: (1..=2).map(|i| busy_campaign(plan, i)).collect(),
            now: chrono::Utc::now() - chrono::Duration::days(1),
            page: 1,
            pages: 4,
        }),
        // …and of closed ones.
        Screen::Campaign(CampaignScreen::Campaigns {
            list: (1..=2).map(|i| busy_campaign(plan, i)).collect(),
            now: chrono::Utc::now() + chrono::Duration::days(1),
            page: 3,
            pages: 4,
        }),
        Screen::Campaign(CampaignScreen::ConsultationClosed),
        Screen::Campaign(CampaignScreen::ConfirmRemind {
            campaign_id: 7,
            title: "<ការពិគ្រោះ> & \"2027\"".repeat(4),
            count: 1234,
        }),
        Screen::Staff(StaffScreen::AdminNotSelf),
        Screen::Staff(StaffScreen::FileTooLarge),
        Screen::Cards(CardScreen::AllRated {
            progress,
            rated: None,
        }),
        Screen::Cards(CardScreen::AllRated {
            progress,
            rated: Some((plan.activities[14].code.clone(), Rating::new(5).unwrap())),
        }),
        Screen::Privacy {
            selected: Lang::Km,
            asking: true,
        },
        Screen::Privacy {
            selected: Lang::En,
            asking: false,
        },
        Screen::Help,
        Screen::ConfirmForget,
        Screen::Forgotten,
        Screen::GroupInvite,
        Screen::Campaign(CampaignScreen::GroupNoCampaign),
        Screen::Campaign(CampaignScreen::AskCampaignTitle),
        Screen::Staff(StaffScreen::AskAnnounceAudience),
        Screen::Staff(StaffScreen::FocalUsage),
        Screen::Staff(StaffScreen::FocalPoints { list: vec![] }),
        // More focal points than one message holds: cut, whole lines only.
        Screen::Staff(StaffScreen::FocalPoints {
            list: (0..400)
                .map(|i| dwcp_feedback::store::FocalPoint {
                    opened: true,
                    org_code: if i % 2 == 0 {
                        "CCAWDU".into()
                    } else {
                        format!("ADDED-{i}")
                    },
                    member_id: i64::MAX - i,
                    first_name: Some("<Sokha> & ស្រីមុំ".repeat(3)),
                })
                .collect(),
        }),
        Screen::Staff(StaffScreen::FocalChanged {
            user_id: i64::MAX,
            org: Some(Org::built_in(reference::organisation("CCAWDU").unwrap())),
        }),
        Screen::Staff(StaffScreen::FocalChanged {
            user_id: 1,
            org: None,
        }),
        Screen::Staff(StaffScreen::AskAnnounceText {
            audience: Audience::Organisation("ABCDEFGHIJ-KLMN.OP_Q".into()),
        }),
        Screen::Staff(StaffScreen::AnnouncePreview {
            audience: Audience::Constituency(Constituency::Employers),
            // The longest text an admin may write, every character one that HTML escapes.
            text: "<&>".repeat(3500 / 3),
            recipients: 50_000,
        }),
        Screen::Staff(StaffScreen::AnnouncePreview {
            audience: Audience::All,
            text: "ការប្រជុំ".into(),
            recipients: 0,
        }),
        Screen::Staff(StaffScreen::AnnounceQueued {
            audience: Audience::All,
            recipients: 12_345,
        }),
        Screen::Campaign(CampaignScreen::AskCampaignScope {
            title: "<Garment> & footwear ".repeat(5),
        }),
        Screen::Campaign(CampaignScreen::PickCampaignActivities {
            title: "<Garment> & footwear ".repeat(5),
            page: 1,
            pages: 3,
            items: plan
                .activities
                .iter()
                .take(6)
                .enumerate()
                .map(|(i, a)| (a.code.clone(), i % 2 == 0))
                .collect(),
            chosen: 3,
        }),
        Screen::Campaign(CampaignScreen::AskCampaignDeadline {
            title: "<Garment> & footwear ".repeat(5),
            activities: 15,
            options: [7u8, 14, 28]
                .iter()
                .map(|d| {
                    (
                        *d,
                        chrono::Utc::now() + chrono::Duration::days(i64::from(*d)),
                    )
                })
                .collect(),
        }),
        Screen::Campaign(CampaignScreen::GroupCampaignCard {
            cards: (0..MAX_GROUP_CARDS)
                .map(|_| dwcp_feedback::conversation::CampaignCard {
                    title: "Garment & <footwear> workers' voice ".repeat(3)[..100].to_string(),
                    code: CampaignCode::generate().unwrap(),
                    deadline: chrono::Utc::now(),
                    org: Org {
                        code: "LONG".into(),
                        abbr: "LONG".into(),
                        name_en: "Federation of <Independent> Workers' Unions ".repeat(3),
                        name_km: "សហព័ន្ធសហជីពកម្មករឯករាជ្យ ".repeat(5),
                        constituency: Constituency::Workers,
                        added: true,
                    },
                })
                .collect(),
        }),
        Screen::Outdated,
        Screen::Cards(CardScreen::Mine {
            page: 0,
            pages: 1,
            items: vec![],
            closed: false,
        }),
        Screen::Priorities {
            items: plan
                .priorities
                .iter()
                .map(|p| PriorityProgress {
                    code: p.code.clone(),
                    rated: 1,
                    total: 4,
                })
                .collect(),
        },
    ];
    for lang in Lang::ALL {
        screens.push(Screen::Welcome {
            selected: lang,
            draft: true,
        });
        screens.push(Screen::ChooseLang { current: lang });
        let longest = OrgChoice::Named("ក្ក".repeat(60));
        let profile = Profile {
            constituency: Some(Constituency::Employers),
            organisation: Some(longest),
            province: Province::new(12),
            sector: Some(Sector::Garment),
            gender: Some(Gender::Undisclosed),
        };
        screens.push(Screen::Settings {
            profile,
            lang,
            reminders: true,
        });
        screens.push(Screen::Settings {
            profile: Profile::default(),
            lang,
            reminders: false,
        });
    }
    // The secretariat may add organisations with long names, in every constituency.
    let added: Vec<Org> = Constituency::ALL
        .iter()
        .enumerate()
        .map(|(i, c)| Org {
            code: format!("ADDED-{i}.x_y"),
            abbr: format!("ADDED-{i}.x_y"),
            name_en: "Federation of <Independent> & Democratic Workers' Unions ".repeat(3),
            name_km: "សហព័ន្ធសហជីពកម្មករឯករាជ្យ និងប្រជាធិបតេយ្យ ".repeat(4),
            constituency: *c,
            added: true,
        })
        .collect();
    for c in Constituency::ALL {
        let all = Org::picker(c, &added);
        assert_eq!(all.last().map(|o| o.constituency), Some(c));
        for page in 0..3 {
            let (page, pages, items) = paginate(&all, ORG_PAGE, page);
            screens.push(Screen::Profile(ProfileScreen::AskOrganisation {
                constituency: c,
                page,
                pages,
                items,
            }));
        }
    }
    for page in 0..4 {
        screens.push(Screen::Profile(ProfileScreen::AskProvince { page }));
    }
    let cells: Vec<_> = plan
        .activities
        .iter()
        .flat_map(|a| {
            [
                Constituency::Workers,
                Constituency::Employers,
                Constituency::Government,
            ]
            .into_iter()
            .map(move |c| dwcp_feedback::domain::summary::Cell {
                activity: a.code.to_string(),
                constituency: Some(c),
                rating: 4,
                count: 1234,
                texts: 56,
                voices: 7,
            })
        })
        .collect();
    let members = [(Some(Constituency::Workers), 40_000), (None, 12)]
        .into_iter()
        .collect();
    let summary = dwcp_feedback::domain::summary::Summary::new(plan, members, &cells);
    for page in 0..=plan.priorities.len() as u8 {
        screens.push(Screen::Staff(StaffScreen::Summary {
            summary: summary.clone(),
            page,
            round: None,
        }));
    }
    for hint in [Hint::UseButtons, Hint::OrgNameInvalid] {
        screens.push(Screen::Hint(hint));
    }
    for kind in [
        OtherKind::Sticker,
        OtherKind::Photo,
        OtherKind::Video,
        OtherKind::Document,
        OtherKind::Location,
        OtherKind::Contact,
        OtherKind::Audio,
        OtherKind::Other,
    ] {
        screens.push(Screen::Hint(Hint::Unsupported(kind)));
    }
    screens.extend(activity_screens(plan, progress));
    for p in &plan.priorities {
        let items: Vec<_> = plan
            .activities_of(&p.code)
            .map(|a| (a.code.clone(), true))
            .collect();
        screens.push(Screen::Activities {
            priority: p.code.clone(),
            page: 0,
            pages: 2,
            items,
        });
    }
    screens.extend(mine_screens(plan));
    screens.extend(screens_extra);
    screens
}

/// A comment as long as a member may write, in either script.
/// A long typed comment (its start, as screens get it) with a voice note beside it.
fn long_comment(i: usize) -> CommentSeen {
    let start: String = if i % 2 == 0 {
        "ត្រូវការអ្នកត្រួតពិនិត្យបន្ថែមទៀតនៅរោងចក្រ"
            .chars()
            .cycle()
            .take(48)
            .collect()
    } else {
        "We need more labour inspectors in the factories of Kandal"
            .chars()
            .take(48)
            .collect()
    };
    CommentSeen {
        text: Some(TextStart {
            start,
            chars: 15_999,
        }),
        voice: Some(3_599),
    }
}

/// Every card, comment question and withdrawal question, in every shape the flow shows.
fn activity_screens(plan: &Plan, progress: Progress) -> Vec<Screen> {
    let mut screens = Vec::new();
    let (five, one) = (Rating::new(5).unwrap(), Rating::new(1).unwrap());
    for (i, a) in plan.activities.iter().enumerate() {
        let before = &plan.activities[(i + plan.activities.len() - 1) % plan.activities.len()];
        for given in [
            None,
            Some((
                five,
                CommentSeen {
                    text: None,
                    voice: Some(754),
                },
            )),
            Some((one, long_comment(i))),
        ] {
            for closed_since in [None, Some(closed())] {
                for (back, rated, held) in [
                    (Back::Next, Some((before.code.clone(), five)), None),
                    (
                        Back::Next,
                        Some((before.code.clone(), one)),
                        Some(long_comment(i)),
                    ),
                    (Back::List(1), None, None),
                    (Back::Mine(2), None, Some(long_comment(i))),
                ] {
                    screens.push(Screen::Cards(CardScreen::Card {
                        code: a.code.clone(),
                        given: given.clone(),
                        progress,
                        closed_since,
                        back,
                        rated,
                        held,
                    }));
                }
            }
        }
        for (has_comment, low) in [(true, false), (false, true)] {
            screens.push(Screen::Cards(CardScreen::AskComment {
                code: a.code.clone(),
                rating: Rating::new(if low { 1 } else { 3 }).unwrap(),
                has_comment,
                back: Back::List(3),
                low,
            }));
        }
        screens.push(Screen::Cards(CardScreen::ConfirmWithdraw {
            code: a.code.clone(),
            page: 3,
        }));
        screens.push(Screen::Cards(CardScreen::PlaceComment {
            code: a.code.clone(),
        }));
        screens.push(Screen::Cards(CardScreen::About {
            code: a.code.clone(),
            back: Back::Mine(4),
        }));
    }
    screens
}

/// My feedback, a full page of long comments and voice notes, open and closed.
fn mine_screens(plan: &Plan) -> Vec<Screen> {
    let items: Vec<_> = plan
        .activities
        .iter()
        .enumerate()
        .take(dwcp_feedback::conversation::reply::MINE_PAGE)
        .map(|(i, a)| MineItem {
            code: a.code.clone(),
            rating: Rating::new(4).unwrap(),
            comment: if i % 3 == 0 {
                CommentSeen {
                    text: None,
                    voice: Some(65),
                }
            } else {
                long_comment(i)
            },
        })
        .collect();
    [false, true]
        .into_iter()
        .map(|closed| {
            Screen::Cards(CardScreen::Mine {
                page: 1,
                pages: 3,
                items: items.clone(),
                closed,
            })
        })
        .collect()
}

#[test]
fn every_screen_is_something_telegram_accepts_in_both_languages() {
    let plan = dwcp_feedback::plan_io::default_plan();
    let keys = locale_keys();
    let mut checked = 0;
    for screen in every_screen(&plan) {
        for banner in [
            None,
            Some(Banner::CommentSaved(
                ActivityCode::parse("ABCDEFGHIJKL").unwrap(),
            )),
            Some(Banner::CommentRejected(CommentError::TooLong)),
        ] {
            for lang in Lang::ALL {
                let reply = Reply {
                    placement: Placement::New,
                    banner: banner.clone(),
                    screen: screen.clone(),
                };
                let r = render(&reply, lang, &plan, "dwcp_bot");
                let visible = parse_html(&r.text)
                    .unwrap_or_else(|e| panic!("{screen:?} in {lang:?}: {e}\n{}", r.text));
                assert!(
                    r.fitted && visible.encode_utf16().count() <= 4096,
                    "{screen:?} too long"
                );
                if lang == Lang::Km && !matches!(screen, Screen::GroupInvite) {
                    assert!(
                        visible
                            .chars()
                            .any(|c| ('\u{1780}'..='\u{17FF}').contains(&c)),
                        "{screen:?} has no Khmer"
                    );
                }
                for key in &keys {
                    assert!(
                        !visible.contains(key.as_str()),
                        "untranslated key {key} in {screen:?} ({lang:?})"
                    );
                }
                for button in r.keyboard.buttons() {
                    assert!(!button.label.trim().is_empty(), "empty label in {screen:?}");
                    // Long labels wrap into unreadable stacks on small phones.
                    let shown = unicode_segmentation::UnicodeSegmentation::graphemes(
                        button.label.as_str(),
                        true,
                    )
                    .count();
                    assert!(shown <= 56, "label too long ({shown}): {}", button.label);
                    if let Action::Callback(cb) = &button.action {
                        let data = cb.encode();
                        assert!(data.len() <= MAX_CALLBACK_BYTES, "{data} is over 64 bytes");
                        assert_eq!(
                            Callback::decode(&data).as_ref(),
                            Some(cb),
                            "{data} does not round-trip"
                        );
                    }
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 400, "only {checked} renders checked");
}

#[test]
fn oversized_plan_text_is_cut_on_a_cluster_boundary_not_rejected() {
    let mut plan = dwcp_feedback::plan_io::default_plan();
    plan.activities[0].description.km = "ស្ត្រី".repeat(1500);
    let reply = Reply {
        placement: Placement::New,
        banner: None,
        screen: Screen::Cards(CardScreen::Card {
            code: plan.activities[0].code.clone(),
            given: None,
            progress: Progress {
                rated: 0,
                total: 15,
            },
            closed_since: None,
            back: Back::Next,
            rated: None,
            held: None,
        }),
    };
    let r = render(&reply, Lang::Km, &plan, "bot");
    let visible = parse_html(&r.text).expect("still valid HTML");
    assert!(!r.fitted);
    assert!(visible.encode_utf16().count() <= 4096);
    assert!(
        !visible.trim_end_matches('…').ends_with('\u{17D2}'),
        "a coeng left dangling"
    );
}

#[test]
fn every_callback_round_trips_within_64_bytes() {
    let longest = ActivityCode::parse("ABCDEFGHIJKL").unwrap();
    let priority = PriorityCode::parse("ABCDEFGHIJKL").unwrap();
    let all = vec![
        Callback::Lang(Lang::Km),
        Callback::Consent(true),
        Callback::Consent(false),
        Callback::Profile(ProfileCallback::Constituency(Constituency::Government)),
        Callback::Profile(ProfileCallback::OrgPage(99)),
        Callback::Profile(ProfileCallback::Org("CAMFEBA".into())),
        Callback::Profile(ProfileCallback::Org("ABCDEFGHIJ-KLMN.OP_Q".into())),
        Callback::Profile(ProfileCallback::ProvincePage(3)),
        Callback::Profile(ProfileCallback::Province(Province::new(25).unwrap())),
        Callback::Profile(ProfileCallback::Sector(Sector::Public)),
        Callback::Profile(ProfileCallback::Gender(Gender::Undisclosed)),
        Callback::Profile(ProfileCallback::SkipStep),
        Callback::Profile(ProfileCallback::SkipRest),
        Callback::Menu,
        Callback::Priorities,
        Callback::Activities { priority, page: 99 },
        Callback::Cards(CardCallback::Open(longest.clone(), Back::Next)),
        Callback::Cards(CardCallback::Open(longest.clone(), Back::List(99))),
        Callback::Cards(CardCallback::Open(longest.clone(), Back::Mine(99))),
        Callback::Privacy,
        Callback::Cards(CardCallback::About(longest.clone())),
        Callback::Cards(CardCallback::Rate(longest.clone(), Rating::new(5).unwrap())),
        Callback::Cards(CardCallback::AddComment(longest.clone())),
        Callback::Cards(CardCallback::SkipComment(longest.clone())),
        Callback::Cards(CardCallback::NextUnrated),
        Callback::Cards(CardCallback::Mine(99)),
        Callback::Cards(CardCallback::Withdraw(longest.clone())),
        Callback::Cards(CardCallback::WithdrawConfirmed(longest.clone(), 99)),
        Callback::Cards(CardCallback::Place(longest)),
        Callback::Cards(CardCallback::DropPlaced),
        Callback::Settings,
        Callback::Profile(ProfileCallback::Edit),
        Callback::ChooseLang,
        Callback::Help,
        Callback::Forget,
        Callback::ForgetConfirmed,
        Callback::Staff(StaffCallback::Summary(3)),
        Callback::Staff(StaffCallback::Export(
            dwcp_feedback::domain::ExportFormat::Xlsx,
        )),
        Callback::Staff(StaffCallback::Window(true)),
        Callback::Staff(StaffCallback::Window(false)),
        Callback::Campaign(CampaignCallback::Remind(1)),
        Callback::Campaign(CampaignCallback::Remind(i64::MAX)),
        Callback::Campaign(CampaignCallback::RemindSend(i64::MAX)),
        Callback::Campaign(CampaignCallback::Campaigns(0)),
        Callback::Campaign(CampaignCallback::NewCampaign),
        Callback::Campaign(CampaignCallback::CampaignPick(99)),
        Callback::Campaign(CampaignCallback::CampaignToggle(
            ActivityCode::parse("ABCDEFGHIJKL").unwrap(),
        )),
        Callback::Campaign(CampaignCallback::CampaignPicked),
        Callback::Campaign(CampaignCallback::AutoRemind(i64::MAX, true)),
        Callback::Campaign(CampaignCallback::AutoRemind(1, false)),
        Callback::Staff(StaffCallback::AnnounceTo(None)),
        Callback::Staff(StaffCallback::AnnounceTo(Some(Constituency::Other))),
        Callback::Staff(StaffCallback::AnnounceSend(u32::MAX)),
        Callback::Staff(StaffCallback::AnnounceEdit(0)),
        Callback::Campaign(CampaignCallback::CampaignScope(None)),
        Callback::Campaign(CampaignCallback::CampaignScope(Some(
            PriorityCode::parse("ABCDEFGHIJKL").unwrap(),
        ))),
        Callback::Campaign(CampaignCallback::CampaignDays(1)),
        Callback::Campaign(CampaignCallback::CampaignDays(90)),
        Callback::Reminders(true),
        Callback::Reminders(false),
        Callback::Campaign(CampaignCallback::SwitchOrg {
            campaign: i64::MAX,
            switch: true,
        }),
        Callback::Staff(StaffCallback::FocalMove {
            user_id: (1 << 52) - 1,
            org: "ABCDEFGHIJKLMNOP".into(),
        }),
        Callback::Campaign(CampaignCallback::SwitchOrg {
            campaign: 1,
            switch: false,
        }),
        Callback::Noop,
    ];
    for cb in all {
        let data = cb.encode();
        assert!(data.len() <= MAX_CALLBACK_BYTES, "{data}");
        assert_eq!(Callback::decode(&data), Some(cb));
    }
    for forged in [
        "",
        ":",
        "r:P1.1",
        "r:P1.1:0",
        "r:P1.1:6",
        "r:P1.1:+4",
        "r:P1.1:4:",
        "pv:0",
        "pv:012",
        "f:100",
        "o:",
        // Organisation codes are checked for shape here (the step looks them up).
        "o:CAM FEBA",
        "o:a/b",
        "o:ABCDEFGHIJKLMNOPQRSTU",
        "k:X",
        "l:EN",
        "al:P1",
        "a:P1:1",
        "a: P1.1",
        "sk:1",
        "c:yes",
        "cq:",
        "ca:1",
        "ca:1:yes",
        "ca:0:y",
        "an:",
        "an:X",
        "an:all",
        "as:1",
        "cq:P 1",
        "cd:0",
        "cd:91",
        "cd:07",
    ] {
        assert_eq!(Callback::decode(forged), None, "{forged:?} must not decode");
    }
}

/// Every key of en.yml, dotted, to spot a key shown instead of its text.
fn locale_keys() -> Vec<String> {
    let yaml: serde_yaml::Value =
        serde_yaml::from_str(include_str!("../../locales/en.yml")).unwrap();
    let mut out = Vec::new();
    flatten("", &yaml, &mut out);
    out.into_iter().map(|(k, _)| k).collect()
}

pub fn flatten(prefix: &str, v: &serde_yaml::Value, out: &mut Vec<(String, String)>) {
    match v {
        serde_yaml::Value::Mapping(m) => {
            for (k, v) in m {
                let k = k
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("{k:?}"));
                let key = if prefix.is_empty() {
                    k
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        other => out.push((
            prefix.to_string(),
            other.as_str().unwrap_or_default().to_string(),
        )),
    }
}

#[test]
fn closing_dates_read_in_phnom_penh_time_and_khmer_numerals() {
    let plan = dwcp_feedback::plan_io::default_plan();
    let reply = |lang| {
        let r = Reply {
            placement: Placement::New,
            banner: None,
            screen: Screen::WindowClosed { since: closed() },
        };
        render(&r, lang, &plan, "bot").text
    };
    // 17:00 UTC on 31 March is already 1 April in Phnom Penh (UTC+7).
    assert!(
        reply(Lang::En).contains("1 Apr 2027"),
        "{}",
        reply(Lang::En)
    );
    assert!(
        reply(Lang::Km).contains("ថ្ងៃទី ១ ខែមេសា ឆ្នាំ ២០២៧"),
        "{}",
        reply(Lang::Km)
    );
}

/// A campaign at its busiest: every activity, hundreds of members who have not finished, with
/// long names full of characters HTML must escape.
fn busy_campaign(plan: &Plan, i: i64) -> dwcp_feedback::store::CampaignProgress {
    dwcp_feedback::store::CampaignProgress {
        campaign: dwcp_feedback::store::Campaign {
            id: i,
            code: CampaignCode::from_bytes([i as u8; 16]),
            org_code: "CCAWDU".into(),
            title: format!("<យុទ្ធនាការ> & campaign {i} ").repeat(5),
            activities: plan.activities.iter().map(|a| a.code.clone()).collect(),
            plan_version: 1,
            deadline: chrono::Utc::now(),
            auto_remind: true,
        },
        joined: 40_000,
        finished: 12_345,
        ratings: 400_000,
        comments: 9_999,
        per_activity: plan
            .activities
            .iter()
            .map(|a| (a.code.clone(), 39_999, 1_234))
            .collect(),
        unfinished: (0..300)
            .map(|n| (n, Some(format!("<សុខា & Sokha {n}>").repeat(3))))
            .collect(),
    }
}

#[test]
fn campaign_buttons_refuse_ids_that_are_not_plain_positive_numbers() {
    for forged in [
        "cr:0",
        "cr:-5",
        "cr:007",
        "cr:1e3",
        "cr:",
        "cs:99999999999999999999",
        "rm:maybe",
    ] {
        assert_eq!(Callback::decode(forged), None, "{forged}");
    }
}

/// `/window open 2027-03-31` and a campaign until 2027-03-31 read "31 March", the day the
/// admin typed, though they end at the midnight after it.
#[test]
fn periods_end_on_the_day_that_was_typed() {
    let until = dwcp_feedback::domain::window::parse_until("2027-03-31").unwrap();
    let now = until - chrono::Duration::days(3);
    let plan = dwcp_feedback::plan_io::default_plan();
    let reply = Reply {
        placement: Placement::New,
        banner: None,
        screen: Screen::Staff(StaffScreen::WindowAdmin {
            window: Window {
                open: true,
                until: Some(until),
                changed_at: now,
            },
            now,
        }),
    };
    let text = render(&reply, Lang::En, &plan, "bot").text;
    assert!(text.contains("31 Mar 2027"), "{text}");
    assert_eq!(
        dwcp_feedback::messages::render::last_day(Lang::En, until),
        "31 Mar 2027"
    );
}

/// A closed campaign keeps its figures but loses its Remind and Auto-reminders buttons.
#[test]
fn closed_campaigns_have_no_buttons_but_new_campaign() {
    let plan = dwcp_feedback::plan_io::default_plan();
    let campaigns = |now| Reply {
        placement: Placement::New,
        banner: None,
        screen: Screen::Campaign(CampaignScreen::Campaigns {
            list: vec![busy_campaign(&plan, 1)],
            now,
            page: 0,
            pages: 1,
        }),
    };
    let deadline = busy_campaign(&plan, 1).campaign.deadline;
    let callbacks = |now| -> Vec<String> {
        render(&campaigns(now), Lang::En, &plan, "bot")
            .keyboard
            .rows
            .iter()
            .flatten()
            .filter_map(|b| match &b.action {
                Action::Callback(cb) => Some(cb.encode()),
                Action::Url(_) => None,
            })
            .collect()
    };
    let open = callbacks(deadline - chrono::Duration::days(1));
    assert!(open.iter().any(|c| c.starts_with("cr:")) && open.iter().any(|c| c.starts_with("ca:")));
    let after = deadline + chrono::Duration::days(1);
    let closed = render(&campaigns(after), Lang::En, &plan, "bot");
    assert!(closed.text.contains("closed on"), "{}", closed.text);
    assert_eq!(callbacks(after), ["cn"]);
}

/// What a phone shows above the buttons without scrolling: about 500 Khmer characters. The
/// first screen and an activity card must leave room to spare (the 450).
const FIRST_SCREEN_BUDGET: usize = 450;
const CARD_BUDGET: usize = 450;
const SCREEN_BUDGET: usize = 500;

/// Every screen a member meets, with the banner the flow may put above it.
fn member_screens(plan: &Plan) -> Vec<(Screen, Option<Banner>, usize)> {
    let progress = Progress {
        rated: 14,
        total: plan.activities.len(),
    };
    let mut all = Vec::new();
    for draft in [true, false] {
        for selected in Lang::ALL {
            all.push((
                Screen::Welcome { selected, draft },
                Some(Banner::InviteUnknown),
                FIRST_SCREEN_BUDGET,
            ));
        }
    }
    let longest_code = plan
        .activities
        .iter()
        .map(|a| a.code.clone())
        .max_by_key(|c| c.as_str().len())
        .unwrap();
    // Cards and comment questions as the flow shows them, each with the longest line it may
    // carry above it.
    let (one, five) = (Rating::new(1).unwrap(), Rating::new(5).unwrap());
    let photo = Banner::Hint(Hint::Unsupported(OtherKind::Photo));
    for (i, a) in plan.activities.iter().enumerate() {
        let before = plan.activities[(i + 14) % 15].code.clone();
        let card = |given, rated, held, back, closed_since| {
            Screen::Cards(CardScreen::Card {
                code: a.code.clone(),
                given,
                progress,
                closed_since,
                back,
                rated,
                held,
            })
        };
        let rated_long = Some((one, long_comment(i)));
        for (screen, banner) in [
            // Rated the one before: its comment is offered on this card.
            (
                card(None, Some((before.clone(), one)), None, Back::Next, None),
                Some(Banner::CommentCut {
                    code: before.clone(),
                    max: 16_000,
                }),
            ),
            // A comment saved (with its rating, or asked for), on to this card, which offers
            // more on it.
            (
                card(None, Some((before.clone(), five)), None, Back::Next, None),
                Some(Banner::CommentSaved(before.clone())),
            ),
            (
                card(None, None, None, Back::Next, None),
                Some(Banner::VoiceReplaced(before.clone())),
            ),
            // A comment sent before the rating waits; a photo sent then gets its hint.
            (
                card(None, None, Some(long_comment(i)), Back::Next, None),
                Some(photo.clone()),
            ),
            (
                card(None, None, Some(long_comment(i)), Back::List(2), None),
                Some(Banner::Held(a.code.clone())),
            ),
            // Opened from My feedback, rated with a comment.
            (
                card(rated_long.clone(), None, None, Back::Mine(1), None),
                Some(Banner::CommentRejected(CommentError::TooLong)),
            ),
            (
                card(
                    rated_long.clone(),
                    None,
                    None,
                    Back::List(0),
                    Some(closed()),
                ),
                None,
            ),
        ] {
            all.push((screen, banner, CARD_BUDGET));
        }
        for (has_comment, low, rating) in [(true, false, five), (false, true, one)] {
            all.push((
                Screen::Cards(CardScreen::AskComment {
                    code: a.code.clone(),
                    rating,
                    has_comment,
                    back: Back::Next,
                    low,
                }),
                Some(Banner::CommentRejected(CommentError::TooLong)),
                CARD_BUDGET,
            ));
        }
        all.push((
            Screen::Cards(CardScreen::About {
                code: a.code.clone(),
                back: Back::Next,
            }),
            None,
            SCREEN_BUDGET,
        ));
    }
    for screen in mine_screens(plan) {
        all.push((screen, Some(Banner::Withdrawn), SCREEN_BUDGET));
    }
    let profile = Profile {
        constituency: Some(Constituency::Workers),
        organisation: Some(OrgChoice::Known(Org::find("BWTUC", &[]).unwrap())),
        province: Province::new(1),
        sector: Some(Sector::Garment),
        gender: Some(Gender::Undisclosed),
    };
    let saved = Some(Banner::ProfileSaved);
    for (screen, banner) in [
        (
            Screen::Privacy {
                selected: Lang::Km,
                asking: true,
            },
            None,
        ),
        (Screen::Declined, None),
        (
            Screen::Profile(ProfileScreen::AskConstituency),
            Some(Banner::Joined),
        ),
        (
            Screen::Profile(ProfileScreen::AskOrganisation {
                constituency: Constituency::Workers,
                page: 0,
                pages: 2,
                items: Org::picker(Constituency::Workers, &[])[..ORG_PAGE].to_vec(),
            }),
            Some(Banner::UseButtons),
        ),
        (
            Screen::Profile(ProfileScreen::AskProvince { page: 0 }),
            Some(Banner::Joined),
        ),
        (
            Screen::Profile(ProfileScreen::AskSector),
            Some(Banner::UseButtons),
        ),
        (
            Screen::Profile(ProfileScreen::AskGender),
            Some(Banner::UseButtons),
        ),
        (
            Screen::Menu {
                progress,
                draft: true,
                closed_since: None,
                until: Some(closed()),
                held: vec![],
                round: None,
            },
            Some(Banner::Hint(Hint::Unsupported(OtherKind::Location))),
        ),
        (
            Screen::Menu {
                progress,
                draft: true,
                closed_since: Some(closed()),
                until: None,
                held: vec![],
                round: None,
            },
            Some(Banner::LanguageChanged),
        ),
        (
            Screen::Cards(CardScreen::AllRated {
                progress,
                rated: Some((longest_code.clone(), Rating::new(5).unwrap())),
            }),
            None,
        ),
        (
            Screen::Cards(CardScreen::AllRated {
                progress,
                rated: None,
            }),
            Some(Banner::CommentSaved(longest_code.clone())),
        ),
        (
            Screen::Settings {
                profile,
                lang: Lang::Km,
                reminders: true,
            },
            saved.clone(),
        ),
        (Screen::ChooseLang { current: Lang::Km }, None),
        (Screen::Help, None),
        (Screen::ConfirmForget, None),
        (Screen::Forgotten, None),
        (Screen::WindowClosed { since: closed() }, None),
        (Screen::Outdated, None),
    ] {
        all.push((screen, banner, SCREEN_BUDGET));
    }
    for p in &plan.priorities {
        let items: Vec<_> = plan
            .activities_of(&p.code)
            .map(|a| (a.code.clone(), true))
            .collect();
        all.push((
            Screen::Activities {
                priority: p.code.clone(),
                page: 0,
                pages: 1,
                items,
            },
            Some(Banner::Rated(longest_code.clone(), Rating::new(1).unwrap())),
            SCREEN_BUDGET,
        ));
    }
    all
}

#[test]
fn every_member_screen_fits_one_phone_screen_in_both_languages() {
    let plan = dwcp_feedback::plan_io::default_plan();
    let mut over = Vec::new();
    for (screen, banner, budget) in member_screens(&plan) {
        for lang in Lang::ALL {
            let reply = Reply {
                placement: Placement::New,
                banner: banner.clone(),
                screen: screen.clone(),
            };
            let r = render(&reply, lang, &plan, "dwcp_bot");
            let visible = parse_html(&r.text).unwrap();
            let chars = visible.chars().count();
            if chars > budget {
                over.push(format!("{chars} > {budget} ({lang:?}): {visible}"));
            }
        }
    }
    assert!(
        over.is_empty(),
        "{} screens too long:\n{}",
        over.len(),
        over.join("\n\n")
    );
}

#[test]
fn no_button_does_nothing_and_the_menu_offers_my_feedback_once() {
    let plan = dwcp_feedback::plan_io::default_plan();
    let mut screens: Vec<Screen> = member_screens(&plan)
        .into_iter()
        .map(|(screen, _, _)| screen)
        .collect();
    screens.extend(mine_screens(&plan));
    for screen in screens {
        for lang in Lang::ALL {
            let reply = Reply {
                placement: Placement::New,
                banner: None,
                screen: screen.clone(),
            };
            let r = render(&reply, lang, &plan, "bot");
            let callbacks: Vec<Callback> = r
                .keyboard
                .buttons()
                .filter_map(|b| match &b.action {
                    Action::Callback(cb) => Some(cb.clone()),
                    Action::Url(_) => None,
                })
                .collect();
            assert!(
                !callbacks.contains(&Callback::Noop),
                "a button that does nothing on {screen:?}"
            );
            if matches!(screen, Screen::Menu { .. }) {
                let mine = callbacks
                    .iter()
                    .filter(|c| matches!(c, Callback::Cards(CardCallback::Mine(_))))
                    .count();
                assert_eq!(mine, 1, "My feedback once on {screen:?}");
            }
        }
    }
}
