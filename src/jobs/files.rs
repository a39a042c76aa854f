//! The secretariat's files: the export, the plan sheet, the summary chart, and plan files
//! read and activated. CPU work (workbooks, the chart, parsing) runs on the blocking pool.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::JobError;
use crate::chart::ChartMaker;
use crate::domain::summary::Summary;
use crate::domain::{ExportFormat, Lang, Plan, PlanProblem, ReportFormat};
use crate::store::{Actor, ExportFilter, Imported, Store};

/// `dwcp-v2-feedback-2026-11-25.xlsx`: what it is and when, for the admin's folder.
pub fn file_name(plan: &Plan, what: &str, extension: &str, now: DateTime<Utc>) -> String {
    let day = now
        .with_timezone(&crate::clock::phnom_penh())
        .format("%Y-%m-%d");
    format!("dwcp-v{}-{what}-{day}.{extension}", plan.version)
}

/// Every current rating of the active plan, in `format`, into `dir`; `progress` hears the
/// count of rows written as it grows. Returns the file and the number of ratings.
pub async fn export(
    store: &Store,
    plan: &Plan,
    format: ExportFormat,
    dir: &Path,
    by: Actor,
    now: DateTime<Utc>,
    progress: impl FnMut(u64),
) -> Result<(PathBuf, u64), JobError> {
    let path = dir.join(file_name(plan, "feedback", format.extension(), now));
    let everything = ExportFilter::default();
    let job = crate::export::ExportJob {
        format,
        path: &path,
        filter: &everything,
        now,
        by,
        voices: None,
    };
    let n = crate::export::export_to_path(store, job, progress).await?;
    Ok((path, n))
}

/// Which report an admin asked for.
#[derive(Clone, Copy, Debug)]
pub struct ReportAsk {
    pub format: ReportFormat,
    pub lang: Lang,
}

/// The consultation report of every current rating of the active plan, into `dir`.
pub async fn report(
    store: &Store,
    plan: &Plan,
    ask: ReportAsk,
    dir: &Path,
    by: Actor,
    now: DateTime<Utc>,
    (typesetter, charts): (&crate::report::Typesetter, &ChartMaker),
) -> Result<(PathBuf, crate::report::Written), JobError> {
    let what = format!("report-{}", ask.lang.code());
    let path = dir.join(file_name(plan, &what, ask.format.extension(), now));
    let everything = ExportFilter::default();
    let job = crate::report::ReportJob {
        format: ask.format,
        lang: ask.lang,
        path: &path,
        filter: &everything,
        now,
        by,
    };
    let written = crate::report::write(store, job, typesetter, charts).await?;
    Ok((path, written))
}

/// The plan sheet filled with `plan`, as a workbook in `dir`.
pub async fn template(
    plan: Arc<Plan>,
    dir: &Path,
    now: DateTime<Utc>,
) -> Result<PathBuf, JobError> {
    let path = dir.join(file_name(&plan, "plan", "xlsx", now));
    let written = path.clone();
    tokio::task::spawn_blocking(move || crate::plan_io::write_xlsx_template(&written, Some(&plan)))
        .await
        .map_err(|e| JobError::Worker(e.to_string()))??;
    Ok(path)
}

/// The summary's chart as a PNG, labelled in `lang`.
pub async fn chart(
    charts: &ChartMaker,
    summary: Summary,
    plan: Arc<Plan>,
    lang: Lang,
) -> Result<Vec<u8>, JobError> {
    let charts = charts.clone();
    Ok(
        tokio::task::spawn_blocking(move || charts.png(&summary, &plan, lang))
            .await
            .map_err(|e| JobError::Worker(e.to_string()))??,
    )
}

/// Reads a plan file and, when it has no problem, makes it the active plan (audited as `by`).
/// The file's problems, when it has some, are the `Err` inside.
pub async fn import_plan(
    store: &Store,
    name: &str,
    bytes: Vec<u8>,
    by: Actor,
    now: DateTime<Utc>,
) -> Result<Result<Imported, Vec<PlanProblem>>, JobError> {
    let file = name.to_string();
    let read = tokio::task::spawn_blocking(move || crate::plan_io::read_plan(&file, &bytes))
        .await
        .map_err(|e| JobError::Worker(e.to_string()))?;
    match read {
        Ok(plan) => Ok(Ok(store.import_plan(&plan, name, by, now).await?)),
        Err(problems) => Ok(Err(problems)),
    }
}
