//! Plan file problems in words, in the reader's language.

use super::text::{esc, number};
use super::{tr, tr_with};
use crate::domain::{Lang, Place, PlanProblem, ProblemKind};

/// One problem as plain text: "row 7, title_km: is empty".
pub fn plan_problem(p: &PlanProblem, lang: Lang) -> String {
    let n = |v: usize| number(v, lang);
    let place = match p.place {
        Place::File => None,
        Place::Line(l) => Some(tr_with(lang, "plan_problem.line", &[("n", &n(l))])),
        Place::Row(r) => Some(tr_with(lang, "plan_problem.row", &[("n", &n(r))])),
    };
    let what = match &p.kind {
        ProblemKind::Syntax(m) => tr_with(lang, "plan_problem.syntax", &[("detail", m)]),
        ProblemKind::UnknownFormat => tr(lang, "plan_problem.unknown_format"),
        ProblemKind::Empty => tr(lang, "plan_problem.empty"),
        ProblemKind::TooLong { chars, max } => tr_with(
            lang,
            "plan_problem.too_long",
            &[("chars", &n(*chars)), ("max", &n(*max))],
        ),
        ProblemKind::NoKhmer => tr(lang, "plan_problem.no_khmer"),
        ProblemKind::BadStatus(v) => tr_with(lang, "plan_problem.bad_status", &[("value", v)]),
        ProblemKind::NoPriorities => tr(lang, "plan_problem.no_priorities"),
        ProblemKind::NoActivities => tr(lang, "plan_problem.no_activities"),
        ProblemKind::BadCode(v) => tr_with(lang, "plan_problem.bad_code", &[("value", v)]),
        ProblemKind::CodeTwice(v) => tr_with(lang, "plan_problem.code_twice", &[("value", v)]),
        ProblemKind::UndefinedPriority(v) => {
            tr_with(lang, "plan_problem.undefined_priority", &[("value", v)])
        }
        ProblemKind::BadTimeframe(v) => {
            tr_with(lang, "plan_problem.bad_timeframe", &[("value", v)])
        }
        ProblemKind::NoHeader => tr(lang, "plan_problem.no_header"),
        ProblemKind::MissingColumn => tr(lang, "plan_problem.missing_column"),
        ProblemKind::UnknownColumn => tr(lang, "plan_problem.unknown_column"),
        ProblemKind::PriorityDiffers { first_row } => tr_with(
            lang,
            "plan_problem.priority_differs",
            &[("row", &n(*first_row))],
        ),
        ProblemKind::FileTooBig { kb, max_kb } => tr_with(
            lang,
            "plan_problem.file_too_big",
            &[("kb", &n(*kb)), ("max", &n(*max_kb))],
        ),
        ProblemKind::UnpacksTooBig { max_mb } => tr_with(
            lang,
            "plan_problem.unpacks_too_big",
            &[("max", &n(*max_mb))],
        ),
        ProblemKind::SheetTooBig {
            rows,
            columns,
            max_rows,
            max_columns,
        } => tr_with(
            lang,
            "plan_problem.sheet_too_big",
            &[
                ("rows", &n(*rows)),
                ("columns", &n(*columns)),
                ("max_rows", &n(*max_rows)),
                ("max_columns", &n(*max_columns)),
            ],
        ),
        ProblemKind::TooManyPriorities { count, max } => tr_with(
            lang,
            "plan_problem.too_many_priorities",
            &[("count", &n(*count)), ("max", &n(*max))],
        ),
        ProblemKind::TooManyActivities { count, max } => tr_with(
            lang,
            "plan_problem.too_many_activities",
            &[("count", &n(*count)), ("max", &n(*max))],
        ),
        ProblemKind::HiddenControl(c) => tr_with(
            lang,
            "plan_problem.hidden_control",
            &[("char", &format!("U+{c:04X}"))],
        ),
    };
    let head: Vec<String> = place.into_iter().chain(p.field.clone()).collect();
    if head.is_empty() {
        what
    } else {
        format!("{}: {what}", head.join(", "))
    }
}

/// The problems as an HTML list for a Telegram message, at most `max` of them, escaped.
pub fn plan_problems(problems: &[PlanProblem], lang: Lang, max: usize) -> String {
    let mut lines: Vec<String> = problems
        .iter()
        .take(max)
        .map(|p| format!("• {}", esc(&plan_problem(p, lang))))
        .collect();
    if problems.len() > max {
        lines.push(tr_with(
            lang,
            "plan_problem.more",
            &[("n", &number(problems.len() - max, lang))],
        ));
    }
    lines.join("\n")
}
