//! Monitoring rounds: opening one (checked, and its message queued to the audience through the
//! outbox), closing, listing and counting, for the bot's /monitor, `try` and `dwcp-feedback
//! monitor` alike.

use chrono::{DateTime, Utc};

use crate::domain::monitoring::MAX_ROUND_TITLE_CHARS;
use crate::domain::monitoring::{Round, RoundCounts, RoundRequest, RoundResults, MAX_ROUND_DAYS};
use crate::domain::{ActivityCode, Plan, PriorityCode};
use crate::messages::monitor::invitation;
use crate::store::{
    Actor, BroadcastKind, NewBroadcast, NewRound, NotOpened, OutMessage, StatusMessage, Store,
    StoreError,
};

#[derive(Debug, thiserror::Error)]
pub enum RoundError {
    #[error("a round needs a title of 1 to {MAX_ROUND_TITLE_CHARS} characters")]
    Title,
    #[error("the end date has passed: give a date to come")]
    UntilPast,
    #[error("a round runs at most {MAX_ROUND_DAYS} days")]
    TooLong,
    #[error("the active plan has no activity or priority {0}")]
    UnknownActivity(String),
    #[error("there is no organisation {code}; the codes are: {known}")]
    NoSuchOrganisation { code: String, known: String },
    #[error("round #{} \"{}\" is open for this audience until {}: close it first (one open round per audience)", .0.id, .0.title, (.0.until - chrono::Duration::seconds(1)).with_timezone(&crate::clock::phnom_penh()).format("%Y-%m-%d"))]
    AlreadyOpen(Box<Round>),
    #[error("there is no round #{0}")]
    NoSuchRound(i64),
    #[error("the bot's username is not known yet (the message's button opens the bot): start the bot once on this database, or pass --bot-username")]
    NoBotUsername,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A round just opened, and how many members its message was queued for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    pub round: Round,
    pub messages: usize,
    /// The broadcast that carries its message (its tally is the delivery's progress).
    pub broadcast: i64,
}

/// The link in a round's messages: it opens the bot at the member's round.
fn round_link(bot_username: &str) -> String {
    format!(
        "https://t.me/{bot_username}?start={}",
        crate::conversation::flow::MONITOR_START
    )
}

/// `--activities P1.1,P2`: activities, and priorities standing for all of theirs, in the
/// plan's order; empty means every activity.
pub fn scope(plan: &Plan, words: &[String]) -> Result<Vec<ActivityCode>, RoundError> {
    let mut chosen: Vec<ActivityCode> = Vec::new();
    for word in words.iter().map(|w| w.trim()).filter(|w| !w.is_empty()) {
        if let Some(a) = ActivityCode::parse(word)
            .ok()
            .and_then(|c| plan.activity(&c).map(|a| a.code.clone()))
        {
            chosen.push(a);
        } else if let Some(p) = PriorityCode::parse(word)
            .ok()
            .filter(|p| plan.priority(p).is_some())
        {
            chosen.extend(plan.activities_of(&p).map(|a| a.code.clone()));
        } else {
            return Err(RoundError::UnknownActivity(word.to_string()));
        }
    }
    Ok(plan
        .activities
        .iter()
        .filter(|a| chosen.is_empty() || chosen.contains(&a.code))
        .map(|a| a.code.clone())
        .collect())
}

/// Opens the round asked for, on the active plan, and queues its message to the members of
/// its audience who allow reminders, each in their language.
pub async fn open(
    store: &Store,
    plan: &Plan,
    bot_username: &str,
    request: &RoundRequest,
    by: Actor,
    now: DateTime<Utc>,
    status: Option<StatusMessage>,
) -> Result<Opened, RoundError> {
    let title = request.title.trim();
    if !(1..=MAX_ROUND_TITLE_CHARS).contains(&title.chars().count()) {
        return Err(RoundError::Title);
    }
    if request.until <= now {
        return Err(RoundError::UntilPast);
    }
    if request.until > now + chrono::Duration::days(MAX_ROUND_DAYS) {
        return Err(RoundError::TooLong);
    }
    if bot_username.is_empty() {
        return Err(RoundError::NoBotUsername);
    }
    let words: Vec<String> = request
        .activities
        .iter()
        .map(|c| c.as_str().to_string())
        .collect();
    let activities = scope(plan, &words)?;
    let added = store.added_organisations().await?;
    let audience = request
        .audience
        .clone()
        .resolve(&added)
        .map_err(|unknown| RoundError::NoSuchOrganisation {
            code: unknown.0,
            known: crate::domain::Org::codes(&added).join(", "),
        })?;
    let link = round_link(bot_username);
    let messages: Vec<OutMessage> = store
        .round_recipients(&audience)
        .await?
        .into_iter()
        .map(|r| {
            let (html, label) = invitation(r.lang, title, request.until, activities.len());
            OutMessage {
                chat_id: r.chat_id,
                html,
                button: Some((label, link.clone())),
            }
        })
        .collect();
    let new = NewRound {
        title,
        plan_version: plan.version,
        activities: &activities,
        audience: &audience,
        until: request.until,
        broadcast: NewBroadcast {
            kind: BroadcastKind::Announcement,
            audience: audience.describe(),
            campaign_id: None,
            stage: None,
            by,
            status,
        },
    };
    match store.open_round(&new, &messages, now).await? {
        Ok((round, broadcast)) => Ok(Opened {
            round,
            messages: messages.len(),
            broadcast,
        }),
        Err(NotOpened::AlreadyOpen(round)) => Err(RoundError::AlreadyOpen(Box::new(round))),
    }
}

/// Closes a round; its answers stay. The round, and whether this call closed it.
pub async fn close(
    store: &Store,
    id: i64,
    by: Actor,
    now: DateTime<Utc>,
) -> Result<(Round, bool), RoundError> {
    store
        .close_round(id, by, now)
        .await?
        .ok_or(RoundError::NoSuchRound(id))
}

/// Why a focal point's reminder is not sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoRoundReminder {
    NoSuchRound,
    Closed,
    /// Every member of the organisation the round asks has finished (or turned reminders off,
    /// or blocked the bot).
    Nobody,
}

/// Queues a reminder of `round` to `org`'s members who have not finished, as a campaign's:
/// through the outbox, each in their language, with the button into the round.
pub async fn remind(
    store: &Store,
    bot_username: &str,
    round_id: i64,
    org: &str,
    by: Actor,
    now: DateTime<Utc>,
    status: Option<StatusMessage>,
) -> Result<Result<usize, NoRoundReminder>, StoreError> {
    let Some(round) = store.round(round_id).await? else {
        return Ok(Err(NoRoundReminder::NoSuchRound));
    };
    if !round.is_open(now) {
        return Ok(Err(NoRoundReminder::Closed));
    }
    let recipients = store.round_to_remind(&round, org).await?;
    if recipients.is_empty() {
        return Ok(Err(NoRoundReminder::Nobody));
    }
    let link = round_link(bot_username);
    let messages: Vec<OutMessage> = recipients
        .into_iter()
        .map(|r| OutMessage {
            chat_id: r.chat_id,
            html: crate::messages::monitor::reminder(r.lang, &round.title, round.until),
            button: Some((
                crate::messages::tr(r.lang, "btn.round_answer"),
                link.clone(),
            )),
        })
        .collect();
    let broadcast = NewBroadcast {
        kind: BroadcastKind::Reminder,
        audience: format!("round #{} {org} members who have not finished", round.id),
        campaign_id: None,
        stage: None,
        by,
        status,
    };
    store.queue_broadcast(&broadcast, &messages, now).await?;
    Ok(Ok(messages.len()))
}

/// Every round with how many answered, newest first: the list /monitor and `monitor list` show.
pub async fn overview(store: &Store) -> Result<Vec<RoundCounts>, StoreError> {
    let mut out = Vec::new();
    for round in store.rounds().await? {
        out.push(store.round_counts(round).await?);
    }
    Ok(out)
}

/// Every round with its results, newest first (the report's section).
pub async fn list(store: &Store) -> Result<Vec<RoundResults>, StoreError> {
    let mut out = Vec::new();
    for round in store.rounds().await? {
        out.push(store.round_results(round).await?);
    }
    Ok(out)
}

/// A round's results and those of the round before it for the same audience.
pub async fn results(
    store: &Store,
    id: i64,
) -> Result<Option<(RoundResults, Option<RoundResults>)>, StoreError> {
    let Some(round) = store.round(id).await? else {
        return Ok(None);
    };
    let previous = match store.previous_round(&round).await? {
        Some(p) => Some(store.round_results(p).await?),
        None => None,
    };
    Ok(Some((store.round_results(round).await?, previous)))
}

/// The round /summary and `stats` show: the open one opened last, else the latest.
pub async fn latest(
    store: &Store,
    now: DateTime<Utc>,
) -> Result<Option<(RoundResults, Option<RoundResults>)>, StoreError> {
    let rounds = store.rounds().await?;
    let pick = rounds
        .iter()
        .find(|r| r.is_open(now))
        .or(rounds.first())
        .map(|r| r.id);
    match pick {
        Some(id) => results(store, id).await,
        None => Ok(None),
    }
}
