//! Gauges and bar gauges on the simulated fleet during its Llama 70B incident
//! (egui_kittest): each model's value is the store's latest, named per model, and
//! the queue that backs up is the bar in the red threshold's colour.

use crate::support;
use egui_kittest::kittest::Queryable;

#[test]
fn each_models_gauge_reads_its_latest_value_and_the_backed_up_queue_is_red() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut harness = support::shipped_layout_harness(
        "layouts/demo-gauges.toml",
        "2026-11-25T06:26:00Z",
        [1400.0, 320.0],
        &runtime,
    );
    support::step_until(&mut harness, "the gauges' data", |h| {
        h.state().session().pending_queries() == 0
            && h.state().session().store().series_count() >= 8
    });
    harness.run_steps(3);
    let app = harness.state();
    let session = app.session();
    let dashboard = session.dashboard();
    for title in ["KV cache by model", "Requests waiting by model"] {
        let panel = dashboard.panel_by_title(title).unwrap();
        let query = &panel.queries[0];
        for (key, series) in session.store().query_series(&panel.key(&query.id)) {
            let name = query.series_name(&key.labels);
            let value = panel.unit.format(series.last().unwrap().value);
            harness.get_by_label(&format!("{title}: {name} {value}"));
        }
    }
    let panel = dashboard
        .panel_by_title("Requests waiting by model")
        .unwrap();
    let llama = support::latest_of_model(session, panel, "meta-llama/Llama-3.1-70B-Instruct");
    let red = panel
        .thresholds
        .iter()
        .find(|t| t.rgb == [0xe0, 0x2f, 0x44]);
    assert!(
        llama >= red.map_or(40.0, |t| t.value),
        "the incident's queue ({llama}) is past the red threshold"
    );
    harness.snapshot("gauges_demo_incident");
}
