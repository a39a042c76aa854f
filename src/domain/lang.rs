//! The two languages the bot speaks.

use serde::{Deserialize, Serialize};

/// Khmer is the default: most members read it first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Km,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Km, Lang::En];

    /// The locale name rust-i18n knows this language by (and the `lang` column value).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Km => "km",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "km" | "kh" | "khmer" => Some(Lang::Km),
            "en" | "english" => Some(Lang::En),
            _ => None,
        }
    }

    /// Pre-selects from Telegram's `language_code`. Khmer is the default for everyone
    /// whose phone is not explicitly set to English: most members read Khmer first,
    /// and many Cambodian phones report no language at all.
    pub fn from_telegram(language_code: Option<&str>) -> Lang {
        match language_code {
            Some(code) if code.to_ascii_lowercase().starts_with("en") => Lang::En,
            _ => Lang::Km,
        }
    }
}

/// Whether `text` has a Khmer letter (the Unicode Khmer block).
pub fn has_khmer(text: &str) -> bool {
    text.chars().any(|c| ('\u{1780}'..='\u{17FF}').contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telegram_codes_map_to_khmer_first() {
        assert_eq!(Lang::from_telegram(Some("km")), Lang::Km);
        assert_eq!(Lang::from_telegram(None), Lang::Km);
        assert_eq!(Lang::from_telegram(Some("en-GB")), Lang::En);
        assert_eq!(Lang::from_telegram(Some("fr")), Lang::Km);
    }

    #[test]
    fn codes_round_trip() {
        for lang in Lang::ALL {
            assert_eq!(Lang::parse(lang.code()), Some(lang));
        }
        assert_eq!(Lang::parse("de"), None);
    }
}
