//! `fleetdeck wall`: a playlist full screen on a wall display.

use super::clock_from;
use anyhow::{Context, Result};
use fleetdeck::app::{AppOptions, Theme, apply_theme};
use fleetdeck::clock::DisplayZone;
use fleetdeck::wall::WallApp;
use std::path::PathBuf;
use std::process::ExitCode;

/// Options of `fleetdeck wall`.
#[derive(clap::Args)]
pub struct WallArgs {
    /// The playlist (TOML; `fleetdeck check` validates it and its layouts).
    playlist: PathBuf,
    /// Monitor to cover, in the system's order (overrides the playlist's `monitor`).
    #[arg(long)]
    monitor: Option<usize>,
    /// A normal window instead of full screen (to try a playlist at a desk).
    #[arg(long)]
    windowed: bool,
    /// Show times in UTC instead of local time.
    #[arg(long)]
    utc: bool,
    /// Desktop notification when an alarm starts firing.
    #[arg(long)]
    notify: bool,
    /// Pin "now" to this instant (RFC 3339), for reproducible screenshots.
    #[arg(long, value_name = "TIME")]
    now: Option<String>,
}

pub fn wall(args: &WallArgs) -> Result<ExitCode> {
    let playlist = fleetdeck::wall::load_playlist(&args.playlist)
        .map_err(|errors| anyhow::anyhow!("{errors}"))?;
    let options = AppOptions {
        notify: args.notify,
        clock: clock_from(args.now.as_deref())?,
        zone: if args.utc {
            DisplayZone::Utc
        } else {
            DisplayZone::Local
        },
        theme: Theme::Dark,
    };
    // Before the window: the D-Bus calls block, and the UI loop must never wait.
    let _awake = fleetdeck::wall::awake::keep_awake();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("fleetdeck-poll")
        .build()
        .context("cannot start the polling runtime")?;
    let title = format!("fleetdeck wall — {}", playlist.title);
    let monitor = args.monitor.or(playlist.monitor);
    let mut viewport = egui::ViewportBuilder::default()
        .with_title(&title)
        .with_min_inner_size([640.0, 400.0]);
    if args.windowed {
        viewport = viewport.with_inner_size([1600.0, 1000.0]);
    } else {
        // Borderless full screen on the chosen monitor; without a window manager
        // nobody obeys "full screen", so the window also starts at the screen's
        // corner and the app sizes it to the monitor.
        viewport = viewport
            .with_decorations(false)
            .with_fullscreen(true)
            .with_position([0.0, 0.0])
            .with_monitor(monitor.unwrap_or(0));
    }
    let native = eframe::NativeOptions {
        viewport,
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    let mut app = WallApp::new(playlist, options)
        .with_runtime(runtime.handle().clone())
        .kiosk(!args.windowed);
    if let Some(path) = fleetdeck::alarm::ack::default_path() {
        app = app.with_ack_file(&path);
    }
    if args.now.is_none() {
        app = app.with_history_files(fleetdeck::alarm::history_file::default_path);
    }
    eframe::run_native(
        &title,
        native,
        Box::new(move |cc| {
            apply_theme(&cc.egui_ctx, Theme::Dark);
            Ok(Box::new(app))
        }),
    )
    .map_err(|error| anyhow::anyhow!("cannot open the window: {error}"))?;
    drop(runtime);
    Ok(ExitCode::SUCCESS)
}
