use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::builder::TypedValueParser as _;
use clap::{Parser, Subcommand};
use dwcp_feedback::domain::Lang;
use dwcp_feedback::{app::App, Config, Store, SystemClock};

/// Telegram bot and tools for tripartite feedback on Cambodia's DWCP 2026-2027 work plan.
#[derive(Parser)]
#[command(about, long_about = None, disable_version_flag = true)]
struct Cli {
    /// Print the version, and the migration level of the database it would open.
    #[arg(short = 'V', long)]
    version: bool,
    #[command(subcommand)]
    command: Option<Cmd>,
    /// SQLite database the secretariat commands work on (the bot's own, by default).
    #[arg(long, global = true, env = "DATABASE_URL", default_value = dwcp_feedback::config::DEFAULT_DATABASE_URL)]
    database_url: String,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the bot (long polling, or a webhook). The default when no command is given.
    ///
    /// Reads TELOXIDE_TOKEN (from @BotFather), and optionally TELOXIDE_API_URL, DATABASE_URL
    /// (default sqlite://dwcp-feedback.db, created on first run), DWCP_ADMINS (comma-separated
    /// Telegram user ids), DWCP_PACING (on|off), DWCP_WEBHOOK_URL and DWCP_WEBHOOK_LISTEN,
    /// DWCP_METRICS_ADDR, DWCP_BACKUP_DIR and DWCP_BACKUP_KEEP, and RUST_LOG.
    Run {
        /// Receive updates by webhook at this https:// address (a reverse proxy in front of
        /// the bot) instead of long polling; overrides DWCP_WEBHOOK_URL.
        #[arg(long, value_name = "URL")]
        webhook_url: Option<String>,
        /// Where the webhook listens, for the reverse proxy (default 127.0.0.1:8443);
        /// overrides DWCP_WEBHOOK_LISTEN.
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
    },
    /// Chat with the bot in this terminal, without Telegram or a token.
    ///
    /// Uses a temporary database unless --db is given. Buttons are numbered: type the number
    /// to tap one.
    Try {
        /// Language Telegram would report for you (km or en); Khmer when not given.
        #[arg(long, value_parser = parse_lang)]
        lang: Option<Lang>,
        /// Keep the conversation in this SQLite file instead of a temporary one.
        #[arg(long)]
        db: Option<PathBuf>,
    },
    /// Secretariat admins: who may use /summary (and later admin commands) in the bot.
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
    /// The consultation window: while closed, members can read but not change their feedback.
    Window {
        #[command(subcommand)]
        action: Option<WindowAction>,
    },
    /// The work plan members rate.
    Plan {
        #[command(subcommand)]
        action: PlanAction,
    },
    /// Totals and per-activity figures of the feedback on the active plan.
    Stats,
    /// A consistent copy of the database, also while the bot runs, checked before it is named.
    ///
    /// The copy holds Telegram ids and the pseudonymisation key: it is personal data, keep it
    /// as safe as the database. To restore: stop the bot, put the copy in the database's place
    /// (and remove any `-wal`/`-shm` files beside it), start the bot.
    Backup {
        /// Where to write it; must not exist yet.
        #[arg(long)]
        out: PathBuf,
    },
    /// Queue an announcement; the running bot delivers it at Telegram's pace.
    Broadcast {
        /// The announcement, as plain text (UTF-8; Khmer welcome).
        #[arg(long, value_name = "FILE")]
        text_file: PathBuf,
        /// all, constituency:workers|employers|government|other, or org:CODE.
        #[arg(long, default_value = "all", value_parser = parse_audience)]
        to: dwcp_feedback::domain::Audience,
    },
    /// Queue a campaign's reminder to its members who have not finished (as a focal point's
    /// Remind button does), or with --due every automatic reminder due now; the running bot
    /// sends them.
    Remind {
        /// The campaign's link (https://t.me/<bot>?start=c_…) or its code.
        #[arg(required_unless_present = "due", conflicts_with = "due")]
        campaign: Option<String>,
        /// Every automatic reminder that is due (3 days and 1 day before a deadline).
        #[arg(long)]
        due: bool,
        /// The bot's username for the reminder's button (learnt by the bot when it starts).
        #[arg(long)]
        bot_username: Option<String>,
    },
    /// Monitoring rounds: members say, activity by activity, what has actually happened.
    Monitor {
        #[command(subcommand)]
        action: MonitorAction,
    },
    /// Organisations members belong to, and their coordinators (focal points).
    Org {
        #[command(subcommand)]
        action: OrgAction,
    },
    /// Write the feedback to a file: xlsx (a workbook with Summary, By constituency, By
    /// province, Ratings and Comments sheets and a chart), csv (one row per rating, UTF-8 with
    /// BOM for Excel) or json. Pseudonymous: respondents are ids, never accounts or names.
    Export {
        #[arg(long, value_parser = export_format())]
        format: dwcp_feedback::cli::ExportFormat,
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        filter: Filters,
        /// Also download every voice note into this directory (through the Bot API: needs
        /// TELOXIDE_TOKEN); the export's voice_note column then names the file.
        #[arg(long, value_name = "DIR")]
        with_voice: Option<PathBuf>,
    },
    /// Write the consultation report for the tripartite meeting: cover, key findings, who
    /// answered, per priority a chart, a table and the comments, the method, and an annex of
    /// every comment. PDF to print, DOCX to edit; pseudonymous like the exports.
    Report {
        #[arg(long)]
        out: PathBuf,
        /// The report's language (plan texts in it; comments as members wrote them).
        #[arg(long, value_parser = ["km", "en"], default_value = "km")]
        lang: String,
        /// pdf or docx (default: from the file's extension).
        #[arg(long, value_parser = ["pdf", "docx"])]
        format: Option<String>,
        #[command(flatten)]
        filter: Filters,
    },
}

/// Which ratings `export` and `report` are of.
#[derive(clap::Args)]
struct Filters {
    /// Only ratings last changed on or after this day (Phnom Penh).
    #[arg(long, value_parser = parse_day_start)]
    since: Option<chrono::DateTime<chrono::Utc>>,
    /// Only ratings last changed up to the end of this day (Phnom Penh).
    #[arg(long, value_parser = dwcp_feedback::cli::parse_until)]
    until: Option<chrono::DateTime<chrono::Utc>>,
    /// workers, employers, government or other.
    #[arg(long, value_parser = parse_constituency)]
    constituency: Option<dwcp_feedback::domain::Constituency>,
    /// Official province code, 1 to 25 (12 is Phnom Penh).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=25))]
    province: Option<u8>,
    /// Plan version (default: the active plan).
    #[arg(long)]
    plan_version: Option<i64>,
}

impl Filters {
    fn into_filter(self) -> dwcp_feedback::store::ExportFilter {
        dwcp_feedback::store::ExportFilter {
            plan_version: self.plan_version,
            since: self.since,
            until: self.until,
            constituency: self.constituency,
            province: self.province,
        }
    }
}

/// The Bot API client for downloading voice notes: TELOXIDE_TOKEN (and TELOXIDE_API_URL).
fn voice_bot() -> anyhow::Result<teloxide::Bot> {
    let config = dwcp_feedback::config::Config::from_env()?;
    let mut bot = teloxide::Bot::new(&config.token);
    if let Some(url) = &config.api_url {
        bot = bot.set_api_url(url.parse()?);
    }
    Ok(bot)
}

fn parse_day_start(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    // The end of the previous day is the start of this one.
    let day = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("`{s}` is not a date like 2027-01-31"))?;
    let before = day.pred_opt().ok_or("date out of range")?;
    dwcp_feedback::cli::parse_until(&before.format("%Y-%m-%d").to_string())
}

fn parse_constituency(s: &str) -> Result<dwcp_feedback::domain::Constituency, String> {
    dwcp_feedback::domain::Constituency::from_word(s)
        .ok_or_else(|| format!("`{s}` is not workers, employers, government or other"))
}

#[derive(Subcommand)]
enum AdminAction {
    /// Make a Telegram user a secretariat admin.
    Add { user_id: i64 },
    /// Take a user's admin rights away.
    Remove { user_id: i64 },
    /// List the admins.
    List,
}

#[derive(Subcommand)]
enum WindowAction {
    /// Open the consultation, optionally until a date (end of that day, Phnom Penh time).
    Open {
        #[arg(long, value_parser = dwcp_feedback::cli::parse_until)]
        until: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Close the consultation now.
    Close,
    /// Say whether the consultation is open (the default).
    Show,
}

#[derive(Subcommand)]
enum PlanAction {
    /// Print the active plan in both languages.
    Show,
    /// Check a plan file and, when it has no problem, make it the active plan. Unchanged
    /// activities keep their ratings. TOML (the format of plans/dwcp-2026-2027-draft.toml),
    /// or the one-row-per-activity sheet of `plan template` as .xlsx or .csv.
    Import { file: PathBuf },
    /// Write the one-row-per-activity plan sheet, every column explained, to edit in Excel.
    Template {
        #[arg(long, value_enum, default_value = "xlsx")]
        format: dwcp_feedback::cli::TemplateFormat,
        #[arg(long)]
        out: PathBuf,
        /// Fill it with the active plan instead of leaving it empty.
        #[arg(long)]
        filled: bool,
    },
}

#[derive(Subcommand)]
enum OrgAction {
    /// Every organisation: the built-in list and the ones added.
    List,
    /// Add an organisation beyond the built-in list.
    Add {
        /// A short code, e.g. BFTU: letters, digits, `-`, `_` or `.`.
        code: String,
        #[arg(long)]
        en: String,
        #[arg(long)]
        km: String,
        /// workers, employers, government or other.
        #[arg(long, value_parser = parse_constituency)]
        constituency: dwcp_feedback::domain::Constituency,
    },
    /// Coordinators: members who run their organisation's campaigns.
    Coordinator {
        #[command(subcommand)]
        action: CoordinatorAction,
    },
}

#[derive(Subcommand)]
enum CoordinatorAction {
    /// Make a Telegram user the focal point of an organisation.
    Add { org: String, user_id: i64 },
    /// A Telegram user is no longer a focal point.
    Remove { user_id: i64 },
}

fn parse_audience(s: &str) -> Result<dwcp_feedback::domain::Audience, String> {
    dwcp_feedback::domain::Audience::parse(s).map_err(|e| e.to_string())
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| format!("`{s}` is not km or en"))
}

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let threads: usize = std::env::var("DWCP_WORKER_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let runtime = if threads == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        if threads > 1 {
            b.worker_threads(threads);
        }
        b.enable_all().build()
    };
    match runtime {
        Ok(rt) => rt.block_on(async_main()),
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn async_main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("info,sqlx=warn,usvg=error")
            }),
        )
        .with_writer(std::io::stderr)
        // Colours for a person at a terminal; plain text for journald or a log file.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let cli = Cli::parse();
    if cli.version {
        return match version(&cli.database_url).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
    let command = cli.command.unwrap_or(Cmd::Run {
        webhook_url: None,
        listen: None,
    });
    let result = match command {
        Cmd::Run {
            webhook_url,
            listen,
        } => run(webhook_url, listen).await,
        Cmd::Try { lang, db } => try_chat(lang, db).await,
        Cmd::Admin { action } => secretariat(&cli.database_url, Task::Admin(action)).await,
        Cmd::Window { action } => {
            secretariat(
                &cli.database_url,
                Task::Window(action.unwrap_or(WindowAction::Show)),
            )
            .await
        }
        Cmd::Plan { action } => secretariat(&cli.database_url, Task::Plan(action)).await,
        Cmd::Stats => secretariat(&cli.database_url, Task::Stats).await,
        Cmd::Backup { out } => secretariat(&cli.database_url, Task::Backup(out)).await,
        Cmd::Broadcast { text_file, to } => match std::fs::read_to_string(&text_file) {
            Ok(text) => secretariat(&cli.database_url, Task::Broadcast(to, text)).await,
            Err(e) => Err(anyhow::anyhow!(
                "cannot read {} as UTF-8 text: {e}",
                text_file.display()
            )),
        },
        Cmd::Org { action } => secretariat(&cli.database_url, Task::Org(action)).await,
        Cmd::Monitor { action } => secretariat(&cli.database_url, Task::Monitor(action)).await,
        Cmd::Remind {
            campaign,
            due: _,
            bot_username,
        } => {
            let what = match campaign {
                Some(c) => dwcp_feedback::cli::RemindWhat::Campaign(c),
                None => dwcp_feedback::cli::RemindWhat::Due,
            };
            secretariat(&cli.database_url, Task::Remind(what, bot_username)).await
        }
        Cmd::Export {
            format,
            out,
            filter,
            with_voice,
        } => {
            let filter = filter.into_filter();
            match with_voice
                .map(|dir| voice_bot().map(|bot| (bot, dir)))
                .transpose()
            {
                Ok(voice) => {
                    let task = Task::Export(format, out, filter, voice);
                    secretariat(&cli.database_url, task).await
                }
                Err(e) => Err(e),
            }
        }
        Cmd::Report {
            out,
            lang,
            format,
            filter,
        } => {
            let filter = filter.into_filter();
            let lang = dwcp_feedback::domain::Lang::parse(&lang).unwrap_or_default();
            let extension = out.extension().and_then(|e| e.to_str()).unwrap_or("");
            match format
                .as_deref()
                .or(Some(extension))
                .and_then(dwcp_feedback::domain::ReportFormat::parse)
            {
                Some(format) => {
                    secretariat(&cli.database_url, Task::Report(format, lang, out, filter)).await
                }
                None => Err(anyhow::anyhow!(
                    "say --format pdf or --format docx, or name the file .pdf or .docx"
                )),
            }
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `--version`: this binary, and where the database stands against its migrations (without
/// creating or changing it).
async fn version(database_url: &str) -> anyhow::Result<()> {
    println!("dwcp-feedback {}", env!("CARGO_PKG_VERSION"));
    let latest = dwcp_feedback::store::latest_migration();
    let state = match dwcp_feedback::store::applied_migration(database_url).await? {
        None => format!("not created yet (the first start creates it at migration {latest})"),
        Some(n) if n == latest => format!("migration {n} of {latest}, up to date"),
        Some(n) if n < latest => {
            format!("migration {n} of {latest}: the next start brings it up to date")
        }
        Some(n) => format!("migration {n}: newer than this binary ({latest}); use a newer binary"),
    };
    println!("database {database_url}: {state}");
    Ok(())
}

async fn run(webhook_url: Option<String>, listen: Option<String>) -> anyhow::Result<()> {
    // The command line's flags, where given, take the place of their environment variables.
    let config = Config::from_lookup(|name| match name {
        "DWCP_WEBHOOK_URL" if webhook_url.is_some() => webhook_url.clone(),
        "DWCP_WEBHOOK_LISTEN" if listen.is_some() => listen.clone(),
        _ => std::env::var(name).ok(),
    })?;
    // A stop may come while the bot still waits for Telegram (an outage, no network yet):
    // it ends the wait too, rather than leave systemd to kill the process.
    let (stop, stopping) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        stop_signal().await;
        let _ = stop.send(true);
    });
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let app = tokio::select! {
        app = App::build(&config, Arc::new(SystemClock)) => app?,
        _ = stopped(stopping.clone()) => {
            tracing::info!("stopped before Telegram answered");
            return Ok(());
        }
    };
    app.run_until(stopped(stopping)).await?;
    tracing::info!("stopped");
    Ok(())
}

/// SIGTERM (`systemctl stop`, `docker stop`) or SIGINT (Ctrl-C): either stops the bot the same
/// graceful way, so that a deployment's stop never cuts a broadcast in the middle of a send.
async fn stop_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => tracing::info!("Ctrl-C: stopping once the messages on their way are sent"),
        _ = terminate => tracing::info!("SIGTERM: stopping once the messages on their way are sent"),
    }
}

async fn try_chat(lang: Option<Lang>, db: Option<PathBuf>) -> anyhow::Result<()> {
    let temp = tempfile::tempdir()?;
    // Files a task makes go beside the database kept with --db, else with the session's own.
    let files = match db.as_deref().and_then(|p| p.parent()) {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        Some(_) => PathBuf::from("."),
        None => temp.path().to_path_buf(),
    };
    let path = db.unwrap_or_else(|| temp.path().join("try.db"));
    let store = Store::open(&format!("sqlite://{}", path.display())).await?;
    let stdin = tokio::io::BufReader::new(tokio::io::stdin());
    dwcp_feedback::try_chat::run(
        store.clone(),
        lang,
        Arc::new(SystemClock),
        &files,
        stdin,
        tokio::io::stdout(),
    )
    .await?;
    store.close().await;
    Ok(())
}

#[derive(Subcommand)]
enum MonitorAction {
    /// Open a round (one open round per audience) and queue its message to the members it
    /// reaches who allow reminders; the running bot sends it at Telegram's pace.
    Open {
        #[arg(long)]
        title: String,
        /// Its last day (end of that day, Phnom Penh time), at most 120 days ahead.
        #[arg(long, value_parser = dwcp_feedback::cli::parse_until)]
        until: chrono::DateTime<chrono::Utc>,
        /// Activities and priorities (P1.1,P2 …); every activity when not given.
        #[arg(long, value_delimiter = ',')]
        activities: Vec<String>,
        /// all, workers, employers, government, other, or org:CODE.
        #[arg(long, default_value = "all", value_parser = parse_audience)]
        audience: dwcp_feedback::domain::Audience,
        /// The bot's username for the message's button (learnt by the bot when it starts).
        #[arg(long)]
        bot_username: Option<String>,
    },
    /// Close a round: members can no longer answer; every answer is kept.
    Close { round: i64 },
    /// Every round, newest first, with how many answered.
    List,
    /// Write the monitoring answers to a file (pseudonymous, like `export`).
    Export {
        #[arg(long, value_parser = export_format())]
        format: dwcp_feedback::cli::ExportFormat,
        #[arg(long)]
        out: PathBuf,
        /// Only this round's answers.
        #[arg(long)]
        round: Option<i64>,
    },
}

enum Task {
    Admin(AdminAction),
    Monitor(MonitorAction),
    Window(WindowAction),
    Plan(PlanAction),
    Stats,
    Backup(PathBuf),
    Broadcast(dwcp_feedback::domain::Audience, String),
    Remind(dwcp_feedback::cli::RemindWhat, Option<String>),
    Org(OrgAction),
    Export(
        dwcp_feedback::cli::ExportFormat,
        PathBuf,
        dwcp_feedback::store::ExportFilter,
        Option<(teloxide::Bot, PathBuf)>,
    ),
    Report(
        dwcp_feedback::domain::ReportFormat,
        dwcp_feedback::domain::Lang,
        PathBuf,
        dwcp_feedback::store::ExportFilter,
    ),
}

/// `--format csv|json|xlsx`, listed in --help (the domain's type knows nothing of clap).
fn export_format() -> impl clap::builder::TypedValueParser<Value = dwcp_feedback::cli::ExportFormat>
{
    use dwcp_feedback::cli::ExportFormat;
    clap::builder::PossibleValuesParser::new(ExportFormat::ALL.map(|f| f.extension()))
        .map(|s| ExportFormat::parse(&s).expect("one of the possible values"))
}

impl Task {
    /// Reads only: works on a database this process may not write (an auditor's copy).
    fn only_reads(&self) -> bool {
        matches!(
            self,
            Task::Stats
                | Task::Export(..)
                | Task::Report(..)
                | Task::Backup(_)
                | Task::Plan(PlanAction::Show | PlanAction::Template { .. })
                | Task::Window(WindowAction::Show)
                | Task::Admin(AdminAction::List)
                | Task::Org(OrgAction::List)
                | Task::Monitor(MonitorAction::List | MonitorAction::Export { .. })
        )
    }
}

/// Whether this process may write the database at `url` (a missing file will be created).
fn writable(url: &str) -> bool {
    use std::str::FromStr;
    if url.contains("mode=ro") {
        return false;
    }
    let Ok(options) = sqlx::sqlite::SqliteConnectOptions::from_str(url) else {
        return true;
    };
    let path = options.get_filename();
    !path.exists() || std::fs::OpenOptions::new().write(true).open(path).is_ok()
}

async fn secretariat(database_url: &str, task: Task) -> anyhow::Result<()> {
    use dwcp_feedback::cli;
    let store = if task.only_reads() && !writable(database_url) {
        Store::open_read_only(database_url).await?
    } else {
        Store::open(database_url).await?
    };
    let now = chrono::Utc::now();
    let mut out = std::io::stdout().lock();
    let result = match task {
        Task::Admin(AdminAction::Add { user_id }) => {
            cli::admin_add(&store, user_id, now, &mut out).await
        }
        Task::Admin(AdminAction::Remove { user_id }) => {
            cli::admin_remove(&store, user_id, now, &mut out).await
        }
        Task::Admin(AdminAction::List) => cli::admin_list(&store, &mut out).await,
        Task::Window(WindowAction::Open { until }) => {
            cli::window_set(&store, true, until, now, &mut out).await
        }
        Task::Window(WindowAction::Close) => {
            cli::window_set(&store, false, None, now, &mut out).await
        }
        Task::Window(WindowAction::Show) => cli::window_show(&store, now, &mut out).await,
        Task::Plan(PlanAction::Show) => cli::plan_show(&store, &mut out).await,
        Task::Plan(PlanAction::Import { file }) => {
            let bytes = cli::read_bounded(&file, dwcp_feedback::plan_io::MAX_PLAN_FILE_BYTES)?;
            cli::plan_import(&store, &file.display().to_string(), &bytes, now, &mut out).await
        }
        Task::Plan(PlanAction::Template {
            format,
            out: path,
            filled,
        }) => cli::plan_template(&store, format, &path, filled, &mut out).await,
        Task::Stats => cli::stats(&store, &mut out).await,
        Task::Backup(path) => cli::backup(&store, &path, &mut out).await,
        Task::Broadcast(to, text) => cli::broadcast(&store, &to, &text, now, &mut out).await,
        Task::Remind(what, bot) => cli::remind(&store, &what, bot.as_deref(), now, &mut out).await,
        Task::Org(OrgAction::List) => cli::org_list(&store, &mut out).await,
        Task::Monitor(MonitorAction::Open {
            title,
            until,
            activities,
            audience,
            bot_username,
        }) => {
            cli::monitor::open(
                &store,
                &title,
                until,
                &activities,
                &audience,
                bot_username.as_deref(),
                now,
                &mut out,
            )
            .await
        }
        Task::Monitor(MonitorAction::Close { round }) => {
            cli::monitor::close(&store, round, now, &mut out).await
        }
        Task::Monitor(MonitorAction::List) => cli::monitor::list(&store, now, &mut out).await,
        Task::Monitor(MonitorAction::Export {
            format,
            out: path,
            round,
        }) => cli::monitor::export(&store, format, &path, round, now, &mut out).await,
        Task::Org(OrgAction::Add {
            code,
            en,
            km,
            constituency,
        }) => {
            let org = dwcp_feedback::store::Org {
                abbr: code.clone(),
                code,
                name_en: en,
                name_km: km,
                constituency,
                added: true,
            };
            cli::org_add(&store, &org, now, &mut out).await
        }
        Task::Org(OrgAction::Coordinator {
            action: CoordinatorAction::Add { org, user_id },
        }) => cli::coordinator_add(&store, &org, user_id, now, &mut out).await,
        Task::Org(OrgAction::Coordinator {
            action: CoordinatorAction::Remove { user_id },
        }) => cli::coordinator_remove(&store, user_id, now, &mut out).await,
        Task::Export(format, path, filter, voice) => {
            cli::export(&store, format, &path, filter, voice, now, &mut out).await
        }
        Task::Report(format, lang, path, filter) => {
            cli::report(&store, format, lang, &path, filter, now, &mut out).await
        }
    };
    store.close().await;
    result
}
