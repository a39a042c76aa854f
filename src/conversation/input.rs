//! What a member did, already parsed at the edge into typed values.

use super::Callback;
use crate::domain::VoiceNote;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `/start`, with the deep-link payload if any.
    Start(Option<String>),
    Menu,
    Language,
    Settings,
    Help,
    Cancel,
    Forget,
    Mine,
    /// The secretariat's consolidated view (admins only).
    Summary,
}

impl Command {
    /// Parses `/name[@bot] [payload]`. Unknown commands are `None` (the text is then a hint case).
    pub fn parse(text: &str) -> Option<Command> {
        let text = text.trim();
        let rest = text.strip_prefix('/')?;
        let (head, payload) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let name = head.split('@').next().unwrap_or(head).to_ascii_lowercase();
        let payload = payload.trim();
        Some(match name.as_str() {
            "start" => Command::Start((!payload.is_empty()).then(|| payload.to_string())),
            "menu" => Command::Menu,
            "language" | "lang" => Command::Language,
            "settings" => Command::Settings,
            "help" => Command::Help,
            "cancel" => Command::Cancel,
            "forget" => Command::Forget,
            "mine" | "feedback" => Command::Mine,
            "summary" => Command::Summary,
            _ => return None,
        })
    }
}

/// Message kinds the bot does not take, named so the hint can say what it expects instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OtherKind {
    Sticker,
    Photo,
    Video,
    Document,
    Location,
    Contact,
    Audio,
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Command(Command),
    /// A button tap. `message_id` is the message the button was on, to edit it in place.
    Callback {
        data: Callback,
        message_id: Option<i32>,
    },
    /// Callback data that did not decode: forged, truncated or from an old build.
    BadCallback {
        message_id: Option<i32>,
    },
    Text(String),
    Voice(VoiceNote),
    Other(OtherKind),
}
