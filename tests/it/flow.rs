//! The conversation core as a pure function: scripted conversations with plain values.
//! No tokio, no HTTP, no database: `Member` below keeps the facts the way the store would.

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use dwcp_feedback::conversation::flow::MAX_TITLE_CHARS;
use dwcp_feedback::conversation::reply::{
    Banner, Hint, Notice, Placement, Screen, MAX_GROUP_CARDS, ORG_PAGE,
};
use dwcp_feedback::conversation::*;
use dwcp_feedback::domain::*;

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 3, 0, 0).unwrap()
}

fn code(s: &str) -> ActivityCode {
    ActivityCode::parse(s).unwrap()
}

/// A member as the store would remember them between steps.
struct Member {
    plan: Plan,
    state: State,
    lang: Option<Lang>,
    telegram_lang: Lang,
    consent: Consent,
    profile: Profile,
    given: BTreeMap<ActivityCode, Given>,
    /// Comments sent on a card before its rating, as the store keeps them.
    held: BTreeMap<ActivityCode, CommentSeen>,
    last_rated: Option<ActivityCode>,
    chat: ChatKind,
    window: Window,
    is_admin: bool,
    /// The campaign joined through a link, and what the next `/start` link names.
    campaign: Option<CampaignFacts>,
    invite: Invite,
    /// The campaign whose link waits at the welcome for their consent.
    invited: Option<CampaignFacts>,
    coordinates: Option<String>,
    campaigns: Option<Vec<dwcp_feedback::store::CampaignProgress>>,
    /// Organisations the secretariat added.
    organisations: Vec<Org>,
    /// In a group: the sender's organisation's open campaigns.
    cards: Vec<CampaignCard>,
    /// How many members an announcement's audience reaches (the engine counts it).
    audience_size: Option<u64>,
    reminders: bool,
    /// For an admin: the admins and focal points as the store would list them.
    admins: Vec<AdminRole>,
    focal_points: Vec<FocalPoint>,
    /// Every campaign the store holds, by id, with its organisation (for buttons naming a
    /// campaign that is not the focal point's own).
    all_campaigns: Vec<(i64, String)>,
}

impl Member {
    fn new(telegram_lang: Lang) -> Member {
        Member {
            plan: dwcp_feedback::plan_io::default_plan(),
            state: State::Start,
            lang: None,
            telegram_lang,
            consent: Consent::Unknown,
            profile: Profile::default(),
            given: BTreeMap::new(),
            held: BTreeMap::new(),
            last_rated: None,
            chat: ChatKind::Private,
            window: Window::always_open(),
            is_admin: false,
            campaign: None,
            invite: Invite::None,
            invited: None,
            coordinates: None,
            campaigns: None,
            organisations: Vec::new(),
            cards: Vec::new(),
            audience_size: None,
            reminders: true,
            admins: Vec::new(),
            focal_points: Vec::new(),
            all_campaigns: Vec::new(),
        }
    }

    fn send(&mut self, input: Input) -> Outcome {
        let invite = std::mem::take(&mut self.invite);
        // What the sim keeps is always at hand; an audience is counted when a step asks.
        let mut loaded = Needs {
            summary: true,
            campaigns: true,
            focal_points: true,
            admins: true,
            group_campaigns: true,
            audience_size: None,
            campaign_owner: None,
            invite: None,
            campaign: None,
            round: None,
            open_round: true,
            rounds: true,
            org_rounds: true,
            latest_round: true,
            results: None,
        };
        let (out, mut facts) = loop {
            let facts = Facts {
                lang: self.lang,
                consent: self.consent,
                profile: self.profile.clone(),
                given: self.given.clone(),
                held: self.held.clone(),
                last_rated: self.last_rated.clone(),
                window: self.window,
                is_admin: self.is_admin,
                summary: self.is_admin.then(|| {
                    dwcp_feedback::domain::summary::Summary::new(
                        &self.plan,
                        Default::default(),
                        &[],
                    )
                }),
                joined: self.campaign.as_ref().map(|c| c.id),
                // As the engine loads it when a step asks: the one waiting for consent, or the
                // campaign joined.
                campaign: match self.state {
                    State::Consent { invite: Some(id) } => {
                        self.invited.clone().filter(|c| c.id == id)
                    }
                    _ => self.campaign.clone(),
                },
                invite: invite.clone(),
                coordinates: self.coordinates.clone(),
                campaigns: self.campaigns.clone(),
                organisations: &self.organisations,
                cards: self.cards.clone(),
                audience_size: self.audience_size,
                focal_points: self.is_admin.then(|| self.focal_points.clone()),
                admins: self.is_admin.then(|| self.admins.clone()),
                campaign_owner: loaded.campaign_owner.map(|id| {
                    self.all_campaigns
                        .iter()
                        .find(|(c, _)| *c == id)
                        .map(|(_, org)| org.clone())
                }),
                reminders: self.reminders,
                loaded: loaded.clone(),
                ..Facts::new(42, &self.plan, self.chat, self.telegram_lang)
            };
            let out = step(&self.state, &input, &facts, now());
            if loaded.covers(&out.needs) {
                break (out, facts);
            }
            loaded = loaded.and(out.needs);
        };
        // The member as the next step finds them: the core's own reading of its effects.
        facts.after(&out.effects);
        let Facts {
            lang,
            consent,
            profile,
            given,
            held,
            last_rated,
            window,
            reminders,
            campaign,
            campaigns,
            is_admin,
            coordinates,
            admins,
            focal_points,
            ..
        } = facts;
        if let Some(admins) = admins {
            self.admins = admins;
        }
        if let Some(focal_points) = focal_points {
            self.focal_points = focal_points;
        }
        (self.lang, self.consent, self.profile, self.given) = (lang, consent, profile, given);
        (self.held, self.last_rated) = (held, last_rated);
        (self.window, self.reminders, self.campaign) = (window, reminders, campaign);
        (self.campaigns, self.is_admin, self.coordinates) = (campaigns, is_admin, coordinates);
        if let (Invite::Open(c), State::Consent { invite: Some(id) }) = (&invite, &out.state) {
            if c.id == *id {
                self.invited = Some(c.clone());
            }
        }
        if !out.effects.contains(&Effect::Erase) {
            self.state = out.state.clone();
        }
        out
    }

    fn tap(&mut self, data: Callback) -> Outcome {
        self.send(Input::Callback {
            data,
            message_id: Some(7),
        })
    }

    fn command(&mut self, c: Command) -> Outcome {
        self.send(Input::Command(c))
    }

    /// /start, agree, workers, skip the rest: a member on the first card.
    fn onboarded(lang: Lang) -> Member {
        let mut m = Member::new(lang);
        m.command(Command::Start(None));
        m.tap(Callback::Consent(true));
        m.tap(Callback::Profile(ProfileCallback::Constituency(
            Constituency::Workers,
        )));
        m.tap(Callback::Profile(ProfileCallback::SkipRest));
        m
    }
}

fn screen(out: &Outcome) -> &Screen {
    &out.replies.last().expect("a reply").screen
}

#[test]
fn the_welcome_preselects_the_language_telegram_reports() {
    for (tg, expected) in [(Lang::Km, Lang::Km), (Lang::En, Lang::En)] {
        let mut m = Member::new(tg);
        let out = m.command(Command::Start(None));
        assert_eq!(
            screen(&out),
            &Screen::Welcome {
                selected: expected,
                draft: true
            }
        );
        assert_eq!(out.replies[0].placement, Placement::New);
        assert_eq!(m.state, State::Consent { invite: None });
        assert!(out.effects.is_empty(), "nothing stored before an answer");
    }
}

#[test]
fn first_rating_four_taps_after_start() {
    let mut m = Member::new(Lang::Km);
    m.command(Command::Start(None));
    let consent = m.tap(Callback::Consent(true));
    assert_eq!(
        consent.effects,
        [Effect::SetLang(Lang::Km), Effect::GiveConsent],
        "the pre-selected language is kept"
    );
    assert_eq!(
        screen(&consent),
        &Screen::Profile(ProfileScreen::AskConstituency)
    );
    let org = m.tap(Callback::Profile(ProfileCallback::Constituency(
        Constituency::Workers,
    )));
    assert!(matches!(
        screen(&org),
        Screen::Profile(ProfileScreen::AskOrganisation {
            constituency: Constituency::Workers,
            page: 0,
            items,
            ..
        }) if items.len() == ORG_PAGE && items.iter().all(|o| o.constituency == Constituency::Workers)
    ));
    let card = m.tap(Callback::Profile(ProfileCallback::SkipRest));
    assert!(
        matches!(screen(&card), Screen::Cards(CardScreen::Card { code: c, given: None, .. }) if c == &code("P1.1"))
    );
    assert_eq!(card.replies[0].banner, Some(Banner::ProfileSaved));
    assert_eq!(
        card.replies[0].placement,
        Placement::Edit(7),
        "edited in place"
    );
    let rated = m.tap(Callback::Cards(CardCallback::Rate(
        code("P1.1"),
        Rating::new(4).unwrap(),
    )));
    assert_eq!(
        rated.effects,
        [Effect::Rate {
            code: code("P1.1"),
            rating: Rating::new(4).unwrap()
        }]
    );
    assert_eq!(rated.notice, Some(Notice::Rated(Rating::new(4).unwrap())));
    // One tap per activity: the next card, offering a comment on the one just rated.
    assert!(matches!(
        screen(&rated),
        Screen::Cards(CardScreen::Card { code: c, rated: Some((r, _)), given: None, .. })
            if c == &code("P1.2") && r == &code("P1.1")
    ));
    assert_eq!(
        m.state,
        State::Card {
            code: code("P1.2"),
            back: Back::Next,
            rated: Some(code("P1.1")),
            pending: None
        }
    );
}

#[test]
fn declining_stores_only_the_refusal_and_start_asks_again() {
    let mut m = Member::new(Lang::En);
    m.command(Command::Start(None));
    let out = m.tap(Callback::Consent(false));
    assert_eq!(out.effects, [Effect::DeclineConsent]);
    assert_eq!(screen(&out), &Screen::Declined);
    assert_eq!(screen(&m.send(Input::Text("hi".into()))), &Screen::Declined);
    assert!(matches!(
        screen(&m.command(Command::Start(None))),
        Screen::Welcome { .. }
    ));
    // "I changed my mind" is a language button: it shows the welcome again.
    assert!(matches!(
        screen(&m.tap(Callback::Lang(Lang::En))),
        Screen::Welcome { .. }
    ));
}

#[test]
fn nothing_but_the_welcome_before_consent() {
    let mut m = Member::new(Lang::Km);
    let out = m.tap(Callback::Cards(CardCallback::Rate(
        code("P1.1"),
        Rating::new(5).unwrap(),
    )));
    assert_eq!(out.notice, Some(Notice::Outdated));
    assert!(out.effects.is_empty());
    assert!(matches!(screen(&out), Screen::Welcome { .. }));
    let out = m.send(Input::Voice(VoiceNote {
        file_id: "v".into(),
        duration_secs: 2,
        size_bytes: None,
    }));
    assert!(matches!(screen(&out), Screen::Welcome { .. }) && out.effects.is_empty());
    assert_eq!(screen(&m.command(Command::Help)), &Screen::Help);
}

#[test]
fn constituency_cannot_be_skipped() {
    let mut m = Member::new(Lang::En);
    m.command(Command::Start(None));
    m.tap(Callback::Consent(true));
    assert_eq!(
        screen(&m.tap(Callback::Profile(ProfileCallback::SkipRest))),
        &Screen::Profile(ProfileScreen::AskConstituency)
    );
    assert_eq!(
        screen(&m.tap(Callback::Profile(ProfileCallback::SkipStep))),
        &Screen::Profile(ProfileScreen::AskConstituency)
    );
    assert_eq!(
        m.state,
        State::Profile {
            step: ProfileStep::Constituency,
            editing: false,
            draft: Default::default(),
            single: false,
        }
    );
}

#[test]
fn the_whole_profile_one_tap_each_and_a_typed_organisation() {
    let mut m = Member::new(Lang::En);
    m.command(Command::Start(None));
    m.tap(Callback::Consent(true));
    m.tap(Callback::Profile(ProfileCallback::Constituency(
        Constituency::Other,
    )));
    let too_long = m.send(Input::Text("x".repeat(121)));
    assert_eq!(screen(&too_long), &Screen::Hint(Hint::OrgNameInvalid));
    let province = m.send(Input::Text("Khmer Women's Network".into()));
    assert_eq!(
        province.replies[0].placement,
        Placement::New,
        "a typed answer gets a new message"
    );
    assert_eq!(
        screen(&province),
        &Screen::Profile(ProfileScreen::AskProvince { page: 0 })
    );
    assert_eq!(
        m.profile.organisation,
        Some(OrgChoice::Named("Khmer Women's Network".into()))
    );
    assert_eq!(
        screen(&m.tap(Callback::Profile(ProfileCallback::ProvincePage(3)))),
        &Screen::Profile(ProfileScreen::AskProvince { page: 3 })
    );
    assert_eq!(
        screen(&m.tap(Callback::Profile(ProfileCallback::Province(
            Province::new(25).unwrap()
        )))),
        &Screen::Profile(ProfileScreen::AskSector)
    );
    let stray = m.send(Input::Text("garment".into()));
    assert_eq!(stray.replies[0].banner, Some(Banner::UseButtons));
    assert_eq!(
        screen(&stray),
        &Screen::Profile(ProfileScreen::AskSector),
        "the question is asked again"
    );
    assert_eq!(
        screen(&m.tap(Callback::Profile(ProfileCallback::Sector(Sector::Informal)))),
        &Screen::Profile(ProfileScreen::AskGender)
    );
    let done = m.tap(Callback::Profile(ProfileCallback::Gender(
        Gender::Undisclosed,
    )));
    assert!(matches!(
        screen(&done),
        Screen::Cards(CardScreen::Card { .. })
    ));
    assert_eq!(m.profile.gender, Some(Gender::Undisclosed));
    assert_eq!(m.profile.province, Province::new(25));
}

#[test]
fn editing_the_profile_from_settings_returns_to_settings() {
    let mut m = Member::onboarded(Lang::En);
    assert!(matches!(
        screen(&m.command(Command::Settings)),
        Screen::Settings { .. }
    ));
    assert_eq!(
        screen(&m.tap(Callback::Profile(ProfileCallback::Edit))),
        &Screen::ProfileEdit {
            question: ProfileScreen::AskConstituency,
            single: false
        }
    );
    m.tap(Callback::Profile(ProfileCallback::Constituency(
        Constituency::Employers,
    )));
    let back = m.tap(Callback::Profile(ProfileCallback::SkipRest));
    assert!(
        matches!(screen(&back), Screen::Settings { profile, .. } if profile.constituency == Some(Constituency::Employers))
    );
}

#[test]
fn one_answer_changed_from_settings_asks_that_question_alone() {
    let mut m = Member::onboarded(Lang::En);
    m.tap(Callback::Profile(ProfileCallback::Edit));
    m.tap(Callback::Profile(ProfileCallback::SkipRest));
    m.profile.province = Province::new(3);
    m.profile.gender = Some(Gender::Female);
    let before = m.profile.clone();
    let ask = m.tap(Callback::Profile(ProfileCallback::EditField(
        ProfileStep::Sector,
    )));
    assert_eq!(
        screen(&ask),
        &Screen::ProfileEdit {
            question: ProfileScreen::AskSector,
            single: true
        }
    );
    let done = m.tap(Callback::Profile(ProfileCallback::Sector(Sector::Garment)));
    assert_eq!(
        done.effects,
        [Effect::SetProfile(ProfileField::Sector(Sector::Garment))],
        "that answer, and only it"
    );
    assert_eq!(done.replies[0].banner, Some(Banner::ProfileSaved));
    assert!(matches!(screen(&done), Screen::Settings { .. }));
    assert_eq!(m.profile.province, before.province);
    assert_eq!(m.profile.gender, before.gender);

    // A new constituency asks for its organisation too, then saves both.
    m.tap(Callback::Profile(ProfileCallback::EditField(
        ProfileStep::Constituency,
    )));
    let org = m.tap(Callback::Profile(ProfileCallback::Constituency(
        Constituency::Employers,
    )));
    assert!(org.effects.is_empty());
    assert!(matches!(
        screen(&org),
        Screen::ProfileEdit {
            question: ProfileScreen::AskOrganisation {
                constituency: Constituency::Employers,
                ..
            },
            single: true
        }
    ));
    let saved = m.tap(Callback::Profile(ProfileCallback::Org("CAMFEBA".into())));
    assert_eq!(saved.effects.len(), 2, "{:?}", saved.effects);
    assert!(matches!(screen(&saved), Screen::Settings { .. }));
    assert_eq!(m.profile.province, before.province, "the rest stays");

    // The Cancel button leaves an answer as it was.
    m.tap(Callback::Profile(ProfileCallback::EditField(
        ProfileStep::Gender,
    )));
    let kept = m.profile.clone();
    let cancelled = m.tap(Callback::Profile(ProfileCallback::Cancel));
    assert!(cancelled.effects.is_empty());
    assert_eq!(
        cancelled.replies[0].banner,
        Some(Banner::ProfileEditCancelled)
    );
    assert!(matches!(screen(&cancelled), Screen::Settings { .. }));
    assert_eq!(m.profile, kept);
    // A stale Cancel (no edit under way) changes nothing and says nothing went wrong.
    let stale = m.tap(Callback::Profile(ProfileCallback::Cancel));
    assert!(stale.effects.is_empty());
    assert_eq!(stale.notice, Some(Notice::NothingToDo));
}

#[test]
fn cancel_in_a_profile_edit_leaves_the_profile_as_it_was_and_says_so() {
    let mut m = Member::onboarded(Lang::En);
    let before = m.profile.clone();
    m.tap(Callback::Profile(ProfileCallback::Edit));
    let org = m.tap(Callback::Profile(ProfileCallback::Constituency(
        Constituency::Employers,
    )));
    assert!(
        org.effects.is_empty(),
        "nothing stored in the middle of an edit"
    );
    assert!(
        matches!(
            screen(&org),
            Screen::ProfileEdit {
                question: ProfileScreen::AskOrganisation {
                    constituency: Constituency::Employers,
                    ..
                },
                single: false
            }
        ),
        "the edit's own answers drive its next question"
    );
    m.tap(Callback::Profile(ProfileCallback::Org("CAMFEBA".into())));
    m.tap(Callback::Profile(ProfileCallback::Province(
        Province::new(3).unwrap(),
    )));
    let cancelled = m.command(Command::Cancel);
    assert!(cancelled.effects.is_empty());
    assert_eq!(
        cancelled.replies[0].banner,
        Some(Banner::ProfileEditCancelled)
    );
    assert!(matches!(screen(&cancelled), Screen::Settings { profile, .. } if *profile == before));
    assert_eq!(m.profile, before);
    assert_eq!(m.state, State::Menu);

    // Finished, the same answers are stored together.
    m.tap(Callback::Profile(ProfileCallback::Edit));
    m.tap(Callback::Profile(ProfileCallback::Constituency(
        Constituency::Employers,
    )));
    m.tap(Callback::Profile(ProfileCallback::Org("CAMFEBA".into())));
    m.tap(Callback::Profile(ProfileCallback::Province(
        Province::new(3).unwrap(),
    )));
    let saved = m.tap(Callback::Profile(ProfileCallback::SkipRest));
    assert_eq!(saved.effects.len(), 3, "{:?}", saved.effects);
    assert_eq!(m.profile.constituency, Some(Constituency::Employers));
    assert_eq!(m.profile.province, Province::new(3));
    assert!(matches!(&m.profile.organisation, Some(OrgChoice::Known(o)) if o.code == "CAMFEBA"));
}

#[test]
fn the_same_rating_twice_writes_once() {
    let mut m = Member::onboarded(Lang::Km);
    let r = Rating::new(3).unwrap();
    assert_eq!(
        m.tap(Callback::Cards(CardCallback::Rate(code("P1.1"), r)))
            .effects
            .len(),
        1
    );
    let again = m.tap(Callback::Cards(CardCallback::Rate(code("P1.1"), r)));
    assert!(again.effects.is_empty(), "a double tap writes nothing");
    assert!(
        matches!(screen(&again), Screen::Cards(CardScreen::Card { code: c, .. }) if c == &code("P1.2"))
    );
    let changed = m.tap(Callback::Cards(CardCallback::Rate(
        code("P1.1"),
        Rating::new(5).unwrap(),
    )));
    assert_eq!(changed.effects.len(), 1);
}

#[test]
fn a_low_rating_asks_what_should_change_and_comments_go_where_the_screen_says() {
    let mut m = Member::onboarded(Lang::En);
    let low = m.tap(Callback::Cards(CardCallback::Rate(
        code("P1.1"),
        Rating::new(2).unwrap(),
    )));
    assert!(matches!(
        screen(&low),
        Screen::Cards(CardScreen::AskComment { code: c, low: true, .. }) if c == &code("P1.1")
    ));
    let empty = m.send(Input::Text("   ".into()));
    assert_eq!(
        empty.replies[0].banner,
        Some(Banner::CommentRejected(CommentError::Empty))
    );
    assert!(
        matches!(screen(&empty), Screen::Cards(CardScreen::AskComment { .. })),
        "asked again"
    );
    assert_eq!(
        m.state,
        State::Comment {
            code: code("P1.1"),
            back: Back::Next
        },
        "still waiting for the comment"
    );
    let saved = m.send(Input::Text("More inspectors please".into()));
    assert!(
        matches!(&saved.effects[0], Effect::Comment { comment: Comment::Text(t), .. } if t.as_str() == "More inspectors please")
    );
    assert_eq!(
        saved.replies.len(),
        1,
        "one message: acknowledgement and next card together"
    );
    assert_eq!(
        saved.replies[0].banner,
        Some(Banner::CommentSaved(code("P1.1")))
    );
    assert!(
        matches!(screen(&saved), Screen::Cards(CardScreen::Card { code: c, progress, rated: Some((r, _)), .. })
            if c == &code("P1.2") && progress.rated == 1 && r == &code("P1.1")),
        "the next card still names P1.1, so a second message joins the first"
    );
    let second = m.send(Input::Text("and training for them".into()));
    assert_eq!(
        second.effects,
        [Effect::Comment {
            code: code("P1.1"),
            comment: Comment::Text(CommentText::parse("and training for them").unwrap())
        }]
    );
    assert_eq!(
        m.given[&code("P1.1")]
            .comment
            .text
            .as_ref()
            .map(|t| t.start.as_str()),
        Some("More inspectors please\nand training for them")
    );

    // A voice note after a rating goes to the activity just rated, which the card names; it
    // never takes the place of the text there.
    m.tap(Callback::Cards(CardCallback::Rate(
        code("P1.2"),
        Rating::new(4).unwrap(),
    )));
    m.send(Input::Text("Good".into()));
    let voice = VoiceNote {
        file_id: "AwACAg".into(),
        duration_secs: 14,
        size_bytes: Some(22_000),
    };
    let spoken = m.send(Input::Voice(voice.clone()));
    assert_eq!(
        spoken.effects,
        [Effect::Comment {
            code: code("P1.2"),
            comment: Comment::Voice(voice.clone())
        }]
    );
    assert_eq!(
        spoken.replies[0].banner,
        Some(Banner::VoiceSaved(code("P1.2")))
    );
    assert!(
        matches!(screen(&spoken), Screen::Cards(CardScreen::Card { code: c, rated: Some(_), .. }) if c == &code("P1.3"))
    );
    let both = &m.given[&code("P1.2")].comment;
    assert_eq!(both.voice, Some(14));
    assert_eq!(both.text.as_ref().map(|t| t.start.as_str()), Some("Good"));
    let again = m.send(Input::Voice(voice));
    assert_eq!(
        again.replies[0].banner,
        Some(Banner::VoiceReplaced(code("P1.2"))),
        "a second voice note says it took the first one's place"
    );

    // On a card not yet rated (opened, not offering another's comment), a comment is held on
    // the server, said so, and saved with the rating.
    m.tap(Callback::Cards(CardCallback::Open(
        code("P1.3"),
        Back::Next,
    )));
    let early = m.send(Input::Text("Needs a budget".into()));
    assert!(matches!(
        &early.effects[..],
        [Effect::Hold { code: c, comment: Comment::Text(_) }] if c == &code("P1.3")
    ));
    assert_eq!(early.replies[0].banner, Some(Banner::Held(code("P1.3"))));
    assert!(
        matches!(screen(&early), Screen::Cards(CardScreen::Card { code: c, held: Some(h), .. }) if c == &code("P1.3") && h.text.is_some())
    );
    m.send(Input::Text("and trainers".into()));
    // Leaving the card loses nothing: the menu names the waiting comment.
    let menu = m.command(Command::Menu);
    assert!(matches!(screen(&menu), Screen::Menu { held, .. } if held == &[code("P1.3")]));
    m.tap(Callback::Cards(CardCallback::Open(
        code("P1.3"),
        Back::Next,
    )));
    let rated = m.tap(Callback::Cards(CardCallback::Rate(
        code("P1.3"),
        Rating::new(5).unwrap(),
    )));
    assert!(matches!(
        &rated.effects[..],
        [Effect::Rate { code: c, .. }] if c == &code("P1.3")
    ));
    assert_eq!(
        m.given[&code("P1.3")]
            .comment
            .text
            .as_ref()
            .map(|t| t.start.as_str()),
        Some("Needs a budget\nand trainers"),
        "the held comment is part of the rating"
    );
    assert!(m.held.is_empty());
    assert_eq!(
        rated.replies[0].banner,
        Some(Banner::CommentSaved(code("P1.3")))
    );
    assert!(
        matches!(screen(&rated), Screen::Cards(CardScreen::Card { code: c, rated: Some((r, _)), .. })
            if c == &code("P1.4") && r == &code("P1.3")),
        "what the member sends next is added to the comment just saved"
    );

    // On the menu, a message is offered to the activity changed last, never dropped unasked.
    m.command(Command::Menu);
    let stray = m.send(Input::Voice(VoiceNote {
        file_id: "x".into(),
        duration_secs: 1,
        size_bytes: None,
    }));
    assert!(stray.effects.is_empty());
    assert_eq!(
        screen(&stray),
        &Screen::Cards(CardScreen::PlaceComment { code: code("P1.3") })
    );
    m.send(Input::Text("One more thing".into()));
    let placed = m.tap(Callback::Cards(CardCallback::Place(code("P1.3"))));
    assert_eq!(
        placed.effects.len(),
        2,
        "the text and the voice note: {placed:?}"
    );
    assert_eq!(m.given[&code("P1.3")].comment.voice, Some(1));
    assert!(m.given[&code("P1.3")]
        .comment
        .text
        .as_ref()
        .unwrap()
        .start
        .ends_with("One more thing"));
}

#[test]
fn a_message_on_the_menu_with_nothing_rated_asks_for_the_buttons() {
    let mut m = Member::onboarded(Lang::En);
    m.command(Command::Menu);
    let stray = m.send(Input::Voice(VoiceNote {
        file_id: "x".into(),
        duration_secs: 1,
        size_bytes: None,
    }));
    assert_eq!(
        stray.replies[0].banner,
        Some(Banner::Hint(Hint::UseButtons))
    );
    assert!(matches!(screen(&stray), Screen::Menu { .. }));
    assert!(stray.effects.is_empty());
    // Declining a placed message keeps nothing, and says so.
    m.tap(Callback::Cards(CardCallback::Rate(
        code("P1.1"),
        Rating::new(4).unwrap(),
    )));
    m.command(Command::Menu);
    m.send(Input::Text("oops".into()));
    let dropped = m.tap(Callback::Cards(CardCallback::DropPlaced));
    assert!(dropped.effects.is_empty());
    assert_eq!(dropped.replies[0].banner, Some(Banner::PlaceDropped));
    assert!(m.given[&code("P1.1")].comment.is_empty());
}

#[test]
fn all_fifteen_activities_in_eighteen_taps_from_start() {
    let mut m = Member::new(Lang::Km);
    let mut taps = 0;
    let mut tap = |m: &mut Member, data: Callback| {
        taps += 1;
        m.tap(data)
    };
    m.command(Command::Start(None));
    tap(&mut m, Callback::Consent(true));
    tap(
        &mut m,
        Callback::Profile(ProfileCallback::Constituency(Constituency::Workers)),
    );
    let mut out = tap(&mut m, Callback::Profile(ProfileCallback::SkipRest));
    let total = m.plan.activities.len();
    assert_eq!(total, 15);
    let mut first_rating_at = None;
    loop {
        match screen(&out).clone() {
            Screen::Cards(CardScreen::Card { code, .. }) => {
                out = tap(
                    &mut m,
                    Callback::Cards(CardCallback::Rate(code, Rating::new(3).unwrap())),
                );
                first_rating_at.get_or_insert(m.given.len());
            }
            Screen::Cards(CardScreen::AllRated { progress, rated }) => {
                assert_eq!(progress.rated, total);
                assert!(rated.is_some(), "the last one's comment is offered");
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(m.given.len(), total);
    assert_eq!(taps, 18, "4 to the first rating, then one per activity");
    assert!(matches!(
        screen(&m.tap(Callback::Cards(CardCallback::NextUnrated))),
        Screen::Cards(CardScreen::AllRated { .. })
    ));
}

#[test]
fn next_unrated_wraps_around_the_plan() {
    let mut m = Member::onboarded(Lang::En);
    let last = m.plan.activities.last().unwrap().code.clone();
    m.tap(Callback::Cards(CardCallback::Rate(
        last.clone(),
        Rating::new(1).unwrap(),
    )));
    let next = m.tap(Callback::Cards(CardCallback::SkipComment(last)));
    assert!(
        matches!(screen(&next), Screen::Cards(CardScreen::Card { code: c, .. }) if c == &code("P1.1"))
    );
}

#[test]
fn start_resumes_a_half_finished_step() {
    let mut m = Member::onboarded(Lang::Km);
    m.tap(Callback::Cards(CardCallback::Rate(
        code("P2.3"),
        Rating::new(2).unwrap(),
    )));
    let resumed = m.command(Command::Start(None));
    assert!(
        matches!(screen(&resumed), Screen::Cards(CardScreen::AskComment { code: c, .. }) if c == &code("P2.3"))
    );
    assert_eq!(resumed.replies[0].placement, Placement::New);

    let mut m = Member::new(Lang::En);
    m.command(Command::Start(None));
    m.tap(Callback::Consent(true));
    m.tap(Callback::Profile(ProfileCallback::Constituency(
        Constituency::Government,
    )));
    m.tap(Callback::Profile(ProfileCallback::Org("MLVT".into())));
    assert_eq!(
        screen(&m.command(Command::Start(None))),
        &Screen::Profile(ProfileScreen::AskProvince { page: 0 })
    );
    assert!(matches!(
        screen(&m.command(Command::Cancel)),
        Screen::Menu { .. }
    ));
}

#[test]
fn organisations_the_secretariat_added_are_in_the_picker_of_their_side() {
    let mut m = Member::new(Lang::En);
    let bftu = Org {
        code: "BFTU".into(),
        abbr: "BFTU".into(),
        name_en: "Building Federation".into(),
        name_km: "សហព័ន្ធសំណង់".into(),
        constituency: Constituency::Workers,
        added: true,
    };
    m.organisations = vec![bftu.clone()];
    m.command(Command::Start(None));
    m.tap(Callback::Consent(true));
    // Listed after the reference list's workers' organisations, on the last page.
    let first = m.tap(Callback::Profile(ProfileCallback::Constituency(
        Constituency::Workers,
    )));
    let Screen::Profile(ProfileScreen::AskOrganisation { pages, .. }) = screen(&first).clone()
    else {
        panic!("the organisation question");
    };
    let last = m.tap(Callback::Profile(ProfileCallback::OrgPage(pages - 1)));
    let Screen::Profile(ProfileScreen::AskOrganisation { items, .. }) = screen(&last) else {
        panic!("the organisation question");
    };
    assert_eq!(items.last(), Some(&bftu));
    // Not among the employers'.
    m.tap(Callback::Profile(ProfileCallback::Constituency(
        Constituency::Employers,
    )));
    for page in 0..pages {
        if let Screen::Profile(ProfileScreen::AskOrganisation { items, .. }) =
            screen(&m.tap(Callback::Profile(ProfileCallback::OrgPage(page))))
        {
            assert!(!items.contains(&bftu));
        }
    }
    m.tap(Callback::Profile(ProfileCallback::Constituency(
        Constituency::Workers,
    )));
    let picked = m.tap(Callback::Profile(ProfileCallback::Org("BFTU".into())));
    assert!(picked
        .effects
        .contains(&Effect::SetProfile(ProfileField::Organisation(
            OrgChoice::Known(bftu)
        ))));
    assert_eq!(
        screen(&picked),
        &Screen::Profile(ProfileScreen::AskProvince { page: 0 })
    );

    // A button of an organisation nobody added (forged, or from another build): asked again.
    m.tap(Callback::Profile(ProfileCallback::Edit));
    m.tap(Callback::Profile(ProfileCallback::Constituency(
        Constituency::Workers,
    )));
    let unknown = m.tap(Callback::Profile(ProfileCallback::Org("NOPE".into())));
    assert!(unknown.effects.is_empty());
    assert_eq!(unknown.notice, Some(Notice::Outdated));
    assert!(matches!(
        screen(&unknown),
        Screen::ProfileEdit {
            question: ProfileScreen::AskOrganisation { .. },
            ..
        }
    ));
}

#[test]
fn withdraw_needs_confirmation_and_a_rating() {
    let mut m = Member::onboarded(Lang::En);
    let unrated = m.tap(Callback::Cards(CardCallback::WithdrawConfirmed(
        code("P3.1"),
        0,
    )));
    assert!(unrated.effects.is_empty());
    m.tap(Callback::Cards(CardCallback::Rate(
        code("P3.1"),
        Rating::new(2).unwrap(),
    )));
    assert_eq!(
        screen(&m.tap(Callback::Cards(CardCallback::Withdraw(code("P3.1"))))),
        &Screen::Cards(CardScreen::ConfirmWithdraw {
            code: code("P3.1"),
            page: 0
        })
    );
    let done = m.tap(Callback::Cards(CardCallback::WithdrawConfirmed(
        code("P3.1"),
        0,
    )));
    assert_eq!(done.effects, [Effect::Withdraw { code: code("P3.1") }]);
    assert!(
        matches!(screen(&done), Screen::Cards(CardScreen::Mine { items, .. }) if items.is_empty())
    );
}

#[test]
fn forget_erases_after_confirmation_only() {
    let mut m = Member::onboarded(Lang::Km);
    m.tap(Callback::Cards(CardCallback::Rate(
        code("P1.1"),
        Rating::new(5).unwrap(),
    )));
    let ask = m.command(Command::Forget);
    assert_eq!(screen(&ask), &Screen::ConfirmForget);
    assert!(ask.effects.is_empty());
    let done = m.tap(Callback::ForgetConfirmed);
    assert_eq!(done.effects, [Effect::Erase]);
    assert_eq!(done.state, State::Start);
    assert_eq!(screen(&done), &Screen::Forgotten);
    assert!(m.given.is_empty() && m.consent == Consent::Unknown);
}

#[test]
fn stale_and_unknown_buttons_are_answered_politely() {
    let mut m = Member::onboarded(Lang::En);
    let bad = m.send(Input::BadCallback {
        message_id: Some(3),
    });
    assert_eq!(bad.notice, Some(Notice::Outdated));
    assert!(matches!(screen(&bad), Screen::Menu { .. }));
    let gone = m.tap(Callback::Cards(CardCallback::Open(
        code("Z9.9"),
        Back::Next,
    )));
    assert_eq!(gone.notice, Some(Notice::Outdated));
    assert_eq!(gone.replies[0].banner, Some(Banner::UnknownActivity));
    let gone_rating = m.tap(Callback::Cards(CardCallback::Rate(
        code("Z9.9"),
        Rating::new(2).unwrap(),
    )));
    assert!(
        gone_rating.effects.is_empty(),
        "no rating for an activity outside the plan"
    );
    assert_eq!(m.tap(Callback::Noop).replies.len(), 0);
    let old_consent = m.tap(Callback::Consent(false));
    assert!(
        old_consent.effects.is_empty(),
        "an old 'No thanks' does not undo consent"
    );
}

#[test]
fn unsupported_messages_get_a_hint_and_change_nothing() {
    let mut m = Member::onboarded(Lang::Km);
    m.tap(Callback::Cards(CardCallback::Rate(
        code("P1.1"),
        Rating::new(2).unwrap(),
    )));
    for kind in [
        OtherKind::Sticker,
        OtherKind::Photo,
        OtherKind::Location,
        OtherKind::Document,
    ] {
        let out = m.send(Input::Other(kind));
        assert_eq!(
            out.replies[0].banner,
            Some(Banner::Hint(Hint::Unsupported(kind)))
        );
        assert!(
            matches!(screen(&out), Screen::Cards(CardScreen::AskComment { code: c, .. }) if c == &code("P1.1")),
            "the question and its buttons come back"
        );
        assert!(out.effects.is_empty());
        assert_eq!(
            m.state,
            State::Comment {
                code: code("P1.1"),
                back: Back::Next
            },
            "still waiting for the comment"
        );
    }
    // Then the words come: they are the comment the screen asked for.
    let typed = m.send(Input::Text("The photo showed the broken fan".into()));
    assert!(matches!(
        &typed.effects[..],
        [Effect::Comment { code: c, .. }] if c == &code("P1.1")
    ));
}

#[test]
fn groups_only_get_the_private_chat_link() {
    let mut m = Member::new(Lang::Km);
    m.chat = ChatKind::Group;
    assert_eq!(
        screen(&m.command(Command::Start(Some("x".into())))),
        &Screen::GroupInvite
    );
    assert!(m.send(Input::Text("hello".into())).replies.is_empty());
    assert!(m.command(Command::Forget).replies.is_empty());
    // Not a focal point: /campaign in a group gets silence, not a refusal for all to read.
    assert!(m
        .command(Command::Campaign(CampaignArg::List))
        .replies
        .is_empty());
}

#[test]
fn a_focal_point_posts_the_campaign_card_in_a_group_and_nothing_else_happens_there() {
    let mut m = Member::new(Lang::En);
    m.chat = ChatKind::Group;
    m.coordinates = Some("CCAWDU".into());
    assert_eq!(
        screen(&m.command(Command::Campaign(CampaignArg::List))),
        &Screen::Campaign(CampaignScreen::GroupNoCampaign)
    );
    let org = Org::built_in(reference::organisation("CCAWDU").unwrap());
    m.cards = (1..=5)
        .map(|i| CampaignCard {
            title: format!("Campaign {i}"),
            code: CampaignCode::generate().unwrap(),
            deadline: now() + chrono::Duration::days(i),
            org: org.clone(),
        })
        .collect();
    let posted = m.command(Command::Campaign(CampaignArg::List));
    let Screen::Campaign(CampaignScreen::GroupCampaignCard { cards }) = screen(&posted) else {
        panic!("the card: {posted:?}");
    };
    assert_eq!(
        cards[..],
        m.cards[..MAX_GROUP_CARDS],
        "the soonest deadlines"
    );
    assert!(posted.effects.is_empty() && posted.tasks.is_empty());
    // Making one is done in private; and buttons or text in the group change nothing.
    let new = m.command(Command::Campaign(CampaignArg::New {
        deadline: now() + chrono::Duration::days(9),
        scope: "all".into(),
        title: "x".into(),
    }));
    assert_eq!(screen(&new), &Screen::GroupInvite);
    assert!(new.tasks.is_empty());
    for input in [
        Input::Text("P1.1 5".into()),
        Input::Callback {
            data: Callback::Cards(CardCallback::Rate(code("P1.1"), Rating::new(5).unwrap())),
            message_id: Some(3),
        },
    ] {
        let out = m.send(input);
        assert!(out.replies.is_empty() && out.effects.is_empty());
    }
}

#[test]
fn browsing_priorities_pages_and_marks_rated_activities() {
    let mut m = Member::onboarded(Lang::En);
    m.tap(Callback::Cards(CardCallback::Rate(
        code("P3.2"),
        Rating::new(4).unwrap(),
    )));
    let list = m.tap(Callback::Priorities);
    let Screen::Priorities { items } = screen(&list) else {
        panic!()
    };
    assert_eq!(
        items
            .iter()
            .map(|p| (p.code.as_str(), p.rated, p.total))
            .collect::<Vec<_>>(),
        [("P1", 0, 4), ("P2", 0, 4), ("P3", 1, 5), ("X", 0, 2)]
    );
    let p3 = m.tap(Callback::Activities {
        priority: PriorityCode::parse("P3").unwrap(),
        page: 9,
    });
    let Screen::Activities {
        page, pages, items, ..
    } = screen(&p3)
    else {
        panic!()
    };
    assert_eq!((*page, *pages), (0, 1), "an out-of-range page is clamped");
    assert!(items.contains(&(code("P3.2"), true)) && items.contains(&(code("P3.1"), false)));
}

#[test]
fn commands_parse_with_bot_names_and_payloads() {
    assert_eq!(Command::parse("/start"), Some(Command::Start(None)));
    assert_eq!(
        Command::parse("/start@dwcp_bot camp_42"),
        Some(Command::Start(Some("camp_42".into())))
    );
    assert_eq!(Command::parse("/HELP"), Some(Command::Help));
    assert_eq!(Command::parse("/unknown"), None);
    assert_eq!(Command::parse("start"), None);
    assert_eq!(
        Command::addressee("/start@dwcp_bot camp_42"),
        Some("dwcp_bot")
    );
    assert_eq!(
        Command::addressee("  /campaign@other_bot"),
        Some("other_bot")
    );
    assert_eq!(
        Command::addressee("/start camp@42"),
        None,
        "only the command's own name"
    );
    assert_eq!(Command::addressee("mail me@example.org"), None);
    for command in ["/help@OtherBot", "/unknown", "/stats now", " /x_1"] {
        assert!(Command::looks_like(command), "{command}");
    }
    for words in ["/ ok", "/5", "4/5 good", "/ការងារ", "and/or", "/a.b"] {
        assert!(!Command::looks_like(words), "{words}");
    }
}

#[test]
fn a_command_the_bot_does_not_have_gets_a_hint_and_keeps_the_place() {
    let mut m = Member::onboarded(Lang::En);
    m.tap(Callback::Cards(CardCallback::Rate(
        code("P1.1"),
        Rating::new(4).unwrap(),
    )));
    let out = m.send(Input::Other(OtherKind::Command));
    assert!(out.effects.is_empty(), "never kept as a comment");
    assert_eq!(
        out.replies[0].banner,
        Some(Banner::Hint(Hint::UnknownCommand))
    );
    assert!(
        matches!(screen(&out), Screen::Cards(CardScreen::Card { code: c, rated: Some((r, _)), .. })
            if c == &code("P1.2") && r == &code("P1.1")),
        "the card as it was, still offering P1.1's comment"
    );
    // So does a photo without words: the next text still goes to P1.1.
    m.send(Input::Other(OtherKind::Photo));
    let text = m.send(Input::Text("Broken fans".into()));
    assert!(matches!(&text.effects[..], [Effect::Comment { code: c, .. }] if c == &code("P1.1")));
}

#[test]
fn a_number_typed_on_a_card_is_its_rating_in_either_script() {
    let mut m = Member::onboarded(Lang::Km);
    let out = m.send(Input::Text("៣".into()));
    assert_eq!(
        out.effects,
        [Effect::Rate {
            code: code("P1.1"),
            rating: Rating::new(3).unwrap()
        }]
    );
    let out = m.send(Input::Text(" 5 ".into()));
    assert!(
        matches!(&out.effects[..], [Effect::Rate { code: c, rating }] if c == &code("P1.2") && rating.get() == 5)
    );
    // A number with words is a comment, as written.
    let out = m.send(Input::Text("5 inspectors".into()));
    assert!(matches!(&out.effects[..], [Effect::Comment { .. }]));
}

#[test]
fn a_closed_consultation_can_be_read_but_not_changed() {
    let mut m = Member::onboarded(Lang::En);
    m.tap(Callback::Cards(CardCallback::Rate(
        code("P1.1"),
        Rating::new(4).unwrap(),
    )));
    m.send(Input::Text("first thoughts".into()));
    let closed_at = now() - chrono::Duration::hours(5);
    m.window = Window {
        open: true,
        until: Some(closed_at),
        changed_at: closed_at - chrono::Duration::days(60),
    };

    for change in [
        Callback::Cards(CardCallback::Rate(code("P1.1"), Rating::new(1).unwrap())),
        Callback::Cards(CardCallback::Rate(code("P2.1"), Rating::new(5).unwrap())),
        Callback::Cards(CardCallback::AddComment(code("P1.1"))),
        Callback::Cards(CardCallback::Withdraw(code("P1.1"))),
        Callback::Cards(CardCallback::WithdrawConfirmed(code("P1.1"), 0)),
    ] {
        let out = m.tap(change.clone());
        assert!(
            out.effects.is_empty(),
            "{change:?} changed something after closing"
        );
        assert_eq!(out.notice, Some(Notice::Closed));
        assert_eq!(screen(&out), &Screen::WindowClosed { since: closed_at });
    }
    // A comment prompt left open before the close does not take a late comment either.
    m.window = Window::always_open();
    m.tap(Callback::Cards(CardCallback::Rate(
        code("P3.1"),
        Rating::new(2).unwrap(),
    )));
    m.window = Window {
        open: false,
        until: None,
        changed_at: closed_at,
    };
    let late = m.send(Input::Text("too late".into()));
    assert!(late.effects.is_empty());
    assert_eq!(late.replies[0].placement, Placement::New);

    // Reading still works, and says since when it is closed.
    let card = m.tap(Callback::Cards(CardCallback::Open(
        code("P1.1"),
        Back::Next,
    )));
    assert!(
        matches!(screen(&card), Screen::Cards(CardScreen::Card { closed_since: Some(t), given: Some(_), .. }) if *t == closed_at)
    );
    assert!(matches!(
        screen(&m.command(Command::Menu)),
        Screen::Menu {
            closed_since: Some(_),
            ..
        }
    ));
    assert!(
        matches!(screen(&m.command(Command::Mine)), Screen::Cards(CardScreen::Mine { items, .. }) if items.len() == 2)
    );
}

#[test]
fn the_summary_is_for_admins_only_and_audited() {
    let mut member = Member::onboarded(Lang::Km);
    let refused = member.command(Command::Summary);
    assert_eq!(screen(&refused), &Screen::NotAllowed);
    assert!(refused.effects.is_empty());
    let forged = member.tap(Callback::Staff(StaffCallback::Summary(1)));
    assert_eq!(
        (screen(&forged), forged.notice),
        (&Screen::NotAllowed, Some(Notice::Outdated))
    );

    let mut admin = Member::onboarded(Lang::En);
    admin.is_admin = true;
    let totals = admin.command(Command::Summary);
    assert!(matches!(
        screen(&totals),
        Screen::Staff(StaffScreen::Summary { page: 0, .. })
    ));
    assert_eq!(
        totals.effects,
        [Effect::Audit {
            action: "summary",
            detail: "page 0".into(),
            subject: None,
        }]
    );
    let last = admin.tap(Callback::Staff(StaffCallback::Summary(99)));
    assert!(
        matches!(
            screen(&last),
            Screen::Staff(StaffScreen::Summary { page: 4, .. })
        ),
        "clamped to the last priority"
    );
}

#[test]
fn the_summary_comes_with_its_chart_once() {
    let mut admin = Member::onboarded(Lang::En);
    admin.is_admin = true;
    assert!(matches!(
        admin.command(Command::Summary).tasks[..],
        [Task::Chart(_)]
    ));
    assert!(
        admin
            .tap(Callback::Staff(StaffCallback::Summary(1)))
            .tasks
            .is_empty(),
        "turning pages sends no new chart"
    );
}

#[test]
fn admin_commands_and_buttons_do_nothing_for_members() {
    use dwcp_feedback::domain::ExportFormat;
    let mut member = Member::onboarded(Lang::Km);
    for cmd in [
        Command::Export,
        Command::Template,
        Command::Window(WindowArg::Close),
        Command::Admin(AdminArg::Add(42)),
    ] {
        let out = member.command(cmd.clone());
        assert_eq!(screen(&out), &Screen::NotAllowed, "{cmd:?}");
        assert!(out.effects.is_empty() && out.tasks.is_empty(), "{cmd:?}");
    }
    for forged in [
        Callback::Staff(StaffCallback::Export(ExportFormat::Csv)),
        Callback::Staff(StaffCallback::Window(false)),
    ] {
        let out = member.tap(forged.clone());
        assert_eq!(screen(&out), &Screen::NotAllowed, "{forged:?}");
        assert!(out.effects.is_empty() && out.tasks.is_empty());
    }
    assert!(member.window.open, "still open");
    // A member's document is only something the bot does not take.
    let doc = member.send(Input::Document(DocumentIn {
        file_id: "f".into(),
        file_name: "plan.xlsx".into(),
        size_bytes: 10_000,
    }));
    assert!(doc.tasks.is_empty());
    assert_eq!(
        doc.replies[0].banner,
        Some(Banner::Hint(Hint::Unsupported(OtherKind::Document)))
    );
}

#[test]
fn an_admin_opens_and_closes_the_window_and_manages_admins() {
    let mut admin = Member::new(Lang::En);
    admin.is_admin = true; // no member consent needed for secretariat work
    let closed = admin.command(Command::Window(WindowArg::Close));
    assert!(!admin.window.open);
    assert!(
        matches!(screen(&closed), Screen::Staff(StaffScreen::WindowAdmin { window, .. }) if !window.open)
    );
    assert!(closed.effects.contains(&Effect::Audit {
        action: "window",
        detail: "closed".into(),
        subject: None,
    }));
    let reopened = admin.tap(Callback::Staff(StaffCallback::Window(true)));
    assert!(admin.window.open && admin.window.until.is_none());
    assert!(
        matches!(screen(&reopened), Screen::Staff(StaffScreen::WindowAdmin { window, .. }) if window.open)
    );
    let until = now() + chrono::Duration::days(30);
    admin.command(Command::Window(WindowArg::Open(Some(until))));
    assert_eq!(admin.window.until, Some(until));
    let past = admin.command(Command::Window(WindowArg::Open(Some(now()))));
    assert_eq!(screen(&past), &Screen::Staff(StaffScreen::WindowUsage));
    assert!(past.effects.is_empty());
    // Closed with the button, then the close tapped again: one change, one audit row.
    let closing = admin.tap(Callback::Staff(StaffCallback::Window(false)));
    assert_eq!(closing.effects.len(), 2, "{closing:?}");
    let again = admin.tap(Callback::Staff(StaffCallback::Window(false)));
    assert!(again.effects.is_empty(), "{again:?}");
    assert_eq!(again.notice, Some(Notice::AlreadyDone));
    assert!(matches!(
        screen(&again),
        Screen::Staff(StaffScreen::WindowAlready { .. })
    ));
    // The open button reopens until the end date it had.
    admin.tap(Callback::Staff(StaffCallback::Window(true)));
    assert!(admin.window.open);
    assert_eq!(admin.window.until, Some(until));

    let added = admin.command(Command::Admin(AdminArg::Add(7)));
    assert_eq!(
        added.effects,
        [
            Effect::AddAdmin(7),
            Effect::Audit {
                action: "admin-add",
                detail: "7".into(),
                subject: Some(7),
            }
        ]
    );
    assert_eq!(added.tasks, [Task::RefreshMenu(7)], "their menu follows");
    let myself = admin.command(Command::Admin(AdminArg::Remove(42)));
    assert_eq!(screen(&myself), &Screen::Staff(StaffScreen::AdminNotSelf));
    assert!(myself.effects.is_empty());
    // Changes that change nothing say why, and write nothing.
    admin.admins.push(AdminRole {
        user_id: 55,
        from_environment: true,
    });
    for (arg, why) in [
        (AdminArg::Add(7), AdminUnchanged::Already),
        (AdminArg::Remove(999_999), AdminUnchanged::NotAnAdmin),
        (AdminArg::Remove(55), AdminUnchanged::FromEnvironment),
    ] {
        let out = admin.command(Command::Admin(arg));
        assert!(out.effects.is_empty() && out.tasks.is_empty(), "{out:?}");
        assert!(
            matches!(screen(&out), Screen::Staff(StaffScreen::AdminUnchanged { why: w, .. }) if *w == why),
            "{out:?}"
        );
    }
    let removed = admin.command(Command::Admin(AdminArg::Remove(7)));
    assert_eq!(removed.effects[0], Effect::RemoveAdmin(7));
    // /admin lists who is one, the environment's marked as such.
    let listed = admin.command(Command::Admin(AdminArg::Usage));
    assert!(
        matches!(
            screen(&listed),
            Screen::Staff(StaffScreen::AdminUsage { admins })
                if admins.iter().any(|a| a.user_id == 55 && a.from_environment)
                && !admins.iter().any(|a| a.user_id == 7)
        ),
        "{listed:?}"
    );
}

#[test]
fn an_admin_names_and_removes_focal_points() {
    let mut admin = admin();
    // Built-in codes whatever their case; added organisations as added.
    admin.organisations = vec![Org {
        code: "BFTU".into(),
        abbr: "BFTU".into(),
        name_en: "Building Federation".into(),
        name_km: "សហព័ន្ធសំណង់".into(),
        constituency: Constituency::Workers,
        added: true,
    }];
    let check_made = |out: &Outcome, code: &str| {
        assert_eq!(
            out.effects[0],
            Effect::AddCoordinator {
                org: code.into(),
                user_id: 77
            }
        );
        assert_eq!(out.tasks, [Task::RefreshMenu(77)]);
        assert!(
            matches!(screen(out), Screen::Staff(StaffScreen::FocalChanged { org: Some(o), .. }) if o.code == code)
        );
    };
    let made = admin.command(Command::Focal(FocalArg::Add {
        org: "ccawdu".into(),
        user_id: 77,
    }));
    check_made(&made, "CCAWDU");
    // The same again changes nothing, and says so.
    let again = admin.command(Command::Focal(FocalArg::Add {
        org: "CCAWDU".into(),
        user_id: 77,
    }));
    assert!(again.effects.is_empty());
    assert!(matches!(
        screen(&again),
        Screen::Staff(StaffScreen::FocalAlready { .. })
    ));
    // Another organisation: a move, asked first, done on the confirming tap.
    let asked = admin.command(Command::Focal(FocalArg::Add {
        org: "BFTU".into(),
        user_id: 77,
    }));
    assert!(asked.effects.is_empty());
    assert!(matches!(
        screen(&asked),
        Screen::Staff(StaffScreen::ConfirmFocalMove { from, to, .. }) if from == "CCAWDU" && to.code == "BFTU"
    ));
    let moved = admin.tap(Callback::Staff(StaffCallback::FocalMove {
        user_id: 77,
        org: "BFTU".into(),
    }));
    check_made(&moved, "BFTU");
    // "Yes, move them" tapped twice writes one change.
    let twice = admin.tap(Callback::Staff(StaffCallback::FocalMove {
        user_id: 77,
        org: "BFTU".into(),
    }));
    assert!(twice.effects.is_empty(), "{twice:?}");
    assert!(matches!(
        screen(&twice),
        Screen::Staff(StaffScreen::FocalAlready { .. })
    ));
    // A forged move of someone who is not a focal point, or of no user at all, is refused
    // as the typed command is.
    let forged = admin.tap(Callback::Staff(StaffCallback::FocalMove {
        user_id: 99_999_999_999,
        org: "CCAWDU".into(),
    }));
    assert!(forged.effects.is_empty() && forged.tasks.is_empty());
    assert_eq!(forged.notice, Some(Notice::Outdated));
    assert_eq!(Callback::decode("fm:-5:CCAWDU"), None);
    assert_eq!(
        Command::parse("/focal add CCAWDU -5"),
        Some(Command::Focal(FocalArg::Usage))
    );
    let unknown = admin.command(Command::Focal(FocalArg::Add {
        org: "NOPE".into(),
        user_id: 77,
    }));
    assert!(unknown.effects.is_empty());
    assert_eq!(screen(&unknown), &Screen::Staff(StaffScreen::FocalUsage));
    let removed = admin.command(Command::Focal(FocalArg::Remove(77)));
    assert_eq!(removed.effects[0], Effect::RemoveCoordinator(77));
    // Removing someone who is not a focal point changes nothing, and says so.
    let not_one = admin.command(Command::Focal(FocalArg::Remove(77)));
    assert!(not_one.effects.is_empty() && not_one.tasks.is_empty());
    assert_eq!(
        screen(&not_one),
        &Screen::Staff(StaffScreen::NotFocal { user_id: 77 })
    );

    let mut member = Member::onboarded(Lang::En);
    let refused = member.command(Command::Focal(FocalArg::Remove(77)));
    assert!(refused.effects.is_empty() && refused.tasks.is_empty());
    assert_eq!(screen(&refused), &Screen::NotAllowed);
    assert_eq!(
        Command::parse("/focal add CCAWDU 123"),
        Some(Command::Focal(FocalArg::Add {
            org: "CCAWDU".into(),
            user_id: 123
        }))
    );
    assert_eq!(
        Command::parse("/focal"),
        Some(Command::Focal(FocalArg::List))
    );
    assert_eq!(
        screen(&admin.command(Command::Focal(FocalArg::List))),
        &Screen::Staff(StaffScreen::FocalPoints { list: vec![] })
    );
    for usage in [
        "/focal x",
        "/focal add CCAWDU",
        "/focal add CC/AWDU 1",
        "/focal remove x",
    ] {
        assert_eq!(
            Command::parse(usage),
            Some(Command::Focal(FocalArg::Usage)),
            "{usage}"
        );
    }
}

#[test]
fn an_admin_uploading_a_file_starts_an_import_and_a_huge_one_is_refused() {
    let mut admin = Member::onboarded(Lang::Km);
    admin.is_admin = true;
    let doc = |size| {
        Input::Document(DocumentIn {
            file_id: "file-1".into(),
            file_name: "plan.xlsx".into(),
            size_bytes: size,
        })
    };
    assert_eq!(
        admin.send(doc(30_000)).tasks,
        [Task::ImportPlan {
            file_id: "file-1".into(),
            file_name: "plan.xlsx".into()
        }]
    );
    let huge = admin.send(doc(20_000_000));
    assert!(huge.tasks.is_empty());
    assert_eq!(screen(&huge), &Screen::Staff(StaffScreen::FileTooLarge));
}

#[test]
fn admin_command_arguments_are_parsed_at_the_edge() {
    assert_eq!(
        Command::parse("/admin add 123"),
        Some(Command::Admin(AdminArg::Add(123)))
    );
    assert_eq!(
        Command::parse("/admin remove x"),
        Some(Command::Admin(AdminArg::Usage))
    );
    assert_eq!(
        Command::parse("/window"),
        Some(Command::Window(WindowArg::Show))
    );
    assert_eq!(
        Command::parse("/window open 2027-03-31"),
        Some(Command::Window(WindowArg::Open(Some(
            Utc.with_ymd_and_hms(2027, 3, 31, 17, 0, 0).unwrap()
        ))))
    );
    assert_eq!(
        Command::parse("/window open soon"),
        Some(Command::Window(WindowArg::Invalid))
    );
}

#[test]
fn reminders_can_be_turned_off_and_on_in_settings() {
    let mut m = Member::onboarded(Lang::Km);
    let out = m.tap(Callback::Settings);
    assert!(matches!(
        out.replies[0].screen,
        Screen::Settings {
            reminders: true,
            ..
        }
    ));
    let out = m.tap(Callback::Reminders(false));
    assert_eq!(out.effects, vec![Effect::SetReminders(false)]);
    assert!(matches!(
        out.replies[0].screen,
        Screen::Settings {
            reminders: false,
            ..
        }
    ));
    assert!(!m.reminders);
    m.tap(Callback::Reminders(true));
    assert!(m.reminders);
}

#[test]
fn a_campaign_button_from_someone_who_coordinates_nothing_does_nothing() {
    let mut m = Member::onboarded(Lang::En);
    for cb in [
        Callback::Campaign(CampaignCallback::Remind(3)),
        Callback::Campaign(CampaignCallback::RemindSend(3)),
        Callback::Campaign(CampaignCallback::Campaigns(0)),
        Callback::Campaign(CampaignCallback::AutoRemind(3, false)),
    ] {
        let out = m.tap(cb);
        assert!(out.effects.is_empty() && out.tasks.is_empty());
        assert_eq!(
            out.replies[0].screen,
            Screen::Campaign(CampaignScreen::NotCoordinator)
        );
    }
    // A coordinator, but the campaign is not among their organisation's.
    m.coordinates = Some("CCAWDU".into());
    m.campaigns = Some(vec![]);
    m.all_campaigns = vec![(3, "CAMFEBA".into())];
    let out = m.tap(Callback::Campaign(CampaignCallback::RemindSend(3)));
    assert!(out.tasks.is_empty());
    // Told it is another organisation's, and shown their own campaigns.
    assert_eq!(out.notice, Some(Notice::NotYours));
    assert!(matches!(
        out.replies[0].screen,
        Screen::Campaign(CampaignScreen::Campaigns { .. })
    ));
    let out = m.tap(Callback::Campaign(CampaignCallback::AutoRemind(3, false)));
    assert!(out.effects.is_empty());
    assert_eq!(out.notice, Some(Notice::NotYours));
    // A campaign nobody made is no such campaign, not another organisation's.
    for cb in [
        CampaignCallback::Remind(99),
        CampaignCallback::RemindSend(99),
        CampaignCallback::AutoRemind(99, true),
    ] {
        let out = m.tap(Callback::Campaign(cb));
        assert!(out.effects.is_empty() && out.tasks.is_empty());
        assert_eq!(out.notice, Some(Notice::NoSuchCampaign));
    }
}

#[test]
fn a_focal_point_makes_a_campaign_step_by_step_with_buttons() {
    use dwcp_feedback::conversation::flow::DEADLINE_CHOICES;
    use dwcp_feedback::domain::window::end_of_day_after;
    let mut m = Member::onboarded(Lang::En);
    m.coordinates = Some("CCAWDU".into());
    m.campaigns = Some(vec![]);
    let asked = m.command(Command::Campaign(CampaignArg::Guided));
    assert_eq!(
        screen(&asked),
        &Screen::Campaign(CampaignScreen::AskCampaignTitle)
    );

    for bad in ["   ", &"x".repeat(MAX_TITLE_CHARS + 1)] {
        let again = m.send(Input::Text(bad.to_string()));
        assert_eq!(again.replies[0].banner, Some(Banner::CampaignTitleInvalid));
        assert_eq!(
            screen(&again),
            &Screen::Campaign(CampaignScreen::AskCampaignTitle)
        );
    }
    let scope = m.send(Input::Text("  Garment workers' voice ".into()));
    assert_eq!(
        screen(&scope),
        &Screen::Campaign(CampaignScreen::AskCampaignScope {
            title: "Garment workers' voice".into()
        })
    );
    // A restart here keeps the answers given so far.
    assert_eq!(State::from_json(&m.state.to_json()), Some(m.state.clone()));

    let bad = m.send(Input::Text("P1.1,Z9.9".into()));
    assert_eq!(bad.replies[0].banner, Some(Banner::CampaignScopeInvalid));
    // A deadline button before its question: the current question again.
    let early = m.tap(Callback::Campaign(CampaignCallback::CampaignDays(7)));
    assert_eq!(early.notice, Some(Notice::Outdated));
    assert!(early.tasks.is_empty());
    assert!(matches!(
        screen(&early),
        Screen::Campaign(CampaignScreen::AskCampaignScope { .. })
    ));

    let p1 = PriorityCode::parse("P1").unwrap();
    let deadline = m.tap(Callback::Campaign(CampaignCallback::CampaignScope(Some(
        p1.clone(),
    ))));
    let Screen::Campaign(CampaignScreen::AskCampaignDeadline {
        activities,
        options,
        ..
    }) = screen(&deadline)
    else {
        panic!("{deadline:?}");
    };
    let of_p1: Vec<ActivityCode> = m.plan.activities_of(&p1).map(|a| a.code.clone()).collect();
    assert_eq!(*activities, of_p1.len());
    assert_eq!(
        options.iter().map(|(d, _)| *d).collect::<Vec<_>>(),
        DEADLINE_CHOICES
    );
    let past = m.send(Input::Text("2020-01-31".into()));
    assert_eq!(past.replies[0].banner, Some(Banner::CampaignDateInvalid));

    let made = m.tap(Callback::Campaign(CampaignCallback::CampaignDays(14)));
    assert_eq!(
        made.tasks,
        [Task::CreateCampaign(CampaignRequest {
            org: "CCAWDU".into(),
            title: "Garment workers' voice".into(),
            activities: of_p1,
            deadline: end_of_day_after(now(), 14).unwrap(),
        })]
    );
    assert_eq!(m.state, State::Menu);
    // The same button again (a double tap): nothing more is made.
    let again = m.tap(Callback::Campaign(CampaignCallback::CampaignDays(14)));
    assert!(again.tasks.is_empty());
    assert_eq!(again.notice, Some(Notice::Outdated));
    assert_eq!(screen(&again), &Screen::Outdated);
}

#[test]
fn a_focal_point_can_type_every_answer_or_cancel() {
    let mut m = Member::onboarded(Lang::Km);
    m.coordinates = Some("CCAWDU".into());
    m.campaigns = Some(vec![]);
    m.tap(Callback::Campaign(CampaignCallback::NewCampaign));
    m.send(Input::Text("Builders".into()));
    m.send(Input::Text("P2.1, P2.3".into()));
    let made = m.send(Input::Text("2027-01-31".into()));
    assert_eq!(
        made.tasks,
        [Task::CreateCampaign(CampaignRequest {
            org: "CCAWDU".into(),
            title: "Builders".into(),
            activities: vec![code("P2.1"), code("P2.3")],
            deadline: dwcp_feedback::domain::window::parse_until("2027-01-31").unwrap(),
        })]
    );

    m.tap(Callback::Campaign(CampaignCallback::NewCampaign));
    let cancelled = m.tap(Callback::Campaign(CampaignCallback::Campaigns(0)));
    assert!(matches!(
        screen(&cancelled),
        Screen::Campaign(CampaignScreen::Campaigns { .. })
    ));
    assert_eq!(m.state, State::Menu);
    let after = m.send(Input::Text("Not a title any more".into()));
    assert!(after.tasks.is_empty());
    assert_eq!(
        after.replies[0].banner,
        Some(Banner::Hint(Hint::UseButtons))
    );
    assert!(
        matches!(screen(&after), Screen::Menu { .. }),
        "with the menu's buttons"
    );

    // Someone no longer a focal point, in the middle of the dialog: refused, nothing made.
    m.tap(Callback::Campaign(CampaignCallback::NewCampaign));
    m.coordinates = None;
    let refused = m.send(Input::Text("Title".into()));
    assert!(refused.tasks.is_empty());
    assert_eq!(
        screen(&refused),
        &Screen::Campaign(CampaignScreen::NotCoordinator)
    );
    assert_eq!(m.state, State::Menu);
    assert_eq!(
        screen(&m.tap(Callback::Campaign(CampaignCallback::NewCampaign))),
        &Screen::Campaign(CampaignScreen::NotCoordinator)
    );
}

/// Which draft the announcement preview on screen shows (what its buttons carry).
fn shown_draft(m: &Member) -> u32 {
    match &m.state {
        State::Announce { draft } => draft.fingerprint(),
        other => panic!("no preview on screen: {other:?}"),
    }
}

fn admin() -> Member {
    let mut m = Member::onboarded(Lang::En);
    m.is_admin = true;
    m
}

#[test]
fn an_admin_announces_with_a_preview_and_a_confirmation() {
    let mut m = admin();
    let workers = Audience::Constituency(Constituency::Workers);
    assert_eq!(
        screen(&m.command(Command::Announce(AnnounceArg::Ask))),
        &Screen::Staff(StaffScreen::AskAnnounceAudience)
    );
    assert_eq!(
        screen(&m.tap(Callback::Staff(StaffCallback::AnnounceTo(Some(
            Constituency::Workers
        ))))),
        &Screen::Staff(StaffScreen::AskAnnounceText {
            audience: workers.clone()
        })
    );
    for bad in ["  ".to_string(), "x".repeat(3501)] {
        let again = m.send(Input::Text(bad));
        assert_eq!(again.replies[0].banner, Some(Banner::AnnounceTextInvalid));
        assert!(matches!(
            screen(&again),
            Screen::Staff(StaffScreen::AskAnnounceText { .. })
        ));
    }
    m.audience_size = Some(42);
    let preview = m.send(Input::Text(" Meeting on <Friday> & Saturday ".into()));
    assert_eq!(
        screen(&preview),
        &Screen::Staff(StaffScreen::AnnouncePreview {
            audience: workers.clone(),
            text: "Meeting on <Friday> & Saturday".into(),
            recipients: 42,
        })
    );
    assert!(
        preview.tasks.is_empty(),
        "nothing is sent before the confirmation"
    );
    // A restart between preview and confirmation keeps both.
    assert_eq!(State::from_json(&m.state.to_json()), Some(m.state.clone()));
    let first = shown_draft(&m);

    assert!(matches!(
        screen(&m.tap(Callback::Staff(StaffCallback::AnnounceEdit(first)))),
        Screen::Staff(StaffScreen::AskAnnounceText { .. })
    ));
    m.send(Input::Text("Meeting on Friday".into()));
    // The first preview's Send, tapped after a newer draft: nothing is sent, it is said.
    let stale = m.tap(Callback::Staff(StaffCallback::AnnounceSend(first)));
    assert!(stale.tasks.is_empty(), "{stale:?}");
    assert_eq!(stale.notice, Some(Notice::PreviewOutdated));
    let sent = m.tap(Callback::Staff(StaffCallback::AnnounceSend(shown_draft(
        &m,
    ))));
    assert_eq!(
        sent.tasks,
        [Task::Announce {
            audience: workers.clone(),
            text: "Meeting on Friday".into()
        }]
    );
    assert_eq!(
        screen(&sent),
        &Screen::Staff(StaffScreen::AnnounceQueued {
            audience: workers,
            recipients: 42
        })
    );
    assert_eq!(m.state, State::Menu);
    // A second tap on the same preview sends nothing more.
    let twice = m.tap(Callback::Staff(StaffCallback::AnnounceSend(0)));
    assert!(twice.tasks.is_empty());
    assert_eq!(twice.notice, Some(Notice::AnnouncementOver));
    assert!(
        twice.replies.is_empty(),
        "the queued message stays as it is"
    );
}

#[test]
fn an_announcement_can_name_its_audience_and_only_admins_send_one() {
    let mut m = admin();
    let to_org = m.command(Command::Announce(AnnounceArg::To(Audience::Organisation(
        "CCAWDU".into(),
    ))));
    assert!(matches!(
        screen(&to_org),
        Screen::Staff(StaffScreen::AskAnnounceText { audience: Audience::Organisation(c) }) if c == "CCAWDU"
    ));
    let invalid = m.command(Command::Announce(AnnounceArg::Invalid));
    assert_eq!(
        invalid.replies[0].banner,
        Some(Banner::AnnounceAudienceInvalid)
    );
    assert_eq!(
        screen(&invalid),
        &Screen::Staff(StaffScreen::AskAnnounceAudience)
    );
    // An organisation nobody knows is refused with the codes there are, and asked again.
    let typed = m.send(Input::Text("org:NOPE".into()));
    assert!(
        matches!(
            &typed.replies[0].screen,
            Screen::Staff(StaffScreen::UnknownOrganisation { code, known })
                if code == "NOPE" && known.iter().any(|k| k == "CCAWDU")
        ),
        "{typed:?}"
    );
    assert_eq!(
        screen(&typed),
        &Screen::Staff(StaffScreen::AskAnnounceAudience)
    );
    // Codes are taken in any case.
    let typed = m.send(Input::Text("org:ccawdu".into()));
    assert!(matches!(
        screen(&typed),
        Screen::Staff(StaffScreen::AskAnnounceText { audience: Audience::Organisation(c) }) if c == "CCAWDU"
    ));
    // The admin loses the role mid-way: what they type next is refused, nothing is queued.
    m.is_admin = false;
    let refused = m.send(Input::Text("Hello".into()));
    assert_eq!(screen(&refused), &Screen::NotAllowed);
    assert_eq!(m.state, State::Menu);

    let mut member = Member::onboarded(Lang::Km);
    assert_eq!(
        screen(&member.command(Command::Announce(AnnounceArg::Ask))),
        &Screen::NotAllowed
    );
    for forged in [
        Callback::Staff(StaffCallback::AnnounceTo(None)),
        Callback::Staff(StaffCallback::AnnounceEdit(1)),
        Callback::Staff(StaffCallback::AnnounceSend(1)),
    ] {
        let out = member.tap(forged);
        assert!(out.tasks.is_empty() && out.effects.is_empty());
        assert_eq!(screen(&out), &Screen::NotAllowed);
    }
}

#[test]
fn a_closed_campaign_is_shown_but_nothing_more_is_sent_or_changed_for_it() {
    use dwcp_feedback::store::{Campaign, CampaignProgress};
    let mut m = Member::onboarded(Lang::En);
    m.coordinates = Some("CCAWDU".into());
    let progress = |id: i64, deadline| CampaignProgress {
        campaign: Campaign {
            id,
            code: CampaignCode::generate().unwrap(),
            org_code: "CCAWDU".into(),
            title: format!("Campaign {id}"),
            activities: vec![code("P1.1")],
            plan_version: 1,
            deadline,
            auto_remind: true,
        },
        joined: 2,
        finished: 1,
        ratings: 3,
        comments: 0,
        per_activity: vec![(code("P1.1"), 3, 0)],
        unfinished: vec![(601, Some("Sokha".into()))],
    };
    m.campaigns = Some(vec![
        progress(1, now() - chrono::Duration::days(1)),
        progress(2, now() + chrono::Duration::days(1)),
    ]);
    for cb in [
        Callback::Campaign(CampaignCallback::Remind(1)),
        Callback::Campaign(CampaignCallback::RemindSend(1)),
        Callback::Campaign(CampaignCallback::AutoRemind(1, false)),
    ] {
        let out = m.tap(cb);
        assert!(out.effects.is_empty() && out.tasks.is_empty(), "{out:?}");
        assert_eq!(out.notice, Some(Notice::CampaignClosed));
        assert!(matches!(
            screen(&out),
            Screen::Campaign(CampaignScreen::Campaigns { .. })
        ));
    }
    // The open one still works: asked, then confirmed, once.
    m.tap(Callback::Campaign(CampaignCallback::Remind(2)));
    let open = m.tap(Callback::Campaign(CampaignCallback::RemindSend(2)));
    assert_eq!(
        open.tasks,
        [Task::Remind {
            campaign_id: 2,
            org: "CCAWDU".into()
        }]
    );
    assert_eq!(open.notice, Some(Notice::Sending));
    let again = m.tap(Callback::Campaign(CampaignCallback::RemindSend(2)));
    assert!(again.tasks.is_empty(), "a second tap sends nothing");
    assert_eq!(again.notice, Some(Notice::AlreadyDone));
}

#[test]
fn a_focal_point_ticks_activities_one_by_one() {
    let mut m = Member::onboarded(Lang::En);
    m.coordinates = Some("CCAWDU".into());
    m.campaigns = Some(vec![]);
    m.command(Command::Campaign(CampaignArg::Guided));
    m.send(Input::Text("Hand-picked".into()));
    let first = m.tap(Callback::Campaign(CampaignCallback::CampaignPick(0)));
    let Screen::Campaign(CampaignScreen::PickCampaignActivities {
        items,
        chosen: 0,
        pages,
        ..
    }) = screen(&first)
    else {
        panic!("{first:?}");
    };
    assert!(items.iter().all(|(_, ticked)| !ticked));
    assert!(*pages > 1);
    // Done with nothing ticked: asked to tick one, and the page stays.
    assert_eq!(
        m.tap(Callback::Campaign(CampaignCallback::CampaignPicked))
            .notice,
        Some(Notice::PickOne)
    );

    m.tap(Callback::Campaign(CampaignCallback::CampaignToggle(code(
        "P3.1",
    ))));
    m.tap(Callback::Campaign(CampaignCallback::CampaignToggle(code(
        "P2.1",
    ))));
    let ticked = m.tap(Callback::Campaign(CampaignCallback::CampaignToggle(code(
        "P1.2",
    ))));
    assert!(matches!(
        screen(&ticked),
        Screen::Campaign(CampaignScreen::PickCampaignActivities { chosen: 3, .. })
    ));
    let unticked = m.tap(Callback::Campaign(CampaignCallback::CampaignToggle(code(
        "P2.1",
    ))));
    assert!(matches!(
        screen(&unticked),
        Screen::Campaign(CampaignScreen::PickCampaignActivities {
            chosen: 2,
            page: 0,
            ..
        })
    ));
    let second = m.tap(Callback::Campaign(CampaignCallback::CampaignPick(1)));
    assert!(matches!(
        screen(&second),
        Screen::Campaign(CampaignScreen::PickCampaignActivities { page: 1, .. })
    ));
    // A restart while ticking keeps the ticks.
    assert_eq!(State::from_json(&m.state.to_json()), Some(m.state.clone()));

    let deadline = m.tap(Callback::Campaign(CampaignCallback::CampaignPicked));
    assert!(matches!(
        screen(&deadline),
        Screen::Campaign(CampaignScreen::AskCampaignDeadline { activities: 2, .. })
    ));
    let made = m.tap(Callback::Campaign(CampaignCallback::CampaignDays(7)));
    let [Task::CreateCampaign(CampaignRequest { activities, .. })] = &made.tasks[..] else {
        panic!("{made:?}");
    };
    assert_eq!(
        activities,
        &[code("P1.2"), code("P3.1")],
        "in the plan's order"
    );
}

#[test]
fn a_change_from_a_list_or_my_feedback_returns_there() {
    let mut m = Member::onboarded(Lang::Km);
    let four = Rating::new(4).unwrap();
    // From a priority's list, page 0: rate, and the same list comes back with the change said.
    let list = m.tap(Callback::Activities {
        priority: PriorityCode::parse("P2").unwrap(),
        page: 0,
    });
    assert!(matches!(screen(&list), Screen::Activities { .. }));
    m.tap(Callback::Cards(CardCallback::Open(
        code("P2.3"),
        Back::List(0),
    )));
    let back = m.tap(Callback::Cards(CardCallback::Rate(code("P2.3"), four)));
    assert!(
        matches!(screen(&back), Screen::Activities { priority, page: 0, items, .. }
            if priority.as_str() == "P2" && items.contains(&(code("P2.3"), true))),
        "{:?}",
        screen(&back)
    );
    assert_eq!(
        back.replies[0].banner,
        Some(Banner::Rated(code("P2.3"), four))
    );

    // From My feedback, page 0: a new rating, then back to My feedback.
    m.tap(Callback::Cards(CardCallback::Mine(0)));
    m.tap(Callback::Cards(CardCallback::Open(
        code("P2.3"),
        Back::Mine(0),
    )));
    let back = m.tap(Callback::Cards(CardCallback::Rate(
        code("P2.3"),
        Rating::new(5).unwrap(),
    )));
    assert!(matches!(
        screen(&back),
        Screen::Cards(CardScreen::Mine { page: 0, .. })
    ));
    // A comment typed on that card goes to it; the card stays (a second message joins it).
    m.tap(Callback::Cards(CardCallback::Open(
        code("P2.3"),
        Back::Mine(0),
    )));
    let commented = m.send(Input::Text("Good for young workers".into()));
    assert_eq!(
        commented.replies[0].banner,
        Some(Banner::CommentSaved(code("P2.3")))
    );
    assert!(
        matches!(screen(&commented), Screen::Cards(CardScreen::Card { code: c, given: Some((_, seen)), back: Back::Mine(0), .. })
            if c == &code("P2.3")
                && seen.text == Some(TextStart::of("Good for young workers")))
    );
    // A low rating from a list asks what should change, then returns to the list.
    m.tap(Callback::Cards(CardCallback::Open(
        code("P2.1"),
        Back::List(0),
    )));
    let ask = m.tap(Callback::Cards(CardCallback::Rate(
        code("P2.1"),
        Rating::new(1).unwrap(),
    )));
    assert!(matches!(
        screen(&ask),
        Screen::Cards(CardScreen::AskComment {
            low: true,
            back: Back::List(0),
            ..
        })
    ));
    let back = m.tap(Callback::Cards(CardCallback::SkipComment(code("P2.1"))));
    assert!(matches!(screen(&back), Screen::Activities { .. }));
}

#[test]
fn an_activity_typed_twice_is_asked_once_and_all_means_every_activity() {
    let mut m = Member::onboarded(Lang::En);
    m.coordinates = Some("CCAWDU".into());
    m.campaigns = Some(vec![]);
    let deadline = now() + chrono::Duration::days(9);
    let made = |m: &mut Member, scope: &str| {
        let out = m.command(Command::Campaign(CampaignArg::New {
            deadline,
            scope: scope.into(),
            title: "Our voice".into(),
        }));
        match &out.tasks[..] {
            [Task::CreateCampaign(request)] => request.activities.clone(),
            other => panic!("{scope}: {other:?}"),
        }
    };
    assert_eq!(made(&mut m, "P1.1,P1.1,p1.1"), [code("P1.1")]);
    assert_eq!(
        made(&mut m, "p1.2, P1.1,p1.2"),
        [code("P1.2"), code("P1.1")]
    );
    assert_eq!(made(&mut m, "all").len(), 15);
    // While the consultation is closed, nothing is made: members could not answer.
    m.window = Window {
        open: false,
        until: None,
        changed_at: now() - chrono::Duration::hours(1),
    };
    let closed = m.command(Command::Campaign(CampaignArg::New {
        deadline,
        scope: "all".into(),
        title: "Our voice".into(),
    }));
    assert!(closed.tasks.is_empty());
    assert_eq!(
        screen(&closed),
        &Screen::Campaign(CampaignScreen::ConsultationClosed)
    );
}

#[test]
fn next_from_my_feedback_withdraw_and_language_keep_the_member_in_their_list() {
    let mut m = Member::onboarded(Lang::En);
    // Rate every activity: My feedback then has pages.
    let codes: Vec<ActivityCode> = m.plan.activities.iter().map(|a| a.code.clone()).collect();
    for c in &codes {
        m.tap(Callback::Cards(CardCallback::Rate(
            c.clone(),
            Rating::new(4).unwrap(),
        )));
    }
    // "Next" on a card opened from My feedback: the next activity of My feedback.
    m.tap(Callback::Cards(CardCallback::Mine(0)));
    let card = m.tap(Callback::Cards(CardCallback::Open(
        codes[0].clone(),
        Back::Mine(0),
    )));
    assert!(
        matches!(screen(&card), Screen::Cards(CardScreen::Card { code, .. }) if code == &codes[0])
    );
    let next = m.tap(Callback::Cards(CardCallback::SkipComment(codes[0].clone())));
    assert!(
        matches!(screen(&next), Screen::Cards(CardScreen::Card { code, back: Back::Mine(0), .. }) if code == &codes[1]),
        "{:?}",
        screen(&next)
    );
    // From the last one, back to My feedback.
    let last = codes.last().unwrap().clone();
    let page = ((codes.len() - 1) / dwcp_feedback::conversation::reply::MINE_PAGE) as u8;
    m.tap(Callback::Cards(CardCallback::Open(
        last.clone(),
        Back::Mine(page),
    )));
    let after = m.tap(Callback::Cards(CardCallback::SkipComment(last.clone())));
    assert!(
        matches!(screen(&after), Screen::Cards(CardScreen::Mine { page: p, .. }) if *p == page)
    );

    // Withdrawing from a later page returns to that page.
    m.tap(Callback::Cards(CardCallback::Open(
        last.clone(),
        Back::Mine(page),
    )));
    let ask = m.tap(Callback::Cards(CardCallback::Withdraw(last.clone())));
    assert_eq!(
        screen(&ask),
        &Screen::Cards(CardScreen::ConfirmWithdraw {
            code: last.clone(),
            page
        })
    );
    let done = m.tap(Callback::Cards(CardCallback::WithdrawConfirmed(
        last.clone(),
        page,
    )));
    assert_eq!(done.effects, [Effect::Withdraw { code: last.clone() }]);
    assert!(matches!(screen(&done), Screen::Cards(CardScreen::Mine { page: p, .. }) if *p == page));

    // Switching language on a card shows that card again, in the new language.
    let card = m.tap(Callback::Cards(CardCallback::Open(
        codes[2].clone(),
        Back::Mine(0),
    )));
    assert!(matches!(
        screen(&card),
        Screen::Cards(CardScreen::Card { .. })
    ));
    m.command(Command::Language);
    let switched = m.tap(Callback::Lang(Lang::Km));
    assert_eq!(switched.replies[0].banner, Some(Banner::LanguageChanged));
    assert!(
        matches!(screen(&switched), Screen::Cards(CardScreen::Card { code, back: Back::Mine(0), .. }) if code == &codes[2])
    );
    assert_eq!(switched.lang, Lang::Km);
}

#[test]
fn a_comment_an_older_build_kept_in_the_cards_state_is_kept_on() {
    let mut m = Member::onboarded(Lang::En);
    let words = Comment::Text(CommentText::parse("Needs a budget").unwrap());
    m.state = State::Card {
        code: code("P1.3"),
        back: Back::Next,
        rated: None,
        pending: Some(words.clone()),
    };
    let json = serde_json::to_string(&m.state).unwrap();
    assert!(
        !json.contains("budget"),
        "no longer written into the state: {json}"
    );
    let out = m.command(Command::Menu);
    assert_eq!(
        out.effects,
        [Effect::Hold {
            code: code("P1.3"),
            comment: words
        }]
    );
    assert!(m.held.contains_key(&code("P1.3")));
}

#[test]
fn words_waiting_for_an_activity_withdrawn_meanwhile_are_offered_again() {
    let mut m = Member::onboarded(Lang::En);
    for c in ["P1.1", "P1.2"] {
        m.tap(Callback::Cards(CardCallback::Rate(
            code(c),
            Rating::new(4).unwrap(),
        )));
    }
    m.command(Command::Menu);
    let ask = m.send(Input::Text("Toilets".into()));
    assert_eq!(
        screen(&ask),
        &Screen::Cards(CardScreen::PlaceComment { code: code("P1.2") })
    );
    // Withdrawn from another phone; P1.1 is then the one changed last.
    m.given.remove(&code("P1.2"));
    m.last_rated = Some(code("P1.1"));
    let again = m.tap(Callback::Cards(CardCallback::Place(code("P1.2"))));
    assert!(again.effects.is_empty());
    assert_eq!(again.notice, Some(Notice::Outdated));
    assert_eq!(
        screen(&again),
        &Screen::Cards(CardScreen::PlaceComment { code: code("P1.1") })
    );
    let placed = m.tap(Callback::Cards(CardCallback::Place(code("P1.1"))));
    assert!(matches!(
        &placed.effects[..],
        [Effect::Comment { code: c, comment: Comment::Text(t) }] if c == &code("P1.1") && t.as_str() == "Toilets"
    ));
}
