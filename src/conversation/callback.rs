//! What a button means, as a typed value. Encoded into Telegram's callback data (at most
//! 64 bytes) as `tag` or `tag:field[:field]`; anything that does not decode exactly — forged,
//! truncated, or from an older build — is rejected, never guessed at.

use crate::domain::{
    ActivityCode, Constituency, Gender, Lang, PriorityCode, Province, Rating, Sector,
};

/// Telegram's limit on `callback_data`.
pub const MAX_CALLBACK_BYTES: usize = 64;

/// The longest a campaign made with the buttons may run: about a quarter.
pub const MAX_CAMPAIGN_DAYS: u8 = 90;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Callback {
    Lang(Lang),
    Consent(bool),
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
    Card(ActivityCode),
    Rate(ActivityCode, Rating),
    AddComment(ActivityCode),
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
    /// A page of the secretariat's summary (admins only; checked when handled).
    Summary(u8),
    /// Admins: build and send the export in this format.
    Export(crate::domain::ExportFormat),
    /// Admins: open (true) or close (false) the consultation window.
    Window(bool),
    /// Coordinators: ask to remind a campaign's members who have not finished…
    Remind(i64),
    /// …and, confirmed, send it.
    RemindSend(i64),
    /// The coordinator's campaigns again.
    Campaigns,
    /// Coordinators: a campaign's automatic reminders (3 days and 1 day before) on or off.
    AutoRemind(i64, bool),
    /// Coordinators: make a new campaign, step by step…
    NewCampaign,
    /// …on every activity (`None`) or one priority's…
    CampaignScope(Option<PriorityCode>),
    /// …or activities ticked one by one: a page of them…
    CampaignPick(u8),
    /// …one ticked or unticked…
    CampaignToggle(ActivityCode),
    /// …and done with ticking…
    CampaignPicked,
    /// …until the end of the day this many days from today.
    CampaignDays(u8),
    /// Admins: announce to everyone (`None`) or one constituency…
    AnnounceTo(Option<Constituency>),
    /// …send the announcement previewed…
    AnnounceSend,
    /// …or write its text again.
    AnnounceEdit,
    /// Members: reminders on or off.
    Reminders(bool),
    /// Members who opened another organisation's campaign link: switch their profile to it
    /// (true) or keep it (false).
    SwitchOrg {
        campaign: i64,
        switch: bool,
    },
    /// A label-only button (page counter); tapping it changes nothing.
    Noop,
}

impl Callback {
    pub fn encode(&self) -> String {
        use Callback::*;
        match self {
            Lang(l) => format!("l:{}", l.code()),
            Consent(yes) => format!("c:{}", if *yes { "y" } else { "n" }),
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
            Card(code) => format!("a:{code}"),
            Rate(code, r) => format!("r:{code}:{}", r.get()),
            AddComment(code) => format!("ac:{code}"),
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
            Summary(p) => format!("sm:{p}"),
            Export(f) => format!("ex:{}", f.extension()),
            Window(open) => format!("wn:{}", if *open { "o" } else { "c" }),
            Remind(id) => format!("cr:{id}"),
            RemindSend(id) => format!("cs:{id}"),
            Campaigns => "cp".into(),
            AutoRemind(id, on) => format!("ca:{id}:{}", if *on { "y" } else { "n" }),
            NewCampaign => "cn".into(),
            CampaignScope(None) => "cq:*".into(),
            CampaignScope(Some(p)) => format!("cq:{p}"),
            CampaignPick(p) => format!("ck:{p}"),
            CampaignToggle(code) => format!("ct:{code}"),
            CampaignPicked => "cz".into(),
            CampaignDays(d) => format!("cd:{d}"),
            AnnounceTo(None) => "an:*".into(),
            AnnounceTo(Some(c)) => format!("an:{}", c.code()),
            AnnounceSend => "as".into(),
            AnnounceEdit => "ae".into(),
            SwitchOrg { campaign, switch } => {
                format!("so:{campaign}:{}", if *switch { "y" } else { "n" })
            }
            Reminders(on) => format!("rm:{}", if *on { "y" } else { "n" }),
            Noop => "_".into(),
        }
    }

    pub fn decode(data: &str) -> Option<Callback> {
        use Callback as C;
        if data.len() > MAX_CALLBACK_BYTES {
            return None;
        }
        let mut parts = data.split(':');
        let tag = parts.next()?;
        let fields: Vec<&str> = parts.collect();
        let page = |s: &str| s.parse::<u8>().ok().filter(|p| *p < 100);
        let activity = |s: &str| ActivityCode::parse(s).ok().filter(|c| c.as_str() == s);
        let campaign_id = |s: &str| {
            s.parse::<i64>()
                .ok()
                .filter(|id| *id > 0 && id.to_string() == s)
        };
        let decoded = match (tag, fields.as_slice()) {
            ("l", [l]) => C::Lang(crate::domain::Lang::parse(l).filter(|x| x.code() == *l)?),
            ("c", ["y"]) => C::Consent(true),
            ("c", ["n"]) => C::Consent(false),
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
            ("a", [code]) => C::Card(activity(code)?),
            ("r", [code, r]) => {
                let r: u8 = r.parse().ok().filter(|_| r.len() == 1)?;
                C::Rate(activity(code)?, Rating::new(r)?)
            }
            ("ac", [code]) => C::AddComment(activity(code)?),
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
            ("sm", [p]) => C::Summary(page(p)?),
            ("ex", ["csv"]) => C::Export(crate::domain::ExportFormat::Csv),
            ("ex", ["xlsx"]) => C::Export(crate::domain::ExportFormat::Xlsx),
            ("ex", ["json"]) => C::Export(crate::domain::ExportFormat::Json),
            ("wn", ["o"]) => C::Window(true),
            ("wn", ["c"]) => C::Window(false),
            ("cr", [id]) => C::Remind(campaign_id(id)?),
            ("cs", [id]) => C::RemindSend(campaign_id(id)?),
            ("cp", []) => C::Campaigns,
            ("ca", [id, "y"]) => C::AutoRemind(campaign_id(id)?, true),
            ("ca", [id, "n"]) => C::AutoRemind(campaign_id(id)?, false),
            ("cn", []) => C::NewCampaign,
            ("cq", ["*"]) => C::CampaignScope(None),
            ("cq", [p]) => C::CampaignScope(Some(
                PriorityCode::parse(p).ok().filter(|c| c.as_str() == *p)?,
            )),
            ("ck", [p]) => C::CampaignPick(page(p)?),
            ("ct", [code]) => C::CampaignToggle(activity(code)?),
            ("cz", []) => C::CampaignPicked,
            ("cd", [d]) => C::CampaignDays(
                d.parse::<u8>()
                    .ok()
                    .filter(|d| (1..=MAX_CAMPAIGN_DAYS).contains(d))?,
            ),
            ("an", ["*"]) => C::AnnounceTo(None),
            ("an", [c]) => C::AnnounceTo(Some(crate::domain::Constituency::parse(c)?)),
            ("as", []) => C::AnnounceSend,
            ("ae", []) => C::AnnounceEdit,
            ("so", [id, "y"]) => C::SwitchOrg {
                campaign: campaign_id(id)?,
                switch: true,
            },
            ("so", [id, "n"]) => C::SwitchOrg {
                campaign: campaign_id(id)?,
                switch: false,
            },
            ("rm", ["y"]) => C::Reminders(true),
            ("rm", ["n"]) => C::Reminders(false),
            ("_", []) => C::Noop,
            _ => return None,
        };
        // Only the canonical spelling is accepted, so one meaning has one encoding.
        (decoded.encode() == data).then_some(decoded)
    }
}
