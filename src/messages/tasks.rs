//! Texts of the staff's slow work, as the bot reports it: exports, the plan sheet, plan files.

use super::plan_problem::plan_problems;
use super::text::{esc, number};
use super::{tr_count, tr_with};
use crate::domain::plan::Imported;
use crate::domain::{ExportFormat, Lang, PlanProblem};

/// Problems listed in one reply; the rest are counted. Keeps the message far under 4096.
const PROBLEMS_SHOWN: usize = 25;

pub fn export_progress(lang: Lang, format: ExportFormat, rows: u64) -> String {
    tr_count(
        lang,
        "task.export_progress",
        rows,
        &[
            ("format", &format.extension().to_uppercase()),
            ("n", &number(rows, lang)),
        ],
    )
}

pub fn export_caption(lang: Lang, rows: u64, plan_version: i64) -> String {
    tr_count(
        lang,
        "task.export_caption",
        rows,
        &[
            ("n", &number(rows, lang)),
            ("version", &number(plan_version, lang)),
        ],
    )
}

pub fn export_done(lang: Lang, rows: u64) -> String {
    tr_count(
        lang,
        "task.export_done",
        rows,
        &[("n", &number(rows, lang))],
    )
}

pub fn template_caption(lang: Lang, plan_version: i64) -> String {
    tr_with(
        lang,
        "task.template_caption",
        &[("version", &number(plan_version, lang))],
    )
}

pub fn import_checking(lang: Lang, file_name: &str) -> String {
    tr_with(lang, "task.import_checking", &[("name", &esc(file_name))])
}

/// What became of a plan file: imported, or its problems (the first 25, then a count).
pub fn import_result(
    lang: Lang,
    file_name: &str,
    result: &Result<Imported, Vec<PlanProblem>>,
) -> String {
    match result {
        Err(problems) => tr_count(
            lang,
            "task.import_problems",
            problems.len() as u64,
            &[
                ("name", &esc(file_name)),
                ("n", &number(problems.len(), lang)),
                ("list", &plan_problems(problems, lang, PROBLEMS_SHOWN)),
            ],
        ),
        Ok(done) if done.unchanged => tr_with(
            lang,
            "task.import_unchanged",
            &[("version", &number(done.version, lang))],
        ),
        Ok(done) => tr_with(
            lang,
            "task.import_done",
            &[
                ("version", &number(done.version, lang)),
                ("activities", &number(done.activities, lang)),
                ("carried", &number(done.carried, lang)),
            ],
        ),
    }
}

pub fn report_caption(lang: Lang, written: &crate::report::Written) -> String {
    crate::messages::tr_with(
        lang,
        "report.caption",
        &[
            ("version", &number(written.version, lang)),
            ("members", &number(written.members, lang)),
            ("ratings", &number(written.ratings, lang)),
        ],
    )
}

/// A round opened from the bot: its number, and how many members get its message.
pub fn round_opened(
    lang: Lang,
    round: &crate::domain::monitoring::Round,
    messages: usize,
) -> String {
    super::tr_count(
        lang,
        "monitor.opened",
        messages as u64,
        &[
            ("id", &round.id.to_string()),
            ("title", &super::text::esc(&round.title)),
            ("date", &super::render::last_day(lang, round.until)),
            ("n", &super::text::number(messages, lang)),
        ],
    )
}

/// One open round per audience: this one is open already.
pub fn round_already_open(lang: Lang, round: &crate::domain::monitoring::Round) -> String {
    super::tr_with(
        lang,
        "monitor.already_open",
        &[
            ("id", &round.id.to_string()),
            ("title", &super::text::esc(&round.title)),
            ("date", &super::render::last_day(lang, round.until)),
        ],
    )
}

/// A round closed (or found closed already); its answers stay.
pub fn round_closed(lang: Lang, round: &crate::domain::monitoring::Round, now: bool) -> String {
    super::tr_with(
        lang,
        if now {
            "monitor.closed_now"
        } else {
            "monitor.closed_already"
        },
        &[
            ("id", &round.id.to_string()),
            ("title", &super::text::esc(&round.title)),
        ],
    )
}

/// Why a focal point's reminder of a round was not sent.
pub fn round_not_reminded(lang: Lang, why: crate::jobs::monitoring::NoRoundReminder) -> String {
    use crate::jobs::monitoring::NoRoundReminder::*;
    super::tr(
        lang,
        match why {
            NoSuchRound => "notice.outdated",
            Closed => "monitor.remind_closed",
            Nobody => "monitor.remind_nobody",
        },
    )
}
