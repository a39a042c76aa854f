-- Erased means erased, in backups too. /forget records who was erased as a keyed hash
-- (HMAC-SHA256 under the export key of "erased:" and the Telegram id): never the id itself.
-- The same list is kept beside the database (`<database>.erased`), so that a backup restored
-- in the database's place, or a backup the bot keeps, is cleared of everyone erased after it
-- was taken. A person whose rows are newer than their erasure came back and agreed again:
-- those rows are theirs to keep.
CREATE TABLE erased (
    person     TEXT PRIMARY KEY,
    erased_at  TEXT NOT NULL
) WITHOUT ROWID;
