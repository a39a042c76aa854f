-- The first schema of dwcp-feedback. Forward only: later changes are new files.
-- Times are ISO-8601 text in UTC; the bot shows them in Asia/Phnom_Penh.

-- Conversation plumbing, one row per private chat (the chat id is the member's Telegram id).
-- Kept apart from `members` so that a person who never consents leaves no personal data.
CREATE TABLE chats (
    chat_id          INTEGER PRIMARY KEY,
    lang             TEXT CHECK (lang IN ('km', 'en')),
    -- JSON of conversation::State: where the member is, so a restart resumes there.
    state            TEXT NOT NULL,
    -- The last message we sent or edited that carries buttons, and a hash of its content:
    -- an edit that would change nothing is never sent (Telegram rejects it).
    shown_message_id INTEGER,
    shown_hash       INTEGER,
    -- Telegram redelivers updates it did not see confirmed (say, after a crash);
    -- one already applied is skipped.
    last_update_id   INTEGER,
    -- Set when Telegram answers 403: the member blocked the bot. Nothing is sent until they return.
    blocked_at       TEXT,
    updated_at       TEXT NOT NULL
);

-- A person who answered the privacy notice. A refusal keeps only the refusal.
CREATE TABLE members (
    member_id    INTEGER PRIMARY KEY,
    consent      TEXT NOT NULL CHECK (consent IN ('given', 'declined')),
    consent_at   TEXT NOT NULL,
    constituency TEXT CHECK (constituency IN ('W', 'E', 'G', 'O')),
    -- Either a reference organisation code or a typed name, never both.
    org_code     TEXT,
    org_name     TEXT,
    province     INTEGER CHECK (province BETWEEN 1 AND 25),
    sector       TEXT,
    gender       TEXT CHECK (gender IN ('f', 'm', 'o', 'u')),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

-- Each imported work plan is a new version; exactly one is active. Ratings name the version
-- they were given on, so replacing the plan never mixes answers to different texts.
CREATE TABLE plans (
    version    INTEGER PRIMARY KEY,
    label      TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('draft', 'validated')),
    title_en   TEXT NOT NULL,
    title_km   TEXT NOT NULL,
    source     TEXT NOT NULL,
    active     INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX plans_one_active ON plans (active) WHERE active = 1;

CREATE TABLE priorities (
    plan_version INTEGER NOT NULL REFERENCES plans (version),
    code         TEXT NOT NULL,
    position     INTEGER NOT NULL,
    short_en     TEXT NOT NULL,
    short_km     TEXT NOT NULL,
    title_en     TEXT NOT NULL,
    title_km     TEXT NOT NULL,
    PRIMARY KEY (plan_version, code)
);

CREATE TABLE activities (
    plan_version  INTEGER NOT NULL REFERENCES plans (version),
    code          TEXT NOT NULL,
    priority_code TEXT NOT NULL,
    position      INTEGER NOT NULL,
    title_en      TEXT NOT NULL,
    title_km      TEXT NOT NULL,
    desc_en       TEXT NOT NULL,
    desc_km       TEXT NOT NULL,
    lead_en       TEXT NOT NULL,
    lead_km       TEXT NOT NULL,
    timeframe     TEXT NOT NULL,
    PRIMARY KEY (plan_version, code),
    FOREIGN KEY (plan_version, priority_code) REFERENCES priorities (plan_version, code)
);

-- A member's current answer on one activity of one plan version. The primary key is what
-- makes a double tap harmless: there is only ever one current rating per activity.
CREATE TABLE ratings (
    member_id      INTEGER NOT NULL REFERENCES members (member_id) ON DELETE CASCADE,
    plan_version   INTEGER NOT NULL,
    activity_code  TEXT NOT NULL,
    rating         INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment_text   TEXT,
    voice_file_id  TEXT,
    voice_duration INTEGER,
    voice_size     INTEGER,
    first_at       TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (member_id, plan_version, activity_code)
) WITHOUT ROWID;
CREATE INDEX ratings_by_activity ON ratings (plan_version, activity_code);

-- Every change to a rating or its comment, with its time: a snapshot after the change.
-- Kept when a member changes or withdraws an answer; erased only by /forget.
CREATE TABLE rating_revisions (
    id             INTEGER PRIMARY KEY,
    member_id      INTEGER NOT NULL REFERENCES members (member_id) ON DELETE CASCADE,
    plan_version   INTEGER NOT NULL,
    activity_code  TEXT NOT NULL,
    action         TEXT NOT NULL CHECK (action IN ('rate', 'comment', 'withdraw')),
    rating         INTEGER,
    comment_text   TEXT,
    voice_file_id  TEXT,
    voice_duration INTEGER,
    voice_size     INTEGER,
    at             TEXT NOT NULL
);
CREATE INDEX rating_revisions_by_member ON rating_revisions (member_id, plan_version, activity_code);
