//! Campaigns, and their invite codes: the payload of `https://t.me/<bot>?start=c_<code>`.
//!
//! 16 random bytes in URL-safe base64 (22 characters of `[A-Za-z0-9_-]`): within Telegram's
//! 64-character deep-link rule, and not guessable. A code only names a campaign; which
//! organisation it belongs to is looked up in the store, so no link can be altered into
//! another organisation's.

use std::fmt;

use chrono::{DateTime, Utc};

use super::ActivityCode;

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

    /// What every campaign link's `/start` payload begins with.
    pub const START_PREFIX: &'static str = PREFIX;

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

/// What a focal point asked for: their organisation's campaign on these activities.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CampaignRequest {
    pub org: String,
    pub title: String,
    pub activities: Vec<ActivityCode>,
    pub deadline: DateTime<Utc>,
}

/// A campaign just made (or found made a moment ago), with its link and the organisation's
/// name in both languages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Created {
    pub campaign: Campaign,
    pub link: String,
    pub org_km: String,
    pub org_en: String,
    /// The same campaign was made a moment ago (the command sent twice): that one is given
    /// back, and no second is made.
    pub again: bool,
    /// The consultation closes before the campaign's deadline: members cannot answer after
    /// this time.
    pub window_ends_first: Option<DateTime<Utc>>,
}

impl Created {
    pub fn org(&self, lang: crate::domain::Lang) -> String {
        match lang {
            crate::domain::Lang::Km => self.org_km.clone(),
            crate::domain::Lang::En => self.org_en.clone(),
        }
    }
}

/// Why a reminder asked for is not sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoReminder {
    /// No campaign has this id (or link).
    NoSuchCampaign,
    /// Another organisation's campaign.
    NotYours,
    /// Past its deadline.
    CampaignClosed,
    /// The consultation is closed: members could not answer a reminder.
    ConsultationClosed,
    /// Everyone who joined has finished (or turned reminders off, or blocked the bot).
    Nobody,
}

/// A campaign: an organisation asking its members about some activities before a deadline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Campaign {
    pub id: i64,
    pub code: CampaignCode,
    pub org_code: String,
    pub title: String,
    /// In the order members are asked.
    pub activities: Vec<ActivityCode>,
    pub plan_version: i64,
    pub deadline: DateTime<Utc>,
    pub auto_remind: bool,
}

/// How a campaign stands, for its coordinator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CampaignProgress {
    pub campaign: Campaign,
    pub joined: u64,
    /// Joined and rated every activity of the campaign.
    pub finished: u64,
    pub ratings: u64,
    pub comments: u64,
    /// Per activity of the campaign: (ratings, comments) from the campaign's members.
    pub per_activity: Vec<(ActivityCode, u64, u64)>,
    /// Members who joined and have not finished: (Telegram id, first name as Telegram shows it).
    pub unfinished: Vec<(i64, Option<String>)>,
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

/// Automatic reminders: this long before the deadline, to members who have not finished.
pub const REMINDER_STAGES: [(&str, i64); 2] = [("3d", 3), ("1d", 1)];

/// Local hours (Asia/Phnom_Penh) in which an automatic reminder may go out: never at night.
pub const REMINDER_HOURS: std::ops::Range<u32> = 8..20;

/// The automatic reminder due at `now` for a campaign ending at `deadline`, if any: the
/// latest stage whose time has come (a bot that was down sends one reminder, not two), and only
/// in the daytime in Phnom Penh. Each stage is queued once; the store sees to that.
pub fn due_reminder(
    deadline: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<&'static str> {
    use chrono::Timelike;
    if now >= deadline {
        return None;
    }
    let hour = now.with_timezone(&crate::clock::phnom_penh()).hour();
    if !REMINDER_HOURS.contains(&hour) {
        return None;
    }
    REMINDER_STAGES
        .iter()
        .rev()
        .find(|(_, days)| now >= deadline - chrono::Duration::days(*days))
        .map(|(stage, _)| *stage)
}

#[cfg(test)]
mod reminder_tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    /// 23:59 on 31 January 2027 in Phnom Penh (UTC+7).
    fn deadline() -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 1, 31, 16, 59, 0).unwrap()
    }

    fn local(day: u32, hour: u32) -> chrono::DateTime<Utc> {
        // Phnom Penh is UTC+7 all year.
        Utc.with_ymd_and_hms(2027, 1, day, hour, 0, 0).unwrap() - chrono::Duration::hours(7)
    }

    #[test]
    fn reminders_come_three_days_and_one_day_before_in_the_daytime() {
        assert_eq!(due_reminder(deadline(), local(27, 10)), None, "too early");
        assert_eq!(due_reminder(deadline(), local(29, 10)), Some("3d"));
        assert_eq!(
            due_reminder(deadline(), local(30, 9)),
            Some("3d"),
            "1 day is 23:59 on the 30th"
        );
        assert_eq!(due_reminder(deadline(), local(31, 8)), Some("1d"));
        assert_eq!(
            due_reminder(deadline(), local(31, 21)),
            None,
            "not at night"
        );
        assert_eq!(due_reminder(deadline(), local(31, 3)), None, "not at night");
        assert_eq!(due_reminder(deadline(), deadline()), None, "over");
    }
}
