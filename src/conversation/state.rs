//! Where a member is in the conversation. Stored per chat after every step (as JSON), so a
//! restart, a crash or a day away resumes exactly here.

use serde::{Deserialize, Serialize};

use crate::domain::{ActivityCode, Comment, CommentText, Profile, VoiceNote};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProfileStep {
    Constituency,
    Organisation,
    Province,
    Sector,
    Gender,
}

impl ProfileStep {
    pub const ALL: [ProfileStep; 5] = [
        ProfileStep::Constituency,
        ProfileStep::Organisation,
        ProfileStep::Province,
        ProfileStep::Sector,
        ProfileStep::Gender,
    ];

    /// In callback data.
    pub fn code(self) -> &'static str {
        match self {
            ProfileStep::Constituency => "c",
            ProfileStep::Organisation => "o",
            ProfileStep::Province => "p",
            ProfileStep::Sector => "s",
            ProfileStep::Gender => "g",
        }
    }

    pub fn parse(code: &str) -> Option<ProfileStep> {
        ProfileStep::ALL.into_iter().find(|s| s.code() == code)
    }

    /// 1 to 5, as the questions are counted on screen.
    pub fn number(self) -> u8 {
        ProfileStep::ALL
            .iter()
            .position(|s| *s == self)
            .unwrap_or(0) as u8
            + 1
    }

    pub fn next(self) -> Option<ProfileStep> {
        use ProfileStep::*;
        match self {
            Constituency => Some(Organisation),
            Organisation => Some(Province),
            Province => Some(Sector),
            Sector => Some(Gender),
            Gender => None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "at")]
pub enum State {
    /// Never seen, or erased.
    #[default]
    Start,
    /// The welcome screen with the privacy notice is waiting for an answer. `invite`: the
    /// campaign whose link brought them, joined only once they agree (nothing is kept before).
    Consent {
        #[serde(default)]
        invite: Option<i64>,
    },
    Declined,
    /// Answering the profile. `editing` when it came from /settings, so it returns there;
    /// then the answers wait in `draft` until the last question, and /cancel drops them.
    Profile {
        step: ProfileStep,
        editing: bool,
        /// The answers given in this edit so far (only those).
        #[serde(default, skip_serializing_if = "Profile::is_empty")]
        draft: Profile,
        /// An edit of one answer from the settings: saved once it is given (with the
        /// organisation too when the constituency changed).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        single: bool,
    },
    /// Anywhere buttons alone drive the conversation (menu, lists, settings).
    Menu,
    /// An activity card is shown. What the member types or records goes where the card says:
    /// to `rated`, the activity rated just before (its comment is offered on this card), or
    /// else to this card's activity; on a card not yet rated it is held and saved with the
    /// rating. (`pending`: where an earlier build kept such a comment; the next step keeps it.)
    Card {
        code: ActivityCode,
        #[serde(default)]
        back: Back,
        #[serde(default)]
        rated: Option<ActivityCode>,
        #[serde(default, skip_serializing)]
        pending: Option<Comment>,
    },
    /// Messages sent on the menu or a list wait here while the member is asked whether to
    /// add them to `code`, the activity they changed last: texts joined, the latest voice note.
    PlaceComment {
        code: ActivityCode,
        #[serde(default)]
        text: Option<CommentText>,
        #[serde(default)]
        voice: Option<VoiceNote>,
    },
    /// Waiting for a typed or spoken comment on this activity; then on to `back`.
    Comment {
        code: ActivityCode,
        #[serde(default)]
        back: Back,
    },
    ConfirmForget,
    /// A screen whose tap acts (sends a reminder, builds an export) is shown: the first tap
    /// acts and moves on, so a second tap, an older copy or a redelivered update does nothing
    /// twice.
    Confirming {
        action: Pending,
    },
    /// A focal point making a campaign step by step: title, then activities, then deadline.
    NewCampaign {
        draft: CampaignDraft,
    },
    /// An admin writing an announcement: audience, then text, then a preview to confirm.
    Announce {
        draft: AnnounceDraft,
    },
    /// A monitoring round's card is shown: what the member types or records goes to
    /// `answered`, the activity answered just before (the card says so), else to `code`.
    Round {
        round: i64,
        code: ActivityCode,
        #[serde(default)]
        answered: Option<ActivityCode>,
    },
    /// An admin opening a monitoring round: title, audience, length, then a preview.
    NewRound {
        draft: super::monitor::RoundDraft,
    },
}

/// Where a card goes once it is rated or commented: on to the next activity without a rating,
/// or back to the list it was opened from (a priority's activities, or My feedback, at a page).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Back {
    #[default]
    Next,
    List(u8),
    Mine(u8),
}

/// What a confirming tap will do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Pending {
    /// Send this campaign's reminder.
    Remind(i64),
    /// The export menu, none of whose formats was tapped yet (as an earlier build stored it).
    Export,
    /// The export menu: each format builds its file once, on its first tap.
    Exports {
        asked: Vec<crate::domain::ExportFormat>,
    },
    /// The report menu: each format and language builds its file once, on its first tap.
    Reports {
        asked: Vec<(crate::domain::ReportFormat, crate::domain::Lang)>,
    },
    /// A focal point's reminder of this monitoring round to their members.
    RemindRound(i64),
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnounceDraft {
    pub audience: Option<crate::domain::Audience>,
    pub text: Option<String>,
}

impl AnnounceDraft {
    /// Which version of the draft a preview shows: its Send and Change buttons carry it, so a
    /// tap on an older preview never acts on a newer draft.
    pub fn fingerprint(&self) -> u32 {
        let audience = self.audience.as_ref().map(|a| a.describe());
        crate::domain::text::fingerprint(&format!(
            "{}\n{}",
            audience.unwrap_or_default(),
            self.text.as_deref().unwrap_or_default()
        ))
    }
}

/// What a focal point has answered so far; the first missing answer is the question asked.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignDraft {
    pub title: Option<String>,
    pub activities: Option<Vec<ActivityCode>>,
    /// Choosing activities one by one: the page shown, and those ticked so far.
    #[serde(default)]
    pub picking: Option<u8>,
    #[serde(default)]
    pub picked: Vec<ActivityCode>,
}

impl State {
    /// For a tap about `code`: the way back of its card (or comment question) if that is what
    /// the member is on.
    pub fn on_card(&self, code: &ActivityCode) -> Back {
        match self {
            State::Card { code: c, back, .. } | State::Comment { code: c, back } if c == code => {
                *back
            }
            _ => Back::Next,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{\"at\":\"Start\"}".into())
    }

    /// A stored state this build cannot read (say, from a newer build) falls back to the menu
    /// for consented members: buttons still work, nothing stored is lost.
    pub fn from_json(json: &str) -> Option<State> {
        serde_json::from_str(json).ok()
    }
}
