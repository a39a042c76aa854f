//! The thin Telegram adapter: updates in, `Engine::handle`, replies out.

pub mod api;
pub mod flood;
pub mod front;
pub mod group_budget;
pub mod parse;
pub mod send;
pub mod webhook;

use std::sync::Arc;
use std::time::Duration;

use teloxide::dispatching::{Dispatcher, UpdateFilterExt};
use teloxide::prelude::*;
use teloxide::types::{CallbackQuery, ChatMemberUpdated, Message, Update};
use teloxide::update_listeners::{webhooks, Polling};
use teloxide::RequestError;

use crate::clock::Clock;
use crate::config::Config;
use crate::conversation::ChatKind;
use crate::delivery::{Class, Delivery, Job, Request};
use crate::domain::Lang;
use crate::engine::{Engine, Handled, Incoming};
use crate::jobs::{not_taken_text, Jobs, Ticket};
use crate::messages::tr;
use crate::observe::{Health, Metrics, UpdateKind};
use crate::store::Store;
use front::TelegramFront;

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
    jobs: Arc<Jobs>,
    front: Arc<TelegramFront>,
    bot: Bot,
    delivery: Delivery,
    poll_timeout: Duration,
    backups: Option<crate::backups::Schedule>,
    metrics: Arc<Metrics>,
    /// Bound at build time, so that a wrong or taken address stops the start with a message.
    metrics_listener: Option<tokio::net::TcpListener>,
    /// Webhook mode, with its address bound likewise; long polling when `None`.
    webhook: Option<(crate::config::Webhook, tokio::net::TcpListener)>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Telegram(#[from] api::WhoAmIError),
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
        let me = api::who_am_i(&bot).await?;
        let started =
            crate::jobs::start::prepare(&store, &config.admins, me.username(), clock.now()).await?;
        let plan = started.plan;
        tracing::info!(
            bot = %me.username(), plan = plan.version, activities = plan.activities.len(),
            draft = plan.is_draft(), "starting"
        );
        api::register(&bot).await;
        let menus = api::register_staff(&bot, &started.staff).await;
        let engine = Arc::new(Engine::new(store, plan, clock, me.username().to_string()));
        let delivery = {
            let engine = engine.clone();
            Delivery::new(bot.clone(), config.pacing, move |chat| {
                if chat > 0 {
                    let engine = engine.clone();
                    tokio::spawn(async move {
                        tracing::info!(chat, "member blocked the bot; marking inactive");
                        if let Err(e) = engine.member_blocked(chat, true).await {
                            tracing::warn!(chat, error = %e, "could not record a block");
                        }
                    });
                }
            })
        };
        let front = Arc::new(TelegramFront::new(delivery.clone(), bot.clone(), menus));
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
        Ok(App {
            webhook,
            jobs: Arc::new(Jobs::new(engine.clone())),
            engine,
            front,
            bot,
            delivery,
            poll_timeout: config.poll_timeout,
            backups: config.backups.clone(),
            metrics: Arc::new(Metrics::new()?),
            metrics_listener,
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
            jobs,
            front,
            bot,
            delivery,
            poll_timeout,
            backups,
            metrics,
            metrics_listener,
            webhook,
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
                engine.erasures(),
            )))
        });
        let _housekeeping =
            AbortOnDrop(tokio::spawn(crate::jobs::housekeeping::run(engine.clone())));
        // Aborted with the bot (a crash, or the task being dropped), never left running alone.
        let mut sending = AbortOnDrop(tokio::spawn({
            let delivery = delivery.clone();
            async move { delivery.run().await }
        }));
        let (stop_outbox, outbox_stopped) = tokio::sync::watch::channel(false);
        let mut outbox = AbortOnDrop(tokio::spawn(crate::jobs::outbox::run(
            front.clone(),
            engine.clone(),
            engine.outbox_wake(),
            outbox_stopped,
        )));
        let handler = dptree::entry()
            .branch(Update::filter_message().endpoint(on_message))
            .branch(Update::filter_callback_query().endpoint(on_callback))
            .branch(Update::filter_my_chat_member().endpoint(on_my_chat_member));
        let store = engine.store().clone();
        let context = Arc::new(Context {
            engine,
            jobs,
            front,
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
                let mut server =
                    AbortOnDrop(tokio::spawn(webhook::serve(listener, router, stopped)));
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

/// Admits the work a step asked for: what is not taken (the same file already coming, too
/// many waiting) is said in the words returned, for the tap's answer or a message.
fn admit_tasks(cx: &Context, chat: i64, handled: &mut Handled) -> (Vec<Ticket>, Option<String>) {
    let mut admitted = Vec::new();
    let mut refused = None;
    for task in std::mem::take(&mut handled.tasks) {
        match cx.jobs.admit(chat, task) {
            Ok(ticket) => admitted.push(ticket),
            Err(why) => refused = Some(not_taken_text(handled.lang, why)),
        }
    }
    (admitted, refused)
}

/// Runs each admitted task in its own task, so the chat stays responsive while a file is
/// built. Called after the step's replies are queued, so that they come first.
fn run_tasks(cx: &Context, lang: Lang, admitted: Vec<Ticket>) {
    for ticket in admitted {
        let (jobs, front) = (cx.jobs.clone(), cx.front.clone());
        tokio::spawn(async move { jobs.run(&*front, lang, ticket).await });
    }
}

/// A staff member's command menu follows their roles: set when it does not show them yet (for
/// staff named before they ever opened the bot, and anyone whose role changed).
fn follow_roles(cx: &Context, chat: i64, roles: crate::domain::Roles) {
    if cx.front.menu_shown(chat) != roles {
        let front = cx.front.clone();
        tokio::spawn(async move {
            use crate::jobs::Front;
            front.menu(chat, roles).await
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
    jobs: Arc<Jobs>,
    front: Arc<TelegramFront>,
    out: Delivery,
    groups: group_budget::GroupBudget,
    floods: flood::Floods,
    metrics: Arc<Metrics>,
}

async fn on_message(update: Update, msg: Message, cx: Arc<Context>) -> HandlerResult {
    let Context {
        engine,
        out,
        groups,
        floods,
        metrics,
        ..
    } = &*cx;
    let Some((chat, input)) = parse::message_input(&msg, engine.bot_username()) else {
        return Ok(());
    };
    let chat_id = msg.chat.id.0;
    floods.pace(chat_id).await;
    let started = std::time::Instant::now();
    let language_code = msg.from.as_ref().and_then(|u| u.language_code.clone());
    let incoming = Incoming {
        chat_id,
        chat,
        sender: msg.from.as_ref().map(|u| u.id.0 as i64),
        language_code: language_code.clone(),
        update_id: Some(i64::from(update.id.0)),
        seen: None,
        first_name: msg.from.as_ref().map(|u| u.first_name.clone()),
        input,
    };
    match engine.handle(incoming).await {
        Ok(mut handled) => {
            if chat == ChatKind::Private {
                follow_roles(&cx, chat_id, handled.roles);
            }
            let mut outgoing = std::mem::take(&mut handled.outgoing);
            if chat == ChatKind::Group
                && !outgoing.is_empty()
                && !groups.allow(chat_id, std::time::Instant::now())
            {
                tracing::debug!(chat = chat_id, "group reply budget spent: staying quiet");
                outgoing.clear();
            }
            let (admitted, refused) = admit_tasks(&cx, chat_id, &mut handled);
            send::submit(out, chat_id, outgoing);
            if let Some(refused) = refused {
                out.submit(plain(chat_id, refused));
            }
            run_tasks(&cx, handled.lang, admitted);
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

async fn on_callback(update: Update, q: CallbackQuery, cx: Arc<Context>) -> HandlerResult {
    let Context {
        engine,
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
    let result = if private {
        let incoming = Incoming {
            chat_id,
            chat: ChatKind::Private,
            sender: Some(q.from.id.0 as i64),
            language_code: language_code.clone(),
            update_id: Some(i64::from(update.id.0)),
            seen: parse::seen(&q),
            first_name: Some(q.from.first_name.clone()),
            input: parse::callback_input(&q),
        };
        engine.handle(incoming).await
    } else {
        Ok(Default::default())
    };
    match result {
        Ok(mut handled) => {
            let (admitted, refused) = admit_tasks(&cx, chat_id, &mut handled);
            // The tap first: its spinner stops now, whatever waits to be sent in this chat.
            out.answer(q.id, refused.or(handled.notice.take()));
            send::submit(out, chat_id, std::mem::take(&mut handled.outgoing));
            run_tasks(&cx, handled.lang, admitted);
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
    if update.chat.is_private() {
        let blocked = !update.new_chat_member.is_present();
        if let Err(e) = cx.engine.member_blocked(update.chat.id.0, blocked).await {
            tracing::warn!(error = %e, "could not record a block");
        }
    }
    Ok(())
}
