//! The conversation as a pure function: (state, input, facts, now) → (state, replies, effects).
//! No I/O, no clock, no locale: everything it needs is in its arguments, so every branch is
//! testable with plain values.

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

use super::callback::Callback;
use super::effect::{Effect, ProfileField};
use super::facts::{CampaignFacts, ChatKind, CommentKind, Consent, Facts, Given, Invite};
use super::input::{AdminArg, AnnounceArg, CampaignArg, Command, DocumentIn, Input, WindowArg};
use super::reply::*;
use super::state::{AnnounceDraft, CampaignDraft, ProfileStep, State};
use super::task::Task;
use crate::domain::window::end_of_day_after;
use crate::domain::{ActivityCode, Audience, Comment, CommentText, Lang, Org, OrgChoice, Rating};
use crate::messages::outbox::MAX_ANNOUNCEMENT_CHARS;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub state: State,
    pub replies: Vec<Reply>,
    pub effects: Vec<Effect>,
    pub notice: Option<Notice>,
    /// Slow or file work for the adapter to run after the replies (admins only).
    pub tasks: Vec<Task>,
}

/// The longest campaign title: it heads a forwarded message and a reminder.
pub const MAX_TITLE_CHARS: usize = 100;

pub fn step(state: &State, input: &Input, facts: &Facts, now: DateTime<Utc>) -> Outcome {
    let mut s = Step {
        facts,
        given: facts.given.clone(),
        state: state.clone(),
        replies: Vec::new(),
        effects: Vec::new(),
        notice: None,
        tasks: Vec::new(),
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
    };
    if facts.chat == ChatKind::Group {
        s.group(input);
    } else if s.secretariat(input, now) {
        // Handled: admin work needs no member consent, and refusals need none either.
    } else if s.coordinator(input, now) {
        // Handled likewise: a coordinator's own organisation's campaigns, checked here.
    } else if facts.consent != Consent::Given {
        s.before_consent(input);
    } else {
        s.consented(state, input);
    }
    Outcome {
        state: s.state,
        replies: s.replies,
        effects: s.effects,
        notice: s.notice,
        tasks: s.tasks,
    }
}

struct Step<'a> {
    facts: &'a Facts<'a>,
    /// The member's ratings as they will be after this step's effects.
    given: BTreeMap<ActivityCode, Given>,
    state: State,
    replies: Vec<Reply>,
    effects: Vec<Effect>,
    notice: Option<Notice>,
    tasks: Vec<Task>,
    placement: Placement,
    banner: Option<Banner>,
    /// When the consultation closed, if it has: then nothing may change.
    closed_since: Option<DateTime<Utc>>,
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
            .filter(|a| self.given.contains_key(&a.code))
            .count();
        Progress {
            rated,
            total: plan.activities.len(),
        }
    }

    /// The welcome screen, which is where the member stands until they answer it.
    fn welcome(&mut self, selected: Lang) {
        self.state = State::Consent;
        self.show(Screen::Welcome {
            selected,
            draft: self.draft(),
        });
    }

    fn declined(&mut self) {
        self.state = State::Declined;
        self.show(Screen::Declined);
    }

    fn before_consent(&mut self, input: &Input) {
        let selected = self.facts.lang();
        match input {
            Input::Command(Command::Help) => self.show(Screen::Help),
            Input::Command(Command::Start(Some(_))) => {
                // The organisation and constituency are filled in at consent, not before.
                self.banner = self.invite_banner();
                if let Invite::Open(c) = &self.facts.invite {
                    self.effects.push(Effect::JoinCampaign(c.id));
                }
                self.welcome(selected)
            }
            Input::Command(_) => self.welcome(selected),
            Input::Callback {
                data: Callback::Lang(lang),
                ..
            } => {
                self.effects.push(Effect::SetLang(*lang));
                self.welcome(*lang);
            }
            Input::Callback {
                data: Callback::Consent(true),
                ..
            } => {
                if self.facts.lang.is_none() {
                    // The pre-selected language becomes the member's choice.
                    self.effects.push(Effect::SetLang(selected));
                }
                self.effects.push(Effect::GiveConsent);
                // Came through their organisation's link: who they speak for is known.
                if let Some(c) = self.facts.campaign.clone() {
                    if self.fill_from_campaign(&c) {
                        self.state = State::Profile {
                            step: ProfileStep::Province,
                            editing: false,
                        };
                        return self.show(Screen::AskProvince { page: 0 });
                    }
                }
                self.state = State::Profile {
                    step: ProfileStep::Constituency,
                    editing: false,
                };
                self.show(Screen::AskConstituency);
            }
            Input::Callback {
                data: Callback::Consent(false),
                ..
            } => {
                self.effects.push(Effect::DeclineConsent);
                self.declined();
            }
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
            Input::Voice(voice) => match state {
                State::Comment { code } => self.save_comment(code, Comment::Voice(voice.clone())),
                _ => self.show(Screen::Hint(Hint::NotAskingComment)),
            },
            Input::Document(_) => self.show(Screen::Hint(Hint::Unsupported(
                super::input::OtherKind::Document,
            ))),
            Input::Other(kind) => self.show(Screen::Hint(Hint::Unsupported(*kind))),
        }
    }

    fn command(&mut self, state: &State, cmd: &Command) {
        match cmd {
            // Taken by `secretariat` before the member's flow.
            Command::Summary
            | Command::Export
            | Command::Template
            | Command::Window(_)
            | Command::Admin(_)
            | Command::Campaign(_)
            | Command::Announce(_) => {}
            Command::Start(Some(_)) if self.facts.invite != Invite::None => {
                self.banner = self.invite_banner();
                match self.facts.invite.clone() {
                    Invite::Open(c) => {
                        self.effects.push(Effect::JoinCampaign(c.id));
                        self.fill_from_campaign(&c);
                        self.state = State::Menu;
                        self.next_card_in(None, Some(&c));
                    }
                    _ => self.resume(state),
                }
            }
            Command::Start(_) | Command::Menu => self.resume(state),
            Command::Cancel => {
                self.state = State::Menu;
                self.menu();
            }
            Command::Language => {
                self.state = State::Menu;
                self.show(Screen::ChooseLang {
                    current: self.facts.lang(),
                });
            }
            Command::Settings => {
                self.state = State::Menu;
                self.settings();
            }
            Command::Help => self.show(Screen::Help),
            Command::Forget => {
                self.state = State::ConfirmForget;
                self.show(Screen::ConfirmForget);
            }
            Command::Mine => {
                self.state = State::Menu;
                self.mine(0);
            }
        }
    }

    /// /start or /menu from a member who has been here before: back to where they were.
    fn resume(&mut self, state: &State) {
        match state {
            State::Comment { code } if self.given.contains_key(code) => {
                self.ask_comment(code.clone())
            }
            State::Profile { step, .. } => self.profile_screen(*step, 0),
            _ => {
                self.state = State::Menu;
                self.menu();
            }
        }
    }

    fn text(&mut self, state: &State, text: &str) {
        match state {
            State::Comment { code } => match CommentText::parse(text) {
                Ok(t) => self.save_comment(code, Comment::Text(t)),
                Err(e) => self.show(Screen::CommentRejected(e)),
            },
            State::Profile {
                step: ProfileStep::Organisation,
                ..
            } => match OrgChoice::named(text) {
                Some(org) => {
                    self.effects
                        .push(Effect::SetProfile(ProfileField::Organisation(org)));
                    self.next_profile_step(ProfileStep::Organisation);
                }
                None => self.show(Screen::Hint(Hint::OrgNameInvalid)),
            },
            State::Profile { step, .. } => {
                self.banner = Some(Banner::UseButtons);
                self.profile_screen(*step, 0);
            }
            _ => self.show(Screen::Hint(Hint::UseButtons)),
        }
    }

    fn callback(&mut self, state: &State, data: &Callback) {
        let editing = match state {
            State::Profile { editing, .. } => *editing,
            _ => true,
        };
        match data {
            Callback::Lang(lang) => {
                self.effects.push(Effect::SetLang(*lang));
                self.state = State::Menu;
                self.banner = Some(Banner::LanguageChanged);
                self.menu();
            }
            Callback::Consent(_) => {
                // Already consented: an old welcome message. Withdrawing consent is /forget.
                self.notice = Some(Notice::NothingToDo);
                self.state = State::Menu;
                self.menu();
            }
            Callback::Constituency(c) => {
                self.effects
                    .push(Effect::SetProfile(ProfileField::Constituency(*c)));
                self.state = State::Profile {
                    step: ProfileStep::Organisation,
                    editing,
                };
                self.ask_organisation(*c, 0);
            }
            Callback::OrgPage(page) => {
                self.state = State::Profile {
                    step: ProfileStep::Organisation,
                    editing,
                };
                self.profile_screen(ProfileStep::Organisation, *page);
            }
            Callback::Org(code) => match Org::find(code, self.facts.organisations) {
                Some(org) => {
                    self.effects
                        .push(Effect::SetProfile(ProfileField::Organisation(
                            OrgChoice::Known(org),
                        )));
                    self.state = State::Profile {
                        step: ProfileStep::Organisation,
                        editing,
                    };
                    self.next_profile_step(ProfileStep::Organisation);
                }
                // An organisation nobody listed (forged, or from another build): like any
                // outdated button — asked again when answering it, else the menu.
                None => {
                    self.notice = Some(Notice::Outdated);
                    if let State::Profile { .. } = state {
                        self.state = State::Profile {
                            step: ProfileStep::Organisation,
                            editing,
                        };
                        self.profile_screen(ProfileStep::Organisation, 0);
                    } else {
                        self.state = State::Menu;
                        self.menu();
                    }
                }
            },
            Callback::ProvincePage(page) => {
                self.state = State::Profile {
                    step: ProfileStep::Province,
                    editing,
                };
                self.profile_screen(ProfileStep::Province, *page);
            }
            Callback::Province(p) => {
                self.effects
                    .push(Effect::SetProfile(ProfileField::Province(*p)));
                self.state = State::Profile {
                    step: ProfileStep::Province,
                    editing,
                };
                self.next_profile_step(ProfileStep::Province);
            }
            Callback::Sector(x) => {
                self.effects
                    .push(Effect::SetProfile(ProfileField::Sector(*x)));
                self.state = State::Profile {
                    step: ProfileStep::Sector,
                    editing,
                };
                self.next_profile_step(ProfileStep::Sector);
            }
            Callback::Gender(g) => {
                self.effects
                    .push(Effect::SetProfile(ProfileField::Gender(*g)));
                self.state = State::Profile {
                    step: ProfileStep::Gender,
                    editing,
                };
                self.next_profile_step(ProfileStep::Gender);
            }
            Callback::SkipStep => match state {
                State::Profile { step, .. } => self.next_profile_step(*step),
                _ => self.finish_profile(editing),
            },
            Callback::SkipRest => self.finish_profile(editing),
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
            Callback::Card(code) => {
                self.state = State::Menu;
                self.card(code.clone());
            }
            Callback::Rate(code, rating) => self.rate(code, *rating),
            Callback::AddComment(_) | Callback::Withdraw(_) | Callback::WithdrawConfirmed(_)
                if self.refuse_if_closed() => {}
            Callback::AddComment(code) => {
                if self.given.contains_key(code) {
                    self.ask_comment(code.clone());
                } else {
                    self.state = State::Menu;
                    self.card(code.clone());
                }
            }
            Callback::SkipComment(code) => {
                self.state = State::Menu;
                self.next_card(Some(code));
            }
            Callback::NextUnrated => {
                self.state = State::Menu;
                self.next_card(None);
            }
            Callback::Mine(page) => {
                self.state = State::Menu;
                self.mine(*page);
            }
            Callback::Withdraw(code) => {
                self.state = State::Menu;
                if self.given.contains_key(code) {
                    self.show(Screen::ConfirmWithdraw { code: code.clone() });
                } else {
                    self.card(code.clone());
                }
            }
            Callback::WithdrawConfirmed(code) => {
                self.state = State::Menu;
                if self.given.remove(code).is_some() {
                    self.effects.push(Effect::Withdraw { code: code.clone() });
                    self.banner = Some(Banner::Withdrawn);
                    self.notice = Some(Notice::Saved);
                } else {
                    self.notice = Some(Notice::NothingToDo);
                }
                self.mine(0);
            }
            Callback::Settings => {
                self.state = State::Menu;
                self.settings();
            }
            Callback::EditProfile => {
                self.state = State::Profile {
                    step: ProfileStep::Constituency,
                    editing: true,
                };
                self.show(Screen::AskConstituency);
            }
            Callback::ChooseLang => {
                self.state = State::Menu;
                self.show(Screen::ChooseLang {
                    current: self.facts.lang(),
                });
            }
            Callback::Help => self.show(Screen::Help),
            Callback::Forget => {
                self.state = State::ConfirmForget;
                self.show(Screen::ConfirmForget);
            }
            Callback::ForgetConfirmed => {
                self.effects.push(Effect::Erase);
                self.state = State::Start;
                self.show(Screen::Forgotten);
            }
            // Taken by `secretariat` before the member's flow.
            Callback::Summary(_)
            | Callback::Export(_)
            | Callback::Window(_)
            | Callback::Remind(_)
            | Callback::RemindSend(_)
            | Callback::Campaigns
            | Callback::NewCampaign
            | Callback::CampaignScope(_)
            | Callback::CampaignDays(_)
            | Callback::AnnounceTo(_)
            | Callback::AnnounceSend
            | Callback::AnnounceEdit => {}
            Callback::Reminders(on) => {
                self.effects.push(Effect::SetReminders(*on));
                self.state = State::Menu;
                self.banner = Some(Banner::RemindersChanged);
                self.settings_with(Some(*on));
            }
            Callback::Noop => self.notice = Some(Notice::NothingToDo),
        }
    }

    /// The secretariat's commands, buttons and plan uploads; `false` for anything else.
    /// Every one is checked here, on the server: a member who types an admin command or
    /// forges an admin button gets a polite refusal and nothing happens.
    fn secretariat(&mut self, input: &Input, now: DateTime<Utc>) -> bool {
        let admin = self.facts.is_admin;
        match input {
            Input::Document(doc) if admin => self.plan_upload(doc),
            Input::Command(cmd) => match cmd {
                Command::Summary => self.summary(0),
                Command::Export if admin => self.show(Screen::ChooseExport),
                Command::Template if admin => self.tasks.push(Task::Template),
                Command::Window(arg) if admin => self.window(arg, now),
                Command::Admin(arg) if admin => self.admin(arg),
                Command::Announce(arg) if admin => match arg {
                    AnnounceArg::Ask => self.announce_draft(AnnounceDraft::default()),
                    AnnounceArg::To(audience) => self.announce_draft(AnnounceDraft {
                        audience: Some(audience.clone()),
                        text: None,
                    }),
                    AnnounceArg::Invalid => {
                        self.banner = Some(Banner::AnnounceAudienceInvalid);
                        self.announce_draft(AnnounceDraft::default())
                    }
                },
                Command::Export
                | Command::Template
                | Command::Window(_)
                | Command::Admin(_)
                | Command::Announce(_) => self.show(Screen::NotAllowed),
                _ => return false,
            },
            Input::Text(text) if matches!(self.state, State::Announce { .. }) => {
                let State::Announce { draft } = self.state.clone() else {
                    return false;
                };
                self.placement = Placement::New;
                if admin {
                    self.announce_answer(draft, text);
                } else {
                    // No longer an admin since the dialog began.
                    self.state = State::Menu;
                    self.show(Screen::NotAllowed);
                }
            }
            Input::Callback { data, .. } => match data {
                Callback::Summary(page) => self.summary(*page),
                Callback::Export(format) if admin => {
                    self.notice = Some(Notice::Preparing);
                    self.tasks.push(Task::Export(*format));
                }
                Callback::Window(open) if admin => {
                    let arg = if *open {
                        WindowArg::Open(None)
                    } else {
                        WindowArg::Close
                    };
                    self.window(&arg, now);
                }
                Callback::AnnounceTo(to) if admin => {
                    let audience = to.map_or(Audience::All, Audience::Constituency);
                    self.announce_draft(AnnounceDraft {
                        audience: Some(audience),
                        text: None,
                    });
                }
                Callback::AnnounceEdit if admin => match self.state.clone() {
                    State::Announce { draft } => self.announce_draft(AnnounceDraft {
                        text: None,
                        ..draft
                    }),
                    _ => self.announce_over(),
                },
                Callback::AnnounceSend if admin => match self.state.clone() {
                    State::Announce {
                        draft:
                            AnnounceDraft {
                                audience: Some(audience),
                                text: Some(text),
                            },
                    } => {
                        self.state = State::Menu;
                        self.notice = Some(Notice::Preparing);
                        // Audited when queued, with the audience and the number of members.
                        self.show(Screen::AnnounceQueued {
                            audience: audience.clone(),
                            recipients: self.facts.audience_size.unwrap_or(0),
                        });
                        self.tasks.push(Task::Announce { audience, text });
                    }
                    _ => self.announce_over(),
                },
                Callback::Export(_)
                | Callback::Window(_)
                | Callback::AnnounceTo(_)
                | Callback::AnnounceEdit
                | Callback::AnnounceSend => {
                    self.notice = Some(Notice::Outdated);
                    self.show(Screen::NotAllowed);
                }
                _ => return false,
            },
            _ => return false,
        }
        true
    }

    /// Asks the first question the announcement has no answer for, or shows the preview.
    fn announce_draft(&mut self, draft: AnnounceDraft) {
        let screen = match (&draft.audience, &draft.text) {
            (None, _) => Screen::AskAnnounceAudience,
            (Some(audience), None) => Screen::AskAnnounceText {
                audience: audience.clone(),
            },
            (Some(audience), Some(text)) => Screen::AnnouncePreview {
                audience: audience.clone(),
                text: text.clone(),
                recipients: self.facts.audience_size.unwrap_or(0),
            },
        };
        self.state = State::Announce { draft };
        self.show(screen);
    }

    /// A typed answer: the audience (`org:CODE`), or the text (again, to change it).
    fn announce_answer(&mut self, mut draft: AnnounceDraft, text: &str) {
        if draft.audience.is_none() {
            match Audience::parse(text) {
                Ok(audience) => draft.audience = Some(audience),
                Err(_) => self.banner = Some(Banner::AnnounceAudienceInvalid),
            }
        } else {
            let text = text.trim();
            let chars = text.chars().count();
            if (1..=MAX_ANNOUNCEMENT_CHARS).contains(&chars) {
                draft.text = Some(text.to_string());
            } else {
                self.banner = Some(Banner::AnnounceTextInvalid);
            }
        }
        self.announce_draft(draft);
    }

    /// A button of an announcement already sent or dropped: nothing is sent twice.
    fn announce_over(&mut self) {
        self.notice = Some(Notice::Outdated);
        self.state = State::Menu;
        self.menu();
    }

    fn invite_banner(&self) -> Option<Banner> {
        match self.facts.invite {
            Invite::None => None,
            Invite::Unknown => Some(Banner::InviteUnknown),
            Invite::Expired => Some(Banner::InviteExpired),
            Invite::Open(_) => Some(Banner::Joined),
        }
    }

    /// Sets the constituency and organisation the campaign's organisation implies; `true`
    /// when the constituency is now known.
    fn fill_from_campaign(&mut self, c: &CampaignFacts) -> bool {
        let Some(constituency) = c.constituency else {
            return false;
        };
        self.effects
            .push(Effect::SetProfile(ProfileField::Constituency(constituency)));
        if let Some(org) = &c.org {
            self.effects
                .push(Effect::SetProfile(ProfileField::Organisation(org.clone())));
        }
        true
    }

    /// Coordinators' commands and buttons. Everything is checked against the organisation the
    /// member coordinates; a campaign of another organisation is refused like a forged button.
    fn coordinator(&mut self, input: &Input, now: DateTime<Utc>) -> bool {
        let org = self.facts.coordinates.clone();
        let own = |id: i64| {
            self.facts
                .campaigns
                .iter()
                .flatten()
                .find(|p| p.campaign.id == id)
                .cloned()
        };
        match input {
            Input::Command(Command::Campaign(arg)) => {
                let Some(org) = org else {
                    self.show(Screen::NotCoordinator);
                    return true;
                };
                match arg {
                    CampaignArg::List => self.campaigns(),
                    CampaignArg::Usage => self.show(Screen::CampaignUsage),
                    CampaignArg::Guided => self.draft_campaign(CampaignDraft::default(), now),
                    CampaignArg::New {
                        deadline,
                        scope,
                        title,
                    } => match (self.scope(scope), campaign_title(title)) {
                        (Some(activities), Some(title)) if *deadline > now => {
                            self.create_campaign(org, title, activities, *deadline)
                        }
                        _ => self.show(Screen::CampaignUsage),
                    },
                }
            }
            Input::Text(text) if matches!(self.state, State::NewCampaign { .. }) => {
                let State::NewCampaign { draft } = self.state.clone() else {
                    return false;
                };
                let Some(org) = org else {
                    self.state = State::Menu;
                    self.show_new(Screen::NotCoordinator);
                    return true;
                };
                self.placement = Placement::New;
                self.campaign_answer(org, draft, text, now);
            }
            Input::Callback { data, .. } => match data {
                Callback::Campaigns if org.is_some() => self.campaigns(),
                Callback::NewCampaign if org.is_some() => {
                    self.draft_campaign(CampaignDraft::default(), now)
                }
                Callback::CampaignScope(_) | Callback::CampaignDays(_) if org.is_some() => {
                    let (State::NewCampaign { draft }, Some(org)) = (self.state.clone(), org)
                    else {
                        // A button of a dialog that is over: its campaign was made or dropped.
                        self.notice = Some(Notice::Outdated);
                        self.campaigns();
                        return true;
                    };
                    self.campaign_button(org, draft, data, now);
                }
                Callback::NewCampaign | Callback::CampaignScope(_) | Callback::CampaignDays(_) => {
                    self.refuse()
                }
                Callback::Remind(id) => match own(*id) {
                    Some(p) if org.is_some() => self.show(Screen::ConfirmRemind {
                        campaign_id: *id,
                        title: p.campaign.title.clone(),
                        count: p.unfinished.len(),
                    }),
                    _ => self.refuse(),
                },
                Callback::RemindSend(id) => match own(*id) {
                    Some(_) if org.is_some() => {
                        self.notice = Some(Notice::Preparing);
                        self.tasks.push(Task::Remind { campaign_id: *id });
                        self.campaigns();
                    }
                    _ => self.refuse(),
                },
                Callback::Campaigns => self.refuse(),
                _ => return false,
            },
            _ => return false,
        }
        true
    }

    /// Feedback is personal: in groups the bot only points to the private chat — with the
    /// campaign card when the organisation's focal point asks for it — and otherwise keeps
    /// quiet (a busy group is not answered message by message).
    fn group(&mut self, input: &Input) {
        let Input::Command(cmd) = input else {
            return;
        };
        match cmd {
            Command::Start(_) => self.show(Screen::GroupInvite),
            Command::Campaign(CampaignArg::List) if self.facts.coordinates.is_some() => {
                match self.facts.cards.len() {
                    0 => self.show(Screen::GroupNoCampaign),
                    n => {
                        let cards = self.facts.cards[..n.min(MAX_GROUP_CARDS)].to_vec();
                        self.show(Screen::GroupCampaignCard { cards })
                    }
                }
            }
            // Making a campaign is done in private.
            Command::Campaign(_) if self.facts.coordinates.is_some() => {
                self.show(Screen::GroupInvite)
            }
            _ => {}
        }
    }

    fn refuse(&mut self) {
        self.notice = Some(Notice::Outdated);
        self.show(Screen::NotCoordinator);
    }

    /// Asks the first question the draft has no answer for.
    fn draft_campaign(&mut self, draft: CampaignDraft, now: DateTime<Utc>) {
        let screen = match (&draft.title, &draft.activities) {
            (None, _) => Screen::AskCampaignTitle,
            (Some(title), None) => Screen::AskCampaignScope {
                title: title.clone(),
            },
            (Some(title), Some(activities)) => Screen::AskCampaignDeadline {
                title: title.clone(),
                activities: activities.len(),
                options: DEADLINE_CHOICES
                    .iter()
                    .filter_map(|d| Some((*d, end_of_day_after(now, *d)?)))
                    .collect(),
            },
        };
        self.state = State::NewCampaign { draft };
        self.show(screen);
    }

    /// A typed answer to the dialog's current question.
    fn campaign_answer(
        &mut self,
        org: String,
        mut draft: CampaignDraft,
        text: &str,
        now: DateTime<Utc>,
    ) {
        if draft.title.is_none() {
            match campaign_title(text) {
                Some(title) => draft.title = Some(title),
                None => self.banner = Some(Banner::CampaignTitleInvalid),
            }
        } else if draft.activities.is_none() {
            match self.scope(text.trim()) {
                Some(activities) => draft.activities = Some(activities),
                None => self.banner = Some(Banner::CampaignScopeInvalid),
            }
        } else {
            match crate::domain::window::parse_until(text.trim()) {
                Ok(deadline) if deadline > now => return self.finish_draft(org, draft, deadline),
                _ => self.banner = Some(Banner::CampaignDateInvalid),
            }
        }
        self.draft_campaign(draft, now);
    }

    /// A tapped answer: the activities' scope, or the deadline in days.
    fn campaign_button(
        &mut self,
        org: String,
        mut draft: CampaignDraft,
        data: &Callback,
        now: DateTime<Utc>,
    ) {
        match (data, &draft.title, &draft.activities) {
            (Callback::CampaignScope(priority), Some(_), None) => {
                let plan = self.facts.plan;
                let activities: Vec<ActivityCode> = match priority {
                    None => plan.activities.iter().map(|a| a.code.clone()).collect(),
                    Some(p) => plan.activities_of(p).map(|a| a.code.clone()).collect(),
                };
                if activities.is_empty() {
                    self.notice = Some(Notice::Outdated);
                } else {
                    draft.activities = Some(activities);
                }
            }
            (Callback::CampaignDays(days), Some(_), Some(_)) => {
                if let Some(deadline) = end_of_day_after(now, *days) {
                    return self.finish_draft(org, draft, deadline);
                }
            }
            // A button of an earlier question: the current one is asked again.
            _ => self.notice = Some(Notice::Outdated),
        }
        self.draft_campaign(draft, now);
    }

    fn finish_draft(&mut self, org: String, draft: CampaignDraft, deadline: DateTime<Utc>) {
        self.state = State::Menu;
        match (draft.title, draft.activities) {
            (Some(title), Some(activities)) => {
                self.create_campaign(org, title, activities, deadline)
            }
            _ => self.campaigns(),
        }
    }

    /// The campaign is made in a task: its random code is not the pure step's business.
    fn create_campaign(
        &mut self,
        org: String,
        title: String,
        activities: Vec<ActivityCode>,
        deadline: DateTime<Utc>,
    ) {
        self.notice = Some(Notice::Preparing);
        self.tasks.push(Task::CreateCampaign {
            org,
            title,
            activities,
            deadline,
        });
    }

    fn campaigns(&mut self) {
        if let State::NewCampaign { .. } = self.state {
            // Back to the list is how the dialog is left.
            self.state = State::Menu;
        }
        self.show(Screen::Campaigns {
            list: self.facts.campaigns.clone().unwrap_or_default(),
        });
    }

    /// `all`, a priority code, or activity codes separated by commas, in the active plan.
    fn scope(&self, scope: &str) -> Option<Vec<ActivityCode>> {
        let plan = self.facts.plan;
        if scope.eq_ignore_ascii_case("all") {
            return Some(plan.activities.iter().map(|a| a.code.clone()).collect());
        }
        if let Some(p) = plan.priorities.iter().find(|p| p.code.as_str() == scope) {
            return Some(
                plan.activities_of(&p.code)
                    .map(|a| a.code.clone())
                    .collect(),
            );
        }
        let codes: Option<Vec<ActivityCode>> = scope
            .split(',')
            .map(|c| {
                ActivityCode::parse(c.trim())
                    .ok()
                    .filter(|c| plan.activity(c).is_some())
            })
            .collect();
        codes.filter(|c| !c.is_empty())
    }

    /// Admins only: everyone else gets a polite refusal and nothing happens.
    fn summary(&mut self, page: u8) {
        match (&self.facts.summary, self.facts.is_admin) {
            (Some(summary), true) => {
                let pages = self.facts.plan.priorities.len() as u8 + 1;
                let page = page.min(pages - 1);
                self.effects.push(Effect::Audit {
                    action: "summary",
                    detail: format!("page {page}"),
                });
                if page == 0 && self.placement == Placement::New {
                    // The chart comes with the summary asked for, not with every page turn.
                    self.tasks.push(Task::Chart(summary.clone()));
                }
                self.show(Screen::Summary {
                    summary: summary.clone(),
                    page,
                });
            }
            _ => {
                self.notice = Some(Notice::Outdated);
                self.show(Screen::NotAllowed);
            }
        }
    }

    fn window(&mut self, arg: &WindowArg, now: DateTime<Utc>) {
        let window = match arg {
            WindowArg::Show => self.facts.window,
            WindowArg::Invalid => return self.show(Screen::WindowUsage),
            WindowArg::Open(Some(until)) if *until <= now => return self.show(Screen::WindowUsage),
            WindowArg::Open(until) => crate::domain::Window {
                open: true,
                until: *until,
                changed_at: now,
            },
            WindowArg::Close => crate::domain::Window {
                open: false,
                until: None,
                changed_at: now,
            },
        };
        if *arg != WindowArg::Show {
            self.effects.push(Effect::SetWindow(window));
            self.effects.push(Effect::Audit {
                action: "window",
                detail: window.audit_detail(),
            });
        }
        self.show(Screen::WindowAdmin { window, now });
    }

    fn admin(&mut self, arg: &AdminArg) {
        match *arg {
            AdminArg::Usage => self.show(Screen::AdminUsage),
            AdminArg::Remove(id) if id == self.facts.chat_id => self.show(Screen::AdminNotSelf),
            AdminArg::Add(user_id) | AdminArg::Remove(user_id) => {
                let added = matches!(arg, AdminArg::Add(_));
                self.effects.push(if added {
                    Effect::AddAdmin(user_id)
                } else {
                    Effect::RemoveAdmin(user_id)
                });
                self.effects.push(Effect::Audit {
                    action: if added { "admin-add" } else { "admin-remove" },
                    detail: user_id.to_string(),
                });
                self.show(Screen::AdminChanged { user_id, added });
            }
        }
    }

    fn plan_upload(&mut self, doc: &DocumentIn) {
        if doc.size_bytes as usize > crate::plan_io::MAX_PLAN_FILE_BYTES {
            self.show(Screen::FileTooLarge);
        } else {
            self.tasks.push(Task::ImportPlan {
                file_id: doc.file_id.clone(),
                file_name: doc.file_name.clone(),
            });
        }
    }

    fn profile_screen(&mut self, step: ProfileStep, page: u8) {
        match step {
            ProfileStep::Constituency => self.show(Screen::AskConstituency),
            ProfileStep::Organisation => match self.current_constituency() {
                Some(constituency) => self.ask_organisation(constituency, page),
                None => {
                    self.state = State::Profile {
                        step: ProfileStep::Constituency,
                        editing: self.editing(),
                    };
                    self.show(Screen::AskConstituency);
                }
            },
            ProfileStep::Province => self.show(Screen::AskProvince { page }),
            ProfileStep::Sector => self.show(Screen::AskSector),
            ProfileStep::Gender => self.show(Screen::AskGender),
        }
    }

    fn ask_organisation(&mut self, constituency: crate::domain::Constituency, page: u8) {
        let all = Org::picker(constituency, self.facts.organisations);
        let (page, pages, items) = paginate(&all, ORG_PAGE, page);
        self.show(Screen::AskOrganisation {
            constituency,
            page,
            pages,
            items,
        });
    }

    fn editing(&self) -> bool {
        matches!(self.state, State::Profile { editing: true, .. })
    }

    /// The constituency after this step's effects (it may have just been chosen).
    fn current_constituency(&self) -> Option<crate::domain::Constituency> {
        self.effects
            .iter()
            .rev()
            .find_map(|e| match e {
                Effect::SetProfile(ProfileField::Constituency(c)) => Some(*c),
                _ => None,
            })
            .or(self.facts.profile.constituency)
    }

    fn next_profile_step(&mut self, done: ProfileStep) {
        if done == ProfileStep::Constituency && self.current_constituency().is_none() {
            // The one question that cannot be skipped.
            self.show(Screen::AskConstituency);
            return;
        }
        match done.next() {
            Some(step) => {
                self.state = State::Profile {
                    step,
                    editing: self.editing(),
                };
                self.profile_screen(step, 0);
            }
            None => self.finish_profile(self.editing()),
        }
    }

    fn finish_profile(&mut self, editing: bool) {
        if self.current_constituency().is_none() {
            self.state = State::Profile {
                step: ProfileStep::Constituency,
                editing,
            };
            self.show(Screen::AskConstituency);
            return;
        }
        self.state = State::Menu;
        self.banner = Some(Banner::ProfileSaved);
        if editing {
            self.settings();
        } else {
            self.next_card(None);
        }
    }

    fn menu(&mut self) {
        self.show(Screen::Menu {
            progress: self.progress(),
            draft: self.draft(),
            closed_since: self.closed_since,
        });
    }

    fn settings(&mut self) {
        self.settings_with(None)
    }

    /// Settings, with the reminder choice as this step leaves it.
    fn settings_with(&mut self, reminders: Option<bool>) {
        let mut profile = self.facts.profile.clone();
        for e in &self.effects {
            if let Effect::SetProfile(field) = e {
                match field.clone() {
                    ProfileField::Constituency(c) => profile.constituency = Some(c),
                    ProfileField::Organisation(o) => profile.organisation = Some(o),
                    ProfileField::Province(p) => profile.province = Some(p),
                    ProfileField::Sector(x) => profile.sector = Some(x),
                    ProfileField::Gender(g) => profile.gender = Some(g),
                }
            }
        }
        self.show(Screen::Settings {
            profile,
            lang: self.facts.lang(),
            reminders: reminders.unwrap_or(self.facts.reminders),
        });
    }

    fn priorities(&mut self) {
        let plan = self.facts.plan;
        let items = plan
            .priorities
            .iter()
            .map(|p| {
                let (rated, total) = plan.activities_of(&p.code).fold((0, 0), |(r, t), a| {
                    (r + usize::from(self.given.contains_key(&a.code)), t + 1)
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
            .map(|a| (a.code.clone(), self.given.contains_key(&a.code)))
            .collect();
        let (page, pages, items) = paginate(&all, ACTIVITY_PAGE, page);
        self.show(Screen::Activities {
            priority: priority.clone(),
            page,
            pages,
            items,
        });
    }

    fn card(&mut self, code: ActivityCode) {
        if self.facts.plan.activity(&code).is_none() {
            self.notice = Some(Notice::Outdated);
            self.banner = Some(Banner::UnknownActivity);
            return self.priorities();
        }
        let given = self.given.get(&code).map(|g| (g.rating, g.comment));
        self.show(Screen::Card {
            code,
            given,
            progress: self.progress(),
            draft: self.draft(),
            closed_since: self.closed_since,
        });
    }

    /// The next activity to ask about: first the unrated ones of the member's campaign, in
    /// the campaign's order; then the first without a rating in plan order, starting after
    /// `after` (wrapping).
    fn next_card(&mut self, after: Option<&ActivityCode>) {
        let campaign = self.facts.campaign.clone();
        self.next_card_in(after, campaign.as_ref());
    }

    fn next_card_in(&mut self, after: Option<&ActivityCode>, campaign: Option<&CampaignFacts>) {
        let first_of_campaign = campaign.and_then(|c| {
            c.activities
                .iter()
                .find(|a| !self.given.contains_key(*a) && self.facts.plan.activity(a).is_some())
                .cloned()
        });
        if let Some(code) = first_of_campaign {
            return self.card(code);
        }
        let list = &self.facts.plan.activities;
        let start = after
            .and_then(|c| list.iter().position(|a| &a.code == c))
            .map_or(0, |i| i + 1);
        let next = (0..list.len())
            .map(|i| &list[(start + i) % list.len()])
            .find(|a| !self.given.contains_key(&a.code))
            .map(|a| a.code.clone());
        match next {
            Some(code) => self.card(code),
            None => self.show(Screen::AllRated {
                progress: self.progress(),
            }),
        }
    }

    fn rate(&mut self, code: &ActivityCode, rating: Rating) {
        if self.refuse_if_closed() {
            return;
        }
        if self.facts.plan.activity(code).is_none() {
            self.state = State::Menu;
            return self.card(code.clone());
        }
        let before = self.given.get(code).cloned();
        // A double tap, or the same number again, changes nothing and writes nothing.
        if before.as_ref().map(|g| g.rating) != Some(rating) {
            self.effects.push(Effect::Rate {
                code: code.clone(),
                rating,
            });
            self.given.insert(
                code.clone(),
                Given {
                    rating,
                    comment: before.and_then(|g| g.comment),
                },
            );
        }
        self.notice = Some(Notice::Saved);
        self.ask_comment(code.clone());
    }

    fn ask_comment(&mut self, code: ActivityCode) {
        let Some(given) = self.given.get(&code) else {
            return self.card(code);
        };
        let screen = Screen::AskComment {
            code: code.clone(),
            rating: given.rating,
            has_comment: given.comment.is_some(),
        };
        self.state = State::Comment { code };
        self.show(screen);
    }

    fn save_comment(&mut self, code: &ActivityCode, comment: Comment) {
        self.placement = Placement::New;
        if self.refuse_if_closed() {
            return;
        }
        let Some(given) = self.given.get_mut(code) else {
            self.state = State::Menu;
            return self.show_new(Screen::Outdated);
        };
        let (kind, banner) = match comment {
            Comment::Text(_) => (CommentKind::Text, Banner::CommentSaved),
            Comment::Voice(_) => (CommentKind::Voice, Banner::VoiceSaved),
        };
        given.comment = Some(kind);
        self.effects.push(Effect::Comment {
            code: code.clone(),
            comment,
        });
        self.state = State::Menu;
        self.banner = Some(banner);
        self.placement = Placement::New;
        self.next_card(Some(code));
    }

    fn mine(&mut self, page: u8) {
        let plan = self.facts.plan;
        let all: Vec<MineItem> = plan
            .activities
            .iter()
            .filter_map(|a| {
                self.given.get(&a.code).map(|g| MineItem {
                    code: a.code.clone(),
                    rating: g.rating,
                    comment: g.comment,
                })
            })
            .collect();
        let (page, pages, items) = paginate(&all, MINE_PAGE, page);
        self.show(Screen::Mine { page, pages, items });
    }
}

/// A campaign title as typed, trimmed; `None` when empty or longer than [`MAX_TITLE_CHARS`].
fn campaign_title(raw: &str) -> Option<String> {
    let title = raw.trim();
    (!title.is_empty() && title.chars().count() <= MAX_TITLE_CHARS).then(|| title.to_string())
}

/// The deadlines offered as buttons, in days from today.
pub const DEADLINE_CHOICES: [u8; 3] = [7, 14, 28];

/// Clamps `page` into range and returns (page, page count, that page's items).
pub fn paginate<T: Clone>(all: &[T], per_page: usize, page: u8) -> (u8, u8, Vec<T>) {
    let pages = all.len().div_ceil(per_page).max(1);
    let page = (page as usize).min(pages - 1);
    let items = all
        .iter()
        .skip(page * per_page)
        .take(per_page)
        .cloned()
        .collect();
    (page as u8, pages as u8, items)
}
