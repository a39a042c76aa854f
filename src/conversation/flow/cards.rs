//! Activity cards, ratings and comments: one tap per activity, the comment offered on the next
//! card for the one just rated, and whatever a member sends kept on the activity the screen
//! names. My feedback lists the answers.

use super::*;

impl Step<'_> {
    /// The buttons about one activity, and My feedback's.
    pub(super) fn card_callback(&mut self, state: &State, data: &CardCallback) {
        match data {
            CardCallback::Open(code, back) => {
                // Back from the details: a comment waiting on this card still waits.
                let (_, pending) = state.on_card(code);
                self.card_with(code.clone(), *back, None, pending)
            }
            CardCallback::About(code) => {
                let (back, pending) = state.on_card(code);
                if self.facts.plan.activity(code).is_none() {
                    return self.card_with(code.clone(), back, None, None);
                }
                // What they type here is about this activity, as the screen names it.
                self.state = State::Card {
                    code: code.clone(),
                    back,
                    rated: None,
                    pending,
                };
                self.show(Screen::Cards(CardScreen::About {
                    code: code.clone(),
                    back,
                }));
            }
            CardCallback::Rate(code, rating) => self.rate(state, code, *rating),
            CardCallback::AddComment(_)
            | CardCallback::Withdraw(_)
            | CardCallback::WithdrawConfirmed(_)
                if self.refuse_if_closed() => {}
            CardCallback::AddComment(code) => {
                let (back, _) = state.on_card(code);
                self.ask_comment(code.clone(), back);
            }
            CardCallback::SkipComment(code) => match state {
                State::Comment { code: c, back } if c == code => self.leave(code, *back, false),
                _ => self.next_card_from(Some(code), None),
            },
            CardCallback::NextUnrated => self.next_card_from(None, None),
            CardCallback::Mine(page) => {
                self.state = State::Menu;
                self.mine(*page);
            }
            CardCallback::Withdraw(code) => {
                if self.facts.given.contains_key(code) {
                    self.state = State::Menu;
                    self.show(Screen::Cards(CardScreen::ConfirmWithdraw {
                        code: code.clone(),
                    }));
                } else {
                    self.card_with(code.clone(), Back::Next, None, None);
                }
            }
            CardCallback::WithdrawConfirmed(code) => {
                self.state = State::Menu;
                if self.facts.given.contains_key(code) {
                    self.effect(Effect::Withdraw { code: code.clone() });
                    self.banner = Some(Banner::Withdrawn);
                    self.notice = Some(Notice::Withdrawn);
                } else {
                    self.notice = Some(Notice::NothingToDo);
                }
                self.mine(0);
            }
        }
    }

    /// An activity's card. `rated`: the activity rated just before, whose comment this card
    /// offers; `pending`: a comment sent on this card before its rating.
    pub(super) fn card_with(
        &mut self,
        code: ActivityCode,
        back: Back,
        rated: Option<ActivityCode>,
        pending: Option<Comment>,
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
            pending: pending.clone(),
        };
        self.show(Screen::Cards(CardScreen::Card {
            code,
            given,
            progress: self.progress(),
            closed_since: self.closed_since,
            back,
            rated,
            pending: pending.is_some(),
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
            return self.card_with(code, Back::Next, rated, None);
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
            Some(code) => self.card_with(code, Back::Next, rated, None),
            None => {
                let rated =
                    rated.and_then(|r| self.facts.given.get(&r).map(|g| (r.clone(), g.rating)));
                // What they type now is a comment on the activity the screen names.
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

    pub(super) fn rate(&mut self, state: &State, code: &ActivityCode, rating: Rating) {
        if self.refuse_if_closed() {
            return;
        }
        if self.facts.plan.activity(code).is_none() {
            return self.card_with(code.clone(), Back::Next, None, None);
        }
        let (back, pending) = state.on_card(code);
        let before = self.facts.given.get(code).map(|g| g.rating);
        // A double tap, or the same number again, changes nothing and writes nothing.
        if before != Some(rating) {
            self.effect(Effect::Rate {
                code: code.clone(),
                rating,
            });
        }
        self.notice = Some(Notice::Rated(rating));
        // A comment that waited for this rating is saved with it, and said so above the next
        // screen; its comment is then not offered again.
        let offer = pending.is_none();
        if let Some(comment) = pending {
            self.keep_comment(code, comment);
        }
        let has_comment = self
            .facts
            .given
            .get(code)
            .is_some_and(|g| g.comment.is_some());
        if rating.get() <= 2 && !has_comment {
            // A low rating: ask what should change (with a skip), before moving on.
            return self.ask_comment(code.clone(), back);
        }
        self.leave(code, back, offer);
    }

    /// On from an activity rated or commented: to the next card (offering the comment on
    /// this one when `offer`), or back to the list the card was opened from.
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
            return self.card_with(code, back, None, None);
        };
        let screen = Screen::Cards(CardScreen::AskComment {
            code: code.clone(),
            rating: given.rating,
            has_comment: given.comment.is_some(),
            back,
            low: given.rating.get() <= 2 && given.comment.is_none(),
        });
        self.state = State::Comment { code, back };
        self.show(screen);
    }

    /// A typed text or a voice note: a comment on the activity the screen names for it.
    pub(super) fn comment_in(&mut self, state: &State, comment: Comment) {
        self.placement = Placement::New;
        if self.refuse_if_closed() {
            return;
        }
        match state.clone() {
            State::Comment { code, back } if self.facts.given.contains_key(&code) => {
                self.keep_comment(&code, comment);
                self.leave(&code, back, false);
            }
            State::Card {
                code,
                back,
                rated: Some(rated),
                pending,
            } if self.facts.given.contains_key(&rated) => {
                self.keep_comment(&rated, comment);
                self.card_with(code, back, None, pending);
            }
            State::Card { code, back, .. } if self.facts.given.contains_key(&code) => {
                self.keep_comment(&code, comment);
                self.leave(&code, back, false);
            }
            State::Card {
                code,
                back,
                pending,
                ..
            } => {
                // Not rated yet: the comment waits on the card and is saved with the rating.
                let comment = match (pending, comment) {
                    (Some(Comment::Text(before)), Comment::Text(more)) => {
                        match before.joined(&more) {
                            Some(both) => Comment::Text(both),
                            None => {
                                self.banner = Some(Banner::CommentRejected(
                                    crate::domain::CommentError::TooLong,
                                ));
                                return self.reshow(state);
                            }
                        }
                    }
                    (_, comment) => comment,
                };
                self.card_with(code, back, None, Some(comment));
            }
            _ => self.hint(state, Hint::UseButtons),
        }
    }

    /// Saves a comment on a rated activity, and says so above the next screen.
    pub(super) fn keep_comment(&mut self, code: &ActivityCode, comment: Comment) {
        self.banner = Some(match comment {
            Comment::Text(_) => Banner::CommentSaved(code.clone()),
            Comment::Voice(_) => Banner::VoiceSaved(code.clone()),
        });
        self.effect(Effect::Comment {
            code: code.clone(),
            comment,
        });
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
