//! The `salescope` command: import data, load the demo organisation, serve the API, maintain the
//! store. (The benchmarks are a developer task: `cargo xtask bench`.)

mod actions_cmd;
mod args;
mod audit_cmd;
mod calendar_cmd;
mod config;
mod conversation_cmd;
mod demo;
mod kpi_cmd;
mod pipeline_cmd;
mod progress;
mod report_cmd;
mod scoring_cmd;
mod table;
mod targets_cmd;
mod training_cmd;
mod user_cmd;

use anyhow::Context;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use config::{Config, Given};
use salescope_app::clock::Clock;
use salescope_core::access::WriteScope;
use salescope_core::i18n::Lang;
use salescope_core::schema::Kind;
use salescope_import::{Encoding, ImportError, ImportOptions};
use salescope_store::Db;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Exit status of a strict import that rejected rows (1 is any other failure, 2 a usage error).
const EXIT_STRICT_REJECTED: u8 = 3;

#[derive(Parser)]
#[command(name = "salescope", version, about = "Sales performance and training effectiveness, self-hosted.")]
struct Cli {
    /// Store to use: sqlite://FILE (default sqlite://salescope.db) or postgres://USER@HOST/DB.
    #[arg(long, env = "SALESCOPE_DATABASE_URL", global = true)]
    database_url: Option<String>,
    /// Configuration file (default: salescope.toml in the working directory, if present).
    #[arg(long, env = "SALESCOPE_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Language of messages and reports: en or zh-CN (default: from the locale).
    #[arg(long, env = "SALESCOPE_LANG", global = true)]
    lang: Option<String>,
    /// Compute as of this date (YYYY-MM-DD) instead of today: pace, default periods.
    #[arg(long, env = "SALESCOPE_TODAY", global = true)]
    today: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Import a CSV, XLSX or JSON file of one record kind.
    Import(ImportArgs),
    /// Recompute the per-rep daily totals from the raw records.
    Rollup {
        /// Rebuild the totals and report whether they had drifted.
        #[arg(long)]
        rebuild: bool,
    },
    /// KPI values for a scope and period, with target, pace, 环比, 同比 and rank.
    Kpi(kpi_cmd::KpiArgs),
    /// Set, list and split targets (目标拆解).
    Target {
        #[command(subcommand)]
        action: targets_cmd::TargetAction,
    },
    /// The working-day calendar: Chinese public holidays, make-up working days, your changes.
    Calendar {
        #[command(subcommand)]
        action: calendar_cmd::CalendarAction,
    },
    /// Daily tracking of reps whose pace falls short (升级为每日跟踪).
    Tracking {
        #[command(subcommand)]
        action: targets_cmd::TrackingAction,
    },
    /// The review sheets: daily tracking, weekly summary, monthly review (JSON, CSV, XLSX).
    Report {
        #[command(subcommand)]
        action: report_cmd::ReportAction,
    },
    /// Problems and improvement actions, verified against the data (问题分析与改进表).
    Actions {
        #[command(subcommand)]
        action: actions_cmd::ActionsAction,
    },
    /// The data-quality audit: sample daily reports, record checks, reconcile with the records.
    Audit {
        #[command(subcommand)]
        action: audit_cmd::AuditAction,
    },
    /// Conversation analytics: behaviour metrics of transcribed calls.
    Conversation {
        #[command(subcommand)]
        action: conversation_cmd::ConversationAction,
    },
    /// The sales process: its stages, funnel, weighted pipeline, stuck deals, revenue volatility.
    Pipeline {
        /// A configured pipeline's id (default: the first configured).
        #[arg(long, global = true)]
        pipeline: Option<String>,
        #[command(subcommand)]
        action: pipeline_cmd::PipelineAction,
    },
    /// The revenue a period will close, forecast from the stage history; `backtest` replays past quarters.
    #[command(args_conflicts_with_subcommands = true)]
    Forecast {
        #[command(subcommand)]
        action: Option<pipeline_cmd::ForecastAction>,
        #[command(flatten)]
        args: pipeline_cmd::ForecastArgs,
    },
    /// Leads: who should take a new lead.
    Leads {
        #[command(subcommand)]
        action: pipeline_cmd::LeadsAction,
    },
    /// Coaching: each rep's gaps against the team, ranked by cost.
    Coaching {
        #[command(subcommand)]
        action: pipeline_cmd::CoachingAction,
    },
    /// Calls: the best time to call.
    Calls {
        #[command(subcommand)]
        action: pipeline_cmd::CallsAction,
    },
    /// Training: the plan, sign-in sheets, and each course's effectiveness and ROI.
    Training {
        #[command(subcommand)]
        action: training_cmd::TrainingAction,
    },
    /// Weighted KPI sets per role, for composite scores.
    Scorecard {
        #[command(subcommand)]
        action: scoring_cmd::ScorecardAction,
    },
    /// Composite scores of reps (or teams) for a period.
    Scores(scoring_cmd::ScoresArgs),
    /// Reps (or teams) ranked by a KPI or the composite score (月度销冠).
    Leaderboard(scoring_cmd::LeaderboardArgs),
    /// Fill the store with the demo organisation.
    Demo(DemoArgs),
    /// Serve the web application and the HTTP API.
    Serve(ServeArgs),
    /// Accounts: add, list, passwd, disable, enable.
    User {
        #[command(subcommand)]
        action: user_cmd::UserAction,
    },
    /// API tokens for the ingestion API: add, list, revoke.
    Token {
        #[command(subcommand)]
        action: user_cmd::TokenAction,
    },
    /// Show or change the organisation's settings (time zone, entry-rule severities).
    Settings {
        #[command(subcommand)]
        action: Option<SettingsAction>,
    },
    /// Print the effective configuration and where each value comes from.
    Config,
    /// Write a consistent copy of the SQLite store to FILE while it stays in use.
    Backup { file: PathBuf },
}

#[derive(Args)]
struct ImportArgs {
    /// reps, customers, calls, activities, leads, deals, deal-stages, feedback, daily-reports,
    /// courses, sessions, attendance, assessments, training-feedback, `measure NAME` for the
    /// values of a custom measure, or `transcripts FILE|FOLDER`.
    kind: String,
    /// The file; for `measure`, the measure's name and then the file.
    #[arg(num_args = 1..=2, required = true)]
    target: Vec<String>,
    /// Sheet of a workbook to read (default: the first).
    #[arg(long)]
    sheet: Option<String>,
    /// TOML file mapping this file's headers to Salescope fields.
    #[arg(long)]
    mapping: Option<PathBuf>,
    /// Store nothing if any row is rejected.
    #[arg(long)]
    strict: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Text encoding of a CSV file: auto, utf-8, gbk (GB18030) or utf-16.
    #[arg(long, default_value = "auto")]
    encoding: String,
    /// Severity of a rule for this import only, e.g. --rule won_deal_without_contract=warning.
    #[arg(long = "rule", value_name = "RULE=SEVERITY")]
    rules: Vec<String>,
    /// Transcripts from speech recognition: the channel that is the agent (0 or 1).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=1))]
    agent_channel: u8,
}

#[derive(Args, Clone)]
struct DemoArgs {
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Sales reps, team leads included.
    #[arg(long, default_value_t = 48)]
    reps: usize,
    #[arg(long, default_value_t = 12)]
    months: u32,
    /// Last day of the demo period, YYYY-MM-DD (default: today).
    #[arg(long)]
    until: Option<String>,
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long, env = "SALESCOPE_BIND")]
    bind: Option<String>,
    /// Load the demo organisation first (skipped when the same demo is already loaded).
    #[arg(long)]
    demo: bool,
    #[command(flatten)]
    demo_args: DemoArgs,
}

#[derive(Subcommand)]
enum SettingsAction {
    /// Change one setting, e.g. `settings set rule.won_deal_without_contract warning`.
    Set { key: String, value: String },
}

/// Rust ignores SIGPIPE, so printing into a closed pipe (`salescope kpi all | head`) would
/// panic; restore the default so the command ends quietly, as other command-line tools do.
#[cfg(unix)]
#[allow(unsafe_code)]
fn restore_sigpipe() {
    // SAFETY: setting a signal disposition to its default before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn restore_sigpipe() {}

/// mimalloc rather than the system allocator: an import allocates each record's strings on the
/// reader thread and frees them on the writer's, a pattern glibc's allocator serves slowly.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    restore_sigpipe();
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let serve_bind = match &cli.command {
        Command::Serve(args) => {
            Given { value: args.bind.clone(), source: matches.subcommand_matches("serve").and_then(|m| m.value_source("bind")) }
        }
        _ => Given { value: None, source: None },
    };
    let config = Config::load(
        Given { value: cli.config.clone(), source: matches.value_source("config") },
        Given { value: cli.database_url.clone(), source: matches.value_source("database_url") },
        serve_bind,
        Given { value: cli.lang.clone(), source: matches.value_source("lang") },
    );
    let config = match config {
        Ok(config) => config,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let default_log = if matches!(cli.command, Command::Serve(_)) { "info" } else { "warn" };
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("SALESCOPE_LOG").unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_log));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();

    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let today = match cli.today.as_deref().map(|t| salescope_core::time::parse_date(t, &Default::default())) {
        None => None,
        Some(Some(day)) => Some(day),
        Some(None) => {
            eprintln!("error: --today must be a date (YYYY-MM-DD)");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, config, Clock::with_today(today))) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn open_store(config: &Config) -> anyhow::Result<Db> {
    let url = &config.database_url.value;
    Db::open(url).await.with_context(|| format!("cannot open the store at {}", salescope_store::redact_url(url)))
}

/// While the server runs: daily tracking and the check of improvement actions that fell due,
/// once a day in the organisation's time zone (looked at every quarter of an hour).
async fn daily_routine(db: Db, clock: Clock) {
    let mut ticker = tokio::time::interval(std::time::Duration::from_secs(15 * 60));
    loop {
        ticker.tick().await;
        let today = match db.settings().await {
            Ok(settings) => clock.today(&settings.zone),
            Err(e) => {
                tracing::warn!("daily routine: cannot read the settings: {e}");
                continue;
            }
        };
        match salescope_engine::routine::run_daily(&db, today).await {
            Ok(Some(run)) => tracing::info!(
                day = %run.day,
                tracking_changes = run.tracking.iter().filter(|t| t.change != salescope_engine::targets::TrackingChange::Continues).count(),
                on_tracking = run.tracking.iter().filter(|t| t.change != salescope_engine::targets::TrackingChange::Ended).count(),
                actions_marked = run.actions.len(),
                "daily routine ran"
            ),
            Ok(None) => {}
            Err(e) => tracing::warn!("daily routine failed: {}", e.message(Lang::En)),
        }
    }
}

async fn run(command: Command, config: Config, clock: Clock) -> anyhow::Result<ExitCode> {
    let lang = config.lang.value;
    match command {
        Command::Config => {
            print!("{}", config.render());
            Ok(ExitCode::SUCCESS)
        }
        Command::Import(args) => import(args, &config, clock).await,
        Command::Kpi(args) => {
            let db = open_store(&config).await?;
            let today = today_of(&db, clock).await?;
            kpi_cmd::run(args, &db, lang, today).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Target { action } => {
            let db = open_store(&config).await?;
            let today = today_of(&db, clock).await?;
            targets_cmd::target(action, &db, lang, today).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Calendar { action } => {
            let db = open_store(&config).await?;
            let today = today_of(&db, clock).await?;
            calendar_cmd::run(action, &db, lang, today).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Tracking { action } => {
            let db = open_store(&config).await?;
            let today = today_of(&db, clock).await?;
            targets_cmd::tracking(action, &db, lang, today).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Report { action } => {
            let db = open_store(&config).await?;
            let today = today_of(&db, clock).await?;
            report_cmd::run(action, &db, lang, today).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Actions { action } => {
            let db = open_store(&config).await?;
            let today = today_of(&db, clock).await?;
            actions_cmd::run(action, &db, lang, today).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { action } => {
            let db = open_store(&config).await?;
            let today = today_of(&db, clock).await?;
            audit_cmd::run(action, &db, lang, today).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Conversation { action: conversation_cmd::ConversationAction::Sentiment { format } } => {
            conversation_cmd::sentiment(&format, lang)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Conversation { action } => {
            let db = open_store(&config).await?;
            let today = today_of(&db, clock).await?;
            conversation_cmd::run(action, &db, lang, today).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Pipeline { pipeline, action } => {
            let db = open_store(&config).await?;
            let today = today_of(&db, clock).await?;
            pipeline_cmd::run(action, pipeline.as_deref(), &db, lang, today).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Forecast { action, args } => {
            let db = open_store(&config).await?;
            let today = today_of(&db, clock).await?;
            pipeline_cmd::forecast(action, args, &db, lang, today).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Leads { action } => {
            let db = open_store(&config).await?;
            let today = today_of(&db, clock).await?;
            pipeline_cmd::leads(action, &db, lang, today).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Coaching { action } => {
            let db = open_store(&config).await?;
            let today = today_of(&db, clock).await?;
            pipeline_cmd::coaching(action, &db, lang, today).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Calls { action } => {
            let db = open_store(&config).await?;
            let today = today_of(&db, clock).await?;
            pipeline_cmd::calls(action, &db, lang, today).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Training { action } => {
            let db = open_store(&config).await?;
            let today = today_of(&db, clock).await?;
            training_cmd::run(action, &db, lang, today).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Scorecard { action } => {
            let db = open_store(&config).await?;
            scoring_cmd::scorecard_cmd(action, &db, lang).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Scores(args) => {
            let db = open_store(&config).await?;
            let today = today_of(&db, clock).await?;
            scoring_cmd::scores_cmd(args, &db, lang, today).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Leaderboard(args) => {
            let db = open_store(&config).await?;
            let today = today_of(&db, clock).await?;
            scoring_cmd::leaderboard_cmd(args, &db, lang, today).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Rollup { rebuild } => {
            let db = open_store(&config).await?;
            if !rebuild {
                println!(
                    "{} (rep, day) rows of totals are stored; run with --rebuild to recompute them from the raw records.",
                    db.rollup_rows().await?.len()
                );
                return Ok(ExitCode::SUCCESS);
            }
            let before = db.rollup_rows().await?;
            let started = std::time::Instant::now();
            let rows = db.rebuild_rollups().await?;
            let after = db.rollup_rows().await?;
            let drift = if before == after { "identical to the stored totals" } else { "the stored totals had drifted and were replaced" };
            println!("Rebuilt {rows} (rep, day) rows in {:.2} s: {drift}.", started.elapsed().as_secs_f64());
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo(args) => {
            let db = open_store(&config).await?;
            let params = demo_params(&args, &db, clock).await?;
            demo::load(&db, params, lang, true).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => {
            let db = open_store(&config).await?;
            let demo_logins = if args.demo {
                let params = demo_params(&args.demo_args, &db, clock).await?;
                demo::load(&db, params, lang, false).await?;
                demo::users(&db).await?
            } else {
                Vec::new()
            };
            let first_admin = salescope_app::accounts::first_admin(&db).await?;
            let bind = &config.bind.value;
            let listener = tokio::net::TcpListener::bind(bind).await.with_context(|| format!("cannot listen on {bind}"))?;
            let address = listener.local_addr()?;
            println!("Salescope {} is serving the {} store at http://{address}", env!("CARGO_PKG_VERSION"), db.backend().name());
            println!("  open:      http://{address}/ in a browser and log in");
            if let Some(password) = first_admin {
                println!("  first start: created the account `admin` with password {password}");
                println!("               (change it with `salescope user passwd admin`; add people with `salescope user add`)");
            }
            if !demo_logins.is_empty() {
                println!("  demo logins (password {}):", salescope_app::accounts::DEMO_PASSWORD);
                for (login, role, name) in &demo_logins {
                    println!("    {login:<8} {role:<10} {name}");
                }
            }
            println!("  health:    http://{address}/healthz");
            println!("  ingestion: POST http://{address}/api/v1/ingest/{{kind}} with a JSON array of records and a token");
            println!("             from `salescope token add LOGIN --name NAME` as `Authorization: Bearer <token>`");
            println!("  API:       http://{address}/api/v1/openapi.json describes every route");
            println!("Press Ctrl-C to stop.");
            let routine = tokio::spawn(daily_routine(db.clone(), clock));
            salescope_web::serve(listener, salescope_web::AppState::new(db.clone(), clock)).await?;
            routine.abort();
            db.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::User { action } => {
            let db = open_store(&config).await?;
            user_cmd::run_user(action, &db).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Token { action } => {
            let db = open_store(&config).await?;
            user_cmd::run_token(action, &db).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Settings { action } => {
            let db = open_store(&config).await?;
            if let Some(SettingsAction::Set { key, value }) = action
                && let Err(e) = db.set_setting(&key, &value).await?
            {
                anyhow::bail!("{e}");
            }
            for (key, value) in db.settings().await?.entries() {
                println!("{key} = {value}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { file } => {
            let db = open_store(&config).await?;
            anyhow::ensure!(!file.exists(), "{} already exists; choose a new file", file.display());
            let path = file.to_str().context("the backup path must be valid UTF-8")?;
            if db.backup_sqlite(path).await? {
                println!("Backed up the store to {}", file.display());
                Ok(ExitCode::SUCCESS)
            } else {
                anyhow::bail!("backups of a PostgreSQL store are made with pg_dump, which is consistent while Salescope serves");
            }
        }
    }
}

/// `--today`, or the organisation's date now.
async fn today_of(db: &Db, clock: Clock) -> anyhow::Result<salescope_core::time::Day> {
    Ok(clock.today(&db.settings().await?.zone))
}

async fn import(args: ImportArgs, config: &Config, clock: Clock) -> anyhow::Result<ExitCode> {
    let lang = config.lang.value;
    if matches!(args.kind.trim(), "transcripts" | "transcript") {
        return import_transcripts(args, config, clock).await;
    }
    let kind = Kind::from_id(&args.kind).with_context(|| {
        let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.id()).collect();
        lang.format("error.unknown_kind", &[("kind", &args.kind), ("kinds", &kinds.join(", "))])
    })?;
    let encoding =
        Encoding::from_name(&args.encoding).with_context(|| format!("unknown encoding `{}` (auto, utf-8, gbk, utf-16)", args.encoding))?;
    let (measure, file) = match (kind, args.target.as_slice()) {
        (Kind::Measures, [name, file]) => (Some(name.clone()), PathBuf::from(file)),
        (_, [file]) => (None, PathBuf::from(file)),
        _ => anyhow::bail!("give one file (for measures: the measure's name, then the file)"),
    };
    if let Some(name) = &measure {
        anyhow::ensure!(
            salescope_core::records::is_valid_measure_name(name),
            "`{name}` cannot name a measure: use lower-case letters, digits and _, not a built-in measure's name"
        );
    }
    let db = open_store(config).await?;
    let zone = db.settings().await?.zone;
    let source_name = file.display().to_string();
    let mut options = ImportOptions::new(kind, &source_name, clock.now(&zone));
    options.defaults = measure.map(|name| vec![("measure".to_string(), name)]).unwrap_or_default();
    options.strict = args.strict;
    options.lang = lang;
    if let Some(mapping) = &args.mapping {
        salescope_import::read_mapping_file(mapping).map_err(|e| anyhow::anyhow!(e.message(lang)))?.apply(&mut options);
    }
    // The command line's rules come last: they override the mapping file's.
    options.rule_overrides.extend(args.rules);
    let progress = Arc::new(progress::Bar::bytes());
    let result = salescope_import::import_file(&db, kind, &file, args.sheet.as_deref(), encoding, &options, progress).await;
    db.close().await;
    let report = match result {
        Ok(report) => report,
        Err(ImportError::Store(e)) => return Err(e.into()),
        Err(e) => {
            eprintln!("error: {}", e.message(lang));
            return Ok(ExitCode::FAILURE);
        }
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.render_text());
    }
    Ok(if report.committed { ExitCode::SUCCESS } else { ExitCode::from(EXIT_STRICT_REJECTED) })
}

/// `import transcripts FILE|FOLDER`: every transcript file, a folder read recursively.
async fn import_transcripts(args: ImportArgs, config: &Config, clock: Clock) -> anyhow::Result<ExitCode> {
    let lang = config.lang.value;
    let [target] = args.target.as_slice() else { anyhow::bail!("give one file or folder of transcripts") };
    let path = PathBuf::from(target);
    let mut files = Vec::new();
    let paths = salescope_import::transcripts::transcript_files(&path)
        .map_err(|e| anyhow::anyhow!(lang.format("error.file_unreadable", &[("file", &path.display()), ("detail", &e)])))?;
    for file in paths {
        let bytes = std::fs::read(&file)
            .map_err(|e| anyhow::anyhow!(lang.format("error.file_unreadable", &[("file", &file.display()), ("detail", &e)])))?;
        files.push((file.display().to_string(), bytes));
    }
    let db = open_store(config).await?;
    let now = clock.now(&db.settings().await?.zone);
    let report =
        salescope_import::transcripts::import_transcripts(&db, target, files, args.agent_channel, now, &WriteScope::Everything, lang)
            .await
            .map_err(|e| anyhow::anyhow!(e.message(lang)))?;
    db.close().await;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.render_text());
    }
    Ok(ExitCode::SUCCESS)
}

/// The demo's parameters; its "now" is the clock in the organisation's zone, so nothing is
/// recorded after the moment it is loaded.
async fn demo_params(args: &DemoArgs, db: &Db, clock: Clock) -> anyhow::Result<salescope_demo::DemoParams> {
    let now = clock.now(&db.settings().await?.zone);
    let until = match &args.until {
        Some(text) => {
            salescope_core::time::parse_date(text, &Default::default()).with_context(|| format!("`{text}` is not a date (YYYY-MM-DD)"))?
        }
        None => now.day(),
    };
    anyhow::ensure!(args.reps >= 1, "the demo needs at least one rep");
    anyhow::ensure!((1..=60).contains(&args.months), "--months must be between 1 and 60");
    Ok(salescope_demo::DemoParams { seed: args.seed, reps: args.reps, months: args.months, until, now })
}
