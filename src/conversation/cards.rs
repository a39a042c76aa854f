//! Activity cards as data: the buttons of a card, its comment question, its details and My
//! feedback (with their encoding in callback data), and those screens. `flow::cards` handles
//! them and `render::cards` draws them; a new button on a card is a variant here, its handling
//! there, and its texts.

use chrono::{DateTime, Utc};

use super::facts::CommentSeen;
use super::reply::{MineItem, Progress};
use super::state::Back;
use crate::domain::{ActivityCode, Rating};

/// The buttons about one activity, and My feedback's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CardCallback {
    /// An activity's card, and where it goes back to once rated.
    Open(ActivityCode, Back),
    /// A rating from a card; the card's way back is in the member's state.
    Rate(ActivityCode, Rating),
    AddComment(ActivityCode),
    /// An activity's details: who leads it, when, under which priority.
    About(ActivityCode),
    /// Done with this activity's comment (none, or keep the one given): on to the next.
    SkipComment(ActivityCode),
    NextUnrated,
    /// My feedback, at a page.
    Mine(u8),
    Withdraw(ActivityCode),
    /// Yes, withdraw it; then My feedback at this page.
    WithdrawConfirmed(ActivityCode, u8),
    /// Add the message sent on the menu (waiting in the state) to this activity's comment…
    Place(ActivityCode),
    /// …or do not keep it.
    DropPlaced,
}

impl CardCallback {
    pub fn encode(&self) -> String {
        use CardCallback::*;
        match self {
            Open(code, back) => match back {
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
            // The first page keeps the spelling older buttons carry.
            WithdrawConfirmed(code, 0) => format!("wy:{code}"),
            WithdrawConfirmed(code, page) => format!("wy:{code}:{page}"),
            Place(code) => format!("ad:{code}"),
            DropPlaced => "dx".into(),
        }
    }

    /// Tags not of this sub-flow are `None` (the top-level `Callback::decode` tries the next).
    pub fn decode(tag: &str, fields: &[&str]) -> Option<CardCallback> {
        use super::field::{activity, page};
        use CardCallback as C;
        Some(match (tag, fields) {
            ("a", [code]) => C::Open(activity(code)?, Back::Next),
            ("a", [code, back]) => C::Open(
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
            ("wy", [code]) => C::WithdrawConfirmed(activity(code)?, 0),
            ("wy", [code, p]) => C::WithdrawConfirmed(activity(code)?, page(p).filter(|p| *p > 0)?),
            ("ad", [code]) => C::Place(activity(code)?),
            ("dx", []) => C::DropPlaced,
            _ => return None,
        })
    }
}

/// The screens about one activity, and My feedback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CardScreen {
    Card {
        code: ActivityCode,
        given: Option<(Rating, CommentSeen)>,
        progress: Progress,
        /// When the consultation closed, if it has: the card is then read-only.
        closed_since: Option<DateTime<Utc>>,
        back: Back,
        /// The activity rated just before: its comment is offered here.
        rated: Option<(ActivityCode, Rating)>,
        /// What was sent on this card before its rating, saved with it.
        held: Option<CommentSeen>,
    },
    /// An activity's details, one tap from its card.
    About { code: ActivityCode, back: Back },
    AskComment {
        code: ActivityCode,
        rating: Rating,
        has_comment: bool,
        back: Back,
        /// Rated 1 or 2: asks what should change.
        low: bool,
    },
    AllRated {
        progress: Progress,
        /// The activity rated last: its comment is offered here.
        rated: Option<(ActivityCode, Rating)>,
    },
    Mine {
        page: u8,
        pages: u8,
        items: Vec<MineItem>,
        /// After the consultation closed: read only.
        closed: bool,
    },
    ConfirmWithdraw {
        code: ActivityCode,
        /// My feedback's page to return to.
        page: u8,
    },
    /// A message sent on the menu or a list: add it to the activity changed last?
    PlaceComment { code: ActivityCode },
}
