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
            first_given: inert(self.first_given),
            last_changed: inert(self.last_changed),
            ..self
        }
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
    use super::inert;

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
