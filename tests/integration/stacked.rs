//! Stacked panels: against Prometheus scraping the simulator, each area's top is
//! the sum of the series up to it and the last is what `sum(…)` answers at the
//! same instant; on the simulated fleet (egui_kittest), the tooltip's total is
//! the sum of the values it lists, and the stack reads at workstation and wall
//! size.

use crate::support;
use egui_kittest::kittest::{NodeT, Queryable};
use fleetdeck::stack::stack;

fn prometheus_layout(url: &str) -> String {
    format!(
        r#"version = 1
title = "Throughput"
refresh = "1s"
time = {{ from = "now-2m", to = "now" }}

[sources.prom]
kind = "prometheus"
url = "{url}"
scrape_interval = "1s"

[[panels]]
title = "Tokens by model"
grid = {{ x = 0, y = 0, w = 24, h = 8 }}
stack = true
  [[panels.queries]]
  source = "prom"
  id = "tokens"
  promql = 'sum by (model_name) (rate(vllm:generation_tokens_total[5s]))'
  legend = "{{{{model_name}}}}"
"#
    )
}

/// The value Prometheus answers for `promql` at `at_s`.
fn answered(prometheus: &support::Server, promql: &str, at_s: i64) -> f64 {
    let body = prometheus.query_at(promql, at_s);
    serde_json::from_str::<serde_json::Value>(&body).unwrap()["data"]["result"][0]["value"][1]
        .as_str()
        .unwrap_or_else(|| panic!("{promql} at {at_s}: {body}"))
        .parse()
        .unwrap()
}

#[test]
fn each_top_is_the_sum_below_it_and_the_last_is_what_prometheus_sums() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let simulator = support::simulator(&runtime);
    let prometheus = support::prometheus(simulator);
    prometheus.wait_for("rate(vllm:generation_tokens_total[5s])");
    let (mut harness, _dir) = support::live_harness(
        &prometheus_layout(&prometheus.url()),
        [1000.0, 400.0],
        &runtime,
    );
    support::step_until(
        &mut harness,
        "every model's series, a few samples each",
        |h| {
            let session = h.state().session();
            let panel = &session.dashboard().panels[0];
            let series: Vec<_> = session
                .store()
                .query_series(&panel.key(&"tokens".into()))
                .collect();
            series.len() >= 3 && series.iter().all(|(_, s)| s.len() >= 3)
        },
    );
    let app = harness.state();
    let session = app.session();
    let panel = &session.dashboard().panels[0];
    assert!(panel.stack);
    assert!(!panel.envelope, "a stacked panel fetches no bands");
    let drawn: Vec<_> = session
        .store()
        .query_series(&panel.key(&"tokens".into()))
        .collect();
    let series: Vec<_> = drawn.iter().map(|(_, s)| *s).collect();
    let window = fleetdeck::time_range::Window {
        start_ms: 0,
        end_ms: i64::MAX / 2,
    };
    let stacked = stack(&series, window, 1000);
    assert!(stacked.times_ms.len() >= 3);
    let first_model = drawn[0].0.labels.get("model_name").unwrap().clone();
    for (index, &t_ms) in stacked.times_ms.iter().enumerate() {
        let at_s = t_ms / 1000;
        assert_eq!(t_ms % 1000, 0, "range answers fall on whole seconds");
        let total = answered(
            &prometheus,
            "sum(rate(vllm:generation_tokens_total[5s]))",
            at_s,
        );
        let top = *stacked.tops.last().unwrap().get(index).unwrap();
        assert!(
            (top - total).abs() <= 1e-9 * total.abs().max(1.0),
            "at {at_s}: the stack's top {top}, Prometheus's sum {total}"
        );
        let first = answered(
            &prometheus,
            &format!("sum(rate(vllm:generation_tokens_total{{model_name=\"{first_model}\"}}[5s]))"),
            at_s,
        );
        assert!(
            (stacked.tops[0][index] - first).abs() <= 1e-9 * first.abs().max(1.0),
            "at {at_s}: the bottom area is {first_model} alone"
        );
    }
}

const NOW: &str = "2026-11-25T06:40:00Z";

#[test]
fn the_tooltip_lists_each_model_and_their_total() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut harness =
        support::shipped_layout_harness("layouts/demo-models.toml", NOW, [1400.0, 700.0], &runtime);
    support::step_until(&mut harness, "the models' data", |h| {
        h.state().session().pending_queries() == 0 && h.state().session().store().series_count() > 0
    });
    harness.run_steps(3);
    let title = harness.get_by_label("Generated tokens/s").rect();
    // Inside the chart, two thirds of the way along.
    harness.hover_at(egui::pos2(title.left() + 450.0, title.bottom() + 150.0));
    // Past the tooltip's delay.
    harness.run_steps(40);
    harness.get_by_label("Total");
    // The tooltip's values: one per model, and their total, the largest.
    let values: Vec<f64> = harness
        .query_all_by_label_contains(" tok/s")
        .filter_map(|node| node.accesskit_node().value())
        .map(|label| parse_rate(&label))
        .collect();
    assert_eq!(values.len(), 5, "four models and the total: {values:?}");
    let total = values.iter().copied().fold(0.0, f64::max);
    let listed = values.iter().sum::<f64>() - total;
    assert!(total > 1000.0, "{values:?}");
    assert!(
        (listed - total).abs() <= total * 0.01,
        "listed {listed}, total {total}"
    );
    harness.snapshot("stacked_demo_models_hovered");
}

#[test]
fn the_stack_reads_across_the_room_on_the_wall() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (mut harness, _dir) =
        support::shipped_layout_on_the_wall("layouts/demo-models.toml", NOW, &runtime);
    harness.snapshot("stacked_demo_models_wall");
}

/// "4.2k tok/s" as a number.
fn parse_rate(text: &str) -> f64 {
    let number = text.split_whitespace().next().unwrap_or_default();
    match number.strip_suffix('k') {
        Some(thousands) => thousands.parse::<f64>().expect(text) * 1000.0,
        None => number.parse().expect(text),
    }
}
