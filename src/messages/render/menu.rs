//! The menu and what it leads to: the priorities, their activities, and the settings.

use super::*;

/// Activities whose waiting comment the menu names (more wait on their cards all the same).
const MENU_HELD: usize = 3;

impl R<'_> {
    /// The menu: the plan, how far the member is, the last day, and the ways on.
    pub(super) fn menu_screen(
        &mut self,
        progress: &crate::conversation::reply::Progress,
        draft: &bool,
        closed_since: &Option<DateTime<Utc>>,
        until: &Option<DateTime<Utc>>,
        held: &[ActivityCode],
        round: Option<&(String, usize, usize)>,
    ) {
        let title = esc(self.plan.title.get(self.lang));
        self.line(&format!("<b>{title}</b>"));
        if progress.rated == 0 {
            // "None yet", not "0 of 15".
            self.line(&crate::messages::tr_count(
                self.lang,
                "menu.progress_none",
                progress.total as u64,
                &[("total", &number(progress.total, self.lang))],
            ));
        } else {
            self.line(&crate::messages::tr_count(
                self.lang,
                "menu.progress",
                progress.total as u64,
                &[
                    ("rated", &number(progress.rated, self.lang)),
                    ("total", &number(progress.total, self.lang)),
                ],
            ));
        }
        if let Some(until) = until {
            let date = last_day(self.lang, *until);
            self.line(&tr_with(self.lang, "menu.until", &[("date", &date)]));
        }
        self.draft_marker(*draft);
        if let Some(since) = closed_since {
            self.closed_line(*since);
        }
        // A monitoring round open for them: named, one tap from its next question.
        if let Some((title, answered, total)) = round {
            self.text.push('\n');
            self.line(&tr_with(
                self.lang,
                "menu.round",
                &[
                    ("title", &esc(title)),
                    ("answered", &number(*answered, self.lang)),
                    ("total", &number(*total, self.lang)),
                ],
            ));
            let key = if answered >= total {
                "btn.round_change"
            } else {
                "btn.round_answer"
            };
            self.kb.row(vec![self.btn(
                key,
                Callback::Monitor(crate::conversation::MonitorCallback::Open),
            )]);
        }
        // A comment sent on a card before its rating waits for it: named, one tap from it.
        let held = if closed_since.is_none() { held } else { &[] };
        for code in held.iter().take(MENU_HELD) {
            self.line(&tr_with(self.lang, "menu.held", &[("code", code.as_str())]));
        }
        let buttons: Vec<Button> = held
            .iter()
            .take(MENU_HELD)
            .map(|code| {
                Button::cb(
                    tr_with(self.lang, "btn.rate_code", &[("code", code.as_str())]),
                    Callback::Cards(CardCallback::Open(code.clone(), Back::Next)),
                )
            })
            .collect();
        self.kb.grid(buttons, 3);
        // My feedback once: first when there is nothing left to rate, else beside the list.
        let all_done = closed_since.is_some() || progress.rated >= progress.total;
        if all_done {
            let key = if closed_since.is_some() {
                "btn.mine"
            } else {
                "btn.all_rated"
            };
            self.kb
                .row(vec![self.btn(key, Callback::Cards(CardCallback::Mine(0)))]);
            self.kb
                .row(vec![self.btn("btn.priorities", Callback::Priorities)]);
        } else {
            self.kb.row(vec![
                self.btn("btn.continue", Callback::Cards(CardCallback::NextUnrated))
            ]);
            self.kb.row(vec![
                self.btn("btn.priorities", Callback::Priorities),
                self.btn("btn.mine", Callback::Cards(CardCallback::Mine(0))),
            ]);
        }
        let row = vec![
            self.btn("btn.settings", Callback::Settings),
            self.btn("btn.help", Callback::Help),
        ];
        self.kb.row(row);
    }

    /// The plan's priorities, each with how many of its activities are rated.
    pub(super) fn priorities_screen(
        &mut self,
        items: &[crate::conversation::reply::PriorityProgress],
    ) {
        self.line(&self.t("priorities.title"));
        for item in items {
            let Some(p) = self.plan.priority(&item.code) else {
                continue;
            };
            let label = format!(
                "{} · {} ({}/{})",
                p.code,
                trim_graphemes(p.short.get(self.lang), LABEL_GRAPHEMES),
                number(item.rated, self.lang),
                number(item.total, self.lang)
            );
            self.kb.row(vec![Button::cb(
                label,
                Callback::Activities {
                    priority: item.code.clone(),
                    page: 0,
                },
            )]);
        }
        self.menu_row();
    }

    /// A page of one priority's activities (✓ on those rated).
    pub(super) fn activities_screen(
        &mut self,
        priority: &crate::domain::PriorityCode,
        page: &u8,
        pages: &u8,
        items: &[(ActivityCode, bool)],
    ) {
        if let Some(p) = self.plan.priority(priority) {
            let (short, title) = (esc(p.short.get(self.lang)), esc(p.title.get(self.lang)));
            self.line(&format!("<b>{} · {short}</b>", p.code));
            self.line(&format!("<i>{title}</i>"));
            self.text.push('\n');
        }
        self.line(&self.t("activities.choose"));
        for (code, rated) in items {
            let mark = if *rated { "✓ " } else { "" };
            let title = trim_words(&self.activity_title(code), LABEL_GRAPHEMES);
            self.kb.row(vec![Button::cb(
                format!("{mark}{code} {title}"),
                Callback::Cards(CardCallback::Open(code.clone(), Back::List(*page))),
            )]);
        }
        let priority = priority.clone();
        self.nav(*page, *pages, |page| Callback::Activities {
            priority: priority.clone(),
            page,
        });
        let row = vec![
            self.btn("btn.back_priorities", Callback::Priorities),
            self.btn("btn.menu", Callback::Menu),
        ];
        self.kb.row(row);
    }

    /// The member's settings: language, profile, reminders, erase.
    pub(super) fn settings_screen(
        &mut self,
        profile: &crate::domain::Profile,
        lang: &Lang,
        reminders: &bool,
    ) {
        let unset = self.t("settings.unset");
        // Labels are plain text (they also caption buttons): escape them for the HTML body.
        let value = |key: Option<&str>| key.map_or(unset.clone(), |k| esc(&self.t(k)));
        let org = match &profile.organisation {
            Some(OrgChoice::Known(o)) => esc(&o.label(self.lang)),
            Some(OrgChoice::Named(n)) => esc(n),
            None => unset.clone(),
        };
        let province = profile
            .province
            .map_or(unset.clone(), |p| self.province_name(p).to_string());
        let body = tr_with(
            self.lang,
            "settings.body",
            &[
                ("lang", &esc(&lang_name(*lang, self.lang))),
                (
                    "constituency",
                    &value(profile.constituency.map(|c| c.key())),
                ),
                ("organisation", &org),
                ("province", &province),
                ("sector", &value(profile.sector.map(|s| s.key()))),
                ("gender", &value(profile.gender.map(|g| g.key()))),
            ],
        );
        self.line(&body);
        self.text.push('\n');
        self.line(&self.t(if *reminders {
            "settings.reminders_on"
        } else {
            "settings.reminders_off"
        }));
        // Each answer changed on its own, one question and back.
        let edits = crate::conversation::ProfileStep::ALL
            .iter()
            .map(|step| {
                self.btn(
                    &format!("btn.edit_{}", step_name(*step)),
                    Callback::Profile(ProfileCallback::EditField(*step)),
                )
            })
            .collect();
        self.kb.grid(edits, 3);
        let row = vec![self.btn("btn.language", Callback::ChooseLang)];
        self.kb.row(row);
        let toggle = if *reminders {
            self.btn("btn.reminders_off", Callback::Reminders(false))
        } else {
            self.btn("btn.reminders_on", Callback::Reminders(true))
        };
        self.kb.row(vec![toggle]);
        let row = vec![self.btn("btn.forget", Callback::Forget)];
        self.kb.row(row);
        self.menu_row();
    }
}

/// A profile question's name in its button's key.
fn step_name(step: crate::conversation::ProfileStep) -> &'static str {
    use crate::conversation::ProfileStep::*;
    match step {
        Constituency => "constituency",
        Organisation => "organisation",
        Province => "province",
        Sector => "sector",
        Gender => "gender",
    }
}
