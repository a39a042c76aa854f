//! The report's monitoring section, when rounds exist: the latest round's status mix per
//! activity and constituency, the trend across rounds, and where the constituencies see it
//! differently. Rounds ask everyone in their audience: the report's filters do not apply.

use crate::domain::monitoring::{RoundResults, Status, StatusCounts};
use crate::domain::{Constituency, Lang};
use crate::messages::tr_with;

use super::document::{n, share, side_name, t, Block, Span};
use super::model::Report;

/// Rounds the trend table shows side by side, the latest last.
const TREND_ROUNDS: usize = 4;

/// The share of "happening or done" among those who knew, as the report prints a share.
fn done(lang: Lang, counts: &StatusCounts) -> String {
    let known = counts.total() - counts.get(Status::Unknown);
    share(lang, counts.get(Status::Done), known)
}

/// `rounds`: newest first, as the store lists them.
pub fn section(report: &Report, rounds: &[RoundResults], lang: Lang, blocks: &mut Vec<Block>) {
    let Some(latest) = rounds.first() else {
        return;
    };
    blocks.push(Block::PageBreak);
    blocks.push(Block::Heading(1, t(lang, "report.mon_title")));
    blocks.push(Block::Note(t(lang, "report.mon_note")));
    let round = &latest.round;
    let window = tr_with(
        lang,
        "report.mon_round",
        &[
            ("title", &round.title),
            ("from", &crate::messages::render::day(lang, round.opened_at)),
            (
                "to",
                &crate::messages::render::last_day(
                    lang,
                    round.closed_at.map_or(round.until, |c| c.min(round.until)),
                ),
            ),
            ("members", &n(lang, latest.members)),
            ("finished", &n(lang, latest.finished)),
        ],
    );
    blocks.push(Block::Para(vec![Span::Plain(window)]));

    let sides = [
        Constituency::Workers,
        Constituency::Employers,
        Constituency::Government,
    ];
    // The status mix per activity…
    let header = vec![
        t(lang, "report.col_activity"),
        "n".to_string(),
        t(lang, "report.mon_done"),
        t(lang, "report.mon_started"),
        t(lang, "report.mon_nothing"),
        t(lang, "report.mon_unknown"),
    ];
    let rows = latest
        .activities
        .iter()
        .map(|(code, tally)| {
            let all = &tally.all;
            vec![
                code.to_string(),
                n(lang, all.total()),
                share(lang, all.get(Status::Done), all.total()),
                share(lang, all.get(Status::Started), all.total()),
                share(lang, all.get(Status::Nothing), all.total()),
                share(lang, all.get(Status::Unknown), all.total()),
            ]
        })
        .collect();
    blocks.push(Block::Table {
        header,
        rows,
        widths: vec![2, 2, 3, 3, 3, 3],
        numeric: vec![false, true, true, true, true, true],
    });
    // …and the "happening or done" share per constituency, a table of its own so that every
    // column is wide enough for its heading on an A4 page.
    let mut header = vec![t(lang, "report.col_activity")];
    header.extend(sides.iter().map(|s| {
        tr_with(
            lang,
            "report.mon_done_by",
            &[("side", &side_name(lang, Some(*s)))],
        )
    }));
    let rows = latest
        .activities
        .iter()
        .map(|(code, tally)| {
            let mut row = vec![code.to_string()];
            row.extend(sides.iter().map(|s| {
                tally
                    .by_constituency
                    .get(&Some(*s))
                    .map_or_else(|| "–".to_string(), |c| done(lang, c))
            }));
            row
        })
        .collect();
    blocks.push(Block::Table {
        header,
        rows,
        widths: vec![2, 3, 3, 3],
        numeric: vec![false, true, true, true],
    });

    // Where the constituencies see it differently.
    let split = latest.disagreements(3);
    blocks.push(Block::Heading(2, t(lang, "report.mon_split")));
    if split.is_empty() {
        blocks.push(Block::Para(vec![Span::Plain(t(
            lang,
            "report.mon_split_none",
        ))]));
    } else {
        let items = split
            .iter()
            .filter_map(|(code, _)| {
                let tally = latest.activity(code)?;
                let parts: Vec<String> = tally
                    .by_constituency
                    .iter()
                    .filter(|(side, _)| side.is_some())
                    .map(|(side, c)| {
                        format!(
                            "{} {} (n {})",
                            side_name(lang, *side),
                            done(lang, c),
                            n(lang, c.total())
                        )
                    })
                    .collect();
                let title = report
                    .activity(code)
                    .map_or_else(String::new, |a| a.title.clone());
                Some(vec![
                    Span::Bold(format!("{code} {title}")),
                    Span::Plain(format!(": {}", parts.join(" · "))),
                ])
            })
            .collect();
        blocks.push(Block::Bullets(items));
    }

    // The trend: the "happening or done" share round by round.
    if rounds.len() >= 2 {
        let shown: Vec<&RoundResults> = rounds.iter().take(TREND_ROUNDS).rev().collect();
        blocks.push(Block::Heading(2, t(lang, "report.mon_trend")));
        blocks.push(Block::Note(t(lang, "report.mon_trend_note")));
        let mut header = vec![t(lang, "report.col_activity")];
        header.extend(shown.iter().map(|r| r.round.title.clone()));
        let rows = latest
            .activities
            .iter()
            .map(|(code, _)| {
                let mut row = vec![code.to_string()];
                row.extend(shown.iter().map(|r| {
                    r.activity(code)
                        .map_or_else(|| "–".to_string(), |t| done(lang, &t.all))
                }));
                row
            })
            .collect();
        let columns = shown.len() + 1;
        blocks.push(Block::Table {
            header,
            rows,
            widths: std::iter::once(2)
                .chain(std::iter::repeat_n(3, shown.len()))
                .collect(),
            numeric: (0..columns).map(|i| i > 0).collect(),
        });
    }
}
