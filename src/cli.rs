//! The secretariat's command-line tools. Each writes its report to `out`, so tests can read it;
//! every change is audited as done from the command line.

use std::io::Write;

use chrono::{DateTime, Utc};

use crate::clock::phnom_penh;
use crate::domain::summary::Summary;
use crate::domain::{Constituency, Lang, Window};
use crate::store::{Actor, ExportFilter, Store};

pub mod monitor;

pub type CliResult = anyhow::Result<()>;

pub use crate::domain::window::parse_until;

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&phnom_penh())
        .format("%Y-%m-%d %H:%M (Phnom Penh)")
        .to_string()
}

pub async fn admin_list(store: &Store, out: &mut impl Write) -> CliResult {
    let admins = store.admins().await?;
    if admins.is_empty() {
        writeln!(
            out,
            "No admins. Add one with `dwcp-feedback admin add <telegram-user-id>` or DWCP_ADMINS."
        )?;
    }
    for a in admins {
        writeln!(
            out,
            "{}\t{}\tsince {}",
            a.user_id,
            a.source,
            local(a.added_at)
        )?;
    }
    Ok(())
}

pub async fn admin_add(
    store: &Store,
    user_id: i64,
    now: DateTime<Utc>,
    out: &mut impl Write,
) -> CliResult {
    if store.add_admin(user_id, Actor::Cli, now).await? {
        writeln!(out, "{user_id} is now a secretariat admin.")?;
    } else {
        writeln!(out, "{user_id} was already an admin; nothing changed.")?;
    }
    Ok(())
}

pub async fn admin_remove(
    store: &Store,
    user_id: i64,
    now: DateTime<Utc>,
    out: &mut impl Write,
) -> CliResult {
    let from_environment = store
        .admins()
        .await?
        .iter()
        .any(|a| a.user_id == user_id && a.source == "env");
    if from_environment {
        anyhow::bail!(
            "{user_id} is an admin because DWCP_ADMINS names them: remove them there and restart \
             the bot (removed here, they would be an admin again at the next start)"
        );
    }
    if store.remove_admin(user_id, Actor::Cli, now).await? {
        writeln!(out, "{user_id} is no longer an admin.")?;
    } else {
        writeln!(out, "{user_id} was not an admin; nothing changed.")?;
    }
    Ok(())
}

pub async fn window_show(store: &Store, now: DateTime<Utc>, out: &mut impl Write) -> CliResult {
    let w = store.window().await?;
    match (w.is_open(now), w.until, w.closed_since(now)) {
        (true, Some(until), _) => writeln!(out, "Open until {}.", local(until))?,
        (true, None, _) => writeln!(out, "Open, with no end date.")?,
        (false, _, Some(since)) => writeln!(out, "Closed since {}.", local(since))?,
        (false, _, None) => writeln!(out, "Closed.")?,
    }
    Ok(())
}

pub async fn window_set(
    store: &Store,
    open: bool,
    until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    out: &mut impl Write,
) -> CliResult {
    if let Some(until) = until.filter(|u| *u <= now) {
        anyhow::bail!("--until {} is already past", local(until));
    }
    store
        .set_window(
            Window {
                open,
                until: until.filter(|_| open),
                changed_at: now,
            },
            Actor::Cli,
        )
        .await?;
    window_show(store, now, out).await
}

pub async fn plan_show(store: &Store, out: &mut impl Write) -> CliResult {
    let plan = store
        .active_plan_or(crate::plan_io::default_plan, Utc::now())
        .await?;
    writeln!(
        out,
        "Plan version {} — {} / {} ({})",
        plan.version,
        plan.title.en,
        plan.title.km,
        plan.status.code()
    )?;
    if !plan.source.is_empty() {
        writeln!(out, "Source: {}", plan.source)?;
    }
    for p in &plan.priorities {
        writeln!(out, "\n{} · {}\n    {}", p.code, p.short.en, p.short.km)?;
        for a in plan.activities_of(&p.code) {
            writeln!(
                out,
                "  {:<6} {}\n         {}\n         lead: {} · {}",
                a.code, a.title.en, a.title.km, a.lead.en, a.timeframe
            )?;
        }
    }
    Ok(())
}

/// Checks a plan file (TOML, CSV or XLSX) and, when every check passes, makes it the active plan.
/// "1 rating", "2 ratings".
fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A terminal shows this many of a plan file's problems; the rest are counted.
const PROBLEMS_PRINTED: usize = 50;

/// Reads a file from outside only when it is at most `max` bytes: the size is checked before
/// reading, and the reading stops past `max` in case the file grows meanwhile.
pub fn read_bounded(path: &std::path::Path, max: usize) -> anyhow::Result<Vec<u8>> {
    use std::io::Read;
    let cannot = |e: std::io::Error| anyhow::anyhow!("cannot read {}: {e}", path.display());
    let file = std::fs::File::open(path).map_err(cannot)?;
    let too_big = |len: u64| {
        anyhow::anyhow!(
            "{} is {} KB; a plan file is at most {} KB",
            path.display(),
            len.div_ceil(1024),
            max / 1024
        )
    };
    let len = file.metadata().map_err(cannot)?.len();
    if len > max as u64 {
        return Err(too_big(len));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(max as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() > max {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

pub async fn plan_import(
    store: &Store,
    name: &str,
    bytes: &[u8],
    now: DateTime<Utc>,
    out: &mut impl Write,
) -> CliResult {
    let imported =
        crate::jobs::files::import_plan(store, name, bytes.to_vec(), Actor::Cli, now).await?;
    let done = match imported {
        Ok(done) => done,
        Err(problems) => {
            writeln!(
                out,
                "{name}: {}; the active plan is unchanged.",
                plural(problems.len() as u64, "problem", "problems")
            )?;
            for p in problems.iter().take(PROBLEMS_PRINTED) {
                writeln!(out, "  {}", crate::messages::plan_problem(p, Lang::En))?;
            }
            if problems.len() > PROBLEMS_PRINTED {
                writeln!(out, "  … and {} more", problems.len() - PROBLEMS_PRINTED)?;
            }
            anyhow::bail!(
                "the plan file has {}",
                plural(problems.len() as u64, "problem", "problems")
            );
        }
    };
    if done.unchanged {
        writeln!(
            out,
            "{name} holds the active plan as it is (version {}): nothing changed.",
            done.version
        )?;
    } else {
        writeln!(
            out,
            "Imported version {} from {name}: {}, {} carried over.",
            done.version,
            plural(done.activities as u64, "activity", "activities"),
            plural(done.carried, "rating", "ratings")
        )?;
    }
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TemplateFormat {
    Csv,
    Xlsx,
}

/// Writes the plan sheet to `path`: empty, or filled with the active plan to edit.
pub async fn plan_template(
    store: &Store,
    format: TemplateFormat,
    path: &std::path::Path,
    filled: bool,
    out: &mut impl Write,
) -> CliResult {
    let plan = if filled {
        Some(
            store
                .active_plan_or(crate::plan_io::default_plan, Utc::now())
                .await?,
        )
    } else {
        None
    };
    match format {
        TemplateFormat::Csv => {
            let file = std::io::BufWriter::new(std::fs::File::create(path)?);
            crate::plan_io::write_csv_template(file, plan.as_ref())?;
        }
        TemplateFormat::Xlsx => crate::plan_io::write_xlsx_template(path, plan.as_ref())?,
    }
    match &plan {
        Some(p) => writeln!(
            out,
            "Wrote plan version {} ({} activities) to {}.",
            p.version,
            p.activities.len(),
            path.display()
        )?,
        None => writeln!(out, "Wrote an empty plan template to {}.", path.display())?,
    }
    Ok(())
}

fn mean(m: Option<f64>) -> String {
    m.map_or("—".into(), |m| format!("{m:.2}"))
}

/// `backup --out FILE`: a checked copy of the live database, and what it holds.
pub async fn backup(store: &Store, path: &std::path::Path, out: &mut impl Write) -> CliResult {
    let s = store.backup_to(path).await?;
    writeln!(
        out,
        "Backup written to {}: {}, {}, {:.1} MB; integrity check: ok.\n\
         It holds Telegram ids and the pseudonymisation key: keep it as safe as the database.",
        path.display(),
        plural(s.members as u64, "member", "members"),
        plural(s.ratings as u64, "rating", "ratings"),
        s.bytes as f64 / 1e6
    )?;
    Ok(())
}

pub async fn stats(store: &Store, out: &mut impl Write) -> CliResult {
    let plan = store
        .active_plan_or(crate::plan_io::default_plan, Utc::now())
        .await?;
    let summary = Summary::new(
        &plan,
        store.member_counts().await?,
        &store.summary_cells(plan.version).await?,
    );
    writeln!(
        out,
        "Plan version {} ({}): {}",
        plan.version,
        plan.status.code(),
        plan.title.get(Lang::En)
    )?;
    writeln!(
        out,
        "Members {} · ratings {} · typed comments {} · voice notes {}",
        summary.member_total(),
        summary.ratings(),
        summary.texts(),
        summary.voices()
    )?;
    let by: Vec<String> = summary
        .members
        .iter()
        .map(|(c, n)| format!("{} {n}", c.map_or("not given", Constituency::word)))
        .collect();
    writeln!(
        out,
        "By constituency: {}",
        if by.is_empty() {
            "—".into()
        } else {
            by.join(", ")
        }
    )?;
    writeln!(
        out,
        "\n{:<7}{:>5}{:>7}{:>8}  {:<19}{:>8}{:>8}{:>8}{:>6}{:>6}",
        "code", "n", "mean", "median", "1/2/3/4/5", "workers", "employ.", "govt", "typed", "voice"
    )?;
    for a in &summary.activities {
        let dist = a
            .distribution
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join("/");
        writeln!(
            out,
            "{:<7}{:>5}{:>7}{:>8}  {:<19}{:>8}{:>8}{:>8}{:>6}{:>6}",
            a.code.as_ref().map_or("", |c| c.as_str()),
            a.n,
            mean(a.mean()),
            mean(a.median()),
            dist,
            mean(a.mean_of(Constituency::Workers)),
            mean(a.mean_of(Constituency::Employers)),
            mean(a.mean_of(Constituency::Government)),
            a.texts,
            a.voices
        )?;
    }
    // Ties are named, every one of them.
    for low in summary.lowest_rated() {
        writeln!(
            out,
            "\nLowest rated: {} ({})",
            low.code.as_ref().map_or("", |c| c.as_str()),
            mean(low.mean())
        )?;
    }
    for most in summary.most_commented() {
        writeln!(
            out,
            "Most commented: {} ({} typed, {} voice notes)",
            most.code.as_ref().map_or("", |c| c.as_str()),
            most.texts,
            most.voices
        )?;
    }
    // The open monitoring round (else the latest), with the change since the one before.
    if let Some((results, previous)) = crate::jobs::monitoring::latest(store, Utc::now()).await? {
        monitor::results_table(&results, previous.as_ref(), out)?;
    }
    Ok(())
}

pub use crate::domain::ExportFormat;

/// Writes the current ratings matching `filter` to `path`, with a count on the terminal.
/// `voice`: the Bot API client and the directory to download every voice note into first.
pub async fn export(
    store: &Store,
    format: ExportFormat,
    path: &std::path::Path,
    filter: ExportFilter,
    voice: Option<(teloxide::Bot, std::path::PathBuf)>,
    now: DateTime<Utc>,
    out: &mut impl Write,
) -> CliResult {
    use std::io::IsTerminal;
    let show = std::io::stderr().is_terminal();
    let voices = match voice {
        None => None,
        Some((bot, dir)) => {
            let plan = crate::export::export_plan(store, &filter, now).await?;
            let secret = store.export_secret().await?;
            let progress = |n: usize| {
                if show {
                    eprint!("\rdownloading voice notes… {n}");
                }
            };
            let fetch = |file_id: String, path: std::path::PathBuf| {
                let bot = bot.clone();
                async move { crate::telegram::api::download_to(&bot, &file_id, &path).await }
            };
            let voices = crate::export::download_voices(
                store,
                fetch,
                plan.version,
                &filter,
                &secret,
                &dir,
                progress,
            )
            .await?;
            if show {
                eprintln!();
            }
            writeln!(
                out,
                "Downloaded {} voice notes to {}.",
                voices.paths.len(),
                dir.display()
            )?;
            if !voices.failed.is_empty() {
                writeln!(
                    out,
                    "{} could not be downloaded (their rows keep Telegram's file id): {}",
                    voices.failed.len(),
                    voices.failed.join(", ")
                )?;
            }
            Some(voices)
        }
    };
    let progress = |n: u64| {
        if show && n % 10_000 == 0 {
            eprint!("\rexporting… {n} ratings");
        }
    };
    let job = crate::export::ExportJob {
        format,
        path,
        filter: &filter,
        now,
        by: Actor::Cli,
        voices: voices.as_ref(),
    };
    let n = crate::export::export_to_path(store, job, progress).await?;
    if show {
        eprintln!();
    }
    writeln!(
        out,
        "Wrote {} to {}.",
        plural(n, "rating", "ratings"),
        path.display()
    )?;
    Ok(())
}

/// `report --out FILE`: the consultation report of the ratings matching `filter`.
pub async fn report(
    store: &Store,
    format: crate::domain::ReportFormat,
    lang: crate::domain::Lang,
    path: &std::path::Path,
    filter: ExportFilter,
    now: DateTime<Utc>,
    out: &mut impl Write,
) -> CliResult {
    let job = crate::report::ReportJob {
        format,
        lang,
        path,
        filter: &filter,
        now,
        by: Actor::Cli,
    };
    let typesetter = crate::report::Typesetter::new();
    let charts = crate::chart::ChartMaker::new();
    let written = crate::report::write(store, job, &typesetter, &charts).await?;
    writeln!(
        out,
        "Wrote the report of plan version {} ({}, {}): {} and {} to {}.",
        written.version,
        format.extension(),
        lang.code(),
        plural(written.members, "member", "members"),
        plural(written.ratings, "rating", "ratings"),
        path.display()
    )?;
    Ok(())
}

/// `broadcast --text-file F --to AUDIENCE`: queues the announcement; the running bot sends it.
pub async fn broadcast(
    store: &Store,
    audience: &crate::domain::Audience,
    text: &str,
    now: DateTime<Utc>,
    out: &mut impl Write,
) -> CliResult {
    let queued =
        crate::jobs::announce::queue_announcement(store, audience, text, Actor::Cli, now).await?;
    writeln!(
        out,
        "Queued broadcast #{} to {}: {}. The running bot sends it at Telegram's pace \
         (about 30 messages a second) and skips anyone who blocked it.",
        queued.broadcast_id,
        audience.describe(),
        plural(queued.messages as u64, "member", "members")
    )?;
    Ok(())
}

/// What `dwcp-feedback remind` reminds: one campaign (by its link or code), or every
/// automatic reminder that is due now.
#[derive(Clone, Debug)]
pub enum RemindWhat {
    Campaign(String),
    Due,
}

/// Queues reminders as a focal point's button or the schedule would (the running bot sends
/// them); the secretariat may remind any organisation's campaign.
pub async fn remind(
    store: &Store,
    what: &RemindWhat,
    bot_username: Option<&str>,
    now: DateTime<Utc>,
    out: &mut impl Write,
) -> CliResult {
    use crate::jobs::campaigns::{self, Asker, NoReminder, Reminder};
    let known = match bot_username {
        Some(name) => Some(name.trim_start_matches('@').to_string()),
        None => store.setting(crate::store::BOT_USERNAME_SETTING).await?,
    };
    let Some(bot) = known else {
        anyhow::bail!(
            "the bot's username is not known yet (the reminder's button opens the bot): start \
             the bot once on this database, or pass --bot-username"
        );
    };
    match what {
        RemindWhat::Due => {
            let due = campaigns::due_reminders(store, &bot, now).await?;
            if due.is_empty() && !store.window().await?.is_open(now) {
                writeln!(
                    out,
                    "The consultation is closed: no reminder is sent while members cannot answer."
                )?;
            } else if due.is_empty() {
                writeln!(out, "No automatic reminder is due now.")?;
            }
            for d in due {
                let n = campaigns::queue(store, &d.reminders, Some(d.stage), Actor::Cli, None, now)
                    .await?;
                writeln!(
                    out,
                    "Queued the {} reminder of \"{}\" (campaign #{}): {}.",
                    d.stage,
                    d.reminders.campaign.title,
                    d.reminders.campaign.id,
                    plural(n as u64, "member", "members")
                )?;
            }
        }
        RemindWhat::Campaign(given) => {
            // A link, `c_<code>` or the bare code, as the focal point has it.
            let payload = given.rsplit("start=").next().unwrap_or(given);
            let code = crate::domain::CampaignCode::from_start_payload(payload)
                .or_else(|| crate::domain::CampaignCode::parse(payload));
            let found = match code {
                Some(code) => store.campaign_by_code(&code).await?,
                None => None,
            };
            let Some(campaign) = found else {
                anyhow::bail!("no campaign has the link or code {given}");
            };
            let asker = Asker::Secretariat;
            match campaigns::prepare_reminder(store, &bot, asker, campaign.id, now).await? {
                Reminder::Refused(NoReminder::NoSuchCampaign | NoReminder::NotYours) => {
                    anyhow::bail!("no campaign has the link or code {given}")
                }
                Reminder::Refused(NoReminder::CampaignClosed) => {
                    anyhow::bail!(
                        "\"{}\" is past its deadline: nothing is sent for it",
                        campaign.title
                    )
                }
                Reminder::Refused(NoReminder::ConsultationClosed) => {
                    anyhow::bail!(
                        "the consultation is closed, so members could not answer: no reminder \
                         is sent (open it with `dwcp-feedback window open`)"
                    )
                }
                Reminder::Refused(NoReminder::Nobody) => writeln!(
                    out,
                    "Everyone in \"{}\" has finished (or turned reminders off): nothing to send.",
                    campaign.title
                )?,
                Reminder::Ready(reminders) => {
                    let n =
                        campaigns::queue(store, &reminders, None, Actor::Cli, None, now).await?;
                    writeln!(
                        out,
                        "Queued a reminder to {} of \"{}\" who {} not finished. The running \
                         bot sends it.",
                        plural(n as u64, "member", "members"),
                        campaign.title,
                        if n == 1 { "has" } else { "have" }
                    )?;
                }
            }
        }
    }
    Ok(())
}

pub async fn org_list(store: &Store, out: &mut impl Write) -> CliResult {
    let coordinators = store.coordinators().await?;
    for org in store.organisations().await? {
        let focal: Vec<String> = coordinators
            .iter()
            .filter(|f| f.org_code == org.code)
            .map(|f| f.member_id.to_string())
            .collect();
        writeln!(
            out,
            "{}\t{}\t{}\t{}{}{}",
            org.code,
            org.constituency.word(),
            org.name_en,
            org.name_km,
            if org.added { "\t(added)" } else { "" },
            if focal.is_empty() {
                String::new()
            } else {
                format!("\tcoordinators: {}", focal.join(", "))
            }
        )?;
    }
    Ok(())
}

pub async fn org_add(
    store: &Store,
    org: &crate::store::Org,
    now: DateTime<Utc>,
    out: &mut impl Write,
) -> CliResult {
    if !crate::domain::audience::is_org_code(&org.code) {
        anyhow::bail!(
            "`{}` cannot be an organisation code: use 1-20 letters, digits, `-`, `_` or `.`",
            org.code
        );
    }
    if org.name_en.trim().is_empty() || org.name_km.trim().is_empty() {
        anyhow::bail!("both names are needed, in English (--en) and in Khmer (--km)");
    }
    if store.add_organisation(org, Actor::Cli, now).await? {
        writeln!(out, "Added {} ({}).", org.code, org.name_en)?;
    } else {
        anyhow::bail!(
            "the code {} is already taken (see `dwcp-feedback org list`)",
            org.code
        );
    }
    Ok(())
}

pub async fn coordinator_add(
    store: &Store,
    org: &str,
    user_id: i64,
    now: DateTime<Utc>,
    out: &mut impl Write,
) -> CliResult {
    let Some(found) = store.organisation(org).await? else {
        anyhow::bail!("there is no organisation {org} (see `dwcp-feedback org list`)");
    };
    store
        .add_coordinator(&found.code, user_id, Actor::Cli, now)
        .await?;
    writeln!(
        out,
        "{user_id} is now the focal point of {} ({}): they see and remind only its members.",
        found.code, found.name_en
    )?;
    Ok(())
}

pub async fn coordinator_remove(
    store: &Store,
    user_id: i64,
    now: DateTime<Utc>,
    out: &mut impl Write,
) -> CliResult {
    if !store.remove_coordinator(user_id, Actor::Cli, now).await? {
        anyhow::bail!("{user_id} is not a focal point (see `dwcp-feedback org list`)");
    }
    writeln!(
        out,
        "{user_id} is no longer a focal point; their campaigns stay, with their links."
    )?;
    Ok(())
}
