//! Text helpers for Telegram HTML: escaping, safe trimming of Khmer, Khmer digits.

use unicode_segmentation::UnicodeSegmentation;

use crate::domain::Lang;

/// Telegram's limit on a message's text, counted in UTF-16 code units after entity parsing.
pub const MAX_MESSAGE_UTF16: usize = 4096;

/// Escapes the three characters Telegram's HTML parser treats specially (and `"` for attributes).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// At most `max` user-perceived characters. Khmer clusters (a consonant with its subscripts
/// and vowel signs) are never split, which a cut by `char` or byte would do.
pub fn trim_graphemes(s: &str, max: usize) -> String {
    let mut graphemes = s.graphemes(true);
    let head: String = graphemes.by_ref().take(max).collect();
    if graphemes.next().is_some() {
        let mut cut: String = head.graphemes(true).take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    } else {
        head
    }
}

/// Like [`trim_graphemes`], but cut after the last whole word that fits (when a space falls
/// in the second half), so a name does not end mid-word. Khmer, written without spaces
/// between words, is cut at a grapheme.
pub fn trim_words(s: &str, max: usize) -> String {
    if s.graphemes(true).count() <= max {
        return s.to_string();
    }
    let head: String = s.graphemes(true).take(max.saturating_sub(1)).collect();
    match head.rfind(char::is_whitespace) {
        Some(at) if head[..at].graphemes(true).count() * 2 >= max => {
            format!(
                "{}…",
                head[..at].trim_end_matches([',', ';', ':', '-', ' '])
            )
        }
        _ => format!("{head}…"),
    }
}

/// A number of two digits (seconds of a minute), in the digits of `lang`.
pub fn number_padded(n: u32, lang: Lang) -> String {
    number(format!("{n:02}"), lang)
}

/// The text Telegram would show for our HTML: tags removed, entities decoded.
pub fn visible_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find(['<', '&']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if rest.starts_with('<') {
            rest = rest.find('>').map_or("", |j| &rest[j + 1..]);
        } else {
            let end = rest.find(';').filter(|j| *j <= 6).unwrap_or(0);
            out.push(match &rest[..=end] {
                "&amp;" => '&',
                "&lt;" => '<',
                "&gt;" => '>',
                "&quot;" => '"',
                _ => '&',
            });
            rest = &rest[end + 1..];
        }
    }
    out.push_str(rest);
    out
}

pub fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// The last line of defence for the 4096 limit: screens are sized to stay far below it,
/// but should one not be, the member gets its beginning as plain text rather than an error.
pub fn fit_message(html: String) -> (String, bool) {
    if utf16_len(&visible_text(&html)) <= MAX_MESSAGE_UTF16 {
        return (html, true);
    }
    let plain = visible_text(&html);
    let mut out = String::new();
    let mut units = 0;
    for g in plain.graphemes(true) {
        let n = utf16_len(g);
        if units + n > MAX_MESSAGE_UTF16 - 1 {
            break;
        }
        units += n;
        out.push_str(g);
    }
    out.push('…');
    (esc(&out), false)
}

/// Numbers as the member reads them: Khmer digits in Khmer.
pub fn number(n: impl ToString, lang: Lang) -> String {
    let s = n.to_string();
    match lang {
        Lang::En => s,
        Lang::Km => s
            .chars()
            .map(|c| {
                c.to_digit(10)
                    .map_or(c, |d| char::from_u32(0x17E0 + d).unwrap_or(c))
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_html() {
        assert_eq!(esc("a<b> & \"c\""), "a&lt;b&gt; &amp; &quot;c&quot;");
        assert_eq!(visible_text("<b>x</b> &amp; &lt;y&gt;"), "x & <y>");
    }

    #[test]
    fn khmer_is_trimmed_between_clusters() {
        // "ក្រសួង": the subscript ្រ must stay with its consonant.
        let s = "ក្រសួងការងារ";
        let t = trim_graphemes(s, 3);
        assert!(t.ends_with('…'));
        let kept = t.trim_end_matches('…');
        assert!(s.starts_with(kept));
        assert!(
            !kept.ends_with('\u{17D2}'),
            "cut inside a cluster: {kept:?}"
        );
        assert_eq!(trim_graphemes("short", 10), "short");
    }

    #[test]
    fn khmer_digits() {
        assert_eq!(number(2026, Lang::Km), "២០២៦");
        assert_eq!(number(15, Lang::En), "15");
    }

    #[test]
    fn oversized_text_becomes_plain_and_fits() {
        let (fitted, ok) = fit_message(format!("<b>x</b>{}", "ក្ក".repeat(3000)));
        assert!(!ok);
        assert!(utf16_len(&visible_text(&fitted)) <= MAX_MESSAGE_UTF16);
    }
}
