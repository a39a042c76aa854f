//! The engine's rendered replies → delivery jobs. Delivery does the sending, pacing and
//! handling of what Telegram answers; the handler does not wait for any of it.

use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use crate::conversation::Placement;
use crate::delivery::{Class, Delivery, Job, Request};
use crate::engine::Outgoing;
use crate::messages::{Action, Keyboard};

pub fn markup(kb: &Keyboard) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(kb.rows.iter().map(|row| {
        row.iter()
            .filter_map(|b| match &b.action {
                Action::Callback(cb) => {
                    Some(InlineKeyboardButton::callback(b.label.clone(), cb.encode()))
                }
                Action::Url(u) => match url::Url::parse(u) {
                    Ok(url) => Some(InlineKeyboardButton::url(b.label.clone(), url)),
                    Err(e) => {
                        tracing::error!(url = %u, error = %e, "dropping a button with a bad URL");
                        None
                    }
                },
            })
            .collect::<Vec<_>>()
    }))
}

/// Queues one step's replies for `chat_id`, in order. In a private chat the last one with
/// buttons is the member's screen: should another step's screen come before it is sent, it is
/// replaced. (In a group each reply answers someone else, so none replaces another.)
pub fn submit(out: &Delivery, chat_id: i64, outgoing: Vec<Outgoing>) {
    let private = chat_id > 0;
    let screen = outgoing
        .iter()
        .rposition(|o| !o.rendered.keyboard.rows.is_empty())
        .filter(|_| private);
    for (i, o) in outgoing.into_iter().enumerate() {
        let keyboard = markup(&o.rendered.keyboard);
        let (text, html) = (o.rendered.text, o.rendered.fitted);
        let request = match o.placement {
            // An edit always sets the buttons, so a screen without any takes the old ones away.
            Placement::Edit(message_id) => Request::Edit {
                message_id,
                text,
                html,
                keyboard: Some(keyboard),
            },
            Placement::New => Request::Message {
                text,
                html,
                keyboard: (!o.rendered.keyboard.rows.is_empty()).then_some(keyboard),
            },
        };
        out.submit(Job {
            screen: screen == Some(i),
            ..Job::new(chat_id, Class::Reply, request)
        });
    }
}
