//! Replies are data: what to show, not how. `messages::render` turns them into text and
//! buttons in one language.

use chrono::{DateTime, Utc};

use super::facts::CommentKind;
use super::input::OtherKind;
use crate::domain::{
    ActivityCode, CommentError, Constituency, Lang, OrgChoice, PriorityCode, Profile, Rating,
};

/// Rows per page of each paged list: small enough for one phone screen.
pub const ORG_PAGE: usize = 6;
pub const PROVINCE_PAGE: usize = 8;
pub const ACTIVITY_PAGE: usize = 6;
pub const MINE_PAGE: usize = 8;

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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Banner {
    CommentSaved,
    VoiceSaved,
    ProfileSaved,
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
    pub comment: Option<CommentKind>,
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
    Declined,
    /// A member who speaks for one organisation opened another's campaign link: switch?
    SwitchOrg {
        campaign: i64,
        title: String,
        from_side: Option<Constituency>,
        from_org: Option<OrgChoice>,
        to_side: Constituency,
        to_org: Option<OrgChoice>,
    },
    AskConstituency,
    AskOrganisation {
        constituency: Constituency,
        page: u8,
        pages: u8,
        /// This page's organisations: the reference list's and the secretariat's additions.
        items: Vec<crate::domain::Org>,
    },
    AskProvince {
        page: u8,
    },
    AskSector,
    AskGender,
    Menu {
        progress: Progress,
        draft: bool,
        closed_since: Option<DateTime<Utc>>,
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
    Card {
        code: ActivityCode,
        given: Option<(Rating, Option<CommentKind>)>,
        progress: Progress,
        draft: bool,
        /// When the consultation closed, if it has: the card is then read-only.
        closed_since: Option<DateTime<Utc>>,
    },
    AskComment {
        code: ActivityCode,
        rating: Rating,
        has_comment: bool,
    },
    AllRated {
        progress: Progress,
    },
    Mine {
        page: u8,
        pages: u8,
        items: Vec<MineItem>,
    },
    ConfirmWithdraw {
        code: ActivityCode,
    },
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
    CommentRejected(CommentError),
    /// `/start` in a group: a button that opens the private chat.
    GroupInvite,
    /// A focal point's `/campaign` in their group: each open campaign with a button that
    /// opens the private chat on its link (at most [`MAX_GROUP_CARDS`], soonest deadline first).
    GroupCampaignCard {
        cards: Vec<super::facts::CampaignCard>,
    },
    /// A focal point's `/campaign` in a group when their organisation has no open campaign.
    GroupNoCampaign,
    /// A button that no longer means anything (old message, forged data).
    Outdated,
    /// A change asked for after the consultation closed.
    WindowClosed {
        since: DateTime<Utc>,
    },
    /// The secretariat's summary: page 0 the totals, then one page per priority.
    Summary {
        summary: crate::domain::summary::Summary,
        page: u8,
    },
    /// An admin command from someone who is not an admin.
    NotAllowed,
    /// Admins: the consultation window as it now stands, with open/close buttons.
    WindowAdmin {
        window: crate::domain::Window,
        now: DateTime<Utc>,
    },
    WindowUsage,
    /// Admins: pick the export's format.
    ChooseExport,
    AdminChanged {
        user_id: i64,
        added: bool,
    },
    AdminUsage,
    /// Admins: who is now (or no longer) an organisation's focal point.
    FocalChanged {
        user_id: i64,
        org: Option<crate::domain::Org>,
    },
    FocalUsage,
    /// Admins: every focal point, by organisation, and how to change them.
    FocalPoints {
        list: Vec<crate::domain::FocalPoint>,
    },
    /// An admin may not remove themself: someone must remain who can add admins back.
    AdminNotSelf,
    /// A document too large to be a plan file.
    FileTooLarge,
    /// A coordinator's campaigns with their progress.
    Campaigns {
        list: Vec<crate::domain::CampaignProgress>,
        /// Campaigns past their deadline are shown as closed, without buttons.
        now: DateTime<Utc>,
    },
    ConfirmRemind {
        campaign_id: i64,
        title: String,
        count: usize,
    },
    CampaignUsage,
    /// An admin's announcement: who to…
    AskAnnounceAudience,
    /// …what to say…
    AskAnnounceText {
        audience: crate::domain::Audience,
    },
    /// …and how members will see it, with how many will get it, to confirm.
    AnnouncePreview {
        audience: crate::domain::Audience,
        text: String,
        recipients: u64,
    },
    /// Confirmed: the preview becomes this, and the progress follows in its own message.
    AnnounceQueued {
        audience: crate::domain::Audience,
        recipients: u64,
    },
    /// The campaign dialog: its title…
    AskCampaignTitle,
    /// …the activities (all, a priority, or typed codes)…
    AskCampaignScope {
        title: String,
    },
    /// …or ticked one by one, a page at a time…
    PickCampaignActivities {
        title: String,
        page: u8,
        pages: u8,
        /// This page's activities, and whether each is ticked.
        items: Vec<(ActivityCode, bool)>,
        chosen: usize,
    },
    /// …and the deadline: a few days ahead as buttons, or a typed date.
    AskCampaignDeadline {
        title: String,
        activities: usize,
        options: Vec<(u8, DateTime<Utc>)>,
    },
    /// A campaign command or button from someone who does not coordinate its organisation.
    NotCoordinator,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hint {
    /// Text where buttons are expected.
    UseButtons,
    /// A voice note or text outside of a comment prompt.
    NotAskingComment,
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
    Outdated,
    NothingToDo,
    Closed,
    /// An admin's export is being built.
    Preparing,
}
