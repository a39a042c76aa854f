//! Fields of callback data, parsed only in their canonical spelling (every part's buttons
//! share them).

use crate::domain::ActivityCode;

pub fn page(s: &str) -> Option<u8> {
    s.parse::<u8>().ok().filter(|p| *p < 100)
}

pub fn activity(s: &str) -> Option<ActivityCode> {
    ActivityCode::parse(s).ok().filter(|c| c.as_str() == s)
}

pub fn campaign_id(s: &str) -> Option<i64> {
    s.parse::<i64>()
        .ok()
        .filter(|id| *id > 0 && id.to_string() == s)
}
