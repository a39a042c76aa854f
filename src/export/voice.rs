//! `export --with-voice <dir>`: every voice note of the export downloaded through the Bot API
//! (getFile, then the file itself), named by respondent and activity so that the export's
//! voice_note column can point at it. A note Telegram no longer serves is reported, not fatal.

use std::collections::HashMap;
use std::future::Future;
use std::path::Path;

use futures_util::StreamExt;

use super::respondent_id;
use super::ExportError;
use crate::store::{ExportFilter, Store};

/// What the download did: file id → the path the export writes, and the ids that failed.
#[derive(Debug, Default)]
pub struct Voices {
    pub paths: HashMap<String, String>,
    pub failed: Vec<String>,
}

/// Downloads the voice notes among the ratings `filter` selects on plan `version` into `dir`
/// (owner-only, as the notes are members' own voices); `fetch` downloads one file id to a
/// path (the Bot API's, from `telegram::api`).
pub async fn download_voices<F, Fut>(
    store: &Store,
    fetch: F,
    version: i64,
    filter: &ExportFilter,
    secret: &[u8],
    dir: &Path,
    mut progress: impl FnMut(usize),
) -> Result<Voices, ExportError>
where
    F: Fn(String, std::path::PathBuf) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    crate::store::private::folder(dir)?;
    let mut voices = Voices::default();
    let mut rows = store.export_rows(version, filter);
    while let Some(row) = rows.next().await {
        let row = row?;
        let Some(file_id) = row.voice_file_id else {
            continue;
        };
        // Activity codes are [A-Za-z0-9._-] by construction: safe in a file name.
        let name = format!(
            "{}-{}.ogg",
            respondent_id(secret, row.member_id),
            row.activity_code
        );
        let path = dir.join(&name);
        let fetched = match crate::store::private::file(&path) {
            Ok(()) => fetch(file_id.clone(), path.clone()).await,
            Err(e) => Err(e.to_string()),
        };
        match fetched {
            Ok(()) => {
                voices.paths.insert(file_id, path.display().to_string());
            }
            Err(e) => {
                tracing::warn!(file = %name, error = %e, "could not download a voice note");
                let _ = std::fs::remove_file(&path);
                voices.failed.push(name);
            }
        }
        progress(voices.paths.len());
    }
    Ok(voices)
}
