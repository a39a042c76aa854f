//! The outbox's policy: which queued rows go out next, what Telegram's answer means for each,
//! the progress and final tally of each broadcast, recovery after a crash, and the automatic
//! reminders' schedule. Sending itself is the front end's (a [`Courier`]: the bot hands rows
//! to delivery as its lowest class, so reminders and announcements use only the budget
//! members' replies and staff work leave). At most [`QUEUED`] rows are handed over at once,
//! about a second of Telegram's overall budget.
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
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{oneshot, watch, Notify};
use tokio::task::JoinSet;

use super::front::{Front, Said};
use super::JobError;
use crate::domain::Lang;
use crate::engine::Engine;
use crate::messages;
use crate::messages::outbox::{done, progress};
use crate::store::{backoff, Actor, OutboxItem, Settled, StatusMessage, Store, Tally};

/// Runs just before a row's request leaves, and may hold it back: the outbox records "on the
/// wire" here, so that after a crash only requests that had left are uncertain.
pub type Gate = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = bool> + Send>> + Send + Sync>;

/// What became of a row handed to the courier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Carried {
    Sent,
    /// Never left (held back by its gate, or the bot is stopping): still pending.
    NotSent,
    /// 429: not before this long.
    RetryAfter(Duration),
    /// 403: the member blocked the bot.
    Blocked,
    /// Telegram could not be reached.
    Unreachable(String),
    /// Telegram refused it for good.
    Refused(String),
}

/// Whoever carries the outbox's rows to Telegram: the bot's delivery, paced.
pub trait Courier: Send + Sync {
    /// Hands `item` over; `gate` runs just before it leaves. The answer says what became of it.
    fn carry(&self, item: &OutboxItem, gate: Gate) -> oneshot::Receiver<Carried>;
    /// The bot is stopping: rows handed over but not yet on their way are given back.
    fn hold_back(&self);
}

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

type Handed = (OutboxItem, Carried);

/// Runs until `stop` turns true; then waits for the requests on the wire and returns.
pub async fn run<F: Front + Courier>(
    out: Arc<F>,
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
            match queue_due_reminders(&engine, &*out).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(messages = n, "outbox: automatic reminders queued"),
                Err(e) => tracing::warn!(error = %e, "outbox: could not queue automatic reminders"),
            }
        }
        if *stop.borrow() && !stopping.swap(true, Ordering::Relaxed) {
            // Rows not yet on the wire stay pending and go out after the restart.
            out.hold_back();
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
                        let report = hand_over(&*out, store, &stopping, &item);
                        handed.spawn(async move {
                            let outcome = report.await.unwrap_or(Carried::NotSent);
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
            report(&*out, &engine, &mut shown).await;
        }
    }
    report(&*out, &engine, &mut shown).await;
}

/// Gives one row to the courier, with a gate that records it as on the wire just before it
/// leaves.
fn hand_over(
    out: &impl Courier,
    store: &Store,
    stopping: &Arc<AtomicBool>,
    item: &OutboxItem,
) -> oneshot::Receiver<Carried> {
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
    out.carry(item, gate)
}

async fn settle(engine: &Engine, item: &OutboxItem, outcome: Carried) {
    let now = engine.now();
    let settled = match outcome {
        Carried::Sent => Settled::Sent,
        // Never left (the bot is stopping, or the row went with its member): still pending.
        Carried::NotSent => return,
        Carried::RetryAfter(wait) => {
            Settled::RetryAt(now + chrono::Duration::from_std(wait).unwrap_or_default())
        }
        Carried::Blocked => Settled::Blocked,
        Carried::Unreachable(e) if item.attempts + 1 < MAX_ATTEMPTS => {
            tracing::warn!(chat = item.chat_id, error = %e, "outbox: will retry");
            Settled::RetryAt(now + backoff(item.attempts + 1))
        }
        Carried::Unreachable(e) | Carried::Refused(e) => {
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
async fn report(out: &impl Front, engine: &Engine, shown: &mut HashMap<i64, Tally>) {
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
            if let Err(e) = out.edit(chat, Said(message as i32), text).await {
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
async fn queue_due_reminders(engine: &Engine, out: &impl Front) -> Result<usize, JobError> {
    let store = engine.store();
    let now = engine.now();
    let mut queued = 0;
    for due in super::campaigns::due_reminders(store, engine.bot_username(), now).await? {
        let recipients = due.reminders.messages.len();
        let status = match due.focal_point {
            Some((focal, lang)) if recipients > 0 => {
                let text =
                    messages::campaign::auto_reminding(lang, &due.reminders.campaign, recipients);
                match out.say(focal, text).await {
                    Ok(said) => Some(StatusMessage {
                        chat: focal,
                        message: said.0,
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
        queued += super::campaigns::queue(
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
