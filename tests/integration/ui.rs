//! The dashboard as a person sees it, headless: egui_kittest finds widgets by their
//! accessible names, clicks them, and renders the window to PNG through Mesa's
//! software renderer (no GPU, no display).

use crate::support;
use chrono::{DateTime, Utc};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use fleetdeck::app::{AppOptions, FleetApp};
use fleetdeck::clock::{Clock, DisplayZone};
use fleetdeck::layout::load_layout;
use fleetdeck::session::QueryStatus;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

const NOW: &str = "2026-11-25T12:00:00Z";

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(NOW)
        .unwrap()
        .with_timezone(&Utc)
}

fn demo_app(runtime: &tokio::runtime::Runtime) -> FleetApp {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("layouts/demo-fleet.toml");
    let layout = load_layout(&path).unwrap();
    let options = AppOptions {
        clock: Clock::Fixed(now()),
        zone: DisplayZone::Utc,
        ..AppOptions::default()
    };
    FleetApp::new(layout, options).with_runtime(runtime.handle().clone())
}

fn harness(app: FleetApp) -> Harness<'static, FleetApp> {
    support::harness_builder()
        .with_size([1280.0, 800.0])
        .build_eframe(|_| app)
}

/// Steps the UI until every query answered (as a person would wait for "loading…"
/// to go away), failing after a few seconds.
fn wait_for_data(harness: &mut Harness<'_, FleetApp>) {
    let deadline = Instant::now() + support::PATIENCE;
    loop {
        harness.step();
        let session = harness.state().session();
        let all_ok = session.statuses().values().all(|s| *s == QueryStatus::Ok);
        if session.pending_queries() == 0 && all_ok {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} queries still pending",
            session.pending_queries()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    harness.run_steps(3);
}

/// The panel "p99 end-to-end latency by model" of the demo layout.
const LATENCY_PANEL: &str = "p99-end-to-end-latency-by-model";

fn earliest_sample_of_panel(app: &FleetApp, panel: &str) -> i64 {
    app.session()
        .store()
        .query_series(&support::key(panel, "q1"))
        .filter_map(|(_, s)| s.iter().next().map(|s| s.t_ms))
        .min()
        .unwrap()
}

#[test]
fn the_demo_dashboard_shows_every_panel_by_title_with_live_data() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut harness = harness(demo_app(&runtime));
    wait_for_data(&mut harness);
    for panel in &harness.state().dashboard().panels.clone() {
        harness.get_by_label(&panel.title);
    }
    // A stat tile reads its value out, with its unit.
    harness.get_by_label_contains("Month-to-date spend: $");
    // The status bar says the source is fine.
    harness.get_by_label_contains("fleet: ok 12:00:00");
}

#[test]
fn switching_the_time_range_refetches_and_moves_every_plot() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut harness = harness(demo_app(&runtime));
    wait_for_data(&mut harness);
    let hour_ago = now().timestamp_millis() - 3_600_000;
    assert!((earliest_sample_of_panel(harness.state(), LATENCY_PANEL) - hour_ago).abs() <= 5_000);

    harness.get_by_label("Last 1h").click();
    harness.run_steps(2);
    harness.get_by_label("Last 6 hours").click();
    harness.run_steps(2);
    assert_eq!(harness.state().view().range.label(), "Last 6h");
    wait_for_data(&mut harness);

    let six_hours_ago = now().timestamp_millis() - 6 * 3_600_000;
    let earliest = earliest_sample_of_panel(harness.state(), LATENCY_PANEL);
    assert!(
        (earliest - six_hours_ago).abs() <= 120_000,
        "data starts at {earliest}, expected about {six_hours_ago}"
    );
    // Every time-series plot now spans the six hours.
    let ctx = harness.ctx.clone();
    for panel in &harness.state().dashboard().panels {
        if panel.kind != fleetdeck::layout::PanelKind::Timeseries {
            continue;
        }
        let memory =
            egui_plot::PlotMemory::load(&ctx, fleetdeck::ui::timeseries::plot_id(&panel.id))
                .unwrap_or_else(|| panic!("no plot for {}", panel.title));
        let bounds = memory.bounds();
        let span_s = bounds.max()[0] - bounds.min()[0];
        assert!(
            (span_s - 6.0 * 3600.0).abs() < 1.0,
            "{}: {span_s} s",
            panel.title
        );
        assert!((bounds.max()[0] - now().timestamp() as f64).abs() < 1.0);
    }
    harness.get_by_label_contains("points in");
}

/// A week of the demo on a 1280 px window: every line is sampled once every ten
/// minutes or more, and each ten-second stall of the fleet still rises above it as
/// its band (snapshot looked at: the stalls stand out as thin spikes of colour).
#[test]
fn a_week_shows_each_stall_of_the_fleet_as_a_band_above_its_line() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut harness = harness(demo_app(&runtime));
    wait_for_data(&mut harness);
    harness.get_by_label("Last 1h").click();
    harness.run_steps(2);
    harness.get_by_label("Last 7 days").click();
    harness.run_steps(2);
    wait_for_data(&mut harness);
    harness.run_steps(3);
    let app = harness.state();
    let store = app.session().store();
    let key = support::key(LATENCY_PANEL, "q1");
    let mut lifted = 0;
    for (series_key, series) in store.query_series(&key) {
        let band = store
            .band(series_key)
            .unwrap_or_else(|| panic!("no band for {:?}", series_key.labels));
        // Where the band's top is three times the line's value, a spike hid
        // between two samples of the line.
        lifted += band
            .max
            .iter()
            .filter(|high| {
                series
                    .value_at(high.t_ms)
                    .is_some_and(|value| high.value > 3.0 * value)
            })
            .count();
    }
    assert!(
        lifted >= 7,
        "only {lifted} steps of the week hold a hidden spike"
    );
    harness.snapshot("demo_week_bands");
}

#[test]
fn a_typed_range_is_applied_and_a_bad_one_is_explained() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut harness = harness(demo_app(&runtime));
    wait_for_data(&mut harness);
    harness.get_by_label("Last 1h").click();
    harness.run_steps(2);
    harness.get_by_label("From").click();
    harness.run_steps(1);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.get_by_label("From").type_text("yesterday");
    harness.run_steps(1);
    harness.get_by_label("Apply range").click();
    harness.run_steps(2);
    harness.get_by_label_contains("invalid time `yesterday`");
    assert_eq!(harness.state().view().range.label(), "Last 1h");

    harness.get_by_label("From").click();
    harness.run_steps(1);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.get_by_label("From").type_text("now-2h");
    harness.run_steps(1);
    harness.get_by_label("Apply range").click();
    harness.run_steps(2);
    assert_eq!(harness.state().view().range.label(), "Last 2h");
}

#[test]
fn pause_freezes_and_resume_returns_to_live() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut harness = harness(demo_app(&runtime));
    wait_for_data(&mut harness);
    harness.get_by_label("Pause").click();
    harness.run_steps(2);
    assert!(!harness.state().view().is_live());
    harness.get_by_label_contains("paused");
    harness.get_by_label("Resume live").click();
    harness.run_steps(2);
    assert!(harness.state().view().is_live());
}

#[test]
fn the_ok_alarms_unfold_from_the_alarm_panels_title() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut harness = harness(demo_app(&runtime));
    wait_for_data(&mut harness);
    // Nothing fires at noon: every alarm is ok, listed but folded.
    harness.get_by_label("Nothing firing");
    let llama = "p99 latency high · meta-llama/Llama-3.1-70B-Instruct";
    assert!(harness.query_by_label(llama).is_none());
    harness.get_by_label("10 ok").click();
    harness.run_steps(2);
    harness.get_by_label(llama);
    assert_eq!(
        harness.query_all_by_label("ok").count(),
        10,
        "a state per row"
    );
    harness.get_by_label("10 ok").click();
    harness.run_steps(2);
    assert!(harness.query_by_label(llama).is_none());
}

#[test]
fn demo_dashboard_snapshot() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut harness = harness(demo_app(&runtime));
    wait_for_data(&mut harness);
    harness.snapshot("demo_fleet");
}

#[test]
fn dragging_across_a_chart_zooms_every_panel_to_the_selection() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut harness = harness(demo_app(&runtime));
    wait_for_data(&mut harness);
    let frame = *egui_plot::PlotMemory::load(
        &harness.ctx,
        fleetdeck::ui::timeseries::plot_id(&LATENCY_PANEL.into()),
    )
    .unwrap()
    .transform()
    .frame();
    let y = frame.center().y;
    let from = egui::pos2(frame.left() + frame.width() * 0.25, y);
    let to = egui::pos2(frame.left() + frame.width() * 0.75, y);
    harness.hover_at(from);
    harness.step();
    harness.drag_at(from);
    harness.step();
    for fraction in [0.3, 0.5, 0.7] {
        harness.hover_at(egui::pos2(frame.left() + frame.width() * fraction, y));
        harness.step();
    }
    harness.hover_at(to);
    harness.step();
    harness.drop_at(to);
    harness.run_steps(3);

    let view = harness.state().view();
    assert!(!view.is_live(), "a zoom pauses live refresh");
    let window = view.window(now());
    let hour_ago = now().timestamp_millis() - 3_600_000;
    let expected_start = hour_ago + 900_000;
    assert!(
        (window.start_ms - expected_start).abs() < 30_000,
        "zoom starts at {}",
        window.start_ms
    );
    assert!(
        (window.span_ms() - 1_800_000).abs() < 60_000,
        "zoom spans {} ms",
        window.span_ms()
    );
    harness.get_by_label("Resume live");

    // Another panel follows: its plot spans the same half hour once redrawn.
    wait_for_data(&mut harness);
    let gpu_panel = "gpu-utilisation-by-host-dcgm".into();
    let bounds =
        *egui_plot::PlotMemory::load(&harness.ctx, fleetdeck::ui::timeseries::plot_id(&gpu_panel))
            .unwrap()
            .bounds();
    assert!((bounds.min()[0] * 1000.0 - window.start_ms as f64).abs() < 1000.0);
    assert!((bounds.max()[0] * 1000.0 - window.end_ms as f64).abs() < 1000.0);
}

/// Replaces a file the way editors save: write a sibling, then rename over it.
fn step_until(harness: &mut Harness<'_, FleetApp>, what: &str, done: impl Fn(&FleetApp) -> bool) {
    let deadline = Instant::now() + support::PATIENCE;
    while !done(harness.state()) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        harness.step();
        std::thread::sleep(Duration::from_millis(50));
    }
    harness.run_steps(2);
}

#[test]
fn a_broken_edit_of_the_layout_is_reported_and_the_last_good_one_stays() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (path, original) = support::demo_layout_copy(dir.path());
    let app = support::app_on_file(&path, now(), &runtime);
    let mut harness = harness(app);
    wait_for_data(&mut harness);

    // Break it: a panel now refers to a source that does not exist.
    support::save_layout(
        &path,
        &original.replacen("source = \"fleet\"", "source = \"prom\"", 1),
    );
    step_until(&mut harness, "the refused edit", |app| {
        app.layout_error().is_some()
    });
    let line = original
        .lines()
        .position(|l| l.contains("source = \"fleet\""))
        .unwrap()
        + 1;
    let expected = format!(
        "{}:{line}:12: panel `Requests/s` refers to undefined source `prom`",
        path.display()
    );
    harness.get_by_label_contains(&expected);
    harness.get_by_label_contains("Still showing the last good version");
    harness.get_by_label("p99 end-to-end latency by model");
    assert!(
        harness.state().session().store().total_points() > 0,
        "the old data stays on screen"
    );

    // Fix it with a new title: the dashboard follows and the banner goes away.
    support::save_layout(
        &path,
        &original.replace("AI fleet — overview (simulated)", "Fleet after the edit"),
    );
    step_until(&mut harness, "the fixed layout", |app| {
        app.dashboard().title == "Fleet after the edit"
    });
    wait_for_data(&mut harness);
    assert!(harness.state().layout_error().is_none());
    assert!(
        harness
            .query_by_label_contains("Still showing the last good version")
            .is_none()
    );
    harness.get_by_label("Fleet after the edit");
}

#[test]
fn the_spend_layout_computes_every_derived_series() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("layouts/spend-demo.toml");
    let layout = load_layout(&path).unwrap();
    let derived: Vec<fleetdeck::dashboard::QueryKey> = layout
        .queries()
        .filter(|(_, _, q)| matches!(q.target, fleetdeck::dashboard::Target::Derive(_)))
        .map(|(key, _, _)| key)
        .collect();
    assert_eq!(derived.len(), 6);
    let options = AppOptions {
        clock: Clock::Fixed(now()),
        zone: DisplayZone::Utc,
        ..AppOptions::default()
    };
    let app = FleetApp::new(layout, options).with_runtime(runtime.handle().clone());
    let mut harness = harness(app);
    let deadline = Instant::now() + support::PATIENCE;
    while !derived
        .iter()
        .all(|key| harness.state().session().statuses().get(key) == Some(&QueryStatus::Ok))
    {
        assert!(
            Instant::now() < deadline,
            "derived series never computed: {:?}",
            harness.state().session().statuses()
        );
        harness.step();
        std::thread::sleep(Duration::from_millis(30));
    }
    harness.run_steps(2);
    // The tiles read their derived values; the hidden inputs are not drawn.
    harness.get_by_label_contains("Cost per 1,000 inferences: $");
    harness.get_by_label_contains("Month-end forecast: $");
    harness.get_by_label_contains("USD per 1M output tokens: $");
}

/// Every non-ASCII character in the program's strings (outside tests and comments):
/// what the UI may print.
fn characters_the_program_writes() -> std::collections::BTreeMap<char, String> {
    let mut found = std::collections::BTreeMap::new();
    let mut files = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap();
        for (number, line) in code.lines().enumerate() {
            let line = line.split("//").next().unwrap();
            // Only inside string literals.
            for (index, part) in line.split('"').enumerate() {
                if index % 2 == 1 {
                    for c in part.chars().filter(|c| !c.is_ascii()) {
                        found
                            .entry(c)
                            .or_insert_with(|| format!("{}:{}", path.display(), number + 1));
                    }
                }
            }
        }
    }
    found
}

#[test]
fn every_character_the_program_writes_has_a_glyph() {
    // The history once read "ok ▯ firing": the bundled fonts have no "→".
    let ctx = egui::Context::default();
    let mut output = ctx.run_ui(egui::RawInput::default(), |_| {});
    output.textures_delta.clear();
    let characters = characters_the_program_writes();
    assert!(
        characters.contains_key(&'·'),
        "the scan finds the UI's strings"
    );
    for (c, place) in characters {
        let has = ctx.fonts_mut(|f| f.has_glyph(&egui::FontId::proportional(14.0), c));
        assert!(
            has,
            "{c:?} (U+{:04X}, first at {place}) has no glyph",
            c as u32
        );
    }
}

fn app_on(layout: &str, runtime: &tokio::runtime::Runtime) -> FleetApp {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(layout);
    let options = AppOptions {
        clock: Clock::Fixed(now()),
        zone: DisplayZone::Utc,
        ..AppOptions::default()
    };
    FleetApp::new(load_layout(&path).unwrap(), options)
        .with_runtime(runtime.handle().clone())
        .with_variables(Default::default(), None)
        .unwrap()
}

/// Steps until the dashboard has `count` panels (a repeat drawn for its values).
fn wait_for_panels(harness: &mut Harness<'_, FleetApp>, count: usize) {
    let deadline = Instant::now() + support::PATIENCE;
    while harness.state().dashboard().panels.len() != count {
        assert!(
            Instant::now() < deadline,
            "{} panels, not {count}",
            harness.state().dashboard().panels.len()
        );
        harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    wait_for_data(harness);
}

/// Ticks `value` in the open variable dropdown (the charts' legends below hold
/// checkboxes of the same names; the dropdown's is the one nearest the top).
fn tick_in_dropdown(harness: &mut Harness<'_, FleetApp>, value: &str) {
    harness
        .get_all_by_role_and_label(egui::accesskit::Role::CheckBox, value)
        .min_by(|a, b| a.rect().min.y.total_cmp(&b.rect().min.y))
        .unwrap_or_else(|| panic!("no checkbox {value}"))
        .click();
}

/// The models layout: the "Model" dropdown lists the fleet's models, All draws one
/// p99 tile per model across the row, and ticking two models leaves two tiles,
/// each half the row, with the charts below filtered to them (snapshots looked
/// at: four tiles, then two).
#[test]
fn a_repeated_row_follows_the_models_chosen_in_the_top_bar() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut harness = harness(app_on("layouts/demo-models.toml", &runtime));
    wait_for_panels(&mut harness, 6);
    let titles: Vec<String> = harness
        .state()
        .dashboard()
        .panels
        .iter()
        .map(|p| p.title.clone())
        .collect();
    assert_eq!(titles[0], "p99 · BAAI/bge-large-en-v1.5");
    assert_eq!(harness.state().dashboard().panels[3].grid.w, 6);
    harness.snapshot("demo_models_repeat_all");

    harness.get_by_label("Model:").click();
    harness.run_steps(2);
    tick_in_dropdown(&mut harness, "meta-llama/Llama-3.1-70B-Instruct");
    harness.run_steps(2);
    wait_for_panels(&mut harness, 3);
    harness.get_by_label("Model:").click();
    harness.run_steps(2);
    tick_in_dropdown(&mut harness, "mistralai/Mistral-7B-Instruct-v0.3");
    harness.run_steps(2);
    wait_for_panels(&mut harness, 4);
    let app = harness.state();
    let tiles: Vec<(String, u32)> = app.dashboard().panels[..2]
        .iter()
        .map(|p| (p.title.clone(), p.grid.w))
        .collect();
    assert_eq!(
        tiles,
        [
            ("p99 · meta-llama/Llama-3.1-70B-Instruct".to_owned(), 12),
            ("p99 · mistralai/Mistral-7B-Instruct-v0.3".to_owned(), 12)
        ]
    );
    let waiting: BTreeSet<String> = app
        .session()
        .store()
        .query_series(&support::key("requests-waiting", "q1"))
        .map(|(key, _)| key.labels["model_name"].clone())
        .collect();
    assert_eq!(waiting.len(), 2, "{waiting:?}");
    harness.get_by_label("Model:").click();
    harness.run_steps(3);
    harness.snapshot("demo_models_two_chosen");
}

/// A choice made in the top bar is kept for the layout: the next start (reading
/// the same file) shows the same models.
#[test]
fn a_variable_choice_is_kept_for_the_next_start() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("variables.json");
    let writer = fleetdeck::persist::Writer::start();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("layouts/demo-models.toml");
    let options = AppOptions {
        clock: Clock::Fixed(now()),
        zone: DisplayZone::Utc,
        ..AppOptions::default()
    };
    let app = FleetApp::new(load_layout(&path).unwrap(), options)
        .with_runtime(runtime.handle().clone())
        .with_writer(writer.clone())
        .with_variables(Default::default(), Some(saved.clone()))
        .unwrap();
    let mut harness = harness(app);
    wait_for_panels(&mut harness, 6);
    harness
        .state_mut()
        .queue(fleetdeck::view::Command::SetVariable {
            name: "model".to_owned(),
            selected: fleetdeck::variables::Selected::Values(vec![
                "BAAI/bge-large-en-v1.5".to_owned(),
            ]),
        });
    wait_for_panels(&mut harness, 3);
    writer.flush();

    let kept = fleetdeck::variables::selection::read_saved(&saved);
    let restarted = FleetApp::new(load_layout(&path).unwrap(), options)
        .with_variables(kept, Some(saved))
        .unwrap();
    let titles: Vec<&str> = restarted
        .dashboard()
        .panels
        .iter()
        .map(|p| p.title.as_str())
        .collect();
    assert_eq!(titles[0], "p99 · BAAI/bge-large-en-v1.5");
    assert_eq!(titles.len(), 3);
}

/// Compare with 1 day ago: every line of the demo gets yesterday's as a dashed
/// line of its colour under today's, the legend unchanged (snapshot looked at:
/// today's incident in the queue chart against yesterday's calm line).
#[test]
fn comparing_with_a_day_ago_draws_yesterdays_lines_dashed() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut harness = harness(demo_app(&runtime));
    wait_for_data(&mut harness);
    harness.get_by_label("Compare").click();
    harness.run_steps(2);
    harness.get_by_label("1 day ago").click();
    harness.run_steps(2);
    wait_for_data(&mut harness);
    let panel = harness
        .state()
        .dashboard()
        .panel_by_title("Requests waiting by model")
        .unwrap()
        .clone();
    let compared = fleetdeck::dashboard::QueryKey {
        panel: panel.id.clone(),
        query: fleetdeck::session::compare::compared_id(&panel.queries[0].id),
    };
    assert_eq!(
        harness
            .state()
            .session()
            .store()
            .query_series(&compared)
            .count(),
        4
    );
    harness.snapshot("demo_compare_day");
}

/// "Copy link" puts on the clipboard the command line that reopens the range
/// shown, and the app opened from that line shows the same window, paused, with
/// the named panel in focus.
#[test]
fn copy_link_gives_a_command_line_that_reopens_the_same_view() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut harness = harness(demo_app(&runtime));
    wait_for_data(&mut harness);
    harness.get_by_label("Copy link").click();
    harness.step();
    let copied = harness
        .output()
        .platform_output
        .commands
        .iter()
        .find_map(|c| match c {
            egui::OutputCommand::CopyText(text) => Some(text.clone()),
            _ => None,
        })
        .expect("a command line on the clipboard");
    assert!(
        copied.ends_with("--from 2026-11-25T11:00:00Z --to 2026-11-25T12:00:00Z"),
        "{copied}"
    );
    let words: Vec<&str> = copied.split(' ').collect();
    let from = words[words.iter().position(|w| *w == "--from").unwrap() + 1];
    let to = words[words.iter().position(|w| *w == "--to").unwrap() + 1];
    let range = fleetdeck::time_range::TimeRange::parse(from, to).unwrap();
    let reopened = demo_app(&runtime)
        .with_range(range)
        .with_focus("Requests waiting by model")
        .unwrap();
    assert_eq!(
        reopened.view().window(now()),
        harness.state().view().window(now())
    );
    assert!(
        reopened.view().resume_to.is_some(),
        "an absolute range opens paused"
    );
    assert!(demo_app(&runtime).with_focus("No such panel").is_err());
}

/// Steps until a widget labelled `label` is on screen (a new window takes a few
/// frames to size itself).
fn wait_for_label(harness: &mut Harness<'_, FleetApp>, label: &str) {
    let deadline = Instant::now() + support::PATIENCE;
    while harness.query_by_label(label).is_none() {
        assert!(Instant::now() < deadline, "no `{label}` on screen");
        harness.step();
    }
}

/// Shift+click on a chart pins a note at that instant, Shift+drag one over a
/// range (snapshot looked at: a line and a band on every chart); both are kept
/// beside the layout (a file a person can read), listed on
/// the alarm history's timeline, and read back at the next start.
#[test]
fn notes_are_pinned_with_shift_click_and_drag_and_kept_beside_the_layout() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = support::demo_layout_copy(dir.path());
    let notes_path = fleetdeck::notes::path_for(&path);
    let writer = fleetdeck::persist::Writer::start();
    let app = support::app_on_file(&path, now(), &runtime)
        .with_writer(writer.clone())
        .with_notes_file(&notes_path);
    let mut harness = harness(app);
    wait_for_data(&mut harness);
    // Inside the plot (its legend is at the panel's right).
    let chart = harness
        .get_by_label("Requests waiting by model")
        .rect()
        .center()
        + egui::vec2(60.0, 110.0);
    let shift = egui::Modifiers::SHIFT;
    let button = |pos: egui::Pos2, pressed: bool| egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: shift,
    };
    // Shift stays held through each gesture, as a hand holds it.
    let hold = |harness: &mut Harness<'_, FleetApp>, held: bool| {
        harness.event(egui::Event::ModifiersChanged(if held {
            shift
        } else {
            egui::Modifiers::NONE
        }));
    };
    hold(&mut harness, true);
    harness.event(egui::Event::PointerMoved(chart));
    harness.step();
    harness.event(button(chart, true));
    harness.step();
    harness.event(button(chart, false));
    harness.step();
    hold(&mut harness, false);
    wait_for_label(&mut harness, "Note text");
    harness
        .get_by_label("Note text")
        .type_text("restarted the 70B pods");
    harness.run_steps(1);
    harness.get_by_label("Pin note").click();
    harness.run_steps(2);
    assert_eq!(harness.state().notes().len(), 1);
    assert!(harness.state().notes()[0].until.is_none());

    // Shift+drag: a note over a range.
    let to = chart + egui::vec2(120.0, 0.0);
    hold(&mut harness, true);
    harness.event(egui::Event::PointerMoved(chart));
    harness.step();
    harness.event(button(chart, true));
    harness.step();
    for i in 1..=4 {
        harness.event(egui::Event::PointerMoved(
            chart + (to - chart) * (i as f32 / 4.0),
        ));
        harness.step();
    }
    harness.event(button(to, false));
    harness.step();
    hold(&mut harness, false);
    wait_for_label(&mut harness, "Note text");
    harness
        .get_by_label("Note text")
        .type_text("failover drill");
    harness.run_steps(1);
    harness.get_by_label("Pin note").click();
    harness.run_steps(2);
    let notes = harness.state().notes().to_vec();
    assert_eq!(notes.len(), 2);
    let drill = notes.iter().find(|n| n.text == "failover drill").unwrap();
    assert!(
        drill.end_ms().unwrap() - drill.start_ms().unwrap() > 60_000,
        "{drill:?}"
    );
    assert_eq!(
        harness.state().view().range.label(),
        "Last 1h",
        "a noting drag does not zoom"
    );
    harness.event(egui::Event::PointerGone);
    harness.run_steps(3);
    harness.snapshot("demo_notes");

    // One timeline with the alarm history.
    harness.get_by_label_contains("History (").click();
    harness.run_steps(2);
    harness.get_by_label("restarted the 70B pods");
    harness.get_by_label("failover drill");

    writer.flush();
    let text = std::fs::read_to_string(&notes_path).unwrap();
    assert!(text.contains("text = \"restarted the 70B pods\""), "{text}");
    let reopened = support::app_on_file(&path, now(), &runtime).with_notes_file(&notes_path);
    assert_eq!(reopened.notes(), notes.as_slice());
}

/// The top bar reads each label before its value — "Refresh 5s ▾", "Compare off ▾"
/// — not "5s ▾ Refresh off ▾ Compare", where "Refresh off" read as one phrase.
#[test]
fn the_top_bar_reads_each_label_before_its_value() {
    use egui::accesskit::Role;
    use egui_kittest::kittest::by;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut harness = harness(demo_app(&runtime));
    harness.run_steps(2);
    let refresh = fleetdeck::time_range::format_duration(harness.state().dashboard().refresh);
    for (label, value) in [("Refresh", refresh.as_str()), ("Compare", "off")] {
        let text = harness.get(by().role(Role::Label).label(label).include_labels());
        let combo = harness.get(by().role(Role::ComboBox).label(label));
        assert_eq!(combo.value().as_deref(), Some(value), "{label}");
        assert!(
            text.rect().max.x <= combo.rect().min.x,
            "`{label}` at {:?} is not before its value at {:?}",
            text.rect(),
            combo.rect()
        );
    }
}

/// A line panel's legend sits beside the plot, never on it: a click on a name
/// shows that series alone (the tooltip over the chart then lists only it), a
/// second click brings every series back, a shift-click hides just one; a table
/// legend lists each series' values over the window.
#[test]
fn the_legend_isolates_a_series_on_click_and_hides_one_on_shift_click() {
    use egui_kittest::kittest::Queryable;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("legend.toml");
    std::fs::write(
        &path,
        r#"version = 1
title = "legend"
time = { from = "now-1h", to = "now" }
[sources.fleet]
kind = "demo"
nodes = 1

[[panels]]
title = "GPU utilisation"
grid = { x = 0, y = 0, w = 24, h = 8 }
unit = "percent"
legend_values = ["last", "max", "mean"]
  [[panels.queries]]
  source = "fleet"
  metric = "DCGM_FI_DEV_GPU_UTIL"
  legend = "{{Hostname}} gpu {{gpu}}"
"#,
    )
    .unwrap();
    let app = support::app_on_file(&path, now(), &runtime);
    let mut harness = support::harness_builder()
        .with_size([1280.0, 500.0])
        .build_eframe(|_| app);
    wait_for_data(&mut harness);
    // The table's headings and a value per series and column.
    harness.get_by_label("mean");
    harness.snapshot("legend_table_beside_the_plot");
    // Hovering the chart lists every series in the tooltip: each name twice.
    let hover_chart = |harness: &mut Harness<'_, FleetApp>| {
        harness.hover_at(egui::pos2(400.0, 250.0));
        harness.run_steps(40);
    };
    let shown =
        |harness: &Harness<'_, FleetApp>, name: &str| harness.query_all_by_label(name).count();
    hover_chart(&mut harness);
    assert_eq!(shown(&harness, "node-0000 gpu 3"), 2);
    assert_eq!(shown(&harness, "node-0000 gpu 5"), 2);
    // Click: gpu 3 alone.
    harness.remove_cursor();
    harness.run_steps(1);
    harness.get_by_label("node-0000 gpu 3").click();
    harness.run_steps(2);
    hover_chart(&mut harness);
    assert_eq!(shown(&harness, "node-0000 gpu 3"), 2);
    assert_eq!(shown(&harness, "node-0000 gpu 5"), 1, "only in the legend");
    // Again: every series back.
    harness.remove_cursor();
    harness.run_steps(1);
    let clicks = harness.query_all_by_label("node-0000 gpu 3").count();
    assert_eq!(clicks, 1);
    harness.get_by_label("node-0000 gpu 3").click();
    harness.run_steps(2);
    hover_chart(&mut harness);
    assert_eq!(shown(&harness, "node-0000 gpu 5"), 2);
    // Shift-click: gpu 5 alone is hidden.
    harness.remove_cursor();
    harness.run_steps(1);
    harness
        .get_by_label("node-0000 gpu 5")
        .click_modifiers(egui::Modifiers::SHIFT);
    harness.run_steps(2);
    hover_chart(&mut harness);
    assert_eq!(shown(&harness, "node-0000 gpu 5"), 1, "only in the legend");
    assert_eq!(shown(&harness, "node-0000 gpu 3"), 2);
    assert_eq!(shown(&harness, "node-0000 gpu 6"), 2);
}
