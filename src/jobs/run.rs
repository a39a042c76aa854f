//! Every task a step asks for, run one way whatever the front end: the bot, `try` and the
//! command line hand a task (and a [`Front`] to say things through) to [`Jobs::run`]. The step
//! already checked who may ask for it; the job does the work and says what came of it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::front::{Fetched, Front, FrontError, Said};
use super::line::{Lines, NotTaken, Ticket};
use super::JobError;
use crate::chart::ChartMaker;
use crate::conversation::Task;
use crate::domain::summary::Summary;
use crate::domain::{Audience, ExportFormat, Lang, PlanProblem, ReportFormat, Roles};
use crate::engine::Engine;
use crate::messages::{self, tr};
use crate::store::{Actor, StatusMessage};

/// How often an export's progress message is edited: well under Telegram's edit limits.
const PROGRESS_EVERY: Duration = Duration::from_secs(3);

/// What a task did that its front end may want to add to (a terminal says who sends the
/// queued messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ran {
    Done,
    /// Messages queued in the outbox, for the running bot to deliver.
    Queued(usize),
}

/// The application's work, built once and shared by every handler.
pub struct Jobs {
    engine: Arc<Engine>,
    charts: ChartMaker,
    typesetter: crate::report::Typesetter,
    lines: Arc<Lines>,
}

impl Jobs {
    pub fn new(engine: Arc<Engine>) -> Jobs {
        Jobs {
            engine,
            charts: ChartMaker::new(),
            typesetter: crate::report::Typesetter::new(),
            lines: Arc::default(),
        }
    }

    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// Takes `task` for `chat`, in its line when it builds a file; refused when the same file
    /// is already coming or too many wait. Called as the step's replies go out, so that a
    /// refusal is said at once.
    pub fn admit(&self, chat: i64, task: Task) -> Result<Ticket, NotTaken> {
        self.lines.admit(chat, task)
    }

    /// Runs an admitted task to its end, in its turn. Never fails: a failure is logged and
    /// the person told, in `lang`.
    pub async fn run(&self, front: &impl Front, lang: Lang, ticket: Ticket) -> Ran {
        let _turn = ticket.turn().await;
        let chat = ticket.chat;
        match self.dispatch(front, chat, lang, &ticket.task).await {
            Ok(ran) => ran,
            // The person blocked the bot, or it is stopping: nobody to tell.
            Err(JobError::Front(FrontError::Unreachable)) => Ran::Done,
            Err(e) => {
                tracing::error!(chat, task = ?ticket.task, error = %e, "a task failed");
                let _ = front.say(chat, tr(lang, "task.failed")).await;
                Ran::Done
            }
        }
    }

    async fn dispatch(
        &self,
        front: &impl Front,
        chat: i64,
        lang: Lang,
        task: &Task,
    ) -> Result<Ran, JobError> {
        match task {
            Task::Chart(summary) => self.chart(front, chat, lang, summary).await,
            Task::Template => self.template(front, chat, lang).await,
            Task::Export(format) => self.export(front, chat, lang, *format).await,
            Task::Report { format, lang: of } => self.report(front, chat, lang, *format, *of).await,
            Task::ImportPlan { file_id, file_name } => {
                self.import(front, chat, lang, file_id, file_name).await
            }
            Task::CreateCampaign(request) => {
                let engine = &self.engine;
                let created = super::campaigns::create(
                    engine.store(),
                    engine.bot_username(),
                    engine.plan().version,
                    request.clone(),
                    Actor::User(chat),
                    engine.now(),
                )
                .await?;
                front
                    .say(chat, messages::campaign::created(lang, &created))
                    .await?;
                if !created.again {
                    let forward = messages::campaign::forward(
                        &created.campaign,
                        |l| created.org(l),
                        &created.link,
                    );
                    front.say(chat, forward).await?;
                }
                Ok(Ran::Done)
            }
            Task::Remind { campaign_id, org } => {
                self.remind(front, chat, lang, *campaign_id, org).await
            }
            Task::RefreshMenu(user) => {
                let store = self.engine.store();
                // Telegram has no chat with someone who never wrote to the bot: their menu is
                // set when they first do.
                if store.has_chat(*user).await? {
                    let roles = Roles {
                        admin: store.is_admin(*user).await?,
                        coordinator: store.coordinated_org(*user).await?.is_some(),
                    };
                    front.menu(*user, roles).await;
                }
                Ok(Ran::Done)
            }
            Task::Announce { audience, text } => {
                self.announce(front, chat, lang, audience, text).await
            }
            Task::OpenRound(request) => self.open_round(front, chat, lang, request).await,
            Task::RemindRound { round, org } => {
                let engine = &self.engine;
                // Still their organisation's focal point when the task runs.
                if engine.store().coordinated_org(chat).await?.as_deref() != Some(org.as_str()) {
                    front.say(chat, tr(lang, "notice.outdated")).await?;
                    return Ok(Ran::Done);
                }
                let status = self.status(front, chat, lang, "campaign.reminding").await?;
                let queued = super::monitoring::remind(
                    engine.store(),
                    engine.bot_username(),
                    *round,
                    org,
                    Actor::User(chat),
                    engine.now(),
                    Some(status),
                )
                .await?;
                match queued {
                    Ok(n) => {
                        engine.outbox_wake().notify_one();
                        Ok(Ran::Queued(n))
                    }
                    Err(why) => {
                        let text = messages::tasks::round_not_reminded(lang, why);
                        front.edit(chat, Said(status.message), text).await?;
                        Ok(Ran::Done)
                    }
                }
            }
            Task::CloseRound(id) => {
                let engine = &self.engine;
                let said = match super::monitoring::close(
                    engine.store(),
                    *id,
                    Actor::User(chat),
                    engine.now(),
                )
                .await
                {
                    Ok((round, closed)) => messages::tasks::round_closed(lang, &round, closed),
                    Err(super::monitoring::RoundError::NoSuchRound(_)) => {
                        tr(lang, "notice.outdated")
                    }
                    Err(super::monitoring::RoundError::Store(e)) => return Err(e.into()),
                    Err(e) => return Err(JobError::Worker(e.to_string())),
                };
                front.say(chat, said).await?;
                Ok(Ran::Done)
            }
        }
    }

    /// An admin's confirmed round: opened, and its message queued through the outbox with a
    /// status message the outbox edits as it goes.
    async fn open_round(
        &self,
        front: &impl Front,
        chat: i64,
        lang: Lang,
        request: &crate::domain::monitoring::RoundRequest,
    ) -> Result<Ran, JobError> {
        use super::monitoring::{open, RoundError};
        let engine = &self.engine;
        let status = self.status(front, chat, lang, "monitor.sending").await?;
        let opened = open(
            engine.store(),
            &engine.plan(),
            engine.bot_username(),
            request,
            Actor::User(chat),
            engine.now(),
            Some(status),
        )
        .await;
        let said = Said(status.message);
        match opened {
            Ok(o) => {
                engine.outbox_wake().notify_one();
                front
                    .say(
                        chat,
                        messages::tasks::round_opened(lang, &o.round, o.messages),
                    )
                    .await?;
                Ok(Ran::Queued(o.messages))
            }
            Err(RoundError::Store(e)) => Err(e.into()),
            Err(RoundError::AlreadyOpen(round)) => {
                front
                    .edit(
                        chat,
                        said,
                        messages::tasks::round_already_open(lang, &round),
                    )
                    .await?;
                Ok(Ran::Done)
            }
            Err(e) => {
                tracing::warn!(error = %e, "a round was refused");
                front.edit(chat, said, tr(lang, "monitor.refused")).await?;
                Ok(Ran::Done)
            }
        }
    }

    async fn chart(
        &self,
        front: &impl Front,
        chat: i64,
        lang: Lang,
        summary: &Summary,
    ) -> Result<Ran, JobError> {
        let png =
            super::files::chart(&self.charts, summary.clone(), self.engine.plan(), lang).await?;
        let caption = tr(lang, "task.chart_caption");
        front
            .picture(chat, png, "dwcp-summary.png", caption)
            .await?;
        Ok(Ran::Done)
    }

    async fn template(&self, front: &impl Front, chat: i64, lang: Lang) -> Result<Ran, JobError> {
        let plan = self.engine.plan();
        let dir = tempfile::tempdir()?;
        let path = super::files::template(plan.clone(), dir.path(), self.engine.now()).await?;
        let caption = messages::tasks::template_caption(lang, plan.version);
        front.document(chat, &path, caption).await?;
        Ok(Ran::Done)
    }

    /// The export, with a progress message that follows the count of rows while it is built.
    async fn export(
        &self,
        front: &impl Front,
        chat: i64,
        lang: Lang,
        format: ExportFormat,
    ) -> Result<Ran, JobError> {
        let plan = self.engine.plan();
        let progress = |n| messages::tasks::export_progress(lang, format, n);
        let status = front.say(chat, progress(0)).await?;
        let dir = tempfile::tempdir()?;
        let count = Arc::new(AtomicU64::new(0));
        let counter = count.clone();
        let export = super::files::export(
            self.engine.store(),
            &plan,
            format,
            dir.path(),
            Actor::User(chat),
            self.engine.now(),
            move |n| counter.store(n, Ordering::Relaxed),
        );
        tokio::pin!(export);
        let mut shown = 0;
        let (path, n) = loop {
            tokio::select! {
                done = &mut export => break done?,
                _ = tokio::time::sleep(PROGRESS_EVERY) => {
                    let n = count.load(Ordering::Relaxed);
                    if n != shown {
                        shown = n;
                        let _ = front.edit(chat, status, progress(n)).await;
                    }
                }
            }
        };
        let caption = messages::tasks::export_caption(lang, n, plan.version);
        front.document(chat, &path, caption).await?;
        let _ = front
            .edit(chat, status, messages::tasks::export_done(lang, n))
            .await;
        Ok(Ran::Done)
    }

    /// The consultation report of the active plan in `of`, with a message while it is built.
    async fn report(
        &self,
        front: &impl Front,
        chat: i64,
        lang: Lang,
        format: ReportFormat,
        of: Lang,
    ) -> Result<Ran, JobError> {
        let status = front.say(chat, tr(lang, "report.progress")).await?;
        let dir = tempfile::tempdir()?;
        let (path, written) = super::files::report(
            self.engine.store(),
            &self.engine.plan(),
            super::files::ReportAsk { format, lang: of },
            dir.path(),
            Actor::User(chat),
            self.engine.now(),
            (&self.typesetter, &self.charts),
        )
        .await?;
        let caption = messages::tasks::report_caption(lang, &written);
        front.document(chat, &path, caption).await?;
        let _ = front.edit(chat, status, tr(lang, "report.done")).await;
        Ok(Ran::Done)
    }

    /// A plan file the admin sent: fetched within the plan file's bound, checked, and made
    /// the active plan when it has no problem.
    async fn import(
        &self,
        front: &impl Front,
        chat: i64,
        lang: Lang,
        file_id: &str,
        file_name: &str,
    ) -> Result<Ran, JobError> {
        let status = front
            .say(chat, messages::tasks::import_checking(lang, file_name))
            .await?;
        let max = crate::plan_io::MAX_PLAN_FILE_BYTES;
        let result = match front.fetch(file_id, max).await? {
            Fetched::TooBig(size) => Err(vec![PlanProblem::file_too_big(size as usize, max)]),
            Fetched::Bytes(bytes) => {
                let (store, now) = (self.engine.store(), self.engine.now());
                super::files::import_plan(store, file_name, bytes, Actor::User(chat), now).await?
            }
        };
        let text = messages::tasks::import_result(lang, file_name, &result);
        front.edit(chat, status, text).await?;
        Ok(Ran::Done)
    }

    /// A focal point's reminder to their campaign's members who have not finished. The step
    /// checked the campaign is their organisation's; the job reminds within that organisation.
    async fn remind(
        &self,
        front: &impl Front,
        chat: i64,
        lang: Lang,
        campaign_id: i64,
        org: &str,
    ) -> Result<Ran, JobError> {
        use super::campaigns::{Asker, Reminder};
        let engine = &self.engine;
        let store = engine.store();
        let asker = Asker::Organisation(org.to_string());
        let prepared = super::campaigns::prepare_reminder(
            store,
            engine.bot_username(),
            asker,
            campaign_id,
            engine.now(),
        )
        .await?;
        let reminders = match prepared {
            Reminder::Ready(reminders) => reminders,
            Reminder::Refused(why) => {
                let text = messages::campaign::reminder_refused(lang, why);
                front.say(chat, text).await?;
                return Ok(Ran::Done);
            }
        };
        // Shown first, so that the outbox has somewhere to report however fast it finishes.
        let status = self.status(front, chat, lang, "campaign.reminding").await?;
        let by = Actor::User(chat);
        let n = super::campaigns::queue(store, &reminders, None, by, Some(status), engine.now())
            .await?;
        engine.outbox_wake().notify_one();
        Ok(Ran::Queued(n))
    }

    /// An admin's confirmed announcement, queued through the outbox with a status message the
    /// outbox edits as it goes.
    async fn announce(
        &self,
        front: &impl Front,
        chat: i64,
        lang: Lang,
        audience: &Audience,
        text: &str,
    ) -> Result<Ran, JobError> {
        use super::announce::{queue_announcement_reporting, BroadcastError};
        let engine = &self.engine;
        let status = self.status(front, chat, lang, "announce.sending").await?;
        let by = Actor::User(chat);
        let queued = queue_announcement_reporting(
            engine.store(),
            audience,
            text,
            by,
            engine.now(),
            Some(status),
        )
        .await;
        match queued {
            Ok(q) => {
                engine.outbox_wake().notify_one();
                Ok(Ran::Queued(q.messages))
            }
            Err(BroadcastError::Store(e)) => Err(e.into()),
            // Checked by the step already; a store changed in between still gets a clear answer.
            Err(e) => {
                tracing::warn!(error = %e, "an announcement was refused");
                let said = Said(status.message);
                front.edit(chat, said, tr(lang, "announce.refused")).await?;
                Ok(Ran::Done)
            }
        }
    }

    /// A message saying `key`, which the outbox edits as its sending goes on.
    async fn status(
        &self,
        front: &impl Front,
        chat: i64,
        lang: Lang,
        key: &str,
    ) -> Result<StatusMessage, JobError> {
        let said = front.say(chat, tr(lang, key)).await?;
        Ok(StatusMessage {
            chat,
            message: said.0,
            lang,
        })
    }
}

/// What a refusal to take a task says.
pub fn not_taken_text(lang: Lang, why: NotTaken) -> String {
    match why {
        NotTaken::AlreadyComing => tr(lang, "task.coming"),
        NotTaken::Full => tr(lang, "task.busy"),
    }
}
