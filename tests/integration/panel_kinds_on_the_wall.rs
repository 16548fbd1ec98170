//! Every panel kind beyond lines, on the wall (1920×1080, egui_kittest) during
//! the simulated Llama 70B incident: what a person reads across the room is what
//! the workstation says — the backed-up queue's state, its gauge's reading, the
//! table's rows — and each page is looked at as a snapshot.

use crate::support;
use egui_kittest::kittest::Queryable;

const INCIDENT: &str = "2026-11-25T06:26:00Z";

#[test]
fn state_timelines_on_the_wall_say_which_queue_backed_up() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (mut harness, _dir) =
        support::shipped_layout_on_the_wall("layouts/demo-states.toml", INCIDENT, &runtime);
    harness.get_by_label("Queue state by model: meta-llama/Llama-3.1-70B-Instruct: backed up");
    harness.snapshot("wall_states_incident");
}

#[test]
fn gauges_on_the_wall_read_the_backed_up_queue() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (mut harness, _dir) =
        support::shipped_layout_on_the_wall("layouts/demo-gauges.toml", INCIDENT, &runtime);
    let wall = harness.state();
    let session = wall.sessions().next().unwrap();
    let panel = session
        .dashboard()
        .panel_by_title("Requests waiting by model")
        .unwrap();
    let queue = support::latest_of_model(session, panel, "meta-llama/Llama-3.1-70B-Instruct");
    assert!(queue > 40.0, "the incident's queue: {queue}");
    harness.get_by_label(&format!(
        "Requests waiting by model: meta-llama/Llama-3.1-70B-Instruct {}",
        panel.unit.format(queue)
    ));
    harness.snapshot("wall_gauges_incident");
}

#[test]
fn the_models_table_on_the_wall_has_a_row_per_model() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (mut harness, _dir) =
        support::shipped_layout_on_the_wall("layouts/demo-models-table.toml", INCIDENT, &runtime);
    for model in [
        "BAAI/bge-large-en-v1.5",
        "meta-llama/Llama-3.1-70B-Instruct",
        "meta-llama/Llama-3.1-8B-Instruct",
        "mistralai/Mistral-7B-Instruct-v0.3",
    ] {
        harness.get_by_label(model);
    }
    harness.snapshot("wall_table_incident");
}

#[test]
fn latency_heatmaps_on_the_wall() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (mut harness, _dir) =
        support::shipped_layout_on_the_wall("layouts/demo-latency.toml", INCIDENT, &runtime);
    let wall = harness.state();
    let session = wall.sessions().next().unwrap();
    let panel = session
        .dashboard()
        .panel_by_title("End-to-end latency · Llama 70B")
        .unwrap();
    let buckets = session
        .store()
        .query_series(&panel.key(&panel.queries[0].id))
        .count();
    assert!(buckets > 10, "the histogram's buckets: {buckets}");
    harness.snapshot("wall_latency_heatmaps_incident");
}
