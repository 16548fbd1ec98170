//! One layout through the three front ends — `fleetdeck export`, `fleetdeck alarms`
//! and the window — gives the same series and the same alarms: all three drive one
//! pipeline, the Session.

use crate::support;

use chrono::{TimeZone, Utc};
use fleetdeck::alarm::Alarm;
use fleetdeck::app::{AppOptions, FleetApp};
use fleetdeck::clock::{Clock, DisplayZone};
use fleetdeck::layout::load_layout;
use fleetdeck::session::QueryStatus;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

type Points = BTreeMap<String, Vec<(i64, f64)>>;

/// What an alarm list says, without the panel link (export has no panels).
fn summary(alarms: &[&Alarm]) -> Vec<(String, &'static str, Option<i64>, String)> {
    let mut rows: Vec<_> = alarms
        .iter()
        .map(|a| {
            (
                a.name.clone(),
                a.state.label(),
                a.since.map(|t| t.timestamp_millis()),
                a.summary.clone(),
            )
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn export_alarms_and_the_window_see_the_same_series_and_alarms() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("layouts/demo-fleet.toml");
    // During the simulated incident: both rules fire.
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 6, 26, 0).unwrap();
    let options = AppOptions {
        clock: Clock::Fixed(now),
        zone: DisplayZone::Utc,
        ..AppOptions::default()
    };
    let app =
        FleetApp::new(load_layout(&path).unwrap(), options).with_runtime(runtime.handle().clone());
    let mut harness = support::harness_builder()
        .with_size([2560.0, 1400.0])
        .build_eframe(|_| app);
    let deadline = Instant::now() + support::PATIENCE;
    loop {
        harness.step();
        let session = harness.state().session();
        let all_ok = session.statuses().values().all(|s| *s == QueryStatus::Ok);
        if session.pending_queries() == 0 && all_ok && !session.alarms().local().is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "the window never settled");
        std::thread::sleep(Duration::from_millis(20));
    }
    harness.run_steps(2);
    let session = harness.state().session();
    let panel = session
        .dashboard()
        .panel_by_title("p99 end-to-end latency by model")
        .unwrap();
    let in_window: Points = session
        .store()
        .query_series(&support::key(panel.id.as_str(), "q1"))
        .map(|(key, series)| {
            (
                panel.queries[0].series_name(&key.labels),
                series.iter().map(|s| (s.t_ms, s.value)).collect(),
            )
        })
        .collect();
    assert_eq!(in_window.len(), 4, "one line per model");

    // `fleetdeck export`, planned for the width the window drew the panel at.
    let dashboard = Arc::new(load_layout(&path).unwrap());
    let exported: Points = runtime
        .block_on(fleetdeck::headless::export::export_panel(
            dashboard.clone(),
            &panel.title,
            &dashboard.time,
            Clock::Fixed(now),
            session.planned_width(&panel.id),
            false,
        ))
        .unwrap()
        .into_iter()
        .map(|s| (s.name, s.points))
        .collect();
    assert_eq!(exported, in_window);

    // `fleetdeck alarms`: the same alarms evaluated here (the rules' and the
    // objective's), in the same states, since the same instants, saying the same.
    let collected = runtime.block_on(fleetdeck::headless::alarms::collect(
        dashboard,
        Clock::Fixed(now),
    ));
    assert!(collected.errors.is_empty(), "{:?}", collected.errors);
    let listed: Vec<&Alarm> = collected.alarms.iter().collect();
    let in_window: Vec<&Alarm> = session.alarms().evaluated_here();
    assert_eq!(summary(&listed), summary(&in_window));
    assert!(
        listed
            .iter()
            .filter(|a| a.state.label() == "firing")
            .count()
            == 2,
        "{:?}",
        summary(&listed)
    );
}
