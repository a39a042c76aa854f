//! Campaigns' part of the conversation as data: focal points' buttons and a member's answer
//! to another organisation's link (with their encoding in callback data), and their screens.
//! `flow::campaigns` handles them and `render::campaigns` draws them.

use chrono::{DateTime, Utc};

use crate::domain::{ActivityCode, OrgChoice};

/// The longest a campaign made with the buttons may run: about a quarter.
pub const MAX_CAMPAIGN_DAYS: u8 = 90;

/// Focal points' campaign buttons, and a member's answer to another organisation's link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CampaignCallback {
    /// Coordinators: ask to remind a campaign's members who have not finished…
    Remind(i64),
    /// …and, confirmed, send it.
    RemindSend(i64),
    /// The coordinator's campaigns again, at a page (newest first).
    Campaigns(u8),
    /// Coordinators: a campaign's automatic reminders (3 days and 1 day before) on or off.
    AutoRemind(i64, bool),
    /// Coordinators: make a new campaign, step by step…
    NewCampaign,
    /// …on every activity (`None`) or one priority's…
    CampaignScope(Option<crate::domain::PriorityCode>),
    /// …or activities ticked one by one: a page of them…
    CampaignPick(u8),
    /// …one ticked or unticked…
    CampaignToggle(ActivityCode),
    /// …and done with ticking…
    CampaignPicked,
    /// …until the end of the day this many days from today.
    CampaignDays(u8),
    /// Members who opened another organisation's campaign link: switch their profile to it
    /// (true) or keep it (false).
    SwitchOrg { campaign: i64, switch: bool },
}

impl CampaignCallback {
    pub fn encode(&self) -> String {
        use CampaignCallback::*;
        match self {
            Remind(id) => format!("cr:{id}"),
            RemindSend(id) => format!("cs:{id}"),
            // The first page keeps the spelling older buttons carry.
            Campaigns(0) => "cp".into(),
            Campaigns(page) => format!("cp:{page}"),
            AutoRemind(id, on) => format!("ca:{id}:{}", if *on { "y" } else { "n" }),
            NewCampaign => "cn".into(),
            CampaignScope(None) => "cq:*".into(),
            CampaignScope(Some(p)) => format!("cq:{p}"),
            CampaignPick(p) => format!("ck:{p}"),
            CampaignToggle(code) => format!("ct:{code}"),
            CampaignPicked => "cz".into(),
            CampaignDays(d) => format!("cd:{d}"),
            SwitchOrg { campaign, switch } => {
                format!("so:{campaign}:{}", if *switch { "y" } else { "n" })
            }
        }
    }

    /// Tags not of this sub-flow are `None` (the top-level `Callback::decode` tries the next).
    pub fn decode(tag: &str, fields: &[&str]) -> Option<CampaignCallback> {
        #[allow(unused_imports)]
        use super::field::{activity, campaign_id, page};
        use CampaignCallback as C;
        Some(match (tag, fields) {
            ("cr", [id]) => C::Remind(campaign_id(id)?),
            ("cs", [id]) => C::RemindSend(campaign_id(id)?),
            ("cp", []) => C::Campaigns(0),
            ("cp", [p]) => C::Campaigns(page(p).filter(|p| *p > 0)?),
            ("ca", [id, "y"]) => C::AutoRemind(campaign_id(id)?, true),
            ("ca", [id, "n"]) => C::AutoRemind(campaign_id(id)?, false),
            ("cn", []) => C::NewCampaign,
            ("cq", ["*"]) => C::CampaignScope(None),
            ("cq", [p]) => C::CampaignScope(Some(
                crate::domain::PriorityCode::parse(p)
                    .ok()
                    .filter(|c| c.as_str() == *p)?,
            )),
            ("ck", [p]) => C::CampaignPick(page(p)?),
            ("ct", [code]) => C::CampaignToggle(activity(code)?),
            ("cz", []) => C::CampaignPicked,
            ("cd", [d]) => C::CampaignDays(
                d.parse::<u8>()
                    .ok()
                    .filter(|d| (1..=MAX_CAMPAIGN_DAYS).contains(d))?,
            ),
            ("so", [id, "y"]) => C::SwitchOrg {
                campaign: campaign_id(id)?,
                switch: true,
            },
            ("so", [id, "n"]) => C::SwitchOrg {
                campaign: campaign_id(id)?,
                switch: false,
            },
            _ => return None,
        })
    }
}

/// What a focal point is shown about their campaigns, and a member's question about one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CampaignScreen {
    /// A member who speaks for one organisation opened another's campaign link: switch?
    SwitchOrg {
        campaign: i64,
        title: String,
        from_side: Option<crate::domain::Constituency>,
        from_org: Option<OrgChoice>,
        to_side: crate::domain::Constituency,
        to_org: Option<OrgChoice>,
    },
    /// A focal point's `/campaign` in their group: each open campaign with a button that
    /// opens the private chat on its link (at most [`MAX_GROUP_CARDS`], soonest deadline first).
    GroupCampaignCard {
        cards: Vec<super::facts::CampaignCard>,
    },
    /// A focal point's `/campaign` in a group when their organisation has no open campaign.
    GroupNoCampaign,
    /// A page of a coordinator's campaigns with their progress, newest first.
    Campaigns {
        list: Vec<crate::domain::CampaignProgress>,
        /// Campaigns past their deadline are shown as closed, without buttons.
        now: DateTime<Utc>,
        page: u8,
        pages: u8,
    },
    /// Making a campaign, or reminding, while the consultation is closed: members could not
    /// answer.
    ConsultationClosed,
    ConfirmRemind {
        campaign_id: i64,
        title: String,
        count: usize,
    },
    CampaignUsage,
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
