-- A rating keeps who the member spoke for when they gave it.
--
-- A member may move: a union member who opens another organisation's campaign link and agrees
-- to switch speaks for that organisation from then on, but the ratings they gave before were
-- given as a member of the first. So each rating carries its own constituency and
-- organisation, taken from the member's profile whenever the rating or its comment is given,
-- and exports and the summary read them from the rating. A correction made in /settings ("I
-- picked the wrong side") is a correction, not a move: it updates the member's ratings too.
ALTER TABLE ratings ADD COLUMN constituency TEXT;
ALTER TABLE ratings ADD COLUMN org_code TEXT;
ALTER TABLE ratings ADD COLUMN org_name TEXT;

UPDATE ratings
SET constituency = m.constituency, org_code = m.org_code, org_name = m.org_name
FROM members m
WHERE m.member_id = ratings.member_id;

-- The summary's counts follow the rating's own constituency: the triggers of 0004, reading
-- the rating instead of the member. A member's profile changing no longer moves counts by
-- itself; a correction does, through the ratings it updates.
DROP TRIGGER summary_counts_rating_given;
DROP TRIGGER summary_counts_rating_withdrawn;
DROP TRIGGER summary_counts_rating_changed;
DROP TRIGGER summary_counts_member_moved;

CREATE TRIGGER summary_counts_rating_given AFTER INSERT ON ratings
BEGIN
    INSERT INTO summary_counts
    VALUES (NEW.plan_version, NEW.activity_code, coalesce(NEW.constituency, ''),
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
      AND constituency = coalesce(OLD.constituency, '') AND rating = OLD.rating;
END;

CREATE TRIGGER summary_counts_rating_changed AFTER UPDATE ON ratings
BEGIN
    UPDATE summary_counts
    SET count = count - 1, texts = texts - (OLD.comment_text IS NOT NULL),
        voices = voices - (OLD.voice_file_id IS NOT NULL)
    WHERE plan_version = OLD.plan_version AND activity_code = OLD.activity_code
      AND constituency = coalesce(OLD.constituency, '') AND rating = OLD.rating;
    INSERT INTO summary_counts
    VALUES (NEW.plan_version, NEW.activity_code, coalesce(NEW.constituency, ''),
            NEW.rating, 1, NEW.comment_text IS NOT NULL, NEW.voice_file_id IS NOT NULL)
    ON CONFLICT DO UPDATE SET count = count + 1, texts = texts + excluded.texts,
                              voices = voices + excluded.voices;
END;
