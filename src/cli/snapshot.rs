//! `fleetdeck snapshot LAYOUT --from --to -o incident.fdi`: the evidence of an
//! incident in one file (see `fleetdeck::incident::format`).

use super::clock_from;
use anyhow::{Context, Result};
use fleetdeck::incident::{capture::capture, format::to_bytes};
use fleetdeck::layout::load_layout;
use fleetdeck::time_range::TimeRange;
use std::path::Path;
use std::process::ExitCode;

pub fn snapshot(
    layout: &Path,
    from: &str,
    to: &str,
    output: &Path,
    now: Option<&str>,
) -> Result<ExitCode> {
    let dashboard = load_layout(layout).map_err(|errors| anyhow::anyhow!("{errors}"))?;
    let clock = clock_from(now)?;
    let window = TimeRange::parse(from, to)
        .context("--from/--to")?
        .resolve(clock.now());
    let notes = fleetdeck::notes::read(&fleetdeck::notes::path_for(layout));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let incident = runtime.block_on(capture(
        std::sync::Arc::new(dashboard),
        window,
        clock,
        notes,
    ));
    let bytes = to_bytes(&incident).map_err(|e| anyhow::anyhow!("cannot encode: {e}"))?;
    fleetdeck::persist::write_atomically(output, &bytes)
        .with_context(|| format!("cannot write {}", output.display()))?;
    let points: usize = incident.series.iter().map(|s| s.samples.len()).sum();
    eprintln!(
        "wrote {}: {} series ({points} points) over the range, {} around it, {} alarm changes, {} notes; {} bytes",
        output.display(),
        incident.series.len(),
        incident.context.len(),
        incident.alarm_history.len(),
        incident.notes.len(),
        bytes.len()
    );
    Ok(ExitCode::SUCCESS)
}
