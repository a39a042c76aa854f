//! Per-chat conversation state and the member's profile: loaded before a step, written after.

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

use super::batch::Batch;
use super::{Store, StoreError};
use crate::conversation::facts::{CommentSeen, TextStart};
use crate::conversation::{Consent, Effect, Given, ProfileField, State};
use crate::domain::{
    reference, ActivityCode, Constituency, Gender, Lang, Org, OrgChoice, Profile, Province, Rating,
    Sector, Window,
};

/// Everything a step needs to know about one chat.
#[derive(Clone, Debug)]
pub struct ChatRecord {
    pub lang: Option<Lang>,
    pub state: State,
    pub last_update_id: Option<i64>,
    pub blocked: bool,
    pub consent: Consent,
    pub profile: Profile,
    pub given: BTreeMap<ActivityCode, Given>,
    /// Comments waiting for their activity's rating.
    pub held: BTreeMap<ActivityCode, CommentSeen>,
    /// The activity whose rating or comment the member changed last.
    pub last_activity: Option<ActivityCode>,
    pub window: Window,
    /// The plan version active in the database: another process may have imported a new one.
    pub active_plan: Option<i64>,
    /// Changes whenever the secretariat adds an organisation (from any process).
    pub orgs_stamp: String,
    pub is_admin: bool,
    /// The member wants campaign reminders.
    pub reminders: bool,
    /// The organisation the member coordinates.
    pub coordinates: Option<String>,
    /// The campaign the member joined last (open or not: the caller checks the deadline).
    pub campaign_id: Option<i64>,
}

struct ChatRow {
    lang: Option<String>,
    state: Option<String>,
    last_update_id: Option<i64>,
    blocked: bool,
    consent: Option<String>,
    constituency: Option<String>,
    org_code: Option<String>,
    org_name: Option<String>,
    /// The member's organisation when the secretariat added it (not built in).
    added_org_en: Option<String>,
    added_org_km: Option<String>,
    added_org_constituency: Option<String>,
    province: Option<i64>,
    sector: Option<String>,
    gender: Option<String>,
    /// The member's ratings on the plan as a JSON array of [code, rating, has_text, has_voice]:
    /// aggregated in the same query, so loading a chat is one round trip.
    given: String,
    window_open: bool,
    window_until: Option<DateTime<Utc>>,
    window_changed_at: DateTime<Utc>,
    active_plan: Option<i64>,
    orgs_stamp: String,
    is_admin: bool,
    reminders: bool,
    coordinates: Option<String>,
    campaign_id: Option<i64>,
    /// Comments waiting for their activity's rating, as `given`.
    held: String,
    last_activity: Option<String>,
}

/// A row of the ratings (or held comments) aggregate: code, rating, the comment's start and
/// length, a voice note's seconds.
type Said = (String, i64, Option<String>, Option<i64>, Option<i64>);

fn comment_seen(text: Option<String>, chars: Option<i64>, voice: Option<i64>) -> CommentSeen {
    CommentSeen {
        text: text.map(|start| TextStart {
            start,
            chars: chars.and_then(|n| usize::try_from(n).ok()).unwrap_or(0),
        }),
        voice: voice.map(|secs| u32::try_from(secs).unwrap_or(0)),
    }
}

/// A time column as sqlx wrote it (RFC 3339), or none.
fn time(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    let Some(text) = r.get_ref(i)?.as_str_or_null()? else {
        return Ok(None);
    };
    DateTime::parse_from_rfc3339(text)
        .map(|t| Some(t.with_timezone(&Utc)))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
        })
}

/// What one step leaves behind, written in one transaction.
pub struct StepWrite<'a> {
    pub chat_id: i64,
    pub state: &'a State,
    pub effects: &'a [Effect],
    pub plan_version: i64,
    pub update_id: Option<i64>,
    /// The member's first name as Telegram shows it, to note (kept only once they agreed).
    pub first_name: Option<&'a str>,
    pub now: DateTime<Utc>,
}

impl Store {
    pub async fn load_chat(
        &self,
        chat_id: i64,
        plan_version: i64,
    ) -> Result<ChatRecord, StoreError> {
        const LOAD: &str = "SELECT c.lang, c.state, c.last_update_id,
                    c.blocked_at IS NOT NULL AS blocked,
                    m.consent, m.constituency, m.org_code, m.org_name, m.province, m.sector, m.gender,
                    o.name_en AS added_org_en, o.name_km AS added_org_km,
                    o.constituency AS added_org_constituency,
                    (SELECT json_group_array(json_array(activity_code, rating,
                                substr(comment_text, 1, ?3), length(comment_text),
                                CASE WHEN voice_file_id IS NOT NULL THEN ifnull(voice_duration, 0) END))
                     FROM ratings WHERE member_id = ?1 AND plan_version = ?2) AS given,
                    w.open AS window_open, w.until AS window_until, w.changed_at AS window_changed_at,
                    (SELECT version FROM plans WHERE active = 1) AS active_plan,
                    (SELECT count(*) || '/' || ifnull(max(rowid), 0) FROM organisations) AS orgs_stamp,
                    EXISTS (SELECT 1 FROM admins WHERE user_id = ?1) AS is_admin,
                    coalesce(m.reminders, 1) AS reminders,
                    (SELECT org_code FROM coordinators WHERE member_id = ?1) AS coordinates,
                    (SELECT campaign_id FROM campaign_members WHERE member_id = ?1
                     ORDER BY joined_at DESC, campaign_id DESC LIMIT 1) AS campaign_id,
                    (SELECT json_group_array(json_array(activity_code, 0,
                                substr(comment_text, 1, ?3), length(comment_text),
                                CASE WHEN voice_file_id IS NOT NULL THEN ifnull(voice_duration, 0) END))
                     FROM held_comments WHERE member_id = ?1 AND plan_version = ?2) AS held,
                    c.last_activity
             FROM (SELECT ?1 AS id) q
             JOIN consultation_window w ON w.id = 1
             LEFT JOIN chats c ON c.chat_id = q.id
             LEFT JOIN members m ON m.member_id = q.id
             LEFT JOIN organisations o ON o.code = m.org_code";
        let preview = crate::conversation::facts::PREVIEW_CHARS as i64;
        let row = self.hot.read(|db| {
            db.prepare_cached(LOAD)?.query_row(
                rusqlite::params![chat_id, plan_version, preview],
                |r| {
                    Ok(ChatRow {
                        lang: r.get(0)?,
                        state: r.get(1)?,
                        last_update_id: r.get(2)?,
                        blocked: r.get(3)?,
                        consent: r.get(4)?,
                        constituency: r.get(5)?,
                        org_code: r.get(6)?,
                        org_name: r.get(7)?,
                        province: r.get(8)?,
                        sector: r.get(9)?,
                        gender: r.get(10)?,
                        added_org_en: r.get(11)?,
                        added_org_km: r.get(12)?,
                        added_org_constituency: r.get(13)?,
                        given: r.get(14)?,
                        window_open: r.get(15)?,
                        window_until: time(r, 16)?,
                        window_changed_at: time(r, 17)?.unwrap_or_default(),
                        active_plan: r.get(18)?,
                        orgs_stamp: r.get(19)?,
                        is_admin: r.get(20)?,
                        reminders: r.get(21)?,
                        coordinates: r.get(22)?,
                        campaign_id: r.get(23)?,
                        held: r.get(24)?,
                        last_activity: r.get(25)?,
                    })
                },
            )
        })?;
        let aggregate = |json: &str| -> Vec<Said> {
            serde_json::from_str(json).unwrap_or_else(|e| {
                tracing::error!(chat = chat_id, error = %e, "unreadable ratings aggregate");
                Vec::new()
            })
        };
        let given_rows = aggregate(&row.given);
        let held = aggregate(&row.held)
            .into_iter()
            .filter_map(|(code, _, text, chars, voice)| {
                Some((
                    ActivityCode::parse(&code).ok()?,
                    comment_seen(text, chars, voice),
                ))
            })
            .collect();

        let consent = match row.consent.as_deref() {
            Some("given") => Consent::Given,
            Some("declined") => Consent::Declined,
            _ => Consent::Unknown,
        };
        let state = match row.state.as_deref().map(State::from_json) {
            Some(Some(state)) => state,
            None => State::Start,
            // Unreadable (an older or newer build): buttons still work from the menu.
            Some(None) if consent == Consent::Given => State::Menu,
            Some(None) => State::Start,
        };
        let added = super::organisations::OrgRow {
            code: row.org_code.clone().unwrap_or_default(),
            name_en: row.added_org_en.unwrap_or_default(),
            name_km: row.added_org_km.unwrap_or_default(),
            constituency: row.added_org_constituency.unwrap_or_default(),
        };
        let known = row.org_code.as_deref().and_then(|code| {
            reference::organisation(code)
                .map(Org::built_in)
                .or_else(|| added.into_org())
        });
        let organisation = match (known, row.org_name) {
            (Some(org), _) => Some(OrgChoice::Known(org)),
            (None, Some(name)) => Some(OrgChoice::Named(name)),
            _ => None,
        };
        let profile = Profile {
            constituency: row.constituency.as_deref().and_then(Constituency::parse),
            organisation,
            province: row
                .province
                .and_then(|p| u8::try_from(p).ok())
                .and_then(Province::new),
            sector: row.sector.as_deref().and_then(Sector::parse),
            gender: row.gender.as_deref().and_then(Gender::parse),
        };
        let given = given_rows
            .into_iter()
            .filter_map(|(code, rating, text, chars, voice)| {
                let code = ActivityCode::parse(&code).ok()?;
                let rating = Rating::new(u8::try_from(rating).ok()?)?;
                let comment = comment_seen(text, chars, voice);
                Some((code, Given { rating, comment }))
            })
            .collect();
        Ok(ChatRecord {
            lang: row.lang.as_deref().and_then(Lang::parse),
            state,
            last_update_id: row.last_update_id,
            blocked: row.blocked,
            consent,
            profile,
            given,
            held,
            last_activity: row
                .last_activity
                .as_deref()
                .and_then(|c| ActivityCode::parse(c).ok()),
            active_plan: row.active_plan,
            orgs_stamp: row.orgs_stamp,
            is_admin: row.is_admin,
            reminders: row.reminders,
            coordinates: row.coordinates,
            campaign_id: row.campaign_id,
            window: Window {
                open: row.window_open,
                until: row.window_until,
                changed_at: row.window_changed_at,
            },
        })
    }

    /// Writes a step's effects and the next state together: a crash leaves either all or nothing.
    pub async fn apply(&self, w: StepWrite<'_>) -> Result<(), StoreError> {
        let mut b = Batch::new();
        for effect in w.effects {
            effect_sql(&mut b, w.chat_id, w.plan_version, effect, w.now);
        }
        // After /forget nothing about the chat remains, not even where it was.
        if !w.effects.contains(&Effect::Erase) {
            b.stmt(
                "INSERT INTO chats (chat_id, state, last_update_id, updated_at)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (chat_id) DO UPDATE SET
                    state = excluded.state,
                    last_update_id = coalesce(excluded.last_update_id, chats.last_update_id),
                    blocked_at = NULL,
                    updated_at = excluded.updated_at",
                &[
                    w.chat_id.into(),
                    w.state.to_json().into(),
                    w.update_id.into(),
                    w.now.into(),
                ],
            );
            if let Some(name) = w.first_name {
                b.stmt(
                    "UPDATE chats SET first_name = $2
                     WHERE chat_id = $1 AND first_name IS NOT $2
                       AND EXISTS (SELECT 1 FROM members WHERE member_id = $1 AND consent = 'given')",
                    &[w.chat_id.into(), name.to_string().into()],
                );
            }
        }
        let erasing = w.effects.contains(&Effect::Erase);
        if erasing {
            self.record_erased(&mut b, w.chat_id, w.now);
        }
        self.hot.write(|db| b.run(db)).await?;
        if erasing {
            self.note_erased_beside(w.chat_id, w.now);
            // secure_delete zeroed the member's bytes in the pages written; the WAL still holds
            // the pages as they were before. A truncating checkpoint empties it.
            self.truncate_wal().await;
        }
        Ok(())
    }

    /// Forgets everyone who said no, or never answered the privacy notice, and has not
    /// written since `before`: their refusal or their place in the conversation. Staff keep
    /// their chat (their command menu needs it). Returns how many people were forgotten.
    pub async fn forget_strangers(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut tx = self.writer.begin().await?;
        let declined = sqlx::query(
            "DELETE FROM members WHERE consent = 'declined' AND updated_at < ?1
               AND NOT EXISTS (SELECT 1 FROM chats c WHERE c.chat_id = members.member_id
                               AND c.updated_at >= ?1)",
        )
        .bind(before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let strangers = sqlx::query(
            "DELETE FROM chats WHERE updated_at < ?1
               AND NOT EXISTS (SELECT 1 FROM members m WHERE m.member_id = chats.chat_id)
               AND NOT EXISTS (SELECT 1 FROM admins a WHERE a.user_id = chats.chat_id)
               AND NOT EXISTS (SELECT 1 FROM coordinators k WHERE k.member_id = chats.chat_id)",
        )
        .bind(before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(declined.max(strangers))
    }

    /// Whether this person has ever written to the bot: Telegram knows no private chat of the
    /// bot's with anyone else (a menu set for one fails with "chat not found").
    pub async fn has_chat(&self, chat_id: i64) -> Result<bool, StoreError> {
        let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM chats WHERE chat_id = ?1")
            .bind(chat_id)
            .fetch_one(&self.reader)
            .await?;
        Ok(n > 0)
    }

    /// Telegram said 403: the member blocked the bot (or deleted their account).
    pub async fn set_blocked(
        &self,
        chat_id: i64,
        blocked: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE chats SET blocked_at = CASE WHEN ?2 THEN ?3 END WHERE chat_id = ?1")
            .bind(chat_id)
            .bind(blocked)
            .bind(now)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// How many rows anywhere still name this member (0 after /forget): every column of
    /// `erase::PERSON_COLUMNS`, and the audit log's erased details.
    pub async fn rows_about(&self, chat_id: i64) -> Result<i64, StoreError> {
        let counts: Vec<String> = super::erase::PERSON_COLUMNS
            .iter()
            .map(|(table, column, _)| format!("(SELECT count(*) FROM {table} WHERE {column} = ?1)"))
            .collect();
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT {}", counts.join(" + ")))
            .bind(chat_id)
            .fetch_one(&self.reader)
            .await?;
        Ok(n)
    }
}

fn effect_sql(b: &mut Batch, chat_id: i64, plan_version: i64, effect: &Effect, now: DateTime<Utc>) {
    match effect {
        Effect::SetLang(lang) => {
            b.stmt(
                "INSERT INTO chats (chat_id, lang, state, updated_at) VALUES ($1, $2, '{\"at\":\"Start\"}', $3)
                 ON CONFLICT (chat_id) DO UPDATE SET lang = excluded.lang, updated_at = excluded.updated_at",
            &[chat_id.into(), lang.code().into(), now.into()]);
        }
        Effect::GiveConsent | Effect::DeclineConsent => {
            let consent = if *effect == Effect::GiveConsent {
                "given"
            } else {
                "declined"
            };
            b.stmt(
                "INSERT INTO members (member_id, consent, consent_at, created_at, updated_at)
                 VALUES ($1, $2, $3, $3, $3)
                 ON CONFLICT (member_id) DO UPDATE SET
                    consent = excluded.consent, consent_at = excluded.consent_at, updated_at = excluded.updated_at",
            &[chat_id.into(), consent.into(), now.into()]);
        }
        Effect::SetProfile(field) => set_profile(b, chat_id, field, now),
        Effect::Rate { code, rating } => {
            super::ratings::rate(b, chat_id, plan_version, code, *rating, now)
        }
        Effect::Comment { code, comment } => {
            super::ratings::comment(b, chat_id, plan_version, code, comment, now)
        }
        Effect::Hold { code, comment } => {
            super::ratings::hold(b, chat_id, plan_version, code, comment, now)
        }
        Effect::Withdraw { code } => super::ratings::withdraw(b, chat_id, plan_version, code, now),
        Effect::SetWindow(w) => b.stmt(
            "UPDATE consultation_window SET open = $1, until = $2, changed_at = $3 WHERE id = 1",
            &[w.open.into(), w.until.into(), w.changed_at.into()],
        ),
        // Opened again, the link makes its campaign the member's current one again.
        Effect::JoinCampaign(id) => b.stmt(
            "INSERT INTO campaign_members (campaign_id, member_id, joined_at) VALUES ($1, $2, $3)
             ON CONFLICT DO UPDATE SET joined_at = excluded.joined_at",
            &[(*id).into(), chat_id.into(), now.into()],
        ),
        Effect::SetAutoRemind { campaign_id, on } => b.stmt(
            "UPDATE campaigns SET auto_remind = $2
             WHERE id = $1 AND org_code = (SELECT org_code FROM coordinators WHERE member_id = $3)",
            &[(*campaign_id).into(), (*on).into(), chat_id.into()],
        ),
        Effect::MoveTo {
            constituency,
            organisation,
        } => {
            let (code, name) = match organisation {
                Some(OrgChoice::Known(org)) => (Some(org.code.clone()), None),
                Some(OrgChoice::Named(name)) => (None, Some(name.clone())),
                None => (None, None),
            };
            // The member row only: their ratings keep the profile they were given under.
            b.stmt(
                "UPDATE members SET constituency = $2, org_code = $3, org_name = $4, updated_at = $5
                 WHERE member_id = $1",
                &[
                    chat_id.into(),
                    constituency.code().into(),
                    code.into(),
                    name.into(),
                    now.into(),
                ],
            )
        }
        Effect::SetReminders(on) => b.stmt(
            "UPDATE members SET reminders = $2, updated_at = $3 WHERE member_id = $1",
            &[chat_id.into(), (*on).into(), now.into()],
        ),
        Effect::AddAdmin(user_id) => b.stmt(
            "INSERT INTO admins (user_id, source, added_by, added_at) VALUES ($1, 'bot', $2, $3)
             ON CONFLICT DO NOTHING",
            &[(*user_id).into(), chat_id.into(), now.into()],
        ),
        Effect::RemoveAdmin(user_id) => b.stmt(
            "DELETE FROM admins WHERE user_id = $1",
            &[(*user_id).into()],
        ),
        Effect::AddCoordinator { org, user_id } => b.stmt(
            super::organisations::ADD_COORDINATOR,
            &[
                (*user_id).into(),
                org.clone().into(),
                chat_id.into(),
                now.into(),
            ],
        ),
        Effect::RemoveCoordinator(user_id) => b.stmt(
            super::organisations::REMOVE_COORDINATOR,
            &[(*user_id).into()],
        ),
        Effect::Audit {
            action,
            detail,
            subject,
        } => b.stmt(
            "INSERT INTO audit_log (actor, action, detail, subject, at) VALUES ($1, $2, $3, $4, $5)",
            &[
                chat_id.into(),
                (*action).into(),
                detail.clone().into(),
                (*subject).into(),
                now.into(),
            ],
        ),
        Effect::Answer {
            round,
            code,
            status,
        } => super::monitoring::answer(b, chat_id, *round, code, *status, now),
        Effect::RoundComment {
            round,
            code,
            comment,
        } => super::monitoring::comment(b, chat_id, *round, code, comment, now),
        Effect::Erase => super::erase::erase(b, chat_id),
    }
}

fn set_profile(b: &mut Batch, chat_id: i64, field: &ProfileField, now: DateTime<Utc>) {
    let (sql, value): (&str, Option<String>) = match field {
        ProfileField::Constituency(c) => {
            // A different side makes a listed organisation of the old side wrong: clear it.
            b.stmt("UPDATE members SET org_code = NULL WHERE member_id = $1 AND constituency IS NOT $2", &[chat_id.into(), c.code().into()]);
            ("UPDATE members SET constituency = $2, updated_at = $3 WHERE member_id = $1", Some(c.code().into()))
        }
        ProfileField::Organisation(OrgChoice::Known(org)) => (
            "UPDATE members SET org_code = $2, org_name = NULL, updated_at = $3 WHERE member_id = $1",
            Some(org.code.clone()),
        ),
        ProfileField::Organisation(OrgChoice::Named(name)) => (
            "UPDATE members SET org_name = $2, org_code = NULL, updated_at = $3 WHERE member_id = $1",
            Some(name.clone()),
        ),
        ProfileField::Province(p) => {
            ("UPDATE members SET province = $2, updated_at = $3 WHERE member_id = $1", Some(p.code().to_string()))
        }
        ProfileField::Sector(s) => {
            ("UPDATE members SET sector = $2, updated_at = $3 WHERE member_id = $1", Some(s.code().into()))
        }
        ProfileField::Gender(g) => {
            ("UPDATE members SET gender = $2, updated_at = $3 WHERE member_id = $1", Some(g.code().into()))
        }
    };
    b.stmt(sql, &[chat_id.into(), value.into(), now.into()]);
    if matches!(
        field,
        ProfileField::Constituency(_) | ProfileField::Organisation(_)
    ) {
        // A correction of who they speak for: their ratings were given under it too.
        b.stmt(
            "UPDATE ratings SET constituency = m.constituency, org_code = m.org_code,
                                org_name = m.org_name
             FROM members m
             WHERE m.member_id = $1 AND ratings.member_id = $1
               AND (ratings.constituency, ratings.org_code, ratings.org_name)
                   IS NOT (m.constituency, m.org_code, m.org_name)",
            &[chat_id.into()],
        );
    }
}
