//! Ratings and their history. Every change appends a revision (a snapshot after the change).
//! A rating carries the constituency and organisation it was given under (migration 0009).

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::batch::Batch;
use super::{Store, StoreError};
use crate::domain::comment::MAX_COMMENT_CHARS;
use crate::domain::{ActivityCode, Comment, Rating};

#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct Revision {
    pub action: String,
    pub rating: Option<i64>,
    pub comment_text: Option<String>,
    pub voice_file_id: Option<String>,
    pub at: DateTime<Utc>,
}

/// Revisions kept per rating besides its first: the history of a real change of mind, while a
/// member (or a script) editing one comment a thousand times cannot grow the database without
/// bound.
pub const REVISIONS_KEPT: i64 = 20;

/// Copies the current row into the history. With `only_if_changed`, only when the statement
/// just before it changed a row (SQLite's `changes()`), so repeats leave no revision.
fn snapshot(
    b: &mut Batch,
    member: i64,
    version: i64,
    code: &ActivityCode,
    action: &'static str,
    only_if_changed: bool,
    now: DateTime<Utc>,
) {
    let condition = if only_if_changed {
        " AND changes() > 0"
    } else {
        ""
    };
    b.stmt(
        &format!(
            "INSERT INTO rating_revisions
            (member_id, plan_version, activity_code, action, rating, comment_text, voice_file_id,
             voice_duration, voice_size, at)
         SELECT member_id, plan_version, activity_code, $4, rating, comment_text, voice_file_id,
                voice_duration, voice_size, $5
         FROM ratings WHERE member_id = $1 AND plan_version = $2 AND activity_code = $3{condition}"
        ),
        &[
            member.into(),
            version.into(),
            code.as_str().to_string().into(),
            action.into(),
            now.into(),
        ],
    );
    // The first revision (how the rating began) and the latest REVISIONS_KEPT stay.
    b.stmt(
        &format!(
            "DELETE FROM rating_revisions
             WHERE member_id = $1 AND plan_version = $2 AND activity_code = $3
               AND id > (SELECT min(id) FROM rating_revisions
                         WHERE member_id = $1 AND plan_version = $2 AND activity_code = $3)
               AND id < (SELECT min(id) FROM (SELECT id FROM rating_revisions
                         WHERE member_id = $1 AND plan_version = $2 AND activity_code = $3
                         ORDER BY id DESC LIMIT {REVISIONS_KEPT}))"
        ),
        &[
            member.into(),
            version.into(),
            code.as_str().to_string().into(),
        ],
    );
}

/// The activity the member changed last, for a message sent on the menu.
fn touched(b: &mut Batch, member: i64, code: &ActivityCode) {
    b.stmt(
        "UPDATE chats SET last_activity = $2 WHERE chat_id = $1",
        &[member.into(), code.as_str().to_string().into()],
    );
}

pub(super) fn rate(
    b: &mut Batch,
    member: i64,
    version: i64,
    code: &ActivityCode,
    rating: Rating,
    now: DateTime<Utc>,
) {
    let key = [
        member.into(),
        version.into(),
        code.as_str().to_string().into(),
    ];
    // The WHERE makes a repeated identical rating a no-op: no change, so no revision.
    b.stmt(
        "INSERT INTO ratings (member_id, plan_version, activity_code, rating, first_at, updated_at,
                              constituency, org_code, org_name)
         VALUES ($1, $2, $3, $4, $5, $5,
                 (SELECT constituency FROM members WHERE member_id = $1),
                 (SELECT org_code FROM members WHERE member_id = $1),
                 (SELECT org_name FROM members WHERE member_id = $1))
         ON CONFLICT (member_id, plan_version, activity_code) DO UPDATE SET
            rating = excluded.rating, updated_at = excluded.updated_at,
            constituency = excluded.constituency, org_code = excluded.org_code,
            org_name = excluded.org_name
         WHERE ratings.rating != excluded.rating",
        &[
            member.into(),
            version.into(),
            code.as_str().to_string().into(),
            i64::from(rating.get()).into(),
            now.into(),
        ],
    );
    snapshot(b, member, version, code, "rate", true, now);
    // What was sent on the card before the rating is saved with it.
    b.stmt(
        "UPDATE ratings SET
            comment_text = substr(CASE WHEN h.comment_text IS NULL THEN ratings.comment_text
                                WHEN ratings.comment_text IS NULL THEN h.comment_text
                                ELSE ratings.comment_text || char(10) || h.comment_text END,
                                1, $4),
            voice_file_id = coalesce(h.voice_file_id, ratings.voice_file_id),
            voice_duration = CASE WHEN h.voice_file_id IS NULL THEN ratings.voice_duration
                                  ELSE h.voice_duration END,
            voice_size = CASE WHEN h.voice_file_id IS NULL THEN ratings.voice_size
                              ELSE h.voice_size END
         FROM held_comments h
         WHERE h.member_id = $1 AND h.plan_version = $2 AND h.activity_code = $3
           AND ratings.member_id = $1 AND ratings.plan_version = $2
           AND ratings.activity_code = $3",
        &[
            member.into(),
            version.into(),
            code.as_str().to_string().into(),
            (MAX_COMMENT_CHARS as i64).into(),
        ],
    );
    snapshot(b, member, version, code, "comment", true, now);
    b.stmt(
        "DELETE FROM held_comments
         WHERE member_id = $1 AND plan_version = $2 AND activity_code = $3",
        &key,
    );
    touched(b, member, code);
}

/// A comment added to a rated activity's: a text joined to the text on a new line, a voice
/// note in place of the voice note. A text never touches the voice note, nor a voice note the text.
pub(super) fn comment(
    b: &mut Batch,
    member: i64,
    version: i64,
    code: &ActivityCode,
    comment: &Comment,
    now: DateTime<Utc>,
) {
    let key = [
        member.into(),
        version.into(),
        code.as_str().to_string().into(),
    ];
    let profile = "updated_at = $5, constituency = m.constituency, org_code = m.org_code,
                   org_name = m.org_name
                   FROM members m
                   WHERE m.member_id = $1 AND ratings.member_id = $1 AND plan_version = $2
                     AND activity_code = $3";
    match comment {
        Comment::Text(t) => {
            let mut values = key.to_vec();
            values.extend([t.as_str().to_string().into(), now.into()]);
            b.stmt(
                &format!(
                    "UPDATE ratings SET comment_text = substr(CASE WHEN comment_text IS NULL THEN $4
                                         ELSE comment_text || char(10) || $4 END, 1, {MAX_COMMENT_CHARS}),
                     {profile}
                       AND (comment_text IS NULL OR length(comment_text) < {MAX_COMMENT_CHARS})"
                ),
                &values,
            );
        }
        Comment::Voice(v) => {
            let mut values = key.to_vec();
            values.extend([
                v.file_id.clone().into(),
                now.into(),
                i64::from(v.duration_secs).into(),
                v.size_bytes.map(i64::from).into(),
            ]);
            b.stmt(
                &format!(
                    "UPDATE ratings SET voice_file_id = $4, voice_duration = $6, voice_size = $7,
                     {profile}"
                ),
                &values,
            );
        }
    }
    snapshot(b, member, version, code, "comment", true, now);
    touched(b, member, code);
}

/// A comment kept for an activity not rated yet: texts joined, a voice note in place of an
/// earlier one.
pub(super) fn hold(
    b: &mut Batch,
    member: i64,
    version: i64,
    code: &ActivityCode,
    comment: &Comment,
    now: DateTime<Utc>,
) {
    let (text, voice) = match comment {
        Comment::Text(t) => (Some(t.as_str().to_string()), None),
        Comment::Voice(v) => (None, Some(v)),
    };
    b.stmt(
        &format!(
            "INSERT INTO held_comments (member_id, plan_version, activity_code, comment_text,
                                    voice_file_id, voice_duration, voice_size, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (member_id, plan_version, activity_code) DO UPDATE SET
            comment_text = substr(CASE WHEN excluded.comment_text IS NULL THEN comment_text
                                WHEN comment_text IS NULL THEN excluded.comment_text
                                ELSE comment_text || char(10) || excluded.comment_text END,
                                1, {MAX_COMMENT_CHARS}),
            voice_file_id = coalesce(excluded.voice_file_id, voice_file_id),
            voice_duration = CASE WHEN excluded.voice_file_id IS NULL THEN voice_duration
                                  ELSE excluded.voice_duration END,
            voice_size = CASE WHEN excluded.voice_file_id IS NULL THEN voice_size
                              ELSE excluded.voice_size END,
            at = excluded.at"
        ),
        &[
            member.into(),
            version.into(),
            code.as_str().to_string().into(),
            text.into(),
            voice.map(|v| v.file_id.clone()).into(),
            voice.map(|v| i64::from(v.duration_secs)).into(),
            voice.and_then(|v| v.size_bytes).map(i64::from).into(),
            now.into(),
        ],
    );
}

pub(super) fn withdraw(
    b: &mut Batch,
    member: i64,
    version: i64,
    code: &ActivityCode,
    now: DateTime<Utc>,
) {
    snapshot(b, member, version, code, "withdraw", false, now);
    b.stmt(
        "DELETE FROM ratings WHERE member_id = $1 AND plan_version = $2 AND activity_code = $3",
        &[
            member.into(),
            version.into(),
            code.as_str().to_string().into(),
        ],
    );
    b.stmt(
        "UPDATE chats SET last_activity = NULL WHERE chat_id = $1 AND last_activity = $2",
        &[member.into(), code.as_str().to_string().into()],
    );
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
