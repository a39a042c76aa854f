//! The outbox worker: delivers queued broadcasts, reports their progress, survives restarts.
//!
//! Pace: requests go through the same bot as the conversation's replies — teloxide's Throttle
//! in production, which keeps all of them together under ≈30 messages/s overall and 1/s per
//! chat — so a broadcast uses what the conversation leaves. At most [`IN_FLIGHT`] rows are
//! claimed at once, which also bounds how many a crash can leave uncertain.
//!
//! Telegram's answers: 429 puts the row back with `not_before` = now + retry_after, and no
//! other row to that chat is claimed before then; 403 marks the member as having blocked the
//! bot; a network fault is retried with back-off, five times; anything else fails the row.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use teloxide::prelude::*;
use teloxide::types::{ChatId, InlineKeyboardButton, InlineKeyboardMarkup, MessageId, ParseMode};
use teloxide::{ApiError, RequestError};
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;

use super::TgBot;
use crate::domain::Lang;
use crate::engine::Engine;
use crate::messages::outbox::{done, progress};
use crate::store::{backoff, OutboxItem, Settled, Tally};

/// Rows claimed and not yet settled, at most. Enough to keep 30/s flowing with Telegram's
/// round trip of a few hundred milliseconds; few, because a crash leaves them uncertain.
pub const IN_FLIGHT: usize = 12;
/// How often the progress messages are brought up to date.
const REPORT_EVERY: Duration = Duration::from_secs(3);
/// With nothing to send, how often to look for work queued from elsewhere (the CLI) or
/// falling due after a 429.
const IDLE_LOOK: Duration = Duration::from_secs(1);
/// How often the automatic campaign reminders are looked at.
const SCHEDULE_EVERY: Duration = Duration::from_secs(60);
/// A network fault is retried this many times before the row fails.
const MAX_ATTEMPTS: i64 = 5;

/// Runs until `stop` turns true; then finishes the sends on their way and returns.
pub async fn run<B: TgBot>(
    bot: B,
    engine: Arc<Engine>,
    wake: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) {
    let store = engine.store();
    match store.recover_outbox(engine.now()).await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(
            rows = n,
            "outbox: messages cut off by a crash are marked uncertain, not resent"
        ),
        Err(e) => tracing::error!(error = %e, "outbox: could not recover after a restart"),
    }
    let mut sending: JoinSet<(OutboxItem, Result<(), RequestError>)> = JoinSet::new();
    let mut shown: HashMap<i64, Tally> = HashMap::new();
    let mut last_report = tokio::time::Instant::now();
    let mut last_schedule: Option<tokio::time::Instant> = None;
    loop {
        if last_schedule.is_none_or(|t| t.elapsed() >= SCHEDULE_EVERY) {
            last_schedule = Some(tokio::time::Instant::now());
            match super::campaigns::queue_due_reminders(&engine, &bot).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(messages = n, "outbox: automatic reminders queued"),
                Err(e) => tracing::warn!(error = %e, "outbox: could not queue automatic reminders"),
            }
        }
        let stopping = *stop.borrow();
        if stopping && sending.is_empty() {
            break;
        }
        if !stopping && sending.len() < IN_FLIGHT {
            match store
                .claim_outbox(engine.now(), IN_FLIGHT - sending.len())
                .await
            {
                Ok(items) => {
                    for item in items {
                        let bot = bot.clone();
                        sending.spawn(async move {
                            let result = send(&bot, &item).await;
                            (item, result)
                        });
                    }
                }
                Err(e) => tracing::error!(error = %e, "outbox: could not claim messages"),
            }
        }
        tokio::select! {
            Some(joined) = sending.join_next(), if !sending.is_empty() => {
                settle(&engine, joined).await;
                while let Some(joined) = sending.try_join_next() {
                    settle(&engine, joined).await;
                }
            }
            _ = wake.notified() => {}
            _ = stop.changed() => {}
            _ = tokio::time::sleep(IDLE_LOOK) => {}
        }
        if last_report.elapsed() >= REPORT_EVERY {
            last_report = tokio::time::Instant::now();
            report(&bot, &engine, &mut shown).await;
        }
    }
    report(&bot, &engine, &mut shown).await;
}

async fn send<B: TgBot>(bot: &B, item: &OutboxItem) -> Result<(), RequestError> {
    let mut req = bot
        .send_message(ChatId(item.chat_id), item.text.clone())
        .parse_mode(ParseMode::Html);
    if let (Some(label), Some(url)) = (&item.button_label, &item.button_url) {
        if let Ok(url) = url::Url::parse(url) {
            req = req.reply_markup(InlineKeyboardMarkup::new([[InlineKeyboardButton::url(
                label.clone(),
                url,
            )]]));
        }
    }
    req.await.map(|_| ())
}

async fn settle(
    engine: &Engine,
    joined: Result<(OutboxItem, Result<(), RequestError>), tokio::task::JoinError>,
) {
    let Ok((item, result)) = joined else {
        // A send that panicked leaves its row claimed: uncertain at the next start.
        tracing::error!("outbox: a send task failed");
        return;
    };
    let now = engine.now();
    let settled = match result {
        Ok(()) => Settled::Sent,
        Err(RequestError::RetryAfter(wait)) => {
            Settled::RetryAt(now + chrono::Duration::from_std(wait.duration()).unwrap_or_default())
        }
        Err(RequestError::Api(
            ApiError::BotBlocked | ApiError::UserDeactivated | ApiError::BotKicked,
        )) => Settled::Blocked,
        Err(RequestError::Api(ApiError::Unknown(ref text))) if text.starts_with("Forbidden") => {
            Settled::Blocked
        }
        Err(e @ (RequestError::Network(_) | RequestError::Io(_)))
            if item.attempts < MAX_ATTEMPTS =>
        {
            tracing::warn!(chat = item.chat_id, error = %e, "outbox: will retry");
            Settled::RetryAt(now + backoff(item.attempts))
        }
        Err(e) => {
            tracing::warn!(chat = item.chat_id, error = %e, "outbox: message not delivered");
            Settled::Failed
        }
    };
    if let Err(e) = engine.store().settle(&item, settled, now).await {
        // The row stays claimed; at the next start it is counted uncertain, never resent.
        tracing::error!(error = %e, "outbox: could not record a send");
    }
}

/// Edits each open broadcast's progress message when its counts moved; at the end, shows the
/// final tally and closes the broadcast.
async fn report<B: TgBot>(bot: &B, engine: &Engine, shown: &mut HashMap<i64, Tally>) {
    let store = engine.store();
    let tallies = match store.open_tallies().await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(error = %e, "outbox: could not read the progress");
            return;
        }
    };
    for tally in tallies {
        let finished = tally.left == 0;
        if !finished && shown.get(&tally.broadcast_id) == Some(&tally) {
            continue;
        }
        if let (Some(chat), Some(message)) = (tally.status_chat, tally.status_message) {
            let lang = match tally.status_lang.as_deref().and_then(Lang::parse) {
                Some(lang) => lang,
                None => store
                    .chat_lang(chat)
                    .await
                    .ok()
                    .flatten()
                    .unwrap_or(Lang::Km),
            };
            let text = if finished {
                done(lang, &tally)
            } else {
                progress(lang, &tally)
            };
            let id = MessageId(message as i32);
            if let Err(e) = super::tasks::edit(bot, ChatId(chat), id, text).await {
                tracing::warn!(error = %e, "outbox: could not show the progress");
            }
        }
        if finished {
            tracing::info!(
                broadcast = tally.broadcast_id,
                sent = tally.sent,
                blocked = tally.blocked,
                failed = tally.failed,
                uncertain = tally.uncertain,
                "outbox: broadcast finished"
            );
            shown.remove(&tally.broadcast_id);
            if let Err(e) = store
                .finish_broadcast(tally.broadcast_id, engine.now())
                .await
            {
                tracing::warn!(error = %e, "outbox: could not close a broadcast");
            }
        } else {
            shown.insert(tally.broadcast_id, tally);
        }
    }
}
