//! An admin's confirmed announcement: queued through the outbox (audited, one message per
//! member in their language), with a status message the outbox edits as it goes.

use teloxide::types::ChatId;

use super::tasks::{edit, say, TaskError};
use crate::broadcast::{queue_announcement_reporting, BroadcastError};
use crate::delivery::Delivery;
use crate::domain::{Audience, Lang};
use crate::engine::Engine;
use crate::messages::tr;
use crate::store::{Actor, StatusMessage};

pub(super) async fn announce(
    engine: &Engine,
    out: &Delivery,
    chat: ChatId,
    lang: Lang,
    audience: &Audience,
    text: &str,
) -> Result<(), TaskError> {
    let store = engine.store();
    // The step checked this admin; checked again here, as the queue is what reaches everyone.
    if !store.is_admin(chat.0).await? {
        say(out, chat, tr(lang, "not_allowed.body")).await?;
        return Ok(());
    }
    // Shown first, so that the outbox has somewhere to report however fast it finishes.
    let status = say(out, chat, tr(lang, "announce.sending")).await?;
    let shown = StatusMessage {
        chat: chat.0,
        message: status.0,
        lang,
    };
    let by = Actor::User(chat.0);
    match queue_announcement_reporting(store, audience, text, by, engine.now(), Some(shown)).await {
        Ok(_) => engine.outbox_wake().notify_one(),
        Err(BroadcastError::Store(e)) => return Err(e.into()),
        // Checked by the step already; a store changed in between still gets a clear answer.
        Err(e) => {
            tracing::warn!(error = %e, "an announcement was refused");
            edit(out, chat, status, tr(lang, "announce.refused")).await?;
        }
    }
    Ok(())
}
