//! Ratings and their history. Every change appends a revision (a snapshot after the change).

use chrono::{DateTime, Utc};
use sqlx::{FromRow, Sqlite, Transaction};

use super::chats::comment_columns;
use super::{Store, StoreError};
use crate::domain::{ActivityCode, Comment, Rating};

#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct Revision {
    pub action: String,
    pub rating: Option<i64>,
    pub comment_text: Option<String>,
    pub voice_file_id: Option<String>,
    pub at: DateTime<Utc>,
}

const SNAPSHOT: &str = "INSERT INTO rating_revisions
        (member_id, plan_version, activity_code, action, rating, comment_text, voice_file_id,
         voice_duration, voice_size, at)
     SELECT member_id, plan_version, activity_code, ?4, rating, comment_text, voice_file_id,
            voice_duration, voice_size, ?5
     FROM ratings WHERE member_id = ?1 AND plan_version = ?2 AND activity_code = ?3";

async fn snapshot(
    tx: &mut Transaction<'_, Sqlite>,
    member: i64,
    version: i64,
    code: &ActivityCode,
    action: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(SNAPSHOT)
        .bind(member)
        .bind(version)
        .bind(code.as_str())
        .bind(action)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(super) async fn rate(
    tx: &mut Transaction<'_, Sqlite>,
    member: i64,
    version: i64,
    code: &ActivityCode,
    rating: Rating,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    // The WHERE makes a repeated identical rating a no-op: no write, no revision.
    let changed = sqlx::query(
        "INSERT INTO ratings (member_id, plan_version, activity_code, rating, first_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)
         ON CONFLICT (member_id, plan_version, activity_code) DO UPDATE SET
            rating = excluded.rating, updated_at = excluded.updated_at
         WHERE ratings.rating != excluded.rating",
    )
    .bind(member)
    .bind(version)
    .bind(code.as_str())
    .bind(i64::from(rating.get()))
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if changed > 0 {
        snapshot(tx, member, version, code, "rate", now).await?;
    }
    Ok(())
}

pub(super) async fn comment(
    tx: &mut Transaction<'_, Sqlite>,
    member: i64,
    version: i64,
    code: &ActivityCode,
    comment: &Comment,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (text, file_id, duration, size) = comment_columns(comment);
    let changed = sqlx::query(
        "UPDATE ratings SET comment_text = ?4, voice_file_id = ?5, voice_duration = ?6, voice_size = ?7,
                            updated_at = ?8
         WHERE member_id = ?1 AND plan_version = ?2 AND activity_code = ?3",
    )
    .bind(member)
    .bind(version)
    .bind(code.as_str())
    .bind(text)
    .bind(file_id)
    .bind(duration)
    .bind(size)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if changed > 0 {
        snapshot(tx, member, version, code, "comment", now).await?;
    }
    Ok(())
}

pub(super) async fn withdraw(
    tx: &mut Transaction<'_, Sqlite>,
    member: i64,
    version: i64,
    code: &ActivityCode,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    snapshot(tx, member, version, code, "withdraw", now).await?;
    sqlx::query(
        "DELETE FROM ratings WHERE member_id = ?1 AND plan_version = ?2 AND activity_code = ?3",
    )
    .bind(member)
    .bind(version)
    .bind(code.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// The history of one member's answer on one activity, oldest first.
    pub async fn revisions(
        &self,
        member: i64,
        version: i64,
        code: &ActivityCode,
    ) -> Result<Vec<Revision>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT action, rating, comment_text, voice_file_id, at FROM rating_revisions
             WHERE member_id = ?1 AND plan_version = ?2 AND activity_code = ?3 ORDER BY id",
        )
        .bind(member)
        .bind(version)
        .bind(code.as_str())
        .fetch_all(&self.reader)
        .await?)
    }

    /// Current ratings on a plan version, all members: (member, activity, rating).
    pub async fn current_ratings(
        &self,
        version: i64,
    ) -> Result<Vec<(i64, String, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT member_id, activity_code, rating FROM ratings WHERE plan_version = ?1
             ORDER BY member_id, activity_code",
        )
        .bind(version)
        .fetch_all(&self.reader)
        .await?)
    }
}
