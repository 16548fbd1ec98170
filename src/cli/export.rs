//! `fleetdeck export`: one panel's data as CSV or JSON, through the same planner,
//! sources and store as the window.

use super::clock_from;
use anyhow::{Context, Result};
use fleetdeck::export::{ExportFormat, export_panel, write_csv, write_json};
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

pub fn export(
    layout_path: &Path,
    panel: &str,
    from: Option<String>,
    to: Option<String>,
    format: ExportFormat,
    resolution: Resolution,
    now: Option<&str>,
) -> Result<ExitCode> {
    let dashboard = load_layout(layout_path).map_err(|errors| anyhow::anyhow!("{errors}"))?;
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
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let series = runtime.block_on(export_panel(
        std::sync::Arc::new(dashboard),
        panel,
        &range,
        clock,
        resolution.width_px,
        resolution.envelope,
    ))?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match format {
        ExportFormat::Csv => write_csv(&series, &mut out)?,
        ExportFormat::Json => write_json(&series, &mut out)?,
    }
    Ok(ExitCode::SUCCESS)
}
