//! The command list Telegram shows in its menu, per language.

use teloxide::prelude::*;
use teloxide::types::{BotCommand, BotCommandScope, ChatId, Recipient};

use crate::domain::Lang;
pub use crate::engine::Roles;
use crate::messages::tr;

pub const COMMANDS: [&str; 8] = [
    "start", "menu", "mine", "language", "settings", "help", "cancel", "forget",
];

/// Shown, after the members' commands, only in the menus of secretariat admins.
pub const ADMIN_COMMANDS: [&str; 7] = [
    "summary", "export", "template", "window", "announce", "admin", "focal",
];

/// Shown only in the menus of organisations' focal points.
pub const COORDINATOR_COMMANDS: [&str; 1] = ["campaign"];

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
/// per-chat command scope; everyone else keeps the members' menu).
/// Returns the chats whose menu is now set, with the roles it shows. A chat Telegram does not
/// know yet ("chat not found": the person never opened the bot) is set when they first write.
pub async fn register_staff<B: Requester>(
    bot: &B,
    admins: &[i64],
    coordinators: &[i64],
) -> Vec<(i64, Roles)> {
    let mut staff: Vec<i64> = admins.iter().chain(coordinators).copied().collect();
    staff.sort_unstable();
    staff.dedup();
    let mut set = Vec::new();
    for id in staff {
        let roles = Roles {
            admin: admins.contains(&id),
            coordinator: coordinators.contains(&id),
        };
        if register_chat(bot, id, roles.admin, roles.coordinator).await {
            set.push((id, roles));
        }
    }
    set
}

/// One private chat's menu in both languages: the members' commands, then the focal point's
/// and the admin's when they are one. Also how a role taken away leaves the menu.
pub async fn register_chat<B: Requester>(bot: &B, id: i64, admin: bool, coordinator: bool) -> bool {
    let scope = BotCommandScope::Chat {
        chat_id: Recipient::Id(ChatId(id)),
    };
    for lang in Lang::ALL {
        let mut all = commands(lang);
        if coordinator {
            all.extend(named(&COORDINATOR_COMMANDS, lang));
        }
        if admin {
            all.extend(named(&ADMIN_COMMANDS, lang));
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
