//! The secretariat's slow work, run after the step that asked for it: exports and templates
//! sent as documents, the summary chart as a picture, plan files downloaded and imported.
//! Each reports back to the admin in their language; a failure says so without detail.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use teloxide::net::Download;
use teloxide::prelude::*;
use teloxide::types::{ChatId, MessageId};
use teloxide::RequestError;

use crate::chart::ChartMaker;
use crate::conversation::Task;
use crate::delivery::{Class, Delivered, Delivery, Request, Undelivered, Upload};
use crate::domain::summary::Summary;
use crate::domain::{Audience, ExportFormat, Lang, PlanProblem};
use crate::engine::{Engine, Roles};
use crate::jobs::campaigns::{Asker, CampaignRequest, Reminder};
use crate::jobs::{self, JobError};
use crate::messages::{self, tr};
use crate::store::{Actor, StatusMessage};

/// How often the export's progress message is edited: well under Telegram's edit limits.
const PROGRESS_EVERY: Duration = Duration::from_secs(3);

/// What the tasks need: built once, shared by every handler.
pub struct Tasks {
    engine: Arc<Engine>,
    out: Delivery,
    charts: ChartMaker,
    /// Downloads go to the Bot API's file endpoint directly; they are not paced messages.
    files: Bot,
    /// Chats with a file being prepared: one at a time each, so a second tap makes no second file.
    preparing: Mutex<HashSet<i64>>,
    /// Staff chats whose command menu Telegram has, with the roles it shows.
    menus: Mutex<HashMap<i64, Roles>>,
}

/// Holds a chat's place among those preparing a file; gives it up when dropped.
pub struct Preparing {
    tasks: Arc<Tasks>,
    chat: i64,
}

impl Drop for Preparing {
    fn drop(&mut self) {
        self.tasks
            .preparing
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.chat);
    }
}

/// Work that builds a file on a tap: slow, so one at a time per admin (a second tap while it
/// runs would only make a second copy). A plan file the admin uploads is always checked: it is
/// something they sent, not a repeated tap.
pub fn is_long(task: &Task) -> bool {
    matches!(task, Task::Export(_) | Task::Template | Task::Chart(_))
}

#[derive(Debug, thiserror::Error)]
pub(super) enum TaskError {
    #[error(transparent)]
    Job(#[from] JobError),
    #[error(transparent)]
    Telegram(#[from] RequestError),
    #[error("not delivered: {0:?}")]
    Undelivered(Undelivered),
    #[error(transparent)]
    Download(#[from] teloxide::DownloadError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl Tasks {
    /// `menus`: the staff menus set at start.
    pub fn new(engine: Arc<Engine>, out: Delivery, files: Bot, menus: Vec<(i64, Roles)>) -> Tasks {
        Tasks {
            engine,
            out,
            charts: ChartMaker::new(),
            files,
            preparing: Mutex::new(HashSet::new()),
            menus: Mutex::new(menus.into_iter().collect()),
        }
    }

    /// Sets `chat`'s command menu when it does not show `roles` yet: for staff named before they
    /// ever opened the bot (Telegram refused their menu then), and anyone whose role changed.
    pub fn follow_roles(self: &Arc<Self>, chat: i64, roles: Roles) {
        let shown = self
            .menus
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&chat)
            .copied()
            .unwrap_or_default();
        if shown == roles {
            return;
        }
        let tasks = self.clone();
        tokio::spawn(async move {
            let set =
                super::commands::register_chat(&tasks.files, chat, roles.admin, roles.coordinator)
                    .await;
            if set {
                tasks
                    .menus
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(chat, roles);
            }
        });
    }

    /// Takes `chat`'s place for a long task, unless one is already running there.
    pub fn start_long(self: &Arc<Self>, chat: i64) -> Option<Preparing> {
        self.preparing
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(chat)
            .then(|| Preparing {
                tasks: self.clone(),
                chat,
            })
    }

    /// Runs one task to the end. Never fails: a failure is logged and the admin told.
    pub async fn run(&self, chat_id: i64, lang: Lang, task: Task) {
        let chat = ChatId(chat_id);
        let out = &self.out;
        let result = match &task {
            Task::Chart(summary) => self.chart(chat, lang, summary.clone()).await,
            Task::Template => self.template(chat, lang).await,
            Task::Export(format) => self.export(chat, lang, *format).await,
            Task::ImportPlan { file_id, file_name } => {
                self.import(chat, lang, file_id, file_name).await
            }
            Task::CreateCampaign(request) => {
                self.create_campaign(chat, lang, request.clone()).await
            }
            Task::Remind { campaign_id } => self.remind(chat, lang, *campaign_id).await,
            Task::RefreshMenu(user_id) => self.refresh_menu(*user_id).await,
            Task::Announce { audience, text } => self.announce(chat, lang, audience, text).await,
        };
        match result {
            Ok(()) => {}
            // The admin blocked the bot, or it is stopping: nobody to tell.
            Err(TaskError::Undelivered(Undelivered::Blocked | Undelivered::Dropped)) => {}
            Err(e) => {
                tracing::error!(chat = chat_id, ?task, error = %e, "an admin task failed");
                let _ = say(out, chat, tr(lang, "task.failed")).await;
            }
        }
    }

    /// The person's command menu as their roles now stand.
    async fn refresh_menu(&self, user_id: i64) -> Result<(), TaskError> {
        let store = self.engine.store();
        if !store.has_chat(user_id).await? {
            // Set when they first write (`follow_roles`): Telegram has no chat with them yet.
            return Ok(());
        }
        let admin = store.is_admin(user_id).await?;
        let coordinator = store.coordinated_org(user_id).await?.is_some();
        if super::commands::register_chat(&self.files, user_id, admin, coordinator).await {
            let roles = Roles { admin, coordinator };
            self.menus
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(user_id, roles);
        }
        Ok(())
    }

    async fn chart(&self, chat: ChatId, lang: Lang, summary: Summary) -> Result<(), TaskError> {
        let png = jobs::files::chart(&self.charts, summary, self.engine.plan(), lang).await?;
        let photo = Request::Photo {
            file: Upload::Memory {
                bytes: png,
                name: "dwcp-summary.png".into(),
            },
            caption: tr(lang, "task.chart_caption"),
        };
        sent(self.out.send(chat.0, Class::Task, photo).await)?;
        Ok(())
    }

    async fn template(&self, chat: ChatId, lang: Lang) -> Result<(), TaskError> {
        let plan = self.engine.plan();
        let dir = tempfile::tempdir()?;
        let path = jobs::files::template(plan.clone(), dir.path(), self.engine.now()).await?;
        let caption = messages::tasks::template_caption(lang, plan.version);
        send_file(&self.out, chat, &path, caption).await
    }

    async fn export(
        &self,
        chat: ChatId,
        lang: Lang,
        format: ExportFormat,
    ) -> Result<(), TaskError> {
        let plan = self.engine.plan();
        let progress = |n| messages::tasks::export_progress(lang, format, n);
        let status = say(&self.out, chat, progress(0)).await?;
        let dir = tempfile::tempdir()?;
        let count = Arc::new(AtomicU64::new(0));
        let counter = count.clone();
        let export = jobs::files::export(
            self.engine.store(),
            &plan,
            format,
            dir.path(),
            Actor::User(chat.0),
            self.engine.now(),
            move |n| counter.store(n, Ordering::Relaxed),
        );
        // The progress message follows the count while the export runs.
        tokio::pin!(export);
        let mut shown = 0;
        let (path, n) = loop {
            tokio::select! {
                done = &mut export => break done?,
                _ = tokio::time::sleep(PROGRESS_EVERY) => {
                    let n = count.load(Ordering::Relaxed);
                    if n != shown {
                        shown = n;
                        let _ = edit(&self.out, chat, status, progress(n)).await;
                    }
                }
            }
        };
        let caption = messages::tasks::export_caption(lang, n, plan.version);
        send_file(&self.out, chat, &path, caption).await?;
        let _ = edit(
            &self.out,
            chat,
            status,
            messages::tasks::export_done(lang, n),
        )
        .await;
        Ok(())
    }

    async fn import(
        &self,
        chat: ChatId,
        lang: Lang,
        file_id: &str,
        file_name: &str,
    ) -> Result<(), TaskError> {
        let status = say(
            &self.out,
            chat,
            messages::tasks::import_checking(lang, file_name),
        )
        .await?;
        let file = self.files.get_file(file_id.to_string().into()).await?;
        let max = crate::plan_io::MAX_PLAN_FILE_BYTES;
        let result = if file.size as usize > max {
            Err(vec![PlanProblem::file_too_big(file.size as usize, max)])
        } else {
            // Telegram said how big the file is; the download is held to that bound anyway.
            let mut bytes = Capped::new(max);
            match self.files.download_file(&file.path, &mut bytes).await {
                Err(_) if bytes.overflowed => Err(vec![PlanProblem::file_too_big(max + 1, max)]),
                Err(e) => return Err(e.into()),
                Ok(()) => {
                    let by = Actor::User(chat.0);
                    let store = self.engine.store();
                    let now = self.engine.now();
                    jobs::files::import_plan(store, file_name, bytes.bytes, by, now).await?
                }
            }
        };
        let text = messages::tasks::import_result(lang, file_name, &result);
        edit(&self.out, chat, status, text).await?;
        Ok(())
    }

    async fn create_campaign(
        &self,
        chat: ChatId,
        lang: Lang,
        request: CampaignRequest,
    ) -> Result<(), TaskError> {
        let engine = &self.engine;
        let created = jobs::campaigns::create(
            engine.store(),
            engine.bot_username(),
            engine.plan().version,
            request,
            Actor::User(chat.0),
            engine.now(),
        )
        .await?;
        let text = messages::campaign::created(lang, &created.campaign, &created.link);
        say(&self.out, chat, text).await?;
        let forward =
            messages::campaign::forward(&created.campaign, |l| created.org(l), &created.link);
        say(&self.out, chat, forward).await?;
        Ok(())
    }

    /// A focal point's reminder to their campaign's members who have not finished: the step
    /// checked the campaign is theirs, and the job checks it again against the store.
    async fn remind(&self, chat: ChatId, lang: Lang, campaign_id: i64) -> Result<(), TaskError> {
        let engine = &self.engine;
        let store = engine.store();
        let asker = Asker::FocalPoint(chat.0);
        let prepared = jobs::campaigns::prepare_reminder(
            store,
            engine.bot_username(),
            asker,
            campaign_id,
            engine.now(),
        )
        .await?;
        let reminders = match prepared {
            Reminder::NotAllowed => return self.tell(chat, tr(lang, "campaign.not_allowed")).await,
            Reminder::Closed => {
                return self.tell(chat, tr(lang, "campaign.closed_no_remind")).await
            }
            Reminder::Nobody => {
                return self.tell(chat, tr(lang, "campaign.nobody_to_remind")).await
            }
            Reminder::Ready(reminders) => reminders,
        };
        // Shown first, so that the outbox has somewhere to report however fast it finishes.
        let shown = self
            .status_message(chat, lang, "campaign.reminding")
            .await?;
        let by = Actor::User(chat.0);
        jobs::campaigns::queue(store, &reminders, None, by, Some(shown), engine.now()).await?;
        engine.outbox_wake().notify_one();
        Ok(())
    }

    /// An admin's confirmed announcement, queued through the outbox with a status message the
    /// outbox edits as it goes.
    async fn announce(
        &self,
        chat: ChatId,
        lang: Lang,
        audience: &Audience,
        text: &str,
    ) -> Result<(), TaskError> {
        use crate::jobs::announce::{may_announce, queue_announcement_reporting, BroadcastError};
        let engine = &self.engine;
        let store = engine.store();
        if !may_announce(store, chat.0).await.map_err(JobError::from)? {
            return self.tell(chat, tr(lang, "not_allowed.body")).await;
        }
        let shown = self.status_message(chat, lang, "announce.sending").await?;
        let status = MessageId(shown.message);
        let by = Actor::User(chat.0);
        match queue_announcement_reporting(store, audience, text, by, engine.now(), Some(shown))
            .await
        {
            Ok(_) => engine.outbox_wake().notify_one(),
            Err(BroadcastError::Store(e)) => return Err(JobError::from(e).into()),
            // Checked by the step already; a store changed in between still gets a clear answer.
            Err(e) => {
                tracing::warn!(error = %e, "an announcement was refused");
                edit(&self.out, chat, status, tr(lang, "announce.refused")).await?;
            }
        }
        Ok(())
    }

    async fn tell(&self, chat: ChatId, html: String) -> Result<(), TaskError> {
        say(&self.out, chat, html).await.map(|_| ())
    }

    /// A message saying `key`, which the outbox edits as its sending goes on.
    async fn status_message(
        &self,
        chat: ChatId,
        lang: Lang,
        key: &str,
    ) -> Result<StatusMessage, TaskError> {
        let status = say(&self.out, chat, tr(lang, key)).await?;
        Ok(StatusMessage {
            chat: chat.0,
            message: status.0,
            lang,
        })
    }
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

/// What a task needs from a send: it happened (or had nothing to do), or why not.
fn sent(outcome: Result<Delivered, Undelivered>) -> Result<Option<i32>, TaskError> {
    match outcome {
        Ok(Delivered::Sent(id)) => Ok(id),
        Ok(Delivered::Unchanged) => Ok(None),
        Err(e) => Err(TaskError::Undelivered(e)),
    }
}

/// Sends a new HTML message as task output; its id, to edit it later.
pub(super) async fn say(
    out: &Delivery,
    chat: ChatId,
    html: String,
) -> Result<MessageId, TaskError> {
    let request = Request::Message {
        text: html,
        html: true,
        keyboard: None,
    };
    match sent(out.send(chat.0, Class::Task, request).await)? {
        Some(id) => Ok(MessageId(id)),
        None => Err(TaskError::Undelivered(Undelivered::Dropped)),
    }
}

/// Edits a status message; an edit that would change nothing counts as done.
pub(super) async fn edit(
    out: &Delivery,
    chat: ChatId,
    id: MessageId,
    html: String,
) -> Result<(), TaskError> {
    let request = Request::Edit {
        message_id: id.0,
        text: html,
        html: true,
        keyboard: None,
    };
    sent(out.send(chat.0, Class::Task, request).await).map(|_| ())
}

async fn send_file(
    out: &Delivery,
    chat: ChatId,
    path: &std::path::Path,
    caption: String,
) -> Result<(), TaskError> {
    let document = Request::Document {
        file: Upload::Path(path.to_path_buf()),
        caption,
    };
    sent(out.send(chat.0, Class::Task, document).await).map(|_| ())
}
