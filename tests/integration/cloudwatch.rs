//! The cloudwatch source against a real CloudWatch emulator (ministack), fed by
//! `fleetdeck simulate --cloudwatch-endpoint`.

use crate::support;

use fleetdeck::alarm::AlarmState;
use fleetdeck::app::{AppOptions, FleetApp};
use fleetdeck::dashboard::{Dashboard, Target};
use fleetdeck::layout::parse_layout;
use fleetdeck::session::QueryStatus;
use fleetdeck::source::cloudwatch::CloudWatchSource;
use fleetdeck::source::demo::fleet::{Fleet, normal_quantile};
use fleetdeck::source::{RangeRequest, SeriesData, Source, SourceError, SourceSpec, build_source};
use fleetdeck::time_range::Window;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const MINUTE_MS: i64 = 60_000;

/// A layout on a cloudwatch source at `url`, with the given panels (TOML).
fn layout(url: &str, panels: &str) -> Dashboard {
    let text = format!(
        r#"version = 1
title = "cloudwatch test"
refresh = "2s"
time = {{ from = "now-30m", to = "now" }}

[sources.cw]
kind = "cloudwatch"
region = "us-east-1"
endpoint_url = "{url}"
timeout = "3s"
{panels}"#
    );
    parse_layout(&text, Path::new("cloudwatch-test.toml")).unwrap_or_else(|e| panic!("{e}"))
}

/// One panel with one ModelLatency query of `stat` on `dimensions` (TOML inline table).
fn latency_panel(stat: &str, dimensions: &str) -> String {
    format!(
        r#"
[[panels]]
title = "latency"
grid = {{ x = 0, y = 0, w = 24, h = 8 }}
unit = "us"
  [[panels.queries]]
  source = "cw"
  namespace = "AWS/SageMaker"
  metric = "ModelLatency"
  dimensions = {dimensions}
  stat = "{stat}"
  legend = "{{{{EndpointName}}}}"
"#
    )
}

const LLAMA: &str = r#"{ EndpointName = "llm-prod-llama70b", VariantName = "AllTraffic" }"#;

fn request(layout: &Dashboard, panel: usize, query: usize, window: Window) -> RangeRequest {
    let Target::Fetch { query, .. } = &layout.panels[panel].queries[query].target else {
        panic!("a series query");
    };
    RangeRequest {
        query: query.clone(),
        window,
        step_ms: MINUTE_MS,
    }
}

/// The layout's `cw` source.
fn cloudwatch(layout: &Dashboard) -> CloudWatchSource {
    let SourceSpec::CloudWatch(settings) = &layout.sources["cw"] else {
        panic!("a cloudwatch source");
    };
    CloudWatchSource::new(settings.clone())
}

/// The last `minutes` whole minutes. Take it before publishing: the publisher sends
/// the minutes that ended before it started.
fn last_minutes(minutes: i64) -> Window {
    let now = chrono::Utc::now().timestamp_millis();
    let end_ms = now.div_euclid(MINUTE_MS) * MINUTE_MS;
    Window {
        start_ms: end_ms - minutes * MINUTE_MS,
        end_ms,
    }
}

fn fetch(source: &dyn Source, request: &RangeRequest) -> Result<Vec<SeriesData>, SourceError> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(source.fetch_range(request))
}

/// The published ModelLatency values (µs) of the simulated Llama 70B endpoint around
/// its p99, in the minute starting at `minute_ms` (the publisher samples the middle of
/// the minute): the values at quantiles 0.985 and 0.995, the 99th and 100th of the
/// 100 equally weighted values it sends. A server's p99 of that minute lies between
/// them, whichever rank rule it uses; the true p99 lies between them too, and at
/// incident spreads the gap is ~10 %.
fn published_values_around_p99_us(minute_ms: i64) -> (f64, f64) {
    let state = Fleet::new(42).state(0, (minute_ms + MINUTE_MS / 2) as f64 / 1000.0);
    let median_us = state.median_latency_s * 0.93 * 1e6;
    let at = |q: f64| (median_us * (normal_quantile(q) * state.latency_sigma).exp()).round();
    (at(0.985), at(0.995))
}

#[test]
fn p99_model_latency_comes_back_for_every_minute_with_the_simulated_values() {
    let server = support::ministack();
    // Before publishing: a minute that ends while the datums go out is not published.
    let window = last_minutes(20);
    support::publish_fleet(&server.url(), "30m");
    let layout = layout(&server.url(), &latency_panel("p99", LLAMA));
    let source = build_source(&layout.sources["cw"]);
    let series = fetch(source.as_ref(), &request(&layout, 0, 0, window)).unwrap();
    assert_eq!(series.len(), 1, "{series:?}");
    assert_eq!(series[0].labels["EndpointName"], "llm-prod-llama70b");
    assert_eq!(series[0].labels["stat"], "p99");
    let samples = &series[0].samples;
    assert_eq!(samples.len(), 20, "one point per minute: {samples:?}");
    for (i, sample) in samples.iter().enumerate() {
        assert_eq!(sample.t_ms, window.start_ms + i as i64 * MINUTE_MS);
        let (low, high) = published_values_around_p99_us(sample.t_ms);
        assert!(
            sample.value >= low && sample.value <= high,
            "p99 at {} was {} µs; the fleet's values around its p99 were {low:.0}–{high:.0} µs",
            sample.t_ms,
            sample.value
        );
    }
    // And the median is well below it, minute by minute.
    let layout = self::layout(&server.url(), &latency_panel("p50", LLAMA));
    let medians = fetch(source.as_ref(), &request(&layout, 0, 0, window)).unwrap();
    for (p50, p99) in medians[0].samples.iter().zip(samples) {
        assert!(p50.value < 0.7 * p99.value, "p50 {p50:?} vs p99 {p99:?}");
    }
}

#[test]
fn a_star_dimension_draws_every_endpoint() {
    let server = support::ministack();
    let window = last_minutes(5);
    support::publish_fleet(&server.url(), "10m");
    let layout = layout(
        &server.url(),
        &latency_panel(
            "p99",
            r#"{ EndpointName = "*", VariantName = "AllTraffic" }"#,
        ),
    );
    let source = build_source(&layout.sources["cw"]);
    let series = fetch(source.as_ref(), &request(&layout, 0, 0, window)).unwrap();
    let mut endpoints: Vec<&str> = series
        .iter()
        .map(|s| s.labels["EndpointName"].as_str())
        .collect();
    endpoints.sort();
    assert_eq!(endpoints, ["llm-prod-llama70b", "llm-prod-mistral7b"]);
    assert!(series.iter().all(|s| s.samples.len() == 5), "{series:?}");
}

#[test]
fn eleven_hundred_queries_take_three_calls_and_duplicates_are_asked_once() {
    let server = support::ministack();
    let window = last_minutes(3);
    support::publish_fleet(&server.url(), "5m");
    // 1,001 distinct statistics of one metric, then 99 of them again.
    let mut stats: Vec<String> = (1..=1_000)
        .map(|n| format!("p{}", n as f64 / 10.0))
        .collect();
    stats.push("Average".to_owned());
    let repeats: Vec<String> = stats[..99].to_vec();
    stats.extend(repeats);
    let panels: String = stats
        .iter()
        .enumerate()
        .map(|(i, stat)| {
            latency_panel(stat, LLAMA)
                .replace(
                    "grid = { x = 0, y = 0, w = 24, h = 8 }",
                    &format!("grid = {{ x = 0, y = {i}, w = 24, h = 1 }}"),
                )
                .replace("title = \"latency\"", &format!("title = \"latency {i}\""))
        })
        .collect();
    let layout = layout(&server.url(), &panels);
    let source = cloudwatch(&layout);
    let requests: Vec<RangeRequest> = (0..stats.len())
        .map(|panel| request(&layout, panel, 0, window))
        .collect();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let outcomes = runtime.block_on(source.fetch_batch(&requests));
    assert_eq!(outcomes.len(), 1_100);
    let usage = source.usage().unwrap();
    assert_eq!(usage.calls, 3, "1,001 distinct queries at 500 a call");
    assert_eq!(usage.units, 1_001, "each distinct metric billed once");
    // Every request got its data, the repeats included, and p50.0 < p99.0.
    let last_value = |i: usize| {
        outcomes[i].as_ref().unwrap()[0]
            .samples
            .last()
            .unwrap()
            .value
    };
    for i in 0..stats.len() {
        assert_eq!(
            outcomes[i].as_ref().unwrap()[0].samples.len(),
            3,
            "{}",
            stats[i]
        );
    }
    assert_eq!(
        last_value(1_001 + 98),
        last_value(98),
        "repeat of {}",
        stats[98]
    );
    assert!(last_value(499) < last_value(989));
}

#[test]
fn alarms_show_their_state_and_reason_filtered_by_prefix() {
    let server = support::ministack();
    support::emulator_credentials();
    let layout = layout(
        &server.url(),
        r#"
[[panels]]
title = "alarms"
kind = "alarms"
grid = { x = 0, y = 0, w = 24, h = 8 }
  [[panels.queries]]
  source = "cw"
  alarm_prefix = "llm-"
"#,
    );
    let source = cloudwatch(&layout);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = source.client().await;
        for name in [
            "llm-prod-llama70b-p99",
            "llm-prod-mistral7b-5xx",
            "batch-jobs-backlog",
        ] {
            client
                .put_metric_alarm()
                .alarm_name(name)
                .namespace("AWS/SageMaker")
                .metric_name("ModelLatency")
                .extended_statistic("p99")
                .period(60)
                .evaluation_periods(3)
                .threshold(8_000_000.0)
                .comparison_operator(
                    aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanThreshold,
                )
                .send()
                .await
                .unwrap();
        }
        client
            .set_alarm_state()
            .alarm_name("llm-prod-llama70b-p99")
            .state_value(aws_sdk_cloudwatch::types::StateValue::Alarm)
            .state_reason("Threshold Crossed: 3 datapoints were greater than 8000000.0")
            .send()
            .await
            .unwrap();
        // More than one page of DescribeAlarms (100 a page).
        for n in 0..150 {
            client
                .put_metric_alarm()
                .alarm_name(format!("llm-bulk-{n:03}"))
                .namespace("AWS/SageMaker")
                .metric_name("Invocations")
                .statistic(aws_sdk_cloudwatch::types::Statistic::Sum)
                .period(60)
                .evaluation_periods(1)
                .threshold(1.0)
                .comparison_operator(
                    aws_sdk_cloudwatch::types::ComparisonOperator::LessThanThreshold,
                )
                .send()
                .await
                .unwrap();
        }
        client
            .put_composite_alarm()
            .alarm_name("llm-fleet-degraded")
            .alarm_rule("ALARM(\"llm-prod-llama70b-p99\") OR ALARM(\"llm-prod-mistral7b-5xx\")")
            .send()
            .await
            .unwrap();
        client
            .set_alarm_state()
            .alarm_name("llm-prod-mistral7b-5xx")
            .state_value(aws_sdk_cloudwatch::types::StateValue::Ok)
            .state_reason("back to normal")
            .send()
            .await
            .unwrap();
    });
    let Target::Alarms { filter, .. } = &layout.panels[0].queries[0].target else {
        panic!("an alarm query");
    };
    let alarms = runtime.block_on(source.fetch_alarms("cw", filter)).unwrap();
    assert_eq!(
        alarms.len(),
        153,
        "every page, composite alarms too, prefix applied"
    );
    assert!(!alarms.iter().any(|a| a.name == "batch-jobs-backlog"));
    let composite = alarms
        .iter()
        .find(|a| a.name == "llm-fleet-degraded")
        .expect("composite alarm listed");
    assert_eq!(composite.labels["type"], "composite");
    // Firing first; then the alarm that was set OK with a reason.
    let alarms: Vec<_> = alarms
        .into_iter()
        .filter(|a| a.name.starts_with("llm-prod"))
        .collect();
    let names: Vec<&str> = alarms.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["llm-prod-llama70b-p99", "llm-prod-mistral7b-5xx"]);
    assert_eq!(alarms[0].state, AlarmState::Firing);
    assert_eq!(
        alarms[0].summary,
        "Threshold Crossed: 3 datapoints were greater than 8000000.0"
    );
    assert!(alarms[0].since.is_some());
    assert_eq!(alarms[0].labels["metric"], "ModelLatency");
    assert_eq!(alarms[1].state, AlarmState::Ok);
    assert_eq!(alarms[1].summary, "back to normal");
    assert_eq!(alarms[0].source, "cw");
}

#[test]
fn metric_math_reaches_the_server_and_its_refusal_is_shown_on_the_panel() {
    let server = support::ministack();
    support::publish_fleet(&server.url(), "5m");
    let layout = layout(
        &server.url(),
        r#"
[[panels]]
title = "error rate"
grid = { x = 0, y = 0, w = 24, h = 8 }
unit = "percent"
  [[panels.queries]]
  source = "cw"
  id = "errors"
  namespace = "AWS/SageMaker"
  metric = "Invocation5XXErrors"
  dimensions = { EndpointName = "llm-prod-llama70b", VariantName = "AllTraffic" }
  stat = "Sum"
  hidden = true
  [[panels.queries]]
  source = "cw"
  id = "calls"
  namespace = "AWS/SageMaker"
  metric = "Invocations"
  dimensions = { EndpointName = "llm-prod-llama70b", VariantName = "AllTraffic" }
  stat = "Sum"
  hidden = true
  [[panels.queries]]
  source = "cw"
  expression = "100 * errors / calls"
"#,
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut app =
        FleetApp::new(layout, AppOptions::default()).with_runtime(runtime.handle().clone());
    let expression = support::key("error-rate", "q3");
    support::drive(&mut app, "the expression's answer", |app| {
        app.session().statuses().contains_key(&expression)
    });
    let Some(QueryStatus::Failed(SourceError::BadQuery(message))) =
        app.session().statuses().get(&expression)
    else {
        panic!(
            "expected the server's refusal, got {:?}",
            app.session().statuses()
        );
    };
    // The emulator's own words for the expression it was sent.
    assert_eq!(
        message,
        "InternalError: Unsupported: Expressions not implemented"
    );
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
    // The hidden queries it reads were fetched without error and draw nothing.
    assert_eq!(
        app.session()
            .statuses()
            .get(&support::key("error-rate", "errors")),
        Some(&QueryStatus::Ok)
    );
}

#[test]
fn an_unreachable_endpoint_is_reported_within_the_timeout() {
    support::emulator_credentials();
    let url = format!("http://127.0.0.1:{}", support::free_port());
    let layout = layout(&url, &latency_panel("p99", LLAMA));
    let source = build_source(&layout.sources["cw"]);
    let started = Instant::now();
    let error = fetch(source.as_ref(), &request(&layout, 0, 0, last_minutes(5))).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let SourceError::Unreachable(message) = &error else {
        panic!("expected unreachable, got {error:?}");
    };
    assert!(message.starts_with(&url), "{message}");
    assert!(message.contains("Connection refused"), "{message}");
}

#[test]
fn missing_credentials_say_what_to_run_within_the_timeout() {
    let server = support::ministack();
    let dir = tempfile::tempdir().unwrap();
    let layout_path = dir.path().join("sagemaker.toml");
    let text = std::fs::read_to_string("layouts/sagemaker-endpoints.toml")
        .unwrap()
        .replace("http://127.0.0.1:4566", &server.url())
        .replace("timeout = \"10s\"", "timeout = \"3s\"");
    std::fs::write(&layout_path, text).unwrap();
    let started = Instant::now();
    let mut command = Command::new(env!("CARGO_BIN_EXE_fleetdeck"));
    command
        .args([
            "export",
            layout_path.to_str().unwrap(),
            "--panel",
            "Llama 70B p99",
        ])
        .env("HOME", dir.path())
        .env("AWS_CONFIG_FILE", dir.path().join("no-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.path().join("no-credentials"),
        );
    for (key, _) in std::env::vars() {
        if key.starts_with("AWS_")
            && !key.starts_with("AWS_CONFIG")
            && !key.starts_with("AWS_SHARED")
        {
            command.env_remove(key);
        }
    }
    let output = command.output().unwrap();
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        elapsed < Duration::from_secs(3),
        "took {elapsed:?}: {stderr}"
    );
    let last_line = stderr.lines().last().unwrap_or_default();
    assert!(last_line.contains("no AWS credentials found"), "{stderr}");
    assert!(
        last_line.contains("aws configure") && last_line.contains("aws sso login"),
        "{stderr}"
    );
}

#[test]
fn the_metric_browser_lists_namespaces_metrics_and_dimension_values() {
    let server = support::ministack();
    support::publish_fleet(&server.url(), "2m");
    let layout = layout(&server.url(), &latency_panel("p99", LLAMA));
    let source = build_source(&layout.sources["cw"]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let metrics = runtime.block_on(source.list_metrics()).unwrap();
    let latency = metrics
        .iter()
        .find(|m| m.name == "ModelLatency")
        .unwrap_or_else(|| panic!("{metrics:?}"));
    assert_eq!(latency.namespace.as_deref(), Some("AWS/SageMaker"));
    assert_eq!(latency.help, "by EndpointName, VariantName");
    assert!(
        metrics
            .iter()
            .any(|m| m.name == "OutputTokenCount" && m.namespace.as_deref() == Some("AWS/Bedrock"))
    );
    let dimensions = runtime.block_on(source.label_values(latency)).unwrap();
    let endpoints: Vec<&String> = dimensions["EndpointName"].iter().collect();
    // The two AllTraffic endpoints and the A/B test's endpoint (two variants).
    assert_eq!(
        endpoints,
        ["llm-ab-llama70b", "llm-prod-llama70b", "llm-prod-mistral7b"]
    );
    let query = fleetdeck::ui::browser::query_text(
        latency,
        &[("EndpointName".to_owned(), "llm-prod-mistral7b".to_owned())].into(),
    );
    assert_eq!(
        query,
        r#"namespace = "AWS/SageMaker", metric = "ModelLatency", stat = "Average", dimensions = { EndpointName = "llm-prod-mistral7b" }"#
    );
}

#[test]
fn the_shipped_cloudwatch_layouts_show_data_from_the_emulator() {
    let server = support::ministack();
    support::publish_fleet(&server.url(), "30m");
    for file in ["layouts/sagemaker-endpoints.toml", "layouts/bedrock.toml"] {
        let text = std::fs::read_to_string(file)
            .unwrap()
            .replace("http://127.0.0.1:4566", &server.url());
        let layout = parse_layout(&text, Path::new(file)).unwrap();
        let is_math = |target: &Target| {
            matches!(
                target,
                Target::Fetch {
                    query: fleetdeck::source::SourceQuery::CloudWatch(cw),
                    ..
                } if matches!(cw.what, fleetdeck::source::cloudwatch::CwExpr::Math(_))
            )
        };
        let series_queries: Vec<fleetdeck::dashboard::QueryKey> = layout
            .queries()
            .filter(|(_, p, q)| p.shows_series() && !q.hidden && !is_math(&q.target))
            .map(|(key, _, _)| key)
            .collect();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let mut app =
            FleetApp::new(layout, AppOptions::default()).with_runtime(runtime.handle().clone());
        support::drive(&mut app, file, |app| {
            series_queries
                .iter()
                .all(|key| app.session().statuses().get(key) == Some(&QueryStatus::Ok))
        });
        for key in &series_queries {
            let points: usize = app
                .session()
                .store()
                .query_series(key)
                .map(|(_, series)| series.len())
                .sum();
            assert!(points >= 20, "{file}: {key} has {points} points");
        }
    }
}

#[test]
fn the_metric_browser_builds_a_cloudwatch_query_by_clicking() {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;
    let server = support::ministack();
    support::publish_fleet(&server.url(), "2m");
    let layout = layout(&server.url(), &latency_panel("p99", LLAMA));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let app = FleetApp::new(layout, AppOptions::default()).with_runtime(runtime.handle().clone());
    let mut harness = support::harness_builder()
        .with_size([1280.0, 900.0])
        .build_eframe(|_| app);
    let settle = |harness: &mut Harness<'_, FleetApp>, what: &str, label: &str| {
        let deadline = Instant::now() + support::PATIENCE;
        while harness.query_by_label(label).is_none() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            harness.step();
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    harness.run_steps(2);
    harness.get_by_label("Metrics").click();
    harness.run_steps(2);
    settle(&mut harness, "the metric list", "InvocationLatency");
    harness.get_by_label("Filter").click();
    harness.run_steps(1);
    harness.get_by_label("Filter").type_text("ModelLat");
    harness.run_steps(2);
    // The namespace and dimension names come with the name.
    harness.get_by_label_contains("AWS/SageMaker · by EndpointName, VariantName");
    harness.get_by_label("ModelLatency").click();
    harness.run_steps(2);
    settle(&mut harness, "the dimension values", "llm-prod-mistral7b");
    harness.get_by_label("llm-prod-mistral7b").click();
    harness.run_steps(1);
    harness.get_by_label("AllTraffic").click();
    harness.run_steps(2);
    assert_eq!(
        harness.get_by_label("Query").value().unwrap_or_default(),
        r#"namespace = "AWS/SageMaker", metric = "ModelLatency", stat = "Average", dimensions = { EndpointName = "llm-prod-mistral7b", VariantName = "AllTraffic" }"#
    );
}

/// A line coarser than CloudWatch's minute gets its band from the Minimum and
/// Maximum statistics, asked in the same batch and counted by the cost meter.
#[test]
fn a_coarse_p99_line_gets_its_band_from_minimum_and_maximum_in_the_same_batch() {
    use fleetdeck::session::{Session, View};
    use fleetdeck::time_range::TimeRange;
    use std::sync::Arc;
    let server = support::ministack();
    support::publish_fleet(&server.url(), "30m");
    let layout = Arc::new(layout(&server.url(), &latency_panel("p99", LLAMA)));
    let key = support::key("latency", "q1");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut session = Session::new(layout, fleetdeck::clock::Clock::System);
    // Thirty minutes on 6 px: a step of five minutes.
    session.set_uniform_width(6);
    session.set_view(View {
        range: TimeRange::last(Duration::from_secs(30 * 60)),
        refresh: Duration::from_secs(60),
        live: false,
    });
    runtime.block_on(async {
        session.start(&tokio::runtime::Handle::current(), Arc::new(|| {}));
        session.settle(Duration::from_secs(30)).await.unwrap();
    });
    assert_eq!(session.statuses().get(&key), Some(&QueryStatus::Ok));
    let store = session.store();
    let (series_key, line) = store.query_series(&key).next().expect("the p99 line");
    let band = store.band(series_key).expect("a band beside the p99 line");
    assert!(line.len() >= 4, "{} points", line.len());
    let mut wider = 0;
    for sample in line.iter() {
        let at = |bound: &fleetdeck::store::Series| {
            bound
                .value_at(sample.t_ms)
                .unwrap_or_else(|| panic!("no band at {}", sample.t_ms))
        };
        let (low, high) = (at(&band.min), at(&band.max));
        assert!(
            low <= sample.value && sample.value <= high,
            "{low} {} {high}",
            sample.value
        );
        // The Maximum of five minutes' datums is above their p99.
        if high > sample.value * 1.01 && low < sample.value * 0.5 {
            wider += 1;
        }
    }
    assert!(
        wider >= line.len() / 2,
        "only {wider} of {} steps show a spread",
        line.len()
    );
    // Three metrics a refresh: p99, Minimum, Maximum, in one call.
    let usage = session.usage();
    let (_, usage) = usage.iter().find(|(id, _)| id.as_str() == "cw").unwrap();
    assert_eq!((usage.calls, usage.units), (1, 3), "{usage:?}");
}

/// A source over two regions and two accounts reached by assuming a role in each
/// (ministack's STS; its CloudWatch keeps each account's and region's metrics
/// apart): the fleet was published into prod's us-east-1 and staging's
/// eu-west-1 only, so those two come back, labelled, and the other two pairs
/// answer nothing. With the roles not assumed, nothing would come back at all:
/// the chain's own key belongs to a third account.
#[test]
fn a_source_over_regions_and_accounts_labels_each_series_with_where_it_came_from() {
    let server = support::ministack();
    let window = last_minutes(10);
    support::publish_fleet_into(&server.url(), "20m", "us-east-1", "111111111111");
    support::publish_fleet_into(&server.url(), "20m", "eu-west-1", "222222222222");
    let text = format!(
        r#"version = 1
title = "two regions, two accounts"
refresh = "1m"
time = {{ from = "now-30m", to = "now" }}

[sources.cw]
kind = "cloudwatch"
regions = ["us-east-1", "eu-west-1"]
accounts = [
  {{ name = "prod", role_arn = "arn:aws:iam::111111111111:role/fleetdeck-read" }},
  {{ name = "staging", role_arn = "arn:aws:iam::222222222222:role/fleetdeck-read" }},
]
endpoint_url = "{}"
timeout = "5s"
{}"#,
        server.url(),
        latency_panel(
            "p99",
            r#"{ EndpointName = "*", VariantName = "AllTraffic" }"#
        )
    );
    let layout = parse_layout(&text, Path::new("regions.toml")).unwrap_or_else(|e| panic!("{e}"));
    let source = build_source(&layout.sources["cw"]);
    let series = fetch(source.as_ref(), &request(&layout, 0, 0, window)).unwrap();
    let mut places: Vec<(String, String)> = series
        .iter()
        .map(|s| (s.labels["region"].clone(), s.labels["account"].clone()))
        .collect();
    places.dedup();
    places.sort();
    assert_eq!(
        places,
        [
            ("eu-west-1".to_owned(), "staging".to_owned()),
            ("us-east-1".to_owned(), "prod".to_owned())
        ],
        "{series:?}"
    );
    // The same fleet was published to both: each place has every endpoint,
    // with the same p99s.
    let endpoints = |region: &str| -> Vec<(String, Vec<f64>)> {
        let mut found: Vec<(String, Vec<f64>)> = series
            .iter()
            .filter(|s| s.labels["region"] == region)
            .map(|s| {
                (
                    s.labels["EndpointName"].clone(),
                    s.samples.iter().map(|p| p.value).collect(),
                )
            })
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        found
    };
    let east = endpoints("us-east-1");
    assert!(east.len() >= 2, "{east:?}");
    assert!(
        east.iter().all(|(_, values)| values.len() == 10),
        "{east:?}"
    );
    assert_eq!(east, endpoints("eu-west-1"));
    // The cost meter adds up every region and account: a GetMetricData call in
    // each of the two places that have the metric (where `*` matches nothing, no
    // call is made), billed per endpoint's metric in each.
    let usage = source.usage().expect("cloudwatch bills");
    assert_eq!(usage.calls, 2, "{usage:?}");
    assert_eq!(usage.units, 2 * east.len() as u64, "{usage:?}");
}

/// CloudWatch batches every query of a refresh into few calls; a `*` query with
/// more series than its panel's point budget allows is asked at a coarser
/// period from the next refresh on, and the panel's header says so, as it does
/// for Prometheus.
#[test]
fn a_batched_query_over_its_point_budget_says_its_coarser_step() {
    let server = support::ministack();
    support::publish_fleet(&server.url(), "3h");
    let text = format!(
        r#"version = 1
title = "budget"
refresh = "2s"
time = {{ from = "now-3h", to = "now" }}

[sources.cw]
kind = "cloudwatch"
region = "us-east-1"
endpoint_url = "{}"
timeout = "5s"

[[panels]]
title = "latency"
grid = {{ x = 0, y = 0, w = 24, h = 8 }}
unit = "us"
max_points = 100
  [[panels.queries]]
  source = "cw"
  namespace = "AWS/SageMaker"
  metric = "ModelLatency"
  dimensions = {{ EndpointName = "*", VariantName = "AllTraffic" }}
  stat = "p99"
  legend = "{{{{EndpointName}}}}"
"#,
        server.url()
    );
    let layout = parse_layout(&text, Path::new("budget.toml")).unwrap_or_else(|e| panic!("{e}"));
    let spec = layout.panels[0].clone();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut app =
        FleetApp::new(layout, AppOptions::default()).with_runtime(runtime.handle().clone());
    // The first refresh learns how many endpoints `*` matches; the next one is
    // planned under the budget (refresh is 2 s).
    support::drive(&mut app, "the budgeted step", |app| {
        app.session().budgeted_step(&spec).is_some()
    });
    let (step_ms, series) = app.session().budgeted_step(&spec).unwrap();
    let held = app
        .session()
        .store()
        .query_series(&spec.key(&spec.queries[0].id))
        .count();
    assert_eq!(series, held, "the series that made it coarser");
    assert!(series >= 2, "{series}");
    // Three hours on a full-width panel are a minute a point; 100 points over
    // a few series are coarser than that.
    assert!(step_ms > 60_000, "{step_ms}");
}
