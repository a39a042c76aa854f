//! `dwcp-feedback monitor`: monitoring rounds from the command line, through the same jobs as
//! the bot's /monitor.

use std::io::Write;

use chrono::{DateTime, Utc};

use super::CliResult;
use crate::domain::monitoring::{RoundRequest, RoundResults, Status};
use crate::domain::{Audience, ExportFormat};
use crate::jobs::monitoring;
use crate::store::{Actor, Store};

/// The last day of a period ending at `end` (the midnight after it, Phnom Penh time), as
/// `--until` took it.
fn last_day(end: DateTime<Utc>) -> String {
    (end - chrono::Duration::seconds(1))
        .with_timezone(&crate::clock::phnom_penh())
        .format("%Y-%m-%d (end of day, Phnom Penh)")
        .to_string()
}

/// Opens a round and queues its message (the running bot sends it at Telegram's pace).
#[allow(clippy::too_many_arguments)]
pub async fn open(
    store: &Store,
    title: &str,
    until: DateTime<Utc>,
    activities: &[String],
    audience: &Audience,
    bot_username: Option<&str>,
    now: DateTime<Utc>,
    out: &mut impl Write,
) -> CliResult {
    let plan = store
        .active_plan_or(crate::plan_io::default_plan, now)
        .await?;
    let bot = match bot_username {
        Some(name) => Some(name.trim_start_matches('@').to_string()),
        None => store.setting(crate::store::BOT_USERNAME_SETTING).await?,
    }
    .unwrap_or_default();
    let request = RoundRequest {
        title: title.to_string(),
        activities: monitoring::scope(&plan, activities)?,
        audience: audience.clone(),
        until,
    };
    let opened = monitoring::open(store, &plan, &bot, &request, Actor::Cli, now, None).await?;
    writeln!(
        out,
        "Opened round #{} \"{}\" for {} until {} ({} activities). Queued its message for {}; \
         the running bot sends it at Telegram's pace.",
        opened.round.id,
        opened.round.title,
        opened.round.audience.describe(),
        last_day(opened.round.until),
        opened.round.activities.len(),
        super::plural(opened.messages as u64, "member", "members"),
    )?;
    Ok(())
}

pub async fn close(store: &Store, id: i64, now: DateTime<Utc>, out: &mut impl Write) -> CliResult {
    let (round, closed) = monitoring::close(store, id, Actor::Cli, now).await?;
    if closed {
        writeln!(
            out,
            "Closed round #{} \"{}\": every answer is kept.",
            round.id, round.title
        )?;
    } else {
        writeln!(
            out,
            "Round #{} \"{}\" was closed already.",
            round.id, round.title
        )?;
    }
    Ok(())
}

/// Every round, newest first, with its counts.
pub async fn list(store: &Store, now: DateTime<Utc>, out: &mut impl Write) -> CliResult {
    let rounds = monitoring::overview(store).await?;
    if rounds.is_empty() {
        writeln!(
            out,
            "No monitoring round yet: open one with `monitor open`."
        )?;
    }
    for r in &rounds {
        let when = match r.round.closed_since(now) {
            Some(t) => format!("closed {}", super::local(t)),
            None => format!("open until {}", last_day(r.round.until)),
        };
        writeln!(
            out,
            "#{} \"{}\" · {} · {} · {} activities · {} answered, {} finished",
            r.round.id,
            r.round.title,
            r.round.audience.describe(),
            when,
            r.round.activities.len(),
            super::plural(r.members, "member", "members"),
            r.finished
        )?;
    }
    Ok(())
}

/// A round's results as a table: per activity the share of each answer, and the change in
/// "happening or done" since the audience's round before.
pub fn results_table(
    results: &RoundResults,
    previous: Option<&RoundResults>,
    out: &mut impl Write,
) -> CliResult {
    writeln!(
        out,
        "\nMonitoring round #{} \"{}\" ({}): {} answered, {} finished",
        results.round.id,
        results.round.title,
        results.round.audience.describe(),
        super::plural(results.members, "member", "members"),
        results.finished
    )?;
    writeln!(
        out,
        "{:<8}{:>6}{:>7}{:>9}{:>9}{:>9}{:>10}",
        "activity", "n", "done%", "started%", "nothing%", "unknown%", "Δdone pts"
    )?;
    for (code, tally) in &results.activities {
        let pct = |s: Status| {
            tally
                .all
                .percent(s)
                .map_or("—".to_string(), |p| p.to_string())
        };
        let change = previous
            .and_then(|p| results.change_since(p, code))
            .map_or("—".to_string(), |c| format!("{:+.1}", c as f64 / 10.0));
        writeln!(
            out,
            "{:<8}{:>6}{:>7}{:>9}{:>9}{:>9}{:>10}",
            code.as_str(),
            tally.all.total(),
            pct(Status::Done),
            pct(Status::Started),
            pct(Status::Nothing),
            pct(Status::Unknown),
            change
        )?;
    }
    let split = results.disagreements(3);
    if !split.is_empty() {
        let named: Vec<String> = split
            .iter()
            .map(|(c, spread)| format!("{c} ({:.0} pts)", *spread as f64 / 10.0))
            .collect();
        writeln!(
            out,
            "Constituencies see these differently (\"done\" share, highest minus lowest): {}",
            named.join(", ")
        )?;
    }
    Ok(())
}

/// Every monitoring answer (or one round's) to a file, pseudonymous.
pub async fn export(
    store: &Store,
    format: ExportFormat,
    path: &std::path::Path,
    round: Option<i64>,
    now: DateTime<Utc>,
    out: &mut impl Write,
) -> CliResult {
    let secret = store.export_secret().await?;
    let rows = store.round_answer_rows(round);
    let n = crate::export::monitoring::write(format, path, &secret, rows, now).await?;
    writeln!(
        out,
        "Wrote {} to {}.",
        super::plural(n, "monitoring answer", "monitoring answers"),
        path.display()
    )?;
    Ok(())
}
