//! What a step reads beyond the chat's own record. The step says it itself: when a screen it
//! shows wants something the facts were loaded without, it notes it in `Outcome::needs`, and
//! the engine loads that and steps again (a pure function, so the first try costs nothing but
//! time). No other code repeats the conversation's routing to guess what to load, so a new way
//! into a screen cannot find its facts missing.

use crate::domain::Audience;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Needs {
    /// The secretariat's summary (admins' /summary and its pages).
    pub summary: bool,
    /// The coordinator's own organisation's campaigns, with their progress.
    pub campaigns: bool,
    /// Every focal point (admins' /focal).
    pub focal_points: bool,
    /// Every admin, and which come from the environment (admins' /admin).
    pub admins: bool,
    /// How many members an audience reaches (an announcement's preview and confirmation).
    pub audience_size: Option<Audience>,
    /// In a group: whether the sender is a focal point, and their organisation's open
    /// campaigns for its card.
    pub group_campaigns: bool,
    /// Which organisation a campaign (by id) is of, if it exists: a button naming a campaign
    /// not of the focal point's own organisation is answered "no such campaign" or "another
    /// organisation's".
    pub campaign_owner: Option<i64>,
    /// What a `/start` link's payload names (a campaign's invitation, or nothing known).
    pub invite: Option<String>,
    /// A campaign's facts, by id: the one whose link waits for consent, or the one joined.
    pub campaign: Option<i64>,
    /// The monitoring round a member's button names (by id).
    pub round: Option<i64>,
    /// The open monitoring round that reaches the member (the menu's, `/monitor`'s).
    pub open_round: bool,
    /// Admins: every round with its counts.
    pub rounds: bool,
    /// Focal points: their own members' progress in the open rounds.
    pub org_rounds: bool,
    /// Admins' summary: the open (else the latest) round's results, with the one before.
    pub latest_round: bool,
    /// Admins: one round's results, with the round before it.
    pub results: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoundWanted {
    Current,
    Id(i64),
}

impl Needs {
    pub fn is_empty(&self) -> bool {
        *self == Needs::default()
    }

    /// Everything in `self` or `more`.
    pub fn and(self, more: Needs) -> Needs {
        Needs {
            summary: self.summary || more.summary,
            campaigns: self.campaigns || more.campaigns,
            focal_points: self.focal_points || more.focal_points,
            admins: self.admins || more.admins,
            audience_size: more.audience_size.or(self.audience_size),
            group_campaigns: self.group_campaigns || more.group_campaigns,
            campaign_owner: more.campaign_owner.or(self.campaign_owner),
            invite: more.invite.or(self.invite),
            campaign: more.campaign.or(self.campaign),
            round: more.round.or(self.round),
            open_round: self.open_round || more.open_round,
            rounds: self.rounds || more.rounds,
            org_rounds: self.org_rounds || more.org_rounds,
            latest_round: self.latest_round || more.latest_round,
            results: more.results.or(self.results),
        }
    }

    /// Whether what is loaded (`self`) covers `wanted`.
    pub fn covers(&self, wanted: &Needs) -> bool {
        self.clone().and(wanted.clone()) == *self
    }
}
