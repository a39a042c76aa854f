//! What a member adds to a rating: a typed text or a voice note.

use serde::{Deserialize, Serialize};

/// Telegram never delivers a text longer than this, so a longer one is not a member's.
pub const MAX_COMMENT_CHARS: usize = 4096;

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

    /// Two texts sent one after the other, as one comment; `None` when together they are
    /// longer than a comment may be.
    pub fn joined(&self, more: &CommentText) -> Option<CommentText> {
        CommentText::parse(&format!("{}\n{}", self.0, more.0)).ok()
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
