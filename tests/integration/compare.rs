//! Time shift: the same queries over the window a day (or any offset) earlier,
//! moved onto today's. The simulated fleet's incident at a known time shows in
//! the 1-day overlay exactly one day later; against real Prometheus the overlay
//! at t is what was scraped at t minus the offset.

use crate::support;
use chrono::{DateTime, Utc};
use fleetdeck::clock::Clock;
use fleetdeck::dashboard::{Dashboard, QueryKey};
use fleetdeck::layout::parse_layout;
use fleetdeck::session::compare::{Compare, compared_id};
use fleetdeck::session::{Session, View};
use fleetdeck::source::demo::fleet::Fleet;
use fleetdeck::store::Series;
use fleetdeck::time_range::{TimeExpr, TimeRange};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

const DAY_MS: i64 = 86_400_000;

fn queue_layout(source: &str, query: &str) -> Dashboard {
    queue_panel_layout(source, query, "envelope = false")
}

/// [`queue_layout`] with these keys on its panel.
fn queue_panel_layout(source: &str, query: &str, keys: &str) -> Dashboard {
    let text = format!(
        r#"version = 1
title = "compare"
refresh = "1s"
{source}

[[panels]]
title = "queue"
grid = {{ x = 0, y = 0, w = 24, h = 8 }}
{keys}
  [[panels.queries]]
  {query}
"#
    );
    parse_layout(&text, Path::new("compare.toml")).unwrap_or_else(|e| panic!("{e}"))
}

fn absolute(start_ms: i64, end_ms: i64) -> TimeRange {
    let at = |ms| TimeExpr::Absolute(DateTime::<Utc>::from_timestamp_millis(ms).unwrap());
    TimeRange {
        from: at(start_ms),
        to: at(end_ms),
    }
}

/// The session's series of `query` of panel `queue`, one per label set.
fn series_of(session: &Session, query: &QueryKey) -> Vec<(String, Series)> {
    session
        .store()
        .query_series(query)
        .map(|(key, series)| {
            let name = key.labels.get("model_name").cloned().unwrap_or_default();
            (name, series.clone())
        })
        .collect()
}

fn run(session: &mut Session, runtime: &tokio::runtime::Runtime) {
    session.start(runtime.handle(), Arc::new(|| {}));
    runtime
        .block_on(session.settle(Duration::from_secs(30)))
        .unwrap();
}

#[test]
fn the_demo_incident_shows_in_the_one_day_overlay_exactly_one_day_later() {
    // An incident of the simulated fleet: a minute when one endpoint is deep in
    // one and was calm at the same minute the next day.
    let fleet = Fleet::new(42);
    let start = DateTime::parse_from_rfc3339("2026-11-20T00:00:00Z")
        .unwrap()
        .timestamp_millis();
    let (endpoint, incident_ms) = (0..24 * 60)
        .map(|minute| start + minute * 60_000)
        .find_map(|t_ms| {
            (0..fleet.endpoints.len()).find_map(|e| {
                let during = fleet.state(e, t_ms as f64 / 1000.0).incident > 0.9;
                let next_day = fleet.state(e, (t_ms + DAY_MS) as f64 / 1000.0).incident;
                (during && next_day == 0.0).then_some((e, t_ms))
            })
        })
        .expect("an incident in the day");
    let model = fleet.endpoints[endpoint].model_name.to_owned();
    let dashboard = queue_layout(
        "[sources.fleet]\nkind = \"demo\"\nseed = 42",
        "source = \"fleet\"\n  metric = \"vllm:num_requests_waiting\"",
    );
    let shown_at = incident_ms + DAY_MS;
    let now = DateTime::<Utc>::from_timestamp_millis(shown_at + 3_600_000).unwrap();
    // What the fleet's queue was at the incident's minute, asked directly.
    let fleetdeck::dashboard::Target::Fetch { query, .. } = &dashboard.panels[0].queries[0].target
    else {
        panic!("a fetched query");
    };
    let at_incident = fleetdeck::source::demo::DemoSource::new(42)
        .evaluate(&fleetdeck::source::RangeRequest::new(
            query.clone(),
            fleetdeck::time_range::Window {
                start_ms: incident_ms,
                end_ms: incident_ms,
            },
            5_000,
        ))
        .unwrap();
    let truth = at_incident
        .iter()
        .find(|s| s.labels.get("model_name") == Some(&model))
        .and_then(|s| s.samples.first())
        .unwrap()
        .value;
    let mut session = Session::new(Arc::new(dashboard), Clock::Fixed(now));
    session.set_view(View {
        range: absolute(shown_at - 30 * 60_000, shown_at + 30 * 60_000),
        refresh: Duration::from_secs(5),
        live: false,
    });
    let (key, then_key) = compare_a_day_earlier(&mut session);
    let today = series_of(&session, &key);
    let then = series_of(&session, &then_key);
    let today = &today.iter().find(|(name, _)| *name == model).unwrap().1;
    let then = &then.iter().find(|(name, _)| *name == model).unwrap().1;
    // The overlay at the shown minute is the fleet at the incident's minute.
    let drawn = then
        .value_at(shown_at)
        .expect("a compared sample at the shown minute");
    assert!(
        (drawn - truth).abs() < 1e-9,
        "drawn {drawn}, fleet had {truth}"
    );
    // And it stands out there: the queue then was far longer than today's.
    let peak_then = then.iter().map(|s| s.value).fold(0.0, f64::max);
    let peak_today = today.iter().map(|s| s.value).fold(0.0, f64::max);
    assert!(
        peak_then > 3.0 * peak_today.max(1.0),
        "then {peak_then}, today {peak_today}"
    );
}

/// A stacked panel compares nothing: its earlier window is never asked for
/// (its areas would sit where they were stacked then), while its own is.
#[test]
fn a_stacked_panel_asks_nothing_of_the_earlier_window() {
    let dashboard = queue_panel_layout(
        "[sources.fleet]\nkind = \"demo\"\nseed = 42",
        "source = \"fleet\"\n  metric = \"vllm:num_requests_waiting\"",
        "stack = true",
    );
    assert!(dashboard.panels[0].stack);
    let now = DateTime::parse_from_rfc3339("2026-11-25T06:40:00Z")
        .unwrap()
        .to_utc();
    let mut session = Session::new(Arc::new(dashboard), Clock::Fixed(now));
    let (key, then_key) = compare_a_day_earlier(&mut session);
    assert_eq!(series_of(&session, &key).len(), 4, "today's four models");
    assert!(series_of(&session, &then_key).is_empty());
}

/// Turns on the one-day comparison for every panel and fetches; the queue's
/// query key, and its compared twin's.
fn compare_a_day_earlier(session: &mut Session) -> (QueryKey, QueryKey) {
    session.set_compare(Compare {
        all: Some(Duration::from_millis(DAY_MS as u64)),
        ..Compare::default()
    });
    run(session, &runtime());
    let key = support::key("queue", "q1");
    let then_key = QueryKey {
        query: compared_id(&key.query),
        ..key.clone()
    };
    (key, then_key)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

#[test]
fn against_prometheus_the_overlay_at_t_is_what_was_scraped_at_t_minus_the_offset() {
    let runtime = runtime();
    let target = support::simulator(&runtime);
    let prometheus = support::prometheus(target);
    // Fourteen seconds of scrapes, so the compared window has data.
    prometheus.wait_for("vllm:num_requests_running offset 14s");
    let dashboard = queue_layout(
        &format!(
            "[sources.prom]\nkind = \"prometheus\"\nurl = \"{}\"\nscrape_interval = \"1s\"",
            prometheus.url()
        ),
        "source = \"prom\"\n  promql = 'sum by (model_name) (vllm:num_requests_running)'",
    );
    let now_ms = Utc::now().timestamp_millis() / 1000 * 1000;
    let mut session = Session::new(Arc::new(dashboard), Clock::System);
    session.set_view(View {
        range: absolute(now_ms - 12_000, now_ms),
        refresh: Duration::from_secs(1),
        live: false,
    });
    session.set_compare(Compare {
        all: Some(Duration::from_secs(5)),
        ..Compare::default()
    });
    run(&mut session, &runtime);
    let key = support::key("queue", "q1");
    let then_key = QueryKey {
        query: compared_id(&key.query),
        ..key.clone()
    };
    let today = series_of(&session, &key);
    let then = series_of(&session, &then_key);
    assert_eq!(today.len(), 4);
    assert_eq!(then.len(), 4);
    let mut compared = 0;
    for (model, earlier) in &then {
        let now_series = &today.iter().find(|(m, _)| m == model).unwrap().1;
        for sample in earlier.iter() {
            if let Some(value) = now_series.value_at(sample.t_ms - 5_000) {
                assert_eq!(sample.value, value, "{model} at {}", sample.t_ms);
                compared += 1;
            }
        }
    }
    assert!(compared >= 8, "only {compared} samples overlapped");
}
