//! `fleetdeck snapshot LAYOUT --from --to -o incident.fdi`: the evidence of an
//! incident in one file (see `fleetdeck::incident::format`).

use super::clock_from;
use anyhow::{Context, Result};
use fleetdeck::dashboard::Dashboard;
use fleetdeck::headless::snapshot::capture;
use fleetdeck::headless::variables::resolve;
use fleetdeck::incident::Incident;
use fleetdeck::incident::format::to_bytes;
use fleetdeck::layout::load_layout;
use fleetdeck::time_range::TimeRange;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::ExitCode;

/// The range asked for, as typed: `--from`, `--to`, `--now`.
pub struct Range<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub now: Option<&'a str>,
}

pub fn snapshot(
    layout: &Path,
    range: Range<'_>,
    output: &Path,
    vars: &[String],
) -> Result<ExitCode> {
    let dashboard = load_layout(layout).map_err(|errors| anyhow::anyhow!("{errors}"))?;
    let clock = clock_from(range.now)?;
    let window = TimeRange::parse(range.from, range.to)
        .context("--from/--to")?
        .resolve(clock.now());
    let notes = fleetdeck::notes::read(&fleetdeck::notes::path_for(layout));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let selection = super::selection_for(&dashboard, vars)?;
    let (dashboard, resolver) = runtime
        .block_on(resolve(&dashboard, selection))
        .map_err(|errors| anyhow::anyhow!("{errors}"))?;
    for panel in &dashboard.panels {
        if let Some(name) = &panel.waiting_for {
            eprintln!(
                "fleetdeck snapshot: warning: panel `{}` kept nothing: {}",
                panel.title,
                resolver.waiting_words(&dashboard, name)
            );
        }
    }
    let dashboard = std::sync::Arc::new(dashboard);
    let incident = runtime.block_on(capture(dashboard.clone(), window, clock, notes));
    for line in failure_lines(&dashboard, &incident) {
        eprintln!("fleetdeck snapshot: warning: {line}");
    }
    if incident.series.is_empty() {
        anyhow::bail!(
            "captured nothing: no panel answered with data over the range, so {} was not written",
            output.display()
        );
    }
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

/// One line per source that failed or did not answer, naming its panels and why.
fn failure_lines(dashboard: &Dashboard, incident: &Incident) -> Vec<String> {
    let mut by_source: BTreeMap<(&str, String), BTreeSet<&str>> = BTreeMap::new();
    for failure in incident.failures() {
        let why = failure
            .error
            .as_ref()
            .map_or_else(String::new, ToString::to_string);
        let title = dashboard
            .panel(&failure.panel.as_str().into())
            .map_or(failure.panel.as_str(), |p| p.title.as_str());
        by_source
            .entry((failure.source.as_str(), why))
            .or_default()
            .insert(title);
    }
    by_source
        .into_iter()
        .map(|((source, why), panels)| {
            let panels: Vec<String> = panels.iter().map(|t| format!("`{t}`")).collect();
            format!(
                "source `{source}` gave no data for {}: {why}",
                panels.join(", ")
            )
        })
        .collect()
}
