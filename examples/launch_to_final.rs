//! Launch to final screen: how long after `fleetdeck` starts does the screen stop
//! changing, with 6M points in VictoriaMetrics?
//!
//! The method (issue "Fast and faithful"):
//! - 60 series × 100,000 points at 1 s are imported through VictoriaMetrics'
//!   `/api/v1/import`;
//! - a layout of 12 panels × 5 series shows their whole span as an absolute window;
//! - the binary runs on Xvfb (1920×1080, Composite off, Mesa's software GL);
//! - the root window is grabbed with `xwd` every 0.25 s for `SECONDS`;
//! - the result is the time of the first grab within 1 % of the final grab's
//!   pixels; the final grab's resident memory is reported beside it.
//!
//! ```text
//! cargo run --release --example launch_to_final -- [BINARY] [RUNS] [SECONDS] [lines-only]
//! ```
//! `lines-only` sets `envelope = false` on every panel (an older build that knows
//! no bands must be given it: its layouts reject the key).
//! `BINARY` defaults to `target/release/fleetdeck`, so an older build can be
//! measured on the same data (`git worktree add /tmp/before REV`, build it there).
//! Needs `victoria-metrics`, `Xvfb` and `xwd` (Debian: victoria-metrics, xvfb,
//! x11-apps). Pixels are compared inside the window (1600×1000 at the top left),
//! except the box where the pointer's tooltip opens (see `harness::grab`).

// A benchmark/example may stop at its first surprise.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;

use std::time::{Duration, Instant};

const SERIES: usize = 60;
const POINTS: i64 = 100_000;
const PANELS: usize = 12;

fn main() {
    let mut args = std::env::args().skip(1);
    let binary = harness::binary(args.next());
    let runs: usize = args.next().map_or(3, |s| s.parse().expect("RUNS"));
    let seconds: u64 = args.next().map_or(8, |s| s.parse().expect("SECONDS"));
    // `lines-only`: every panel opts out of its min/max band (`envelope = false`).
    let bands = args.next().as_deref() != Some("lines-only");

    let dir = tempfile::tempdir().unwrap();
    let (vm, url) = harness::start_victoria_metrics(dir.path());
    let end_s = (chrono::Utc::now().timestamp() - 3_600) / 60 * 60;
    let start_s = end_s - POINTS + 1;
    import(&url, start_s);
    let layout = dir.path().join("launch.toml");
    std::fs::write(&layout, layout_text(&url, start_s, end_s, bands)).unwrap();

    let (_xvfb, display) = harness::start_xvfb();
    println!(
        "{} · {SERIES} series × {POINTS} points in {PANELS} panels · Xvfb {} · grabs every {} ms",
        binary.display(),
        harness::screen(),
        harness::grab_every().as_millis()
    );
    let layout = layout.to_str().unwrap();
    let mut finals = Vec::new();
    for run in 1..=runs {
        let launch = harness::measure(
            &binary,
            &[layout, "--utc"],
            &display,
            seconds,
            Duration::ZERO,
        );
        println!(
            "run {run}: final screen at {:.2} s ({} grabs), RSS {:.0} MiB",
            launch.final_s, launch.grabs, launch.rss_mib
        );
        finals.push(launch.final_s);
    }
    finals.sort_by(f64::total_cmp);
    println!("median: {:.2} s", finals[finals.len() / 2]);
    drop(vm);
}

/// The value of series `index` at second `i`: a slow wave with noise and, now and
/// then, a short spike, so the lines are not flat.
fn value(index: usize, i: i64) -> f64 {
    let phase = index as f64 * 0.37;
    let wave = (i as f64 / 3_600.0 + phase).sin();
    let hash = (i as u64 ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_mul(0xBF58_476D_1CE4_E5B9);
    let noise = (hash >> 40) as f64 / (1u64 << 24) as f64;
    let spike = if hash.is_multiple_of(20_000) {
        8.0
    } else {
        0.0
    };
    1.0 + 0.3 * wave + 0.1 * noise + spike
}

/// Imports every series through `/api/v1/import` (one JSON line per series) and
/// waits until the last one is queryable.
fn import(url: &str, start_s: i64) {
    let started = Instant::now();
    for index in 0..SERIES {
        let timestamps: Vec<String> = (0..POINTS)
            .map(|i| ((start_s + i) * 1000).to_string())
            .collect();
        let values: Vec<String> = (0..POINTS)
            .map(|i| format!("{:.4}", value(index, i)))
            .collect();
        let line = format!(
            "{{\"metric\":{{\"__name__\":\"fleet_latency_seconds\",\"panel\":\"p{:02}\",\"series\":\"s{}\"}},\"values\":[{}],\"timestamps\":[{}]}}\n",
            index / 5,
            index % 5,
            values.join(","),
            timestamps.join(",")
        );
        harness::post_import(url, line.as_bytes());
    }
    let _ = harness::get(url, "/internal/force_flush");
    harness::wait_for_answer(
        url,
        "count(fleet_latency_seconds)",
        start_s + POINTS - 1,
        &format!("\"{SERIES}\""),
        60,
    );
    println!(
        "imported {} points in {:.1} s",
        SERIES as i64 * POINTS,
        started.elapsed().as_secs_f64()
    );
}

fn layout_text(url: &str, start_s: i64, end_s: i64, bands: bool) -> String {
    let mut text = format!(
        r#"version = 1
title = "launch to final screen"
refresh = "1m"
time = {{ from = "{}", to = "{}" }}

[sources.vm]
kind = "prometheus"
flavor = "victoriametrics"
url = "{url}"
scrape_interval = "1s"
{}
"#,
        harness::rfc3339(start_s),
        harness::rfc3339(end_s),
        // `LAUNCH_CONCURRENCY=N`: the source's `max_concurrency` (builds before it
        // reject the key).
        std::env::var("LAUNCH_CONCURRENCY")
            .map_or_else(|_| String::new(), |n| format!("max_concurrency = {n}"))
    );
    for panel in 0..PANELS {
        text.push_str(&format!(
            r#"
[[panels]]
title = "panel {panel:02}"
grid = {{ x = {}, y = {}, w = 12, h = 4 }}
unit = "s"
{}
  [[panels.queries]]
  source = "vm"
  promql = 'fleet_latency_seconds{{panel="p{panel:02}"}}'
  legend = "{{{{series}}}}"
"#,
            (panel % 2) * 12,
            (panel / 2) * 4,
            if bands { "" } else { "envelope = false" }
        ));
    }
    text
}
