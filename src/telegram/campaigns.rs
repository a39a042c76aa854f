//! Coordinators' slow work: creating a campaign (a fresh random code, then the link and a
//! message to forward) and queuing a reminder through the outbox.

use teloxide::types::ChatId;

use super::tasks::{say, TaskError};
use crate::delivery::Delivery;
use crate::domain::campaign::due_reminder;
use crate::domain::{ActivityCode, CampaignCode, Lang};
use crate::engine::Engine;
use crate::messages::render::last_day;
use crate::messages::text::{esc, number};
use crate::messages::{tr, tr_with};
use crate::store::{
    Actor, BroadcastKind, Campaign, NewBroadcast, NewCampaign, OutMessage, Recipient, StatusMessage,
};

pub(super) struct NewCampaignTask<'a> {
    pub org: &'a str,
    pub title: &'a str,
    pub activities: &'a [ActivityCode],
    pub deadline: chrono::DateTime<chrono::Utc>,
}

/// The organisation's name in `lang`, as members know it.
async fn org_name(engine: &Engine, code: &str, lang: Lang) -> Result<String, TaskError> {
    Ok(match engine.store().organisation(code).await? {
        Some(org) => match lang {
            Lang::Km => org.name_km,
            Lang::En => org.name_en,
        },
        None => code.to_string(),
    })
}

pub(super) async fn create(
    engine: &Engine,
    out: &Delivery,
    chat: ChatId,
    lang: Lang,
    task: NewCampaignTask<'_>,
) -> Result<(), TaskError> {
    let code = CampaignCode::generate().map_err(|e| std::io::Error::other(e.to_string()))?;
    let new = NewCampaign {
        code,
        org_code: task.org.to_string(),
        title: task.title.to_string(),
        activities: task.activities.to_vec(),
        plan_version: engine.plan().version,
        deadline: task.deadline,
        auto_remind: true,
    };
    let campaign = engine
        .store()
        .create_campaign(&new, Actor::User(chat.0), engine.now())
        .await?;
    let link = campaign.code.link(engine.bot_username());
    let created = tr_with(
        lang,
        "campaign.created",
        &[
            ("title", &esc(&campaign.title)),
            ("date", &last_day(lang, campaign.deadline)),
            ("link", &esc(&link)),
        ],
    );
    say(out, chat, created).await?;
    // Ready to forward to the union's group: Khmer first, then English.
    let mut forward = Vec::new();
    for l in [Lang::Km, Lang::En] {
        forward.push(tr_with(
            l,
            "campaign.forward",
            &[
                ("title", &esc(&campaign.title)),
                ("org", &esc(&org_name(engine, &campaign.org_code, l).await?)),
                ("date", &last_day(l, campaign.deadline)),
                ("link", &esc(&link)),
            ],
        ));
    }
    say(out, chat, forward.join("\n\n")).await?;
    Ok(())
}

/// Queues the reminder for the campaign's members who have not finished. The step checked
/// the campaign is the coordinator's; checked again here against the store.
pub(super) async fn remind(
    engine: &Engine,
    out: &Delivery,
    chat: ChatId,
    lang: Lang,
    campaign_id: i64,
) -> Result<(), TaskError> {
    let store = engine.store();
    let campaign = store.campaign(campaign_id).await?;
    let mine = store.coordinated_org(chat.0).await?;
    let Some(campaign) = campaign.filter(|c| Some(&c.org_code) == mine.as_ref()) else {
        say(out, chat, tr(lang, "campaign.not_allowed")).await?;
        return Ok(());
    };
    if campaign.deadline <= engine.now() {
        say(out, chat, tr(lang, "campaign.closed_no_remind")).await?;
        return Ok(());
    }
    let recipients = store.to_remind(&campaign).await?;
    if recipients.is_empty() {
        say(out, chat, tr(lang, "campaign.nobody_to_remind")).await?;
        return Ok(());
    }
    let messages = reminder_messages(engine, &campaign, recipients).await?;
    let status = say(out, chat, tr(lang, "campaign.reminding")).await?;
    let broadcast = NewBroadcast {
        kind: BroadcastKind::Reminder,
        audience: format!("campaign #{} members who have not finished", campaign.id),
        campaign_id: Some(campaign.id),
        stage: None,
        by: Actor::User(chat.0),
        status: Some(StatusMessage {
            chat: chat.0,
            message: status.0,
            lang,
        }),
    };
    store
        .queue_broadcast(&broadcast, &messages, engine.now())
        .await?;
    engine.outbox_wake().notify_one();
    Ok(())
}

/// Each recipient's reminder in their language, with a button that continues the campaign.
async fn reminder_messages(
    engine: &Engine,
    campaign: &Campaign,
    recipients: Vec<Recipient>,
) -> Result<Vec<OutMessage>, TaskError> {
    let link = campaign.code.link(engine.bot_username());
    let names = [
        (
            Lang::Km,
            org_name(engine, &campaign.org_code, Lang::Km).await?,
        ),
        (
            Lang::En,
            org_name(engine, &campaign.org_code, Lang::En).await?,
        ),
    ];
    Ok(recipients
        .into_iter()
        .map(|r| {
            let org = names
                .iter()
                .find(|(l, _)| *l == r.lang)
                .map_or("", |(_, n)| n.as_str());
            OutMessage {
                chat_id: r.chat_id,
                html: tr_with(
                    r.lang,
                    "campaign.reminder",
                    &[
                        ("title", &esc(&campaign.title)),
                        ("org", &esc(org)),
                        ("date", &last_day(r.lang, campaign.deadline)),
                    ],
                ),
                button: Some((tr(r.lang, "btn.continue_feedback"), link.clone())),
            }
        })
        .collect())
}

/// Queues the automatic reminders that are due (3 days and 1 day before each open campaign's
/// deadline, in the daytime in Phnom Penh). Each stage is queued once per campaign, however
/// often this runs and however many times the bot restarts.
pub(super) async fn queue_due_reminders(
    engine: &Engine,
    out: &Delivery,
) -> Result<usize, TaskError> {
    let now = engine.now();
    let store = engine.store();
    let mut queued = 0;
    for campaign in store.open_campaigns(now, None).await? {
        let Some(stage) = due_reminder(campaign.deadline, now).filter(|_| campaign.auto_remind)
        else {
            continue;
        };
        if store.reminder_stage_queued(campaign.id, stage).await? {
            continue;
        }
        let recipients = store.to_remind(&campaign).await?;
        let messages = reminder_messages(engine, &campaign, recipients).await?;
        let status = if messages.is_empty() {
            None
        } else {
            tell_focal_point(engine, out, &campaign, messages.len()).await
        };
        let broadcast = NewBroadcast {
            kind: BroadcastKind::Reminder,
            audience: format!(
                "campaign #{} members who have not finished ({stage})",
                campaign.id
            ),
            campaign_id: Some(campaign.id),
            stage: Some(stage),
            by: Actor::Cli,
            status,
        };
        if store
            .queue_broadcast(&broadcast, &messages, now)
            .await?
            .is_some()
        {
            queued += messages.len();
        }
    }
    Ok(queued)
}

/// Tells the organisation's focal point that an automatic reminder is going out, in a message
/// the outbox then edits with its progress and final tally. `None` when the organisation has no
/// focal point or the message cannot be sent (the reminder goes out all the same).
async fn tell_focal_point(
    engine: &Engine,
    out: &Delivery,
    campaign: &Campaign,
    recipients: usize,
) -> Option<StatusMessage> {
    let store = engine.store();
    let focal = match store.coordinators().await {
        Ok(all) => {
            all.into_iter()
                .find(|f| f.org_code == campaign.org_code)?
                .member_id
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not look up a focal point");
            return None;
        }
    };
    let lang = store
        .chat_lang(focal)
        .await
        .ok()
        .flatten()
        .unwrap_or(Lang::Km);
    let text = tr_with(
        lang,
        "campaign.auto_reminding",
        &[
            ("title", &esc(&campaign.title)),
            ("n", &number(recipients, lang)),
        ],
    );
    match say(out, ChatId(focal), text).await {
        Ok(message) => Some(StatusMessage {
            chat: focal,
            message: message.0,
            lang,
        }),
        Err(e) => {
            tracing::warn!(error = %e, "could not tell a focal point about an automatic reminder");
            None
        }
    }
}
