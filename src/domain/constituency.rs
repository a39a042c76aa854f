//! The tripartite sides: who a member speaks for.

use serde::{Deserialize, Serialize};

/// The tripartite side a member speaks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Constituency {
    Workers,
    Employers,
    Government,
    Other,
}

impl Constituency {
    pub const ALL: [Constituency; 4] = [
        Constituency::Workers,
        Constituency::Employers,
        Constituency::Government,
        Constituency::Other,
    ];

    /// One letter, the group codes of the reference organisation list.
    pub fn code(self) -> &'static str {
        match self {
            Constituency::Workers => "W",
            Constituency::Employers => "E",
            Constituency::Government => "G",
            Constituency::Other => "O",
        }
    }

    pub fn parse(s: &str) -> Option<Constituency> {
        Constituency::ALL.into_iter().find(|c| c.code() == s)
    }

    /// The stable lower-case word exports and the command line use.
    pub fn word(self) -> &'static str {
        match self {
            Constituency::Workers => "workers",
            Constituency::Employers => "employers",
            Constituency::Government => "government",
            Constituency::Other => "other",
        }
    }

    /// A word (`workers`) or a group code (`W`), in any case.
    pub fn from_word(s: &str) -> Option<Constituency> {
        Constituency::ALL
            .into_iter()
            .find(|c| c.word().eq_ignore_ascii_case(s) || c.code().eq_ignore_ascii_case(s))
    }

    pub fn key(self) -> &'static str {
        match self {
            Constituency::Workers => "constituency.workers",
            Constituency::Employers => "constituency.employers",
            Constituency::Government => "constituency.government",
            Constituency::Other => "constituency.other",
        }
    }
}
