//! The `fleetdeck` command: the dashboard window, `check` for layouts, `export` for
//! a panel's data without a window.

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use fleetdeck::app::{AppOptions, FleetApp, Theme, apply_theme};
use fleetdeck::clock::{Clock, DisplayZone};
use fleetdeck::export::{ExportFormat, export_panel, write_csv, write_json};
use fleetdeck::layout::{Layout, load_layout, parse_layout};
use fleetdeck::time_range::{TimeExpr, TimeRange};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The layout opened when none is named.
const DEFAULT_LAYOUT: &str = "layouts/demo-fleet.toml";
/// The same layout built in, so the binary runs from any directory.
const BUILTIN_DEMO_LAYOUT: &str = include_str!("../layouts/demo-fleet.toml");

/// Native dashboard for AI inference fleets: latency, accelerator utilisation and
/// spend from Prometheus, CloudWatch and a built-in simulated fleet.
#[derive(Parser)]
#[command(name = "fleetdeck", version, args_conflicts_with_subcommands = true)]
struct Cli {
    /// Layout file to open (default: layouts/demo-fleet.toml, the simulated fleet).
    layout: Option<PathBuf>,
    /// Start full screen (wall display).
    #[arg(long)]
    fullscreen: bool,
    /// Colour theme.
    #[arg(long, value_enum, default_value_t = ThemeArg::Dark)]
    theme: ThemeArg,
    /// Show times in UTC instead of local time.
    #[arg(long)]
    utc: bool,
    /// Desktop notification when an alarm starts firing (rate-limited).
    #[arg(long)]
    notify: bool,
    /// Pin "now" to this instant (RFC 3339), for reproducible screenshots.
    #[arg(long, value_name = "TIME")]
    now: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Validate layout files; prints `file:line:col: message` per problem, exits 1 if any.
    Check {
        /// Layout files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print every alarm of a layout — its alarm sources and local rules — without a
    /// window. Exits 0 when nothing is firing, 1 when something is, 2 on error.
    Alarms {
        /// The layout file.
        layout: PathBuf,
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Keep polling at the layout's refresh interval, printing each time.
        #[arg(long)]
        watch: bool,
        /// With --watch: a desktop notification when an alarm starts firing
        /// (rate-limited), as the dashboard's --notify.
        #[arg(long, requires = "watch")]
        notify: bool,
        /// Show times in UTC.
        #[arg(long)]
        utc: bool,
        /// Pin "now" to this instant (RFC 3339).
        #[arg(long, value_name = "TIME")]
        now: Option<String>,
    },
    /// Write one panel's series to stdout without opening a window.
    Export {
        /// Layout file.
        layout: PathBuf,
        /// Title of the panel to export.
        #[arg(long)]
        panel: String,
        /// Start of the range (`now-15m`, RFC 3339, …); default: the layout's.
        #[arg(long)]
        from: Option<String>,
        /// End of the range; default: the layout's.
        #[arg(long)]
        to: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
        format: ExportFormat,
        /// Plot width in pixels the step is planned for (Grafana's maxDataPoints).
        #[arg(long, default_value_t = 1200)]
        width: u32,
        /// Pin "now" to this instant (RFC 3339).
        #[arg(long, value_name = "TIME")]
        now: Option<String>,
    },
    /// Serve the simulated fleet as a Prometheus exporter (vLLM, DCGM, Neuron, Triton
    /// metrics) and/or publish it to CloudWatch (SageMaker, Bedrock).
    Simulate(SimulateArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum ThemeArg {
    Dark,
    Light,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let outcome = match cli.command {
        Some(Command::Check { files }) => check(&files),
        Some(Command::Alarms {
            layout,
            json,
            watch,
            notify,
            utc,
            now,
        }) => alarms(&layout, json, watch, notify, utc, now.as_deref()),
        Some(Command::Export {
            layout,
            panel,
            from,
            to,
            format,
            width,
            now,
        }) => export(&layout, &panel, from, to, format, width, now.as_deref()),
        Some(Command::Simulate(args)) => simulate(args),
        None => run_gui(&cli),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("fleetdeck: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn clock_from(now: Option<&str>) -> Result<Clock> {
    match now {
        None => Ok(Clock::System),
        Some(text) => match TimeExpr::parse(text)? {
            TimeExpr::Absolute(instant) => Ok(Clock::Fixed(instant)),
            TimeExpr::Relative { .. } => {
                bail!("--now needs an absolute time such as 2026-11-25T12:00:00Z")
            }
        },
    }
}

fn check(files: &[PathBuf]) -> Result<ExitCode> {
    let mut failed = false;
    for file in files {
        match load_layout(file) {
            Ok(layout) => {
                println!(
                    "{}: ok ({} panels, {} sources)",
                    file.display(),
                    layout.file.panels.len(),
                    layout.file.sources.len()
                );
                print_cloudwatch_cost(&layout);
                print_cost_explorer_cost(&layout);
            }
            Err(errors) => {
                failed = true;
                eprintln!("{errors}");
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn alarms(
    layout_path: &Path,
    json: bool,
    watch: bool,
    notify: bool,
    utc: bool,
    now: Option<&str>,
) -> Result<ExitCode> {
    const FIRING: u8 = 1;
    const ERROR: u8 = 2;
    let layout = match load_layout(layout_path) {
        Ok(layout) => layout,
        Err(errors) => {
            eprintln!("{errors}");
            return Ok(ExitCode::from(ERROR));
        }
    };
    if !fleetdeck::alarm::collect::has_alarms(&layout) {
        eprintln!(
            "{}: no alarm panels and no [[rules]]: nothing to check",
            layout_path.display()
        );
        return Ok(ExitCode::from(ERROR));
    }
    let clock = clock_from(now)?;
    let zone = if utc {
        DisplayZone::Utc
    } else {
        DisplayZone::Local
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mut notifier = fleetdeck::alarm::notify::Notifier::new(notify);
    loop {
        let collected = runtime.block_on(fleetdeck::alarm::collect::collect(&layout, clock));
        // Firings newer than two polls (and a minute's grace) are news; older ones
        // were there before the watch began.
        let recent_ms = 2 * layout.refresh.as_millis() as i64 + 60_000;
        notifier.update(
            &collected.alarms,
            clock.now().timestamp_millis(),
            recent_ms,
            runtime.handle(),
        );
        for error in &collected.errors {
            eprintln!("fleetdeck alarms: {error}");
        }
        if json {
            println!("{}", fleetdeck::alarm::report::json(&collected.alarms));
        } else if collected.alarms.is_empty() && !collected.errors.is_empty() {
            // "no alarms" would claim more than is known.
        } else {
            print!(
                "{}",
                fleetdeck::alarm::report::table(&collected.alarms, zone)
            );
        }
        if !watch {
            return Ok(ExitCode::from(if !collected.errors.is_empty() {
                ERROR
            } else if collected.firing() {
                FIRING
            } else {
                0
            }));
        }
        std::thread::sleep(layout.refresh);
        if !json {
            println!();
        }
    }
}

/// The projected CloudWatch bill of a layout, so nobody puts a $50/day layout on a
/// wall by accident.
fn print_cloudwatch_cost(layout: &fleetdeck::layout::Layout) {
    let now_ms = chrono::Utc::now().timestamp_millis();
    for (source, estimate) in fleetdeck::source::cloudwatch::cost::estimate(layout, now_ms) {
        let refresh = humantime_secs(layout.refresh);
        let usd = estimate.usd_per_day(layout.refresh);
        let at_least = if estimate.wildcard_queries > 0 {
            format!(
                " (at least: {} queries with `*` dimensions count once each here, once per match when run)",
                estimate.wildcard_queries
            )
        } else {
            String::new()
        };
        println!(
            "  source `{source}`: {} metrics in {} GetMetricData call(s) per refresh; at refresh {refresh}: ${usd:.2}/day, ${:.2}/30 days{at_least}",
            estimate.metrics,
            estimate.calls,
            usd * 30.0
        );
    }
}

/// The projected Cost Explorer bill: $0.01 a request, bought once per cache TTL.
fn print_cost_explorer_cost(layout: &fleetdeck::layout::Layout) {
    let now_ms = chrono::Utc::now().timestamp_millis();
    for (source, estimate) in fleetdeck::source::costexplorer::cost::estimate(layout, now_ms) {
        let usd = estimate.usd_per_day();
        println!(
            "  source `{source}`: {} GetCostAndUsage request(s) every {} (the slower of refresh and cache_ttl): ${usd:.2}/day, ${:.2}/30 days",
            estimate.requests,
            humantime_secs(estimate.interval),
            usd * 30.0
        );
    }
}

/// A refresh interval as the layout writes it (`10s`, `1m`).
fn humantime_secs(duration: std::time::Duration) -> String {
    let secs = duration.as_secs();
    if secs >= 3600 && secs.is_multiple_of(3600) {
        format!("{}h", secs / 3600)
    } else if secs >= 60 && secs.is_multiple_of(60) {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}

fn export(
    layout_path: &Path,
    panel: &str,
    from: Option<String>,
    to: Option<String>,
    format: ExportFormat,
    width: u32,
    now: Option<&str>,
) -> Result<ExitCode> {
    let layout = load_layout(layout_path).map_err(|errors| anyhow::anyhow!("{errors}"))?;
    let from = from.unwrap_or_else(|| layout.file.time.from.get_ref().clone());
    let to = to.unwrap_or_else(|| layout.file.time.to.get_ref().clone());
    let range = TimeRange::parse(&from, &to)?;
    let clock = clock_from(now)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let series = runtime.block_on(export_panel(&layout, panel, &range, clock, width))?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match format {
        ExportFormat::Csv => write_csv(&series, &mut out)?,
        ExportFormat::Json => write_json(&series, &mut out)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Options of `fleetdeck simulate`.
#[derive(clap::Args)]
struct SimulateArgs {
    /// Address to serve the Prometheus exporter on; port 0 picks a free port
    /// (printed on stderr). Default 127.0.0.1:9400 unless only publishing to
    /// CloudWatch.
    #[arg(long)]
    listen: Option<std::net::SocketAddr>,
    /// Seed of the simulated fleet.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Also publish the fleet to CloudWatch at this endpoint (an emulator such as
    /// ministack, or https://monitoring.REGION.amazonaws.com) with PutMetricData,
    /// as AWS/SageMaker, /aws/sagemaker/Endpoints and AWS/Bedrock. Credentials
    /// come from the AWS credential chain.
    #[arg(long)]
    cloudwatch_endpoint: Option<String>,
    /// Region for --cloudwatch-endpoint.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// History to publish at start (`3h`, `30m`).
    #[arg(long, default_value = "3h")]
    backfill: String,
    /// Publish the history and exit (with --cloudwatch-endpoint and no --listen).
    #[arg(long)]
    once: bool,
}

fn simulate(args: SimulateArgs) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let mut publisher = None;
        if let Some(endpoint) = &args.cloudwatch_endpoint {
            let backfill = fleetdeck::time_range::parse_duration(&args.backfill)
                .with_context(|| format!("--backfill {}", args.backfill))?;
            let settings = fleetdeck::source::cloudwatch::client::ClientSettings {
                service: "CloudWatch",
                permissions: "cloudwatch:PutMetricData",
                region: args.region.clone(),
                profile: None,
                endpoint_url: Some(endpoint.clone()),
                timeout: std::time::Duration::from_secs(30),
            };
            let client = fleetdeck::source::cloudwatch::client::build(&settings).await;
            let fleet = fleetdeck::source::demo::fleet::Fleet::new(args.seed);
            let now_ms = chrono::Utc::now().timestamp_millis();
            let this_minute = now_ms.div_euclid(60_000) * 60_000;
            let from_ms = this_minute - backfill.as_millis() as i64;
            let sent =
                fleetdeck::simulate::cloudwatch::publish(&client, &fleet, from_ms, this_minute)
                    .await?;
            eprintln!(
                "fleetdeck simulate: published {sent} datums ({} of history) to CloudWatch at {endpoint}",
                args.backfill
            );
            if args.once && args.listen.is_none() {
                return Ok(ExitCode::SUCCESS);
            }
            publisher = Some(tokio::spawn(async move {
                let mut next = this_minute;
                loop {
                    // Publish each minute once it is over, a second late.
                    let wait = next + 61_000 - chrono::Utc::now().timestamp_millis();
                    tokio::time::sleep(std::time::Duration::from_millis(wait.max(0) as u64)).await;
                    match fleetdeck::simulate::cloudwatch::publish(&client, &fleet, next, next + 60_000).await {
                        Ok(_) => next += 60_000,
                        Err(error) => eprintln!("fleetdeck simulate: {error:#}"),
                    }
                }
            }));
        }
        let listen = match (args.listen, &publisher) {
            (Some(listen), _) => Some(listen),
            (None, None) => Some("127.0.0.1:9400".parse()?),
            (None, Some(_)) => None,
        };
        match listen {
            Some(listen) => {
                let (bound, server) = fleetdeck::simulate::http::spawn(listen, args.seed)
                    .await
                    .with_context(|| format!("cannot listen on {listen}"))?;
                eprintln!("fleetdeck simulate: serving the simulated fleet at http://{bound}/metrics");
                server.await.context("server task failed")??;
            }
            None => {
                if let Some(publisher) = publisher {
                    publisher.await.context("publisher task failed")?;
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn open_layout(path: Option<&Path>) -> Result<Layout> {
    match path {
        Some(path) => load_layout(path).map_err(|errors| anyhow::anyhow!("{errors}")),
        None if Path::new(DEFAULT_LAYOUT).exists() => {
            load_layout(Path::new(DEFAULT_LAYOUT)).map_err(|errors| anyhow::anyhow!("{errors}"))
        }
        None => parse_layout(BUILTIN_DEMO_LAYOUT, Path::new("<built-in demo-fleet.toml>"))
            .map_err(|errors| anyhow::anyhow!("{errors}")),
    }
}

fn run_gui(cli: &Cli) -> Result<ExitCode> {
    let layout = open_layout(cli.layout.as_deref())?;
    let options = AppOptions {
        notify: cli.notify,
        clock: clock_from(cli.now.as_deref())?,
        zone: if cli.utc {
            DisplayZone::Utc
        } else {
            DisplayZone::Local
        },
        theme: match cli.theme {
            ThemeArg::Dark => Theme::Dark,
            ThemeArg::Light => Theme::Light,
        },
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("fleetdeck-poll")
        .build()
        .context("cannot start the polling runtime")?;
    let title = format!("fleetdeck — {}", layout.file.title);
    let viewport = egui::ViewportBuilder::default()
        .with_title(&title)
        .with_inner_size([1600.0, 1000.0])
        .with_min_inner_size([640.0, 400.0])
        .with_fullscreen(cli.fullscreen);
    let native = eframe::NativeOptions {
        viewport,
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    let handle = runtime.handle().clone();
    eframe::run_native(
        &title,
        native,
        Box::new(move |cc| {
            apply_theme(&cc.egui_ctx, options.theme);
            let mut app = FleetApp::new(layout, options).with_runtime(handle);
            if let Some(path) = fleetdeck::alarm::ack::default_path() {
                app = app.with_ack_file(&path);
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|error| anyhow::anyhow!("cannot open the window: {error}"))?;
    drop(runtime);
    Ok(ExitCode::SUCCESS)
}
