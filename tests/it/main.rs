//! The integration tests, as one binary: `support` (the fake Bot API and the harness) and the
//! whole dependency tree are compiled and linked once, not once per file.

mod support;

mod bot;
mod campaigns;
mod cli;
mod crowds;
mod export;
mod flow;
mod hostile_files;
mod locales;
mod monitoring;
mod outbox;
mod plan_files;
mod privacy;
mod render;
mod report;
mod restart;
mod secretariat_bot;
mod store;
