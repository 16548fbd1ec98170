//! `fleetdeck export`: one panel's data as CSV or JSON, through the same planner,
//! sources and store as the window.

use super::clock_from;
use anyhow::{Context, Result};
use fleetdeck::dashboard::Dashboard;
use fleetdeck::export::{ExportFormat, export_panel, write_csv, write_json};
use fleetdeck::layout::{Choices, compile_text, load_layout};
use fleetdeck::source::build_source;
use fleetdeck::time_range::{TimeExpr, TimeRange};
use fleetdeck::variables::VariableKind;
use fleetdeck::variables::options::{fetch_options, resolved_query};
use fleetdeck::variables::selection::parse_assignments;
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
    let dashboard = with_variables(dashboard, vars, &runtime)?;
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
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match format {
        ExportFormat::Csv => write_csv(&series, &mut out)?,
        ExportFormat::Json => write_json(&series, &mut out)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The dashboard compiled for `--var` choices; a query variable nothing chose
/// takes its source's first value (or All), asked once here.
fn with_variables(
    dashboard: Dashboard,
    vars: &[String],
    runtime: &tokio::runtime::Runtime,
) -> Result<Dashboard> {
    let selection = parse_assignments(vars).map_err(|message| anyhow::anyhow!(message))?;
    if let Some(name) = selection
        .keys()
        .find(|name| !dashboard.variables.iter().any(|v| &v.name == *name))
    {
        anyhow::bail!("--var {name}: the layout defines no variable `{name}`");
    }
    let mut choices = Choices {
        selection,
        options: Default::default(),
    };
    let compile = |choices: &Choices| {
        compile_text(&dashboard.source_text, &dashboard.path, choices)
            .map_err(|errors| anyhow::anyhow!("{errors}"))
    };
    // Chained variables (`label_values(up{job="$job"}, instance)`) are asked in
    // turn: each round asks what the values chosen so far let it ask.
    let mut compiled = compile(&choices)?;
    for _ in 0..=compiled.variables.len() {
        if compiled.panels.iter().all(|p| p.waiting_for.is_none()) {
            break;
        }
        let bound = compiled.bound_variables();
        for spec in &compiled.variables {
            let VariableKind::Query { source, .. } = &spec.kind else {
                continue;
            };
            let (Some(query), Some(settings)) = (
                resolved_query(spec, &bound, &compiled.variables),
                compiled.sources.get(source.as_str()),
            ) else {
                continue;
            };
            let source = build_source(settings);
            let values = runtime
                .block_on(fetch_options(source.as_ref(), &query))
                .with_context(|| format!("the values of variable `{}`", spec.name))?;
            choices.options.insert(spec.name.clone(), values);
        }
        compiled = compile(&choices)?;
    }
    Ok(compiled)
}
