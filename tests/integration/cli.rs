//! The `fleetdeck` binary as scripts use it: `check` and `export`.

use std::path::Path;
use std::process::Command;

fn fleetdeck() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fleetdeck"));
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

/// Runs `command` and checks it exited 0, showing what it said on stderr if not.
fn succeeded(command: &mut Command) -> std::process::Output {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[test]
fn check_accepts_the_demo_layout() {
    let output = succeeded(fleetdeck().args(["check", "layouts/demo-fleet.toml"]));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.starts_with("layouts/demo-fleet.toml: ok (16 panels, 1 sources)"),
        "{stdout}"
    );
    // What its objective asks of the source, before anything runs.
    assert!(
        stdout.contains(
            "1 objective(s) with 2 burn-rate alarm(s): 4 range queries every 1m (5760 a day)"
        ),
        "{stdout}"
    );
}

#[test]
fn check_fails_and_points_at_each_bad_file() {
    let output = fleetdeck()
        .args([
            "check",
            "layouts/demo-fleet.toml",
            "tests/invalid_layouts/undefined_source.toml",
            "tests/invalid_layouts/bad_duration.toml",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("tests/invalid_layouts/undefined_source.toml:11:12: panel `Queue` refers to undefined source `prom`"), "{stderr}");
    assert!(
        stderr.contains("tests/invalid_layouts/bad_duration.toml:3:11: refresh: invalid duration"),
        "{stderr}"
    );
}

#[test]
fn export_writes_the_panel_series_as_csv() {
    let output = succeeded(fleetdeck().args([
        "export",
        "layouts/demo-fleet.toml",
        "--panel",
        "Latency p50 / p90 / p99 · Llama 70B",
        "--from",
        "now-15m",
        "--to",
        "now",
        "--now",
        "2026-11-25T12:00:00Z",
    ]));
    let csv = String::from_utf8(output.stdout).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("series,timestamp,value"));
    let rows: Vec<(&str, &str, f64)> = lines
        .map(|line| {
            let mut fields = line.split(',');
            let (name, time, value) = (
                fields.next().unwrap(),
                fields.next().unwrap(),
                fields.next().unwrap(),
            );
            (name, time, value.parse().unwrap())
        })
        .collect();
    // 15 minutes at the demo's 5 s scrape interval, both ends included, three series.
    for name in ["p50", "p90", "p99"] {
        let count = rows.iter().filter(|r| r.0 == name).count();
        assert_eq!(count, 181, "{name}");
    }
    assert_eq!(rows[0].1, "2026-11-25T11:45:00Z");
    // At every instant p50 < p90 < p99.
    for i in 0..181 {
        let (p50, p90, p99) = (rows[i].2, rows[181 + i].2, rows[362 + i].2);
        assert!(p50 < p90 && p90 < p99, "row {i}: {p50} {p90} {p99}");
        assert!(
            p50 > 0.5 && p99 < 60.0,
            "implausible latency at row {i}: {p50} {p99}"
        );
    }
}

#[test]
fn export_is_deterministic_for_a_seed_and_time() {
    let run = || {
        fleetdeck()
            .args([
                "export",
                "layouts/demo-fleet.toml",
                "--panel",
                "Requests/s",
                "--format",
                "json",
                "--now",
                "2026-11-25T12:00:00Z",
            ])
            .output()
            .unwrap()
    };
    let (a, b) = (run(), run());
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    let json: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    assert_eq!(json[0]["name"], "all endpoints");
    // The layout's default range: the last hour at 5 s steps.
    assert_eq!(json[0]["points"].as_array().unwrap().len(), 721);
}

#[test]
fn export_of_an_unknown_panel_fails_and_lists_the_panels() {
    let output = fleetdeck()
        .args([
            "export",
            "layouts/demo-fleet.toml",
            "--panel",
            "No such panel",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("no panel titled `No such panel`"),
        "{stderr}"
    );
    assert!(stderr.contains("`Requests/s`"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn export_of_an_invalid_layout_reports_its_position() {
    let layout = Path::new("tests/invalid_layouts/unknown_metric.toml");
    let output = fleetdeck()
        .args(["export", layout.to_str().unwrap(), "--panel", "GPU"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("unknown_metric.toml:12:12:"), "{stderr}");
}

#[test]
fn export_fails_with_the_sources_message_when_a_query_fails() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("down.toml");
    // Port 9 (discard) on loopback: nothing listens, the connection is refused.
    std::fs::write(
        &layout,
        r#"version = 1
title = "down"
[sources.prom]
kind = "prometheus"
url = "http://127.0.0.1:9"
timeout = "2s"
[[panels]]
title = "Queue"
grid = { x = 0, y = 0, w = 24, h = 8 }
  [[panels.queries]]
  source = "prom"
  promql = "sum(vllm:num_requests_waiting)"
"#,
    )
    .unwrap();
    let output = fleetdeck()
        .args(["export", layout.to_str().unwrap(), "--panel", "Queue"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("query 1 of panel `Queue` (source `prom`) failed: unreachable: http://127.0.0.1:9: Connection refused"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "nothing half-written to stdout");
}

#[test]
fn check_projects_what_a_cloudwatch_layout_costs_a_day() {
    let output = succeeded(fleetdeck().args(["check", "layouts/sagemaker-endpoints.toml"]));
    let stdout = String::from_utf8(output.stdout).unwrap();
    // 11 distinct metrics (the error-rate tile's `calls` is the same metric as the
    // invocations tile) every minute: 11 × 1,440 × $0.00001.
    assert!(
        stdout.contains("source `cw`: 11 metrics in 1 GetMetricData call(s) per refresh; at refresh 1m: $0.16/day, $4.75/30 days"),
        "{stdout}"
    );
    assert!(stdout.contains("7 queries with `*` dimensions"), "{stdout}");
}

#[test]
fn check_projects_what_cost_explorer_panels_cost_a_day() {
    let output = succeeded(fleetdeck().args(["check", "layouts/spend.toml"]));
    let stdout = String::from_utf8(output.stdout).unwrap();
    // Four distinct GetCostAndUsage requests (daily SageMaker, monthly, by service,
    // by instance type), bought once per 1 h cache TTL although the layout refreshes
    // every 5 min: 4 × 24 × $0.01.
    assert!(
        stdout.contains("source `ce`: 4 GetCostAndUsage request(s) every 1h (the slower of refresh and cache_ttl): $0.96/day, $28.80/30 days"),
        "{stdout}"
    );
}

#[test]
fn a_ten_second_refresh_costs_six_times_a_minute() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wall.toml");
    let text = std::fs::read_to_string("layouts/sagemaker-endpoints.toml")
        .unwrap()
        .replace("refresh = \"60s\"", "refresh = \"10s\"");
    std::fs::write(&path, text).unwrap();
    let output = fleetdeck()
        .args(["check", path.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("at refresh 10s: $0.95/day, $28.51/30 days"),
        "{stdout}"
    );
}

/// `fleetdeck export` of a panel over `from`, pinned to 2026-11-25 12:00 UTC, as
/// (series, timestamp, value) rows.
fn exported_rows(layout: &str, panel: &str, from: &str) -> Vec<(String, String, f64)> {
    let output = succeeded(fleetdeck().args([
        "export",
        layout,
        "--panel",
        panel,
        "--from",
        from,
        "--now",
        "2026-11-25T12:00:00Z",
    ]));
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .skip(1)
        .map(|line| {
            let mut fields = line.rsplitn(3, ',');
            let value = fields.next().unwrap().parse().unwrap();
            let time = fields.next().unwrap().to_owned();
            let name = fields.next().unwrap().trim_matches('"').to_owned();
            (name, time, value)
        })
        .collect()
}

/// The (timestamp, value) rows of a panel's export over the last 10 minutes.
fn exported(layout: &str, panel: &str) -> Vec<(String, f64)> {
    exported_rows(layout, panel, "now-10m")
        .into_iter()
        .map(|(_, time, value)| (time, value))
        .collect()
}

#[test]
fn cost_per_thousand_inferences_is_spend_over_invocations() {
    let derived = exported("layouts/spend-demo.toml", "Cost per 1,000 inferences");
    // The same inputs as the demo overview's tiles: burn rate (USD/h) and requests/s.
    let burn: std::collections::HashMap<String, f64> =
        exported("layouts/demo-fleet.toml", "Burn rate")
            .into_iter()
            .collect();
    let rps: std::collections::HashMap<String, f64> =
        exported("layouts/demo-fleet.toml", "Requests/s")
            .into_iter()
            .collect();
    assert!(derived.len() >= 100, "{} points", derived.len());
    for (time, value) in &derived {
        let expected = burn[time] / 3600.0 / rps[time] * 1000.0;
        assert!(
            (value - expected).abs() < 1e-9 * expected,
            "{time}: {value} vs {expected}"
        );
    }
}

#[test]
fn instance_counts_times_the_price_table_match_the_billed_burn_rate() {
    let rows = exported_rows(
        "layouts/spend-demo.toml",
        "Burn rate: billing vs running instances × on-demand prices",
        "now-5m",
    );
    let values = |prefix: &str| -> Vec<f64> {
        rows.iter()
            .filter(|(name, _, _)| name.starts_with(prefix))
            .map(|&(_, _, value)| value)
            .collect()
    };
    let from_prices = values("running instances × on-demand prices");
    let billed = values("billing (EstimatedCharges)");
    assert!(!from_prices.is_empty() && !billed.is_empty());
    let times: Vec<&str> = rows
        .iter()
        .filter(|(name, _, _)| name.starts_with("billing"))
        .map(|(_, time, _)| time.as_str())
        .collect();
    // p5.48xlarge, g6.xlarge (autoscaled), inf2.48xlarge (autoscaled),
    // trn1.32xlarge: the pools' sizes at that moment times their prices.
    for ((time, from_prices), billed) in times.iter().zip(&from_prices).zip(&billed) {
        let expected = burn_at(time);
        assert!(
            (from_prices - expected).abs() < 1e-9,
            "{time}: {from_prices} vs {expected}"
        );
        assert!(
            (billed - expected).abs() < 1e-6,
            "{time}: billing says {billed}"
        );
    }
}

/// The demo fleet's on-demand burn at `time` (RFC 3339), USD/h: each pool's
/// instances in service then, at the price list's on-demand price.
fn burn_at(time: &str) -> f64 {
    const PRICES: [f64; 4] = [98.32, 0.805, 12.98, 21.50];
    let fleet = fleetdeck::source::demo::fleet::Fleet::new(42);
    let t_s = chrono::DateTime::parse_from_rfc3339(time)
        .unwrap()
        .timestamp() as f64;
    PRICES
        .iter()
        .enumerate()
        .map(|(i, price)| price * fleet.instances_at(i, t_s) as f64)
        .sum()
}

#[test]
fn the_demo_spend_bars_are_one_stack_an_hour_adding_up_to_the_burn_rate() {
    let rows = exported_rows(
        "layouts/spend-demo.toml",
        "Spend per hour by service",
        "now-6h",
    );
    let services: std::collections::BTreeSet<&str> =
        rows.iter().map(|(name, _, _)| name.as_str()).collect();
    assert_eq!(
        services.into_iter().collect::<Vec<_>>(),
        ["Amazon Elastic Compute Cloud - Compute", "Amazon SageMaker"]
    );
    // `period = "1h"`: one bar an hour, on the hour, 06:00 to 12:00.
    let mut per_hour: std::collections::BTreeMap<&str, f64> = Default::default();
    for (_, time, value) in &rows {
        assert!(time.ends_with(":00:00Z"), "{time}");
        *per_hour.entry(time.as_str()).or_default() += value;
    }
    assert_eq!(per_hour.len(), 7, "{per_hour:?}");
    // Each stack is the hour's whole bill: the fleet's on-demand burn over the
    // hour ending there, the autoscaled pools' sizes changing every ten minutes.
    for (time, total) in per_hour {
        let end = chrono::DateTime::parse_from_rfc3339(time).unwrap();
        let expected: f64 = (1..=6)
            .map(|step| {
                let at = end - chrono::Duration::minutes(10 * step);
                burn_at(&at.to_rfc3339()) / 6.0
            })
            .sum();
        assert!(
            (total - expected).abs() < 1e-6,
            "{time}: {total} vs {expected}"
        );
    }
}

/// `--var` chooses a variable's values for an export: the panel's series are the
/// chosen models' only, and a name the layout does not define is refused.
#[test]
fn export_takes_variable_values_from_the_command_line() {
    let output = succeeded(fleetdeck().args([
        "export",
        "layouts/demo-models.toml",
        "--panel",
        "Requests waiting",
        "--from",
        "now-2m",
        "--var",
        "model=meta-llama/Llama-3.1-8B-Instruct",
        "--var",
        "model=BAAI/bge-large-en-v1.5",
    ]));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let series: std::collections::BTreeSet<&str> = stdout
        .lines()
        .skip(1)
        .filter_map(|line| line.split(',').next())
        .collect();
    assert_eq!(
        series,
        ["BAAI/bge-large-en-v1.5", "meta-llama/Llama-3.1-8B-Instruct"].into()
    );

    let refused = fleetdeck()
        .args([
            "export",
            "layouts/demo-models.toml",
            "--panel",
            "Requests waiting",
            "--var",
            "modle=x",
        ])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("--var modle: the layout defines no variable `modle`"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

/// `check` warns about a variable nothing uses, and still accepts the layout.
#[test]
fn check_warns_about_an_unused_variable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("unused.toml");
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("layouts/demo-models.toml"),
    )
    .unwrap()
    .replace(
        "[variables.model]",
        "[variables.region]\nvalues = [\"a\"]\n\n[variables.model]",
    );
    std::fs::write(&path, text).unwrap();
    let output = succeeded(fleetdeck().arg("check").arg(&path));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "warning: {}:16:1: variable `region` is defined but no panel, legend or title uses it",
            path.display()
        )),
        "{stderr}"
    );
}

/// `check` says a CloudWatch heatmap has no buckets to draw, at the query that
/// asks it, and still accepts the layout (a `*` draws its distribution).
#[test]
fn check_says_cloudwatch_has_no_histogram_buckets() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cw-heatmap.toml");
    std::fs::write(
        &path,
        r#"version = 1
title = "CPU"

[sources.cw]
kind = "cloudwatch"
region = "us-east-1"

[[panels]]
title = "CPU across the fleet"
kind = "heatmap"
grid = { x = 0, y = 0, w = 24, h = 8 }
  [[panels.queries]]
  source = "cw"
  namespace = "AWS/EC2"
  metric = "CPUUtilization"
  dimensions = { InstanceId = "*" }
  stat = "Average"
"#,
    )
    .unwrap();
    let output = succeeded(fleetdeck().arg("check").arg(&path));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "warning: {}:13:12: heatmap `CPU across the fleet`: CloudWatch has no histogram buckets",
            path.display()
        )),
        "{stderr}"
    );
}

/// `fleetdeck render` with no display at all (DISPLAY and WAYLAND_DISPLAY unset)
/// writes a PNG with the same pixels as the window's snapshot of the demo.
#[test]
fn render_draws_the_window_without_a_display() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo.png");
    succeeded(
        fleetdeck()
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .args([
                "render",
                "layouts/demo-fleet.toml",
                "--now",
                "2026-11-25T12:00:00Z",
                "--utc",
                "--size",
                "1280x800",
                "-o",
            ])
            .arg(&out),
    );
    let rendered = image::open(&out).unwrap().to_rgba8();
    assert_eq!(rendered.dimensions(), (1280, 800));
    egui_kittest::try_image_snapshot_options(
        &rendered,
        "demo_fleet",
        &crate::support::snapshot_options(),
    )
    .unwrap_or_else(|e| panic!("the render differs from the window's snapshot: {e}"));

    // One panel alone, and a size that makes no sense.
    let one = dir.path().join("one.png");
    succeeded(
        fleetdeck()
            .args([
                "render",
                "layouts/demo-fleet.toml",
                "--panel",
                "Requests waiting by model",
                "--size",
                "800x300",
                "-o",
            ])
            .arg(&one),
    );
    assert_eq!(
        image::open(&one).unwrap().to_rgba8().dimensions(),
        (800, 300)
    );
    // An incident file renders offline, from what it kept.
    let incident = dir.path().join("hour.fdi");
    succeeded(
        fleetdeck()
            .args([
                "snapshot",
                "layouts/demo-fleet.toml",
                "--from",
                "now-1h",
                "--now",
                "2026-11-25T12:00:00Z",
                "-o",
            ])
            .arg(&incident),
    );
    let drawn = dir.path().join("incident.png");
    succeeded(
        fleetdeck()
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .args(["render", "--utc", "--size", "1280x800", "-o"])
            .arg(&drawn)
            .arg(&incident),
    );
    assert_eq!(
        image::open(&drawn).unwrap().to_rgba8().dimensions(),
        (1280, 800)
    );
    let refused = fleetdeck()
        .args(["render", "layouts/demo-fleet.toml", "--size", "huge", "-o"])
        .arg(dir.path().join("x.png"))
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--size `huge`: write WIDTHxHEIGHT"));
}

/// The demo's capacity mix: the bill by purchase type adds up to less than the
/// on-demand burn (the discounts) at every instant, and Spot is paid only while
/// the Inferentia pool is above its reserved floor.
#[test]
fn the_demo_bill_by_purchase_type_is_the_discounted_burn() {
    let rows = exported_rows(
        "layouts/spend-demo.toml",
        "Cost by purchase type (as billed)",
        "now-24h",
    );
    let mut by_time: std::collections::BTreeMap<&str, (f64, f64)> = Default::default();
    for (name, time, value) in &rows {
        let entry = by_time.entry(time.as_str()).or_default();
        entry.0 += value;
        if name == "Spot Instances" {
            entry.1 = *value;
        }
    }
    assert!(by_time.len() >= 100, "{} instants", by_time.len());
    let fleet = fleetdeck::source::demo::fleet::Fleet::new(42);
    let spot_paid = by_time.values().filter(|(_, spot)| *spot > 0.0).count();
    assert!(
        spot_paid > 0 && spot_paid < by_time.len(),
        "Spot paid at {spot_paid} of {} instants: the day scales out and back",
        by_time.len()
    );
    for (time, (billed, spot)) in by_time {
        let on_demand = burn_at(time);
        assert!(
            billed < on_demand && billed > 0.5 * on_demand,
            "{time}: {billed} billed vs {on_demand} on demand"
        );
        let t_s = chrono::DateTime::parse_from_rfc3339(time)
            .unwrap()
            .timestamp() as f64;
        let inf2_above_floor = fleet.instances_at(2, t_s) > fleet.endpoints[2].min_instances;
        assert_eq!(spot > 0.0, inf2_above_floor, "{time}: spot {spot}");
    }
}
