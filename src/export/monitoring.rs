//! Monitoring answers as a file: one row per member, round and activity, pseudonymous like the
//! ratings' exports (the same respondent ids), in CSV, JSON or a workbook.

use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::{Pseudonyms, Who};
use crate::domain::ExportFormat;
use crate::spreadsheet_text::inert;
use futures_util::{Stream, StreamExt};

use crate::store::{AnswerRow, StoreError};

pub const MONITOR_COLUMNS: [&str; 13] = [
    "round",
    "round_title",
    "respondent",
    "activity",
    "status",
    "constituency",
    "organisation",
    "province",
    "sector",
    "gender",
    "comment",
    "voice_seconds",
    "answered_at",
];

#[derive(serde::Serialize)]
pub struct Answer {
    round: i64,
    round_title: String,
    respondent: String,
    activity: String,
    /// done, started, nothing, unknown; empty while only a comment was sent.
    status: String,
    constituency: String,
    organisation: String,
    province: String,
    sector: String,
    gender: String,
    comment: String,
    voice_seconds: Option<i64>,
    /// Phnom Penh time.
    answered_at: String,
}

impl Answer {
    pub fn new(ids: &Pseudonyms, row: AnswerRow) -> Answer {
        let who = Who::new(
            row.constituency.as_deref(),
            row.org_code,
            None,
            row.province,
            row.sector.as_deref(),
            row.gender.as_deref(),
        );
        Answer {
            round: row.round_id,
            round_title: row.round_title,
            respondent: ids.id(row.member_id),
            activity: row.activity_code,
            status: row.status.unwrap_or_default(),
            constituency: who.constituency,
            organisation: who.organisation,
            province: who.province,
            sector: who.sector,
            gender: who.gender,
            comment: row.comment_text.unwrap_or_default(),
            voice_seconds: row.voice_duration,
            answered_at: super::time(row.answered_at),
        }
    }

    /// Text cells made inert and the time as spreadsheets import it.
    fn for_spreadsheets(self) -> Answer {
        Answer {
            round_title: inert(self.round_title),
            respondent: inert(self.respondent),
            activity: inert(self.activity),
            organisation: inert(self.organisation),
            comment: inert(self.comment),
            answered_at: local_time(&self.answered_at),
            ..self
        }
    }

    fn cells(&self) -> [String; 13] {
        [
            self.round.to_string(),
            self.round_title.clone(),
            self.respondent.clone(),
            self.activity.clone(),
            self.status.clone(),
            self.constituency.clone(),
            self.organisation.clone(),
            self.province.clone(),
            self.sector.clone(),
            self.gender.clone(),
            self.comment.clone(),
            self.voice_seconds
                .map(|s| s.to_string())
                .unwrap_or_default(),
            self.answered_at.clone(),
        ]
    }
}

/// "2027-01-02T10:00:00+07:00" → "2027-01-02 10:00:00".
fn local_time(rfc3339: &str) -> String {
    rfc3339
        .get(..19)
        .map_or(String::new(), |t| t.replacen('T', " ", 1))
}

/// Writes `rows` to `path` (owner-only) in `format`, one row in memory at a time; returns how
/// many rows. The workbook is built on the blocking pool, fed through a bounded channel.
pub async fn write(
    format: ExportFormat,
    path: &Path,
    secret: &[u8],
    mut rows: impl Stream<Item = Result<AnswerRow, StoreError>> + Unpin,
    now: DateTime<Utc>,
) -> anyhow::Result<u64> {
    let ids = Pseudonyms::new(secret);
    crate::store::private::file(path)?;
    let mut n = 0;
    match format {
        ExportFormat::Csv => {
            let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
            file.write_all(b"\xEF\xBB\xBF")?;
            let mut csv = ::csv::Writer::from_writer(file);
            csv.write_record(MONITOR_COLUMNS)?;
            while let Some(row) = rows.next().await {
                csv.write_record(Answer::new(&ids, row?).for_spreadsheets().cells())?;
                n += 1;
            }
            csv.flush()?;
        }
        ExportFormat::Json => {
            let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
            write!(
                file,
                "{{\"format\":\"dwcp-feedback monitoring v1\",\"exported_at\":{},\"answers\":[",
                serde_json::to_string(&super::time(now))?
            )?;
            while let Some(row) = rows.next().await {
                file.write_all(if n == 0 { b"\n" } else { b",\n" })?;
                serde_json::to_writer(&mut file, &Answer::new(&ids, row?))?;
                n += 1;
            }
            file.write_all(b"\n]}\n")?;
            file.flush()?;
        }
        ExportFormat::Xlsx => {
            let (tx, mut rx) = tokio::sync::mpsc::channel(512);
            let (path, secret) = (path.to_path_buf(), secret.to_vec());
            let writer = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
                let ids = Pseudonyms::new(&secret);
                let mut book = rust_xlsxwriter::Workbook::new();
                crate::spreadsheet_text::use_khmer_theme(&mut book)?;
                let bold = rust_xlsxwriter::Format::new().set_bold();
                let answers = std::iter::from_fn(|| rx.blocking_recv());
                sheet(&mut book, &ids, answers, &bold)?;
                book.save(&path)?;
                Ok(())
            });
            while let Some(row) = rows.next().await {
                // A closed channel means the writer stopped: its result says why.
                if tx.send(row).await.is_err() {
                    break;
                }
                n += 1;
            }
            drop(tx);
            writer
                .await
                .map_err(|e| anyhow::anyhow!("the workbook's thread failed: {e}"))??;
        }
    }
    crate::store::private::existing(path)?;
    Ok(n)
}

/// The workbook's "Monitoring" sheet: one row per answer, as `monitor export` writes them.
pub fn sheet(
    book: &mut rust_xlsxwriter::Workbook,
    ids: &Pseudonyms,
    rows: impl Iterator<Item = Result<AnswerRow, StoreError>>,
    header: &rust_xlsxwriter::Format,
) -> anyhow::Result<()> {
    let sheet = book.add_worksheet_with_constant_memory()?;
    sheet.set_name("Monitoring")?;
    sheet.set_freeze_panes(1, 0)?;
    for (c, width) in [
        (1u16, 24.0),
        (2, 14.0),
        (5, 12.0),
        (6, 12.0),
        (7, 16.0),
        (8, 13.0),
        (9, 11.0),
        (10, 48.0),
        (12, 20.0),
    ] {
        sheet.set_column_width(c, width)?;
    }
    sheet.set_paper_size(9);
    sheet.set_landscape();
    sheet.set_print_scale(85);
    sheet.set_repeat_rows(0, 0)?;
    for (c, name) in MONITOR_COLUMNS.iter().enumerate() {
        sheet.write_with_format(0, c as u16, *name, header)?;
    }
    for (r, row) in rows.enumerate() {
        let a = Answer::new(ids, row?).for_spreadsheets();
        let row = r as u32 + 1;
        sheet.write_number(row, 0, a.round as f64)?;
        for (c, cell) in a.cells().iter().enumerate().skip(1) {
            if c == 11 {
                if let Some(secs) = a.voice_seconds {
                    sheet.write_number(row, 11, secs as f64)?;
                }
            } else if !cell.is_empty() {
                sheet.write_string(row, c as u16, cell)?;
            }
        }
    }
    Ok(())
}
