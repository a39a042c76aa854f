//! The only place with SQL. SQLite through sqlx: one writer connection (SQLite has one writer
//! anyway; queuing in the pool is cheaper than SQLITE_BUSY retries) and a few readers, which WAL
//! lets run beside it. Migrations are embedded and forward only.

mod backup;
mod batch;
mod campaigns;
mod chats;
mod erase;
mod erased;
mod export;
mod figures;
mod hot;
mod monitoring;
mod organisations;
mod outbox;
mod plans;
pub mod private;
mod ratings;
mod secretariat;

pub use crate::domain::Org;
pub use backup::{BackupError, BackupSummary};
pub use campaigns::{Campaign, CampaignProgress, NewCampaign};
pub use chats::{ChatRecord, StepWrite};
pub use erase::{Erasure, NOT_PERSON_COLUMNS, PERSON_COLUMNS};
pub use export::{ExportFilter, RatingRow};
pub use figures::Figures;
pub use monitoring::{AnswerRow, NewRound, NotOpened};
pub use organisations::FocalPoint;
pub use outbox::{
    backoff, BroadcastKind, NewBroadcast, OutMessage, OutboxItem, Recipient, Settled,
    StatusMessage, Tally,
};
pub use plans::Imported;
pub use ratings::{Revision, REVISIONS_KEPT};
pub use secretariat::{Actor, Admin, AuditEntry};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("database: {0}")]
    Read(#[from] rusqlite::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored plan is unreadable: {0}")]
    BadPlan(String),
    #[error("the system gave no random bytes for the export key: {0}")]
    NoRandomness(String),
    #[error("this database has no export key yet: open it once with write access (start the bot or run any secretariat command on a writable copy)")]
    NoExportKey,
    #[error("this read-only database is at migration {found}; this program needs {needed}: open it once with write access to bring it up to date")]
    NotMigrated { found: i64, needed: i64 },
    #[error("this database was opened read-only")]
    ReadOnly,
    #[error("an in-memory database is not supported: give a file (sqlite://path)")]
    InMemory,
    #[error("{path}: {error}")]
    File {
        path: std::path::PathBuf,
        error: std::io::Error,
    },
}

/// The setting that remembers the bot's username for the command line (`dwcp-feedback remind`).
pub const BOT_USERNAME_SETTING: &str = "bot_username";

/// The newest migration this binary carries.
pub fn latest_migration() -> i64 {
    sqlx::migrate!("./migrations")
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0)
}

/// The newest migration applied to the database at `url`, read without creating or changing
/// anything: `None` when there is no database there yet.
pub async fn applied_migration(url: &str) -> Result<Option<i64>, StoreError> {
    if url.contains(":memory:") || url.contains("mode=memory") {
        return Ok(None);
    }
    let options = SqliteConnectOptions::from_str(url)?;
    if !options.get_filename().exists() {
        return Ok(None);
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options.read_only(true))
        .await?;
    let applied: Result<(Option<i64>,), sqlx::Error> =
        sqlx::query_as("SELECT max(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(&pool)
            .await;
    pool.close().await;
    match applied {
        Ok((version,)) => Ok(Some(version.unwrap_or(0))),
        // A database file without the migrations table: nothing applied yet.
        Err(sqlx::Error::Database(e)) if e.message().contains("no such table") => Ok(Some(0)),
        Err(e) => Err(e.into()),
    }
}

#[derive(Clone)]
pub struct Store {
    writer: SqlitePool,
    reader: SqlitePool,
    /// The background checkpointer's connection.
    checkpointer: SqlitePool,
    /// Opened with [`Store::open_read_only`]: nothing can be written, not even the audit log.
    read_only: bool,
    /// The installation's export key (empty until read), also the key of the erased list.
    key: std::sync::Arc<Vec<u8>>,
    /// Where the erased list is kept beside the database.
    erased_file: Option<std::sync::Arc<std::path::PathBuf>>,
    /// Loading a chat and writing a step: SQLite on the calling thread.
    hot: std::sync::Arc<hot::Hot>,
}

impl Store {
    /// Opens (creating if needed) the database at `url` (`sqlite://path`) and brings its
    /// schema up to date.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        if url.contains(":memory:") || url.contains("mode=memory") {
            return Err(StoreError::InMemory);
        }
        let path = SqliteConnectOptions::from_str(url)?
            .get_filename()
            .to_path_buf();
        // Owner-only before SQLite writes a byte; its -wal and -shm take the same mode.
        let at = |error| StoreError::File {
            path: path.clone(),
            error,
        };
        private::file(&path).map_err(at)?;
        for beside in ["-wal", "-shm", "-journal"] {
            let other = path.with_file_name(format!(
                "{}{beside}",
                path.file_name().unwrap_or_default().to_string_lossy()
            ));
            private::existing(&other).map_err(at)?;
        }
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // In WAL mode NORMAL never corrupts and loses at most the last commits on power loss
            // (not on a process crash), at a fraction of FULL's cost per transaction.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            // Deleted and overwritten content is zeroed, not left in free space: after /forget
            // no byte of the member's comments stays in the file.
            .pragma("secure_delete", "ON")
            // After a checkpoint the WAL file is cut back to this size: a burst of writes does
            // not leave a large file behind for good.
            .pragma("journal_size_limit", "16777216")
            .busy_timeout(Duration::from_secs(10));
        // Checkpoints happen in the background (`checkpoint_every`): SQLite's automatic ones run
        // inside a commit on the single writer and fsync there, stalling every write behind it.
        let writer_options = options.clone().pragma("wal_autocheckpoint", "0");
        // A local file's connection cannot go stale: no ping before each use (it cost a round
        // trip to the connection's thread on every query).
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(writer_options)
            .await?;
        sqlx::migrate!("./migrations").run(&writer).await?;
        let checkpointer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        tokio::spawn(checkpoint_every(
            checkpointer.clone(),
            Duration::from_secs(1),
        ));
        let reader = SqlitePoolOptions::new()
            .max_connections(2)
            .test_before_acquire(false)
            .connect_with(options.read_only(true))
            .await?;
        let mut store = Store {
            writer,
            reader,
            checkpointer,
            read_only: false,
            key: Default::default(),
            erased_file: Some(std::sync::Arc::new(erased::beside(&path))),
            hot: std::sync::Arc::new(hot::Hot::new(&path, false, false)),
        };
        store.ensure_export_secret().await?;
        store.key = std::sync::Arc::new(store.export_secret().await?);
        // A backup restored in the database's place loses whoever was erased since it was taken.
        let erased = store.apply_erased().await?;
        if erased > 0 {
            tracing::warn!(
                people = erased,
                "erased again: people erased after this database was copied"
            );
        }
        Ok(store)
    }

    /// Opens an existing database without writing a byte: for a copy an auditor was given,
    /// or a file on read-only media. Reading works as usual; writing fails.
    pub async fn open_read_only(url: &str) -> Result<Store, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?.read_only(true);
        let path = options.get_filename().to_path_buf();
        // Without a WAL beside it, the file is all there is: read it as immutable, which needs
        // neither a -shm file nor a writable directory.
        let wal = path.with_file_name(format!(
            "{}-wal",
            path.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        ));
        let immutable = !wal.exists();
        let options = options.immutable(immutable);
        let pool = SqlitePoolOptions::new()
            .max_connections(2)
            .connect_with(options)
            .await?;
        let (found,): (Option<i64>,) =
            sqlx::query_as("SELECT max(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&pool)
                .await?;
        let (found, needed) = (found.unwrap_or(0), latest_migration());
        if found != needed {
            pool.close().await;
            return Err(StoreError::NotMigrated { found, needed });
        }
        let mut store = Store {
            writer: pool.clone(),
            reader: pool.clone(),
            checkpointer: pool,
            read_only: true,
            key: Default::default(),
            erased_file: None,
            hot: std::sync::Arc::new(hot::Hot::new(&path, true, immutable)),
        };
        store.key = std::sync::Arc::new(store.export_secret().await.unwrap_or_default());
        Ok(store)
    }

    /// Closes every connection: the last one to close checkpoints the WAL into the database
    /// file, as a clean shutdown should leave it.
    pub async fn close(&self) {
        self.hot.close().await;
        self.checkpointer.close().await;
        self.reader.close().await;
        self.writer.close().await;
    }
}

impl Store {
    /// Checkpoints the whole WAL into the database file and empties it, retrying while readers
    /// still hold older pages. Failing that, the periodic checkpoint carries on as before.
    async fn truncate_wal(&self) {
        for _ in 0..20 {
            match sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(TRUNCATE)")
                .fetch_one(&self.checkpointer)
                .await
            {
                Ok((0, _, _)) => return,
                Ok(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                Err(e) => {
                    tracing::warn!(error = %e, "truncating checkpoint failed");
                    return;
                }
            }
        }
        tracing::warn!("the WAL could not be emptied: readers kept older pages");
    }
}

/// Copies the WAL back into the database file every `period`, without blocking writers
/// (PASSIVE), until the pool is closed (the store dropped or the process ending).
async fn checkpoint_every(pool: SqlitePool, period: Duration) {
    loop {
        tokio::time::sleep(period).await;
        match sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&pool)
            .await
        {
            Ok(_) => {}
            Err(sqlx::Error::PoolClosed) => break,
            Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed; will retry"),
        }
    }
}
