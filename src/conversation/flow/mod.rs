//! The conversation as a pure function: (state, input, facts, now) → (state, replies, effects).
//! No I/O, no clock, no locale: everything it needs is in its arguments, so every branch is
//! testable with plain values.

use chrono::{DateTime, Utc};

use super::callback::Callback;
use super::campaigns::{CampaignCallback, CampaignScreen};
use super::cards::{CardCallback, CardScreen};
use super::effect::{Effect, ProfileField};
use super::facts::{CampaignFacts, ChatKind, Consent, Facts, Invite};
use super::input::{
    AdminArg, AnnounceArg, CampaignArg, Command, DocumentIn, FocalArg, Input, WindowArg,
};
use super::needs::Needs;
use super::profile::{ProfileCallback, ProfileScreen};
use super::reply::*;
use super::secretariat::{StaffCallback, StaffScreen};
use super::state::{AnnounceDraft, Back, CampaignDraft, Pending, ProfileStep, State};
use super::task::Task;
use crate::domain::audience::MAX_ANNOUNCEMENT_CHARS;
use crate::domain::window::end_of_day_after;
use crate::domain::{
    ActivityCode, Audience, Comment, CommentText, Lang, Org, OrgChoice, Profile, Rating, VoiceNote,
};

mod campaigns;
mod cards;
mod monitor;
mod profile;
mod secretariat;

use campaigns::invite_banner;
pub use campaigns::DEADLINE_CHOICES;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub state: State,
    pub replies: Vec<Reply>,
    pub effects: Vec<Effect>,
    pub notice: Option<Notice>,
    /// Slow or file work for the adapter to run after the replies (admins only).
    pub tasks: Vec<Task>,
    /// Facts this step wanted and was not given: the engine loads them and steps again.
    pub needs: Needs,
    /// The language the replies are in: the member's, as this step leaves it.
    pub lang: Lang,
}

/// The `/start` payload of the link in a monitoring round's message.
pub const MONITOR_START: &str = "mon";

/// The longest campaign title: it heads a forwarded message and a reminder.
pub const MAX_TITLE_CHARS: usize = 100;

pub fn step(state: &State, input: &Input, facts: &Facts, now: DateTime<Utc>) -> Outcome {
    let mut s = Step {
        facts: facts.clone(),
        waiting_invite: match state {
            State::Consent { invite } => *invite,
            _ => None,
        },
        state: state.clone(),
        replies: Vec::new(),
        effects: Vec::new(),
        notice: None,
        tasks: Vec::new(),
        needs: Needs::default(),
        placement: match input {
            Input::Callback {
                message_id: Some(id),
                ..
            }
            | Input::BadCallback {
                message_id: Some(id),
            } => Placement::Edit(*id),
            _ => Placement::New,
        },
        banner: None,
        closed_since: facts.window.closed_since(now),
        now,
    };
    // A comment an earlier build kept in the card's state is held as this build holds it.
    if let State::Card {
        code,
        pending: Some(comment),
        ..
    } = state
    {
        if facts.consent == Consent::Given {
            let (code, comment) = (code.clone(), comment.clone());
            // Rated since (from another screen): the comment joins the rating's.
            s.effect(if facts.given.contains_key(&code) {
                Effect::Comment { code, comment }
            } else {
                Effect::Hold { code, comment }
            });
        }
    }
    if facts.chat == ChatKind::Group {
        s.group(input);
    } else if s.secretariat(input, now) {
        // Handled: admin work needs no member consent, and refusals need none either.
    } else if s.coordinator(input, now) {
        // Handled likewise: a coordinator's own organisation's campaigns, checked here.
    } else if s.monitor_admin(input) {
        // Handled likewise: an admin's monitoring rounds.
    } else if facts.consent != Consent::Given {
        s.before_consent(input);
    } else {
        s.consented(state, input);
    }
    Outcome {
        lang: s.facts.lang(),
        state: s.state,
        replies: s.replies,
        effects: s.effects,
        notice: s.notice,
        tasks: s.tasks,
        needs: s.needs,
    }
}

struct Step<'a> {
    /// What the step knows, as its own effects so far leave it (`Facts::after`, the one
    /// reading of an effect).
    facts: Facts<'a>,
    /// The campaign whose link waited at the welcome when the step began.
    waiting_invite: Option<i64>,
    state: State,
    replies: Vec<Reply>,
    effects: Vec<Effect>,
    notice: Option<Notice>,
    tasks: Vec<Task>,
    needs: Needs,
    placement: Placement,
    banner: Option<Banner>,
    /// When the consultation closed, if it has: then nothing may change.
    closed_since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
}

impl Step<'_> {
    fn show(&mut self, screen: Screen) {
        self.replies.push(Reply {
            placement: self.placement,
            banner: self.banner.take(),
            screen,
        });
    }

    /// A screen that answers a typed message: always a new message below the member's.
    fn show_new(&mut self, screen: Screen) {
        self.placement = Placement::New;
        self.show(screen);
    }

    /// Records an effect, and sees the facts as they will be after it.
    fn effect(&mut self, effect: Effect) {
        self.facts.after(std::slice::from_ref(&effect));
        self.effects.push(effect);
    }

    /// The coordinator's campaigns with their progress (noted as needed when not loaded), as
    /// this step's own effects leave them.
    fn campaign_list(&mut self) -> Vec<crate::domain::CampaignProgress> {
        if !self.facts.loaded.campaigns {
            self.needs.campaigns = true;
        }
        self.facts.campaigns.clone().unwrap_or_default()
    }

    /// What a `/start` payload names (noted as needed when not loaded): a campaign's
    /// invitation; other payloads name nothing.
    fn invite(&mut self, payload: &str) -> Invite {
        if !payload.starts_with(crate::domain::CampaignCode::START_PREFIX) {
            return Invite::None;
        }
        if self.facts.loaded.invite.as_deref() != Some(payload) {
            self.needs.invite = Some(payload.to_string());
            return Invite::None;
        }
        self.facts.invite.clone()
    }

    /// The campaign whose activities come first, while it is open: the one whose link waits
    /// for the member's consent, else the one they joined (noted as needed when not loaded).
    fn campaign(&mut self) -> Option<CampaignFacts> {
        let id = self.waiting_invite.or(self.facts.joined)?;
        if self.facts.loaded.campaign != Some(id) {
            self.needs.campaign = Some(id);
            return None;
        }
        self.facts.campaign.clone().filter(|c| c.id == id)
    }

    /// How many members `audience` reaches (noted as needed when not loaded).
    fn audience_size(&mut self, audience: &Audience) -> u64 {
        if self.facts.loaded.audience_size.as_ref() != Some(audience) {
            self.needs.audience_size = Some(audience.clone());
        }
        self.facts.audience_size.unwrap_or(0)
    }

    fn draft(&self) -> bool {
        self.facts.plan.is_draft()
    }

    /// Refuses a change once the consultation has closed; `true` when refused.
    fn refuse_if_closed(&mut self) -> bool {
        let Some(since) = self.closed_since else {
            return false;
        };
        self.notice = Some(Notice::Closed);
        self.state = State::Menu;
        self.show(Screen::WindowClosed { since });
        true
    }

    fn progress(&self) -> Progress {
        let plan = self.facts.plan;
        let rated = plan
            .activities
            .iter()
            .filter(|a| self.facts.given.contains_key(&a.code))
            .count();
        Progress {
            rated,
            total: plan.activities.len(),
        }
    }

    /// The welcome screen, which is where the member stands until they answer it. A campaign
    /// link opened before stays pending: joined at consent, forgotten at a refusal.
    fn welcome(&mut self, selected: Lang) {
        let invite = match self.state {
            State::Consent { invite } => invite,
            _ => None,
        };
        self.state = State::Consent { invite };
        self.show(Screen::Welcome {
            selected,
            draft: self.draft(),
        });
    }

    fn confirm_forget(&mut self) {
        self.state = State::ConfirmForget;
        self.show(Screen::ConfirmForget);
    }

    /// Everything about them goes, whether or not they had agreed to anything.
    fn forget(&mut self) {
        self.effect(Effect::Erase);
        self.state = State::Start;
        self.show(Screen::Forgotten);
    }

    fn declined(&mut self) {
        self.state = State::Declined;
        self.show(Screen::Declined);
    }

    fn before_consent(&mut self, input: &Input) {
        let selected = self.facts.lang();
        match input {
            Input::Command(Command::Help) => self.show(Screen::Help),
            Input::Command(Command::Start(Some(payload))) => {
                // Joined, and the organisation filled in, at consent: nothing is kept before.
                let invite = self.invite(payload);
                self.banner = invite_banner(&invite);
                if let Invite::Open(c) = &invite {
                    self.state = State::Consent { invite: Some(c.id) };
                }
                self.welcome(selected)
            }
            Input::Command(Command::Forget)
            | Input::Callback {
                data: Callback::Forget,
                ..
            } => self.confirm_forget(),
            Input::Callback {
                data: Callback::ForgetConfirmed,
                ..
            } => self.forget(),
            Input::Command(_) => self.welcome(selected),
            Input::Callback {
                data: Callback::Privacy,
                ..
            } => self.show(Screen::Privacy {
                selected,
                asking: true,
            }),
            Input::Callback {
                data: Callback::Lang(lang),
                ..
            } => {
                self.effect(Effect::SetLang(*lang));
                self.welcome(*lang);
            }
            Input::Callback {
                data: Callback::Consent(true),
                ..
            } => {
                if self.facts.lang.is_none() {
                    // The pre-selected language becomes the member's choice.
                    self.effect(Effect::SetLang(selected));
                }
                self.effect(Effect::GiveConsent);
                // Came through their organisation's link: who they speak for is known.
                if let Some(c) = self.campaign() {
                    self.effect(Effect::JoinCampaign(c.id));
                    if self.fill_from_campaign(&c) {
                        self.at(ProfileStep::Province, false);
                        return self.ask(ProfileScreen::AskProvince { page: 0 });
                    }
                }
                self.at(ProfileStep::Constituency, false);
                self.ask(ProfileScreen::AskConstituency);
            }
            Input::Callback {
                data: Callback::Consent(false),
                ..
            } => {
                self.effect(Effect::DeclineConsent);
                self.declined();
            }
            // "No" on the erase question: back to the welcome, nothing outdated about it.
            Input::Callback {
                data: Callback::Menu,
                ..
            } if self.state == State::ConfirmForget => self.welcome(selected),
            Input::Callback { .. } | Input::BadCallback { .. } => {
                self.notice = Some(Notice::Outdated);
                self.welcome(selected);
            }
            // Someone who said no is not pressed again until they ask (/start or the button).
            Input::Text(_) | Input::Voice(_) | Input::Document(_) | Input::Other(_)
                if self.facts.consent == Consent::Declined =>
            {
                self.declined()
            }
            Input::Text(_) | Input::Voice(_) | Input::Document(_) | Input::Other(_) => {
                self.welcome(selected)
            }
        }
    }

    fn consented(&mut self, state: &State, input: &Input) {
        match input {
            Input::Command(cmd) => self.command(state, cmd),
            Input::Callback { data, .. } => self.callback(state, data),
            Input::BadCallback { .. } => {
                self.notice = Some(Notice::Outdated);
                self.state = State::Menu;
                self.menu();
            }
            Input::Text(text) => self.text(state, text),
            Input::Voice(voice) => self.comment_in(state, Comment::Voice(voice.clone())),
            Input::Document(_) => {
                self.hint(state, Hint::Unsupported(super::input::OtherKind::Document))
            }
            Input::Other(super::input::OtherKind::Command) => {
                self.hint(state, Hint::UnknownCommand)
            }
            Input::Other(kind) => self.hint(state, Hint::Unsupported(*kind)),
        }
    }

    /// Something the bot cannot take here: said in a line above the screen the member was
    /// on, with its buttons, so they go on with one tap (and what they send next still goes
    /// where that screen says).
    fn hint(&mut self, state: &State, hint: Hint) {
        self.placement = Placement::New;
        self.banner = Some(Banner::Hint(hint));
        self.reshow(state);
    }

    /// The screen `state` stands for, shown again.
    fn reshow(&mut self, state: &State) {
        match state.clone() {
            State::Card {
                code, back, rated, ..
            } => self.card_with(code, back, rated),
            State::PlaceComment { code, text, voice } => {
                self.state = State::PlaceComment {
                    code: code.clone(),
                    text,
                    voice,
                };
                self.show(Screen::Cards(CardScreen::PlaceComment { code }));
            }
            State::Comment { code, back } => self.ask_comment(code, back),
            State::Profile { step, .. } => self.profile_screen(step, 0),
            State::Round { round, code, .. } => self.reshow_round(round, code),
            _ => {
                self.state = State::Menu;
                self.menu();
            }
        }
    }

    fn command(&mut self, state: &State, cmd: &Command) {
        match cmd {
            // Taken by `secretariat` before the member's flow.
            Command::Summary
            | Command::Export
            | Command::Report
            | Command::Template
            | Command::Window(_)
            | Command::Admin(_)
            | Command::Campaign(_)
            | Command::Announce(_)
            | Command::Focal(_) => {}
            Command::Start(Some(payload)) => {
                let invite = self.invite(payload);
                self.banner = invite_banner(&invite);
                match invite {
                    Invite::Open(c) => self.open_campaign(&c),
                    // The link in a monitoring round's message.
                    _ if payload == MONITOR_START => self.open_member_round(),
                    _ => self.resume(state),
                }
            }
            Command::Start(_) => self.resume(state),
            Command::Menu => {
                self.state = State::Menu;
                self.menu();
            }
            Command::Cancel if matches!(state, State::Profile { editing: true, .. }) => {
                self.cancel_profile_edit(state)
            }
            Command::Cancel => {
                self.state = State::Menu;
                self.menu();
            }
            // The member's place stays as it was: once the language is chosen, they are shown
            // it again.
            Command::Language => self.show(Screen::ChooseLang {
                current: self.facts.lang(),
            }),
            Command::Settings => {
                self.state = State::Menu;
                self.settings();
            }
            Command::Help => self.show(Screen::Help),
            Command::Forget => self.confirm_forget(),
            Command::Mine => {
                self.state = State::Menu;
                self.mine(0);
            }
            Command::Monitor => self.open_member_round(),
        }
    }

    /// /start or /menu from a member who has been here before: back to where they were.
    fn resume(&mut self, state: &State) {
        match state {
            State::Comment { code, .. } if !self.facts.given.contains_key(code) => {
                self.state = State::Menu;
                self.menu();
            }
            State::Comment { .. }
            | State::Card { .. }
            | State::Profile { .. }
            | State::Round { .. } => self.reshow(state),
            _ => {
                self.state = State::Menu;
                self.menu();
            }
        }
    }

    fn text(&mut self, state: &State, text: &str) {
        match state {
            // A number typed on a card is its rating, in Latin or Khmer digits.
            State::Card { code, .. } if Rating::typed(text).is_some() => {
                if let Some(rating) = Rating::typed(text) {
                    let code = code.clone();
                    self.placement = Placement::New;
                    self.rate(state, &code, rating)
                }
            }
            State::Comment { .. }
            | State::Card { .. }
            | State::Menu
            | State::Round { .. }
            | State::PlaceComment { .. } => match CommentText::parse(text) {
                Ok(t) => self.comment_in(state, Comment::Text(t)),
                Err(e) => {
                    self.placement = Placement::New;
                    self.banner = Some(Banner::CommentRejected(e));
                    self.reshow(state);
                }
            },
            State::Profile {
                step: ProfileStep::Organisation,
                ..
            } => match OrgChoice::named(text) {
                Some(org) => {
                    self.set_field(self.editing(), ProfileField::Organisation(org));
                    self.next_profile_step(ProfileStep::Organisation);
                }
                None => self.show(Screen::Hint(Hint::OrgNameInvalid)),
            },
            State::Profile { step, .. } => {
                self.banner = Some(Banner::UseButtons);
                self.profile_screen(*step, 0);
            }
            _ => self.hint(state, Hint::UseButtons),
        }
    }

    /// A button: each sub-flow's own buttons go to it; the rest are the menu's.
    fn callback(&mut self, state: &State, data: &Callback) {
        match data {
            Callback::Profile(cb) => self.profile_callback(state, cb),
            Callback::Cards(cb) => self.card_callback(state, cb),
            Callback::Monitor(cb) => self.member_monitor_callback(cb),
            Callback::Lang(lang) => {
                self.effect(Effect::SetLang(*lang));
                self.banner = Some(Banner::LanguageChanged);
                // Back where they were (a card, a question), in the new language; from the
                // settings, the settings.
                match state {
                    State::Card { .. }
                    | State::Comment { .. }
                    | State::Profile { .. }
                    | State::Round { .. }
                    | State::PlaceComment { .. } => self.reshow(state),
                    _ => {
                        self.state = State::Menu;
                        self.settings();
                    }
                }
            }
            Callback::Consent(_) => {
                // Already consented: an old welcome message. Withdrawing consent is /forget.
                self.notice = Some(Notice::NothingToDo);
                self.state = State::Menu;
                self.menu();
            }
            Callback::Menu => {
                self.state = State::Menu;
                self.menu();
            }
            Callback::Priorities => {
                self.state = State::Menu;
                self.priorities();
            }
            Callback::Activities { priority, page } => {
                self.state = State::Menu;
                self.activities(priority, *page);
            }
            Callback::Settings => {
                self.state = State::Menu;
                self.settings();
            }
            Callback::ChooseLang => self.show(Screen::ChooseLang {
                current: self.facts.lang(),
            }),
            Callback::Help => self.show(Screen::Help),
            Callback::Privacy => self.show(Screen::Privacy {
                selected: self.facts.lang(),
                asking: false,
            }),
            Callback::Campaign(CampaignCallback::SwitchOrg { campaign, switch }) => {
                self.switch_org(*campaign, *switch)
            }
            Callback::Forget => self.confirm_forget(),
            Callback::ForgetConfirmed => self.forget(),
            // Taken by `secretariat` and `coordinator` before the member's flow.
            Callback::Staff(_) | Callback::Campaign(_) => {}
            Callback::Reminders(on) => {
                self.effect(Effect::SetReminders(*on));
                self.state = State::Menu;
                self.banner = Some(Banner::RemindersChanged);
                self.settings();
            }
            Callback::Noop => self.notice = Some(Notice::NothingToDo),
        }
    }

    fn menu(&mut self) {
        let held = self
            .facts
            .plan
            .activities
            .iter()
            .filter(|a| self.facts.held.contains_key(&a.code))
            .map(|a| a.code.clone())
            .collect();
        let round = self.menu_round();
        self.show(Screen::Menu {
            round,
            held,
            progress: self.progress(),
            draft: self.draft(),
            closed_since: self.closed_since,
            until: self
                .facts
                .window
                .until
                .filter(|_| self.closed_since.is_none()),
        });
    }

    /// Settings, as this step leaves them.
    fn settings(&mut self) {
        self.show(Screen::Settings {
            profile: self.facts.profile.clone(),
            lang: self.facts.lang(),
            reminders: self.facts.reminders,
        });
    }

    fn priorities(&mut self) {
        let plan = self.facts.plan;
        let items = plan
            .priorities
            .iter()
            .map(|p| {
                let (rated, total) = plan.activities_of(&p.code).fold((0, 0), |(r, t), a| {
                    (
                        r + usize::from(self.facts.given.contains_key(&a.code)),
                        t + 1,
                    )
                });
                PriorityProgress {
                    code: p.code.clone(),
                    rated,
                    total,
                }
            })
            .collect();
        self.show(Screen::Priorities { items });
    }

    fn activities(&mut self, priority: &crate::domain::PriorityCode, page: u8) {
        let plan = self.facts.plan;
        if plan.priority(priority).is_none() {
            self.notice = Some(Notice::Outdated);
            self.banner = Some(Banner::UnknownActivity);
            return self.priorities();
        }
        let all: Vec<(ActivityCode, bool)> = plan
            .activities_of(priority)
            .map(|a| (a.code.clone(), self.facts.given.contains_key(&a.code)))
            .collect();
        let (page, pages, items) = paginate(&all, ACTIVITY_PAGE, page);
        self.show(Screen::Activities {
            priority: priority.clone(),
            page,
            pages,
            items,
        });
    }
}
