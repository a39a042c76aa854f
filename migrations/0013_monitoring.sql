-- Monitoring rounds: the secretariat asks members, a few times a year, what has actually
-- happened on the plan's activities. Old data is not touched: two new tables and a column.

-- A round asks one audience about some activities of one plan version until a date. At most
-- one round per audience is open at a time (checked when one is opened); closing keeps every
-- answer.
CREATE TABLE rounds (
    id            INTEGER PRIMARY KEY,
    title         TEXT NOT NULL,
    plan_version  INTEGER NOT NULL,
    -- JSON array of activity codes, in the order members are asked.
    activities    TEXT NOT NULL,
    -- 'all', 'constituency:workers', 'org:CODE' (domain::Audience's own form).
    audience      TEXT NOT NULL,
    opened_by     INTEGER,
    opened_at     TEXT NOT NULL,
    until         TEXT NOT NULL,
    closed_at     TEXT
);
CREATE INDEX rounds_open ON rounds (audience) WHERE closed_at IS NULL;

-- One member's answer on one activity in one round. `status` is NULL while only a comment was
-- sent (kept, and shown with the answer when it comes): 'done' (happening or done),
-- 'started' (started, not enough), 'nothing' (nothing yet), 'unknown' (I don't know). The
-- member's constituency and organisation are copied when they answer, as for ratings, so a
-- later change of profile does not move old answers. Erased with the member.
CREATE TABLE round_answers (
    round_id        INTEGER NOT NULL REFERENCES rounds (id),
    member_id       INTEGER NOT NULL,
    activity_code   TEXT NOT NULL,
    status          TEXT CHECK (status IN ('done', 'started', 'nothing', 'unknown')),
    constituency    TEXT,
    org_code        TEXT,
    comment_text    TEXT,
    voice_file_id   TEXT,
    voice_duration  INTEGER,
    voice_size      INTEGER,
    -- How many times the answer changed: bounded history, as ratings keep.
    changes         INTEGER NOT NULL DEFAULT 0,
    answered_at     TEXT NOT NULL,
    PRIMARY KEY (round_id, member_id, activity_code)
) WITHOUT ROWID;
CREATE INDEX round_answers_by_member ON round_answers (member_id);
-- A round's results are counted from these alone (150,000 answers in tens of milliseconds):
-- statuses by activity and constituency, and the answers that carry a comment.
CREATE INDEX round_answers_tally ON round_answers (round_id, activity_code, constituency, status);
CREATE INDEX round_answers_commented ON round_answers (round_id, activity_code, constituency)
    WHERE comment_text IS NOT NULL OR voice_file_id IS NOT NULL;

-- The message that tells a round's audience it is open goes through the outbox like an
-- announcement; `round_id` ties it to its round, and the unique index queues it once however
-- often the opening is retried.
ALTER TABLE broadcasts ADD COLUMN round_id INTEGER REFERENCES rounds (id);
CREATE UNIQUE INDEX broadcasts_round_once ON broadcasts (round_id, stage) WHERE round_id IS NOT NULL;
