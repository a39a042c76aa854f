//! Domain values that cannot hold bad data: parse once at the edge, then trust the type.

pub mod audience;
pub mod broadcast;
pub mod campaign;
pub mod codes;
pub mod comment;
pub mod constituency;
pub mod export_format;
pub mod lang;
pub mod monitoring;
pub mod organisation;
pub mod plan;
pub mod plan_problem;
pub mod profile;
pub mod rating;
pub mod reference;
pub mod summary;
pub mod text;
pub mod timeframe;
pub mod window;

pub use audience::Audience;
pub use campaign::{Campaign, CampaignCode, CampaignProgress, CampaignRequest};
pub use codes::{ActivityCode, PriorityCode};
pub use comment::{Comment, CommentError, CommentText, VoiceNote};
pub use constituency::Constituency;
pub use export_format::{ExportFormat, ReportFormat};
pub use lang::Lang;
pub use organisation::{AdminRole, FocalPoint, Org, Roles};
pub use plan::{Activity, Plan, PlanStatus, Priority, Text};
pub use plan_problem::{Place, PlanProblem, ProblemKind};
pub use profile::{Gender, OrgChoice, Profile, ProfileField, Province, Sector};
pub use rating::Rating;
pub use timeframe::{Quarter, Timeframe};
pub use window::Window;
