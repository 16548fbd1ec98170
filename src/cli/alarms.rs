//! `fleetdeck alarms`: the unified alarm list without a window, for scripts and cron
//! (exit 0 clear, 1 firing, 2 error), once or `--watch`ing, optionally notifying.

use super::clock_from;
use anyhow::Result;
use fleetdeck::clock::DisplayZone;
use fleetdeck::headless::variables::resolve;
use fleetdeck::layout::load_layout;
use fleetdeck::variables::Selection;
use std::path::Path;
use std::process::ExitCode;

pub fn alarms(
    layout_path: &Path,
    json: bool,
    watch: bool,
    notify: bool,
    utc: bool,
    now: Option<&str>,
) -> Result<ExitCode> {
    const FIRING: u8 = 1;
    const ERROR: u8 = 2;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    // Every variable decided as the window decides it, so a rule on a panel that
    // uses one is judged on the series the window would draw.
    let resolved = load_layout(layout_path)
        .and_then(|dashboard| runtime.block_on(resolve(&dashboard, Selection::new())));
    let dashboard = match resolved {
        Ok((dashboard, resolver)) => {
            for panel in &dashboard.panels {
                if let Some(name) = &panel.waiting_for {
                    eprintln!(
                        "fleetdeck alarms: panel `{}` is not checked: {}",
                        panel.title,
                        resolver.waiting_words(&dashboard, name)
                    );
                }
            }
            std::sync::Arc::new(dashboard)
        }
        Err(errors) => {
            eprintln!("{errors}");
            return Ok(ExitCode::from(ERROR));
        }
    };
    if !dashboard.has_alarms() {
        eprintln!(
            "{}: no alarm panels and no [[rules]]: nothing to check",
            layout_path.display()
        );
        return Ok(ExitCode::from(ERROR));
    }
    let clock = clock_from(now)?;
    let zone = if utc {
        DisplayZone::Utc
    } else {
        DisplayZone::Local
    };
    let mut notifier = fleetdeck::alarm::notify::Notifier::new(notify);
    loop {
        let collected = runtime.block_on(fleetdeck::headless::alarms::collect(
            dashboard.clone(),
            clock,
        ));
        notifier.update(
            &collected.alarms,
            clock.now().timestamp_millis(),
            dashboard.refresh,
            runtime.handle(),
        );
        for error in &collected.errors {
            eprintln!("fleetdeck alarms: {error}");
        }
        if json {
            println!("{}", fleetdeck::alarm::report::json(&collected.alarms));
        } else if collected.alarms.is_empty() && !collected.errors.is_empty() {
            // "no alarms" would claim more than is known.
        } else {
            print!(
                "{}",
                fleetdeck::alarm::report::table(&collected.alarms, zone)
            );
        }
        if !watch {
            return Ok(ExitCode::from(if !collected.errors.is_empty() {
                ERROR
            } else if collected.firing() {
                FIRING
            } else {
                0
            }));
        }
        std::thread::sleep(dashboard.refresh);
        if !json {
            println!();
        }
    }
}
