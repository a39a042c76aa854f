//! What a button means, as a typed value. Encoded into Telegram's callback data (at most
//! 64 bytes) as `tag` or `tag:field[:field]`; anything that does not decode exactly — forged,
//! truncated, or from an older build — is rejected, never guessed at.

use crate::domain::{Lang, PriorityCode};

pub use super::campaigns::{CampaignCallback, MAX_CAMPAIGN_DAYS};
pub use super::cards::CardCallback;
pub use super::profile::ProfileCallback;
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
    Menu,
    Priorities,
    Activities {
        priority: PriorityCode,
        page: u8,
    },
    Settings,
    ChooseLang,
    Help,
    Forget,
    ForgetConfirmed,
    /// Members: reminders on or off.
    Reminders(bool),
    /// A label-only button (page counter); tapping it changes nothing.
    Noop,
    /// The profile questions' buttons (`flow::profile`).
    Profile(ProfileCallback),
    /// The buttons about one activity, and My feedback's (`flow::cards`).
    Cards(CardCallback),
    /// The secretariat's buttons (`flow::secretariat`).
    Staff(StaffCallback),
    /// Focal points' campaign buttons, and a member's answer to a campaign link (`flow::campaigns`).
    Campaign(CampaignCallback),
    /// Monitoring rounds: members' answers and admins' rounds (`flow::monitor`).
    Monitor(super::monitor::MonitorCallback),
}

impl Callback {
    pub fn encode(&self) -> String {
        use Callback::*;
        match self {
            Lang(l) => format!("l:{}", l.code()),
            Consent(yes) => format!("c:{}", if *yes { "y" } else { "n" }),
            Privacy => "pr".into(),
            Menu => "m".into(),
            Priorities => "ps".into(),
            Activities { priority, page } => format!("al:{priority}:{page}"),
            Settings => "st".into(),
            ChooseLang => "cl".into(),
            Help => "h".into(),
            Forget => "fg".into(),
            ForgetConfirmed => "fy".into(),
            Reminders(on) => format!("rm:{}", if *on { "y" } else { "n" }),
            Noop => "_".into(),
            Profile(c) => c.encode(),
            Cards(c) => c.encode(),
            Staff(c) => c.encode(),
            Campaign(c) => c.encode(),
            Monitor(c) => c.encode(),
        }
    }

    pub fn decode(data: &str) -> Option<Callback> {
        use super::field::page;
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
            ("m", []) => C::Menu,
            ("ps", []) => C::Priorities,
            ("al", [p, n]) => C::Activities {
                priority: PriorityCode::parse(p).ok().filter(|c| c.as_str() == *p)?,
                page: page(n)?,
            },
            ("st", []) => C::Settings,
            ("cl", []) => C::ChooseLang,
            ("h", []) => C::Help,
            ("fg", []) => C::Forget,
            ("fy", []) => C::ForgetConfirmed,
            ("rm", ["y"]) => C::Reminders(true),
            ("rm", ["n"]) => C::Reminders(false),
            ("_", []) => C::Noop,
            _ => ProfileCallback::decode(tag, &fields)
                .map(C::Profile)
                .or_else(|| CardCallback::decode(tag, &fields).map(C::Cards))
                .or_else(|| StaffCallback::decode(tag, &fields).map(C::Staff))
                .or_else(|| CampaignCallback::decode(tag, &fields).map(C::Campaign))
                .or_else(|| {
                    super::monitor::MonitorCallback::decode(tag, &fields).map(C::Monitor)
                })?,
        };
        // Only the canonical spelling is accepted, so one meaning has one encoding.
        (decoded.encode() == data).then_some(decoded)
    }
}
