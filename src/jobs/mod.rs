//! Application work that is neither the conversation nor Telegram: campaigns and their
//! reminders, announcements, exports, plan files, the chart, and the outbox's policy. A job
//! takes what it needs (the store, the plan, the time, a request) and returns data or says
//! it through a [`Front`]; the words are in `messages`. Each front end (the bot's `telegram`,
//! the command line, `try`) runs tasks through the one [`Jobs::run`].

pub mod announce;
pub mod campaigns;
pub mod files;
pub mod front;
pub mod housekeeping;
pub mod line;
pub mod monitoring;
pub mod outbox;
mod run;
pub mod start;

pub use front::{Fetched, Front, FrontError, Said};
pub use line::{NotTaken, Ticket};
pub use run::{not_taken_text, Jobs, Ran};

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Export(#[from] crate::export::ExportError),
    #[error(transparent)]
    Chart(#[from] crate::chart::ChartError),
    #[error(transparent)]
    Template(#[from] rust_xlsxwriter::XlsxError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("the system gave no random bytes: {0}")]
    NoRandomness(String),
    #[error("a worker thread failed: {0}")]
    Worker(String),
    #[error(transparent)]
    Front(#[from] FrontError),
}
