//! dwcp-feedback: tripartite feedback on Cambodia's DWCP work plan, from Telegram.
//!
//! The path of one update: `telegram` parses it into an `Input`, `engine` loads the chat from
//! `store`, runs the pure `conversation::step`, renders replies with `messages`, writes the
//! effects in one transaction, and `telegram` sends what was rendered.

rust_i18n::i18n!("locales", fallback = "en");

pub mod app;
pub mod backups;
pub mod chart;
pub mod cli;
pub mod clock;
pub mod config;
pub mod conversation;
pub mod delivery;
pub mod domain;
pub mod engine;
pub mod export;
pub mod fonts;
pub mod jobs;
pub mod messages;
pub mod observe;
pub mod plan_io;
pub mod report;
pub mod spreadsheet_text;
pub mod store;
pub mod telegram;
pub mod try_chat;

pub use clock::{Clock, SystemClock};
pub use config::Config;
pub use engine::{Engine, Handled, Incoming, Outgoing, Roles};
pub use store::Store;
