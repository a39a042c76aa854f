//! Campaigns: an organisation asking its members about some activities before a deadline.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::{Actor, Store, StoreError};
pub use crate::domain::campaign::{Campaign, CampaignProgress};
use crate::domain::{ActivityCode, CampaignCode};

#[derive(FromRow)]
struct CampaignRow {
    id: i64,
    code: String,
    org_code: String,
    title: String,
    activities: String,
    plan_version: i64,
    deadline: DateTime<Utc>,
    auto_remind: bool,
}

impl CampaignRow {
    fn into_campaign(self) -> Option<Campaign> {
        let codes: Vec<String> = serde_json::from_str(&self.activities).ok()?;
        Some(Campaign {
            id: self.id,
            code: CampaignCode::parse(&self.code)?,
            org_code: self.org_code,
            title: self.title,
            activities: codes
                .iter()
                .filter_map(|c| ActivityCode::parse(c).ok())
                .collect(),
            plan_version: self.plan_version,
            deadline: self.deadline,
            auto_remind: self.auto_remind,
        })
    }
}

/// A new campaign, before it has an id.
#[derive(Clone, Debug)]
pub struct NewCampaign {
    pub code: CampaignCode,
    pub org_code: String,
    pub title: String,
    pub activities: Vec<ActivityCode>,
    pub plan_version: i64,
    pub deadline: DateTime<Utc>,
    pub auto_remind: bool,
}

const CAMPAIGN_COLUMNS: &str =
    "id, code, org_code, title, activities, plan_version, deadline, auto_remind";

impl Store {
    pub async fn create_campaign(
        &self,
        new: &NewCampaign,
        by: Actor,
        now: DateTime<Utc>,
    ) -> Result<Campaign, StoreError> {
        let codes: Vec<&str> = new.activities.iter().map(|c| c.as_str()).collect();
        let activities = serde_json::to_string(&codes).unwrap_or_else(|_| "[]".into());
        let mut tx = self.writer.begin().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO campaigns (code, org_code, title, activities, plan_version, deadline,
                                    auto_remind, created_by, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
        )
        .bind(new.code.as_str())
        .bind(&new.org_code)
        .bind(&new.title)
        .bind(&activities)
        .bind(new.plan_version)
        .bind(new.deadline)
        .bind(new.auto_remind)
        .bind(by.id().unwrap_or(0))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let detail = format!(
            "#{id} for {}: {} ({} activities, deadline {})",
            new.org_code,
            new.title,
            codes.len(),
            new.deadline.to_rfc3339()
        );
        super::secretariat::audit(&mut tx, by, "campaign-create", &detail, None, now).await?;
        tx.commit().await?;
        Ok(Campaign {
            id,
            code: new.code.clone(),
            org_code: new.org_code.clone(),
            title: new.title.clone(),
            activities: new.activities.clone(),
            plan_version: new.plan_version,
            deadline: new.deadline,
            auto_remind: new.auto_remind,
        })
    }

    /// The campaign `request` would make, if its organisation made the very same one (title,
    /// activities, deadline) since `since`.
    pub async fn same_campaign_since(
        &self,
        request: &crate::domain::CampaignRequest,
        since: DateTime<Utc>,
    ) -> Result<Option<Campaign>, StoreError> {
        let codes: Vec<&str> = request.activities.iter().map(|c| c.as_str()).collect();
        let activities = serde_json::to_string(&codes).unwrap_or_else(|_| "[]".into());
        let row: Option<CampaignRow> = sqlx::query_as(&format!(
            "SELECT {CAMPAIGN_COLUMNS} FROM campaigns
             WHERE org_code = ?1 AND title = ?2 AND activities = ?3 AND deadline = ?4
               AND created_at >= ?5
             ORDER BY id DESC LIMIT 1"
        ))
        .bind(&request.org)
        .bind(&request.title)
        .bind(&activities)
        .bind(request.deadline)
        .bind(since)
        .fetch_optional(&self.writer)
        .await?;
        Ok(row.and_then(CampaignRow::into_campaign))
    }

    pub async fn campaign_by_code(
        &self,
        code: &CampaignCode,
    ) -> Result<Option<Campaign>, StoreError> {
        let row: Option<CampaignRow> = sqlx::query_as(&format!(
            "SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE code = ?1"
        ))
        .bind(code.as_str())
        .fetch_optional(&self.reader)
        .await?;
        Ok(row.and_then(CampaignRow::into_campaign))
    }

    pub async fn campaign(&self, id: i64) -> Result<Option<Campaign>, StoreError> {
        let row: Option<CampaignRow> = sqlx::query_as(&format!(
            "SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = ?1"
        ))
        .bind(id)
        .fetch_optional(&self.reader)
        .await?;
        Ok(row.and_then(CampaignRow::into_campaign))
    }

    /// Campaigns whose deadline is after `now`, soonest first.
    pub async fn open_campaigns(
        &self,
        now: DateTime<Utc>,
        org: Option<&str>,
    ) -> Result<Vec<Campaign>, StoreError> {
        let rows: Vec<CampaignRow> = sqlx::query_as(&format!(
            "SELECT {CAMPAIGN_COLUMNS} FROM campaigns
             WHERE deadline > ?1 AND (?2 IS NULL OR org_code = ?2) ORDER BY deadline, id"
        ))
        .bind(now)
        .bind(org)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(CampaignRow::into_campaign)
            .collect())
    }

    /// The campaigns of one organisation with their progress, newest first. Only what the
    /// organisation's own coordinator may see: its members, in its campaigns. A campaign's
    /// members are those who opened its link and whose profile is with the organisation now:
    /// someone who opened it and stayed with another organisation, or never said, is not
    /// theirs.
    pub async fn campaign_progress(
        &self,
        org_code: &str,
    ) -> Result<Vec<CampaignProgress>, StoreError> {
        let rows: Vec<CampaignRow> = sqlx::query_as(&format!(
            "SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE org_code = ?1 ORDER BY id DESC"
        ))
        .bind(org_code)
        .fetch_all(&self.reader)
        .await?;
        let mut all = Vec::new();
        for campaign in rows.into_iter().filter_map(CampaignRow::into_campaign) {
            all.push(self.progress_of(campaign).await?);
        }
        Ok(all)
    }

    async fn progress_of(&self, campaign: Campaign) -> Result<CampaignProgress, StoreError> {
        let codes: Vec<&str> = campaign.activities.iter().map(|c| c.as_str()).collect();
        let codes_json = serde_json::to_string(&codes).unwrap_or_else(|_| "[]".into());
        // Per member: how many of the campaign's activities they rated, and commented.
        let members: Vec<(i64, Option<String>, i64, i64)> = sqlx::query_as(
            "SELECT cm.member_id, c.first_name,
                    count(r.rating), count(r.comment_text) + count(r.voice_file_id)
             FROM campaign_members cm
             JOIN members m ON m.member_id = cm.member_id AND m.consent = 'given'
                  AND m.org_code = ?4
             LEFT JOIN chats c ON c.chat_id = cm.member_id
             LEFT JOIN ratings r ON r.member_id = cm.member_id AND r.plan_version = ?2
                  AND r.activity_code IN (SELECT value FROM json_each(?3))
             WHERE cm.campaign_id = ?1
             GROUP BY cm.member_id ORDER BY cm.joined_at",
        )
        .bind(campaign.id)
        .bind(campaign.plan_version)
        .bind(&codes_json)
        .bind(&campaign.org_code)
        .fetch_all(&self.reader)
        .await?;
        let per: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT r.activity_code, count(*), count(r.comment_text) + count(r.voice_file_id)
             FROM ratings r JOIN campaign_members cm
                  ON cm.member_id = r.member_id AND cm.campaign_id = ?1
             JOIN members m ON m.member_id = r.member_id AND m.consent = 'given'
                  AND m.org_code = ?4
             WHERE r.plan_version = ?2 AND r.activity_code IN (SELECT value FROM json_each(?3))
             GROUP BY r.activity_code",
        )
        .bind(campaign.id)
        .bind(campaign.plan_version)
        .bind(&codes_json)
        .bind(&campaign.org_code)
        .fetch_all(&self.reader)
        .await?;
        let wanted = campaign.activities.len() as i64;
        let per_activity = campaign
            .activities
            .iter()
            .map(|code| {
                let (n, c) = per
                    .iter()
                    .find(|(a, _, _)| a == code.as_str())
                    .map_or((0, 0), |(_, n, c)| (*n, *c));
                (code.clone(), n.max(0) as u64, c.max(0) as u64)
            })
            .collect();
        Ok(CampaignProgress {
            joined: members.len() as u64,
            finished: members.iter().filter(|m| m.2 >= wanted).count() as u64,
            ratings: members.iter().map(|m| m.2.max(0) as u64).sum(),
            comments: members.iter().map(|m| m.3.max(0) as u64).sum(),
            unfinished: members
                .iter()
                .filter(|m| m.2 < wanted)
                .map(|m| (m.0, m.1.clone()))
                .collect(),
            per_activity,
            campaign,
        })
    }

    /// Members of `campaign` (its organisation's, as in [`CampaignProgress`]) who have not
    /// finished, want reminders and have not blocked the bot: who a reminder goes to.
    pub async fn to_remind(
        &self,
        campaign: &Campaign,
    ) -> Result<Vec<super::Recipient>, StoreError> {
        let codes: Vec<&str> = campaign.activities.iter().map(|c| c.as_str()).collect();
        let codes_json = serde_json::to_string(&codes).unwrap_or_else(|_| "[]".into());
        let rows: Vec<(i64, Option<String>)> = sqlx::query_as(
            "SELECT m.member_id, c.lang
             FROM campaign_members cm
             JOIN members m ON m.member_id = cm.member_id
             JOIN chats c ON c.chat_id = cm.member_id
             WHERE cm.campaign_id = ?1 AND m.org_code = ?5
               AND m.consent = 'given' AND m.reminders = 1 AND c.blocked_at IS NULL
               AND (SELECT count(*) FROM ratings r
                    WHERE r.member_id = cm.member_id AND r.plan_version = ?2
                      AND r.activity_code IN (SELECT value FROM json_each(?3))) < ?4
             ORDER BY m.member_id",
        )
        .bind(campaign.id)
        .bind(campaign.plan_version)
        .bind(&codes_json)
        .bind(codes.len() as i64)
        .bind(&campaign.org_code)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(chat_id, lang)| super::Recipient {
                chat_id,
                lang: lang
                    .as_deref()
                    .and_then(crate::domain::Lang::parse)
                    .unwrap_or_default(),
            })
            .collect())
    }
}
