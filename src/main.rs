//! The `fleetdeck` command: the dashboard window (a layout or an incident file)
//! here; the subcommands in `cli/`, one module each: `check`, `wall`, `alarms`,
//! `export`, `render`, `snapshot`, `import`, `simulate`.

mod cli;

use anyhow::{Context, Result};
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use fleetdeck::app::{AppOptions, FleetApp, Theme, apply_theme};
use fleetdeck::clock::DisplayZone;
use fleetdeck::dashboard::Dashboard;
use fleetdeck::headless::export::ExportFormat;
use fleetdeck::layout::{load_layout, parse_layout};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `fleetdeck --version`: the release and the commit it was built from.
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("FLEETDECK_COMMIT"),
    ")"
);

/// The layout opened when none is named.
const DEFAULT_LAYOUT: &str = "layouts/demo-fleet.toml";
// The same layout built in, so the binary runs from any directory.
use fleetdeck::library::{BUILTIN_DEMO_NAME, BUILTIN_DEMO_TEXT as BUILTIN_DEMO_LAYOUT};

/// Native dashboard for AI inference fleets: latency, accelerator utilisation and
/// spend from Prometheus, CloudWatch and a built-in simulated fleet.
#[derive(Parser)]
#[command(name = "fleetdeck", version = VERSION, args_conflicts_with_subcommands = true)]
struct Cli {
    /// Layout file to open (default: the layout opened last; the first time,
    /// layouts/demo-fleet.toml, the simulated fleet).
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
    /// Open at this start (`now-2h`, RFC 3339, …) instead of the layout's range;
    /// an absolute range opens paused on it (what "Copy link" writes).
    #[arg(long, value_name = "TIME")]
    from: Option<String>,
    /// End of the range opened (default now).
    #[arg(long, value_name = "TIME")]
    to: Option<String>,
    /// Bring the panel with this title into view and outline it.
    #[arg(long, value_name = "TITLE")]
    panel: Option<String>,
    /// Choose a template variable's value: `--var endpoint=llm-prod-llama70b`;
    /// repeat a name for several values, `name=All` for every value.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum ImportFrom {
    /// A Grafana dashboard (JSON): the layout to stdout or `-o`, a report of what
    /// was converted, approximated and dropped to stderr.
    Grafana {
        /// The dashboard's JSON file.
        file: PathBuf,
        /// Where a source points: `prometheus=http://host:9090` or
        /// `cloudwatch=REGION[:PROFILE]` (repeatable).
        #[arg(long = "source", value_name = "KIND=VALUE")]
        sources: Vec<String>,
        /// Write the layout here instead of stdout.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
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
    /// The layout's service level objectives: budget left, burn rates and state
    /// (exit 0 when none pages, 1 while a page burn fires, 2 on an error).
    Slo {
        /// The layout file.
        layout: PathBuf,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
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
        /// Add each point's min and max inside its step (CSV columns `min,max`;
        /// JSON points `[t, value, min, max]`), so a spike between samples shows.
        #[arg(long)]
        envelope: bool,
        /// Choose a template variable's value (`--var model=…`); repeat a name for
        /// several values.
        #[arg(long = "var", value_name = "NAME=VALUE")]
        vars: Vec<String>,
    },
    /// Serve the simulated fleet as a Prometheus exporter (vLLM, DCGM, Neuron, Triton
    /// metrics) and/or publish it to CloudWatch (SageMaker, Bedrock).
    Simulate(cli::simulate::SimulateArgs),
    /// Draw a dashboard to a PNG without a display (no X server, no GPU needed),
    /// once every panel has answered or failed.
    Render(cli::render::RenderArgs),
    /// Keep the evidence of an incident in one file: the layout, the range, every
    /// panel's series (and coarser context around it), alarm history and notes.
    Snapshot {
        /// The layout file.
        layout: PathBuf,
        /// Start of the range (`now-2h`, RFC 3339, …).
        #[arg(long)]
        from: String,
        /// End of the range.
        #[arg(long, default_value = "now")]
        to: String,
        /// The incident file to write (`.fdi`).
        #[arg(short, long)]
        output: PathBuf,
        /// Pin "now" to this instant (RFC 3339).
        #[arg(long, value_name = "TIME")]
        now: Option<String>,
        /// Choose a template variable's value (`--var model=…`); repeat a name for
        /// several values.
        #[arg(long = "var", value_name = "NAME=VALUE")]
        vars: Vec<String>,
    },
    /// Turn a dashboard from another tool into a layout.
    Import {
        #[command(subcommand)]
        from: ImportFrom,
    },
    /// Run a playlist of layouts full screen on a wall display, rotating pages that
    /// all stay live. Keys: space pauses, ←/→ move, 1–9 jump, Esc leaves full screen.
    Wall(cli::wall::WallArgs),
    /// Ask a Prometheus (or VictoriaMetrics, Mimir, AMP) server or an AWS account
    /// what it holds, recognise the AI-fleet components it serves (vLLM, TGI,
    /// SGLang, Triton, DCGM, AMD, Neuron, node exporter, kube-state-metrics,
    /// SageMaker, Bedrock, billing) and write a layout for them; a report of what
    /// was and was not recognised goes to stderr.
    Discover(cli::discover::DiscoverArgs),
    /// Write the man pages and shell completions (for packaging).
    #[command(hide = true)]
    Manual {
        /// Directory to write `man/` and `completions/` into.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ThemeArg {
    Dark,
    Light,
}

fn main() -> ExitCode {
    fleetdeck::heap::keep_frame_headroom();
    tracing_subscriber::fmt()
        .with_env_filter(
            // wgpu reports the GPU back ends it tries and skips (no EGL display on a
            // headless render) as errors; what it finally uses is a warning.
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "warn,wgpu_hal=off,egui_wgpu=error".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let outcome = match cli.command {
        Some(Command::Check { files }) => cli::check::check(&files),
        Some(Command::Alarms {
            layout,
            json,
            watch,
            notify,
            utc,
            now,
        }) => cli::alarms::alarms(&layout, json, watch, notify, utc, now.as_deref()),
        Some(Command::Slo { layout, json, now }) => cli::slo::slo(&layout, json, now.as_deref()),
        Some(Command::Export {
            layout,
            panel,
            from,
            to,
            format,
            width,
            now,
            envelope,
            vars,
        }) => cli::export::export(
            &layout,
            &panel,
            cli::export::RangeArgs { from, to, now },
            format,
            cli::export::Resolution {
                width_px: width,
                envelope,
            },
            &vars,
        ),
        Some(Command::Simulate(args)) => cli::simulate::simulate(args),
        Some(Command::Snapshot {
            layout,
            from,
            to,
            output,
            now,
            vars,
        }) => cli::snapshot::snapshot(
            &layout,
            cli::snapshot::Range {
                from: &from,
                to: &to,
                now: now.as_deref(),
            },
            &output,
            &vars,
        ),
        Some(Command::Render(args)) => cli::render::render(&args),
        Some(Command::Import {
            from:
                ImportFrom::Grafana {
                    file,
                    sources,
                    output,
                },
        }) => cli::import::grafana(&file, &sources, output.as_ref()),
        Some(Command::Wall(args)) => cli::wall::wall(&args),
        Some(Command::Discover(args)) => cli::discover::discover(&args),
        Some(Command::Manual { out }) => cli::manual::manual(Cli::command(), VERSION, &out),
        None => run_gui(&cli),
    };
    // Whatever a command queued for the disk (the Cost Explorer cache) is written
    // before the process ends.
    fleetdeck::persist::Writer::global().flush();
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("fleetdeck: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn open_layout(path: Option<&Path>) -> Result<Dashboard> {
    match path {
        Some(path) => load_layout(path).map_err(|errors| anyhow::anyhow!("{errors}")),
        None if Path::new(DEFAULT_LAYOUT).exists() => {
            load_layout(Path::new(DEFAULT_LAYOUT)).map_err(|errors| anyhow::anyhow!("{errors}"))
        }
        None => parse_layout(BUILTIN_DEMO_LAYOUT, Path::new(BUILTIN_DEMO_NAME))
            .map_err(|errors| anyhow::anyhow!("{errors}")),
    }
}

/// `fleetdeck incident.fdi`: the incident, read-only and offline.
fn run_incident(cli: &Cli, path: &Path) -> Result<ExitCode> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let incident = fleetdeck::incident::format::from_bytes(&bytes)
        .with_context(|| path.display().to_string())?;
    let options = AppOptions {
        clock: cli::clock_from(Some(
            &chrono::DateTime::<chrono::Utc>::from_timestamp_millis(incident.taken_at_ms)
                .unwrap_or_default()
                .to_rfc3339(),
        ))?,
        zone: if cli.utc {
            DisplayZone::Utc
        } else {
            DisplayZone::Local
        },
        ..AppOptions::default()
    };
    let app = FleetApp::from_incident(&incident, path, options)
        .map_err(|errors| anyhow::anyhow!("{errors}"))?;
    let title = format!("fleetdeck — incident {}", path.display());
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title(&title)
            .with_inner_size([1600.0, 1000.0]),
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    eframe::run_native(&title, native, Box::new(move |_| Ok(Box::new(app))))
        .map_err(|error| anyhow::anyhow!("cannot open the window: {error}"))?;
    Ok(ExitCode::SUCCESS)
}

fn run_gui(cli: &Cli) -> Result<ExitCode> {
    if let Some(path) = cli
        .layout
        .as_deref()
        .filter(|p| p.extension().is_some_and(|e| e == "fdi"))
    {
        return run_incident(cli, path);
    }
    // Without a layout named: a new user gets the simulated fleet and the first-run
    // window; later starts reopen the layout opened last.
    let start = match (&cli.layout, &cli.now) {
        (None, None) => fleetdeck::library::start(),
        _ => fleetdeck::library::Start::Default,
    };
    let dashboard = match (&cli.layout, &start) {
        (None, fleetdeck::library::Start::Last(path)) => {
            open_layout(Some(path)).or_else(|error| {
                tracing::warn!("the last layout cannot be opened ({error}); opening the default");
                open_layout(None)
            })?
        }
        (layout, _) => open_layout(layout.as_deref())?,
    };
    let options = AppOptions {
        notify: cli.notify,
        clock: cli::clock_from(cli.now.as_deref())?,
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
    let title = format!("fleetdeck — {}", dashboard.title);
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
    let history_path = cli
        .now
        .is_none()
        .then(|| fleetdeck::alarm::history_file::default_path(&dashboard.path))
        .flatten();
    // The files are read here, before the window opens, not on the UI thread.
    let selection_path = history_path
        .as_ref()
        .and_then(|_| fleetdeck::variables::selection::saved_path(&dashboard.path));
    let mut selection = selection_path
        .as_deref()
        .map(fleetdeck::variables::selection::read_saved)
        .unwrap_or_default();
    selection.extend(
        fleetdeck::variables::selection::parse_assignments(&cli.vars)
            .map_err(|message| anyhow::anyhow!(message))?,
    );
    for name in selection.keys() {
        if cli.vars.iter().any(|v| v.starts_with(&format!("{name}=")))
            && !dashboard.variables.iter().any(|v| &v.name == name)
        {
            anyhow::bail!("--var {name}: the layout defines no variable `{name}`");
        }
    }
    let range = match (&cli.from, &cli.to) {
        (None, None) => None,
        (from, to) => Some(
            fleetdeck::time_range::TimeRange::parse(
                from.as_deref().unwrap_or("now-1h"),
                to.as_deref().unwrap_or("now"),
            )
            .context("--from/--to")?,
        ),
    };
    let mut app = FleetApp::new(dashboard, options)
        .with_runtime(handle)
        .with_variables(selection, selection_path)
        .map_err(|errors| anyhow::anyhow!("{errors}"))?;
    if let Some(range) = range {
        app = app.with_range(range);
    }
    if let (fleetdeck::library::Start::FirstRun, Some(mark)) =
        (&start, fleetdeck::library::welcomed_path())
    {
        app = app.with_welcome(mark);
    }
    if let Some(title) = &cli.panel {
        app = app.with_focus(title)?;
    }
    if let Some(path) = fleetdeck::alarm::ack::default_path() {
        app = app.with_ack_file(&path);
    }
    if let Some(path) = fleetdeck::explore::history::default_path() {
        app = app.with_explore_history(path);
    }
    // A run at a fixed `--now` looks at the past: it neither reads nor writes the
    // live history.
    if let Some(path) = history_path.as_deref() {
        app = app.with_history_file(path);
    }
    // Notes live beside the layout file (not for the built-in demo, nor a run at
    // a fixed `--now`).
    let layout_path = app.dashboard().path.clone();
    if history_path.is_some() && layout_path.is_file() {
        app = app.with_notes_file(&fleetdeck::notes::path_for(&layout_path));
    }
    eframe::run_native(
        &title,
        native,
        Box::new(move |cc| {
            apply_theme(&cc.egui_ctx, options.theme);
            Ok(Box::new(app))
        }),
    )
    .map_err(|error| anyhow::anyhow!("cannot open the window: {error}"))?;
    drop(runtime);
    Ok(ExitCode::SUCCESS)
}
