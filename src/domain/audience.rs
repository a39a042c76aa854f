//! Who an announcement goes to, parsed once from `--to` or the bot's buttons.

use super::{reference, Constituency};

/// The longest announcement text the secretariat may write: with the header, the message
/// stays well inside Telegram's 4096 characters.
pub const MAX_ANNOUNCEMENT_CHARS: usize = 3500;

/// Everyone, a constituency, or one organisation's members. Only consented members who have
/// not blocked the bot are ever sent anything. Stored (in a conversation's state) in the form
/// `describe` writes and `parse` reads.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Audience {
    All,
    Constituency(Constituency),
    /// An organisation code: from the reference list or added by the secretariat (checked
    /// against the store by whoever parses it).
    Organisation(String),
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an audience: use all, constituency:workers|employers|government|other, or org:CODE")]
pub struct BadAudience(pub String);

/// An audience naming an organisation nobody knows: the code as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownOrganisation(pub String);

impl Audience {
    /// The audience with its organisation looked up among the built-in and `added` ones (in any
    /// case), as the bot and the command line both check it before anything is queued.
    pub fn resolve(self, added: &[super::Org]) -> Result<Audience, UnknownOrganisation> {
        match self {
            Audience::Organisation(code) => super::Org::find(&code, added)
                .map(|o| Audience::Organisation(o.code))
                .ok_or(UnknownOrganisation(code)),
            other => Ok(other),
        }
    }

    /// `all`, `constituency:workers` (or its one-letter code, or `workers` alone), `org:CODE`.
    pub fn parse(raw: &str) -> Result<Audience, BadAudience> {
        let bad = || BadAudience(raw.to_string());
        let raw_trimmed = raw.trim();
        if raw_trimmed.eq_ignore_ascii_case("all") {
            return Ok(Audience::All);
        }
        // `workers` alone, as people say it.
        if let Some(c) = Constituency::from_word(raw_trimmed) {
            return Ok(Audience::Constituency(c));
        }
        let (kind, value) = raw_trimmed.split_once(':').ok_or_else(bad)?;
        match kind.to_ascii_lowercase().as_str() {
            "constituency" => Constituency::ALL
                .into_iter()
                .find(|c| {
                    c.word().eq_ignore_ascii_case(value) || c.code().eq_ignore_ascii_case(value)
                })
                .map(Audience::Constituency)
                .ok_or_else(bad),
            "org" | "organisation" if is_org_code(value) => {
                // Reference codes are matched whatever the case; others as typed.
                let code = reference::organisation_any_case(value)
                    .map_or(value.to_string(), |o| o.code.to_string());
                Ok(Audience::Organisation(code))
            }
            _ => Err(bad()),
        }
    }

    /// How the audit log, the command line and stored states name it: the form `parse` reads.
    pub fn describe(&self) -> String {
        match self {
            Audience::All => "all".into(),
            Audience::Constituency(c) => format!("constituency:{}", c.word()),
            Audience::Organisation(code) => format!("org:{code}"),
        }
    }
}

impl TryFrom<String> for Audience {
    type Error = BadAudience;
    fn try_from(s: String) -> Result<Audience, BadAudience> {
        Audience::parse(&s)
    }
}

impl From<Audience> for String {
    fn from(a: Audience) -> String {
        a.describe()
    }
}

/// Organisation codes: 1-20 of A-Z, a-z, 0-9, `-`, `_`, `.`.
pub fn is_org_code(s: &str) -> bool {
    (1..=20).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audiences_round_trip_through_their_description() {
        for a in [
            Audience::All,
            Audience::Constituency(Constituency::Employers),
            Audience::Organisation("CCAWDU".into()),
        ] {
            assert_eq!(Audience::parse(&a.describe()), Ok(a));
        }
        assert_eq!(
            Audience::parse("constituency:W"),
            Ok(Audience::Constituency(Constituency::Workers))
        );
        assert_eq!(
            Audience::parse("org:ccawdu"),
            Ok(Audience::Organisation("CCAWDU".into()))
        );
        for bad in [
            "",
            "everyone",
            "constituency:farmers",
            "org:",
            "org:a b",
            "org:<x>",
        ] {
            assert!(Audience::parse(bad).is_err(), "{bad}");
        }
    }
}
