-- /forget erases every row that names the member, and mentions of them in others' rows.
--
-- The audit log names people in two ways: who acted (`actor`) and whom an action was about
-- (an admin or focal point added or removed, named in `detail`). The second gets a column of
-- its own, so erasing a person finds their mentions exactly instead of searching texts.
ALTER TABLE audit_log ADD COLUMN subject INTEGER;

-- Existing mentions: those four actions' detail starts with the person's Telegram id.
UPDATE audit_log
SET subject = CAST(substr(detail, 1, instr(detail || ' ', ' ') - 1) AS INTEGER)
WHERE action IN ('admin-add', 'admin-remove', 'coordinator-add', 'coordinator-remove');

CREATE INDEX audit_log_by_actor ON audit_log (actor);
CREATE INDEX audit_log_by_subject ON audit_log (subject);
CREATE INDEX outbox_by_chat ON outbox (chat_id);

-- Before consent nothing but a refusal is kept. Earlier versions added a person to a campaign
-- when they opened its link and noted their first name before they agreed: someone still at
-- the welcome keeps the campaign as a pending invitation (joined when they agree), and the
-- rest of it goes.
UPDATE chats
SET state = json_set(state, '$.invite',
                     (SELECT campaign_id FROM campaign_members cm
                      WHERE cm.member_id = chats.chat_id ORDER BY joined_at DESC LIMIT 1))
WHERE json_extract(state, '$.at') = 'Consent'
  AND EXISTS (SELECT 1 FROM campaign_members cm WHERE cm.member_id = chats.chat_id)
  AND chat_id NOT IN (SELECT member_id FROM members WHERE consent = 'given');
DELETE FROM campaign_members
WHERE member_id NOT IN (SELECT member_id FROM members WHERE consent = 'given');
UPDATE chats SET first_name = NULL
WHERE chat_id NOT IN (SELECT member_id FROM members WHERE consent = 'given');
