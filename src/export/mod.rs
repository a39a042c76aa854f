//! Exports of the feedback for the secretariat's own tools: CSV (opens in Excel, Khmer
//! included) and JSON. Pseudonymous by construction: a record never carries a Telegram id, a
//! name or a username, only a respondent id derived from the member by a keyed hash.

pub use crate::domain::ExportFormat;

mod csv;
mod json;
pub mod monitoring;
mod xlsx;

mod voice;

pub use self::csv::write_csv;
pub use self::json::{write_json, About};
pub use self::voice::{download_voices, Voices};
pub use self::xlsx::{write_xlsx, Printed, KHMER_FONT};

use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use crate::clock::phnom_penh;
use crate::domain::{reference, Constituency, Gender, Province, Sector};
use crate::store::RatingRow;

/// The columns of a ratings export, in order. The JSON keys are the same names.
pub const COLUMNS: [&str; 15] = [
    "respondent",
    "constituency",
    "organisation",
    "province",
    "sector",
    "gender",
    "activity",
    "rating",
    "comment",
    "voice_note",
    "voice_seconds",
    "language",
    "first_given",
    "last_changed",
    "revisions",
];

/// A stable, pseudonymous id for a member: the same in every export of this installation, and
/// not reversible to a Telegram id without the installation's secret.
pub fn respondent_id(secret: &[u8], member_id: i64) -> String {
    Pseudonyms::new(secret).id(member_id)
}

/// Respondent ids under one key. The key is absorbed once: an export of a million rows
/// hashes only each member id.
#[derive(Clone)]
pub struct Pseudonyms {
    keyed: Hmac<Sha256>,
}

impl Pseudonyms {
    pub fn new(secret: &[u8]) -> Pseudonyms {
        // HMAC takes a key of any length, so this never fails.
        let keyed = Hmac::<Sha256>::new_from_slice(secret)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of every length"));
        Pseudonyms { keyed }
    }

    /// `R` and the first 6 bytes of the keyed hash of the member id, in hex.
    pub fn id(&self, member_id: i64) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut mac = self.keyed.clone();
        mac.update(member_id.to_string().as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut id = String::with_capacity(13);
        id.push('R');
        for b in &digest[..6] {
            id.push(HEX[usize::from(b >> 4)] as char);
            id.push(HEX[usize::from(b & 15)] as char);
        }
        id
    }
}

/// One exported rating, with categories spelled as stable lower-case words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Record {
    pub respondent: String,
    pub constituency: String,
    pub organisation: String,
    pub province: String,
    pub sector: String,
    pub gender: String,
    pub activity: String,
    pub rating: i64,
    pub comment: String,
    pub voice_note: String,
    pub voice_seconds: Option<i64>,
    pub language: String,
    pub first_given: String,
    pub last_changed: String,
    pub revisions: i64,
}

fn time(t: DateTime<Utc>) -> String {
    t.with_timezone(&phnom_penh())
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

impl Record {
    pub fn new(ids: &Pseudonyms, row: RatingRow) -> Record {
        let who = Who::new(
            row.constituency.as_deref(),
            row.org_code,
            row.org_name,
            row.province,
            row.sector.as_deref(),
            row.gender.as_deref(),
        );
        let Who {
            constituency,
            organisation,
            province,
            sector,
            gender,
        } = who;
        Record {
            respondent: ids.id(row.member_id),
            constituency,
            organisation,
            province,
            sector,
            gender,
            activity: row.activity_code,
            rating: row.rating,
            comment: row.comment_text.unwrap_or_default(),
            voice_note: row.voice_file_id.unwrap_or_default(),
            voice_seconds: row.voice_duration,
            language: row.lang.unwrap_or_default(),
            first_given: time(row.first_at),
            last_changed: time(row.updated_at),
            revisions: row.revisions,
        }
    }
}

/// What is known of a member, in the words every export uses.
pub struct Who {
    pub constituency: String,
    pub organisation: String,
    pub province: String,
    pub sector: String,
    pub gender: String,
}

impl Who {
    pub fn new(
        constituency: Option<&str>,
        org_code: Option<String>,
        org_name: Option<String>,
        province: Option<i64>,
        sector: Option<&str>,
        gender: Option<&str>,
    ) -> Who {
        let constituency = constituency
            .and_then(Constituency::parse)
            .map_or("", Constituency::word);
        // Built-in organisations by their usual abbreviation; those the secretariat added by
        // their code (which is what they chose to be known by); typed names as typed.
        let organisation = match (org_code, org_name) {
            (Some(code), _) => reference::organisation(&code).map_or(code, |o| o.abbr.to_string()),
            (None, Some(name)) => name,
            _ => String::new(),
        };
        let province = province
            .and_then(|p| u8::try_from(p).ok())
            .and_then(Province::new)
            .map_or(String::new(), |p| p.names().en.to_string());
        let sector = sector.and_then(Sector::parse).map_or("", |s| match s {
            Sector::Garment => "garment",
            Sector::Construction => "construction",
            Sector::Tourism => "tourism",
            Sector::Agriculture => "agriculture",
            Sector::Transport => "transport",
            Sector::Informal => "informal",
            Sector::Public => "public",
            Sector::Other => "other",
        });
        let gender = gender.and_then(Gender::parse).map_or("", |g| match g {
            Gender::Female => "female",
            Gender::Male => "male",
            Gender::Other => "other",
            Gender::Undisclosed => "undisclosed",
        });
        Who {
            constituency: constituency.into(),
            organisation,
            province,
            sector: sector.into(),
            gender: gender.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn respondent_ids_are_stable_keyed_and_short() {
        let a = respondent_id(b"secret-one", 123456789);
        assert_eq!(a, respondent_id(b"secret-one", 123456789));
        assert_ne!(
            a,
            respondent_id(b"secret-two", 123456789),
            "another installation, another id"
        );
        assert_ne!(a, respondent_id(b"secret-one", 123456788));
        assert_eq!(a.len(), 13);
        assert!(!a.contains("123456789"));
    }
}

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("there is no plan version {0} (see `dwcp-feedback plan show`)")]
    NoSuchPlan(i64),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("could not write the file: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// The plan an export is of: the filter's version, else the active plan.
pub async fn export_plan(
    store: &crate::store::Store,
    filter: &crate::store::ExportFilter,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<crate::domain::Plan, ExportError> {
    Ok(match filter.plan_version {
        None => {
            store
                .active_plan_or(crate::plan_io::default_plan, now)
                .await?
        }
        Some(v) => store.plan(v).await?.ok_or(ExportError::NoSuchPlan(v))?,
    })
}

/// The filter as a printed page says it: "all ratings", or what narrowed them.
pub fn filter_words(filter: &crate::store::ExportFilter) -> String {
    let day = |t: DateTime<Utc>| t.with_timezone(&phnom_penh()).format("%Y-%m-%d %H:%M");
    let mut words = Vec::new();
    if let Some(since) = filter.since {
        words.push(format!("changed from {}", day(since)));
    }
    if let Some(until) = filter.until {
        words.push(format!("changed before {}", day(until)));
    }
    if let Some(c) = filter.constituency {
        words.push(format!("{} only", c.word()));
    }
    if let Some(p) = filter.province.and_then(Province::new) {
        words.push(format!("province {} ({})", p.code(), p.names().en));
    }
    if words.is_empty() {
        "All ratings (no filter)".into()
    } else {
        format!("Filter: {}", words.join("; "))
    }
}

/// One export to write: what, where, of which ratings, for whom.
pub struct ExportJob<'a> {
    pub format: ExportFormat,
    pub path: &'a std::path::Path,
    pub filter: &'a crate::store::ExportFilter,
    pub now: chrono::DateTime<chrono::Utc>,
    /// Who the audit log names.
    pub by: crate::store::Actor,
    /// Voice notes downloaded beforehand (`--with-voice`), named in place of file ids.
    pub voices: Option<&'a Voices>,
}

/// Writes the current ratings matching `filter` to `path` in `format` and audits it as done by
/// `by`. Through a temporary file renamed when complete, so a failed export never leaves half
/// a file behind. Returns the number of ratings written.
pub async fn export_to_path(
    store: &crate::store::Store,
    job: ExportJob<'_>,
    progress: impl FnMut(u64),
) -> Result<u64, ExportError> {
    let ExportJob {
        format,
        path,
        filter,
        now,
        by,
        voices,
    } = job;
    let plan = export_plan(store, filter, now).await?;
    let secret = store.export_secret().await?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let temp = tempfile::NamedTempFile::new_in(dir)?;
    let writer = std::io::BufWriter::new(temp.as_file());
    // With downloaded voice notes, the export names the file instead of Telegram's file id.
    let named = |row: Result<RatingRow, crate::store::StoreError>| {
        row.map(|mut row| {
            if let (Some(voices), Some(id)) = (voices, &row.voice_file_id) {
                if let Some(path) = voices.paths.get(id) {
                    row.voice_file_id = Some(path.clone());
                }
            }
            row
        })
    };
    let rows = futures_util::StreamExt::map(store.export_rows(plan.version, filter), named);
    let filter_json = serde_json::json!({
        "since": filter.since, "until": filter.until,
        "constituency": filter.constituency.map(|c| c.code()), "province": filter.province,
    });
    let n = match format {
        ExportFormat::Xlsx => {
            drop(writer);
            let comments =
                futures_util::StreamExt::map(store.export_comments(plan.version, filter), named);
            let printed = Printed {
                exported_at: now,
                filter: filter_words(filter),
            };
            write_xlsx(
                temp.path(),
                &secret,
                &plan,
                &printed,
                rows,
                comments,
                store.round_answer_rows(None),
                progress,
            )
            .await?
        }
        ExportFormat::Csv => write_csv(writer, &secret, rows, progress).await?,
        ExportFormat::Json => {
            let about = About {
                plan_version: plan.version,
                plan_status: plan.status.code(),
                filter: &filter_json,
                now,
            };
            let monitoring = store.round_answer_rows(None);
            write_json(writer, &secret, about, rows, monitoring, progress).await?
        }
    };
    temp.persist(path).map_err(|e| e.error)?;
    let detail = format!(
        "{} of plan version {}: {n} ratings, filter {filter_json}",
        format.extension(),
        plan.version
    );
    store.record(by, "export", &detail, now).await?;
    Ok(n)
}
