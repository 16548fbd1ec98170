//! `fleetdeck render LAYOUT [--from --to] [--size 1920x1080] [--panel TITLE] -o
//! out.png`: the dashboard drawn without a display — the same UI code, its
//! frames rasterised on the CPU ([`fleetdeck::offscreen`]), once every panel has
//! answered or failed. For tickets, chat and postmortems.

use super::clock_from;
use anyhow::{Context, Result};
use fleetdeck::app::{AppOptions, FleetApp};
use fleetdeck::clock::DisplayZone;
use fleetdeck::layout::{GridPos, load_layout};
use fleetdeck::offscreen::Offscreen;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Longest a render waits for the sources before drawing what it has.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// What to render, as typed: `fleetdeck render`'s arguments.
#[derive(clap::Args)]
pub struct RenderArgs {
    /// The layout file, or an incident file (`.fdi`, drawn offline).
    pub layout: PathBuf,
    /// Start of the range (`now-2h`, RFC 3339, …); default: the layout's.
    #[arg(long)]
    pub from: Option<String>,
    /// End of the range.
    #[arg(long)]
    pub to: Option<String>,
    /// Image size in pixels.
    #[arg(long, default_value = "1920x1080")]
    pub size: String,
    /// Only the panel with this title, across the whole image.
    #[arg(long)]
    pub panel: Option<String>,
    /// The PNG to write.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Pin "now" to this instant (RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    /// Show times in UTC.
    #[arg(long)]
    pub utc: bool,
    /// Choose a template variable's value (`--var model=…`).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
}

pub fn render(args: &RenderArgs) -> Result<ExitCode> {
    let (width, height) = parse_size(&args.size)?;
    if args.layout.extension().is_some_and(|e| e == "fdi") {
        return render_incident(args, width, height);
    }
    let mut dashboard = load_layout(&args.layout).map_err(|errors| anyhow::anyhow!("{errors}"))?;
    if let Some(title) = &args.panel {
        // One panel: alone, across the whole image.
        let Some(panel) = dashboard.panel_by_title(title).cloned() else {
            anyhow::bail!("--panel: the layout has no panel titled `{title}`");
        };
        let mut panel = panel;
        panel.grid = GridPos {
            x: 0,
            y: 0,
            w: 24,
            h: panel.grid.h,
        };
        dashboard.panels = vec![panel];
    }
    let options = AppOptions {
        clock: clock_from(args.now.as_deref())?,
        zone: if args.utc {
            DisplayZone::Utc
        } else {
            DisplayZone::Local
        },
        ..AppOptions::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("fleetdeck-poll")
        .build()
        .context("cannot start the polling runtime")?;
    let selection = fleetdeck::variables::selection::parse_assignments(&args.vars)
        .map_err(|message| anyhow::anyhow!(message))?;
    let app = FleetApp::new(dashboard, options)
        .with_runtime(runtime.handle().clone())
        .with_variables(selection, None)
        .map_err(|errors| anyhow::anyhow!("{errors}"))?;
    let mut app = with_range(app, args)?;
    let mut screen = Offscreen::new(width, height);
    let deadline = Instant::now() + PATIENCE;
    let mut settled = 0;
    // Every panel answered (or failed) and every variable decided (or known to
    // have no values), for a few frames in a row (a late layout settles).
    while settled < 3 {
        screen.step(|ui| app.show(ui));
        let done = app.session().is_polling()
            && app.session().pending_queries() == 0
            && app.session().slos_evaluated()
            && app.variables().settled(app.dashboard());
        settled = if done { settled + 1 } else { 0 };
        if Instant::now() > deadline {
            eprintln!(
                "fleetdeck render: no answer after {} s; drawing what there is",
                PATIENCE.as_secs()
            );
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    for line in unanswered_panels(&app) {
        eprintln!("fleetdeck render: warning: {line}");
    }
    for _ in 0..3 {
        screen.step(|ui| app.show(ui));
    }
    save_png(&screen.image(), &args.output)?;
    eprintln!("wrote {} ({width}×{height})", args.output.display());
    Ok(ExitCode::SUCCESS)
}

/// One line per panel drawn without its data: waiting for a variable, or for a
/// source that never answered.
fn unanswered_panels(app: &FleetApp) -> Vec<String> {
    let dashboard = app.dashboard();
    let unanswered: std::collections::BTreeSet<_> =
        app.session().unanswered().map(|key| key.panel).collect();
    dashboard
        .panels
        .iter()
        .filter_map(|panel| {
            if let Some(name) = &panel.waiting_for {
                let why = app.variables().waiting_words(dashboard, name);
                return Some(format!("panel `{}` is empty: {why}", panel.title));
            }
            unanswered
                .contains(&panel.id)
                .then(|| format!("panel `{}` never answered", panel.title))
        })
        .collect()
}

/// An incident file drawn offline: what it kept, over its range (or the part of
/// it `--from`/`--to` name).
fn render_incident(args: &RenderArgs, width: u32, height: u32) -> Result<ExitCode> {
    let bytes = std::fs::read(&args.layout)
        .with_context(|| format!("cannot read {}", args.layout.display()))?;
    let incident = fleetdeck::incident::format::from_bytes(&bytes)
        .with_context(|| args.layout.display().to_string())?;
    let taken = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(incident.taken_at_ms)
        .unwrap_or_default();
    let options = AppOptions {
        clock: fleetdeck::clock::Clock::Fixed(taken),
        zone: if args.utc {
            DisplayZone::Utc
        } else {
            DisplayZone::Local
        },
        ..AppOptions::default()
    };
    let app = FleetApp::from_incident(&incident, &args.layout, options)
        .map_err(|errors| anyhow::anyhow!("{errors}"))?;
    let mut app = with_range(app, args)?;
    let mut screen = Offscreen::new(width, height);
    for _ in 0..5 {
        screen.step(|ui| app.show(ui));
    }
    save_png(&screen.image(), &args.output)?;
    eprintln!("wrote {} ({width}×{height})", args.output.display());
    Ok(ExitCode::SUCCESS)
}

/// `app` showing `--from`/`--to` when given.
fn with_range(app: FleetApp, args: &RenderArgs) -> Result<FleetApp> {
    if args.from.is_none() && args.to.is_none() {
        return Ok(app);
    }
    let range = fleetdeck::time_range::TimeRange::parse(
        args.from.as_deref().unwrap_or("now-1h"),
        args.to.as_deref().unwrap_or("now"),
    )
    .context("--from/--to")?;
    Ok(app.with_range(range))
}

/// `1920x1080` as (width, height).
fn parse_size(text: &str) -> Result<(u32, u32)> {
    let parsed = text
        .split_once(['x', '×'])
        .and_then(|(w, h)| Some((w.trim().parse::<u32>().ok()?, h.trim().parse::<u32>().ok()?)))
        .filter(|&(w, h)| (64..=8192).contains(&w) && (64..=8192).contains(&h));
    parsed.ok_or_else(|| anyhow::anyhow!("--size `{text}`: write WIDTHxHEIGHT, 64 to 8192 each"))
}

/// Writes the PNG beside `path` and renames it over, so a reader never sees half.
fn save_png(image: &image::RgbaImage, path: &Path) -> Result<()> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, image::ImageFormat::Png)
        .context("cannot encode the PNG")?;
    fleetdeck::persist::write_atomically(path, bytes.get_ref())
        .with_context(|| format!("cannot write {}", path.display()))
}
