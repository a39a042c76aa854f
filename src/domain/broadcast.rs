//! Broadcasts (announcements, reminders) as the people who started them see them.

/// Where a broadcast stands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub broadcast_id: i64,
    pub status_chat: Option<i64>,
    pub status_message: Option<i64>,
    /// The language the progress message was started in.
    pub status_lang: Option<String>,
    pub sent: i64,
    pub blocked: i64,
    pub failed: i64,
    /// Cut off by a crash between sending and hearing back: maybe delivered, never resent.
    pub uncertain: i64,
    /// Still to send (waiting or on its way).
    pub left: i64,
}

impl Tally {
    pub fn total(&self) -> i64 {
        self.sent + self.blocked + self.failed + self.uncertain + self.left
    }
}
