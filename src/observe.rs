//! What a monitor sees, on an optional local address (`DWCP_METRICS_ADDR`):
//! - `/healthz`: 200 when the database answers and Telegram was reached lately (a `getMe`
//!   every poll interval), 503 with the reason otherwise;
//! - `/metrics`: Prometheus text. Counters the handlers keep (updates by kind, handling
//!   errors, handling time), and figures read when scraped: delivery's queues and Telegram's
//!   answers, the outbox by state, members and ratings.
//!
//! The registry is this struct's own, passed to whoever records: no process-global recorder.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use prometheus::{
    Encoder, Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};
use teloxide::Bot;
use tokio::time::Instant;

use crate::delivery::Delivery;
use crate::store::Store;

pub struct Metrics {
    registry: Registry,
    updates: IntCounterVec,
    errors: IntCounter,
    handling: Histogram,
    queued: IntGaugeVec,
    /// Mirrors of delivery's own counters, brought up to date at each scrape.
    telegram: IntCounterVec,
    outbox: IntGaugeVec,
    members: IntGauge,
    ratings: IntGauge,
}

/// The kind of update, as counted.
#[derive(Clone, Copy, Debug)]
pub enum UpdateKind {
    Message,
    Callback,
}

impl Metrics {
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new();
        let updates = IntCounterVec::new(
            Opts::new("dwcp_updates_total", "Updates handled, by kind"),
            &["kind"],
        )?;
        let errors = IntCounter::new(
            "dwcp_update_errors_total",
            "Updates whose handling failed (the member got an apology)",
        )?;
        let handling = Histogram::with_opts(
            HistogramOpts::new(
                "dwcp_update_handling_seconds",
                "From an update's arrival to its replies queued for delivery",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ]),
        )?;
        let queued = IntGaugeVec::new(
            Opts::new(
                "dwcp_delivery_queued",
                "Requests waiting in delivery, by class",
            ),
            &["class"],
        )?;
        let telegram = IntCounterVec::new(
            Opts::new(
                "dwcp_telegram_answers_total",
                "What became of delivery's requests: sent, unchanged, retry_after (429), blocked (403), failed, dropped; and taps answered",
            ),
            &["outcome"],
        )?;
        let outbox = IntGaugeVec::new(
            Opts::new("dwcp_outbox_rows", "Outbox rows by state"),
            &["state"],
        )?;
        let members = IntGauge::new("dwcp_members", "Members who agreed to take part")?;
        let ratings = IntGauge::new("dwcp_ratings", "Current ratings, all plan versions")?;
        for c in [
            Box::new(updates.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(errors.clone()),
            Box::new(handling.clone()),
            Box::new(queued.clone()),
            Box::new(telegram.clone()),
            Box::new(outbox.clone()),
            Box::new(members.clone()),
            Box::new(ratings.clone()),
        ] {
            registry.register(c)?;
        }
        Ok(Metrics {
            registry,
            updates,
            errors,
            handling,
            queued,
            telegram,
            outbox,
            members,
            ratings,
        })
    }

    /// One update handled in `took`; `failed` when the member got an apology instead.
    pub fn handled(&self, kind: UpdateKind, took: Duration, failed: bool) {
        let kind = match kind {
            UpdateKind::Message => "message",
            UpdateKind::Callback => "callback",
        };
        self.updates.with_label_values(&[kind]).inc();
        self.handling.observe(took.as_secs_f64());
        if failed {
            self.errors.inc();
        }
    }

    /// Brings the figures read at scrape time up to date, then renders everything.
    async fn render(&self, store: &Store, delivery: &Delivery) -> String {
        for (class, n) in delivery.depth() {
            self.queued
                .with_label_values(&[class.label()])
                .set(n as i64);
        }
        let stats = delivery.stats();
        for (outcome, counter) in [
            ("sent", &stats.sent),
            ("unchanged", &stats.unchanged),
            ("retry_after", &stats.retry_after),
            ("blocked", &stats.blocked),
            ("failed", &stats.failed),
            ("dropped", &stats.dropped),
            ("answered", &stats.answered),
        ] {
            let mirror = self.telegram.with_label_values(&[outcome]);
            let now = counter.load(Ordering::Relaxed);
            mirror.inc_by(now.saturating_sub(mirror.get()));
        }
        match store.figures().await {
            Ok(f) => {
                self.members.set(f.members);
                self.ratings.set(f.ratings);
                for (state, n) in f.outbox {
                    self.outbox.with_label_values(&[state.as_str()]).set(n);
                }
            }
            Err(e) => tracing::warn!(error = %e, "metrics: could not read the figures"),
        }
        let mut text = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut text) {
            tracing::warn!(error = %e, "metrics: could not encode");
        }
        String::from_utf8_lossy(&text).into_owned()
    }
}

/// When Telegram last answered the heartbeat.
pub struct Health {
    interval: Duration,
    reached: Mutex<Option<Instant>>,
}

impl Health {
    pub fn new(interval: Duration) -> Health {
        Health {
            interval,
            reached: Mutex::new(None),
        }
    }

    /// Asks Telegram who the bot is every interval, noting when it answered. Runs until dropped.
    pub async fn heartbeat(self: Arc<Self>, bot: Bot) {
        loop {
            if crate::telegram::api::answers(&bot, self.interval).await {
                *self.reached.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now())
            } else {
                tracing::debug!("heartbeat: Telegram did not answer in time");
            }
            tokio::time::sleep(self.interval).await;
        }
    }

    /// `None` when Telegram answered within the last two intervals; else what is wrong.
    fn telegram_problem(&self) -> Option<String> {
        let reached = *self.reached.lock().unwrap_or_else(|e| e.into_inner());
        match reached {
            Some(t) if t.elapsed() <= self.interval * 2 => None,
            Some(t) => Some(format!(
                "Telegram not reached for {} s",
                t.elapsed().as_secs()
            )),
            None => Some("Telegram not reached yet".into()),
        }
    }
}

#[derive(Clone)]
struct Observed {
    metrics: Arc<Metrics>,
    health: Arc<Health>,
    store: Store,
    delivery: Delivery,
}

async fn healthz(State(s): State<Observed>) -> impl IntoResponse {
    let database = match tokio::time::timeout(Duration::from_secs(2), s.store.ping()).await {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(format!("database: {e}")),
        Err(_) => Some("database: no answer within 2 s".into()),
    };
    match database.or_else(|| s.health.telegram_problem()) {
        None => (StatusCode::OK, "ok\n".to_string()),
        Some(problem) => (StatusCode::SERVICE_UNAVAILABLE, format!("{problem}\n")),
    }
}

async fn metrics(State(s): State<Observed>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        s.metrics.render(&s.store, &s.delivery).await,
    )
}

/// Serves `/healthz` and `/metrics` on `listener` until dropped.
pub async fn serve(
    listener: tokio::net::TcpListener,
    metrics: Arc<Metrics>,
    health: Arc<Health>,
    store: Store,
    delivery: Delivery,
) {
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(self::metrics))
        .with_state(Observed {
            metrics,
            health,
            store,
            delivery,
        });
    if let Err(e) = axum::serve(listener, app).await {
        tracing::error!(error = %e, "the metrics address stopped serving");
    }
}
