//! The bot as one running application: built from configuration (the store, Telegram, the
//! engine, delivery, the jobs), then run until told to stop, with everything it runs beside the
//! conversation (health and metrics, backups, housekeeping, the outbox). `main` runs it; the
//! tests and the benchmarks boot the same thing.

use std::sync::Arc;
use std::time::Duration;

use teloxide::prelude::*;
use teloxide::RequestError;

use crate::clock::Clock;
use crate::config::Config;
use crate::delivery::Delivery;
use crate::engine::Engine;
use crate::jobs::Jobs;
use crate::observe::{Health, Metrics};
use crate::store::Store;
use crate::telegram::api;
use crate::telegram::front::TelegramFront;

/// Connections to Telegram kept open between bursts. A crowd may open up to a few hundred at
/// once (see `delivery`); keeping them all would hold their buffers for nothing once it passes.
const IDLE_CONNECTIONS: usize = 32;
/// On a stop, how long the replies and task output already queued may take to go out.
const STOP_SENDING_WITHIN: Duration = Duration::from_secs(10);

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
        let store = engine.store().clone();
        let context = Arc::new(crate::telegram::Context::new(
            engine,
            jobs,
            front,
            delivery.clone(),
            metrics,
        ));
        let receiving = match webhook {
            Some((hook, listener)) => crate::telegram::Receive::Webhook { hook, listener },
            None => crate::telegram::Receive::Polling {
                timeout: poll_timeout,
            },
        };
        crate::telegram::receive(bot, context, receiving, stop)
            .await
            .map_err(|(url, error)| StartError::Webhook { url, error })?;
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
