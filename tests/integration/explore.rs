//! Explore as a person uses it (egui_kittest): opened from a panel's right-click
//! menu on the demo fleet and split side by side; and against a real Prometheus
//! scraping `fleetdeck simulate`: PromQL typed and run with Enter gives the
//! values Prometheus itself gives, a star and the history reach the file, and
//! "Add to layout" appends the panel to the layout file with its comments kept.

use crate::support;
use egui::{Event, Key, Modifiers, PointerButton};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use fleetdeck::app::{AppOptions, FleetApp};
use fleetdeck::clock::{Clock, DisplayZone};
use fleetdeck::dashboard::{PanelId, QueryKey};
use fleetdeck::explore::history::QueryHistory;
use fleetdeck::explore::panes::PANE_IDS;
use fleetdeck::layout::load_layout;
use fleetdeck::view::Command;
use std::time::{Duration, Instant};

fn pane_key(pane: usize) -> QueryKey {
    support::key(PANE_IDS[pane], "q1")
}

fn pane_series(app: &FleetApp, pane: usize) -> usize {
    app.explore()
        .pane(&PanelId::from(PANE_IDS[pane]))
        .and_then(|p| p.session.as_ref())
        .map_or(0, |s| s.store().query_series(&pane_key(pane)).count())
}

fn step_until(harness: &mut Harness<'_, FleetApp>, what: &str, done: impl Fn(&FleetApp) -> bool) {
    let deadline = Instant::now() + support::PATIENCE;
    while !done(harness.state()) {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; explore says {:?}, panes: {:?}",
            harness.state().explore().message,
            harness
                .state()
                .explore()
                .panes
                .iter()
                .map(|p| p.error.clone())
                .collect::<Vec<_>>()
        );
        harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    harness.run_steps(2);
}

/// Replaces the text of the field labelled `label` with `text`.
fn type_into(harness: &mut Harness<'_, FleetApp>, label: &str, text: &str) {
    harness.get_by_label(label).click();
    harness.run_steps(1);
    harness.key_press_modifiers(Modifiers::COMMAND, Key::A);
    harness.get_by_label(label).type_text(text);
    harness.run_steps(1);
}

#[test]
fn a_panel_opens_in_explore_from_its_menu_and_a_split_runs_a_second_query() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-25T12:00:00Z")
        .unwrap()
        .to_utc();
    let mut harness = support::shipped_layout_harness(
        "layouts/demo-fleet.toml",
        "2026-11-25T12:00:00Z",
        [1400.0, 1000.0],
        &runtime,
    );
    let waiting = support::key("requests-waiting-by-model", "q1");
    step_until(&mut harness, "the dashboard's data", |app| {
        app.session().store().query_series(&waiting).count() == 4
    });

    // Right-click the chart, "Explore this panel".
    let title = harness.get_by_label("Requests waiting by model").rect();
    let on_chart = egui::pos2(title.left() + 200.0, title.bottom() + 60.0);
    harness.event(Event::PointerMoved(on_chart));
    harness.step();
    for pressed in [true, false] {
        harness.event(Event::PointerButton {
            pos: on_chart,
            button: PointerButton::Secondary,
            pressed,
            modifiers: Modifiers::NONE,
        });
        harness.step();
    }
    harness.run_steps(2);
    harness.get_by_label("Explore this panel").click();
    step_until(&mut harness, "the panel's query in Explore", |app| {
        pane_series(app, 0) == 4
    });
    // The query as the layout writes it, and the same numbers as the panel.
    let field = harness.get_by_label("Query 1 (left)");
    assert!(
        field
            .value()
            .unwrap_or_default()
            .contains("metric = \"vllm:num_requests_waiting\""),
        "{:?}",
        field.value()
    );
    {
        let app = harness.state();
        let pane = app.explore().pane(&PanelId::from(PANE_IDS[0])).unwrap();
        let explored = pane.session.as_ref().unwrap().store();
        let mut common = 0;
        for (key, series) in app.session().store().query_series(&waiting) {
            let mine = explored
                .get(&fleetdeck::store::SeriesKey::new(
                    &pane_key(0),
                    key.labels.clone(),
                ))
                .expect("the same series in Explore");
            for sample in series.iter() {
                if let Some(value) = mine.value_at(sample.t_ms) {
                    assert_eq!(value, sample.value, "{:?} at {}", key.labels, sample.t_ms);
                    common += 1;
                }
            }
        }
        assert!(common > 0, "no timestamp in common");
    }
    // The table: one row per model with last, min, max, mean.
    harness.get_by_label("Mean");
    assert!(
        harness
            .query_all_by_label("meta-llama/Llama-3.1-70B-Instruct")
            .count()
            >= 2,
        "the model is in the chart's legend and in the table"
    );

    // Split: the right pane starts with the same query; change it (Shift+Enter
    // makes a new line) and run it with Enter.
    harness.get_by_label("Split").click();
    step_until(&mut harness, "the right pane", |app| {
        pane_series(app, 1) == 4
    });
    type_into(
        &mut harness,
        "Query 1 (right)",
        "metric = \"vllm:num_requests_running\"",
    );
    harness.key_press_modifiers(Modifiers::SHIFT, Key::Enter);
    harness.get_by_label("Query 1 (right)").type_text("by = []");
    harness.key_press(Key::Enter);
    step_until(&mut harness, "the right pane's new query", |app| {
        pane_series(app, 1) == 1
    });
    assert_eq!(
        pane_series(harness.state(), 0),
        4,
        "the left pane is untouched"
    );
    // One time axis: a zoom moves the dashboard and both panes.
    let end = now.timestamp_millis() - 600_000;
    let zoomed = fleetdeck::time_range::Window {
        start_ms: end - 900_000,
        end_ms: end,
    };
    harness.state_mut().queue(Command::ZoomTo(zoomed));
    harness.run_steps(3);
    let shown = harness.state().session().view().clone();
    assert!(!shown.live, "a zoom pauses");
    for pane in &harness.state().explore().panes {
        assert_eq!(pane.session.as_ref().unwrap().view(), &shown, "{}", pane.id);
    }
    step_until(&mut harness, "the panes' data for the zoom", |app| {
        pane_series(app, 0) == 4 && pane_series(app, 1) == 1
    });
    // Every session settled at the step its chart's width asks for, a few
    // frames in a row, so the snapshot shows the same samples every time.
    let mut settled = 0;
    while settled < 5 {
        let app = harness.state();
        let idle = app.session().pending_queries() == 0
            && app
                .explore()
                .panes
                .iter()
                .all(|p| p.session.as_ref().is_some_and(|s| s.pending_queries() == 0));
        settled = if idle { settled + 1 } else { 0 };
        harness.step();
        std::thread::sleep(Duration::from_millis(30));
    }
    harness.snapshot("explore_split");
}

fn layout_text(url: &str) -> String {
    format!(
        r#"# Explore test: this comment and the one below must survive "Add to layout".
version = 1
title = "explore test"
refresh = "1s"
time = {{ from = "now-2m", to = "now" }}

[sources.prom]
kind = "prometheus"
url = "{url}"
scrape_interval = "1s"

# The queue.
[[panels]]
title = "Waiting"
grid = {{ x = 0, y = 0, w = 24, h = 8 }}
  [[panels.queries]]
  source = "prom"
  promql = 'sum(vllm:num_requests_waiting)'   # total queue
"#
    )
}

#[test]
fn promql_typed_in_explore_runs_is_kept_in_the_history_and_added_to_the_layout() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let prometheus = support::prometheus(target);
    prometheus.wait_for("vllm:num_requests_running offset 3s");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("explore.toml");
    let original = layout_text(&prometheus.url());
    std::fs::write(&path, &original).unwrap();
    let history_path = dir.path().join("explore-history.json");
    let options = AppOptions {
        clock: Clock::System,
        zone: DisplayZone::Utc,
        ..AppOptions::default()
    };
    let app = FleetApp::new(load_layout(&path).unwrap(), options)
        .with_runtime(runtime.handle().clone())
        .with_explore_history(history_path.clone());
    let mut harness = support::harness_builder()
        .with_size([1280.0, 1000.0])
        .build_eframe(|_| app);
    harness.run_steps(3);

    harness.get_by_label("Explore").click();
    harness.run_steps(4);
    let promql = "sum by (model_name) (vllm:num_requests_running)";
    type_into(&mut harness, "Query 1 (left)", promql);
    harness.key_press(Key::Enter);
    step_until(&mut harness, "four models from Prometheus", |app| {
        pane_series(app, 0) == 4
    });

    // Each model's last value is what Prometheus itself says at that instant.
    let lasts: Vec<(String, i64, f64)> = {
        let app = harness.state();
        let pane = app.explore().pane(&PanelId::from(PANE_IDS[0])).unwrap();
        pane.session
            .as_ref()
            .unwrap()
            .store()
            .query_series(&pane_key(0))
            .map(|(key, series)| {
                let last = series.last().unwrap();
                (key.labels["model_name"].clone(), last.t_ms, last.value)
            })
            .collect()
    };
    for (model, t_ms, value) in &lasts {
        let (_, body) = support::http_get(
            prometheus.address,
            &format!(
                "/api/v1/query?query={}&time={}",
                support::encode(&format!(
                    "sum(vllm:num_requests_running{{model_name=\"{model}\"}})"
                )),
                *t_ms as f64 / 1000.0
            ),
        )
        .unwrap();
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        let said: f64 = json["data"]["result"][0]["value"][1]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(said, *value, "{model} at {t_ms}");
    }
    harness.get_by_label("Last");

    // A star, and the history on disk.
    harness.get_by_label("Star").click();
    harness.run_steps(2);
    harness.get_by_label("Starred");
    let deadline = Instant::now() + support::PATIENCE;
    loop {
        let history = QueryHistory::read(&history_path);
        let listed = history.for_source("prom");
        if listed
            .first()
            .is_some_and(|e| e.text == promql && e.starred)
        {
            break;
        }
        assert!(Instant::now() < deadline, "history on disk: {listed:?}");
        std::thread::sleep(Duration::from_millis(50));
    }

    // Add to layout: appended to the file, the user's text kept byte for byte.
    harness.get_by_label("Add to layout").click();
    step_until(&mut harness, "the save", |app| {
        app.explore()
            .message
            .as_deref()
            .is_some_and(|m| m.starts_with("saved"))
    });
    let saved = std::fs::read_to_string(&path).unwrap();
    assert!(
        saved.starts_with(original.trim_end()),
        "the user's text is kept as it was:\n{saved}"
    );
    assert!(saved.contains(&format!("promql = \"{promql}\"")), "{saved}");
    let reloaded = load_layout(&path).unwrap();
    assert_eq!(reloaded.panels.len(), 2);
    assert_eq!(harness.state().dashboard().panels.len(), 2);
    assert!(!harness.state().editing().active, "not left in edit mode");
}
