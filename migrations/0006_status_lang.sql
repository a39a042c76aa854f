-- The language of a broadcast's progress message, as it was started: an admin who never went
-- through the member flow has no language of their own in `chats`, and the final tally must
-- not switch language halfway.
ALTER TABLE broadcasts ADD COLUMN status_lang TEXT;
