//! The secretariat's workbook: Summary (with a native chart of the means), By constituency,
//! By province, Ratings (one row per current rating) and Comments (grouped by activity).
//!
//! One pass over the streamed ratings writes the Ratings and Comments sheets and accumulates
//! the aggregates, so every sheet honours the same filters; sheets use rust_xlsxwriter's
//! constant-memory mode, so memory does not grow with the number of rows.

use std::collections::BTreeMap;
use std::path::Path;

use futures_util::{Stream, StreamExt};
use rust_xlsxwriter::{Chart, Format, Workbook, Worksheet, XlsxError};

use super::{Pseudonyms, Record, COLUMNS};
use crate::domain::summary::{Cell, Summary};
use crate::domain::{Constituency, Plan, Province};
use crate::store::{RatingRow, StoreError};

/// The font Cambodian offices use for Khmer in Word and Excel; Excel falls back to another
/// Khmer-capable font where it is not installed.
pub const KHMER_FONT: &str = "Khmer OS Siemreap";

const SHEETS: [&str; 5] = [
    "Summary",
    "By constituency",
    "By province",
    "Ratings",
    "Comments",
];

/// A row's height for one line of 11 pt Khmer OS Siemreap: stacked consonants and vowels
/// above and below need about half again the default 15 pt.
const KHMER_LINE_PT: f64 = 22.5;
/// The most lines a wrapped cell's row is made tall for; longer text is read in the cell.
const MAX_LINES: usize = 8;
/// Comments rows are three lines tall unless they need more…
const COMMENT_DEFAULT_LINES: usize = 3;
/// …and the first this many rows that need more get their own height (each costs memory
/// until the file is written: about 5 MB for all of these).
const MAX_SIZED_ROWS: u32 = 10_000;

struct Formats {
    header: Format,
    khmer: Format,
    /// Long texts (titles, comments), wrapped in their column and read from the top.
    wrapped: Format,
    mean: Format,
    /// Times in Phnom Penh, as real dates Excel and LibreOffice sort and filter.
    time: Format,
    /// Numbers, at the top of their row like the texts beside them.
    top: Format,
    /// Every printed page's footer: which plan (and whether it is the draft), page n of N.
    footer: String,
    /// Every printed page's header: when the export was made and of which ratings.
    page_header: String,
}

/// What a printed page of the workbook says about the export, beside the plan.
#[derive(Clone, Debug)]
pub struct Printed {
    pub exported_at: chrono::DateTime<chrono::Utc>,
    /// The filter in words ("all ratings" when none).
    pub filter: String,
}

fn lines(s: &str, width: f64) -> usize {
    crate::spreadsheet_text::wrapped_lines(s, width, MAX_LINES)
}

/// Printing: A4 landscape at a readable size, the columns that do not fit going on to the next
/// page with the first column (which row it is) repeated, the header row on every page, a
/// header saying when and of what the export was made, and a footer saying which plan the
/// pages are about and which page of how many. ("One page wide" shrank the wide sheets to
/// 35-41 %, 4-5 pt on paper.)
fn page_setup(ws: &mut Worksheet, f: &Formats) -> Result<(), XlsxError> {
    ws.set_paper_size(A4);
    ws.set_landscape();
    ws.set_print_scale(PRINT_SCALE);
    ws.set_repeat_rows(0, 0)?;
    ws.set_repeat_columns(0, 0)?;
    ws.set_header(&f.page_header);
    ws.set_footer(&f.footer);
    Ok(())
}

/// Per cent: 11 pt prints at about 9 pt, and an A4 landscape page holds ~160 characters of
/// columns.
const PRINT_SCALE: u16 = 85;

/// "Exported 2027-01-02 10:00 (Phnom Penh) … all ratings", in the header's own codes. Excel
/// takes at most 255 characters for a header.
fn page_header(printed: &Printed) -> String {
    let at = local(printed.exported_at).format("%Y-%m-%d %H:%M");
    let filter: String = printed
        .filter
        .replace('&', "&&")
        .chars()
        .take(150)
        .collect();
    format!("&LExported {at} (Phnom Penh time)&R{filter}")
}

/// The paper size code Excel and LibreOffice read as A4 (the default is US Letter).
const A4: u8 = 9;

/// "DWCP work plan 2026-2027, version 3 (DRAFT) … Page 1 of 4", in the footer's own codes.
fn footer(plan: &Plan) -> String {
    let draft = if plan.is_draft() { " (DRAFT)" } else { "" };
    let label: String = plan.label.replace('&', "&&").chars().take(120).collect();
    format!(
        "&LDWCP work plan {label}, version {}{draft}&RPage &P of &N",
        plan.version
    )
}

fn sheet<'a>(wb: &'a mut Workbook, name: &str) -> Result<&'a mut Worksheet, XlsxError> {
    wb.worksheet_from_name(name)
}

fn header(
    ws: &mut Worksheet,
    f: &Formats,
    titles: &[&str],
    widths: &[f64],
) -> Result<(), XlsxError> {
    for (i, w) in widths.iter().enumerate() {
        ws.set_column_width(i as u16, *w)?;
    }
    for (i, t) in titles.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, *t, &f.header)?;
    }
    // Headers wrap at `_` rather than run into the next column.
    ws.set_row_height(0, 30.0)?;
    ws.set_freeze_panes(1, 0)?;
    page_setup(ws, f)?;
    Ok(())
}

fn text(ws: &mut Worksheet, row: u32, col: u16, s: &str, khmer: &Format) -> Result<(), XlsxError> {
    if s.is_empty() {
        return Ok(());
    }
    // The Khmer-capable font on every text (harmless on Latin), and the format's alignment and
    // wrapping, so that a row's cells line up.
    ws.write_string_with_format(row, col, s, khmer)?;
    Ok(())
}

fn mean_cell(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    m: Option<f64>,
    f: &Formats,
) -> Result<(), XlsxError> {
    if let Some(m) = m {
        ws.write_number_with_format(row, col, m, &f.mean)?;
    }
    Ok(())
}

/// Rows on their way from the database to the workbook's thread.
const IN_FLIGHT: usize = 512;

/// Writes the workbook to `path`; returns the number of ratings.
///
/// Building and zipping a workbook is CPU work: it runs on the blocking pool, fed through a
/// bounded channel, so the runtime's threads stay free for members' updates meanwhile.
// The workbook's sources are its arguments: two streams, the monitoring answers, and what the
// pages print; a struct around them would only rename them.
#[allow(clippy::too_many_arguments)]
pub async fn write_xlsx(
    path: &Path,
    secret: &[u8],
    plan: &Plan,
    printed: &Printed,
    mut rows: impl Stream<Item = Result<RatingRow, StoreError>> + Unpin,
    mut comments: impl Stream<Item = Result<RatingRow, StoreError>> + Unpin,
    mut monitoring: impl Stream<Item = Result<crate::store::AnswerRow, StoreError>> + Unpin,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<u64> {
    let (row_tx, mut row_rx) = tokio::sync::mpsc::channel(IN_FLIGHT);
    let (monitor_tx, mut monitor_rx) = tokio::sync::mpsc::channel(IN_FLIGHT);
    let (comment_tx, mut comment_rx) = tokio::sync::mpsc::channel(IN_FLIGHT);
    let (path, secret, plan) = (path.to_path_buf(), secret.to_vec(), plan.clone());
    let header = page_header(printed);
    let writer = tokio::task::spawn_blocking(move || {
        build(
            &path,
            &secret,
            &plan,
            header,
            std::iter::from_fn(|| row_rx.blocking_recv()),
            std::iter::from_fn(|| comment_rx.blocking_recv()),
            std::iter::from_fn(|| monitor_rx.blocking_recv()),
        )
    });
    let mut n = 0;
    // A closed channel means the writer stopped (an error): its result says why.
    while let Some(row) = rows.next().await {
        if row_tx.send(row).await.is_err() {
            break;
        }
        n += 1;
        progress(n);
    }
    drop(row_tx);
    while let Some(row) = comments.next().await {
        if comment_tx.send(row).await.is_err() {
            break;
        }
    }
    drop(comment_tx);
    while let Some(row) = monitoring.next().await {
        if monitor_tx.send(row).await.is_err() {
            break;
        }
    }
    drop(monitor_tx);
    writer
        .await
        .map_err(|e| anyhow::anyhow!("the workbook's thread failed: {e}"))?
}

fn build(
    path: &Path,
    secret: &[u8],
    plan: &Plan,
    page_header: String,
    rows: impl Iterator<Item = Result<RatingRow, StoreError>>,
    comments: impl Iterator<Item = Result<RatingRow, StoreError>>,
    monitoring: impl Iterator<Item = Result<crate::store::AnswerRow, StoreError>>,
) -> anyhow::Result<u64> {
    let top = Format::new().set_align(rust_xlsxwriter::FormatAlign::Top);
    let khmer = Format::new()
        .set_font_name(KHMER_FONT)
        .set_font_size(11)
        .set_align(rust_xlsxwriter::FormatAlign::Top);
    let f = Formats {
        header: Format::new()
            .set_bold()
            .set_background_color("#DDEBF7")
            .set_text_wrap()
            .set_align(rust_xlsxwriter::FormatAlign::Top),
        wrapped: khmer
            .clone()
            .set_text_wrap()
            .set_align(rust_xlsxwriter::FormatAlign::Top),
        khmer,
        mean: top.clone().set_num_format("0.00"),
        time: top.clone().set_num_format("yyyy-mm-dd hh:mm"),
        top,
        footer: footer(plan),
        page_header,
    };
    let mut wb = Workbook::new();
    crate::spreadsheet_text::use_khmer_theme(&mut wb)?;
    for name in SHEETS {
        wb.add_worksheet_with_constant_memory()?.set_name(name)?;
    }

    let ratings_widths = [
        14.0, 12.0, 24.0, 16.0, 13.0, 12.0, 9.0, 7.0, 60.0, 24.0, 8.0, 9.0, 26.0, 26.0, 9.0,
    ];
    header(sheet(&mut wb, "Ratings")?, &f, &COLUMNS, &ratings_widths)?;
    // Every row one Khmer line tall: set once for the sheet, so that a million rows cost
    // nothing (a height set row by row stays in memory until the file is written).
    sheet(&mut wb, "Ratings")?.set_default_row_height(KHMER_LINE_PT);
    sheet(&mut wb, "Comments")?
        .set_default_row_height(KHMER_LINE_PT * COMMENT_DEFAULT_LINES as f64);
    header(
        sheet(&mut wb, "Comments")?,
        &f,
        &[
            "activity",
            "title_km",
            "title_en",
            "respondent",
            "constituency",
            "rating",
            "comment",
            "voice_note",
            "voice_seconds",
        ],
        &[9.0, 40.0, 40.0, 14.0, 12.0, 7.0, 70.0, 24.0, 14.0],
    )?;

    let mut cells: BTreeMap<(String, Option<Constituency>, u8), Cell> = BTreeMap::new();
    let mut provinces: BTreeMap<(String, Option<u8>), (u64, u64)> = BTreeMap::new();
    // Rows come member by member: a member is counted when their first row arrives.
    let mut members: BTreeMap<Option<Constituency>, u64> = BTreeMap::new();
    let mut last_member = None;
    let ids = Pseudonyms::new(secret);
    let (mut n, mut comment_row) = (0u64, 0u32);
    for row in rows {
        let row = row?;
        let constituency = row.constituency.as_deref().and_then(Constituency::parse);
        let province = row.province.and_then(|p| u8::try_from(p).ok());
        let has_text = row.comment_text.is_some();
        let has_voice = row.voice_file_id.is_some();
        if last_member != Some(row.member_id) {
            last_member = Some(row.member_id);
            *members.entry(constituency).or_default() += 1;
        }
        let (first_at, updated_at) = (row.first_at, row.updated_at);
        let record = Record::new(&ids, row);
        n += 1;
        let r = n as u32;

        let ws = sheet(&mut wb, "Ratings")?;
        for (i, value) in [
            &record.respondent,
            &record.constituency,
            &record.organisation,
            &record.province,
            &record.sector,
            &record.gender,
            &record.activity,
        ]
        .into_iter()
        .enumerate()
        {
            text(ws, r, i as u16, value, &f.khmer)?;
        }
        ws.write_number_with_format(r, 7, record.rating as f64, &f.top)?;
        text(ws, r, 8, &record.comment, &f.khmer)?;
        text(ws, r, 9, &record.voice_note, &f.khmer)?;
        if let Some(s) = record.voice_seconds {
            ws.write_number_with_format(r, 10, s as f64, &f.top)?;
        }
        text(ws, r, 11, &record.language, &f.khmer)?;
        ws.write_datetime_with_format(r, 12, local(first_at), &f.time)?;
        ws.write_datetime_with_format(r, 13, local(updated_at), &f.time)?;
        ws.write_number_with_format(r, 14, record.revisions as f64, &f.top)?;

        let rating = u8::try_from(record.rating).unwrap_or(0);
        let cell = cells
            .entry((record.activity.clone(), constituency, rating))
            .or_insert_with(|| Cell {
                activity: record.activity.clone(),
                constituency,
                rating,
                count: 0,
                texts: 0,
                voices: 0,
            });
        cell.count += 1;
        cell.texts += u64::from(has_text);
        cell.voices += u64::from(has_voice);
        let p = provinces
            .entry((record.activity.clone(), province))
            .or_default();
        p.0 += 1;
        p.1 += u64::from(rating);
    }
    let last = n as u32;
    sheet(&mut wb, "Ratings")?.autofilter(0, 0, last, COLUMNS.len() as u16 - 1)?;

    // The comments come in a second read, grouped by activity; the ratings above come member
    // by member, which is the fast order to read a million of them in. An activity's titles
    // stand on its first comment's row only: the code on every row keeps sorting and filtering.
    let mut titled: Option<String> = None;
    for row in comments {
        let record = Record::new(&ids, row?);
        comment_row += 1;
        let first_of_activity = titled.as_deref() != Some(record.activity.as_str());
        let activity = plan
            .activities
            .iter()
            .find(|a| a.code.as_str() == record.activity)
            .filter(|_| first_of_activity);
        if first_of_activity {
            titled = Some(record.activity.clone());
        }
        let ws = sheet(&mut wb, "Comments")?;
        text(ws, comment_row, 0, &record.activity, &f.khmer)?;
        text(
            ws,
            comment_row,
            1,
            activity.map_or("", |a| a.title.km.as_str()),
            &f.wrapped,
        )?;
        text(
            ws,
            comment_row,
            2,
            activity.map_or("", |a| a.title.en.as_str()),
            &f.wrapped,
        )?;
        text(ws, comment_row, 3, &record.respondent, &f.khmer)?;
        text(ws, comment_row, 4, &record.constituency, &f.khmer)?;
        ws.write_number_with_format(comment_row, 5, record.rating as f64, &f.top)?;
        text(ws, comment_row, 6, &record.comment, &f.wrapped)?;
        // Tall enough for the comment's lines (column 70 wide) and for Khmer titles, when more
        // than the sheet's default three; rust_xlsxwriter keeps each such row's height in memory
        // to the end, so only so many rows get one.
        let comment_lines = lines(&record.comment, 65.0);
        let title_lines = activity.map_or(1, |a| {
            lines(&a.title.km, 38.0).max(lines(&a.title.en, 38.0))
        });
        let needed = comment_lines.max(title_lines);
        if needed > COMMENT_DEFAULT_LINES && comment_row <= MAX_SIZED_ROWS {
            ws.set_row_height(comment_row, KHMER_LINE_PT * needed as f64)?;
        }
        text(ws, comment_row, 7, &record.voice_note, &f.khmer)?;
        if let Some(s) = record.voice_seconds {
            ws.write_number_with_format(comment_row, 8, s as f64, &f.top)?;
        }
    }
    sheet(&mut wb, "Comments")?.autofilter(0, 0, comment_row, 8)?;

    let counts = members;
    let cells: Vec<Cell> = cells.into_values().collect();
    let summary = Summary::new(plan, counts, &cells);
    write_summary(&mut wb, &f, plan, &summary)?;
    write_by_constituency(&mut wb, &f, &summary)?;
    write_by_province(&mut wb, &f, plan, &provinces)?;
    // Monitoring rounds' answers, when there are any: what members say has happened.
    let mut monitoring = monitoring.peekable();
    if monitoring.peek().is_some() {
        super::monitoring::sheet(&mut wb, &ids, monitoring, &f.header)?;
    }
    wb.save(path)?;
    Ok(n)
}

fn write_summary(
    wb: &mut Workbook,
    f: &Formats,
    plan: &Plan,
    summary: &Summary,
) -> Result<(), XlsxError> {
    let ws = sheet(wb, "Summary")?;
    let titles = [
        "activity",
        "title_km",
        "title_en",
        "n",
        "mean",
        "median",
        "n_1",
        "n_2",
        "n_3",
        "n_4",
        "n_5",
        "mean_workers",
        "mean_employers",
        "mean_government",
        "typed_comments",
        "voice_notes",
    ];
    header(
        ws,
        f,
        &titles,
        &[
            9.0, 45.0, 45.0, 7.0, 7.0, 8.0, 6.0, 6.0, 6.0, 6.0, 6.0, 15.0, 17.0, 18.0, 16.0, 13.0,
        ],
    )?;
    for (i, a) in summary.activities.iter().enumerate() {
        let r = i as u32 + 1;
        let activity = a.code.as_ref().and_then(|c| plan.activity(c));
        text(
            ws,
            r,
            0,
            a.code.as_ref().map_or("", |c| c.as_str()),
            &f.khmer,
        )?;
        text(
            ws,
            r,
            1,
            activity.map_or("", |x| x.title.km.as_str()),
            &f.wrapped,
        )?;
        text(
            ws,
            r,
            2,
            activity.map_or("", |x| x.title.en.as_str()),
            &f.wrapped,
        )?;
        let title_lines = activity.map_or(1, |x| {
            lines(&x.title.km, 43.0).max(lines(&x.title.en, 43.0))
        });
        ws.set_row_height(r, KHMER_LINE_PT * title_lines as f64)?;
        ws.write_number_with_format(r, 3, a.n as f64, &f.top)?;
        mean_cell(ws, r, 4, a.mean(), f)?;
        mean_cell(ws, r, 5, a.median(), f)?;
        for (k, c) in a.distribution.iter().enumerate() {
            ws.write_number_with_format(r, 6 + k as u16, *c as f64, &f.top)?;
        }
        for (k, side) in [
            Constituency::Workers,
            Constituency::Employers,
            Constituency::Government,
        ]
        .into_iter()
        .enumerate()
        {
            mean_cell(ws, r, 11 + k as u16, a.mean_of(side), f)?;
        }
        // Typed comments and voice notes are counted apart, as everywhere.
        ws.write_number_with_format(r, 14, a.texts as f64, &f.top)?;
        ws.write_number_with_format(r, 15, a.voices as f64, &f.top)?;
    }
    let last = summary.activities.len() as u32;
    ws.autofilter(0, 0, last, 15)?;
    // A native chart: Excel redraws it, in the reader's fonts, when the data changes.
    let mut chart = Chart::new_column();
    chart.title().set_name("Mean rating per activity");
    for (col, name, side) in [
        (4u16, "all", None),
        (11, "workers", Some(Constituency::Workers)),
        (12, "employers", Some(Constituency::Employers)),
        (13, "government", Some(Constituency::Government)),
    ] {
        // The colours of the /summary chart and of the report's.
        let mut fill = rust_xlsxwriter::ChartSolidFill::new();
        fill.set_color(crate::chart::series_colour(side));
        let mut format = rust_xlsxwriter::ChartFormat::new();
        format.set_solid_fill(&fill);
        chart
            .add_series()
            .set_name(name)
            .set_categories(("Summary", 1, 0, last, 0))
            .set_values(("Summary", 1, col, last, col))
            .set_format(&mut format);
    }
    chart.y_axis().set_min(0.0).set_max(5.0);
    // Wide enough for every activity's code, read sideways, with the legend out of the way.
    chart.set_width(960).set_height(480);
    chart
        .x_axis()
        .set_font(rust_xlsxwriter::ChartFont::new().set_rotation(-45));
    chart
        .legend()
        .set_position(rust_xlsxwriter::ChartLegendPosition::Bottom);
    // The chart starts a page of its own, so that it prints whole.
    ws.set_page_breaks(&[last + 1])?;
    ws.insert_chart(last + 2, 1, &chart)?;
    Ok(())
}

fn write_by_constituency(
    wb: &mut Workbook,
    f: &Formats,
    summary: &Summary,
) -> Result<(), XlsxError> {
    let ws = sheet(wb, "By constituency")?;
    header(
        ws,
        f,
        &["activity", "constituency", "n", "mean"],
        &[9.0, 14.0, 7.0, 7.0],
    )?;
    let mut r = 0;
    for a in &summary.activities {
        for side in Constituency::ALL {
            let (n, _) = a.by_constituency.get(&side).copied().unwrap_or_default();
            // The three constituencies always (a zero is a finding); "other" only when someone
            // answered as such.
            if side == Constituency::Other && n == 0 {
                continue;
            }
            r += 1;
            ws.write_string(r, 0, a.code.as_ref().map_or("", |c| c.as_str()))?;
            ws.write_string(r, 1, side.word())?;
            ws.write_number(r, 2, n as f64)?;
            mean_cell(ws, r, 3, a.mean_of(side), f)?;
        }
    }
    ws.autofilter(0, 0, r, 3)?;
    Ok(())
}

fn write_by_province(
    wb: &mut Workbook,
    f: &Formats,
    plan: &Plan,
    provinces: &BTreeMap<(String, Option<u8>), (u64, u64)>,
) -> Result<(), XlsxError> {
    let ws = sheet(wb, "By province")?;
    header(
        ws,
        f,
        &[
            "activity",
            "province_code",
            "province",
            "province_km",
            "n",
            "mean",
        ],
        &[9.0, 13.0, 18.0, 18.0, 7.0, 7.0],
    )?;
    let mut r = 0;
    for a in &plan.activities {
        for ((code, province), (n, sum)) in
            provinces.range((a.code.to_string(), None)..=(a.code.to_string(), Some(u8::MAX)))
        {
            debug_assert_eq!(code, a.code.as_str());
            r += 1;
            ws.write_string(r, 0, code)?;
            if let Some(p) = province.and_then(Province::new) {
                ws.write_number(r, 1, f64::from(p.code()))?;
                ws.write_string(r, 2, p.names().en)?;
                ws.write_string_with_format(r, 3, p.names().km, &f.khmer)?;
            } else {
                ws.write_string(r, 2, "not given")?;
                ws.write_string_with_format(r, 3, "មិនបានប្រាប់", &f.khmer)?;
            }
            ws.write_number(r, 4, *n as f64)?;
            mean_cell(ws, r, 5, crate::domain::summary::rounded_mean(*sum, *n), f)?;
        }
    }
    ws.autofilter(0, 0, r.max(1), 5)?;
    Ok(())
}

/// A time as a Phnom Penh clock shows it: what the secretariat reads in a cell.
fn local(t: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    t.with_timezone(&crate::clock::phnom_penh()).naive_local()
}
