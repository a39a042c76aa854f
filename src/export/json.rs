use std::io::Write;

use chrono::{DateTime, SecondsFormat, Utc};
use futures_util::{Stream, StreamExt};
use serde::Serialize;

use super::{Pseudonyms, Record};
use crate::store::{RatingRow, StoreError};

/// What the file says about itself, before the ratings.
#[derive(Serialize)]
pub struct Header<'a> {
    pub format: &'static str,
    pub plan_version: i64,
    pub plan_status: &'a str,
    pub exported_at: String,
    pub filter: &'a serde_json::Value,
}

/// What a JSON export says about where its ratings come from.
pub struct About<'a> {
    pub plan_version: i64,
    pub plan_status: &'a str,
    pub filter: &'a serde_json::Value,
    pub now: DateTime<Utc>,
}

/// Writes `{"format": …, "plan_version": …, …, "ratings": [ … ], "monitoring": [ … ]}`,
/// one rating at a time.
pub async fn write_json<W: Write>(
    mut out: W,
    secret: &[u8],
    about: About<'_>,
    mut rows: impl Stream<Item = Result<RatingRow, StoreError>> + Unpin,
    mut monitoring: impl Stream<Item = Result<crate::store::AnswerRow, StoreError>> + Unpin,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<u64> {
    let header = Header {
        format: "dwcp-feedback ratings v1",
        plan_version: about.plan_version,
        plan_status: about.plan_status,
        exported_at: about.now.to_rfc3339_opts(SecondsFormat::Secs, true),
        filter: about.filter,
    };
    let head = serde_json::to_string(&header)?;
    // The header object, reopened to append the ratings array after its fields.
    out.write_all(&head.as_bytes()[..head.len() - 1])?;
    out.write_all(b",\"ratings\":[\n")?;
    let ids = Pseudonyms::new(secret);
    let mut n = 0;
    while let Some(row) = rows.next().await {
        if n > 0 {
            out.write_all(b",\n")?;
        }
        serde_json::to_writer(&mut out, &Record::new(&ids, row?))?;
        n += 1;
        progress(n);
    }
    // Then what members said has happened in monitoring rounds (empty without rounds).
    out.write_all(b"\n],\"monitoring\":[\n")?;
    let mut first = true;
    while let Some(row) = monitoring.next().await {
        if !first {
            out.write_all(b",\n")?;
        }
        first = false;
        serde_json::to_writer(&mut out, &super::monitoring::Answer::new(&ids, row?))?;
    }
    out.write_all(b"\n]}\n")?;
    out.flush()?;
    Ok(n)
}
