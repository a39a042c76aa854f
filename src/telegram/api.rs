//! The Bot API calls that are not sending a message (delivery does that): who the bot is,
//! the command menus, and files fetched from Telegram. One home for them, used by the bot,
//! its health check and the command line.

use std::path::Path;
use std::time::Duration;

use teloxide::net::Download;
use teloxide::prelude::*;
use teloxide::types::{BotCommand, BotCommandScope, ChatId, Me, Recipient};
use teloxide::{ApiError, RequestError};

use crate::domain::{Lang, Roles};
use crate::jobs::Fetched;
use crate::messages::tr;

/// The longest pause between two tries to reach Telegram at start-up.
const START_RETRY_MAX: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum WhoAmIError {
    #[error("Telegram does not know this token. Check TELOXIDE_TOKEN (from @BotFather).")]
    Token,
    #[error("Telegram refused to start the bot: {0}")]
    Refused(RequestError),
}

/// Asks Telegram who the bot is. Not reaching Telegram (a server booting before its network,
/// Telegram briefly away) is waited out with growing pauses, as polling does later; a token
/// Telegram does not know, or any other refusal, ends the start with a message saying which.
pub async fn who_am_i(bot: &Bot) -> Result<Me, WhoAmIError> {
    let mut pause = Duration::from_secs(1);
    loop {
        let wait = match bot.get_me().await {
            Ok(me) => return Ok(me),
            Err(RequestError::Api(ApiError::InvalidToken)) => return Err(WhoAmIError::Token),
            Err(RequestError::RetryAfter(after)) => after.duration(),
            Err(e @ (RequestError::Network(_) | RequestError::Io(_))) => {
                tracing::warn!(error = %e, retry_in_s = pause.as_secs(), "cannot reach Telegram yet");
                let wait = pause;
                pause = (pause * 2).min(START_RETRY_MAX);
                wait
            }
            Err(e) => return Err(WhoAmIError::Refused(e)),
        };
        tokio::time::sleep(wait).await;
    }
}

/// Whether Telegram answers the bot now (the health check's heartbeat).
pub async fn answers(bot: &Bot, within: Duration) -> bool {
    matches!(tokio::time::timeout(within, bot.get_me()).await, Ok(Ok(_)))
}

/// A file someone sent the bot, fetched into memory, at most `max` bytes: Telegram's declared
/// size is checked first, and the download is held to the bound anyway.
pub async fn fetch(bot: &Bot, file_id: &str, max: usize) -> Result<Fetched, String> {
    let file = bot
        .get_file(file_id.to_string().into())
        .await
        .map_err(|e| e.to_string())?;
    if file.size as usize > max {
        return Ok(Fetched::TooBig(u64::from(file.size)));
    }
    let mut bytes = Capped::new(max);
    match bot.download_file(&file.path, &mut bytes).await {
        Ok(()) => Ok(Fetched::Bytes(bytes.bytes)),
        Err(_) if bytes.overflowed => Ok(Fetched::TooBig(max as u64 + 1)),
        Err(e) => Err(e.to_string()),
    }
}

/// A file someone sent the bot (a voice note), downloaded to `path`.
pub async fn download_to(bot: &Bot, file_id: &str, path: &Path) -> Result<(), String> {
    let file = bot
        .get_file(file_id.to_string().into())
        .await
        .map_err(|e| e.to_string())?;
    // Truncates what is there, keeping its mode (the caller made it owner-only).
    let mut out = tokio::fs::File::create(path)
        .await
        .map_err(|e| e.to_string())?;
    bot.download_file(&file.path, &mut out)
        .await
        .map_err(|e| e.to_string())
}

/// A download buffer that refuses to grow past `max` bytes.
struct Capped {
    bytes: Vec<u8>,
    max: usize,
    overflowed: bool,
}

impl Capped {
    fn new(max: usize) -> Capped {
        Capped {
            bytes: Vec::new(),
            max,
            overflowed: false,
        }
    }
}

impl tokio::io::AsyncWrite for Capped {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        if this.bytes.len() + buf.len() > this.max {
            this.overflowed = true;
            return std::task::Poll::Ready(Err(std::io::Error::other("file too large")));
        }
        this.bytes.extend_from_slice(buf);
        std::task::Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

pub const COMMANDS: [&str; 8] = [
    "start", "menu", "mine", "language", "settings", "help", "cancel", "forget",
];

/// Shown, after the members' commands, only in the menus of secretariat admins.
pub const ADMIN_COMMANDS: [&str; 9] = [
    "summary", "export", "report", "monitor", "template", "window", "announce", "admin", "focal",
];

/// Shown only in the menus of organisations' focal points.
pub const COORDINATOR_COMMANDS: [&str; 2] = ["campaign", "monitor"];

pub fn commands(lang: Lang) -> Vec<BotCommand> {
    named(&COMMANDS, lang)
}

fn named(names: &[&str], lang: Lang) -> Vec<BotCommand> {
    names
        .iter()
        .map(|c| BotCommand::new(*c, tr(lang, &format!("commands.{c}"))))
        .collect()
}

/// Gives each admin's and focal point's private chat a menu with their own commands too (a
/// per-chat command scope; everyone else keeps the members' menu). Returns the chats whose
/// menu is now set.
pub async fn register_staff<B: Requester>(bot: &B, staff: &[(i64, Roles)]) -> Vec<(i64, Roles)> {
    let mut set = Vec::new();
    for (id, roles) in staff {
        if register_chat(bot, *id, *roles).await {
            set.push((*id, *roles));
        }
    }
    set
}

/// One private chat's menu in both languages: the members' commands, then the focal point's
/// and the admin's when they are one. Also how a role taken away leaves the menu.
pub async fn register_chat<B: Requester>(bot: &B, id: i64, roles: Roles) -> bool {
    let Roles { admin, coordinator } = roles;
    let scope = BotCommandScope::Chat {
        chat_id: Recipient::Id(ChatId(id)),
    };
    for lang in Lang::ALL {
        let mut all = commands(lang);
        if coordinator {
            all.extend(named(&COORDINATOR_COMMANDS, lang));
        }
        if admin {
            // A focal point who is also an admin has /monitor once.
            let more: Vec<&str> = ADMIN_COMMANDS
                .into_iter()
                .filter(|c| !(coordinator && COORDINATOR_COMMANDS.contains(c)))
                .collect();
            all.extend(named(&more, lang));
        }
        let mut req = bot.set_my_commands(all).scope(scope.clone());
        if lang == Lang::En {
            req = req.language_code("en");
        }
        if let Err(e) = req.await {
            tracing::warn!(chat = id, error = %e, "could not register a staff member's commands");
            return false;
        }
    }
    true
}

/// Khmer for everyone by default, English for phones set to English. A failure is logged,
/// not fatal: the bot works without the menu.
pub async fn register<B: Requester>(bot: &B) {
    let default = bot.set_my_commands(commands(Lang::Km)).await;
    let english = bot
        .set_my_commands(commands(Lang::En))
        .language_code("en")
        .await;
    for result in [default.map(|_| ()), english.map(|_| ())] {
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not register the bot's commands");
        }
    }
}
