//! What a member adds to a rating: a typed text or a voice note.

use serde::{Deserialize, Serialize};

/// The longest comment kept on one activity: a member's messages on it are joined up to this
/// many characters (Telegram delivers at most 4,096 in one message).
pub const MAX_COMMENT_CHARS: usize = 16_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentText(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommentError {
    Empty,
    TooLong,
}

impl CommentText {
    pub fn parse(raw: &str) -> Result<CommentText, CommentError> {
        let text = raw.trim();
        if text.is_empty() {
            Err(CommentError::Empty)
        } else if text.chars().count() > MAX_COMMENT_CHARS {
            Err(CommentError::TooLong)
        } else {
            Ok(CommentText(text.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn chars(&self) -> usize {
        self.0.chars().count()
    }

    /// The first `max` characters, when the text is longer; `None` when nothing fits.
    pub fn cut_to(&self, max: usize) -> Option<CommentText> {
        let cut: String = self.0.chars().take(max).collect();
        CommentText::parse(&cut).ok()
    }
}

/// A voice note stays on Telegram's servers; we keep the reference to fetch it for exports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoiceNote {
    pub file_id: String,
    pub duration_secs: u32,
    pub size_bytes: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Comment {
    Text(CommentText),
    Voice(VoiceNote),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_rejects_empty_or_oversized() {
        assert_eq!(CommentText::parse("  ល្អណាស់ ").unwrap().as_str(), "ល្អណាស់");
        assert_eq!(CommentText::parse(" \n "), Err(CommentError::Empty));
        assert_eq!(
            CommentText::parse(&"ក".repeat(MAX_COMMENT_CHARS + 1)),
            Err(CommentError::TooLong)
        );
    }
}
