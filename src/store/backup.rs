//! Online backups: a consistent copy of the database while the bot runs. `VACUUM INTO` reads
//! one snapshot on a reader connection, beside the writer, so members go on rating meanwhile;
//! the copy is checked (`integrity_check`) and made durable before it gets its name, so a
//! backup file is either whole and sound or not there at all.

use std::path::{Path, PathBuf};

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use super::{Store, StoreError};

/// What a backup holds, as read back from the copy itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackupSummary {
    pub members: i64,
    pub ratings: i64,
    pub bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} exists already: a backup never overwrites a file (choose another name)")]
    Exists(PathBuf),
    #[error("the copy failed its integrity check ({0}); nothing was written")]
    Unsound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |error| BackupError::Io {
        path: path.to_path_buf(),
        error,
    }
}

impl Store {
    /// Writes a consistent, checked copy of the database to `dest` (which must not exist).
    pub async fn backup_to(&self, dest: &Path) -> Result<BackupSummary, BackupError> {
        if dest.exists() {
            return Err(BackupError::Exists(dest.to_path_buf()));
        }
        let dir = match dest.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = dest
            .file_name()
            .map_or_else(|| "backup".into(), |n| n.to_string_lossy().into_owned());
        // Beside the destination, so that the final rename stays within one file system.
        let partial = dir.join(format!(".{name}.partial"));
        match std::fs::remove_file(&partial) {
            Ok(()) => {
                tracing::info!(file = %partial.display(), "removed the leftover of an interrupted backup")
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(&partial)(e)),
        }
        // Created empty and owner-only first: SQLite writes into it and keeps its mode.
        super::private::file(&partial).map_err(io(&partial))?;
        sqlx::query("VACUUM INTO ?1")
            .bind(partial.to_string_lossy().into_owned())
            .execute(&self.reader)
            .await
            .map_err(StoreError::from)?;
        let summary = match check(&partial).await {
            Ok(summary) => summary,
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
        };
        std::fs::File::open(&partial)
            .and_then(|f| f.sync_all())
            .map_err(io(&partial))?;
        std::fs::rename(&partial, dest).map_err(io(dest))?;
        // The rename itself is durable once the directory is.
        std::fs::File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(io(&dir))?;
        Ok(summary)
    }
}

/// Opens the copy read-only, checks it, and counts what it holds.
async fn check(path: &Path) -> Result<BackupSummary, BackupError> {
    let mut copy = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .map_err(StoreError::from)?;
    let (verdict,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut copy)
        .await
        .map_err(StoreError::from)?;
    if verdict != "ok" {
        return Err(BackupError::Unsound(verdict));
    }
    let (members, ratings): (i64, i64) =
        sqlx::query_as("SELECT (SELECT count(*) FROM members), (SELECT count(*) FROM ratings)")
            .fetch_one(&mut copy)
            .await
            .map_err(StoreError::from)?;
    copy.close().await.map_err(StoreError::from)?;
    let bytes = std::fs::metadata(path).map_err(io(path))?.len();
    Ok(BackupSummary {
        members,
        ratings,
        bytes,
    })
}
