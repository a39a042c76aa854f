//! What a step may read, loaded before it runs.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::needs::Needs;
use crate::domain::summary::Summary;
use crate::domain::CampaignProgress;
use crate::domain::{ActivityCode, Constituency, Lang, OrgChoice, Plan, Profile, Rating, Window};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Consent {
    Unknown,
    Given,
    Declined,
}

/// A member's current answer on one activity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Given {
    pub rating: Rating,
    pub comment: CommentSeen,
}

/// What a screen shows of the comment on an activity: the start of the typed text and its
/// length, and a voice note's length. An activity may have both: one never replaces the other.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommentSeen {
    pub text: Option<TextStart>,
    /// Seconds.
    pub voice: Option<u32>,
}

/// The first [`PREVIEW_CHARS`] characters of a typed comment, and how many it has in all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextStart {
    pub start: String,
    pub chars: usize,
}

/// How much of a comment the conversation reads back (the store cuts it to the same length).
pub const PREVIEW_CHARS: usize = 48;

impl TextStart {
    pub fn of(text: &str) -> TextStart {
        TextStart {
            start: text.chars().take(PREVIEW_CHARS).collect(),
            chars: text.chars().count(),
        }
    }

    /// This text with `more` added on a new line.
    pub fn and(&self, more: &str) -> TextStart {
        let start: String = format!("{}\n{more}", self.start)
            .chars()
            .take(PREVIEW_CHARS)
            .collect();
        TextStart {
            start,
            chars: self.chars + 1 + more.chars().count(),
        }
    }
}

impl CommentSeen {
    pub fn is_empty(&self) -> bool {
        self.text.is_none() && self.voice.is_none()
    }

    /// After `comment` replaced the comment of its kind (a text the text, a voice note the
    /// voice note).
    pub fn replaced(&mut self, comment: &crate::domain::Comment) {
        match comment {
            crate::domain::Comment::Text(t) => self.text = Some(TextStart::of(t.as_str())),
            crate::domain::Comment::Voice(v) => self.voice = Some(v.duration_secs),
        }
    }

    /// After `comment` was added: a text joined to the text there, a voice note in place of
    /// an earlier one.
    pub fn added(&mut self, comment: &crate::domain::Comment) {
        match (comment, &self.text) {
            (crate::domain::Comment::Text(t), Some(before)) => {
                self.text = Some(before.and(t.as_str()))
            }
            _ => self.replaced(comment),
        }
    }

    /// Both, as when a comment waiting for the rating joins the activity's own.
    pub fn merged(mut self, held: CommentSeen) -> CommentSeen {
        if let Some(t) = held.text {
            self.text = Some(match &self.text {
                Some(before) => TextStart {
                    start: format!("{}\n{}", before.start, t.start)
                        .chars()
                        .take(PREVIEW_CHARS)
                        .collect(),
                    chars: before.chars + 1 + t.chars,
                },
                None => t,
            });
        }
        if held.voice.is_some() {
            self.voice = held.voice;
        }
        self
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChatKind {
    Private,
    Group,
}

#[derive(Clone)]
pub struct Facts<'a> {
    /// The private chat's id, which is the member's Telegram user id.
    pub chat_id: i64,
    pub plan: &'a Plan,
    pub chat: ChatKind,
    /// The member's chosen language, if any; else `telegram_lang` pre-selects.
    pub lang: Option<Lang>,
    pub telegram_lang: Lang,
    pub consent: Consent,
    pub profile: Profile,
    /// Current ratings on the active plan, by activity.
    pub given: BTreeMap<ActivityCode, Given>,
    /// Comments sent on an activity's card before it was rated: saved with the rating.
    pub held: BTreeMap<ActivityCode, CommentSeen>,
    /// The activity whose rating or comment the member changed last.
    pub last_rated: Option<ActivityCode>,
    /// Whether members may change feedback now (judged against the step's `now`).
    pub window: Window,
    /// A secretariat admin (checked here, on the server, for every admin action).
    pub is_admin: bool,
    /// Loaded only for an admin who asked for the summary.
    pub summary: Option<Summary>,
    /// The campaign the member joined most recently (by id), open or not.
    pub joined: Option<i64>,
    /// Loaded for a step that asks: the campaign whose activities come first (the one whose
    /// link waits for consent, else the one joined), when it is still open.
    pub campaign: Option<CampaignFacts>,
    /// Loaded for a step that asks: what a `/start` link's payload names.
    pub invite: Invite,
    /// The organisation this member coordinates (checked here for every coordinator action).
    pub coordinates: Option<String>,
    /// Loaded only for a coordinator's campaign screens: their own organisation's campaigns.
    pub campaigns: Option<Vec<CampaignProgress>>,
    /// Organisations the secretariat added: the profile's picker lists them after the
    /// reference list's.
    pub organisations: &'a [crate::domain::Org],
    /// In a group, for a focal point's `/campaign`: their organisation's open campaigns.
    pub cards: Vec<CampaignCard>,
    /// Loaded only for an admin's `/focal`: every focal point.
    pub focal_points: Option<Vec<crate::domain::FocalPoint>>,
    /// For an admin's announcement text: how many members its audience reaches.
    pub audience_size: Option<u64>,
    /// Loaded only for an admin's `/admin add|remove`: every admin.
    pub admins: Option<Vec<crate::domain::AdminRole>>,
    /// For a focal point's button naming a campaign not in their list: that campaign's
    /// organisation, or `None` when there is no such campaign.
    pub campaign_owner: Option<Option<String>>,
    /// The member wants campaign reminders (they can opt out in /settings).
    pub reminders: bool,
    /// Loaded for a step that asks: the monitoring round a button names (`loaded.round`).
    pub round: Option<MemberRound>,
    /// Loaded for a step that asks: the open round that reaches the member.
    pub open_round: Option<MemberRound>,
    /// Loaded only for an admin's /monitor: every round with its counts, newest first.
    pub rounds: Option<Vec<crate::domain::monitoring::RoundCounts>>,
    /// Loaded only for a focal point's /monitor: their own members in the open rounds.
    pub org_rounds: Option<Vec<crate::domain::monitoring::OrgRoundProgress>>,
    /// Loaded only for an admin's summary: the open (else the latest) round, and the one before.
    pub latest_round: Option<(
        crate::domain::monitoring::RoundResults,
        Option<crate::domain::monitoring::RoundResults>,
    )>,
    /// Loaded only for an admin's round results: the round's, and the one before it's.
    pub results: Option<(
        crate::domain::monitoring::RoundResults,
        Option<crate::domain::monitoring::RoundResults>,
    )>,
    /// Which of the facts loaded on demand (summary, campaigns…) were loaded for this step.
    pub loaded: Needs,
}

impl<'a> Facts<'a> {
    /// A chat nothing is known about yet: the one place facts start from. The engine (and a
    /// test) then sets what it loaded.
    pub fn new(chat_id: i64, plan: &'a Plan, chat: ChatKind, telegram_lang: Lang) -> Facts<'a> {
        Facts {
            chat_id,
            plan,
            chat,
            lang: None,
            telegram_lang,
            consent: Consent::Unknown,
            profile: Profile::default(),
            given: BTreeMap::new(),
            held: BTreeMap::new(),
            last_rated: None,
            window: Window::always_open(),
            is_admin: false,
            summary: None,
            joined: None,
            campaign: None,
            invite: Invite::None,
            coordinates: None,
            campaigns: None,
            organisations: &[],
            cards: Vec::new(),
            focal_points: None,
            audience_size: None,
            admins: None,
            campaign_owner: None,
            reminders: true,
            round: None,
            open_round: None,
            rounds: None,
            org_rounds: None,
            latest_round: None,
            results: None,
            loaded: Needs::default(),
        }
    }
}

/// A campaign as the member flow needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CampaignFacts {
    pub id: i64,
    pub title: String,
    pub org: Option<OrgChoice>,
    pub constituency: Option<Constituency>,
    pub activities: Vec<ActivityCode>,
    pub deadline: DateTime<Utc>,
}

/// What a group's campaign card shows of one campaign: nothing about its members.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CampaignCard {
    pub title: String,
    pub code: crate::domain::CampaignCode,
    pub deadline: DateTime<Utc>,
    pub org: crate::domain::Org,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Invite {
    /// No campaign link was opened.
    #[default]
    None,
    /// A link whose code names no campaign (mistyped, cut short, or made up).
    Unknown,
    /// The campaign's deadline has passed.
    Expired,
    Open(CampaignFacts),
}

impl Facts<'_> {
    pub fn lang(&self) -> Lang {
        self.lang.unwrap_or(self.telegram_lang)
    }
}

/// A member's answer on one activity as their card shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AnswerSeen {
    pub status: Option<crate::domain::monitoring::Status>,
    pub comment: CommentSeen,
}

/// The round a member is in, as their screens need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberRound {
    pub round: crate::domain::monitoring::Round,
    /// Whether the member is in its audience (a button of a round not theirs is refused).
    pub reaches: bool,
    pub answers: BTreeMap<ActivityCode, AnswerSeen>,
    /// Their answers in the audience's round before this one.
    pub previous: BTreeMap<ActivityCode, crate::domain::monitoring::Status>,
}

impl MemberRound {
    pub fn answered(&self, code: &ActivityCode) -> Option<crate::domain::monitoring::Status> {
        self.answers.get(code).and_then(|a| a.status)
    }

    /// The activities still to answer, after `from` in the round's order and then from the
    /// start: the first of them is the next card.
    pub fn next_unanswered(
        &self,
        from: Option<&ActivityCode>,
        asked: &[ActivityCode],
    ) -> Option<ActivityCode> {
        let start = from
            .and_then(|f| asked.iter().position(|c| c == f))
            .map_or(0, |i| i + 1);
        asked[start..]
            .iter()
            .chain(asked[..start].iter())
            .find(|c| self.answered(c).is_none())
            .cloned()
    }
}
