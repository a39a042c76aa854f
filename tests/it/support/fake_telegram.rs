//! A fake Telegram Bot API server on 127.0.0.1 that answers as Telegram does, for driving the
//! real bot (teloxide over HTTP) in tests and benchmarks.
//!
//! It rejects what Telegram rejects — HTML with unsupported tags or stray `&`/`<`, text over
//! 4096 characters, callback data over 64 bytes, edits that change nothing, edits of unknown
//! messages — and can enforce Telegram's pacing (429 with `retry_after`) and blocked users (403).
//! Every rejection is recorded so a test can assert the bot provoked none.
// Shared with the benchmarks, which read parts (latencies, raw events) no test does.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::sync::Notify;

pub const BOT_ID: i64 = 5_000_000_001;
pub const BOT_USERNAME: &str = "dwcp_test_bot";
pub const TOKEN: &str = "5000000001:TEST-token";

/// Telegram's pacing, enforced when set: a private chat takes about one message (or edit) a
/// second with short bursts (a bucket of `per_chat_burst`), a group 20 a minute, and the bot
/// 30 new messages a second in all (edits do not count there).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub per_chat_per_sec: usize,
    pub per_chat_burst: usize,
    pub per_group_per_min: usize,
    pub overall_per_sec: usize,
}

impl Limits {
    pub const TELEGRAM: Limits = Limits {
        per_chat_per_sec: 1,
        per_chat_burst: 3,
        per_group_per_min: 20,
        overall_per_sec: 30,
    };
}

/// A callback query answered later than this is refused, as Telegram does ("query is too old").
pub const CALLBACK_EXPIRES: Duration = Duration::from_secs(15);

/// A message as the member's phone shows it.
#[derive(Clone, Debug)]
pub struct Shown {
    pub id: i32,
    pub text: String,
    pub html: String,
    /// Rows of (label, callback data or URL).
    pub buttons: Vec<Vec<(String, String)>>,
}

impl Shown {
    pub fn labels(&self) -> Vec<&str> {
        self.buttons
            .iter()
            .flatten()
            .map(|(l, _)| l.as_str())
            .collect()
    }

    pub fn button(&self, label_part: &str) -> Option<&(String, String)> {
        self.buttons
            .iter()
            .flatten()
            .find(|(l, _)| l.contains(label_part))
    }
}

/// A file the bot sent (sendDocument or sendPhoto), as uploaded.
#[derive(Clone, Debug)]
pub struct SentFile {
    pub method: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub caption: String,
}

#[derive(Clone, Debug)]
pub enum Event {
    Sent(Shown),
    Edited(Shown),
    File(SentFile),
    Answered {
        callback_id: String,
        text: Option<String>,
    },
}

#[derive(Clone, Debug)]
pub struct Rejection {
    pub method: String,
    pub chat: Option<i64>,
    pub code: u16,
    pub description: String,
}

struct StoredMessage {
    chat: Value,
    text: String,
    html: String,
    markup: Value,
    buttons: Vec<Vec<(String, String)>>,
}

#[derive(Default)]
struct World {
    /// Chats that have written to the bot: Telegram knows no other private chat of it.
    known_chats: HashSet<i64>,
    next_update_id: i64,
    pending: VecDeque<(i64, Value)>,
    messages: HashMap<(i64, i32), StoredMessage>,
    next_message_id: HashMap<i64, i32>,
    inboxes: HashMap<i64, VecDeque<Event>>,
    /// One wake-up per chat, so an event wakes only whoever waits on that chat.
    inbox_ready: HashMap<i64, Arc<Notify>>,
    unanswered: HashSet<String>,
    /// Which chat each callback query came from (answers do not name the chat).
    callback_chats: HashMap<String, i64>,
    blocked: HashSet<i64>,
    limits: Option<Limits>,
    /// A group's sends in the last minute.
    sends: HashMap<i64, VecDeque<Instant>>,
    /// A private chat's bucket: tokens left, when last counted.
    buckets: HashMap<i64, (f64, Instant)>,
    /// When each callback query was made, for its expiry.
    callback_at: HashMap<String, Instant>,
    all_sends: VecDeque<Instant>,
    rejections: Vec<Rejection>,
    too_many: usize,
    too_many_overall: usize,
    /// After a 429, the chat may not be sent to before its retry_after has passed.
    hold_until: HashMap<i64, Instant>,
    /// Sends to a chat while Telegram's retry_after for it was still running.
    late_after_429: usize,
    commands: Vec<Value>,
    calls: HashMap<String, usize>,
    /// When each chat's latest update was queued, for latency measurement.
    queued_at: HashMap<i64, Instant>,
    latencies: Vec<(i64, Duration)>,
    /// How long each tap waited for its answer (the spinner on the member's button).
    answer_latencies: Vec<Duration>,
    sent_count: usize,
    next_callback: u64,
    /// Files members sent, by file id: (file path, bytes), for getFile and downloads.
    files: HashMap<String, (String, Vec<u8>)>,
    /// The webhook set with setWebhook: its URL and secret token. While set, updates are posted
    /// there instead of being handed out by getUpdates.
    webhook: Option<(String, Option<String>)>,
}

#[derive(Clone)]
pub struct FakeTelegram {
    pub addr: SocketAddr,
    world: Arc<Mutex<World>>,
    updates: Arc<Notify>,
    /// False while Telegram is "away": every request waits, unanswered, until it is back.
    answering: Arc<tokio::sync::watch::Sender<bool>>,
    server: Arc<tokio::task::JoinHandle<()>>,
}

impl Drop for FakeTelegram {
    fn drop(&mut self) {
        if Arc::strong_count(&self.server) == 1 {
            self.server.abort();
        }
    }
}

type Reply = (StatusCode, Json<Value>);

fn ok(result: Value) -> Reply {
    (
        StatusCode::OK,
        Json(json!({ "ok": true, "result": result })),
    )
}

fn err(code: u16, description: &str) -> Reply {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST);
    (
        status,
        Json(json!({ "ok": false, "error_code": code, "description": description })),
    )
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn bot_user() -> Value {
    json!({ "id": BOT_ID, "is_bot": true, "first_name": "DWCP feedback", "username": BOT_USERNAME,
            "can_join_groups": true, "can_read_all_group_messages": false, "supports_inline_queries": false,
            "can_connect_to_business": false, "has_main_web_app": false })
}

impl FakeTelegram {
    pub async fn start() -> FakeTelegram {
        FakeTelegram::start_on(0).await
    }

    /// On a chosen port of 127.0.0.1: Telegram coming up where the bot was told to look.
    pub async fn start_on(port: u16) -> FakeTelegram {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let world = Arc::new(Mutex::new(World {
            known_chats: HashSet::new(),
            next_update_id: 1000,
            ..World::default()
        }));
        let updates = Arc::new(Notify::new());
        let answering = Arc::new(tokio::sync::watch::Sender::new(true));
        let shared = (world.clone(), updates.clone(), answering.clone());
        let app = Router::new()
            .route("/{bot}/{method}", post(handle))
            .route("/file/{bot}/{*path}", get(download))
            .with_state(shared);
        let server = {
            let (world, updates) = (world.clone(), updates.clone());
            tokio::spawn(async move {
                tokio::spawn(post_to_webhook(world, updates));
                let _ = axum::serve(listener, app).await;
            })
        };
        FakeTelegram {
            addr,
            world,
            updates,
            answering,
            server: Arc::new(server),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The webhook the bot set (URL and secret token), if any.
    pub fn webhook(&self) -> Option<(String, Option<String>)> {
        self.world.lock().unwrap().webhook.clone()
    }

    /// Telegram out of reach (`false`: requests hang unanswered) or back (`true`).
    pub fn set_answering(&self, answering: bool) {
        self.answering.send_replace(answering);
    }

    pub fn set_limits(&self, limits: Option<Limits>) {
        self.world.lock().unwrap().limits = limits;
    }

    pub fn block(&self, chat: i64) {
        self.world.lock().unwrap().blocked.insert(chat);
    }

    pub fn rejections(&self) -> Vec<Rejection> {
        self.world.lock().unwrap().rejections.clone()
    }

    /// How many of the 429s were for the overall limit (the rest: per chat or group).
    pub fn too_many_overall(&self) -> usize {
        self.world.lock().unwrap().too_many_overall
    }

    /// Sends to a chat before the retry_after of its last 429 had passed.
    pub fn late_after_429(&self) -> usize {
        self.world.lock().unwrap().late_after_429
    }

    /// How many 429s the fake answered.
    pub fn too_many_requests(&self) -> usize {
        self.world.lock().unwrap().too_many
    }

    pub fn unanswered_callbacks(&self) -> usize {
        self.world.lock().unwrap().unanswered.len()
    }

    pub fn calls(&self, method: &str) -> usize {
        self.world
            .lock()
            .unwrap()
            .calls
            .get(&method.to_ascii_lowercase())
            .copied()
            .unwrap_or(0)
    }

    /// Makes a file downloadable (getFile, then the file path), as Telegram keeps members' files.
    pub fn add_file(&self, file_id: &str, bytes: &[u8]) {
        self.world.lock().unwrap().files.insert(
            file_id.to_string(),
            (format!("voice/{file_id}.oga"), bytes.to_vec()),
        );
    }

    pub fn commands(&self) -> Vec<Value> {
        self.world.lock().unwrap().commands.clone()
    }

    pub fn sent_count(&self) -> usize {
        self.world.lock().unwrap().sent_count
    }

    /// Update → first reaction (a message or edit in its chat), for every chat.
    pub fn take_latencies(&self) -> Vec<Duration> {
        self.take_latencies_without(&[])
    }

    /// Like [`FakeTelegram::take_latencies`], leaving out the chats in `except`.
    pub fn take_latencies_without(&self, except: &[i64]) -> Vec<Duration> {
        std::mem::take(&mut self.world.lock().unwrap().latencies)
            .into_iter()
            .filter(|(chat, _)| !except.contains(chat))
            .map(|(_, d)| d)
            .collect()
    }

    /// How long each tap answered since the last call waited for its answer.
    pub fn take_answer_latencies(&self) -> Vec<Duration> {
        std::mem::take(&mut self.world.lock().unwrap().answer_latencies)
    }

    /// Updates queued that the bot has not yet confirmed with a later offset.
    pub fn pending_updates(&self) -> usize {
        self.world.lock().unwrap().pending.len()
    }

    pub fn user(&self, id: i64, first_name: &str, language_code: Option<&str>) -> FakeUser {
        FakeUser {
            fake: self.clone(),
            id,
            chat: json!({ "id": id, "type": "private", "first_name": first_name }),
            from: json!({ "id": id, "is_bot": false, "first_name": first_name, "language_code": language_code }),
            next_message_id: Arc::new(Mutex::new(1)),
        }
    }

    pub fn group(&self, id: i64, title: &str, member: &FakeUser) -> FakeUser {
        FakeUser {
            fake: self.clone(),
            id,
            chat: json!({ "id": id, "type": "supergroup", "title": title }),
            from: member.from.clone(),
            next_message_id: Arc::new(Mutex::new(1)),
        }
    }

    fn push_update(&self, chat: i64, kind: &str, body: Value) -> i64 {
        let mut w = self.world.lock().unwrap();
        w.next_update_id += 1;
        let id = w.next_update_id;
        w.pending
            .push_back((id, json!({ "update_id": id, kind: body })));
        w.queued_at.insert(chat, Instant::now());
        w.known_chats.insert(chat);
        drop(w);
        self.updates.notify_waiters();
        id
    }

    /// Waits for the next event in `chat`'s inbox.
    pub async fn next_event(&self, chat: i64, timeout: Duration) -> Option<Event> {
        self.take_event(chat, timeout, Skip::Nothing, |_| true)
            .await
    }

    /// Waits for the first event in `chat`'s inbox that `wanted` accepts and takes it; with
    /// `Skip::Before`, the events before it go too. (A tap's answer and the edit it causes
    /// travel apart, as in Telegram, so either may come first: the answer is taken alone.)
    pub async fn take_event(
        &self,
        chat: i64,
        timeout: Duration,
        skip: Skip,
        wanted: impl Fn(&Event) -> bool,
    ) -> Option<Event> {
        let deadline = Instant::now() + timeout;
        let ready = self
            .world
            .lock()
            .unwrap()
            .inbox_ready
            .entry(chat)
            .or_default()
            .clone();
        loop {
            let notified = ready.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut w = self.world.lock().unwrap();
                if let Some(inbox) = w.inboxes.get_mut(&chat) {
                    if let Some(at) = inbox.iter().position(&wanted) {
                        if skip == Skip::Before {
                            inbox.drain(..at);
                            return inbox.pop_front();
                        }
                        return inbox.remove(at);
                    }
                }
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            let _ = tokio::time::timeout(left, notified).await;
        }
    }

    /// Events that arrived in `chat`'s inbox and were not taken yet.
    pub fn drain(&self, chat: i64) -> Vec<Event> {
        self.world
            .lock()
            .unwrap()
            .inboxes
            .get_mut(&chat)
            .map(|q| q.drain(..).collect())
            .unwrap_or_default()
    }
}

/// What [`FakeTelegram::take_event`] does with the events before the one it takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    Nothing,
    Before,
}

/// A Telegram user (or group) talking to the bot through the fake.
#[derive(Clone)]
pub struct FakeUser {
    pub fake: FakeTelegram,
    pub id: i64,
    chat: Value,
    from: Value,
    next_message_id: Arc<Mutex<i32>>,
}

pub const WAIT: Duration = Duration::from_secs(10);

impl FakeUser {
    fn message(&self, extra: Value) -> Value {
        let mut id = self.next_message_id.lock().unwrap();
        *id += 1;
        let mut m = json!({ "message_id": 100_000 + *id, "date": now_unix(), "chat": self.chat, "from": self.from });
        if let (Some(m), Some(extra)) = (m.as_object_mut(), extra.as_object()) {
            for (k, v) in extra {
                m.insert(k.clone(), v.clone());
            }
        }
        m
    }

    pub fn send_text(&self, text: &str) -> i64 {
        let mut extra = json!({ "text": text });
        if text.starts_with('/') {
            let len = text
                .split_whitespace()
                .next()
                .map_or(0, |c| c.encode_utf16().count());
            extra["entities"] = json!([{ "type": "bot_command", "offset": 0, "length": len }]);
        }
        let msg = self.message(extra);
        self.fake.push_update(self.id, "message", msg)
    }

    pub fn send_voice(&self, file_id: &str, duration: u32) -> i64 {
        let msg = self.message(
            json!({ "voice": { "file_id": file_id, "file_unique_id": format!("u{file_id}"),
            "duration": duration, "mime_type": "audio/ogg", "file_size": duration * 2000 } }),
        );
        self.fake.push_update(self.id, "message", msg)
    }

    pub fn send_sticker(&self) -> i64 {
        let msg = self.message(
            json!({ "sticker": { "file_id": "stk", "file_unique_id": "ustk", "type": "regular",
            "width": 512, "height": 512, "is_animated": false, "is_video": false } }),
        );
        self.fake.push_update(self.id, "message", msg)
    }

    /// Sends a file as a document; the bot can fetch it with getFile and download it.
    pub fn send_document(&self, file_name: &str, bytes: &[u8]) -> i64 {
        let file_id = {
            let mut w = self.fake.world.lock().unwrap();
            let id = format!("doc{}", w.files.len() + 1);
            w.files.insert(
                id.clone(),
                (format!("documents/{id}-{file_name}"), bytes.to_vec()),
            );
            id
        };
        let msg = self.message(json!({ "document": { "file_id": file_id,
            "file_unique_id": format!("u{file_id}"), "file_name": file_name,
            "mime_type": "application/octet-stream", "file_size": bytes.len() } }));
        self.fake.push_update(self.id, "message", msg)
    }

    /// The next file the bot sent in this chat; messages and answers before it are skipped.
    pub async fn file(&self) -> SentFile {
        match self
            .fake
            .take_event(self.id, WAIT, Skip::Before, |e| matches!(e, Event::File(_)))
            .await
        {
            Some(Event::File(f)) => f,
            _ => panic!("chat {}: no file from the bot within {WAIT:?}", self.id),
        }
    }

    pub fn send_photo(&self) -> i64 {
        let msg = self.message(
            json!({ "photo": [{ "file_id": "ph", "file_unique_id": "uph", "width": 90,
            "height": 90, "file_size": 1000 }] }),
        );
        self.fake.push_update(self.id, "message", msg)
    }

    /// A photo with words under it, as people send a picture of a problem.
    pub fn send_photo_with_caption(&self, caption: &str) -> i64 {
        let msg = self.message(
            json!({ "photo": [{ "file_id": "ph", "file_unique_id": "uph", "width": 90,
            "height": 90, "file_size": 1000 }], "caption": caption }),
        );
        self.fake.push_update(self.id, "message", msg)
    }

    pub fn block_bot(&self) {
        self.fake.block(self.id);
        let body = json!({ "chat": self.chat, "from": self.from, "date": now_unix(),
            "old_chat_member": { "user": bot_user(), "status": "member" },
            "new_chat_member": { "user": bot_user(), "status": "kicked", "until_date": 0 } });
        self.fake.push_update(self.id, "my_chat_member", body);
    }

    /// Taps the button with exactly this callback data on message `message_id`, as a forged
    /// or stale client would. Returns the callback query id.
    pub fn tap_data(&self, message_id: i32, data: &str) -> String {
        let (id, message) = {
            let mut w = self.fake.world.lock().unwrap();
            w.next_callback += 1;
            let id = format!("cb{}", w.next_callback);
            w.unanswered.insert(id.clone());
            w.callback_at.insert(id.clone(), Instant::now());
            w.callback_chats.insert(id.clone(), self.id);
            let message = w
                .messages
                .get(&(self.id, message_id))
                .map(|m| message_json(message_id, &m.chat, &m.text, &m.markup))
                .unwrap_or_else(|| {
                    message_json(message_id, &self.chat, "old message", &Value::Null)
                });
            (id, message)
        };
        let body = json!({ "id": id, "from": self.from, "message": message, "chat_instance": "ci", "data": data });
        self.fake.push_update(self.id, "callback_query", body);
        id
    }

    /// Taps the first button whose label contains `label_part` on `on` (a message the bot sent).
    pub fn tap_on(&self, on: &Shown, label_part: &str) -> String {
        let (label, data) = on
            .button(label_part)
            .unwrap_or_else(|| panic!("no button containing {label_part:?} in {:?}", on.labels()))
            .clone();
        assert!(
            !data.starts_with("http"),
            "{label} is a link, not a callback"
        );
        self.tap_data(on.id, &data)
    }

    pub async fn next_event(&self) -> Option<Event> {
        self.fake.next_event(self.id, WAIT).await
    }

    /// The next message the bot sent or edited in this chat (answers and files before it are
    /// skipped).
    pub async fn reply(&self) -> Shown {
        match self
            .fake
            .take_event(self.id, WAIT, Skip::Before, |e| {
                matches!(e, Event::Sent(_) | Event::Edited(_))
            })
            .await
        {
            Some(Event::Sent(m) | Event::Edited(m)) => m,
            _ => panic!("chat {}: no reply from the bot within {WAIT:?}", self.id),
        }
    }

    /// Waits for the answer to callback `id`, returning its text.
    pub async fn answer(&self, id: &str) -> Option<String> {
        match self
            .fake
            .take_event(
                self.id,
                WAIT,
                Skip::Nothing,
                |e| matches!(e, Event::Answered { callback_id, .. } if callback_id == id),
            )
            .await
        {
            Some(Event::Answered { text, .. }) => text,
            _ => panic!("chat {}: callback {id} never answered", self.id),
        }
    }

    /// Taps and returns the callback answer's text and the message that followed.
    pub async fn tap(&self, on: &Shown, label_part: &str) -> (Option<String>, Shown) {
        let id = self.tap_on(on, label_part);
        let answer = self.answer(&id).await;
        (answer, self.reply().await)
    }

    /// No message or file arrives within `quiet` (answers to taps do not count).
    pub async fn silence(&self, quiet: Duration) -> bool {
        self.fake
            .take_event(self.id, quiet, Skip::Nothing, |e| {
                !matches!(e, Event::Answered { .. })
            })
            .await
            .is_none()
    }
}

fn message_json(id: i32, chat: &Value, text: &str, markup: &Value) -> Value {
    let mut m = json!({ "message_id": id, "date": now_unix(), "chat": chat, "from": bot_user(), "text": text });
    if !markup.is_null() {
        m["reply_markup"] = markup.clone();
    }
    m
}

type Shared = (
    Arc<Mutex<World>>,
    Arc<Notify>,
    Arc<tokio::sync::watch::Sender<bool>>,
);

async fn download(
    State((world, _, _)): State<Shared>,
    Path((bot, path)): Path<(String, String)>,
) -> (StatusCode, Vec<u8>) {
    if bot != format!("bot{TOKEN}") {
        return (StatusCode::UNAUTHORIZED, Vec::new());
    }
    let w = world.lock().unwrap();
    match w.files.values().find(|(p, _)| *p == path) {
        Some((_, bytes)) => (StatusCode::OK, bytes.clone()),
        None => (StatusCode::NOT_FOUND, Vec::new()),
    }
}

/// A multipart upload as Telegram reads it: text fields as parameters, one file.
async fn multipart(
    boundary: &str,
    body: Bytes,
) -> Result<(Value, Option<(String, Vec<u8>)>), String> {
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut form = multer::Multipart::new(stream, boundary);
    let mut params = serde_json::Map::new();
    let mut file = None;
    while let Some(field) = form.next_field().await.map_err(|e| e.to_string())? {
        let name = field.name().unwrap_or_default().to_string();
        match field.file_name().map(str::to_string) {
            Some(file_name) => {
                let bytes = field.bytes().await.map_err(|e| e.to_string())?;
                file = Some((file_name, bytes.to_vec()));
            }
            None => {
                let text = field.text().await.map_err(|e| e.to_string())?;
                // Numbers (chat_id) arrive as text; JSON fields (reply_markup) as JSON text.
                let value = text
                    .parse::<i64>()
                    .map(Value::from)
                    .unwrap_or(Value::String(text));
                params.insert(name, value);
            }
        }
    }
    Ok((Value::Object(params), file))
}

async fn handle(
    State((world, updates, answering)): State<Shared>,
    Path((bot, method)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let mut up = answering.subscribe();
    let _ = up.wait_for(|answering| *answering).await;
    if bot != format!("bot{TOKEN}") {
        return err(401, "Unauthorized");
    }
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let mut upload = None;
    let params: Value = if let Some(boundary) = content_type
        .strip_prefix("multipart/form-data")
        .and_then(|rest| rest.split("boundary=").nth(1))
    {
        match multipart(boundary.trim_matches('"'), body).await {
            Ok((params, file)) => {
                upload = file;
                params
            }
            Err(e) => return err(400, &format!("Bad Request: bad multipart body: {e}")),
        }
    } else if body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(_) => return err(400, "Bad Request: invalid JSON body"),
        }
    };
    // Telegram matches method names case-insensitively (teloxide sends `SendMessage`).
    let method = method.to_ascii_lowercase();
    *world
        .lock()
        .unwrap()
        .calls
        .entry(method.clone())
        .or_default() += 1;
    if method == "getupdates" {
        if world.lock().unwrap().webhook.is_some() {
            return err(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
            );
        }
        return get_updates(&world, &updates, &params).await;
    }
    let reply = {
        let mut w = world.lock().unwrap();
        let reply = match method.as_str() {
            "getme" => ok(bot_user()),
            "getwebhookinfo" => {
                let url = w
                    .webhook
                    .as_ref()
                    .map_or("", |(u, _)| u.as_str())
                    .to_string();
                ok(json!({ "url": url, "has_custom_certificate": false,
                           "pending_update_count": w.pending.len() }))
            }
            "setwebhook" => match params["url"].as_str() {
                Some(url) if url.starts_with("http") => {
                    let secret = params["secret_token"].as_str().map(str::to_string);
                    w.webhook = Some((url.to_string(), secret));
                    ok(json!(true))
                }
                _ => err(
                    400,
                    "Bad Request: bad webhook: an HTTPS URL must be provided",
                ),
            },
            "deletewebhook" => {
                w.webhook = None;
                ok(json!(true))
            }
            "setmycommands" => set_my_commands(&mut w, &params),
            "sendmessage" => send_message(&mut w, &params),
            "editmessagetext" => edit_message_text(&mut w, &params),
            "answercallbackquery" => answer_callback(&mut w, &params),
            "senddocument" | "sendphoto" => send_file(&mut w, &method, &params, upload.take()),
            "getfile" => get_file(&w, &params),
            _ => err(404, "Not Found: method not found"),
        };
        if reply.0 != StatusCode::OK
            && reply.0 != StatusCode::TOO_MANY_REQUESTS
            && reply.0 != StatusCode::FORBIDDEN
        {
            let description = reply.1 .0["description"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            w.rejections.push(Rejection {
                method: method.clone(),
                chat: params["chat_id"].as_i64(),
                code: reply.0.as_u16(),
                description,
            });
        }
        reply
    };
    reply
}

async fn get_updates(world: &Mutex<World>, updates: &Notify, params: &Value) -> Reply {
    let offset = params["offset"].as_i64().unwrap_or(0);
    let limit = params["limit"].as_u64().unwrap_or(100).clamp(1, 100) as usize;
    let timeout = Duration::from_secs(params["timeout"].as_u64().unwrap_or(0));
    let deadline = Instant::now() + timeout;
    loop {
        let notified = updates.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        {
            let mut w = world.lock().unwrap();
            // An offset confirms every update before it, as in Telegram.
            while w.pending.front().is_some_and(|(id, _)| *id < offset) {
                w.pending.pop_front();
            }
            if !w.pending.is_empty() {
                let batch: Vec<Value> = w
                    .pending
                    .iter()
                    .take(limit)
                    .map(|(_, u)| u.clone())
                    .collect();
                return ok(Value::Array(batch));
            }
        }
        match deadline.checked_duration_since(Instant::now()) {
            Some(left) if !left.is_zero() => {
                let _ = tokio::time::timeout(left, notified).await;
            }
            _ => return ok(json!([])),
        }
    }
}

/// Posts queued updates, in order, to the webhook while one is set, as Telegram does: with the
/// secret token in `X-Telegram-Bot-Api-Secret-Token`, an update taken off the queue only once
/// the bot answered 200, tried again a little later otherwise.
async fn post_to_webhook(world: Arc<Mutex<World>>, updates: Arc<Notify>) {
    loop {
        let notified = updates.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let next = {
            let w = world.lock().unwrap();
            w.webhook
                .clone()
                .and_then(|hook| w.pending.front().map(|(id, u)| (hook, *id, u.clone())))
        };
        let Some(((url, secret), id, update)) = next else {
            let _ = tokio::time::timeout(Duration::from_millis(50), notified).await;
            continue;
        };
        match post_update(&url, secret.as_deref(), &update.to_string()).await {
            Ok(200) => {
                let mut w = world.lock().unwrap();
                if w.pending.front().is_some_and(|(first, _)| *first == id) {
                    w.pending.pop_front();
                }
            }
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// One POST of a JSON update to `url` (http://host:port/path), with the secret token when
/// given; the status code the server answered.
pub async fn post_update(url: &str, secret: Option<&str>, json: &str) -> std::io::Result<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").unwrap_or(url);
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut stream = tokio::net::TcpStream::connect(host).await?;
    let secret = secret.map_or(String::new(), |s| {
        format!("X-Telegram-Bot-Api-Secret-Token: {s}\r\n")
    });
    let request = format!(
        "POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n{secret}Connection: close\r\n\r\n{json}",
        json.len()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    Ok(response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0))
}

fn set_my_commands(w: &mut World, p: &Value) -> Reply {
    let Some(list) = p["commands"].as_array() else {
        return err(400, "Bad Request: commands must be an array");
    };
    for c in list {
        let name = c["command"].as_str().unwrap_or_default();
        let desc = c["description"].as_str().unwrap_or_default();
        let valid_name = !name.is_empty()
            && name.len() <= 32
            && name
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
        if !valid_name || desc.is_empty() || desc.chars().count() > 256 {
            return err(400, "Bad Request: BOT_COMMAND_INVALID");
        }
    }
    // A menu for one private chat needs the chat: someone who never opened the bot has none.
    if let Some(chat) = p["scope"]["chat_id"].as_i64() {
        if chat > 0 && !w.known_chats.contains(&chat) {
            return err(400, "Bad Request: chat not found");
        }
    }
    w.commands.push(p.clone());
    ok(json!(true))
}

/// Checks text, parse mode and keyboard as Telegram does. Returns (visible text, buttons).
type Buttons = Vec<Vec<(String, String)>>;

fn check_content(p: &Value) -> Result<(String, Buttons), Reply> {
    let raw = p["text"].as_str().unwrap_or_default();
    let text = match p["parse_mode"].as_str() {
        Some("HTML") => parse_html(raw)
            .map_err(|e| err(400, &format!("Bad Request: can't parse entities: {e}")))?,
        Some(other) => {
            return Err(err(
                400,
                &format!("Bad Request: unsupported parse_mode {other}"),
            ))
        }
        None => raw.to_string(),
    };
    if text.trim().is_empty() {
        return Err(err(400, "Bad Request: message text is empty"));
    }
    if text.encode_utf16().count() > 4096 {
        return Err(err(400, "Bad Request: message is too long"));
    }
    let mut buttons = Vec::new();
    if let Some(rows) = p["reply_markup"]["inline_keyboard"].as_array() {
        for row in rows {
            let mut out = Vec::new();
            for b in row.as_array().into_iter().flatten() {
                let label = b["text"].as_str().unwrap_or_default();
                if label.is_empty() {
                    return Err(err(400, "Bad Request: BUTTON_TEXT_EMPTY"));
                }
                if let Some(data) = b["callback_data"].as_str() {
                    if data.is_empty() || data.len() > 64 {
                        return Err(err(400, "Bad Request: BUTTON_DATA_INVALID"));
                    }
                    out.push((label.to_string(), data.to_string()));
                } else if let Some(url) = b["url"].as_str() {
                    if !(url.starts_with("https://")
                        || url.starts_with("http://")
                        || url.starts_with("tg://"))
                    {
                        return Err(err(400, "Bad Request: BUTTON_URL_INVALID"));
                    }
                    out.push((label.to_string(), url.to_string()));
                } else {
                    return Err(err(400, "Bad Request: can't find field \"callback_data\""));
                }
            }
            buttons.push(out);
        }
    }
    Ok((text, buttons))
}

const TAGS: [&str; 15] = [
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
];

/// Telegram's HTML rules: supported tags only, properly nested and closed; `<` and `&` only
/// as tags and entities (`&lt;` `&gt;` `&amp;` `&quot;` and numeric ones).
pub fn parse_html(s: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut open: Vec<String> = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        if rest.starts_with('<') {
            let end = rest
                .find('>')
                .ok_or_else(|| format!("Unclosed start tag at byte offset {i}"))?;
            let inner = &rest[1..end];
            if let Some(name) = inner.strip_prefix('/') {
                let name = name.trim().to_ascii_lowercase();
                match open.pop() {
                    Some(top) if top == name => {}
                    _ => return Err(format!("Unmatched end tag at byte offset {i}, expected \"</{}>\", found \"</{name}>\"", open.last().cloned().unwrap_or_default())),
                }
            } else {
                let name = inner
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                if !TAGS.contains(&name.as_str()) {
                    return Err(format!(
                        "Unsupported start tag \"{name}\" at byte offset {i}"
                    ));
                }
                open.push(name);
            }
            i += end + 1;
        } else if rest.starts_with('&') {
            let end = rest
                .find(';')
                .filter(|e| *e <= 10)
                .ok_or_else(|| format!("Character entity expected at byte offset {i}"))?;
            let entity = &rest[1..end];
            let c = match entity {
                "lt" => '<',
                "gt" => '>',
                "amp" => '&',
                "quot" => '"',
                e if e.starts_with("#x") => u32::from_str_radix(&e[2..], 16)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or("bad numeric entity")?,
                e if e.starts_with('#') => e[1..]
                    .parse()
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or("bad numeric entity")?,
                _ => {
                    return Err(format!(
                        "Unsupported HTML entity \"&{entity};\" at byte offset {i}"
                    ))
                }
            };
            out.push(c);
            i += end + 1;
        } else {
            let c = rest.chars().next().unwrap_or_default();
            out.push(c);
            i += c.len_utf8();
        }
    }
    if let Some(tag) = open.pop() {
        return Err(format!(
            "Can't find end tag corresponding to start tag \"{tag}\""
        ));
    }
    Ok(out)
}

fn is_group(chat: i64) -> bool {
    chat < 0
}

/// Telegram's pacing: `Some(retry_after)` when this send (a new message when `new`, else an
/// edit) would exceed a limit. Counted only when it does not.
fn over_limit(w: &mut World, chat: i64, new: bool) -> Option<u64> {
    let limits = w.limits?;
    let now = Instant::now();
    if is_group(chat) {
        let window = Duration::from_secs(60);
        let chat_sends = w.sends.entry(chat).or_default();
        while chat_sends
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            chat_sends.pop_front();
        }
        if chat_sends.len() >= limits.per_group_per_min {
            let wait = window.saturating_sub(now.duration_since(chat_sends[0]));
            return Some(wait.as_secs_f64().ceil().max(1.0) as u64);
        }
    } else {
        let burst = limits.per_chat_burst as f64;
        let (tokens, at) = w.buckets.get(&chat).copied().unwrap_or((burst, now));
        let tokens = (tokens
            + now.duration_since(at).as_secs_f64() * limits.per_chat_per_sec as f64)
            .min(burst);
        if tokens < 1.0 {
            w.buckets.insert(chat, (tokens, now));
            let wait = (1.0 - tokens) / limits.per_chat_per_sec as f64;
            return Some(wait.ceil().max(1.0) as u64);
        }
        w.buckets.insert(chat, (tokens, now));
    }
    if new {
        while w
            .all_sends
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
        {
            w.all_sends.pop_front();
        }
        if w.all_sends.len() >= limits.overall_per_sec {
            w.too_many_overall += 1;
            return Some(1);
        }
        w.all_sends.push_back(now);
    }
    if is_group(chat) {
        w.sends.entry(chat).or_default().push_back(now);
    } else if let Some((tokens, _)) = w.buckets.get_mut(&chat) {
        *tokens -= 1.0;
    }
    None
}

/// A 429 as Telegram sends it, remembered so that a send before `retry_after` is counted late.
fn too_many(w: &mut World, chat: i64, retry_after: u64) -> Reply {
    w.too_many += 1;
    w.hold_until
        .insert(chat, Instant::now() + Duration::from_secs(retry_after));
    let (status, Json(mut body)) = err(
        429,
        &format!("Too Many Requests: retry after {retry_after}"),
    );
    body["parameters"] = json!({ "retry_after": retry_after });
    (status, Json(body))
}

fn note_early(w: &mut World, chat: i64) {
    if w.hold_until.get(&chat).is_some_and(|t| Instant::now() < *t) {
        w.late_after_429 += 1;
    }
}

fn push_event(w: &mut World, chat: i64, event: Event) {
    w.inboxes.entry(chat).or_default().push_back(event);
    w.inbox_ready.entry(chat).or_default().notify_one();
}

fn record_latency(w: &mut World, chat: i64) {
    if let Some(t) = w.queued_at.remove(&chat) {
        w.latencies.push((chat, t.elapsed()));
    }
}

/// The id of a new message in `chat`, or 429 when the chat or the bot is over Telegram's pace.
fn next_message(w: &mut World, chat: i64) -> Result<i32, Reply> {
    note_early(w, chat);
    if let Some(retry_after) = over_limit(w, chat, true) {
        return Err(too_many(w, chat, retry_after));
    }
    let next = w.next_message_id.entry(chat).or_insert(0);
    *next += 1;
    Ok(*next)
}

fn get_file(w: &World, p: &Value) -> Reply {
    let id = p["file_id"].as_str().unwrap_or_default();
    match w.files.get(id) {
        Some((path, bytes)) => ok(json!({ "file_id": id, "file_unique_id": format!("u{id}"),
            "file_size": bytes.len(), "file_path": path })),
        None => err(400, "Bad Request: invalid file_id"),
    }
}

/// sendDocument / sendPhoto: a caption of at most 1024 characters, valid HTML when so marked.
fn send_file(w: &mut World, method: &str, p: &Value, upload: Option<(String, Vec<u8>)>) -> Reply {
    let Some(chat) = p["chat_id"].as_i64() else {
        return err(400, "Bad Request: chat not found");
    };
    if w.blocked.contains(&chat) {
        return err(403, "Forbidden: bot was blocked by the user");
    }
    let Some((file_name, bytes)) = upload else {
        return err(400, "Bad Request: there is no file in the request");
    };
    if bytes.is_empty() {
        return err(400, "Bad Request: file must be non-empty");
    }
    let raw = p["caption"].as_str().unwrap_or_default();
    let caption = if p["parse_mode"].as_str() == Some("HTML") {
        match parse_html(raw) {
            Ok(text) => text,
            Err(e) => return err(400, &format!("Bad Request: can't parse entities: {e}")),
        }
    } else {
        raw.to_string()
    };
    if caption.encode_utf16().count() > 1024 {
        return err(400, "Bad Request: message caption is too long");
    }
    let id = match next_message(w, chat) {
        Ok(id) => id,
        Err(too_many) => return too_many,
    };
    let chat_json = json!({ "id": chat, "type": "private", "first_name": "member" });
    let mut result = json!({ "message_id": id, "date": now_unix(), "chat": chat_json,
        "from": bot_user(), "caption": caption });
    let file = json!({ "file_id": format!("sent{id}"), "file_unique_id": format!("usent{id}"),
        "file_size": bytes.len() });
    if method == "sendphoto" {
        result["photo"] = json!([{ "file_id": file["file_id"], "file_unique_id": file["file_unique_id"],
            "width": 1000, "height": 1000, "file_size": bytes.len() }]);
    } else {
        result["document"] = file;
        result["document"]["file_name"] = json!(file_name);
    }
    push_event(
        w,
        chat,
        Event::File(SentFile {
            method: method.to_string(),
            file_name,
            bytes,
            caption,
        }),
    );
    w.sent_count += 1;
    ok(result)
}

fn send_message(w: &mut World, p: &Value) -> Reply {
    let Some(chat) = p["chat_id"].as_i64() else {
        return err(400, "Bad Request: chat not found");
    };
    if w.blocked.contains(&chat) {
        return err(403, "Forbidden: bot was blocked by the user");
    }
    let (text, buttons) = match check_content(p) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let id = match next_message(w, chat) {
        Ok(id) => id,
        Err(too_many) => return too_many,
    };
    let chat_json = if is_group(chat) {
        json!({ "id": chat, "type": "supergroup", "title": "group" })
    } else {
        json!({ "id": chat, "type": "private", "first_name": "member" })
    };
    let markup = p["reply_markup"].clone();
    let shown = Shown {
        id,
        text: text.clone(),
        html: p["text"].as_str().unwrap_or_default().into(),
        buttons: buttons.clone(),
    };
    let result = message_json(id, &chat_json, &text, &markup);
    w.messages.insert(
        (chat, id),
        StoredMessage {
            chat: chat_json,
            text,
            html: shown.html.clone(),
            markup,
            buttons,
        },
    );
    push_event(w, chat, Event::Sent(shown));
    w.sent_count += 1;
    record_latency(w, chat);
    ok(result)
}

fn edit_message_text(w: &mut World, p: &Value) -> Reply {
    let (Some(chat), Some(id)) = (p["chat_id"].as_i64(), p["message_id"].as_i64()) else {
        return err(400, "Bad Request: message to edit not found");
    };
    let id = id as i32;
    if w.blocked.contains(&chat) {
        return err(403, "Forbidden: bot was blocked by the user");
    }
    let (text, buttons) = match check_content(p) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let html = p["text"].as_str().unwrap_or_default().to_string();
    let markup = p["reply_markup"].clone();
    let Some(stored) = w.messages.get_mut(&(chat, id)) else {
        return err(400, "Bad Request: message to edit not found");
    };
    if stored.text == text && stored.buttons == buttons && stored.html == html {
        return err(
            400,
            "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
        );
    }
    note_early(w, chat);
    if let Some(retry_after) = over_limit(w, chat, false) {
        return too_many(w, chat, retry_after);
    }
    let Some(stored) = w.messages.get_mut(&(chat, id)) else {
        return err(400, "Bad Request: message to edit not found");
    };
    stored.text = text.clone();
    stored.html = html.clone();
    stored.buttons = buttons.clone();
    stored.markup = markup.clone();
    let mut result = message_json(id, &stored.chat, &text, &markup);
    result["edit_date"] = json!(now_unix());
    push_event(
        w,
        chat,
        Event::Edited(Shown {
            id,
            text,
            html,
            buttons,
        }),
    );
    record_latency(w, chat);
    ok(result)
}

fn answer_callback(w: &mut World, p: &Value) -> Reply {
    let id = p["callback_query_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let waited = w.callback_at.remove(&id).map(|t| t.elapsed());
    let expired = waited.is_some_and(|t| t > CALLBACK_EXPIRES);
    if let Some(waited) = waited {
        w.answer_latencies.push(waited);
    }
    if !w.unanswered.remove(&id) || expired {
        return err(
            400,
            "Bad Request: query is too old and response timeout expired or query ID is invalid",
        );
    }
    let text = p["text"].as_str().map(str::to_string);
    if text.as_ref().is_some_and(|t| t.chars().count() > 200) {
        return err(400, "Bad Request: MESSAGE_TOO_LONG");
    }
    if let Some(chat) = w.callback_chats.get(&id).copied() {
        push_event(
            w,
            chat,
            Event::Answered {
                callback_id: id,
                text,
            },
        );
    }
    ok(json!(true))
}
