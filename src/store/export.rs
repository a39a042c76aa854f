//! Rows for the exports, streamed so that memory does not grow with the number of ratings.

use chrono::{DateTime, Utc};
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use sqlx::FromRow;

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
#[derive(Clone, Debug, FromRow)]
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
    /// The installation's export key: 32 random bytes, created on first use.
    pub async fn export_secret(&self, now: DateTime<Utc>) -> Result<Vec<u8>, StoreError> {
        let mut fresh = [0u8; 32];
        getrandom::getrandom(&mut fresh).map_err(|e| StoreError::NoRandomness(e.to_string()))?;
        sqlx::query("INSERT INTO secrets (name, value, created_at) VALUES ('export', ?1, ?2) ON CONFLICT DO NOTHING")
            .bind(&fresh[..])
            .bind(now)
            .execute(&self.writer)
            .await?;
        let (value,): (Vec<u8>,) =
            sqlx::query_as("SELECT value FROM secrets WHERE name = 'export'")
                .fetch_one(&self.writer)
                .await?;
        Ok(value)
    }

    /// Current ratings matching `filter`, ordered by activity then member.
    pub fn export_rows<'a>(
        &'a self,
        version: i64,
        filter: &'a ExportFilter,
    ) -> BoxStream<'a, Result<RatingRow, StoreError>> {
        sqlx::query_as(
            "SELECT r.member_id, m.constituency, m.org_code, m.org_name, m.province, m.sector, m.gender,
                    c.lang, r.activity_code, r.rating, r.comment_text, r.voice_file_id, r.voice_duration,
                    r.first_at, r.updated_at,
                    (SELECT count(*) FROM rating_revisions v
                     WHERE v.member_id = r.member_id AND v.plan_version = r.plan_version
                       AND v.activity_code = r.activity_code) AS revisions
             FROM ratings r
             JOIN members m ON m.member_id = r.member_id
             LEFT JOIN chats c ON c.chat_id = r.member_id
             JOIN activities a ON a.plan_version = r.plan_version AND a.code = r.activity_code
             WHERE r.plan_version = ?1
               AND (?2 IS NULL OR r.updated_at >= ?2)
               AND (?3 IS NULL OR r.updated_at < ?3)
               AND (?4 IS NULL OR m.constituency = ?4)
               AND (?5 IS NULL OR m.province = ?5)
             ORDER BY a.position, r.member_id",
        )
        .bind(version)
        .bind(filter.since)
        .bind(filter.until)
        .bind(filter.constituency.map(|c| c.code()))
        .bind(filter.province.map(i64::from))
        .fetch(&self.reader)
        .map(|r| r.map_err(StoreError::from))
        .boxed()
    }
}
