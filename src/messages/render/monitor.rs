//! Monitoring rounds: a member's card (four answers, one tap each), the end of a round, and
//! the secretariat's rounds, results and new-round questions.

use super::*;
use crate::conversation::facts::AnswerSeen;
use crate::conversation::monitor::{MonitorCallback, MonitorScreen, RoundDraft, ROUND_DAY_CHOICES};
use crate::domain::monitoring::{Round, RoundCounts, RoundResults, Status, StatusCounts};

/// Rounds the list shows with their buttons (older ones stay in `monitor list`).
const LISTED_ROUNDS: usize = 5;
/// Activities whose answers the results show side by side, those the sides see most
/// differently: the message stays within one Telegram message (the export has every one).
const SPLITS_SHOWN: usize = 3;

impl R<'_> {
    pub(super) fn monitor_screen(&mut self, screen: &MonitorScreen) {
        match screen {
            MonitorScreen::Card {
                round,
                code,
                index,
                total,
                answer,
                last_time,
                answered,
                closed_since,
            } => self.round_card(
                round,
                code,
                (*index, *total),
                answer,
                *last_time,
                answered.is_some(),
                *closed_since,
            ),
            MonitorScreen::Finished { round, total, .. } => {
                self.line(&tr_with(
                    self.lang,
                    "monitor.finished",
                    &[
                        ("title", &esc(&round.title)),
                        ("total", &number(*total, self.lang)),
                        ("date", &last_day(self.lang, round.until)),
                    ],
                ));
                if let Some(first) = round
                    .activities
                    .iter()
                    .find(|c| self.plan.activity(c).is_some())
                {
                    let b = self.btn(
                        "btn.round_review",
                        Callback::Monitor(MonitorCallback::Card {
                            round: round.id,
                            code: first.clone(),
                        }),
                    );
                    self.kb.row(vec![b]);
                }
                self.menu_row();
            }
            MonitorScreen::NoRound => {
                self.line(&self.t("monitor.no_round"));
                self.menu_row();
            }
            MonitorScreen::Rounds { list, now } => self.rounds_screen(list, *now),
            MonitorScreen::Results {
                results,
                previous,
                now,
            } => self.results_screen(results, previous.as_ref(), *now),
            MonitorScreen::AskTitle => {
                self.line(&self.t("monitor.ask_title"));
                self.cancel_row(Callback::Menu);
            }
            MonitorScreen::AskAudience => {
                self.line(&self.t("monitor.ask_audience"));
                self.audience_buttons(|to| Callback::Monitor(MonitorCallback::To(to)));
                self.cancel_row(Callback::Menu);
            }
            MonitorScreen::AskDays => {
                self.line(&self.t("monitor.ask_days"));
                let days = ROUND_DAY_CHOICES
                    .iter()
                    .map(|d| {
                        Button::cb(
                            tr_with(self.lang, "btn.days", &[("n", &number(*d, self.lang))]),
                            Callback::Monitor(MonitorCallback::Days(*d)),
                        )
                    })
                    .collect();
                self.kb.grid(days, 2);
                self.cancel_row(Callback::Menu);
            }
            MonitorScreen::Preview {
                draft,
                activities,
                recipients,
            } => self.round_preview(draft, *activities, *recipients),
            MonitorScreen::Opening => self.line(&self.t("monitor.opening")),
            MonitorScreen::OrgRounds { org, list, now } => self.org_rounds(org, list, *now),
            MonitorScreen::ConfirmRemind { round, unfinished } => {
                self.line(&crate::messages::tr_count(
                    self.lang,
                    "monitor.confirm_remind",
                    *unfinished,
                    &[
                        ("title", &esc(&round.title)),
                        ("n", &number(*unfinished, self.lang)),
                    ],
                ));
                let row = vec![
                    self.btn(
                        "btn.round_remind_yes",
                        Callback::Monitor(MonitorCallback::RemindSend(round.id)),
                    ),
                    self.btn("btn.no", Callback::Menu),
                ];
                self.kb.row(row);
            }
            MonitorScreen::ConfirmClose { round } => {
                self.line(&tr_with(
                    self.lang,
                    "monitor.confirm_close",
                    &[("title", &esc(&round.title))],
                ));
                let row = vec![
                    self.btn(
                        "btn.round_close_yes",
                        Callback::Monitor(MonitorCallback::CloseConfirmed(round.id)),
                    ),
                    self.btn("btn.no", Callback::Monitor(MonitorCallback::List)),
                ];
                self.kb.row(row);
            }
        }
    }

    /// A focal point's view: per open round, their own members only.
    fn org_rounds(
        &mut self,
        org: &str,
        list: &[crate::domain::monitoring::OrgRoundProgress],
        now: DateTime<Utc>,
    ) {
        self.line(&tr_with(
            self.lang,
            "monitor.org_title",
            &[("org", &esc(&self.org_label(org)))],
        ));
        if list.is_empty() {
            self.line(&self.t("monitor.org_none"));
        }
        for p in list.iter().take(LISTED_ROUNDS) {
            self.text.push('\n');
            self.line(&format!(
                "<b>«{}»</b> · {}",
                esc(&p.round.title),
                self.round_when(&p.round, now)
            ));
            self.line(&crate::messages::tr_count(
                self.lang,
                "monitor.org_counts",
                p.asked,
                &[
                    ("asked", &number(p.asked, self.lang)),
                    ("answered", &number(p.answered, self.lang)),
                    ("finished", &number(p.finished, self.lang)),
                ],
            ));
            if !p.unfinished.is_empty() {
                self.unfinished_line(&p.unfinished);
                self.kb.row(vec![Button::cb(
                    tr_with(
                        self.lang,
                        "btn.round_remind",
                        &[("n", &number(p.unfinished.len(), self.lang))],
                    ),
                    Callback::Monitor(MonitorCallback::Remind(p.round.id)),
                )]);
            }
        }
        self.menu_row();
    }

    /// The summary's line on the monitoring round of the moment: how many answered, and the
    /// share of "happening or done" over every activity, with its change since the round before.
    pub(super) fn summary_round(&mut self, r: &RoundResults, previous: Option<&RoundResults>) {
        let overall = |r: &RoundResults| {
            let mut all = StatusCounts::default();
            for (_, t) in &r.activities {
                for s in Status::ALL {
                    all.add(s, t.all.get(s));
                }
            }
            all.done_share_tenths()
        };
        let share = overall(r).map_or("–".to_string(), |t| {
            number(((t + 5) / 10).to_string(), self.lang)
        });
        let mut line = tr_with(
            self.lang,
            "monitor.summary_line",
            &[
                ("title", &esc(&r.round.title)),
                ("members", &number(r.members, self.lang)),
                ("share", &share),
            ],
        );
        let before = previous.and_then(|p| overall(p).map(|b| (p, b)));
        if let (Some(now), Some((p, before))) = (overall(r), before) {
            let points = ((now - before) as f64 / 10.0).round() as i64;
            let sign = if points > 0 {
                "+"
            } else if points < 0 {
                "−"
            } else {
                "±"
            };
            line.push_str(&tr_with(
                self.lang,
                "monitor.summary_change",
                &[
                    (
                        "change",
                        &format!("{sign}{}", number(points.unsigned_abs(), self.lang)),
                    ),
                    ("title", &esc(&p.round.title)),
                ],
            ));
        }
        self.text.push('\n');
        self.line(&line);
    }

    fn status_label(&self, status: Status) -> String {
        self.t(status.key())
    }

    #[allow(clippy::too_many_arguments)]
    fn round_card(
        &mut self,
        round: &Round,
        code: &ActivityCode,
        (index, total): (usize, usize),
        answer: &AnswerSeen,
        last_time: Option<Status>,
        just_answered: bool,
        closed_since: Option<DateTime<Utc>>,
    ) {
        self.line(&tr_with(
            self.lang,
            "monitor.card_head",
            &[
                ("title", &esc(&trim_words(&round.title, 40))),
                ("index", &number(index, self.lang)),
                ("total", &number(total, self.lang)),
            ],
        ));
        self.activity_heading(code);
        self.text.push('\n');
        self.line(&self.t("monitor.question"));
        if let Some(before) = last_time {
            self.line(&tr_with(
                self.lang,
                "monitor.last_time",
                &[("status", &self.status_label(before))],
            ));
        }
        if answer.status.is_some() || !answer.comment.is_empty() {
            let mut yours = match answer.status {
                Some(s) => tr_with(
                    self.lang,
                    "monitor.your_answer",
                    &[("status", &self.status_label(s))],
                ),
                None => self.t("monitor.no_answer_yet"),
            };
            if !answer.comment.is_empty() {
                yours.push_str(" · ");
                yours.push_str(&self.comment_mark(&answer.comment, 12));
            }
            self.line(&yours);
        }
        let here = |c: &ActivityCode| {
            Callback::Monitor(MonitorCallback::Card {
                round: round.id,
                code: c.clone(),
            })
        };
        let asked: Vec<&ActivityCode> = round
            .activities
            .iter()
            .filter(|c| self.plan.activity(c).is_some())
            .collect();
        let at = asked.iter().position(|c| *c == code).unwrap_or(0);
        if let Some(since) = closed_since {
            self.text.push('\n');
            self.line(&tr_with(
                self.lang,
                "monitor.closed",
                &[("date", &self.date(since))],
            ));
        } else {
            if !just_answered {
                self.text.push('\n');
                self.line(&tr_with(
                    self.lang,
                    "monitor.comment_hint",
                    &[("code", code.as_str())],
                ));
            }
            for status in Status::ALL {
                let mut label = self.status_label(status);
                if answer.status == Some(status) {
                    label = format!("• {label} •");
                }
                self.kb.row(vec![Button::cb(
                    label,
                    Callback::Monitor(MonitorCallback::Answer {
                        round: round.id,
                        code: code.clone(),
                        status,
                    }),
                )]);
            }
        }
        let mut row = Vec::new();
        if at > 0 {
            row.push(self.btn("btn.round_previous", here(asked[at - 1])));
        }
        if at + 1 < asked.len() {
            row.push(self.btn("btn.round_next", here(asked[at + 1])));
        }
        self.kb.row(row);
        self.menu_row();
    }

    fn audience_label(&self, round: &Round) -> String {
        esc(&self.audience_name(&round.audience))
    }

    /// "open until 31 March 2027" or "closed on 2 February 2027".
    fn round_when(&self, round: &Round, now: DateTime<Utc>) -> String {
        match round.closed_since(now) {
            Some(since) => tr_with(
                self.lang,
                "monitor.closed_on",
                &[("date", &self.date(since))],
            ),
            None => tr_with(
                self.lang,
                "monitor.open_until",
                &[("date", &last_day(self.lang, round.until))],
            ),
        }
    }

    fn rounds_screen(&mut self, list: &[RoundCounts], now: DateTime<Utc>) {
        self.line(&self.t("monitor.rounds_title"));
        if list.is_empty() {
            self.line(&self.t("monitor.rounds_none"));
        }
        for r in list.iter().take(LISTED_ROUNDS) {
            self.text.push('\n');
            self.line(&format!(
                "<b>#{} «{}»</b> · {} · {}",
                r.round.id,
                esc(&r.round.title),
                self.audience_label(&r.round),
                self.round_when(&r.round, now)
            ));
            self.counts_line(r.members, r.finished);
            let mut row = vec![Button::cb(
                tr_with(
                    self.lang,
                    "btn.round_results",
                    &[("id", &r.round.id.to_string())],
                ),
                Callback::Monitor(MonitorCallback::Results(r.round.id)),
            )];
            if r.round.is_open(now) {
                row.push(Button::cb(
                    tr_with(
                        self.lang,
                        "btn.round_close",
                        &[("id", &r.round.id.to_string())],
                    ),
                    Callback::Monitor(MonitorCallback::Close(r.round.id)),
                ));
            }
            self.kb.row(row);
        }
        let b = self.btn("btn.round_new", Callback::Monitor(MonitorCallback::New));
        self.kb.row(vec![b]);
        self.menu_row();
    }

    /// "12 members answered · 3 answered every activity".
    fn counts_line(&mut self, members: u64, finished: u64) {
        self.line(&crate::messages::tr_count(
            self.lang,
            "monitor.round_counts",
            members,
            &[
                ("members", &number(members, self.lang)),
                ("finished", &number(finished, self.lang)),
            ],
        ));
    }

    /// "✅ 45% · 🔸 30% · ❌ 20% · ❓ 5% (n 40)".
    fn shares(&self, counts: &StatusCounts) -> String {
        let parts: Vec<String> = Status::ALL
            .iter()
            .map(|s| {
                let p = counts.percent(*s).unwrap_or(0);
                format!("{} {}%", s.mark(), number(p, self.lang))
            })
            .collect();
        format!(
            "{} ({})",
            parts.join(" "),
            tr_with(
                self.lang,
                "monitor.n",
                &[("n", &number(counts.total(), self.lang))]
            )
        )
    }

    fn results_screen(
        &mut self,
        results: &RoundResults,
        previous: Option<&RoundResults>,
        now: DateTime<Utc>,
    ) {
        let round = &results.round;
        self.line(&format!(
            "<b>#{} «{}»</b> · {} · {}",
            round.id,
            esc(&round.title),
            self.audience_label(round),
            self.round_when(round, now)
        ));
        self.counts_line(results.members, results.finished);
        self.line(&self.t("monitor.legend"));
        if let Some(p) = previous {
            self.line(&tr_with(
                self.lang,
                "monitor.change_legend",
                &[("title", &esc(&p.round.title))],
            ));
        }
        let split: Vec<ActivityCode> = results
            .disagreements(3)
            .into_iter()
            .take(SPLITS_SHOWN)
            .map(|(c, _)| c)
            .collect();
        self.text.push('\n');
        for (code, tally) in &results.activities {
            if tally.all.total() == 0 {
                self.line(&format!("<b>{code}</b> {}", self.t("monitor.no_answers")));
                continue;
            }
            let mut line = format!("<b>{code}</b> {}", self.shares(&tally.all));
            if tally.comments > 0 {
                line.push_str(&format!(" · 💬 {}", number(tally.comments, self.lang)));
            }
            if let Some(change) = previous.and_then(|p| results.change_since(p, code)) {
                let points = (change as f64 / 10.0).round() as i64;
                let sign = if points > 0 {
                    "+"
                } else if points < 0 {
                    "−"
                } else {
                    "±"
                };
                line.push_str(&format!(
                    " · ✅ {sign}{}",
                    tr_with(
                        self.lang,
                        "monitor.points",
                        &[("n", &number(points.unsigned_abs(), self.lang))]
                    )
                ));
            }
            self.line(&line);
            // The sides apart where they see it differently.
            if split.contains(code) {
                for (side, counts) in &tally.by_constituency {
                    let name = side.map_or(self.t("report.not_said"), |c| self.t(c.key()));
                    self.line(&format!("   {} {}", esc(&name), self.shares(counts)));
                }
            }
        }
        let b = self.btn("btn.rounds", Callback::Monitor(MonitorCallback::List));
        self.kb.row(vec![b]);
        self.menu_row();
    }

    fn round_preview(&mut self, draft: &RoundDraft, activities: usize, recipients: u64) {
        let (Some(title), Some(audience), Some(days)) = (&draft.title, &draft.audience, draft.days)
        else {
            return;
        };
        self.line(&crate::messages::tr_count(
            self.lang,
            "monitor.preview",
            recipients,
            &[
                ("title", &esc(title)),
                ("audience", &esc(&self.audience_name(audience))),
                ("days", &number(days, self.lang)),
                ("activities", &number(activities, self.lang)),
                ("n", &number(recipients, self.lang)),
            ],
        ));
        let row = vec![
            self.btn(
                "btn.round_open",
                Callback::Monitor(MonitorCallback::OpenRound(draft.fingerprint())),
            ),
            self.btn("btn.cancel", Callback::Menu),
        ];
        self.kb.row(row);
    }
}
