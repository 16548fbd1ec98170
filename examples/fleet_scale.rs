//! A fleet-scale launch: how long until the screen is final, how much memory, and
//! how much CPU while nothing changes, with 10,000 (or 100,000) GPU series in a
//! real VictoriaMetrics or Prometheus (issue "Fleet scale").
//!
//! The dataset, generated here:
//! - `DCGM_FI_DEV_GPU_UTIL` with dcgm-exporter's labels for `--nodes` nodes × 8
//!   GPUs (1,250 × 8 = 10,000 series), `--hours` of history at 15 s;
//! - busy GPUs on a slow wave, every 50th node idle, node 3 hot (≥ 97 %), node 5's
//!   GPUs all gone for the last half, GPU 3 of node 7 a straggler at 20 %;
//! - imported through VictoriaMetrics' `/api/v1/import`, or written as OpenMetrics
//!   and turned into TSDB blocks by `promtool tsdb create-blocks-from openmetrics`
//!   for Prometheus (`--store prometheus`).
//!
//! The layout is the issue's: the raw metric (10,000 series), `avg by (Hostname)`
//! (1,250) and the fleet's mean and p5 (2 lines), over the dataset's span as an
//! absolute range (so the window opens paused: nothing should change once drawn);
//! `--map` adds a full-width fleet map of every GPU above them.
//!
//! The binary runs on Xvfb (1920×1080, Composite off, Mesa's software GL); the
//! screen is grabbed with `xwd` every 0.25 s until `--seconds` minus the last 8 s,
//! which are left alone to measure CPU while idle.
//!
//! ```text
//! cargo run --release --example fleet_scale -- [BINARY] [--nodes N] [--hours H]
//!     [--store victoriametrics|prometheus] [--seconds S] [--runs R] [--map]
//!     [--into URL]
//! ```
//! `--into URL` only imports the dataset into the VictoriaMetrics at `URL` and
//! writes the layout to `target/fleet-scale.toml`, to look at it by hand.
//! Needs `victoria-metrics` or `prometheus` + `promtool`, `Xvfb` and `xwd`
//! (Debian: victoria-metrics, prometheus, xvfb, x11-apps).

// A benchmark/example may stop at its first surprise.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const GPUS: usize = 8;
const STEP_S: i64 = 15;
const METRIC: &str = "DCGM_FI_DEV_GPU_UTIL";
/// The last seconds of a run, left without grabs to measure idle CPU.
const IDLE_WINDOW: Duration = Duration::from_secs(8);

/// What the command line asked for.
struct Options {
    binary: std::path::PathBuf,
    nodes: usize,
    hours: i64,
    prometheus: bool,
    seconds: u64,
    runs: usize,
    map: bool,
    into: Option<String>,
}

fn options() -> Options {
    let mut binary = None;
    let mut options = Options {
        binary: Default::default(),
        nodes: 1_250,
        hours: 1,
        prometheus: false,
        seconds: 30,
        runs: 1,
        map: false,
        into: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .unwrap_or_else(|| panic!("{name} needs a value"))
        };
        match arg.as_str() {
            "--nodes" => options.nodes = value("--nodes").parse().expect("--nodes N"),
            "--hours" => options.hours = value("--hours").parse().expect("--hours H"),
            "--seconds" => options.seconds = value("--seconds").parse().expect("--seconds S"),
            "--runs" => options.runs = value("--runs").parse().expect("--runs R"),
            "--store" => {
                options.prometheus = match value("--store").as_str() {
                    "prometheus" => true,
                    "victoriametrics" => false,
                    other => panic!("--store victoriametrics|prometheus, not {other}"),
                }
            }
            "--map" => options.map = true,
            "--into" => options.into = Some(value("--into")),
            _ if !arg.starts_with("--") => binary = Some(arg),
            _ => panic!("unknown option {arg}"),
        }
    }
    options.binary = harness::binary(binary);
    options
}

fn main() {
    let options = options();
    let dir = tempfile::tempdir().unwrap();
    let end_s = chrono::Utc::now().timestamp() / 60 * 60 - 60;
    let start_s = end_s - options.hours * 3_600;
    let series = options.nodes * GPUS;
    let started = Instant::now();
    if let Some(url) = &options.into {
        import_into_victoria_metrics(url, &options, start_s, end_s);
        let layout = Path::new("target/fleet-scale.toml");
        std::fs::write(layout, layout_text(url, &options, start_s, end_s)).unwrap();
        println!("imported {series} series; layout in {}", layout.display());
        return;
    }
    let (_server, url) = if options.prometheus {
        start_prometheus_with(dir.path(), &options, start_s, end_s)
    } else {
        let (vm, url) = harness::start_victoria_metrics(dir.path());
        import_into_victoria_metrics(&url, &options, start_s, end_s);
        (vm, url)
    };
    // Every series but the node that dropped out answers at the end.
    harness::wait_for_answer(
        &url,
        &format!("count({METRIC})"),
        start_s + 600,
        &format!("\"{series}\""),
        300,
    );
    println!(
        "{series} series × {} points ({} h at {STEP_S} s) in {} in {:.1} s",
        points_per_series(start_s, end_s),
        options.hours,
        if options.prometheus {
            "Prometheus"
        } else {
            "VictoriaMetrics"
        },
        started.elapsed().as_secs_f64()
    );

    let layout = dir.path().join("fleet.toml");
    std::fs::write(&layout, layout_text(&url, &options, start_s, end_s)).unwrap();
    let (_xvfb, display) = harness::start_xvfb();
    println!(
        "{} · Xvfb {} · grabs every {} ms · idle CPU over the last {} s of {} s",
        options.binary.display(),
        harness::screen(),
        harness::grab_every().as_millis(),
        IDLE_WINDOW.as_secs(),
        options.seconds
    );
    let layout = layout.to_str().unwrap();
    for run in 1..=options.runs {
        let launch = harness::measure(
            &options.binary,
            &[layout, "--utc"],
            &display,
            options.seconds,
            IDLE_WINDOW,
        );
        println!(
            "run {run}: final screen at {:.2} s ({} grabs) · RSS {:.0} MiB (peak {:.0} MiB) · idle CPU {:.1} % of a core",
            launch.final_s, launch.grabs, launch.rss_mib, launch.peak_mib, launch.idle_cpu_percent
        );
    }
}

fn points_per_series(start_s: i64, end_s: i64) -> i64 {
    (end_s - start_s) / STEP_S + 1
}

/// The utilisation of a GPU at second `t`, or `None` where it reported nothing.
fn utilisation(node: usize, gpu: usize, t: i64, start_s: i64, end_s: i64) -> Option<f64> {
    if node == 5 && t > (start_s + end_s) / 2 {
        return None;
    }
    let hash = ((node * GPUS + gpu) as u64 ^ (t as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_mul(0xBF58_476D_1CE4_E5B9);
    let noise = (hash >> 40) as f64 / (1u64 << 24) as f64;
    let value = if node.is_multiple_of(50) {
        noise * 0.5
    } else if node == 3 {
        97.0 + 3.0 * noise
    } else if node == 7 && gpu == 3 {
        18.0 + 4.0 * noise
    } else {
        let wave = (t as f64 / 1_800.0 + node as f64 * 0.37 + gpu as f64 * 0.05).sin();
        72.0 + 15.0 * wave + 8.0 * noise
    };
    Some((value * 10.0).round() / 10.0)
}

/// Imports every series through `/api/v1/import`, a few hundred per request.
fn import_into_victoria_metrics(url: &str, options: &Options, start_s: i64, end_s: i64) {
    let mut body = String::new();
    for node in 0..options.nodes {
        for gpu in 0..GPUS {
            let mut metric = format!("{{\"__name__\":\"{METRIC}\"");
            for (name, value) in harness::dcgm_labels(node, gpu) {
                write!(metric, ",\"{name}\":\"{value}\"").unwrap();
            }
            metric.push('}');
            let (mut values, mut times) = (Vec::new(), Vec::new());
            for t in (start_s..=end_s).step_by(STEP_S as usize) {
                if let Some(value) = utilisation(node, gpu, t, start_s, end_s) {
                    values.push(value.to_string());
                    times.push((t * 1000).to_string());
                }
            }
            writeln!(
                body,
                "{{\"metric\":{metric},\"values\":[{}],\"timestamps\":[{}]}}",
                values.join(","),
                times.join(",")
            )
            .unwrap();
        }
        if node % 50 == 49 {
            harness::post_import(url, body.as_bytes());
            body.clear();
        }
    }
    if !body.is_empty() {
        harness::post_import(url, body.as_bytes());
    }
    let _ = harness::get(url, "/internal/force_flush");
}

/// Writes the dataset as OpenMetrics, turns it into TSDB blocks with `promtool`,
/// and starts a Prometheus on them.
fn start_prometheus_with(
    dir: &Path,
    options: &Options,
    start_s: i64,
    end_s: i64,
) -> (harness::Running, String) {
    let text = dir.join("fleet.om");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&text).unwrap());
    writeln!(out, "# TYPE {METRIC} gauge").unwrap();
    for node in 0..options.nodes {
        for gpu in 0..GPUS {
            let labels: Vec<String> = harness::dcgm_labels(node, gpu)
                .iter()
                .map(|(name, value)| format!("{name}=\"{value}\""))
                .collect();
            let labels = labels.join(",");
            for t in (start_s..=end_s).step_by(STEP_S as usize) {
                if let Some(value) = utilisation(node, gpu, t, start_s, end_s) {
                    writeln!(out, "{METRIC}{{{labels}}} {value} {t}").unwrap();
                }
            }
        }
    }
    writeln!(out, "# EOF").unwrap();
    out.flush().unwrap();
    drop(out);
    let data = dir.join("prometheus");
    let status = Command::new("promtool")
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(&text)
        .arg(&data)
        .stdout(Stdio::null())
        .status()
        .expect("promtool (Debian package prometheus)");
    assert!(status.success(), "promtool could not make blocks");
    std::fs::remove_file(&text).unwrap();
    let config = dir.join("prometheus.yml");
    std::fs::write(&config, "global:\n  scrape_interval: 15s\n").unwrap();
    let port = harness::free_port();
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.tsdb.path={}", data.display()))
        .arg("--storage.tsdb.retention.time=30d")
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--log.level=warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("prometheus (Debian package prometheus)");
    let url = format!("http://127.0.0.1:{port}");
    harness::wait_until_up(&url, "/-/ready", "prometheus");
    (harness::Running(child), url)
}

/// The issue's three panels (and the fleet map with `--map`) over the dataset's
/// span.
fn layout_text(url: &str, options: &Options, start_s: i64, end_s: i64) -> String {
    let flavor = if options.prometheus {
        "prometheus"
    } else {
        "victoriametrics"
    };
    let mut text = format!(
        r#"version = 1
title = "fleet scale"
refresh = "1m"
time = {{ from = "{}", to = "{}" }}

[sources.fleet]
kind = "prometheus"
flavor = "{flavor}"
url = "{url}"
scrape_interval = "15s"
"#,
        harness::rfc3339(start_s),
        harness::rfc3339(end_s),
    );
    let top = if options.map {
        text.push_str(&format!(
            r#"
[[panels]]
title = "GPU utilisation, every GPU by node"
kind = "fleet"
grid = {{ x = 0, y = 0, w = 24, h = 10 }}
unit = "percent"
group_by = ["Hostname"]
thresholds = [
  {{ value = 0, color = "blue", name = "idle" }},
  {{ value = 10, color = "green", name = "ok" }},
  {{ value = 95, color = "red", name = "hot" }},
]
  [[panels.queries]]
  source = "fleet"
  promql = '{METRIC}'
  legend = "{{{{Hostname}}}} gpu {{{{gpu}}}}"
"#
        ));
        10
    } else {
        0
    };
    text.push_str(&format!(
        r#"
[[panels]]
title = "GPU utilisation, every GPU"
grid = {{ x = 0, y = {top}, w = 24, h = 8 }}
unit = "percent"
  [[panels.queries]]
  source = "fleet"
  promql = '{METRIC}'
  legend = "{{{{Hostname}}}} gpu {{{{gpu}}}}"

[[panels]]
title = "GPU utilisation by node"
grid = {{ x = 0, y = {}, w = 12, h = 8 }}
unit = "percent"
  [[panels.queries]]
  source = "fleet"
  promql = 'avg by (Hostname) ({METRIC})'
  legend = "{{{{Hostname}}}}"

[[panels]]
title = "Fleet mean and p5"
grid = {{ x = 12, y = {}, w = 12, h = 8 }}
unit = "percent"
  [[panels.queries]]
  source = "fleet"
  promql = 'avg({METRIC})'
  legend = "mean"
  [[panels.queries]]
  source = "fleet"
  promql = 'quantile(0.05, {METRIC})'
  legend = "p5"
"#,
        top + 8,
        top + 8
    ));
    text
}
