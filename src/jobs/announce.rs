//! Queuing announcements: from the command line (`dwcp-feedback broadcast`), from the bot
//! (`/announce`) and from `try`. Each recipient's message is rendered in their own language when queued, so the
//! outbox holds exactly what Telegram will be sent.

use chrono::{DateTime, Utc};

use crate::domain::Audience;
use crate::messages::outbox::{announcement, MAX_ANNOUNCEMENT_CHARS};
use crate::store::{
    Actor, BroadcastKind, NewBroadcast, OutMessage, StatusMessage, Store, StoreError,
};

#[derive(Debug, thiserror::Error)]
pub enum BroadcastError {
    #[error("the announcement is empty")]
    Empty,
    #[error("the announcement has {0} characters; at most {MAX_ANNOUNCEMENT_CHARS} fit in one Telegram message")]
    TooLong(usize),
    #[error("there is no organisation {code}; the codes are: {known}")]
    NoSuchOrganisation { code: String, known: String },
    /// Only an automatic reminder's stage can be queued twice; an announcement never is.
    #[error("this was already queued")]
    AlreadyQueued,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What was queued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Queued {
    pub broadcast_id: i64,
    pub messages: usize,
}

/// Queues `text` for everyone in `audience` (consented, not blocked), audited as `by`.
pub async fn queue_announcement(
    store: &Store,
    audience: &Audience,
    text: &str,
    by: Actor,
    now: DateTime<Utc>,
) -> Result<Queued, BroadcastError> {
    queue_announcement_reporting(store, audience, text, by, now, None).await
}

/// Like [`queue_announcement`], with the message its progress is shown in.
pub async fn queue_announcement_reporting(
    store: &Store,
    audience: &Audience,
    text: &str,
    by: Actor,
    now: DateTime<Utc>,
    status: Option<StatusMessage>,
) -> Result<Queued, BroadcastError> {
    let chars = text.trim().chars().count();
    if chars == 0 {
        return Err(BroadcastError::Empty);
    }
    if chars > MAX_ANNOUNCEMENT_CHARS {
        return Err(BroadcastError::TooLong(chars));
    }
    let added = store.added_organisations().await?;
    let audience = &audience.clone().resolve(&added).map_err(|unknown| {
        BroadcastError::NoSuchOrganisation {
            code: unknown.0,
            known: crate::domain::Org::codes(&added).join(", "),
        }
    })?;
    let messages: Vec<OutMessage> = store
        .audience(audience)
        .await?
        .into_iter()
        .map(|r| OutMessage {
            chat_id: r.chat_id,
            html: announcement(r.lang, text),
            button: None,
        })
        .collect();
    let broadcast = NewBroadcast {
        kind: BroadcastKind::Announcement,
        audience: audience.describe(),
        campaign_id: None,
        stage: None,
        by,
        status,
    };
    let id = store
        .queue_broadcast(&broadcast, &messages, now)
        .await?
        .ok_or(BroadcastError::AlreadyQueued)?;
    Ok(Queued {
        broadcast_id: id,
        messages: messages.len(),
    })
}

/// Whether `chat` may announce: checked again when queuing, as the queue reaches everyone
/// (the step checked it too, against the facts it was given).
pub async fn may_announce(store: &Store, chat: i64) -> Result<bool, StoreError> {
    store.is_admin(chat).await
}
