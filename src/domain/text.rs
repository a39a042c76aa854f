//! Text that came from outside and is shown to someone else: a person's name, a plan's titles.
//! Control characters and bidirectional overrides can hide or reverse what a reader sees (a
//! name ending in U+202E shows the list after it backwards; a NUL breaks a chart), so they
//! never reach another person's screen or file.

/// Characters that change how the text around them is shown rather than being shown: C0 and C1
/// controls (but tab and newline), DEL, and the bidirectional embeddings, overrides and
/// isolates (U+202A–U+202E, U+2066–U+2069).
pub fn is_hidden_control(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n')
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// The first hidden control in `s`, if any: a plan text holding one is refused.
pub fn hidden_control(s: &str) -> Option<char> {
    s.chars().find(|c| is_hidden_control(*c))
}

/// The longest name kept for a focal point's lists.
pub const MAX_NAME_CHARS: usize = 64;

/// A name as someone else may see it: hidden controls and line breaks dropped, spaces
/// folded, at most [`MAX_NAME_CHARS`] characters; `None` when nothing is left.
pub fn display_name(raw: &str) -> Option<String> {
    let cleaned: String = raw
        .chars()
        .map(|c| if c == '\n' || c == '\t' { ' ' } else { c })
        .filter(|c| !is_hidden_control(*c))
        .collect();
    let folded = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    let name: String = folded.chars().take(MAX_NAME_CHARS).collect();
    (!name.is_empty()).then_some(name)
}

/// A Telegram user id as typed or carried in a button: digits only, in canonical spelling,
/// positive and within Telegram's 52 bits. Anything else is no user.
pub fn user_id(s: &str) -> Option<i64> {
    let id = s.parse::<i64>().ok()?;
    (id > 0 && id < (1 << 52) && id.to_string() == s).then_some(id)
}

/// A short fixed fingerprint of a text (FNV-1a, 32 bits): a button carries it to say which
/// version of a draft it confirms. Not for anything an attacker chooses to collide.
pub fn fingerprint(s: &str) -> u32 {
    s.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_what_would_hide_or_reverse_the_text_around_them() {
        assert_eq!(
            display_name("Bopha\u{202E}olleh").as_deref(),
            Some("Bophaolleh")
        );
        assert_eq!(
            display_name(" Sok\u{0}\n  Dara ").as_deref(),
            Some("Sok Dara")
        );
        assert_eq!(display_name("\u{2066}\u{2069}"), None);
        assert_eq!(display_name("សុខា").as_deref(), Some("សុខា"));
        assert_eq!(display_name(&"x".repeat(100)).map(|n| n.len()), Some(64));
    }

    #[test]
    fn user_ids_are_positive_canonical_and_within_52_bits() {
        assert_eq!(user_id("123456789"), Some(123_456_789));
        for bad in ["-5", "0", "+5", "05", "4503599627370496", "1e9", ""] {
            assert_eq!(user_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_fingerprint_is_fnv1a_as_published() {
        assert_eq!(fingerprint(""), 0x811c_9dc5);
        assert_eq!(fingerprint("a"), 0xe40c_292c);
    }

    #[test]
    fn plan_texts_may_hold_tabs_and_newlines_but_no_hidden_control() {
        assert_eq!(hidden_control("Line one\nline\ttwo ២"), None);
        assert_eq!(hidden_control("Title\u{0}"), Some('\u{0}'));
        assert_eq!(hidden_control("abc\u{202D}"), Some('\u{202D}'));
        assert_eq!(hidden_control("\u{1b}[31m"), Some('\u{1b}'));
    }
}
