//! Codes of priorities and activities (`P1`, `P1.2`, `X.1`). They travel inside callback
//! data and export file names, so they are short, ASCII and free of the `:` separator.

use serde::{Deserialize, Serialize};
use std::fmt;

const MAX_CODE_LEN: usize = 12;

fn valid_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_CODE_LEN
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

macro_rules! code_type {
    ($name:ident, $what:literal) => {
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(s: &str) -> Result<Self, String> {
                let s = s.trim();
                if valid_code(s) {
                    Ok(Self(s.to_string()))
                } else {
                    Err(format!(
                        concat!(
                            "`{}` is not a valid ",
                            $what,
                            " code (a letter, then up to 11 letters, digits, `.`, `-` or `_`)"
                        ),
                        s
                    ))
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(c: $name) -> String {
                c.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

code_type!(ActivityCode, "activity");
code_type!(PriorityCode, "priority");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plan_codes_and_rejects_the_rest() {
        for ok in ["P1", "P1.2", "X.1", "P10.12"] {
            assert!(ActivityCode::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "1.2", "P1:2", "P1 2", "ព១", "ABCDEFGHIJKLM"] {
            assert!(ActivityCode::parse(bad).is_err(), "{bad}");
        }
    }
}
