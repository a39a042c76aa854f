//! Replies → text and buttons in one language. Every visible word comes from
//! `locales/*.yml` through `t!(key, locale = …)`; every data string is HTML-escaped here.

pub mod campaign;
pub mod keyboard;
pub mod monitor;
pub mod outbox;
mod plan_problem;
pub mod render;
pub mod tasks;
pub mod text;

pub use keyboard::{Action, Button, Keyboard};
pub use plan_problem::{plan_problem, plan_problems};
pub use render::{notice_text, render, Rendered};

use crate::domain::Lang;

/// Looks a key up in the member's language. Never the process-global locale.
pub fn tr(lang: Lang, key: &str) -> String {
    rust_i18n::t!(key, locale = lang.code()).into_owned()
}

/// Like [`tr_with`] for a text about `n` things: `key_one` when there is exactly one (English
/// says "1 rating", "2 ratings"; Khmer has one form, so its `_one` text is the same).
pub fn tr_count(lang: Lang, key: &str, n: u64, args: &[(&str, &str)]) -> String {
    if n == 1 {
        tr_with(lang, &format!("{key}_one"), args)
    } else {
        tr_with(lang, key, args)
    }
}

/// Like [`tr`], filling `%{name}` placeholders. Values are inserted as given: escape data first.
pub fn tr_with(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut s = tr(lang, key);
    for (name, value) in args {
        s = s.replace(&format!("%{{{name}}}"), value);
    }
    s
}
