//! A member's activity screens: the card with its rating buttons, the details, the comment
//! question's heading and My feedback.

use super::*;
use crate::conversation::facts::CommentSeen;
use crate::conversation::CardScreen;

impl R<'_> {
    pub(super) fn cards_screen(&mut self, screen: &CardScreen) {
        match screen {
            CardScreen::Card {
                code,
                given,
                progress,
                closed_since,
                back,
                rated,
                held,
            } => self.card(
                code,
                given.as_ref(),
                *progress,
                *closed_since,
                *back,
                rated.as_ref(),
                held.as_ref(),
            ),
            CardScreen::About { code, back } => self.about(code, *back),
            CardScreen::AskComment {
                code,
                rating,
                has_comment,
                back,
                low,
            } => {
                self.activity_heading(code);
                self.line(&tr_with(
                    self.lang,
                    "card.your_rating",
                    &[("rating", &rating_label(*rating, self.lang))],
                ));
                self.text.push('\n');
                self.line(&self.t(if *low {
                    "comment.ask_low"
                } else {
                    "comment.ask"
                }));
                if *has_comment {
                    self.line(&self.t("comment.adds"));
                }
                let skip = if *has_comment {
                    "btn.keep_comment"
                } else {
                    "btn.no_comment"
                };
                let row = vec![self.btn(
                    skip,
                    Callback::Cards(CardCallback::SkipComment(code.clone())),
                )];
                self.kb.row(row);
                let row = vec![self.btn(
                    "btn.change_rating",
                    Callback::Cards(CardCallback::Open(code.clone(), *back)),
                )];
                self.kb.row(row);
            }
            CardScreen::AllRated { progress, rated } => {
                if let Some((code, rating)) = rated {
                    self.rated_line(code, *rating);
                }
                self.line(&crate::messages::tr_count(
                    self.lang,
                    "all_rated.body",
                    progress.total as u64,
                    &[("total", &number(progress.total, self.lang))],
                ));
                if let Some((code, _)) = rated {
                    let row = vec![self.comment_on(code)];
                    self.kb.row(row);
                }
                let row = vec![
                    self.btn("btn.mine", Callback::Cards(CardCallback::Mine(0))),
                    self.btn("btn.menu", Callback::Menu),
                ];
                self.kb.row(row);
            }
            CardScreen::Mine {
                page,
                pages,
                items,
                closed,
            } => self.mine(*page, *pages, items, *closed),
            CardScreen::ConfirmWithdraw { code, page } => {
                self.line(&tr_with(
                    self.lang,
                    "withdraw.confirm",
                    &[("code", code.as_str())],
                ));
                let row = vec![
                    self.btn(
                        "btn.withdraw_yes",
                        Callback::Cards(CardCallback::WithdrawConfirmed(code.clone(), *page)),
                    ),
                    self.btn(
                        "btn.no",
                        Callback::Cards(CardCallback::Open(code.clone(), Back::Mine(*page))),
                    ),
                ];
                self.kb.row(row);
            }
            CardScreen::PlaceComment { code } => {
                let title = esc(&trim_words(&self.activity_title(code), 48));
                self.line(&tr_with(
                    self.lang,
                    "place.ask",
                    &[("code", code.as_str()), ("title", &title)],
                ));
                let row = vec![
                    Button::cb(
                        tr_with(self.lang, "btn.place_yes", &[("code", code.as_str())]),
                        Callback::Cards(CardCallback::Place(code.clone())),
                    ),
                    self.btn("btn.place_no", Callback::Cards(CardCallback::DropPlaced)),
                ];
                self.kb.row(row);
            }
        }
    }

    /// The activity's code and title, in bold: every screen about one activity starts so.
    pub(super) fn activity_heading(&mut self, code: &ActivityCode) {
        let title = esc(&self.activity_title(code));
        self.line(&format!("<b>{code} · {title}</b>"));
    }

    /// "✓ P1.1 rated 4: write or record a comment on it now", above the next screen.
    pub(super) fn rated_line(&mut self, code: &ActivityCode, rating: Rating) {
        self.line(&tr_with(
            self.lang,
            "card.rated_line",
            &[
                ("code", code.as_str()),
                ("rating", &rating_label(rating, self.lang)),
            ],
        ));
        self.text.push('\n');
    }

    pub(super) fn comment_on(&self, code: &ActivityCode) -> Button {
        Button::cb(
            tr_with(self.lang, "btn.comment_on", &[("code", code.as_str())]),
            Callback::Cards(CardCallback::AddComment(code.clone())),
        )
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn card(
        &mut self,
        code: &ActivityCode,
        given: Option<&(Rating, CommentSeen)>,
        progress: crate::conversation::reply::Progress,
        closed_since: Option<DateTime<Utc>>,
        back: Back,
        rated: Option<&(ActivityCode, Rating)>,
        held: Option<&CommentSeen>,
    ) {
        let Some(a) = self.plan.activity(code) else {
            return;
        };
        let banner = !self.text.is_empty();
        let lang = self.lang;
        // Where the next message goes, unless the banner just said the comment is full.
        let said = matches!(self.banner,
            Some(Banner::CommentCut { code: c, .. }) if rated.is_some_and(|(just, _)| just == c));
        if let Some((just, rating)) = rated.filter(|_| !said) {
            self.rated_line(just, *rating);
        }
        self.activity_heading(code);
        self.line(&esc(a.description.get(lang)));
        self.text.push('\n');
        if let Some((rating, comment)) = given {
            let mut yours = tr_with(
                lang,
                "card.your_rating",
                &[("rating", &rating_label(*rating, lang))],
            );
            if !comment.is_empty() {
                yours.push_str(" · ");
                yours.push_str(&self.comment_mark(comment, 12));
            }
            self.line(&yours);
        }
        // Kept on the server, not on this screen: leaving the card loses nothing.
        let held = held.filter(|h| !h.is_empty() && given.is_none());
        if let Some(since) = closed_since {
            // Read-only: the plan and the member's answer, nothing to tap but the way on.
            self.closed_line(since);
            let row = vec![
                self.btn(
                    "btn.next",
                    Callback::Cards(CardCallback::SkipComment(code.clone())),
                ),
                self.btn("btn.menu", Callback::Menu),
            ];
            self.kb.row(row);
            return;
        }
        if !banner {
            // Left out under a banner, which already says what just happened.
            self.line(&tr_with(
                lang,
                "card.progress",
                &[
                    ("rated", &number(progress.rated, lang)),
                    ("total", &number(progress.total, lang)),
                ],
            ));
        }
        // Rated already: the number is ticked on its button; say how to change it. A comment
        // waiting for the rating asks for the number in its own words.
        match held {
            Some(held) => {
                let mark = self.comment_mark(held, 12);
                self.line(&tr_with(lang, "card.held", &[("comment", &mark)]))
            }
            None => self.line(&self.t(if given.is_some() {
                "card.change"
            } else {
                "card.ask"
            })),
        }

        self.rating_buttons(code, given.map(|(r, _)| *r));
        if let Some((just, _)) = rated {
            let row = vec![self.comment_on(just)];
            self.kb.row(row);
        }
        if given.is_some() {
            let row = vec![
                self.comment_on(code),
                self.btn(
                    "btn.withdraw",
                    Callback::Cards(CardCallback::Withdraw(code.clone())),
                ),
            ];
            self.kb.row(row);
        }
        let list_page = self
            .plan
            .activities_of(&a.priority)
            .position(|x| &x.code == code)
            .unwrap_or(0)
            / ACTIVITY_PAGE;
        let row = vec![
            self.btn(
                "btn.next",
                Callback::Cards(CardCallback::SkipComment(code.clone())),
            ),
            self.btn(
                "btn.about",
                Callback::Cards(CardCallback::About(code.clone())),
            ),
        ];
        self.kb.row(row);
        let to_list = match back {
            Back::Mine(page) => {
                self.btn("btn.back_mine", Callback::Cards(CardCallback::Mine(page)))
            }
            Back::List(page) => self.btn(
                "btn.list",
                Callback::Activities {
                    priority: a.priority.clone(),
                    page,
                },
            ),
            Back::Next => self.btn(
                "btn.list",
                Callback::Activities {
                    priority: a.priority.clone(),
                    page: list_page as u8,
                },
            ),
        };
        let row = vec![to_list, self.btn("btn.menu", Callback::Menu)];
        self.kb.row(row);
    }

    /// 1 to 5, the two ends named: [1 Not useful] [2] [3] / [4] [5 Very useful].
    pub(super) fn rating_buttons(&mut self, code: &ActivityCode, current: Option<Rating>) {
        let buttons: Vec<Button> = Rating::ALL
            .iter()
            .map(|r| {
                let mark = if Some(*r) == current { "✓ " } else { "" };
                let label = if matches!(r.get(), 1 | 5) {
                    rating_label(*r, self.lang)
                } else {
                    number(r.get(), self.lang)
                };
                Button::cb(
                    format!("{mark}{label}"),
                    Callback::Cards(CardCallback::Rate(code.clone(), *r)),
                )
            })
            .collect();
        self.kb.grid(buttons, 3);
    }

    /// An activity in full: its priority, description, lead and timeframe.
    pub(super) fn about(&mut self, code: &ActivityCode, back: Back) {
        let Some(a) = self.plan.activity(code) else {
            return;
        };
        let lang = self.lang;
        self.activity_heading(code);
        if let Some(p) = self.plan.priority(&a.priority) {
            self.line(&format!("<i>{} · {}</i>", p.code, esc(p.short.get(lang))));
        }
        self.text.push('\n');
        self.line(&esc(a.description.get(lang)));
        self.text.push('\n');
        self.line(&tr_with(
            lang,
            "card.lead",
            &[("lead", &esc(a.lead.get(lang)))],
        ));
        self.line(&tr_with(
            lang,
            "card.when",
            &[("timeframe", &self.timeframe(a.timeframe))],
        ));
        let row = vec![self.btn(
            "btn.back",
            Callback::Cards(CardCallback::Open(code.clone(), back)),
        )];
        self.kb.row(row);
    }

    /// "💬 «the start of the comment…» · 🎤 0:42": what there is of each kind.
    pub(super) fn comment_mark(&self, seen: &CommentSeen, graphemes: usize) -> String {
        let text = seen.text.as_ref().map(|t| {
            // The preview is the text's start: a longer text is marked as going on.
            let start = trim_words(&t.start.replace('\n', " "), graphemes);
            let more = if t.chars > t.start.chars().count() && !start.ends_with('…') {
                "…"
            } else {
                ""
            };
            format!("💬 «{}{more}»", esc(&start))
        });
        let voice = seen.voice.map(|secs| {
            format!(
                "🎤 {}:{}",
                number(secs / 60, self.lang),
                number_padded(secs % 60, self.lang)
            )
        });
        [text, voice]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ")
    }

    pub(super) fn mine(
        &mut self,
        page: u8,
        pages: u8,
        items: &[crate::conversation::reply::MineItem],
        closed: bool,
    ) {
        self.line(&self.t("mine.title"));
        if items.is_empty() {
            self.line(&self.t("mine.empty"));
            let row = vec![
                self.btn("btn.continue", Callback::Cards(CardCallback::NextUnrated)),
                self.btn("btn.menu", Callback::Menu),
            ];
            self.kb.row(row);
            return;
        }
        for item in items {
            let title = esc(&trim_words(&self.activity_title(&item.code), 36));
            let mut line = format!(
                "<b>{}</b> {title}\n   {}",
                item.code,
                rating_label(item.rating, self.lang)
            );
            if !item.comment.is_empty() {
                line.push_str(" · ");
                line.push_str(&self.comment_mark(&item.comment, 16));
            }
            self.line(&line);
        }
        self.text.push('\n');
        self.line(&self.t(if closed {
            "mine.read_only"
        } else {
            "mine.tap_to_change"
        }));
        let buttons = items
            .iter()
            .map(|i| {
                Button::cb(
                    format!("{} · {}", i.code, number(i.rating.get(), self.lang)),
                    Callback::Cards(CardCallback::Open(i.code.clone(), Back::Mine(page))),
                )
            })
            .collect();
        self.kb.grid(buttons, 3);
        self.nav(page, pages, |p| Callback::Cards(CardCallback::Mine(p)));
        self.menu_row();
    }
}
