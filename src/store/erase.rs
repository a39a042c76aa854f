//! /forget: every column that names a person, written once. The erase runs from this list, and
//! a test compares it with the schema, so a new table that names members cannot be forgotten
//! by the erase.

use super::batch::Batch;

/// What erasing a person does to the rows a column names them in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Erasure {
    /// The row is about the person: it goes.
    Delete,
    /// The row is someone else's record (an admin's action, a campaign): the person's id in it
    /// is blanked.
    Blank,
    /// Blanked with 0: the column is NOT NULL (SQLite cannot relax that without a rebuild).
    Zero,
    /// The audit log's subject: blanked, and the detail that repeated their id with it.
    Mention,
}

/// Every (table, column) that holds a person's Telegram id, in erase order: children before
/// the rows they hang from.
pub const PERSON_COLUMNS: &[(&str, &str, Erasure)] = &[
    ("rating_revisions", "member_id", Erasure::Delete),
    ("held_comments", "member_id", Erasure::Delete),
    ("round_answers", "member_id", Erasure::Delete),
    ("ratings", "member_id", Erasure::Delete),
    ("campaign_members", "member_id", Erasure::Delete),
    ("coordinators", "member_id", Erasure::Delete),
    ("coordinators", "added_by", Erasure::Blank),
    ("outbox", "chat_id", Erasure::Delete),
    ("admins", "user_id", Erasure::Delete),
    ("admins", "added_by", Erasure::Blank),
    ("audit_log", "actor", Erasure::Blank),
    ("audit_log", "subject", Erasure::Mention),
    ("campaigns", "created_by", Erasure::Zero),
    ("broadcasts", "started_by", Erasure::Blank),
    ("rounds", "opened_by", Erasure::Blank),
    ("broadcasts", "status_chat", Erasure::Blank),
    ("members", "member_id", Erasure::Delete),
    ("chats", "chat_id", Erasure::Delete),
];

/// Columns named like a person's id that are not one (so the schema test can tell them apart).
pub const NOT_PERSON_COLUMNS: &[&str] = &[
    "id",
    "campaign_id",
    "broadcast_id",
    "round_id",
    "voice_file_id",
    "last_update_id",
];

/// Adds the statements that erase `person` everywhere to `b` (one transaction with the step).
pub(super) fn erase(b: &mut Batch, person: i64) {
    for (table, column, erasure) in PERSON_COLUMNS {
        let sql = match erasure {
            Erasure::Delete => format!("DELETE FROM {table} WHERE {column} = $1"),
            Erasure::Blank => format!("UPDATE {table} SET {column} = NULL WHERE {column} = $1"),
            Erasure::Zero => format!("UPDATE {table} SET {column} = 0 WHERE {column} = $1"),
            Erasure::Mention => format!(
                "UPDATE {table} SET {column} = NULL, detail = '(erased)' WHERE {column} = $1"
            ),
        };
        b.stmt(&sql, &[person.into()]);
    }
}
