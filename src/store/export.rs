//! Rows for the exports, streamed so that memory does not grow with the number of ratings.

use chrono::{DateTime, Utc};
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use sqlx::pool::PoolConnection;
use sqlx::Sqlite;

use super::{Store, StoreError};
use crate::domain::Constituency;

/// Which ratings an export covers. `None` everywhere: all current ratings of the active plan.
#[derive(Clone, Debug, Default)]
pub struct ExportFilter {
    pub plan_version: Option<i64>,
    /// Last changed at or after.
    pub since: Option<DateTime<Utc>>,
    /// Last changed before.
    pub until: Option<DateTime<Utc>>,
    pub constituency: Option<Constituency>,
    pub province: Option<u8>,
}

/// One current rating with what is known of the member, before pseudonymisation.
#[derive(Clone, Debug)]
pub struct RatingRow {
    pub member_id: i64,
    pub constituency: Option<String>,
    pub org_code: Option<String>,
    pub org_name: Option<String>,
    pub province: Option<i64>,
    pub sector: Option<String>,
    pub gender: Option<String>,
    pub lang: Option<String>,
    pub activity_code: String,
    pub rating: i64,
    pub comment_text: Option<String>,
    pub voice_file_id: Option<String>,
    pub voice_duration: Option<i64>,
    pub first_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub revisions: i64,
}

impl Store {
    /// Creates the installation's export key (32 random bytes) if it has none yet: once, when
    /// the database is opened for writing, so that exports only ever read it.
    pub(super) async fn ensure_export_secret(&self) -> Result<(), StoreError> {
        let mut fresh = [0u8; 32];
        getrandom::getrandom(&mut fresh).map_err(|e| StoreError::NoRandomness(e.to_string()))?;
        sqlx::query(
            "INSERT INTO secrets (name, value, created_at) VALUES ('export', ?1, ?2)
             ON CONFLICT DO NOTHING",
        )
        .bind(&fresh[..])
        .bind(chrono::Utc::now())
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// The installation's export key. Read only: a read-only copy of the database exports
    /// with the same pseudonyms as the live one.
    pub async fn export_secret(&self) -> Result<Vec<u8>, StoreError> {
        let key: Option<(Vec<u8>,)> =
            sqlx::query_as("SELECT value FROM secrets WHERE name = 'export'")
                .fetch_optional(&self.reader)
                .await?;
        key.map(|(value,)| value).ok_or(StoreError::NoExportKey)
    }

    /// Current ratings matching `filter`, member by member, each member's in plan order.
    ///
    /// Read on a blocking thread straight from SQLite, a batch of rows at a time: through sqlx
    /// a million rows took 15 s (it hands rows over one value at a time); this way about one.
    /// The channel holds two batches, so memory stays flat however many rows there are;
    /// dropping the stream stops the read.
    pub fn export_rows(
        &self,
        version: i64,
        filter: &ExportFilter,
    ) -> BoxStream<'static, Result<RatingRow, StoreError>> {
        self.read_in_background(version, filter, RowSet::ByMember)
    }

    /// The ratings among [`Store::export_rows`] that carry a comment or a voice note, activity
    /// by activity in plan order, then by member.
    pub fn export_comments(
        &self,
        version: i64,
        filter: &ExportFilter,
    ) -> BoxStream<'static, Result<RatingRow, StoreError>> {
        self.read_in_background(version, filter, RowSet::CommentsByActivity)
    }

    fn read_in_background(
        &self,
        version: i64,
        filter: &ExportFilter,
        set: RowSet,
    ) -> BoxStream<'static, Result<RatingRow, StoreError>> {
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<RatingRow>, StoreError>>(2);
        let pool = self.reader.clone();
        let filter = filter.clone();
        tokio::spawn(async move {
            match pool.acquire().await {
                Ok(conn) => {
                    let _ = tokio::task::spawn_blocking(move || {
                        let mut out = Batches {
                            tx: &tx,
                            batch: Vec::with_capacity(BATCH_ROWS),
                        };
                        let read = read_ratings(conn, version, &filter, set, &mut out);
                        match read {
                            Ok(()) => out.finish(),
                            Err(e) => {
                                let _ = tx.blocking_send(Err(e));
                            }
                        }
                    })
                    .await;
                }
                Err(e) => {
                    let _ = tx.send(Err(e.into())).await;
                }
            }
        });
        futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|batch| (batch, rx))
        })
        .flat_map(|batch| match batch {
            Ok(rows) => futures_util::stream::iter(rows.into_iter().map(Ok)).left_stream(),
            Err(e) => futures_util::stream::once(std::future::ready(Err(e))).right_stream(),
        })
        .boxed()
    }
}

#[derive(Clone, Copy)]
enum RowSet {
    ByMember,
    CommentsByActivity,
}

const BATCH_ROWS: usize = 1024;

/// Rows on their way to the async side, a batch at a time.
struct Batches<'a> {
    tx: &'a tokio::sync::mpsc::Sender<Result<Vec<RatingRow>, StoreError>>,
    batch: Vec<RatingRow>,
}

impl Batches<'_> {
    /// False once nobody is listening any more.
    fn push(&mut self, row: RatingRow) -> bool {
        self.batch.push(row);
        if self.batch.len() < BATCH_ROWS {
            return true;
        }
        let full = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH_ROWS));
        self.tx.blocking_send(Ok(full)).is_ok()
    }

    fn finish(self) {
        if !self.batch.is_empty() {
            let _ = self.tx.blocking_send(Ok(self.batch));
        }
    }
}

const SELECT_ROWS: &str = "
    SELECT r.member_id, r.constituency, r.org_code, r.org_name, m.province, m.sector, m.gender,
           c.lang, r.activity_code, r.rating, r.comment_text, r.voice_file_id, r.voice_duration,
           r.first_at, r.updated_at,
           (SELECT count(*) FROM rating_revisions v
            WHERE v.member_id = r.member_id AND v.plan_version = r.plan_version
              AND v.activity_code = r.activity_code) AS revisions
    FROM ratings r
    CROSS JOIN members m ON m.member_id = r.member_id
    LEFT JOIN chats c ON c.chat_id = r.member_id
    WHERE (?2 IS NULL OR r.updated_at >= ?2)
      AND (?3 IS NULL OR r.updated_at < ?3)
      AND (?4 IS NULL OR r.constituency = ?4)
      AND (?5 IS NULL OR m.province = ?5)";

/// Reads the rows of `set` into `out`; stops early, without error, when nobody listens.
fn read_ratings(
    mut conn: PoolConnection<Sqlite>,
    version: i64,
    filter: &ExportFilter,
    set: RowSet,
    out: &mut Batches<'_>,
) -> Result<(), StoreError> {
    let runtime = tokio::runtime::Handle::current();
    // While locked, sqlx's worker thread leaves the connection alone.
    let mut locked = runtime.block_on(conn.lock_handle())?;
    // SAFETY: the handle is a live connection, used by this thread alone while `locked` is
    // held; `from_handle` does not close it, and `db` is dropped (finalising its statements)
    // before `locked` is.
    let db = unsafe { rusqlite::Connection::from_handle(locked.as_raw_handle().as_ptr()) }?;
    let codes: Vec<String> = db
        .prepare("SELECT code FROM activities WHERE plan_version = ?1 ORDER BY position")?
        .query_map([version], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let since = filter.since.map(text_time);
    let until = filter.until.map(text_time);
    let constituency = filter.constituency.map(|c| c.code());
    let province = filter.province.map(i64::from);
    match set {
        RowSet::ByMember => {
            // One pass along the table's own key (member, plan, activity), `+` keeping SQLite
            // off the activity index: reading in key order touches each page once, where
            // following the index jumped across the whole table for every activity (2.2 s
            // against 0.9 s at a million ratings).
            let mut rows = db.prepare(&format!(
                "{SELECT_ROWS} AND +r.plan_version = ?1 ORDER BY r.member_id"
            ))?;
            let mut found = rows.query(rusqlite::params![
                version,
                since,
                until,
                constituency,
                province
            ])?;
            let position = |code: &str| codes.iter().position(|c| c == code);
            let mut member: Vec<(usize, RatingRow)> = Vec::new();
            while let Some(row) = found.next()? {
                let row = rating_row(row)?;
                if member
                    .first()
                    .is_some_and(|(_, m)| m.member_id != row.member_id)
                {
                    member.sort_unstable_by_key(|(p, _)| *p);
                    for (_, row) in member.drain(..) {
                        if !out.push(row) {
                            return Ok(());
                        }
                    }
                }
                // A rating on a code the plan does not have cannot be shown against it.
                if let Some(p) = position(&row.activity_code) {
                    member.push((p, row));
                }
            }
            member.sort_unstable_by_key(|(p, _)| *p);
            for (_, row) in member {
                if !out.push(row) {
                    return Ok(());
                }
            }
        }
        RowSet::CommentsByActivity => {
            // A tenth of the rows or so: following the activity index is cheap enough here.
            let mut rows = db.prepare(&format!(
                "{SELECT_ROWS} AND r.plan_version = ?1 AND r.activity_code = ?6
                   AND (r.comment_text IS NOT NULL OR r.voice_file_id IS NOT NULL)
                 ORDER BY r.member_id"
            ))?;
            for code in &codes {
                let mut found = rows.query(rusqlite::params![
                    version,
                    since,
                    until,
                    constituency,
                    province,
                    code
                ])?;
                while let Some(row) = found.next()? {
                    if !out.push(rating_row(row)?) {
                        return Ok(());
                    }
                }
            }
        }
    }
    Ok(())
}

fn rating_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<RatingRow> {
    Ok(RatingRow {
        member_id: row.get(0)?,
        constituency: row.get(1)?,
        org_code: row.get(2)?,
        org_name: row.get(3)?,
        province: row.get(4)?,
        sector: row.get(5)?,
        gender: row.get(6)?,
        lang: row.get(7)?,
        activity_code: row.get(8)?,
        rating: row.get(9)?,
        comment_text: row.get(10)?,
        voice_file_id: row.get(11)?,
        voice_duration: row.get(12)?,
        first_at: time(row, 13)?,
        updated_at: time(row, 14)?,
        revisions: row.get(15)?,
    })
}

/// A time as sqlx stores it (RFC 3339). Parsed by chrono's RFC 3339 parser rather than
/// rusqlite's format-string one, which was a tenth of a million-row export.
fn time(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<DateTime<Utc>> {
    let text = row.get_ref(i)?.as_str()?;
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
        })
}

/// Times spelled as sqlx stores them, so that SQL compares like with like.
pub(super) fn text_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
}
