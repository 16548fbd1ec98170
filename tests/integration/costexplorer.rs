//! The costexplorer source against moto's Cost Explorer: results queued through
//! moto come back grouped as configured; within the cache TTL nothing is asked
//! again, across restarts too; a corrupt cache file is set aside and replaced.

use crate::support;

use fleetdeck::dashboard::{Dashboard, Target};
use fleetdeck::layout::parse_layout;
use fleetdeck::source::{RangeRequest, SeriesData, build_source};
use fleetdeck::time_range::Window;
use std::path::Path;

const DAY_MS: i64 = 86_400_000;

fn layout(url: &str, cache_dir: &Path, cache_ttl: &str) -> Dashboard {
    let text = format!(
        r#"version = 1
title = "spend"
[sources.ce]
kind = "costexplorer"
endpoint_url = "{url}"
cache_ttl = "{cache_ttl}"
cache_dir = "{}"
[[panels]]
title = "Daily spend by service"
grid = {{ x = 0, y = 0, w = 24, h = 8 }}
unit = "USD"
  [[panels.queries]]
  source = "ce"
  granularity = "DAILY"
  cost_metric = "UnblendedCost"
  group_by = ["SERVICE"]
  legend = "{{{{SERVICE}}}}"
"#,
        cache_dir.display()
    );
    parse_layout(&text, Path::new("spend.toml")).unwrap_or_else(|e| panic!("{e}"))
}

/// Queues one GetCostAndUsage answer in moto: two days, two services.
fn queue_answer(moto: &support::Server, sagemaker: f64) {
    let day = |start: &str, end: &str, sm: f64, ec2: f64| {
        format!(
            r#"{{"TimePeriod":{{"Start":"{start}","End":"{end}"}},"Estimated":false,"Total":{{}},"Groups":[
              {{"Keys":["Amazon SageMaker"],"Metrics":{{"UnblendedCost":{{"Amount":"{sm}","Unit":"USD"}}}}}},
              {{"Keys":["Amazon Elastic Compute Cloud - Compute"],"Metrics":{{"UnblendedCost":{{"Amount":"{ec2}","Unit":"USD"}}}}}}]}}"#
        )
    };
    let body = format!(
        r#"{{"results":[{{"ResultsByTime":[{},{}]}}]}}"#,
        day("2026-11-24", "2026-11-25", sagemaker, 2_900.5),
        day("2026-11-25", "2026-11-26", sagemaker + 100.0, 3_010.25)
    );
    let status = support::http_post_json(
        moto.address,
        "/moto-api/static/ce/cost-and-usage-results",
        &body,
    );
    assert!(
        matches!(status, Some(200 | 201)),
        "moto refused the queued result: {status:?}"
    );
}

/// One fetch of the first query by a new source (a new run of fleetdeck), its cache
/// written to disk before it returns (as the process does before it exits).
fn fetch(layout: &Dashboard) -> (Vec<SeriesData>, fleetdeck::source::Usage) {
    let source = build_source(&layout.sources["ce"]);
    let Target::Fetch { query, .. } = &layout.panels[0].queries[0].target else {
        panic!("a series query");
    };
    let request = RangeRequest {
        query: query.clone(),
        window: Window {
            start_ms: 1_795_996_800_000 - 6 * DAY_MS, // 2026-11-24
            end_ms: 1_795_996_800_000 - 5 * DAY_MS,
        },
        step_ms: DAY_MS,
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    source.begin_round();
    let series = runtime.block_on(source.fetch_range(&request)).unwrap();
    source.end_round();
    fleetdeck::persist::Writer::global().flush();
    (series, source.usage().unwrap())
}

fn value_on(series: &[SeriesData], service: &str, day_ms: i64) -> f64 {
    series
        .iter()
        .find(|s| s.labels["SERVICE"] == service)
        .unwrap_or_else(|| panic!("no {service} in {series:?}"))
        .samples
        .iter()
        .find(|s| s.t_ms == day_ms)
        .unwrap_or_else(|| panic!("no point on {day_ms}"))
        .value
}

const NOV_24: i64 = 1_795_996_800_000 - 6 * DAY_MS;
const NOV_25: i64 = NOV_24 + DAY_MS;

#[test]
fn grouped_costs_come_back_per_service_and_are_not_bought_twice() {
    let moto = support::moto();
    support::emulator_credentials();
    let cache = tempfile::tempdir().unwrap();
    let layout = layout(&moto.url(), cache.path(), "1h");
    queue_answer(&moto, 4_100.0);
    let (series, usage) = fetch(&layout);
    assert_eq!(usage.calls, 1, "one GetCostAndUsage request");
    assert!((usage.spent_usd() - 0.01).abs() < 1e-12);
    assert_eq!(series.len(), 2, "{series:?}");
    assert_eq!(value_on(&series, "Amazon SageMaker", NOV_24), 4_100.0);
    assert_eq!(value_on(&series, "Amazon SageMaker", NOV_25), 4_200.0);
    assert_eq!(
        value_on(&series, "Amazon Elastic Compute Cloud - Compute", NOV_25),
        3_010.25
    );

    // A restart within the TTL: a new source, the same cache, no request.
    let (again, usage) = fetch(&layout);
    assert_eq!(usage.calls, 0, "answered from the cache");
    assert_eq!(again, series);
}

#[test]
fn an_expired_answer_is_fetched_again() {
    let moto = support::moto();
    support::emulator_credentials();
    let cache = tempfile::tempdir().unwrap();
    let layout = layout(&moto.url(), cache.path(), "1s");
    queue_answer(&moto, 4_100.0);
    fetch(&layout);
    // The answer kept on disk made two seconds older, past its 1 s TTL: time
    // moved, not waited for.
    fleetdeck::persist::Writer::global().flush();
    let mut aged = 0;
    for file in std::fs::read_dir(cache.path()).unwrap() {
        let path = file.unwrap().path();
        let mut entry: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let fetched = entry["fetched_at_ms"].as_i64().unwrap();
        entry["fetched_at_ms"] = (fetched - 2_000).into();
        std::fs::write(&path, serde_json::to_vec(&entry).unwrap()).unwrap();
        aged += 1;
    }
    assert_eq!(aged, 1, "one answer cached");
    // moto answers an identical request with the same result until reset.
    assert!(support::http_post_json(moto.address, "/moto-api/reset", "").is_some());
    queue_answer(&moto, 5_000.0);
    let (series, usage) = fetch(&layout);
    assert_eq!(usage.calls, 1);
    assert_eq!(value_on(&series, "Amazon SageMaker", NOV_24), 5_000.0);
}

#[test]
fn a_corrupt_cache_file_is_set_aside_and_replaced() {
    let moto = support::moto();
    support::emulator_credentials();
    let cache = tempfile::tempdir().unwrap();
    let layout = layout(&moto.url(), cache.path(), "1h");
    queue_answer(&moto, 4_100.0);
    fetch(&layout);
    let files: Vec<std::path::PathBuf> = std::fs::read_dir(cache.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    std::fs::write(&files[0], b"\x00{ not json").unwrap();
    queue_answer(&moto, 4_100.0);
    let (series, usage) = fetch(&layout);
    assert_eq!(usage.calls, 1, "the corrupt answer is bought again");
    assert_eq!(value_on(&series, "Amazon SageMaker", NOV_24), 4_100.0);
    let replaced: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&files[0]).unwrap()).expect("a good file again");
    assert!(replaced["fetched_at_ms"].is_i64());
    assert!(files[0].with_extension("json.corrupt").exists());
}

#[test]
fn daily_costs_draw_as_stacked_bars_by_service() {
    use egui_kittest::kittest::Queryable;
    use fleetdeck::app::{AppOptions, FleetApp};
    use fleetdeck::clock::{Clock, DisplayZone};
    use fleetdeck::session::QueryStatus;
    let moto = support::moto();
    support::emulator_credentials();
    let cache = tempfile::tempdir().unwrap();
    queue_answer(&moto, 4_100.0);
    let text = format!(
        r#"version = 1
title = "spend"
time = {{ from = "now-3d", to = "now" }}
[sources.ce]
kind = "costexplorer"
endpoint_url = "{}"
cache_dir = "{}"
[[panels]]
title = "Daily cost by service"
kind = "bars"
grid = {{ x = 0, y = 0, w = 24, h = 8 }}
unit = "USD"
  [[panels.queries]]
  source = "ce"
  group_by = ["SERVICE"]
  legend = "{{{{SERVICE}}}}"
"#,
        moto.url(),
        cache.path().display()
    );
    let layout = parse_layout(&text, Path::new("bars.toml")).unwrap_or_else(|e| panic!("{e}"));
    let now = chrono::DateTime::from_timestamp_millis(NOV_25 + 36 * 3_600_000).unwrap();
    let options = AppOptions {
        clock: Clock::Fixed(now),
        zone: DisplayZone::Utc,
        ..AppOptions::default()
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let app = FleetApp::new(layout, options).with_runtime(runtime.handle().clone());
    let mut harness = support::harness_builder()
        .with_size([1000.0, 500.0])
        .build_eframe(|_| app);
    let deadline = std::time::Instant::now() + support::PATIENCE;
    let bars = support::key("daily-cost-by-service", "q1");
    while harness.state().session().statuses().get(&bars) != Some(&QueryStatus::Ok) {
        assert!(
            std::time::Instant::now() < deadline,
            "{:?}",
            harness.state().session().statuses()
        );
        harness.step();
        std::thread::sleep(std::time::Duration::from_millis(30));
    }
    harness.run_steps(3);
    // Both services in the legend; the status bar counts the one request.
    harness.get_by_label("Amazon SageMaker");
    harness.get_by_label("Amazon Elastic Compute Cloud - Compute");
    harness.get_by_label_contains("ce: 1 request ($0.0100)");
    // The cache is written before its folder goes: a save failing later would
    // be reported by the process's writer in every other window of this run.
    fleetdeck::persist::Writer::global().flush();
}

/// The cost meter projects what one refresh buys: two distinct questions on one
/// source are two requests a round (the counter once restarted at every query, so
/// the status bar projected only the last one's).
#[test]
fn the_cost_meter_counts_every_request_of_a_refresh() {
    let moto = support::moto();
    support::emulator_credentials();
    let cache = tempfile::tempdir().unwrap();
    queue_answer(&moto, 4_100.0);
    queue_answer(&moto, 4_100.0);
    let text = format!(
        r#"version = 1
title = "spend"
time = {{ from = "now-3d", to = "now" }}
[sources.ce]
kind = "costexplorer"
endpoint_url = "{}"
cache_dir = "{}"
[[panels]]
title = "By service"
grid = {{ x = 0, y = 0, w = 12, h = 8 }}
  [[panels.queries]]
  source = "ce"
  group_by = ["SERVICE"]
[[panels]]
title = "By instance type"
grid = {{ x = 12, y = 0, w = 12, h = 8 }}
  [[panels.queries]]
  source = "ce"
  group_by = ["INSTANCE_TYPE"]
"#,
        moto.url(),
        cache.path().display()
    );
    let dashboard = std::sync::Arc::new(
        parse_layout(&text, Path::new("two.toml")).unwrap_or_else(|e| panic!("{e}")),
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let usage = runtime.block_on(async {
        let mut session = fleetdeck::session::Session::new(
            dashboard,
            fleetdeck::clock::Clock::Fixed(
                chrono::DateTime::from_timestamp_millis(NOV_25 + 36 * 3_600_000).unwrap(),
            ),
        );
        session.start(
            &tokio::runtime::Handle::current(),
            std::sync::Arc::new(|| {}),
        );
        session
            .settle(std::time::Duration::from_secs(20))
            .await
            .unwrap();
        // The round ends (and counts its requests) once its answers are in.
        let deadline = tokio::time::Instant::now() + support::PATIENCE;
        while session.usage()[0].1.units_last_refresh < 2 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the round never ended"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        session.usage()
    });
    let (source, usage) = &usage[0];
    assert_eq!(source.as_str(), "ce");
    assert_eq!(usage.calls, 2);
    assert_eq!(usage.units_last_refresh, 2, "both requests of the round");
    fleetdeck::persist::Writer::global().flush();
}

/// The shipped capacity-mix layout asks Cost Explorer by purchase type: each
/// purchase type's cost comes back as its own series, named by its key.
#[test]
fn the_capacity_mix_layout_splits_the_bill_by_purchase_type() {
    let moto = support::moto();
    support::emulator_credentials();
    let cache = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("layouts/capacity-mix.toml"),
    )
    .unwrap()
    .replace(
        "cache_ttl = \"6h\"",
        &format!(
            "cache_ttl = \"6h\"\nendpoint_url = \"{}\"\ncache_dir = \"{}\"",
            moto.url(),
            cache.path().display()
        ),
    );
    let layout = parse_layout(&text, Path::new("capacity-mix.toml")).unwrap();
    let group = |key: &str, amount: f64| {
        format!(
            r#"{{"Keys":["{key}"],"Metrics":{{"UnblendedCost":{{"Amount":"{amount}","Unit":"USD"}}}}}}"#
        )
    };
    let body = format!(
        r#"{{"results":[{{"ResultsByTime":[{{"TimePeriod":{{"Start":"2026-11-24","End":"2026-11-25"}},"Estimated":false,"Total":{{}},"Groups":[{},{},{},{}]}}]}}]}}"#,
        group("On Demand Instances", 2_400.0),
        group("Savings Plans", 3_100.0),
        group("Reserved Instances", 900.0),
        group("Spot Instances", 120.5)
    );
    let status = support::http_post_json(
        moto.address,
        "/moto-api/static/ce/cost-and-usage-results",
        &body,
    );
    assert!(matches!(status, Some(200 | 201)), "{status:?}");
    let (series, _) = fetch(&layout);
    let by_type: std::collections::BTreeMap<&str, f64> = series
        .iter()
        .map(|s| (s.labels["PURCHASE_TYPE"].as_str(), s.samples[0].value))
        .collect();
    assert_eq!(
        by_type,
        [
            ("On Demand Instances", 2_400.0),
            ("Reserved Instances", 900.0),
            ("Savings Plans", 3_100.0),
            ("Spot Instances", 120.5),
        ]
        .into_iter()
        .collect()
    );
    let names: Vec<String> = series
        .iter()
        .map(|s| layout.panels[0].queries[0].series_name(&s.labels))
        .collect();
    assert!(names.contains(&"Savings Plans".to_owned()), "{names:?}");
}
