//! Replies are data: what to show, not how. `messages::render` turns them into text and
//! buttons in one language.

use chrono::{DateTime, Utc};

use super::facts::CommentSeen;
use super::input::OtherKind;
use crate::domain::{ActivityCode, CommentError, Lang, PriorityCode, Profile, Rating};

pub use super::campaigns::CampaignScreen;
pub use super::cards::CardScreen;
pub use super::profile::ProfileScreen;
pub use super::secretariat::StaffScreen;

/// Rows per page of each paged list: small enough for one phone screen.
pub const ORG_PAGE: usize = 6;
pub const PROVINCE_PAGE: usize = 13;
pub const ACTIVITY_PAGE: usize = 6;
pub const MINE_PAGE: usize = 4;

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
/// Campaigns one group card shows: each is told in two languages, and the message must stay
/// short in a busy group.
pub const MAX_GROUP_CARDS: usize = 3;

/// A one-line acknowledgement shown above the next screen, so that saving and moving on
/// costs the member one message, not two.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Banner {
    /// A typed comment on this activity was saved (joined to what was there).
    CommentSaved(ActivityCode),
    VoiceSaved(ActivityCode),
    /// A voice note took the place of an earlier voice note on this activity.
    VoiceReplaced(ActivityCode),
    /// Kept for this activity, not rated yet: saved with its rating.
    Held(ActivityCode),
    /// The comment on this activity holds at most `max` characters: only the first part of
    /// the message was added (or nothing, when it was full).
    CommentCut {
        code: ActivityCode,
        max: usize,
    },
    /// The message sent on the menu was not kept, as asked.
    PlaceDropped,
    /// A rating changed from a list: back on that list.
    Rated(ActivityCode, Rating),
    /// What the member sent cannot be kept here; the screen they were on follows.
    Hint(Hint),
    /// A typed comment that is empty or too long; the screen they were on follows.
    CommentRejected(CommentError),
    ProfileSaved,
    /// /cancel in the middle of a profile edit: the profile stays as it was.
    ProfileEditCancelled,
    Withdrawn,
    LanguageChanged,
    UnknownActivity,
    /// Typed text where a button is expected; the question is asked again below.
    UseButtons,
    /// The member opened a campaign link and joined it.
    Joined,
    /// They switched their profile to a campaign's organisation…
    Switched,
    /// …or kept their own.
    KeptProfile,
    InviteExpired,
    InviteUnknown,
    RemindersChanged,
    CampaignTitleInvalid,
    AnnounceAudienceInvalid,
    AnnounceTextInvalid,
    CampaignScopeInvalid,
    CampaignDateInvalid,
    RoundTitleInvalid,
    /// A monitoring answer saved on this activity: its comment may follow.
    Answered(ActivityCode, crate::domain::monitoring::Status),
    /// This monitoring round is closed (since then): answers are kept, none change.
    RoundClosed(DateTime<Utc>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriorityProgress {
    pub code: PriorityCode,
    pub rated: usize,
    pub total: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MineItem {
    pub code: ActivityCode,
    pub rating: Rating,
    pub comment: CommentSeen,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub rated: usize,
    pub total: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Screen {
    /// Welcome, privacy notice and consent, with the language switch on the same screen.
    Welcome {
        selected: Lang,
        draft: bool,
    },
    /// The full privacy notice, one tap from the welcome, with the same answer buttons.
    Privacy {
        selected: Lang,
        /// Before consent: with the answer buttons.
        asking: bool,
    },
    Declined,
    /// The profile questions (`flow::profile`, drawn by `render::profile`).
    Profile(ProfileScreen),
    /// A profile question asked from the settings: with a way to cancel, and, for one
    /// answer (`single`), without the steps of the whole profile.
    ProfileEdit {
        question: ProfileScreen,
        single: bool,
    },
    Menu {
        progress: Progress,
        draft: bool,
        closed_since: Option<DateTime<Utc>>,
        /// The last day of the consultation, when it has one.
        until: Option<DateTime<Utc>>,
        /// Activities with a comment waiting for their rating.
        held: Vec<ActivityCode>,
        /// The monitoring round open for them: its title, answered and asked activities.
        round: Option<(String, usize, usize)>,
    },
    Priorities {
        items: Vec<PriorityProgress>,
    },
    Activities {
        priority: PriorityCode,
        page: u8,
        pages: u8,
        items: Vec<(ActivityCode, bool)>,
    },
    /// An activity's screens and My feedback (`flow::cards`, drawn by `render::cards`).
    Cards(CardScreen),
    Settings {
        profile: Profile,
        lang: Lang,
        reminders: bool,
    },
    ChooseLang {
        current: Lang,
    },
    Help,
    ConfirmForget,
    Forgotten,
    /// A message of a kind the bot cannot use here; says what it expects instead.
    Hint(Hint),
    /// `/start` in a group: a button that opens the private chat.
    GroupInvite,
    /// A button that no longer means anything (old message, forged data).
    Outdated,
    /// A change asked for after the consultation closed.
    WindowClosed {
        since: DateTime<Utc>,
    },
    /// An admin command from someone who is not an admin.
    NotAllowed,
    /// The secretariat's screens (`flow::secretariat`, drawn by `render::secretariat`).
    Staff(StaffScreen),
    /// Focal points' campaign screens and a member's campaign question (`flow::campaigns`).
    Campaign(CampaignScreen),
    /// Monitoring rounds (`flow::monitor`, drawn by `render::monitor`).
    Monitor(super::monitor::MonitorScreen),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hint {
    /// Text or a voice note where no activity is on screen to take it, and none rated yet.
    UseButtons,
    /// A command this bot does not have (or one addressed to another bot).
    UnknownCommand,
    Unsupported(OtherKind),
    OrgNameInvalid,
}

/// Where a screen goes: edit the message whose button was tapped, or send a new one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    New,
    Edit(i32),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub placement: Placement,
    pub banner: Option<Banner>,
    pub screen: Screen,
}

/// A short text on the tapped button's spinner (the callback answer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    Saved,
    /// A rating saved.
    Rated(Rating),
    /// A rating (and its comment) withdrawn.
    Withdrawn,
    Outdated,
    NothingToDo,
    Closed,
    /// An admin's export is being built.
    Preparing,
    /// A confirmation tapped again: what it does was done the first time.
    AlreadyDone,
    /// A reminder or an announcement is on its way.
    Sending,
    /// A campaign is being made.
    Creating,
    /// A campaign's button after its deadline.
    CampaignClosed,
    /// A focal point tapped another organisation's campaign.
    NotYours,
    /// A campaign button naming a campaign that does not exist.
    NoSuchCampaign,
    /// A button of an announcement already sent or dropped.
    AnnouncementOver,
    /// A preview's button after the draft changed: the newer preview is the one to confirm.
    PreviewOutdated,
    /// "Done" with no activity ticked.
    PickOne,
}
