//! The persistent outbox: every announcement and reminder is a broadcast of one row per
//! recipient, delivered by the bot's outbox worker at Telegram's pace. A row is claimed before
//! its request leaves and settled when Telegram answers, so a restart resumes where the send
//! stopped and nobody is sent the same message twice.

use chrono::{DateTime, Duration, Utc};
use sqlx::FromRow;

use super::{Actor, Store, StoreError};
use crate::domain::{Audience, Lang};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BroadcastKind {
    Announcement,
    Reminder,
}

impl BroadcastKind {
    fn code(self) -> &'static str {
        match self {
            BroadcastKind::Announcement => "announcement",
            BroadcastKind::Reminder => "reminder",
        }
    }
}

/// A broadcast to queue: what it is and who asked.
#[derive(Clone, Debug)]
pub struct NewBroadcast {
    pub kind: BroadcastKind,
    /// How the audience is described in the audit log and the tally.
    pub audience: String,
    pub campaign_id: Option<i64>,
    /// An automatic reminder's stage ('3d', '1d'): queued at most once per campaign.
    pub stage: Option<&'static str>,
    pub by: Actor,
    /// The message that shows its progress, sent before it is queued: so that even a
    /// broadcast done within a second ends with its tally there.
    pub status: Option<StatusMessage>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusMessage {
    pub chat: i64,
    pub message: i32,
    pub lang: Lang,
}

/// One message to one chat, already rendered in the recipient's language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutMessage {
    pub chat_id: i64,
    pub html: String,
    pub button: Option<(String, String)>,
}

/// Someone a broadcast may reach: consented, not blocked, with their language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    pub chat_id: i64,
    pub lang: Lang,
}

/// A claimed row, on its way to Telegram.
#[derive(Clone, Debug, FromRow)]
pub struct OutboxItem {
    pub id: i64,
    pub broadcast_id: i64,
    pub chat_id: i64,
    pub text: String,
    pub button_label: Option<String>,
    pub button_url: Option<String>,
    pub attempts: i64,
}

/// What became of a claimed row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settled {
    Sent,
    /// 403: the member blocked the bot; they are marked and skipped from now on.
    Blocked,
    /// Telegram refused it for good (say, the chat no longer exists).
    Failed,
    /// 429 or a passing network fault: try again at this time, not before.
    RetryAt(DateTime<Utc>),
}

pub use crate::domain::broadcast::Tally;

/// A tally as SQLite counts it (the domain's type knows nothing of rows).
#[derive(FromRow)]
struct TallyRow {
    broadcast_id: i64,
    status_chat: Option<i64>,
    status_message: Option<i64>,
    status_lang: Option<String>,
    sent: i64,
    blocked: i64,
    failed: i64,
    uncertain: i64,
    left: i64,
}

impl From<TallyRow> for Tally {
    fn from(r: TallyRow) -> Tally {
        Tally {
            broadcast_id: r.broadcast_id,
            status_chat: r.status_chat,
            status_message: r.status_message,
            status_lang: r.status_lang,
            sent: r.sent,
            blocked: r.blocked,
            failed: r.failed,
            uncertain: r.uncertain,
            left: r.left,
        }
    }
}

/// A broadcast's counts by state; callers add the WHERE and GROUP BY.
const TALLY: &str = "
    SELECT b.id AS broadcast_id, b.status_chat, b.status_message, b.status_lang,
           count(*) FILTER (WHERE o.state = 'sent') AS sent,
           count(*) FILTER (WHERE o.state = 'blocked') AS blocked,
           count(*) FILTER (WHERE o.state = 'failed') AS failed,
           count(*) FILTER (WHERE o.state = 'uncertain') AS uncertain,
           count(*) FILTER (WHERE o.state IN ('pending', 'sending')) AS left
    FROM broadcasts b LEFT JOIN outbox o ON o.broadcast_id = b.id";

/// Who an audience reaches: bound to (constituency code, organisation code), either NULL.
const AUDIENCE: &str = "FROM members m JOIN chats c ON c.chat_id = m.member_id
     WHERE m.consent = 'given' AND c.blocked_at IS NULL
       AND (?1 IS NULL OR m.constituency = ?1) AND (?2 IS NULL OR m.org_code = ?2)";

fn audience_binds(audience: &Audience) -> (Option<&'static str>, Option<&str>) {
    match audience {
        Audience::All => (None, None),
        Audience::Constituency(c) => (Some(c.code()), None),
        Audience::Organisation(code) => (None, Some(code.as_str())),
    }
}

impl Store {
    /// How many members `audience` reaches now: the number an admin confirms before sending.
    pub async fn audience_size(&self, audience: &Audience) -> Result<u64, StoreError> {
        let (constituency, org) = audience_binds(audience);
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT count(*) {AUDIENCE}"))
            .bind(constituency)
            .bind(org)
            .fetch_one(&self.reader)
            .await?;
        Ok(n.max(0) as u64)
    }

    /// Consented members who have not blocked the bot, in `audience`.
    pub async fn audience(&self, audience: &Audience) -> Result<Vec<Recipient>, StoreError> {
        self.audience_where(audience, "").await
    }

    /// `audience` narrowed by `more` (an `AND …` on `m`, the members table).
    pub(super) async fn audience_where(
        &self,
        audience: &Audience,
        more: &str,
    ) -> Result<Vec<Recipient>, StoreError> {
        let (constituency, org) = audience_binds(audience);
        let rows: Vec<(i64, Option<String>)> = sqlx::query_as(&format!(
            "SELECT m.member_id, c.lang {AUDIENCE} {more} ORDER BY m.member_id"
        ))
        .bind(constituency)
        .bind(org)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(chat_id, lang)| Recipient {
                chat_id,
                lang: lang.as_deref().and_then(Lang::parse).unwrap_or_default(),
            })
            .collect())
    }

    /// Queues `messages` as one broadcast, audited. `None` when this automatic reminder stage
    /// was already queued. The worker is woken by the caller.
    pub async fn queue_broadcast(
        &self,
        broadcast: &NewBroadcast,
        messages: &[OutMessage],
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.writer.begin().await?;
        let id = insert_broadcast(&mut tx, broadcast, None, messages, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Whether this automatic reminder stage of the campaign was queued already: checked
    /// before anything is prepared for it (the unique index stays the last word).
    pub async fn reminder_stage_queued(
        &self,
        campaign_id: i64,
        stage: &str,
    ) -> Result<bool, StoreError> {
        let (queued,): (bool,) = sqlx::query_as(
            "SELECT EXISTS (SELECT 1 FROM broadcasts WHERE campaign_id = ?1 AND stage = ?2)",
        )
        .bind(campaign_id)
        .bind(stage)
        .fetch_one(&self.reader)
        .await?;
        Ok(queued)
    }

    /// At start-up: rows a crash cut off between sending and hearing back. They may have been
    /// delivered, so they are not sent again; the tally counts them as uncertain.
    pub async fn recover_outbox(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE outbox SET state = 'uncertain', done_at = ?1 WHERE state = 'sending'",
        )
        .bind(now)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected())
    }

    /// Up to `limit` rows that are due, oldest first, leaving out `handed` (rows already given
    /// to delivery) and chats Telegram asked us to leave alone for now. Reading changes nothing:
    /// a row is marked as leaving only by [`Store::mark_sending`].
    pub async fn due_outbox(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        handed: &[i64],
    ) -> Result<Vec<OutboxItem>, StoreError> {
        let handed = serde_json::to_string(handed).unwrap_or_else(|_| "[]".into());
        Ok(sqlx::query_as(
            "SELECT id, broadcast_id, chat_id, text, button_label, button_url, attempts
             FROM outbox
             WHERE state = 'pending' AND (not_before IS NULL OR not_before <= ?1)
               AND chat_id NOT IN (SELECT chat_id FROM outbox
                                   WHERE state = 'pending' AND not_before > ?1)
               AND id NOT IN (SELECT value FROM json_each(?3))
             ORDER BY id LIMIT ?2",
        )
        .bind(now)
        .bind(limit as i64)
        .bind(handed)
        .fetch_all(&self.writer)
        .await?)
    }

    /// Records that the row's request is leaving now, just before it does. `false` when the
    /// row is no longer pending (erased with its member, or settled by another process).
    pub async fn mark_sending(&self, id: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1
             WHERE id = ?1 AND state = 'pending'",
        )
        .bind(id)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn settle(
        &self,
        item: &OutboxItem,
        settled: Settled,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (state, not_before) = match settled {
            Settled::Sent => ("sent", None),
            Settled::Blocked => ("blocked", None),
            Settled::Failed => ("failed", None),
            Settled::RetryAt(t) => ("pending", Some(t)),
        };
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "UPDATE outbox SET state = ?2, not_before = ?3,
                               done_at = CASE WHEN ?2 = 'pending' THEN NULL ELSE ?4 END
             WHERE id = ?1",
        )
        .bind(item.id)
        .bind(state)
        .bind(not_before)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if settled == Settled::Blocked {
            sqlx::query("UPDATE chats SET blocked_at = ?2 WHERE chat_id = ?1")
                .bind(item.chat_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Broadcasts not yet reported finished, with their counts.
    pub async fn open_tallies(&self) -> Result<Vec<Tally>, StoreError> {
        let rows: Vec<TallyRow> = sqlx::query_as(&format!(
            "{TALLY} WHERE b.finished_at IS NULL GROUP BY b.id ORDER BY b.id"
        ))
        .fetch_all(&self.writer)
        .await?;
        Ok(rows.into_iter().map(Tally::from).collect())
    }

    /// The counts of one broadcast, finished or not.
    pub async fn tally(&self, id: i64) -> Result<Tally, StoreError> {
        let row: TallyRow = sqlx::query_as(&format!("{TALLY} WHERE b.id = ?1 GROUP BY b.id"))
            .bind(id)
            .fetch_one(&self.writer)
            .await?;
        Ok(row.into())
    }

    pub async fn finish_broadcast(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE broadcasts SET finished_at = ?2 WHERE id = ?1")
            .bind(id)
            .bind(now)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// The language a chat chose, if it chose one.
    pub async fn chat_lang(&self, chat_id: i64) -> Result<Option<Lang>, StoreError> {
        let row: Option<(Option<String>,)> =
            sqlx::query_as("SELECT lang FROM chats WHERE chat_id = ?1")
                .bind(chat_id)
                .fetch_optional(&self.reader)
                .await?;
        Ok(row.and_then(|(l,)| l).as_deref().and_then(Lang::parse))
    }
}

/// How long to wait before retrying after a passing fault: 5 s, 10 s, 20 s, … capped at 5 min.
pub fn backoff(attempts: i64) -> Duration {
    let exp = attempts.clamp(1, 7) as u32 - 1;
    Duration::seconds(5 * 2_i64.pow(exp)).min(Duration::minutes(5))
}

/// Inserts a broadcast and its messages, audited, in the caller's transaction. `None` when
/// this automatic reminder stage was already queued.
pub(super) async fn insert_broadcast(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    broadcast: &NewBroadcast,
    round_id: Option<i64>,
    messages: &[OutMessage],
    now: DateTime<Utc>,
) -> Result<Option<i64>, StoreError> {
    let id: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO broadcasts (kind, audience, campaign_id, stage, started_by, created_at,
                                         status_chat, status_message, status_lang, round_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (campaign_id, stage) DO NOTHING RETURNING id",
    )
    .bind(broadcast.kind.code())
    .bind(&broadcast.audience)
    .bind(broadcast.campaign_id)
    .bind(broadcast.stage)
    .bind(broadcast.by.id())
    .bind(now)
    .bind(broadcast.status.map(|s| s.chat))
    .bind(broadcast.status.map(|s| s.message))
    .bind(broadcast.status.map(|s| s.lang.code()))
    .bind(round_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((id,)) = id else {
        return Ok(None);
    };
    for m in messages {
        let (label, url) = m.button.clone().unzip();
        sqlx::query(
            "INSERT INTO outbox (broadcast_id, chat_id, text, button_label, button_url)
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(m.chat_id)
        .bind(&m.html)
        .bind(label)
        .bind(url)
        .execute(&mut **tx)
        .await?;
    }
    let detail = format!(
        "{} #{id} to {}: {} messages",
        broadcast.kind.code(),
        broadcast.audience,
        messages.len()
    );
    super::secretariat::audit(tx, broadcast.by, "broadcast", &detail, None, now).await?;
    Ok(Some(id))
}
