//! The member's profile questions as data: their buttons (with their encoding in callback
//! data) and their screens. `flow::profile` handles them and `render::profile` draws them; a
//! new profile button is a variant here, its handling there, and its texts.

use super::state::ProfileStep;
use crate::domain::{Constituency, Gender, Province, Sector};

/// The profile questions' buttons.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProfileCallback {
    Constituency(Constituency),
    OrgPage(u8),
    Org(String),
    ProvincePage(u8),
    Province(Province),
    Sector(Sector),
    Gender(Gender),
    /// Leave this question empty and ask the next.
    SkipStep,
    /// Leave every remaining question empty.
    SkipRest,
    /// From the settings: answer the questions again.
    Edit,
    /// From the settings: change this one answer.
    EditField(ProfileStep),
    /// Leave an edit from the settings; the profile stays as it was.
    Cancel,
}

impl ProfileCallback {
    pub fn encode(&self) -> String {
        use ProfileCallback::*;
        match self {
            Constituency(c) => format!("k:{}", c.code()),
            OrgPage(p) => format!("op:{p}"),
            Org(code) => format!("o:{code}"),
            ProvincePage(p) => format!("pp:{p}"),
            Province(p) => format!("pv:{}", p.code()),
            Sector(s) => format!("s:{}", s.code()),
            Gender(g) => format!("g:{}", g.code()),
            SkipStep => "sk".into(),
            SkipRest => "sr".into(),
            Edit => "ep".into(),
            EditField(step) => format!("ef:{}", step.code()),
            Cancel => "px".into(),
        }
    }

    /// Tags not of this sub-flow are `None` (the top-level `Callback::decode` tries the next).
    pub fn decode(tag: &str, fields: &[&str]) -> Option<ProfileCallback> {
        use super::field::page;
        use ProfileCallback as C;
        Some(match (tag, fields) {
            ("k", [c]) => C::Constituency(crate::domain::Constituency::parse(c)?),
            ("op", [p]) => C::OrgPage(page(p)?),
            // Only the shape is checked here; the step looks the code up among the organisations.
            ("o", [code]) if crate::domain::audience::is_org_code(code) => C::Org(code.to_string()),
            ("pp", [p]) => C::ProvincePage(page(p)?),
            ("pv", [p]) => C::Province(
                crate::domain::Province::new(p.parse().ok()?)
                    .filter(|x| x.code().to_string() == *p)?,
            ),
            ("s", [s]) => C::Sector(crate::domain::Sector::parse(s)?),
            ("g", [g]) => C::Gender(crate::domain::Gender::parse(g)?),
            ("sk", []) => C::SkipStep,
            ("sr", []) => C::SkipRest,
            ("ep", []) => C::Edit,
            ("ef", [step]) => C::EditField(ProfileStep::parse(step)?),
            ("px", []) => C::Cancel,
            _ => return None,
        })
    }
}

/// The profile questions, one screen each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProfileScreen {
    AskConstituency,
    AskOrganisation {
        constituency: Constituency,
        page: u8,
        pages: u8,
        /// This page's organisations: the reference list's and the secretariat's additions.
        items: Vec<crate::domain::Org>,
    },
    AskProvince {
        page: u8,
    },
    AskSector,
    AskGender,
}
