//! Monitoring rounds: after the plan is validated, members say, activity by activity, what has
//! actually happened. A round asks one audience about some activities until a date; each
//! member answers with one of four statuses, and may add a comment as on a rating.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{ActivityCode, Audience, Constituency};

/// The longest round title: it heads the message members get and every card.
pub const MAX_ROUND_TITLE_CHARS: usize = 100;
/// The longest a round may run: a few rounds a year.
pub const MAX_ROUND_DAYS: i64 = 120;
/// How many times one answer may change: a real change of mind is kept, a script tapping a
/// thousand times cannot grow the database.
pub const MAX_ANSWER_CHANGES: i64 = 50;

/// What a member says has happened on an activity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Happening or done.
    Done,
    /// Started, not enough.
    Started,
    /// Nothing yet.
    Nothing,
    /// I don't know.
    Unknown,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Done,
        Status::Started,
        Status::Nothing,
        Status::Unknown,
    ];

    /// One letter, in callback data.
    pub fn code(self) -> &'static str {
        match self {
            Status::Done => "d",
            Status::Started => "s",
            Status::Nothing => "n",
            Status::Unknown => "u",
        }
    }

    pub fn from_code(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.code() == s)
    }

    /// The stable word the database, exports and the command line use.
    pub fn word(self) -> &'static str {
        match self {
            Status::Done => "done",
            Status::Started => "started",
            Status::Nothing => "nothing",
            Status::Unknown => "unknown",
        }
    }

    pub fn from_word(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.word() == s)
    }

    /// The locale key of its label, as members see it on the button.
    pub fn key(self) -> &'static str {
        match self {
            Status::Done => "monitor.status.done",
            Status::Started => "monitor.status.started",
            Status::Nothing => "monitor.status.nothing",
            Status::Unknown => "monitor.status.unknown",
        }
    }

    /// The mark that stands for it in tallies.
    pub fn mark(self) -> &'static str {
        match self {
            Status::Done => "✅",
            Status::Started => "🔸",
            Status::Nothing => "❌",
            Status::Unknown => "❓",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A round as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Round {
    pub id: i64,
    pub title: String,
    pub plan_version: i64,
    /// In the order members are asked.
    pub activities: Vec<ActivityCode>,
    pub audience: Audience,
    pub opened_at: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl Round {
    /// When it stopped taking answers, if it has: closed by hand, or past its end date.
    pub fn closed_since(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.closed_at
            .or_else(|| (self.until <= now).then_some(self.until))
    }

    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.closed_since(now).is_none()
    }

    /// Whether a member of this constituency and organisation is asked.
    pub fn reaches(&self, constituency: Option<Constituency>, org: Option<&str>) -> bool {
        match &self.audience {
            Audience::All => true,
            Audience::Constituency(c) => constituency == Some(*c),
            Audience::Organisation(code) => org == Some(code.as_str()),
        }
    }
}

/// How an organisation's own members stand in an open round: what its focal point sees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgRoundProgress {
    pub round: Round,
    /// The organisation's members the round asks.
    pub asked: u64,
    /// Of them, who answered at least one activity, and who answered every one.
    pub answered: u64,
    pub finished: u64,
    /// Who has not finished: (Telegram id, first name as Telegram shows it).
    pub unfinished: Vec<(i64, Option<String>)>,
}

/// What the secretariat asks for when opening a round (checked by `jobs::monitoring`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundRequest {
    pub title: String,
    /// Empty: every activity of the active plan.
    pub activities: Vec<ActivityCode>,
    pub audience: Audience,
    pub until: DateTime<Utc>,
}

/// Counts of each status, in `Status::ALL` order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatusCounts(pub [u64; 4]);

impl StatusCounts {
    pub fn add(&mut self, status: Status, n: u64) {
        self.0[status.index()] += n;
    }

    pub fn get(&self, status: Status) -> u64 {
        self.0[status.index()]
    }

    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    /// The share of `status` in whole percent, rounded half away from zero; `None` with no
    /// answers.
    pub fn percent(&self, status: Status) -> Option<u64> {
        let total = self.total();
        (total > 0).then(|| (self.get(status) * 200 + total) / (2 * total))
    }

    /// Share of "happening or done" among those who knew (the "I don't know" answers left
    /// out), in percent with one decimal as tenths: what a change between rounds is read on.
    pub fn done_share_tenths(&self) -> Option<i64> {
        let known = self.total() - self.get(Status::Unknown);
        (known > 0).then(|| ((self.get(Status::Done) * 2000 + known) / (2 * known)) as i64)
    }
}

/// One activity's answers in one round.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActivityTally {
    pub all: StatusCounts,
    /// Answers by the constituency the member spoke for when they answered (`None`: not said).
    pub by_constituency: BTreeMap<Option<Constituency>, StatusCounts>,
    pub comments: u64,
}

/// A round with how many answered: what a list of rounds shows (without counting every
/// activity, which only a round's results and the report need).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundCounts {
    pub round: Round,
    /// Members who gave at least one status.
    pub members: u64,
    /// Members who answered every activity of the round.
    pub finished: u64,
}

/// The answers of a round, counted: its results in /monitor, `stats` and the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundResults {
    pub round: Round,
    /// Members who gave at least one status.
    pub members: u64,
    /// Members who answered every activity of the round.
    pub finished: u64,
    /// In the round's order; activities nobody answered are there with zero counts.
    pub activities: Vec<(ActivityCode, ActivityTally)>,
}

/// One counted cell, as the store groups the answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TallyRow {
    pub activity: ActivityCode,
    pub constituency: Option<Constituency>,
    pub status: Option<Status>,
    pub answers: u64,
    pub comments: u64,
}

impl RoundResults {
    pub fn fold(round: Round, members: u64, finished: u64, rows: &[TallyRow]) -> RoundResults {
        let mut by_code: BTreeMap<&ActivityCode, ActivityTally> = BTreeMap::new();
        for row in rows {
            let tally = by_code.entry(&row.activity).or_default();
            tally.comments += row.comments;
            if let Some(status) = row.status {
                tally.all.add(status, row.answers);
                tally
                    .by_constituency
                    .entry(row.constituency)
                    .or_default()
                    .add(status, row.answers);
            }
        }
        let activities = round
            .activities
            .iter()
            .map(|code| (code.clone(), by_code.remove(code).unwrap_or_default()))
            .collect();
        RoundResults {
            round,
            members,
            finished,
            activities,
        }
    }

    pub fn activity(&self, code: &ActivityCode) -> Option<&ActivityTally> {
        self.activities
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, t)| t)
    }

    /// The change in the "happening or done" share of an activity since `previous`, in tenths
    /// of a percentage point; `None` when either round has no known answer on it.
    pub fn change_since(&self, previous: &RoundResults, code: &ActivityCode) -> Option<i64> {
        let now = self.activity(code)?.all.done_share_tenths()?;
        let before = previous.activity(code)?.all.done_share_tenths()?;
        Some(now - before)
    }

    /// Activities where the constituencies see it most differently: the spread of the "happening
    /// or done" share between the constituencies with at least `min_answers` known answers,
    /// largest first, from 25 points.
    pub fn disagreements(&self, min_answers: u64) -> Vec<(ActivityCode, i64)> {
        let mut out: Vec<(ActivityCode, i64)> = self
            .activities
            .iter()
            .filter_map(|(code, tally)| {
                let shares: Vec<i64> = tally
                    .by_constituency
                    .iter()
                    .filter(|(c, counts)| {
                        c.is_some() && counts.total() - counts.get(Status::Unknown) >= min_answers
                    })
                    .filter_map(|(_, counts)| counts.done_share_tenths())
                    .collect();
                let spread = shares.iter().max()? - shares.iter().min()?;
                (shares.len() >= 2 && spread >= 250).then(|| (code.clone(), spread))
            })
            .collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> ActivityCode {
        ActivityCode::parse(s).unwrap()
    }

    #[test]
    fn statuses_round_trip_through_their_codes_and_words() {
        for s in Status::ALL {
            assert_eq!(Status::from_code(s.code()), Some(s));
            assert_eq!(Status::from_word(s.word()), Some(s));
        }
        assert_eq!(Status::from_code("x"), None);
    }

    #[test]
    fn shares_leave_out_dont_know_and_round_half_away() {
        let mut c = StatusCounts::default();
        c.add(Status::Done, 1);
        c.add(Status::Nothing, 2);
        c.add(Status::Unknown, 5);
        assert_eq!(c.done_share_tenths(), Some(333));
        assert_eq!(c.percent(Status::Unknown), Some(63), "62.5 rounds up");
        assert_eq!(StatusCounts::default().done_share_tenths(), None);
    }

    #[test]
    fn results_fold_by_activity_and_constituency_and_show_disagreement() {
        let round = Round {
            id: 1,
            title: "Q1".into(),
            plan_version: 1,
            activities: vec![code("P1.1"), code("P1.2")],
            audience: Audience::All,
            opened_at: Utc::now(),
            until: Utc::now(),
            closed_at: None,
        };
        let row = |c: Constituency, s: Status, n: u64| TallyRow {
            activity: code("P1.1"),
            constituency: Some(c),
            status: Some(s),
            answers: n,
            comments: 0,
        };
        let rows = [
            row(Constituency::Workers, Status::Nothing, 4),
            row(Constituency::Workers, Status::Done, 1),
            row(Constituency::Employers, Status::Done, 4),
        ];
        let results = RoundResults::fold(round, 9, 0, &rows);
        let p11 = results.activity(&code("P1.1")).unwrap();
        assert_eq!(p11.all.total(), 9);
        assert_eq!(p11.by_constituency.len(), 2);
        assert_eq!(results.activity(&code("P1.2")).unwrap().all.total(), 0);
        assert_eq!(results.disagreements(3), vec![(code("P1.1"), 800)]);
        assert_eq!(results.disagreements(5), vec![], "employers gave only 4");
    }
}
