//! Fleet scale against real servers: 240 GPU series (30 nodes × 8) with named
//! outliers and one series that stopped, in Prometheus (backfilled with promtool)
//! and VictoriaMetrics (imported). What fleetdeck draws — the spread's median,
//! the outliers it names, the fleet map's cells — must be what the server's own
//! `quantile`, `topk`/`bottomk` of `avg_over_time` and `count` say; and a panel
//! over its point budget is asked at a coarser step and says so.

use crate::support;

use chrono::{TimeZone, Utc};
use fleetdeck::clock::Clock;
use fleetdeck::dashboard::Dashboard;
use fleetdeck::fleet::map::{FleetMap, State};
use fleetdeck::fleet::spread::{MEDIAN, Spread};
use fleetdeck::layout::parse_layout;
use fleetdeck::session::{Session, View};
use fleetdeck::time_range::{TimeExpr, TimeRange};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

const NODES: usize = 30;
const GPUS: usize = 8;
const SCRAPE_S: i64 = 15;
const HOUR_S: i64 = 3_600;
/// The GPUs with the highest and lowest means, by construction: (node, gpu).
const HOT: [(usize, usize); 5] = [(2, 1), (5, 7), (11, 0), (19, 4), (28, 6)];
const COLD: [(usize, usize); 5] = [(1, 2), (6, 5), (13, 3), (21, 0), (27, 7)];
/// The GPU that stopped reporting twenty minutes before the end.
const STOPPED: (usize, usize) = (7, 3);

fn host(node: usize) -> String {
    format!("node-{node:04}")
}

/// A GPU's utilisation at `t_s`: each its own level and wave; the hot ones far
/// above everyone, the cold ones far below.
fn value(node: usize, gpu: usize, t_s: i64) -> f64 {
    let level = ((node * 37 + gpu * 11) % 89) as f64 + 5.0;
    let wave = 3.0 * ((t_s as f64 / 600.0) + node as f64).sin();
    let offset = if let Some(i) = HOT.iter().position(|&g| g == (node, gpu)) {
        200.0 + i as f64
    } else if let Some(i) = COLD.iter().position(|&g| g == (node, gpu)) {
        -200.0 - i as f64
    } else {
        0.0
    };
    (level + wave + offset).round()
}

/// Every sample of the hour ending at `end_s`, as `(labels, value, t_s)` lines.
fn samples(end_s: i64) -> Vec<String> {
    let mut lines = Vec::new();
    for node in 0..NODES {
        for gpu in 0..GPUS {
            let last = if (node, gpu) == STOPPED {
                end_s - 1_200
            } else {
                end_s
            };
            for t in (end_s - HOUR_S..=last).step_by(SCRAPE_S as usize) {
                lines.push(format!(
                    "gpu_util{{Hostname=\"{}\",gpu=\"{gpu}\"}} {} {t}",
                    host(node),
                    value(node, gpu, t)
                ));
            }
        }
    }
    lines
}

fn layout(url: &str, flavor: &str, max_points: Option<u32>) -> Dashboard {
    let budget = max_points.map_or_else(String::new, |p| format!("max_points = {p}\n"));
    let text = format!(
        r#"version = 1
title = "fleet"
refresh = "1m"
[sources.prom]
kind = "prometheus"
flavor = "{flavor}"
url = "{url}"
scrape_interval = "15s"

[[panels]]
title = "utilisation"
grid = {{ x = 0, y = 0, w = 24, h = 8 }}
unit = "percent"
envelope = false
{budget}  [[panels.queries]]
  source = "prom"
  promql = "gpu_util"

[[panels]]
title = "map"
kind = "fleet"
grid = {{ x = 0, y = 8, w = 24, h = 8 }}
group_by = ["Hostname"]
thresholds = [{{ value = 0, color = "green" }}]
  [[panels.queries]]
  source = "prom"
  promql = "gpu_util"
"#
    );
    parse_layout(&text, Path::new("fleet.toml")).unwrap_or_else(|e| panic!("{e}"))
}

/// A session over the hour ending at `end_s`, settled, at `width_px` per panel.
fn settled(dashboard: Dashboard, end_s: i64, width_px: u32) -> Session {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let end = Utc.timestamp_opt(end_s, 0).unwrap();
    let mut session = Session::new(Arc::new(dashboard), Clock::Fixed(end)).keep_everything();
    session.set_uniform_width(width_px);
    session.set_view(View {
        range: TimeRange {
            from: TimeExpr::Absolute(end - chrono::Duration::seconds(HOUR_S)),
            to: TimeExpr::Absolute(end),
        },
        refresh: Duration::from_secs(60),
        live: false,
    });
    let _guard = runtime.enter();
    session.start(runtime.handle(), Arc::new(|| {}));
    runtime
        .block_on(session.settle(Duration::from_secs(60)))
        .unwrap();
    session
}

/// The values of a server's instant or range answer, by time (s) for a range.
fn server_values(body: &str) -> Vec<(i64, f64)> {
    let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let result = &json["data"]["result"][0];
    let points = match result["values"].as_array() {
        Some(values) => values.clone(),
        None => vec![result["value"].clone()],
    };
    points
        .iter()
        .filter_map(|p| {
            let t = p[0].as_f64()?;
            let v: f64 = p[1].as_str()?.parse().ok()?;
            Some((t.round() as i64, v))
        })
        .collect()
}

/// An instant query's raw answer at `at_s`.
fn instant(server: &support::Server, promql: &str, at_s: i64) -> String {
    support::http_get(
        server.address,
        &format!(
            "/api/v1/query?query={}&time={at_s}",
            support::encode(promql)
        ),
    )
    .map(|(_, body)| body)
    .unwrap_or_default()
}

/// The `Hostname gpu` pairs of an instant vector answer.
fn server_names(body: &str) -> BTreeSet<String> {
    let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    json["data"]["result"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            format!(
                "{} {}",
                s["metric"]["Hostname"].as_str().unwrap_or(""),
                s["metric"]["gpu"].as_str().unwrap_or("")
            )
        })
        .collect()
}

fn names(ranked: &[fleetdeck::fleet::spread::Ranked]) -> BTreeSet<String> {
    ranked
        .iter()
        .map(|r| format!("{} {}", r.key.labels["Hostname"], r.key.labels["gpu"]))
        .collect()
}

/// What fleetdeck drew from `server` agrees with the server's own aggregations.
fn spread_and_map_agree_with(server: &support::Server, flavor: &str, end_s: i64) {
    let dashboard = layout(&server.url(), flavor, None);
    let spread_panel = dashboard.panel_by_title("utilisation").unwrap().clone();
    let map_panel = dashboard.panel_by_title("map").unwrap().clone();
    let session = settled(dashboard, end_s, 240);
    let store = session.store();
    let window = fleetdeck::time_range::Window {
        start_ms: (end_s - HOUR_S) * 1000,
        end_ms: end_s * 1000,
    };
    let key = spread_panel.key(&spread_panel.queries[0].id);
    let spread = Spread::of(store.query_series(&key), window, 5);
    assert_eq!(spread.series, NODES * GPUS, "{flavor}: {}", server.log());

    // The median at each of fleetdeck's sample times is the server's quantile.
    let step_s = (spread.times_ms[1] - spread.times_ms[0]) / 1000;
    let (first, last) = (
        spread.times_ms[0] / 1000,
        spread.times_ms[spread.times_ms.len() - 1] / 1000,
    );
    let body = support::http_get(
        server.address,
        &format!(
            "/api/v1/query_range?query={}&start={first}&end={last}&step={step_s}",
            support::encode("quantile(0.5, gpu_util)")
        ),
    )
    .map(|(_, body)| body)
    .unwrap_or_default();
    let medians = server_values(&body);
    assert!(medians.len() > 100, "{flavor}: {body}");
    let mut compared = 0;
    for (t, median) in medians {
        if let Some(i) = spread.times_ms.iter().position(|&ms| ms == t * 1000) {
            assert_eq!(
                spread.levels[MEDIAN][i], median,
                "{flavor}: the median at {t}"
            );
            compared += 1;
        }
    }
    assert!(compared > 100, "{flavor}: only {compared} times in common");

    // The named outliers are the server's topk / bottomk of the hour's mean.
    let top = instant(
        server,
        &format!("topk(5, avg_over_time(gpu_util[{HOUR_S}s]))"),
        end_s,
    );
    let bottom = instant(
        server,
        &format!("bottomk(5, avg_over_time(gpu_util[{HOUR_S}s]))"),
        end_s,
    );
    assert_eq!(
        names(&spread.highest),
        server_names(&top),
        "{flavor}: {top}"
    );
    assert_eq!(
        names(&spread.lowest),
        server_names(&bottom),
        "{flavor}: {bottom}"
    );
    assert!(names(&spread.highest).contains("node-0002 1"));

    // The fleet map has a cell for every series the server counts now, and the
    // series that stopped is "n/a", not a value.
    let map_key = map_panel.key(&map_panel.queries[0].id);
    let map = FleetMap::of(&map_panel, store.query_series(&map_key), window);
    let counted = server_values(&instant(server, "count(gpu_util)", end_s))[0].1 as usize;
    let reporting = map
        .groups
        .iter()
        .flat_map(|g| &g.cells)
        .filter(|c| c.state != State::NotReporting)
        .count();
    assert_eq!(
        reporting, counted,
        "{flavor}: cells reporting vs count(gpu_util)"
    );
    let stopped: Vec<String> = map
        .groups
        .iter()
        .flat_map(|g| &g.cells)
        .filter(|c| c.state == State::NotReporting)
        .map(|c| format!("{} {}", c.key.labels["Hostname"], c.key.labels["gpu"]))
        .collect();
    assert_eq!(stopped, ["node-0007 3"], "{flavor}");
    assert_eq!(map.groups.len(), NODES);
}

/// Prometheus with the hour ending at `end_s` backfilled, its data searchable.
fn backfilled(end_s: i64) -> support::Server {
    let mut openmetrics = String::from("# TYPE gpu_util gauge\n");
    for line in samples(end_s) {
        openmetrics.push_str(&line);
        openmetrics.push('\n');
    }
    openmetrics.push_str("# EOF\n");
    let server = support::prometheus_backfilled(&openmetrics);
    server.wait_for("count(last_over_time(gpu_util[3h]))");
    server
}

fn end_s() -> i64 {
    // Whole minutes, an hour ago: backfilled blocks stay clear of the head.
    (Utc::now().timestamp() - HOUR_S) / 60 * 60
}

#[test]
fn prometheus_spread_outliers_and_map_agree_with_the_server() {
    let end = end_s();
    let server = backfilled(end);
    spread_and_map_agree_with(&server, "prometheus", end);
}

#[test]
fn victoriametrics_spread_outliers_and_map_agree_with_the_server() {
    let end = end_s();
    let nowhere: std::net::SocketAddr = format!("127.0.0.1:{}", support::free_port())
        .parse()
        .unwrap();
    let server = support::victoria_metrics(nowhere);
    // The text exposition with timestamps in milliseconds.
    let body: String = samples(end)
        .into_iter()
        .map(|line| {
            let (head, t) = line.rsplit_once(' ').unwrap();
            format!("{head} {}000\n", t)
        })
        .collect();
    support::wait_until("VictoriaMetrics to take the import", || {
        support::http_post_json(server.address, "/api/v1/import/prometheus", &body) == Some(204)
    });
    support::wait_until("the imported series to be searchable", || {
        server_values(&server.query(&format!("count(last_over_time(gpu_util[{}s]))", 2 * HOUR_S)))
            .first()
            .is_some_and(|&(_, n)| n as usize == NODES * GPUS)
    });
    spread_and_map_agree_with(&server, "victoriametrics", end);
}

#[test]
fn a_panel_over_its_point_budget_is_asked_at_a_coarser_step_from_its_first_answer() {
    let end = end_s();
    let server = backfilled(end);
    // 240 series × 50 points: at 1,000 px the hour would be 240 points each.
    let dashboard = layout(&server.url(), "prometheus", Some(12_000));
    let panel = dashboard.panel_by_title("utilisation").unwrap().clone();
    let session = settled(dashboard, end, 1_000);
    let key = panel.key(&panel.queries[0].id);
    let points: usize = session
        .store()
        .query_series(&key)
        .map(|(_, s)| s.len())
        .sum();
    assert!(points <= 12_000 + 2 * 240, "{points} points held");
    let (step_ms, series) = session
        .budgeted_step(&panel)
        .expect("the header names the step");
    assert_eq!(series, 239, "series counted at the end of the hour");
    assert!(step_ms >= 60_000, "step {step_ms} ms");
    // One range query per panel (the map reads the same metric): the count came
    // first, so even the first answer was asked at the coarse step.
    assert_eq!(server.range_queries_served(), 2, "{}", server.log());
}

/// The demo fleet at 60 nodes (480 GPUs): a fleet map by node and a line panel
/// past its `max_series`, in spread mode.
fn demo_fleet_layout(dir: &Path) -> std::path::PathBuf {
    let text = r#"version = 1
title = "480 GPUs"
refresh = "30s"
time = { from = "now-1h", to = "now" }
[sources.fleet]
kind = "demo"
nodes = 60

[[panels]]
title = "Every GPU, by node"
kind = "fleet"
grid = { x = 0, y = 0, w = 24, h = 9 }
unit = "percent"
group_by = ["Hostname"]
thresholds = [
  { value = 0, color = "blue", name = "idle" },
  { value = 10, color = "green", name = "ok" },
  { value = 95, color = "red", name = "hot" },
]
  [[panels.queries]]
  source = "fleet"
  metric = "DCGM_FI_DEV_GPU_UTIL"
  legend = "{{Hostname}} gpu {{gpu}}"

[[panels]]
title = "GPU utilisation, every GPU"
grid = { x = 0, y = 9, w = 24, h = 9 }
unit = "percent"
min = 0
max = 100
outliers = 3
  [[panels.queries]]
  source = "fleet"
  metric = "DCGM_FI_DEV_GPU_UTIL"
  legend = "{{Hostname}} gpu {{gpu}}"
"#;
    let path = dir.join("fleet.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// 06:25: the dropped-out node is in the 20 minutes of every 30 it is gone.
const DEMO_NOW: &str = "2026-12-07T06:25:00Z";

/// The window on the demo fleet's 480 GPUs at [`DEMO_NOW`], 1600×1000, with
/// every query answered.
fn demo_fleet_window(
    dir: &Path,
    runtime: &tokio::runtime::Runtime,
) -> egui_kittest::Harness<'static, fleetdeck::app::FleetApp> {
    let path = demo_fleet_layout(dir);
    let now = chrono::DateTime::parse_from_rfc3339(DEMO_NOW)
        .unwrap()
        .to_utc();
    let app = support::app_on_file(&path, now, runtime);
    let mut harness = support::harness_builder()
        .with_size([1600.0, 1000.0])
        .build_eframe(|_| app);
    support::step_until(&mut harness, "the fleet's data", |h| {
        h.state().session().pending_queries() == 0 && h.state().session().store().series_count() > 0
    });
    harness.run_steps(3);
    harness
}

#[test]
fn the_fleet_map_counts_every_gpu_and_spread_mode_pins_a_searched_one() {
    use egui_kittest::kittest::Queryable;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut harness = demo_fleet_window(dir.path(), &runtime);
    // The map: every GPU a cell, the dropped-out node's eight "n/a".
    harness.get_by_label_contains("Every GPU, by node: 480 cells: 8 n/a, ");
    assert!(harness.query_all_by_label_contains(" hot, ").count() >= 1);
    assert!(harness.query_all_by_label_contains(" idle").count() >= 1);
    // The header counts the same, worst first.
    harness.get_by_label("8 n/a");
    // The line panel has more series than its max_series: the spread, named.
    harness.get_by_label("480 series");
    harness.get_by_label("pin").click();
    harness.run_steps(2);
    harness.get_by_label("pin").type_text("node-0005 gpu 3");
    harness.run_steps(4);
    harness.snapshot("fleet_map_and_spread");
}

#[test]
fn the_fleet_map_on_the_wall_is_read_across_the_room() {
    use fleetdeck::app::AppOptions;
    use fleetdeck::clock::DisplayZone;
    use fleetdeck::wall::{WallApp, load_playlist};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    demo_fleet_layout(dir.path());
    let playlist = dir.path().join("wall.toml");
    std::fs::write(
        &playlist,
        "version = 1\n[[pages]]\nlayout = \"fleet.toml\"\n",
    )
    .unwrap();
    let now = chrono::DateTime::parse_from_rfc3339(DEMO_NOW)
        .unwrap()
        .to_utc();
    let options = AppOptions {
        clock: Clock::Fixed(now),
        zone: DisplayZone::Utc,
        ..AppOptions::default()
    };
    let app = WallApp::new(load_playlist(&playlist).unwrap(), options)
        .with_runtime(runtime.handle().clone())
        .with_writer(fleetdeck::persist::Writer::start());
    let mut harness = support::harness_builder()
        .with_size([1920.0, 1080.0])
        .build_eframe(|_| app);
    support::step_until(&mut harness, "the fleet's data", |h| {
        h.state()
            .sessions()
            .all(|s| s.pending_queries() == 0 && s.store().series_count() > 0)
    });
    harness.run_steps(3);
    harness.snapshot("fleet_map_wall");
}

#[test]
fn clicking_a_map_cell_opens_its_history_beside_its_group_and_clicking_again_closes_it() {
    use egui_kittest::kittest::Queryable;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut harness = demo_fleet_window(dir.path(), &runtime);
    // The first cell of the first group (cells flow from the map's top left).
    let cell = harness
        .get_by_label_contains("Every GPU, by node: 480 cells")
        .rect()
        .left_top()
        + egui::vec2(4.0, 4.0);
    let click = |harness: &mut egui_kittest::Harness<'_, fleetdeck::app::FleetApp>| {
        harness.hover_at(cell);
        harness.run_steps(1);
        for pressed in [true, false] {
            harness.event(egui::Event::PointerButton {
                pos: cell,
                button: egui::PointerButton::Primary,
                pressed,
                modifiers: egui::Modifiers::NONE,
            });
        }
        harness.run_steps(3);
    };
    assert!(harness.query_by_label_contains("others in grey").is_none());
    click(&mut harness);
    // The window is titled by the series and the panel; node-0000's eight GPUs are
    // one group, so the clicked one is drawn over its seven others.
    harness.get_by_label_contains(" · Every GPU, by node");
    harness.get_by_label("group node-0000: with its 7 others in grey");
    harness.get_by_label_contains(" · max ");
    harness.get_by_label_contains("Hostname=node-0000");
    harness.remove_cursor();
    harness.run_steps(2);
    harness.snapshot("fleet_map_drill_down");
    click(&mut harness);
    assert!(
        harness.query_by_label_contains("others in grey").is_none(),
        "clicking the open cell again closes its window"
    );
}
