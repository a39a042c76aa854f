//! The secretariat's part of the conversation as data: its buttons (with their encoding in
//! callback data) and its screens. `flow::secretariat` handles them and `render::secretariat`
//! draws them; a new admin button is a variant here, its handling there, and its texts.

use chrono::{DateTime, Utc};

/// The secretariat's buttons: what each means, and its encoding in callback data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StaffCallback {
    /// Admins: yes, move this focal point to this organisation.
    FocalMove { user_id: i64, org: String },
    /// A page of the secretariat's summary (admins only; checked when handled).
    Summary(u8),
    /// Admins: build and send the export in this format.
    Export(crate::domain::ExportFormat),
    /// Admins: build and send the consultation report in this format and language.
    Report(crate::domain::ReportFormat, crate::domain::Lang),
    /// Admins: open (true) or close (false) the consultation window.
    Window(bool),
    /// Admins: announce to everyone (`None`) or one constituency…
    AnnounceTo(Option<crate::domain::Constituency>),
    /// …send the announcement previewed (the preview's draft, by its fingerprint)…
    AnnounceSend(u32),
    /// …or write its text again.
    AnnounceEdit(u32),
}

impl StaffCallback {
    pub fn encode(&self) -> String {
        use StaffCallback::*;
        match self {
            FocalMove { user_id, org } => format!("fm:{user_id}:{org}"),
            Summary(p) => format!("sm:{p}"),
            Export(f) => format!("ex:{}", f.extension()),
            Report(f, lang) => format!("rp:{}:{}", f.extension(), lang.code()),
            Window(open) => format!("wn:{}", if *open { "o" } else { "c" }),
            AnnounceTo(None) => "an:*".into(),
            AnnounceTo(Some(c)) => format!("an:{}", c.code()),
            AnnounceSend(draft) => format!("as:{draft:08x}"),
            AnnounceEdit(draft) => format!("ae:{draft:08x}"),
        }
    }

    /// Tags not of this sub-flow are `None` (the top-level `Callback::decode` tries the next).
    pub fn decode(tag: &str, fields: &[&str]) -> Option<StaffCallback> {
        #[allow(unused_imports)]
        use super::field::{activity, campaign_id, page};
        use StaffCallback as C;
        Some(match (tag, fields) {
            ("fm", [id, org]) if crate::domain::audience::is_org_code(org) => C::FocalMove {
                user_id: crate::domain::text::user_id(id)?,
                org: org.to_string(),
            },
            ("sm", [p]) => C::Summary(page(p)?),
            ("ex", ["csv"]) => C::Export(crate::domain::ExportFormat::Csv),
            ("ex", ["xlsx"]) => C::Export(crate::domain::ExportFormat::Xlsx),
            ("ex", ["json"]) => C::Export(crate::domain::ExportFormat::Json),
            ("rp", [f, lang]) => C::Report(
                crate::domain::ReportFormat::parse(f)?,
                crate::domain::Lang::parse(lang)?,
            ),
            ("wn", ["o"]) => C::Window(true),
            ("wn", ["c"]) => C::Window(false),
            ("an", ["*"]) => C::AnnounceTo(None),
            ("an", [c]) => C::AnnounceTo(Some(crate::domain::Constituency::parse(c)?)),
            ("as", [d]) => C::AnnounceSend(fingerprint(d)?),
            ("ae", [d]) => C::AnnounceEdit(fingerprint(d)?),
            _ => return None,
        })
    }
}

/// A draft's fingerprint as a button writes it: eight lowercase hex digits.
pub(super) fn fingerprint(s: &str) -> Option<u32> {
    (s.len() == 8
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    .then(|| u32::from_str_radix(s, 16).ok())
    .flatten()
}

/// Why an admin change changed nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdminUnchanged {
    Already,
    NotAnAdmin,
    /// Named in the deployment's `DWCP_ADMINS`: made an admin again at every start.
    FromEnvironment,
}

/// What the secretariat is shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StaffScreen {
    /// `/admin add|remove` that changes nothing, and why.
    AdminUnchanged {
        user_id: i64,
        why: AdminUnchanged,
    },
    /// `/focal remove` of someone who is not a focal point.
    NotFocal {
        user_id: i64,
    },
    /// `/window open|close` that changes nothing: the consultation is so already.
    WindowAlready {
        window: crate::domain::Window,
        now: DateTime<Utc>,
    },
    /// `/focal add` of someone already the focal point of that organisation.
    FocalAlready {
        user_id: i64,
        org: crate::domain::Org,
    },
    /// `/focal add` of another organisation's focal point: move them?
    ConfirmFocalMove {
        user_id: i64,
        from: String,
        to: crate::domain::Org,
    },
    /// An announcement's audience names no organisation the bot knows: these are the codes.
    UnknownOrganisation {
        code: String,
        known: Vec<String>,
    },
    /// The secretariat's summary: page 0 the totals, then one page per priority.
    Summary {
        summary: crate::domain::summary::Summary,
        page: u8,
        /// On the totals page: the open (else the latest) monitoring round's results, with the
        /// round before it.
        round: Option<
            Box<(
                crate::domain::monitoring::RoundResults,
                Option<crate::domain::monitoring::RoundResults>,
            )>,
        >,
    },
    /// Admins: the consultation window as it now stands, with open/close buttons.
    WindowAdmin {
        window: crate::domain::Window,
        now: DateTime<Utc>,
    },
    WindowUsage,
    /// Admins: pick the export's format.
    ChooseExport,
    /// Admins: pick the report's format and language.
    ChooseReport,
    AdminChanged {
        user_id: i64,
        added: bool,
    },
    /// How to add and remove admins, and who they are now (those named by the environment
    /// marked: only the deployment can remove them).
    AdminUsage {
        admins: Vec<crate::domain::AdminRole>,
    },
    /// Admins: who is now (or no longer) an organisation's focal point.
    FocalChanged {
        user_id: i64,
        org: Option<crate::domain::Org>,
    },
    FocalUsage,
    /// Admins: every focal point, by organisation, and how to change them.
    FocalPoints {
        list: Vec<crate::domain::FocalPoint>,
    },
    /// An admin may not remove themself: someone must remain who can add admins back.
    AdminNotSelf,
    /// A document too large to be a plan file.
    FileTooLarge,
    /// An admin's announcement: who to…
    AskAnnounceAudience,
    /// …what to say…
    AskAnnounceText {
        audience: crate::domain::Audience,
    },
    /// …and how members will see it, with how many will get it, to confirm.
    AnnouncePreview {
        audience: crate::domain::Audience,
        text: String,
        recipients: u64,
    },
    /// Confirmed: the preview becomes this, and the progress follows in its own message.
    AnnounceQueued {
        audience: crate::domain::Audience,
        recipients: u64,
    },
}
