//! What is handed to delivery, and what comes back.

use std::future::Future;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

use teloxide::types::InlineKeyboardMarkup;
use tokio::sync::oneshot;

/// FNV-1a, 64 bits: a fixed, well-known hash (std's `DefaultHasher` may change between Rust
/// releases). Not for anything an attacker chooses to collide: it tells screens apart.
struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Fnv1a {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Who is waiting for a send, in the order sends are made. (Answers to taps are not queued at
/// all: they go at once, see [`super::Delivery::answer`].)
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// A member's own action: the screen that answers what they just did.
    Reply,
    /// Admin and focal-point work: progress messages, files, links.
    Task,
    /// Reminders and announcements: only the budget the others leave.
    Outbox,
}

impl Class {
    pub const ALL: [Class; 3] = [Class::Reply, Class::Task, Class::Outbox];

    pub fn label(self) -> &'static str {
        match self {
            Class::Reply => "reply",
            Class::Task => "task",
            Class::Outbox => "outbox",
        }
    }
}

/// A file to upload.
#[derive(Clone, Debug)]
pub enum Upload {
    Path(PathBuf),
    Memory { bytes: Vec<u8>, name: String },
}

/// One Bot API request that shows something in a chat.
#[derive(Clone, Debug)]
pub enum Request {
    Message {
        text: String,
        /// Telegram HTML when true, plain text otherwise.
        html: bool,
        keyboard: Option<InlineKeyboardMarkup>,
    },
    Edit {
        message_id: i32,
        text: String,
        html: bool,
        /// `None` leaves the message's buttons as they are.
        keyboard: Option<InlineKeyboardMarkup>,
    },
    Document {
        file: Upload,
        /// Telegram HTML.
        caption: String,
    },
    Photo {
        file: Upload,
        caption: String,
    },
}

impl Request {
    /// An edit adds no message, so it does not count against the overall 30 a second.
    pub fn is_new_message(&self) -> bool {
        !matches!(self, Request::Edit { .. })
    }

    pub fn edited_message(&self) -> Option<i32> {
        match self {
            Request::Edit { message_id, .. } => Some(*message_id),
            _ => None,
        }
    }

    /// What the member would see: equal keys, equal screens. A fixed algorithm (FNV-1a), so
    /// a key means the same in every build, should one ever be kept beyond this process.
    pub fn content_key(&self) -> u64 {
        let mut h = Fnv1a::default();
        match self {
            Request::Message {
                text,
                html,
                keyboard,
            }
            | Request::Edit {
                text,
                html,
                keyboard,
                ..
            } => (text, html, keyboard).hash(&mut h),
            Request::Document { caption, .. } | Request::Photo { caption, .. } => {
                caption.hash(&mut h)
            }
        }
        h.finish()
    }

    /// The edit turned into a new message (the old one can no longer be edited).
    pub fn into_new_message(self) -> Request {
        match self {
            Request::Edit {
                text,
                html,
                keyboard,
                ..
            } => Request::Message {
                text,
                html,
                keyboard,
            },
            other => other,
        }
    }
}

/// Runs just before the request leaves, and may stop it: the outbox records "on the wire"
/// here, so that after a crash only requests that had left are uncertain.
pub type Gate = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = bool> + Send>> + Send + Sync>;

pub struct Job {
    pub chat: i64,
    pub class: Class,
    pub request: Request,
    /// The member's current screen: while unsent, a later screen of the same chat replaces it.
    pub screen: bool,
    pub report: Option<oneshot::Sender<Result<Delivered, Undelivered>>>,
    /// Present for accounted sends (the outbox). Their outcome is always reported, never
    /// retried here: the owner decides, and knows what left.
    pub gate: Option<Gate>,
}

impl Job {
    pub fn new(chat: i64, class: Class, request: Request) -> Job {
        Job {
            chat,
            class,
            request,
            screen: false,
            report: None,
            gate: None,
        }
    }

    pub(super) fn tell(&mut self, outcome: Result<Delivered, Undelivered>) {
        if let Some(report) = self.report.take() {
            let _ = report.send(outcome);
        }
    }
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("chat", &self.chat)
            .field("class", &self.class)
            .field("request", &self.request)
            .field("screen", &self.screen)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivered {
    /// Telegram took it; a new message's id.
    Sent(Option<i32>),
    /// Nothing needed sending: the message already shows this, or a newer edit of it follows.
    Unchanged,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Undelivered {
    /// 403: the member blocked the bot or is gone.
    Blocked,
    /// 429, reported only for accounted sends (others are retried here).
    RetryAfter(Duration),
    /// Telegram could not be reached (accounted sends only; others are retried here).
    Network(String),
    /// Telegram refused it for good.
    Failed(String),
    /// Never sent: over the chat's cap, replaced by a newer screen, stopped by its gate, or
    /// the bot is stopping.
    Dropped,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_content_hash_is_fnv1a_as_published() {
        // Reference values from the FNV authors' test suite.
        for (input, expected) in [("", 0xcbf2_9ce4_8422_2325), ("a", 0xaf63_dc4c_8601_ec8c)] {
            let mut h = Fnv1a::default();
            h.write(input.as_bytes());
            assert_eq!(h.finish(), expected, "{input:?}");
        }
    }
}
