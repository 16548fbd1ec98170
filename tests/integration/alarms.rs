//! Alarm panels: a Prometheus alerting rule fires on the simulated fleet, and the
//! alarm shows up through Prometheus' rules API and through Alertmanager, linked to
//! the chart of its metric and entered in the alarm history.

use crate::support;

use fleetdeck::alarm::AlarmState;
use fleetdeck::app::{AppOptions, FleetApp};
use fleetdeck::layout::parse_layout;
use fleetdeck::session::QueryStatus;
use std::path::Path;
use std::time::{Duration, Instant};

const RULES: &str = r#"groups:
  - name: fleet
    rules:
      - alert: FleetServingRequests
        expr: sum(vllm:num_requests_running) > 0
        labels:
          severity: warning
        annotations:
          summary: "the fleet is serving {{ $value }} requests"
"#;

#[test]
fn a_firing_prometheus_rule_appears_in_the_alarm_panel_from_both_apis() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let alertmanager = support::alertmanager();
    let prometheus = support::prometheus_with_rules(target, RULES, alertmanager.address);
    let text = format!(
        r#"version = 1
title = "alarms"
refresh = "1s"

[sources.prom]
kind = "prometheus"
url = "{}"

[sources.am]
kind = "alertmanager"
url = "{}"

[[panels]]
title = "Alarms"
kind = "alarms"
grid = {{ x = 0, y = 0, w = 24, h = 8 }}
  [[panels.queries]]
  source = "prom"
  [[panels.queries]]
  source = "am"

[[panels]]
title = "Requests running"
grid = {{ x = 0, y = 8, w = 24, h = 8 }}
  [[panels.queries]]
  source = "prom"
  promql = 'sum({{__name__=~"vllm[:_]num_requests_running"}})'
"#,
        prometheus.url(),
        alertmanager.url()
    );
    let layout = parse_layout(&text, Path::new("alarms.toml")).unwrap_or_else(|e| panic!("{e}"));
    let mut app =
        FleetApp::new(layout, AppOptions::default()).with_runtime(runtime.handle().clone());
    let ctx = egui::Context::default();
    let deadline = Instant::now() + support::PATIENCE;
    let alarms_of = |app: &FleetApp, query: &str| {
        app.session()
            .alarms()
            .of_query(&support::key("alarms", query))
            .map(<[_]>::to_vec)
            .unwrap_or_default()
    };
    let firing_in = |app: &FleetApp, query: &str| {
        alarms_of(app, query)
            .iter()
            .any(|a| a.name == "FleetServingRequests" && a.state == AlarmState::Firing)
    };
    while !(firing_in(&app, "q1") && firing_in(&app, "q2")) {
        assert!(
            Instant::now() < deadline,
            "alarms never fired: {:?} {:?}\n{}",
            app.session().alarms().all().collect::<Vec<_>>(),
            app.session().statuses(),
            prometheus.log()
        );
        let mut output = ctx.run_ui(egui::RawInput::default(), |ui| app.show(ui));
        output.textures_delta.clear();
        std::thread::sleep(Duration::from_millis(100));
    }
    let from_prometheus = &alarms_of(&app, "q1")
        .into_iter()
        .find(|a| a.state == AlarmState::Firing)
        .unwrap();
    assert_eq!(from_prometheus.source, "prom");
    assert_eq!(from_prometheus.severity.as_deref(), Some("warning"));
    assert!(
        from_prometheus.summary.starts_with("the fleet is serving "),
        "{}",
        from_prometheus.summary
    );
    assert!(from_prometheus.since.is_some());
    let from_alertmanager = alarms_of(&app, "q2")
        .into_iter()
        .find(|a| a.name == "FleetServingRequests")
        .unwrap();
    assert_eq!(from_alertmanager.source, "am");
    assert_eq!(
        app.session().statuses()[&support::key("alarms", "q1")],
        QueryStatus::Ok
    );
    // Both lead to the chart of the metric their PromQL reads: the rule's query
    // from the rules API, Alertmanager's through the generatorURL.
    assert_eq!(from_prometheus.panel, Some("requests-running".into()));
    assert_eq!(from_alertmanager.panel, Some("requests-running".into()));
    // And the history has the firing from each source, dated when it began.
    let firings: Vec<_> = app
        .session()
        .alarms()
        .history()
        .iter()
        .filter(|t| t.rule == "FleetServingRequests" && t.change.to.label() == "firing")
        .collect();
    let sources: Vec<&str> = firings.iter().map(|t| t.series.as_str()).collect();
    assert!(
        sources.contains(&"prom") && sources.contains(&"am"),
        "{firings:?}"
    );
    let prom = firings.iter().find(|t| t.series == "prom").unwrap();
    assert_eq!(prom.panel, Some("requests-running".into()));
    assert_eq!(
        Some(prom.change.at_ms),
        from_prometheus.since.map(|t| t.timestamp_millis())
    );
}

#[test]
fn an_alarm_panel_refuses_a_source_without_alarms() {
    let text = r#"version = 1
title = "t"
[sources.fleet]
kind = "demo"
[[panels]]
title = "Alarms"
kind = "alarms"
grid = { x = 0, y = 0, w = 24, h = 8 }
  [[panels.queries]]
  source = "fleet"
"#;
    let errors = parse_layout(text, Path::new("a.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        errors.contains(
            "a.toml:10:12: panel `Alarms`: an alarm panel needs a prometheus, alertmanager or cloudwatch source"
        ),
        "{errors}"
    );
}

/// Two alarm panels on one Prometheus, one listing what fires and one what is ok:
/// `fleetdeck alarms` asks each with its own filter (it once asked a source once,
/// with the first panel's), and lists a quiet rule as ok rather than not at all.
#[test]
fn fleetdeck_alarms_lists_every_alarm_query_with_its_own_state_filter() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let alertmanager = support::alertmanager();
    let rules = r#"groups:
  - name: fleet
    rules:
      - alert: FleetServingRequests
        expr: sum(vllm:num_requests_running) > 0
      - alert: FleetOnFire
        expr: sum(vllm:num_requests_running) < 0
"#;
    let prometheus = support::prometheus_with_rules(target, rules, alertmanager.address);
    let text = format!(
        r#"version = 1
title = "alarms"

[sources.prom]
kind = "prometheus"
url = "{}"

[[panels]]
title = "Firing"
kind = "alarms"
grid = {{ x = 0, y = 0, w = 12, h = 8 }}
  [[panels.queries]]
  source = "prom"
  alarm_states = ["firing"]

[[panels]]
title = "Quiet"
kind = "alarms"
grid = {{ x = 12, y = 0, w = 12, h = 8 }}
  [[panels.queries]]
  source = "prom"
  alarm_states = ["ok"]
"#,
        prometheus.url()
    );
    let dashboard = std::sync::Arc::new(
        parse_layout(&text, Path::new("two-panels.toml")).unwrap_or_else(|e| panic!("{e}")),
    );
    let deadline = Instant::now() + support::PATIENCE;
    loop {
        let collected = runtime.block_on(fleetdeck::headless::alarms::collect(
            dashboard.clone(),
            fleetdeck::clock::Clock::System,
        ));
        assert!(collected.errors.is_empty(), "{:?}", collected.errors);
        let states: Vec<(&str, AlarmState)> = collected
            .alarms
            .iter()
            .map(|a| (a.name.as_str(), a.state))
            .collect();
        if states.contains(&("FleetServingRequests", AlarmState::Firing)) {
            assert_eq!(
                states,
                [
                    ("FleetServingRequests", AlarmState::Firing),
                    ("FleetOnFire", AlarmState::Ok)
                ],
                "each panel's own filter"
            );
            assert!(collected.firing());
            break;
        }
        assert!(Instant::now() < deadline, "never fired: {states:?}");
        std::thread::sleep(Duration::from_millis(500));
    }
}
