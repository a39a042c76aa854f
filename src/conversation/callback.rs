//! What a button means, as a typed value. Encoded into Telegram's callback data (at most
//! 64 bytes) as `tag` or `tag:field[:field]`; anything that does not decode exactly — forged,
//! truncated, or from an older build — is rejected, never guessed at.

use crate::domain::{
    ActivityCode, Constituency, Gender, Lang, PriorityCode, Province, Rating, Sector,
};

pub use super::campaigns::{CampaignCallback, MAX_CAMPAIGN_DAYS};
pub use super::secretariat::StaffCallback;
pub use super::state::Back;

/// Telegram's limit on `callback_data`.
pub const MAX_CALLBACK_BYTES: usize = 64;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Callback {
    Lang(Lang),
    Consent(bool),
    /// The full privacy notice.
    Privacy,
    Constituency(Constituency),
    OrgPage(u8),
    Org(String),
    ProvincePage(u8),
    Province(Province),
    Sector(Sector),
    Gender(Gender),
    /// Leave this profile question empty and ask the next.
    SkipStep,
    /// Leave every remaining profile question empty.
    SkipRest,
    Menu,
    Priorities,
    Activities {
        priority: PriorityCode,
        page: u8,
    },
    /// An activity's card, and where it goes back to once rated.
    Card(ActivityCode, Back),
    /// A rating from a card; the card's way back is in the member's state.
    Rate(ActivityCode, Rating),
    AddComment(ActivityCode),
    /// An activity's details: who leads it, when, under which priority.
    About(ActivityCode),
    /// Done with this activity's comment (none, or keep the one given): on to the next.
    SkipComment(ActivityCode),
    NextUnrated,
    Mine(u8),
    Withdraw(ActivityCode),
    WithdrawConfirmed(ActivityCode),
    Settings,
    EditProfile,
    ChooseLang,
    Help,
    Forget,
    ForgetConfirmed,
    /// Members: reminders on or off.
    Reminders(bool),
    /// A label-only button (page counter); tapping it changes nothing.
    Noop,
    /// The secretariat's buttons (`flow::secretariat`).
    Staff(StaffCallback),
    /// Focal points' campaign buttons, and a member's answer to a campaign link (`flow::campaigns`).
    Campaign(CampaignCallback),
}

impl Callback {
    pub fn encode(&self) -> String {
        use Callback::*;
        match self {
            Lang(l) => format!("l:{}", l.code()),
            Consent(yes) => format!("c:{}", if *yes { "y" } else { "n" }),
            Privacy => "pr".into(),
            Constituency(c) => format!("k:{}", c.code()),
            OrgPage(p) => format!("op:{p}"),
            Org(code) => format!("o:{code}"),
            ProvincePage(p) => format!("pp:{p}"),
            Province(p) => format!("pv:{}", p.code()),
            Sector(s) => format!("s:{}", s.code()),
            Gender(g) => format!("g:{}", g.code()),
            SkipStep => "sk".into(),
            SkipRest => "sr".into(),
            Menu => "m".into(),
            Priorities => "ps".into(),
            Activities { priority, page } => format!("al:{priority}:{page}"),
            Card(code, back) => match back {
                Back::Next => format!("a:{code}"),
                Back::List(p) => format!("a:{code}:l{p}"),
                Back::Mine(p) => format!("a:{code}:f{p}"),
            },
            Rate(code, r) => format!("r:{code}:{}", r.get()),
            AddComment(code) => format!("ac:{code}"),
            About(code) => format!("i:{code}"),
            SkipComment(code) => format!("nc:{code}"),
            NextUnrated => "n".into(),
            Mine(p) => format!("f:{p}"),
            Withdraw(code) => format!("w:{code}"),
            WithdrawConfirmed(code) => format!("wy:{code}"),
            Settings => "st".into(),
            EditProfile => "ep".into(),
            ChooseLang => "cl".into(),
            Help => "h".into(),
            Forget => "fg".into(),
            ForgetConfirmed => "fy".into(),
            Reminders(on) => format!("rm:{}", if *on { "y" } else { "n" }),
            Noop => "_".into(),
            Staff(c) => c.encode(),
            Campaign(c) => c.encode(),
        }
    }

    pub fn decode(data: &str) -> Option<Callback> {
        use super::field::{activity, page};
        use Callback as C;
        if data.len() > MAX_CALLBACK_BYTES {
            return None;
        }
        let mut parts = data.split(':');
        let tag = parts.next()?;
        let fields: Vec<&str> = parts.collect();
        let decoded = match (tag, fields.as_slice()) {
            ("l", [l]) => C::Lang(crate::domain::Lang::parse(l).filter(|x| x.code() == *l)?),
            ("c", ["y"]) => C::Consent(true),
            ("c", ["n"]) => C::Consent(false),
            ("pr", []) => C::Privacy,
            ("k", [c]) => C::Constituency(crate::domain::Constituency::parse(c)?),
            ("op", [p]) => C::OrgPage(page(p)?),
            // Only the shape is checked here; the step looks the code up among the organisations.
            ("o", [code]) if crate::domain::audience::is_org_code(code) => C::Org(code.to_string()),
            ("pp", [p]) => C::ProvincePage(page(p)?),
            ("pv", [p]) => C::Province(
                crate::domain::Province::new(p.parse().ok()?)
                    .filter(|x| x.code().to_string() == *p)?,
            ),
            ("s", [s]) => C::Sector(crate::domain::Sector::parse(s)?),
            ("g", [g]) => C::Gender(crate::domain::Gender::parse(g)?),
            ("sk", []) => C::SkipStep,
            ("sr", []) => C::SkipRest,
            ("m", []) => C::Menu,
            ("ps", []) => C::Priorities,
            ("al", [p, n]) => C::Activities {
                priority: PriorityCode::parse(p).ok().filter(|c| c.as_str() == *p)?,
                page: page(n)?,
            },
            ("a", [code]) => C::Card(activity(code)?, Back::Next),
            ("a", [code, back]) => C::Card(
                activity(code)?,
                match back.split_at_checked(1)? {
                    ("l", p) => Back::List(page(p)?),
                    ("f", p) => Back::Mine(page(p)?),
                    _ => return None,
                },
            ),
            ("r", [code, r]) => {
                let r: u8 = r.parse().ok().filter(|_| r.len() == 1)?;
                C::Rate(activity(code)?, Rating::new(r)?)
            }
            ("ac", [code]) => C::AddComment(activity(code)?),
            ("i", [code]) => C::About(activity(code)?),
            ("nc", [code]) => C::SkipComment(activity(code)?),
            ("n", []) => C::NextUnrated,
            ("f", [p]) => C::Mine(page(p)?),
            ("w", [code]) => C::Withdraw(activity(code)?),
            ("wy", [code]) => C::WithdrawConfirmed(activity(code)?),
            ("st", []) => C::Settings,
            ("ep", []) => C::EditProfile,
            ("cl", []) => C::ChooseLang,
            ("h", []) => C::Help,
            ("fg", []) => C::Forget,
            ("fy", []) => C::ForgetConfirmed,
            ("rm", ["y"]) => C::Reminders(true),
            ("rm", ["n"]) => C::Reminders(false),
            ("_", []) => C::Noop,
            _ => StaffCallback::decode(tag, &fields)
                .map(C::Staff)
                .or_else(|| CampaignCallback::decode(tag, &fields).map(C::Campaign))?,
        };
        // Only the canonical spelling is accepted, so one meaning has one encoding.
        (decoded.encode() == data).then_some(decoded)
    }
}
