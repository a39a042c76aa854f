//! Monitoring rounds in the conversation: the buttons (with their encoding in callback data)
//! and the screens. `flow::monitor` handles them and `render::monitor` draws them.

use chrono::{DateTime, Utc};

use super::facts::AnswerSeen;
use super::field::{activity, campaign_id};
use crate::domain::monitoring::{Round, RoundResults, Status};
use crate::domain::{ActivityCode, Audience, Constituency};

/// How long an admin may keep a round open from the bot, in days (the command line takes any
/// date up to `MAX_ROUND_DAYS`).
pub const ROUND_DAY_CHOICES: [u8; 4] = [7, 14, 30, 60];

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MonitorCallback {
    /// Members: the round that reaches them, at its next activity to answer.
    Open,
    /// Members: one activity's card in a round.
    Card { round: i64, code: ActivityCode },
    /// Members: their answer on one activity.
    Answer {
        round: i64,
        code: ActivityCode,
        status: Status,
    },
    /// Admins: the rounds, with their counts.
    List,
    /// Admins: open a new round (its title is asked first).
    New,
    /// Admins: a round's results.
    Results(i64),
    /// Admins: close a round (asked first)…
    Close(i64),
    /// …yes, close it.
    CloseConfirmed(i64),
    /// Admins: a new round's audience (`None`: everyone)…
    To(Option<Constituency>),
    /// …how many days it runs…
    Days(u8),
    /// …and open the round the preview (by its fingerprint) showed.
    OpenRound(u32),
    /// Focal points: remind their members who have not finished a round (asked first)…
    Remind(i64),
    /// …yes, send it.
    RemindSend(i64),
}

impl MonitorCallback {
    pub fn encode(&self) -> String {
        use MonitorCallback::*;
        match self {
            Open => "mo".into(),
            Card { round, code } => format!("mo:{round}:{code}"),
            Answer {
                round,
                code,
                status,
            } => format!("ma:{round}:{code}:{}", status.code()),
            List => "ml".into(),
            New => "mn".into(),
            Results(id) => format!("mr:{id}"),
            Close(id) => format!("mx:{id}"),
            CloseConfirmed(id) => format!("my:{id}"),
            To(None) => "mt:*".into(),
            To(Some(c)) => format!("mt:{}", c.code()),
            Days(d) => format!("md:{d}"),
            OpenRound(fp) => format!("mg:{fp:08x}"),
            Remind(id) => format!("mh:{id}"),
            RemindSend(id) => format!("mk:{id}"),
        }
    }

    /// Tags not of this sub-flow are `None` (the top-level `Callback::decode` tries the next).
    pub fn decode(tag: &str, fields: &[&str]) -> Option<MonitorCallback> {
        use MonitorCallback as C;
        Some(match (tag, fields) {
            ("mo", []) => C::Open,
            ("mo", [r, code]) => C::Card {
                round: campaign_id(r)?,
                code: activity(code)?,
            },
            ("ma", [r, code, s]) => C::Answer {
                round: campaign_id(r)?,
                code: activity(code)?,
                status: Status::from_code(s)?,
            },
            ("ml", []) => C::List,
            ("mn", []) => C::New,
            ("mr", [id]) => C::Results(campaign_id(id)?),
            ("mx", [id]) => C::Close(campaign_id(id)?),
            ("my", [id]) => C::CloseConfirmed(campaign_id(id)?),
            ("mt", ["*"]) => C::To(None),
            ("mt", [c]) => C::To(Some(Constituency::parse(c)?)),
            ("md", [d]) => C::Days(
                d.parse::<u8>()
                    .ok()
                    .filter(|d| ROUND_DAY_CHOICES.contains(d))?,
            ),
            ("mg", [fp]) => C::OpenRound(super::secretariat::fingerprint(fp)?),
            ("mh", [id]) => C::Remind(campaign_id(id)?),
            ("mk", [id]) => C::RemindSend(campaign_id(id)?),
            _ => return None,
        })
    }
}

/// An admin's new round, as far as it is answered: the first missing answer is asked.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RoundDraft {
    pub title: Option<String>,
    pub audience: Option<Audience>,
    pub days: Option<u8>,
}

impl RoundDraft {
    /// Which version of the draft a preview shows: its Open button carries it.
    pub fn fingerprint(&self) -> u32 {
        crate::domain::text::fingerprint(&format!(
            "{}\n{}\n{}",
            self.title.as_deref().unwrap_or_default(),
            self.audience
                .as_ref()
                .map(|a| a.describe())
                .unwrap_or_default(),
            self.days.unwrap_or_default()
        ))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MonitorScreen {
    /// One activity of the round: the four answers, the member's answer, last round's.
    Card {
        round: Round,
        code: ActivityCode,
        /// 1-based place among the activities asked, and how many there are.
        index: usize,
        total: usize,
        answer: AnswerSeen,
        last_time: Option<Status>,
        /// The activity answered just before, whose comment this card still takes.
        answered: Option<(ActivityCode, Status)>,
        /// The round no longer takes answers: the card says since when.
        closed_since: Option<DateTime<Utc>>,
    },
    /// Every activity answered.
    Finished {
        round: Round,
        total: usize,
        answered: Option<(ActivityCode, Status)>,
    },
    /// No round is open for this member.
    NoRound,
    /// Admins: rounds, newest first, with their counts.
    Rounds {
        list: Vec<crate::domain::monitoring::RoundCounts>,
        now: DateTime<Utc>,
    },
    /// Admins: a round's results, and the change since the round before it.
    Results {
        results: RoundResults,
        previous: Option<RoundResults>,
        now: DateTime<Utc>,
    },
    AskTitle,
    AskAudience,
    AskDays,
    /// The round as it will open, with how many members it reaches, to confirm.
    Preview {
        draft: RoundDraft,
        activities: usize,
        recipients: u64,
    },
    /// Confirmed: it is being opened (the job says when it is).
    Opening,
    ConfirmClose {
        round: Round,
    },
    /// Focal points: their own members' progress in the open rounds.
    OrgRounds {
        org: String,
        list: Vec<crate::domain::monitoring::OrgRoundProgress>,
        now: DateTime<Utc>,
    },
    /// Focal points: remind these many members who have not finished?
    ConfirmRemind {
        round: Round,
        unfinished: u64,
    },
}
