//! `fleetdeck check`: validates layouts (file:line:col for each problem) and projects
//! what their AWS sources cost a day before anything runs.

use anyhow::Result;
use fleetdeck::dashboard::Dashboard;
use fleetdeck::layout::load_layout;
use fleetdeck::time_range::format_duration;
use std::path::PathBuf;
use std::process::ExitCode;

pub fn check(files: &[PathBuf]) -> Result<ExitCode> {
    let mut failed = false;
    for file in files {
        let is_playlist =
            std::fs::read_to_string(file).is_ok_and(|text| fleetdeck::wall::is_playlist(&text));
        if is_playlist {
            match fleetdeck::wall::load_playlist(file) {
                Ok(playlist) => {
                    println!(
                        "{}: ok (playlist of {} pages)",
                        file.display(),
                        playlist.pages.len()
                    );
                    for page in &playlist.pages {
                        print_cloudwatch_cost(&page.dashboard);
                        print_cost_explorer_cost(&page.dashboard);
                    }
                }
                Err(errors) => {
                    failed = true;
                    eprintln!("{errors}");
                }
            }
            continue;
        }
        match load_layout(file) {
            Ok(dashboard) => {
                println!(
                    "{}: ok ({} panels, {} sources)",
                    file.display(),
                    dashboard.panels.len(),
                    dashboard.sources.len()
                );
                for warning in &dashboard.warnings {
                    eprintln!("warning: {warning}");
                }
                print_cloudwatch_cost(&dashboard);
                print_cost_explorer_cost(&dashboard);
                print_slo_queries(&dashboard);
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

/// The projected CloudWatch bill of a layout, so nobody puts a $50/day layout on a
/// wall by accident.
fn print_cloudwatch_cost(layout: &Dashboard) {
    let now_ms = chrono::Utc::now().timestamp_millis();
    for (source, estimate) in fleetdeck::source::cloudwatch::cost::estimate(layout, now_ms) {
        let refresh = format_duration(layout.refresh);
        let usd = estimate.usd_per_day(layout.refresh);
        let at_least = if estimate.wildcard_queries > 0 {
            format!(
                " (at least: {} queries with `*` dimensions or SEARCH() count once each here, once per match when run)",
                estimate.wildcard_queries
            )
        } else {
            String::new()
        };
        let bands = if estimate.band_metrics > 0 {
            format!(
                " ({} of the metrics are Minimum/Maximum for min/max bands; `envelope = false` on a panel saves them)",
                estimate.band_metrics
            )
        } else {
            String::new()
        };
        let reaches = if estimate.reaches > 1 {
            format!(" (over {} regions × accounts)", estimate.reaches)
        } else {
            String::new()
        };
        println!(
            "  source `{source}`: {} metrics in {} GetMetricData call(s) per refresh{reaches}; at refresh {refresh}: ${usd:.2}/day, ${:.2}/30 days{at_least}{bands}",
            estimate.metrics,
            estimate.calls,
            usd * 30.0
        );
    }
}

/// What the objectives ask of their sources: each reads its SLI at two
/// resolutions, two queries each, once a minute (or at the refresh, if slower).
fn print_slo_queries(layout: &Dashboard) {
    if layout.slos.is_empty() {
        return;
    }
    let every = fleetdeck::session::SLO_EVERY.max(layout.refresh);
    let per_day = 86_400 / every.as_secs().max(1);
    let queries = layout.slos.len() * fleetdeck::slo::evaluate::QUERIES_PER_EVALUATION;
    let alarms: usize = layout.slos.iter().map(|slo| slo.alerts.len()).sum();
    println!(
        "  {} objective(s) with {alarms} burn-rate alarm(s): {queries} range queries every {} ({} a day), no recording rules needed",
        layout.slos.len(),
        format_duration(every),
        queries as u64 * per_day
    );
    // GetMetricData bills each metric asked: two per SLI query and evaluation.
    let on_cloudwatch = layout
        .slos
        .iter()
        .flat_map(|slo| [&slo.total, slo.part.query()])
        .filter(|query| matches!(query.query, fleetdeck::source::SourceQuery::CloudWatch(_)))
        .count() as u64;
    if on_cloudwatch > 0 {
        let metrics = on_cloudwatch * 2 * per_day;
        println!(
            "  the objectives' CloudWatch SLIs: {metrics} metrics a day in GetMetricData, ${:.2}/day, ${:.2}/30 days",
            metrics as f64 / 1000.0 * 0.01,
            metrics as f64 / 1000.0 * 0.01 * 30.0
        );
    }
}

/// The projected Cost Explorer bill: $0.01 a request, bought once per cache TTL.
fn print_cost_explorer_cost(layout: &Dashboard) {
    let now_ms = chrono::Utc::now().timestamp_millis();
    for (source, estimate) in fleetdeck::source::costexplorer::cost::estimate(layout, now_ms) {
        let usd = estimate.usd_per_day();
        println!(
            "  source `{source}`: {} GetCostAndUsage request(s) every {} (the slower of refresh and cache_ttl): ${usd:.2}/day, ${:.2}/30 days",
            estimate.requests,
            format_duration(estimate.interval),
            usd * 30.0
        );
    }
}
