//! Text cells in files meant for spreadsheets (CSV exports, the workbook, the plan template).

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

/// The workbook theme with Khmer OS Siemreap as its complex-script font and its Khmer script
/// font (rust_xlsxwriter's default Office theme otherwise): a spreadsheet that takes Khmer's
/// font from the theme, rather than from a cell's (Latin) font name, finds it here.
const KHMER_THEME: &str = include_str!("../assets/xlsx-theme-khmer.xml");

pub fn use_khmer_theme(
    book: &mut rust_xlsxwriter::Workbook,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    // rust_xlsxwriter reads a theme from a file only.
    let mut file = tempfile::NamedTempFile::new()?;
    std::io::Write::write_all(&mut file, KHMER_THEME.as_bytes())?;
    book.use_custom_theme(file.path())?;
    Ok(())
}

/// How many lines `text` takes wrapped in a column `width` characters wide, at most `max`
/// (Khmer clusters are wider than Latin letters: counted a third wider). A row is made this
/// many Khmer lines tall so that a spreadsheet shows every line.
pub fn wrapped_lines(text: &str, width: f64, max: usize) -> usize {
    let wide = if crate::domain::lang::has_khmer(text) {
        1.35
    } else {
        1.0
    };
    ((text.chars().count() as f64 * wide / width).ceil() as usize).clamp(1, max)
}
