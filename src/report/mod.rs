//! The consultation report the secretariat takes to the tripartite meeting: cover, key
//! findings, who answered, a chart, table and comments per priority, the method, and an annex
//! of every comment; PDF to print, DOCX to edit, in Khmer or English.
//!
//! `model` folds the same rows as the exports into numbers (pure), `document` words them in
//! one language, `pdf` and `docx` lay the words out.

pub mod document;
pub mod docx;
pub mod model;
mod monitoring;
pub mod pdf;

use std::path::Path;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;

pub use self::model::{Filters, Report, ReportBuilder};
pub use self::pdf::Typesetter;
use crate::chart::ChartMaker;
use crate::domain::{Lang, ReportFormat};
use crate::export::ExportError;
use crate::store::{Actor, ExportFilter, Store};

/// What a report is of and how it is written.
#[derive(Clone, Debug)]
pub struct ReportJob<'a> {
    pub format: ReportFormat,
    pub lang: Lang,
    pub path: &'a Path,
    pub filter: &'a ExportFilter,
    pub now: DateTime<Utc>,
    pub by: Actor,
}

/// What a written report holds, for the caption and the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Written {
    pub members: u64,
    pub ratings: u64,
    pub version: i64,
}

/// The report's numbers for `filter` (the active plan unless it names a version).
pub async fn build(
    store: &Store,
    filter: &ExportFilter,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<(Report, crate::domain::Plan), ExportError> {
    let plan = crate::export::export_plan(store, filter, now).await?;
    let secret = store.export_secret().await?;
    let window = store.window().await?;
    let mut builder = ReportBuilder::new(&plan, &secret, lang);
    let mut rows = store.export_rows(plan.version, filter);
    while let Some(row) = rows.next().await {
        builder.add(row?);
    }
    let filters = Filters {
        since: filter.since,
        until: filter.until,
        constituency: filter.constituency,
        province: filter.province,
    };
    let mut report = builder.finish(window, filters, now, lang);
    report.rounds = crate::jobs::monitoring::list(store).await?;
    Ok((report, plan))
}

/// Writes the report to `job.path` (through a temporary file, owner-only, renamed when
/// complete) and audits it. The typesetting runs on the blocking pool.
pub async fn write(
    store: &Store,
    job: ReportJob<'_>,
    typesetter: &Typesetter,
    charts: &ChartMaker,
) -> Result<Written, ExportError> {
    let (report, plan) = build(store, job.filter, job.lang, job.now).await?;
    let written = Written {
        members: report.members,
        ratings: report.ratings(),
        version: report.plan_version,
    };
    let (typesetter, charts, lang, format) =
        (typesetter.clone(), charts.clone(), job.lang, job.format);
    let today = job
        .now
        .with_timezone(&crate::clock::phnom_penh())
        .date_naive();
    let bytes = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<u8>> {
        let doc = document::build(&report, &plan, lang, &charts);
        Ok(match format {
            ReportFormat::Pdf => typesetter.pdf(&doc, today)?,
            ReportFormat::Docx => docx::docx(&doc)?,
        })
    })
    .await
    .map_err(|e| anyhow::anyhow!("the report's worker stopped: {e}"))??;
    let dir = job
        .path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut temp, &bytes)?;
    temp.persist(job.path).map_err(|e| e.error)?;
    let detail = format!(
        "report ({}, {}) of plan version {}: {} members, {} ratings",
        format.extension(),
        lang.code(),
        written.version,
        written.members,
        written.ratings
    );
    store.record(job.by, "report", &detail, job.now).await?;
    Ok(written)
}
