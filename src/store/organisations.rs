//! Organisations beyond the reference list, and their coordinators (focal points).

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::{Actor, Store, StoreError};
pub use crate::domain::organisation::FocalPoint;
use crate::domain::{reference, Constituency, Org};

/// Makes member $1 the focal point of organisation $2 (replacing any they had), named by $3 at
/// $4. Shared by the command line and the bot's `/focal` (applied with a step's other writes).
pub(super) const ADD_COORDINATOR: &str =
    "INSERT INTO coordinators (member_id, org_code, added_by, added_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (member_id) DO UPDATE SET org_code = excluded.org_code,
         added_by = excluded.added_by, added_at = excluded.added_at";
pub(super) const REMOVE_COORDINATOR: &str = "DELETE FROM coordinators WHERE member_id = $1";

#[derive(FromRow)]
pub(super) struct OrgRow {
    pub(super) code: String,
    pub(super) name_en: String,
    pub(super) name_km: String,
    pub(super) constituency: String,
}

impl OrgRow {
    pub(super) fn into_org(self) -> Option<Org> {
        Some(Org {
            constituency: Constituency::parse(&self.constituency)?,
            abbr: self.code.clone(),
            code: self.code,
            name_en: self.name_en,
            name_km: self.name_km,
            added: true,
        })
    }
}

impl Store {
    /// Every organisation: the reference list, then the secretariat's additions by code.
    pub async fn organisations(&self) -> Result<Vec<Org>, StoreError> {
        let mut all: Vec<Org> = reference::ORGANISATIONS.iter().map(Org::built_in).collect();
        all.extend(self.added_organisations().await?);
        Ok(all)
    }

    /// The organisations the secretariat added, by code.
    pub async fn added_organisations(&self) -> Result<Vec<Org>, StoreError> {
        let added: Vec<OrgRow> = sqlx::query_as(
            "SELECT code, name_en, name_km, constituency FROM organisations ORDER BY code",
        )
        .fetch_all(&self.reader)
        .await?;
        Ok(added.into_iter().filter_map(OrgRow::into_org).collect())
    }

    /// One organisation: built in (no query), else one added by the secretariat. The engine
    /// asks for a campaign member's organisation on their updates, so no list is built.
    pub async fn organisation(&self, code: &str) -> Result<Option<Org>, StoreError> {
        if let Some(o) = reference::organisation(code) {
            return Ok(Some(Org::built_in(o)));
        }
        let row: Option<OrgRow> = sqlx::query_as(
            "SELECT code, name_en, name_km, constituency FROM organisations WHERE code = ?1",
        )
        .bind(code)
        .fetch_optional(&self.reader)
        .await?;
        Ok(row.and_then(OrgRow::into_org))
    }

    /// Adds an organisation; `false` when the code is taken (built in or added before).
    pub async fn add_organisation(
        &self,
        org: &Org,
        by: Actor,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        if reference::organisation(&org.code).is_some() {
            return Ok(false);
        }
        let mut tx = self.writer.begin().await?;
        let added = sqlx::query(
            "INSERT INTO organisations (code, name_en, name_km, constituency, added_at)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        )
        .bind(&org.code)
        .bind(&org.name_en)
        .bind(&org.name_km)
        .bind(org.constituency.code())
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if added {
            let detail = format!(
                "{} ({}, {})",
                org.code,
                org.name_en,
                org.constituency.word()
            );
            super::secretariat::audit(&mut tx, by, "org-add", &detail, None, now).await?;
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Makes `member` the focal point of `org` (replacing any organisation they had).
    pub async fn add_coordinator(
        &self,
        org: &str,
        member: i64,
        by: Actor,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(ADD_COORDINATOR)
            .bind(member)
            .bind(org)
            .bind(by.id())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let detail = format!("{member} for {org}");
        super::secretariat::audit(&mut tx, by, "coordinator-add", &detail, Some(member), now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// `member` is no longer a focal point; `false` when they were not one.
    pub async fn remove_coordinator(
        &self,
        member: i64,
        by: Actor,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.writer.begin().await?;
        let removed = sqlx::query(REMOVE_COORDINATOR)
            .bind(member)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        if removed {
            let detail = member.to_string();
            super::secretariat::audit(
                &mut tx,
                by,
                "coordinator-remove",
                &detail,
                Some(member),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(removed)
    }

    /// The organisation `member` coordinates, if any. Every coordinator action checks this.
    pub async fn coordinated_org(&self, member: i64) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT org_code FROM coordinators WHERE member_id = ?1")
                .bind(member)
                .fetch_optional(&self.reader)
                .await?;
        Ok(row.map(|(c,)| c))
    }

    /// Coordinators with their organisation and first name, by organisation.
    pub async fn coordinators(&self) -> Result<Vec<FocalPoint>, StoreError> {
        let rows: Vec<(String, i64, Option<String>, bool)> = sqlx::query_as(
            "SELECT k.org_code, k.member_id, c.first_name, c.chat_id IS NOT NULL
             FROM coordinators k
             LEFT JOIN chats c ON c.chat_id = k.member_id
             ORDER BY k.org_code, k.member_id",
        )
        .fetch_all(&self.reader)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(org_code, member_id, first_name, opened)| FocalPoint {
                org_code,
                member_id,
                first_name,
                opened,
            })
            .collect())
    }
}
