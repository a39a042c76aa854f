//! Texts of the outbox: an announcement as members get it, and the progress and final tally
//! shown to whoever started a send.

use super::text::{esc, number};
use super::{tr, tr_with, Lang};
use crate::domain::broadcast::Tally;

pub use crate::domain::audience::MAX_ANNOUNCEMENT_CHARS;

/// An announcement in `lang`: the secretariat's own words, escaped, under a translated header.
pub fn announcement(lang: Lang, text: &str) -> String {
    tr_with(lang, "outbox.announcement", &[("text", &esc(text.trim()))])
}

pub fn progress(lang: Lang, tally: &Tally) -> String {
    let failed = tally.blocked + tally.failed + tally.uncertain;
    tr_with(
        lang,
        "outbox.progress",
        &[
            ("sent", &number(tally.sent, lang)),
            ("failed", &number(failed, lang)),
            ("left", &number(tally.left, lang)),
        ],
    )
}

/// The final tally, naming only what happened ("12 sent, 1 had blocked the bot").
pub fn done(lang: Lang, tally: &Tally) -> String {
    let parts: Vec<String> = [
        ("outbox.part_sent", tally.sent),
        ("outbox.part_blocked", tally.blocked),
        ("outbox.part_failed", tally.failed),
        ("outbox.part_uncertain", tally.uncertain),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .map(|(key, n)| tr_with(lang, key, &[("n", &number(n, lang))]))
    .collect();
    if parts.is_empty() {
        return tr(lang, "outbox.done_nobody");
    }
    tr_with(
        lang,
        "outbox.done",
        &[("parts", &parts.join(&tr(lang, "outbox.and")))],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_announcement_is_escaped_and_headed_in_the_members_language() {
        let en = announcement(Lang::En, " Meeting <today> & tomorrow ");
        assert!(en.ends_with("Meeting &lt;today&gt; &amp; tomorrow"), "{en}");
        assert!(en.contains("DWCP secretariat"));
        let km = announcement(Lang::Km, "ប្រជុំ");
        assert!(km.contains("លេខាធិការដ្ឋាន"), "{km}");
    }

    #[test]
    fn the_tally_counts_every_row_once() {
        let t = Tally {
            sent: 7,
            blocked: 1,
            failed: 2,
            uncertain: 3,
            left: 4,
            ..Tally::default()
        };
        assert_eq!(t.total(), 17);
        let p = progress(Lang::En, &t);
        assert!(
            p.contains("7 sent") && p.contains("6 not delivered") && p.contains("4 left"),
            "{p}"
        );
    }

    #[test]
    fn the_final_tally_names_only_what_happened() {
        let all_sent = Tally {
            sent: 12,
            ..Tally::default()
        };
        assert_eq!(done(Lang::En, &all_sent), "✓ Sending finished: 12 sent.");
        let mixed = Tally {
            sent: 5,
            blocked: 1,
            ..Tally::default()
        };
        assert_eq!(
            done(Lang::En, &mixed),
            "✓ Sending finished: 5 sent, 1 had blocked the bot."
        );
        assert!(!done(Lang::Km, &all_sent).contains("បរាជ័យ"));
    }
}
