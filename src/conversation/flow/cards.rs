//! Activity cards, ratings and comments: one tap per activity, the comment offered on the next
//! card for the one just rated, and whatever a member sends kept on the activity the screen
//! names. A comment is never lost: texts sent one after the other are joined, a voice note
//! never replaces a text (nor a text a voice note), what is sent on a card not rated yet is
//! held until the rating, and a message sent on the menu is offered to the activity changed
//! last. My feedback lists the answers.

use super::*;
use crate::domain::comment::MAX_COMMENT_CHARS;

impl Step<'_> {
    /// The buttons about one activity, and My feedback's.
    pub(super) fn card_callback(&mut self, state: &State, data: &CardCallback) {
        match data {
            CardCallback::Open(code, back) => self.card_with(code.clone(), *back, None),
            CardCallback::About(code) => {
                let back = state.on_card(code);
                if self.facts.plan.activity(code).is_none() {
                    return self.card_with(code.clone(), back, None);
                }
                // What they type here is about this activity, as the screen names it.
                self.state = State::Card {
                    code: code.clone(),
                    back,
                    rated: None,
                    pending: None,
                };
                self.show(Screen::Cards(CardScreen::About {
                    code: code.clone(),
                    back,
                }));
            }
            CardCallback::Rate(code, rating) => self.rate(state, code, *rating),
            CardCallback::AddComment(_)
            | CardCallback::Withdraw(_)
            | CardCallback::WithdrawConfirmed(..)
            | CardCallback::Place(_)
                if self.refuse_if_closed() => {}
            CardCallback::AddComment(code) => {
                let back = state.on_card(code);
                self.ask_comment(code.clone(), back);
            }
            CardCallback::SkipComment(code) => match state {
                State::Comment { code: c, back } if c == code => self.leave(code, *back, false),
                // "Next" on a card opened from a list: the next activity of that list.
                State::Card { code: c, back, .. } if c == code && *back != Back::Next => {
                    self.next_in_list(code, *back)
                }
                _ => self.next_card_from(Some(code), None),
            },
            CardCallback::NextUnrated => self.next_card_from(None, None),
            CardCallback::Mine(page) => {
                self.state = State::Menu;
                self.mine(*page);
            }
            CardCallback::Withdraw(code) => {
                if self.facts.given.contains_key(code) {
                    let page = match state.on_card(code) {
                        Back::Mine(page) => page,
                        _ => 0,
                    };
                    self.state = State::Menu;
                    self.show(Screen::Cards(CardScreen::ConfirmWithdraw {
                        code: code.clone(),
                        page,
                    }));
                } else {
                    self.card_with(code.clone(), Back::Next, None);
                }
            }
            CardCallback::WithdrawConfirmed(code, page) => {
                self.state = State::Menu;
                if self.facts.given.contains_key(code) {
                    self.effect(Effect::Withdraw { code: code.clone() });
                    self.banner = Some(Banner::Withdrawn);
                    self.notice = Some(Notice::Withdrawn);
                } else {
                    self.notice = Some(Notice::NothingToDo);
                }
                self.mine(*page);
            }
            CardCallback::Place(code) => match state {
                State::PlaceComment {
                    code: c,
                    text,
                    voice,
                } if c == code => {
                    self.state = State::Menu;
                    if self.facts.given.contains_key(code) {
                        if let Some(t) = text {
                            self.add_comment(code, Comment::Text(t.clone()));
                        }
                        if let Some(v) = voice {
                            // One banner: a text and a voice note added at once are both said.
                            let said_text = self.banner.take();
                            self.add_comment(code, Comment::Voice(v.clone()));
                            match said_text {
                                Some(cut @ Banner::CommentCut { .. }) => self.banner = Some(cut),
                                Some(_) => self.banner = Some(Banner::CommentSaved(code.clone())),
                                None => {}
                            }
                        }
                        self.card_with(code.clone(), Back::Next, None);
                    } else {
                        // Withdrawn meanwhile: the words are offered to the activity changed
                        // last instead (or the member is told to rate first), not dropped unasked.
                        self.notice = Some(Notice::Outdated);
                        let (text, voice) = (text.clone(), voice.clone());
                        match (text, voice) {
                            (Some(t), voice) => {
                                self.place_comment(Comment::Text(t), None, None, voice)
                            }
                            (None, Some(v)) => {
                                self.place_comment(Comment::Voice(v), None, None, None)
                            }
                            (None, None) => self.menu(),
                        }
                    }
                }
                _ => {
                    self.notice = Some(Notice::Outdated);
                    self.state = State::Menu;
                    self.menu();
                }
            },
            CardCallback::DropPlaced => {
                if matches!(state, State::PlaceComment { .. }) {
                    self.banner = Some(Banner::PlaceDropped);
                } else {
                    self.notice = Some(Notice::NothingToDo);
                }
                self.state = State::Menu;
                self.menu();
            }
        }
    }

    /// An activity's card. `rated`: the activity rated just before, whose comment this card
    /// offers (what the member sends goes there).
    pub(super) fn card_with(
        &mut self,
        code: ActivityCode,
        back: Back,
        rated: Option<ActivityCode>,
    ) {
        if self.facts.plan.activity(&code).is_none() {
            self.state = State::Menu;
            self.notice = Some(Notice::Outdated);
            self.banner = Some(Banner::UnknownActivity);
            return self.priorities();
        }
        let given = self
            .facts
            .given
            .get(&code)
            .map(|g| (g.rating, g.comment.clone()));
        let rated = rated.and_then(|r| self.facts.given.get(&r).map(|g| (r.clone(), g.rating)));
        self.state = State::Card {
            code: code.clone(),
            back,
            rated: rated.as_ref().map(|(r, _)| r.clone()),
            pending: None,
        };
        self.show(Screen::Cards(CardScreen::Card {
            held: self.facts.held.get(&code).cloned(),
            code,
            given,
            progress: self.progress(),
            closed_since: self.closed_since,
            back,
            rated,
        }));
    }

    /// The next activity to ask about: first the unrated ones of the member's campaign, in
    /// the campaign's order; then the first without a rating in plan order, starting after
    /// `after` (wrapping). `rated`: the activity just rated, whose comment is offered there.
    pub(super) fn next_card_from(
        &mut self,
        after: Option<&ActivityCode>,
        rated: Option<ActivityCode>,
    ) {
        let campaign = self.campaign();
        self.next_card_in(after, campaign.as_ref(), rated);
    }

    pub(super) fn next_card_in(
        &mut self,
        after: Option<&ActivityCode>,
        campaign: Option<&CampaignFacts>,
        rated: Option<ActivityCode>,
    ) {
        let first_of_campaign = campaign.and_then(|c| {
            c.activities
                .iter()
                .find(|a| {
                    !self.facts.given.contains_key(*a) && self.facts.plan.activity(a).is_some()
                })
                .cloned()
        });
        if let Some(code) = first_of_campaign {
            return self.card_with(code, Back::Next, rated);
        }
        let list = &self.facts.plan.activities;
        let start = after
            .and_then(|c| list.iter().position(|a| &a.code == c))
            .map_or(0, |i| i + 1);
        let next = (0..list.len())
            .map(|i| &list[(start + i) % list.len()])
            .find(|a| !self.facts.given.contains_key(&a.code))
            .map(|a| a.code.clone());
        match next {
            Some(code) => self.card_with(code, Back::Next, rated),
            None => {
                let rated =
                    rated.and_then(|r| self.facts.given.get(&r).map(|g| (r.clone(), g.rating)));
                // What they send now is added to the activity the screen names.
                self.state = match &rated {
                    Some((code, _)) => State::Comment {
                        code: code.clone(),
                        back: Back::Next,
                    },
                    None => State::Menu,
                };
                self.show(Screen::Cards(CardScreen::AllRated {
                    progress: self.progress(),
                    rated,
                }))
            }
        }
    }

    /// "Next" on a card opened from a priority's list or from My feedback: the next activity
    /// of that list, or the list again after its last.
    fn next_in_list(&mut self, code: &ActivityCode, back: Back) {
        let plan = self.facts.plan;
        let list: Vec<&ActivityCode> = match back {
            Back::Mine(_) => plan
                .activities
                .iter()
                .filter(|a| self.facts.given.contains_key(&a.code))
                .map(|a| &a.code)
                .collect(),
            _ => match plan.activity(code) {
                Some(a) => plan.activities_of(&a.priority).map(|a| &a.code).collect(),
                None => Vec::new(),
            },
        };
        let at = list.iter().position(|c| *c == code);
        let next = at.and_then(|i| list.get(i + 1)).map(|c| (*c).clone());
        match (next, at) {
            (Some(next), Some(i)) => {
                let per_page = match back {
                    Back::Mine(_) => MINE_PAGE,
                    _ => ACTIVITY_PAGE,
                };
                let page = ((i + 1) / per_page) as u8;
                let back = match back {
                    Back::Mine(_) => Back::Mine(page),
                    _ => Back::List(page),
                };
                self.card_with(next, back, None)
            }
            _ => self.leave(code, back, false),
        }
    }

    pub(super) fn rate(&mut self, state: &State, code: &ActivityCode, rating: Rating) {
        if self.refuse_if_closed() {
            return;
        }
        if self.facts.plan.activity(code).is_none() {
            return self.card_with(code.clone(), Back::Next, None);
        }
        let back = state.on_card(code);
        let before = self.facts.given.get(code).map(|g| g.rating);
        let held = self.facts.held.contains_key(code);
        // A double tap, or the same number again, changes nothing and writes nothing.
        if before != Some(rating) {
            self.effect(Effect::Rate {
                code: code.clone(),
                rating,
            });
        }
        self.notice = Some(Notice::Rated(rating));
        // What waited for this rating is saved with it (the rating's effect), and said so
        // above the next screen; what the member sends next is added to it.
        if held {
            self.banner = Some(Banner::CommentSaved(code.clone()));
        }
        let has_comment = self
            .facts
            .given
            .get(code)
            .is_some_and(|g| !g.comment.is_empty());
        if rating.get() <= 2 && !has_comment {
            // A low rating: ask what should change (with a skip), before moving on.
            return self.ask_comment(code.clone(), back);
        }
        self.leave(code, back, true);
    }

    /// On from an activity rated or commented: to the next card (offering the comment on
    /// this one when `offer`, so that what the member sends next is added to it), or back to
    /// the list the card was opened from.
    pub(super) fn leave(&mut self, code: &ActivityCode, back: Back, offer: bool) {
        let rating = self.facts.given.get(code).map(|g| g.rating);
        if self.banner.is_none() && back != Back::Next {
            self.banner = rating.map(|r| Banner::Rated(code.clone(), r));
        }
        match back {
            Back::Next => self.next_card_from(Some(code), offer.then(|| code.clone())),
            Back::List(page) => {
                self.state = State::Menu;
                match self.facts.plan.activity(code).map(|a| a.priority.clone()) {
                    Some(priority) => self.activities(&priority, page),
                    None => self.priorities(),
                }
            }
            Back::Mine(page) => {
                self.state = State::Menu;
                self.mine(page);
            }
        }
    }

    pub(super) fn ask_comment(&mut self, code: ActivityCode, back: Back) {
        let Some(given) = self.facts.given.get(&code).cloned() else {
            return self.card_with(code, back, None);
        };
        let screen = Screen::Cards(CardScreen::AskComment {
            code: code.clone(),
            rating: given.rating,
            has_comment: !given.comment.is_empty(),
            back,
            low: given.rating.get() <= 2 && given.comment.is_empty(),
        });
        self.state = State::Comment { code, back };
        self.show(screen);
    }

    /// A typed text or a voice note: kept on the activity the screen names for it.
    pub(super) fn comment_in(&mut self, state: &State, comment: Comment) {
        // A round has its own dates: the consultation's window does not close it.
        if let State::Round { .. } = state {
            return self.round_comment(state, comment);
        }
        self.placement = Placement::New;
        if self.refuse_if_closed() {
            return;
        }
        match state.clone() {
            // The question about this activity's comment: added, then on; what they send next
            // is added to the same activity.
            State::Comment { code, back } if self.facts.given.contains_key(&code) => {
                self.add_comment(&code, comment);
                self.leave(&code, back, true);
            }
            // The card offers the comment on the activity rated just before: added there, and
            // the card stays as it was, so a second message joins the first.
            State::Card {
                code,
                back,
                rated: Some(rated),
                ..
            } if self.facts.given.contains_key(&rated) => {
                self.add_comment(&rated, comment);
                self.card_with(code, back, Some(rated));
            }
            State::Card { code, back, .. } if self.facts.given.contains_key(&code) => {
                self.add_comment(&code, comment);
                self.card_with(code, back, None);
            }
            // Not rated yet: held, and saved with the rating.
            State::Card { code, back, .. } => {
                self.banner = Some(Banner::Held(code.clone()));
                let before = self.facts.held.get(&code).and_then(|h| h.text.as_ref());
                let comment = match comment {
                    Comment::Text(t) => self
                        .fitted(&code, t, before.map(|t| t.chars))
                        .map(Comment::Text),
                    voice => Some(voice),
                };
                if let Some(comment) = comment {
                    self.effect(Effect::Hold {
                        code: code.clone(),
                        comment,
                    });
                }
                self.card_with(code, back, None);
            }
            State::PlaceComment { code, text, voice } => {
                self.place_comment(comment, Some(code), text, voice)
            }
            State::Menu => self.place_comment(comment, None, None, None),
            _ => self.hint(state, Hint::UseButtons),
        }
    }

    /// A message sent where no activity is on screen: offered to the activity changed last
    /// (`to`, or the member's), never dropped without asking.
    fn place_comment(
        &mut self,
        comment: Comment,
        to: Option<ActivityCode>,
        mut text: Option<CommentText>,
        mut voice: Option<VoiceNote>,
    ) {
        // The activity asked about before, while it is still rated; else the one changed last.
        let rated = |c: &ActivityCode| self.facts.given.contains_key(c);
        let to = to
            .filter(rated)
            .or_else(|| self.facts.last_rated.clone().filter(rated));
        let Some(code) = to else {
            return self.hint(&State::Menu, Hint::UseButtons);
        };
        match comment {
            Comment::Text(more) => text = Some(joined(text, more)),
            Comment::Voice(v) => voice = Some(v),
        }
        self.state = State::PlaceComment {
            code: code.clone(),
            text,
            voice,
        };
        self.show(Screen::Cards(CardScreen::PlaceComment { code }));
    }

    /// Adds a comment to a rated activity, and says so above the next screen. A text is
    /// joined to the text there, cut to the longest a comment may be (and said so).
    pub(super) fn add_comment(&mut self, code: &ActivityCode, comment: Comment) {
        let seen = self
            .facts
            .given
            .get(code)
            .map(|g| g.comment.clone())
            .unwrap_or_default();
        let comment = match comment {
            Comment::Text(text) => {
                self.banner = Some(Banner::CommentSaved(code.clone()));
                match self.fitted(code, text, seen.text.as_ref().map(|t| t.chars)) {
                    Some(t) => Comment::Text(t),
                    None => return,
                }
            }
            Comment::Voice(v) => {
                self.banner = Some(if seen.voice.is_some() {
                    Banner::VoiceReplaced(code.clone())
                } else {
                    Banner::VoiceSaved(code.clone())
                });
                Comment::Voice(v)
            }
        };
        self.effect(Effect::Comment {
            code: code.clone(),
            comment,
        });
    }

    /// `text` as it fits after a comment of `before` characters (joined on a new line): cut,
    /// and said so, when the whole would pass the longest a comment may be; `None` when full.
    pub(super) fn fitted(
        &mut self,
        code: &ActivityCode,
        text: CommentText,
        before: Option<usize>,
    ) -> Option<CommentText> {
        let room = match before {
            Some(chars) => MAX_COMMENT_CHARS.saturating_sub(chars + 1),
            None => MAX_COMMENT_CHARS,
        };
        if text.chars() <= room {
            return Some(text);
        }
        self.banner = Some(Banner::CommentCut {
            code: code.clone(),
            max: MAX_COMMENT_CHARS,
        });
        text.cut_to(room)
    }

    pub(super) fn mine(&mut self, page: u8) {
        let plan = self.facts.plan;
        let all: Vec<MineItem> = plan
            .activities
            .iter()
            .filter_map(|a| {
                self.facts.given.get(&a.code).map(|g| MineItem {
                    code: a.code.clone(),
                    rating: g.rating,
                    comment: g.comment.clone(),
                })
            })
            .collect();
        let (page, pages, items) = paginate(&all, MINE_PAGE, page);
        self.show(Screen::Cards(CardScreen::Mine {
            page,
            pages,
            items,
            closed: self.closed_since.is_some(),
        }));
    }
}

/// A second text while the first waits for its place: joined on a new line, up to the longest
/// a comment may be (what is cut is said when it is added).
fn joined(before: Option<CommentText>, more: CommentText) -> CommentText {
    let Some(before) = before else {
        return more;
    };
    let both = format!("{}\n{}", before.as_str(), more.as_str());
    let both: String = both.chars().take(MAX_COMMENT_CHARS).collect();
    CommentText::parse(&both).unwrap_or(before)
}
