//! The thin Telegram adapter: updates in (polling or webhook), `Engine::handle`, replies out
//! through delivery, the work a step asked for handed to the jobs.

pub mod api;
pub mod front;
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

use crate::conversation::ChatKind;
use crate::delivery::flood::Floods;
use crate::delivery::group_budget::GroupBudget;
use crate::delivery::{Class, Delivery, Job, Request};
use crate::domain::Lang;
use crate::engine::{Engine, Handled, Incoming};
use crate::jobs::{not_taken_text, Jobs, Ticket};
use crate::messages::tr;
use crate::observe::{Metrics, UpdateKind};
use front::TelegramFront;

/// Updates of one chat waiting for its handler. Handlers only queue their sends and a flooding
/// chat is handled at 200 updates a second (`flood`), so this fills only if one member sends
/// well over a thousand messages at once; were it full, the dispatcher would wait for that
/// chat, so it is far above what a person sends in a burst.
const CHAT_UPDATES_QUEUED: usize = 1024;

type HandlerResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

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
pub struct Context {
    engine: Arc<Engine>,
    jobs: Arc<Jobs>,
    front: Arc<TelegramFront>,
    out: Delivery,
    groups: GroupBudget,
    floods: Floods,
    metrics: Arc<Metrics>,
}

impl Context {
    pub fn new(
        engine: Arc<Engine>,
        jobs: Arc<Jobs>,
        front: Arc<TelegramFront>,
        out: Delivery,
        metrics: Arc<Metrics>,
    ) -> Context {
        Context {
            engine,
            jobs,
            front,
            out,
            groups: GroupBudget::default(),
            floods: Floods::default(),
            metrics,
        }
    }
}

/// How updates arrive.
pub enum Receive {
    Polling {
        timeout: Duration,
    },
    /// Telegram posts them to this address (behind the reverse proxy).
    Webhook {
        hook: crate::config::Webhook,
        listener: tokio::net::TcpListener,
    },
}

/// Receives updates and hands each to its chat's handler until `stop` completes; then stops
/// taking more (a webhook is deleted again). A webhook Telegram refuses is the error, with its
/// address.
pub async fn receive(
    bot: Bot,
    cx: Arc<Context>,
    how: Receive,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), (String, RequestError)> {
    let handler = dptree::entry()
        .branch(Update::filter_message().endpoint(on_message))
        .branch(Update::filter_callback_query().endpoint(on_callback))
        .branch(Update::filter_my_chat_member().endpoint(on_my_chat_member));
    let mut dispatcher = Dispatcher::builder(bot.clone(), handler)
        .dependencies(dptree::deps![cx])
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
    match how {
        // Updates as Telegram posts them; requests without the secret token get 401 and never
        // reach the dispatcher. A graceful stop deletes the webhook again.
        Receive::Webhook { hook, listener } => {
            let options = webhooks::Options::new(hook.listen, hook.url.clone());
            let (updates, stopped, router) = webhooks::axum_to_router(bot, options)
                .await
                .map_err(|error| (hook.url.to_string(), error))?;
            tracing::info!(url = %hook.url, listen = %hook.listen, "receiving updates by webhook");
            let server = tokio::spawn(webhook::serve(listener, router, stopped));
            dispatcher
                .dispatch_with_listener(
                    updates,
                    teloxide::error_handlers::LoggingErrorHandler::with_custom_text("webhook"),
                )
                .await;
            let abort = server.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), server)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
        // Switching back to polling deletes a webhook left from before.
        Receive::Polling { timeout } => {
            let polling = Polling::builder(bot)
                .timeout(timeout)
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
    Ok(())
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
