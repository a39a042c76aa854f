-- Secrets generated once per installation. `export` is the key of the keyed hash that turns a
-- member into a pseudonymous respondent id: the same member gets the same id in every export,
-- and nobody without this database can link an id back to a Telegram account.
CREATE TABLE secrets (
    name       TEXT PRIMARY KEY,
    value      BLOB NOT NULL,
    created_at TEXT NOT NULL
);
