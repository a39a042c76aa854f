//! Campaigns' work outside the conversation: making one (a fresh random code and its link),
//! and the reminders, asked for by a focal point or due by the schedule. Each returns what it
//! did as data; the front end (the bot, the command line, `try`) says it in its own way.

use chrono::{DateTime, Utc};

use super::JobError;
use crate::domain::campaign::due_reminder;
use crate::domain::{Campaign, CampaignCode, Lang};
use crate::messages;
use crate::store::{
    Actor, BroadcastKind, NewBroadcast, NewCampaign, OutMessage, Recipient, StatusMessage, Store,
};

pub use crate::domain::CampaignRequest;

pub use crate::domain::campaign::{Created, NoReminder};

/// The organisation's name in `lang`, as members know it.
async fn org_name(store: &Store, code: &str, lang: Lang) -> Result<String, JobError> {
    Ok(match store.organisation(code).await? {
        Some(org) => match lang {
            Lang::Km => org.name_km,
            Lang::En => org.name_en,
        },
        None => code.to_string(),
    })
}

/// A campaign made again within this time, with the same organisation, title, activities
/// and deadline, is the same one: a command sent twice makes one campaign.
const SAME_CAMPAIGN_WITHIN: chrono::Duration = chrono::Duration::minutes(10);

pub async fn create(
    store: &Store,
    bot_username: &str,
    plan_version: i64,
    request: CampaignRequest,
    by: Actor,
    now: DateTime<Utc>,
) -> Result<Created, JobError> {
    let window = store.window().await?;
    let window_ends_first = window.until.filter(|until| *until < request.deadline);
    let made_before = store
        .same_campaign_since(&request, now - SAME_CAMPAIGN_WITHIN)
        .await?;
    let made = |campaign: Campaign, again| async move {
        Ok(Created {
            link: campaign.code.link(bot_username),
            org_km: org_name(store, &campaign.org_code, Lang::Km).await?,
            org_en: org_name(store, &campaign.org_code, Lang::En).await?,
            campaign,
            again,
            window_ends_first,
        })
    };
    if let Some(campaign) = made_before {
        return made(campaign, true).await;
    }
    let new = NewCampaign {
        code: CampaignCode::generate().map_err(|e| JobError::NoRandomness(e.to_string()))?,
        org_code: request.org,
        title: request.title,
        activities: request.activities,
        plan_version,
        deadline: request.deadline,
        auto_remind: true,
    };
    made(store.create_campaign(&new, by, now).await?, false).await
}

/// Reminders to queue for one campaign, each in its member's language.
#[derive(Clone, Debug)]
pub struct Reminders {
    pub campaign: Campaign,
    pub messages: Vec<OutMessage>,
}

/// A reminder asked for: what it would send, or why it is not sent.
#[derive(Clone, Debug)]
pub enum Reminder {
    Refused(NoReminder),
    Ready(Reminders),
}

/// Who asks for a reminder: an organisation's focal point (the step checked which
/// organisation; only its own campaigns), or the secretariat on the command line (any).
#[derive(Clone, Debug)]
pub enum Asker {
    Organisation(String),
    Secretariat,
}

/// The reminder for `campaign`'s members who have not finished, checked against the store.
pub async fn prepare_reminder(
    store: &Store,
    bot_username: &str,
    asker: Asker,
    campaign_id: i64,
    now: DateTime<Utc>,
) -> Result<Reminder, JobError> {
    let Some(campaign) = store.campaign(campaign_id).await? else {
        return Ok(Reminder::Refused(NoReminder::NoSuchCampaign));
    };
    if let Asker::Organisation(org) = asker {
        if org != campaign.org_code {
            return Ok(Reminder::Refused(NoReminder::NotYours));
        }
    }
    if campaign.deadline <= now {
        return Ok(Reminder::Refused(NoReminder::CampaignClosed));
    }
    if !store.window().await?.is_open(now) {
        return Ok(Reminder::Refused(NoReminder::ConsultationClosed));
    }
    let recipients = store.to_remind(&campaign).await?;
    if recipients.is_empty() {
        return Ok(Reminder::Refused(NoReminder::Nobody));
    }
    let messages = reminder_messages(store, bot_username, &campaign, recipients).await?;
    Ok(Reminder::Ready(Reminders { campaign, messages }))
}

/// Queues reminders through the outbox; `status`: the message that shows their progress.
/// Returns how many were queued (0 when this automatic stage was queued before).
pub async fn queue(
    store: &Store,
    reminders: &Reminders,
    stage: Option<&'static str>,
    by: Actor,
    status: Option<StatusMessage>,
    now: DateTime<Utc>,
) -> Result<usize, JobError> {
    let campaign = &reminders.campaign;
    let audience = match stage {
        Some(stage) => format!(
            "campaign #{} members who have not finished ({stage})",
            campaign.id
        ),
        None => format!("campaign #{} members who have not finished", campaign.id),
    };
    let broadcast = NewBroadcast {
        kind: BroadcastKind::Reminder,
        audience,
        campaign_id: Some(campaign.id),
        stage,
        by,
        status,
    };
    let queued = store
        .queue_broadcast(&broadcast, &reminders.messages, now)
        .await?;
    Ok(queued.map_or(0, |_| reminders.messages.len()))
}

/// Each recipient's reminder in their language, with a button that continues the campaign.
async fn reminder_messages(
    store: &Store,
    bot_username: &str,
    campaign: &Campaign,
    recipients: Vec<Recipient>,
) -> Result<Vec<OutMessage>, JobError> {
    let link = campaign.code.link(bot_username);
    let km = org_name(store, &campaign.org_code, Lang::Km).await?;
    let en = org_name(store, &campaign.org_code, Lang::En).await?;
    Ok(recipients
        .into_iter()
        .map(|r| {
            let org = match r.lang {
                Lang::Km => &km,
                Lang::En => &en,
            };
            let (html, label) = messages::campaign::reminder(r.lang, campaign, org);
            OutMessage {
                chat_id: r.chat_id,
                html,
                button: Some((label, link.clone())),
            }
        })
        .collect())
}

/// An automatic reminder that is due (3 days and 1 day before an open campaign's deadline, in
/// the daytime in Phnom Penh) and not queued before.
#[derive(Clone, Debug)]
pub struct DueReminder {
    pub stage: &'static str,
    pub reminders: Reminders,
    /// The organisation's focal point and their language, to be told it is going out.
    pub focal_point: Option<(i64, Lang)>,
}

/// The automatic reminders due now. Each stage is queued once per campaign (see [`queue`]),
/// however often this runs and however many times the bot restarts.
pub async fn due_reminders(
    store: &Store,
    bot_username: &str,
    now: DateTime<Utc>,
) -> Result<Vec<DueReminder>, JobError> {
    let mut due = Vec::new();
    // Members could not answer: nothing is due while the consultation is closed.
    if !store.window().await?.is_open(now) {
        return Ok(due);
    }
    let mut focal_points = None;
    for campaign in store.open_campaigns(now, None).await? {
        let Some(stage) = due_reminder(campaign.deadline, now).filter(|_| campaign.auto_remind)
        else {
            continue;
        };
        if store.reminder_stage_queued(campaign.id, stage).await? {
            continue;
        }
        let recipients = store.to_remind(&campaign).await?;
        let messages = reminder_messages(store, bot_username, &campaign, recipients).await?;
        // Read once, and only when a reminder is due (most minutes none is).
        if focal_points.is_none() {
            focal_points = Some(store.coordinators().await?);
        }
        let focal_point = match focal_points
            .iter()
            .flatten()
            .find(|f| f.org_code == campaign.org_code)
        {
            Some(f) => Some((
                f.member_id,
                store.chat_lang(f.member_id).await?.unwrap_or(Lang::Km),
            )),
            None => None,
        };
        due.push(DueReminder {
            stage,
            reminders: Reminders { campaign, messages },
            focal_point,
        });
    }
    Ok(due)
}
