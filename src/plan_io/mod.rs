//! Plan files in, plan files out. The secretariat writes the plan as the documented TOML file
//! or, since they live in Excel, as a one-row-per-activity sheet (XLSX or CSV); every format is
//! read into a `PlanDraft` and checked by the same `PlanDraft::validate`.

mod table;
mod template;
mod toml_file;
mod xlsx;

pub use table::{COLUMNS, PLAN_KEYS};
pub use table::{MAX_SHEET_COLUMNS, MAX_SHEET_ROWS};
pub use template::{write_csv_template, write_xlsx_template};
pub use toml_file::from_toml;
pub use xlsx::MAX_UNPACKED_BYTES;

use crate::domain::plan_problem::{Place, PlanProblem, ProblemKind};
use crate::domain::Plan;

pub use crate::domain::plan::MAX_PLAN_FILE_BYTES;

/// The plan built into the binary and stored as version 1 on first start.
pub const DEFAULT_PLAN_TOML: &str = include_str!("../../plans/dwcp-2026-2027-draft.toml");

/// The built-in draft plan.
pub fn default_plan() -> Plan {
    // The built-in file is checked by a test; a broken one is a build defect.
    from_toml(DEFAULT_PLAN_TOML).expect("the built-in plan file is valid")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanFormat {
    Toml,
    Csv,
    Xlsx,
}

impl PlanFormat {
    /// Judged by the file name's extension, else by the content (an XLSX is a ZIP archive).
    pub fn detect(name: &str, bytes: &[u8]) -> Option<PlanFormat> {
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
        match ext.as_deref() {
            Some("toml") => Some(PlanFormat::Toml),
            Some("csv") => Some(PlanFormat::Csv),
            Some("xlsx") => Some(PlanFormat::Xlsx),
            _ if bytes.starts_with(b"PK\x03\x04") => Some(PlanFormat::Xlsx),
            _ => None,
        }
    }
}

/// Reads and checks a plan file of any accepted format.
pub fn read_plan(name: &str, bytes: &[u8]) -> Result<Plan, Vec<PlanProblem>> {
    let problem = |kind| vec![PlanProblem::new(Place::File, None, kind)];
    if bytes.len() > MAX_PLAN_FILE_BYTES {
        return Err(vec![PlanProblem::file_too_big(
            bytes.len(),
            MAX_PLAN_FILE_BYTES,
        )]);
    }
    match PlanFormat::detect(name, bytes) {
        Some(PlanFormat::Toml) => match std::str::from_utf8(strip_bom(bytes)) {
            Ok(text) => from_toml(text),
            Err(e) => Err(not_utf8(bytes, e)),
        },
        Some(PlanFormat::Csv) => table::from_csv(strip_bom(bytes)),
        Some(PlanFormat::Xlsx) => xlsx::from_xlsx(bytes),
        None => Err(problem(ProblemKind::UnknownFormat)),
    }
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

fn not_utf8(bytes: &[u8], e: std::str::Utf8Error) -> Vec<PlanProblem> {
    let line = bytes[..e.valid_up_to()]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1;
    vec![PlanProblem::new(
        Place::Line(line),
        None,
        ProblemKind::Syntax("the file is not UTF-8 text (save it as UTF-8)".into()),
    )]
}
