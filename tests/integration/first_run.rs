//! A new user's first minutes, in the window (egui_kittest): the first-run window
//! says the fleet is simulated and offers the ways in; "Connect…" discovers a real
//! Prometheus, writes the layout into the layouts folder and opens it; closing the
//! welcome leaves the mark that makes later starts reopen the last layout. And a
//! discovered layout drawn on data it was discovered from (snapshot).

use crate::support;
use egui_kittest::kittest::Queryable;
use fleetdeck::discover::{Targets, discover};
use std::path::Path;

#[test]
fn the_welcome_says_the_fleet_is_simulated_and_connect_discovers_and_opens_a_layout() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let simulator = support::simulator(&runtime);
    let prometheus = support::prometheus(simulator);
    prometheus.wait_for("vllm:num_requests_running");
    let dir = tempfile::tempdir().unwrap();
    let layouts = dir.path().join("layouts");
    let mark = dir.path().join("state/welcomed");
    let (path, _) = support::demo_layout_copy(dir.path());
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-25T06:40:00Z")
        .unwrap()
        .to_utc();
    let app = support::app_on_file(&path, now, &runtime)
        .with_welcome(mark.clone())
        .with_layouts_folder(layouts.clone());
    let mut harness = support::harness_builder()
        .with_size([1400.0, 800.0])
        .build_eframe(|_| app);
    support::step_until(&mut harness, "the demo's data", |h| {
        h.state().session().pending_queries() == 0 && h.state().session().store().series_count() > 0
    });
    harness.run_steps(3);
    harness.get_by_label("This is a simulated fleet.");
    harness.get_by_label("Import a Grafana dashboard…");
    harness.get_by_label("Open a layout…");
    harness.snapshot("first_run_welcome");

    harness
        .get_by_label("Connect to Prometheus or AWS…")
        .click();
    harness.run_steps(3);
    assert!(
        harness
            .query_by_label("This is a simulated fleet.")
            .is_none()
    );
    support::step_until(&mut harness, "the first-run mark written", |_| {
        mark.is_file()
    });
    let field = harness.get_by_label("Prometheus URL");
    field.click();
    field.type_text(&prometheus.url());
    harness.run_steps(2);
    harness.get_by_label("Discover").click();
    support::step_until(&mut harness, "the discovered layout open", |h| {
        h.state().dashboard().title == "Discovered fleet"
    });
    let written: Vec<_> = std::fs::read_dir(&layouts)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(written.len(), 1, "{written:?}");
    let file = &written[0];
    let port = prometheus.address.port();
    assert_eq!(
        file.file_name().unwrap().to_string_lossy(),
        format!("discovered-127-0-0-1-{port}.toml")
    );
    // The window shows the file it wrote, and says what it found.
    assert_eq!(
        std::fs::canonicalize(&harness.state().dashboard().path).unwrap(),
        std::fs::canonicalize(file).unwrap()
    );
    fleetdeck::layout::load_layout(file).unwrap();
    harness.get_by_label_contains("discovered vllm, triton, dcgm, neuron");
}

#[test]
fn a_typo_in_connect_is_said_and_nothing_is_written() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let layouts = dir.path().join("layouts");
    let (path, _) = support::demo_layout_copy(dir.path());
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-25T06:40:00Z")
        .unwrap()
        .to_utc();
    let app = support::app_on_file(&path, now, &runtime)
        .with_welcome(dir.path().join("welcomed"))
        .with_layouts_folder(layouts.clone());
    let mut harness = support::harness_builder()
        .with_size([1400.0, 800.0])
        .build_eframe(|_| app);
    harness.run_steps(2);
    harness
        .get_by_label("Connect to Prometheus or AWS…")
        .click();
    harness.run_steps(3);
    let field = harness.get_by_label("Prometheus URL");
    field.click();
    field.type_text("prometheus:9090");
    harness.run_steps(2);
    harness.get_by_label("Discover").click();
    harness.run_steps(3);
    harness.get_by_label("`prometheus:9090`: a URL starts with http:// or https://");
    assert!(!layouts.exists());
    assert_eq!(
        harness.state().dashboard().title,
        "AI fleet — overview (simulated)"
    );
}

/// A discovered layout as a user first sees it: TGI, SGLang and AMD GPUs
/// backfilled over a fixed hour, discovered at its end and drawn then.
#[test]
fn a_discovered_layout_draws_every_section_on_the_data_it_was_found_in() {
    let end_s = 1_764_052_800; // 2025-11-25T06:40:00Z
    let start_s = end_s - 3600;
    let mut openmetrics = String::new();
    for t in (start_s..=end_s).step_by(15) {
        for line in crate::discover::exposition((t - start_s) as f64).lines() {
            if line.starts_with('#') {
                continue;
            }
            // OpenMetrics has no empty label braces.
            let line = line.replace("{}", "");
            openmetrics.push_str(&format!("{line} {t}\n"));
        }
    }
    openmetrics.push_str("# EOF\n");
    let prometheus = support::prometheus_backfilled(&openmetrics);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let discovered = runtime
        .block_on(discover(
            &Targets {
                prometheus: Some(prometheus.url()),
                cloudwatch: None,
            },
            "Discovered fleet",
            end_s * 1000,
        ))
        .unwrap();
    assert_eq!(discovered.recognised, ["sglang", "tgi", "amd"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("discovered.toml");
    // The server's port varies from run to run; the snapshot must not.
    std::fs::write(&path, &discovered.text).unwrap();
    let now = chrono::DateTime::from_timestamp(end_s, 0).unwrap();
    let app = support::app_on_file(&path, now, &runtime);
    let mut harness = support::harness_builder()
        .with_size([1400.0, 1500.0])
        .build_eframe(|_| app);
    support::step_until(&mut harness, "every panel's data", |h| {
        let session = h.state().session();
        session.pending_queries() == 0 && session.store().series_count() > 20
    });
    harness.run_steps(3);
    harness.snapshot("discovered_tgi_sglang_amd");
    assert!(Path::new(&path).is_file());
}
