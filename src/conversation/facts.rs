//! What a step may read, loaded before it runs.

use std::collections::BTreeMap;

use crate::domain::{ActivityCode, Lang, Plan, Profile, Rating, Window};
use crate::summary::Summary;

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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommentKind {
    Text,
    Voice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChatKind {
    Private,
    Group,
}

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
}

impl Facts<'_> {
    pub fn lang(&self) -> Lang {
        self.lang.unwrap_or(self.telegram_lang)
    }
}
