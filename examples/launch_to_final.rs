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
//! except the box where the pointer's tooltip opens (520×220 px, 7 % of it): X starts the pointer at the
//! screen's centre, over a chart, and neither `xdotool` nor `XWarpPointer` moves
//! it on this Xvfb; the tooltip (larger with bands: it lists min and max) opens
//! with the data and closes about a second later, a change of screen that is not
//! the data being drawn. `LAUNCH_SCREEN=3840x2160` puts the centre outside the
//! window instead (but `xwd` of a 4K root is slow: fewer grabs).

// A benchmark/example may stop at its first surprise.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SERIES: usize = 60;
const POINTS: i64 = 100_000;
const PANELS: usize = 12;
const GRAB_EVERY: Duration = Duration::from_millis(250);

/// The grab interval: 250 ms as the method says, or `LAUNCH_GRAB_MS` to look
/// closer (xwd of a 1080p root takes ~40 ms here).
fn grab_every() -> Duration {
    std::env::var("LAUNCH_GRAB_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(GRAB_EVERY, Duration::from_millis)
}
/// A grab this close to the final one counts as the final screen.
const SAME_SCREEN: f64 = 0.01;

/// A child process killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let binary = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "target/release/fleetdeck".to_owned()),
    );
    let runs: usize = args.next().map_or(3, |s| s.parse().expect("RUNS"));
    let seconds: u64 = args.next().map_or(8, |s| s.parse().expect("SECONDS"));
    // `lines-only`: every panel opts out of its min/max band (`envelope = false`).
    let bands = args.next().as_deref() != Some("lines-only");
    assert!(binary.exists(), "no binary at {}", binary.display());

    let dir = tempfile::tempdir().unwrap();
    let (vm, url) = start_victoria_metrics(dir.path());
    let end_s = (chrono::Utc::now().timestamp() - 3_600) / 60 * 60;
    let start_s = end_s - POINTS + 1;
    import(&url, start_s);
    let layout = dir.path().join("launch.toml");
    std::fs::write(&layout, layout_text(&url, start_s, end_s, bands)).unwrap();

    // A display number no other X server holds (its lock file is gone).
    let display = (50..200)
        .map(|n| format!(":{n}"))
        .find(|d| !Path::new(&format!("/tmp/.X{}-lock", d.trim_start_matches(':'))).exists())
        .expect("a free X display number");
    let _xvfb = start_xvfb(&display);
    println!(
        "{} · {SERIES} series × {POINTS} points in {PANELS} panels · Xvfb {} · grabs every {} ms",
        binary.display(),
        screen(),
        grab_every().as_millis()
    );
    let mut finals = Vec::new();
    for run in 1..=runs {
        let (final_s, rss_mib, grabs) = measure(&binary, &layout, &display, seconds);
        println!("run {run}: final screen at {final_s:.2} s ({grabs} grabs), RSS {rss_mib:.0} MiB");
        finals.push(final_s);
    }
    finals.sort_by(f64::total_cmp);
    println!("median: {:.2} s", finals[finals.len() / 2]);
    drop(vm);
}

fn start_victoria_metrics(dir: &Path) -> (Running, String) {
    let port = free_port();
    let child = Command::new("victoria-metrics")
        .arg(format!("-httpListenAddr=127.0.0.1:{port}"))
        .arg(format!("-storageDataPath={}", dir.join("vm").display()))
        .arg("-search.latencyOffset=0s")
        .arg("-loggerLevel=ERROR")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("victoria-metrics (Debian package victoria-metrics)");
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while get(&url, "/health").is_none() {
        assert!(Instant::now() < deadline, "victoria-metrics did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    (Running(child), url)
}

/// A GET over plain HTTP/1.0; the body when the answer is 200.
fn get(url: &str, path: &str) -> Option<String> {
    use std::io::Read;
    let address = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n").ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    head.contains(" 200 ").then(|| body.to_owned())
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
    let address = url.trim_start_matches("http://").to_owned();
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
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        write!(
            stream,
            "POST /api/v1/import HTTP/1.0\r\nHost: {address}\r\nContent-Length: {}\r\n\r\n",
            line.len()
        )
        .unwrap();
        stream.write_all(line.as_bytes()).unwrap();
        let mut answer = String::new();
        std::io::Read::read_to_string(&mut stream, &mut answer).unwrap();
        assert!(answer.contains(" 204 "), "import refused: {answer}");
    }
    let _ = get(url, "/internal/force_flush");
    let deadline = Instant::now() + Duration::from_secs(60);
    let count = format!(
        "/api/v1/query?query=count(fleet_latency_seconds)&time={}",
        start_s + POINTS - 1
    );
    while !get(url, &count).is_some_and(|body| body.contains(&format!("\"{SERIES}\""))) {
        assert!(
            Instant::now() < deadline,
            "the import never became queryable"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    println!(
        "imported {} points in {:.1} s",
        SERIES as i64 * POINTS,
        started.elapsed().as_secs_f64()
    );
}

fn layout_text(url: &str, start_s: i64, end_s: i64, bands: bool) -> String {
    let time = |s: i64| {
        chrono::DateTime::from_timestamp(s, 0)
            .unwrap()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
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
        time(start_s),
        time(end_s),
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

fn start_xvfb(display: &str) -> Running {
    let child = Command::new("Xvfb")
        .args([
            display,
            "-screen",
            "0",
            &format!("{}x24", screen()),
            "-nolisten",
            "tcp",
            "-extension",
            "Composite",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb (Debian package xvfb)");
    let socket = format!("/tmp/.X11-unix/X{}", display.trim_start_matches(':'));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !Path::new(&socket).exists() {
        assert!(Instant::now() < deadline, "Xvfb did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Running(child)
}

/// The Xvfb screen, `WIDTHxHEIGHT`.
fn screen() -> String {
    std::env::var("LAUNCH_SCREEN").unwrap_or_else(|_| "1920x1080".to_owned())
}

/// The window's size: fleetdeck opens 1600×1000 at the top left of a bare X.
const WINDOW: (usize, usize) = (1600, 1000);

/// The window's pixels from the root window as `xwd` writes them (32 bits a
/// pixel, rows of `bytes_per_line`); with `LAUNCH_SAVE=DIR` the whole dump is
/// also kept there as `NN.xwd`, to look at.
fn grab(display: &str, number: usize) -> Vec<u8> {
    let output = Command::new("xwd")
        .args(["-root", "-silent", "-display", display])
        .output()
        .expect("xwd (Debian package x11-apps)");
    let bytes = output.stdout;
    if let Some(dir) = std::env::var_os("LAUNCH_SAVE") {
        std::fs::write(Path::new(&dir).join(format!("{number:02}.xwd")), &bytes).unwrap();
    }
    let field = |index: usize| {
        u32::from_be_bytes(bytes[index * 4..index * 4 + 4].try_into().unwrap()) as usize
    };
    let header_size = field(0);
    let (width, height) = (field(4), field(5));
    let bytes_per_line = field(12);
    let colormap_entries = field(19);
    let pixels = &bytes[header_size + colormap_entries * 12..];
    let (columns, rows) = (WINDOW.0.min(width), WINDOW.1.min(height));
    // Where the tooltip of a pointer at the centre opens: below it, on either side
    // (egui keeps it inside the plot), about 240×160 px.
    let (cx, cy) = (width / 2, height / 2);
    let tooltip = |x: usize, y: usize| {
        (cx.saturating_sub(260)..cx + 260).contains(&x)
            && (cy.saturating_sub(20)..cy + 200).contains(&y)
    };
    (0..rows)
        .flat_map(|row| {
            let start = row * bytes_per_line;
            pixels[start..start + columns * 4]
                .chunks_exact(4)
                .enumerate()
                .flat_map(move |(column, pixel)| {
                    if tooltip(column, row) {
                        [0; 4]
                    } else {
                        [pixel[0], pixel[1], pixel[2], pixel[3]]
                    }
                })
        })
        .collect()
}

/// Share of 4-byte pixels that differ.
fn difference(a: &[u8], b: &[u8]) -> f64 {
    if a.len() != b.len() {
        return 1.0;
    }
    let pixels = a.len() / 4;
    let differing = a
        .chunks_exact(4)
        .zip(b.chunks_exact(4))
        .filter(|(x, y)| x[..3] != y[..3])
        .count();
    differing as f64 / pixels.max(1) as f64
}

/// One launch: seconds until the first grab within 1 % of the final one, the
/// resident memory at the end (MiB), and how many grabs were taken.
fn measure(binary: &Path, layout: &Path, display: &str, seconds: u64) -> (f64, f64, usize) {
    let started = Instant::now();
    let child = Command::new(binary)
        .arg(layout)
        .arg("--utc")
        .env("DISPLAY", display)
        .env("LIBGL_ALWAYS_SOFTWARE", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut app = Running(child);
    let mut grabs: Vec<(f64, Vec<u8>)> = Vec::new();
    let mut next = started;
    while started.elapsed() < Duration::from_secs(seconds) {
        let now = Instant::now();
        if now < next {
            std::thread::sleep(next - now);
        }
        let at = started.elapsed().as_secs_f64();
        if let Ok(Some(status)) = app.0.try_wait() {
            panic!(
                "{} exited with {status} (run it by hand to see why)",
                binary.display()
            );
        }
        grabs.push((at, grab(display, grabs.len())));
        next += grab_every();
    }
    let rss_kib: f64 = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0);
    drop(app);
    let (_, last) = grabs.last().unwrap();
    if std::env::var_os("LAUNCH_VERBOSE").is_some() {
        for (at, pixels) in &grabs {
            println!(
                "  {at:5.2} s: {:6.2} % from final",
                100.0 * difference(pixels, last)
            );
        }
    }
    let final_s = grabs
        .iter()
        .find(|(_, pixels)| difference(pixels, last) <= SAME_SCREEN)
        .map_or(f64::NAN, |(at, _)| *at);
    (final_s, rss_kib / 1024.0, grabs.len())
}
