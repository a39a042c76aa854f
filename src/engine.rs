//! One turn of the conversation, whatever the front end: load → step → render → apply.
//! The Telegram adapter and `dwcp-feedback try` both drive this.

use std::sync::{Arc, RwLock};

use crate::clock::Clock;
use crate::conversation::{step, ChatKind, Command, Effect, Facts, Input, Placement, State};
use chrono::{DateTime, Utc};

use crate::conversation::{CampaignCard, CampaignFacts, Invite, Needs};
use crate::domain::summary::Summary;
pub use crate::domain::Roles;
use crate::domain::{CampaignCode, Lang, Org, OrgChoice, Plan};
use crate::messages::text::visible_text;
use crate::messages::{notice_text, render, Action, Rendered};
use crate::store::Campaign;
use crate::store::{ChatRecord, StepWrite, Store, StoreError};

/// How often one update may be stepped while the step asks for more facts: each kind of fact
/// is loaded at most once, so a real step needs a few.
const MAX_STEPS_PER_UPDATE: usize = 8;

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
    /// The sender's first name as Telegram shows it: kept for a focal point's list of who has
    /// not finished, only once the member agreed, and cleaned of control characters.
    pub first_name: Option<String>,
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
    /// The person's roles (private chats): their command menu follows them.
    pub roles: Roles,
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
    /// Told of every erase, so that the backups are cleared of that person too.
    erasures: Arc<tokio::sync::Notify>,
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
            erasures: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// Notified after every erase.
    pub fn erasures(&self) -> Arc<tokio::sync::Notify> {
        self.erasures.clone()
    }

    pub fn outbox_wake(&self) -> Arc<tokio::sync::Notify> {
        self.outbox_wake.clone()
    }

    /// What a `/start` payload names: a campaign's invitation (open, expired, or a code that
    /// names none). Payloads of other kinds are no invite.
    async fn invite(&self, payload: &str, now: DateTime<Utc>) -> Result<Invite, StoreError> {
        if !payload.starts_with(CampaignCode::START_PREFIX) {
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

    /// A campaign as the member flow reads it, while it is open.
    async fn open_campaign(
        &self,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<CampaignFacts>, StoreError> {
        Ok(match self.store.campaign(id).await? {
            Some(c) if c.deadline > now => Some(self.campaign_facts(&c).await?),
            _ => None,
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

    /// Telegram said the member blocked the bot (or came back): nothing is sent to them
    /// meanwhile.
    pub async fn member_blocked(&self, chat: i64, blocked: bool) -> Result<(), StoreError> {
        self.store
            .set_blocked(chat, blocked, self.clock.now())
            .await
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
        let now = self.clock.now();
        let telegram_lang = Lang::from_telegram(incoming.language_code.as_deref());
        if incoming.chat == ChatKind::Group {
            return self.handle_group(&incoming, telegram_lang, now).await;
        }
        let (plan, mut record) = self.load_chat(incoming.chat_id).await?;
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
        let organisations = self.added_orgs(&record.orgs_stamp).await?;
        // Load → step; when the step says it wanted more (a summary, campaigns…), load that
        // and step again. A pure step, so the first try costs only its time.
        let mut loaded = OnDemand::default();
        let mut facts = Facts {
            lang: record.lang,
            consent: record.consent,
            // Moved, not copied: the step needs them, the rest of this turn does not.
            profile: std::mem::take(&mut record.profile),
            given: std::mem::take(&mut record.given),
            held: std::mem::take(&mut record.held),
            last_rated: record.last_activity.take(),
            window: record.window,
            is_admin: record.is_admin,
            joined: record.campaign_id,
            coordinates: record.coordinates.clone(),
            organisations: &organisations,
            reminders: record.reminders,
            ..Facts::new(incoming.chat_id, &plan, ChatKind::Private, telegram_lang)
        };
        let mut steps = 0;
        let outcome = loop {
            let outcome = step(&record.state, &incoming.input, &facts, now);
            steps += 1;
            // A step that keeps asking for something else (two facts of one kind) is answered
            // with what it has rather than left spinning.
            if steps > MAX_STEPS_PER_UPDATE {
                tracing::warn!(chat = incoming.chat_id, needs = ?outcome.needs, "a step kept asking for more facts");
                break outcome;
            }
            if loaded.needs.covers(&outcome.needs)
                || !loaded
                    .load_more(
                        self,
                        incoming.chat_id,
                        &record,
                        &plan,
                        outcome.needs.clone(),
                        now,
                    )
                    .await?
            {
                break outcome;
            }
            facts = loaded.facts(facts);
        };
        let lang = outcome.lang;
        let outgoing = self.render_replies(&outcome, lang, &plan, incoming.seen.as_ref());
        // The name is noted when they open the bot or agree; the store keeps it only for a
        // member who has agreed.
        let naming = matches!(
            incoming.input,
            Input::Command(Command::Start(_))
                | Input::Callback {
                    data: crate::conversation::Callback::Consent(true),
                    ..
                }
        );
        let first_name = incoming
            .first_name
            .as_deref()
            .filter(|_| naming)
            .and_then(crate::domain::text::display_name);
        self.store
            .apply(StepWrite {
                chat_id: incoming.chat_id,
                state: &outcome.state,
                effects: &outcome.effects,
                plan_version: plan.version,
                update_id: incoming.update_id,
                first_name: first_name.as_deref(),
                now,
            })
            .await?;
        if outcome.effects.contains(&Effect::Erase) {
            self.erasures.notify_one();
        }
        Ok(Handled {
            roles: Roles {
                admin: record.is_admin,
                coordinator: record.coordinates.is_some(),
            },
            outgoing,
            notice: outcome.notice.and_then(|n| notice_text(n, lang)),
            tasks: outcome.tasks,
            lang,
        })
    }

    /// In a group only a focal point's `/campaign` reads the store: the rest of a group's
    /// traffic costs nothing, and nothing is written.
    async fn handle_group(
        &self,
        incoming: &Incoming,
        telegram_lang: Lang,
        now: DateTime<Utc>,
    ) -> Result<Handled, StoreError> {
        let plan = self.plan();
        let mut facts = Facts::new(incoming.chat_id, &plan, ChatKind::Group, telegram_lang);
        let mut outcome = step(&State::Start, &incoming.input, &facts, now);
        if outcome.needs.group_campaigns {
            if let Some(sender) = incoming.sender {
                facts.coordinates = self.store.coordinated_org(sender).await?;
            }
            if let Some(org) = &facts.coordinates {
                facts.cards = self.cards(org, now).await?;
            }
            facts.loaded.group_campaigns = true;
            outcome = step(&State::Start, &incoming.input, &facts, now);
        }
        Ok(Handled {
            roles: Roles::default(),
            outgoing: self.render_replies(&outcome, telegram_lang, &plan, None),
            notice: None,
            tasks: Vec::new(),
            lang: telegram_lang,
        })
    }

    /// The chat's record, on the plan active in the database: another process (the command
    /// line, another admin's import) may have switched it since the last update.
    async fn load_chat(&self, chat_id: i64) -> Result<(Arc<Plan>, ChatRecord), StoreError> {
        let plan = self.plan();
        let record = self.store.load_chat(chat_id, plan.version).await?;
        match record.active_plan {
            Some(active) if active != plan.version => {
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
                let record = self.store.load_chat(chat_id, fresh.version).await?;
                Ok((fresh, record))
            }
            _ => Ok((plan, record)),
        }
    }

    /// The replies as the member will see them, without the edits that would change nothing
    /// on the message they tapped.
    fn render_replies(
        &self,
        outcome: &crate::conversation::Outcome,
        lang: Lang,
        plan: &Plan,
        seen: Option<&Seen>,
    ) -> Vec<Outgoing> {
        outcome
            .replies
            .iter()
            .map(|reply| self.outgoing(reply, lang, plan))
            .filter(|out| match (out.placement, seen) {
                (Placement::Edit(id), Some(seen)) => {
                    !(seen.message_id == id && seen.shows(&out.rendered))
                }
                _ => true,
            })
            .collect()
    }

    fn outgoing(&self, reply: &crate::conversation::Reply, lang: Lang, plan: &Plan) -> Outgoing {
        Outgoing {
            placement: reply.placement,
            rendered: render(reply, lang, plan, &self.bot_username),
        }
    }
}

/// The facts loaded only when a step asks for them, and which were asked.
#[derive(Default)]
struct OnDemand {
    needs: Needs,
    summary: Option<Summary>,
    campaigns: Option<Vec<crate::domain::CampaignProgress>>,
    focal_points: Option<Vec<crate::domain::FocalPoint>>,
    audience_size: Option<u64>,
    admins: Option<Vec<crate::domain::AdminRole>>,
    campaign_owner: Option<Option<String>>,
    invite: Invite,
    campaign: Option<CampaignFacts>,
    round: Option<crate::conversation::MemberRound>,
    open_round: Option<crate::conversation::MemberRound>,
    org_rounds: Option<Vec<crate::domain::monitoring::OrgRoundProgress>>,
    latest_round: Option<(
        crate::domain::monitoring::RoundResults,
        Option<crate::domain::monitoring::RoundResults>,
    )>,
    rounds: Option<Vec<crate::domain::monitoring::RoundCounts>>,
    results: Option<(
        crate::domain::monitoring::RoundResults,
        Option<crate::domain::monitoring::RoundResults>,
    )>,
}

impl OnDemand {
    fn facts<'a>(&self, base: Facts<'a>) -> Facts<'a> {
        Facts {
            summary: self.summary.clone(),
            campaigns: self.campaigns.clone(),
            focal_points: self.focal_points.clone(),
            audience_size: self.audience_size,
            admins: self.admins.clone(),
            campaign_owner: self.campaign_owner.clone(),
            invite: self.invite.clone(),
            campaign: self.campaign.clone(),
            round: self.round.clone(),
            open_round: self.open_round.clone(),
            org_rounds: self.org_rounds.clone(),
            latest_round: self.latest_round.clone(),
            rounds: self.rounds.clone(),
            results: self.results.clone(),
            loaded: self.needs.clone(),
            ..base
        }
    }

    /// Loads what `wanted` adds; `false` when there was nothing new to load. What a role may
    /// not see is not loaded (the step refuses it anyway).
    async fn load_more(
        &mut self,
        engine: &Engine,
        chat_id: i64,
        record: &ChatRecord,
        plan: &Plan,
        wanted: Needs,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let before = self.needs.clone();
        self.needs = before.clone().and(wanted);
        if self.needs == before {
            return Ok(false);
        }
        let store = &engine.store;
        if self.needs.summary && !before.summary && record.is_admin {
            let cells = store.summary_cells(plan.version).await?;
            self.summary = Some(Summary::new(plan, store.member_counts().await?, &cells));
        }
        if self.needs.campaigns && !before.campaigns {
            if let Some(org) = &record.coordinates {
                self.campaigns = Some(store.campaign_progress(org).await?);
            }
        }
        if self.needs.focal_points && !before.focal_points && record.is_admin {
            self.focal_points = Some(store.coordinators().await?);
        }
        if self.needs.admins && !before.admins && record.is_admin {
            let admins = store.admins().await?;
            self.admins = Some(
                admins
                    .into_iter()
                    .map(|a| crate::domain::AdminRole {
                        user_id: a.user_id,
                        from_environment: a.source == "env",
                    })
                    .collect(),
            );
        }
        if let Some(payload) = &self.needs.invite {
            if before.invite.as_ref() != Some(payload) {
                self.invite = engine.invite(payload, now).await?;
            }
        }
        if let Some(id) = self.needs.campaign {
            if before.campaign != Some(id) {
                self.campaign = engine.open_campaign(id, now).await?;
            }
        }
        if let Some(id) = self.needs.campaign_owner {
            if before.campaign_owner != Some(id) && record.coordinates.is_some() {
                self.campaign_owner = Some(store.campaign(id).await?.map(|c| c.org_code));
            }
        }
        if let Some(id) = self.needs.round {
            if before.round != Some(id) {
                self.round = store.member_round(chat_id, Some(id), now).await?;
            }
        }
        if self.needs.open_round && !before.open_round {
            self.open_round = store.member_round(chat_id, None, now).await?;
        }
        if self.needs.org_rounds && !before.org_rounds {
            if let Some(org) = &record.coordinates {
                self.org_rounds = Some(store.org_round_progress(org, now).await?);
            }
        }
        if self.needs.latest_round && !before.latest_round && record.is_admin {
            self.latest_round = crate::jobs::monitoring::latest(store, now).await?;
        }
        if self.needs.rounds && !before.rounds && record.is_admin {
            self.rounds = Some(crate::jobs::monitoring::overview(store).await?);
        }
        if let Some(id) = self.needs.results {
            if before.results != Some(id) && record.is_admin {
                self.results = crate::jobs::monitoring::results(store, id).await?;
            }
        }
        if let Some(audience) = &self.needs.audience_size {
            if before.audience_size.as_ref() != Some(audience) && record.is_admin {
                self.audience_size = Some(store.audience_size(audience).await?);
            }
        }
        Ok(true)
    }
}
