//! What a job needs from the front end that runs it, and nothing more: say something, edit
//! what it said (progress), hand over a file, fetch a file the person sent, and set a staff
//! member's command menu. The bot implements it over Telegram (`telegram::front`), `try` over a
//! terminal, the command line over its output; the jobs are the same for all three.

use std::future::Future;
use std::path::Path;

use crate::domain::Roles;

/// A message a job said, which it may edit later (a progress message).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Said(pub i32);

#[derive(Debug, thiserror::Error)]
pub enum FrontError {
    /// Nobody to tell: the person blocked the bot, or the bot is stopping.
    #[error("the person cannot be reached")]
    Unreachable,
    /// This front end cannot do it (a terminal has no files to download).
    #[error("not possible here")]
    Unsupported,
    #[error("{0}")]
    Failed(String),
}

/// A file the person sent, fetched within a size bound.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetched {
    Bytes(Vec<u8>),
    /// Larger than the bound (as declared, or as it turned out): not fetched.
    TooBig(u64),
}

pub trait Front: Send + Sync {
    /// A new message in `chat` (Telegram HTML).
    fn say(&self, chat: i64, html: String)
        -> impl Future<Output = Result<Said, FrontError>> + Send;

    /// Replaces what `said` shows; a change to the same text counts as done.
    fn edit(
        &self,
        chat: i64,
        said: Said,
        html: String,
    ) -> impl Future<Output = Result<(), FrontError>> + Send;

    /// A file as a document, with a caption (Telegram HTML). The file may be gone once this
    /// returns: a front end that keeps it copies it.
    fn document(
        &self,
        chat: i64,
        path: &Path,
        caption: String,
    ) -> impl Future<Output = Result<(), FrontError>> + Send;

    /// A picture (PNG), with a caption.
    fn picture(
        &self,
        chat: i64,
        png: Vec<u8>,
        name: &str,
        caption: String,
    ) -> impl Future<Output = Result<(), FrontError>> + Send;

    /// A file the person sent, at most `max` bytes.
    fn fetch(
        &self,
        file_id: &str,
        max: usize,
    ) -> impl Future<Output = Result<Fetched, FrontError>> + Send;

    /// The person's command menu, as their roles now stand.
    fn menu(&self, user: i64, roles: Roles) -> impl Future<Output = ()> + Send;
}
