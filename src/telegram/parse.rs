//! Telegram updates → typed `Input`, once, at the edge.

use teloxide::types::{CallbackQuery, InlineKeyboardButtonKind, Message};

use crate::conversation::{Callback, ChatKind, Command, DocumentIn, Input, OtherKind};
use crate::domain::VoiceNote;
use crate::engine::Seen;

/// What a message means to the conversation, or `None` for messages the bot ignores
/// (service messages, and in groups anything but a command addressed to this bot).
pub fn message_input(msg: &Message, bot_username: &str) -> Option<(ChatKind, Input)> {
    let chat = if msg.chat.is_private() {
        ChatKind::Private
    } else {
        ChatKind::Group
    };
    if let Some(text) = msg.text() {
        let for_another =
            Command::addressee(text).is_some_and(|bot| !bot.eq_ignore_ascii_case(bot_username));
        return match Command::parse(text).filter(|_| !for_another) {
            Some(cmd) => Some((chat, Input::Command(cmd))),
            // In a group, other bots' commands and everyone's talk are not ours.
            None if chat == ChatKind::Group => None,
            // In a private chat every message gets an answer; a command (one copied from a
            // group for another bot, or one we do not have) is never kept as a comment.
            None if Command::looks_like(text) => Some((chat, Input::Other(OtherKind::Command))),
            None => Some((chat, Input::Text(text.to_string()))),
        };
    }
    if chat == ChatKind::Group {
        return None;
    }
    let input = if let Some(v) = msg.voice() {
        Input::Voice(VoiceNote {
            file_id: v.file.id.0.clone(),
            duration_secs: v.duration.seconds(),
            size_bytes: Some(v.file.size),
        })
    } else if msg.sticker().is_some() {
        Input::Other(OtherKind::Sticker)
    } else if let Some(caption) = msg
        .caption()
        .filter(|_| msg.photo().is_some() || msg.animation().is_some() || msg.video().is_some())
    {
        // The picture cannot be kept, but the words under it are a comment like any other.
        Input::Text(caption.to_string())
    } else if msg.photo().is_some() || msg.animation().is_some() {
        Input::Other(OtherKind::Photo)
    } else if msg.video().is_some() || msg.video_note().is_some() {
        Input::Other(OtherKind::Video)
    } else if let Some(d) = msg.document() {
        Input::Document(DocumentIn {
            file_id: d.file.id.0.clone(),
            file_name: d.file_name.clone().unwrap_or_else(|| "document".into()),
            size_bytes: d.file.size,
        })
    } else if msg.location().is_some() || msg.venue().is_some() {
        Input::Other(OtherKind::Location)
    } else if msg.contact().is_some() {
        Input::Other(OtherKind::Contact)
    } else if msg.audio().is_some() {
        Input::Other(OtherKind::Audio)
    } else if msg.from.is_some() && msg.chat.is_private() && is_user_content(msg) {
        Input::Other(OtherKind::Other)
    } else {
        return None;
    };
    Some((chat, input))
}

/// Polls, dice, games and the like: things a person sent, as opposed to service messages.
fn is_user_content(msg: &Message) -> bool {
    msg.poll().is_some() || msg.dice().is_some() || msg.game().is_some() || msg.story().is_some()
}

pub fn callback_input(q: &CallbackQuery) -> Input {
    let message_id = q.message.as_ref().map(|m| m.id().0);
    match q.data.as_deref().and_then(Callback::decode) {
        Some(data) => Input::Callback { data, message_id },
        None => Input::BadCallback { message_id },
    }
}

/// The tapped message as the member sees it; `None` when Telegram no longer says (too old).
pub fn seen(q: &CallbackQuery) -> Option<Seen> {
    let msg = q.regular_message()?;
    let buttons = msg
        .reply_markup()
        .map(|markup| {
            markup
                .inline_keyboard
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|b| {
                            let target = match &b.kind {
                                InlineKeyboardButtonKind::CallbackData(data) => data.clone(),
                                InlineKeyboardButtonKind::Url(url) => url.to_string(),
                                _ => String::new(),
                            };
                            (b.text.clone(), target)
                        })
                        .collect::<Vec<_>>()
                })
                .filter(|row| !row.is_empty())
                .collect()
        })
        .unwrap_or_default();
    Some(Seen {
        message_id: msg.id.0,
        text: msg.text()?.to_string(),
        buttons,
    })
}
