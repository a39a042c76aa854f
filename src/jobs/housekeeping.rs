//! What the bot keeps of people who never agreed is kept for a while only: someone who said no
//! (their refusal is what stops the bot asking again) or who opened the bot and never answered
//! is forgotten once they have been silent for [`FORGET_STRANGERS_AFTER`].

use std::sync::Arc;
use std::time::Duration;

use crate::engine::Engine;

/// How long the refusal, or the place of someone who never answered, is kept.
pub const FORGET_STRANGERS_AFTER: chrono::Duration = chrono::Duration::days(30);
const EVERY: Duration = Duration::from_secs(60 * 60);

/// Forgets the silent strangers now and then every hour, until the task is dropped.
pub async fn run(engine: Arc<Engine>) {
    loop {
        let before = engine.now() - FORGET_STRANGERS_AFTER;
        match engine.store().forget_strangers(before).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(people = n, "forgot people who never agreed and went quiet"),
            Err(e) => tracing::warn!(error = %e, "could not forget people who never agreed"),
        }
        tokio::time::sleep(EVERY).await;
    }
}
