//! `fleetdeck export`: one panel's data as CSV or JSON, through the same planner,
//! sources and store as the window.

use super::clock_from;
use anyhow::{Context, Result};
use fleetdeck::headless::export::{ExportFormat, export_panel, write_csv, write_json};
use fleetdeck::headless::variables::resolve;
use fleetdeck::layout::load_layout;
use fleetdeck::time_range::{TimeExpr, TimeRange};
use std::path::Path;
use std::process::ExitCode;

/// What is asked of the sources: the plot width the step is planned for, and
/// whether each point's min/max band comes along.
pub struct Resolution {
    pub width_px: u32,
    pub envelope: bool,
}

/// The range asked for, as typed: `--from`, `--to`, `--now`.
pub struct RangeArgs {
    pub from: Option<String>,
    pub to: Option<String>,
    pub now: Option<String>,
}

pub fn export(
    layout_path: &Path,
    panel: &str,
    range: RangeArgs,
    format: ExportFormat,
    resolution: Resolution,
    vars: &[String],
) -> Result<ExitCode> {
    let RangeArgs { from, to, now } = range;
    let now = now.as_deref();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let dashboard = load_layout(layout_path).map_err(|errors| anyhow::anyhow!("{errors}"))?;
    let selection = super::selection_for(&dashboard, vars)?;
    let (dashboard, resolver) = runtime
        .block_on(resolve(&dashboard, selection))
        .map_err(|errors| anyhow::anyhow!("{errors}"))?;
    if let Some(name) = dashboard
        .panel_by_title(panel)
        .and_then(|p| p.waiting_for.as_deref())
    {
        anyhow::bail!(
            "panel `{panel}` has nothing to export: {}",
            resolver.waiting_words(&dashboard, name)
        );
    }
    let from = match from {
        Some(text) => TimeExpr::parse(&text).context("--from")?,
        None => dashboard.time.from.clone(),
    };
    let to = match to {
        Some(text) => TimeExpr::parse(&text).context("--to")?,
        None => dashboard.time.to.clone(),
    };
    let range = TimeRange::new(from, to)?;
    let clock = clock_from(now)?;
    let series = runtime.block_on(export_panel(
        std::sync::Arc::new(dashboard),
        panel,
        &range,
        clock,
        resolution.width_px,
        resolution.envelope,
    ))?;
    if series.is_empty() {
        anyhow::bail!("panel `{panel}` has no series over the range: nothing to export");
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match format {
        ExportFormat::Csv => write_csv(&series, &mut out)?,
        ExportFormat::Json => write_json(&series, &mut out)?,
    }
    Ok(ExitCode::SUCCESS)
}
