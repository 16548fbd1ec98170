//! Spike fidelity: a 10-second spike in a week of 5-second data must show in the
//! chart's min/max band and in `export --envelope` at 7-day zoom, where the line
//! samples one instant every ten minutes. Against real Prometheus (the week
//! backfilled with `promtool`) and against the simulated fleet's stalls.

use crate::support;

use chrono::{DateTime, Duration as ChronoDuration, TimeZone, Utc};
use fleetdeck::clock::Clock;
use fleetdeck::dashboard::Dashboard;
use fleetdeck::headless::export::{ExportedSeries, export_panel};
use fleetdeck::layout::parse_layout;
use fleetdeck::session::{Scope, Session, View};
use fleetdeck::source::demo::fleet::{Fleet, STALL_LENGTH_S};
use fleetdeck::time_range::{TimeExpr, TimeRange};
use fleetdeck::ui::band_cache::{BandPoints, fold};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The plot width the week is drawn at: a step of about ten minutes.
const WIDTH_PX: u32 = 1_000;
const WEEK_S: i64 = 7 * 86_400;

fn week_ending(end: DateTime<Utc>) -> TimeRange {
    TimeRange {
        from: TimeExpr::Absolute(end - ChronoDuration::seconds(WEEK_S)),
        to: TimeExpr::Absolute(end),
    }
}

/// What the chart of `panel` draws over `range`, series by series: the line's
/// highest value and the band's outline, folded for a plot `WIDTH_PX` wide
/// exactly as the chart folds it.
fn drawn_week(
    dashboard: Dashboard,
    panel: &str,
    range: &TimeRange,
    clock: Clock,
) -> Vec<(String, f64, BandPoints)> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dashboard = Arc::new(dashboard);
    let panel = dashboard.panel_by_title(panel).unwrap().clone();
    let mut session = Session::new(dashboard.clone(), clock)
        .with_scope(Scope::Panels([panel.id.clone()].into()))
        .keep_everything();
    session.set_uniform_width(WIDTH_PX);
    session.set_view(View {
        range: range.clone(),
        refresh: Duration::from_secs(60),
        live: false,
    });
    let _guard = runtime.enter();
    session.start(runtime.handle(), Arc::new(|| {}));
    runtime
        .block_on(session.settle(Duration::from_secs(60)))
        .unwrap();
    let window = range.resolve(clock.now());
    let store = session.store();
    panel
        .queries
        .iter()
        .flat_map(|query| store.query_series(&panel.key(&query.id)))
        .map(|(key, series)| {
            let highest = series.iter().map(|s| s.value).fold(f64::MIN, f64::max);
            let band = store
                .band(key)
                .map(|band| fold(band, window, WIDTH_PX as usize))
                .unwrap_or_default();
            (format!("{:?}", key.labels), highest, band)
        })
        .collect()
}

/// The highest value the band reaches within `around_s` seconds of `t_s`.
fn band_peak_near(band: &BandPoints, t_s: f64, around_s: f64) -> Option<f64> {
    band.xs
        .iter()
        .zip(&band.highs)
        .filter(|(x, _)| (**x - t_s).abs() <= around_s)
        .map(|(_, high)| *high)
        .reduce(f64::max)
}

/// The exported point whose step holds `t_ms`, with its band.
fn exported_step(series: &ExportedSeries, t_ms: i64) -> (i64, f64, Option<(f64, f64)>) {
    let index = series
        .points
        .iter()
        .position(|&(t, _)| t >= t_ms)
        .expect("a point at or after the spike");
    let (t, value) = series.points[index];
    let band = series.band.as_ref().expect("--envelope asks bands")[index];
    (t, value, band)
}

fn layout(text: &str) -> Dashboard {
    parse_layout(text, Path::new("envelope-test.toml")).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_ten_second_spike_in_a_week_of_prometheus_data_shows_at_seven_day_zoom() {
    // A week of 5-second samples near 1 s, ending an hour ago, with one 10-second
    // spike to ten times that, 5 minutes into a 15-minute step (a week on 1000 px
    // is planned at 900 s): no instant the line samples falls inside it.
    let end_s = (Utc::now().timestamp() - 3_600) / 5 * 5;
    let start_s = end_s - WEEK_S;
    let spike_s = (start_s + 3 * 86_400) / 900 * 900 + 300;
    let mut openmetrics = String::from("# TYPE request_latency_seconds gauge\n");
    let mut peak = 0.0_f64;
    for t in (start_s..=end_s).step_by(5) {
        let calm = 1.0 + 0.05 * ((t - start_s) as f64 / 900.0).sin();
        let value = if (spike_s..spike_s + 10).contains(&t) {
            peak = peak.max(10.0 * calm);
            10.0 * calm
        } else {
            calm
        };
        openmetrics.push_str(&format!(
            "request_latency_seconds{{model=\"llama\"}} {value} {t}\n"
        ));
    }
    openmetrics.push_str("# EOF\n");
    let server = support::prometheus_backfilled(&openmetrics);
    let text = format!(
        r#"version = 1
title = "spike"
refresh = "1m"
time = {{ from = "now-7d", to = "now" }}

[sources.prom]
kind = "prometheus"
url = "{}"
scrape_interval = "5s"

[[panels]]
title = "latency"
grid = {{ x = 0, y = 0, w = 24, h = 8 }}
unit = "s"
  [[panels.queries]]
  source = "prom"
  promql = "request_latency_seconds"

# Not a bare selector: its band is a subquery at the scrape interval.
[[panels]]
title = "latency in ms"
grid = {{ x = 0, y = 8, w = 24, h = 8 }}
unit = "ms"
  [[panels.queries]]
  source = "prom"
  promql = "request_latency_seconds * 1000"
"#,
        server.url()
    );
    let end = Utc.timestamp_opt(end_s, 0).unwrap();
    let range = week_ending(end);

    for (panel, scale) in [("latency", 1.0), ("latency in ms", 1000.0)] {
        let drawn = drawn_week(layout(&text), panel, &range, Clock::System);
        assert_eq!(drawn.len(), 1, "{panel}: {}", server.log());
        let (_, line_peak, band) = &drawn[0];
        assert!(
            *line_peak < 2.0 * scale,
            "{panel}: the 15-minute line should step over a 10-second spike (peak \
             {line_peak}); if this fails the test no longer shows what the band is for"
        );
        let shown = band_peak_near(band, spike_s as f64, 1_200.0)
            .unwrap_or_else(|| panic!("{panel}: no band near the spike: {band:?}"));
        assert!(
            shown >= 0.99 * peak * scale,
            "{panel}: the band reaches {shown} near the spike of {peak}"
        );
        let elsewhere = band_peak_near(band, (spike_s - 86_400) as f64, 40_000.0).unwrap();
        assert!(
            elsewhere < 1.1 * scale,
            "{panel}: a calm day's band reaches {elsewhere}"
        );
    }

    // `fleetdeck export --envelope`: the step after the spike carries it as its max.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let exported = runtime
        .block_on(export_panel(
            Arc::new(layout(&text)),
            "latency",
            &range,
            Clock::System,
            WIDTH_PX,
            true,
        ))
        .unwrap();
    let (t, value, band) = exported_step(&exported[0], spike_s * 1000);
    let (low, high) = band.unwrap_or_else(|| panic!("no band at {t}"));
    assert!(value < 2.0, "the exported line point at {t} is {value}");
    assert!(
        high >= 0.99 * peak,
        "exported max {high} at {t}, spike {peak}"
    );
    assert!(low <= value && low > 0.9, "exported min {low} at {t}");
}

#[test]
fn a_ten_second_stall_of_the_simulated_fleet_shows_at_seven_day_zoom() {
    let end = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
    let range = week_ending(end);
    let fleet = Fleet::new(42);
    let stalls = fleet.stalls_between(
        (end.timestamp() - WEEK_S) as f64 + 1_800.0,
        end.timestamp() as f64 - 1_800.0,
    );
    assert!(!stalls.is_empty(), "no stall in the week");
    let text = r#"version = 1
title = "stall"
refresh = "1m"
time = { from = "now-7d", to = "now" }

[sources.fleet]
kind = "demo"
seed = 42

[[panels]]
title = "p99"
grid = { x = 0, y = 0, w = 24, h = 8 }
unit = "s"
  [[panels.queries]]
  source = "fleet"
  metric = "vllm:e2e_request_latency_seconds"
  quantile = 0.99
  legend = "{{model_name}}"
"#;
    let drawn = drawn_week(layout(text), "p99", &range, Clock::Fixed(end));
    let endpoints = fleetdeck::source::demo::fleet::endpoints();
    for (endpoint, start_s) in stalls {
        let model = endpoints[endpoint].model_name;
        let (_, _, band) = drawn
            .iter()
            .find(|(labels, _, _)| labels.contains(model))
            .unwrap_or_else(|| panic!("no series for {model}"));
        // The stall's p99, as the fleet had it at a 5-second sample inside it.
        let state = fleet.state(endpoint, start_s + 5.0);
        let stalled = state.median_latency_s
            * (fleetdeck::source::demo::fleet::normal_quantile(0.99) * state.latency_sigma).exp();
        let before = fleet.state(endpoint, start_s - 5.0).median_latency_s;
        assert!(
            state.median_latency_s > 5.0 * before,
            "{model} at {start_s}"
        );
        let shown = band_peak_near(band, start_s + STALL_LENGTH_S, 1_200.0)
            .unwrap_or_else(|| panic!("no band near the stall of {model} at {start_s}"));
        assert!(
            shown >= 0.9 * stalled,
            "{model}: the band reaches {shown} near a stall of {stalled} at {start_s}"
        );
    }
    // The export carries the same band.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let exported = runtime
        .block_on(export_panel(
            Arc::new(layout(text)),
            "p99",
            &range,
            Clock::Fixed(end),
            WIDTH_PX,
            true,
        ))
        .unwrap();
    let (endpoint, start_s) = fleet.stalls_between(
        (end.timestamp() - WEEK_S) as f64 + 1_800.0,
        end.timestamp() as f64,
    )[0];
    let series = exported
        .iter()
        .find(|s| s.name == endpoints[endpoint].model_name)
        .unwrap();
    let (t, value, band) = exported_step(series, (start_s * 1000.0) as i64);
    let (_, high) = band.unwrap();
    let state = fleet.state(endpoint, start_s + 5.0);
    let stalled = state.median_latency_s
        * (fleetdeck::source::demo::fleet::normal_quantile(0.99) * state.latency_sigma).exp();
    assert!(
        high >= 0.9 * stalled,
        "exported max {high} (value {value}) at {t}, stall {stalled}"
    );
}
