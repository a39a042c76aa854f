//! `dwcp-feedback try`: the same engine as the bot, in a terminal. Buttons are numbered;
//! type a number to tap one, anything else is a message.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

use crate::clock::Clock;
use crate::conversation::{Callback, ChatKind, Command, Input, OtherKind, Placement};
use crate::domain::{Lang, Roles, VoiceNote};
use crate::engine::{Engine, Incoming, Outgoing};
use crate::jobs::{not_taken_text, Fetched, Front, FrontError, Jobs, Ran, Said};
use crate::messages::{text::visible_text, Action, Keyboard};
use crate::store::{Store, StoreError};

const CHAT_ID: i64 = 1;

const INTRO: &str = "dwcp-feedback try: the bot's conversation in your terminal.\n\
  A number taps that button; /commands work; any other line is a typed message.\n\
  `:voice` sends a voice note, `:photo` a photo, `:quit` (or Ctrl-D) ends.\n";

/// Runs a session; the files a task makes (an export, the plan sheet, the chart) go to
/// `files`.
pub async fn run<R, W>(
    store: Store,
    lang: Option<Lang>,
    clock: Arc<dyn Clock>,
    files: &Path,
    input: R,
    mut out: W,
) -> Result<(), StoreError>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let plan = store
        .active_plan_or(crate::plan_io::default_plan, clock.now())
        .await?;
    let engine = Arc::new(Engine::new(store, plan, clock, "dwcp_feedback_bot".into()));
    let jobs = Jobs::new(engine.clone());
    let front = Terminal::new(files);
    let language_code = lang.map(|l| l.code().to_string());
    let mut screen = Screen::default();
    let _ = out.write_all(INTRO.as_bytes()).await;

    let mut pending = Some(Input::Command(Command::Start(None)));
    let mut lines = input.lines();
    loop {
        let input = match pending.take() {
            Some(input) => input,
            None => {
                let _ = out.write_all(b"\n> ").await;
                let _ = out.flush().await;
                let Ok(Some(line)) = lines.next_line().await else {
                    break;
                };
                match parse_line(line.trim(), &screen) {
                    Line::Quit => break,
                    Line::Input(input) => input,
                    Line::Nothing(why) => {
                        let _ = out.write_all(format!("  ({why})\n").as_bytes()).await;
                        continue;
                    }
                }
            }
        };
        let incoming = Incoming {
            chat_id: CHAT_ID,
            chat: ChatKind::Private,
            sender: Some(CHAT_ID),
            language_code: language_code.clone(),
            update_id: None,
            seen: None,
            first_name: Some("Try".into()),
            input,
        };
        let handled = engine.handle(incoming).await?;
        if let Some(notice) = &handled.notice {
            let _ = out.write_all(format!("  ⟨{notice}⟩\n").as_bytes()).await;
        }
        for o in &handled.outgoing {
            let shown = screen.show(o);
            let _ = out.write_all(shown.as_bytes()).await;
        }
        for task in handled.tasks {
            let ran = match jobs.admit(CHAT_ID, task) {
                Ok(ticket) => jobs.run(&front, handled.lang, ticket).await,
                Err(why) => {
                    front.note(visible_text(&not_taken_text(handled.lang, why)));
                    Ran::Done
                }
            };
            if let Ran::Queued(n) = ran {
                let what = if n == 1 { "message" } else { "messages" };
                front.note(format!(
                    "({n} {what} queued in the outbox: a bot running on this database sends it)"
                ));
            }
            for line in front.take() {
                let _ = out.write_all(format!("  {line}\n").as_bytes()).await;
            }
        }
    }
    let _ = out.write_all(b"\nbye\n").await;
    let _ = out.flush().await;
    Ok(())
}

/// The jobs' front end in a terminal: what they say is printed (as the bot would send it),
/// files are written to a folder, and nothing can be fetched (files cannot be sent here: use
/// `dwcp-feedback plan import`).
struct Terminal {
    files: PathBuf,
    lines: Mutex<Vec<String>>,
    said: AtomicI32,
}

impl Terminal {
    fn new(files: &Path) -> Terminal {
        Terminal {
            files: files.to_path_buf(),
            lines: Mutex::new(Vec::new()),
            said: AtomicI32::new(0),
        }
    }

    fn note(&self, text: String) {
        let mut lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        lines.extend(text.lines().map(str::to_string));
    }

    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.lines.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn keep(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, FrontError> {
        let path = self.files.join(name);
        std::fs::write(&path, bytes).map_err(|e| FrontError::Failed(e.to_string()))?;
        Ok(path)
    }
}

impl Front for Terminal {
    async fn say(&self, _chat: i64, html: String) -> Result<Said, FrontError> {
        self.note(visible_text(&html));
        Ok(Said(self.said.fetch_add(1, Ordering::Relaxed) + 1))
    }

    async fn edit(&self, _chat: i64, _said: Said, html: String) -> Result<(), FrontError> {
        self.note(format!("(edited) {}", visible_text(&html)));
        Ok(())
    }

    async fn document(&self, _chat: i64, path: &Path, caption: String) -> Result<(), FrontError> {
        let name = path
            .file_name()
            .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
        let bytes = std::fs::read(path).map_err(|e| FrontError::Failed(e.to_string()))?;
        let kept = self.keep(&name, &bytes)?;
        self.note(format!("(file: {})", kept.display()));
        self.note(visible_text(&caption));
        Ok(())
    }

    async fn picture(
        &self,
        _chat: i64,
        png: Vec<u8>,
        name: &str,
        caption: String,
    ) -> Result<(), FrontError> {
        let kept = self.keep(name, &png)?;
        self.note(format!("(picture: {})", kept.display()));
        self.note(visible_text(&caption));
        Ok(())
    }

    async fn fetch(&self, _file_id: &str, _max: usize) -> Result<Fetched, FrontError> {
        Err(FrontError::Unsupported)
    }

    // Command menus are Telegram's: nothing to show in a terminal.
    async fn menu(&self, _user: i64, _roles: Roles) {}
}

/// The simulated phone: message ids and the buttons of the latest message.
#[derive(Default)]
struct Screen {
    message_id: i32,
    keyboard: Keyboard,
    keyboard_message: i32,
}

impl Screen {
    fn show(&mut self, o: &Outgoing) -> String {
        let id = match o.placement {
            Placement::New => {
                self.message_id += 1;
                self.message_id
            }
            Placement::Edit(id) => id,
        };
        let mut s = String::from("\n");
        s.push_str(if matches!(o.placement, Placement::Edit(_)) {
            "┌ (edited)\n"
        } else {
            "┌\n"
        });
        for line in visible_text(&o.rendered.text).lines() {
            s.push_str("│ ");
            s.push_str(line);
            s.push('\n');
        }
        let mut n = 0;
        for row in &o.rendered.keyboard.rows {
            s.push('│');
            for b in row {
                n += 1;
                match &b.action {
                    Action::Callback(_) => s.push_str(&format!(" [{n}] {}", b.label)),
                    Action::Url(u) => s.push_str(&format!(" [{n}] {} → {u}", b.label)),
                }
            }
            s.push('\n');
        }
        s.push_str("└\n");
        if !o.rendered.keyboard.rows.is_empty() {
            self.keyboard = o.rendered.keyboard.clone();
            self.keyboard_message = id;
        }
        s
    }

    fn tap(&self, n: usize) -> Option<Callback> {
        match &self.keyboard.buttons().nth(n.checked_sub(1)?)?.action {
            Action::Callback(cb) => Some(cb.clone()),
            Action::Url(_) => None,
        }
    }
}

enum Line {
    Input(Input),
    Nothing(&'static str),
    Quit,
}

fn parse_line(line: &str, screen: &Screen) -> Line {
    match line {
        ":quit" | ":q" => Line::Quit,
        ":voice" => Line::Input(Input::Voice(VoiceNote {
            file_id: format!("try-voice-{}", screen.message_id),
            duration_secs: 5,
            size_bytes: Some(8000),
        })),
        ":photo" => Line::Input(Input::Other(OtherKind::Photo)),
        "" => Line::Nothing("type a number, a message or :quit"),
        _ => {
            if let Ok(n) = line.parse::<usize>() {
                return match screen.tap(n) {
                    Some(data) => Line::Input(Input::Callback {
                        data,
                        message_id: Some(screen.keyboard_message),
                    }),
                    None => Line::Nothing("no button with that number"),
                };
            }
            match Command::parse(line) {
                Some(cmd) => Line::Input(Input::Command(cmd)),
                // As the Telegram adapter reads a private chat: a command is never a comment.
                None if Command::looks_like(line) => Line::Input(Input::Other(OtherKind::Command)),
                None => Line::Input(Input::Text(line.to_string())),
            }
        }
    }
}
