//! Service level objectives against a real Prometheus: 33 days of request and
//! error counters backfilled with `promtool`, holding the SRE Workbook's cases —
//! an incident that spends a quarter of a 99.9 % budget, one minute at 50 %
//! errors (100× over 5 minutes, 8.3× over the hour: must not page), and an hour
//! at 2 % errors (must page, and clear about 5 minutes after it ends) — read
//! through `fleetdeck slo --json` as a script would.

use crate::support;
use std::process::Command;

/// Requests per second, steady.
const RPS: i64 = 100;
/// Seconds between samples.
const SCRAPE_S: i64 = 15;
const MINUTE: i64 = 60;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// The data's last instant, and the windows of errors it holds.
struct Fleet {
    end_s: i64,
    /// (start, end, share of requests failing), seconds.
    errors: Vec<(i64, i64, f64)>,
}

impl Fleet {
    fn new() -> Fleet {
        // Whole hours, an hour ago: every window is a whole number of steps.
        let end_s = (chrono::Utc::now().timestamp() - HOUR) / HOUR * HOUR;
        // A quarter of a 99.9 % budget over 30 days: 0.25 × 0.001 × 30 days of
        // requests, as 54 minutes at 20 % errors, ten days before the end.
        let quarter = (end_s - 10 * DAY, end_s - 10 * DAY + 54 * MINUTE, 0.2);
        // One minute at 50 %, two hours before the end.
        let blip = (end_s - 2 * HOUR, end_s - 2 * HOUR + MINUTE, 0.5);
        // An hour at 2 % (20×), ending 40 minutes before the end.
        let incident = (end_s - 100 * MINUTE, end_s - 40 * MINUTE, 0.02);
        Fleet {
            end_s,
            errors: vec![quarter, blip, incident],
        }
    }

    fn error_share(&self, t: i64) -> f64 {
        self.errors
            .iter()
            .find(|(start, end, _)| (*start..*end).contains(&t))
            .map_or(0.0, |(_, _, share)| *share)
    }

    /// Both counters every 15 s over 33 days, as OpenMetrics.
    fn openmetrics(&self) -> String {
        let start_s = self.end_s - 33 * DAY;
        let mut text = String::from("# TYPE slo_requests counter\n# TYPE slo_errors counter\n");
        let (mut requests, mut errors) = (0.0_f64, 0.0_f64);
        let mut requests_lines = String::new();
        let mut errors_lines = String::new();
        for t in (start_s..=self.end_s).step_by(SCRAPE_S as usize) {
            requests_lines.push_str(&format!("slo_requests_total {requests} {t}\n"));
            errors_lines.push_str(&format!("slo_errors_total {errors} {t}\n"));
            let made = (RPS * SCRAPE_S) as f64;
            requests += made;
            errors += made * self.error_share(t);
        }
        text.push_str(&requests_lines);
        text.push_str(&errors_lines);
        text.push_str("# EOF\n");
        text
    }
}

fn layout(url: &str) -> String {
    format!(
        r#"version = 1
title = "api objective"

[sources.prom]
kind = "prometheus"
url = "{url}"
scrape_interval = "15s"

[[slos]]
name = "api availability"
objective = 99.9
window = "30d"
  [slos.total]
  source = "prom"
  promql = 'sum(rate(slo_requests_total[$__interval]))'
  [slos.bad]
  source = "prom"
  promql = 'sum(rate(slo_errors_total[$__interval]))'
"#
    )
}

/// `fleetdeck slo --json` at `at_s`: the report and the exit code.
fn report_at(file: &std::path::Path, at_s: i64) -> (serde_json::Value, i32) {
    let at = chrono::DateTime::from_timestamp(at_s, 0)
        .unwrap()
        .to_rfc3339();
    let output = Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
        .args(["slo", "--json", "--now", &at])
        .arg(file)
        .output()
        .unwrap();
    let reports: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON ({e}): {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (reports[0].clone(), output.status.code().unwrap_or(-1))
}

fn burn(report: &serde_json::Value, window_s: i64) -> f64 {
    report["burn_rates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["window"].as_f64() == Some(window_s as f64))
        .and_then(|b| b["burn"].as_f64())
        .unwrap_or_else(|| panic!("no burn over {window_s} s in {report}"))
}

/// The workbook's burn rate written by hand in PromQL, asked of Prometheus.
fn hand_written_burn(server: &support::Server, window: &str, at_s: i64) -> f64 {
    let promql = format!(
        "(sum(increase(slo_errors_total[{window}])) / sum(increase(slo_requests_total[{window}]))) / (1 - 0.999)"
    );
    let (_, body) = support::http_get(
        server.address,
        &format!(
            "/api/v1/query?query={}&time={at_s}",
            support::encode(&promql)
        ),
    )
    .unwrap();
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    json["data"]["result"][0]["value"][1]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{promql}: {body}"))
}

#[test]
fn burn_rates_budget_and_multiwindow_pages_match_prometheus_on_a_backfilled_month() {
    let fleet = Fleet::new();
    let server = support::prometheus_backfilled(&fleet.openmetrics());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("slo.toml");
    std::fs::write(&file, layout(&server.url())).unwrap();
    let end = fleet.end_s;

    // The quarter: 75 % of the budget left, three hours before the end (before
    // the blip and the incident).
    let before = end - 3 * HOUR;
    let (report, code) = report_at(&file, before);
    let left = report["budget_remaining"].as_f64().unwrap();
    assert!((left - 0.75).abs() < 0.005, "budget left {left}: {report}");
    assert_eq!(report["state"], "ok", "{report}");
    assert_eq!(code, 0);

    // Every burn rate, at the blip and at the incident's end, is the
    // hand-written PromQL's within 1 %.
    let blip_end = end - 2 * HOUR + MINUTE;
    let incident_end = end - 40 * MINUTE;
    for at in [blip_end, incident_end] {
        let (report, _) = report_at(&file, at);
        for (window, seconds) in [
            ("5m", 5 * MINUTE),
            ("30m", 30 * MINUTE),
            ("1h", HOUR),
            ("6h", 6 * HOUR),
            ("1d", DAY),
            ("3d", 3 * DAY),
        ] {
            let ours = burn(&report, seconds);
            let theirs = hand_written_burn(&server, window, at);
            assert!(
                (ours - theirs).abs() <= 0.01 * theirs.abs() + 1e-6,
                "burn over {window} at {at}: ours {ours}, PromQL {theirs}"
            );
        }
    }

    // One minute at 50 %: 100× over 5 minutes, 8.3× over the hour — the long
    // window holds the page back.
    let (report, code) = report_at(&file, blip_end);
    assert!((burn(&report, 5 * MINUTE) - 100.0).abs() < 1.0, "{report}");
    assert!((burn(&report, HOUR) - 8.33).abs() < 0.1, "{report}");
    assert_ne!(report["state"], "page", "{report}");
    assert_ne!(code, 1);

    // An hour at 2 %: both windows past 14.4×, a page (and `slo` exits 1) …
    let (report, code) = report_at(&file, incident_end);
    assert_eq!(report["state"], "page", "{report}");
    assert_eq!(code, 1);
    // … cleared by the short window five minutes after it ended.
    let (report, code) = report_at(&file, incident_end + 5 * MINUTE);
    assert!(burn(&report, HOUR) > 14.4, "the hour still burns: {report}");
    assert_ne!(report["state"], "page", "{report}");
    assert_eq!(code, 0);
}

/// The demo's objective alone in a window, its clock pinned to `now`.
fn demo_objective_harness(
    now: &str,
    runtime: &tokio::runtime::Runtime,
    dir: &std::path::Path,
) -> egui_kittest::Harness<'static, fleetdeck::app::FleetApp> {
    let demo = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("layouts/demo-fleet.toml"),
    )
    .unwrap();
    let start = demo.find("[[slos]]").unwrap();
    let end = demo[start..]
        .find("\n[[rules]]")
        .map_or(demo.len(), |e| start + e);
    let text = format!(
        r#"version = 1
title = "objective"

[sources.fleet]
kind = "demo"
seed = 42

[[panels]]
title = "Llama 70B latency objective"
kind = "slo"
slo = "Llama 70B answers within 10 s"
grid = {{ x = 0, y = 0, w = 24, h = 8 }}

{}"#,
        &demo[start..end]
    );
    let path = dir.join("objective.toml");
    std::fs::write(&path, text).unwrap();
    let now = chrono::DateTime::parse_from_rfc3339(now).unwrap().to_utc();
    let app = support::app_on_file(&path, now, runtime);
    support::harness_builder()
        .with_size([900.0, 330.0])
        .build_eframe(|_| app)
}

/// The demo's objective as its panel shows it when all is well, after an
/// incident (a ticket) and during one (a page).
#[test]
fn the_demo_objective_is_ok_at_midnight_pages_during_an_incident_and_tickets_after_it() {
    use egui_kittest::kittest::Queryable;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut results = egui_kittest::SnapshotResults::new();
    for (now, state, snapshot) in [
        ("2026-12-06T00:00:00Z", "OK", "slo_panel_ok"),
        ("2026-12-06T10:40:00Z", "PAGE", "slo_panel_page"),
        ("2026-12-06T10:50:00Z", "TICKET", "slo_panel_ticket"),
    ] {
        let mut harness = demo_objective_harness(now, &runtime, dir.path());
        support::wait_until("the objective evaluated", || {
            harness.step();
            std::thread::sleep(std::time::Duration::from_millis(20));
            harness.state().session().slos_evaluated()
        });
        harness.run_steps(3);
        harness.get_by_label(state);
        results.add(harness.try_snapshot(snapshot));
    }
}

/// A 99.5 % objective on Llama 70B's CloudWatch metrics at `url`: all
/// `Invocations` (`Sum`), and `part` = (`good` or `bad`, metric, statistic).
fn cloudwatch_objective(url: &str, name: &str, (part, metric, stat): (&str, &str, &str)) -> String {
    let dimensions = r#"{ EndpointName = "llm-prod-llama70b", VariantName = "AllTraffic" }"#;
    format!(
        r#"version = 1
title = "endpoint objective"

[sources.cw]
kind = "cloudwatch"
region = "us-east-1"
endpoint_url = "{url}"

[[slos]]
name = "{name}"
objective = 99.5
  [slos.total]
  source = "cw"
  namespace = "AWS/SageMaker"
  metric = "Invocations"
  dimensions = {dimensions}
  stat = "Sum"
  [slos.{part}]
  source = "cw"
  namespace = "AWS/SageMaker"
  metric = "{metric}"
  dimensions = {dimensions}
  stat = "{stat}"
"#
    )
}

/// An availability objective on CloudWatch (ministack, fed by the simulator):
/// `Invocation5XXErrors` over `Invocations`, both `Sum`, counted per step. Each
/// burn rate equals the one read from a single `Sum` over the whole window.
#[test]
fn a_cloudwatch_availability_objective_counts_invocation_and_5xx_sums() {
    use fleetdeck::source::{RangeRequest, SourceQuery};
    let server = support::ministack();
    // The minutes published end before the publisher starts; a little before that
    // every minute is complete. On a whole hour: CloudWatch aligns a period to
    // its own length, so the one-Sum references below cover exactly the window.
    let now_s = (chrono::Utc::now().timestamp() - 2 * MINUTE) / HOUR * HOUR;
    support::publish_fleet(&server.url(), "3h");
    let text = cloudwatch_objective(
        &server.url(),
        "llama70b availability",
        ("bad", "Invocation5XXErrors", "Sum"),
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cw-slo.toml");
    std::fs::write(&file, &text).unwrap();
    let (report, code) = report_at(&file, now_s);
    assert_ne!(code, 2, "{report}");

    // The same hour as one Sum of each metric, asked of the source directly.
    let layout = fleetdeck::layout::load_layout(&file).unwrap();
    let slo = &layout.slos[0];
    let source = fleetdeck::source::build_source(&layout.sources["cw"]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let one_sum = |query: &SourceQuery, seconds: i64| -> f64 {
        let request = RangeRequest::new(
            query.clone(),
            fleetdeck::time_range::Window {
                start_ms: (now_s - seconds) * 1000,
                end_ms: now_s * 1000,
            },
            seconds * 1000,
        );
        let series = runtime.block_on(source.fetch_range(&request)).unwrap();
        series
            .iter()
            .flat_map(|s| &s.samples)
            .map(|s| s.value)
            .sum()
    };
    for window_s in [5 * MINUTE, HOUR] {
        let total = one_sum(&slo.total.query, window_s);
        let bad = one_sum(&slo.part.query().query, window_s);
        // A quiet night's five minutes may hold no error at all (then both
        // burn rates are zero); an hour always holds some.
        assert!(
            total > 0.0 && (bad > 0.0 || window_s < HOUR),
            "published over {window_s} s: {bad} of {total}"
        );
        let expected = (bad / total) / 0.005;
        let ours = burn(&report, window_s);
        assert!(
            (ours - expected).abs() <= 0.01 * expected,
            "burn over {window_s} s: ours {ours}, one Sum {expected}"
        );
    }
    assert!(
        report["sli"].as_f64().is_some_and(|sli| sli > 0.9),
        "{report}"
    );
}

/// A latency objective on CloudWatch: the good share is the percentile rank
/// `PR(:2000000)` of `ModelLatency` (µs) of the `Invocations` `Sum`. The emulator
/// does not compute percentile ranks (it answers a latency in µs), so the report
/// says so (and `slo` exits 2) rather than count every request as good; the
/// statistic asked is the one CloudWatch computes.
#[test]
fn a_cloudwatch_latency_objective_asks_for_the_percentile_rank_and_says_when_none_comes() {
    let server = support::ministack();
    let now_s = (chrono::Utc::now().timestamp() / MINUTE - 2) * MINUTE;
    support::publish_fleet(&server.url(), "20m");
    let text = cloudwatch_objective(
        &server.url(),
        "llama70b within 2 s",
        ("good", "ModelLatency", "PR(:2000000)"),
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cw-latency.toml");
    std::fs::write(&file, &text).unwrap();
    let layout = fleetdeck::layout::load_layout(&file).unwrap();
    let good = &layout.slos[0].part.query();
    assert_eq!(good.reads, fleetdeck::slo::SliReading::Percent);
    assert!(format!("{:?}", good.query).contains("PR(:2000000)"));
    let (report, code) = report_at(&file, now_s);
    assert_eq!(report["state"], "unknown", "{report}");
    assert!(
        report["error"]
            .as_str()
            .is_some_and(|e| e.contains("not a percentage: the server does not compute PR(…)")),
        "{report}"
    );
    assert_eq!(code, 2);
}
