use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use dwcp_feedback::domain::Lang;
use dwcp_feedback::{telegram::App, Config, Store, SystemClock};

/// Telegram bot and tools for tripartite feedback on Cambodia's DWCP 2026-2027 work plan.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the bot (long polling). The default when no command is given.
    ///
    /// Reads TELOXIDE_TOKEN (from @BotFather), and optionally TELOXIDE_API_URL, DATABASE_URL
    /// (default sqlite://dwcp-feedback.db, created on first run), DWCP_ADMINS (comma-separated
    /// Telegram user ids), DWCP_PACING (on|off) and RUST_LOG.
    Run,
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
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| format!("`{s}` is not km or en"))
}

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
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Cmd::Run) {
        Cmd::Run => run().await,
        Cmd::Try { lang, db } => try_chat(lang, db).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    let app = App::build(&config, Arc::new(SystemClock)).await?;
    app.run(true).await;
    Ok(())
}

async fn try_chat(lang: Option<Lang>, db: Option<PathBuf>) -> anyhow::Result<()> {
    let temp = tempfile::tempdir()?;
    let path = db.unwrap_or_else(|| temp.path().join("try.db"));
    let store = Store::open(&format!("sqlite://{}", path.display())).await?;
    let stdin = tokio::io::BufReader::new(tokio::io::stdin());
    dwcp_feedback::try_chat::run(
        store.clone(),
        lang,
        Arc::new(SystemClock),
        stdin,
        tokio::io::stdout(),
    )
    .await?;
    store.close().await;
    Ok(())
}
