//! What the bot reads and writes once as it starts: the active plan (the built-in draft stored
//! on a first start), the admins its settings name, its username (for reminders queued from
//! the command line), and which staff members Telegram can be given their command menu.

use chrono::{DateTime, Utc};

use crate::domain::{Plan, Roles};
use crate::store::{Store, StoreError, BOT_USERNAME_SETTING};

pub struct Started {
    pub plan: Plan,
    /// Admins and focal points who have written to the bot (Telegram knows no chat with
    /// anyone else: their menu is set when they first write), with their roles.
    pub staff: Vec<(i64, Roles)>,
}

pub async fn prepare(
    store: &Store,
    admins: &[i64],
    bot_username: &str,
    now: DateTime<Utc>,
) -> Result<Started, StoreError> {
    let plan = store
        .active_plan_or(crate::plan_io::default_plan, now)
        .await?;
    store.bootstrap_admins(admins, now).await?;
    store
        .set_setting(BOT_USERNAME_SETTING, bot_username, now)
        .await?;
    let admins: Vec<i64> = store.admins().await?.iter().map(|a| a.user_id).collect();
    let coordinators: Vec<i64> = store
        .coordinators()
        .await?
        .iter()
        .map(|c| c.member_id)
        .collect();
    let mut people: Vec<i64> = admins.iter().chain(&coordinators).copied().collect();
    people.sort_unstable();
    people.dedup();
    let mut staff = Vec::new();
    for id in people {
        if store.has_chat(id).await? {
            let roles = Roles {
                admin: admins.contains(&id),
                coordinator: coordinators.contains(&id),
            };
            staff.push((id, roles));
        }
    }
    Ok(Started { plan, staff })
}
