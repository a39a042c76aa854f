//! The command list Telegram shows in its menu, per language.

use teloxide::prelude::*;
use teloxide::types::BotCommand;

use crate::domain::Lang;
use crate::messages::tr;

pub const COMMANDS: [&str; 8] = [
    "start", "menu", "mine", "language", "settings", "help", "cancel", "forget",
];

pub fn commands(lang: Lang) -> Vec<BotCommand> {
    COMMANDS
        .iter()
        .map(|c| BotCommand::new(*c, tr(lang, &format!("commands.{c}"))))
        .collect()
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
