//! Frames of a fleet-scale dashboard: 10,000 GPU series (1,250 nodes × 8) of an
//! hour at 15 s (241 points each), headless (`run_ui` + `tessellate`), 1920×1080.
//!
//! - `map_steady`: a full-width fleet map of 10,000 cells, nothing new;
//! - `map_hover`: the same with the pointer over a cell (its tooltip);
//! - `map_new_data`: every series re-merged (a refresh): the map is rebuilt;
//! - `spread_steady`: a line panel in spread mode over the 10,000 series;
//! - `spread_new_data`: every series re-merged: the UI thread's share of a new
//!   spread (the series copied and handed to a thread; the spread itself is
//!   computed there, `spread_compute_only`);
//! - `spread_compute_only`, `touch_only`: the two halves of that, apart.
//!
//! `cargo bench --bench fleet -- --warm-up-time 2 --measurement-time 5`

// A benchmark/example may stop at its first surprise.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use fleetdeck::app::{AppOptions, FleetApp};
use fleetdeck::clock::{Clock, DisplayZone};
use fleetdeck::dashboard::QueryKey;
use fleetdeck::layout::parse_layout;
use fleetdeck::store::{Retention, Sample, SeriesKey};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::Path;

const NODES: usize = 1_250;
const GPUS: usize = 8;
const POINTS: usize = 241;
const STEP_MS: i64 = 15_000;

fn layout_text(kind: &str) -> String {
    format!(
        r#"version = 1
title = "bench"
time = {{ from = "now-1h", to = "now" }}
[sources.fleet]
kind = "demo"
[[panels]]
title = "gpus"
kind = "{kind}"
grid = {{ x = 0, y = 0, w = 24, h = 20 }}
unit = "percent"
{group}thresholds = [{{ value = 0, color = "blue" }}, {{ value = 10, color = "green" }}, {{ value = 95, color = "red" }}]
  [[panels.queries]]
  source = "fleet"
  metric = "DCGM_FI_DEV_GPU_UTIL"
"#,
        group = if kind == "fleet" {
            "group_by = [\"Hostname\"]\n"
        } else {
            ""
        }
    )
}

fn key() -> QueryKey {
    QueryKey {
        panel: "gpus".into(),
        query: "q1".into(),
    }
}

fn app(kind: &str, now: DateTime<Utc>) -> FleetApp {
    let layout = parse_layout(&layout_text(kind), Path::new("bench.toml")).unwrap();
    let options = AppOptions {
        clock: Clock::Fixed(now),
        zone: DisplayZone::Utc,
        ..AppOptions::default()
    };
    let mut app = FleetApp::new(layout, options);
    let end_ms = now.timestamp_millis();
    let start_ms = end_ms - (POINTS as i64 - 1) * STEP_MS;
    let store = app.session_mut().store_mut();
    store.set_retention(Retention {
        max_points: POINTS,
        max_age_ms: i64::MAX,
    });
    for node in 0..NODES {
        for gpu in 0..GPUS {
            let phase = (node * GPUS + gpu) as f64;
            let samples: Vec<Sample> = (0..POINTS)
                .map(|i| Sample {
                    t_ms: start_ms + i as i64 * STEP_MS,
                    value: (50.0
                        + 40.0 * (phase * 0.37).sin()
                        + 5.0 * (i as f64 / 30.0 + phase).sin())
                    .clamp(0.0, 100.0),
                })
                .collect();
            let labels = BTreeMap::from([
                ("Hostname".to_owned(), format!("node-{node:04}")),
                ("gpu".to_owned(), gpu.to_string()),
            ]);
            store.merge(SeriesKey::new(&key(), labels), start_ms, end_ms, &samples);
        }
    }
    app
}

fn raw_input(pointer: Option<egui::Pos2>) -> egui::RawInput {
    egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1920.0, 1080.0),
        )),
        events: pointer.map(egui::Event::PointerMoved).into_iter().collect(),
        ..Default::default()
    }
}

fn frame(ctx: &egui::Context, app: &mut FleetApp, pointer: Option<egui::Pos2>) -> usize {
    let mut output = ctx.run_ui(raw_input(pointer), |ui| app.show(ui));
    output.textures_delta.clear();
    ctx.tessellate(output.shapes, output.pixels_per_point).len()
}

/// Re-merges every series' newest sample: unchanged data, new generations.
fn touch_every_series(app: &mut FleetApp) {
    let keys: Vec<(SeriesKey, Sample)> = app
        .session()
        .store()
        .query_series(&key())
        .filter_map(|(key, series)| series.last().map(|last| (key.clone(), last)))
        .collect();
    for (key, last) in keys {
        app.session_mut()
            .store_mut()
            .merge(key, last.t_ms, last.t_ms, &[last]);
    }
}

fn bench_fleet(c: &mut Criterion) {
    let now = DateTime::parse_from_rfc3339("2026-12-07T06:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let mut group = c.benchmark_group("fleet_10000_series");
    group.sample_size(20);
    for kind in ["fleet", "timeseries"] {
        let name = if kind == "fleet" { "map" } else { "spread" };
        let ctx = egui::Context::default();
        let mut app = app(kind, now);
        frame(&ctx, &mut app, None);
        frame(&ctx, &mut app, None);
        group.bench_function(format!("{name}_steady"), |b| {
            b.iter(|| black_box(frame(&ctx, &mut app, None)));
        });
        if kind == "timeseries" {
            let window = fleetdeck::time_range::Window {
                start_ms: now.timestamp_millis() - 3_600_000,
                end_ms: now.timestamp_millis(),
            };
            group.bench_function("spread_compute_only", |b| {
                b.iter(|| {
                    black_box(fleetdeck::fleet::spread::Spread::of(
                        app.session().store().query_series(&key()),
                        window,
                        5,
                    ))
                });
            });
            group.bench_function("touch_only", |b| {
                b.iter(|| touch_every_series(&mut app));
            });
        }
        if kind == "fleet" {
            let over = Some(egui::pos2(700.0, 300.0));
            group.bench_function("map_hover", |b| {
                b.iter(|| black_box(frame(&ctx, &mut app, over)));
            });
        }
        group.bench_function(format!("{name}_new_data"), |b| {
            b.iter(|| {
                touch_every_series(&mut app);
                black_box(frame(&ctx, &mut app, None))
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench_fleet);
criterion_main!(benches);
