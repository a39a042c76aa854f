//! `dwcp-feedback try`: the same engine as the bot, in a terminal. Buttons are numbered;
//! type a number to tap one, anything else is a message.

use std::path::Path;
use std::sync::Arc;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

use crate::chart::ChartMaker;
use crate::clock::Clock;
use crate::conversation::Task;
use crate::conversation::{Callback, ChatKind, Command, Input, OtherKind, Placement};
use crate::domain::{Lang, VoiceNote};
use crate::engine::{Engine, Incoming, Outgoing};
use crate::jobs::{self, JobError};
use crate::messages::{self, tr};
use crate::messages::{text::visible_text, Action, Keyboard};
use crate::store::{Actor, Store, StoreError};

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
    let engine = Engine::new(store, plan, clock, "dwcp_feedback_bot".into());
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
            let said = match run_task(&engine, task, handled.lang, files).await {
                Ok(said) => said,
                Err(e) => format!("(the task failed: {e})"),
            };
            for line in said.lines() {
                let _ = out.write_all(format!("  {line}\n").as_bytes()).await;
            }
        }
    }
    let _ = out.write_all(b"\nbye\n").await;
    let _ = out.flush().await;
    Ok(())
}

/// The staff's work a step asked for, done with the same jobs as the bot's; what the bot
/// would send back is shown as text, and files are written to `files`.
async fn run_task(
    engine: &Engine,
    task: Task,
    lang: Lang,
    files: &Path,
) -> Result<String, JobError> {
    use crate::jobs::campaigns::{Asker, Reminder};
    let store = engine.store();
    let now = engine.now();
    let by = Actor::User(CHAT_ID);
    let html = |s: String| visible_text(&s);
    Ok(match task {
        Task::Remind { campaign_id } => {
            let asker = Asker::FocalPoint(CHAT_ID);
            let bot = engine.bot_username();
            match jobs::campaigns::prepare_reminder(store, bot, asker, campaign_id, now).await? {
                Reminder::NotAllowed => html(tr(lang, "campaign.not_allowed")),
                Reminder::Closed => html(tr(lang, "campaign.closed_no_remind")),
                Reminder::Nobody => html(tr(lang, "campaign.nobody_to_remind")),
                Reminder::Ready(reminders) => {
                    let n = jobs::campaigns::queue(store, &reminders, None, by, None, now).await?;
                    format!("(reminder queued for {n} members: a bot on this database sends it)")
                }
            }
        }
        Task::CreateCampaign(request) => {
            let plan = engine.plan().version;
            let made =
                jobs::campaigns::create(store, engine.bot_username(), plan, request, by, now)
                    .await?;
            let created = messages::campaign::created(lang, &made.campaign, &made.link);
            let forward = messages::campaign::forward(&made.campaign, |l| made.org(l), &made.link);
            format!("{}\n\n{}", html(created), html(forward))
        }
        Task::Announce { audience, text } => {
            match jobs::announce::queue_announcement(store, &audience, &text, by, now).await {
                Ok(q) => format!(
                    "(announcement queued for {} members: a bot on this database sends it)",
                    q.messages
                ),
                Err(e) => format!("(announcement refused: {e})"),
            }
        }
        Task::Export(format) => {
            let plan = engine.plan();
            let (path, n) =
                jobs::files::export(store, &plan, format, files, by, now, |_| {}).await?;
            format!("({n} ratings written to {})", path.display())
        }
        Task::Template => {
            let path = jobs::files::template(engine.plan(), files, now).await?;
            format!("(the plan sheet is in {})", path.display())
        }
        Task::Chart(summary) => {
            let png = jobs::files::chart(&ChartMaker::new(), summary, engine.plan(), lang).await?;
            let path = files.join("dwcp-summary.png");
            std::fs::write(&path, png)?;
            format!("(the chart is in {})", path.display())
        }
        Task::ImportPlan { .. } => {
            "(files cannot be sent here: use dwcp-feedback plan import)".to_string()
        }
        // Command menus are Telegram's: nothing to show in a terminal.
        Task::RefreshMenu(_) => String::new(),
    })
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
                None => Line::Input(Input::Text(line.to_string())),
            }
        }
    }
}
