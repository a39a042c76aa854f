//! The conversation core: plain Rust over plain data, no Telegram, no tokio.

pub mod callback;
pub mod campaigns;
pub mod cards;
pub mod effect;
pub mod facts;
mod field;
pub mod flow;
pub mod input;
pub mod monitor;
pub mod needs;
pub mod profile;
pub mod reply;
pub mod secretariat;
pub mod state;
pub mod task;

pub use callback::{Callback, MAX_CALLBACK_BYTES};
pub use campaigns::{CampaignCallback, CampaignScreen};
pub use cards::{CardCallback, CardScreen};
pub use effect::{Effect, ProfileField};
pub use facts::{
    AnswerSeen, CampaignCard, CampaignFacts, ChatKind, CommentSeen, Consent, Facts, Given, Invite,
    MemberRound, TextStart,
};
pub use flow::{step, Outcome};
pub use input::{
    AdminArg, AnnounceArg, CampaignArg, Command, DocumentIn, FocalArg, Input, OtherKind, WindowArg,
};
pub use monitor::{MonitorCallback, MonitorScreen, RoundDraft};
pub use needs::{Needs, RoundWanted};
pub use profile::{ProfileCallback, ProfileScreen};
pub use reply::{Banner, Hint, Notice, Placement, Reply, Screen};
pub use secretariat::{AdminUnchanged, StaffCallback, StaffScreen};
pub use state::{AnnounceDraft, Back, CampaignDraft, Pending, ProfileStep, State};
pub use task::Task;
