//! What the launch harnesses share: real servers started on loopback, an Xvfb
//! display, screen grabs with `xwd`, and one launch of the binary measured from
//! outside — when its screen stops changing, its memory and its CPU.
//!
//! Used by `launch_to_final` (60 series, 6M points) and `fleet_scale` (10,000 and
//! 100,000 series), and — for the labels of a GPU fleet — `store_memory`. Needs
//! `Xvfb` and `xwd` (Debian: xvfb, x11-apps).

// Each example uses its own part of this module.
#![allow(dead_code)]

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The grab interval, unless `LAUNCH_GRAB_MS` says otherwise.
const GRAB_EVERY: Duration = Duration::from_millis(250);
/// A grab this close to the final one counts as the final screen.
const SAME_SCREEN: f64 = 0.01;
/// The window's size: fleetdeck opens 1600×1000 at the top left of a bare X.
const WINDOW: (usize, usize) = (1600, 1000);

/// The grab interval: 250 ms, or `LAUNCH_GRAB_MS` to look closer (xwd of a
/// 1080p root takes ~40 ms here).
pub fn grab_every() -> Duration {
    std::env::var("LAUNCH_GRAB_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(GRAB_EVERY, Duration::from_millis)
}

/// A child process killed when dropped.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A TCP port nobody listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The binary to measure: the first argument, or `target/release/fleetdeck`.
pub fn binary(argument: Option<String>) -> PathBuf {
    let binary = PathBuf::from(argument.unwrap_or_else(|| "target/release/fleetdeck".to_owned()));
    assert!(binary.exists(), "no binary at {}", binary.display());
    binary
}

/// A VictoriaMetrics on a free port storing under `dir`, and its URL.
pub fn start_victoria_metrics(dir: &Path) -> (Running, String) {
    let port = free_port();
    let child = Command::new("victoria-metrics")
        .arg(format!("-httpListenAddr=127.0.0.1:{port}"))
        .arg(format!("-storageDataPath={}", dir.join("vm").display()))
        .arg("-search.latencyOffset=0s")
        .arg("-search.maxUniqueTimeseries=1000000")
        .arg("-loggerLevel=ERROR")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("victoria-metrics (Debian package victoria-metrics)");
    let url = format!("http://127.0.0.1:{port}");
    wait_until_up(&url, "/health", "victoria-metrics");
    (Running(child), url)
}

/// Waits (20 s at most) until `path` answers 200.
pub fn wait_until_up(url: &str, path: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while get(url, path).is_none() {
        assert!(Instant::now() < deadline, "{what} did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A GET over plain HTTP/1.0; the body when the answer is 200.
pub fn get(url: &str, path: &str) -> Option<String> {
    use std::io::Read;
    let address = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n").ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    head.contains(" 200 ").then(|| body.to_owned())
}

/// POSTs `body` to VictoriaMetrics' `/api/v1/import` (JSON lines) and panics
/// unless it is accepted.
pub fn post_import(url: &str, body: &[u8]) {
    let address = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "POST /api/v1/import HTTP/1.0\r\nHost: {address}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(body).unwrap();
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut stream, &mut answer).unwrap();
    assert!(answer.contains(" 204 "), "import refused: {answer}");
}

/// Waits (`seconds` at most) until the instant query `query` at `time_s`
/// answers with the text `expected` in it.
pub fn wait_for_answer(url: &str, query: &str, time_s: i64, expected: &str, seconds: u64) {
    let path = format!("/api/v1/query?query={query}&time={time_s}");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while !get(url, &path).is_some_and(|body| body.contains(expected)) {
        assert!(
            Instant::now() < deadline,
            "{query} never answered {expected}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// An instant as RFC 3339 in UTC, for absolute layout ranges.
pub fn rfc3339(s: i64) -> String {
    chrono::DateTime::from_timestamp(s, 0)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// An Xvfb on a display number no other X server holds, and that number.
pub fn start_xvfb() -> (Running, String) {
    let display = (50..200)
        .map(|n| format!(":{n}"))
        .find(|d| !Path::new(&format!("/tmp/.X{}-lock", d.trim_start_matches(':'))).exists())
        .expect("a free X display number");
    let child = Command::new("Xvfb")
        .args([
            &display,
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
    (Running(child), display)
}

/// The Xvfb screen, `WIDTHxHEIGHT`.
pub fn screen() -> String {
    std::env::var("LAUNCH_SCREEN").unwrap_or_else(|_| "1920x1080".to_owned())
}

/// The window's pixels from the root window as `xwd` writes them (32 bits a
/// pixel, rows of `bytes_per_line`), without the box where the pointer's
/// tooltip opens; with `LAUNCH_SAVE=DIR` the whole dump is also kept there as
/// `NN.xwd`, to look at.
///
/// X starts the pointer at the screen's centre, over a chart, and neither
/// `xdotool` nor `XWarpPointer` moves it on this Xvfb; the tooltip opens with the
/// data and closes about a second later, a change of screen that is not the data
/// being drawn. `LAUNCH_SCREEN=3840x2160` puts the centre outside the window.
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

/// What one launch measured.
pub struct Launch {
    /// Seconds until the first grab within 1 % of the final one.
    pub final_s: f64,
    /// Resident memory at the end, MiB.
    pub rss_mib: f64,
    /// The most resident memory it ever had, MiB.
    pub peak_mib: f64,
    /// CPU over the last `idle_window` of the run, % of one core.
    pub idle_cpu_percent: f64,
    /// Grabs taken.
    pub grabs: usize,
}

/// A field of `/proc/PID/status` in KiB (`VmRSS`, `VmHWM`).
fn status_kib(pid: u32, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

/// User plus system CPU of a process, in clock ticks (1/100 s).
fn cpu_ticks(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command's closing parenthesis; utime and stime are 14 and 15.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<f64>().ok());
    field(14).unwrap_or(0.0) + field(15).unwrap_or(0.0)
}

/// One launch of `binary` with `args` on `display` for `seconds`: grabs the screen
/// every [`grab_every`] until `seconds - idle_window`, then stops grabbing (so
/// `xwd` does not wake the app) and measures its CPU over the last `idle_window`.
pub fn measure(
    binary: &Path,
    args: &[&str],
    display: &str,
    seconds: u64,
    idle_window: Duration,
) -> Launch {
    let started = Instant::now();
    let child = Command::new(binary)
        .args(args)
        .env("DISPLAY", display)
        .env("LIBGL_ALWAYS_SOFTWARE", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut app = Running(child);
    let mut grabs: Vec<(f64, Vec<u8>)> = Vec::new();
    let grabbing = Duration::from_secs(seconds).saturating_sub(idle_window);
    let mut next = started;
    while started.elapsed() < grabbing {
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
    let before = cpu_ticks(pid);
    std::thread::sleep(idle_window);
    let idle_ticks = cpu_ticks(pid) - before;
    let rss_mib = status_kib(pid, "VmRSS") / 1024.0;
    let peak_mib = status_kib(pid, "VmHWM") / 1024.0;
    drop(app);
    let (_, last) = grabs.last().expect("at least one grab");
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
    Launch {
        final_s,
        rss_mib,
        peak_mib,
        idle_cpu_percent: if idle_window.is_zero() {
            f64::NAN
        } else {
            idle_ticks / idle_window.as_secs_f64()
        },
        grabs: grabs.len(),
    }
}

/// The labels of GPU `gpu` of node `node`, as dcgm-exporter writes them.
pub fn dcgm_labels(node: usize, gpu: usize) -> [(&'static str, String); 7] {
    [
        ("Hostname", format!("node-{node:04}")),
        ("gpu", gpu.to_string()),
        (
            "UUID",
            format!("GPU-{node:08x}-{gpu:04x}-4a6e-9c1d-5e2f00c0ffee"),
        ),
        ("device", format!("nvidia{gpu}")),
        ("modelName", "NVIDIA H100 80GB HBM3".to_owned()),
        (
            "instance",
            format!(
                "10.{}.{}.{}:9400",
                node / 65_536,
                node / 256 % 256,
                node % 256
            ),
        ),
        ("job", "dcgm".to_owned()),
    ]
}
