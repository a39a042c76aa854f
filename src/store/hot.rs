//! The path every update takes (load a chat, write a step) runs on SQLite directly, on the
//! calling thread: through sqlx each query was a trip to the connection's own thread and back,
//! and those thread switches were a third of the bot's CPU per update. A query here takes tens
//! of microseconds; readers never wait in WAL mode, and the writer never blocks its thread on a
//! lock another process holds: it tries again after a short asynchronous pause instead.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::StoreError;

/// How long a write waits, in all, for another process (the command line) to finish its own.
const WRITE_LOCK_PATIENCE: Duration = Duration::from_secs(10);
const WRITE_LOCK_PAUSE: Duration = Duration::from_millis(2);
/// Reader connections kept between uses: one per thread that reads at once, about.
const READERS_KEPT: usize = 4;

pub(super) struct Hot {
    path: PathBuf,
    read_only: bool,
    /// Opened as immutable (a read-only copy without a WAL beside it).
    immutable: bool,
    writer: tokio::sync::Mutex<Option<Connection>>,
    readers: Mutex<Vec<Connection>>,
}

impl Hot {
    pub(super) fn new(path: &Path, read_only: bool, immutable: bool) -> Hot {
        Hot {
            path: path.to_path_buf(),
            read_only,
            immutable,
            writer: tokio::sync::Mutex::new(None),
            readers: Mutex::new(Vec::new()),
        }
    }

    fn open(&self, write: bool) -> rusqlite::Result<Connection> {
        let mode = if write {
            OpenFlags::SQLITE_OPEN_READ_WRITE
        } else {
            OpenFlags::SQLITE_OPEN_READ_ONLY
        };
        let flags = mode | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        let conn = if self.immutable {
            let uri = format!("file:{}?immutable=1", self.path.display());
            Connection::open_with_flags(uri, flags)?
        } else {
            Connection::open_with_flags(&self.path, flags)?
        };
        conn.set_prepared_statement_cache_capacity(64);
        if write {
            // As the sqlx writer: deleted content zeroed, checkpoints left to the background,
            // and a commit that does not wait for the disk (WAL keeps it safe from a crash).
            conn.pragma_update(None, "foreign_keys", true)?;
            conn.pragma_update(None, "secure_delete", true)?;
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            conn.pragma_update(None, "wal_autocheckpoint", 0)?;
            conn.pragma_update(None, "journal_size_limit", 16_777_216)?;
            conn.busy_timeout(Duration::ZERO)?;
        } else {
            // A reader in WAL mode waits only while a WAL is being recovered: rare and short.
            conn.busy_timeout(Duration::from_millis(200))?;
        }
        Ok(conn)
    }

    /// Runs `read` on a reader connection, on this thread.
    pub(super) fn read<T>(
        &self,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let kept = self.readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match kept {
            Some(conn) => conn,
            None => self.open(false)?,
        };
        let result = read(&conn);
        let mut readers = self.readers.lock().unwrap_or_else(|e| e.into_inner());
        if readers.len() < READERS_KEPT {
            readers.push(conn);
        }
        Ok(result?)
    }

    /// Runs `write` in one immediate transaction on the writer connection: all of it is
    /// committed, or none. While another process holds the write lock, waits asynchronously.
    pub(super) async fn write<T>(
        &self,
        write: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        if self.read_only {
            return Err(StoreError::ReadOnly);
        }
        let mut writer = self.writer.lock().await;
        if writer.is_none() {
            *writer = Some(self.open(true)?);
        }
        let Some(conn) = writer.as_mut() else {
            return Err(StoreError::ReadOnly);
        };
        let started = tokio::time::Instant::now();
        loop {
            match conn.execute_batch("BEGIN IMMEDIATE") {
                Ok(()) => break,
                Err(e) if is_busy(&e) && started.elapsed() < WRITE_LOCK_PATIENCE => {
                    tokio::time::sleep(WRITE_LOCK_PAUSE).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
        let result = write(conn).and_then(|done| conn.execute_batch("COMMIT").map(|()| done));
        if result.is_err() {
            // Whatever was written is undone; the connection is clean for the next write.
            let _ = conn.execute_batch("ROLLBACK");
        }
        Ok(result?)
    }

    /// Closes the connections (the last one to close checkpoints the WAL).
    pub(super) async fn close(&self) {
        *self.writer.lock().await = None;
        self.readers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}
