//! The short profile a member gives after consenting. Every field but the constituency
//! may stay empty: a member who skips still counts.

use serde::{Deserialize, Serialize};

use super::constituency::Constituency;
use super::reference;
use super::Org;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Gender {
    Female,
    Male,
    Other,
    Undisclosed,
}

impl Gender {
    pub const ALL: [Gender; 4] = [
        Gender::Female,
        Gender::Male,
        Gender::Other,
        Gender::Undisclosed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Gender::Female => "f",
            Gender::Male => "m",
            Gender::Other => "o",
            Gender::Undisclosed => "u",
        }
    }

    pub fn parse(s: &str) -> Option<Gender> {
        Gender::ALL.into_iter().find(|g| g.code() == s)
    }

    pub fn key(self) -> &'static str {
        match self {
            Gender::Female => "gender.female",
            Gender::Male => "gender.male",
            Gender::Other => "gender.other",
            Gender::Undisclosed => "gender.undisclosed",
        }
    }
}

/// One of Cambodia's 25 units (24 provinces and Phnom Penh), by its official code 1..=25.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Province(u8);

impl Province {
    pub fn new(code: u8) -> Option<Province> {
        (1..=reference::PROVINCES.len() as u8)
            .contains(&code)
            .then_some(Province(code))
    }

    pub fn code(self) -> u8 {
        self.0
    }

    pub fn names(self) -> &'static reference::Named {
        &reference::PROVINCES[self.0 as usize - 1]
    }

    /// Provinces in the order a picker shows them: the capital first, then in the reader's
    /// alphabetical order (Khmer names in the order of the Khmer alphabet, which Unicode
    /// follows: consonants ក to អ, then the independent vowels).
    pub fn picker_order(lang: super::Lang) -> Vec<Province> {
        let mut all: Vec<Province> = (1..=reference::PROVINCES.len() as u8)
            .map(Province)
            .collect();
        all.sort_by_cached_key(|p| {
            let name = match lang {
                super::Lang::Km => p.names().km,
                super::Lang::En => p.names().en,
            };
            // ◌្ដ and ◌្ត are written interchangeably: sort them alike.
            (
                p.0 != reference::PHNOM_PENH,
                name.replace('\u{178A}', "\u{178F}"),
            )
        });
        all
    }
}

impl TryFrom<u8> for Province {
    type Error = String;
    fn try_from(v: u8) -> Result<Self, String> {
        Province::new(v).ok_or_else(|| format!("no province has code {v}"))
    }
}

impl From<Province> for u8 {
    fn from(p: Province) -> u8 {
        p.0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sector {
    Garment,
    Construction,
    Tourism,
    Agriculture,
    Transport,
    Informal,
    Public,
    Other,
}

impl Sector {
    pub const ALL: [Sector; 8] = [
        Sector::Garment,
        Sector::Construction,
        Sector::Tourism,
        Sector::Agriculture,
        Sector::Transport,
        Sector::Informal,
        Sector::Public,
        Sector::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Sector::Garment => "gft",
            Sector::Construction => "con",
            Sector::Tourism => "tou",
            Sector::Agriculture => "agr",
            Sector::Transport => "tra",
            Sector::Informal => "inf",
            Sector::Public => "pub",
            Sector::Other => "oth",
        }
    }

    pub fn parse(s: &str) -> Option<Sector> {
        Sector::ALL.into_iter().find(|x| x.code() == s)
    }

    pub fn key(self) -> &'static str {
        match self {
            Sector::Garment => "sector.garment",
            Sector::Construction => "sector.construction",
            Sector::Tourism => "sector.tourism",
            Sector::Agriculture => "sector.agriculture",
            Sector::Transport => "sector.transport",
            Sector::Informal => "sector.informal",
            Sector::Public => "sector.public",
            Sector::Other => "sector.other",
        }
    }
}

/// The organisation a member belongs to: one the bot knows (built in or added by the
/// secretariat), or a name they typed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrgChoice {
    Known(Org),
    Named(String),
}

/// The longest organisation name a member may type; longer is surely not a name.
pub const MAX_ORG_NAME_CHARS: usize = 120;

impl OrgChoice {
    /// A typed name, trimmed; `None` when empty or too long to be a name.
    pub fn named(raw: &str) -> Option<OrgChoice> {
        let name = raw.trim();
        (!name.is_empty() && name.chars().count() <= MAX_ORG_NAME_CHARS && !name.starts_with('/'))
            .then(|| OrgChoice::Named(name.to_string()))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub constituency: Option<Constituency>,
    pub organisation: Option<OrgChoice>,
    pub province: Option<Province>,
    pub sector: Option<Sector>,
    pub gender: Option<Gender>,
}

/// One answer of the profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProfileField {
    Constituency(Constituency),
    Organisation(OrgChoice),
    Province(Province),
    Sector(Sector),
    Gender(Gender),
}

impl Profile {
    pub fn is_empty(&self) -> bool {
        *self == Profile::default()
    }

    /// The profile with `field` answered, as the store writes it: another side's listed
    /// organisation no longer fits once the constituency changes.
    pub fn apply(&mut self, field: &ProfileField) {
        match field {
            ProfileField::Constituency(c) => {
                if self.constituency != Some(*c)
                    && matches!(self.organisation, Some(OrgChoice::Known(_)))
                {
                    self.organisation = None;
                }
                self.constituency = Some(*c);
            }
            ProfileField::Organisation(o) => self.organisation = Some(o.clone()),
            ProfileField::Province(v) => self.province = Some(*v),
            ProfileField::Sector(v) => self.sector = Some(*v),
            ProfileField::Gender(v) => self.gender = Some(*v),
        }
    }

    /// The answers given, in the order they are asked.
    pub fn fields(&self) -> Vec<ProfileField> {
        [
            self.constituency.map(ProfileField::Constituency),
            self.organisation.clone().map(ProfileField::Organisation),
            self.province.map(ProfileField::Province),
            self.sector.map(ProfileField::Sector),
            self.gender.map(ProfileField::Gender),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for c in Constituency::ALL {
            assert_eq!(Constituency::parse(c.code()), Some(c));
            assert_eq!(Constituency::from_word(c.word()), Some(c));
        }
        for g in Gender::ALL {
            assert_eq!(Gender::parse(g.code()), Some(g));
        }
        for s in Sector::ALL {
            assert_eq!(Sector::parse(s.code()), Some(s));
        }
    }

    #[test]
    fn twenty_five_provinces_phnom_penh_first() {
        for lang in super::super::Lang::ALL {
            let order = Province::picker_order(lang);
            assert_eq!(order.len(), 25);
            assert_eq!(order[0].names().en, "Phnom Penh");
        }
        assert!(Province::new(0).is_none() && Province::new(26).is_none());
    }
}
