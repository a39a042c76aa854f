//! An organisation a member can belong to: one of the reference list, or one the secretariat
//! added (`dwcp-feedback org add`). Both are the same value once loaded.

use super::reference;
use super::{Constituency, Lang};

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Org {
    /// Stable code, stored on the member's profile (see [`super::audience::is_org_code`]).
    pub code: String,
    /// How members know it (the code, for organisations the secretariat added).
    pub abbr: String,
    pub name_en: String,
    pub name_km: String,
    pub constituency: Constituency,
    /// Added with `org add` rather than built in.
    pub added: bool,
}

impl Org {
    pub fn built_in(o: &reference::Organisation) -> Org {
        Org {
            code: o.code.into(),
            abbr: o.abbr.into(),
            name_en: o.en.into(),
            name_km: o.km.into(),
            constituency: o.constituency,
            added: false,
        }
    }

    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Km => &self.name_km,
            Lang::En => &self.name_en,
        }
    }

    /// The name in `lang` with the abbreviation after it: "សហភាពការងារកម្ពុជា (CLC)". Members
    /// read the name; the abbreviation is how many also know it.
    pub fn label(&self, lang: Lang) -> String {
        let name = self.name(lang);
        if name == self.abbr {
            name.to_string()
        } else if let Some(head) = name.strip_suffix(')') {
            // "បេឡាជាតិរបបសន្តិសុខសង្គម (ប.ស.ស.)" → "… (ប.ស.ស., NSSF)": one pair of brackets.
            format!("{head}, {})", self.abbr)
        } else {
            format!("{name} ({})", self.abbr)
        }
    }

    /// The organisations a member of `constituency` picks from: the reference list's, then
    /// those of `added` on the same side.
    pub fn picker(constituency: Constituency, added: &[Org]) -> Vec<Org> {
        reference::organisations_of(constituency)
            .into_iter()
            .map(Org::built_in)
            .chain(
                added
                    .iter()
                    .filter(|o| o.constituency == constituency)
                    .cloned(),
            )
            .collect()
    }

    /// The organisation with this code: built in (in any case), else one of `added`.
    pub fn find(code: &str, added: &[Org]) -> Option<Org> {
        reference::organisation_any_case(code)
            .map(Org::built_in)
            .or_else(|| {
                added
                    .iter()
                    .find(|o| o.code.eq_ignore_ascii_case(code))
                    .cloned()
            })
    }

    /// Every organisation's code: the reference list's, then those the secretariat added.
    pub fn codes(added: &[Org]) -> Vec<String> {
        reference::ORGANISATIONS
            .iter()
            .map(|o| o.code.to_string())
            .chain(added.iter().map(|o| o.code.clone()))
            .collect()
    }
}

/// A secretariat admin as the conversation sees them: who, and whether the deployment's
/// environment (`DWCP_ADMINS`) makes them one, which only the deployer can undo.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdminRole {
    pub user_id: i64,
    pub from_environment: bool,
}

/// A focal point: who, for which organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FocalPoint {
    pub org_code: String,
    pub member_id: i64,
    /// As Telegram shows it, once they have opened the bot and agreed.
    pub first_name: Option<String>,
    /// They have written to the bot at least once (else Telegram gives it no chat with them).
    pub opened: bool,
}

/// The staff roles of a private chat's person, as the store says now: their command menu
/// follows them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Roles {
    pub admin: bool,
    pub coordinator: bool,
}
