//! The outbox worker: delivers queued broadcasts, reports their progress, survives restarts.
//!
//! Pace: rows go through delivery as its lowest class, so reminders and announcements use only
//! the budget members' replies and staff work leave. At most [`QUEUED`] rows are handed over at
//! once, about a second of Telegram's overall budget.
//!
//! Accounting: a row handed to delivery stays `pending`; it becomes `sending` in the gate that
//! runs just before its request leaves, and is settled when Telegram answers. So after a crash
//! only requests that were on the wire are `uncertain`; the rest are still pending and go out
//! after the restart.
//!
//! Telegram's answers: 429 puts the row back with `not_before` = now + retry_after, and no
//! other row to that chat is handed over before then; 403 marks the member as having blocked
//! the bot; a network fault is retried with back-off, five times; anything else fails the row.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use teloxide::types::{ChatId, InlineKeyboardButton, InlineKeyboardMarkup, MessageId};
use tokio::sync::{oneshot, watch, Notify};
use tokio::task::JoinSet;

use crate::delivery::{Class, Delivered, Delivery, Gate, Job, Request, Undelivered};
use crate::domain::Lang;
use crate::engine::Engine;
use crate::jobs::{self, JobError};
use crate::messages;
use crate::messages::outbox::{done, progress};
use crate::store::{backoff, Actor, OutboxItem, Settled, StatusMessage, Store, Tally};

/// Rows handed to delivery and not yet settled, at most: about a second of the overall budget,
/// so a broadcast keeps Telegram's pace without holding much in memory.
pub const QUEUED: usize = 30;
/// How often the progress messages are brought up to date.
const REPORT_EVERY: Duration = Duration::from_secs(3);
/// With nothing to send, how often to look for work queued from elsewhere (the CLI) or
/// falling due after a 429.
const IDLE_LOOK: Duration = Duration::from_secs(1);
/// How often the automatic campaign reminders are looked at.
const SCHEDULE_EVERY: Duration = Duration::from_secs(60);
/// A network fault is retried this many times before the row fails.
const MAX_ATTEMPTS: i64 = 5;

type Handed = (OutboxItem, Result<Delivered, Undelivered>);

/// Runs until `stop` turns true; then waits for the requests on the wire and returns.
pub async fn run(
    out: Delivery,
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
    let stopping = Arc::new(AtomicBool::new(false));
    let mut handed: JoinSet<Handed> = JoinSet::new();
    let mut handed_ids: HashSet<i64> = HashSet::new();
    let mut shown: HashMap<i64, Tally> = HashMap::new();
    let mut last_report = tokio::time::Instant::now();
    let mut last_schedule: Option<tokio::time::Instant> = None;
    loop {
        if last_schedule.is_none_or(|t| t.elapsed() >= SCHEDULE_EVERY) {
            last_schedule = Some(tokio::time::Instant::now());
            match queue_due_reminders(&engine, &out).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(messages = n, "outbox: automatic reminders queued"),
                Err(e) => tracing::warn!(error = %e, "outbox: could not queue automatic reminders"),
            }
        }
        if *stop.borrow() && !stopping.swap(true, Ordering::Relaxed) {
            // Rows not yet on the wire stay pending and go out after the restart.
            out.withdraw(Class::Outbox);
        }
        let is_stopping = stopping.load(Ordering::Relaxed);
        if is_stopping && handed.is_empty() {
            break;
        }
        if !is_stopping && handed.len() < QUEUED {
            let exclude: Vec<i64> = handed_ids.iter().copied().collect();
            match store
                .due_outbox(engine.now(), QUEUED - handed.len(), &exclude)
                .await
            {
                Ok(items) => {
                    for item in items {
                        handed_ids.insert(item.id);
                        let report = hand_over(&out, store, &stopping, &item);
                        handed.spawn(async move {
                            let outcome = report.await.unwrap_or(Err(Undelivered::Dropped));
                            (item, outcome)
                        });
                    }
                }
                Err(e) => tracing::error!(error = %e, "outbox: could not read the queue"),
            }
        }
        tokio::select! {
            Some(joined) = handed.join_next(), if !handed.is_empty() => {
                for joined in std::iter::once(joined).chain(std::iter::from_fn(|| handed.try_join_next())) {
                    match joined {
                        Ok((item, outcome)) => {
                            handed_ids.remove(&item.id);
                            settle(&engine, &item, outcome).await;
                        }
                        // A report task cannot panic; were it to, its row is still pending or
                        // sending, and the next start says which.
                        Err(e) => tracing::error!(error = %e, "outbox: a report was lost"),
                    }
                }
            }
            _ = wake.notified() => {}
            _ = stop.changed() => {}
            _ = tokio::time::sleep(IDLE_LOOK) => {}
        }
        if last_report.elapsed() >= REPORT_EVERY {
            last_report = tokio::time::Instant::now();
            report(&out, &engine, &mut shown).await;
        }
    }
    report(&out, &engine, &mut shown).await;
}

/// Gives one row to delivery, with a gate that records it as on the wire just before it leaves.
fn hand_over(
    out: &Delivery,
    store: &Store,
    stopping: &Arc<AtomicBool>,
    item: &OutboxItem,
) -> oneshot::Receiver<Result<Delivered, Undelivered>> {
    let keyboard = match (&item.button_label, &item.button_url) {
        (Some(label), Some(url)) => url::Url::parse(url).ok().map(|url| {
            InlineKeyboardMarkup::new([[InlineKeyboardButton::url(label.clone(), url)]])
        }),
        _ => None,
    };
    let gate: Gate = {
        let (store, stopping, id) = (store.clone(), stopping.clone(), item.id);
        Box::new(move || {
            Box::pin(async move {
                if stopping.load(Ordering::Relaxed) {
                    return false;
                }
                match store.mark_sending(id).await {
                    Ok(go) => go,
                    Err(e) => {
                        tracing::error!(error = %e, "outbox: could not record a send; holding it back");
                        false
                    }
                }
            })
        })
    };
    let (report, outcome) = oneshot::channel();
    out.submit(Job {
        report: Some(report),
        gate: Some(gate),
        ..Job::new(
            item.chat_id,
            Class::Outbox,
            Request::Message {
                text: item.text.clone(),
                html: true,
                keyboard,
            },
        )
    });
    outcome
}

async fn settle(engine: &Engine, item: &OutboxItem, outcome: Result<Delivered, Undelivered>) {
    let now = engine.now();
    let settled = match outcome {
        Ok(_) => Settled::Sent,
        // Never left (the bot is stopping, or the row went with its member): still pending.
        Err(Undelivered::Dropped) => return,
        Err(Undelivered::RetryAfter(wait)) => {
            Settled::RetryAt(now + chrono::Duration::from_std(wait).unwrap_or_default())
        }
        Err(Undelivered::Blocked) => Settled::Blocked,
        Err(Undelivered::Network(e)) if item.attempts + 1 < MAX_ATTEMPTS => {
            tracing::warn!(chat = item.chat_id, error = %e, "outbox: will retry");
            Settled::RetryAt(now + backoff(item.attempts + 1))
        }
        Err(Undelivered::Network(e) | Undelivered::Failed(e)) => {
            tracing::warn!(chat = item.chat_id, error = %e, "outbox: message not delivered");
            Settled::Failed
        }
    };
    if let Err(e) = engine.store().settle(item, settled, now).await {
        // The row stays `sending`; at the next start it is counted uncertain, never resent.
        tracing::error!(error = %e, "outbox: could not record a send");
    }
}

/// Edits each open broadcast's progress message when its counts moved; at the end, shows the
/// final tally and closes the broadcast.
async fn report(out: &Delivery, engine: &Engine, shown: &mut HashMap<i64, Tally>) {
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
            if let Err(e) = super::tasks::edit(out, ChatId(chat), id, text).await {
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

/// Queues the automatic reminders that are due, telling each organisation's focal point in a
/// message the outbox then edits with the reminder's progress and tally.
async fn queue_due_reminders(engine: &Engine, out: &Delivery) -> Result<usize, JobError> {
    let store = engine.store();
    let now = engine.now();
    let mut queued = 0;
    for due in jobs::campaigns::due_reminders(store, engine.bot_username(), now).await? {
        let recipients = due.reminders.messages.len();
        let status = match due.focal_point {
            Some((focal, lang)) if recipients > 0 => {
                let text =
                    messages::campaign::auto_reminding(lang, &due.reminders.campaign, recipients);
                match super::tasks::say(out, ChatId(focal), text).await {
                    Ok(message) => Some(StatusMessage {
                        chat: focal,
                        message: message.0,
                        lang,
                    }),
                    // The reminder goes out all the same.
                    Err(e) => {
                        tracing::warn!(error = %e, "could not tell a focal point about an automatic reminder");
                        None
                    }
                }
            }
            _ => None,
        };
        queued += jobs::campaigns::queue(
            store,
            &due.reminders,
            Some(due.stage),
            Actor::Cli,
            status,
            now,
        )
        .await?;
    }
    Ok(queued)
}
