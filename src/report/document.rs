//! The report as a document in one language: headings, paragraphs, tables, charts and
//! comments, every word translated here. The PDF and DOCX writers only lay these blocks out,
//! so both files say the same thing.

use chrono::{DateTime, Utc};

use super::model::{
    ActivityResult, Chosen, Comment, Report, Script, Tally, ANNEX_MAX, BODY_PER_GROUP, MIN_GAP,
    MIN_GROUP_RATINGS,
};
use crate::chart::ChartMaker;
use crate::domain::summary::Summary;
use crate::domain::{Constituency, Gender, Lang, Plan, Province, Sector};
use crate::messages::render::day;
use crate::messages::text::number;
use crate::messages::{tr, tr_with};

/// A piece of text, plain or bold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Span {
    Plain(String),
    Bold(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// The cover's title lines, large.
    Title(Vec<String>),
    Heading(u8, String),
    Para(Vec<Span>),
    /// Small grey text: how something was chosen or counted.
    Note(String),
    Bullets(Vec<Vec<Span>>),
    /// A table; `numeric[i]` right-aligns column i.
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
        widths: Vec<u16>,
        numeric: Vec<bool>,
    },
    Image {
        name: String,
        png: Vec<u8>,
        width: u32,
        height: u32,
    },
    /// A member's words, and who said them (pseudonymously).
    Quote {
        text: String,
        about: String,
    },
    PageBreak,
}

pub struct Document {
    pub lang: Lang,
    pub title: String,
    /// Left of the footer: plan version and the draft marker.
    pub footer: String,
    /// "Page %{page} of %{pages}", for the writer to fill.
    pub page_of: String,
    pub blocks: Vec<Block>,
}

pub(super) fn t(lang: Lang, key: &str) -> String {
    tr(lang, key)
}

pub(super) fn n(lang: Lang, v: impl ToString) -> String {
    number(v, lang)
}

fn mean(lang: Lang, m: Option<f64>) -> String {
    m.map_or_else(|| "–".to_string(), |m| number(format!("{m:.2}"), lang))
}

pub(super) fn share(lang: Lang, part: u64, whole: u64) -> String {
    if whole == 0 {
        return "–".into();
    }
    let tenths = (1000 * part + whole / 2) / whole;
    number(format!("{}.{} %", tenths / 10, tenths % 10), lang)
}

pub(super) fn side_name(lang: Lang, side: Option<Constituency>) -> String {
    match side {
        Some(Constituency::Workers) => t(lang, "chart.workers"),
        Some(Constituency::Employers) => t(lang, "chart.employers"),
        Some(Constituency::Government) => t(lang, "chart.government"),
        Some(Constituency::Other) => t(lang, "report.other"),
        None => t(lang, "report.not_said"),
    }
}

fn moment(lang: Lang, time: DateTime<Utc>) -> String {
    let local = time.with_timezone(&crate::clock::phnom_penh());
    format!("{} {}", day(lang, time), n(lang, local.format("%H:%M")))
}

fn title_of(report: &Report, code: &crate::domain::ActivityCode) -> String {
    report
        .activity(code)
        .map_or_else(String::new, |a| a.title.clone())
}

/// Builds the document; `charts` draws each priority's chart.
pub fn build(report: &Report, plan: &Plan, lang: Lang, charts: &ChartMaker) -> Document {
    let mut blocks = Vec::new();
    let draft = if report.draft {
        t(lang, "report.footer_draft")
    } else {
        String::new()
    };
    let footer = tr_with(
        lang,
        "report.footer",
        &[
            ("label", &report.plan_label),
            ("version", &n(lang, report.plan_version)),
            ("draft", &draft),
        ],
    );
    cover(report, lang, &mut blocks);
    if report.ratings() == 0 {
        // A short report that says why there is nothing more in it.
        let key = if report.filters.any() {
            "report.no_match"
        } else {
            "report.empty"
        };
        blocks.push(Block::Para(vec![Span::Bold(t(lang, key))]));
        super::monitoring::section(report, &report.rounds, lang, &mut blocks);
        method(report, lang, &mut blocks);
    } else {
        blocks.push(Block::PageBreak);
        findings(report, lang, &mut blocks);
        blocks.push(Block::PageBreak);
        who(report, lang, &mut blocks);
        for p in &plan.priorities {
            priority(report, plan, p, lang, charts, &mut blocks);
        }
        super::monitoring::section(report, &report.rounds, lang, &mut blocks);
        blocks.push(Block::PageBreak);
        method(report, lang, &mut blocks);
        annex(report, lang, &mut blocks);
    }
    Document {
        lang,
        title: t(lang, "report.title"),
        footer,
        page_of: t(lang, "report.page_of"),
        blocks,
    }
}

fn cover(report: &Report, lang: Lang, blocks: &mut Vec<Block>) {
    blocks.push(Block::Title(vec![
        t(lang, "report.title"),
        report.plan_title.clone(),
        tr_with(
            lang,
            "report.version",
            &[
                ("label", &report.plan_label),
                ("version", &n(lang, report.plan_version)),
            ],
        ),
    ]));
    if report.draft {
        blocks.push(Block::Para(vec![Span::Bold(t(lang, "report.draft"))]));
    }
    let window = match (
        report.window.closed_since(report.generated_at),
        report.window.until,
    ) {
        (Some(since), _) => tr_with(lang, "report.window_closed", &[("date", &day(lang, since))]),
        (None, Some(until)) => tr_with(lang, "report.window_until", &[("date", &day(lang, until))]),
        (None, None) => t(lang, "report.window_open"),
    };
    let mut filters = Vec::new();
    let f = &report.filters;
    if let Some(since) = f.since {
        filters.push(tr_with(
            lang,
            "report.filter_since",
            &[("date", &moment(lang, since))],
        ));
    }
    if let Some(until) = f.until {
        filters.push(tr_with(
            lang,
            "report.filter_until",
            &[("date", &moment(lang, until))],
        ));
    }
    if let Some(c) = f.constituency {
        filters.push(tr_with(
            lang,
            "report.filter_side",
            &[("side", &side_name(lang, Some(c)))],
        ));
    }
    if let Some(p) = f.province.and_then(Province::new) {
        filters.push(tr_with(
            lang,
            "report.filter_province",
            &[("province", province_name(lang, p))],
        ));
    }
    let filters = if filters.is_empty() {
        t(lang, "report.no_filter")
    } else {
        tr_with(lang, "report.filters", &[("filters", &filters.join("; "))])
    };
    blocks.push(Block::Bullets(vec![
        vec![Span::Plain(window)],
        vec![Span::Plain(tr_with(
            lang,
            "report.generated",
            &[("time", &moment(lang, report.generated_at))],
        ))],
        vec![Span::Plain(filters)],
        vec![Span::Plain(t(lang, "report.privacy"))],
    ]));
}

fn province_name(lang: Lang, p: Province) -> &'static str {
    match lang {
        Lang::En => p.names().en,
        Lang::Km => p.names().km,
    }
}

/// "n of N members rated all A activities."
fn rated_all_line(report: &Report, lang: Lang) -> String {
    tr_with(
        lang,
        "report.f_rated_all",
        &[
            ("n", &n(lang, report.rated_all)),
            ("members", &n(lang, report.members)),
            ("activities", &n(lang, report.activities.len())),
        ],
    )
}

/// A bullet per activity named in `codes`: its code in bold, its title and `detail`.
fn activity_lines(
    report: &Report,
    codes: &[crate::domain::ActivityCode],
    detail: impl Fn(&ActivityResult) -> String,
) -> Vec<Vec<Span>> {
    codes
        .iter()
        .filter_map(|c| report.activity(c))
        .map(|a| {
            vec![
                Span::Bold(a.code.to_string()),
                Span::Plain(format!(" {} — {}", a.title, detail(a))),
            ]
        })
        .collect()
}

fn findings(report: &Report, lang: Lang, blocks: &mut Vec<Block>) {
    blocks.push(Block::Heading(1, t(lang, "report.findings")));
    let sides = report
        .by_side
        .iter()
        .map(|(s, c)| format!("{} {}", side_name(lang, *s), n(lang, c)))
        .collect::<Vec<_>>()
        .join(" · ");
    blocks.push(Block::Bullets(vec![
        vec![
            Span::Bold(tr_with(
                lang,
                "report.f_members",
                &[("members", &n(lang, report.members))],
            )),
            Span::Plain(format!(" ({sides})")),
        ],
        vec![Span::Plain(tr_with(
            lang,
            "report.f_totals",
            &[
                ("ratings", &n(lang, report.ratings())),
                ("typed", &n(lang, report.typed())),
                ("voices", &n(lang, report.voices())),
            ],
        ))],
        vec![Span::Plain(rated_all_line(report, lang))],
    ]));
    blocks.push(Block::Heading(2, t(lang, "report.f_lowest")));
    blocks.push(Block::Bullets(activity_lines(
        report,
        &report.lowest,
        |a| {
            tr_with(
                lang,
                "report.mean_n",
                &[
                    ("mean", &mean(lang, a.stats.mean())),
                    ("n", &n(lang, a.stats.n)),
                ],
            )
        },
    )));
    blocks.push(Block::Heading(2, t(lang, "report.f_gaps")));
    let rule = [
        ("min", n(lang, MIN_GROUP_RATINGS)),
        ("gap", n(lang, format!("{MIN_GAP:.1}"))),
    ];
    let rule: Vec<(&str, &str)> = rule.iter().map(|(k, v)| (*k, v.as_str())).collect();
    if report.gaps.is_empty() {
        blocks.push(Block::Para(vec![Span::Plain(tr_with(
            lang,
            "report.f_no_gaps",
            &rule,
        ))]));
    } else {
        let side = |(c, m, count): (Constituency, f64, u64)| {
            format!(
                "{} {} (n={})",
                side_name(lang, Some(c)),
                mean(lang, Some(m)),
                n(lang, count)
            )
        };
        let rows = report
            .gaps
            .iter()
            .map(|g| {
                vec![
                    format!("{} {}", g.code, title_of(report, &g.code)),
                    side(g.high),
                    side(g.low),
                    mean(lang, Some(g.size())),
                ]
            })
            .collect();
        blocks.push(Block::Table {
            header: vec![
                t(lang, "report.col_activity"),
                t(lang, "report.col_highest"),
                t(lang, "report.col_lowest"),
                t(lang, "report.col_gap"),
            ],
            rows,
            widths: vec![5, 3, 3, 1],
            numeric: vec![false, false, false, true],
        });
        blocks.push(Block::Note(tr_with(lang, "report.gap_rule", &rule)));
    }
    blocks.push(Block::Heading(2, t(lang, "report.f_most_commented")));
    let lines = activity_lines(report, &report.most_commented, |a| {
        tr_with(
            lang,
            "report.typed_voices",
            &[
                ("typed", &n(lang, a.stats.texts)),
                ("voices", &n(lang, a.stats.voices)),
            ],
        )
    });
    if lines.is_empty() {
        blocks.push(Block::Para(vec![Span::Plain(t(lang, "report.none"))]));
    } else {
        blocks.push(Block::Bullets(lines));
    }
}

fn tally_table<K>(
    lang: Lang,
    head: &str,
    tally: &Tally<K>,
    whole: u64,
    name: impl Fn(&K) -> String,
) -> Block {
    let rows = tally
        .iter()
        .map(|(k, c)| {
            vec![
                k.as_ref().map_or_else(|| t(lang, "report.not_said"), &name),
                n(lang, c),
                share(lang, *c, whole),
            ]
        })
        .collect();
    Block::Table {
        header: vec![
            t(lang, head),
            t(lang, "report.col_members"),
            t(lang, "report.col_share"),
        ],
        rows,
        widths: vec![4, 1, 1],
        numeric: vec![false, true, true],
    }
}

fn who(report: &Report, lang: Lang, blocks: &mut Vec<Block>) {
    blocks.push(Block::Heading(1, t(lang, "report.who")));
    blocks.push(Block::Para(vec![Span::Plain(rated_all_line(report, lang))]));
    blocks.push(Block::Heading(2, t(lang, "report.by_side")));
    let mut rows = Vec::new();
    for (side, count) in &report.by_side {
        rows.push(vec![
            side_name(lang, *side),
            String::new(),
            n(lang, count),
            share(lang, *count, report.members),
        ]);
        for (_, org, c) in report.by_org.iter().filter(|(s, _, _)| s == side) {
            rows.push(vec![
                String::new(),
                org.clone(),
                n(lang, c),
                share(lang, *c, report.members),
            ]);
        }
    }
    blocks.push(Block::Table {
        header: vec![
            t(lang, "report.col_side"),
            t(lang, "report.col_org"),
            t(lang, "report.col_members"),
            t(lang, "report.col_share"),
        ],
        rows,
        widths: vec![2, 4, 1, 1],
        numeric: vec![false, false, true, true],
    });
    blocks.push(Block::Heading(2, t(lang, "report.by_province")));
    blocks.push(tally_table(
        lang,
        "report.col_province",
        &report.by_province,
        report.members,
        |p| Province::new(*p).map_or_else(|| p.to_string(), |p| province_name(lang, p).to_string()),
    ));
    blocks.push(Block::Heading(2, t(lang, "report.by_sector")));
    blocks.push(tally_table(
        lang,
        "report.col_sector",
        &report.by_sector,
        report.members,
        |s| Sector::parse(s).map_or_else(|| s.clone(), |s| t(lang, s.key())),
    ));
    blocks.push(Block::Heading(2, t(lang, "report.by_gender")));
    blocks.push(tally_table(
        lang,
        "report.col_gender",
        &report.by_gender,
        report.members,
        |g| Gender::parse(g).map_or_else(|| g.clone(), |g| t(lang, g.key())),
    ));
}

/// Activities per chart picture: a priority with many activities gets several, each fitting
/// a page.
const CHART_ACTIVITIES: usize = 8;

fn priority(
    report: &Report,
    plan: &Plan,
    p: &crate::domain::Priority,
    lang: Lang,
    charts: &ChartMaker,
    blocks: &mut Vec<Block>,
) {
    let results: Vec<&ActivityResult> = report
        .activities
        .iter()
        .filter(|a| a.priority == p.code)
        .collect();
    blocks.push(Block::PageBreak);
    blocks.push(Block::Heading(
        1,
        format!("{} · {}", p.code, p.title.get(lang)),
    ));
    let ratings: u64 = results.iter().map(|a| a.stats.n).sum();
    blocks.push(Block::Note(tr_with(
        lang,
        "report.priority_note",
        &[
            ("activities", &n(lang, results.len())),
            ("ratings", &n(lang, ratings)),
        ],
    )));
    for (k, chunk) in results.chunks(CHART_ACTIVITIES).enumerate() {
        let mut part = plan.clone();
        part.priorities.retain(|q| q.code == p.code);
        part.activities
            .retain(|a| chunk.iter().any(|r| r.code == a.code));
        let summary = Summary {
            activities: chunk.iter().map(|a| a.stats.clone()).collect(),
            ..Default::default()
        };
        match charts.png_part(&summary, &part, lang) {
            Ok(png) => {
                let (width, height) = png_size(&png);
                blocks.push(Block::Image {
                    name: format!("chart-{}-{k}.png", p.code),
                    png,
                    width,
                    height,
                });
            }
            Err(e) => tracing::warn!(error = %e, "a report chart could not be drawn"),
        }
    }
    blocks.push(Block::Note(t(lang, "chart.scale")));
    let rows = results
        .iter()
        .map(|a| {
            let s = &a.stats;
            let d = s
                .distribution
                .iter()
                .map(|c| n(lang, c))
                .collect::<Vec<_>>()
                .join(" / ");
            let side = |c: Constituency| {
                let count = s.by_constituency.get(&c).map_or(0, |x| x.0);
                format!("{} (n={})", mean(lang, s.mean_of(c)), n(lang, count))
            };
            vec![
                format!("{} {}", a.code, a.title),
                n(lang, s.n),
                mean(lang, s.mean()),
                s.median()
                    .map_or("–".into(), |m| n(lang, format!("{m:.1}"))),
                d,
                side(Constituency::Workers),
                side(Constituency::Employers),
                side(Constituency::Government),
            ]
        })
        .collect();
    blocks.push(Block::Table {
        header: vec![
            t(lang, "report.col_activity"),
            "n".into(),
            t(lang, "report.col_mean"),
            t(lang, "report.col_median"),
            t(lang, "report.col_distribution"),
            t(lang, "chart.workers"),
            t(lang, "chart.employers"),
            t(lang, "chart.government"),
        ],
        rows,
        widths: vec![8, 2, 2, 2, 4, 3, 3, 3],
        numeric: vec![false, true, true, true, false, true, true, true],
    });
    for a in results {
        activity(a, lang, blocks);
    }
}

fn activity(a: &ActivityResult, lang: Lang, blocks: &mut Vec<Block>) {
    blocks.push(Block::Heading(2, format!("{} {}", a.code, a.title)));
    let s = &a.stats;
    blocks.push(Block::Para(vec![Span::Plain(tr_with(
        lang,
        "report.activity_line",
        &[
            ("n", &n(lang, s.n)),
            ("mean", &mean(lang, s.mean())),
            (
                "median",
                &s.median()
                    .map_or("–".into(), |m| n(lang, format!("{m:.1}"))),
            ),
            ("typed", &n(lang, s.texts)),
            ("voices", &n(lang, s.voices)),
        ],
    ))]));
    chosen(lang, "report.change", &a.change, blocks);
    chosen(lang, "report.other_comments", &a.other, blocks);
}

fn chosen(lang: Lang, head: &str, c: &Chosen, blocks: &mut Vec<Block>) {
    if c.total == 0 {
        return;
    }
    blocks.push(Block::Heading(3, t(lang, head)));
    for (side, comments) in &c.by_side {
        blocks.push(Block::Para(vec![Span::Bold(side_name(lang, *side))]));
        for comment in comments {
            blocks.push(quote(lang, comment, super::model::BODY_COMMENT_CHARS));
        }
    }
    if (c.shown() as u64) < c.total {
        blocks.push(Block::Note(tr_with(
            lang,
            "report.shown",
            &[
                ("shown", &n(lang, c.shown())),
                ("total", &n(lang, c.total)),
                ("per", &n(lang, BODY_PER_GROUP)),
            ],
        )));
    }
}

fn cut(text: &str, max: usize) -> String {
    use unicode_segmentation::UnicodeSegmentation;
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for g in text.graphemes(true) {
        used += g.chars().count();
        if used > max {
            break;
        }
        out.push_str(g);
    }
    out.push('…');
    out
}

fn quote(lang: Lang, c: &Comment, max: usize) -> Block {
    let mut about = vec![
        c.respondent.clone(),
        side_name(lang, c.side),
        tr_with(lang, "report.rated", &[("rating", &n(lang, c.rating))]),
    ];
    if let Some(script) = c.script {
        about.push(t(
            lang,
            match script {
                Script::Khmer => "report.in_khmer",
                Script::Latin => "report.in_latin",
            },
        ));
    }
    let voice = c.voice.as_ref().map(|(secs, file)| {
        tr_with(
            lang,
            "report.voice",
            &[
                (
                    "duration",
                    &n(lang, format!("{}:{:02}", secs / 60, secs % 60)),
                ),
                ("file", file),
            ],
        )
    });
    let text = match (&c.text, voice) {
        (Some(text), Some(voice)) => format!("{}\n{voice}", cut(text, max)),
        (Some(text), None) => cut(text, max),
        (None, Some(voice)) => voice,
        (None, None) => String::new(),
    };
    Block::Quote {
        text,
        about: about.join(" · "),
    }
}

fn method(report: &Report, lang: Lang, blocks: &mut Vec<Block>) {
    blocks.push(Block::Heading(1, t(lang, "report.method")));
    let scale = (1..=5)
        .map(|r| format!("{} = {}", n(lang, r), t(lang, &format!("rating.{r}"))))
        .collect::<Vec<_>>()
        .join(" · ");
    let question = strip_tags(&t(lang, "card.ask"));
    let change = strip_tags(&t(lang, "comment.ask_low"));
    let items = [
        t(lang, "report.m_reached"),
        tr_with(
            lang,
            "report.m_plan",
            &[
                ("title", &report.plan_title),
                ("version", &n(lang, report.plan_version)),
            ],
        ),
        tr_with(lang, "report.m_question", &[("question", &question)]),
        tr_with(lang, "report.m_scale", &[("scale", &scale)]),
        tr_with(lang, "report.m_change", &[("question", &change)]),
        t(lang, "report.m_n"),
        t(lang, "report.m_comments"),
        tr_with(
            lang,
            "report.m_selection",
            &[("per", &n(lang, BODY_PER_GROUP))],
        ),
    ];
    blocks.push(Block::Bullets(
        items.into_iter().map(|i| vec![Span::Plain(i)]).collect(),
    ));
}

/// The member-facing texts carry Telegram's HTML and emoji; the report quotes their words
/// only (the bundled fonts have no emoji, which would print as empty boxes).
fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in s.chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            c if !inside && !is_emoji(c) => out.push(c),
            _ => {}
        }
    }
    let out = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    out.split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Pictographs, dingbats and their variation selector: what a phone draws in colour.
fn is_emoji(c: char) -> bool {
    matches!(c as u32, 0x2190..=0x21FF | 0x2300..=0x23FF | 0x2600..=0x27BF | 0x2B00..=0x2BFF
        | 0xFE0F | 0x1F000..=0x1FAFF)
}

fn annex(report: &Report, lang: Lang, blocks: &mut Vec<Block>) {
    if report.activities.iter().all(|a| a.annex.is_empty()) {
        return;
    }
    blocks.push(Block::PageBreak);
    blocks.push(Block::Heading(1, t(lang, "report.annex")));
    if report.annex_capped {
        blocks.push(Block::Note(tr_with(
            lang,
            "report.annex_capped",
            &[("max", &n(lang, ANNEX_MAX))],
        )));
    }
    for a in report.activities.iter().filter(|a| !a.annex.is_empty()) {
        blocks.push(Block::Heading(2, format!("{} {}", a.code, a.title)));
        for c in &a.annex {
            blocks.push(quote(lang, c, super::model::ANNEX_COMMENT_CHARS));
        }
    }
}

/// Width and height from a PNG's header.
fn png_size(png: &[u8]) -> (u32, u32) {
    let be = |i: usize| {
        png.get(i..i + 4)
            .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    (be(16), be(20))
}
