-- The secretariat's controls: who is an admin, what admins did, and the consultation window.

-- Secretariat admins. Bootstrapped from DWCP_ADMINS at start (source 'env'); added or removed
-- with `dwcp-feedback admin` (source 'cli') or by another admin in the bot (source 'bot').
CREATE TABLE admins (
    user_id  INTEGER PRIMARY KEY,
    source   TEXT NOT NULL CHECK (source IN ('env', 'cli', 'bot')),
    added_by INTEGER,
    added_at TEXT NOT NULL
);

-- Every admin action, for accountability: who (a Telegram user id, or NULL for the command
-- line on the server), what, when. Never updated, never deleted.
CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY,
    actor  INTEGER,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    at     TEXT NOT NULL
);

-- The consultation window: one row. While closed, members read the plan and their feedback
-- but change nothing. `until` closes an open window by itself once that time has passed.
CREATE TABLE consultation_window (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    open       INTEGER NOT NULL,
    until      TEXT,
    changed_at TEXT NOT NULL
);
INSERT INTO consultation_window (id, open, until, changed_at) VALUES (1, 1, NULL, '1970-01-01T00:00:00Z');
