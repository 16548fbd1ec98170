//! Table panels against real parts: two Prometheus queries merged into one row
//! per model whose cells are what Prometheus answers at the same instant; and the
//! simulated fleet's models as a person uses the table (egui_kittest): sorted by a
//! click on a heading, filtered by typing, a row clicked open.

use crate::support;
use egui_kittest::kittest::Queryable;
use fleetdeck::table::{Cell, build};

fn prometheus_layout(url: &str) -> String {
    format!(
        r#"version = 1
title = "Serving now"
refresh = "1s"
time = {{ from = "now-5m", to = "now" }}

[sources.prom]
kind = "prometheus"
url = "{url}"
scrape_interval = "1s"

[[panels]]
title = "Models"
kind = "table"
grid = {{ x = 0, y = 0, w = 24, h = 8 }}
  [[panels.columns]]
  label = "model_name"
  title = "Model"
  [[panels.columns]]
  query = "running"
  [[panels.columns]]
  query = "waiting"
  [[panels.queries]]
  source = "prom"
  id = "running"
  promql = 'sum by (model_name) (vllm:num_requests_running)'
  [[panels.queries]]
  source = "prom"
  id = "waiting"
  promql = 'sum by (job, model_name) (vllm:num_requests_waiting)'
"#
    )
}

#[test]
fn two_queries_meet_in_one_row_per_model_holding_what_prometheus_answers() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let simulator = support::simulator(&runtime);
    let prometheus = support::prometheus(simulator);
    prometheus.wait_for("vllm:num_requests_running");
    let (mut harness, _dir) = support::live_harness(
        &prometheus_layout(&prometheus.url()),
        [1000.0, 400.0],
        &runtime,
    );
    support::step_until(&mut harness, "both queries' series", |h| {
        h.state().session().store().series_count() >= 8
    });
    let app = harness.state();
    let session = app.session();
    let panel = &session.dashboard().panels[0];
    let window = fleetdeck::time_range::Window {
        start_ms: 0,
        end_ms: i64::MAX / 2,
    };
    let store = session.store();
    let view = build(
        panel,
        |q| store.query_series(&panel.key(q)).collect(),
        window,
    );
    let served = prometheus.query("count by (model_name) (vllm:num_requests_running)");
    let models = served.matches("\"model_name\"").count();
    // One row per model although the second query also groups by `job`.
    assert_eq!(view.rows.len(), models, "{served}");
    for row in &view.rows {
        let Cell::Text(model) = &row.cells[0] else {
            panic!("the first column is the model");
        };
        for (column, query) in [(1, "running"), (2, "waiting")] {
            let Cell::Value(Some(value)) = row.cells[column] else {
                panic!("{model} {query}: n/a");
            };
            // The store's newest sample of this row's series, and Prometheus at
            // that instant.
            let key = store
                .query_series(&panel.key(&query.into()))
                .find(|(key, _)| key.labels.get("model_name") == Some(model))
                .map(|(key, series)| (key.clone(), series.last().unwrap()))
                .unwrap();
            assert_eq!(key.1.value, value, "{model} {query}");
            let promql = match query {
                "running" => format!("sum(vllm:num_requests_running{{model_name=\"{model}\"}})"),
                _ => format!("sum(vllm:num_requests_waiting{{model_name=\"{model}\"}})"),
            };
            let body = prometheus.query_at(&promql, key.1.t_ms / 1000);
            let answered: f64 = serde_json::from_str::<serde_json::Value>(&body).unwrap()["data"]
                ["result"][0]["value"][1]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            assert_eq!(answered, value, "{model} {query}: {body}");
        }
    }
}

const DEMO_TABLE: &str = include_str!("../../layouts/demo-models-table.toml");

#[test]
fn the_models_table_sorts_filters_and_opens_a_row() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("models.toml");
    std::fs::write(&path, DEMO_TABLE).unwrap();
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-25T06:30:00Z")
        .unwrap()
        .to_utc();
    let app = support::app_on_file(&path, now, &runtime);
    let mut harness = support::harness_builder()
        .with_size([1100.0, 360.0])
        .build_eframe(|_| app);
    support::step_until(&mut harness, "the table's data", |h| {
        h.state().session().pending_queries() == 0 && h.state().session().store().series_count() > 0
    });
    harness.run_steps(3);
    harness.get_by_label("4 of 4 rows");

    // The queue during the Llama 70B incident: largest first after one click.
    harness.get_by_label("Waiting (max)").click();
    harness.run_steps(3);
    let top = |harness: &egui_kittest::Harness<'_, fleetdeck::app::FleetApp>, name: &str| {
        harness.get_by_label(name).rect().top()
    };
    let llama = top(&harness, "meta-llama/Llama-3.1-70B-Instruct");
    for other in [
        "BAAI/bge-large-en-v1.5",
        "meta-llama/Llama-3.1-8B-Instruct",
        "mistralai/Mistral-7B-Instruct-v0.3",
    ] {
        assert!(
            llama < top(&harness, other),
            "{other} above the busiest queue"
        );
    }
    harness.snapshot("table_demo_models");
    // Again: smallest first.
    harness.get_by_label("Waiting (max)").click();
    harness.run_steps(3);
    assert!(
        top(&harness, "meta-llama/Llama-3.1-70B-Instruct")
            > top(&harness, "BAAI/bge-large-en-v1.5")
    );

    let filter = harness.get_by_label("Filter");
    filter.click();
    filter.type_text("mistral");
    harness.run_steps(3);
    harness.get_by_label("1 of 4 rows");
    assert!(harness.query_by_label("BAAI/bge-large-en-v1.5").is_none());

    harness
        .get_by_label("mistralai/Mistral-7B-Instruct-v0.3")
        .click();
    harness.run_steps(3);
    harness.get_by_label_contains("· Models");
}
