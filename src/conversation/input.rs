//! What a member did, already parsed at the edge into typed values.

use chrono::{DateTime, Utc};

use super::Callback;
use crate::domain::VoiceNote;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `/start`, with the deep-link payload if any.
    Start(Option<String>),
    Menu,
    Language,
    Settings,
    Help,
    Cancel,
    Forget,
    Mine,
    /// The secretariat's consolidated view (admins only).
    Summary,
    /// Admins: choose a format, get the export as a file.
    Export,
    /// Admins: choose a language and a format, get the consultation report as a file.
    Report,
    /// Admins: the plan sheet (XLSX) filled with the active plan, to edit and send back.
    Template,
    /// Admins: see, open or close the consultation window.
    Window(WindowArg),
    /// Admins: make someone an admin or take it away.
    Admin(AdminArg),
    /// Coordinators: their organisation's campaigns, or a new one.
    Campaign(CampaignArg),
    /// Admins: an announcement to everyone, a constituency or an organisation.
    Announce(AnnounceArg),
    /// Admins: make someone an organisation's focal point, or no longer one.
    Focal(FocalArg),
    /// Admins: monitoring rounds; members: the round open for them.
    Monitor,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FocalArg {
    /// `/focal add CCAWDU 123456789`: the code is looked up by the step.
    Add {
        org: String,
        user_id: i64,
    },
    Remove(i64),
    /// `/focal` alone: who is focal point of what.
    List,
    Usage,
}

impl FocalArg {
    fn parse(payload: &str) -> FocalArg {
        let words: Vec<&str> = payload.split_whitespace().collect();
        let id = crate::domain::text::user_id;
        match words.as_slice() {
            ["add", org, n] if crate::domain::audience::is_org_code(org) => {
                id(n).map_or(FocalArg::Usage, |user_id| FocalArg::Add {
                    org: org.to_string(),
                    user_id,
                })
            }
            ["remove", n] => id(n).map_or(FocalArg::Usage, FocalArg::Remove),
            [] => FocalArg::List,
            _ => FocalArg::Usage,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnnounceArg {
    /// `/announce` alone: the audience is asked with buttons.
    Ask,
    /// `/announce org:CCAWDU` (any form `Audience::parse` reads).
    To(crate::domain::Audience),
    Invalid,
}

impl AnnounceArg {
    fn parse(payload: &str) -> AnnounceArg {
        if payload.trim().is_empty() {
            return AnnounceArg::Ask;
        }
        crate::domain::Audience::parse(payload).map_or(AnnounceArg::Invalid, AnnounceArg::To)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CampaignArg {
    /// The coordinator's campaigns with their progress.
    List,
    /// `/campaign new` alone: the bot asks title, activities and deadline in turn.
    Guided,
    /// `/campaign new YYYY-MM-DD SCOPE TITLE…`: SCOPE is `all`, a priority (`P1`) or activity
    /// codes separated by commas (`P1.1,P2.3`), checked against the plan by the step.
    New {
        deadline: DateTime<Utc>,
        scope: String,
        title: String,
    },
    /// Words that mean nothing: the usage is shown.
    Usage,
}

impl CampaignArg {
    fn parse(payload: &str) -> CampaignArg {
        let mut words = payload.split_whitespace();
        match words.next() {
            None => CampaignArg::List,
            Some("new") if payload.trim() == "new" => CampaignArg::Guided,
            Some("new") => {
                let deadline = words
                    .next()
                    .and_then(|d| crate::domain::window::parse_until(d).ok());
                let scope = words.next().map(str::to_string);
                let title = words.collect::<Vec<_>>().join(" ");
                match (deadline, scope) {
                    (Some(deadline), Some(scope)) if !title.is_empty() => CampaignArg::New {
                        deadline,
                        scope,
                        title,
                    },
                    _ => CampaignArg::Usage,
                }
            }
            Some(_) => CampaignArg::Usage,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WindowArg {
    Show,
    Open(Option<DateTime<Utc>>),
    Close,
    /// Words after /window that mean nothing: the usage is shown.
    Invalid,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AdminArg {
    Add(i64),
    Remove(i64),
    /// `/admin` alone or with words that mean nothing: the usage is shown.
    Usage,
}

impl WindowArg {
    fn parse(payload: &str) -> WindowArg {
        let words: Vec<&str> = payload.split_whitespace().collect();
        match words.as_slice() {
            [] => WindowArg::Show,
            ["close"] => WindowArg::Close,
            ["open"] => WindowArg::Open(None),
            ["open", date] => match crate::domain::window::parse_until(date) {
                Ok(until) => WindowArg::Open(Some(until)),
                Err(_) => WindowArg::Invalid,
            },
            _ => WindowArg::Invalid,
        }
    }
}

impl AdminArg {
    fn parse(payload: &str) -> AdminArg {
        let words: Vec<&str> = payload.split_whitespace().collect();
        let id = crate::domain::text::user_id;
        match words.as_slice() {
            ["add", n] => id(n).map_or(AdminArg::Usage, AdminArg::Add),
            ["remove", n] => id(n).map_or(AdminArg::Usage, AdminArg::Remove),
            _ => AdminArg::Usage,
        }
    }
}

impl Command {
    /// The bot a `/name@bot …` command names, if it names one. In a group several bots may
    /// read the same commands: one addressed to another bot is not ours to answer.
    pub fn addressee(text: &str) -> Option<&str> {
        let head = text.trim().strip_prefix('/')?.split_whitespace().next()?;
        head.split_once('@').map(|(_, bot)| bot)
    }

    /// Whether a text is written as a command (`/name`, `/name@bot`, then anything), known
    /// or not: in a private chat such a text is never kept as a comment.
    pub fn looks_like(text: &str) -> bool {
        let Some(rest) = text.trim().strip_prefix('/') else {
            return false;
        };
        let head = rest.split(char::is_whitespace).next().unwrap_or("");
        head.starts_with(|c: char| c.is_ascii_alphabetic())
            && head
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '@')
    }

    /// Parses `/name[@bot] [payload]`. Unknown commands are `None` (the text is then a hint case).
    pub fn parse(text: &str) -> Option<Command> {
        let text = text.trim();
        let rest = text.strip_prefix('/')?;
        let (head, payload) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let name = head.split('@').next().unwrap_or(head).to_ascii_lowercase();
        let payload = payload.trim();
        Some(match name.as_str() {
            "start" => Command::Start((!payload.is_empty()).then(|| payload.to_string())),
            "menu" => Command::Menu,
            "language" | "lang" => Command::Language,
            "settings" => Command::Settings,
            "help" => Command::Help,
            "cancel" => Command::Cancel,
            "forget" => Command::Forget,
            "mine" | "feedback" => Command::Mine,
            "summary" => Command::Summary,
            "export" => Command::Export,
            "report" => Command::Report,
            "template" => Command::Template,
            "window" => Command::Window(WindowArg::parse(payload)),
            "admin" => Command::Admin(AdminArg::parse(payload)),
            "campaign" | "campaigns" => Command::Campaign(CampaignArg::parse(payload)),
            "announce" => Command::Announce(AnnounceArg::parse(payload)),
            "focal" => Command::Focal(FocalArg::parse(payload)),
            "monitor" | "rounds" => Command::Monitor,
            _ => return None,
        })
    }
}

/// Message kinds the bot does not take, named so the hint can say what it expects instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OtherKind {
    Sticker,
    Photo,
    Video,
    Document,
    Location,
    Contact,
    Audio,
    /// A command this bot does not have, or one addressed to another bot.
    Command,
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentIn {
    pub file_id: String,
    pub file_name: String,
    pub size_bytes: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Command(Command),
    /// A button tap. `message_id` is the message the button was on, to edit it in place.
    Callback {
        data: Callback,
        message_id: Option<i32>,
    },
    /// Callback data that did not decode: forged, truncated or from an old build.
    BadCallback {
        message_id: Option<i32>,
    },
    Text(String),
    Voice(VoiceNote),
    /// A file: a plan to import when an admin sends it, otherwise not something the bot takes.
    Document(DocumentIn),
    Other(OtherKind),
}
