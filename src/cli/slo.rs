//! `fleetdeck slo`: the layout's objectives without a window, for scripts and
//! cron — budget, burn rates and state — exiting 0 when none pages, 1 while a
//! page burn fires, 2 when the layout is refused or an SLI cannot be read.

use super::clock_from;
use anyhow::Result;
use fleetdeck::layout::load_layout;
use fleetdeck::slo::{SloState, evaluate, text};
use std::path::Path;
use std::process::ExitCode;

pub fn slo(layout_path: &Path, json: bool, now: Option<&str>) -> Result<ExitCode> {
    const PAGE: u8 = 1;
    const ERROR: u8 = 2;
    let dashboard = match load_layout(layout_path) {
        Ok(dashboard) => dashboard,
        Err(errors) => {
            eprintln!("{errors}");
            return Ok(ExitCode::from(ERROR));
        }
    };
    if dashboard.slos.is_empty() {
        eprintln!("{}: no [[slos]]: nothing to report", layout_path.display());
        return Ok(ExitCode::from(ERROR));
    }
    let now_ms = clock_from(now)?.now().timestamp_millis();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let reports = runtime.block_on(evaluate::evaluate_all(&dashboard, now_ms));
    if json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    } else {
        for report in &reports {
            for line in text::lines(report) {
                println!("{line}");
            }
        }
    }
    let worst = reports.iter().map(|r| r.state).max();
    Ok(match worst {
        _ if reports.iter().any(|r| r.state == SloState::Unknown) => ExitCode::from(ERROR),
        Some(SloState::Page) => ExitCode::from(PAGE),
        _ => ExitCode::SUCCESS,
    })
}
