//! A member's judgement of one activity: a whole number from 1 to 5.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Rating(u8);

impl Rating {
    pub const ALL: [Rating; 5] = [Rating(1), Rating(2), Rating(3), Rating(4), Rating(5)];

    pub fn new(value: u8) -> Option<Rating> {
        (1..=5).contains(&value).then_some(Rating(value))
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// A number typed on a card, in Latin or Khmer digits ("4", " ៤ "): the rating it means.
    pub fn typed(text: &str) -> Option<Rating> {
        let mut chars = text.trim().chars();
        let digit = chars.next()?;
        if chars.next().is_some() {
            return None;
        }
        let value = match digit {
            '1'..='5' => digit as u32 - '0' as u32,
            '១'..='៥' => digit as u32 - '០' as u32,
            _ => return None,
        };
        Rating::new(value as u8)
    }
}

impl TryFrom<u8> for Rating {
    type Error = String;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        Rating::new(value).ok_or_else(|| format!("a rating is 1 to 5, not {value}"))
    }
}

impl From<Rating> for u8 {
    fn from(r: Rating) -> u8 {
        r.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_typed_in_latin_or_khmer_digits_is_a_rating() {
        assert_eq!(Rating::typed("3"), Rating::new(3));
        assert_eq!(Rating::typed(" ៣ "), Rating::new(3));
        assert_eq!(Rating::typed("៥"), Rating::new(5));
        for not in ["0", "6", "៦", "៧", "33", "3.", "ok", ""] {
            assert_eq!(Rating::typed(not), None, "{not}");
        }
    }

    #[test]
    fn only_one_to_five() {
        assert!(Rating::new(0).is_none());
        assert!(Rating::new(6).is_none());
        assert_eq!(
            Rating::ALL.iter().map(|r| r.get()).collect::<Vec<_>>(),
            [1, 2, 3, 4, 5]
        );
    }
}
