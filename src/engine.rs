//! One turn of the conversation, whatever the front end: load → step → render → apply.
//! The Telegram adapter and `dwcp-feedback try` both drive this.

use std::sync::{Arc, RwLock};

use crate::clock::Clock;
use crate::conversation::{
    step, Callback, ChatKind, Command, Consent, Effect, Facts, Input, Placement, State,
};
use chrono::{DateTime, Utc};

use crate::conversation::{AnnounceDraft, CampaignCard, CampaignFacts, FocalArg, Invite};
use crate::domain::summary::Summary;
use crate::domain::{CampaignCode, Lang, Org, OrgChoice, Plan, Profile};
use crate::messages::text::visible_text;
use crate::messages::{notice_text, render, Action, Rendered};
use crate::store::Campaign;
use crate::store::{StepWrite, Store, StoreError};

/// An update from any front end, parsed.
#[derive(Clone, Debug)]
pub struct Incoming {
    pub chat_id: i64,
    pub chat: ChatKind,
    /// Who sent it: in a private chat the chat itself; in a group, one of its members.
    pub sender: Option<i64>,
    /// Telegram's `language_code` of the sender, for the first screen's pre-selection.
    pub language_code: Option<String>,
    /// Telegram's update id, to skip an update redelivered after a crash.
    pub update_id: Option<i64>,
    /// For a tap: the message tapped, as the member's phone shows it.
    pub seen: Option<Seen>,
    pub input: Input,
}

/// A message as the member sees it, carried by a tap on it (whichever copy was tapped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    pub message_id: i32,
    /// The text without formatting.
    pub text: String,
    /// Rows of (label, callback data or URL).
    pub buttons: Vec<Vec<(String, String)>>,
}

impl Seen {
    /// Whether the message already shows `r`: then editing it to `r` would change nothing, and
    /// Telegram would answer "message is not modified".
    pub fn shows(&self, r: &Rendered) -> bool {
        let text = if r.fitted {
            visible_text(&r.text)
        } else {
            r.text.clone()
        };
        let buttons: Vec<Vec<(String, String)>> = r
            .keyboard
            .rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|b| {
                        let target = match &b.action {
                            Action::Callback(cb) => cb.encode(),
                            Action::Url(u) => url::Url::parse(u).map_or(u.clone(), String::from),
                        };
                        (b.label.clone(), target)
                    })
                    .collect()
            })
            .filter(|row: &Vec<_>| !row.is_empty())
            .collect();
        text.trim() == self.text.trim() && buttons == self.buttons
    }
}

#[derive(Clone, Debug)]
pub struct Outgoing {
    pub placement: Placement,
    pub rendered: Rendered,
}

#[derive(Clone, Debug, Default)]
pub struct Handled {
    pub outgoing: Vec<Outgoing>,
    /// Text for the callback answer; `None` answers silently.
    pub notice: Option<String>,
    /// Admin work to run after the replies are sent, reported in `lang`.
    pub tasks: Vec<crate::conversation::Task>,
    pub lang: Lang,
}

pub struct Engine {
    store: Store,
    plan: RwLock<Arc<Plan>>,
    clock: Arc<dyn Clock>,
    bot_username: String,
    /// The organisations the secretariat added, with the stamp they were loaded at: reloaded
    /// when a chat's record shows another (`org add` may run while the bot does).
    added_orgs: RwLock<(String, Arc<Vec<Org>>)>,
    /// Wakes the outbox worker when something was queued (it also looks every second).
    outbox_wake: Arc<tokio::sync::Notify>,
}

impl Engine {
    pub fn new(store: Store, plan: Plan, clock: Arc<dyn Clock>, bot_username: String) -> Engine {
        Engine {
            store,
            plan: RwLock::new(Arc::new(plan)),
            clock,
            bot_username,
            added_orgs: RwLock::new((String::new(), Arc::new(Vec::new()))),
            outbox_wake: Arc::new(tokio::sync::Notify::new()),
        }
    }

    pub fn outbox_wake(&self) -> Arc<tokio::sync::Notify> {
        self.outbox_wake.clone()
    }

    /// What a `/start` payload's campaign code names. Payloads of other kinds are no invite.
    async fn invite(&self, input: &Input, now: DateTime<Utc>) -> Result<Invite, StoreError> {
        let Input::Command(Command::Start(Some(payload))) = input else {
            return Ok(Invite::None);
        };
        if !payload.starts_with("c_") {
            return Ok(Invite::None);
        }
        let Some(code) = CampaignCode::from_start_payload(payload) else {
            return Ok(Invite::Unknown);
        };
        Ok(match self.store.campaign_by_code(&code).await? {
            None => Invite::Unknown,
            Some(c) if c.deadline <= now => Invite::Expired,
            Some(c) => Invite::Open(self.campaign_facts(&c).await?),
        })
    }

    /// The organisation of a campaign, looked up in the store: never taken from the link.
    async fn campaign_facts(&self, c: &Campaign) -> Result<CampaignFacts, StoreError> {
        let org = self.store.organisation(&c.org_code).await?;
        Ok(CampaignFacts {
            id: c.id,
            title: c.title.clone(),
            constituency: org.as_ref().map(|o| o.constituency),
            org: org.map(OrgChoice::Known),
            activities: c.activities.clone(),
            deadline: c.deadline,
        })
    }

    /// The secretariat's added organisations as of `stamp`, reloading them when it moved.
    async fn added_orgs(&self, stamp: &str) -> Result<Arc<Vec<Org>>, StoreError> {
        {
            let cached = self.added_orgs.read().unwrap_or_else(|e| e.into_inner());
            if cached.0 == stamp {
                return Ok(cached.1.clone());
            }
        }
        let fresh = Arc::new(self.store.added_organisations().await?);
        *self.added_orgs.write().unwrap_or_else(|e| e.into_inner()) =
            (stamp.to_string(), fresh.clone());
        Ok(fresh)
    }

    /// An organisation's open campaigns as a group card shows them, soonest deadline first.
    async fn cards(&self, org: &str, now: DateTime<Utc>) -> Result<Vec<CampaignCard>, StoreError> {
        let Some(org) = self.store.organisation(org).await? else {
            return Ok(Vec::new());
        };
        Ok(self
            .store
            .open_campaigns(now, Some(&org.code))
            .await?
            .into_iter()
            .map(|c| CampaignCard {
                title: c.title,
                code: c.code,
                deadline: c.deadline,
                org: org.clone(),
            })
            .collect())
    }

    pub fn bot_username(&self) -> &str {
        &self.bot_username
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn plan(&self) -> Arc<Plan> {
        // A poisoned lock only means a writer panicked mid-swap of an Arc: the value is whole.
        self.plan.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    pub async fn handle(&self, incoming: Incoming) -> Result<Handled, StoreError> {
        let plan = self.plan();
        let now = self.clock.now();
        let telegram_lang = Lang::from_telegram(incoming.language_code.as_deref());

        if incoming.chat == ChatKind::Group {
            // Only a focal point's `/campaign` reads the store: the rest of a group's traffic
            // costs nothing.
            let coordinates = match (&incoming.input, incoming.sender) {
                (Input::Command(Command::Campaign(_)), Some(sender)) => {
                    self.store.coordinated_org(sender).await?
                }
                _ => None,
            };
            let cards = match &coordinates {
                Some(org) => self.cards(org, now).await?,
                None => Vec::new(),
            };
            let facts = Facts {
                chat_id: incoming.chat_id,
                plan: &plan,
                chat: ChatKind::Group,
                lang: None,
                telegram_lang,
                consent: Consent::Unknown,
                profile: Profile::default(),
                given: Default::default(),
                window: crate::domain::Window::always_open(),
                is_admin: false,
                summary: None,
                campaign: None,
                invite: Invite::None,
                coordinates,
                campaigns: None,
                organisations: &[],
                cards,
                focal_points: None,
                audience_size: None,
                reminders: true,
            };
            let outcome = step(&State::Start, &incoming.input, &facts, now);
            let outgoing = outcome
                .replies
                .iter()
                .map(|r| self.outgoing(r, telegram_lang, &plan))
                .collect();
            return Ok(Handled {
                outgoing,
                notice: None,
                tasks: Vec::new(),
                lang: telegram_lang,
            });
        }

        let mut record = self.store.load_chat(incoming.chat_id, plan.version).await?;
        let plan = match record.active_plan {
            Some(active) if active != plan.version => {
                // A plan was imported (by the command line, or another admin): switch to it.
                let Some(fresh) = self.store.active_plan().await? else {
                    return Err(StoreError::BadPlan("no active plan".into()));
                };
                tracing::info!(
                    from = plan.version,
                    to = fresh.version,
                    "the active plan changed"
                );
                let fresh = Arc::new(fresh);
                *self.plan.write().unwrap_or_else(|e| e.into_inner()) = fresh.clone();
                record = self
                    .store
                    .load_chat(incoming.chat_id, fresh.version)
                    .await?;
                fresh
            }
            _ => plan,
        };
        if let (Some(id), Some(last)) = (incoming.update_id, record.last_update_id) {
            if id <= last {
                tracing::debug!(
                    chat = incoming.chat_id,
                    update = id,
                    "skipping redelivered update"
                );
                return Ok(Handled::default());
            }
        }
        let added_orgs = self.added_orgs(&record.orgs_stamp).await?;
        let facts = Facts {
            chat_id: incoming.chat_id,
            plan: &plan,
            chat: ChatKind::Private,
            lang: record.lang,
            telegram_lang,
            consent: record.consent,
            // Moved, not copied: the step needs them, the record's remaining fields do not.
            profile: std::mem::take(&mut record.profile),
            given: std::mem::take(&mut record.given),
            window: record.window,
            is_admin: record.is_admin,
            // Computed only when an admin asks for it: two aggregate queries.
            summary: match (&incoming.input, record.is_admin) {
                (
                    Input::Command(Command::Summary)
                    | Input::Callback {
                        data: Callback::Summary(_),
                        ..
                    },
                    true,
                ) => {
                    let cells = self.store.summary_cells(plan.version).await?;
                    Some(Summary::new(
                        &plan,
                        self.store.member_counts().await?,
                        &cells,
                    ))
                }
                _ => None,
            },
            // The campaign they joined last, or the one whose link waits for their consent.
            campaign: match record.campaign_id.or(match record.state {
                State::Consent { invite } => invite,
                _ => None,
            }) {
                Some(id) => match self.store.campaign(id).await? {
                    Some(c) if c.deadline > now => Some(self.campaign_facts(&c).await?),
                    _ => None,
                },
                None => None,
            },
            invite: self.invite(&incoming.input, now).await?,
            // Loaded only for a coordinator's campaign screens, and only their organisation's.
            campaigns: match (&incoming.input, &record.coordinates) {
                (
                    Input::Command(Command::Campaign(_))
                    | Input::Callback {
                        data:
                            Callback::Campaigns
                            | Callback::AutoRemind(..)
                            | Callback::Remind(_)
                            | Callback::RemindSend(_),
                        ..
                    },
                    Some(org),
                ) => Some(self.store.campaign_progress(org).await?),
                _ => None,
            },
            coordinates: record.coordinates.take(),
            organisations: &added_orgs,
            cards: Vec::new(),
            focal_points: match (&incoming.input, record.is_admin) {
                (Input::Command(Command::Focal(FocalArg::List)), true) => {
                    Some(self.store.coordinators().await?)
                }
                _ => None,
            },
            // Counted for an admin's announcement preview and its confirmation.
            audience_size: match (&record.state, &incoming.input, record.is_admin) {
                (
                    State::Announce {
                        draft:
                            AnnounceDraft {
                                audience: Some(audience),
                                ..
                            },
                    },
                    Input::Text(_)
                    | Input::Callback {
                        data: Callback::AnnounceSend,
                        ..
                    },
                    true,
                ) => Some(self.store.audience_size(audience).await?),
                _ => None,
            },
            reminders: record.reminders,
        };
        let outcome = step(&record.state, &incoming.input, &facts, now);
        let lang = outcome
            .effects
            .iter()
            .rev()
            .find_map(|e| {
                if let Effect::SetLang(l) = e {
                    Some(*l)
                } else {
                    None
                }
            })
            .unwrap_or(facts.lang());

        let mut outgoing = Vec::with_capacity(outcome.replies.len());
        for reply in &outcome.replies {
            let out = self.outgoing(reply, lang, &plan);
            let unchanged = match (out.placement, &incoming.seen) {
                (Placement::Edit(id), Some(seen)) => {
                    seen.message_id == id && seen.shows(&out.rendered)
                }
                _ => false,
            };
            if !unchanged {
                outgoing.push(out);
            }
        }
        self.store
            .apply(StepWrite {
                chat_id: incoming.chat_id,
                state: &outcome.state,
                effects: &outcome.effects,
                plan_version: plan.version,
                update_id: incoming.update_id,
                now,
            })
            .await?;
        Ok(Handled {
            outgoing,
            notice: outcome.notice.and_then(|n| notice_text(n, lang)),
            tasks: outcome.tasks,
            lang,
        })
    }

    fn outgoing(&self, reply: &crate::conversation::Reply, lang: Lang, plan: &Plan) -> Outgoing {
        Outgoing {
            placement: reply.placement,
            rendered: render(reply, lang, plan, &self.bot_username),
        }
    }
}
