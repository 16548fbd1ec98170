//! `fleetdeck export`: one panel's data as CSV or JSON, through the same planner,
//! sources and store as the window.

use super::clock_from;
use anyhow::Result;
use fleetdeck::export::{ExportFormat, export_panel, write_csv, write_json};
use fleetdeck::layout::load_layout;
use fleetdeck::time_range::TimeRange;
use std::path::Path;
use std::process::ExitCode;

pub fn export(
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
