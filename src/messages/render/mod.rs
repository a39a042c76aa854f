use chrono::{DateTime, Datelike, Utc};

use super::keyboard::{Button, Keyboard};
use super::text::{esc, fit_message, number, trim_graphemes, utf16_len};
use super::{tr, tr_with};
use crate::conversation::reply::{ACTIVITY_PAGE, PROVINCE_PAGE};
use crate::conversation::{Banner, Callback, CommentKind, Hint, Notice, OtherKind, Reply, Screen};
use crate::domain::{
    ActivityCode, CommentError, Constituency, Gender, Lang, OrgChoice, Plan, Province, Rating,
    Sector, Timeframe,
};
use crate::messages::outbox::MAX_ANNOUNCEMENT_CHARS;
use crate::summary::{ActivitySummary, Summary};

/// Button labels longer than this wrap badly on small phones.
const LABEL_GRAPHEMES: usize = 40;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// Telegram HTML, within 4096 characters once parsed.
    pub text: String,
    pub keyboard: Keyboard,
    /// False when `fit_message` had to cut the text down (then it is plain, escaped text).
    pub fitted: bool,
}

struct R<'a> {
    plan: &'a Plan,
    lang: Lang,
    bot_username: &'a str,
    text: String,
    kb: Keyboard,
}

/// Campaigns, activities and names a coordinator's screen lists; the message stays short.
const CAMPAIGNS_SHOWN: usize = 5;
const ACTIVITIES_SHOWN: usize = 12;
const NAMES_SHOWN: usize = 30;
/// Room for the campaigns in one message (Telegram's limit is 4096), HTML tags included.
const CAMPAIGNS_BUDGET: usize = 3800;

pub fn render(reply: &Reply, lang: Lang, plan: &Plan, bot_username: &str) -> Rendered {
    let mut r = R {
        plan,
        lang,
        bot_username,
        text: String::new(),
        kb: Keyboard::default(),
    };
    if let Some(banner) = reply.banner {
        r.text.push_str(&banner_text(banner, lang));
        r.text.push_str("\n\n");
    }
    r.screen(&reply.screen);
    let (text, fitted) = fit_message(r.text);
    Rendered {
        text,
        keyboard: r.kb,
        fitted,
    }
}

/// The short text on a tapped button's answer; `None` answers silently (the spinner just stops).
pub fn notice_text(notice: Notice, lang: Lang) -> Option<String> {
    match notice {
        Notice::Saved => Some(tr(lang, "notice.saved")),
        Notice::Outdated => Some(tr(lang, "notice.outdated")),
        Notice::NothingToDo => None,
        Notice::Closed => Some(tr(lang, "notice.closed")),
        Notice::Preparing => Some(tr(lang, "notice.preparing")),
    }
}

/// The last day of a period that ends at `end`: deadlines and windows end at the midnight
/// after the day they were given (`2027-01-31` ends at 1 February 00:00), which people call
/// "until 31 January".
pub fn last_day(lang: Lang, end: DateTime<Utc>) -> String {
    day(lang, end - chrono::Duration::seconds(1))
}

/// A day as people in Cambodia read it: in Phnom Penh time, month in words.
pub fn day(lang: Lang, t: DateTime<Utc>) -> String {
    let local = t.with_timezone(&crate::clock::phnom_penh());
    tr_with(
        lang,
        "date.day",
        &[
            ("day", &number(local.day(), lang)),
            ("month", &tr(lang, &format!("month.{}", local.month()))),
            ("year", &number(local.year(), lang)),
        ],
    )
}

fn banner_text(banner: Banner, lang: Lang) -> String {
    tr(
        lang,
        match banner {
            Banner::CommentSaved => "banner.comment_saved",
            Banner::VoiceSaved => "banner.voice_saved",
            Banner::ProfileSaved => "banner.profile_saved",
            Banner::Withdrawn => "banner.withdrawn",
            Banner::LanguageChanged => "banner.language_changed",
            Banner::UnknownActivity => "banner.unknown_activity",
            Banner::UseButtons => "banner.use_buttons",
            Banner::Joined => "banner.joined",
            Banner::InviteExpired => "banner.invite_expired",
            Banner::InviteUnknown => "banner.invite_unknown",
            Banner::RemindersChanged => "banner.reminders_changed",
            Banner::CampaignTitleInvalid => "banner.campaign_title_invalid",
            Banner::AnnounceAudienceInvalid => "banner.announce_audience_invalid",
            Banner::AnnounceTextInvalid => "banner.announce_text_invalid",
            Banner::CampaignScopeInvalid => "banner.campaign_scope_invalid",
            Banner::CampaignDateInvalid => "banner.campaign_date_invalid",
        },
    )
}

pub fn rating_label(rating: Rating, lang: Lang) -> String {
    format!(
        "{} {}",
        number(rating.get(), lang),
        tr(lang, &format!("rating.{}", rating.get()))
    )
}

fn lang_name(lang: Lang, ui: Lang) -> String {
    tr(ui, &format!("lang.{}", lang.code()))
}

impl R<'_> {
    fn t(&self, key: &str) -> String {
        tr(self.lang, key)
    }

    fn line(&mut self, s: &str) {
        self.text.push_str(s);
        self.text.push('\n');
    }

    fn btn(&self, key: &str, cb: Callback) -> Button {
        Button::cb(self.t(key), cb)
    }

    /// Leaves a dialog for `to`: the list of campaigns, or the menu.
    fn cancel_row(&mut self, to: Callback) {
        let b = self.btn("btn.cancel", to);
        self.kb.row(vec![b]);
    }

    /// Who an announcement goes to, in words (organisations by their code).
    fn audience_name(&self, audience: &crate::domain::Audience) -> String {
        match audience {
            crate::domain::Audience::All => self.t("announce.everyone"),
            crate::domain::Audience::Constituency(c) => self.t(c.key()),
            crate::domain::Audience::Organisation(code) => code.clone(),
        }
    }

    fn menu_row(&mut self) {
        let b = self.btn("btn.menu", Callback::Menu);
        self.kb.row(vec![b]);
    }

    fn draft_marker(&mut self, draft: bool) {
        if draft {
            self.text.push('\n');
            let m = self.t("plan.draft_marker");
            self.line(&format!("<i>{m}</i>"));
        }
    }

    /// ◀ 2/4 ▶ under a paged list; the middle button only labels.
    fn nav(&mut self, page: u8, pages: u8, to: impl Fn(u8) -> Callback) {
        if pages <= 1 {
            return;
        }
        let mut row = Vec::new();
        if page > 0 {
            row.push(Button::cb("◀", to(page - 1)));
        }
        row.push(Button::cb(
            format!(
                "{}/{}",
                number(page + 1, self.lang),
                number(pages, self.lang)
            ),
            Callback::Noop,
        ));
        if page + 1 < pages {
            row.push(Button::cb("▶", to(page + 1)));
        }
        self.kb.row(row);
    }

    fn skip_row(&mut self, with_rest: bool) {
        let mut row = vec![self.btn("btn.skip", Callback::SkipStep)];
        if with_rest {
            row.push(self.btn("btn.skip_rest", Callback::SkipRest));
        }
        self.kb.row(row);
    }

    fn activity_title(&self, code: &ActivityCode) -> String {
        self.plan
            .activity(code)
            .map(|a| a.title.get(self.lang).to_string())
            .unwrap_or_default()
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
        self.line(&self.t("admin.window_hint"));
        let button = if window.is_open(now) {
            self.btn("btn.window_close", Callback::Window(false))
        } else {
            self.btn("btn.window_open", Callback::Window(true))
        };
        self.kb.row(vec![button]);
    }

    fn date(&self, t: DateTime<Utc>) -> String {
        day(self.lang, t)
    }

    /// A coordinator's campaigns: totals, per activity, who has not finished (first names,
    /// the first [`NAMES_SHOWN`]), and a reminder button for each campaign still open.
    fn campaigns(&mut self, list: &[crate::store::CampaignProgress]) {
        let org = list
            .first()
            .map_or(String::new(), |p| p.campaign.org_code.clone());
        let new = self.btn("btn.new_campaign", Callback::NewCampaign);
        if list.is_empty() {
            self.line(&self.t("campaign.usage"));
            self.kb.row(vec![new]);
            return;
        }
        self.line(&tr_with(
            self.lang,
            "campaign.header",
            &[("org", &esc(&org))],
        ));
        for p in list.iter().take(CAMPAIGNS_SHOWN) {
            let (text_before, rows_before) = (self.text.len(), self.kb.rows.len());
            self.campaign(p);
            // Whole campaigns only, as many as fit one message; the newest come first.
            if utf16_len(&self.text) > CAMPAIGNS_BUDGET {
                self.text.truncate(text_before);
                self.kb.rows.truncate(rows_before);
                break;
            }
        }
        self.kb.row(vec![new]);
    }

    fn campaign(&mut self, p: &crate::store::CampaignProgress) {
        let lang = self.lang;
        let n = move |v: u64| number(v, lang);
        {
            self.text.push('\n');
            let item = tr_with(
                self.lang,
                "campaign.item",
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
            for (code, ratings, comments) in p.per_activity.iter().take(ACTIVITIES_SHOWN) {
                let line = tr_with(
                    self.lang,
                    "campaign.activity",
                    &[
                        ("code", code.as_str()),
                        ("n", &n(*ratings)),
                        ("c", &n(*comments)),
                    ],
                );
                self.line(&line);
            }
            if p.unfinished.is_empty() {
                self.line(&self.t("campaign.all_finished"));
            } else {
                let mut names: Vec<String> = p
                    .unfinished
                    .iter()
                    .take(NAMES_SHOWN)
                    .map(|(_, name)| esc(&trim_graphemes(name.as_deref().unwrap_or("?"), 24)))
                    .collect();
                if p.unfinished.len() > NAMES_SHOWN {
                    let more = (p.unfinished.len() - NAMES_SHOWN) as u64;
                    names.push(tr_with(self.lang, "campaign.more", &[("n", &n(more))]));
                }
                let line = tr_with(
                    self.lang,
                    "campaign.unfinished",
                    &[("names", &names.join(", "))],
                );
                self.line(&line);
                let label = tr_with(
                    self.lang,
                    "btn.remind",
                    &[("n", &n(p.unfinished.len() as u64))],
                );
                let button = Button::cb(
                    format!("{label} · {}", trim_graphemes(&p.campaign.title, 24)),
                    Callback::Remind(p.campaign.id),
                );
                self.kb.row(vec![button]);
            }
        }
        // A tap turns it the other way; the label says how it stands now.
        let (key, turn) = if p.campaign.auto_remind {
            ("btn.auto_remind_on", false)
        } else {
            ("btn.auto_remind_off", true)
        };
        let toggle = Button::cb(
            format!(
                "{} · {}",
                self.t(key),
                trim_graphemes(&p.campaign.title, 24)
            ),
            Callback::AutoRemind(p.campaign.id, turn),
        );
        self.kb.row(vec![toggle]);
    }

    fn closed_line(&mut self, since: DateTime<Utc>) {
        let date = self.date(since);
        self.line(&tr_with(
            self.lang,
            "window.closed_since",
            &[("date", &date)],
        ));
    }

    fn timeframe(&self, tf: Timeframe) -> String {
        let month =
            |m: u8, y: u16| format!("{} {}", self.t(&format!("month.{m}")), number(y, self.lang));
        tr_with(
            self.lang,
            "card.timeframe_span",
            &[
                ("from", &month(tf.start.first_month(), tf.start.year)),
                ("to", &month(tf.end.last_month(), tf.end.year)),
            ],
        )
    }

    fn province_name(&self, p: Province) -> &'static str {
        match self.lang {
            Lang::Km => p.names().km,
            Lang::En => p.names().en,
        }
    }

    fn screen(&mut self, screen: &Screen) {
        match screen {
            Screen::Welcome { selected, draft } => self.welcome(*selected, *draft),
            Screen::Declined => {
                self.line(&self.t("declined.body"));
                let b = self.btn("btn.changed_mind", Callback::Lang(self.lang));
                self.kb.row(vec![b]);
            }
            Screen::AskConstituency => {
                self.line(&self.t("profile.constituency"));
                let buttons = Constituency::ALL
                    .iter()
                    .map(|c| self.btn(c.key(), Callback::Constituency(*c)))
                    .collect();
                self.kb.grid(buttons, 2);
            }
            Screen::AskOrganisation {
                constituency,
                page,
                pages,
                items,
            } => self.ask_organisation(*constituency, *page, *pages, items),
            Screen::AskProvince { page } => {
                self.line(&self.t("profile.province"));
                let all = Province::picker_order();
                let (page, pages, items) =
                    crate::conversation::flow::paginate(&all, PROVINCE_PAGE, *page);
                let buttons = items
                    .iter()
                    .map(|p| Button::cb(self.province_name(*p), Callback::Province(*p)))
                    .collect();
                self.kb.grid(buttons, 2);
                self.nav(page, pages, Callback::ProvincePage);
                self.skip_row(true);
            }
            Screen::AskSector => {
                self.line(&self.t("profile.sector"));
                let buttons = Sector::ALL
                    .iter()
                    .map(|s| self.btn(s.key(), Callback::Sector(*s)))
                    .collect();
                self.kb.grid(buttons, 2);
                self.skip_row(true);
            }
            Screen::AskGender => {
                self.line(&self.t("profile.gender"));
                let buttons = Gender::ALL
                    .iter()
                    .map(|g| self.btn(g.key(), Callback::Gender(*g)))
                    .collect();
                self.kb.grid(buttons, 2);
                self.skip_row(false);
            }
            Screen::Menu {
                progress,
                draft,
                closed_since,
            } => {
                let title = esc(self.plan.title.get(self.lang));
                self.line(&format!("<b>{title}</b>"));
                self.line(&tr_with(
                    self.lang,
                    "menu.progress",
                    &[
                        ("rated", &number(progress.rated, self.lang)),
                        ("total", &number(progress.total, self.lang)),
                    ],
                ));
                self.draft_marker(*draft);
                if let Some(since) = closed_since {
                    self.closed_line(*since);
                }
                let first = if closed_since.is_some() {
                    self.btn("btn.mine", Callback::Mine(0))
                } else if progress.rated < progress.total {
                    self.btn("btn.continue", Callback::NextUnrated)
                } else {
                    self.btn("btn.all_rated", Callback::Mine(0))
                };
                self.kb.row(vec![first]);
                let mut row = vec![self.btn("btn.priorities", Callback::Priorities)];
                if closed_since.is_none() {
                    row.push(self.btn("btn.mine", Callback::Mine(0)));
                }
                self.kb.row(row);
                let row = vec![
                    self.btn("btn.settings", Callback::Settings),
                    self.btn("btn.help", Callback::Help),
                ];
                self.kb.row(row);
            }
            Screen::Priorities { items } => {
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
            Screen::Activities {
                priority,
                page,
                pages,
                items,
            } => {
                if let Some(p) = self.plan.priority(priority) {
                    let (short, title) = (esc(p.short.get(self.lang)), esc(p.title.get(self.lang)));
                    self.line(&format!("<b>{} · {short}</b>", p.code));
                    self.line(&format!("<i>{title}</i>"));
                    self.text.push('\n');
                }
                self.line(&self.t("activities.choose"));
                for (code, rated) in items {
                    let mark = if *rated { "✓ " } else { "" };
                    let title = trim_graphemes(&self.activity_title(code), LABEL_GRAPHEMES);
                    self.kb.row(vec![Button::cb(
                        format!("{mark}{code} {title}"),
                        Callback::Card(code.clone()),
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
            Screen::Card {
                code,
                given,
                progress,
                draft,
                closed_since,
            } => self.card(code, *given, *progress, *draft, *closed_since),
            Screen::Summary { summary, page } => self.summary(summary, *page),
            Screen::WindowAdmin { window, now } => self.window_admin(*window, *now),
            Screen::WindowUsage => self.line(&self.t("admin.window_usage")),
            Screen::ChooseExport => {
                self.line(&self.t("admin.export_choose"));
                use crate::export::ExportFormat as F;
                let row = [("XLSX", F::Xlsx), ("CSV", F::Csv), ("JSON", F::Json)]
                    .into_iter()
                    .map(|(label, f)| Button::cb(label, Callback::Export(f)))
                    .collect();
                self.kb.row(row);
            }
            Screen::AdminChanged { user_id, added } => {
                let key = if *added {
                    "admin.added"
                } else {
                    "admin.removed"
                };
                self.line(&tr_with(self.lang, key, &[("id", &user_id.to_string())]));
            }
            Screen::AdminUsage => self.line(&self.t("admin.usage")),
            Screen::FocalChanged { user_id, org } => {
                let id = user_id.to_string();
                let line = match org {
                    Some(org) => tr_with(
                        self.lang,
                        "admin.focal_added",
                        &[("id", &id), ("org", &esc(&org.full_name(self.lang)))],
                    ),
                    None => tr_with(self.lang, "admin.focal_removed", &[("id", &id)]),
                };
                self.line(&line);
            }
            Screen::FocalUsage => self.line(&self.t("admin.focal_usage")),
            Screen::AdminNotSelf => self.line(&self.t("admin.not_self")),
            Screen::FileTooLarge => self.line(&self.t("admin.file_too_large")),
            Screen::Campaigns { list } => self.campaigns(list),
            Screen::ConfirmRemind {
                campaign_id,
                title,
                count,
            } => {
                self.line(&tr_with(
                    self.lang,
                    "campaign.confirm_remind",
                    &[("n", &number(count, self.lang)), ("title", &esc(title))],
                ));
                let row = vec![
                    self.btn("btn.send_reminder", Callback::RemindSend(*campaign_id)),
                    self.btn("btn.no", Callback::Campaigns),
                ];
                self.kb.row(row);
            }
            Screen::CampaignUsage => {
                self.line(&self.t("campaign.usage"));
                let b = self.btn("btn.new_campaign", Callback::NewCampaign);
                self.kb.row(vec![b]);
            }
            Screen::AskAnnounceAudience => {
                self.line(&self.t("announce.ask_audience"));
                let everyone = self.btn("announce.everyone", Callback::AnnounceTo(None));
                self.kb.row(vec![everyone]);
                let sides = Constituency::ALL
                    .iter()
                    .map(|c| self.btn(c.key(), Callback::AnnounceTo(Some(*c))))
                    .collect();
                self.kb.grid(sides, 2);
                self.cancel_row(Callback::Menu);
            }
            Screen::AskAnnounceText { audience } => {
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
            Screen::AnnouncePreview {
                audience,
                text,
                recipients,
            } => {
                let (audience, n) = (
                    esc(&self.audience_name(audience)),
                    number(*recipients, self.lang),
                );
                let key = if *recipients == 0 {
                    "announce.nobody"
                } else {
                    "announce.preview"
                };
                self.line(&tr_with(
                    self.lang,
                    key,
                    &[("audience", &audience), ("n", &n)],
                ));
                self.text.push('\n');
                self.line(&crate::messages::outbox::announcement(self.lang, text));
                if *recipients > 0 {
                    let send = tr_with(self.lang, "btn.announce_send", &[("n", &n)]);
                    self.kb.row(vec![Button::cb(send, Callback::AnnounceSend)]);
                }
                let edit = self.btn("btn.announce_edit", Callback::AnnounceEdit);
                self.kb.row(vec![edit]);
                self.cancel_row(Callback::Menu);
            }
            Screen::AnnounceQueued {
                audience,
                recipients,
            } => {
                self.line(&tr_with(
                    self.lang,
                    "announce.queued",
                    &[
                        ("audience", &esc(&self.audience_name(audience))),
                        ("n", &number(*recipients, self.lang)),
                    ],
                ));
            }
            Screen::AskCampaignTitle => {
                self.line(&self.t("campaign.ask_title"));
                self.cancel_row(Callback::Campaigns);
            }
            Screen::AskCampaignScope { title } => {
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
                self.kb
                    .row(vec![Button::cb(all, Callback::CampaignScope(None))]);
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
                        Callback::CampaignScope(Some(p.code.clone())),
                    )]);
                }
                self.cancel_row(Callback::Campaigns);
            }
            Screen::AskCampaignDeadline {
                title,
                activities,
                options,
            } => {
                self.line(&tr_with(
                    self.lang,
                    "campaign.ask_deadline",
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
                    self.kb
                        .row(vec![Button::cb(label, Callback::CampaignDays(*days))]);
                }
                self.cancel_row(Callback::Campaigns);
            }
            Screen::NotCoordinator => {
                self.line(&self.t("campaign.not_allowed"));
                self.menu_row();
            }
            Screen::NotAllowed => {
                self.line(&self.t("not_allowed.body"));
                self.menu_row();
            }
            Screen::WindowClosed { since } => {
                let date = self.date(*since);
                self.line(&tr_with(self.lang, "window.closed", &[("date", &date)]));
                let row = vec![
                    self.btn("btn.mine", Callback::Mine(0)),
                    self.btn("btn.menu", Callback::Menu),
                ];
                self.kb.row(row);
            }
            Screen::AskComment {
                code,
                rating,
                has_comment,
            } => {
                self.line(&tr_with(
                    self.lang,
                    "comment.rated",
                    &[
                        ("code", code.as_str()),
                        ("rating", &rating_label(*rating, self.lang)),
                    ],
                ));
                self.text.push('\n');
                self.line(&self.t("comment.ask"));
                if *has_comment {
                    self.line(&self.t("comment.replaces"));
                }
                let skip = if *has_comment {
                    "btn.keep_comment"
                } else {
                    "btn.no_comment"
                };
                let row = vec![self.btn(skip, Callback::SkipComment(code.clone()))];
                self.kb.row(row);
                let row = vec![self.btn("btn.change_rating", Callback::Card(code.clone()))];
                self.kb.row(row);
            }
            Screen::AllRated { progress } => {
                self.line(&tr_with(
                    self.lang,
                    "all_rated.body",
                    &[("total", &number(progress.total, self.lang))],
                ));
                let row = vec![
                    self.btn("btn.mine", Callback::Mine(0)),
                    self.btn("btn.menu", Callback::Menu),
                ];
                self.kb.row(row);
            }
            Screen::Mine { page, pages, items } => self.mine(*page, *pages, items),
            Screen::ConfirmWithdraw { code } => {
                self.line(&tr_with(
                    self.lang,
                    "withdraw.confirm",
                    &[("code", code.as_str())],
                ));
                let row = vec![
                    self.btn(
                        "btn.withdraw_yes",
                        Callback::WithdrawConfirmed(code.clone()),
                    ),
                    self.btn("btn.no", Callback::Card(code.clone())),
                ];
                self.kb.row(row);
            }
            Screen::Settings {
                profile,
                lang,
                reminders,
            } => {
                let unset = self.t("settings.unset");
                // Labels are plain text (they also caption buttons): escape them for the HTML body.
                let value = |key: Option<&str>| key.map_or(unset.clone(), |k| esc(&self.t(k)));
                let org = match &profile.organisation {
                    Some(OrgChoice::Known(o)) => esc(&o.full_name(self.lang)),
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
                self.line(&self.t(if *reminders {
                    "settings.reminders_on"
                } else {
                    "settings.reminders_off"
                }));
                let row = vec![
                    self.btn("btn.language", Callback::ChooseLang),
                    self.btn("btn.edit_profile", Callback::EditProfile),
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
            Screen::ChooseLang { current } => {
                self.line(&self.t("language.choose"));
                self.lang_row(*current);
            }
            Screen::Help => {
                self.line(&self.t("help.body"));
                self.menu_row();
            }
            Screen::ConfirmForget => {
                self.line(&self.t("forget.confirm"));
                let row = vec![
                    self.btn("btn.forget_yes", Callback::ForgetConfirmed),
                    self.btn("btn.no", Callback::Menu),
                ];
                self.kb.row(row);
            }
            Screen::Forgotten => self.line(&self.t("forget.done")),
            Screen::Hint(hint) => self.hint(*hint),
            Screen::CommentRejected(e) => {
                self.line(&self.t(match e {
                    CommentError::Empty => "comment.empty",
                    CommentError::TooLong => "comment.too_long",
                }));
            }
            Screen::GroupInvite => {
                // Group members read either language: say it in both, Khmer first.
                self.text.push_str(&tr(Lang::Km, "group.invite"));
                self.text.push_str("\n\n");
                self.line(&tr(Lang::En, "group.invite"));
                let url = format!("https://t.me/{}?start=group", self.bot_username);
                self.kb.row(vec![Button::url(
                    tr(Lang::Km, "btn.open_private"),
                    url.clone(),
                )]);
                self.kb
                    .row(vec![Button::url(tr(Lang::En, "btn.open_private"), url)]);
            }
            Screen::GroupCampaignCard { cards } => {
                // Group members read either language: each campaign in both, Khmer first.
                let mut blocks = Vec::new();
                for card in cards {
                    for l in [Lang::Km, Lang::En] {
                        blocks.push(tr_with(
                            l,
                            "group.card",
                            &[
                                ("title", &esc(&card.title)),
                                ("org", &esc(&card.org.full_name(l))),
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
            Screen::GroupNoCampaign => {
                self.text.push_str(&tr(Lang::Km, "group.none_open"));
                self.text.push_str("\n\n");
                self.line(&tr(Lang::En, "group.none_open"));
            }
            Screen::Outdated => {
                self.line(&self.t("outdated.body"));
                self.menu_row();
            }
        }
        while self.text.ends_with('\n') {
            self.text.pop();
        }
    }

    fn summary(&mut self, s: &Summary, page: u8) {
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
            match s.lowest_rated() {
                Some(low) => {
                    let (code, t) = title(low);
                    self.line(&tr_with(
                        lang,
                        "summary.lowest",
                        &[("code", &code), ("title", &t), ("mean", &mean(low.mean()))],
                    ));
                }
                None => self.line(&self.t("summary.nothing")),
            }
            if let Some(most) = s.most_commented() {
                let (code, t) = title(most);
                self.line(&tr_with(
                    lang,
                    "summary.most_commented",
                    &[
                        ("code", &code),
                        ("title", &t),
                        ("count", &num(most.comments())),
                    ],
                ));
            }
            self.text.push('\n');
            self.line(&self.t("summary.choose"));
            for (i, p) in self.plan.priorities.iter().enumerate() {
                let label = format!(
                    "{} · {}",
                    p.code,
                    trim_graphemes(p.short.get(lang), LABEL_GRAPHEMES)
                );
                self.kb
                    .row(vec![Button::cb(label, Callback::Summary(i as u8 + 1))]);
            }
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
                        ("comments", &num(a.comments())),
                    ],
                ));
            }
            let pages = self.plan.priorities.len() as u8 + 1;
            self.nav(page - 1, pages - 1, |p| Callback::Summary(p + 1));
            let row = vec![self.btn("btn.totals", Callback::Summary(0))];
            self.kb.row(row);
        }
        self.menu_row();
    }

    fn lang_row(&mut self, selected: Lang) {
        let row = Lang::ALL
            .iter()
            .map(|l| {
                let mark = if *l == selected { "✓ " } else { "" };
                Button::cb(
                    format!("{mark}{}", lang_name(*l, self.lang)),
                    Callback::Lang(*l),
                )
            })
            .collect();
        self.kb.row(row);
    }

    fn welcome(&mut self, selected: Lang, draft: bool) {
        let plan = esc(self.plan.title.get(self.lang));
        self.line(&tr_with(self.lang, "welcome.body", &[("plan", &plan)]));
        self.draft_marker(draft);
        self.lang_row(selected);
        let row = vec![
            self.btn("btn.agree", Callback::Consent(true)),
            self.btn("btn.decline", Callback::Consent(false)),
        ];
        self.kb.row(row);
    }

    fn ask_organisation(
        &mut self,
        constituency: Constituency,
        page: u8,
        pages: u8,
        items: &[crate::domain::Org],
    ) {
        self.line(&tr_with(
            self.lang,
            "profile.organisation",
            &[("constituency", &self.t(constituency.key()))],
        ));
        for org in items {
            let label = trim_graphemes(&org.label(self.lang), LABEL_GRAPHEMES);
            self.kb
                .row(vec![Button::cb(label, Callback::Org(org.code.clone()))]);
        }
        self.nav(page, pages, Callback::OrgPage);
        self.skip_row(true);
    }

    fn card(
        &mut self,
        code: &ActivityCode,
        given: Option<(Rating, Option<CommentKind>)>,
        progress: crate::conversation::reply::Progress,
        draft: bool,
        closed_since: Option<DateTime<Utc>>,
    ) {
        let Some(a) = self.plan.activity(code) else {
            return;
        };
        let lang = self.lang;
        self.line(&format!("<b>{} · {}</b>", a.code, esc(a.title.get(lang))));
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
            "card.timeframe",
            &[("timeframe", &self.timeframe(a.timeframe))],
        ));
        self.text.push('\n');
        if let Some((rating, comment)) = given {
            let mut yours = tr_with(
                lang,
                "card.your_rating",
                &[("rating", &rating_label(rating, lang))],
            );
            if let Some(kind) = comment {
                yours.push_str(" · ");
                yours.push_str(&self.t(match kind {
                    CommentKind::Text => "card.with_comment",
                    CommentKind::Voice => "card.with_voice",
                }));
            }
            self.line(&yours);
        }
        self.line(&tr_with(
            lang,
            "card.progress",
            &[
                ("rated", &number(progress.rated, lang)),
                ("total", &number(progress.total, lang)),
            ],
        ));
        self.draft_marker(draft);
        if let Some(since) = closed_since {
            // Read-only: the plan and the member's answer, nothing to tap but the way on.
            self.closed_line(since);
            let row = vec![
                self.btn("btn.next", Callback::SkipComment(code.clone())),
                self.btn("btn.menu", Callback::Menu),
            ];
            self.kb.row(row);
            return;
        }
        self.text.push('\n');
        self.line(&self.t("card.ask"));

        let current = given.map(|(r, _)| r);
        let buttons: Vec<Button> = Rating::ALL
            .iter()
            .map(|r| {
                let mark = if Some(*r) == current { "✓ " } else { "" };
                Button::cb(
                    format!("{mark}{}", rating_label(*r, lang)),
                    Callback::Rate(code.clone(), *r),
                )
            })
            .collect();
        self.kb.grid(buttons, 3);
        if given.is_some() {
            let row = vec![
                self.btn("btn.comment", Callback::AddComment(code.clone())),
                self.btn("btn.withdraw", Callback::Withdraw(code.clone())),
            ];
            self.kb.row(row);
        }
        let page = self
            .plan
            .activities_of(&a.priority)
            .position(|x| &x.code == code)
            .unwrap_or(0)
            / ACTIVITY_PAGE;
        let row = vec![
            self.btn("btn.next", Callback::SkipComment(code.clone())),
            self.btn(
                "btn.list",
                Callback::Activities {
                    priority: a.priority.clone(),
                    page: page as u8,
                },
            ),
            self.btn("btn.menu", Callback::Menu),
        ];
        self.kb.row(row);
    }

    fn mine(&mut self, page: u8, pages: u8, items: &[crate::conversation::reply::MineItem]) {
        self.line(&self.t("mine.title"));
        if items.is_empty() {
            self.line(&self.t("mine.empty"));
            let row = vec![
                self.btn("btn.continue", Callback::NextUnrated),
                self.btn("btn.menu", Callback::Menu),
            ];
            self.kb.row(row);
            return;
        }
        for item in items {
            let comment = match item.comment {
                Some(CommentKind::Text) => " · 💬",
                Some(CommentKind::Voice) => " · 🎤",
                None => "",
            };
            let title = esc(&trim_graphemes(
                &self.activity_title(&item.code),
                LABEL_GRAPHEMES,
            ));
            self.line(&format!(
                "<b>{}</b> {title}\n   {}{comment}",
                item.code,
                rating_label(item.rating, self.lang)
            ));
        }
        self.text.push('\n');
        self.line(&self.t("mine.tap_to_change"));
        let buttons = items
            .iter()
            .map(|i| {
                Button::cb(
                    format!("{} · {}", i.code, number(i.rating.get(), self.lang)),
                    Callback::Card(i.code.clone()),
                )
            })
            .collect();
        self.kb.grid(buttons, 4);
        self.nav(page, pages, Callback::Mine);
        self.menu_row();
    }

    fn hint(&mut self, hint: Hint) {
        let key = match hint {
            Hint::UseButtons => "hint.use_buttons",
            Hint::NotAskingComment => "hint.not_asking_comment",
            Hint::OrgNameInvalid => "hint.org_name_invalid",
            Hint::Unsupported(kind) => match kind {
                OtherKind::Sticker => "hint.sticker",
                OtherKind::Photo | OtherKind::Video => "hint.media",
                OtherKind::Document => "hint.document",
                OtherKind::Location | OtherKind::Contact => "hint.location",
                OtherKind::Audio | OtherKind::Other => "hint.other",
            },
        };
        self.line(&self.t(key));
        if !matches!(hint, Hint::OrgNameInvalid) {
            self.menu_row();
        }
    }
}
