//! The thin Telegram adapter: updates in, `Engine::handle`, replies out.

pub mod commands;
pub mod flood;
pub mod group_budget;
pub mod outbox;
pub mod parse;
pub mod send;
pub mod tasks;

use std::sync::Arc;
use std::time::Duration;

use teloxide::dispatching::{Dispatcher, UpdateFilterExt};
use teloxide::prelude::*;
use teloxide::types::{CallbackQuery, ChatMemberUpdated, Me, Message, Update};
use teloxide::update_listeners::{webhooks, Polling};
use teloxide::{ApiError, RequestError};

use crate::clock::Clock;
use crate::config::Config;
use crate::conversation::{ChatKind, Command, Input};
use crate::delivery::{Class, Delivery, Job, Request};
use crate::domain::Lang;
use crate::engine::{Engine, Handled, Incoming};
use crate::messages::tr;
use crate::observe::{Health, Metrics, UpdateKind};
use crate::store::Store;

/// Updates of one chat waiting for its handler. Handlers only queue their sends and a flooding
/// chat is handled at 200 updates a second (`flood`), so this fills only if one member sends
/// well over a thousand messages at once; were it full, the dispatcher would wait for that
/// chat, so it is far above what a person sends in a burst.
const CHAT_UPDATES_QUEUED: usize = 1024;
/// Connections to Telegram kept open between bursts. A crowd may open up to a few hundred at
/// once (see `delivery`); keeping them all would hold their buffers for nothing once it passes.
const IDLE_CONNECTIONS: usize = 32;
/// On a stop, how long the replies and task output already queued may take to go out.
const STOP_SENDING_WITHIN: Duration = Duration::from_secs(10);

type HandlerResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// The running pieces, built from configuration. Used by `main`, the tests and the benchmark.
pub struct App {
    pub engine: Arc<Engine>,
    bot: Bot,
    delivery: Delivery,
    poll_timeout: Duration,
    backups: Option<crate::backups::Schedule>,
    metrics: Arc<Metrics>,
    /// Bound at build time, so that a wrong or taken address stops the start with a message.
    metrics_listener: Option<tokio::net::TcpListener>,
    /// Webhook mode, with its address bound likewise; long polling when `None`.
    webhook: Option<(crate::config::Webhook, tokio::net::TcpListener)>,
    /// Staff chats whose command menu was set at start.
    menus: Vec<(i64, commands::Roles)>,
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
    #[error("could not set up HTTP: {0}")]
    Client(String),
    #[error("DWCP_METRICS_ADDR {addr}: {error}")]
    MetricsAddr {
        addr: std::net::SocketAddr,
        error: std::io::Error,
    },
    #[error("metrics: {0}")]
    Metrics(#[from] prometheus::Error),
    #[error("DWCP_WEBHOOK_LISTEN {addr}: {error}")]
    WebhookListen {
        addr: std::net::SocketAddr,
        error: std::io::Error,
    },
    #[error("Telegram refused the webhook {url}: {error}")]
    Webhook { url: String, error: RequestError },
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
        let client = teloxide::net::default_reqwest_settings()
            .pool_max_idle_per_host(IDLE_CONNECTIONS)
            .build()
            .map_err(|e| StartError::Client(e.to_string()))?;
        let mut bot = Bot::with_client(&config.token, client);
        if let Some(url) = &config.api_url {
            bot = bot
                .set_api_url(url::Url::parse(url).map_err(|e| StartError::ApiUrl(e.to_string()))?);
        }
        let me = who_am_i(&bot).await?;
        let plan = store
            .active_plan_or(crate::plan_io::default_plan, clock.now())
            .await?;
        store.bootstrap_admins(&config.admins, clock.now()).await?;
        // For reminders queued from the command line: their button opens this bot.
        store
            .set_setting(
                crate::store::BOT_USERNAME_SETTING,
                me.username(),
                clock.now(),
            )
            .await?;
        tracing::info!(
            bot = %me.username(), plan = plan.version, activities = plan.activities.len(),
            draft = plan.is_draft(), "starting"
        );
        commands::register(&bot).await;
        // Staff who never wrote to the bot have no chat with it yet: their menu is set when they
        // first do (`Tasks::follow_roles`).
        let mut admins = Vec::new();
        for a in store.admins().await? {
            if store.has_chat(a.user_id).await? {
                admins.push(a.user_id);
            }
        }
        let mut coordinators = Vec::new();
        for c in store.coordinators().await? {
            if store.has_chat(c.member_id).await? {
                coordinators.push(c.member_id);
            }
        }
        let menus = commands::register_staff(&bot, &admins, &coordinators).await;
        let delivery = {
            let (store, clock) = (store.clone(), clock.clone());
            Delivery::new(bot.clone(), config.pacing, move |chat| {
                if chat > 0 {
                    let (store, now) = (store.clone(), clock.now());
                    tokio::spawn(async move {
                        tracing::info!(chat, "member blocked the bot; marking inactive");
                        if let Err(e) = store.set_blocked(chat, true, now).await {
                            tracing::warn!(chat, error = %e, "could not record a block");
                        }
                    });
                }
            })
        };
        let metrics_listener = match config.metrics_addr {
            None => None,
            Some(addr) => Some(
                tokio::net::TcpListener::bind(addr)
                    .await
                    .map_err(|error| StartError::MetricsAddr { addr, error })?,
            ),
        };
        let webhook = match &config.webhook {
            None => None,
            Some(hook) => Some((
                hook.clone(),
                tokio::net::TcpListener::bind(hook.listen)
                    .await
                    .map_err(|error| StartError::WebhookListen {
                        addr: hook.listen,
                        error,
                    })?,
            )),
        };
        let engine = Arc::new(Engine::new(store, plan, clock, me.username().to_string()));
        Ok(App {
            webhook,
            engine,
            bot,
            delivery,
            poll_timeout: config.poll_timeout,
            backups: config.backups.clone(),
            metrics: Arc::new(Metrics::new()?),
            metrics_listener,
            menus,
        })
    }

    /// Everything the bot sends goes through this.
    pub fn delivery(&self) -> &Delivery {
        &self.delivery
    }

    /// Long-polls until `stop` completes, then stops gracefully: polling ends, the outbox
    /// waits for the requests on the wire (the rest stay pending), and what the members and
    /// staff were already sent goes out within [`STOP_SENDING_WITHIN`].
    pub async fn run_until(
        self,
        stop: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartError> {
        let App {
            engine,
            bot,
            delivery,
            poll_timeout,
            backups,
            metrics,
            metrics_listener,
            webhook,
            menus,
        } = self;
        let _observed = metrics_listener.map(|listener| {
            let health = Arc::new(Health::new(poll_timeout));
            (
                AbortOnDrop(tokio::spawn(health.clone().heartbeat(bot.clone()))),
                AbortOnDrop(tokio::spawn(crate::observe::serve(
                    listener,
                    metrics.clone(),
                    health,
                    engine.store().clone(),
                    delivery.clone(),
                ))),
            )
        });
        let _backups = backups.map(|schedule| {
            AbortOnDrop(tokio::spawn(crate::backups::run(
                engine.store().clone(),
                engine.clock(),
                schedule,
            )))
        });
        // Aborted with the bot (a crash, or the task being dropped), never left running alone.
        let mut sending = AbortOnDrop(tokio::spawn({
            let delivery = delivery.clone();
            async move { delivery.run().await }
        }));
        let (stop_outbox, outbox_stopped) = tokio::sync::watch::channel(false);
        let mut outbox = AbortOnDrop(tokio::spawn(outbox::run(
            delivery.clone(),
            engine.clone(),
            engine.outbox_wake(),
            outbox_stopped,
        )));
        let handler = dptree::entry()
            .branch(Update::filter_message().endpoint(on_message))
            .branch(Update::filter_callback_query().endpoint(on_callback))
            .branch(Update::filter_my_chat_member().endpoint(on_my_chat_member));
        let tasks = Arc::new(tasks::Tasks::new(
            engine.clone(),
            delivery.clone(),
            bot.clone(),
            menus,
        ));
        let store = engine.store().clone();
        let context = Arc::new(Context {
            engine,
            tasks,
            out: delivery.clone(),
            groups: group_budget::GroupBudget::default(),
            floods: flood::Floods::default(),
            metrics,
        });
        let mut dispatcher = Dispatcher::builder(bot.clone(), handler)
            .dependencies(dptree::deps![context])
            .default_handler(|_| async {})
            .worker_queue_size(CHAT_UPDATES_QUEUED)
            .build();
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
        match webhook {
            // Updates as Telegram posts them; requests without the secret token get 401 and
            // never reach the dispatcher. A graceful stop deletes the webhook again.
            Some((hook, listener)) => {
                let options = webhooks::Options::new(hook.listen, hook.url.clone());
                let (updates, stopped, router) = webhooks::axum_to_router(bot.clone(), options)
                    .await
                    .map_err(|error| StartError::Webhook {
                        url: hook.url.to_string(),
                        error,
                    })?;
                tracing::info!(url = %hook.url, listen = %hook.listen, "receiving updates by webhook");
                let mut server = AbortOnDrop(tokio::spawn(async move {
                    if let Err(e) = axum::serve(listener, router)
                        .with_graceful_shutdown(stopped)
                        .await
                    {
                        tracing::error!(error = %e, "the webhook address stopped serving");
                    }
                }));
                dispatcher
                    .dispatch_with_listener(
                        updates,
                        teloxide::error_handlers::LoggingErrorHandler::with_custom_text("webhook"),
                    )
                    .await;
                let _ = tokio::time::timeout(Duration::from_secs(5), &mut server.0).await;
            }
            // Switching back to polling deletes a webhook left from before.
            None => {
                let polling = Polling::builder(bot.clone())
                    .timeout(poll_timeout)
                    .delete_webhook()
                    .await
                    .build();
                dispatcher
                    .dispatch_with_listener(
                        polling,
                        teloxide::error_handlers::LoggingErrorHandler::with_custom_text("polling"),
                    )
                    .await;
            }
        }
        let _ = stop_outbox.send(true);
        if tokio::time::timeout(Duration::from_secs(30), &mut outbox.0)
            .await
            .is_err()
        {
            tracing::warn!("outbox: stopped before all messages on their way were answered");
        }
        delivery.close();
        delivery.finish(&mut sending.0, STOP_SENDING_WITHIN).await;
        store.close().await;
        Ok(())
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The staff work a step asked for, each with its place held if it builds a file. A file asked
/// for while another is being prepared for the same chat is left out: `refused` says so, so the
/// caller can tell the admin.
struct Prepared {
    tasks: Vec<(crate::conversation::Task, Option<tasks::Preparing>)>,
    refused: bool,
}

fn prepare_tasks(tasks: &Arc<tasks::Tasks>, chat_id: i64, handled: &mut Handled) -> Prepared {
    let mut prepared = Prepared {
        tasks: Vec::new(),
        refused: false,
    };
    for task in std::mem::take(&mut handled.tasks) {
        if !tasks::is_long(&task) {
            prepared.tasks.push((task, None));
        } else if let Some(held) = tasks.start_long(chat_id) {
            prepared.tasks.push((task, Some(held)));
        } else {
            prepared.refused = true;
        }
    }
    prepared
}

/// Runs each task in its own task, so the chat stays responsive while a file is built. Called
/// after the step's replies are queued, so that they come first.
fn spawn_tasks(tasks: &Arc<tasks::Tasks>, chat_id: i64, lang: Lang, prepared: Prepared) {
    for (task, held) in prepared.tasks {
        let tasks = tasks.clone();
        tokio::spawn(async move {
            let _held = held;
            tasks.run(chat_id, lang, task).await
        });
    }
}

fn plain(chat_id: i64, text: String) -> Job {
    Job::new(
        chat_id,
        Class::Reply,
        Request::Message {
            text,
            html: false,
            keyboard: None,
        },
    )
}

/// What the update handlers need, built once for the whole run.
struct Context {
    engine: Arc<Engine>,
    tasks: Arc<tasks::Tasks>,
    out: Delivery,
    groups: group_budget::GroupBudget,
    floods: flood::Floods,
    metrics: Arc<Metrics>,
}

async fn on_message(update: Update, msg: Message, cx: Arc<Context>) -> HandlerResult {
    let Context {
        engine,
        tasks,
        out,
        groups,
        floods,
        metrics,
    } = &*cx;
    let Some((chat, input)) = parse::message_input(&msg, engine.bot_username()) else {
        return Ok(());
    };
    let chat_id = msg.chat.id.0;
    floods.pace(chat_id).await;
    let started = std::time::Instant::now();
    let language_code = msg.from.as_ref().and_then(|u| u.language_code.clone());
    // The name a coordinator sees in the list of members who have not finished.
    let first_name = match (&input, &msg.from, chat) {
        (Input::Command(Command::Start(_)), Some(user), ChatKind::Private) => {
            Some(user.first_name.clone())
        }
        _ => None,
    };
    let incoming = Incoming {
        chat_id,
        chat,
        sender: msg.from.as_ref().map(|u| u.id.0 as i64),
        language_code: language_code.clone(),
        update_id: Some(i64::from(update.id.0)),
        seen: None,
        input,
    };
    match engine.handle(incoming).await {
        Ok(mut handled) => {
            if let Some(name) = first_name {
                note_first_name(engine, chat_id, &name).await;
            }
            if chat == ChatKind::Private {
                tasks.follow_roles(chat_id, handled.roles);
            }
            let mut outgoing = std::mem::take(&mut handled.outgoing);
            if chat == ChatKind::Group
                && !outgoing.is_empty()
                && !groups.allow(chat_id, std::time::Instant::now())
            {
                tracing::debug!(chat = chat_id, "group reply budget spent: staying quiet");
                outgoing.clear();
            }
            let prepared = prepare_tasks(tasks, chat_id, &mut handled);
            send::submit(out, chat_id, outgoing);
            if prepared.refused {
                out.submit(plain(chat_id, tr(handled.lang, "task.busy")));
            }
            spawn_tasks(tasks, chat_id, handled.lang, prepared);
            metrics.handled(UpdateKind::Message, started.elapsed(), false);
        }
        Err(e) => {
            tracing::error!(chat = chat_id, error = %e, "could not handle a message");
            let lang = Lang::from_telegram(language_code.as_deref());
            out.submit(plain(chat_id, tr(lang, "error.internal")));
            metrics.handled(UpdateKind::Message, started.elapsed(), true);
        }
    }
    Ok(())
}

/// The name a coordinator sees in the list of members who have not finished (the store keeps
/// it only for members who agreed).
async fn note_first_name(engine: &Engine, chat_id: i64, name: &str) {
    if let Err(e) = engine.store().note_first_name(chat_id, name).await {
        tracing::warn!(error = %e, "could not note a first name");
    }
}

async fn on_callback(update: Update, q: CallbackQuery, cx: Arc<Context>) -> HandlerResult {
    let Context {
        engine,
        tasks,
        out,
        floods,
        metrics,
        ..
    } = &*cx;
    let private = q.message.as_ref().is_none_or(|m| m.chat().is_private());
    let chat_id = q
        .message
        .as_ref()
        .map_or(q.from.id.0 as i64, |m| m.chat().id.0);
    floods.pace(chat_id).await;
    let started = std::time::Instant::now();
    let language_code = q.from.language_code.clone();
    let input = parse::callback_input(&q);
    // Agreeing is when the name a coordinator sees may be kept (never before).
    let agreed = matches!(
        input,
        Input::Callback {
            data: crate::conversation::Callback::Consent(true),
            ..
        }
    );
    let result = if private {
        let incoming = Incoming {
            chat_id,
            chat: ChatKind::Private,
            sender: Some(q.from.id.0 as i64),
            language_code: language_code.clone(),
            update_id: Some(i64::from(update.id.0)),
            seen: parse::seen(&q),
            input,
        };
        engine.handle(incoming).await
    } else {
        Ok(Default::default())
    };
    match result {
        Ok(mut handled) => {
            if agreed && private {
                note_first_name(engine, chat_id, &q.from.first_name).await;
            }
            let mut notice = handled.notice.take();
            let prepared = prepare_tasks(tasks, chat_id, &mut handled);
            if prepared.refused {
                notice = Some(tr(handled.lang, "task.busy"));
            }
            // The tap first: its spinner stops now, whatever waits to be sent in this chat.
            out.answer(q.id, notice);
            send::submit(out, chat_id, std::mem::take(&mut handled.outgoing));
            spawn_tasks(tasks, chat_id, handled.lang, prepared);
            metrics.handled(UpdateKind::Callback, started.elapsed(), false);
        }
        Err(e) => {
            tracing::error!(chat = chat_id, error = %e, "could not handle a button");
            let lang = Lang::from_telegram(language_code.as_deref());
            out.answer(q.id, Some(tr(lang, "error.internal")));
            metrics.handled(UpdateKind::Callback, started.elapsed(), true);
        }
    }
    Ok(())
}

/// A member blocking or unblocking the bot arrives as a change of the bot's membership.
async fn on_my_chat_member(update: ChatMemberUpdated, cx: Arc<Context>) -> HandlerResult {
    let engine = &cx.engine;
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
