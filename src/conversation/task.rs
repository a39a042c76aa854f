//! Work a step asks for that is slow, or reaches beyond this chat (files in or out, the
//! outbox): `jobs` runs it after the step's replies are sent, whatever the front end, and
//! reports back to whoever asked. The step has checked they may.

use crate::domain::ExportFormat;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Task {
    /// Build the export and send it as a document, with a progress message meanwhile.
    Export(ExportFormat),
    /// Build the consultation report in this format and language and send it as a document.
    Report {
        format: crate::domain::ReportFormat,
        lang: crate::domain::Lang,
    },
    /// Send the plan sheet filled with the active plan.
    Template,
    /// Send the chart of this summary (the one the step just showed) as a picture.
    Chart(crate::domain::summary::Summary),
    /// Download the document, check it as a plan and, if it has no problem, activate it.
    ImportPlan { file_id: String, file_name: String },
    /// Coordinators: make a campaign for their organisation and send back its link.
    CreateCampaign(crate::domain::CampaignRequest),
    /// Coordinators: queue a reminder to the campaign's members who have not finished; `org`
    /// is the organisation the step found they coordinate.
    Remind { campaign_id: i64, org: String },
    /// Someone became or stopped being an admin or a focal point: their command menu follows.
    RefreshMenu(i64),
    /// Admins: open a monitoring round and queue its message to the members it reaches.
    OpenRound(crate::domain::monitoring::RoundRequest),
    /// Admins: close a monitoring round (its answers stay).
    CloseRound(i64),
    /// Focal points: remind their organisation's members who have not finished the round;
    /// `org` is the organisation the step found they coordinate.
    RemindRound { round: i64, org: String },
    /// Admins: queue the announcement they confirmed, and report its progress.
    Announce {
        audience: crate::domain::Audience,
        text: String,
    },
}
