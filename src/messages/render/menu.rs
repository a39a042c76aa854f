//! The menu and what it leads to: the priorities, their activities, and the settings.

use super::*;

impl R<'_> {
    /// The menu: the plan, how far the member is, the last day, and the ways on.
    pub(super) fn menu_screen(
        &mut self,
        progress: &crate::conversation::reply::Progress,
        draft: &bool,
        closed_since: &Option<DateTime<Utc>>,
        until: &Option<DateTime<Utc>>,
    ) {
        let title = esc(self.plan.title.get(self.lang));
        self.line(&format!("<b>{title}</b>"));
        self.line(&crate::messages::tr_count(
            self.lang,
            "menu.progress",
            progress.total as u64,
            &[
                ("rated", &number(progress.rated, self.lang)),
                ("total", &number(progress.total, self.lang)),
            ],
        ));
        if let Some(until) = until {
            let date = last_day(self.lang, *until);
            self.line(&tr_with(self.lang, "menu.until", &[("date", &date)]));
        }
        self.draft_marker(*draft);
        if let Some(since) = closed_since {
            self.closed_line(*since);
        }
        let first = if closed_since.is_some() {
            self.btn("btn.mine", Callback::Cards(CardCallback::Mine(0)))
        } else if progress.rated < progress.total {
            self.btn("btn.continue", Callback::Cards(CardCallback::NextUnrated))
        } else {
            self.btn("btn.all_rated", Callback::Cards(CardCallback::Mine(0)))
        };
        self.kb.row(vec![first]);
        let mut row = vec![self.btn("btn.priorities", Callback::Priorities)];
        if closed_since.is_none() {
            row.push(self.btn("btn.mine", Callback::Cards(CardCallback::Mine(0))));
        }
        self.kb.row(row);
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
        let row = vec![
            self.btn("btn.language", Callback::ChooseLang),
            self.btn("btn.edit_profile", Callback::Profile(ProfileCallback::Edit)),
        ];
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
