//! Admins, the audit log and the consultation window.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::{Store, StoreError};
use crate::domain::Window;

#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct Admin {
    pub user_id: i64,
    pub source: String,
    pub added_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct AuditEntry {
    pub actor: Option<i64>,
    pub action: String,
    pub detail: String,
    pub at: DateTime<Utc>,
}

/// Who did something: a Telegram user in the bot, or the operator at the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    Cli,
    User(i64),
}

impl Actor {
    pub(super) fn id(self) -> Option<i64> {
        match self {
            Actor::Cli => None,
            Actor::User(id) => Some(id),
        }
    }

    fn source(self) -> &'static str {
        match self {
            Actor::Cli => "cli",
            Actor::User(_) => "bot",
        }
    }
}

#[derive(FromRow)]
struct WindowRow {
    open: bool,
    until: Option<DateTime<Utc>>,
    changed_at: DateTime<Utc>,
}

impl Store {
    /// Makes every id in `ids` an admin (source `env`), keeping admins added otherwise.
    pub async fn bootstrap_admins(
        &self,
        ids: &[i64],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        for id in ids {
            sqlx::query(
                "INSERT INTO admins (user_id, source, added_at) VALUES (?1, 'env', ?2) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(now)
            .execute(&self.writer)
            .await?;
        }
        Ok(())
    }

    pub async fn is_admin(&self, user_id: i64) -> Result<bool, StoreError> {
        let found: Option<(i64,)> = sqlx::query_as("SELECT user_id FROM admins WHERE user_id = ?1")
            .bind(user_id)
            .fetch_optional(&self.reader)
            .await?;
        Ok(found.is_some())
    }

    pub async fn admins(&self) -> Result<Vec<Admin>, StoreError> {
        Ok(
            sqlx::query_as("SELECT user_id, source, added_at FROM admins ORDER BY user_id")
                .fetch_all(&self.reader)
                .await?,
        )
    }

    /// Adds an admin; `false` when they already were one. Audited.
    pub async fn add_admin(
        &self,
        user_id: i64,
        by: Actor,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.writer.begin().await?;
        let added = sqlx::query(
            "INSERT INTO admins (user_id, source, added_by, added_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
        )
        .bind(user_id)
        .bind(by.source())
        .bind(by.id())
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if added {
            audit(
                &mut tx,
                by,
                "admin-add",
                &user_id.to_string(),
                Some(user_id),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Removes an admin; `false` when they were not one. Audited.
    pub async fn remove_admin(
        &self,
        user_id: i64,
        by: Actor,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.writer.begin().await?;
        let removed = sqlx::query("DELETE FROM admins WHERE user_id = ?1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            > 0;
        if removed {
            audit(
                &mut tx,
                by,
                "admin-remove",
                &user_id.to_string(),
                Some(user_id),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(removed)
    }

    /// Remembers a setting the command line will need (the bot's username, learnt at start).
    pub async fn set_setting(
        &self,
        name: &str,
        value: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO settings (name, value, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
             WHERE settings.value IS NOT excluded.value",
        )
        .bind(name)
        .bind(value)
        .bind(now)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    pub async fn setting(&self, name: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = sqlx::query_as("SELECT value FROM settings WHERE name = ?1")
            .bind(name)
            .fetch_optional(&self.reader)
            .await?;
        Ok(row.map(|(v,)| v))
    }

    pub async fn audit_log(&self) -> Result<Vec<AuditEntry>, StoreError> {
        Ok(
            sqlx::query_as("SELECT actor, action, detail, at FROM audit_log ORDER BY id")
                .fetch_all(&self.reader)
                .await?,
        )
    }

    pub async fn window(&self) -> Result<Window, StoreError> {
        let row: WindowRow =
            sqlx::query_as("SELECT open, until, changed_at FROM consultation_window WHERE id = 1")
                .fetch_one(&self.reader)
                .await?;
        Ok(Window {
            open: row.open,
            until: row.until,
            changed_at: row.changed_at,
        })
    }

    /// Opens (optionally until a time) or closes the consultation window. Audited.
    pub async fn set_window(&self, window: Window, by: Actor) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "UPDATE consultation_window SET open = ?1, until = ?2, changed_at = ?3 WHERE id = 1",
        )
        .bind(window.open)
        .bind(window.until)
        .bind(window.changed_at)
        .execute(&mut *tx)
        .await?;
        audit(
            &mut tx,
            by,
            "window",
            &window.audit_detail(),
            None,
            window.changed_at,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records an admin action that has no table of its own (exports, imports, summaries).
    pub async fn record(
        &self,
        by: Actor,
        action: &str,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if self.read_only {
            // A read-only copy (an auditor's) keeps no log of its own: the live one is elsewhere.
            tracing::debug!(action, "read-only database: the action is not audited");
            return Ok(());
        }
        let mut tx = self.writer.begin().await?;
        audit(&mut tx, by, action, detail, None, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

pub(super) async fn audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    by: Actor,
    action: &str,
    detail: &str,
    subject: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_log (actor, action, detail, subject, at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .bind(by.id())
    .bind(action)
    .bind(detail)
    .bind(subject)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(FromRow)]
struct CellRow {
    activity_code: String,
    constituency: Option<String>,
    rating: i64,
    count: i64,
    texts: i64,
    voices: i64,
}

impl Store {
    /// The feedback on plan `version`, aggregated for [`crate::domain::summary::Summary`].
    pub async fn summary_cells(
        &self,
        version: i64,
    ) -> Result<Vec<crate::domain::summary::Cell>, StoreError> {
        let rows: Vec<CellRow> = sqlx::query_as(
            // Kept up to date by triggers (migration 0004), not grouped on each request.
            "SELECT activity_code, nullif(constituency, '') AS constituency, rating, count, texts, voices
             FROM summary_counts WHERE plan_version = ?1 AND count > 0",
        )
        .bind(version)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| crate::domain::summary::Cell {
                activity: r.activity_code,
                constituency: r
                    .constituency
                    .as_deref()
                    .and_then(crate::domain::Constituency::parse),
                rating: u8::try_from(r.rating).unwrap_or(0),
                count: r.count.max(0) as u64,
                texts: r.texts.max(0) as u64,
                voices: r.voices.max(0) as u64,
            })
            .collect())
    }

    /// Members who consented, by constituency (`None`: not answered). An admin or focal point
    /// who only accepted the privacy notice (no side, no rating) is staff using the bot, not a
    /// member who did not say their side.
    pub async fn member_counts(
        &self,
    ) -> Result<std::collections::BTreeMap<Option<crate::domain::Constituency>, u64>, StoreError>
    {
        let rows: Vec<(Option<String>, i64)> = sqlx::query_as(
            "SELECT m.constituency, count(*) FROM members m
             WHERE m.consent = 'given'
               AND NOT (m.constituency IS NULL
                        AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.member_id = m.member_id)
                        AND (EXISTS (SELECT 1 FROM admins a WHERE a.user_id = m.member_id)
                             OR EXISTS (SELECT 1 FROM coordinators k
                                        WHERE k.member_id = m.member_id)))
             GROUP BY m.constituency",
        )
        .fetch_all(&self.reader)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(c, n)| {
                (
                    c.as_deref().and_then(crate::domain::Constituency::parse),
                    n.max(0) as u64,
                )
            })
            .collect())
    }
}
