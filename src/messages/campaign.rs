//! Texts of a campaign's life outside the conversation: its link when made, the message to
//! forward to the members' group, a reminder, and the focal point's notice of an automatic one.

use super::render::last_day;
use super::text::{esc, number};
use super::{tr, tr_count, tr_with};
use crate::domain::campaign::{Created, NoReminder};
use crate::domain::{Campaign, Lang};

/// To the focal point who made it: the campaign with its link (or, sent twice, the one made a
/// moment ago), and a warning when the consultation closes before its deadline.
pub fn created(lang: Lang, made: &Created) -> String {
    let campaign = &made.campaign;
    let args = [
        ("title", esc(&campaign.title)),
        ("date", last_day(lang, campaign.deadline)),
        ("link", esc(&made.link)),
    ];
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let key = if made.again {
        "campaign.created_again"
    } else {
        "campaign.created"
    };
    let mut text = tr_with(lang, key, &args);
    if let Some(end) = made.window_ends_first {
        text.push_str("\n\n");
        text.push_str(&tr_with(
            lang,
            "campaign.window_ends_first",
            &[("date", &last_day(lang, end))],
        ));
    }
    text
}

/// Why a reminder asked for was not sent.
pub fn reminder_refused(lang: Lang, why: NoReminder) -> String {
    tr(
        lang,
        match why {
            NoReminder::NoSuchCampaign => "campaign.no_such",
            NoReminder::NotYours => "campaign.not_yours",
            NoReminder::CampaignClosed => "campaign.closed_no_remind",
            NoReminder::ConsultationClosed => "campaign.consultation_closed",
            NoReminder::Nobody => "campaign.nobody_to_remind",
        },
    )
}

/// Ready to forward to the union's group: Khmer first, then English. `org` names the
/// organisation in a language.
pub fn forward(campaign: &Campaign, org: impl Fn(Lang) -> String, link: &str) -> String {
    [Lang::Km, Lang::En]
        .map(|l| {
            tr_with(
                l,
                "campaign.forward",
                &[
                    ("title", &esc(&campaign.title)),
                    ("org", &esc(&org(l))),
                    ("date", &last_day(l, campaign.deadline)),
                    ("link", &esc(link)),
                ],
            )
        })
        .join("\n\n")
}

/// A member's reminder, with the label of the button that continues the campaign.
pub fn reminder(lang: Lang, campaign: &Campaign, org: &str) -> (String, String) {
    let text = tr_with(
        lang,
        "campaign.reminder",
        &[
            ("title", &esc(&campaign.title)),
            ("org", &esc(org)),
            ("date", &last_day(lang, campaign.deadline)),
        ],
    );
    (text, tr(lang, "btn.continue_feedback"))
}

/// To the focal point: an automatic reminder is going out to `recipients` members.
pub fn auto_reminding(lang: Lang, campaign: &Campaign, recipients: usize) -> String {
    tr_count(
        lang,
        "campaign.auto_reminding",
        recipients as u64,
        &[
            ("title", &esc(&campaign.title)),
            ("n", &number(recipients, lang)),
        ],
    )
}
