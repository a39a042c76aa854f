use std::io::Write;

use futures_util::{Stream, StreamExt};

use super::{Pseudonyms, Record, COLUMNS};
use crate::spreadsheet_text::inert;
use crate::store::{RatingRow, StoreError};

/// Excel reads a CSV as the local code page unless it starts with a UTF-8 byte-order mark;
/// with it, Khmer opens as Khmer.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

impl Record {
    /// The record with every text cell made inert, for a file meant for spreadsheets.
    fn inert(self) -> Record {
        Record {
            respondent: inert(self.respondent),
            constituency: inert(self.constituency),
            organisation: inert(self.organisation),
            province: inert(self.province),
            sector: inert(self.sector),
            gender: inert(self.gender),
            activity: inert(self.activity),
            comment: inert(self.comment),
            voice_note: inert(self.voice_note),
            language: inert(self.language),
            first_given: spreadsheet_time(self.first_given),
            last_changed: spreadsheet_time(self.last_changed),
            ..self
        }
    }
}

/// "2027-01-02T10:00:00+07:00" as Excel and LibreOffice import a date and time:
/// "2027-01-02 10:00:00" (Phnom Penh time, as every time in the exports).
fn spreadsheet_time(rfc3339: String) -> String {
    match rfc3339.get(..19) {
        Some(local) if rfc3339.as_bytes().get(10) == Some(&b'T') => local.replacen('T', " ", 1),
        _ => inert(rfc3339),
    }
}

/// Writes one row per rating; returns how many. Rows are written as they arrive.
pub async fn write_csv<W: Write>(
    out: W,
    secret: &[u8],
    mut rows: impl Stream<Item = Result<RatingRow, StoreError>> + Unpin,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<u64> {
    let mut out = out;
    out.write_all(UTF8_BOM)?;
    let mut csv = ::csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(out);
    csv.write_record(COLUMNS)?;
    let ids = Pseudonyms::new(secret);
    let mut n = 0;
    while let Some(row) = rows.next().await {
        csv.serialize(Record::new(&ids, row?).inert())?;
        n += 1;
        progress(n);
    }
    csv.flush()?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::{inert, spreadsheet_time};

    #[test]
    fn times_are_written_as_spreadsheets_import_them() {
        assert_eq!(
            spreadsheet_time("2027-01-02T10:00:00+07:00".into()),
            "2027-01-02 10:00:00"
        );
        // Anything else is only made inert.
        assert_eq!(spreadsheet_time("=1+1".into()), "'=1+1");
    }

    #[test]
    fn formulas_and_control_starts_are_made_inert_and_nothing_else_is_touched() {
        for risky in ["=1+1", "+1", "-1", "@A1", "\tx", "\rx"] {
            assert_eq!(inert(risky.into()), format!("'{risky}"));
        }
        for plain in [
            "",
            "P1.1",
            "ត្រូវការថវិកា",
            "2027-01-02T10:00:00+07:00",
            "a=b",
            " =1",
        ] {
            assert_eq!(inert(plain.into()), plain);
        }
    }
}
