//! The operations behind the simulated fleet (seed 42): its autoscaler's actions
//! and its chaos experiment happen at known times, are reported by the demo
//! source, and each is drawn on the charts of the endpoint it touched and on no
//! other; the experiment visibly disturbs its endpoint.

use crate::support;
use egui_kittest::Harness;
use fleetdeck::app::{AppOptions, FleetApp};
use fleetdeck::clock::{Clock, DisplayZone};
use fleetdeck::layout::load_layout;
use fleetdeck::ops::{OpsEvent, OpsKind};
use std::path::Path;
use std::time::{Duration, Instant};

fn at(text: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn ms(text: &str) -> i64 {
    at(text).timestamp_millis()
}

/// The titles of the panels on which `wanted` is drawn.
fn drawn_on(app: &FleetApp, wanted: &OpsEvent) -> Vec<String> {
    let session = app.session();
    let window = app.view().window(at("2026-11-25T15:10:00Z"));
    let operations: Vec<OpsEvent> = session.operations().cloned().collect();
    app.dashboard()
        .panels
        .iter()
        .filter(|panel| {
            let labels: Vec<&std::collections::BTreeMap<String, String>> = panel
                .queries
                .iter()
                .flat_map(|q| session.store().query_series(&panel.key(&q.id)))
                .map(|(key, _)| &key.labels)
                .collect();
            fleetdeck::ui::timeseries::operations_drawn(&operations, &labels, window)
                .contains(&wanted)
        })
        .map(|panel| panel.title.clone())
        .collect()
}

#[test]
fn seed_42s_scaling_and_chaos_experiment_are_drawn_on_their_endpoints_charts_only() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("layouts/demo-operations.toml");
    let options = AppOptions {
        clock: Clock::Fixed(at("2026-11-25T15:10:00Z")),
        zone: DisplayZone::Utc,
        ..AppOptions::default()
    };
    let app =
        FleetApp::new(load_layout(&path).unwrap(), options).with_runtime(runtime.handle().clone());
    let mut harness = Harness::builder()
        .with_size([1600.0, 1000.0])
        .with_options(support::snapshot_options())
        .build_ui_state(|ui, app: &mut FleetApp| app.show(ui), app);
    let deadline = Instant::now() + Duration::from_secs(30);
    while harness.state().session().operations().next().is_none()
        || harness.state().session().pending_queries() > 0
    {
        assert!(Instant::now() < deadline, "the fleet's data and operations");
        harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    harness.run_steps(3);
    let operations: Vec<OpsEvent> = harness.state().session().operations().cloned().collect();

    // The experiment: 14:44–14:54 on the Inferentia endpoint, completed.
    let chaos = operations
        .iter()
        .find(|e| matches!(e.kind, OpsKind::Experiment { .. }))
        .expect("seed 42's experiment on 2026-11-25")
        .clone();
    assert_eq!(chaos.resource, "llm-prod-llama8b-inf2");
    assert_eq!(chaos.start_ms, ms("2026-11-25T14:44:00Z"));
    assert_eq!(chaos.end_ms, Some(ms("2026-11-25T14:54:00Z")));
    assert!(chaos.label().ends_with("(completed)"), "{}", chaos.label());
    // A scale-out of the Mistral pool at 14:00, from 7 to 8 instances.
    let scale_out = operations
        .iter()
        .find(|e| {
            e.resource == "llm-prod-mistral7b"
                && e.start_ms == ms("2026-11-25T14:00:00Z")
                && matches!(e.kind, OpsKind::Scaling { from: 7, to: 8, .. })
        })
        .expect("the Mistral pool scaled out at 14:00")
        .clone();

    let chaos_on = drawn_on(harness.state(), &chaos);
    assert_eq!(
        chaos_on,
        [
            "p99 model latency by endpoint",
            "Instances · Llama 8B (inf2, autoscaled)",
            "NeuronCore utilisation by instance",
            "5xx errors/s by endpoint",
        ],
        "the band is on the Inferentia endpoint's charts and nowhere else"
    );
    let scaling_on = drawn_on(harness.state(), &scale_out);
    assert_eq!(
        scaling_on,
        [
            "Instances · Mistral 7B (g6, autoscaled)",
            "Invocations per instance vs the scaling target · Mistral 7B",
            "p99 model latency by endpoint",
            "GPU utilisation by host (DCGM)",
            "5xx errors/s by endpoint",
        ]
    );

    // The pool drawn follows: 7 before 14:00, 8 after.
    let store = harness.state().session().store();
    let in_service = support::key("instances-mistral-7b-g6-autoscaled", "q1");
    let (_, series) = store.query_series(&in_service).next().unwrap();
    let scaled_at = ms("2026-11-25T14:00:00Z");
    let before = series.iter().rfind(|s| s.t_ms < scaled_at).unwrap();
    let after = series.iter().find(|s| s.t_ms >= scaled_at).unwrap();
    assert_eq!((before.value, after.value), (7.0, 8.0));
    // The experiment stops one Inferentia instance: its NeuronCores go silent.
    let cores = support::key("neuroncore-utilisation-by-instance", "q1");
    let silent = store
        .query_series(&cores)
        .filter(|(key, _)| key.labels["endpoint"] == "llm-prod-llama8b-inf2")
        .filter(|(_, s)| {
            let during = ms("2026-11-25T14:45:00Z")..ms("2026-11-25T14:53:00Z");
            !s.iter()
                .any(|sample| during.contains(&sample.t_ms) && sample.value.is_finite())
        })
        .count();
    assert_eq!(silent, 1, "one instance stopped during the experiment");
    harness.snapshot("demo_operations");
}
