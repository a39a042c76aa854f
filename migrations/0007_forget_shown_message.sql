-- The bot no longer records which message shows a member's buttons, nor a hash of it.
-- Replies are now sent after the step that made them, so a record written at step time could
-- be overtaken by what is still on its way. Instead a tap carries the message as the member's
-- phone shows it, and the delivery layer remembers what it is putting in each message.
ALTER TABLE chats DROP COLUMN shown_message_id;
ALTER TABLE chats DROP COLUMN shown_hash;
