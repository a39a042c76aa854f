//! When an activity runs: a span of calendar quarters, written `2026Q1-2027Q4`.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Quarter {
    pub year: u16,
    /// 1..=4
    pub q: u8,
}

impl Quarter {
    fn parse(s: &str) -> Option<Quarter> {
        let (year, q) = s.trim().split_once(['Q', 'q'])?;
        let year: u16 = year.parse().ok()?;
        let q: u8 = q.parse().ok()?;
        ((2000..=2100).contains(&year) && (1..=4).contains(&q)).then_some(Quarter { year, q })
    }

    /// 1..=12: the quarter's first month.
    pub fn first_month(self) -> u8 {
        self.q * 3 - 2
    }

    /// 1..=12: the quarter's last month.
    pub fn last_month(self) -> u8 {
        self.q * 3
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeframe {
    pub start: Quarter,
    pub end: Quarter,
}

impl Timeframe {
    pub fn parse(s: &str) -> Result<Timeframe, String> {
        let bad = || format!("`{s}` is not a timeframe like 2026Q1-2027Q4");
        let (a, b) = s.split_once('-').unwrap_or((s, s));
        let start = Quarter::parse(a).ok_or_else(bad)?;
        let end = Quarter::parse(b).ok_or_else(bad)?;
        if end < start {
            return Err(format!("timeframe `{s}` ends before it starts"));
        }
        Ok(Timeframe { start, end })
    }
}

impl fmt::Display for Timeframe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}Q{}-{}Q{}",
            self.start.year, self.start.q, self.end.year, self.end.q
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_quarter_spans() {
        let t = Timeframe::parse("2026Q2-2027Q4").unwrap();
        assert_eq!((t.start.first_month(), t.end.last_month()), (4, 12));
        assert_eq!(t.to_string(), "2026Q2-2027Q4");
        assert!(Timeframe::parse("2027Q1-2026Q4").is_err());
        assert!(Timeframe::parse("2026Q5-2027Q1").is_err());
        assert_eq!(
            Timeframe::parse("2026Q3").unwrap().to_string(),
            "2026Q3-2026Q3"
        );
    }
}
