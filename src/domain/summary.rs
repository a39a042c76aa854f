//! The consolidated view of the feedback: totals, then per activity the number of ratings,
//! mean, median, distribution 1-5 and mean per constituency. Pure arithmetic over rows the
//! store aggregates in SQL, so it is the same for `stats`, `/summary` and the exports.

use std::collections::BTreeMap;

use super::{ActivityCode, Constituency, Plan};

/// One cell of the store's aggregate: how many ratings of one value one constituency gave one
/// activity, and how many of those carry a typed comment or a voice note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    pub activity: String,
    pub constituency: Option<Constituency>,
    pub rating: u8,
    pub count: u64,
    pub texts: u64,
    pub voices: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActivitySummary {
    pub code: Option<ActivityCode>,
    pub n: u64,
    /// Counts of 1..=5, at index rating - 1.
    pub distribution: [u64; 5],
    pub texts: u64,
    pub voices: u64,
    pub by_constituency: BTreeMap<Constituency, (u64, u64)>,
}

/// A mean as every output shows it: two decimals, half away from zero (3.125 → 3.13), worked
/// out on the exact sum and count so that /summary, `stats`, the workbook, the chart and the
/// report cannot disagree by a rounding.
pub fn rounded_mean(sum: u64, n: u64) -> Option<f64> {
    (n > 0).then(|| {
        let hundredths = (200 * u128::from(sum) + u128::from(n)) / (2 * u128::from(n));
        hundredths as f64 / 100.0
    })
}

impl ActivitySummary {
    /// Rounded as [`rounded_mean`].
    pub fn mean(&self) -> Option<f64> {
        let sum: u64 = self
            .distribution
            .iter()
            .enumerate()
            .map(|(i, c)| (i as u64 + 1) * c)
            .sum();
        rounded_mean(sum, self.n)
    }

    /// The middle rating (the mean of the two middle ones for an even count).
    pub fn median(&self) -> Option<f64> {
        if self.n == 0 {
            return None;
        }
        let nth = |k: u64| {
            let mut seen = 0;
            for (i, c) in self.distribution.iter().enumerate() {
                seen += c;
                if seen > k {
                    return i as f64 + 1.0;
                }
            }
            5.0
        };
        Some(if self.n % 2 == 1 {
            nth(self.n / 2)
        } else {
            (nth(self.n / 2 - 1) + nth(self.n / 2)) / 2.0
        })
    }

    /// Rounded as [`rounded_mean`].
    pub fn mean_of(&self, c: Constituency) -> Option<f64> {
        self.by_constituency
            .get(&c)
            .and_then(|(n, sum)| rounded_mean(*sum, *n))
    }

    pub fn comments(&self) -> u64 {
        self.texts + self.voices
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Members who consented, by constituency (`None`: not answered yet).
    pub members: BTreeMap<Option<Constituency>, u64>,
    pub activities: Vec<ActivitySummary>,
}

impl Summary {
    /// Activities in plan order, each with its aggregate (zero when nobody rated it).
    pub fn new(
        plan: &Plan,
        members: BTreeMap<Option<Constituency>, u64>,
        cells: &[Cell],
    ) -> Summary {
        let mut by_code: BTreeMap<&str, ActivitySummary> = BTreeMap::new();
        for cell in cells {
            if !(1..=5).contains(&cell.rating) {
                continue;
            }
            let a = by_code.entry(cell.activity.as_str()).or_default();
            a.n += cell.count;
            a.distribution[cell.rating as usize - 1] += cell.count;
            a.texts += cell.texts;
            a.voices += cell.voices;
            if let Some(c) = cell.constituency {
                let (n, sum) = a.by_constituency.entry(c).or_default();
                *n += cell.count;
                *sum += cell.count * u64::from(cell.rating);
            }
        }
        let activities = plan
            .activities
            .iter()
            .map(|a| ActivitySummary {
                code: Some(a.code.clone()),
                ..by_code.remove(a.code.as_str()).unwrap_or_default()
            })
            .collect();
        Summary {
            members,
            activities,
        }
    }

    pub fn member_total(&self) -> u64 {
        self.members.values().sum()
    }

    pub fn ratings(&self) -> u64 {
        self.activities.iter().map(|a| a.n).sum()
    }

    pub fn texts(&self) -> u64 {
        self.activities.iter().map(|a| a.texts).sum()
    }

    pub fn voices(&self) -> u64 {
        self.activities.iter().map(|a| a.voices).sum()
    }

    /// The activities with the lowest mean (every one of them when several share it), in
    /// plan order; none when nothing is rated.
    pub fn lowest_rated(&self) -> Vec<&ActivitySummary> {
        let lowest = self
            .activities
            .iter()
            .filter_map(|a| a.mean())
            .min_by(|x, y| x.total_cmp(y));
        self.activities
            .iter()
            .filter(|a| lowest.is_some() && a.mean() == lowest)
            .collect()
    }

    /// The activities with the most comments, typed and spoken (every one of them when several
    /// share the count), in plan order; none when there is no comment.
    pub fn most_commented(&self) -> Vec<&ActivitySummary> {
        let most = self
            .activities
            .iter()
            .map(|a| a.comments())
            .max()
            .unwrap_or(0);
        self.activities
            .iter()
            .filter(|a| most > 0 && a.comments() == most)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_are_named_every_one_and_counts_stay_apart() {
        use Constituency::*;
        let plan = plan_of(&["P1.1", "P1.2", "P1.3"]);
        let voice = |activity: &str, voices| Cell {
            voices,
            ..cell(activity, Some(Workers), 3, 1, 0)
        };
        let cells = [
            cell("P1.1", Some(Workers), 2, 2, 1),
            cell("P1.2", Some(Employers), 2, 1, 0),
            voice("P1.2", 1),
            cell("P1.2", Some(Workers), 1, 1, 0),
            cell("P1.3", Some(Workers), 5, 1, 0),
        ];
        let s = Summary::new(&plan, BTreeMap::new(), &cells);
        let codes = |v: Vec<&ActivitySummary>| -> Vec<String> {
            v.iter()
                .filter_map(|a| a.code.as_ref().map(|c| c.to_string()))
                .collect()
        };
        // P1.1: 2,2 -> 2.00; P1.2: 2,3,1 -> 2.00; P1.3: 5.
        assert_eq!(codes(s.lowest_rated()), ["P1.1", "P1.2"]);
        // P1.1 one typed comment, P1.2 one voice note: a tie of one comment each.
        assert_eq!(codes(s.most_commented()), ["P1.1", "P1.2"]);
        assert_eq!((s.activities[1].texts, s.activities[1].voices), (0, 1));
        let empty = Summary::new(&plan, BTreeMap::new(), &[]);
        assert!(empty.lowest_rated().is_empty() && empty.most_commented().is_empty());
    }

    #[test]
    fn means_round_half_away_from_zero_on_the_exact_fraction() {
        // 25/8 = 3.125: a float formatter rounds it to even (3.12); every output shows 3.13.
        assert_eq!(rounded_mean(25, 8), Some(3.13));
        assert_eq!(format!("{:.2}", rounded_mean(25, 8).unwrap()), "3.13");
        // 107/40 = 2.675, which as a float is a hair below: still 2.68.
        assert_eq!(rounded_mean(107, 40), Some(2.68));
        assert_eq!(rounded_mean(10, 3), Some(3.33));
        assert_eq!(rounded_mean(5, 3), Some(1.67));
        assert_eq!(rounded_mean(0, 0), None);
        assert_eq!(rounded_mean(u64::MAX / 2, u64::MAX / 2), Some(1.0));
    }

    fn cell(activity: &str, c: Option<Constituency>, rating: u8, count: u64, texts: u64) -> Cell {
        Cell {
            activity: activity.into(),
            constituency: c,
            rating,
            count,
            texts,
            voices: 0,
        }
    }

    /// A plan of one priority with these activities, in this order.
    fn plan_of(codes: &[&str]) -> Plan {
        use crate::domain::plan::{Activity, PlanStatus, Priority, Text};
        let text = |s: &str| Text {
            en: s.into(),
            km: s.into(),
        };
        let priority = crate::domain::PriorityCode::parse("P1").unwrap();
        Plan {
            version: 1,
            label: "test".into(),
            status: PlanStatus::Draft,
            title: text("plan"),
            source: String::new(),
            priorities: vec![Priority {
                code: priority.clone(),
                short: text("p"),
                title: text("p"),
            }],
            activities: codes
                .iter()
                .map(|c| Activity {
                    code: ActivityCode::parse(c).unwrap(),
                    priority: priority.clone(),
                    title: text(c),
                    description: text(c),
                    lead: text(c),
                    timeframe: crate::domain::Timeframe::parse("2026Q1-2027Q4").unwrap(),
                })
                .collect(),
        }
    }

    #[test]
    fn arithmetic_on_a_known_data_set() {
        use Constituency::*;
        let plan = plan_of(&["P1.1", "P1.2", "P1.3"]);
        // P1.1: workers 5,5,4 and employers 2 -> n 4, mean 4.0, median 4.5.
        // P1.2: government 1 -> mean 1.0. Everything else unrated.
        let cells = [
            cell("P1.1", Some(Workers), 5, 2, 1),
            cell("P1.1", Some(Workers), 4, 1, 0),
            cell("P1.1", Some(Employers), 2, 1, 1),
            cell("P1.2", Some(Government), 1, 1, 0),
        ];
        let members = BTreeMap::from([
            (Some(Workers), 3),
            (Some(Employers), 1),
            (Some(Government), 1),
            (None, 2),
        ]);
        let s = Summary::new(&plan, members, &cells);
        assert_eq!((s.member_total(), s.ratings(), s.texts()), (7, 5, 2));
        let p11 = &s.activities[0];
        assert_eq!(p11.distribution, [0, 1, 0, 1, 2]);
        assert_eq!((p11.n, p11.mean(), p11.median()), (4, Some(4.0), Some(4.5)));
        assert_eq!(p11.mean_of(Workers), Some(4.67), "14/3, to two decimals");
        assert_eq!(
            (p11.mean_of(Employers), p11.mean_of(Government)),
            (Some(2.0), None)
        );
        assert_eq!(s.activities[1].median(), Some(1.0));
        assert_eq!(s.activities[2].mean(), None);
        assert_eq!(s.activities.len(), plan.activities.len());
        let only = |v: Vec<&ActivitySummary>| match v[..] {
            [a] => a.code.clone().map(|c| c.to_string()),
            _ => None,
        };
        assert_eq!(only(s.lowest_rated()).as_deref(), Some("P1.2"));
        assert_eq!(only(s.most_commented()).as_deref(), Some("P1.1"));
    }
}
