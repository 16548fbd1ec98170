//! State timelines on the simulated fleet during its Llama 70B incident
//! (egui_kittest): the queue that backed up reads "backed up" in its row, others
//! read their own state, and hovering a segment says the state, when it began
//! and ended, and how long it lasted.

use crate::support;
use egui_kittest::kittest::Queryable;
use fleetdeck::state_timeline::row;

#[test]
fn the_backed_up_queue_is_its_rows_state_and_a_hover_says_how_long() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut harness = support::shipped_layout_harness(
        "layouts/demo-states.toml",
        "2026-11-25T06:26:00Z",
        [1400.0, 560.0],
        &runtime,
    );
    support::step_until(&mut harness, "the timelines' data", |h| {
        h.state().session().pending_queries() == 0
            && h.state().session().store().series_count() >= 9
    });
    harness.run_steps(3);
    harness.get_by_label("Queue state by model: meta-llama/Llama-3.1-70B-Instruct: backed up");
    // Every row's state now is what its value at the end means.
    let app = harness.state();
    let session = app.session();
    let panel = session
        .dashboard()
        .panel_by_title("Queue state by model")
        .unwrap();
    let query = &panel.queries[0];
    let window = fleetdeck::time_range::Window {
        start_ms: 0,
        end_ms: chrono::DateTime::parse_from_rfc3339("2026-11-25T06:26:00Z")
            .unwrap()
            .timestamp_millis(),
    };
    for (key, series) in session.store().query_series(&panel.key(&query.id)) {
        let name = query.series_name(&key.labels);
        let (expected, _) = fleetdeck::state_timeline::state(panel, series.last().unwrap().value);
        let drawn = row(panel, name.clone(), series, window);
        assert_eq!(drawn.segments.last().unwrap().text, expected, "{name}");
        harness.get_by_label(&format!("Queue state by model: {name}: {expected}"));
    }
    harness.snapshot("states_demo_incident");

    // The Llama 70B row's last segment, hovered near its right end.
    let band = harness
        .get_by_label_contains("Queue state by model: meta-llama/Llama-3.1-70B-Instruct")
        .rect();
    harness.hover_at(egui::pos2(band.right() - 3.0, band.center().y));
    harness.run_steps(2);
    harness.get_by_label_contains("meta-llama/Llama-3.1-70B-Instruct: backed up\n");
}
