//! `export --with-voice <dir>`: every voice note of the export downloaded through the Bot API
//! (getFile, then the file itself), named by respondent and activity so that the export's
//! voice_note column can point at it. A note Telegram no longer serves is reported, not fatal.

use std::collections::HashMap;
use std::path::Path;

use futures_util::StreamExt;
use teloxide::net::Download;
use teloxide::prelude::*;

use super::respondent_id;
use super::ExportError;
use crate::store::{ExportFilter, Store};

/// What the download did: file id → the path the export writes, and the ids that failed.
#[derive(Debug, Default)]
pub struct Voices {
    pub paths: HashMap<String, String>,
    pub failed: Vec<String>,
}

/// Downloads the voice notes among the ratings `filter` selects on plan `version` into `dir`.
pub async fn download_voices(
    store: &Store,
    bot: &Bot,
    version: i64,
    filter: &ExportFilter,
    secret: &[u8],
    dir: &Path,
    mut progress: impl FnMut(usize),
) -> Result<Voices, ExportError> {
    std::fs::create_dir_all(dir)?;
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
        match fetch(bot, &file_id, &path).await {
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

async fn fetch(bot: &Bot, file_id: &str, path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let file = bot.get_file(file_id.to_string().into()).await?;
    let mut out = tokio::fs::File::create(path).await?;
    bot.download_file(&file.path, &mut out).await?;
    Ok(())
}
