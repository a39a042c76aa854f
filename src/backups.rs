//! Automatic backups while the bot runs: one at start-up, then one a day, into an owner-only
//! folder, keeping the newest few (copies made there with `backup --out` count too). Everyone
//! erased is erased from every backup in the folder as well: after each backup, and within
//! minutes of an erase. For a server left alone for a whole consultation.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use crate::clock::Clock;
use crate::store::{BackupError, BackupSummary, Store};

/// Where automatic backups go and how many are kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub dir: PathBuf,
    pub keep: usize,
}

const EVERY: Duration = Duration::from_secs(24 * 60 * 60);
/// After an erase, the backups are cleared once this has passed (several erases in a row are
/// cleared together).
const AFTER_ERASE: Duration = Duration::from_secs(60);
/// Automatic backups are named `dwcp-feedback-2026-12-01T165000Z.db`.
const PREFIX: &str = "dwcp-feedback-";
const SUFFIX: &str = ".db";

/// Backs up now and then every day, until the task is dropped; `erased` is told of every erase.
/// Failures are logged, and tried again the next time.
pub async fn run(store: Store, clock: Arc<dyn Clock>, schedule: Schedule, erased: Arc<Notify>) {
    let mut next = tokio::time::Instant::now();
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(next) => {
                match once(&store, clock.now(), &schedule).await {
                    Ok((path, s)) => tracing::info!(
                        file = %path.display(), members = s.members, ratings = s.ratings, bytes = s.bytes,
                        "backup written"
                    ),
                    Err(e) => tracing::error!(error = %e, "the automatic backup failed"),
                }
                next += EVERY;
            }
            _ = erased.notified() => {
                tokio::time::sleep(AFTER_ERASE).await;
                scrub(&store, &schedule.dir).await;
            }
        }
    }
}

/// Clears every backup in `dir` of the people erased (logged, never fatal).
pub async fn scrub(store: &Store, dir: &Path) {
    let backups = match backups_in(dir) {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(dir = %dir.display(), error = %e, "could not list the backups to clear");
            return;
        }
    };
    for path in backups {
        match store.scrub_backup(&path).await {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(file = %path.display(), people = n, "erased people cleared from a backup")
            }
            Err(e) => {
                tracing::error!(file = %path.display(), error = %e, "could not clear a backup of erased people")
            }
        }
    }
}

/// One backup into the schedule's directory, then the oldest beyond `keep` removed and the
/// rest cleared of anyone erased.
pub async fn once(
    store: &Store,
    now: DateTime<Utc>,
    schedule: &Schedule,
) -> Result<(PathBuf, BackupSummary), BackupError> {
    crate::store::private::folder(&schedule.dir).map_err(|error| BackupError::Io {
        path: schedule.dir.clone(),
        error,
    })?;
    let path = schedule.dir.join(format!(
        "{PREFIX}{}{SUFFIX}",
        now.format("%Y-%m-%dT%H%M%SZ")
    ));
    let summary = store.backup_to(&path).await?;
    for gone in prune(&schedule.dir, schedule.keep).map_err(|error| BackupError::Io {
        path: schedule.dir.clone(),
        error,
    })? {
        tracing::info!(file = %gone.display(), "old backup removed");
    }
    scrub(store, &schedule.dir).await;
    Ok((path, summary))
}

/// The backups in `dir`, oldest first: the automatic ones and any other SQLite database kept
/// there (a `backup --out` copy). Other files are not backups.
fn backups_in(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut backups: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .filter(|p| is_database(p))
        .map(|p| {
            let at = std::fs::metadata(&p)
                .and_then(|m| m.modified())
                .unwrap_or(std::time::UNIX_EPOCH);
            (at, p)
        })
        .collect();
    // An automatic backup's name is its time: those sort by name within the same second.
    backups.sort();
    Ok(backups.into_iter().map(|(_, p)| p).collect())
}

/// A file that starts as every SQLite database does (and is not one being written).
fn is_database(path: &Path) -> bool {
    use std::io::Read;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name.starts_with('.') || !(name.ends_with(SUFFIX) || name.starts_with(PREFIX)) {
        return false;
    }
    let mut magic = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok_and(|()| &magic == b"SQLite format 3\0")
}

/// Removes all but the newest `keep` backups in `dir`; other files are left alone.
pub fn prune(dir: &Path, keep: usize) -> std::io::Result<Vec<PathBuf>> {
    let backups = backups_in(dir)?;
    let excess = backups.len().saturating_sub(keep.max(1));
    let gone: Vec<PathBuf> = backups.into_iter().take(excess).collect();
    for path in &gone {
        std::fs::remove_file(path)?;
    }
    Ok(gone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruning_keeps_the_newest_and_leaves_other_files() {
        let dir = tempfile::tempdir().unwrap();
        let database = |name: &str, age_days: u64| {
            let path = dir.path().join(name);
            std::fs::write(&path, b"SQLite format 3\0and the rest").unwrap();
            let at = std::time::SystemTime::now() - Duration::from_secs(age_days * 86_400);
            std::fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(at)
                .unwrap();
        };
        for day in 1..=4 {
            database(&format!("{PREFIX}2026-12-0{day}T000000Z{SUFFIX}"), 10 - day);
        }
        // A copy made with `backup --out` into the folder is a backup like the others.
        database("before-import.db", 20);
        database(&format!("{PREFIX}2026-12-05T000000Z{SUFFIX}"), 0);
        std::fs::write(dir.path().join("notes.txt"), b"keep me").unwrap();
        std::fs::write(dir.path().join("odd.db"), b"not a database").unwrap();
        let gone = prune(dir.path(), 2).unwrap();
        assert_eq!(gone.len(), 4, "{gone:?}");
        assert!(gone[0].ends_with("before-import.db"));
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "dwcp-feedback-2026-12-04T000000Z.db",
                "dwcp-feedback-2026-12-05T000000Z.db",
                "notes.txt",
                "odd.db"
            ]
        );
    }
}
