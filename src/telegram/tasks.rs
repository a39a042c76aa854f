//! The secretariat's slow work, run after the step that asked for it: exports and templates
//! sent as documents, the summary chart as a picture, plan files downloaded and imported.
//! Each reports back to the admin in their language; a failure says so without detail.

use std::collections::HashSet;
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
use crate::domain::ExportFormat;
use crate::domain::{Lang, Plan};
use crate::engine::Engine;
use crate::messages::text::{esc, number};
use crate::messages::{plan_problems, tr, tr_with};
use crate::store::{Actor, ExportFilter};

/// Problems listed in one reply; the rest are counted. Keeps the message far under 4096.
const PROBLEMS_SHOWN: usize = 25;
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
    Telegram(#[from] RequestError),
    #[error("not delivered: {0:?}")]
    Undelivered(Undelivered),
    #[error(transparent)]
    Download(#[from] teloxide::DownloadError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Export(#[from] crate::export::ExportError),
    #[error(transparent)]
    Chart(#[from] crate::chart::ChartError),
    #[error(transparent)]
    Template(#[from] rust_xlsxwriter::XlsxError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl Tasks {
    pub fn new(engine: Arc<Engine>, out: Delivery, files: Bot) -> Tasks {
        Tasks {
            engine,
            out,
            charts: ChartMaker::new(),
            files,
            preparing: Mutex::new(HashSet::new()),
        }
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
            Task::CreateCampaign {
                org,
                title,
                activities,
                deadline,
            } => {
                let task = super::campaigns::NewCampaignTask {
                    org,
                    title,
                    activities,
                    deadline: *deadline,
                };
                super::campaigns::create(&self.engine, out, chat, lang, task).await
            }
            Task::Remind { campaign_id } => {
                super::campaigns::remind(&self.engine, out, chat, lang, *campaign_id).await
            }
            Task::RefreshMenu(user_id) => self.refresh_menu(*user_id).await,
            Task::Announce { audience, text } => {
                super::announce::announce(&self.engine, out, chat, lang, audience, text).await
            }
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
        let admin = store.is_admin(user_id).await?;
        let coordinator = store.coordinated_org(user_id).await?.is_some();
        super::commands::register_chat(&self.files, user_id, admin, coordinator).await;
        Ok(())
    }

    async fn chart(&self, chat: ChatId, lang: Lang, summary: Summary) -> Result<(), TaskError> {
        let plan = self.engine.plan();
        let charts = self.charts.clone();
        let png = {
            let plan = plan.clone();
            tokio::task::spawn_blocking(move || charts.png(&summary, &plan, lang))
                .await
                .map_err(|e| std::io::Error::other(e.to_string()))??
        };
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
        let path = dir
            .path()
            .join(file_name(&plan, "plan", "xlsx", self.engine.now()));
        {
            let (plan, path) = (plan.clone(), path.clone());
            tokio::task::spawn_blocking(move || {
                crate::plan_io::write_xlsx_template(&path, Some(&plan))
            })
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))??;
        }
        let caption = tr_with(
            lang,
            "task.template_caption",
            &[("version", &number(plan.version, lang))],
        );
        send_file(&self.out, chat, &path, caption).await
    }

    async fn export(
        &self,
        chat: ChatId,
        lang: Lang,
        format: ExportFormat,
    ) -> Result<(), TaskError> {
        let plan = self.engine.plan();
        let label = format.extension().to_uppercase();
        let progress_text = |n: u64| {
            tr_with(
                lang,
                "task.export_progress",
                &[("format", &label), ("n", &number(n, lang))],
            )
        };
        let status = say(&self.out, chat, progress_text(0)).await?;
        let dir = tempfile::tempdir()?;
        let path = dir.path().join(file_name(
            &plan,
            "feedback",
            format.extension(),
            self.engine.now(),
        ));
        let count = Arc::new(AtomicU64::new(0));
        let everything = ExportFilter::default();
        let export = {
            let counter = count.clone();
            let job = crate::export::ExportJob {
                format,
                path: &path,
                filter: &everything,
                now: self.engine.now(),
                by: Actor::User(chat.0),
                voices: None,
            };
            crate::export::export_to_path(self.engine.store(), job, move |n| {
                counter.store(n, Ordering::Relaxed)
            })
        };
        // The progress message follows the count while the export runs.
        tokio::pin!(export);
        let mut shown = 0;
        let n = loop {
            tokio::select! {
                done = &mut export => break done?,
                _ = tokio::time::sleep(PROGRESS_EVERY) => {
                    let n = count.load(Ordering::Relaxed);
                    if n != shown {
                        shown = n;
                        let _ = edit(&self.out, chat, status, progress_text(n)).await;
                    }
                }
            }
        };
        let caption = tr_with(
            lang,
            "task.export_caption",
            &[
                ("n", &number(n, lang)),
                ("version", &number(plan.version, lang)),
            ],
        );
        send_file(&self.out, chat, &path, caption).await?;
        let done = tr_with(lang, "task.export_done", &[("n", &number(n, lang))]);
        let _ = edit(&self.out, chat, status, done).await;
        Ok(())
    }

    async fn import(
        &self,
        chat: ChatId,
        lang: Lang,
        file_id: &str,
        file_name: &str,
    ) -> Result<(), TaskError> {
        let name = esc(file_name);
        let status = say(
            &self.out,
            chat,
            tr_with(lang, "task.import_checking", &[("name", &name)]),
        )
        .await?;
        let file = self.files.get_file(file_id.to_string().into()).await?;
        let max = crate::plan_io::MAX_PLAN_FILE_BYTES;
        let read = if file.size as usize > max {
            Err(vec![too_big(file.size as usize, max)])
        } else {
            // Telegram said how big the file is; the download is held to that bound anyway.
            let mut bytes = Capped::new(max);
            match self.files.download_file(&file.path, &mut bytes).await {
                Err(_) if bytes.overflowed => Err(vec![too_big(max + 1, max)]),
                Err(e) => return Err(e.into()),
                Ok(()) => {
                    // Parsing a workbook is CPU work: off the runtime's threads.
                    let name = file_name.to_string();
                    tokio::task::spawn_blocking(move || {
                        crate::plan_io::read_plan(&name, &bytes.bytes)
                    })
                    .await
                    .map_err(|_| TaskError::Undelivered(Undelivered::Dropped))?
                }
            }
        };
        let text = match read {
            Err(problems) => tr_with(
                lang,
                "task.import_problems",
                &[
                    ("name", &name),
                    ("n", &number(problems.len(), lang)),
                    ("list", &plan_problems(&problems, lang, PROBLEMS_SHOWN)),
                ],
            ),
            Ok(plan) => {
                let store = self.engine.store();
                let done = store
                    .import_plan(&plan, file_name, Actor::User(chat.0), self.engine.now())
                    .await?;
                tr_with(
                    lang,
                    "task.import_done",
                    &[
                        ("version", &number(done.version, lang)),
                        ("activities", &number(done.activities, lang)),
                        ("carried", &number(done.carried, lang)),
                    ],
                )
            }
        };
        edit(&self.out, chat, status, text).await?;
        Ok(())
    }
}

fn too_big(bytes: usize, max: usize) -> crate::domain::PlanProblem {
    crate::domain::PlanProblem::new(
        crate::domain::Place::File,
        None,
        crate::domain::ProblemKind::FileTooBig {
            kb: bytes.div_ceil(1024),
            max_kb: max / 1024,
        },
    )
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

/// `dwcp-v2-feedback-2026-11-25.xlsx`: what it is and when, for the admin's folder.
fn file_name(
    plan: &Plan,
    what: &str,
    extension: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> String {
    let day = now
        .with_timezone(&crate::clock::phnom_penh())
        .format("%Y-%m-%d");
    format!("dwcp-v{}-{what}-{day}.{extension}", plan.version)
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
