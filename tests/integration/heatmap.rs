//! The heatmap panel against a real Prometheus scraping `fleetdeck simulate`:
//! its columns come from vLLM's latency histogram, and the p99 drawn over them is
//! the one PromQL's `histogram_quantile` computes from the same buckets. And the
//! demo's latency histogram drawn during an incident, looked at.

use crate::support;
use std::path::Path;

const BUCKETS: &str = r#"sum by (le) (rate(vllm:e2e_request_latency_seconds_bucket{model_name="meta-llama/Llama-3.1-70B-Instruct"}[10s]))"#;

#[test]
fn the_p99_over_the_heatmap_is_prometheus_histogram_quantile() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let prometheus = support::prometheus(target);
    prometheus.wait_for(BUCKETS);
    let heatmap = support::heatmap::HeatmapQuery::new(&prometheus.url(), BUCKETS);
    let mut checked = 0;
    support::wait_until("columns with observations", || {
        let Some((columns, _)) = heatmap.recent_columns(&runtime) else {
            return false;
        };
        for column in columns.iter().filter(|c| c.total() > 0.0) {
            let ours = fleetdeck::heatmap::quantile(0.99, column).unwrap();
            let promql = format!("histogram_quantile(0.99, {BUCKETS})");
            let at_s = column.t_ms / 1000;
            let body = prometheus.query_at(&promql, at_s);
            let json: serde_json::Value = serde_json::from_str(&body).unwrap();
            let theirs: f64 = json["data"]["result"][0]["value"][1]
                .as_str()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{promql}: {body}"));
            assert!(
                (ours - theirs).abs() <= 0.01 * theirs,
                "p99 at {at_s}: ours {ours}, histogram_quantile {theirs}"
            );
            checked += 1;
        }
        checked >= 3
    });
}

/// The demo's Llama 70B latency histogram during an incident: the
/// distribution moves up and spreads, p50 and p99 follow it, the 10 s threshold
/// crosses it.
#[test]
fn the_demo_latency_heatmap_during_an_incident() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut harness = demo_window(
        r#"version = 1
title = "heatmap"
time = { from = "now-1h", to = "now" }

[sources.fleet]
kind = "demo"
seed = 42

[[panels]]
title = "End-to-end latency · Llama 70B"
kind = "heatmap"
unit = "s"
grid = { x = 0, y = 0, w = 24, h = 10 }
thresholds = [{ value = 10.0, color = "red" }]
  [[panels.queries]]
  source = "fleet"
  metric = "vllm:e2e_request_latency_seconds_bucket"
  rate = true
  labels = { model_name = "meta-llama/Llama-3.1-70B-Instruct" }
  by = ["le"]
  aggregate = "sum"
"#,
        &runtime,
        dir.path(),
    );
    harness.run_steps(3);
    harness.snapshot("heatmap_demo_incident");
}

/// A fleet without buckets — 800 simulated GPUs' utilisation — drawn as its
/// distribution: each step counts every GPU once, in the bin of its value; the
/// idle nodes show as their own band at the bottom.
#[test]
fn eight_hundred_gpus_are_drawn_as_the_fleets_distribution_at_each_step() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut harness = demo_window(
        r#"version = 1
title = "fleet heatmap"
time = { from = "now-1h", to = "now" }

[sources.fleet]
kind = "demo"
seed = 42
nodes = 100

[[panels]]
title = "GPU utilisation across the fleet"
kind = "heatmap"
unit = "percent"
grid = { x = 0, y = 0, w = 24, h = 10 }
  [[panels.queries]]
  source = "fleet"
  metric = "DCGM_FI_DEV_GPU_UTIL"
"#,
        &runtime,
        dir.path(),
    );
    let session = harness.state().session();
    let panel = &session.dashboard().panels[0];
    let series: Vec<Vec<(i64, f64)>> = session
        .store()
        .query_series(&panel.key(&panel.queries[0].id))
        .map(|(_, s)| s.iter().map(|p| (p.t_ms, p.value)).collect())
        .collect();
    assert_eq!(series.len(), 800);
    let columns = fleetdeck::heatmap::distribution(&series, fleetdeck::heatmap::FLEET_BINS);
    // Every GPU that reports is counted once per step (the simulated fleet has
    // GPUs that stop reporting now and then: never more, and most of them).
    assert!(columns.len() > 100);
    let least = columns
        .iter()
        .map(|c| c.total())
        .fold(f64::INFINITY, f64::min);
    let most = columns.iter().map(|c| c.total()).fold(0.0, f64::max);
    assert_eq!(most, 800.0);
    assert!(least >= 700.0, "{least}");
    harness.run_steps(3);
    harness.snapshot("heatmap_fleet_distribution");
}

/// A window on `layout` (TOML, one demo panel), its clock at the demo's Llama
/// 70B incident, once its queries answered.
fn demo_window(
    layout: &str,
    runtime: &tokio::runtime::Runtime,
    dir: &Path,
) -> egui_kittest::Harness<'static, fleetdeck::app::FleetApp> {
    let path = dir.join("heatmap.toml");
    std::fs::write(&path, layout).unwrap();
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-25T06:40:00Z")
        .unwrap()
        .to_utc();
    let app = support::app_on_file(&path, now, runtime);
    let mut harness = support::harness_builder()
        .with_size([1000.0, 400.0])
        .build_eframe(|_| app);
    support::step_until(&mut harness, "the panel's data", |h| {
        h.state().session().pending_queries() == 0 && h.state().session().store().series_count() > 0
    });
    harness
}
