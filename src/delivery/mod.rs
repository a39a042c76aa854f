//! Our own delivery to Telegram. Everything the bot shows goes through here: the conversation's
//! replies, the staff's task output and the outbox's reminders and announcements.
//!
//! - **Nobody waits on anybody else.** [`Delivery::submit`] only queues (a short lock, never a
//!   wait); the update handler returns at once, so a slow or flooding chat never holds the
//!   updates of another, and getUpdates keeps being called.
//! - **Taps are answered at once**: [`Delivery::answer`] is no message and has no queue.
//! - **A queue per chat, one budget for all**: each chat sends one request at a time at its own
//!   pace; new messages also share the overall 30 a second (see [`pace`] for the numbers and
//!   why). Each free slot goes to the highest [`Class`] waiting: a member's reply, then staff
//!   task output, then the outbox, which lives on what the others leave.
//! - **Bounded**: a chat holds at most [`queues::CHAT_CAP`] waiting requests, an unsent screen
//!   is replaced by a newer one, pending edits of a message collapse into the latest, and
//!   chats with nothing to send are forgotten.
//! - **Telegram's answers**: 429 pauses the chat (or, when the chat cannot be over its own
//!   limit, every chat) for exactly `retry_after`; 403 tells the owner the member blocked the
//!   bot; "not modified" is success; an edit of a message that is gone becomes a new message;
//!   network faults are retried with back-off.

pub mod flood;
pub mod group_budget;
mod http;
mod job;
mod pace;
pub mod queues;
#[cfg(test)]
mod tests;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use teloxide::prelude::*;
use teloxide::types::CallbackQueryId;
use tokio::sync::{oneshot, Notify, Semaphore};
use tokio::time::Instant;

pub use job::{Class, Delivered, Gate, Job, Request, Undelivered, Upload};
pub use pace::Pace;
use queues::{Queues, Settled};

use crate::config::Pacing;

/// Requests on their way to Telegram at once, across all chats. A request to Telegram takes
/// about 150 ms from Phnom Penh, so this allows about 1,700 a second: a thousand members tapping
/// through their screens at once, with room to spare; on loopback (tests, benchmarks) a few
/// are ever in flight.
const MAX_IN_FLIGHT: usize = 256;
/// Callback answers on their way at once, likewise; more wait for a place, never for a message.
const MAX_ANSWERING: usize = 256;
/// How often quiet chats are forgotten.
const SWEEP_EVERY: Duration = Duration::from_secs(5);

/// What delivery has done since it started: for logs, tests, benchmarks and metrics.
#[derive(Default)]
pub struct Stats {
    pub sent: AtomicU64,
    pub unchanged: AtomicU64,
    pub retry_after: AtomicU64,
    pub blocked: AtomicU64,
    pub failed: AtomicU64,
    pub dropped: AtomicU64,
    pub answered: AtomicU64,
}

struct Inner {
    bot: Bot,
    queues: Mutex<Queues>,
    wake: Notify,
    answers: Arc<Semaphore>,
    on_blocked: Box<dyn Fn(i64) + Send + Sync>,
    closing: AtomicBool,
    stats: Stats,
}

impl Inner {
    fn queues(&self) -> MutexGuard<'_, Queues> {
        // A panic while holding the lock cannot leave the queues half-changed in a way that
        // matters more than stopping every send would.
        self.queues.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn settle(&self, settled: Settled) {
        let mut blocked = None;
        for (mut job, outcome) in settled {
            let counter = match &outcome {
                Ok(Delivered::Sent(_)) => &self.stats.sent,
                Ok(Delivered::Unchanged) => &self.stats.unchanged,
                Err(Undelivered::Blocked) => &self.stats.blocked,
                Err(Undelivered::RetryAfter(_)) => &self.stats.retry_after,
                Err(Undelivered::Dropped) => &self.stats.dropped,
                Err(Undelivered::Failed(e) | Undelivered::Network(e)) => {
                    tracing::warn!(chat = job.chat, class = job.class.label(), error = %e, "delivery: not delivered");
                    &self.stats.failed
                }
            };
            counter.fetch_add(1, Ordering::Relaxed);
            if outcome == Err(Undelivered::Blocked) && blocked != Some(job.chat) {
                blocked = Some(job.chat);
                (self.on_blocked)(job.chat);
            }
            job.tell(outcome);
        }
    }
}

/// The handle everyone sends through. Cheap to clone.
#[derive(Clone)]
pub struct Delivery {
    inner: Arc<Inner>,
}

impl Delivery {
    /// `pacing: None` sends as fast as Telegram answers (for benchmarks against a fake that
    /// enforces nothing). `on_blocked` hears of members who blocked the bot.
    pub fn new(
        bot: Bot,
        pacing: Option<Pacing>,
        on_blocked: impl Fn(i64) + Send + Sync + 'static,
    ) -> Delivery {
        Delivery {
            inner: Arc::new(Inner {
                bot,
                queues: Mutex::new(Queues::new(pacing.map(Pace::new))),
                wake: Notify::new(),
                answers: Arc::new(Semaphore::new(MAX_ANSWERING)),
                on_blocked: Box::new(on_blocked),
                closing: AtomicBool::new(false),
                stats: Stats::default(),
            }),
        }
    }

    pub fn stats(&self) -> &Stats {
        &self.inner.stats
    }

    /// Requests waiting, by class.
    pub fn depth(&self) -> [(Class, usize); 3] {
        self.inner.queues().depth()
    }

    /// Requests waiting to be sent to `chat` (at most [`queues::CHAT_CAP`]).
    pub fn waiting_in(&self, chat: i64) -> usize {
        self.inner.queues().waiting_in(chat)
    }

    /// Queues `job`; never waits. Its report (if it has one) says what became of it.
    pub fn submit(&self, job: Job) {
        if self.inner.closing.load(Ordering::Relaxed) && job.class != Class::Task {
            self.inner.settle(vec![(job, Err(Undelivered::Dropped))]);
            return;
        }
        let settled = self.inner.queues().submit(job, Instant::now());
        self.inner.settle(settled);
        self.inner.wake.notify_one();
    }

    /// Queues `request` and waits for what became of it.
    pub async fn send(
        &self,
        chat: i64,
        class: Class,
        request: Request,
    ) -> Result<Delivered, Undelivered> {
        let (report, outcome) = oneshot::channel();
        self.submit(Job {
            report: Some(report),
            ..Job::new(chat, class, request)
        });
        outcome.await.unwrap_or(Err(Undelivered::Dropped))
    }

    /// Answers a tap (stops its spinner, with an optional toast), now: no message waits ahead.
    pub fn answer(&self, id: CallbackQueryId, text: Option<String>) {
        let inner = self.inner.clone();
        tokio::spawn(async move {
            let _place = inner.answers.clone().acquire_owned().await;
            let mut req = inner.bot.answer_callback_query(id);
            if let Some(text) = text {
                req = req.text(text);
            }
            match req.await {
                Ok(_) => {
                    inner.stats.answered.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    tracing::debug!(error = %e, "callback answer failed (it may have expired)")
                }
            }
        });
    }

    /// Sends until [`Delivery::close`] and everything waiting has gone; run it in a task.
    pub async fn run(&self) {
        let inner = &self.inner;
        let mut last_sweep = Instant::now();
        // Owned here: should this task be aborted (a crash, in tests), its requests go with it.
        let mut on_the_wire = tokio::task::JoinSet::new();
        loop {
            while on_the_wire.try_join_next().is_some() {}
            let now = Instant::now();
            let (batch, wake_at, done) = {
                let mut q = inner.queues();
                if now - last_sweep >= SWEEP_EVERY {
                    q.sweep(now);
                    last_sweep = now;
                }
                let room = MAX_IN_FLIGHT.saturating_sub(q.in_flight());
                let batch = q.dispatch(now, room);
                let done = inner.closing.load(Ordering::Relaxed) && q.is_idle();
                (batch, q.next_wake(), done)
            };
            if done {
                while on_the_wire.join_next().await.is_some() {}
                return;
            }
            for mut queued in batch {
                let inner = inner.clone();
                on_the_wire.spawn(async move {
                    let go = match queued.job.gate.take() {
                        Some(gate) => gate().await,
                        None => true,
                    };
                    let answer = if go {
                        http::send(&inner.bot, queued.job.chat, &queued.job.request).await
                    } else {
                        queues::Answer::Stopped
                    };
                    let settled = inner.queues().complete(queued, answer, Instant::now());
                    inner.settle(settled);
                    inner.wake.notify_one();
                });
            }
            let wake_at = wake_at.map_or(last_sweep + SWEEP_EVERY, |t| {
                t.min(last_sweep + SWEEP_EVERY)
            });
            tokio::select! {
                _ = inner.wake.notified() => {}
                _ = tokio::time::sleep_until(wake_at) => {}
            }
        }
    }

    /// Stops taking replies and outbox sends (the outbox's waiting ones are dropped: still
    /// pending in the database, they go out after the restart); what is queued goes on.
    pub fn close(&self) {
        self.inner.closing.store(true, Ordering::Relaxed);
        self.withdraw(Class::Outbox);
    }

    /// Drops every waiting request of `class`; their owners hear `Dropped`.
    pub fn withdraw(&self, class: Class) {
        let settled = self.inner.queues().drop_class(class, Instant::now());
        self.inner.settle(settled);
        self.inner.wake.notify_one();
    }

    /// After [`Delivery::close`]: waits up to `within` for [`Delivery::run`] to send what is
    /// queued; whatever is left then is given up.
    pub async fn finish(&self, run: &mut tokio::task::JoinHandle<()>, within: Duration) {
        if tokio::time::timeout(within, &mut *run).await.is_err() {
            run.abort();
            let settled = self.inner.queues().drain();
            if !settled.is_empty() {
                tracing::warn!(
                    requests = settled.len(),
                    "delivery: stopped before everything was sent"
                );
            }
            self.inner.settle(settled);
        }
    }
}
