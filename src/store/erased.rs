//! Erased means erased, in backups too. An erase records the person as a keyed hash (never
//! their id) in the `erased` table and in a file beside the database. A database opened for
//! writing (say, a backup put back in the database's place) and every backup the bot keeps are
//! then cleared of anyone on that list whose rows are not newer than their erasure: someone
//! who came back and agreed again keeps what they gave since.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::batch::Batch;
use super::{Store, StoreError};

/// The erased list's file beside `database`: `dwcp-feedback.db.erased`.
pub(super) fn beside(database: &Path) -> PathBuf {
    let name = database
        .file_name()
        .map_or_else(|| "database".into(), |n| n.to_string_lossy().into_owned());
    database.with_file_name(format!("{name}.erased"))
}

/// The person as the erased list names them: HMAC-SHA256 of "erased:<id>" under the
/// installation's key, in hex.
pub(super) fn person_hash(key: &[u8], person: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(format!("erased:{person}").as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Who was erased, and when: the person's hash → the time of the erasure.
pub type ErasedList = HashMap<String, DateTime<Utc>>;

/// The most erasures the list file is read for: far beyond any consultation's members.
const MAX_LISTED: usize = 1_000_000;

impl Store {
    /// The statement that records `person`'s erasure, in the erase's own transaction.
    pub(super) fn record_erased(&self, b: &mut Batch, person: i64, now: DateTime<Utc>) {
        b.stmt(
            "INSERT INTO erased (person, erased_at) VALUES ($1, $2)
             ON CONFLICT (person) DO UPDATE SET erased_at = excluded.erased_at",
            &[person_hash(&self.key, person).into(), now.into()],
        );
    }

    /// Adds the erasure to the list beside the database, durably: the list outlives a backup
    /// being put back in the database's place.
    pub(super) fn note_erased_beside(&self, person: i64, now: DateTime<Utc>) {
        let Some(file) = &self.erased_file else {
            return;
        };
        let line = format!("{} {}\n", person_hash(&self.key, person), now.to_rfc3339());
        let written = super::private::append(file).and_then(|mut f| {
            f.write_all(line.as_bytes())?;
            f.sync_all()
        });
        if let Err(e) = written {
            // The table still has it; only a restore of an older copy would miss it.
            tracing::error!(file = %file.display(), error = %e, "could not note an erasure beside the database");
        }
    }

    /// Every erasure known: the table's and the file's.
    pub async fn erased_list(&self) -> Result<ErasedList, StoreError> {
        let rows: Vec<(String, DateTime<Utc>)> =
            sqlx::query_as("SELECT person, erased_at FROM erased")
                .fetch_all(&self.reader)
                .await?;
        let mut list: ErasedList = rows.into_iter().collect();
        if let Some(file) = &self.erased_file {
            for (person, at) in read_list(file) {
                let when = list.entry(person).or_insert(at);
                *when = (*when).max(at);
            }
        }
        Ok(list)
    }

    /// Clears this database of everyone on the erased list whose rows are not newer than
    /// their erasure, and keeps the list whole in the table. Returns how many were erased.
    pub(super) async fn apply_erased(&self) -> Result<usize, StoreError> {
        let list = self.erased_list().await?;
        if list.is_empty() {
            return Ok(0);
        }
        let mut keep = Batch::new();
        for (person, at) in &list {
            keep.stmt(
                "INSERT INTO erased (person, erased_at) VALUES ($1, $2)
                 ON CONFLICT (person) DO UPDATE SET erased_at = max(erased_at, excluded.erased_at)",
                &[person.clone().into(), (*at).into()],
            );
        }
        let key = self.key.clone();
        let erased = self
            .hot
            .write(|db| {
                keep.run(db)?;
                erase_listed(db, &key, &list)
            })
            .await?;
        if erased > 0 {
            self.truncate_wal().await;
        }
        Ok(erased)
    }

    /// Clears a backup file of everyone on the erased list, and compacts it so that nothing of
    /// them stays in its free pages. Returns how many were erased from it.
    pub async fn scrub_backup(&self, path: &Path) -> Result<usize, StoreError> {
        let list = self.erased_list().await?;
        if list.is_empty() {
            return Ok(0);
        }
        let (key, path) = (self.key.clone(), path.to_path_buf());
        tokio::task::spawn_blocking(move || -> Result<usize, StoreError> {
            let db = rusqlite::Connection::open(&path)?;
            db.pragma_update(None, "journal_mode", "DELETE")?;
            db.pragma_update(None, "secure_delete", true)?;
            db.pragma_update(None, "foreign_keys", true)?;
            db.busy_timeout(std::time::Duration::from_secs(10))?;
            db.execute_batch("BEGIN IMMEDIATE")?;
            let erased = match erase_listed(&db, &key, &list) {
                Ok(n) => {
                    db.execute_batch("COMMIT")?;
                    n
                }
                Err(e) => {
                    let _ = db.execute_batch("ROLLBACK");
                    return Err(e.into());
                }
            };
            if erased > 0 {
                db.execute_batch("VACUUM")?;
            }
            Ok(erased)
        })
        .await
        .map_err(|e| StoreError::BadPlan(format!("a worker thread failed: {e}")))?
    }
}

/// Erases, on `db` (inside the caller's transaction), every person on `list` who has no row
/// newer than their erasure.
fn erase_listed(
    db: &rusqlite::Connection,
    key: &[u8],
    list: &ErasedList,
) -> rusqlite::Result<usize> {
    // Everyone the database names, with the newest time any of their own rows was written.
    let mut people = db.prepare(
        "SELECT id, max(at) FROM (
             SELECT chat_id AS id, updated_at AS at FROM chats
             UNION ALL SELECT member_id, updated_at FROM members
             UNION ALL SELECT user_id, NULL FROM admins
             UNION ALL SELECT member_id, NULL FROM coordinators
             UNION ALL SELECT member_id, NULL FROM campaign_members
             UNION ALL SELECT chat_id, NULL FROM outbox
         ) GROUP BY id",
    )?;
    let people: Vec<(i64, Option<String>)> = people
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut b = Batch::new();
    let mut erased = 0;
    for (person, newest) in people {
        let Some(at) = list.get(&person_hash(key, person)) else {
            continue;
        };
        let newest = newest.and_then(|t| DateTime::parse_from_rfc3339(&t).ok());
        if newest.is_some_and(|newest| newest > *at) {
            continue;
        }
        super::erase::erase(&mut b, person);
        erased += 1;
    }
    b.run(db)?;
    Ok(erased)
}

/// The erased list's file: one `<hash> <time>` a line. Unreadable lines are skipped; a missing
/// file is an empty list.
fn read_list(file: &Path) -> Vec<(String, DateTime<Utc>)> {
    let Ok(f) = std::fs::File::open(file) else {
        return Vec::new();
    };
    std::io::BufReader::new(f)
        .lines()
        .take(MAX_LISTED)
        .map_while(Result::ok)
        .filter_map(|line| {
            let (person, at) = line.split_once(' ')?;
            let ok = person.len() == 64 && person.bytes().all(|b| b.is_ascii_hexdigit());
            let at = DateTime::parse_from_rfc3339(at.trim()).ok()?;
            ok.then(|| (person.to_string(), at.with_timezone(&Utc)))
        })
        .collect()
}
