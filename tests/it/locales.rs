//! en.yml and km.yml stay on the same keys and placeholders, Khmer is Khmer, and every key
//! the code names exists.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn load(name: &str) -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("locales")
        .join(name);
    let yaml: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut out = Vec::new();
    flatten("", &yaml, &mut out);
    out.into_iter().collect()
}

fn flatten(prefix: &str, v: &serde_yaml::Value, out: &mut Vec<(String, String)>) {
    match v {
        serde_yaml::Value::Mapping(m) => {
            for (k, v) in m {
                let k = match k {
                    serde_yaml::Value::String(s) => s.clone(),
                    other => panic!("key {other:?} under {prefix} is not a string: quote it"),
                };
                let key = if prefix.is_empty() {
                    k
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        serde_yaml::Value::String(s) => out.push((prefix.to_string(), s.clone())),
        other => panic!("{prefix} is {other:?}, not text: quote it"),
    }
}

fn placeholders(s: &str) -> BTreeSet<String> {
    s.split("%{")
        .skip(1)
        .filter_map(|p| p.split_once('}'))
        .map(|(name, _)| name.trim().to_string())
        .collect()
}

#[test]
fn both_languages_have_the_same_keys_and_placeholders() {
    let (en, km) = (load("en.yml"), load("km.yml"));
    let en_keys: BTreeSet<_> = en.keys().collect();
    let km_keys: BTreeSet<_> = km.keys().collect();
    assert_eq!(
        en_keys.difference(&km_keys).collect::<Vec<_>>(),
        Vec::<&&String>::new(),
        "missing in km.yml"
    );
    assert_eq!(
        km_keys.difference(&en_keys).collect::<Vec<_>>(),
        Vec::<&&String>::new(),
        "missing in en.yml"
    );
    for (key, text) in &en {
        assert_eq!(
            placeholders(text),
            placeholders(&km[key]),
            "placeholders differ for {key}"
        );
    }
}

#[test]
fn khmer_texts_are_written_in_khmer() {
    let (en, km) = (load("en.yml"), load("km.yml"));
    for (key, text) in &km {
        let stripped: String = text
            .split("%{")
            .map(|p| p.split_once('}').map_or(p, |(_, rest)| rest))
            .collect();
        let has_latin_word = stripped
            .split(|c: char| !c.is_ascii_alphabetic())
            .any(|w| w.len() >= 3 && w != "DWCP" && w != "ILO");
        let has_khmer = stripped
            .chars()
            .any(|c| ('\u{1780}'..='\u{17FF}').contains(&c));
        assert!(
            has_khmer || !has_latin_word,
            "km.yml {key} is not Khmer: {text}"
        );
        if has_latin_word && text == &en[key] {
            panic!("km.yml {key} is a copy of the English");
        }
        // Khmer ends sentences with ។, not a full stop.
        assert!(
            !stripped.trim_end().ends_with('.'),
            "km.yml {key} ends with a Latin full stop"
        );
    }
}

#[test]
fn every_key_named_in_the_code_exists() {
    let en = load("en.yml");
    let sections: BTreeSet<&str> = en.keys().filter_map(|k| k.split('.').next()).collect();
    let mut missing = Vec::new();
    let mut named = 0;
    visit(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut |source| {
            for literal in source.split('"').skip(1).step_by(2) {
                let looks_like_key = literal.contains('.')
                    && literal.chars().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'
                    })
                    && sections.contains(literal.split('.').next().unwrap_or_default());
                if looks_like_key {
                    named += 1;
                    if !en.contains_key(literal) {
                        missing.push(literal.to_string());
                    }
                }
            }
        },
    );
    assert!(
        missing.is_empty(),
        "keys used in src/ but missing from locales: {missing:?}"
    );
    assert!(
        named > 80,
        "only {named} keys found in src/: is the scan still working?"
    );
}

fn visit(dir: &Path, f: &mut impl FnMut(&str)) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            visit(&path, f);
        } else if path.extension().is_some_and(|e| e == "rs") {
            f(&std::fs::read_to_string(&path).unwrap());
        }
    }
}

/// Terms `../shared/reference/khmer-style.md` says to avoid on members' screens, each with
/// what to write instead, and the continuations where the letters are fine (ស្ថាប័ន is right
/// for a ministry that leads an activity, វាយ is right in វាយតម្លៃ, "rate").
const AVOIDED_KHMER: &[(&str, &str, &[&str])] = &[
    ("ស្ថាប័ន", "អង្គការ for an organisation", &["ស្ថាប័នទទួលខុសត្រូវ"]),
    ("សារជាសំឡេង", "សារសំឡេង", &[]),
    ("វាយ", "សរសេរ (write a comment)", &["វាយតម្លៃ", "វាយនភណ្ឌ"]),
    ("សហភាពសហព័ន្ធសហជីព", "សហព័ន្ធសហជីព / សមាព័ន្ធសហជីព", &[]),
    ("ធ្វើបច្ចុប្បន្នភាព", "កែលម្អ", &[]),
    ("្ដ", "្ត (one spelling of the subscript ta)", &[]),
    (" ។", "no space before ។", &[]),
    (
        "ការងារសមរម្យ នៅកន្លែងធ្វើការ",
        "the card question in plain words",
        &[],
    ),
    ("សួររក", "ប្រមូលមតិយោបល់ពី", &[]),
    ("ផ្តល់សុពលភាព", "អនុម័តជាផ្លូវការ", &[]),
    ("បូតអានអក្សរ", "សូមចុចប៊ូតុង", &[]),
    ("លេខគណនី", "លេខសម្គាល់ (ID) តេឡេក្រាម", &[]),
    ("ឯកសារនាំចេញ", "របាយការណ៍ / ឯកសារ", &[]),
    ("ផ្សេងៗ", "ផ្សេងទៀត", &[]),
    ("បរិយាប័ន្ន", "សម្រាប់គ្រប់គ្នា", &[]),
    ("ភាគីត្រីភាគី", "ភាគីទាំងបី", &[]),
    ("តំណាងឱ្យភាគី", "តើអ្នកមកពីភាគីណា?", &[]),
    ("មន្ត្រីបង្គោល", "អ្នកសម្របសម្រួល (one term for a focal point)", &[]),
    ("មជ្ឈត្តការ", "អាជ្ញាកណ្តាល (one term for arbitration)", &[]),
];

/// Every place `avoided` occurs in `text` that none of `fine` covers.
fn uses(text: &str, avoided: &str, fine: &[&str]) -> bool {
    text.match_indices(avoided)
        .any(|(at, _)| !fine.iter().any(|f| text[at..].starts_with(f)))
}

#[test]
fn no_khmer_text_uses_a_term_the_style_guide_says_to_avoid() {
    let mut found = Vec::new();
    for (key, text) in load("km.yml") {
        for (avoided, instead, fine) in AVOIDED_KHMER {
            if uses(&text, avoided, fine) {
                found.push(format!("km.yml {key}: {avoided} (write {instead})"));
            }
        }
    }
    // The plan members read: titles, short titles, descriptions and leads. The priorities'
    // full titles are the plan's official wording and keep its register.
    let plan = dwcp_feedback::plan_io::default_plan();
    let mut plan_texts: Vec<(String, &str)> = plan
        .priorities
        .iter()
        .map(|p| (format!("{} short", p.code), p.short.km.as_str()))
        .collect();
    for a in &plan.activities {
        plan_texts.push((format!("{} title", a.code), a.title.km.as_str()));
        plan_texts.push((format!("{} description", a.code), a.description.km.as_str()));
        plan_texts.push((format!("{} lead", a.code), a.lead.km.as_str()));
    }
    for (place, text) in plan_texts {
        for (avoided, instead, fine) in AVOIDED_KHMER {
            if uses(text, avoided, fine) {
                found.push(format!("plan {place}: {avoided} (write {instead})"));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
    assert!(
        uses("សូមវាយមតិ", "វាយ", &["វាយតម្លៃ"]),
        "the check itself finds a use"
    );
    assert!(!uses("វាយតម្លៃ", "វាយ", &["វាយតម្លៃ"]));
}

/// Latin letters a Khmer member screen may show bare: activity codes, the bot's commands and
/// placeholders are not acronyms.
fn bare_acronyms(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut depth = 0i32;
    let mut in_code = false;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let rest: String = chars[i..].iter().take(7).collect();
        if rest.starts_with("<code>") {
            in_code = true;
        } else if rest.starts_with("</code>") {
            in_code = false;
        }
        match chars[i] {
            '(' => depth += 1,
            ')' => depth -= 1,
            '%' | '/'
                if chars
                    .get(i + 1)
                    .is_some_and(|c| *c == '{' || c.is_ascii_lowercase()) =>
            {
                // A placeholder or a command: skip to its end.
                while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '}' {
                    i += 1;
                }
            }
            c if c.is_ascii_uppercase() => {
                let word: String = chars[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == '.' || **c == '_')
                    .collect();
                let letters = word.chars().filter(|c| c.is_ascii_uppercase()).count();
                let is_code = word.chars().any(|c| c.is_ascii_digit());
                if letters >= 2 && !is_code && depth <= 0 && !in_code {
                    found.push(word.clone());
                }
                i += word.chars().count().max(1) - 1;
            }
            _ => {}
        }
        i += 1;
    }
    found
}

#[test]
fn khmer_member_screens_name_organisations_in_khmer_with_the_acronym_in_brackets() {
    // What staff alone read may name file formats and settings as they are.
    let staff = [
        "admin.",
        "announce.",
        "task.",
        "plan_problem.",
        "summary.",
        "chart.",
        "report.",
    ];
    let mut found = Vec::new();
    for (key, text) in load("km.yml") {
        if staff.iter().any(|s| key.starts_with(s)) {
            continue;
        }
        for word in bare_acronyms(&text) {
            found.push(format!("km.yml {key}: {word}"));
        }
    }
    let plan = dwcp_feedback::plan_io::default_plan();
    for a in &plan.activities {
        for (part, text) in [
            ("title", &a.title.km),
            ("description", &a.description.km),
            ("lead", &a.lead.km),
        ] {
            for word in bare_acronyms(text) {
                found.push(format!("plan {} {part}: {word}", a.code));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
    assert_eq!(bare_acronyms("រួមជាមួយ CAMFEBA និង"), ["CAMFEBA"]);
    assert!(bare_acronyms("សហព័ន្ធ (CAMFEBA) P1.1 /start %{code}").is_empty());
}
