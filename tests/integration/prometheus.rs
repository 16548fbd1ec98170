//! The prometheus source against real Prometheus and VictoriaMetrics, both scraping
//! `fleetdeck simulate`.

use crate::support;

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use fleetdeck::app::{AppOptions, FleetApp};
use fleetdeck::clock::Clock;
use fleetdeck::dashboard::{Dashboard, Target};
use fleetdeck::headless::export::export_panel;
use fleetdeck::layout::parse_layout;
use fleetdeck::poll::fetch_query;
use fleetdeck::session::{HealthState, QueryStatus, Session, View};
use fleetdeck::source::demo::fleet::{Fleet, normal_quantile};
use fleetdeck::source::step::plan_step;
use fleetdeck::source::{SourceError, SourceQuery, build_source};
use fleetdeck::time_range::{TimeExpr, TimeRange, Window};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::Server;

/// The p99 end-to-end latency per model over the last minute, as a panel asks it.
const P99_OVER_A_MINUTE: &str = r#"histogram_quantile(0.99, sum by (le, model_name) (rate({__name__=~"vllm[:_]e2e_request_latency_seconds_bucket"}[1m])))"#;

fn layout(url: &str, flavor: &str, promql: &str) -> Dashboard {
    layout_with_timeout(url, flavor, promql, "3s")
}

/// As [`layout`], with the source's `timeout`.
fn layout_with_timeout(url: &str, flavor: &str, promql: &str, timeout: &str) -> Dashboard {
    let text = format!(
        r#"version = 1
title = "prometheus test"
refresh = "1s"
time = {{ from = "now-5m", to = "now" }}

[sources.prom]
kind = "prometheus"
url = "{url}"
flavor = "{flavor}"
scrape_interval = "1s"
timeout = "{timeout}"

[[panels]]
title = "p99"
grid = {{ x = 0, y = 0, w = 24, h = 8 }}
unit = "s"
  [[panels.queries]]
  source = "prom"
  promql = '{promql}'
  legend = "{{{{model_name}}}} p99"
"#
    );
    parse_layout(&text, Path::new("prometheus-test.toml")).unwrap_or_else(|e| panic!("{e}"))
}

fn wait_for_p99(server: &Server) -> DateTime<Utc> {
    server.wait_for("histogram_quantile(0.99, sum by (le, model_name) (rate(vllm:e2e_request_latency_seconds_bucket[4s])))");
    Utc::now()
}

fn absolute(from: DateTime<Utc>, to: DateTime<Utc>) -> TimeRange {
    TimeRange {
        from: TimeExpr::Absolute(from),
        to: TimeExpr::Absolute(to),
    }
}

/// The p99 the simulated fleet really had for Llama 70B at `t`.
fn true_p99_llama70b(t: DateTime<Utc>) -> f64 {
    let state = Fleet::new(42).state(0, t.timestamp_millis() as f64 / 1000.0);
    state.median_latency_s * (normal_quantile(0.99) * state.latency_sigma).exp()
}

/// Checks the Llama 70B p99 a panel draws from `server` over `range`, one point a
/// second, against what the simulated fleet had.
fn assert_p99_comes_back(
    server: &Server,
    flavor: &str,
    range: &TimeRange,
    runtime: &tokio::runtime::Runtime,
) {
    let layout = layout(&server.url(), flavor, P99_OVER_A_MINUTE);
    let series = runtime
        .block_on(export_panel(
            Arc::new(layout),
            "p99",
            range,
            Clock::System,
            1000,
            false,
        ))
        .unwrap_or_else(|e| panic!("{flavor}: {e}\n{}", server.log()));
    let names: Vec<&str> = series.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        series.len(),
        4,
        "{flavor}: one p99 series per model: {names:?}"
    );
    let llama = series
        .iter()
        .find(|s| s.name == "meta-llama/Llama-3.1-70B-Instruct p99")
        .unwrap_or_else(|| panic!("{flavor}: no Llama 70B series in {names:?}"));
    // A 5 s window at the 1 s step: five evaluations, every one with data.
    assert_eq!(llama.points.len(), 5, "{flavor}: {:?}", llama.points);
    for &(t_ms, value) in &llama.points {
        // The rate covers the minute before `t`: compare with the fleet mid-minute.
        let middle = DateTime::from_timestamp_millis(t_ms - 30_000).unwrap();
        let truth = true_p99_llama70b(middle);
        // histogram_quantile interpolates inside vLLM's coarse buckets (…, 2.5, 5,
        // 10 s, …), and whole-request counts tip it into a neighbouring bucket now
        // and then: the answer lies between the bounds of the buckets around the truth.
        let buckets = fleetdeck::simulate::exposition::E2E_BUCKETS;
        let above = buckets
            .iter()
            .position(|&le| le >= truth)
            .unwrap_or(buckets.len() - 1);
        let low = buckets[above.saturating_sub(2)];
        let high = buckets[(above + 1).min(buckets.len() - 1)];
        assert!(
            value >= low && value <= high,
            "{flavor}: p99 {value} s at {t_ms}, simulated {truth} s (allowed {low}–{high} s)"
        );
    }
}

/// Prometheus and VictoriaMetrics scrape one simulator; after a minute of data the
/// p99 each serves must be the fleet's. A minute, because the exporter counts whole
/// requests like vLLM does: Llama 70B serves ~6 requests/s at night, so a 4 s rate
/// window holds ~25 requests and its "p99" is their slowest one (during an incident
/// VictoriaMetrics answered 100.8 s for a true 38 s). A minute holds ~380.
#[test]
fn p99_latency_comes_back_from_prometheus_and_victoria_metrics() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let prometheus = support::prometheus(target);
    let victoria = support::victoria_metrics(target);
    wait_for_p99(&prometheus);
    let ready = wait_for_p99(&victoria);
    let from = ready + ChronoDuration::seconds(61);
    let to = from + ChronoDuration::seconds(4);
    support::wait_until("the range's end to pass", || {
        Utc::now() > to + ChronoDuration::seconds(2)
    });
    let range = absolute(from, to);
    assert_p99_comes_back(&prometheus, "prometheus", &range, &runtime);
    assert_p99_comes_back(&victoria, "victoriametrics", &range, &runtime);
}

/// `$1` in `label_replace` is the regex's first group, not a template variable: the
/// layout passes `check`, and the query reaches the server as written, so the
/// series is named by the host the group captured.
#[test]
fn a_label_replace_group_reaches_the_server_as_written() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let prometheus = support::prometheus(target);
    // A few scrapes, so the range has points at its step.
    prometheus.wait_for(r#"count_over_time(up{job="fleet"}[30s]) >= 5"#);
    let text = format!(
        r#"version = 1
title = "label_replace"
time = {{ from = "now-30s", to = "now" }}

[sources.prom]
kind = "prometheus"
url = "{}"
scrape_interval = "1s"

[[panels]]
title = "up by host"
grid = {{ x = 0, y = 0, w = 24, h = 8 }}
  [[panels.queries]]
  source = "prom"
  promql = 'label_replace(up{{job="fleet"}}, "host", "$1", "instance", "(.*):.*")'
  legend = "{{{{host}}}}"
"#,
        prometheus.url()
    );
    let layout =
        parse_layout(&text, Path::new("label-replace.toml")).unwrap_or_else(|e| panic!("{e}"));
    let range = TimeRange::parse("now-30s", "now").unwrap();
    let series = runtime
        .block_on(export_panel(
            Arc::new(layout),
            "up by host",
            &range,
            Clock::System,
            200,
            false,
        ))
        .unwrap();
    let names: Vec<&str> = series.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, [target.ip().to_string()]);
}

/// The first query of the layout's first panel.
fn first_query(layout: &Dashboard) -> SourceQuery {
    let Target::Fetch { query, .. } = &layout.panels[0].queries[0].target else {
        panic!("a series query");
    };
    query.clone()
}

#[test]
fn a_thirty_day_range_stays_within_each_servers_points_limit() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let prometheus = support::prometheus(target);
    let victoria = support::victoria_metrics(target);
    wait_for_p99(&prometheus);
    let now = Utc::now().timestamp_millis();
    let window = Window {
        start_ms: now - 30 * 86_400_000,
        end_ms: now,
    };
    for (server, flavor, limit) in [
        (&prometheus, "prometheus", 11_000),
        (&victoria, "victoriametrics", 30_000),
    ] {
        let layout = layout(&server.url(), flavor, "sum(vllm:num_requests_waiting)");
        let source = build_source(&layout.sources["prom"]);
        // A very wide panel would want more points than the server allows.
        let step = plan_step(window, 200_000, source.limits());
        assert!(window.span_ms() / step < limit, "{flavor}: step {step} ms");
        let (_, used, outcome) = runtime.block_on(fetch_query(
            source.as_ref(),
            &first_query(&layout),
            200_000,
            window,
            None,
            now,
            Duration::from_secs(10),
        ));
        assert_eq!(used, step);
        outcome.unwrap_or_else(|e| panic!("{flavor}: {e}"));
    }
    // Asked for a step the server refuses (43,200 points), the source retries with
    // a coarser one instead of failing.
    let refused = support::http_get(
        prometheus.address,
        &format!(
            "/api/v1/query_range?query={}&start={}&end={}&step=60",
            support::encode("sum(vllm:num_requests_waiting)"),
            window.start_ms / 1000,
            window.end_ms / 1000
        ),
    )
    .unwrap();
    assert_eq!(refused.0, 400);
    assert!(
        refused.1.contains("exceeded maximum resolution"),
        "{}",
        refused.1
    );
    let layout = layout(
        &prometheus.url(),
        "prometheus",
        "sum(vllm:num_requests_waiting)",
    );
    let source = build_source(&layout.sources["prom"]);
    let request = fleetdeck::source::RangeRequest {
        query: first_query(&layout),
        window,
        step_ms: 60_000,
    };
    runtime
        .block_on(source.fetch_range(&request))
        .expect("retried with a coarser step");
}

/// Prometheus answers a range query from the asked start rounded down to the step.
/// Full refetches (a new range, a new width) merge onto what is held: every series
/// must stay strictly ascending, with no sample twice.
#[test]
fn refetches_keep_every_series_strictly_ascending() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let prometheus = support::prometheus(target);
    // The coarsest step below (120 s on 20 px) is 10 s, evaluated at multiples of
    // 10 s: until the first sample is older than that, the last evaluation can
    // fall before it and the answer holds no series. That was the intermittent
    // failure: a fixed wait after the first sample could end just short of it on
    // a loaded machine. Waited for as a condition: a sample 11 s old.
    prometheus.wait_for("vllm:num_requests_waiting offset 11s");
    let dashboard = Arc::new(layout(
        &prometheus.url(),
        "prometheus",
        "vllm:num_requests_waiting",
    ));
    let key = support::key("p99", "q1");
    let mut session = Session::new(dashboard.clone(), Clock::System);
    runtime.block_on(async {
        session.start(&tokio::runtime::Handle::current(), Arc::new(|| {}));
        for (range_s, width_px) in [(60, 1_000), (90, 30), (45, 1_000), (120, 20), (75, 1_000)] {
            session.set_widths(&[("p99".into(), width_px)].into());
            session.set_view(View {
                range: TimeRange::last(Duration::from_secs(range_s)),
                refresh: Duration::from_secs(1),
                live: true,
            });
            session.settle(Duration::from_secs(20)).await.unwrap();
            assert_eq!(
                session.statuses().get(&key),
                Some(&QueryStatus::Ok),
                "{range_s} s at {width_px} px: {}",
                prometheus.log()
            );
            let mut series = 0;
            for (labels, samples) in session.store().query_series(&key) {
                series += 1;
                let times: Vec<i64> = samples.iter().map(|s| s.t_ms).collect();
                assert!(
                    times.windows(2).all(|w| w[0] < w[1]),
                    "{range_s} s at {width_px} px, {:?}: {times:?}",
                    labels.labels
                );
            }
            assert_eq!(
                series, 4,
                "one series per model, {range_s} s at {width_px} px"
            );
            // A live refresh on top.
            let settled_at = session.last_refresh();
            let deadline = tokio::time::Instant::now() + support::PATIENCE;
            while session.last_refresh() == settled_at {
                assert!(tokio::time::Instant::now() < deadline, "no live refresh");
                tokio::time::sleep(Duration::from_millis(50)).await;
                session.drain(Duration::from_secs(1));
            }
        }
    });
}

#[test]
fn an_incremental_refresh_fetches_only_the_tail() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let prometheus = support::prometheus(target);
    wait_for_p99(&prometheus);
    prometheus.wait_for("vllm:num_requests_waiting offset 8s");
    let layout = layout(&prometheus.url(), "prometheus", "vllm:num_requests_waiting");
    let source = build_source(&layout.sources["prom"]);
    let query = first_query(&layout);
    let now = Utc::now().timestamp_millis();
    let window = Window {
        start_ms: now - 3_600_000,
        end_ms: now,
    };
    let before = source.bytes_received();
    let (_, step, full) = runtime.block_on(fetch_query(
        source.as_ref(),
        &query,
        3600,
        window,
        None,
        now,
        Duration::from_secs(10),
    ));
    let full = full.unwrap();
    let full_bytes = source.bytes_received() - before;
    let last = full
        .iter()
        .filter_map(|s| s.samples.last())
        .map(|s| s.t_ms)
        .max()
        .unwrap();
    let since = last - 2 * step;

    // New scrapes after the full fetch: what the tail brings.
    let newest_ms = || {
        let body = prometheus.query("max(timestamp(vllm:num_requests_waiting))");
        let json: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        json["data"]["result"][0]["value"][1]
            .as_str()
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(0, |seconds| (seconds * 1000.0) as i64)
    };
    support::wait_until("a scrape after the full fetch", || {
        newest_ms() > last + step
    });
    let now = Utc::now().timestamp_millis();
    let window = Window {
        start_ms: now - 3_600_000,
        end_ms: now,
    };
    let before = source.bytes_received();
    let (fetched, _, tail) = runtime.block_on(fetch_query(
        source.as_ref(),
        &query,
        3600,
        window,
        Some(since),
        now,
        Duration::from_secs(10),
    ));
    let tail = tail.unwrap();
    let tail_bytes = source.bytes_received() - before;
    assert_eq!(fetched.start_ms, since);
    let full_samples: usize = full.iter().map(|s| s.samples.len()).sum();
    let tail_samples: usize = tail.iter().map(|s| s.samples.len()).sum();
    assert!(
        tail.iter()
            .flat_map(|s| &s.samples)
            .all(|s| s.t_ms >= since)
    );
    assert!(
        tail_samples < full_samples,
        "tail {tail_samples} samples, full {full_samples}"
    );
    assert!(
        tail_bytes < full_bytes,
        "tail {tail_bytes} B, full {full_bytes} B"
    );
}

/// Runs frames of a headless app until `done` holds.
fn drive(app: &mut FleetApp, ctx: &egui::Context, what: &str, done: impl Fn(&FleetApp) -> bool) {
    let deadline = Instant::now() + support::PATIENCE;
    while !done(app) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        let mut output = ctx.run_ui(egui::RawInput::default(), |ui| app.show(ui));
        output.textures_delta.clear();
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_broken_query_shows_the_servers_parse_error_on_the_panel() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let prometheus = support::prometheus(target);
    let layout = layout(
        &prometheus.url(),
        "prometheus",
        "sum(rate(vllm:generation_tokens_total[5m])",
    );
    let mut app =
        FleetApp::new(layout, AppOptions::default()).with_runtime(runtime.handle().clone());
    let ctx = egui::Context::default();
    let p99 = support::key("p99", "q1");
    drive(&mut app, &ctx, "the query error", |app| {
        matches!(
            app.session().statuses().get(&p99),
            Some(QueryStatus::Failed(_))
        )
    });
    let Some(QueryStatus::Failed(SourceError::BadQuery(message))) =
        app.session().statuses().get(&p99)
    else {
        panic!("expected a query error, got {:?}", app.session().statuses());
    };
    assert!(
        message.starts_with("1:"),
        "the server's position is kept: {message}"
    );
    assert!(message.contains("parse error"), "{message}");
    let panel = &app.dashboard().panels[0];
    let state = fleetdeck::ui::panel::panel_state(
        panel,
        app.session().statuses(),
        app.session().health(),
        Default::default(),
    );
    assert_eq!(
        state,
        fleetdeck::ui::panel::PanelState::Error(format!("query error: {message}"))
    );
}

#[test]
fn a_dead_server_marks_panels_stale_and_recovers_by_itself() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let mut prometheus = support::prometheus(target);
    wait_for_p99(&prometheus);
    let layout = layout(
        &prometheus.url(),
        "prometheus",
        "sum(vllm:num_requests_waiting)",
    );
    let mut app =
        FleetApp::new(layout, AppOptions::default()).with_runtime(runtime.handle().clone());
    let ctx = egui::Context::default();
    let healthy =
        |app: &FleetApp| matches!(app.session().health()["prom"].state(), HealthState::Ok(_));
    drive(&mut app, &ctx, "first data", healthy);

    prometheus.kill();
    drive(&mut app, &ctx, "the stale state", |app| {
        matches!(
            app.session().health()["prom"].state(),
            HealthState::Stale {
                error: SourceError::Unreachable(_),
                ..
            }
        )
    });
    let HealthState::Stale { error, .. } = app.session().health()["prom"].state() else {
        unreachable!()
    };
    assert!(error.to_string().contains("Connection refused"), "{error}");
    assert!(
        app.session().store().total_points() > 0,
        "the last data stays on screen"
    );

    prometheus.restart();
    drive(&mut app, &ctx, "recovery without user action", healthy);
    assert_eq!(
        app.session().statuses()[&support::key("p99", "q1")],
        QueryStatus::Ok
    );
}

#[test]
fn the_vllm_layout_shows_live_data_from_prometheus() {
    use egui_kittest::kittest::Queryable;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let prometheus = support::prometheus(target);
    wait_for_p99(&prometheus);
    prometheus.wait_for("vllm:num_requests_running offset 3s");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("layouts/vllm-serving.toml");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("http://127.0.0.1:9090", &prometheus.url());
    let layout = parse_layout(&text, &path).unwrap();
    let mut app =
        FleetApp::new(layout, AppOptions::default()).with_runtime(runtime.handle().clone());
    // The server has seconds of history, not the layout's hour: look at the last
    // two minutes, as a user would, so the step is fine enough to show it.
    app.queue(fleetdeck::view::Command::SetRange(TimeRange::last(
        Duration::from_secs(120),
    )));
    let mut harness = support::harness_builder()
        .with_size([1280.0, 800.0])
        .build_eframe(|_| app);
    // The server has only seconds of data, and the step is the layout's 5 s scrape
    // interval: the first evaluations may come before a rate has two samples. Wait
    // as a person would, for every model's p99 line, refreshes included.
    let p99 = support::key("p99-end-to-end-latency-by-model", "q1");
    let deadline = Instant::now() + support::PATIENCE;
    loop {
        harness.step();
        let session = harness.state().session();
        let ok = session
            .statuses()
            .values()
            .filter(|s| **s == QueryStatus::Ok)
            .count();
        let lines = session.store().query_series(&p99).count();
        if session.pending_queries() == 0 && ok == 10 && lines == 4 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "statuses: {:?}",
            session.statuses()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    harness.run_steps(2);
    for title in [
        "p99 end-to-end latency by model",
        "KV cache usage by model",
        "Generated tokens/s by model",
    ] {
        harness.get_by_label(title);
    }
    harness.get_by_label_contains("Requests running: ");
    harness.get_by_label_contains("prom: ok");
    // Every model's p99 series arrived through the real server.
    assert_eq!(
        harness.state().session().store().query_series(&p99).count(),
        4
    );
}

#[test]
fn the_metric_browser_lists_help_and_labels_and_builds_the_query() {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let prometheus = support::prometheus(target);
    prometheus.wait_for("vllm:num_requests_waiting");
    let layout = layout(
        &prometheus.url(),
        "prometheus",
        "sum(vllm:num_requests_waiting)",
    );
    let app = FleetApp::new(layout, AppOptions::default()).with_runtime(runtime.handle().clone());
    let mut harness = support::harness_builder()
        .with_size([1280.0, 900.0])
        .build_eframe(|_| app);
    let settle = |harness: &mut Harness<'_, FleetApp>,
                  what: &str,
                  found: &dyn Fn(&Harness<'_, FleetApp>) -> bool| {
        let deadline = Instant::now() + support::PATIENCE;
        while !found(harness) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            harness.step();
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    harness.run_steps(2);
    harness.get_by_label("Metrics").click();
    harness.run_steps(2);
    settle(&mut harness, "the metric list", &|h| {
        h.query_by_label_contains("metrics")
            .is_some_and(|_| h.query_by_label("loading…").is_none())
    });
    harness.get_by_label("Filter").click();
    harness.run_steps(1);
    harness.get_by_label("Filter").type_text("waiting");
    harness.run_steps(2);
    // The exporter's help text and type come with the name.
    harness.get_by_label_contains("gauge · Number of requests waiting to be processed.");
    harness.get_by_label("vllm:num_requests_waiting").click();
    harness.run_steps(2);
    let model = "meta-llama/Llama-3.1-70B-Instruct";
    settle(&mut harness, "the labels", &|h| {
        h.query_by_label(model).is_some()
    });
    harness.get_by_label(model).click();
    harness.run_steps(2);
    assert_eq!(
        harness.state_mut_query(),
        format!("vllm:num_requests_waiting{{model_name=\"{model}\"}}")
    );
}

trait BrowserQuery {
    fn state_mut_query(&mut self) -> String;
}

impl BrowserQuery for egui_kittest::Harness<'_, FleetApp> {
    fn state_mut_query(&mut self) -> String {
        use egui_kittest::kittest::Queryable;
        self.get_by_label("Query").value().unwrap_or_default()
    }
}

#[test]
fn a_broken_query_does_not_slow_the_refresh_of_its_neighbours() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let prometheus = support::prometheus(target);
    prometheus.wait_for("vllm:num_requests_waiting");
    let good_layout = layout(
        &prometheus.url(),
        "prometheus",
        "sum(vllm:num_requests_waiting)",
    );
    // A second query on the same source that the server refuses.
    let broken_layout = layout(&prometheus.url(), "prometheus", "sum(rate(x[5m])");
    let planned = |layout: &Dashboard, query: &str| fleetdeck::poll::PlannedQuery {
        key: support::key("p99", query),
        source: "prom".into(),
        planned: fleetdeck::poll::Planned::Series(first_query(layout)),
        width_px: 1_000,
        point_budget: fleetdeck::poll::budget::PANEL_POINT_BUDGET,
        max_series: usize::MAX,
        envelope: false,
        current: false,
        shift_ms: 0,
    };
    let plan = fleetdeck::poll::PollPlan {
        generation: 1,
        range: TimeRange::last(Duration::from_secs(300)),
        refresh: Duration::from_millis(500),
        live: true,
        queries: vec![planned(&good_layout, "q1"), planned(&broken_layout, "q2")],
        concurrency: Default::default(),
    };
    let sources = [("prom".into(), build_source(&good_layout.sources["prom"]))].into();
    let mut poller = fleetdeck::poll::Poller::start(
        runtime.handle(),
        sources,
        plan,
        Clock::System,
        Arc::new(|| {}),
    );
    // Six rounds of both: the server's refusal comes back every round, beside
    // the good query's answer. (That a refused query causes no backoff, which
    // would space the rounds 1, 2, 4 s apart, is timed in the poller's unit test
    // on paused time: here a loaded machine could not tell it from slowness.)
    let (mut good, mut refused) = (0u32, 0u32);
    support::wait_until("six rounds", || {
        while let Some(result) = poller.try_recv() {
            match (result.key.query.as_str(), &result.outcome) {
                ("q1", Ok(_)) => good += 1,
                ("q2", Err(SourceError::BadQuery(_))) => refused += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        good >= 6 && refused >= 6
    });
    assert!(
        good.abs_diff(refused) <= 1,
        "{good} answers, {refused} refusals"
    );
}

/// Answers are decoded as they download. A server that cuts its answer off
/// mid-way, or sends one past the 64 MiB cap, gets an error that says so (and
/// the parser thread stops with the download), never a partial set of series
/// drawn as if whole.
#[test]
fn a_cut_off_or_oversized_answer_is_an_error_not_a_partial_fleet() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let window = Window {
        start_ms: 1_700_000_000_000,
        end_ms: 1_700_000_600_000,
    };
    let series = |n: usize| {
        format!(r#"{{"metric":{{"gpu":"{n}"}},"values":[[1700000000,"0.5"],[1700000060,"0.75"]]}}"#)
    };
    let fetch = |body: &[u8]| {
        let server = support::static_answer(body);
        // 64 MiB through a debug build's parser takes seconds.
        let layout =
            layout_with_timeout(&server.url(), "prometheus", "DCGM_FI_DEV_GPU_UTIL", "60s");
        let source = build_source(&layout.sources["prom"]);
        let request = fleetdeck::source::RangeRequest {
            query: first_query(&layout),
            window,
            step_ms: 60_000,
        };
        runtime.block_on(source.fetch_range(&request))
    };
    // Whole, it is read (the harness's own check that the server answers).
    let whole = format!(
        r#"{{"status":"success","data":{{"resultType":"matrix","result":[{},{}]}}}}"#,
        series(0),
        series(1)
    );
    let read = fetch(whole.as_bytes()).expect("a whole answer");
    assert_eq!(read.len(), 2);
    assert_eq!(read[1].samples[1].value, 0.75);
    // Cut off in the second series.
    let cut = &whole.as_bytes()[..whole.len() - 40];
    let error = fetch(cut).expect_err("a cut-off answer");
    assert!(error.to_string().contains("unreadable answer"), "{error}");
    // 10,000 series of the fleet is 26 MB; a little over 64 MiB of them is refused.
    let mut huge = String::from(r#"{"status":"success","data":{"resultType":"matrix","result":["#);
    let mut n = 0;
    while huge.len() <= 64 * 1024 * 1024 {
        if n > 0 {
            huge.push(',');
        }
        huge.push_str(&series(n));
        n += 1;
    }
    huge.push_str("]}}");
    let error = fetch(huge.as_bytes()).expect_err("past the cap");
    assert!(
        error.to_string().contains("answer larger than 64 MiB"),
        "{error}"
    );
}

/// A fleet map and a spread over the same metric, both at the step their point
/// budget gives, ask the server exactly the same: while one such query is under
/// way a second waits for its answer instead of costing the server the same
/// work again. Once answered, the next refresh asks anew.
#[test]
fn the_same_range_query_asked_twice_at_once_is_one_query_for_the_server() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let prometheus = support::prometheus(target);
    let layout = layout(&prometheus.url(), "prometheus", "up");
    let source = build_source(&layout.sources["prom"]);
    let now = Utc::now().timestamp_millis();
    let request = fleetdeck::source::RangeRequest {
        query: first_query(&layout),
        window: Window {
            start_ms: now - 300_000,
            end_ms: now,
        },
        step_ms: 15_000,
    };
    let before = prometheus.range_queries_served();
    let (first, second) = runtime.block_on(async {
        tokio::join!(source.fetch_range(&request), source.fetch_range(&request))
    });
    assert_eq!(first.unwrap(), second.unwrap());
    let served = |expected: u64| {
        support::wait_until(&format!("{expected} range queries served"), || {
            prometheus.range_queries_served() - before >= expected
        });
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(prometheus.range_queries_served() - before, expected);
    };
    served(1);
    runtime.block_on(source.fetch_range(&request)).unwrap();
    served(2);
}
