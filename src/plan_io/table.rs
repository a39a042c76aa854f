//! The plan as one sheet, one row per activity, for editing in Excel (XLSX or CSV):
//!
//! ```text
//! # comment rows start with '#'
//! plan_label      | 2026-2027
//! plan_status     | draft
//! plan_title_en   | …
//! plan_title_km   | …
//! plan_source     | …
//! priority | priority_short_en | … | code | title_en | title_km | … | timeframe   ← header
//! P1       | Skills…           | … | P1.1 | …                                       ← activities
//! P1       |                   |   | P1.2 | …   (a priority's texts once, on its first row)
//! ```

use std::collections::HashMap;

use crate::domain::plan::{ActivityDraft, Located, PlanDraft, PriorityDraft};
use crate::domain::plan::{MAX_ACTIVITIES, MAX_PRIORITIES};
use crate::domain::plan_problem::{Place, PlanProblem, ProblemKind};
use crate::domain::Plan;

/// Rows of a plan sheet: settings and comment rows, a header, then one row per activity.
pub const MAX_SHEET_ROWS: usize = MAX_ACTIVITIES + MAX_PRIORITIES + 100;
/// Columns: the template's 13 and room for the notes people add beside them (A to AX).
pub const MAX_SHEET_COLUMNS: usize = 50;

/// Settings rows above the header: `key | value`.
pub const PLAN_KEYS: [&str; 5] = [
    "plan_label",
    "plan_status",
    "plan_title_en",
    "plan_title_km",
    "plan_source",
];

/// The header row's columns, all required, in the template's order.
pub const COLUMNS: [&str; 13] = [
    "priority",
    "priority_short_en",
    "priority_short_km",
    "priority_title_en",
    "priority_title_km",
    "code",
    "title_en",
    "title_km",
    "desc_en",
    "desc_km",
    "lead_en",
    "lead_km",
    "timeframe",
];

/// One sheet row: its 1-based number and its cells as text.
pub type Row = (usize, Vec<String>);

pub fn from_csv(bytes: &[u8]) -> Result<Plan, Vec<PlanProblem>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rows = Vec::new();
    for record in reader.records() {
        match record {
            Ok(r) => {
                let line = r.position().map_or(rows.len() + 1, |p| p.line() as usize);
                // Bounded like a workbook's sheet: blank rows and trailing blank cells cost
                // nothing, a cell beyond what a plan sheet holds ends the reading.
                let used = (0..r.len())
                    .rev()
                    .find(|i| !r[*i].trim().is_empty())
                    .map_or(0, |i| i + 1);
                if used == 0 {
                    continue;
                }
                // Rows counted, not lines: a cell may span several lines.
                if rows.len() >= MAX_SHEET_ROWS || used > MAX_SHEET_COLUMNS {
                    return Err(vec![PlanProblem::new(
                        Place::File,
                        None,
                        ProblemKind::SheetTooBig {
                            rows: rows.len() + 1,
                            columns: used,
                            max_rows: MAX_SHEET_ROWS,
                            max_columns: MAX_SHEET_COLUMNS,
                        },
                    )]);
                }
                // The template guards texts a spreadsheet would run with a leading `'`: one is dropped.
                let text = |c: &str| c.strip_prefix('\'').unwrap_or(c).to_string();
                rows.push((line, r.iter().take(used).map(text).collect()));
            }
            Err(e) => {
                let place = e
                    .position()
                    .map_or(Place::File, |p| Place::Row(p.line() as usize));
                let message = match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => {
                        "the file is not UTF-8 text (in Excel, save as \"CSV UTF-8\")".to_string()
                    }
                    _ => e.to_string(),
                };
                return Err(vec![PlanProblem::new(
                    place,
                    None,
                    ProblemKind::Syntax(message),
                )]);
            }
        }
    }
    from_rows(rows)
}

fn cell(row: &[String], i: usize) -> &str {
    row.get(i).map_or("", |s| s.trim())
}

pub fn from_rows(rows: Vec<Row>) -> Result<Plan, Vec<PlanProblem>> {
    let mut draft = PlanDraft::default();
    let mut problems = Vec::new();
    let mut header: Option<(usize, HashMap<&'static str, usize>)> = None;
    // Priority code → index in draft.priorities and the row that first gave it.
    let mut priorities: HashMap<String, (usize, usize)> = HashMap::new();

    for (n, row) in rows {
        let first = cell(&row, 0);
        if row.iter().all(|c| c.trim().is_empty()) || first.starts_with('#') {
            continue;
        }
        let Some((_, columns)) = &header else {
            if first == COLUMNS[0] {
                header = Some((n, read_header(n, &row, &mut problems)));
                continue;
            }
            let value = Located::new(cell(&row, 1), Place::Row(n));
            match first {
                "plan_label" => draft.label = value,
                "plan_status" => draft.status = value,
                "plan_title_en" => draft.title_en = value,
                "plan_title_km" => draft.title_km = value,
                "plan_source" => draft.source = value,
                other => problems.push(PlanProblem::new(
                    Place::Row(n),
                    Some(other),
                    ProblemKind::UnknownColumn,
                )),
            }
            continue;
        };
        let get = |name: &str| {
            let value = columns.get(name).map_or("", |i| cell(&row, *i));
            Located::new(value, Place::Row(n))
        };
        let code = get("priority");
        match priorities.get(&code.value) {
            None => {
                priorities.insert(code.value.clone(), (draft.priorities.len(), n));
                draft.priorities.push(PriorityDraft {
                    place: Some(Place::Row(n)),
                    code: code.clone(),
                    short_en: get("priority_short_en"),
                    short_km: get("priority_short_km"),
                    title_en: get("priority_title_en"),
                    title_km: get("priority_title_km"),
                });
            }
            Some(&(index, first_row)) => {
                let p = &mut draft.priorities[index];
                for (name, field) in [
                    ("priority_short_en", &mut p.short_en),
                    ("priority_short_km", &mut p.short_km),
                    ("priority_title_en", &mut p.title_en),
                    ("priority_title_km", &mut p.title_km),
                ] {
                    let given = get(name);
                    if given.value.is_empty() || given.value == field.value {
                        continue;
                    }
                    if field.value.is_empty() {
                        *field = given;
                    } else {
                        problems.push(PlanProblem::new(
                            Place::Row(n),
                            Some(name),
                            ProblemKind::PriorityDiffers { first_row },
                        ));
                    }
                }
            }
        }
        draft.activities.push(ActivityDraft {
            place: Some(Place::Row(n)),
            code: get("code"),
            priority: code,
            title_en: get("title_en"),
            title_km: get("title_km"),
            desc_en: get("desc_en"),
            desc_km: get("desc_km"),
            lead_en: get("lead_en"),
            lead_km: get("lead_km"),
            timeframe: get("timeframe"),
        });
    }
    if header.is_none() {
        problems.push(PlanProblem::new(Place::File, None, ProblemKind::NoHeader));
        return Err(problems);
    }
    if !problems.is_empty() {
        // Structural problems first: the field checks would only repeat them.
        return Err(problems);
    }
    draft.validate(true)
}

fn read_header(
    n: usize,
    row: &[String],
    problems: &mut Vec<PlanProblem>,
) -> HashMap<&'static str, usize> {
    let mut columns = HashMap::new();
    for (i, name) in row.iter().enumerate() {
        let name = name.trim();
        if name.is_empty() || name.starts_with('#') {
            continue;
        }
        match COLUMNS.iter().find(|c| **c == name) {
            Some(c) => {
                columns.insert(*c, i);
            }
            None => problems.push(PlanProblem::new(
                Place::Row(n),
                Some(name),
                ProblemKind::UnknownColumn,
            )),
        }
    }
    for c in COLUMNS {
        if !columns.contains_key(c) {
            problems.push(PlanProblem::new(
                Place::Row(n),
                Some(c),
                ProblemKind::MissingColumn,
            ));
        }
    }
    columns
}
