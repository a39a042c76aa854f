//! Automatic backups while the bot runs: one at start-up, then one a day, into a directory,
//! keeping the newest few. For a server left alone for a whole consultation.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::clock::Clock;
use crate::store::{BackupError, BackupSummary, Store};

/// Where automatic backups go and how many are kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub dir: PathBuf,
    pub keep: usize,
}

const EVERY: Duration = Duration::from_secs(24 * 60 * 60);
/// Backups are named `dwcp-feedback-2026-12-01T165000Z.db`: by name is by time.
const PREFIX: &str = "dwcp-feedback-";
const SUFFIX: &str = ".db";

/// Backs up now and then every day, until the task is dropped. Failures are logged, and tried
/// again the next day.
pub async fn run(store: Store, clock: Arc<dyn Clock>, schedule: Schedule) {
    loop {
        match once(&store, clock.now(), &schedule).await {
            Ok((path, s)) => tracing::info!(
                file = %path.display(), members = s.members, ratings = s.ratings, bytes = s.bytes,
                "backup written"
            ),
            Err(e) => tracing::error!(error = %e, "the automatic backup failed"),
        }
        tokio::time::sleep(EVERY).await;
    }
}

/// One backup into the schedule's directory, then the oldest beyond `keep` removed.
pub async fn once(
    store: &Store,
    now: DateTime<Utc>,
    schedule: &Schedule,
) -> Result<(PathBuf, BackupSummary), BackupError> {
    std::fs::create_dir_all(&schedule.dir).map_err(|error| BackupError::Io {
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
    Ok((path, summary))
}

/// Removes all but the newest `keep` backups in `dir`; other files are left alone.
pub fn prune(dir: &Path, keep: usize) -> std::io::Result<Vec<PathBuf>> {
    let mut backups: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(SUFFIX))
        })
        .collect();
    backups.sort();
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
        for day in 1..=5 {
            std::fs::write(
                dir.path()
                    .join(format!("{PREFIX}2026-12-0{day}T000000Z{SUFFIX}")),
                b"x",
            )
            .unwrap();
        }
        std::fs::write(dir.path().join("notes.txt"), b"keep me").unwrap();
        let gone = prune(dir.path(), 2).unwrap();
        assert_eq!(gone.len(), 3);
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
                "notes.txt"
            ]
        );
    }
}
