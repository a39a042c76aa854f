//! Campaign invite codes: the payload of `https://t.me/<bot>?start=c_<code>`.
//!
//! 16 random bytes in URL-safe base64 (22 characters of `[A-Za-z0-9_-]`): within Telegram's
//! 64-character deep-link rule, and not guessable. A code only names a campaign; which
//! organisation it belongs to is looked up in the store, so no link can be altered into
//! another organisation's.

use std::fmt;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const CODE_CHARS: usize = 22;
/// What `/start` payloads of campaign links begin with, leaving room for other kinds.
const PREFIX: &str = "c_";

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CampaignCode(String);

impl CampaignCode {
    /// A fresh code from the system's random source.
    pub fn generate() -> Result<CampaignCode, getrandom::Error> {
        let mut bytes = [0u8; 16];
        getrandom::getrandom(&mut bytes)?;
        Ok(CampaignCode::from_bytes(bytes))
    }

    /// 128 bits, six at a time: 21 full characters and the last two bits.
    pub fn from_bytes(bytes: [u8; 16]) -> CampaignCode {
        let bits = u128::from_be_bytes(bytes);
        let code = (0..CODE_CHARS)
            .map(|i| {
                let shift = 128i32 - 6 * (i as i32 + 1);
                let six = if shift >= 0 {
                    (bits >> shift) & 63
                } else {
                    (bits << -shift) & 63
                };
                ALPHABET[six as usize] as char
            })
            .collect();
        CampaignCode(code)
    }

    pub fn parse(s: &str) -> Option<CampaignCode> {
        (s.len() == CODE_CHARS && s.bytes().all(|b| ALPHABET.contains(&b)))
            .then(|| CampaignCode(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The `/start` payload of this campaign's link.
    pub fn start_payload(&self) -> String {
        format!("{PREFIX}{}", self.0)
    }

    /// The campaign a `/start` payload names, if it names one in the right shape.
    pub fn from_start_payload(payload: &str) -> Option<CampaignCode> {
        payload.strip_prefix(PREFIX).and_then(CampaignCode::parse)
    }

    /// The link members open: `https://t.me/<bot>?start=c_<code>`.
    pub fn link(&self, bot_username: &str) -> String {
        format!("https://t.me/{bot_username}?start={}", self.start_payload())
    }
}

impl fmt::Display for CampaignCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_fit_telegrams_deep_link_rule_and_round_trip() {
        for _ in 0..200 {
            let code = CampaignCode::generate().unwrap();
            let payload = code.start_payload();
            assert!(payload.len() <= 64);
            assert!(payload
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'));
            assert_eq!(CampaignCode::from_start_payload(&payload), Some(code));
        }
    }

    #[test]
    fn different_bytes_give_different_codes() {
        let a = CampaignCode::from_bytes([0; 16]);
        let mut last = [0; 16];
        last[15] = 1;
        let b = CampaignCode::from_bytes(last);
        assert_ne!(a, b, "the last bits count");
        assert_eq!(a.as_str(), "AAAAAAAAAAAAAAAAAAAAAA");
    }

    #[test]
    fn malformed_payloads_name_no_campaign() {
        for p in [
            "",
            "c_",
            "c_short",
            "x_AAAAAAAAAAAAAAAAAAAAAA",
            "c_AAAAAAAAAAAAAAAAAAAAA!",
            "c_AAAAAAAAAAAAAAAAAAAAAAA",
        ] {
            assert_eq!(CampaignCode::from_start_payload(p), None, "{p}");
        }
    }
}
