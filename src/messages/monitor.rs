//! The message a monitoring round's audience gets when it opens.

use chrono::{DateTime, Utc};

use super::render::last_day;
use super::text::{esc, number};
use super::{tr, tr_with, Lang};

/// The round's message in `lang` (Telegram HTML) and its button's label.
pub fn invitation(
    lang: Lang,
    title: &str,
    until: DateTime<Utc>,
    activities: usize,
) -> (String, String) {
    let html = tr_with(
        lang,
        "monitor.invitation",
        &[
            ("title", &esc(title.trim())),
            ("date", &last_day(lang, until)),
            ("activities", &number(activities, lang)),
        ],
    );
    (html, tr(lang, "btn.round_answer"))
}

/// A focal point's reminder of a round to their members who have not finished.
pub fn reminder(lang: Lang, title: &str, until: DateTime<Utc>) -> String {
    tr_with(
        lang,
        "monitor.reminder",
        &[
            ("title", &esc(title.trim())),
            ("date", &last_day(lang, until)),
        ],
    )
}
