//! What a step wants written. Applied by the store in one transaction with the next state.

use crate::domain::{
    ActivityCode, Comment, Constituency, Gender, Lang, OrgChoice, Province, Rating, Sector, Window,
};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProfileField {
    Constituency(Constituency),
    Organisation(OrgChoice),
    Province(Province),
    Sector(Sector),
    Gender(Gender),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    SetLang(Lang),
    GiveConsent,
    DeclineConsent,
    SetProfile(ProfileField),
    Rate {
        code: ActivityCode,
        rating: Rating,
    },
    Comment {
        code: ActivityCode,
        comment: Comment,
    },
    Withdraw {
        code: ActivityCode,
    },
    /// The member opened a campaign's link: they count as its member from now on.
    JoinCampaign(i64),
    /// They speak for this side and organisation from now on (a campaign link's). Unlike a
    /// correction (`SetProfile`), the ratings given before keep the profile they were given
    /// under.
    MoveTo {
        constituency: crate::domain::Constituency,
        organisation: Option<crate::domain::OrgChoice>,
    },
    /// Campaign reminders on or off.
    SetReminders(bool),
    /// A coordinator turns a campaign's automatic reminders on or off (the store applies it
    /// only to a campaign of the organisation they coordinate).
    SetAutoRemind {
        campaign_id: i64,
        on: bool,
    },
    /// Remove every trace of the member: profile, ratings, comments, revisions, chat state.
    Erase,
    /// Admins: open or close the consultation (audited with an `Audit` effect alongside).
    SetWindow(Window),
    AddAdmin(i64),
    RemoveAdmin(i64),
    /// Admins: `user_id` becomes the focal point of `org` (replacing any organisation before).
    AddCoordinator {
        org: String,
        user_id: i64,
    },
    RemoveCoordinator(i64),
    /// Note an admin action in the audit log, with the member as the actor.
    Audit {
        action: &'static str,
        detail: String,
        /// The person the action is about (an admin or focal point named), so that erasing
        /// them also clears their mention.
        subject: Option<i64>,
    },
}
