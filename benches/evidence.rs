//! What keeping and showing evidence costs: drawing the demo layout (15 panels)
//! headless at 1920×1080 the way `fleetdeck render` does (the UI laid out and
//! rendered offscreen by wgpu, software rasteriser on a machine without a GPU),
//! from an incident file so no fetching is timed; and writing one hour of the
//! demo into an incident file (its size is printed).
//!
//! `cargo bench --bench evidence`

// A benchmark's setup failing is a broken benchmark: say so loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use fleetdeck::app::{AppOptions, FleetApp};
use fleetdeck::clock::{Clock, DisplayZone};
use fleetdeck::headless::snapshot::capture;
use fleetdeck::incident::Incident;
use fleetdeck::time_range::Window;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

fn demo_hour() -> Incident {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("layouts/demo-fleet.toml");
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-11-25T12:00:00Z")
        .unwrap()
        .to_utc();
    let end = now.timestamp_millis();
    let window = Window {
        start_ms: end - 3_600_000,
        end_ms: end,
    };
    let dashboard = Arc::new(fleetdeck::layout::load_layout(&path).unwrap());
    runtime.block_on(capture(dashboard, window, Clock::Fixed(now), Vec::new()))
}

/// One image, as `render` makes it: window built, laid out, drawn, read back.
fn render(incident: &Incident) -> image::RgbaImage {
    let options = AppOptions {
        clock: Clock::Fixed(DateTime::from_timestamp_millis(incident.taken_at_ms).unwrap()),
        zone: DisplayZone::Utc,
        ..AppOptions::default()
    };
    let mut app = FleetApp::from_incident(incident, Path::new("bench.fdi"), options).unwrap();
    let mut screen = fleetdeck::offscreen::Offscreen::new(1920, 1080);
    for _ in 0..4 {
        screen.step(|ui| app.show(ui));
    }
    screen.image()
}

fn bench_evidence(c: &mut Criterion) {
    let incident = demo_hour();
    let bytes = fleetdeck::incident::format::to_bytes(&incident).unwrap();
    let points: usize = incident
        .series
        .iter()
        .chain(&incident.context)
        .map(|s| s.samples.len())
        .sum();
    eprintln!(
        "one hour of the demo layout ({} panels, {} series): {} bytes in the incident file, {points} points",
        fleetdeck::layout::parse_layout(&incident.layout_text, Path::new("x"))
            .unwrap()
            .panels
            .len(),
        incident.series.len(),
        bytes.len()
    );
    let mut group = c.benchmark_group("evidence");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("render demo 1920x1080 headless", |b| {
        b.iter(|| render(&incident))
    });
    group.bench_function("write one hour of the demo (CBOR + zstd)", |b| {
        b.iter(|| fleetdeck::incident::format::to_bytes(&incident).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench_evidence);
criterion_main!(benches);
