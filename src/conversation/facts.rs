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
    pub comment: Option<CommentKind>,
}

/// What My feedback and a card show of a comment: the start of a text, a voice note's length.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommentKind {
    /// The first [`PREVIEW_CHARS`] characters.
    Text(String),
    /// Seconds.
    Voice(u32),
}

/// How much of a comment the conversation reads back (the store cuts it to the same length).
pub const PREVIEW_CHARS: usize = 48;

impl CommentKind {
    pub fn of(comment: &crate::domain::Comment) -> CommentKind {
        match comment {
            crate::domain::Comment::Text(t) => {
                CommentKind::Text(t.as_str().chars().take(PREVIEW_CHARS).collect())
            }
            crate::domain::Comment::Voice(v) => CommentKind::Voice(v.duration_secs),
        }
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
