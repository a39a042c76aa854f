//! Delivery's bookkeeping: a queue per chat, ordered by class; which chats may send now; what
//! collapses into what. No I/O: the worker asks what to send and says what became of it.
//!
//! A chat sends one request at a time (so its messages arrive in order and an edit never races
//! the message it edits), at its own pace. Across chats, each free slot goes to the waiting
//! request of the highest class that came first, so a lower class delays a higher one by at
//! most the one request already on its way.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::time::Duration;

use tokio::time::Instant;

use super::job::{Class, Delivered, Job, Request, Undelivered};
use super::pace::{Limiter, Pace};

/// Requests one chat may have waiting; past that a flooding chat's replies are dropped.
pub const CHAT_CAP: usize = 12;
/// How many of a chat's messages we remember the content of, to skip unchanged edits.
const SHOWS_KEPT: usize = 8;
/// A chat with nothing to send is forgotten after this long: its pace has recovered (2 s in a
/// private chat, 3⅓ s in a group), and a tap on its messages says what they show.
const FORGET_AFTER: Duration = Duration::from_secs(5);
/// Tries of a request that meets 429s or network faults before it is given up.
const MAX_ATTEMPTS: u32 = 4;

pub struct Queued {
    seq: u64,
    pub job: Job,
    attempts: u32,
    /// It came with a gate: its owner hears every outcome and decides on retries.
    accounted: bool,
}

/// What became of a request Telegram was sent.
#[derive(Debug)]
pub enum Answer {
    Sent(Option<i32>),
    NotModified,
    /// The message to edit is gone or too old: a new message will do.
    CannotEdit,
    RetryAfter(Duration),
    Blocked,
    Network(String),
    Failed(String),
    /// Its gate said no: it never left.
    Stopped,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Slot {
    Idle,
    Ready { new: bool, class: Class, seq: u64 },
    Waiting(Instant),
}

struct Chat {
    jobs: VecDeque<Queued>,
    in_flight: bool,
    paused_until: Option<Instant>,
    limiter: Option<Limiter>,
    /// Holds a cell of its own pace for the request at its head.
    armed: bool,
    slot: Slot,
    /// Message id → key of what it shows (or will, once the edit on its way lands).
    shows: VecDeque<(i32, u64)>,
    last_dispatch: Option<Instant>,
    /// The one before: two within a second mean a 429 may be this chat's own.
    previous_dispatch: Option<Instant>,
}

impl Chat {
    fn shows(&self, message: i32) -> Option<u64> {
        self.shows
            .iter()
            .find(|(m, _)| *m == message)
            .map(|(_, k)| *k)
    }

    fn remember(&mut self, message: i32, key: Option<u64>) {
        self.shows.retain(|(m, _)| *m != message);
        if let Some(key) = key {
            if self.shows.len() == SHOWS_KEPT {
                self.shows.pop_front();
            }
            self.shows.push_back((message, key));
        }
    }

    fn insert(&mut self, q: Queued) {
        let at = self
            .jobs
            .iter()
            .position(|o| (o.job.class, o.seq) > (q.job.class, q.seq))
            .unwrap_or(self.jobs.len());
        self.jobs.insert(at, q);
    }
}

/// Jobs that will not be sent, with why: the caller tells their owners, outside any lock.
pub type Settled = Vec<(Job, Result<Delivered, Undelivered>)>;

type ReadyKey = (Class, u64, i64);

/// Where each chat stands, indexed: the best ready request of each kind, and who waits till when.
#[derive(Default)]
struct Index {
    ready_edits: BTreeSet<ReadyKey>,
    ready_new: BTreeSet<ReadyKey>,
    waiting: BTreeSet<(Instant, i64)>,
}

impl Index {
    fn place(&mut self, chat_id: i64, chat: &mut Chat, slot: Slot) {
        if chat.slot == slot {
            return;
        }
        match chat.slot {
            Slot::Idle => {}
            Slot::Ready { new, class, seq } => {
                self.ready(new).remove(&(class, seq, chat_id));
            }
            Slot::Waiting(at) => {
                self.waiting.remove(&(at, chat_id));
            }
        }
        match slot {
            Slot::Idle => {}
            Slot::Ready { new, class, seq } => {
                self.ready(new).insert((class, seq, chat_id));
            }
            Slot::Waiting(at) => {
                self.waiting.insert((at, chat_id));
            }
        }
        chat.slot = slot;
    }

    fn ready(&mut self, new: bool) -> &mut BTreeSet<ReadyKey> {
        if new {
            &mut self.ready_new
        } else {
            &mut self.ready_edits
        }
    }
}

pub struct Queues {
    pace: Option<Pace>,
    chats: HashMap<i64, Chat>,
    index: Index,
    /// Telegram asked the whole bot to wait.
    all_paused_until: Option<Instant>,
    /// When the overall budget has a cell again, while new messages wait for one.
    overall_free_at: Option<Instant>,
    in_flight: usize,
    seq: u64,
    dropped: u64,
}

impl Queues {
    /// `pace: None` sends as fast as Telegram answers (benchmarks against a fake without limits).
    pub fn new(pace: Option<Pace>) -> Queues {
        Queues {
            pace,
            chats: HashMap::new(),
            index: Index::default(),
            all_paused_until: None,
            overall_free_at: None,
            in_flight: 0,
            seq: 0,
            dropped: 0,
        }
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    pub fn is_idle(&self) -> bool {
        self.in_flight == 0 && self.chats.values().all(|c| c.jobs.is_empty())
    }

    /// Requests waiting, by class.
    pub fn depth(&self) -> [(Class, usize); 3] {
        Class::ALL.map(|class| {
            let n = self
                .chats
                .values()
                .flat_map(|c| &c.jobs)
                .filter(|q| q.job.class == class)
                .count();
            (class, n)
        })
    }

    /// Requests dropped so far because a chat was over its cap.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// How many chats are remembered (bounded by activity, see [`Queues::sweep`]).
    pub fn chats(&self) -> usize {
        self.chats.len()
    }

    /// Requests of `chat` waiting to be sent.
    pub fn waiting_in(&self, chat: i64) -> usize {
        self.chats.get(&chat).map_or(0, |c| c.jobs.len())
    }

    pub fn submit(&mut self, job: Job, now: Instant) -> Settled {
        let mut settled = Vec::new();
        let chat_id = job.chat;
        let pace = &self.pace;
        let chat = self.chats.entry(chat_id).or_insert_with(|| Chat {
            jobs: VecDeque::new(),
            in_flight: false,
            paused_until: None,
            limiter: pace.as_ref().map(|p| p.chat_limiter(chat_id)),
            armed: false,
            slot: Slot::Idle,
            shows: VecDeque::new(),
            last_dispatch: None,
            previous_dispatch: None,
        });
        let edit = job
            .request
            .edited_message()
            .map(|message| (message, job.request.content_key()));
        if let Some((message, key)) = edit {
            // Pending edits of one message collapse into the latest, in the earlier one's place.
            if let Some(pending) = chat
                .jobs
                .iter_mut()
                .find(|q| q.job.request.edited_message() == Some(message))
            {
                let class = pending.job.class.min(job.class);
                let screen = pending.job.screen || job.screen;
                let old = std::mem::replace(&mut pending.job, job);
                pending.job.class = class;
                pending.job.screen = screen;
                settled.push((old, Ok(Delivered::Unchanged)));
                chat.remember(message, Some(key));
                return settled;
            }
            if chat.shows(message) == Some(key) {
                settled.push((job, Ok(Delivered::Unchanged)));
                return settled;
            }
        }
        if job.screen {
            // A newer screen makes an unsent older one pointless: it is replaced, not sent.
            let (superseded, kept): (VecDeque<Queued>, VecDeque<Queued>) =
                chat.jobs.drain(..).partition(|q| {
                    q.job.screen && q.job.class == Class::Reply && q.job.request.is_new_message()
                });
            chat.jobs = kept;
            settled.extend(
                superseded
                    .into_iter()
                    .map(|q| (q.job, Err(Undelivered::Dropped))),
            );
        }
        if chat.jobs.len() >= CHAT_CAP {
            self.dropped += 1;
            tracing::warn!(
                chat = chat_id,
                class = job.class.label(),
                "delivery: the chat has {CHAT_CAP} requests waiting; dropping another"
            );
            settled.push((job, Err(Undelivered::Dropped)));
            return settled;
        }
        if let Some((message, key)) = edit {
            chat.remember(message, Some(key));
        }
        self.seq += 1;
        chat.insert(Queued {
            seq: self.seq,
            accounted: job.gate.is_some(),
            job,
            attempts: 0,
        });
        self.evaluate(chat_id, now);
        settled
    }

    /// Puts `chat` where it belongs: ready (holding a cell of its own pace), waiting, or idle.
    fn evaluate(&mut self, chat_id: i64, now: Instant) {
        let Some(chat) = self.chats.get_mut(&chat_id) else {
            return;
        };
        let slot = match (chat.in_flight, chat.jobs.front()) {
            (true, _) | (_, None) => Slot::Idle,
            (false, Some(head)) => match chat.paused_until.filter(|t| *t > now) {
                Some(until) => Slot::Waiting(until),
                None => {
                    let own_pace = match (&self.pace, &chat.limiter, chat.armed) {
                        (Some(pace), Some(limiter), false) => pace.take(limiter),
                        _ => Ok(()),
                    };
                    match own_pace {
                        Ok(()) => {
                            chat.armed = true;
                            Slot::Ready {
                                new: head.job.request.is_new_message(),
                                class: head.job.class,
                                seq: head.seq,
                            }
                        }
                        Err(at) => Slot::Waiting(at),
                    }
                }
            },
        };
        self.index.place(chat_id, chat, slot);
    }

    /// The requests to send now, at most `room` of them, each marking its chat busy.
    pub fn dispatch(&mut self, now: Instant, room: usize) -> Vec<Queued> {
        let due: Vec<i64> = self
            .index
            .waiting
            .iter()
            .take_while(|(at, _)| *at <= now)
            .map(|(_, chat)| *chat)
            .collect();
        for chat in due {
            self.evaluate(chat, now);
        }
        let mut out = Vec::new();
        if self.all_paused_until.is_some_and(|t| t > now) {
            return out;
        }
        self.all_paused_until = None;
        self.overall_free_at = None;
        let mut overall_spent = false;
        while out.len() < room {
            // The best of each kind; an edit needs no overall cell, a new message does.
            let edit = self.index.ready_edits.first().copied();
            let new = self
                .index
                .ready_new
                .first()
                .copied()
                .filter(|_| !overall_spent);
            let pick = match (edit, new) {
                (None, None) => break,
                (Some(e), None) => e,
                (Some(e), Some(n)) if (e.0, e.1) < (n.0, n.1) => e,
                (_, Some(n)) => {
                    match self.pace.as_mut().map(Pace::take_overall) {
                        Some(Err(at)) => {
                            // New messages wait for the budget; edits need none and go on.
                            self.overall_free_at = Some(at);
                            overall_spent = true;
                            continue;
                        }
                        _ => n,
                    }
                }
            };
            out.push(self.start(pick.2, now));
        }
        out
    }

    fn start(&mut self, chat_id: i64, now: Instant) -> Queued {
        let chat = self.chats.get_mut(&chat_id).expect("a ready chat is known");
        self.index.place(chat_id, chat, Slot::Idle);
        let q = chat.jobs.pop_front().expect("a ready chat has a request");
        if chat.jobs.is_empty() {
            // An emptied queue keeps its room for a few large requests: give it back, as most
            // chats send one screen and then wait for the member.
            chat.jobs = VecDeque::new();
        }
        chat.in_flight = true;
        chat.armed = false;
        chat.previous_dispatch = chat.last_dispatch;
        chat.last_dispatch = Some(now);
        self.in_flight += 1;
        q
    }

    /// When something may be sent next without anything new arriving.
    pub fn next_wake(&self) -> Option<Instant> {
        let mut at = self.index.waiting.first().map(|(t, _)| *t);
        if !self.index.ready_new.is_empty() {
            at = match (at, self.overall_free_at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        if let Some(t) = self.all_paused_until {
            at = Some(at.map_or(t, |a| a.max(t)));
        }
        at
    }

    /// Records what became of a request; returns the jobs that are done, with their outcome.
    pub fn complete(&mut self, mut q: Queued, answer: Answer, now: Instant) -> Settled {
        let chat_id = q.job.chat;
        self.in_flight = self.in_flight.saturating_sub(1);
        let mut settled = Vec::new();
        let gated = q.accounted;
        let Some(chat) = self.chats.get_mut(&chat_id) else {
            settled.push((q.job, Err(Undelivered::Dropped)));
            return settled;
        };
        chat.in_flight = false;
        let edited = q.job.request.edited_message();
        // Unless it is known to have landed, what an edited message shows is not known now.
        if !matches!(answer, Answer::Sent(_) | Answer::NotModified) {
            if let Some(m) = edited {
                chat.remember(m, None);
            }
        }
        match answer {
            Answer::Sent(id) => {
                if let (Some(id), Request::Message { .. }) = (id, &q.job.request) {
                    chat.remember(id, Some(q.job.request.content_key()));
                }
                settled.push((q.job, Ok(Delivered::Sent(id))));
            }
            Answer::NotModified => settled.push((q.job, Ok(Delivered::Unchanged))),
            Answer::Stopped => settled.push((q.job, Err(Undelivered::Dropped))),
            Answer::CannotEdit => {
                q.job.request = q.job.request.into_new_message();
                chat.jobs.push_front(q);
            }
            Answer::RetryAfter(wait) => {
                let until = now + wait;
                chat.paused_until = Some(until);
                // A private chat sent nothing else in the second before cannot be over its
                // own limit: then Telegram means the whole bot.
                let own_limit = chat_id < 0
                    || matches!((chat.previous_dispatch, chat.last_dispatch),
                        (Some(before), Some(last)) if last.saturating_duration_since(before) < Duration::from_secs(1));
                if !own_limit {
                    self.all_paused_until =
                        Some(self.all_paused_until.map_or(until, |t| t.max(until)));
                }
                q.attempts += 1;
                if gated {
                    settled.push((q.job, Err(Undelivered::RetryAfter(wait))));
                } else if q.attempts < MAX_ATTEMPTS {
                    chat.jobs.push_front(q);
                } else {
                    settled.push((q.job, Err(Undelivered::Failed("429 after retries".into()))));
                }
            }
            Answer::Network(e) => {
                q.attempts += 1;
                if gated {
                    settled.push((q.job, Err(Undelivered::Network(e))));
                } else if q.attempts < MAX_ATTEMPTS {
                    chat.paused_until = Some(now + Duration::from_secs(1 << q.attempts));
                    chat.jobs.push_front(q);
                } else {
                    settled.push((q.job, Err(Undelivered::Failed(e))));
                }
            }
            Answer::Blocked => {
                settled.push((q.job, Err(Undelivered::Blocked)));
                settled.extend(
                    chat.jobs
                        .drain(..)
                        .map(|o| (o.job, Err(Undelivered::Blocked))),
                );
            }
            Answer::Failed(e) => settled.push((q.job, Err(Undelivered::Failed(e)))),
        }
        self.evaluate(chat_id, now);
        settled
    }

    /// Forgets chats with nothing to send that have been quiet a while: memory follows activity.
    pub fn sweep(&mut self, now: Instant) {
        self.chats.retain(|_, c| {
            !(c.jobs.is_empty()
                && !c.in_flight
                && c.paused_until.is_none_or(|t| t <= now)
                && c.last_dispatch
                    .is_none_or(|t| now.saturating_duration_since(t) > FORGET_AFTER))
        });
    }

    /// Drops every waiting request of `class` (the outbox's, when the bot stops: they are
    /// still pending in the database and go out after the restart).
    pub fn drop_class(&mut self, class: Class, now: Instant) -> Settled {
        let mut settled = Vec::new();
        let ids: Vec<i64> = self.chats.keys().copied().collect();
        for id in ids {
            let Some(chat) = self.chats.get_mut(&id) else {
                continue;
            };
            let (gone, kept): (VecDeque<Queued>, VecDeque<Queued>) =
                chat.jobs.drain(..).partition(|q| q.job.class == class);
            chat.jobs = kept;
            if !gone.is_empty() {
                settled.extend(gone.into_iter().map(|q| (q.job, Err(Undelivered::Dropped))));
                self.evaluate(id, now);
            }
        }
        settled
    }

    /// Everything still waiting, given up (the bot stopped before it could be sent).
    pub fn drain(&mut self) -> Settled {
        self.index = Index::default();
        self.chats
            .values_mut()
            .flat_map(|c| {
                c.slot = Slot::Idle;
                c.jobs.drain(..)
            })
            .map(|q| (q.job, Err(Undelivered::Dropped)))
            .collect()
    }
}
