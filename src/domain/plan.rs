//! The work plan members rate: priorities, then activities under each, both languages.
//! Every file format (`plan_io`) is read into a `PlanDraft`; `PlanDraft::validate` turns it
//! into a `Plan`, what the rest of the program reads, valid by construction.

use std::collections::HashSet;

use super::plan_problem::{Place, PlanProblem, ProblemKind};
use super::{ActivityCode, Lang, PriorityCode, Timeframe};

/// Titles must fit on a phone screen and inside one Telegram message with room to spare.
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_SHORT_CHARS: usize = 60;
pub const MAX_DESC_CHARS: usize = 1500;
pub const MAX_LEAD_CHARS: usize = 300;
/// Plan files larger than this are refused before parsing (the draft plan is ~20 KB).
pub const MAX_PLAN_FILE_BYTES: usize = 2 * 1024 * 1024;
/// The priorities screen shows one button per priority, all at once: a DWCP has three or four,
/// plus tripartite management.
pub const MAX_PRIORITIES: usize = 12;
/// A two-year work plan has a few dozen activities; this leaves room for any real one while
/// keeping every check, screen and export of the plan small.
pub const MAX_ACTIVITIES: usize = 300;

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
}

/// A value read from a plan file, with where it was, so a problem can point at it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Located {
    pub value: String,
    pub place: Option<Place>,
}

impl Located {
    pub fn new(value: impl Into<String>, place: Place) -> Located {
        Located {
            value: value.into(),
            place: Some(place),
        }
    }
}

/// A plan as a file says it, before any check: what every file format is read into.
#[derive(Clone, Debug, Default)]
pub struct PlanDraft {
    pub label: Located,
    pub status: Located,
    pub title_en: Located,
    pub title_km: Located,
    pub source: Located,
    pub priorities: Vec<PriorityDraft>,
    pub activities: Vec<ActivityDraft>,
}

#[derive(Clone, Debug, Default)]
pub struct PriorityDraft {
    pub place: Option<Place>,
    pub code: Located,
    pub short_en: Located,
    pub short_km: Located,
    pub title_en: Located,
    pub title_km: Located,
}

#[derive(Clone, Debug, Default)]
pub struct ActivityDraft {
    pub place: Option<Place>,
    pub code: Located,
    pub priority: Located,
    pub title_en: Located,
    pub title_km: Located,
    pub desc_en: Located,
    pub desc_km: Located,
    pub lead_en: Located,
    pub lead_km: Located,
    pub timeframe: Located,
}

/// Collects every problem instead of stopping at the first, so one import attempt shows them all.
#[derive(Default)]
struct Problems(Vec<PlanProblem>);

impl Problems {
    fn add(&mut self, place: &Option<Place>, field: Option<&str>, kind: ProblemKind) {
        self.0.push(PlanProblem::new(
            place.clone().unwrap_or(Place::File),
            field,
            kind,
        ));
    }

    /// `field` is the English-side name without its suffix (`title`), as in every format.
    /// Refuses a value that holds a control character (but tab and newline) or a
    /// bidirectional override.
    fn visible(&mut self, value: &Located, name: &str) {
        if let Some(c) = super::text::hidden_control(&value.value) {
            self.add(
                &value.place,
                Some(name),
                ProblemKind::HiddenControl(u32::from(c)),
            );
        }
    }

    fn text(&mut self, prefix: &str, field: &str, en: &Located, km: &Located, max: usize) -> Text {
        for (suffix, value) in [("en", en), ("km", km)] {
            let name = format!("{prefix}{field}_{suffix}");
            self.visible(value, &name);
            let n = value.value.trim().chars().count();
            if n == 0 {
                self.add(&value.place, Some(&name), ProblemKind::Empty);
            } else if n > max {
                self.add(
                    &value.place,
                    Some(&name),
                    ProblemKind::TooLong { chars: n, max },
                );
            }
        }
        let km_text = km.value.trim();
        if !km_text.is_empty() && !super::lang::has_khmer(km_text) {
            self.add(
                &km.place,
                Some(&format!("{prefix}{field}_km")),
                ProblemKind::NoKhmer,
            );
        }
        Text {
            en: en.value.trim().to_string(),
            km: km_text.to_string(),
        }
    }
}

impl PlanDraft {
    /// Every check a plan must pass before members see it; all problems at once.
    /// `table`: fields are named as the sheet's columns (`plan_title_en`, `priority_short_en`).
    pub fn validate(self, table: bool) -> Result<Plan, Vec<PlanProblem>> {
        let (plan_prefix, priority_prefix) = if table {
            ("plan_", "priority_")
        } else {
            ("", "")
        };
        let mut p = Problems::default();
        // Counted before anything else: a file of 100,000 activities is refused at once, not
        // after checking each of them.
        if self.priorities.len() > MAX_PRIORITIES {
            p.add(
                &None,
                None,
                ProblemKind::TooManyPriorities {
                    count: self.priorities.len(),
                    max: MAX_PRIORITIES,
                },
            );
        }
        if self.activities.len() > MAX_ACTIVITIES {
            p.add(
                &None,
                None,
                ProblemKind::TooManyActivities {
                    count: self.activities.len(),
                    max: MAX_ACTIVITIES,
                },
            );
        }
        if !p.0.is_empty() {
            return Err(p.0);
        }
        p.visible(&self.label, &format!("{plan_prefix}label"));
        p.visible(&self.source, &format!("{plan_prefix}source"));
        let status = PlanStatus::parse(self.status.value.trim()).unwrap_or_else(|| {
            p.add(
                &self.status.place,
                Some(&format!("{plan_prefix}status")),
                ProblemKind::BadStatus(self.status.value.clone()),
            );
            PlanStatus::Draft
        });
        let title = p.text(
            plan_prefix,
            "title",
            &self.title_en,
            &self.title_km,
            MAX_TITLE_CHARS,
        );
        if self.priorities.is_empty() {
            p.add(&None, None, ProblemKind::NoPriorities);
        }
        if self.activities.is_empty() {
            p.add(&None, None, ProblemKind::NoActivities);
        }

        let mut priorities = Vec::new();
        let mut seen = HashSet::new();
        for e in &self.priorities {
            let pre = priority_prefix;
            let short = p.text(pre, "short", &e.short_en, &e.short_km, MAX_SHORT_CHARS);
            let title = p.text(pre, "title", &e.title_en, &e.title_km, MAX_TITLE_CHARS);
            let field = if pre.is_empty() { "code" } else { "priority" };
            match PriorityCode::parse(&e.code.value) {
                Ok(code) if !seen.insert(code.clone()) => p.add(
                    &e.code.place,
                    Some(field),
                    ProblemKind::CodeTwice(code.to_string()),
                ),
                Ok(code) => priorities.push(Priority { code, short, title }),
                Err(_) => p.add(
                    &e.code.place,
                    Some(field),
                    ProblemKind::BadCode(e.code.value.clone()),
                ),
            }
        }

        let mut activities = Vec::new();
        let mut seen = HashSet::new();
        for e in &self.activities {
            let title = p.text("", "title", &e.title_en, &e.title_km, MAX_TITLE_CHARS);
            let description = p.text("", "desc", &e.desc_en, &e.desc_km, MAX_DESC_CHARS);
            let lead = p.text("", "lead", &e.lead_en, &e.lead_km, MAX_LEAD_CHARS);
            let timeframe = Timeframe::parse(e.timeframe.value.trim()).map_err(|_| {
                p.add(
                    &e.timeframe.place,
                    Some("timeframe"),
                    ProblemKind::BadTimeframe(e.timeframe.value.clone()),
                )
            });
            let priority = match PriorityCode::parse(&e.priority.value) {
                Ok(code) if priorities.iter().any(|x: &Priority| x.code == code) => Ok(code),
                // A priority whose own entry was faulty is reported there, not again here.
                Ok(code)
                    if self
                        .priorities
                        .iter()
                        .any(|x| x.code.value.trim() == code.as_str()) =>
                {
                    Err(())
                }
                Ok(code) => {
                    p.add(
                        &e.priority.place,
                        Some("priority"),
                        ProblemKind::UndefinedPriority(code.to_string()),
                    );
                    Err(())
                }
                Err(_) => {
                    p.add(
                        &e.priority.place,
                        Some("priority"),
                        ProblemKind::BadCode(e.priority.value.clone()),
                    );
                    Err(())
                }
            };
            let code = match ActivityCode::parse(&e.code.value) {
                Ok(code) if !seen.insert(code.clone()) => {
                    p.add(
                        &e.code.place,
                        Some("code"),
                        ProblemKind::CodeTwice(code.to_string()),
                    );
                    Err(())
                }
                Ok(code) => Ok(code),
                Err(_) => {
                    p.add(
                        &e.code.place,
                        Some("code"),
                        ProblemKind::BadCode(e.code.value.clone()),
                    );
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
            // In file order, so the list reads top to bottom like the file.
            p.0.sort_by_key(|x| match x.place {
                Place::File => 0,
                Place::Line(n) | Place::Row(n) => n,
            });
            return Err(p.0);
        }
        // Members walk the plan priority by priority, whatever order the file lists activities in.
        activities.sort_by_key(|a| priorities.iter().position(|p| p.code == a.priority));
        Ok(Plan {
            version: 0,
            label: self.label.value.trim().to_string(),
            status,
            title,
            source: self.source.value.trim().to_string(),
            priorities,
            activities,
        })
    }
}

/// What importing a plan did: the version it became, its activities, and the ratings carried
/// over from the version before.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Imported {
    pub version: i64,
    pub activities: usize,
    pub carried: u64,
    /// The file held the active plan as it is: nothing was changed, no version was made.
    pub unchanged: bool,
}
