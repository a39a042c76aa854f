//! `dwcp-feedback plan template`: the one-row-per-activity sheet, with every column explained,
//! empty or filled with a plan to start from.

use std::io::Write;

use rust_xlsxwriter::{Color, Format, FormatBorder, Note, Workbook, XlsxError};

use super::table::{COLUMNS, PLAN_KEYS};
use crate::domain::Plan;

const PLAN_KEY_HELP: [&str; 5] = [
    "A short name of this plan version, e.g. 2026-2027",
    "draft (members see a 'draft plan' marker) or validated",
    "The plan's title in English",
    "The plan's title in Khmer (Unicode)",
    "Where this plan comes from, e.g. 'Validated at the tripartite workshop of 12 March 2026'",
];

const COLUMN_HELP: [&str; 13] = [
    "Priority code, e.g. P1 or X (a letter, then up to 11 letters, digits, '.', '-' or '_')",
    "Priority short name in English, at most 60 characters. Give the priority's texts on its first row; later rows may leave them empty",
    "Priority short name in Khmer, at most 60 characters",
    "Priority full title in English, at most 200 characters",
    "Priority full title in Khmer, at most 200 characters",
    "Activity code, unique in the plan, e.g. P1.2. Members' ratings follow the code: keep it when the activity is unchanged",
    "Activity title in English, at most 200 characters",
    "Activity title in Khmer, at most 200 characters",
    "What the activity does, in English, at most 1500 characters",
    "What the activity does, in Khmer, at most 1500 characters",
    "Who leads it, in English, at most 300 characters",
    "Who leads it, in Khmer, at most 300 characters",
    "When, as a span of quarters: 2026Q1-2027Q4 (2026Q1 = January-March 2026)",
];

const INTRO: [&str; 3] = [
    "# dwcp-feedback plan sheet: rows starting with # are ignored. Fill the plan_ rows, then one row per activity under the header row.",
    "# Import with `dwcp-feedback plan import <file>` or send the file to the bot as an admin; every problem is reported with its row and column, and nothing changes until the file has none.",
    "# Khmer text must be Unicode Khmer. In Excel, save CSV as \"CSV UTF-8\".",
];

fn plan_values(plan: Option<&Plan>) -> [String; 5] {
    match plan {
        Some(p) => [
            p.label.clone(),
            p.status.code().to_string(),
            p.title.en.clone(),
            p.title.km.clone(),
            p.source.clone(),
        ],
        None => [
            String::new(),
            "draft".into(),
            String::new(),
            String::new(),
            String::new(),
        ],
    }
}

/// The activity rows of `plan`, a priority's texts on its first row only.
fn activity_rows(plan: Option<&Plan>) -> Vec<[String; 13]> {
    let Some(plan) = plan else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for p in &plan.priorities {
        for (i, a) in plan.activities_of(&p.code).enumerate() {
            let first = |s: &str| if i == 0 { s.to_string() } else { String::new() };
            rows.push([
                p.code.to_string(),
                first(&p.short.en),
                first(&p.short.km),
                first(&p.title.en),
                first(&p.title.km),
                a.code.to_string(),
                a.title.en.clone(),
                a.title.km.clone(),
                a.description.en.clone(),
                a.description.km.clone(),
                a.lead.en.clone(),
                a.lead.km.clone(),
                a.timeframe.to_string(),
            ]);
        }
    }
    rows
}

/// A plan text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) gets a leading
/// `'`, as exports do. Unlike an export, the sheet comes back: so a text that already starts with
/// `'` gets one too, and the reader (`table::from_csv`) drops exactly one, which gives back every
/// text byte for byte.
fn as_text(cell: String) -> String {
    if cell.starts_with('\'') {
        format!("'{cell}")
    } else {
        crate::spreadsheet_text::inert(cell)
    }
}

/// UTF-8 with a BOM, so Excel shows the Khmer; the explanations are `#` rows.
pub fn write_csv_template(out: impl Write, plan: Option<&Plan>) -> std::io::Result<()> {
    let mut out = out;
    out.write_all(b"\xEF\xBB\xBF")?;
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(out);
    for line in INTRO {
        w.write_record([line])?;
    }
    for (c, help) in COLUMNS.iter().zip(COLUMN_HELP) {
        w.write_record([format!("# {c}: {help}")])?;
    }
    for ((key, help), value) in PLAN_KEYS.iter().zip(PLAN_KEY_HELP).zip(plan_values(plan)) {
        w.write_record([key.to_string(), as_text(value), format!("# {help}")])?;
    }
    w.write_record(COLUMNS)?;
    for row in activity_rows(plan) {
        w.write_record(row.map(as_text))?;
    }
    w.flush()?;
    Ok(())
}

fn column_width(column: &str) -> u16 {
    if column.starts_with("desc") {
        60
    } else if column.contains("title") || column.contains("lead") {
        40
    } else {
        14
    }
}

/// A workbook with the "Plan" sheet (explanations as notes on every header) and a "Read me".
pub fn write_xlsx_template(path: &std::path::Path, plan: Option<&Plan>) -> Result<(), XlsxError> {
    let mut book = Workbook::new();
    crate::spreadsheet_text::use_khmer_theme(&mut book)?;
    let khmer = Format::new()
        .set_font_name("Khmer OS Siemreap")
        .set_font_size(11)
        .set_text_wrap()
        .set_align(rust_xlsxwriter::FormatAlign::Top);
    let bold = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border_bottom(FormatBorder::Thin);
    let grey = Format::new().set_font_color(Color::Gray).set_italic();

    let sheet = book.add_worksheet().set_name("Plan")?;
    let mut row = 0u32;
    for line in INTRO {
        sheet.write_with_format(row, 0, line, &grey)?;
        row += 1;
    }
    for ((key, help), value) in PLAN_KEYS.iter().zip(PLAN_KEY_HELP).zip(plan_values(plan)) {
        sheet.write_with_format(row, 0, *key, &bold)?;
        sheet.write_with_format(row, 1, value, &khmer)?;
        sheet.write_with_format(row, 2, format!("# {help}"), &grey)?;
        row += 1;
    }
    let header = row;
    for (col, (c, help)) in COLUMNS.iter().zip(COLUMN_HELP).enumerate() {
        let col = col as u16;
        sheet.write_with_format(header, col, *c, &bold)?;
        sheet.insert_note(header, col, &Note::new(help).set_width(320))?;
        sheet.set_column_width(col, column_width(c))?;
    }
    let widths: Vec<f64> = COLUMNS.iter().map(|c| column_width(c) as f64).collect();
    for values in activity_rows(plan) {
        row += 1;
        for (col, v) in values.iter().enumerate() {
            sheet.write_with_format(row, col as u16, v, &khmer)?;
        }
        // Wrapped cells show every line only in a row tall enough for them (Khmer lines are
        // about 22 pt in an 11 pt Khmer font).
        let lines = values
            .iter()
            .zip(&widths)
            .map(|(v, w)| crate::spreadsheet_text::wrapped_lines(v, w - 2.0, 15))
            .max()
            .unwrap_or(1);
        sheet.set_row_height(row, 22.5 * lines as f64)?;
    }
    sheet.set_freeze_panes(header + 1, 0)?;
    // Printed as read: landscape, one page wide, the header row on every page.
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(header, header)?;

    let readme = book.add_worksheet().set_name("Read me")?;
    readme.set_column_width(0, 22)?;
    readme.set_column_width(1, 110)?;
    let mut r = 0u32;
    for line in INTRO {
        readme.write(r, 1, line.trim_start_matches("# "))?;
        r += 1;
    }
    r += 1;
    for (c, help) in PLAN_KEYS
        .iter()
        .zip(PLAN_KEY_HELP)
        .chain(COLUMNS.iter().zip(COLUMN_HELP))
    {
        readme.write_with_format(r, 0, *c, &bold)?;
        readme.write(r, 1, help)?;
        r += 1;
    }
    book.save(path)
}
