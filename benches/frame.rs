//! One headless frame of a 12-panel, 60-series dashboard (`run_ui` + `tessellate`),
//! with 1k and with 100k stored points per series (100k ≈ a day at 1 s).
//!
//! - `steady`: nothing changed since the last frame (hover, repaint): the cached
//!   decimated lines are reused.
//! - `new_data`: every series' newest sample was fetched again (a refresh that
//!   found nothing new): every line's last columns are redone.
//! - `append`: the clock moved 1 s and every series got one new sample, the oldest
//!   dropping out (a live 1 Hz dashboard): the window slides and every line takes
//!   the new sample; the rest of each line is kept.
//! - `resize`: the window is 20 px narrower or wider than last frame:
//!   every line is decimated again from the whole store, as after a zoom or pan.

// A benchmark/example may stop at its first surprise.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Utc};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use fleetdeck::app::{AppOptions, FleetApp};
use fleetdeck::clock::{Clock, DisplayZone};
use fleetdeck::dashboard::QueryKey;
use fleetdeck::layout::parse_layout;
use fleetdeck::store::{Retention, Sample, SeriesKey};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::Path;

const PANELS: usize = 12;
const SERIES_PER_PANEL: usize = 5;

fn layout_text(span_s: usize) -> String {
    let mut text = format!(
        "version = 1\ntitle = \"bench\"\ntime = {{ from = \"now-{span_s}s\", to = \"now\" }}\n[sources.fleet]\nkind = \"demo\"\n"
    );
    for panel in 0..PANELS {
        let (x, y) = ((panel % 4) * 6, (panel / 4) * 8);
        text.push_str(&format!(
            "[[panels]]\ntitle = \"panel {panel}\"\ngrid = {{ x = {x}, y = {y}, w = 6, h = 8 }}\nunit = \"s\"\n  [[panels.queries]]\n  source = \"fleet\"\n  metric = \"vllm:e2e_request_latency_seconds\"\n  quantile = 0.99\n  legend = \"{{{{s}}}}\"\n"
        ));
    }
    text
}

fn app_with_points(points: usize, now: DateTime<Utc>) -> FleetApp {
    let layout = parse_layout(&layout_text(points), Path::new("bench.toml")).unwrap();
    let options = AppOptions {
        clock: Clock::Fixed(now),
        zone: DisplayZone::Utc,
        ..AppOptions::default()
    };
    let mut app = FleetApp::new(layout, options);
    let end_ms = now.timestamp_millis();
    let start_ms = end_ms - (points as i64 - 1) * 1000;
    let store = app.session_mut().store_mut();
    store.set_retention(Retention {
        max_points: points,
        max_age_ms: i64::MAX,
    });
    for panel in 0..PANELS {
        for series in 0..SERIES_PER_PANEL {
            let phase = (panel * SERIES_PER_PANEL + series) as f64;
            let samples: Vec<Sample> = (0..points)
                .map(|i| Sample {
                    t_ms: start_ms + i as i64 * 1000,
                    value: 2.0
                        + phase * 0.1
                        + (i as f64 / 600.0 + phase).sin()
                        + ((i * 7919) % 101) as f64 / 200.0,
                })
                .collect();
            let key = SeriesKey::new(
                &query_key(panel),
                BTreeMap::from([("s".to_owned(), format!("series {series}"))]),
            );
            store.merge(key, start_ms, end_ms, &samples);
        }
    }
    app
}

/// The one query of panel `panel`.
fn query_key(panel: usize) -> QueryKey {
    QueryKey {
        panel: format!("panel-{panel}").into(),
        query: "q1".into(),
    }
}

fn raw_input(width: f32) -> egui::RawInput {
    egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(width, 1080.0),
        )),
        ..Default::default()
    }
}

fn frame(ctx: &egui::Context, app: &mut FleetApp) -> usize {
    frame_at_width(ctx, app, 1920.0)
}

fn frame_at_width(ctx: &egui::Context, app: &mut FleetApp, width: f32) -> usize {
    let mut output = ctx.run_ui(raw_input(width), |ui| app.show(ui));
    // No renderer here to upload font textures to.
    output.textures_delta.clear();
    ctx.tessellate(output.shapes, output.pixels_per_point).len()
}

/// Re-merges every series' newest sample: the data is unchanged but every line's
/// cache is invalidated, as after a refresh.
fn touch_every_series(app: &mut FleetApp) {
    let keys: Vec<(SeriesKey, Sample)> = (0..PANELS)
        .flat_map(|panel| {
            app.session()
                .store()
                .query_series(&query_key(panel))
                .filter_map(|(key, series)| series.last().map(|last| (key.clone(), last)))
                .collect::<Vec<_>>()
        })
        .collect();
    for (key, last) in keys {
        app.session_mut()
            .store_mut()
            .merge(key, last.t_ms, last.t_ms, &[last]);
    }
}

/// Moves the clock one second on and gives every series a sample at the new now.
fn append_to_every_series(app: &mut FleetApp, now: &mut DateTime<Utc>) {
    *now += chrono::Duration::seconds(1);
    app.set_clock(Clock::Fixed(*now));
    let t_ms = now.timestamp_millis();
    let keys: Vec<(SeriesKey, Sample)> = (0..PANELS)
        .flat_map(|panel| {
            app.session()
                .store()
                .query_series(&query_key(panel))
                .filter_map(|(key, series)| series.last().map(|last| (key.clone(), last)))
                .collect::<Vec<_>>()
        })
        .collect();
    for (key, last) in keys {
        let next = Sample {
            t_ms,
            value: last.value + 0.01,
        };
        app.session_mut()
            .store_mut()
            .merge(key, t_ms, t_ms, &[next]);
    }
}

fn bench_frames(c: &mut Criterion) {
    // As the app does at start (src/main.rs).
    fleetdeck::heap::keep_frame_headroom();
    let now = DateTime::parse_from_rfc3339("2026-11-25T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let mut group = c.benchmark_group("frame_12_panels_60_series");
    for points in [1_000usize, 100_000] {
        let ctx = egui::Context::default();
        let mut app = app_with_points(points, now);
        frame(&ctx, &mut app);
        frame(&ctx, &mut app);
        group.bench_with_input(BenchmarkId::new("steady", points), &points, |b, _| {
            b.iter(|| black_box(frame(&ctx, &mut app)));
        });
        group.bench_with_input(BenchmarkId::new("new_data", points), &points, |b, _| {
            b.iter(|| {
                touch_every_series(&mut app);
                black_box(frame(&ctx, &mut app))
            });
        });
        let mut clock = now;
        group.bench_with_input(BenchmarkId::new("append", points), &points, |b, _| {
            b.iter(|| {
                append_to_every_series(&mut app, &mut clock);
                black_box(frame(&ctx, &mut app))
            });
        });
        let mut narrower = false;
        group.bench_with_input(BenchmarkId::new("resize", points), &points, |b, _| {
            b.iter(|| {
                narrower = !narrower;
                let width = if narrower { 1900.0 } else { 1920.0 };
                black_box(frame_at_width(&ctx, &mut app, width))
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench_frames);
criterion_main!(benches);
