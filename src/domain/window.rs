//! The consultation window: when members may change their feedback.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use crate::clock::phnom_penh;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub open: bool,
    /// An open window closes by itself at this time.
    pub until: Option<DateTime<Utc>>,
    pub changed_at: DateTime<Utc>,
}

impl Window {
    pub fn always_open() -> Window {
        Window {
            open: true,
            until: None,
            changed_at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.open && self.until.is_none_or(|until| now < until)
    }

    /// The change as the audit log words it, whoever made it.
    pub fn audit_detail(&self) -> String {
        match (self.open, self.until) {
            (true, Some(until)) => format!("open until {}", until.to_rfc3339()),
            (true, None) => "open".into(),
            (false, _) => "closed".into(),
        }
    }

    /// When the window stopped taking feedback, if it has: the `until` time that passed, or
    /// the moment an admin closed it.
    pub fn closed_since(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match (self.open, self.until) {
            (true, Some(until)) if now >= until => Some(until),
            (true, _) => None,
            (false, _) => Some(self.changed_at),
        }
    }
}

/// `2027-03-31` means until the end of that day in Phnom Penh; RFC 3339 is taken as written.
pub fn parse_until(s: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("`{s}` is not a date like 2027-03-31 (or an RFC 3339 time)"))?;
    end_of(day).ok_or_else(|| format!("`{s}` is too far in the future"))
}

/// The end of the day `days` days after `now`'s day, in Phnom Penh.
pub fn end_of_day_after(now: DateTime<Utc>, days: u8) -> Option<DateTime<Utc>> {
    let today = now.with_timezone(&phnom_penh()).date_naive();
    end_of(today.checked_add_days(chrono::Days::new(u64::from(days)))?)
}

/// The midnight after `day` in Phnom Penh (which has no daylight saving: always one).
fn end_of(day: NaiveDate) -> Option<DateTime<Utc>> {
    day.succ_opt()?
        .and_time(NaiveTime::MIN)
        .and_local_timezone(phnom_penh())
        .single()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn an_open_window_closes_by_itself_at_its_end() {
        let end = Utc.with_ymd_and_hms(2027, 3, 31, 17, 0, 0).unwrap();
        let w = Window {
            open: true,
            until: Some(end),
            changed_at: end - chrono::Duration::days(30),
        };
        assert!(w.is_open(end - chrono::Duration::seconds(1)));
        assert!(!w.is_open(end));
        assert_eq!(w.closed_since(end + chrono::Duration::days(1)), Some(end));
        let closed = Window {
            open: false,
            until: None,
            changed_at: end,
        };
        assert_eq!(
            closed.closed_since(end + chrono::Duration::days(2)),
            Some(end)
        );
        assert!(Window::always_open().is_open(end));
    }

    #[test]
    fn a_date_means_the_end_of_that_day_in_phnom_penh() {
        let t = parse_until("2027-03-31").unwrap();
        assert_eq!(t.to_rfc3339(), "2027-03-31T17:00:00+00:00");
        assert_eq!(
            parse_until("2027-03-31T10:00:00Z").unwrap().to_rfc3339(),
            "2027-03-31T10:00:00+00:00"
        );
        assert!(parse_until("31/03/2027").is_err());
    }
}
