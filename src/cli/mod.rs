//! The subcommands of `fleetdeck`, one module each: argument handling and printing
//! only; the work is in the library (`headless/`, `wall/`, `import/`, `simulate/`).

pub mod alarms;
pub mod check;
pub mod discover;
pub mod export;
pub mod import;
pub mod manual;
pub mod render;
pub mod simulate;
pub mod slo;
pub mod snapshot;
pub mod wall;

use anyhow::{Result, bail};
use fleetdeck::clock::Clock;
use fleetdeck::dashboard::Dashboard;
use fleetdeck::time_range::TimeExpr;
use fleetdeck::variables::Selection;
use fleetdeck::variables::selection::parse_assignments;

/// The clock `--now` asks for: pinned to an absolute instant, or the system's.
pub fn clock_from(now: Option<&str>) -> Result<Clock> {
    match now {
        None => Ok(Clock::System),
        Some(text) => match TimeExpr::parse(text)? {
            TimeExpr::Absolute(instant) => Ok(Clock::Fixed(instant)),
            TimeExpr::Relative { .. } => {
                bail!("--now needs an absolute time such as 2026-11-25T12:00:00Z")
            }
        },
    }
}

/// The `--var NAME=VALUE` choices, each naming a variable the layout defines.
pub fn selection_for(dashboard: &Dashboard, vars: &[String]) -> Result<Selection> {
    let selection = parse_assignments(vars).map_err(|message| anyhow::anyhow!(message))?;
    if let Some(name) = selection
        .keys()
        .find(|name| !dashboard.variables.iter().any(|v| &v.name == *name))
    {
        bail!("--var {name}: the layout defines no variable `{name}`");
    }
    Ok(selection)
}
