//! Template variables against real servers: values listed by Prometheus (scraping
//! `fleetdeck simulate`) and by CloudWatch (ministack), a multi-choice with regex
//! metacharacters, and a changed value refetching only the queries that use it.

use crate::support;
use fleetdeck::clock::Clock;
use fleetdeck::dashboard::Dashboard;
use fleetdeck::headless::export::export_panel;
use fleetdeck::layout::{Choices, compile_text};
use fleetdeck::session::{Session, View};
use fleetdeck::source::build_source;
use fleetdeck::source::demo::fleet::Fleet;
use fleetdeck::time_range::{TimeExpr, TimeRange};
use fleetdeck::variables::options::fetch_options;
use fleetdeck::variables::{Selected, VariableKind};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

fn prometheus_layout(url: &str) -> String {
    format!(
        r#"version = 1
title = "variables on prometheus"
refresh = "1s"
time = {{ from = "now-2m", to = "now" }}

[sources.prom]
kind = "prometheus"
url = "{url}"
scrape_interval = "1s"

[variables.model]
source = "prom"
query = "label_values(vllm:num_requests_running, model_name)"
multi = true

[[panels]]
title = "Running $model"
grid = {{ x = 0, y = 0, w = 12, h = 8 }}
envelope = false
  [[panels.queries]]
  source = "prom"
  promql = 'sum by (model_name) (vllm:num_requests_running{{model_name=~"$model"}})'
  legend = "{{{{model_name}}}}"

[[panels]]
title = "Waiting"
grid = {{ x = 12, y = 0, w = 12, h = 8 }}
envelope = false
  [[panels.queries]]
  source = "prom"
  promql = 'sum(vllm:num_requests_waiting)'
"#
    )
}

fn compile(text: &str, choices: &Choices) -> Dashboard {
    compile_text(text, Path::new("variables-test.toml"), choices).unwrap_or_else(|e| panic!("{e}"))
}

fn choose(name: &str, values: &[&str]) -> Choices {
    Choices {
        selection: [(
            name.to_owned(),
            Selected::Values(values.iter().map(|v| v.to_string()).collect()),
        )]
        .into(),
        options: Default::default(),
    }
}

/// Waits until a range query ending now holds a scraped sample: its last step
/// may lie up to a scrape interval before now, before the first scrape.
fn wait_for_range_data(prometheus: &support::Server) {
    prometheus.wait_for("vllm:num_requests_running offset 2s");
}

/// The values the dashboard's only variable offers, as its source lists them.
fn options_of(dashboard: &Dashboard, runtime: &tokio::runtime::Runtime) -> Vec<String> {
    let VariableKind::Query { source, query } = &dashboard.variables[0].kind else {
        panic!("a query variable");
    };
    let source = build_source(&dashboard.sources[source.as_str()]);
    runtime
        .block_on(fetch_options(source.as_ref(), query))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn labels_of(
    dashboard: Dashboard,
    title: &str,
    label: &str,
    runtime: &tokio::runtime::Runtime,
) -> BTreeSet<String> {
    let range = TimeRange::last(Duration::from_secs(60));
    runtime
        .block_on(export_panel(
            Arc::new(dashboard),
            title,
            &range,
            Clock::System,
            600,
            false,
        ))
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|s| s.labels.get(label).cloned().unwrap_or_default())
        .collect()
}

#[test]
fn prometheus_lists_every_model_and_a_multi_choice_returns_exactly_those_series() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let prometheus = support::prometheus(target);
    wait_for_range_data(&prometheus);
    let text = prometheus_layout(&prometheus.url());
    let waiting = compile(&text, &Choices::default());
    assert_eq!(waiting.panels[0].waiting_for.as_deref(), Some("model"));

    let options = options_of(&waiting, &runtime);
    let mut models: Vec<String> = Fleet::new(42)
        .endpoints
        .iter()
        .map(|e| e.model_name.to_owned())
        .collect();
    models.sort();
    models.dedup();
    assert_eq!(options, models);

    // Model names hold `.`, `-` and `/`: each is matched literally.
    let chosen = [options[0].as_str(), options[2].as_str()];
    let dashboard = compile(&text, &choose("model", &chosen));
    assert_eq!(
        dashboard.panels[0].title,
        format!("Running {}, {}", chosen[0], chosen[1])
    );
    let title = format!("Running {}, {}", chosen[0], chosen[1]);
    let found = labels_of(dashboard, &title, "model_name", &runtime);
    assert_eq!(found, chosen.iter().map(|s| s.to_string()).collect());

    // Unescaped, `.*` would match every model; as a value it matches none.
    let dashboard = compile(&text, &choose("model", &[".*"]));
    let found = labels_of(dashboard, "Running .*", "model_name", &runtime);
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn choosing_another_value_refetches_only_the_queries_that_use_it() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let prometheus = support::prometheus(target);
    wait_for_range_data(&prometheus);
    let text = prometheus_layout(&prometheus.url());
    let options = options_of(&compile(&text, &Choices::default()), &runtime);
    let first = compile(&text, &choose("model", &[options[0].as_str()]));
    let mut session = Session::new(Arc::new(first), Clock::System);
    let now = chrono::Utc::now();
    session.set_view(View {
        range: TimeRange {
            from: TimeExpr::Absolute(now - chrono::Duration::seconds(60)),
            to: TimeExpr::Absolute(now),
        },
        refresh: Duration::from_secs(1),
        live: false,
    });
    session.start(runtime.handle(), Arc::new(|| {}));
    runtime
        .block_on(session.settle(Duration::from_secs(20)))
        .unwrap();
    let waiting_key = support::key("waiting", "q1");
    let running_key = support::key("running-model", "q1");
    let waiting_before: Vec<_> = session
        .store()
        .query_series(&waiting_key)
        .map(|(_, s)| s.iter().count())
        .collect();
    assert_eq!(waiting_before.len(), 1);
    let served_before = prometheus.range_queries_served();

    let second = compile(&text, &choose("model", &[options[1].as_str()]));
    session.set_dashboard(Arc::new(second));
    assert_eq!(
        session.pending_queries(),
        1,
        "only the panel that uses $model waits"
    );
    runtime
        .block_on(session.settle(Duration::from_secs(20)))
        .unwrap();

    let served = prometheus.range_queries_served() - served_before;
    assert_eq!(
        served, 1,
        "one query_range for the changed query, none for the other"
    );
    let running: Vec<String> = session
        .store()
        .query_series(&running_key)
        .map(|(key, _)| key.labels["model_name"].clone())
        .collect();
    assert_eq!(running, [options[1].clone()]);
    let waiting_after: Vec<_> = session
        .store()
        .query_series(&waiting_key)
        .map(|(_, s)| s.iter().count())
        .collect();
    assert_eq!(
        waiting_after, waiting_before,
        "the other panel kept its data"
    );
}

#[test]
fn cloudwatch_lists_dimension_values_and_a_multi_choice_asks_each_chosen_endpoint() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = support::ministack();
    support::publish_fleet(&server.url(), "10m");
    let text = format!(
        r#"version = 1
title = "variables on cloudwatch"
time = {{ from = "now-30m", to = "now" }}

[sources.cw]
kind = "cloudwatch"
region = "us-east-1"
endpoint_url = "{}"
timeout = "3s"

[variables.endpoint]
source = "cw"
namespace = "AWS/SageMaker"
metric = "ModelLatency"
dimension = "EndpointName"
multi = true
include_all = true

[[panels]]
title = "p99"
grid = {{ x = 0, y = 0, w = 24, h = 8 }}
  [[panels.queries]]
  source = "cw"
  namespace = "AWS/SageMaker"
  metric = "ModelLatency"
  dimensions = {{ EndpointName = "$endpoint", VariantName = "AllTraffic" }}
  stat = "p99"
"#,
        server.url()
    );
    let all = compile(&text, &Choices::default());
    let options = options_of(&all, &runtime);
    assert_eq!(
        options,
        ["llm-ab-llama70b", "llm-prod-llama70b", "llm-prod-mistral7b"]
    );
    let endpoints = |dashboard| labels_of(dashboard, "p99", "EndpointName", &runtime);
    // All asks every endpoint; the A/B endpoint has no AllTraffic variant.
    assert_eq!(
        endpoints(all),
        BTreeSet::from([
            "llm-prod-llama70b".to_owned(),
            "llm-prod-mistral7b".to_owned()
        ])
    );
    let one = compile(&text, &choose("endpoint", &["llm-prod-mistral7b"]));
    assert_eq!(
        endpoints(one),
        BTreeSet::from(["llm-prod-mistral7b".to_owned()])
    );
    let both = compile(
        &text,
        &choose("endpoint", &["llm-prod-mistral7b", "llm-prod-llama70b"]),
    );
    assert_eq!(
        endpoints(both),
        BTreeSet::from([
            "llm-prod-llama70b".to_owned(),
            "llm-prod-mistral7b".to_owned()
        ])
    );
}
