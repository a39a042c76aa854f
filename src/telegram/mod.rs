//! The thin Telegram adapter: updates in, `Engine::handle`, replies out.

mod announce;
mod campaigns;
pub mod commands;
pub mod group_budget;
pub mod outbox;
pub mod parse;
pub mod send;
pub mod tasks;

use std::sync::Arc;
use std::time::Duration;

use teloxide::adaptors::throttle::{Limits, Throttle};
use teloxide::dispatching::{Dispatcher, UpdateFilterExt};
use teloxide::prelude::*;
use teloxide::types::{CallbackQuery, ChatMemberUpdated, Me, Message, Update};
use teloxide::update_listeners::Polling;
use teloxide::{ApiError, RequestError};

use crate::clock::Clock;
use crate::config::Config;
use crate::conversation::{ChatKind, Command, Input};
use crate::domain::{Lang, Plan};
use crate::engine::{Engine, Handled, Incoming};
use crate::messages::tr;
use crate::store::Store;

/// The bot as the handlers see it: `Throttle<Bot>` in production, a plain `Bot` when pacing
/// is off (benchmarks). The bounds say that requests may cross threads.
pub trait TgBot:
    Requester<
        Err = RequestError,
        GetUpdates: Send,
        GetWebhookInfo: Send,
        DeleteWebhook: Send,
        SendMessage: Send + Sync,
        EditMessageText: Send + Sync,
        AnswerCallbackQuery: Send + Sync,
        SendDocument: Send + Sync,
        SendPhoto: Send + Sync,
        GetFile: Send + Sync,
        SetMyCommands: Send + Sync,
    > + Clone
    + Send
    + Sync
    + 'static
{
}

impl<T> TgBot for T where
    T: Requester<
            Err = RequestError,
            GetUpdates: Send,
            GetWebhookInfo: Send,
            DeleteWebhook: Send,
            SendMessage: Send + Sync,
            EditMessageText: Send + Sync,
            AnswerCallbackQuery: Send + Sync,
            SendDocument: Send + Sync,
            SendPhoto: Send + Sync,
            GetFile: Send + Sync,
            SetMyCommands: Send + Sync,
        > + Clone
        + Send
        + Sync
        + 'static
{
}

type HandlerResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// The running pieces, built from configuration. Used by `main`, the tests and the benchmark.
pub struct App {
    pub engine: Arc<Engine>,
    bot: Bot,
    pacing: Option<crate::config::Pacing>,
    poll_timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Store(#[from] crate::store::StoreError),
    #[error("Telegram does not know this token. Check TELOXIDE_TOKEN (from @BotFather).")]
    Token,
    #[error("Telegram refused to start the bot: {0}")]
    Telegram(RequestError),
    #[error("TELOXIDE_API_URL is not a valid URL: {0}")]
    ApiUrl(String),
}

/// The longest pause between two tries to reach Telegram at start-up.
const START_RETRY_MAX: Duration = Duration::from_secs(60);

/// Asks Telegram who the bot is. Not reaching Telegram (a server booting before its network,
/// Telegram briefly away) is waited out with growing pauses, as polling does later; a token
/// Telegram does not know, or any other refusal, ends the start with a message saying which.
async fn who_am_i(bot: &Bot) -> Result<Me, StartError> {
    let mut pause = Duration::from_secs(1);
    loop {
        let wait = match bot.get_me().await {
            Ok(me) => return Ok(me),
            Err(RequestError::Api(ApiError::InvalidToken)) => return Err(StartError::Token),
            Err(RequestError::RetryAfter(after)) => after.duration(),
            Err(e @ (RequestError::Network(_) | RequestError::Io(_))) => {
                tracing::warn!(error = %e, retry_in_s = pause.as_secs(), "cannot reach Telegram yet");
                let wait = pause;
                pause = (pause * 2).min(START_RETRY_MAX);
                wait
            }
            Err(e) => return Err(StartError::Telegram(e)),
        };
        tokio::time::sleep(wait).await;
    }
}

impl App {
    pub async fn build(config: &Config, clock: Arc<dyn Clock>) -> Result<App, StartError> {
        let store = Store::open(&config.database_url).await?;
        let mut bot = Bot::new(&config.token);
        if let Some(url) = &config.api_url {
            bot = bot
                .set_api_url(url::Url::parse(url).map_err(|e| StartError::ApiUrl(e.to_string()))?);
        }
        let me = who_am_i(&bot).await?;
        let plan = store
            .active_plan_or(Plan::default_plan, clock.now())
            .await?;
        store.bootstrap_admins(&config.admins, clock.now()).await?;
        tracing::info!(
            bot = %me.username(), plan = plan.version, activities = plan.activities.len(),
            draft = plan.is_draft(), "starting"
        );
        commands::register(&bot).await;
        let admins: Vec<i64> = store.admins().await?.iter().map(|a| a.user_id).collect();
        let coordinators: Vec<i64> = store
            .coordinators()
            .await?
            .iter()
            .map(|c| c.member_id)
            .collect();
        commands::register_staff(&bot, &admins, &coordinators).await;
        let engine = Arc::new(Engine::new(store, plan, clock, me.username().to_string()));
        Ok(App {
            engine,
            bot,
            pacing: config.pacing,
            poll_timeout: config.poll_timeout,
        })
    }

    /// Long-polls until stopped (Ctrl-C when `ctrlc`, or the task being dropped).
    pub async fn run(self, ctrlc: bool) {
        self.run_until(ctrlc, std::future::pending()).await
    }

    /// Like [`App::run`], stopping gracefully when `stop` completes: polling ends, and the
    /// outbox finishes the messages on their way, so none is left uncertain.
    pub async fn run_until(
        self,
        ctrlc: bool,
        stop: impl std::future::Future<Output = ()> + Send + 'static,
    ) {
        match self.pacing {
            Some(p) => {
                let limits = Limits {
                    messages_per_sec_chat: p.per_chat_per_sec,
                    messages_per_min_chat: 20,
                    messages_per_min_channel_or_supergroup: p.per_group_per_min,
                    messages_per_sec_overall: p.overall_per_sec,
                };
                serve(
                    Throttle::new_spawn(self.bot.clone(), limits),
                    self.bot,
                    self.engine,
                    self.poll_timeout,
                    ctrlc,
                    stop,
                )
                .await
            }
            None => {
                serve(
                    self.bot.clone(),
                    self.bot,
                    self.engine,
                    self.poll_timeout,
                    ctrlc,
                    stop,
                )
                .await
            }
        }
    }
}

async fn serve<B: TgBot>(
    bot: B,
    files: Bot,
    engine: Arc<Engine>,
    poll_timeout: Duration,
    ctrlc: bool,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) {
    let (stop_outbox, outbox_stopped) = tokio::sync::watch::channel(false);
    // Aborted with the bot (a crash, or the task being dropped), never left running alone.
    let mut outbox = AbortOnDrop(tokio::spawn(outbox::run(
        bot.clone(),
        engine.clone(),
        engine.outbox_wake(),
        outbox_stopped,
    )));
    let handler = dptree::entry()
        .branch(Update::filter_message().endpoint(on_message::<B>))
        .branch(Update::filter_callback_query().endpoint(on_callback::<B>))
        .branch(Update::filter_my_chat_member().endpoint(on_my_chat_member));
    let polling = Polling::builder(bot.clone())
        .timeout(poll_timeout)
        .delete_webhook()
        .await
        .build();
    let mut builder = Dispatcher::builder(bot, handler)
        .dependencies(dptree::deps![
            engine.clone(),
            Arc::new(tasks::Tasks::new(engine, files)),
            Arc::new(group_budget::GroupBudget::default())
        ])
        .default_handler(|_| async {});
    if ctrlc {
        builder = builder.enable_ctrlc_handler();
    }
    let mut dispatcher = builder.build();
    let shutdown = dispatcher.shutdown_token();
    tokio::spawn(async move {
        stop.await;
        // Refused only while the dispatcher is not running: not started yet, or finished.
        for _ in 0..100 {
            if shutdown.shutdown().is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    dispatcher
        .dispatch_with_listener(
            polling,
            teloxide::error_handlers::LoggingErrorHandler::with_custom_text("polling"),
        )
        .await;
    let _ = stop_outbox.send(true);
    if tokio::time::timeout(Duration::from_secs(30), &mut outbox.0)
        .await
        .is_err()
    {
        tracing::warn!("outbox: stopped before all messages on their way were answered");
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs the admin tasks a step asked for, each in its own task so the admin's chat stays
/// responsive while an export is built.
fn spawn_tasks<B: TgBot>(bot: &B, tasks: &Arc<tasks::Tasks>, chat_id: i64, handled: &mut Handled) {
    for task in std::mem::take(&mut handled.tasks) {
        let (bot, tasks, lang) = (bot.clone(), tasks.clone(), handled.lang);
        tokio::spawn(async move { tasks.run(&bot, chat_id, lang, task).await });
    }
}

async fn on_message<B: TgBot>(
    bot: B,
    update: Update,
    msg: Message,
    engine: Arc<Engine>,
    tasks: Arc<tasks::Tasks>,
    groups: Arc<group_budget::GroupBudget>,
) -> HandlerResult {
    let Some((chat, input)) = parse::message_input(&msg, engine.bot_username()) else {
        return Ok(());
    };
    let language_code = msg.from.as_ref().and_then(|u| u.language_code.clone());
    // The name a coordinator sees in the list of members who have not finished.
    let first_name = match (&input, &msg.from, chat) {
        (Input::Command(Command::Start(_)), Some(user), ChatKind::Private) => {
            Some(user.first_name.clone())
        }
        _ => None,
    };
    let incoming = Incoming {
        chat_id: msg.chat.id.0,
        chat,
        sender: msg.from.as_ref().map(|u| u.id.0 as i64),
        language_code: language_code.clone(),
        update_id: Some(i64::from(update.id.0)),
        input,
    };
    match engine.handle(incoming).await {
        Ok(mut handled) => {
            if let Some(name) = first_name {
                if let Err(e) = engine.store().note_first_name(msg.chat.id.0, &name).await {
                    tracing::warn!(error = %e, "could not note a first name");
                }
            }
            let mut outgoing = std::mem::take(&mut handled.outgoing);
            if chat == ChatKind::Group
                && !outgoing.is_empty()
                && !groups.allow(msg.chat.id.0, std::time::Instant::now())
            {
                tracing::debug!(
                    chat = msg.chat.id.0,
                    "group reply budget spent: staying quiet"
                );
                outgoing.clear();
            }
            send::deliver(&bot, &engine, msg.chat.id.0, outgoing).await;
            // After the replies, so the summary's text comes before its chart.
            spawn_tasks(&bot, &tasks, msg.chat.id.0, &mut handled);
        }
        Err(e) => {
            tracing::error!(chat = msg.chat.id.0, error = %e, "could not handle a message");
            let lang = Lang::from_telegram(language_code.as_deref());
            let _ = bot
                .send_message(msg.chat.id, tr(lang, "error.internal"))
                .await;
        }
    }
    Ok(())
}

async fn on_callback<B: TgBot>(
    bot: B,
    update: Update,
    q: CallbackQuery,
    engine: Arc<Engine>,
    tasks: Arc<tasks::Tasks>,
) -> HandlerResult {
    let private = q.message.as_ref().is_none_or(|m| m.chat().is_private());
    let chat_id = q
        .message
        .as_ref()
        .map_or(q.from.id.0 as i64, |m| m.chat().id.0);
    let language_code = q.from.language_code.clone();
    let result = if private {
        let incoming = Incoming {
            chat_id,
            chat: ChatKind::Private,
            sender: Some(q.from.id.0 as i64),
            language_code: language_code.clone(),
            update_id: Some(i64::from(update.id.0)),
            input: parse::callback_input(&q),
        };
        engine.handle(incoming).await
    } else {
        Ok(Default::default())
    };
    // Answer first: the spinner on the member's button stops as soon as possible.
    let mut later = Handled::default();
    let (notice, outgoing) = match result {
        Ok(mut h) => {
            let (notice, outgoing) = (h.notice.take(), std::mem::take(&mut h.outgoing));
            later = h;
            (notice, outgoing)
        }
        Err(e) => {
            tracing::error!(chat = chat_id, error = %e, "could not handle a button");
            (
                Some(tr(
                    Lang::from_telegram(language_code.as_deref()),
                    "error.internal",
                )),
                Vec::new(),
            )
        }
    };
    let mut answer = bot.answer_callback_query(q.id.clone());
    if let Some(text) = notice {
        answer = answer.text(text);
    }
    if let Err(e) = answer.await {
        tracing::debug!(error = %e, "callback answer failed (it may have expired)");
    }
    send::deliver(&bot, &engine, chat_id, outgoing).await;
    spawn_tasks(&bot, &tasks, chat_id, &mut later);
    Ok(())
}

/// A member blocking or unblocking the bot arrives as a change of the bot's membership.
async fn on_my_chat_member(update: ChatMemberUpdated, engine: Arc<Engine>) -> HandlerResult {
    if update.chat.is_private() {
        let blocked = !update.new_chat_member.is_present();
        if let Err(e) = engine
            .store()
            .set_blocked(update.chat.id.0, blocked, engine.now())
            .await
        {
            tracing::warn!(error = %e, "could not record a block");
        }
    }
    Ok(())
}
