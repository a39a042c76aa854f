//! A reply in one language: Telegram HTML (escaped, within 4096 characters) and buttons whose
//! callback data fits 64 bytes. The members' screens are here; the focal points' and the
//! secretariat's have their own files.

use chrono::{DateTime, Datelike, Utc};

mod campaigns;
mod cards;
mod menu;
mod monitor;
mod profile;
mod secretariat;

use super::keyboard::{Button, Keyboard};
use super::text::{esc, fit_message, number, number_padded, trim_graphemes, trim_words, utf16_len};
use super::{tr, tr_with};
use crate::conversation::reply::{ACTIVITY_PAGE, PROVINCE_PAGE};
use crate::conversation::state::Back;
use crate::conversation::{
    Banner, Callback, CampaignCallback, CampaignScreen, CardCallback, Hint, Notice, OtherKind,
    ProfileCallback, Reply, Screen, StaffCallback, StaffScreen,
};
use crate::domain::summary::{ActivitySummary, Summary};
use crate::domain::{
    ActivityCode, CommentError, Constituency, Gender, Lang, OrgChoice, Plan, Province, Rating,
    Sector, Timeframe,
};
use crate::messages::outbox::MAX_ANNOUNCEMENT_CHARS;

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
    /// The line above the screen, if any: a screen leaves out what it already says.
    banner: Option<&'a Banner>,
    lang: Lang,
    bot_username: &'a str,
    text: String,
    kb: Keyboard,
}

pub fn render(reply: &Reply, lang: Lang, plan: &Plan, bot_username: &str) -> Rendered {
    let mut r = R {
        plan,
        banner: reply.banner.as_ref(),
        lang,
        bot_username,
        text: String::new(),
        kb: Keyboard::default(),
    };
    if let Some(banner) = &reply.banner {
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
        Notice::Rated(r) => Some(tr_with(
            lang,
            "notice.rated",
            &[("rating", &rating_label(r, lang))],
        )),
        Notice::Withdrawn => Some(tr(lang, "notice.withdrawn")),
        Notice::Outdated => Some(tr(lang, "notice.outdated")),
        Notice::NothingToDo => None,
        Notice::Closed => Some(tr(lang, "notice.closed")),
        Notice::Preparing => Some(tr(lang, "notice.preparing")),
        Notice::AlreadyDone => Some(tr(lang, "notice.already_done")),
        Notice::Sending => Some(tr(lang, "notice.sending")),
        Notice::Creating => Some(tr(lang, "notice.creating")),
        Notice::CampaignClosed => Some(tr(lang, "notice.campaign_closed")),
        Notice::NotYours => Some(tr(lang, "notice.not_yours")),
        Notice::NoSuchCampaign => Some(tr(lang, "notice.no_such_campaign")),
        Notice::AnnouncementOver => Some(tr(lang, "notice.announcement_over")),
        Notice::PreviewOutdated => Some(tr(lang, "notice.preview_outdated")),
        Notice::PickOne => Some(tr(lang, "notice.pick_one")),
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

fn banner_text(banner: &Banner, lang: Lang) -> String {
    let about = |key: &str, code: &ActivityCode| tr_with(lang, key, &[("code", code.as_str())]);
    let key = match banner {
        Banner::CommentSaved(code) => return about("banner.comment_saved", code),
        Banner::VoiceSaved(code) => return about("banner.voice_saved", code),
        Banner::VoiceReplaced(code) => return about("banner.voice_replaced", code),
        Banner::Held(code) => return about("banner.held", code),
        Banner::CommentCut { code, max } => {
            return tr_with(
                lang,
                "banner.comment_cut",
                &[("code", code.as_str()), ("max", &number(*max, lang))],
            )
        }
        Banner::PlaceDropped => "banner.place_dropped",
        Banner::Rated(code, rating) => {
            return tr_with(
                lang,
                "banner.rated",
                &[
                    ("code", code.as_str()),
                    ("rating", &rating_label(*rating, lang)),
                ],
            )
        }
        Banner::Hint(hint) => hint_key(*hint),
        Banner::CommentRejected(CommentError::Empty) => "comment.empty",
        Banner::CommentRejected(CommentError::TooLong) => "comment.too_long",
        Banner::ProfileSaved => "banner.profile_saved",
        Banner::ProfileEditCancelled => "banner.profile_edit_cancelled",
        Banner::Withdrawn => "banner.withdrawn",
        Banner::LanguageChanged => "banner.language_changed",
        Banner::UnknownActivity => "banner.unknown_activity",
        Banner::UseButtons => "banner.use_buttons",
        Banner::Joined => "banner.joined",
        Banner::Switched => "banner.switched",
        Banner::KeptProfile => "banner.kept_profile",
        Banner::InviteExpired => "banner.invite_expired",
        Banner::InviteUnknown => "banner.invite_unknown",
        Banner::RemindersChanged => "banner.reminders_changed",
        Banner::CampaignTitleInvalid => "banner.campaign_title_invalid",
        Banner::AnnounceAudienceInvalid => "banner.announce_audience_invalid",
        Banner::AnnounceTextInvalid => "banner.announce_text_invalid",
        Banner::CampaignScopeInvalid => "banner.campaign_scope_invalid",
        Banner::CampaignDateInvalid => "banner.campaign_date_invalid",
        Banner::RoundTitleInvalid => "banner.round_title_invalid",
        Banner::Answered(code, status) => {
            return tr_with(
                lang,
                "banner.answered",
                &[("code", code.as_str()), ("status", &tr(lang, status.key()))],
            )
        }
        Banner::RoundClosed(since) => {
            return tr_with(lang, "banner.round_closed", &[("date", &day(lang, *since))])
        }
    };
    tr(lang, key)
}

fn hint_key(hint: Hint) -> &'static str {
    match hint {
        Hint::UseButtons => "hint.use_buttons",
        Hint::UnknownCommand => "hint.unknown_command",
        Hint::OrgNameInvalid => "hint.org_name_invalid",
        Hint::Unsupported(kind) => match kind {
            OtherKind::Sticker => "hint.sticker",
            OtherKind::Photo | OtherKind::Video => "hint.media",
            OtherKind::Document => "hint.document",
            OtherKind::Location | OtherKind::Contact => "hint.location",
            OtherKind::Audio | OtherKind::Other => "hint.other",
            OtherKind::Command => "hint.unknown_command",
        },
    }
}

pub fn rating_label(rating: Rating, lang: Lang) -> String {
    format!(
        "{} {}",
        number(rating.get(), lang),
        tr(lang, &format!("rating.{}", rating.get()))
    )
}

/// An organisation on a button: its name, cut after a whole word when long, then its
/// abbreviation, which always stays (two organisations may share a name's first words).
fn org_button(org: &crate::domain::Org, lang: Lang) -> String {
    use unicode_segmentation::UnicodeSegmentation;
    let name = org.name(lang);
    let whole = org.label(lang);
    if whole.graphemes(true).count() <= LABEL_GRAPHEMES || name == org.abbr {
        return trim_words(&whole, LABEL_GRAPHEMES);
    }
    let room = LABEL_GRAPHEMES.saturating_sub(org.abbr.graphemes(true).count() + 3);
    format!("{} ({})", trim_words(name, room.max(8)), org.abbr)
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

    /// An organisation by its code: a built-in one with its name, an added one by its code
    /// (which is its abbreviation).
    fn org_label(&self, code: &str) -> String {
        crate::domain::reference::organisation(code).map_or(code.to_string(), |o| {
            crate::domain::Org::built_in(o).label(self.lang)
        })
    }

    /// Group members read either language: a group hears everything in both, Khmer first.
    fn in_both_languages(&mut self, key: &str) {
        self.text.push_str(&tr(Lang::Km, key));
        self.text.push_str("\n\n");
        self.line(&tr(Lang::En, key));
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
    /// "Page 2 of 3", for the text above a paged list.
    fn page_of(&self, page: u8, pages: u8) -> String {
        tr_with(
            self.lang,
            "list.page",
            &[
                ("page", &number(page + 1, self.lang)),
                ("pages", &number(pages, self.lang)),
            ],
        )
    }

    /// The way to the page before and after, each button naming the page it opens (a page
    /// number on a button that does nothing would be a button that lies).
    fn nav(&mut self, page: u8, pages: u8, to: impl Fn(u8) -> Callback) {
        if pages <= 1 {
            return;
        }
        let label = |key: &str, target: u8| {
            tr_with(
                self.lang,
                key,
                &[
                    ("page", &number(target + 1, self.lang)),
                    ("pages", &number(pages, self.lang)),
                ],
            )
        };
        let mut row = Vec::new();
        if page > 0 {
            row.push(Button::cb(label("btn.page_before", page - 1), to(page - 1)));
        }
        if page + 1 < pages {
            row.push(Button::cb(label("btn.page_after", page + 1), to(page + 1)));
        }
        self.kb.row(row);
    }

    fn activity_title(&self, code: &ActivityCode) -> String {
        self.plan
            .activity(code)
            .map(|a| a.title.get(self.lang).to_string())
            .unwrap_or_default()
    }

    fn date(&self, t: DateTime<Utc>) -> String {
        day(self.lang, t)
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
            Screen::Privacy { selected, asking } => {
                self.line(&self.t("privacy.body"));
                if *asking {
                    self.answer_rows(*selected, true);
                } else {
                    self.menu_row();
                }
            }
            Screen::Declined => {
                self.line(&self.t("declined.body"));
                let b = self.btn("btn.changed_mind", Callback::Lang(self.lang));
                self.kb.row(vec![b]);
            }
            Screen::Menu {
                progress,
                draft,
                closed_since,
                until,
                held,
                round,
            } => self.menu_screen(progress, draft, closed_since, until, held, round.as_ref()),
            Screen::Priorities { items } => self.priorities_screen(items),
            Screen::Activities {
                priority,
                page,
                pages,
                items,
            } => self.activities_screen(priority, page, pages, items),
            // Their own files: the focal points' screens and the secretariat's.
            Screen::Campaign(screen) => self.campaign_screen(screen),
            Screen::Staff(screen) => self.secretariat_screen(screen),
            Screen::Monitor(screen) => self.monitor_screen(screen),
            Screen::NotAllowed => {
                self.line(&self.t("not_allowed.body"));
                self.menu_row();
            }
            Screen::WindowClosed { since } => {
                let date = self.date(*since);
                self.line(&tr_with(self.lang, "window.closed", &[("date", &date)]));
                let row = vec![
                    self.btn("btn.mine", Callback::Cards(CardCallback::Mine(0))),
                    self.btn("btn.menu", Callback::Menu),
                ];
                self.kb.row(row);
            }
            Screen::Settings {
                profile,
                lang,
                reminders,
            } => self.settings_screen(profile, lang, reminders),
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
            Screen::Hint(hint) => {
                self.line(&self.t(hint_key(*hint)));
                if !matches!(hint, Hint::OrgNameInvalid) {
                    self.menu_row();
                }
            }
            Screen::GroupInvite => {
                self.in_both_languages("group.invite");
                let url = format!("https://t.me/{}?start=group", self.bot_username);
                self.kb.row(vec![Button::url(
                    tr(Lang::Km, "btn.open_private"),
                    url.clone(),
                )]);
                self.kb
                    .row(vec![Button::url(tr(Lang::En, "btn.open_private"), url)]);
            }
            Screen::Outdated => {
                self.line(&self.t("outdated.body"));
                self.menu_row();
            }
            Screen::Profile(screen) => self.profile_screen(screen, profile::Asked::Welcome),
            Screen::ProfileEdit { question, single } => self.profile_screen(
                question,
                if *single {
                    profile::Asked::Single
                } else {
                    profile::Asked::Edit
                },
            ),
            Screen::Cards(screen) => self.cards_screen(screen),
        }
        while self.text.ends_with('\n') {
            self.text.pop();
        }
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
        let row = vec![self.btn("btn.privacy", Callback::Privacy)];
        self.kb.row(row);
        self.answer_rows(selected, false);
    }

    /// Agree or decline; on the privacy notice also the way back to the welcome.
    fn answer_rows(&mut self, selected: Lang, back: bool) {
        let row = vec![
            self.btn("btn.agree", Callback::Consent(true)),
            self.btn("btn.decline", Callback::Consent(false)),
        ];
        self.kb.row(row);
        if back {
            let row = vec![self.btn("btn.back", Callback::Lang(selected))];
            self.kb.row(row);
        }
    }
}
