//! The focal points' screens: their campaigns with progress, the campaign dialog, the
//! reminder's confirmation and the group card.

use super::*;
use crate::domain::text::display_name;

/// Names a campaign lists of who has not finished; the rest are counted.
const NAMES_SHOWN: usize = 30;
/// Room for one campaign's activities in the message (a page holds two campaigns, and
/// Telegram's limit is 4096 characters): a plan of hundreds of activities is counted past it.
const ACTIVITIES_BUDGET: usize = 1200;

impl R<'_> {
    /// "Not finished yet: Sok, Dara, … and 12 more": the first names of a focal point's own
    /// members, the first [`NAMES_SHOWN`] of them.
    pub(super) fn unfinished_line(&mut self, unfinished: &[(i64, Option<String>)]) {
        let mut names: Vec<String> = unfinished
            .iter()
            .take(NAMES_SHOWN)
            .map(|(_, name)| {
                let name = name.as_deref().and_then(display_name);
                esc(&trim_graphemes(name.as_deref().unwrap_or("—"), 24))
            })
            .collect();
        if unfinished.len() > NAMES_SHOWN {
            let more = (unfinished.len() - NAMES_SHOWN) as u64;
            names.push(tr_with(
                self.lang,
                "campaign.more",
                &[("n", &number(more, self.lang))],
            ));
        }
        let line = tr_with(
            self.lang,
            "campaign.unfinished",
            &[("names", &names.join(", "))],
        );
        self.line(&line);
    }

    /// Who a member speaks for, shortly: their organisation, else their side.
    fn speaks_for(&self, side: Option<Constituency>, org: Option<&OrgChoice>) -> String {
        match (org, side) {
            (Some(OrgChoice::Known(o)), _) => o.label(self.lang),
            (Some(OrgChoice::Named(name)), _) => trim_graphemes(name, 40),
            (None, Some(side)) => self.t(side.key()),
            (None, None) => self.t("settings.unset"),
        }
    }

    pub(super) fn campaign_screen(&mut self, screen: &CampaignScreen) {
        match screen {
            CampaignScreen::Campaigns {
                list,
                now,
                page,
                pages,
            } => self.campaigns(list, *now, *page, *pages),
            CampaignScreen::ConsultationClosed => {
                self.line(&self.t("campaign.consultation_closed"));
                let back = self.btn(
                    "btn.campaigns",
                    Callback::Campaign(CampaignCallback::Campaigns(0)),
                );
                self.kb.row(vec![back]);
            }
            CampaignScreen::ConfirmRemind {
                campaign_id,
                title,
                count,
            } => {
                self.line(&crate::messages::tr_count(
                    self.lang,
                    "campaign.confirm_remind",
                    *count as u64,
                    &[("n", &number(count, self.lang)), ("title", &esc(title))],
                ));
                let row = vec![
                    self.btn(
                        "btn.send_reminder",
                        Callback::Campaign(CampaignCallback::RemindSend(*campaign_id)),
                    ),
                    self.btn("btn.no", Callback::Campaign(CampaignCallback::Campaigns(0))),
                ];
                self.kb.row(row);
            }
            CampaignScreen::SwitchOrg {
                campaign,
                title,
                from_side,
                from_org,
                to_side,
                to_org,
            } => {
                let from = self.speaks_for(*from_side, from_org.as_ref());
                let to = self.speaks_for(Some(*to_side), to_org.as_ref());
                self.line(&tr_with(
                    self.lang,
                    "campaign.switch_org",
                    &[
                        ("title", &esc(title)),
                        ("from", &esc(&from)),
                        ("to", &esc(&to)),
                    ],
                ));
                let keep = tr_with(self.lang, "btn.keep_org", &[("org", &from)]);
                let switch = tr_with(self.lang, "btn.switch_org", &[("org", &to)]);
                let campaign = *campaign;
                self.kb.row(vec![Button::cb(
                    keep,
                    Callback::Campaign(CampaignCallback::SwitchOrg {
                        campaign,
                        switch: false,
                    }),
                )]);
                self.kb.row(vec![Button::cb(
                    switch,
                    Callback::Campaign(CampaignCallback::SwitchOrg {
                        campaign,
                        switch: true,
                    }),
                )]);
            }
            CampaignScreen::CampaignUsage => {
                self.line(&self.t("campaign.usage"));
                let b = self.btn(
                    "btn.new_campaign",
                    Callback::Campaign(CampaignCallback::NewCampaign),
                );
                self.kb.row(vec![b]);
            }
            CampaignScreen::AskCampaignTitle => {
                self.line(&self.t("campaign.ask_title"));
                self.cancel_row(Callback::Campaign(CampaignCallback::Campaigns(0)));
            }
            CampaignScreen::AskCampaignScope { title } => {
                self.line(&tr_with(
                    self.lang,
                    "campaign.ask_scope",
                    &[("title", &esc(title))],
                ));
                let plan = self.plan;
                let all = tr_with(
                    self.lang,
                    "btn.campaign_all",
                    &[("n", &number(plan.activities.len(), self.lang))],
                );
                self.kb.row(vec![Button::cb(
                    all,
                    Callback::Campaign(CampaignCallback::CampaignScope(None)),
                )]);
                for p in &plan.priorities {
                    let n = plan.activities_of(&p.code).count();
                    let label = format!(
                        "{} · {} ({})",
                        p.code,
                        p.short.get(self.lang),
                        number(n, self.lang)
                    );
                    self.kb.row(vec![Button::cb(
                        trim_graphemes(&label, LABEL_GRAPHEMES),
                        Callback::Campaign(CampaignCallback::CampaignScope(Some(p.code.clone()))),
                    )]);
                }
                let pick = self.btn(
                    "btn.campaign_pick",
                    Callback::Campaign(CampaignCallback::CampaignPick(0)),
                );
                self.kb.row(vec![pick]);
                self.cancel_row(Callback::Campaign(CampaignCallback::Campaigns(0)));
            }
            CampaignScreen::PickCampaignActivities {
                title,
                page,
                pages,
                items,
                chosen,
            } => {
                self.line(&tr_with(
                    self.lang,
                    "campaign.pick",
                    &[("title", &esc(title)), ("n", &number(*chosen, self.lang))],
                ));
                for (code, ticked) in items {
                    let mark = if *ticked { "☑" } else { "☐" };
                    let label = format!("{mark} {code} · {}", self.activity_title(code));
                    self.kb.row(vec![Button::cb(
                        trim_graphemes(&label, LABEL_GRAPHEMES),
                        Callback::Campaign(CampaignCallback::CampaignToggle(code.clone())),
                    )]);
                }
                self.nav(*page, *pages, |p| {
                    Callback::Campaign(CampaignCallback::CampaignPick(p))
                });
                let done = tr_with(
                    self.lang,
                    "btn.campaign_picked",
                    &[("n", &number(*chosen, self.lang))],
                );
                self.kb.row(vec![Button::cb(
                    done,
                    Callback::Campaign(CampaignCallback::CampaignPicked),
                )]);
                self.cancel_row(Callback::Campaign(CampaignCallback::Campaigns(0)));
            }
            CampaignScreen::AskCampaignDeadline {
                title,
                activities,
                options,
            } => {
                self.line(&crate::messages::tr_count(
                    self.lang,
                    "campaign.ask_deadline",
                    *activities as u64,
                    &[
                        ("title", &esc(title)),
                        ("n", &number(*activities, self.lang)),
                    ],
                ));
                for (days, end) in options {
                    let label = tr_with(
                        self.lang,
                        "btn.campaign_days",
                        &[
                            ("days", &number(*days, self.lang)),
                            ("date", &last_day(self.lang, *end)),
                        ],
                    );
                    self.kb.row(vec![Button::cb(
                        label,
                        Callback::Campaign(CampaignCallback::CampaignDays(*days)),
                    )]);
                }
                self.cancel_row(Callback::Campaign(CampaignCallback::Campaigns(0)));
            }
            CampaignScreen::NotCoordinator => {
                self.line(&self.t("campaign.not_allowed"));
                self.menu_row();
            }
            CampaignScreen::GroupCampaignCard { cards } => {
                // Group members read either language: each campaign in both, Khmer first.
                let mut blocks = Vec::new();
                for card in cards {
                    for l in [Lang::Km, Lang::En] {
                        blocks.push(tr_with(
                            l,
                            "group.card",
                            &[
                                ("title", &esc(&card.title)),
                                ("org", &esc(&card.org.label(l))),
                                ("date", &last_day(l, card.deadline)),
                            ],
                        ));
                    }
                    let label = tr_with(self.lang, "btn.campaign", &[("title", &card.title)]);
                    self.kb.row(vec![Button::url(
                        trim_graphemes(&label, LABEL_GRAPHEMES),
                        card.code.link(self.bot_username),
                    )]);
                }
                self.line(&blocks.join("\n\n"));
            }
            CampaignScreen::GroupNoCampaign => self.in_both_languages("group.none_open"),
        }
    }

    /// A page of a coordinator's campaigns: totals, per activity, who has not finished (first
    /// names, the first [`NAMES_SHOWN`]), and a reminder button for each campaign still open.
    fn campaigns(
        &mut self,
        list: &[crate::domain::CampaignProgress],
        now: DateTime<Utc>,
        page: u8,
        pages: u8,
    ) {
        let org = list
            .first()
            .map_or(String::new(), |p| p.campaign.org_code.clone());
        let new = self.btn(
            "btn.new_campaign",
            Callback::Campaign(CampaignCallback::NewCampaign),
        );
        if list.is_empty() {
            self.line(&self.t("campaign.usage"));
            self.kb.row(vec![new]);
            return;
        }
        self.line(&tr_with(
            self.lang,
            "campaign.header",
            &[("org", &esc(&self.org_label(&org)))],
        ));
        if pages > 1 {
            self.line(&self.page_of(page, pages));
        }
        for p in list {
            self.campaign(p, p.campaign.deadline > now);
        }
        self.nav(page, pages, |p| {
            Callback::Campaign(CampaignCallback::Campaigns(p))
        });
        self.kb.row(vec![new]);
    }

    /// One campaign's progress; an open one also gets its Remind and Auto-reminders buttons.
    fn campaign(&mut self, p: &crate::domain::CampaignProgress, open: bool) {
        let lang = self.lang;
        let n = move |v: u64| number(v, lang);
        self.text.push('\n');
        let item = tr_with(
            self.lang,
            if open {
                "campaign.item"
            } else {
                "campaign.item_closed"
            },
            &[
                ("title", &esc(&p.campaign.title)),
                ("date", &last_day(self.lang, p.campaign.deadline)),
                ("joined", &n(p.joined)),
                ("finished", &n(p.finished)),
                ("ratings", &n(p.ratings)),
                ("comments", &n(p.comments)),
            ],
        );
        self.line(&item);
        // Every activity, several to a line: "P1.1 ⭐3 💬1 · P1.2 ⭐2 💬0".
        let mut cells = Vec::new();
        let mut used = 0;
        for (i, (code, ratings, comments)) in p.per_activity.iter().enumerate() {
            let cell = tr_with(
                self.lang,
                "campaign.activity",
                &[
                    ("code", code.as_str()),
                    ("n", &n(*ratings)),
                    ("c", &n(*comments)),
                ],
            );
            used += cell.chars().count() + 3;
            if used > ACTIVITIES_BUDGET {
                let more = (p.per_activity.len() - i) as u64;
                cells.push(crate::messages::tr_count(
                    self.lang,
                    "campaign.more_activities",
                    more,
                    &[("n", &n(more))],
                ));
                break;
            }
            cells.push(cell);
        }
        for line in cells.chunks(3) {
            self.line(&line.join(" · "));
        }
        if p.joined == 0 {
            self.line(&self.t("campaign.nobody_joined"));
        } else if p.unfinished.is_empty() {
            self.line(&self.t("campaign.all_finished"));
        } else {
            self.unfinished_line(&p.unfinished);
        }
        if !open {
            return;
        }
        let title = trim_graphemes(&p.campaign.title, 24);
        if !p.unfinished.is_empty() {
            let label = tr_with(
                self.lang,
                "btn.remind",
                &[("n", &n(p.unfinished.len() as u64))],
            );
            let button = Button::cb(
                format!("{label} · {title}"),
                Callback::Campaign(CampaignCallback::Remind(p.campaign.id)),
            );
            self.kb.row(vec![button]);
        }
        // A tap turns it the other way; the label says how it stands now.
        let (key, turn) = if p.campaign.auto_remind {
            ("btn.auto_remind_on", false)
        } else {
            ("btn.auto_remind_off", true)
        };
        let toggle = Button::cb(
            format!("{} · {title}", self.t(key)),
            Callback::Campaign(CampaignCallback::AutoRemind(p.campaign.id, turn)),
        );
        self.kb.row(vec![toggle]);
    }
}
