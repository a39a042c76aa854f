-- The summary's counts, kept up to date as ratings change. Grouping every rating by activity,
-- constituency and score took about 2 s at a million ratings; reading these few hundred rows
-- takes about a millisecond. Triggers keep the table exact: a rating given, changed or
-- withdrawn, and a member changing constituency, each adjust the counts in the same
-- transaction as the change itself.
CREATE TABLE summary_counts (
    plan_version  INTEGER NOT NULL,
    activity_code TEXT NOT NULL,
    -- The member's constituency code, or '' when they have not said.
    constituency  TEXT NOT NULL,
    rating        INTEGER NOT NULL,
    count         INTEGER NOT NULL,
    -- How many of those ratings have a typed comment, and how many a voice note.
    texts         INTEGER NOT NULL,
    voices        INTEGER NOT NULL,
    PRIMARY KEY (plan_version, activity_code, constituency, rating)
) WITHOUT ROWID;

INSERT INTO summary_counts
SELECT r.plan_version, r.activity_code, coalesce(m.constituency, ''), r.rating,
       count(*), count(r.comment_text), count(r.voice_file_id)
FROM ratings r JOIN members m ON m.member_id = r.member_id
GROUP BY 1, 2, 3, 4;

CREATE TRIGGER summary_counts_rating_given AFTER INSERT ON ratings
BEGIN
    INSERT INTO summary_counts
    VALUES (NEW.plan_version, NEW.activity_code,
            coalesce((SELECT constituency FROM members WHERE member_id = NEW.member_id), ''),
            NEW.rating, 1, NEW.comment_text IS NOT NULL, NEW.voice_file_id IS NOT NULL)
    ON CONFLICT DO UPDATE SET count = count + 1, texts = texts + excluded.texts,
                              voices = voices + excluded.voices;
END;

CREATE TRIGGER summary_counts_rating_withdrawn AFTER DELETE ON ratings
BEGIN
    UPDATE summary_counts
    SET count = count - 1, texts = texts - (OLD.comment_text IS NOT NULL),
        voices = voices - (OLD.voice_file_id IS NOT NULL)
    WHERE plan_version = OLD.plan_version AND activity_code = OLD.activity_code
      AND constituency = coalesce((SELECT constituency FROM members WHERE member_id = OLD.member_id), '')
      AND rating = OLD.rating;
END;

CREATE TRIGGER summary_counts_rating_changed AFTER UPDATE ON ratings
BEGIN
    UPDATE summary_counts
    SET count = count - 1, texts = texts - (OLD.comment_text IS NOT NULL),
        voices = voices - (OLD.voice_file_id IS NOT NULL)
    WHERE plan_version = OLD.plan_version AND activity_code = OLD.activity_code
      AND constituency = coalesce((SELECT constituency FROM members WHERE member_id = OLD.member_id), '')
      AND rating = OLD.rating;
    INSERT INTO summary_counts
    VALUES (NEW.plan_version, NEW.activity_code,
            coalesce((SELECT constituency FROM members WHERE member_id = NEW.member_id), ''),
            NEW.rating, 1, NEW.comment_text IS NOT NULL, NEW.voice_file_id IS NOT NULL)
    ON CONFLICT DO UPDATE SET count = count + 1, texts = texts + excluded.texts,
                              voices = voices + excluded.voices;
END;

-- A member's ratings move with them from one constituency's counts to the other's.
CREATE TRIGGER summary_counts_member_moved AFTER UPDATE OF constituency ON members
WHEN OLD.constituency IS NOT NEW.constituency
BEGIN
    UPDATE summary_counts
    SET count = count - (SELECT count(*) FROM ratings r
                         WHERE r.member_id = OLD.member_id AND r.plan_version = summary_counts.plan_version
                           AND r.activity_code = summary_counts.activity_code AND r.rating = summary_counts.rating),
        texts = texts - (SELECT count(r.comment_text) FROM ratings r
                         WHERE r.member_id = OLD.member_id AND r.plan_version = summary_counts.plan_version
                           AND r.activity_code = summary_counts.activity_code AND r.rating = summary_counts.rating),
        voices = voices - (SELECT count(r.voice_file_id) FROM ratings r
                           WHERE r.member_id = OLD.member_id AND r.plan_version = summary_counts.plan_version
                             AND r.activity_code = summary_counts.activity_code AND r.rating = summary_counts.rating)
    WHERE constituency = coalesce(OLD.constituency, '')
      AND EXISTS (SELECT 1 FROM ratings r
                  WHERE r.member_id = OLD.member_id AND r.plan_version = summary_counts.plan_version
                    AND r.activity_code = summary_counts.activity_code AND r.rating = summary_counts.rating);
    INSERT INTO summary_counts
    SELECT plan_version, activity_code, coalesce(NEW.constituency, ''), rating,
           1, comment_text IS NOT NULL, voice_file_id IS NOT NULL
    FROM ratings WHERE member_id = NEW.member_id
    ON CONFLICT DO UPDATE SET count = count + 1, texts = texts + excluded.texts,
                              voices = voices + excluded.voices;
END;

-- Withdraw a leaving member's ratings while the member row still says which constituency they
-- were counted in (a cascade would delete them after it, too late to know).
CREATE TRIGGER summary_counts_member_leaves BEFORE DELETE ON members
BEGIN
    DELETE FROM ratings WHERE member_id = OLD.member_id;
END;
