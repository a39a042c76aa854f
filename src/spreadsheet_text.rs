//! Text cells in files meant for spreadsheets (CSV exports, the plan template).

/// A text cell a spreadsheet would take for a formula (`=`, `+`, `-`, `@`) or that starts with a
/// tab or carriage return, made inert as OWASP recommends: a leading `'`, which Excel and
/// LibreOffice read as "this is text" and do not show. Only text columns go through this;
/// numbers (ratings, seconds, revisions) are written as numbers, so a negative one stays one.
pub fn inert(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}
