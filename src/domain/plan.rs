//! The work plan members rate: priorities, then activities under each, both languages.
//! `PlanFile` is the documented TOML format (see `plans/dwcp-2026-2027-draft.toml`);
//! `Plan` is what the rest of the program reads, valid by construction.

use serde::Deserialize;
use std::collections::HashSet;

use super::{ActivityCode, Lang, PriorityCode, Timeframe};

/// The plan built into the binary and stored as version 1 on first start.
pub const DEFAULT_PLAN_TOML: &str = include_str!("../../plans/dwcp-2026-2027-draft.toml");

/// Titles must fit on a phone screen and inside one Telegram message with room to spare.
const MAX_TITLE_CHARS: usize = 200;
const MAX_SHORT_CHARS: usize = 60;
const MAX_DESC_CHARS: usize = 1500;
const MAX_LEAD_CHARS: usize = 300;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    pub en: String,
    pub km: String,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Km => &self.km,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanStatus {
    Draft,
    Validated,
}

impl PlanStatus {
    pub fn code(self) -> &'static str {
        match self {
            PlanStatus::Draft => "draft",
            PlanStatus::Validated => "validated",
        }
    }

    pub fn parse(s: &str) -> Option<PlanStatus> {
        match s {
            "draft" => Some(PlanStatus::Draft),
            "validated" => Some(PlanStatus::Validated),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Priority {
    pub code: PriorityCode,
    pub short: Text,
    pub title: Text,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Activity {
    pub code: ActivityCode,
    pub priority: PriorityCode,
    pub title: Text,
    pub description: Text,
    pub lead: Text,
    pub timeframe: Timeframe,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The database version; 0 until stored.
    pub version: i64,
    pub label: String,
    pub status: PlanStatus,
    pub title: Text,
    pub source: String,
    pub priorities: Vec<Priority>,
    /// In plan order: grouped by priority, in the order the file lists them.
    pub activities: Vec<Activity>,
}

impl Plan {
    pub fn default_plan() -> Plan {
        // The built-in file is checked by a test; a broken one is a build defect.
        Plan::from_toml(DEFAULT_PLAN_TOML).expect("the built-in plan file is valid")
    }

    pub fn is_draft(&self) -> bool {
        self.status == PlanStatus::Draft
    }

    pub fn activity(&self, code: &ActivityCode) -> Option<&Activity> {
        self.activities.iter().find(|a| &a.code == code)
    }

    pub fn priority(&self, code: &PriorityCode) -> Option<&Priority> {
        self.priorities.iter().find(|p| &p.code == code)
    }

    pub fn activities_of<'a>(
        &'a self,
        priority: &'a PriorityCode,
    ) -> impl Iterator<Item = &'a Activity> + 'a {
        self.activities
            .iter()
            .filter(move |a| &a.priority == priority)
    }

    pub fn from_toml(source: &str) -> Result<Plan, Vec<PlanProblem>> {
        let file: PlanFile = toml::from_str(source).map_err(|e| {
            let line = e.span().map(|s| source[..s.start].lines().count().max(1));
            vec![PlanProblem {
                place: line.map(|l| format!("line {l}")).unwrap_or_default(),
                message: e.message().to_string(),
            }]
        })?;
        file.validate()
    }
}

/// One thing wrong with a plan file, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanProblem {
    pub place: String,
    pub message: String,
}

impl std::fmt::Display for PlanProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.place.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.place, self.message)
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanFile {
    label: String,
    status: String,
    title_en: String,
    title_km: String,
    #[serde(default)]
    source: String,
    #[serde(rename = "priority", default)]
    priorities: Vec<PriorityEntry>,
    #[serde(rename = "activity", default)]
    activities: Vec<ActivityEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PriorityEntry {
    code: String,
    short_en: String,
    short_km: String,
    title_en: String,
    title_km: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActivityEntry {
    code: String,
    priority: String,
    title_en: String,
    title_km: String,
    desc_en: String,
    desc_km: String,
    lead_en: String,
    lead_km: String,
    timeframe: String,
}

/// Collects every problem instead of stopping at the first, so one import attempt shows them all.
#[derive(Default)]
struct Problems(Vec<PlanProblem>);

impl Problems {
    fn add(&mut self, place: &str, message: impl Into<String>) {
        self.0.push(PlanProblem {
            place: place.to_string(),
            message: message.into(),
        });
    }

    fn text(&mut self, place: &str, field: &str, en: &str, km: &str, max: usize) -> Text {
        for (suffix, value) in [("en", en), ("km", km)] {
            let n = value.trim().chars().count();
            if n == 0 {
                self.add(place, format!("{field}_{suffix} is empty"));
            } else if n > max {
                self.add(
                    place,
                    format!("{field}_{suffix} is {n} characters; at most {max} fit"),
                );
            }
        }
        if !km.trim().is_empty() && !km.chars().any(|c| ('\u{1780}'..='\u{17FF}').contains(&c)) {
            self.add(place, format!("{field}_km has no Khmer letters"));
        }
        Text {
            en: en.trim().to_string(),
            km: km.trim().to_string(),
        }
    }
}

impl PlanFile {
    fn validate(self) -> Result<Plan, Vec<PlanProblem>> {
        let mut p = Problems::default();
        let status = PlanStatus::parse(&self.status).unwrap_or_else(|| {
            p.add(
                "status",
                format!("`{}` is neither \"draft\" nor \"validated\"", self.status),
            );
            PlanStatus::Draft
        });
        let title = p.text(
            "plan",
            "title",
            &self.title_en,
            &self.title_km,
            MAX_TITLE_CHARS,
        );
        if self.priorities.is_empty() {
            p.add("plan", "has no [[priority]]");
        }
        if self.activities.is_empty() {
            p.add("plan", "has no [[activity]]");
        }

        let mut priorities = Vec::new();
        let mut seen = HashSet::new();
        for (i, e) in self.priorities.iter().enumerate() {
            let place = format!("priority #{} ({})", i + 1, e.code);
            let short = p.text(&place, "short", &e.short_en, &e.short_km, MAX_SHORT_CHARS);
            let title = p.text(&place, "title", &e.title_en, &e.title_km, MAX_TITLE_CHARS);
            match PriorityCode::parse(&e.code) {
                Ok(code) if !seen.insert(code.clone()) => p.add(&place, "code is used twice"),
                Ok(code) => priorities.push(Priority { code, short, title }),
                Err(e) => p.add(&place, e),
            }
        }

        let mut activities = Vec::new();
        let mut seen = HashSet::new();
        for (i, e) in self.activities.iter().enumerate() {
            let place = format!("activity #{} ({})", i + 1, e.code);
            let title = p.text(&place, "title", &e.title_en, &e.title_km, MAX_TITLE_CHARS);
            let description = p.text(&place, "desc", &e.desc_en, &e.desc_km, MAX_DESC_CHARS);
            let lead = p.text(&place, "lead", &e.lead_en, &e.lead_km, MAX_LEAD_CHARS);
            let timeframe = Timeframe::parse(&e.timeframe).map_err(|m| p.add(&place, m));
            let priority = match PriorityCode::parse(&e.priority) {
                Ok(code) if priorities.iter().any(|x: &Priority| x.code == code) => Ok(code),
                Ok(code) => {
                    p.add(
                        &place,
                        format!("priority `{code}` is not defined in this file"),
                    );
                    Err(())
                }
                Err(m) => {
                    p.add(&place, m);
                    Err(())
                }
            };
            let code = match ActivityCode::parse(&e.code) {
                Ok(code) if !seen.insert(code.clone()) => {
                    p.add(&place, "code is used twice");
                    Err(())
                }
                Ok(code) => Ok(code),
                Err(m) => {
                    p.add(&place, m);
                    Err(())
                }
            };
            if let (Ok(code), Ok(priority), Ok(timeframe)) = (code, priority, timeframe) {
                activities.push(Activity {
                    code,
                    priority,
                    title,
                    description,
                    lead,
                    timeframe,
                });
            }
        }
        if !p.0.is_empty() {
            return Err(p.0);
        }
        // Members walk the plan priority by priority, whatever order the file lists activities in.
        activities.sort_by_key(|a| priorities.iter().position(|p| p.code == a.priority));
        Ok(Plan {
            version: 0,
            label: self.label.trim().to_string(),
            status,
            title,
            source: self.source.trim().to_string(),
            priorities,
            activities,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_plan_has_three_priorities_plus_cross_cutting_and_is_a_draft() {
        let plan = Plan::default_plan();
        let codes: Vec<_> = plan.priorities.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes, ["P1", "P2", "P3", "X"]);
        assert_eq!(plan.activities.len(), 15);
        assert!(plan.is_draft());
        assert!(plan
            .priorities
            .iter()
            .all(|p| plan.activities_of(&p.code).count() >= 2));
    }

    #[test]
    fn reports_every_problem_with_its_place() {
        let broken = r#"
label = "x"
status = "final"
title_en = "T"
title_km = "ផែនការ"
[[priority]]
code = "P1"
short_en = "S"
short_km = "ស"
title_en = "T"
title_km = ""
[[activity]]
code = "P1.1"
priority = "P9"
title_en = "A"
title_km = "Latin only"
desc_en = "D"
desc_km = "ព"
lead_en = "L"
lead_km = "ល"
timeframe = "2027Q1-2026Q1"
"#;
        let problems = Plan::from_toml(broken).unwrap_err();
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        for expected in [
            "status: `final` is neither",
            "priority #1 (P1): title_km is empty",
            "activity #1 (P1.1): title_km has no Khmer letters",
            "activity #1 (P1.1): timeframe `2027Q1-2026Q1` ends before it starts",
            "activity #1 (P1.1): priority `P9` is not defined",
        ] {
            assert!(
                text.iter().any(|t| t.starts_with(expected)),
                "missing {expected:?} in {text:#?}"
            );
        }
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let problems = Plan::from_toml("label = \"x\"\nstatus = \n").unwrap_err();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].place.starts_with("line 2"), "{:?}", problems[0]);
    }
}
