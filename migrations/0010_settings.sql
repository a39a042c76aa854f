-- Settings the running bot learns and the command line needs. `bot_username` is the bot's
-- Telegram username (from getMe at start): reminders queued from the command line carry a
-- button that opens the bot on the campaign's link.
CREATE TABLE settings (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
