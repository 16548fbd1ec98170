//! Real servers for integration tests, on free loopback ports: the simulated fleet's
//! exporter, Prometheus, VictoriaMetrics and Alertmanager from Debian, and the AWS
//! emulator ministack from the venv `./scripts/test` builds. A missing server binary
//! fails the test with what to install; nothing is skipped.

#![allow(dead_code)] // not every helper is used by every build of the tests

pub mod heatmap;
pub mod protected;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Longest a test waits for anything: a deadline against a hang, never a timing.
/// A test waits for a condition it can observe; on a loaded two-core machine that
/// may take many times longer than on a quiet one, and must not fail the test.
pub const PATIENCE: Duration = Duration::from_secs(120);

/// Checks `done` every 20 ms until it holds; fails naming `what` after
/// [`PATIENCE`].
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "{what}: not after {} s",
            PATIENCE.as_secs()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Steps `harness` (a frame each 20 ms, as a window would draw) until `done`
/// holds; fails naming `what` after [`PATIENCE`].
pub fn step_until<S>(
    harness: &mut egui_kittest::Harness<'_, S>,
    what: &str,
    done: impl Fn(&egui_kittest::Harness<'_, S>) -> bool,
) {
    let deadline = Instant::now() + PATIENCE;
    while !done(harness) {
        assert!(
            Instant::now() < deadline,
            "{what}: not after {} s",
            PATIENCE.as_secs()
        );
        harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Percent-encodes a query-string value.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A plain HTTP/1.0 GET; returns status and body, or `None` if nothing answers.
pub fn http_get(address: SocketAddr, path_and_query: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(2)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(
        stream,
        "GET {path_and_query} HTTP/1.0\r\nHost: {address}\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Some((status, body))
}

pub fn require(binary: &str, package: &str) -> PathBuf {
    for dir in ["/usr/bin", "/usr/local/bin", "/usr/sbin"] {
        let path = Path::new(dir).join(binary);
        if path.exists() {
            return path;
        }
    }
    panic!("`{binary}` not found: install the Debian package `{package}` (./scripts/test does)");
}

/// A server process killed when dropped.
pub struct Server {
    pub address: SocketAddr,
    pub dir: tempfile::TempDir,
    child: Option<Child>,
    command: Vec<String>,
    env: Vec<(String, String)>,
    /// Ready once its port takes connections (a TLS server, a proxy), rather
    /// than when a plain GET of a health path answers 200.
    ready_when_listening: bool,
}

impl Server {
    fn spawn(command: Vec<String>, address: SocketAddr, dir: tempfile::TempDir) -> Server {
        Server::spawn_with_env(command, Vec::new(), address, dir)
    }

    fn spawn_with_env(
        command: Vec<String>,
        env: Vec<(String, String)>,
        address: SocketAddr,
        dir: tempfile::TempDir,
    ) -> Server {
        Server::spawn_ready(command, env, address, dir, false)
    }

    /// As [`Server::spawn_with_env`], ready once its port takes connections.
    pub fn spawn_listening(
        command: Vec<String>,
        env: Vec<(String, String)>,
        address: SocketAddr,
        dir: tempfile::TempDir,
    ) -> Server {
        Server::spawn_ready(command, env, address, dir, true)
    }

    fn spawn_ready(
        command: Vec<String>,
        env: Vec<(String, String)>,
        address: SocketAddr,
        dir: tempfile::TempDir,
        ready_when_listening: bool,
    ) -> Server {
        let mut server = Server {
            address,
            dir,
            child: None,
            command,
            env,
            ready_when_listening,
        };
        server.restart();
        server
    }

    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Stops the process (as a crash or an outage would).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the process again with the same arguments, port and data.
    pub fn restart(&mut self) {
        self.kill();
        let log = std::fs::File::create(self.dir.path().join("server.log")).unwrap();
        let child = Command::new(&self.command[0])
            .args(&self.command[1..])
            .envs(self.env.iter().cloned())
            .current_dir(self.dir.path())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.command[0]));
        self.child = Some(child);
        let ready = |path: &str| http_get(self.address, path).is_some_and(|(s, _)| s == 200);
        let what = format!("{} ready", self.command[0]);
        if self.ready_when_listening {
            let address = self.address;
            wait_until(&what, || {
                TcpStream::connect_timeout(&address, Duration::from_secs(1)).is_ok()
            });
            return;
        }
        wait_until(&what, || {
            ready("/-/ready")
                || ready("/health")
                || ready("/_ministack/health")
                || ready("/moto-api/")
        });
    }

    /// What the server logged, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// `/api/v1/query_range` requests a Prometheus has answered so far, from its
    /// own `prometheus_http_requests_total` counter.
    pub fn range_queries_served(&self) -> u64 {
        let (_, metrics) = http_get(self.address, "/metrics").unwrap();
        metrics
            .lines()
            .filter(|l| {
                l.starts_with("prometheus_http_requests_total{")
                    && l.contains("handler=\"/api/v1/query_range\"")
            })
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum::<f64>() as u64
    }

    /// Runs an instant query and returns the raw JSON.
    pub fn query(&self, promql: &str) -> String {
        http_get(
            self.address,
            &format!("/api/v1/query?query={}", encode(promql)),
        )
        .map(|(_, body)| body)
        .unwrap_or_default()
    }

    /// The raw answer of the instant query `promql` at `at_s` (Unix seconds).
    pub fn query_at(&self, promql: &str, at_s: i64) -> String {
        http_get(
            self.address,
            &format!("/api/v1/query?query={}&time={at_s}", encode(promql)),
        )
        .map(|(_, body)| body)
        .unwrap_or_default()
    }

    /// Waits until `promql` returns at least one series (scraped data, not just readiness).
    pub fn wait_for(&self, promql: &str) {
        wait_until(&format!("data for `{promql}`"), || {
            self.query(promql).contains("\"metric\"")
        });
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn scrape_config(target: SocketAddr) -> String {
    format!(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: fleet\n    static_configs:\n      - targets: ['{target}']\n"
    )
}

/// Prometheus scraping `target` every second.
pub fn prometheus(target: SocketAddr) -> Server {
    let dir = tempfile::tempdir().unwrap();
    start_prometheus(scrape_config(target), dir)
}

/// Prometheus scraping every one of `targets` each `interval` (`"1s"`).
pub fn prometheus_scraping(targets: &[SocketAddr], interval: &str) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let targets: Vec<String> = targets.iter().map(|t| format!("'{t}'")).collect();
    start_prometheus(
        format!(
            "global:\n  scrape_interval: {interval}\n  scrape_timeout: {interval}\nscrape_configs:\n  - job_name: fleet\n    static_configs:\n      - targets: [{}]\n",
            targets.join(", ")
        ),
        dir,
    )
}

/// An exporter serving `text` as its `/metrics`, unchanging (Python's file server).
pub fn static_exporter(text: &str) -> Server {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("metrics"), text).unwrap();
    file_server(dir)
}

/// Python's `http.server` serving the files of `dir` (with a `health` file, what
/// `restart` waits on before the first request) on a free port.
fn file_server(dir: tempfile::TempDir) -> Server {
    std::fs::write(dir.path().join("health"), "ok").unwrap();
    let port = free_port();
    let address: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let command = vec![
        "python3".to_owned(),
        "-m".to_owned(),
        "http.server".to_owned(),
        port.to_string(),
        "--bind".to_owned(),
        "127.0.0.1".to_owned(),
        "--directory".to_owned(),
        dir.path().display().to_string(),
    ];
    Server::spawn(command, address, dir)
}

/// Prometheus scraping `target` every second with native histograms on (Debian's
/// 2.42 has them behind a feature flag; it then asks targets for protobuf).
pub fn prometheus_with_native_histograms(target: SocketAddr) -> Server {
    let dir = tempfile::tempdir().unwrap();
    start_prometheus_with(
        scrape_config(target),
        dir,
        &["--enable-feature=native-histograms"],
    )
}

/// Prometheus with this configuration file, its data under `dir`.
fn start_prometheus(config_text: String, dir: tempfile::TempDir) -> Server {
    start_prometheus_with(config_text, dir, &[])
}

/// Prometheus with this configuration file and these extra flags.
fn start_prometheus_with(config_text: String, dir: tempfile::TempDir, flags: &[&str]) -> Server {
    let binary = require("prometheus", "prometheus");
    let config = dir.path().join("prometheus.yml");
    std::fs::write(&config, config_text).unwrap();
    let address: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let command = vec![
        binary.display().to_string(),
        format!("--config.file={}", config.display()),
        format!("--storage.tsdb.path={}", dir.path().join("data").display()),
        format!("--web.listen-address={address}"),
        // Backfilled months must outlive the default 15 days, counted from the
        // newest block.
        "--storage.tsdb.retention.time=400d".to_owned(),
        "--log.level=warn".to_owned(),
    ]
    .into_iter()
    .chain(flags.iter().map(|flag| (*flag).to_owned()))
    .collect();
    Server::spawn(command, address, dir)
}

/// Prometheus serving only `openmetrics` (samples with timestamps, ending in
/// `# EOF`), backfilled into its storage with `promtool tsdb
/// create-blocks-from openmetrics` before it starts; it scrapes nothing.
pub fn prometheus_backfilled(openmetrics: &str) -> Server {
    let promtool = require("promtool", "prometheus");
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("backfill.om");
    std::fs::write(&input, openmetrics).unwrap();
    let output = Command::new(&promtool)
        .args(["tsdb", "create-blocks-from", "openmetrics", "--quiet"])
        .arg(&input)
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "promtool refused the backfill: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    start_prometheus("global:\n  scrape_interval: 5s\n".to_owned(), dir)
}

/// VictoriaMetrics scraping `target` every second.
pub fn victoria_metrics(target: SocketAddr) -> Server {
    let binary = require("victoria-metrics", "victoria-metrics");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("scrape.yml");
    std::fs::write(&config, scrape_config(target)).unwrap();
    let address: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let command = vec![
        binary.display().to_string(),
        format!("-httpListenAddr={address}"),
        format!("-promscrape.config={}", config.display()),
        format!("-storageDataPath={}", dir.path().join("data").display()),
        "-search.latencyOffset=0s".to_owned(),
        "-loggerLevel=ERROR".to_owned(),
    ];
    Server::spawn(command, address, dir)
}

/// The simulated fleet's exporter on a free port, served from `runtime`.
pub fn simulator(runtime: &tokio::runtime::Runtime) -> SocketAddr {
    let (address, _task) = runtime
        .block_on(fleetdeck::simulate::http::spawn(
            "127.0.0.1:0".parse().unwrap(),
            42,
        ))
        .unwrap();
    address
}

/// Alertmanager with a receiver that goes nowhere; no gossip port is opened.
pub fn alertmanager() -> Server {
    let binary = require("prometheus-alertmanager", "prometheus-alertmanager");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("alertmanager.yml");
    std::fs::write(
        &config,
        "route:\n  receiver: nowhere\nreceivers:\n  - name: nowhere\n",
    )
    .unwrap();
    let address: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let command = vec![
        binary.display().to_string(),
        format!("--config.file={}", config.display()),
        format!("--storage.path={}", dir.path().join("data").display()),
        format!("--web.listen-address={address}"),
        "--cluster.listen-address=".to_owned(),
        "--log.level=warn".to_owned(),
    ];
    Server::spawn(command, address, dir)
}

/// Prometheus scraping `target`, evaluating `rules` (a rule-file YAML) every second
/// and sending alerts to `alertmanager`.
pub fn prometheus_with_rules(target: SocketAddr, rules: &str, alertmanager: SocketAddr) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let rules_path = dir.path().join("rules.yml");
    std::fs::write(&rules_path, rules).unwrap();
    let config = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: ['{}']\nalerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['{alertmanager}']\nscrape_configs:\n  - job_name: fleet\n    static_configs:\n      - targets: ['{target}']\n",
        rules_path.display()
    );
    start_prometheus(config, dir)
}

/// A plain HTTP server (Python's `http.server`) answering every GET of
/// `/api/v1/query_range`, whatever its query string, with `body`: a server that
/// misbehaves as no real Prometheus can be made to (a cut-off answer, a huge one).
pub fn static_answer(body: &[u8]) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let api = dir.path().join("api/v1");
    std::fs::create_dir_all(&api).unwrap();
    std::fs::write(api.join("query_range"), body).unwrap();
    file_server(dir)
}

/// The venv with the AWS emulators: `FLEETDECK_AWS_VENV`, or `target/aws-venv`.
pub fn aws_venv_binary(name: &str) -> PathBuf {
    let venv = std::env::var_os("FLEETDECK_AWS_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/aws-venv"));
    let binary = venv.join("bin").join(name);
    assert!(
        binary.exists(),
        "`{}` not found: ./scripts/test installs the AWS emulators (ministack, cbor2, moto) into {}",
        binary.display(),
        venv.display()
    );
    binary
}

/// ministack (CloudWatch and STS) on a free port.
pub fn ministack() -> Server {
    let binary = aws_venv_binary("ministack");
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let address: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let env = [
        ("BIND_HOST", "127.0.0.1".to_owned()),
        ("GATEWAY_PORT", port.to_string()),
        // Only CloudWatch and STS (roles assumed into other accounts), and none of
        // its side listeners (MQTT on 8883, SFTP), so several emulators can run
        // side by side.
        ("SERVICES", "cloudwatch,sts".to_owned()),
        ("IOT_MTLS_ENABLED", "0".to_owned()),
        ("SFTP_ENABLED", "0".to_owned()),
        ("LOG_LEVEL", "WARNING".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    Server::spawn_with_env(vec![binary.display().to_string()], env, address, dir)
}

/// Static credentials the emulators accept, for this test process and the
/// processes it starts. Every test that talks to an emulator calls this first, so
/// the variables are set before any thread of the test reads the environment.
pub fn emulator_credentials() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: set once, guarded by `Once`, before any test of this binary that
        // reads AWS variables has started reading them.
        unsafe {
            std::env::set_var("AWS_ACCESS_KEY_ID", "test");
            std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
            std::env::set_var("AWS_REGION", "us-east-1");
        }
    });
}

/// Publishes `backfill` (e.g. `30m`) of the simulated fleet to the CloudWatch at
/// `url` with `fleetdeck simulate --once`, as a user would.
pub fn publish_fleet(url: &str, backfill: &str) {
    publish_fleet_into(url, backfill, "us-east-1", "test");
}

/// As [`publish_fleet`], into `region` of the account whose access key is
/// `access_key` (ministack files a 12-digit key's data under that account).
pub fn publish_fleet_into(url: &str, backfill: &str, region: &str, access_key: &str) {
    emulator_credentials();
    let output = Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
        .args([
            "simulate",
            "--cloudwatch-endpoint",
            url,
            "--region",
            region,
            "--backfill",
            backfill,
            "--once",
        ])
        .env("AWS_ACCESS_KEY_ID", access_key)
        .env("AWS_REGION", region)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "simulate failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs headless frames of `app` until `done` holds (30 s at most).
pub fn drive(
    app: &mut fleetdeck::app::FleetApp,
    what: &str,
    done: impl Fn(&fleetdeck::app::FleetApp) -> bool,
) {
    let ctx = egui::Context::default();
    let deadline = Instant::now() + PATIENCE;
    while !done(app) {
        assert!(
            Instant::now() < deadline,
            "{what}: not after {} s",
            PATIENCE.as_secs()
        );
        let mut output = ctx.run_ui(egui::RawInput::default(), |ui| app.show(ui));
        output.textures_delta.clear();
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// moto's server (Cost Explorer and friends) on a free port.
pub fn moto() -> Server {
    let binary = aws_venv_binary("moto_server");
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let address: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let command = vec![
        binary.display().to_string(),
        "-H".to_owned(),
        "127.0.0.1".to_owned(),
        "-p".to_owned(),
        port.to_string(),
    ];
    Server::spawn(command, address, dir)
}

/// A plain HTTP/1.0 POST of a JSON body; returns the status.
pub fn http_post_json(address: SocketAddr, path: &str, body: &str) -> Option<u16> {
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(2)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(
        stream,
        "POST {path} HTTP/1.0\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.split_whitespace().nth(1)?.parse().ok()
}

/// A private session bus (Debian's `dbus-daemon`) with its socket in `dir`,
/// open to every call: returns the daemon and its address once it listens.
pub fn private_bus(dir: &Path) -> (Child, String) {
    let daemon_binary = require("dbus-daemon", "dbus-daemon");
    let socket = dir.join("bus");
    let address = format!("unix:path={}", socket.display());
    let config = dir.join("bus.conf");
    std::fs::write(
        &config,
        format!(
            r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>{address}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#
        ),
    )
    .unwrap();
    let daemon = Command::new(daemon_binary)
        .arg(format!("--config-file={}", config.display()))
        .arg("--nofork")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until("dbus-daemon's socket", || socket.exists());
    (daemon, address)
}

/// A private D-Bus session bus (Debian's `dbus-daemon`) with `dbus-monitor`
/// recording every call to the freedesktop notification interface on it: what a
/// desktop's notification daemon would receive. Both are killed when dropped.
pub struct SessionBus {
    /// `DBUS_SESSION_BUS_ADDRESS` for processes that should use this bus.
    pub address: String,
    dir: tempfile::TempDir,
    daemon: Child,
    monitor: Child,
}

impl SessionBus {
    /// Starts the bus and a monitor of desktop notifications.
    pub fn start() -> SessionBus {
        SessionBus::watching("interface='org.freedesktop.Notifications'")
    }

    /// Starts the bus and a monitor of what `rule` matches, and waits until the
    /// monitor listens.
    pub fn watching(rule: &str) -> SessionBus {
        let monitor_binary = require("dbus-monitor", "dbus-bin");
        let dir = tempfile::tempdir().unwrap();
        let (daemon, address) = private_bus(dir.path());
        let log = std::fs::File::create(dir.path().join("monitor.log")).unwrap();
        let monitor = Command::new(monitor_binary)
            .args(["--address", &address, rule])
            .stdout(log)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let bus = SessionBus {
            address,
            dir,
            daemon,
            monitor,
        };
        // The monitor prints the bus's NameAcquired signal once it listens.
        wait_until("dbus-monitor listening", || {
            bus.monitor_log().contains("signal")
        });
        bus
    }

    /// Everything the monitor recorded so far.
    pub fn monitor_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("monitor.log")).unwrap_or_default()
    }

    /// The `Notify` calls recorded so far, each as the monitor printed it.
    pub fn notify_calls(&self) -> Vec<String> {
        self.calls("Notify")
    }

    /// The calls of method `member` recorded so far, each as the monitor printed it.
    pub fn calls(&self, member: &str) -> Vec<String> {
        let log = self.monitor_log();
        let mut calls = Vec::new();
        let mut current: Option<String> = None;
        for line in log.lines() {
            if !line.starts_with(' ') {
                if let Some(call) = current.take() {
                    calls.push(call);
                }
                let called = line
                    .split("member=")
                    .nth(1)
                    .and_then(|rest| rest.split_whitespace().next());
                if line.starts_with("method call") && called == Some(member) {
                    current = Some(String::new());
                }
            }
            if let Some(call) = &mut current {
                call.push_str(line);
                call.push('\n');
            }
        }
        calls.extend(current);
        calls
    }
}

impl Drop for SessionBus {
    fn drop(&mut self) {
        for child in [&mut self.monitor, &mut self.daemon] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The one place snapshot tolerance is set. Snapshots are drawn by fleetdeck's
/// own CPU rasteriser ([`SoftRenderer`]): no driver or Mesa release can move a
/// pixel. What may move is a glyph's edge by one level of one channel (egui packs
/// glyphs into its atlas in the order a run first draws them); that is below the
/// threshold. No pixel beyond it may differ.
pub fn snapshot_options() -> egui_kittest::SnapshotOptions {
    egui_kittest::SnapshotOptions::new()
        .threshold(0.6)
        .max_failed_pixels(0)
}

/// The harness's renderer: `fleetdeck render`'s CPU rasteriser, so a snapshot is
/// exactly what `render` draws and no GPU driver or Mesa release can move it.
#[derive(Default)]
pub struct SoftRenderer(fleetdeck::offscreen::SoftwareRenderer);

impl egui_kittest::TestRenderer for SoftRenderer {
    fn handle_delta(&mut self, delta: &mut egui::TexturesDelta) {
        self.0.update_textures(delta);
        delta.clear();
    }

    fn render(
        &mut self,
        ctx: &egui::Context,
        output: &egui::FullOutput,
    ) -> Result<image::RgbaImage, String> {
        let pixels_per_point = ctx.pixels_per_point();
        let primitives = ctx.tessellate(output.shapes.clone(), pixels_per_point);
        let size = ctx.content_rect().size() * pixels_per_point;
        Ok(self.0.render(
            &primitives,
            [size.x.round() as u32, size.y.round() as u32],
            pixels_per_point,
        ))
    }
}

/// A harness builder that draws with [`SoftRenderer`] and the snapshot options.
pub fn harness_builder<S>() -> egui_kittest::HarnessBuilder<S> {
    egui_kittest::Harness::builder()
        .renderer(SoftRenderer::default())
        .with_options(snapshot_options())
}

/// The key of query `query` of panel `panel` (ids).
pub fn key(panel: &str, query: &str) -> fleetdeck::dashboard::QueryKey {
    fleetdeck::dashboard::QueryKey {
        panel: panel.into(),
        query: query.into(),
    }
}

/// The demo layout copied to `dir/fleet.toml`, for a test that edits the file the app
/// watches: its path and its text.
pub fn demo_layout_copy(dir: &Path) -> (PathBuf, String) {
    let path = dir.join("fleet.toml");
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("layouts/demo-fleet.toml"),
    )
    .unwrap();
    std::fs::write(&path, &text).unwrap();
    (path, text)
}

/// The app on the layout file at `path` (which it watches), pinned to `now`, in UTC.
pub fn app_on_file(
    path: &Path,
    now: chrono::DateTime<chrono::Utc>,
    runtime: &tokio::runtime::Runtime,
) -> fleetdeck::app::FleetApp {
    let options = fleetdeck::app::AppOptions {
        clock: fleetdeck::clock::Clock::Fixed(now),
        zone: fleetdeck::clock::DisplayZone::Utc,
        ..fleetdeck::app::AppOptions::default()
    };
    fleetdeck::app::FleetApp::new(fleetdeck::layout::load_layout(path).unwrap(), options)
        .with_runtime(runtime.handle().clone())
}

/// Replaces the layout at `path` in one step, as editors do.
pub fn save_layout(path: &Path, text: &str) {
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, text).unwrap();
    std::fs::rename(&temporary, path).unwrap();
}

/// A snapshot harness of `size` on the shipped layout `layout` (a path under the
/// project), its clock pinned to `now` (RFC 3339), in UTC, polling on `runtime`.
pub fn shipped_layout_harness(
    layout: &str,
    now: &str,
    size: [f32; 2],
    runtime: &tokio::runtime::Runtime,
) -> egui_kittest::Harness<'static, fleetdeck::app::FleetApp> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(layout);
    let now = chrono::DateTime::parse_from_rfc3339(now).unwrap().to_utc();
    let app = app_on_file(&path, now, runtime);
    harness_builder().with_size(size).build_eframe(|_| app)
}

/// A wall (1920×1080) showing the shipped layout `layout` as its one page, its
/// clock pinned to `now`, stepped until every query has answered; with the
/// folder of its playlist, which must outlive it.
pub fn shipped_layout_on_the_wall(
    layout: &str,
    now: &str,
    runtime: &tokio::runtime::Runtime,
) -> (
    egui_kittest::Harness<'static, fleetdeck::wall::WallApp>,
    tempfile::TempDir,
) {
    let dir = tempfile::tempdir().unwrap();
    let playlist = dir.path().join("wall.toml");
    let layout = Path::new(env!("CARGO_MANIFEST_DIR")).join(layout);
    std::fs::write(
        &playlist,
        format!(
            "version = 1\n[[pages]]\nlayout = {:?}\n",
            layout.display().to_string()
        ),
    )
    .unwrap();
    let now = chrono::DateTime::parse_from_rfc3339(now).unwrap().to_utc();
    let options = fleetdeck::app::AppOptions {
        clock: fleetdeck::clock::Clock::Fixed(now),
        zone: fleetdeck::clock::DisplayZone::Utc,
        ..fleetdeck::app::AppOptions::default()
    };
    let app =
        fleetdeck::wall::WallApp::new(fleetdeck::wall::load_playlist(&playlist).unwrap(), options)
            .with_runtime(runtime.handle().clone())
            .with_writer(fleetdeck::persist::Writer::start());
    let mut harness = harness_builder()
        .with_size([1920.0, 1080.0])
        .build_eframe(|_| app);
    step_until(&mut harness, "the wall's data", |h| {
        h.state()
            .sessions()
            .all(|s| s.pending_queries() == 0 && s.store().series_count() > 0)
    });
    harness.run_steps(3);
    (harness, dir)
}

/// A live window (the system clock, UTC) of `size` on the layout `text`, polling
/// on `runtime`; with the folder the layout is written in, which must outlive it.
pub fn live_harness(
    text: &str,
    size: [f32; 2],
    runtime: &tokio::runtime::Runtime,
) -> (
    egui_kittest::Harness<'static, fleetdeck::app::FleetApp>,
    tempfile::TempDir,
) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("layout.toml");
    std::fs::write(&path, text).unwrap();
    let options = fleetdeck::app::AppOptions {
        clock: fleetdeck::clock::Clock::System,
        zone: fleetdeck::clock::DisplayZone::Utc,
        ..fleetdeck::app::AppOptions::default()
    };
    let app =
        fleetdeck::app::FleetApp::new(fleetdeck::layout::load_layout(&path).unwrap(), options)
            .with_runtime(runtime.handle().clone());
    let harness = harness_builder().with_size(size).build_eframe(|_| app);
    (harness, dir)
}

/// An exporter on a free port whose `/metrics` answers `body(seconds since it
/// started)` with this content type, on a thread of its own (counters that grow
/// as a serving process's do).
pub fn exporter(
    content_type: &'static str,
    body: impl Fn(f64) -> Vec<u8> + Send + 'static,
) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let started = Instant::now();
    let serve = move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let body = body(started.elapsed().as_secs_f64());
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    };
    std::thread::Builder::new()
        .name("test-exporter".to_owned())
        .spawn(serve)
        .unwrap();
    address
}

/// The newest value of the series of `panel`'s first query whose `model_name`
/// is `model`.
pub fn latest_of_model(
    session: &fleetdeck::session::Session,
    panel: &fleetdeck::dashboard::PanelSpec,
    model: &str,
) -> f64 {
    session
        .store()
        .query_series(&panel.key(&panel.queries[0].id))
        .find(|(key, _)| key.labels.get("model_name").map(String::as_str) == Some(model))
        .map(|(_, series)| series.last().unwrap().value)
        .unwrap_or_else(|| panic!("no series of {model}"))
}
