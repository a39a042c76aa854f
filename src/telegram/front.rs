//! The jobs' front end on Telegram: what they say goes through delivery as staff task output
//! (after members' replies, before the outbox), files are uploads, fetched files come through
//! the Bot API, and the outbox's rows are carried as delivery's lowest class.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};
use teloxide::Bot;
use tokio::sync::oneshot;

use crate::delivery::{Class, Delivered, Delivery, Job, Request, Undelivered, Upload};
use crate::domain::Roles;
use crate::jobs::outbox::{Carried, Courier, Gate};
use crate::jobs::{Fetched, Front, FrontError, Said};
use crate::store::OutboxItem;

pub struct TelegramFront {
    out: Delivery,
    /// For the Bot API calls that are not messages (menus, files).
    bot: Bot,
    /// Staff chats whose command menu Telegram has, with the roles it shows.
    menus: Mutex<HashMap<i64, Roles>>,
}

impl TelegramFront {
    /// `menus`: the staff menus set at start.
    pub fn new(out: Delivery, bot: Bot, menus: Vec<(i64, Roles)>) -> TelegramFront {
        TelegramFront {
            out,
            bot,
            menus: Mutex::new(menus.into_iter().collect()),
        }
    }

    /// The menu Telegram shows `chat`, as far as this process set it.
    pub fn menu_shown(&self, chat: i64) -> Roles {
        self.menus
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&chat)
            .copied()
            .unwrap_or_default()
    }

    async fn send(&self, chat: i64, request: Request) -> Result<Option<i32>, FrontError> {
        match self.out.send(chat, Class::Task, request).await {
            Ok(Delivered::Sent(id)) => Ok(id),
            Ok(Delivered::Unchanged) => Ok(None),
            Err(Undelivered::Blocked | Undelivered::Dropped) => Err(FrontError::Unreachable),
            Err(e) => Err(FrontError::Failed(format!("{e:?}"))),
        }
    }
}

impl Front for TelegramFront {
    async fn say(&self, chat: i64, html: String) -> Result<Said, FrontError> {
        let request = Request::Message {
            text: html,
            html: true,
            keyboard: None,
        };
        match self.send(chat, request).await? {
            Some(id) => Ok(Said(id)),
            None => Err(FrontError::Unreachable),
        }
    }

    async fn edit(&self, chat: i64, said: Said, html: String) -> Result<(), FrontError> {
        let request = Request::Edit {
            message_id: said.0,
            text: html,
            html: true,
            keyboard: None,
        };
        self.send(chat, request).await.map(|_| ())
    }

    async fn document(&self, chat: i64, path: &Path, caption: String) -> Result<(), FrontError> {
        let request = Request::Document {
            file: Upload::Path(path.to_path_buf()),
            caption,
        };
        self.send(chat, request).await.map(|_| ())
    }

    async fn picture(
        &self,
        chat: i64,
        png: Vec<u8>,
        name: &str,
        caption: String,
    ) -> Result<(), FrontError> {
        let request = Request::Photo {
            file: Upload::Memory {
                bytes: png,
                name: name.to_string(),
            },
            caption,
        };
        self.send(chat, request).await.map(|_| ())
    }

    async fn fetch(&self, file_id: &str, max: usize) -> Result<Fetched, FrontError> {
        super::api::fetch(&self.bot, file_id, max)
            .await
            .map_err(FrontError::Failed)
    }

    async fn menu(&self, user: i64, roles: Roles) {
        if super::api::register_chat(&self.bot, user, roles).await {
            self.menus
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(user, roles);
        }
    }
}

impl Courier for TelegramFront {
    fn carry(&self, item: &OutboxItem, gate: Gate) -> oneshot::Receiver<Carried> {
        let keyboard = match (&item.button_label, &item.button_url) {
            (Some(label), Some(url)) => url::Url::parse(url).ok().map(|url| {
                InlineKeyboardMarkup::new([[InlineKeyboardButton::url(label.clone(), url)]])
            }),
            _ => None,
        };
        let (report, answer) = oneshot::channel();
        let (carried, outcome) = oneshot::channel();
        self.out.submit(Job {
            report: Some(report),
            gate: Some(gate),
            ..Job::new(
                item.chat_id,
                Class::Outbox,
                Request::Message {
                    text: item.text.clone(),
                    html: true,
                    keyboard,
                },
            )
        });
        tokio::spawn(async move {
            let told = match answer.await.unwrap_or(Err(Undelivered::Dropped)) {
                Ok(_) => Carried::Sent,
                Err(Undelivered::Dropped) => Carried::NotSent,
                Err(Undelivered::RetryAfter(wait)) => Carried::RetryAfter(wait),
                Err(Undelivered::Blocked) => Carried::Blocked,
                Err(Undelivered::Network(e)) => Carried::Unreachable(e),
                Err(Undelivered::Failed(e)) => Carried::Refused(e),
            };
            let _ = carried.send(told);
        });
        outcome
    }

    fn hold_back(&self) {
        self.out.withdraw(Class::Outbox);
    }
}
