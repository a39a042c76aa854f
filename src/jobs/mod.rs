//! Application work that is neither the conversation nor Telegram: campaigns and their
//! reminders, announcements, exports, plan files, the chart. A job takes what it needs (the
//! store, the plan, the time, a request) and returns data; the words are in `messages`, and
//! each front end (the bot's `telegram`, the command line, `try`) shows the result its way.

pub mod announce;
pub mod campaigns;
pub mod files;

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
}
