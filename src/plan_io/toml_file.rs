//! The documented TOML plan format (`plans/dwcp-2026-2027-draft.toml`), with the line of every
//! value kept so that each problem names its line.

use serde::Deserialize;
use toml::Spanned;

use crate::domain::plan::{ActivityDraft, Located, PlanDraft, PriorityDraft};
use crate::domain::plan_problem::{Place, PlanProblem, ProblemKind};
use crate::domain::Plan;

type Field = Option<Spanned<String>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanFile {
    label: Field,
    status: Field,
    title_en: Field,
    title_km: Field,
    #[serde(default)]
    source: Field,
    #[serde(rename = "priority", default)]
    priorities: Vec<Spanned<PriorityEntry>>,
    #[serde(rename = "activity", default)]
    activities: Vec<Spanned<ActivityEntry>>,
}

// Missing fields default to empty, so validation reports them in the admin's language
// ("title_km is empty") instead of the parser's English.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PriorityEntry {
    #[serde(default)]
    code: Field,
    #[serde(default)]
    short_en: Field,
    #[serde(default)]
    short_km: Field,
    #[serde(default)]
    title_en: Field,
    #[serde(default)]
    title_km: Field,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActivityEntry {
    #[serde(default)]
    code: Field,
    #[serde(default)]
    priority: Field,
    #[serde(default)]
    title_en: Field,
    #[serde(default)]
    title_km: Field,
    #[serde(default)]
    desc_en: Field,
    #[serde(default)]
    desc_km: Field,
    #[serde(default)]
    lead_en: Field,
    #[serde(default)]
    lead_km: Field,
    #[serde(default)]
    timeframe: Field,
}

fn line_of(source: &str, offset: usize) -> usize {
    source[..offset.min(source.len())].lines().count()
        + usize::from(offset == 0 || source[..offset].ends_with('\n'))
}

/// Counts what the file declares before the parser sees it: the parser takes time that grows
/// with the square of the number of tables (100,000 activities in 1.3 MB took 101 s of CPU), so
/// a file declaring more than a plan may hold is refused at once.
fn too_many(source: &str) -> Vec<PlanProblem> {
    use crate::domain::plan::{MAX_ACTIVITIES, MAX_PRIORITIES};
    let (mut priorities, mut activities) = (0, 0);
    for line in source.lines() {
        let line = line.trim_start();
        if line.starts_with("[[") {
            let name = line.trim_start_matches('[').trim_start();
            if name.starts_with("priority") {
                priorities += 1;
            } else {
                activities += 1;
            }
        }
    }
    // Inline tables (`activity = [{…}, {…}]`) are tables too.
    let inline = source.bytes().filter(|b| *b == b'{').count();
    let mut problems = Vec::new();
    if priorities > MAX_PRIORITIES {
        let kind = ProblemKind::TooManyPriorities {
            count: priorities,
            max: MAX_PRIORITIES,
        };
        problems.push(PlanProblem::new(Place::File, None, kind));
    }
    let count = activities.max(inline);
    if count > MAX_ACTIVITIES + MAX_PRIORITIES {
        let kind = ProblemKind::TooManyActivities {
            count,
            max: MAX_ACTIVITIES,
        };
        problems.push(PlanProblem::new(Place::File, None, kind));
    }
    problems
}

pub fn from_toml(source: &str) -> Result<Plan, Vec<PlanProblem>> {
    let problems = too_many(source);
    if !problems.is_empty() {
        return Err(problems);
    }
    let file: PlanFile = toml::from_str(source).map_err(|e| {
        let place = e
            .span()
            .map_or(Place::File, |s| Place::Line(line_of(source, s.start)));
        vec![PlanProblem::new(
            place,
            None,
            ProblemKind::Syntax(e.message().to_string()),
        )]
    })?;
    let at = |offset: usize| Place::Line(line_of(source, offset));
    // A missing field is reported at the line of the table that lacks it.
    let loc = |f: Field, table: &Option<Place>| match f {
        Some(s) => Located::new(s.get_ref().clone(), at(s.span().start)),
        None => Located {
            value: String::new(),
            place: table.clone(),
        },
    };
    let top = Some(Place::Line(1));
    let draft = PlanDraft {
        label: loc(file.label, &top),
        status: loc(file.status, &top),
        title_en: loc(file.title_en, &top),
        title_km: loc(file.title_km, &top),
        source: loc(file.source, &top),
        priorities: file
            .priorities
            .into_iter()
            .map(|e| {
                let place = Some(at(e.span().start));
                let e = e.into_inner();
                PriorityDraft {
                    code: loc(e.code, &place),
                    short_en: loc(e.short_en, &place),
                    short_km: loc(e.short_km, &place),
                    title_en: loc(e.title_en, &place),
                    title_km: loc(e.title_km, &place),
                    place,
                }
            })
            .collect(),
        activities: file
            .activities
            .into_iter()
            .map(|e| {
                let place = Some(at(e.span().start));
                let e = e.into_inner();
                ActivityDraft {
                    code: loc(e.code, &place),
                    priority: loc(e.priority, &place),
                    title_en: loc(e.title_en, &place),
                    title_km: loc(e.title_km, &place),
                    desc_en: loc(e.desc_en, &place),
                    desc_km: loc(e.desc_km, &place),
                    lead_en: loc(e.lead_en, &place),
                    lead_km: loc(e.lead_km, &place),
                    timeframe: loc(e.timeframe, &place),
                    place,
                }
            })
            .collect(),
    };
    draft.validate(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Lang;
    use crate::messages::plan_problem;
    use crate::plan_io::default_plan;

    #[test]
    fn lines_are_counted_as_editors_show_them() {
        let s = "a\nb\n\nc";
        assert_eq!(line_of(s, 0), 1);
        assert_eq!(line_of(s, 2), 2);
        assert_eq!(line_of(s, 4), 3);
        assert_eq!(line_of(s, 5), 4);
    }

    #[test]
    fn default_plan_has_three_priorities_plus_cross_cutting_and_is_a_draft() {
        let plan = default_plan();
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
        let problems = from_toml(broken).unwrap_err();
        let text: Vec<String> = problems.iter().map(|p| plan_problem(p, Lang::En)).collect();
        for expected in [
            "line 3, status: “final” must be draft or validated",
            "line 11, title_km: is empty",
            "line 16, title_km: has no Khmer letters",
            "line 21, timeframe: “2027Q1-2026Q1” is not a span of quarters",
            "line 14, priority: the priority P9 is not defined",
        ] {
            assert!(
                text.iter().any(|t| t.starts_with(expected)),
                "missing {expected:?} in {text:#?}"
            );
        }
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let problems = from_toml("label = \"x\"\nstatus = \n").unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].place, Place::Line(2), "{:?}", problems[0]);
    }
}
