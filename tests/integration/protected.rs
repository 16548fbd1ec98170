//! Connecting to servers that demand more than a URL, each a real server set up
//! the way production protects it: Prometheus's own `--web.config.file` asking
//! for a client certificate or a bcrypt-hashed password, an OAuth2 token
//! endpoint with a gate that takes only its tokens, Debian's tinyproxy, and a
//! real Secret Service holding the secret.

use crate::support;
use crate::support::protected::{self, Authority};
use fleetdeck::dashboard::{Dashboard, Target};
use fleetdeck::layout::parse_layout;
use fleetdeck::source::{RangeRequest, SeriesData, SourceError, build_source};
use fleetdeck::time_range::Window;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// A layout whose one panel asks `url` for `up`, its source's connection keys
/// being `connection` (TOML lines of `[sources.prom]`).
fn layout(url: &str, connection: &str) -> Dashboard {
    parse_layout(&layout_text(url, connection), Path::new("protected.toml"))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn layout_text(url: &str, connection: &str) -> String {
    format!(
        r#"version = 1
title = "protected"
refresh = "1s"
time = {{ from = "now-5m", to = "now" }}

[sources.prom]
kind = "prometheus"
url = "{url}"
scrape_interval = "1s"
timeout = "5s"
{connection}

[[panels]]
title = "Up"
grid = {{ x = 0, y = 0, w = 24, h = 8 }}
  [[panels.queries]]
  source = "prom"
  promql = 'up'
"#
    )
}

/// One range fetch of the panel's query over the last minute, as a refresh makes it.
fn fetch(
    runtime: &tokio::runtime::Runtime,
    layout: &Dashboard,
) -> Result<Vec<SeriesData>, SourceError> {
    let source = build_source(&layout.sources["prom"]);
    fetch_from(runtime, layout, &*source)
}

fn fetch_from(
    runtime: &tokio::runtime::Runtime,
    layout: &Dashboard,
    source: &dyn fleetdeck::source::Source,
) -> Result<Vec<SeriesData>, SourceError> {
    let Target::Fetch { query, .. } = &layout.panels[0].queries[0].target else {
        panic!("a series query");
    };
    let now = chrono::Utc::now().timestamp_millis();
    let request = RangeRequest {
        query: query.clone(),
        window: Window {
            start_ms: now - 60_000,
            end_ms: now,
        },
        step_ms: 1_000,
    };
    runtime.block_on(source.fetch_range(&request))
}

/// Fetches until the server has scraped something; fails with the last error.
fn wait_for_data(runtime: &tokio::runtime::Runtime, layout: &Dashboard) -> Vec<SeriesData> {
    let source = build_source(&layout.sources["prom"]);
    wait_for_data_from(runtime, layout, &*source)
}

/// As [`wait_for_data`], through one source kept across fetches.
fn wait_for_data_from(
    runtime: &tokio::runtime::Runtime,
    layout: &Dashboard,
    source: &dyn fleetdeck::source::Source,
) -> Vec<SeriesData> {
    let started = Instant::now();
    loop {
        match fetch_from(runtime, layout, source) {
            Ok(series) if !series.is_empty() => return series,
            Ok(_) if started.elapsed() < support::PATIENCE => {}
            Err(error) if started.elapsed() > support::PATIENCE => panic!("no data: {error}"),
            Ok(_) => panic!("no data after {:?}", support::PATIENCE),
            Err(_) => {}
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn path(file: &Path) -> String {
    file.display().to_string()
}

/// Prometheus asking for a client certificate its CA signed: the right one
/// reads data; none, one from another CA and an expired one are each refused
/// with their own message naming the setting. Its own certificate is checked
/// too: not trusted without `tls.ca_file`, and under another name only with
/// `tls.server_name`.
#[test]
fn a_server_that_demands_a_client_certificate_takes_the_right_one_and_names_what_is_wrong_with_the_others()
 {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let dir = tempfile::tempdir().unwrap();
    let pki = dir.path();
    let fleet_ca = Authority::new(pki, "fleet");
    let stranger_ca = Authority::new(pki, "stranger");
    let server_cert = fleet_ca.server("server", &["localhost"]);
    let renamed_cert = fleet_ca.server_named_only("renamed", &["prom.internal"]);
    let good = fleet_ca.client("good", "fleetdeck", false);
    let expired = fleet_ca.client("expired", "fleetdeck", true);
    let stranger = stranger_ca.client("stranger", "fleetdeck", false);
    let web_config = |cert: &protected::Issued| {
        format!(
            "tls_server_config:\n  cert_file: {}\n  key_file: {}\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: {}\n",
            path(&cert.cert_file),
            path(&cert.key_file),
            path(&fleet_ca.cert_file)
        )
    };
    let server = protected::prometheus_with_web_config(
        target,
        &web_config(&server_cert),
        tempfile::tempdir().unwrap(),
    );
    let url = format!("https://localhost:{}", server.address.port());
    let with_client = |client: &protected::Issued| {
        format!(
            "tls = {{ ca_file = '{}', cert_file = '{}', key_file = '{}' }}",
            path(&fleet_ca.cert_file),
            path(&client.cert_file),
            path(&client.key_file)
        )
    };

    let series = wait_for_data(&runtime, &layout(&url, &with_client(&good)));
    assert!(
        series
            .iter()
            .any(|s| s.labels.get("job").map(String::as_str) == Some("fleet")),
        "{series:?}"
    );

    let refused = |connection: &str| {
        fetch(&runtime, &layout(&url, connection))
            .expect_err(connection)
            .to_string()
    };
    let none = refused(&format!(
        "tls = {{ ca_file = '{}' }}",
        path(&fleet_ca.cert_file)
    ));
    assert!(
        none.contains(
            "the server demands a client certificate: set tls.cert_file and tls.key_file"
        ),
        "{none}"
    );
    let foreign = refused(&with_client(&stranger));
    assert!(
        foreign.contains(&format!(
            "the server refused the client certificate in tls.cert_file {}",
            path(&stranger.cert_file)
        )) && foreign.contains("not signed by a CA the server trusts for clients"),
        "{foreign}"
    );
    let out_of_date = refused(&with_client(&expired));
    assert!(
        out_of_date.contains(&format!(
            "tls.cert_file {} expired on 2021-01-01 00:00 UTC: renew it",
            path(&expired.cert_file)
        )),
        "{out_of_date}"
    );
    // The server's own certificate: a private CA is not trusted unless named.
    let untrusted = refused(&format!(
        "tls = {{ cert_file = '{}', key_file = '{}' }}",
        path(&good.cert_file),
        path(&good.key_file)
    ));
    assert!(
        untrusted.contains("the server's certificate is not signed by a CA we trust")
            && untrusted.contains("tls.ca_file"),
        "{untrusted}"
    );
    // A certificate for another name: refused by the URL's name, taken with
    // server_name. Prometheus reads its web config at every connection.
    std::fs::write(server.dir.path().join("web.yml"), web_config(&renamed_cert)).unwrap();
    let mismatch = refused(&with_client(&good));
    assert!(
        mismatch.contains("the server's certificate is for prom.internal, not localhost")
            && mismatch.contains("tls.server_name"),
        "{mismatch}"
    );
    let renamed = format!(
        "tls = {{ ca_file = '{}', cert_file = '{}', key_file = '{}', server_name = 'prom.internal' }}",
        path(&fleet_ca.cert_file),
        path(&good.cert_file),
        path(&good.key_file)
    );
    assert!(!wait_for_data(&runtime, &layout(&url, &renamed)).is_empty());
}

/// `insecure_skip_verify` reads from a server no CA vouches for, and says so:
/// `check` warns, naming the source.
#[test]
fn insecure_skip_verify_connects_to_an_unvouched_server_and_check_says_so() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let dir = tempfile::tempdir().unwrap();
    let ca = Authority::new(dir.path(), "lab");
    let cert = ca.server_named_only("lab", &["lab.invalid"]);
    let server = protected::prometheus_with_web_config(
        target,
        &format!(
            "tls_server_config:\n  cert_file: {}\n  key_file: {}\n",
            path(&cert.cert_file),
            path(&cert.key_file)
        ),
        tempfile::tempdir().unwrap(),
    );
    let url = format!("https://127.0.0.1:{}", server.address.port());
    let strict = fetch(&runtime, &layout(&url, "")).expect_err("an unvouched certificate");
    assert!(
        strict.to_string().contains("not signed by a CA we trust"),
        "{strict}"
    );
    let insecure = "tls = { insecure_skip_verify = true }";
    assert!(!wait_for_data(&runtime, &layout(&url, insecure)).is_empty());

    let file = dir.path().join("lab.toml");
    std::fs::write(&file, layout_text(&url, insecure)).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
        .arg("check")
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "source `prom` does not check the server's certificate (tls.insecure_skip_verify)"
        ),
        "{stderr}"
    );
}

/// Prometheus with `basic_auth_users` (a bcrypt hash): the right password, read
/// from a file, reads data; a wrong one is told the server said 401.
#[test]
fn basic_auth_against_a_bcrypt_protected_prometheus_takes_the_right_password_only() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let hash = bcrypt::hash("correct horse", 4).unwrap();
    let server = protected::prometheus_with_web_config(
        target,
        &format!("basic_auth_users:\n  grafana: {hash}\n"),
        tempfile::tempdir().unwrap(),
    );
    let dir = tempfile::tempdir().unwrap();
    let right = dir.path().join("right");
    let wrong = dir.path().join("wrong");
    std::fs::write(&right, "correct horse\n").unwrap();
    std::fs::write(&wrong, "battery staple\n").unwrap();
    let with_password = |file: &Path| {
        format!(
            "basic_auth = {{ username = 'grafana', password_file = '{}' }}",
            path(file)
        )
    };
    assert!(!wait_for_data(&runtime, &layout(&server.url(), &with_password(&right))).is_empty());
    let error = fetch(&runtime, &layout(&server.url(), &with_password(&wrong))).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("HTTP 401, check the credentials"),
        "{error}"
    );
}

/// An OAuth2 client-credentials token in front of Prometheus: tokens that live
/// 30 s, a two-minute session of refreshes every second. Every refresh gets
/// data (the token is renewed before it expires, never after a refusal), and
/// the token endpoint is asked once per renewal, not per request.
#[test]
fn an_oauth2_session_of_two_minutes_renews_its_thirty_second_tokens_without_a_failed_refresh() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let prometheus = support::prometheus(target);
    let gate = protected::oauth2_gate(&prometheus.url(), "fleetdeck", "client-secret-42", 30);
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "client-secret-42\n").unwrap();
    let layout = layout(
        &gate.url(),
        &format!(
            "[sources.prom.oauth2]\nclient_id = 'fleetdeck'\nclient_secret_file = '{}'\ntoken_url = '{}/token'\nscopes = ['metrics:read']",
            path(&secret),
            gate.url()
        ),
    );
    let source = build_source(&layout.sources["prom"]);
    wait_for_data_from(&runtime, &layout, &*source);
    let session = Duration::from_secs(120);
    let started = Instant::now();
    let mut refreshes = 0;
    while started.elapsed() < session {
        let answer = fetch_from(&runtime, &layout, &*source);
        assert!(
            answer.as_ref().is_ok_and(|s| !s.is_empty()),
            "refresh {refreshes} at {:?}: {answer:?}",
            started.elapsed()
        );
        refreshes += 1;
        std::thread::sleep(Duration::from_secs(1));
    }
    // Renewed 10 s before each expiry: at 0, 20, 40, 60, 80 and 100 s (a slow
    // machine's session runs a little past 120 s, so perhaps at 120 s too).
    let issued = protected::tokens_issued(&gate);
    assert!(
        (6..=7).contains(&issued),
        "{issued} tokens for {refreshes} refreshes"
    );
    assert_eq!(
        protected::gate_refusals(&gate),
        "",
        "no request was refused"
    );
}

/// A token the server stops taking before it expires (the gate restarted and
/// forgot it) is replaced at once and the request sent again: the refresh gets
/// its data. A wrong client secret is told what the token endpoint said.
#[test]
fn a_refused_oauth2_token_is_replaced_once_and_a_wrong_secret_says_what_the_token_endpoint_answered()
 {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let prometheus = support::prometheus(target);
    let mut gate = protected::oauth2_gate(&prometheus.url(), "fleetdeck", "client-secret-42", 3600);
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "client-secret-42").unwrap();
    let gate_url = gate.url();
    let oauth2 = |secret_file: &Path| {
        format!(
            "[sources.prom.oauth2]\nclient_id = 'fleetdeck'\nclient_secret_file = '{}'\ntoken_url = '{gate_url}/token'",
            path(secret_file)
        )
    };
    let layout_ok = layout(&gate_url, &oauth2(&secret));
    let source = build_source(&layout_ok.sources["prom"]);
    wait_for_data_from(&runtime, &layout_ok, &*source);
    assert_eq!(protected::tokens_issued(&gate), 1);
    gate.restart();
    let after = fetch_from(&runtime, &layout_ok, &*source);
    assert!(after.as_ref().is_ok_and(|s| !s.is_empty()), "{after:?}");
    assert_eq!(
        protected::tokens_issued(&gate),
        1,
        "one new token after the restart"
    );
    assert_eq!(
        protected::gate_refusals(&gate).lines().count(),
        1,
        "the old token, once"
    );

    let wrong = dir.path().join("wrong");
    std::fs::write(&wrong, "not-the-secret").unwrap();
    let error = fetch(&runtime, &layout(&gate_url, &oauth2(&wrong))).unwrap_err();
    assert!(
        error.to_string().contains(&format!(
            "the token endpoint {gate_url}/token answered 400 (invalid_client: unknown client or wrong secret)"
        )),
        "{error}"
    );
}

/// Requests go through the proxy the layout names (tinyproxy logs them), hosts
/// in `no_proxy` go directly, and a proxy that is not there is named as such.
#[test]
fn requests_go_through_tinyproxy_unless_no_proxy_names_the_host() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let prometheus = support::prometheus(target);
    prometheus.wait_for("up");
    let proxy = protected::tinyproxy();
    let through = layout(&prometheus.url(), &format!("proxy_url = '{}'", proxy.url()));
    wait_for_data(&runtime, &through);
    let proxied = protected::proxy_log(&proxy);
    assert!(
        proxied.contains(&format!("GET {}/api/v1/query_range", prometheus.url())),
        "tinyproxy's log:\n{proxied}"
    );
    let direct = layout(
        &prometheus.url(),
        &format!(
            "proxy_url = '{}'\nno_proxy = 'localhost,127.0.0.1'",
            proxy.url()
        ),
    );
    let before = protected::proxy_log(&proxy).matches("query_range").count();
    wait_for_data(&runtime, &direct);
    assert_eq!(
        protected::proxy_log(&proxy).matches("query_range").count(),
        before
    );

    let closed = format!("http://127.0.0.1:{}", support::free_port());
    let error = fetch(
        &runtime,
        &layout(&prometheus.url(), &format!("proxy_url = '{closed}'")),
    )
    .unwrap_err();
    assert!(
        error.to_string().contains(&format!(
            "cannot connect through the proxy {closed} (proxy_url)"
        )),
        "{error}"
    );
}

/// `HTTP_PROXY` in the environment is honoured, and `proxy_from_environment =
/// false` sends the same requests directly (run as `fleetdeck export`, whose
/// environment is its own).
#[test]
fn the_environments_proxy_is_honoured_unless_the_layout_turns_it_off() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let prometheus = support::prometheus(target);
    // Data the export can find (it fails on none).
    wait_for_data(&runtime, &layout(&prometheus.url(), ""));
    let proxy = protected::tinyproxy();
    let dir = tempfile::tempdir().unwrap();
    let export = |connection: &str| {
        let file = dir.path().join("layout.toml");
        std::fs::write(&file, layout_text(&prometheus.url(), connection)).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
            .args(["export", "--panel", "Up", "--from", "now-1m"])
            .arg(&file)
            .env("HTTP_PROXY", proxy.url())
            .env_remove("NO_PROXY")
            .env_remove("no_proxy")
            .env_remove("http_proxy")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        protected::proxy_log(&proxy).matches("query_range").count()
    };
    assert_eq!(export(""), 1, "through HTTP_PROXY");
    assert_eq!(
        export("proxy_from_environment = false"),
        1,
        "directly, so still one"
    );
    assert_eq!(export(""), 2, "through HTTP_PROXY again");
}

/// A token in a real Secret Service (gnome-keyring): the source reads it by its
/// `service/account` reference; an entry that is not there is named.
#[test]
fn a_password_in_the_desktop_keyring_is_read_by_its_reference() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let hash = bcrypt::hash("from the keyring", 4).unwrap();
    let server = protected::prometheus_with_web_config(
        target,
        &format!("basic_auth_users:\n  grafana: {hash}\n"),
        tempfile::tempdir().unwrap(),
    );
    let keyring = protected::Keyring::start();
    assert!(keyring.store("fleetdeck", "prod-prometheus", "from the keyring"));
    let dir = tempfile::tempdir().unwrap();
    let export = |reference: &str| {
        let file = dir.path().join("layout.toml");
        std::fs::write(
            &file,
            layout_text(
                &server.url(),
                &format!(
                    "basic_auth = {{ username = 'grafana', password_keyring = '{reference}' }}"
                ),
            ),
        )
        .unwrap();
        Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
            .args(["export", "--panel", "Up", "--from", "now-1m"])
            .arg(&file)
            .env("DBUS_SESSION_BUS_ADDRESS", &keyring.address)
            .output()
            .unwrap()
    };
    support::wait_until("data through the keyring's password", || {
        let output = export("fleetdeck/prod-prometheus");
        output.status.success() && String::from_utf8_lossy(&output.stdout).contains("fleet")
    });
    let missing = export("fleetdeck/nobody");
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(!missing.status.success());
    assert!(
        stderr
            .contains("the basic-auth password from keyring entry fleetdeck/nobody: no such entry"),
        "{stderr}"
    );
}

/// Standard base64, to look for a secret as a basic-auth header would carry it.
fn base64(text: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Every secret of a session — a basic-auth password, an OAuth2 client secret,
/// the token it bought — is absent from the logs at trace level (every crate's,
/// the HTTP client's included), from `check`'s output and from an incident file
/// of the session (its bytes and everything it decodes to), as text and as the
/// base64 a basic-auth header carries.
#[test]
fn no_secret_reaches_trace_logs_check_output_or_incident_files() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let password = "pw-1c7d-leak-probe";
    let client_secret = "cs-8e2a-leak-probe";
    let hash = bcrypt::hash(password, 4).unwrap();
    let protected_prometheus = protected::prometheus_with_web_config(
        target,
        &format!("basic_auth_users:\n  grafana: {hash}\n"),
        tempfile::tempdir().unwrap(),
    );
    let prometheus = support::prometheus(target);
    let gate = protected::oauth2_gate(&prometheus.url(), "fleetdeck", client_secret, 3600);
    wait_for_data(&runtime, &layout(&prometheus.url(), ""));
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], connection: &str, url: &str| {
        let file = dir.path().join("layout.toml");
        std::fs::write(&file, layout_text(url, connection)).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
            .args(args)
            .arg(&file)
            .env("RUST_LOG", "trace")
            .env("LEAK_PROBE_PASSWORD", password)
            .env("LEAK_PROBE_CLIENT_SECRET", client_secret)
            .output()
            .unwrap();
        (
            output.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
        )
    };
    let basic = "basic_auth = { username = 'grafana', password_env = 'LEAK_PROBE_PASSWORD' }";
    let oauth2 = format!(
        "[sources.prom.oauth2]\nclient_id = 'fleetdeck'\nclient_secret_env = 'LEAK_PROBE_CLIENT_SECRET'\ntoken_url = '{}/token'",
        gate.url()
    );
    let export = ["export", "--panel", "Up", "--from", "now-1m"];
    let mut seen = String::new();
    support::wait_until("an export through basic auth", || {
        let (ok, text) = run(&export, basic, &protected_prometheus.url());
        seen.push_str(&text);
        ok
    });
    let (ok, text) = run(&export, &oauth2, &gate.url());
    assert!(ok, "{text}");
    seen.push_str(&text);
    let incident = dir.path().join("incident.fdi");
    let snapshot = [
        "snapshot",
        "--from",
        "now-1m",
        "-o",
        incident.to_str().unwrap(),
    ];
    for (connection, url) in [
        (basic, protected_prometheus.url()),
        (oauth2.as_str(), gate.url()),
    ] {
        let (ok, text) = run(&["check"], connection, &url);
        assert!(ok, "{text}");
        seen.push_str(&text);
        let (ok, text) = run(&snapshot, connection, &url);
        assert!(ok, "{text}");
        seen.push_str(&text);
        let bytes = std::fs::read(&incident).unwrap();
        let kept = fleetdeck::incident::format::from_bytes(&bytes).unwrap();
        assert!(
            !kept.series.is_empty(),
            "the incident holds the panel's data"
        );
        seen.push_str(&format!("{kept:?}"));
        seen.push_str(&String::from_utf8_lossy(&bytes));
    }
    assert!(seen.contains("TRACE"), "trace logging was on");
    let token = protected::last_token(&gate);
    assert!(!token.is_empty());
    for secret in [
        password.to_owned(),
        base64(&format!("grafana:{password}")),
        client_secret.to_owned(),
        base64(&format!("fleetdeck:{client_secret}")),
        token,
    ] {
        assert!(!seen.contains(&secret), "`{secret}` leaked");
    }
}
