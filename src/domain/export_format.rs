//! What an export can be written as.

/// The file formats of an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ExportFormat {
    Csv,
    Json,
    Xlsx,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
            ExportFormat::Xlsx => "xlsx",
        }
    }

    pub const ALL: [ExportFormat; 3] = [ExportFormat::Csv, ExportFormat::Json, ExportFormat::Xlsx];

    /// From the extension, exactly as [`ExportFormat::extension`] writes it.
    pub fn parse(s: &str) -> Option<ExportFormat> {
        ExportFormat::ALL.into_iter().find(|f| f.extension() == s)
    }
}

/// The file formats of the consultation report: PDF to print, DOCX to edit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ReportFormat {
    Pdf,
    Docx,
}

impl ReportFormat {
    pub const ALL: [ReportFormat; 2] = [ReportFormat::Pdf, ReportFormat::Docx];

    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Pdf => "pdf",
            ReportFormat::Docx => "docx",
        }
    }

    pub fn parse(s: &str) -> Option<ReportFormat> {
        ReportFormat::ALL
            .into_iter()
            .find(|f| f.extension().eq_ignore_ascii_case(s))
    }
}
