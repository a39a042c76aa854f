//! One request to the Bot API, and what Telegram's answer means for delivery.

use teloxide::prelude::*;
use teloxide::types::{ChatId, InputFile, MessageId, ParseMode};
use teloxide::{ApiError, RequestError};

use super::job::{Request, Upload};
use super::queues::Answer;

fn input_file(file: &Upload) -> InputFile {
    match file {
        Upload::Path(path) => InputFile::file(path.clone()),
        Upload::Memory { bytes, name } => InputFile::memory(bytes.clone()).file_name(name.clone()),
    }
}

async fn perform(bot: &Bot, chat: ChatId, request: &Request) -> Result<Option<i32>, RequestError> {
    match request {
        Request::Message {
            text,
            html,
            keyboard,
        } => {
            let mut req = bot.send_message(chat, text.clone());
            if *html {
                req = req.parse_mode(ParseMode::Html);
            }
            if let Some(k) = keyboard {
                req = req.reply_markup(k.clone());
            }
            req.await.map(|m| Some(m.id.0))
        }
        Request::Edit {
            message_id,
            text,
            html,
            keyboard,
        } => {
            let mut req = bot.edit_message_text(chat, MessageId(*message_id), text.clone());
            if *html {
                req = req.parse_mode(ParseMode::Html);
            }
            if let Some(k) = keyboard {
                req = req.reply_markup(k.clone());
            }
            req.await.map(|_| None)
        }
        Request::Document { file, caption } => bot
            .send_document(chat, input_file(file))
            .caption(caption.clone())
            .parse_mode(ParseMode::Html)
            .await
            .map(|m| Some(m.id.0)),
        Request::Photo { file, caption } => bot
            .send_photo(chat, input_file(file))
            .caption(caption.clone())
            .parse_mode(ParseMode::Html)
            .await
            .map(|m| Some(m.id.0)),
    }
}

/// Sends `request` to `chat` and says what Telegram answered, in delivery's terms.
pub async fn send(bot: &Bot, chat: i64, request: &Request) -> Answer {
    match perform(bot, ChatId(chat), request).await {
        Ok(id) => Answer::Sent(id),
        Err(e) => classify(e),
    }
}

fn classify(e: RequestError) -> Answer {
    match e {
        RequestError::Api(ApiError::MessageNotModified) => Answer::NotModified,
        RequestError::Api(ApiError::MessageToEditNotFound | ApiError::MessageCantBeEdited) => {
            Answer::CannotEdit
        }
        RequestError::Api(
            ApiError::BotBlocked
            | ApiError::UserDeactivated
            | ApiError::BotKicked
            | ApiError::BotKickedFromSupergroup,
        ) => Answer::Blocked,
        RequestError::Api(ApiError::Unknown(ref text)) if text.starts_with("Forbidden") => {
            Answer::Blocked
        }
        RequestError::RetryAfter(wait) => Answer::RetryAfter(wait.duration()),
        e @ (RequestError::Network(_) | RequestError::Io(_)) => Answer::Network(e.to_string()),
        e => Answer::Failed(e.to_string()),
    }
}
