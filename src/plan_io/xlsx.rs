//! Plan workbooks (.xlsx) from outside, read with bounded work and memory whatever they hold.
//!
//! An .xlsx is a zip of XML parts, and both layers can lie: a 600 KB part may inflate to
//! gigabytes, and two cells at A1 and XFD1048576 make a dense reader allocate a grid of 17
//! billion cells. So, before any parsing, every part is inflated into a counter that stops at a
//! budget; then the sheet is read cell by cell (never as a grid), and a cell beyond the rows and
//! columns a plan sheet can hold ends the reading.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};

use super::table::{from_rows, Row, MAX_SHEET_COLUMNS, MAX_SHEET_ROWS};
use crate::domain::plan_problem::{Place, PlanProblem, ProblemKind};
use crate::domain::Plan;

/// All parts of a plan workbook together, unpacked. The template is ~30 KB unpacked; a plan
/// with every text at its longest stays under 8 MB.
pub const MAX_UNPACKED_BYTES: u64 = 16 * 1024 * 1024;
/// Parts in the archive (the template has about a dozen).
const MAX_PARTS: usize = 200;

fn problem(kind: ProblemKind) -> Vec<PlanProblem> {
    vec![PlanProblem::new(Place::File, None, kind)]
}

fn unreadable(e: &dyn std::fmt::Display) -> Vec<PlanProblem> {
    problem(ProblemKind::Syntax(format!(
        "not a readable XLSX workbook: {e}"
    )))
}

fn too_big(rows: usize, columns: usize) -> Vec<PlanProblem> {
    problem(ProblemKind::SheetTooBig {
        rows,
        columns,
        max_rows: MAX_SHEET_ROWS,
        max_columns: MAX_SHEET_COLUMNS,
    })
}

/// Inflates every part into nothing, stopping at the budget: what the parts really unpack to,
/// not what their headers claim.
fn check_unpacked_size(bytes: &[u8]) -> Result<(), Vec<PlanProblem>> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    if zip.len() > MAX_PARTS {
        return Err(unreadable(&format!("it has {} parts", zip.len())));
    }
    let bomb = || {
        problem(ProblemKind::UnpacksTooBig {
            max_mb: (MAX_UNPACKED_BYTES / (1024 * 1024)) as usize,
        })
    };
    let mut left = MAX_UNPACKED_BYTES;
    for i in 0..zip.len() {
        let part = zip.by_index(i).map_err(|e| unreadable(&e))?;
        if part.size() > left {
            return Err(bomb());
        }
        let inflated = std::io::copy(&mut part.take(left + 1), &mut std::io::sink())
            .map_err(|e| unreadable(&e))?;
        if inflated > left {
            return Err(bomb());
        }
        left -= inflated;
    }
    Ok(())
}

/// Reads the sheet named "Plan", or the first sheet.
pub fn from_xlsx(bytes: &[u8]) -> Result<Plan, Vec<PlanProblem>> {
    check_unpacked_size(bytes)?;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let names = book.sheet_names();
    let name = names
        .iter()
        .find(|n| n.eq_ignore_ascii_case("plan"))
        .or(names.first())
        .cloned()
        .ok_or_else(|| unreadable(&"it has no sheet"))?;
    let mut cells = book
        .worksheet_cells_reader(&name)
        .map_err(|e| unreadable(&e))?;
    let declared = cells.dimensions();
    let (last_row, last_column) = (declared.end.0 as usize + 1, declared.end.1 as usize + 1);
    if last_row > MAX_SHEET_ROWS || last_column > MAX_SHEET_COLUMNS {
        return Err(too_big(last_row, last_column));
    }
    // Rows by their 1-based number as Excel shows it; a hand-made file may list them unsorted.
    let mut rows: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    while let Some(cell) = cells.next_cell().map_err(|e| unreadable(&e))? {
        let (r, c) = cell.get_position();
        let (row, column) = (r as usize + 1, c as usize + 1);
        let text = Data::from(cell.get_value().clone()).to_string();
        if text.trim().is_empty() {
            continue;
        }
        if row > MAX_SHEET_ROWS || column > MAX_SHEET_COLUMNS {
            return Err(too_big(row, column));
        }
        let cells = rows.entry(row).or_default();
        if cells.len() < column {
            cells.resize(column, String::new());
        }
        cells[column - 1] = text;
    }
    let rows: Vec<Row> = rows.into_iter().collect();
    from_rows(rows)
}
