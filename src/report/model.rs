//! The consultation report's numbers and chosen comments, folded from the same rows the
//! exports write, so that every figure in it can be recomputed from the CSV. Pure: no store,
//! no clock, no file; the PDF and DOCX writers only lay it out.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use crate::domain::summary::{rounded_mean, ActivitySummary};
use crate::domain::{ActivityCode, Constituency, Plan, PriorityCode, Window};
use crate::export::Pseudonyms;
use crate::store::RatingRow;

/// Comments per constituency shown in the body under each heading of an activity.
pub const BODY_PER_GROUP: usize = 3;
/// Characters of one comment in the body; the annex has more.
pub const BODY_COMMENT_CHARS: usize = 600;
/// Characters of one comment in the annex; the workbook has every character.
pub const ANNEX_COMMENT_CHARS: usize = 2_000;
/// Comments in the annex in all: past this the annex points to the workbook.
pub const ANNEX_MAX: usize = 2_000;
/// A constituency's mean counts towards a disagreement only with at least this many ratings.
pub const MIN_GROUP_RATINGS: u64 = 3;
/// Disagreements named on the key-findings page: the largest gaps of at least this much.
pub const MIN_GAP: f64 = 0.5;
pub const MAX_GAPS: usize = 5;
/// Lowest rated and most commented: this many places (every activity tied at the last one too).
pub const PLACES: usize = 3;

/// The sides a report shows, in their usual order; "not said" last.
pub const SIDES: [Option<Constituency>; 5] = [
    Some(Constituency::Workers),
    Some(Constituency::Employers),
    Some(Constituency::Government),
    Some(Constituency::Other),
    None,
];

/// What the report was asked for, said on its cover.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub constituency: Option<Constituency>,
    pub province: Option<u8>,
}

impl Filters {
    pub fn any(&self) -> bool {
        *self != Filters::default()
    }
}

/// How a comment was written, as far as its letters tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Script {
    Khmer,
    Latin,
}

impl Script {
    pub fn of(text: &str) -> Script {
        let khmer = text
            .chars()
            .filter(|c| matches!(c, '\u{1780}'..='\u{17FF}' | '\u{19E0}'..='\u{19FF}'))
            .count();
        let letters = text.chars().filter(|c| c.is_alphabetic()).count();
        if khmer * 2 >= letters && khmer > 0 {
            Script::Khmer
        } else {
            Script::Latin
        }
    }
}

/// A member's words on one activity, pseudonymous.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub respondent: String,
    pub side: Option<Constituency>,
    pub rating: u8,
    /// Typed words, whole (writers cut them to their own length).
    pub text: Option<String>,
    pub script: Option<Script>,
    /// Seconds, and the file's name when the export downloaded it (else Telegram's id).
    pub voice: Option<(i64, String)>,
}

impl Comment {
    fn length(&self) -> usize {
        self.text.as_deref().map_or(0, |t| t.chars().count())
    }

    /// "What should change?" is asked after a rating of 1 or 2.
    pub fn asks_for_change(&self) -> bool {
        self.rating <= 2
    }
}

/// The comments of one heading ("what should change", "other comments") shown in the body,
/// by side, and how many there are in all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Chosen {
    pub by_side: Vec<(Option<Constituency>, Vec<Comment>)>,
    pub total: u64,
}

impl Chosen {
    pub fn shown(&self) -> usize {
        self.by_side.iter().map(|(_, c)| c.len()).sum()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ActivityResult {
    pub code: ActivityCode,
    pub priority: PriorityCode,
    pub title: String,
    pub stats: ActivitySummary,
    pub change: Chosen,
    pub other: Chosen,
    /// Every comment, in the annex (until [`ANNEX_MAX`] in the whole report).
    pub annex: Vec<Comment>,
}

impl ActivityResult {
    pub fn comments(&self) -> u64 {
        self.stats.texts + self.stats.voices
    }
}

/// Where two sides judged one activity furthest apart.
#[derive(Clone, Debug, PartialEq)]
pub struct Gap {
    pub code: ActivityCode,
    pub high: (Constituency, f64, u64),
    pub low: (Constituency, f64, u64),
}

impl Gap {
    pub fn size(&self) -> f64 {
        ((self.high.1 - self.low.1) * 100.0).round() / 100.0
    }
}

/// Counts of members by one profile answer; `None` is "not said".
pub type Tally<K> = Vec<(Option<K>, u64)>;

#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub plan_title: String,
    pub plan_version: i64,
    pub plan_label: String,
    pub draft: bool,
    pub window: Window,
    pub generated_at: DateTime<Utc>,
    pub filters: Filters,
    pub members: u64,
    pub rated_all: u64,
    pub by_side: Tally<Constituency>,
    /// (side, organisation as members named it, members).
    pub by_org: Vec<(Option<Constituency>, String, u64)>,
    pub by_province: Tally<u8>,
    pub by_sector: Tally<String>,
    pub by_gender: Tally<String>,
    pub activities: Vec<ActivityResult>,
    pub lowest: Vec<ActivityCode>,
    pub gaps: Vec<Gap>,
    pub most_commented: Vec<ActivityCode>,
    /// True when the annex stopped at [`ANNEX_MAX`] comments.
    pub annex_capped: bool,
    /// Monitoring rounds with their results, newest first (the report's section on them).
    pub rounds: Vec<crate::domain::monitoring::RoundResults>,
}

impl Report {
    pub fn activity(&self, code: &ActivityCode) -> Option<&ActivityResult> {
        self.activities.iter().find(|a| &a.code == code)
    }

    pub fn ratings(&self) -> u64 {
        self.activities.iter().map(|a| a.stats.n).sum()
    }

    pub fn typed(&self) -> u64 {
        self.activities.iter().map(|a| a.stats.texts).sum()
    }

    pub fn voices(&self) -> u64 {
        self.activities.iter().map(|a| a.stats.voices).sum()
    }
}

/// What one member answered, as far as the report needs it.
struct MemberSeen {
    side: Option<Constituency>,
    org: Option<String>,
    province: Option<u8>,
    sector: Option<String>,
    gender: Option<String>,
    rated: u32,
}

/// Folds rating rows into a [`Report`]; rows may come in any order.
pub struct ReportBuilder<'a> {
    plan: &'a Plan,
    ids: Pseudonyms,
    members: HashMap<i64, MemberSeen>,
    activities: Vec<ActivityResult>,
    index: HashMap<ActivityCode, usize>,
    /// Per activity and heading (change, other) and side: every comment, until chosen.
    candidates: Vec<[BTreeMap<Option<Constituency>, Vec<Comment>>; 2]>,
    /// Per activity: comments under each heading, all of them.
    heading_totals: Vec<[u64; 2]>,
    annexed: usize,
    annex_capped: bool,
}

impl<'a> ReportBuilder<'a> {
    pub fn new(plan: &'a Plan, secret: &[u8], lang: crate::domain::Lang) -> ReportBuilder<'a> {
        let activities: Vec<ActivityResult> = plan
            .activities
            .iter()
            .map(|a| ActivityResult {
                code: a.code.clone(),
                priority: a.priority.clone(),
                title: a.title.get(lang).to_string(),
                stats: ActivitySummary {
                    code: Some(a.code.clone()),
                    ..Default::default()
                },
                change: Chosen::default(),
                other: Chosen::default(),
                annex: Vec::new(),
            })
            .collect();
        let index = activities
            .iter()
            .enumerate()
            .map(|(i, a)| (a.code.clone(), i))
            .collect();
        let candidates = vec![Default::default(); activities.len()];
        let heading_totals = vec![[0; 2]; activities.len()];
        ReportBuilder {
            plan,
            ids: Pseudonyms::new(secret),
            members: HashMap::new(),
            activities,
            index,
            candidates,
            heading_totals,
            annexed: 0,
            annex_capped: false,
        }
    }

    pub fn add(&mut self, row: RatingRow) {
        let Some(&i) = ActivityCode::parse(&row.activity_code)
            .ok()
            .and_then(|c| self.index.get(&c))
        else {
            // A code the plan no longer has: not part of this plan's report.
            return;
        };
        let Ok(rating) = u8::try_from(row.rating) else {
            return;
        };
        if !(1..=5).contains(&rating) {
            return;
        }
        let side = row.constituency.as_deref().and_then(Constituency::parse);
        let member = self
            .members
            .entry(row.member_id)
            .or_insert_with(|| MemberSeen {
                side,
                org: match (&row.org_code, &row.org_name) {
                    (Some(code), _) => Some(
                        crate::domain::reference::organisation(code)
                            .map_or(code.clone(), |o| o.abbr.to_string()),
                    ),
                    (None, Some(name)) => Some(name.clone()),
                    _ => None,
                },
                province: row.province.and_then(|p| u8::try_from(p).ok()),
                sector: row.sector.clone(),
                gender: row.gender.clone(),
                rated: 0,
            });
        member.rated += 1;

        let stats = &mut self.activities[i].stats;
        stats.n += 1;
        stats.distribution[usize::from(rating - 1)] += 1;
        if let Some(c) = side {
            let e = stats.by_constituency.entry(c).or_insert((0, 0));
            e.0 += 1;
            e.1 += u64::from(rating);
        }
        let text = row.comment_text.filter(|t| !t.trim().is_empty());
        let voice = row
            .voice_file_id
            .map(|id| (row.voice_duration.unwrap_or(0), id));
        if text.is_some() {
            stats.texts += 1;
        }
        if voice.is_some() {
            stats.voices += 1;
        }
        if text.is_none() && voice.is_none() {
            return;
        }
        let comment = Comment {
            respondent: self.ids.id(row.member_id),
            side,
            rating,
            script: text.as_deref().map(Script::of),
            text,
            voice,
        };
        if self.annexed < ANNEX_MAX {
            self.annexed += 1;
            self.activities[i].annex.push(comment.clone());
        } else {
            self.annex_capped = true;
        }
        let heading = usize::from(!comment.asks_for_change());
        self.heading_totals[i][heading] += 1;
        let group = self.candidates[i][heading].entry(side).or_default();
        group.push(comment);
        // Bounded: only the longest few of a group can be chosen.
        if group.len() >= 4 * BODY_PER_GROUP {
            choose(group);
        }
    }

    pub fn finish(
        mut self,
        window: Window,
        filters: Filters,
        generated_at: DateTime<Utc>,
        lang: crate::domain::Lang,
    ) -> Report {
        for (i, headings) in std::mem::take(&mut self.candidates).into_iter().enumerate() {
            let a = &mut self.activities[i];
            let totals = self.heading_totals[i];
            for (heading, mut groups) in headings.into_iter().enumerate() {
                let mut chosen = Chosen::default();
                for side in SIDES {
                    if let Some(mut group) = groups.remove(&side) {
                        choose(&mut group);
                        chosen.by_side.push((side, group));
                    }
                }
                chosen.total = totals[heading];
                if heading == 0 {
                    a.change = chosen;
                } else {
                    a.other = chosen;
                }
            }
        }
        let members = self.members.len() as u64;
        let all = self.plan.activities.len() as u32;
        let rated_all = self
            .members
            .values()
            .filter(|m| all > 0 && m.rated >= all)
            .count() as u64;
        let tally = |key: &dyn Fn(&MemberSeen) -> Option<String>| -> Tally<String> {
            let mut t: BTreeMap<Option<String>, u64> = BTreeMap::new();
            for m in self.members.values() {
                *t.entry(key(m)).or_default() += 1;
            }
            sorted(t)
        };
        let by_sector = tally(&|m| m.sector.clone());
        let by_gender = tally(&|m| m.gender.clone());
        let mut provinces: BTreeMap<Option<u8>, u64> = BTreeMap::new();
        let mut sides: BTreeMap<Option<Constituency>, u64> = BTreeMap::new();
        let mut orgs: BTreeMap<(Option<Constituency>, String), u64> = BTreeMap::new();
        for m in self.members.values() {
            *provinces.entry(m.province).or_default() += 1;
            *sides.entry(m.side).or_default() += 1;
            if let Some(org) = &m.org {
                *orgs.entry((m.side, org.clone())).or_default() += 1;
            }
        }
        let by_side = SIDES
            .into_iter()
            .map(|s| (s, sides.get(&s).copied().unwrap_or(0)))
            .filter(|(s, n)| *n > 0 || s.is_some_and(|c| c != Constituency::Other))
            .collect();
        let mut by_org: Vec<_> = orgs.into_iter().map(|((s, o), n)| (s, o, n)).collect();
        by_org.sort_by(|a, b| {
            side_rank(a.0)
                .cmp(&side_rank(b.0))
                .then(b.2.cmp(&a.2))
                .then(a.1.cmp(&b.1))
        });
        let activities = self.activities;
        Report {
            plan_title: self.plan.title.get(lang).to_string(),
            plan_version: self.plan.version,
            plan_label: self.plan.label.clone(),
            draft: self.plan.is_draft(),
            window,
            generated_at,
            filters,
            members,
            rated_all,
            by_side,
            by_org,
            by_province: sorted(provinces),
            by_sector,
            by_gender,
            lowest: lowest(&activities),
            gaps: gaps(&activities),
            most_commented: most_commented(&activities),
            annex_capped: self.annex_capped,
            rounds: Vec::new(),
            activities,
        }
    }
}

fn side_rank(side: Option<Constituency>) -> usize {
    SIDES.iter().position(|s| *s == side).unwrap_or(SIDES.len())
}

/// Largest count first, "not said" last, then by key.
fn sorted<K: Ord>(t: BTreeMap<Option<K>, u64>) -> Tally<K> {
    let mut v: Vec<_> = t.into_iter().collect();
    v.sort_by(|a, b| {
        a.0.is_none()
            .cmp(&b.0.is_none())
            .then(b.1.cmp(&a.1))
            .then(a.0.cmp(&b.0))
    });
    v
}

/// The selection rule the report states: the longest typed comments of a group (they say the
/// most), voice notes after them, the earliest respondent id breaking ties so that the same
/// data always shows the same comments.
fn choose(group: &mut Vec<Comment>) {
    group.sort_by(|a, b| {
        b.length()
            .cmp(&a.length())
            .then(b.voice.is_some().cmp(&a.voice.is_some()))
            .then(a.respondent.cmp(&b.respondent))
    });
    group.truncate(BODY_PER_GROUP);
}

/// The activities at the [`PLACES`] lowest means, every one tied at the last place too.
pub fn lowest(activities: &[ActivityResult]) -> Vec<ActivityCode> {
    let mut rated: Vec<(u128, &ActivityResult)> = activities
        .iter()
        .filter(|a| a.stats.n > 0)
        .map(|a| (mean_key(&a.stats), a))
        .collect();
    rated.sort_by_key(|(k, _)| *k);
    places(rated)
}

/// Means compared exactly (sum/n as a fraction scaled), so that ties are real ties.
fn mean_key(s: &ActivitySummary) -> u128 {
    let sum: u64 = s
        .distribution
        .iter()
        .enumerate()
        .map(|(i, c)| (i as u64 + 1) * c)
        .sum();
    // Compared at the precision shown: two decimals.
    let mean = rounded_mean(sum, s.n).unwrap_or(0.0);
    (mean * 100.0).round() as u128
}

pub fn most_commented(activities: &[ActivityResult]) -> Vec<ActivityCode> {
    let mut commented: Vec<(u64, &ActivityResult)> = activities
        .iter()
        .filter(|a| a.comments() > 0)
        .map(|a| (a.comments(), a))
        .collect();
    commented.sort_by_key(|a| std::cmp::Reverse(a.0));
    places(commented)
}

/// The first [`PLACES`] of a sorted list, and every later one equal to the last of those.
fn places<K: PartialEq>(sorted: Vec<(K, &ActivityResult)>) -> Vec<ActivityCode> {
    let mut out = Vec::new();
    let mut last = None;
    for (k, a) in sorted {
        if out.len() >= PLACES && last.as_ref() != Some(&k) {
            break;
        }
        out.push(a.code.clone());
        last = Some(k);
    }
    out
}

/// Activities where the highest and lowest side's means (each of at least
/// [`MIN_GROUP_RATINGS`] ratings) are at least [`MIN_GAP`] apart, largest gap first.
pub fn gaps(activities: &[ActivityResult]) -> Vec<Gap> {
    let mut found: Vec<Gap> = activities
        .iter()
        .filter_map(|a| {
            let means: Vec<(Constituency, f64, u64)> = a
                .stats
                .by_constituency
                .iter()
                .filter(|(_, (n, _))| *n >= MIN_GROUP_RATINGS)
                .filter_map(|(c, (n, sum))| rounded_mean(*sum, *n).map(|m| (*c, m, *n)))
                .collect();
            let high = means.iter().copied().max_by(|x, y| x.1.total_cmp(&y.1))?;
            let low = means.iter().copied().min_by(|x, y| x.1.total_cmp(&y.1))?;
            let gap = Gap {
                code: a.code.clone(),
                high,
                low,
            };
            (gap.size() >= MIN_GAP).then_some(gap)
        })
        .collect();
    found.sort_by(|a, b| b.size().total_cmp(&a.size()));
    found.truncate(MAX_GAPS);
    found
}
