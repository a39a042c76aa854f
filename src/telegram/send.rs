//! Rendered replies → Telegram, handling what Telegram really answers: 429 (wait and retry),
//! 403 (the member blocked the bot: stop and remember), "message is not modified" (harmless),
//! and edits of messages that can no longer be edited (send anew instead).

use std::time::Duration;

use teloxide::prelude::*;
use teloxide::types::{ChatId, InlineKeyboardButton, InlineKeyboardMarkup, MessageId, ParseMode};
use teloxide::{ApiError, RequestError};

use super::TgBot;
use crate::conversation::Placement;
use crate::engine::{Engine, Outgoing};
use crate::messages::{Action, Keyboard};
use crate::store::Shown;

/// A 429 is retried this many times before the reply is given up (and logged).
const MAX_ATTEMPTS: usize = 3;

pub fn markup(kb: &Keyboard) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(kb.rows.iter().map(|row| {
        row.iter()
            .filter_map(|b| match &b.action {
                Action::Callback(cb) => {
                    Some(InlineKeyboardButton::callback(b.label.clone(), cb.encode()))
                }
                Action::Url(u) => match url::Url::parse(u) {
                    Ok(url) => Some(InlineKeyboardButton::url(b.label.clone(), url)),
                    Err(e) => {
                        tracing::error!(url = %u, error = %e, "dropping a button with a bad URL");
                        None
                    }
                },
            })
            .collect::<Vec<_>>()
    }))
}

enum Failure {
    /// The member blocked the bot or is gone: nothing more can reach them.
    Unreachable,
    /// Editing is impossible (message deleted or too old): a new message will do.
    CannotEdit,
    Other(RequestError),
}

fn classify(e: RequestError) -> Result<(), Failure> {
    match e {
        RequestError::Api(ApiError::MessageNotModified) => Ok(()),
        RequestError::Api(
            ApiError::BotBlocked | ApiError::UserDeactivated | ApiError::ChatNotFound,
        ) => Err(Failure::Unreachable),
        RequestError::Api(ApiError::MessageToEditNotFound | ApiError::MessageCantBeEdited) => {
            Err(Failure::CannotEdit)
        }
        RequestError::Api(ApiError::Unknown(ref text)) if text.starts_with("Forbidden") => {
            Err(Failure::Unreachable)
        }
        other => Err(Failure::Other(other)),
    }
}

/// Runs `attempt` until it succeeds or fails with something other than 429.
pub(super) async fn with_retry<T, F, Fut>(mut attempt: F) -> Result<T, RequestError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, RequestError>>,
{
    let mut tries = 0;
    loop {
        tries += 1;
        match attempt().await {
            Err(RequestError::RetryAfter(wait)) if tries < MAX_ATTEMPTS => {
                tracing::warn!(seconds = wait.seconds(), "Telegram asked us to slow down");
                tokio::time::sleep(wait.duration() + Duration::from_millis(50)).await;
            }
            other => return other,
        }
    }
}

async fn send_new<B: TgBot>(
    bot: &B,
    chat: ChatId,
    out: &Outgoing,
) -> Result<MessageId, RequestError> {
    with_retry(|| {
        let mut req = bot.send_message(chat, out.rendered.text.clone());
        if out.rendered.fitted {
            req = req.parse_mode(ParseMode::Html);
        }
        if !out.rendered.keyboard.rows.is_empty() {
            req = req.reply_markup(markup(&out.rendered.keyboard));
        }
        async move { req.await.map(|m| m.id) }
    })
    .await
}

async fn edit<B: TgBot>(
    bot: &B,
    chat: ChatId,
    id: i32,
    out: &Outgoing,
) -> Result<(), RequestError> {
    with_retry(|| {
        let mut req = bot.edit_message_text(chat, MessageId(id), out.rendered.text.clone());
        if out.rendered.fitted {
            req = req.parse_mode(ParseMode::Html);
        }
        req = req.reply_markup(markup(&out.rendered.keyboard));
        async move { req.await.map(|_| ()) }
    })
    .await
}

/// Sends or edits each reply in order. Never fails: problems are logged, recorded and
/// turned into the best thing left to do.
pub async fn deliver<B: TgBot>(bot: &B, engine: &Engine, chat_id: i64, outgoing: Vec<Outgoing>) {
    let chat = ChatId(chat_id);
    for out in &outgoing {
        let sent = match out.placement {
            Placement::Edit(id) => match edit(bot, chat, id, out).await.map_err(classify) {
                Ok(()) | Err(Ok(())) => Ok(None),
                Err(Err(Failure::CannotEdit)) => {
                    send_new(bot, chat, out).await.map(Some).map_err(classify)
                }
                Err(Err(f)) => Err(Err(f)),
            },
            Placement::New => send_new(bot, chat, out).await.map(Some).map_err(classify),
        };
        let store = engine.store();
        let recorded = match sent {
            Ok(Some(message_id)) if !out.rendered.keyboard.rows.is_empty() => {
                store
                    .set_shown(
                        chat_id,
                        Some(Shown {
                            message_id: message_id.0,
                            hash: out.hash,
                        }),
                    )
                    .await
            }
            Ok(_) | Err(Ok(())) => Ok(()),
            Err(Err(Failure::Unreachable)) => {
                tracing::info!(chat = chat_id, "member blocked the bot; marking inactive");
                let _ = store.set_blocked(chat_id, true, engine.now()).await;
                return;
            }
            Err(Err(Failure::CannotEdit)) => Ok(()),
            Err(Err(Failure::Other(e))) => {
                tracing::warn!(chat = chat_id, error = %e, "could not deliver a reply");
                // What the message shows is unknown now: never skip the next edit.
                store.set_shown(chat_id, None).await
            }
        };
        if let Err(e) = recorded {
            tracing::warn!(chat = chat_id, error = %e, "could not record the shown message");
        }
    }
}
