//! Reference lists from `shared/reference/dwcp-cambodia.md` (§3.3 provinces, §4 organisations).
//! Organisations without an attested Khmer name keep their usual abbreviation in Khmer too.

use super::constituency::Constituency;

#[derive(Debug, PartialEq, Eq)]
pub struct Named {
    pub en: &'static str,
    pub km: &'static str,
}

/// Code 12, the capital, which pickers show first.
pub const PHNOM_PENH: u8 = 12;

/// Index `code - 1` holds the unit with the official code `code` (ISO 3166-2:KH).
pub const PROVINCES: [Named; 25] = [
    Named {
        en: "Banteay Meanchey",
        km: "បន្ទាយមានជ័យ",
    },
    Named {
        en: "Battambang",
        km: "បាត់ដំបង",
    },
    Named {
        en: "Kampong Cham",
        km: "កំពង់ចាម",
    },
    Named {
        en: "Kampong Chhnang",
        km: "កំពង់ឆ្នាំង",
    },
    Named {
        en: "Kampong Speu",
        km: "កំពង់ស្ពឺ",
    },
    Named {
        en: "Kampong Thom",
        km: "កំពង់ធំ",
    },
    Named {
        en: "Kampot",
        km: "កំពត",
    },
    Named {
        en: "Kandal",
        km: "កណ្ដាល",
    },
    Named {
        en: "Koh Kong",
        km: "កោះកុង",
    },
    Named {
        en: "Kratie",
        km: "ក្រចេះ",
    },
    Named {
        en: "Mondulkiri",
        km: "មណ្ឌលគិរី",
    },
    Named {
        en: "Phnom Penh",
        km: "ភ្នំពេញ",
    },
    Named {
        en: "Preah Vihear",
        km: "ព្រះវិហារ",
    },
    Named {
        en: "Prey Veng",
        km: "ព្រៃវែង",
    },
    Named {
        en: "Pursat",
        km: "ពោធិ៍សាត់",
    },
    Named {
        en: "Ratanakiri",
        km: "រតនគិរី",
    },
    Named {
        en: "Siem Reap",
        km: "សៀមរាប",
    },
    Named {
        en: "Preah Sihanouk",
        km: "ព្រះសីហនុ",
    },
    Named {
        en: "Stung Treng",
        km: "ស្ទឹងត្រែង",
    },
    Named {
        en: "Svay Rieng",
        km: "ស្វាយរៀង",
    },
    Named {
        en: "Takeo",
        km: "តាកែវ",
    },
    Named {
        en: "Oddar Meanchey",
        km: "ឧត្ដរមានជ័យ",
    },
    Named {
        en: "Kep",
        km: "កែប",
    },
    Named {
        en: "Pailin",
        km: "ប៉ៃលិន",
    },
    Named {
        en: "Tboung Khmum",
        km: "ត្បូងឃ្មុំ",
    },
];

#[derive(Debug, PartialEq, Eq)]
pub struct Organisation {
    /// Stable code (the usual abbreviation, made unique), stored on the member's profile.
    pub code: &'static str,
    pub abbr: &'static str,
    pub en: &'static str,
    pub km: &'static str,
    pub constituency: Constituency,
}

macro_rules! org {
    ($code:literal, $abbr:literal, $en:literal, $km:literal, $c:ident) => {
        Organisation {
            code: $code,
            abbr: $abbr,
            en: $en,
            km: $km,
            constituency: Constituency::$c,
        }
    };
}

pub const ORGANISATIONS: &[Organisation] = &[
    // Workers' organisations
    org!(
        "CLC",
        "CLC",
        "Cambodian Labour Confederation",
        "សហភាពការងារកម្ពុជា",
        Workers
    ),
    // Khmer name: a translation of the English one; no published Khmer name found (verify).
    org!(
        "CCAWDU",
        "C.CAWDU",
        "Coalition of Cambodian Apparel Workers' Democratic Union",
        "សម្ព័ន្ធសហជីពប្រជាធិបតេយ្យកម្មករកាត់ដេរកម្ពុជា",
        Workers
    ),
    org!(
        "BWTUC",
        "BWTUC",
        "Building and Wood Workers Trade Union Federation of Cambodia",
        "សហព័ន្ធសហជីពកម្មករសំណង់ និងព្រៃឈើកម្ពុជា",
        Workers
    ),
    // Khmer name: a translation of the English one; no published Khmer name found (verify).
    org!(
        "CTSWF",
        "CTSWF",
        "Cambodian Tourism and Service Workers Federation",
        "សហព័ន្ធកម្មករទេសចរណ៍ និងសេវាកម្មកម្ពុជា",
        Workers
    ),
    // Khmer name: a translation of the English one; no published Khmer name found (verify).
    org!(
        "CTWF",
        "CTWF",
        "Cambodian Transport Workers Federation",
        "សហព័ន្ធកម្មករដឹកជញ្ជូនកម្ពុជា",
        Workers
    ),
    // Khmer name: a translation of the English one; no published Khmer name found (verify).
    org!(
        "CIWA",
        "CIWA",
        "Cambodian Informal Economy Workers Association",
        "សមាគមកម្មករសេដ្ឋកិច្ចក្រៅប្រព័ន្ធកម្ពុជា",
        Workers
    ),
    // Khmer name: a translation of the English one; no published Khmer name found (verify).
    org!(
        "CCU",
        "CCU",
        "Cambodian Confederation of Unions",
        "សហភាពសហជីពកម្ពុជា",
        Workers
    ),
    org!(
        "FTUWKC",
        "FTUWKC",
        "Free Trade Union of Workers of the Kingdom of Cambodia",
        "សហជីពសេរីកម្មករនៃព្រះរាជាណាចក្រកម្ពុជា",
        Workers
    ),
    // Khmer name: a translation of the English one; no published Khmer name found (verify).
    org!(
        "CITA",
        "CITA",
        "Cambodian Independent Teachers' Association",
        "សមាគមគ្រូបង្រៀនឯករាជ្យកម្ពុជា",
        Workers
    ),
    // Khmer name: a translation of the English one; no published Khmer name found (verify).
    org!(
        "NACC",
        "NACC",
        "National Union Alliance Chamber of Cambodia",
        "សភាសម្ព័ន្ធសហជីពជាតិកម្ពុជា",
        Workers
    ),
    // Khmer name: a translation of the English one; no published Khmer name found (verify).
    org!(
        "CCSC",
        "CCC",
        "Cambodian Cross Sector Confederation",
        "សហភាពសហជីពឆ្លងវិស័យកម្ពុជា",
        Workers
    ),
    // Khmer name: a translation of the English one; no published Khmer name found (verify).
    org!(
        "NTUC",
        "NTUC",
        "National Trade Union Confederation",
        "សហភាពសហជីពជាតិ",
        Workers
    ),
    // Employers' organisations
    org!(
        "CAMFEBA",
        "CAMFEBA",
        "Cambodian Federation of Employers and Business Associations",
        "សហព័ន្ធនិយោជក និងសមាគមពាណិជ្ជកម្មកម្ពុជា",
        Employers
    ),
    // Khmer name as the reference gives it, marked there (verify).
    org!(
        "TAFTAC",
        "TAFTAC",
        "Textile, Apparel, Footwear and Travel Goods Association in Cambodia",
        "សមាគមវាយនភណ្ឌ សម្លៀកបំពាក់ ស្បែកជើង និងទំនិញធ្វើដំណើរនៅកម្ពុជា",
        Employers
    ),
    org!(
        "CCCOM",
        "CCC",
        "Cambodia Chamber of Commerce",
        "សភាពាណិជ្ជកម្មកម្ពុជា",
        Employers
    ),
    // Khmer name as the reference gives it, marked there (verify).
    org!(
        "FASMEC",
        "FASMEC",
        "Federation of Associations for Small and Medium Enterprises of Cambodia",
        "សហព័ន្ធសមាគមសហគ្រាសធុនតូច និងមធ្យមកម្ពុជា",
        Employers
    ),
    // Government
    org!(
        "MLVT",
        "MLVT",
        "Ministry of Labour and Vocational Training",
        "ក្រសួងការងារ និងបណ្តុះបណ្តាលវិជ្ជាជីវៈ",
        Government
    ),
    org!(
        "NSSF",
        "NSSF",
        "National Social Security Fund",
        "បេឡាជាតិរបបសន្តិសុខសង្គម (ប.ស.ស.)",
        Government
    ),
    org!(
        "NEA",
        "NEA",
        "National Employment Agency",
        "ទីភ្នាក់ងារជាតិមុខរបរ និងការងារ",
        Government
    ),
    org!(
        "NSPC",
        "NSPC",
        "National Social Protection Council",
        "ក្រុមប្រឹក្សាជាតិគាំពារសង្គម",
        Government
    ),
    org!(
        "NSAF",
        "NSAF",
        "National Social Assistance Fund",
        "មូលនិធិជាតិជំនួយសង្គម",
        Government
    ),
    org!(
        "MEF",
        "MEF",
        "Ministry of Economy and Finance",
        "ក្រសួងសេដ្ឋកិច្ច និងហិរញ្ញវត្ថុ",
        Government
    ),
    org!(
        "MOT",
        "MoT",
        "Ministry of Tourism",
        "ក្រសួងទេសចរណ៍",
        Government
    ),
    org!(
        "MOC",
        "MoC",
        "Ministry of Commerce",
        "ក្រសួងពាណិជ្ជកម្ម",
        Government
    ),
    org!(
        "MOP",
        "MoP",
        "Ministry of Planning",
        "ក្រសួងផែនការ",
        Government
    ),
    org!(
        "MOWA",
        "MoWA",
        "Ministry of Women's Affairs",
        "ក្រសួងកិច្ចការនារី",
        Government
    ),
    org!(
        "MOSVY",
        "MoSVY",
        "Ministry of Social Affairs, Veterans and Youth Rehabilitation",
        "ក្រសួងសង្គមកិច្ច អតីតយុទ្ធជន និងយុវនីតិសម្បទា",
        Government
    ),
    org!(
        "NTB",
        "NTB",
        "National Training Board",
        "គណៈកម្មាធិការជាតិបណ្តុះបណ្តាល",
        Government
    ),
    // Tripartite bodies and others
    org!("AC", "AC", "Arbitration Council", "ក្រុមប្រឹក្សាអាជ្ញាកណ្តាល", Other),
    org!(
        "NCMW",
        "NCMW",
        "National Council on Minimum Wage",
        "ក្រុមប្រឹក្សាជាតិប្រាក់ឈ្នួលអប្បបរមា",
        Other
    ),
    org!(
        "LAC",
        "LAC",
        "Labour Advisory Committee",
        "គណៈកម្មាធិការប្រឹក្សាការងារ",
        Other
    ),
    org!(
        "ILO",
        "ILO",
        "International Labour Organization",
        "អង្គការអន្តរជាតិខាងការងារ",
        Other
    ),
    org!(
        "BFC",
        "BFC",
        "Better Factories Cambodia",
        "កម្មវិធីរោងចក្រកាន់តែប្រសើរនៅកម្ពុជា",
        Other
    ),
];

pub fn organisation(code: &str) -> Option<&'static Organisation> {
    ORGANISATIONS.iter().find(|o| o.code == code)
}

/// A built-in organisation by its code typed in any case (`ccawdu`), as admins type them.
pub fn organisation_any_case(code: &str) -> Option<&'static Organisation> {
    ORGANISATIONS
        .iter()
        .find(|o| o.code.eq_ignore_ascii_case(code))
}

pub fn organisations_of(constituency: Constituency) -> Vec<&'static Organisation> {
    ORGANISATIONS
        .iter()
        .filter(|o| o.constituency == constituency)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organisation_codes_are_unique_and_callback_safe() {
        for (i, o) in ORGANISATIONS.iter().enumerate() {
            assert!(
                o.code.len() <= 12 && o.code.chars().all(|c| c.is_ascii_alphanumeric()),
                "{}",
                o.code
            );
            assert!(
                ORGANISATIONS[i + 1..].iter().all(|p| p.code != o.code),
                "duplicate {}",
                o.code
            );
        }
        for c in Constituency::ALL {
            assert!(!organisations_of(c).is_empty());
        }
    }
}
