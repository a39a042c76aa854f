//! Monitoring rounds and their answers (migration 0013).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::batch::Batch;
use super::outbox::{insert_broadcast, NewBroadcast, OutMessage};
use super::{Store, StoreError};
use crate::conversation::{AnswerSeen, CommentSeen, MemberRound, TextStart};
use crate::domain::comment::MAX_COMMENT_CHARS;
use crate::domain::monitoring::{
    OrgRoundProgress, Round, RoundCounts, RoundResults, Status, TallyRow, MAX_ANSWER_CHANGES,
};
use crate::domain::{ActivityCode, Audience, Comment, Constituency};

#[derive(FromRow)]
struct RoundRow {
    id: i64,
    title: String,
    plan_version: i64,
    activities: String,
    audience: String,
    opened_at: DateTime<Utc>,
    until: DateTime<Utc>,
    closed_at: Option<DateTime<Utc>>,
}

impl RoundRow {
    fn round(self) -> Result<Round, StoreError> {
        let codes: Vec<String> = serde_json::from_str(&self.activities)
            .map_err(|e| StoreError::BadPlan(format!("round {}: {e}", self.id)))?;
        Ok(Round {
            id: self.id,
            title: self.title,
            plan_version: self.plan_version,
            activities: codes
                .iter()
                .filter_map(|c| ActivityCode::parse(c).ok())
                .collect(),
            audience: Audience::parse(&self.audience)
                .map_err(|e| StoreError::BadPlan(format!("round {}: {e}", self.id)))?,
            opened_at: self.opened_at,
            until: self.until,
            closed_at: self.closed_at,
        })
    }
}

/// What a member's card shows of one answer: the comment's start and length.
#[derive(FromRow)]
struct AnswerSeenRow {
    code: String,
    status: Option<String>,
    start: Option<String>,
    chars: Option<i64>,
    voice: Option<i64>,
}

/// One of an organisation's members in a round.
#[derive(FromRow)]
struct OrgMemberRow {
    member_id: i64,
    first_name: Option<String>,
    lang: Option<String>,
    reminders: bool,
    blocked: bool,
    answered: i64,
}

/// One counted cell of a round's answers.
#[derive(FromRow)]
struct CountRow {
    code: String,
    constituency: Option<String>,
    status: Option<String>,
    n: i64,
}

/// Every answer with what is known of the member, round by round, member by member.
const ANSWERS: &str = "SELECT a.round_id, r.title AS round_title, a.member_id, a.activity_code,
        a.status, a.constituency, a.org_code, m.province, m.sector, m.gender, a.comment_text,
        a.voice_file_id, a.voice_duration, a.answered_at
     FROM round_answers a JOIN rounds r ON r.id = a.round_id
     LEFT JOIN members m ON m.member_id = a.member_id
     WHERE ?1 IS NULL OR a.round_id = ?1
     ORDER BY a.round_id, a.member_id, a.activity_code";

const ROUND: &str =
    "SELECT id, title, plan_version, activities, audience, opened_at, until, closed_at FROM rounds";

/// A round to open, with the message to queue for each member it reaches.
pub struct NewRound<'a> {
    pub title: &'a str,
    pub plan_version: i64,
    pub activities: &'a [ActivityCode],
    pub audience: &'a Audience,
    pub until: DateTime<Utc>,
    pub broadcast: NewBroadcast,
}

/// Why a round was not opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotOpened {
    /// This audience has an open round already: one at a time.
    AlreadyOpen(Round),
}

/// One answer with what is known of the member, before pseudonymisation.
#[derive(Clone, Debug, FromRow)]
pub struct AnswerRow {
    pub round_id: i64,
    pub round_title: String,
    pub member_id: i64,
    pub activity_code: String,
    pub status: Option<String>,
    pub constituency: Option<String>,
    pub org_code: Option<String>,
    pub province: Option<i64>,
    pub sector: Option<String>,
    pub gender: Option<String>,
    pub comment_text: Option<String>,
    pub voice_file_id: Option<String>,
    pub voice_duration: Option<i64>,
    pub answered_at: DateTime<Utc>,
}

impl Store {
    /// Opens a round and queues its message to `messages`, in one transaction: a crash leaves
    /// either both or neither, so nobody is told twice. Refused while the audience has an
    /// open round.
    pub async fn open_round(
        &self,
        new: &NewRound<'_>,
        messages: &[OutMessage],
        now: DateTime<Utc>,
    ) -> Result<Result<(Round, i64), NotOpened>, StoreError> {
        let mut tx = self.writer.begin().await?;
        let open: Option<RoundRow> = sqlx::query_as(&format!(
            "{ROUND} WHERE audience = ?1 AND closed_at IS NULL AND until > ?2"
        ))
        .bind(new.audience.describe())
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(open) = open {
            return Ok(Err(NotOpened::AlreadyOpen(open.round()?)));
        }
        let codes: Vec<&str> = new.activities.iter().map(|c| c.as_str()).collect();
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO rounds (title, plan_version, activities, audience, opened_by, opened_at, until)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
        )
        .bind(new.title)
        .bind(new.plan_version)
        .bind(serde_json::to_string(&codes).unwrap_or_else(|_| "[]".into()))
        .bind(new.audience.describe())
        .bind(new.broadcast.by.id())
        .bind(now)
        .bind(new.until)
        .fetch_one(&mut *tx)
        .await?;
        let broadcast = insert_broadcast(&mut tx, &new.broadcast, Some(id), messages, now)
            .await?
            .unwrap_or(0);
        let detail = format!(
            "round #{id} \"{}\" to {} until {}: {} activities",
            new.title,
            new.audience.describe(),
            new.until.format("%Y-%m-%d %H:%M UTC"),
            codes.len()
        );
        super::secretariat::audit(&mut tx, new.broadcast.by, "round-open", &detail, None, now)
            .await?;
        tx.commit().await?;
        let round = self.round(id).await?.ok_or(StoreError::BadPlan(format!(
            "round {id} vanished as it was opened"
        )))?;
        Ok(Ok((round, broadcast)))
    }

    /// Closes a round; `None` when there is no such round, the round as it was when it was
    /// closed already. Every answer stays.
    pub async fn close_round(
        &self,
        id: i64,
        by: super::Actor,
        now: DateTime<Utc>,
    ) -> Result<Option<(Round, bool)>, StoreError> {
        let mut tx = self.writer.begin().await?;
        let closed = sqlx::query(
            "UPDATE rounds SET closed_at = ?2 WHERE id = ?1 AND closed_at IS NULL AND until > ?2",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if closed {
            super::secretariat::audit(
                &mut tx,
                by,
                "round-close",
                &format!("round #{id}"),
                None,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(self.round(id).await?.map(|r| (r, closed)))
    }

    pub async fn round(&self, id: i64) -> Result<Option<Round>, StoreError> {
        let row: Option<RoundRow> = sqlx::query_as(&format!("{ROUND} WHERE id = ?1"))
            .bind(id)
            .fetch_optional(&self.reader)
            .await?;
        row.map(RoundRow::round).transpose()
    }

    /// Every round, the newest first.
    pub async fn rounds(&self) -> Result<Vec<Round>, StoreError> {
        let rows: Vec<RoundRow> = sqlx::query_as(&format!("{ROUND} ORDER BY id DESC"))
            .fetch_all(&self.reader)
            .await?;
        rows.into_iter().map(RoundRow::round).collect()
    }

    /// The round of the same audience opened just before `round`.
    pub async fn previous_round(&self, round: &Round) -> Result<Option<Round>, StoreError> {
        let row: Option<RoundRow> = sqlx::query_as(&format!(
            "{ROUND} WHERE audience = ?1 AND id < ?2 ORDER BY id DESC LIMIT 1"
        ))
        .bind(round.audience.describe())
        .bind(round.id)
        .fetch_optional(&self.reader)
        .await?;
        row.map(RoundRow::round).transpose()
    }

    /// The round a member's screens show: the one named (a button's), else the newest open
    /// round that reaches them, else `None`.
    pub async fn member_round(
        &self,
        member: i64,
        named: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<Option<MemberRound>, StoreError> {
        // The rounds first: when none is open (most of the time) the menu costs one query.
        let open: Vec<RoundRow> = match named {
            Some(_) => Vec::new(),
            None => {
                sqlx::query_as(&format!(
                    "{ROUND} WHERE closed_at IS NULL AND until > ?1 ORDER BY id DESC"
                ))
                .bind(now)
                .fetch_all(&self.reader)
                .await?
            }
        };
        if named.is_none() && open.is_empty() {
            return Ok(None);
        }
        let who: Option<(Option<String>, Option<String>)> =
            sqlx::query_as("SELECT constituency, org_code FROM members WHERE member_id = ?1")
                .bind(member)
                .fetch_optional(&self.reader)
                .await?;
        let (constituency, org) = who.unwrap_or_default();
        let constituency = constituency.as_deref().and_then(Constituency::parse);
        let (round, answers) = match named {
            Some(id) => match self.round(id).await? {
                Some(round) => {
                    let answers = self.member_answers(member, round.id).await?;
                    (round, answers)
                }
                None => return Ok(None),
            },
            None => {
                // Of the rounds that reach them (their organisation's, their side's, everyone's),
                // the newest they have not finished, else the newest.
                let mut first = None;
                let mut pick = None;
                for row in open {
                    let round = row.round()?;
                    if !round.reaches(constituency, org.as_deref()) {
                        continue;
                    }
                    let answers = self.member_answers(member, round.id).await?;
                    let done = round
                        .activities
                        .iter()
                        .all(|c| answers.get(c).is_some_and(|a| a.status.is_some()));
                    if !done {
                        pick = Some((round, answers));
                        break;
                    }
                    first.get_or_insert((round, answers));
                }
                match pick.or(first) {
                    Some(found) => found,
                    None => return Ok(None),
                }
            }
        };
        let previous = match self.previous_round(&round).await? {
            Some(before) => self
                .member_answers(member, before.id)
                .await?
                .into_iter()
                .filter_map(|(code, a)| a.status.map(|s| (code, s)))
                .collect(),
            None => BTreeMap::new(),
        };
        Ok(Some(MemberRound {
            reaches: round.reaches(constituency, org.as_deref()),
            round,
            answers,
            previous,
        }))
    }

    async fn member_answers(
        &self,
        member: i64,
        round: i64,
    ) -> Result<BTreeMap<ActivityCode, AnswerSeen>, StoreError> {
        let rows: Vec<AnswerSeenRow> = sqlx::query_as(
            "SELECT activity_code AS code, status, substr(comment_text, 1, ?3) AS start,
                        length(comment_text) AS chars, voice_duration AS voice
                 FROM round_answers WHERE round_id = ?1 AND member_id = ?2",
        )
        .bind(round)
        .bind(member)
        .bind(crate::conversation::facts::PREVIEW_CHARS as i64)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(
                |AnswerSeenRow {
                     code,
                     status,
                     start,
                     chars,
                     voice,
                 }| {
                    let code = ActivityCode::parse(&code).ok()?;
                    let comment = CommentSeen {
                        text: start.map(|start| TextStart {
                            start,
                            chars: chars.unwrap_or(0).max(0) as usize,
                        }),
                        voice: voice.map(|v| v.max(0) as u32),
                    };
                    Some((
                        code,
                        AnswerSeen {
                            status: status.as_deref().and_then(Status::from_word),
                            comment,
                        },
                    ))
                },
            )
            .collect())
    }

    /// A round's answers counted, by activity, constituency and status, and the comments apart
    /// (each count read from its own index).
    pub async fn round_results(&self, round: Round) -> Result<RoundResults, StoreError> {
        let statuses: Vec<CountRow> = sqlx::query_as(
            "SELECT activity_code AS code, constituency, status, count(*) AS n
             FROM round_answers WHERE round_id = ?1 AND status IS NOT NULL
             GROUP BY activity_code, constituency, status",
        )
        .bind(round.id)
        .fetch_all(&self.reader)
        .await?;
        let comments: Vec<CountRow> = sqlx::query_as(
            "SELECT activity_code AS code, constituency, NULL AS status, count(*) AS n
             FROM round_answers
             WHERE round_id = ?1 AND (comment_text IS NOT NULL OR voice_file_id IS NOT NULL)
             GROUP BY activity_code, constituency",
        )
        .bind(round.id)
        .fetch_all(&self.reader)
        .await?;
        let RoundCounts {
            round,
            members,
            finished,
        } = self.round_counts(round).await?;
        let row = |r: CountRow, is_comment: bool| {
            Some(TallyRow {
                activity: ActivityCode::parse(&r.code).ok()?,
                constituency: r.constituency.as_deref().and_then(Constituency::parse),
                status: r.status.as_deref().and_then(Status::from_word),
                answers: if is_comment { 0 } else { r.n.max(0) as u64 },
                comments: if is_comment { r.n.max(0) as u64 } else { 0 },
            })
        };
        let rows: Vec<TallyRow> = statuses
            .into_iter()
            .filter_map(|r| row(r, false))
            .chain(comments.into_iter().filter_map(|r| row(r, true)))
            .collect();
        Ok(RoundResults::fold(round, members, finished, &rows))
    }

    /// How many members answered a round, and how many answered every activity of it.
    pub async fn round_counts(&self, round: Round) -> Result<RoundCounts, StoreError> {
        // Answers are only ever given on the round's own activities.
        let (members, finished): (i64, i64) = sqlx::query_as(
            "SELECT count(*), count(*) FILTER (WHERE n >= ?2) FROM (
                 SELECT member_id, count(*) AS n FROM round_answers
                 WHERE round_id = ?1 AND status IS NOT NULL
                 GROUP BY member_id)",
        )
        .bind(round.id)
        .bind(round.activities.len() as i64)
        .fetch_one(&self.reader)
        .await?;
        Ok(RoundCounts {
            round,
            members: members.max(0) as u64,
            finished: finished.max(0) as u64,
        })
    }

    /// Every answer of `round` (or of every round), the oldest round first, member by member.
    pub async fn round_answers(&self, round: Option<i64>) -> Result<Vec<AnswerRow>, StoreError> {
        use futures_util::TryStreamExt;
        self.round_answer_rows(round).try_collect().await
    }

    /// The same, as a stream: an export holds one row at a time, however many there are.
    pub fn round_answer_rows(
        &self,
        round: Option<i64>,
    ) -> futures_util::stream::BoxStream<'_, Result<AnswerRow, StoreError>> {
        use futures_util::StreamExt;
        sqlx::query_as::<_, AnswerRow>(ANSWERS)
            .bind(round)
            .fetch(&self.reader)
            .map(|r| r.map_err(StoreError::from))
            .boxed()
    }

    /// An organisation's members a round asks, each with how many of its activities they
    /// answered: only members whose organisation is `org` (the focal point's, as the store
    /// has it), never anyone else's.
    async fn org_members_in(
        &self,
        round: &Round,
        org: &str,
    ) -> Result<Vec<OrgMemberRow>, StoreError> {
        let side = match &round.audience {
            Audience::All => None,
            Audience::Constituency(c) => Some(c.code()),
            Audience::Organisation(code) if code == org => None,
            Audience::Organisation(_) => return Ok(Vec::new()),
        };
        let codes: Vec<&str> = round.activities.iter().map(|c| c.as_str()).collect();
        Ok(sqlx::query_as(
            "SELECT m.member_id, c.first_name, c.lang, m.reminders,
                    c.blocked_at IS NOT NULL AS blocked,
                    (SELECT count(*) FROM round_answers a
                     WHERE a.round_id = ?1 AND a.member_id = m.member_id AND a.status IS NOT NULL
                       AND a.activity_code IN (SELECT value FROM json_each(?2))) AS answered
             FROM members m JOIN chats c ON c.chat_id = m.member_id
             WHERE m.consent = 'given' AND m.org_code = ?3 AND (?4 IS NULL OR m.constituency = ?4)
             ORDER BY m.member_id",
        )
        .bind(round.id)
        .bind(serde_json::to_string(&codes).unwrap_or_else(|_| "[]".into()))
        .bind(org)
        .bind(side)
        .fetch_all(&self.reader)
        .await?)
    }

    /// The open rounds that ask an organisation's members, newest first, with how its
    /// members stand.
    pub async fn org_round_progress(
        &self,
        org: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<OrgRoundProgress>, StoreError> {
        let mut out = Vec::new();
        for round in self.rounds().await? {
            if !round.is_open(now) {
                continue;
            }
            let members = self.org_members_in(&round, org).await?;
            if members.is_empty() && matches!(&round.audience, Audience::Organisation(_)) {
                continue;
            }
            let total = round.activities.len() as i64;
            let answered = members.iter().filter(|m| m.answered > 0).count() as u64;
            let finished = members.iter().filter(|m| m.answered >= total).count() as u64;
            let unfinished = members
                .iter()
                .filter(|m| m.answered < total)
                .map(|m| (m.member_id, m.first_name.clone()))
                .collect();
            out.push(OrgRoundProgress {
                asked: members.len() as u64,
                answered,
                finished,
                unfinished,
                round,
            });
        }
        Ok(out)
    }

    /// An organisation's members who have not finished `round` and may be reminded (they
    /// allow reminders and have not blocked the bot).
    pub async fn round_to_remind(
        &self,
        round: &Round,
        org: &str,
    ) -> Result<Vec<super::Recipient>, StoreError> {
        let total = round.activities.len() as i64;
        Ok(self
            .org_members_in(round, org)
            .await?
            .into_iter()
            .filter(|m| m.answered < total && m.reminders && !m.blocked)
            .map(|m| super::Recipient {
                chat_id: m.member_id,
                lang: m
                    .lang
                    .as_deref()
                    .and_then(crate::domain::Lang::parse)
                    .unwrap_or_default(),
            })
            .collect())
    }

    /// Members a round's opening message goes to: the audience's, who allow reminders.
    pub async fn round_recipients(
        &self,
        audience: &Audience,
    ) -> Result<Vec<super::Recipient>, StoreError> {
        self.audience_where(audience, "AND m.reminders = 1").await
    }
}

/// Only while the round takes answers: the store's own check, beside the conversation's.
const ROUND_OPEN: &str = "EXISTS (SELECT 1 FROM rounds r WHERE r.id = $2 AND r.closed_at IS NULL
                                   AND r.until > $4)";

/// A member's status on an activity of a round, with who they speak for now. A repeat of the
/// same status changes nothing; changes are counted and bounded.
pub(super) fn answer(
    b: &mut Batch,
    member: i64,
    round: i64,
    code: &ActivityCode,
    status: Status,
    now: DateTime<Utc>,
) {
    b.stmt(
        &format!(
            "INSERT INTO round_answers (member_id, round_id, activity_code, answered_at, status,
                                        constituency, org_code)
             SELECT $1, $2, $3, $4, $5, m.constituency, m.org_code
             FROM members m WHERE m.member_id = $1 AND {ROUND_OPEN}
             ON CONFLICT (round_id, member_id, activity_code) DO UPDATE SET
                status = excluded.status, answered_at = excluded.answered_at,
                constituency = excluded.constituency, org_code = excluded.org_code,
                changes = round_answers.changes + (round_answers.status IS NOT NULL)
             WHERE round_answers.status IS NOT excluded.status
               AND round_answers.changes < {MAX_ANSWER_CHANGES}"
        ),
        &[
            member.into(),
            round.into(),
            code.as_str().to_string().into(),
            now.into(),
            status.word().into(),
        ],
    );
}

/// A comment on an activity of a round: a text joined to the text there, a voice note in
/// place of an earlier one; kept even before a status is given.
pub(super) fn comment(
    b: &mut Batch,
    member: i64,
    round: i64,
    code: &ActivityCode,
    comment: &Comment,
    now: DateTime<Utc>,
) {
    let (text, voice, duration, size) = match comment {
        Comment::Text(t) => (Some(t.as_str().to_string()), None, None, None),
        Comment::Voice(v) => (
            None,
            Some(v.file_id.clone()),
            Some(i64::from(v.duration_secs)),
            v.size_bytes.map(i64::from),
        ),
    };
    b.stmt(
        &format!(
            "INSERT INTO round_answers (member_id, round_id, activity_code, answered_at,
                                        comment_text, voice_file_id, voice_duration, voice_size,
                                        constituency, org_code)
             SELECT $1, $2, $3, $4, substr($5, 1, {MAX_COMMENT_CHARS}), $6, $7, $8,
                    m.constituency, m.org_code
             FROM members m WHERE m.member_id = $1 AND {ROUND_OPEN}
             ON CONFLICT (round_id, member_id, activity_code) DO UPDATE SET
                comment_text = CASE WHEN excluded.comment_text IS NULL THEN round_answers.comment_text
                                    WHEN round_answers.comment_text IS NULL THEN excluded.comment_text
                                    ELSE substr(round_answers.comment_text || char(10)
                                                || excluded.comment_text, 1, {MAX_COMMENT_CHARS}) END,
                voice_file_id = coalesce(excluded.voice_file_id, round_answers.voice_file_id),
                voice_duration = CASE WHEN excluded.voice_file_id IS NULL
                                      THEN round_answers.voice_duration ELSE excluded.voice_duration END,
                voice_size = CASE WHEN excluded.voice_file_id IS NULL
                                  THEN round_answers.voice_size ELSE excluded.voice_size END"
        ),
        &[
            member.into(),
            round.into(),
            code.as_str().to_string().into(),
            now.into(),
            text.into(),
            voice.into(),
            duration.into(),
            size.into(),
        ],
    );
}
