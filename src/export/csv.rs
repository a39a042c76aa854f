use std::io::Write;

use futures_util::{Stream, StreamExt};

use super::{Pseudonyms, Record, COLUMNS};
use crate::store::{RatingRow, StoreError};

/// Excel reads a CSV as the local code page unless it starts with a UTF-8 byte-order mark;
/// with it, Khmer opens as Khmer.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

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
        csv.serialize(Record::new(&ids, row?))?;
        n += 1;
        progress(n);
    }
    csv.flush()?;
    Ok(n)
}
