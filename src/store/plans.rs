//! Plan versions. The built-in plan becomes version 1 on first start; imports add versions.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::{Actor, Store, StoreError};
use crate::domain::{
    Activity, ActivityCode, Plan, PlanStatus, Priority, PriorityCode, Text, Timeframe,
};

#[derive(FromRow)]
struct PlanRow {
    version: i64,
    label: String,
    status: String,
    title_en: String,
    title_km: String,
    source: String,
}

#[derive(FromRow)]
struct PriorityRow {
    code: String,
    short_en: String,
    short_km: String,
    title_en: String,
    title_km: String,
}

#[derive(FromRow)]
struct ActivityRow {
    code: String,
    priority_code: String,
    title_en: String,
    title_km: String,
    desc_en: String,
    desc_km: String,
    lead_en: String,
    lead_km: String,
    timeframe: String,
}

impl Store {
    /// The active plan, storing `default` as version 1 when the database has none yet.
    pub async fn active_plan_or(
        &self,
        default: impl FnOnce() -> Plan,
        now: DateTime<Utc>,
    ) -> Result<Plan, StoreError> {
        if let Some(plan) = self.active_plan().await? {
            return Ok(plan);
        }
        self.add_plan(&default(), now).await?;
        self.active_plan()
            .await?
            .ok_or_else(|| StoreError::BadPlan("no active plan after storing one".into()))
    }

    pub async fn active_plan(&self) -> Result<Option<Plan>, StoreError> {
        let active: Option<(i64,)> = sqlx::query_as("SELECT version FROM plans WHERE active = 1")
            .fetch_optional(&self.writer)
            .await?;
        match active {
            Some((version,)) => self.plan(version).await,
            None => Ok(None),
        }
    }

    /// Any stored plan version, active or not (exports of earlier versions need their texts).
    pub async fn plan(&self, version: i64) -> Result<Option<Plan>, StoreError> {
        let Some(row): Option<PlanRow> = sqlx::query_as(
            "SELECT version, label, status, title_en, title_km, source FROM plans WHERE version = ?1",
        )
        .bind(version)
        .fetch_optional(&self.writer)
        .await?
        else {
            return Ok(None);
        };
        let priorities: Vec<PriorityRow> = sqlx::query_as(
            "SELECT code, short_en, short_km, title_en, title_km FROM priorities
             WHERE plan_version = ?1 ORDER BY position",
        )
        .bind(row.version)
        .fetch_all(&self.writer)
        .await?;
        let activities: Vec<ActivityRow> = sqlx::query_as(
            "SELECT code, priority_code, title_en, title_km, desc_en, desc_km, lead_en, lead_km, timeframe
             FROM activities WHERE plan_version = ?1 ORDER BY position",
        )
        .bind(row.version)
        .fetch_all(&self.writer)
        .await?;
        let bad = |e: String| StoreError::BadPlan(e);
        let text = |en: String, km: String| Text { en, km };
        Ok(Some(Plan {
            version: row.version,
            label: row.label,
            status: PlanStatus::parse(&row.status).ok_or_else(|| bad(row.status.clone()))?,
            title: text(row.title_en, row.title_km),
            source: row.source,
            priorities: priorities
                .into_iter()
                .map(|p| {
                    Ok(Priority {
                        code: PriorityCode::parse(&p.code).map_err(bad)?,
                        short: text(p.short_en, p.short_km),
                        title: text(p.title_en, p.title_km),
                    })
                })
                .collect::<Result<_, StoreError>>()?,
            activities: activities
                .into_iter()
                .map(|a| {
                    Ok(Activity {
                        code: ActivityCode::parse(&a.code).map_err(bad)?,
                        priority: PriorityCode::parse(&a.priority_code).map_err(bad)?,
                        title: text(a.title_en, a.title_km),
                        description: text(a.desc_en, a.desc_km),
                        lead: text(a.lead_en, a.lead_km),
                        timeframe: Timeframe::parse(&a.timeframe).map_err(bad)?,
                    })
                })
                .collect::<Result<_, StoreError>>()?,
        }))
    }

    /// Stores `plan` as a new version and makes it the active one. Returns the version.
    pub async fn add_plan(&self, plan: &Plan, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let mut tx = self.writer.begin().await?;
        let version = insert_plan(&mut tx, plan, now).await?;
        tx.commit().await?;
        Ok(version)
    }

    /// Makes a checked plan the active one, carries the ratings of unchanged activities over
    /// from the previously active version and audits it: all in one transaction.
    pub async fn import_plan(
        &self,
        plan: &Plan,
        file_name: &str,
        by: Actor,
        now: DateTime<Utc>,
    ) -> Result<Imported, StoreError> {
        // The same plan again (the file sent twice, or saved unchanged): no new version.
        if let Some(active) = self.active_plan().await? {
            if (Plan {
                version: 0,
                ..active.clone()
            }) == (Plan {
                version: 0,
                ..plan.clone()
            }) {
                return Ok(Imported {
                    version: active.version,
                    activities: active.activities.len(),
                    carried: 0,
                    unchanged: true,
                });
            }
        }
        let mut tx = self.writer.begin().await?;
        let previous: Option<i64> =
            sqlx::query_scalar("SELECT version FROM plans WHERE active = 1")
                .fetch_optional(&mut *tx)
                .await?;
        let version = insert_plan(&mut tx, plan, now).await?;
        let carried = match previous {
            Some(from) => carry_over(&mut tx, from, version).await?,
            None => 0,
        };
        let imported = Imported {
            version,
            activities: plan.activities.len(),
            carried,
            unchanged: false,
        };
        let detail = format!(
            "version {version} from {file_name}: {} activities, {carried} ratings carried over",
            imported.activities
        );
        super::secretariat::audit(&mut tx, by, "plan-import", &detail, None, now).await?;
        tx.commit().await?;
        Ok(imported)
    }
}

pub use crate::domain::plan::Imported;

async fn insert_plan(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    plan: &Plan,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    {
        sqlx::query("UPDATE plans SET active = 0 WHERE active = 1")
            .execute(&mut **tx)
            .await?;
        let version: i64 = sqlx::query_scalar(
            "INSERT INTO plans (version, label, status, title_en, title_km, source, active, created_at)
             VALUES ((SELECT coalesce(max(version), 0) + 1 FROM plans), ?1, ?2, ?3, ?4, ?5, 1, ?6)
             RETURNING version",
        )
        .bind(&plan.label)
        .bind(plan.status.code())
        .bind(&plan.title.en)
        .bind(&plan.title.km)
        .bind(&plan.source)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        for (i, p) in plan.priorities.iter().enumerate() {
            sqlx::query(
                "INSERT INTO priorities (plan_version, code, position, short_en, short_km, title_en, title_km)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .bind(version)
            .bind(p.code.as_str())
            .bind(i as i64)
            .bind(&p.short.en)
            .bind(&p.short.km)
            .bind(&p.title.en)
            .bind(&p.title.km)
            .execute(&mut **tx)
            .await?;
        }
        for (i, a) in plan.activities.iter().enumerate() {
            sqlx::query(
                "INSERT INTO activities (plan_version, code, priority_code, position, title_en, title_km,
                                         desc_en, desc_km, lead_en, lead_km, timeframe)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )
            .bind(version)
            .bind(a.code.as_str())
            .bind(a.priority.as_str())
            .bind(i as i64)
            .bind(&a.title.en)
            .bind(&a.title.km)
            .bind(&a.description.en)
            .bind(&a.description.km)
            .bind(&a.lead.en)
            .bind(&a.lead.km)
            .bind(a.timeframe.to_string())
            .execute(&mut **tx)
            .await?;
        }
        Ok(version)
    }
}

/// Copies the current ratings of activities whose code and texts are the same in both
/// versions, so an unchanged activity keeps its feedback. History stays with `from`.
async fn carry_over(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    from: i64,
    to: i64,
) -> Result<u64, StoreError> {
    {
        Ok(sqlx::query(
            "INSERT OR IGNORE INTO ratings (member_id, plan_version, activity_code, rating, comment_text,
                                            voice_file_id, voice_duration, voice_size, first_at, updated_at)
             SELECT r.member_id, ?2, r.activity_code, r.rating, r.comment_text, r.voice_file_id,
                    r.voice_duration, r.voice_size, r.first_at, r.updated_at
             FROM ratings r
             JOIN activities old ON old.plan_version = ?1 AND old.code = r.activity_code
             JOIN activities new ON new.plan_version = ?2 AND new.code = old.code
             WHERE r.plan_version = ?1
               AND new.title_en = old.title_en AND new.title_km = old.title_km
               AND new.desc_en = old.desc_en AND new.desc_km = old.desc_km",
        )
        .bind(from)
        .bind(to)
        .execute(&mut **tx)
        .await?
        .rows_affected())
    }
}
