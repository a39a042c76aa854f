//! What can be wrong with a plan file, as data: the bot renders it in the admin's language and
//! the command line in English, both from `locales/`.

/// Where a problem is, in the terms of the file the secretariat edited.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// The file as a whole (no priorities at all, unreadable workbook…).
    File,
    /// A line of a TOML file, 1-based as editors show it.
    Line(usize),
    /// A row of a CSV file or of the workbook's sheet, 1-based as Excel shows it.
    Row(usize),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// The file is not well-formed; the parser's own words (technical, English).
    Syntax(String),
    /// The file name or content is none of TOML, CSV or XLSX.
    UnknownFormat,
    Empty,
    TooLong {
        chars: usize,
        max: usize,
    },
    NoKhmer,
    BadStatus(String),
    NoPriorities,
    NoActivities,
    BadCode(String),
    CodeTwice(String),
    UndefinedPriority(String),
    BadTimeframe(String),
    /// Table files: the header row (first cell `priority`) is missing.
    NoHeader,
    MissingColumn,
    UnknownColumn,
    /// Table files: a priority's text differs from the one given on an earlier row.
    PriorityDiffers {
        first_row: usize,
    },
    /// The file is larger than a plan file can be (checked before it is parsed).
    FileTooBig {
        kb: usize,
        max_kb: usize,
    },
    /// A workbook whose parts unpack to more than a plan needs (a "zip bomb" or not a plan).
    UnpacksTooBig {
        max_mb: usize,
    },
    /// A sheet with cells, or a declared size, beyond what a plan sheet can hold.
    SheetTooBig {
        rows: usize,
        columns: usize,
        max_rows: usize,
        max_columns: usize,
    },
    TooManyPriorities {
        count: usize,
        max: usize,
    },
    TooManyActivities {
        count: usize,
        max: usize,
    },
    /// A control character or a bidirectional override (by its code point): it would hide or
    /// reverse text on members' screens, or break a file made from the plan.
    HiddenControl(u32),
}

/// A value quoted back from the file is cut to this many characters: a problem names the cell,
/// it does not echo it (a hostile cell may hold megabytes).
pub const QUOTE_CHARS: usize = 40;
/// A parser's own message is cut to this many characters.
pub const DETAIL_CHARS: usize = 200;

fn cut(s: String, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &s[..end]),
        None => s,
    }
}

impl ProblemKind {
    fn with_quotes_cut(self) -> ProblemKind {
        use ProblemKind::*;
        let q = |s: String| cut(s, QUOTE_CHARS);
        match self {
            Syntax(m) => Syntax(cut(m, DETAIL_CHARS)),
            BadStatus(v) => BadStatus(q(v)),
            BadCode(v) => BadCode(q(v)),
            CodeTwice(v) => CodeTwice(q(v)),
            UndefinedPriority(v) => UndefinedPriority(q(v)),
            BadTimeframe(v) => BadTimeframe(q(v)),
            other => other,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanProblem {
    pub place: Place,
    /// The field or column, named as in the file (`title_km`, `priority_short_en`…).
    pub field: Option<String>,
    pub kind: ProblemKind,
}

impl PlanProblem {
    /// A file of `bytes` bytes, where a plan file may have at most `max`.
    pub fn file_too_big(bytes: usize, max: usize) -> PlanProblem {
        PlanProblem::new(
            Place::File,
            None,
            ProblemKind::FileTooBig {
                kb: bytes.div_ceil(1024),
                max_kb: max / 1024,
            },
        )
    }

    pub fn new(place: Place, field: Option<&str>, kind: ProblemKind) -> PlanProblem {
        PlanProblem {
            place,
            field: field.map(|f| cut(f.to_string(), QUOTE_CHARS)),
            kind: kind.with_quotes_cut(),
        }
    }
}
