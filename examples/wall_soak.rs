//! A week of wall in minutes: the demo playlist (4 layouts rotating every 30 s) on
//! an accelerated clock, every page live, drawn frame after frame as the real wall
//! draws it (no pixels: `run_ui` only). Every simulated hour it prints resident
//! memory, points and series held; at the end it checks that after the warm-up they
//! stayed within ±5 % of their mean. The warm-up is a day and a half: the stores
//! fill a day of history, and the allocator settles once the ring buffers stop
//! growing (measured: one step, 47 → 64 MiB, at hours 27–28, flat after).
//!
//! `cargo run --release --example wall_soak -- [DAYS] [FACTOR]` (default 7 days at
//! 1000× real time: about 10 minutes).

// An example may stop at its first surprise.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use fleetdeck::app::AppOptions;
use fleetdeck::clock::{Clock, DisplayZone};
use fleetdeck::wall::{WallApp, load_playlist};
use std::time::{Duration, Instant};

const HOUR_S: i64 = 3_600;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let days: i64 = args.next().map_or(7, |d| d.parse().expect("days"));
    let factor: u32 = args.next().map_or(1_000, |f| f.parse().expect("factor"));
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("layouts/walls/demo.toml");
    let mut playlist = load_playlist(&path).unwrap_or_else(|e| panic!("{e}"));
    for page in &mut playlist.pages {
        page.dwell = Duration::from_secs(30);
    }
    let from = chrono::DateTime::parse_from_rfc3339("2026-11-23T00:00:00Z")
        .unwrap()
        .to_utc();
    let clock = Clock::Accelerated {
        from,
        since: Instant::now(),
        factor,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("fleetdeck-poll")
        .build()
        .unwrap();
    let options = AppOptions {
        clock,
        zone: DisplayZone::Utc,
        ..AppOptions::default()
    };
    let mut app = WallApp::new(playlist, options).with_runtime(runtime.handle().clone());
    let ctx = egui::Context::default();
    let input = || egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1920.0, 1080.0),
        )),
        ..Default::default()
    };
    println!("hour\trss_mib\tpoints\tseries\tpage\tframes");
    let mut samples: Vec<(f64, f64, f64)> = Vec::new();
    let mut next_hour = 1;
    let mut frames: u64 = 0;
    let started = Instant::now();
    loop {
        let mut output = ctx.run_ui(input(), |ui| app.show(ui));
        output.textures_delta.clear();
        frames += 1;
        let elapsed_s = (clock.now() - from).num_seconds();
        if elapsed_s >= next_hour * HOUR_S {
            let points: usize = app.sessions().map(|s| s.store().total_points()).sum();
            let series: usize = app.sessions().map(|s| s.store().series_count()).sum();
            let rss = rss_kib() as f64 / 1024.0;
            println!(
                "{next_hour}\t{rss:.1}\t{points}\t{series}\t{}\t{frames}",
                app.current_page() + 1
            );
            samples.push((rss, points as f64, series as f64));
            next_hour = elapsed_s / HOUR_S + 1;
        }
        if elapsed_s >= days * 24 * HOUR_S {
            break;
        }
        // About the wall's own pace of frames, in accelerated time.
        std::thread::sleep(Duration::from_millis(10));
    }
    let warm = samples.len().min(36);
    let settled = &samples[warm..];
    let check = |name: &str, pick: &dyn Fn(&(f64, f64, f64)) -> f64| -> bool {
        let values: Vec<f64> = settled.iter().map(pick).collect();
        let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
        let (low, high) = values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
                (l.min(*v), h.max(*v))
            });
        let spread = (high - mean).abs().max((mean - low).abs()) / mean.max(1e-9) * 100.0;
        println!(
            "{name}: mean {mean:.1}, min {low:.1}, max {high:.1}: within ±{spread:.2} % after {warm} h of warm-up"
        );
        spread <= 5.0
    };
    let rss_ok = check("RSS MiB", &|s| s.0);
    let points_ok = check("points", &|s| s.1);
    let series_ok = check("series", &|s| s.2);
    println!(
        "{days} simulated days in {:.0} s real ({frames} frames)",
        started.elapsed().as_secs_f64()
    );
    if rss_ok && points_ok && series_ok {
        println!("PASS: flat after warm-up, within ±5 %");
    } else {
        println!("FAIL: not flat");
        std::process::exit(1);
    }
}
