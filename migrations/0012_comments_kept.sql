-- What a member sends is kept where they meant it.
--
-- A comment sent on an activity's card before the activity is rated waits here, and is saved
-- with the rating when it comes: it no longer lives only in the conversation's state, where
-- leaving the card through a list or the menu dropped it. Texts sent one after the other are
-- joined; a voice note takes an earlier voice note's place. Erased with the member.
CREATE TABLE held_comments (
    member_id      INTEGER NOT NULL REFERENCES members (member_id) ON DELETE CASCADE,
    plan_version   INTEGER NOT NULL,
    activity_code  TEXT NOT NULL,
    comment_text   TEXT,
    voice_file_id  TEXT,
    voice_duration INTEGER,
    voice_size     INTEGER,
    at             TEXT NOT NULL,
    PRIMARY KEY (member_id, plan_version, activity_code)
) WITHOUT ROWID;

-- The activity whose rating or comment the member changed last: a message sent on the menu is
-- offered to it ("Add this to P1.1?"). Cleared when that rating is withdrawn.
ALTER TABLE chats ADD COLUMN last_activity TEXT;
