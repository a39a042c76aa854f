-- Unions and employers' associations polling their own members: organisations as data,
-- coordinators (focal points), campaigns with invite links, and the outbox every reminder and
-- announcement goes through.

-- Organisations the secretariat added beyond the built-in reference list (src/domain/reference.rs).
CREATE TABLE organisations (
    code          TEXT PRIMARY KEY,
    name_en       TEXT NOT NULL,
    name_km       TEXT NOT NULL,
    constituency  TEXT NOT NULL CHECK (constituency IN ('W', 'E', 'G', 'O')),
    added_at      TEXT NOT NULL
);

-- A coordinator is the focal point of exactly one organisation, and sees only its members.
CREATE TABLE coordinators (
    member_id  INTEGER PRIMARY KEY,
    org_code   TEXT NOT NULL,
    added_by   INTEGER,
    added_at   TEXT NOT NULL
);

-- `code` is the deep-link payload: random, so a link cannot be guessed or altered into another
-- organisation's campaign; the organisation is looked up from it, never read from the link.
CREATE TABLE campaigns (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    org_code      TEXT NOT NULL,
    title         TEXT NOT NULL,
    -- JSON array of activity codes, in the order members are asked.
    activities    TEXT NOT NULL,
    plan_version  INTEGER NOT NULL,
    deadline      TEXT NOT NULL,
    -- Reminders 3 days and 1 day before the deadline to members who have not finished.
    auto_remind   INTEGER NOT NULL DEFAULT 1,
    created_by    INTEGER NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX campaigns_by_org ON campaigns (org_code);

CREATE TABLE campaign_members (
    campaign_id  INTEGER NOT NULL REFERENCES campaigns (id),
    member_id    INTEGER NOT NULL,
    joined_at    TEXT NOT NULL,
    PRIMARY KEY (campaign_id, member_id)
) WITHOUT ROWID;
CREATE INDEX campaign_members_by_member ON campaign_members (member_id);

-- The first name Telegram shows for the chat: what a coordinator sees in the list of members
-- who have not finished. Never exported.
ALTER TABLE chats ADD COLUMN first_name TEXT;
-- 0: the member opted out of reminders in /settings (announcements still reach them).
ALTER TABLE members ADD COLUMN reminders INTEGER NOT NULL DEFAULT 1;

-- One send to many: an announcement or a reminder. `stage` names an automatic reminder
-- ('3d', '1d'), unique per campaign, so it is queued once however often the scheduler looks.
CREATE TABLE broadcasts (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('announcement', 'reminder')),
    audience        TEXT NOT NULL,
    campaign_id     INTEGER REFERENCES campaigns (id),
    stage           TEXT,
    started_by      INTEGER,
    -- Where the progress message is, edited as the send goes; NULL when started from the CLI.
    status_chat     INTEGER,
    status_message  INTEGER,
    created_at      TEXT NOT NULL,
    finished_at     TEXT,
    UNIQUE (campaign_id, stage)
);

-- One message to one chat. A row is claimed ('sending') before the request leaves and settled
-- after Telegram answers; a row still 'sending' at start-up was cut off by a crash and becomes
-- 'uncertain', never sent again: a member must not get the same message twice.
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    broadcast_id  INTEGER NOT NULL REFERENCES broadcasts (id),
    chat_id       INTEGER NOT NULL,
    text          TEXT NOT NULL,
    -- An optional button: label and URL (a reminder's "continue" link).
    button_label  TEXT,
    button_url    TEXT,
    state         TEXT NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'sending', 'sent', 'blocked', 'failed', 'uncertain')),
    -- After a 429, not before Telegram's retry_after.
    not_before    TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0,
    done_at       TEXT,
    UNIQUE (broadcast_id, chat_id)
);
CREATE INDEX outbox_waiting ON outbox (state, id);
