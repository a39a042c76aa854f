//! The secretariat's screens: the summary, the consultation window, exports, admins and
//! focal points, and the announcement dialog.

use super::*;
use crate::conversation::AdminUnchanged;
use crate::domain::text::display_name;

/// Room for the list of focal points, leaving the usage line inside Telegram's 4096.
const FOCAL_BUDGET: usize = 3600;

impl R<'_> {
    pub(super) fn secretariat_screen(&mut self, screen: &StaffScreen) {
        match screen {
            StaffScreen::Summary {
                summary,
                page,
                round,
            } => self.summary(summary, *page, round.as_deref()),
            StaffScreen::WindowAdmin { window, now } => self.window_admin(*window, *now),
            StaffScreen::WindowAlready { window, now } => {
                let key = if window.is_open(*now) {
                    "admin.window_already_open"
                } else {
                    "admin.window_already_closed"
                };
                self.line(&self.t(key));
                self.window_admin(*window, *now)
            }
            StaffScreen::NotFocal { user_id } => self.line(&tr_with(
                self.lang,
                "admin.not_focal",
                &[("id", &user_id.to_string())],
            )),
            StaffScreen::WindowUsage => self.line(&self.t("admin.window_usage")),
            StaffScreen::ChooseExport => {
                self.line(&self.t("admin.export_choose"));
                use crate::domain::ExportFormat as F;
                let row = [("XLSX", F::Xlsx), ("CSV", F::Csv), ("JSON", F::Json)]
                    .into_iter()
                    .map(|(label, f)| Button::cb(label, Callback::Staff(StaffCallback::Export(f))))
                    .collect();
                self.kb.row(row);
            }
            StaffScreen::ChooseReport => {
                self.line(&self.t("report.choose"));
                use crate::domain::{Lang, ReportFormat as F};
                for (format, keys) in [
                    (F::Pdf, ["report.btn_pdf_km", "report.btn_pdf_en"]),
                    (F::Docx, ["report.btn_docx_km", "report.btn_docx_en"]),
                ] {
                    let row = [Lang::Km, Lang::En]
                        .into_iter()
                        .zip(keys)
                        .map(|(lang, key)| {
                            let cb = Callback::Staff(StaffCallback::Report(format, lang));
                            Button::cb(self.t(key), cb)
                        })
                        .collect();
                    self.kb.row(row);
                }
            }
            StaffScreen::AdminChanged { user_id, added } => {
                let key = if *added {
                    "admin.added"
                } else {
                    "admin.removed"
                };
                self.line(&tr_with(self.lang, key, &[("id", &user_id.to_string())]));
            }
            StaffScreen::AdminUsage { admins } => {
                if !admins.is_empty() {
                    let list: Vec<String> = admins
                        .iter()
                        .map(|a| {
                            let id = a.user_id.to_string();
                            if a.from_environment {
                                tr_with(self.lang, "admin.from_settings", &[("id", &id)])
                            } else {
                                id
                            }
                        })
                        .collect();
                    self.line(&tr_with(
                        self.lang,
                        "admin.list",
                        &[("list", &list.join(", "))],
                    ));
                }
                self.line(&self.t("admin.usage"));
            }
            StaffScreen::FocalChanged { user_id, org } => {
                let id = user_id.to_string();
                let line = match org {
                    Some(org) => tr_with(
                        self.lang,
                        "admin.focal_added",
                        &[("id", &id), ("org", &esc(&org.label(self.lang)))],
                    ),
                    None => tr_with(self.lang, "admin.focal_removed", &[("id", &id)]),
                };
                self.line(&line);
            }
            StaffScreen::FocalUsage => self.line(&self.t("admin.focal_usage")),
            StaffScreen::FocalPoints { list } => self.focal_points(list),
            StaffScreen::AdminNotSelf => self.line(&self.t("admin.not_self")),
            StaffScreen::FileTooLarge => self.line(&self.t("admin.file_too_large")),
            StaffScreen::AdminUnchanged { user_id, why } => {
                let key = match why {
                    AdminUnchanged::Already => "admin.already",
                    AdminUnchanged::NotAnAdmin => "admin.not_an_admin",
                    AdminUnchanged::FromEnvironment => "admin.from_environment",
                };
                self.line(&tr_with(self.lang, key, &[("id", &user_id.to_string())]));
            }
            StaffScreen::FocalAlready { user_id, org } => {
                self.line(&tr_with(
                    self.lang,
                    "admin.focal_already",
                    &[
                        ("id", &user_id.to_string()),
                        ("org", &esc(&org.label(self.lang))),
                    ],
                ));
            }
            StaffScreen::ConfirmFocalMove { user_id, from, to } => {
                self.line(&tr_with(
                    self.lang,
                    "admin.focal_move",
                    &[
                        ("id", &user_id.to_string()),
                        ("from", &esc(&self.org_label(from))),
                        ("to", &esc(&to.label(self.lang))),
                    ],
                ));
                let row = vec![
                    self.btn(
                        "btn.focal_move",
                        Callback::Staff(StaffCallback::FocalMove {
                            user_id: *user_id,
                            org: to.code.clone(),
                        }),
                    ),
                    self.btn("btn.no", Callback::Menu),
                ];
                self.kb.row(row);
            }
            StaffScreen::UnknownOrganisation { code, known } => {
                self.line(&tr_with(
                    self.lang,
                    "announce.unknown_org",
                    &[("code", &esc(code)), ("known", &esc(&known.join(", ")))],
                ));
            }
            StaffScreen::AskAnnounceAudience => {
                self.line(&self.t("announce.ask_audience"));
                self.audience_buttons(|to| Callback::Staff(StaffCallback::AnnounceTo(to)));
                self.cancel_row(Callback::Menu);
            }
            StaffScreen::AskAnnounceText { audience } => {
                self.line(&tr_with(
                    self.lang,
                    "announce.ask_text",
                    &[
                        ("audience", &esc(&self.audience_name(audience))),
                        ("max", &number(MAX_ANNOUNCEMENT_CHARS, self.lang)),
                    ],
                ));
                self.cancel_row(Callback::Menu);
            }
            StaffScreen::AnnouncePreview {
                audience: to,
                text,
                recipients,
            } => {
                let audience = to;
                let (audience, n) = (
                    esc(&self.audience_name(audience)),
                    number(*recipients, self.lang),
                );
                let key = if *recipients == 0 {
                    "announce.nobody"
                } else {
                    "announce.preview"
                };
                self.line(&crate::messages::tr_count(
                    self.lang,
                    key,
                    *recipients,
                    &[("audience", &audience), ("n", &n)],
                ));
                self.text.push('\n');
                self.line(&crate::messages::outbox::announcement(self.lang, text));
                // The buttons name the draft shown here, so they never act on a newer one.
                let shown = crate::conversation::AnnounceDraft {
                    audience: Some(to.clone()),
                    text: Some(text.clone()),
                }
                .fingerprint();
                if *recipients > 0 {
                    let send = crate::messages::tr_count(
                        self.lang,
                        "btn.announce_send",
                        *recipients,
                        &[("n", &n)],
                    );
                    self.kb.row(vec![Button::cb(
                        send,
                        Callback::Staff(StaffCallback::AnnounceSend(shown)),
                    )]);
                }
                let edit = self.btn(
                    "btn.announce_edit",
                    Callback::Staff(StaffCallback::AnnounceEdit(shown)),
                );
                self.kb.row(vec![edit]);
                self.cancel_row(Callback::Menu);
            }
            StaffScreen::AnnounceQueued {
                audience,
                recipients,
            } => {
                self.line(&crate::messages::tr_count(
                    self.lang,
                    "announce.queued",
                    *recipients,
                    &[
                        ("audience", &esc(&self.audience_name(audience))),
                        ("n", &number(*recipients, self.lang)),
                    ],
                ));
            }
        }
    }

    fn summary(
        &mut self,
        s: &Summary,
        page: u8,
        round: Option<&(
            crate::domain::monitoring::RoundResults,
            Option<crate::domain::monitoring::RoundResults>,
        )>,
    ) {
        let lang = self.lang;
        let num = |n: u64| number(n, lang);
        let mean =
            |m: Option<f64>| m.map_or("—".to_string(), |m| number(format!("{m:.2}"), lang));
        let title = |a: &ActivitySummary| {
            let code = a.code.as_ref();
            let t = code
                .and_then(|c| self.plan.activity(c))
                .map_or("", |x| x.title.get(lang));
            (
                code.map_or(String::new(), |c| c.to_string()),
                esc(&trim_graphemes(t, LABEL_GRAPHEMES)),
            )
        };
        self.line(&tr_with(
            lang,
            "summary.title",
            &[("version", &num(self.plan.version as u64))],
        ));
        if page == 0 {
            let count = |c: Option<Constituency>| num(s.members.get(&c).copied().unwrap_or(0));
            self.line(&tr_with(
                lang,
                "summary.members",
                &[
                    ("total", &num(s.member_total())),
                    ("workers", &count(Some(Constituency::Workers))),
                    ("employers", &count(Some(Constituency::Employers))),
                    ("government", &count(Some(Constituency::Government))),
                    ("other", &count(Some(Constituency::Other))),
                    // Those who have not said: so that the parts add up to the total.
                    ("unsaid", &count(None)),
                ],
            ));
            self.line(&tr_with(
                lang,
                "summary.totals",
                &[
                    ("ratings", &num(s.ratings())),
                    ("texts", &num(s.texts())),
                    ("voices", &num(s.voices())),
                ],
            ));
            // Ties are named, every one of them (a plan has few activities).
            let lowest = s.lowest_rated();
            if lowest.is_empty() {
                self.line(&self.t("summary.nothing"));
            }
            for low in lowest {
                let (code, t) = title(low);
                self.line(&tr_with(
                    lang,
                    "summary.lowest",
                    &[("code", &code), ("title", &t), ("mean", &mean(low.mean()))],
                ));
            }
            for most in s.most_commented() {
                let (code, t) = title(most);
                self.line(&tr_with(
                    lang,
                    "summary.most_commented",
                    &[
                        ("code", &code),
                        ("title", &t),
                        ("texts", &num(most.texts)),
                        ("voices", &num(most.voices)),
                    ],
                ));
            }
            if let Some((latest, previous)) = round {
                self.summary_round(latest, previous.as_ref());
            }
            self.text.push('\n');
            self.line(&self.t("summary.choose"));
            for (i, p) in self.plan.priorities.iter().enumerate() {
                let label = format!(
                    "{} · {}",
                    p.code,
                    trim_graphemes(p.short.get(lang), LABEL_GRAPHEMES)
                );
                self.kb.row(vec![Button::cb(
                    label,
                    Callback::Staff(StaffCallback::Summary(i as u8 + 1)),
                )]);
            }
            // What members say has happened: the rounds' results, one tap away.
            let rounds = self.btn(
                "btn.rounds_results",
                Callback::Monitor(crate::conversation::MonitorCallback::List),
            );
            self.kb.row(vec![rounds]);
        } else if let Some(p) = self.plan.priorities.get(page as usize - 1) {
            self.line(&format!("<b>{} · {}</b>", p.code, esc(p.short.get(lang))));
            for a in s.activities.iter().filter(|a| {
                a.code
                    .as_ref()
                    .and_then(|c| self.plan.activity(c))
                    .is_some_and(|x| x.priority == p.code)
            }) {
                let (code, t) = title(a);
                let dist = a
                    .distribution
                    .iter()
                    .map(|c| num(*c))
                    .collect::<Vec<_>>()
                    .join("/");
                self.text.push('\n');
                self.line(&format!("<b>{code}</b> {t}"));
                self.line(&tr_with(
                    lang,
                    "summary.activity",
                    &[
                        ("n", &num(a.n)),
                        ("mean", &mean(a.mean())),
                        ("median", &mean(a.median())),
                        ("dist", &dist),
                    ],
                ));
                self.line(&tr_with(
                    lang,
                    "summary.by_side",
                    &[
                        ("workers", &mean(a.mean_of(Constituency::Workers))),
                        ("employers", &mean(a.mean_of(Constituency::Employers))),
                        ("government", &mean(a.mean_of(Constituency::Government))),
                        ("texts", &num(a.texts)),
                        ("voices", &num(a.voices)),
                    ],
                ));
            }
            let pages = self.plan.priorities.len() as u8 + 1;
            self.nav(page - 1, pages - 1, |p| {
                Callback::Staff(StaffCallback::Summary(p + 1))
            });
            let row = vec![self.btn("btn.totals", Callback::Staff(StaffCallback::Summary(0)))];
            self.kb.row(row);
        }
        self.menu_row();
    }

    fn window_admin(&mut self, window: crate::domain::Window, now: DateTime<Utc>) {
        let status = match (window.is_open(now), window.until, window.closed_since(now)) {
            (true, Some(until), _) => tr_with(
                self.lang,
                "admin.window_open_until",
                &[("date", &last_day(self.lang, until))],
            ),
            (true, None, _) => self.t("admin.window_open"),
            (false, _, Some(since)) => tr_with(
                self.lang,
                "admin.window_closed_since",
                &[("date", &self.date(since))],
            ),
            (false, _, None) => self.t("admin.window_closed"),
        };
        self.line(&status);
        if window.until.is_none() {
            self.line(&self.t("admin.window_hint"));
        }
        let button = if window.is_open(now) {
            self.btn(
                "btn.window_close",
                Callback::Staff(StaffCallback::Window(false)),
            )
        } else {
            self.btn(
                "btn.window_open",
                Callback::Staff(StaffCallback::Window(true)),
            )
        };
        self.kb.row(vec![button]);
    }

    /// Every focal point (the longest lists are cut, whole lines only), then how to change them.
    fn focal_points(&mut self, list: &[crate::domain::FocalPoint]) {
        if list.is_empty() {
            self.line(&self.t("admin.focal_none"));
        } else {
            self.line(&self.t("admin.focal_header"));
            for (i, f) in list.iter().enumerate() {
                let who = match f.first_name.as_deref().and_then(display_name) {
                    Some(name) => esc(&trim_graphemes(&name, 24)),
                    None if f.opened => self.t("admin.focal_no_name"),
                    None => self.t("admin.focal_not_opened"),
                };
                let line = format!(
                    "• {} — {who} (<code>{}</code>)",
                    esc(&self.org_label(&f.org_code)),
                    f.member_id
                );
                if utf16_len(&self.text) + utf16_len(&line) > FOCAL_BUDGET {
                    let more = number(list.len() - i, self.lang);
                    self.line(&tr_with(self.lang, "campaign.more", &[("n", &more)]));
                    break;
                }
                self.line(&line);
            }
        }
        self.text.push('\n');
        self.line(&self.t("admin.focal_usage"));
    }

    /// Everyone, then each side, two to a row: who an announcement or a round is for.
    pub(super) fn audience_buttons(&mut self, to: impl Fn(Option<Constituency>) -> Callback) {
        let everyone = self.btn("announce.everyone", to(None));
        self.kb.row(vec![everyone]);
        let sides = Constituency::ALL
            .iter()
            .map(|c| self.btn(c.key(), to(Some(*c))))
            .collect();
        self.kb.grid(sides, 2);
    }

    /// Who an announcement goes to, in words.
    pub(super) fn audience_name(&self, audience: &crate::domain::Audience) -> String {
        match audience {
            crate::domain::Audience::All => self.t("announce.everyone"),
            crate::domain::Audience::Constituency(c) => self.t(c.key()),
            crate::domain::Audience::Organisation(code) => self.org_label(code),
        }
    }
}
