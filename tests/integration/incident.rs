//! Incident files: a demo incident round-trips through the file exactly; a
//! truncated, corrupt, foreign or newer file is refused with a clear error (and
//! never panics, whatever the damage); and no secret of the layout's sources
//! reaches the file.

use fleetdeck::clock::Clock;
use fleetdeck::headless::snapshot::capture;
use fleetdeck::incident::format::{FORMAT_VERSION, ReadError, from_bytes, to_bytes};
use fleetdeck::layout::{load_layout, parse_layout};
use fleetdeck::time_range::Window;
use std::path::Path;
use std::sync::Arc;

fn demo_bytes() -> Vec<u8> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("layouts/demo-fleet.toml");
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-25T12:00:00Z")
        .unwrap()
        .to_utc();
    let end = now.timestamp_millis();
    let window = Window {
        start_ms: end - 3_600_000,
        end_ms: end,
    };
    let notes = vec![fleetdeck::notes::Note::new(
        end - 1_800_000,
        None,
        "restarted the 70B pods",
    )];
    let incident = runtime.block_on(capture(
        Arc::new(load_layout(&path).unwrap()),
        window,
        Clock::Fixed(now),
        notes,
    ));
    assert!(
        incident.series.len() >= 30,
        "{} series",
        incident.series.len()
    );
    assert!(!incident.context.is_empty());
    assert_eq!(incident.notes.len(), 1);
    let bytes = to_bytes(&incident).unwrap();
    let back = from_bytes(&bytes).unwrap();
    assert_eq!(back, incident, "the file gives back exactly what was taken");
    parse_layout(&back.layout_text, Path::new("from-incident.toml")).unwrap();
    // Every sample of the range is there, at the resolution fetched.
    let latency = back
        .series
        .iter()
        .find(|s| s.panel == "p99-end-to-end-latency-by-model")
        .unwrap();
    assert!(
        latency.samples.len() >= 600,
        "{} samples",
        latency.samples.len()
    );
    bytes
}

#[test]
fn a_demo_incident_round_trips_and_damage_is_refused_with_a_clear_error() {
    let bytes = demo_bytes();
    let refused = |damaged: &[u8]| from_bytes(damaged).unwrap_err();
    assert_eq!(refused(b"{\"json\": true}"), ReadError::NotIncident);
    assert!(matches!(refused(&bytes[..20]), ReadError::Corrupt(_)));
    assert!(matches!(
        refused(&bytes[..bytes.len() / 2]),
        ReadError::Corrupt(_)
    ));
    let mut newer = bytes.clone();
    newer[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    assert_eq!(refused(&newer), ReadError::Newer(FORMAT_VERSION + 1));
    assert!(refused(&newer).to_string().contains("update fleetdeck"));
    let mut flipped = bytes.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x40;
    assert!(
        matches!(refused(&flipped), ReadError::Corrupt(_)),
        "{:?}",
        refused(&flipped)
    );
    let mut wrong_sum = bytes;
    wrong_sum[12] ^= 1;
    assert_eq!(
        refused(&wrong_sum),
        ReadError::Corrupt("checksum mismatch".to_owned())
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Byte flips and truncations anywhere never panic and never pass as valid.
    #[test]
    fn damaged_incident_files_never_panic(flips in proptest::collection::vec((0usize..1_000_000, 1u8..=255), 1..4), cut in 0usize..1_000_000) {
        let bytes = small_incident();
        let mut damaged = bytes.clone();
        for (at, mask) in flips {
            let at = at % damaged.len();
            damaged[at] ^= mask;
        }
        let truncated = &damaged[..(cut % (damaged.len() + 1))];
        for candidate in [&damaged[..], truncated] {
            if candidate != bytes.as_slice() {
                proptest::prop_assert!(from_bytes(candidate).is_err());
            }
        }
    }
}

/// A small incident's bytes (the demo's first panel over ten minutes).
fn small_incident() -> Vec<u8> {
    use std::sync::OnceLock;
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES
        .get_or_init(|| {
            let incident = fleetdeck::incident::Incident {
                taken_at_ms: 1,
                layout_text: "version = 1\ntitle = \"t\"\n".to_owned(),
                layout_name: "t.toml".to_owned(),
                start_ms: 0,
                end_ms: 600_000,
                sources: vec![("fleet".to_owned(), "demo".to_owned())],
                series: vec![fleetdeck::incident::StoredSeries {
                    panel: "p".to_owned(),
                    query: "q1".to_owned(),
                    labels: [("model_name".to_owned(), "m".to_owned())].into(),
                    samples: (0..120).map(|i| (i * 5_000, i as f64 * 0.5)).collect(),
                }],
                context: Vec::new(),
                alarm_history: Vec::new(),
                notes: Vec::new(),
                outcomes: Vec::new(),
                choices: Default::default(),
            };
            to_bytes(&incident).unwrap()
        })
        .clone()
}

/// A layout whose sources hold a bearer token (from the environment), a basic-auth
/// password, a tenant header and credentials in a URL: the incident file, once
/// decompressed, holds none of their values.
#[test]
fn no_secret_of_the_sources_reaches_the_incident_file() {
    // SAFETY of the test: set once, read by this test's source only.
    unsafe {
        std::env::set_var("FLEETDECK_TEST_INCIDENT_TOKEN", "tok-3f9a-secret");
        std::env::set_var("FLEETDECK_TEST_INCIDENT_PASSWORD", "pw-77c1-secret");
    }
    let text = r#"version = 1
title = "secrets"

[sources.prom]
kind = "prometheus"
url = "http://scraper:url-pass-secret@127.0.0.1:1"
bearer_token_env = "FLEETDECK_TEST_INCIDENT_TOKEN"
headers = { X-Scope-OrgID = "tenant-9d2e-secret" }
proxy_url = "http://proxyuser:proxy-5b0e-secret@127.0.0.1:1"
timeout = "1s"

[sources.other]
kind = "prometheus"
url = "http://127.0.0.1:1"
basic_auth = { username = "grafana", password_env = "FLEETDECK_TEST_INCIDENT_PASSWORD" }
timeout = "1s"

[[panels]]
title = "queue"
grid = { x = 0, y = 0, w = 12, h = 8 }
  [[panels.queries]]
  source = "prom"
  promql = "up"

[[panels]]
title = "other"
grid = { x = 12, y = 0, w = 12, h = 8 }
  [[panels.queries]]
  source = "other"
  promql = "up"
"#;
    let dashboard = parse_layout(text, Path::new("secrets.toml")).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let now = chrono::Utc::now();
    let end = now.timestamp_millis();
    let incident = runtime.block_on(capture(
        Arc::new(dashboard),
        Window {
            start_ms: end - 60_000,
            end_ms: end,
        },
        Clock::Fixed(now),
        Vec::new(),
    ));
    let bytes = to_bytes(&incident).unwrap();
    let payload = zstd::decode_all(&bytes[24..]).unwrap();
    let readable = String::from_utf8_lossy(&payload);
    for secret in [
        "tok-3f9a-secret",
        "pw-77c1-secret",
        "proxy-5b0e-secret",
        "tenant-9d2e-secret",
        "url-pass-secret",
    ] {
        assert!(
            !readable.contains(secret),
            "`{secret}` is in the incident file"
        );
    }
    assert!(
        readable.contains("FLEETDECK_TEST_INCIDENT_TOKEN"),
        "the variable's name is kept"
    );
    assert_eq!(
        incident.sources,
        [
            ("other".to_owned(), "prometheus".to_owned()),
            ("prom".to_owned(), "prometheus".to_owned())
        ]
    );
}

/// An incident taken during the demo's incident, opened with no source reachable
/// (the window has no runtime: nothing can be fetched): every panel draws what
/// the file kept, a banner says what it is (snapshot looked at), and zooming
/// into the middle minute shows samples at the resolution that was fetched.
#[test]
fn an_incident_file_opens_offline_and_zooms_within_what_it_kept() {
    use egui_kittest::kittest::Queryable;
    let bytes = demo_bytes();
    let incident = from_bytes(&bytes).unwrap();
    let options = fleetdeck::app::AppOptions {
        clock: Clock::Fixed(chrono::DateTime::from_timestamp_millis(incident.taken_at_ms).unwrap()),
        zone: fleetdeck::clock::DisplayZone::Utc,
        ..Default::default()
    };
    let app =
        fleetdeck::app::FleetApp::from_incident(&incident, Path::new("demo.fdi"), options).unwrap();
    let mut harness = crate::support::harness_builder()
        .with_size([1280.0, 800.0])
        .build_eframe(|_| app);
    harness.run_steps(4);
    harness.get_by_label_contains("incident snapshot of 2026-11-25 11:00 – 2026-11-25 12:00");
    assert!(
        !harness.state().session().is_polling(),
        "an incident never asks a source"
    );
    let session = harness.state().session();
    for panel in harness
        .state()
        .dashboard()
        .panels
        .iter()
        .filter(|p| p.shows_series())
    {
        let drawn = panel.queries.iter().any(|q| {
            session
                .store()
                .query_series(&panel.key(&q.id))
                .next()
                .is_some()
        });
        assert!(drawn, "{} has nothing from the file", panel.title);
    }
    harness.snapshot("incident_demo");
    // The alarm history it kept is the window's, not evaluated again today.
    assert_eq!(
        harness
            .state()
            .session()
            .alarms()
            .history()
            .iter()
            .cloned()
            .collect::<Vec<_>>(),
        incident.alarm_history,
        "the alarm history shown is the one the file kept"
    );

    // Time shift within what it kept: 30 min earlier is in the range's context.
    let shift = std::time::Duration::from_secs(1800);
    harness
        .state_mut()
        .queue(fleetdeck::view::Command::Compare {
            panel: None,
            shift: Some(shift),
        });
    harness.run_steps(2);
    let key = crate::support::key("p99-end-to-end-latency-by-model", "q1");
    let then_key = crate::support::key("p99-end-to-end-latency-by-model", "q1~then");
    let store = harness.state().session().store();
    let mut compared = 0;
    for (series_key, then) in store.query_series(&then_key) {
        let now_key = fleetdeck::store::SeriesKey::new(&key, series_key.labels.clone());
        let series = store.get(&now_key).expect("a compared series has its own");
        for sample in then.iter().filter(|s| s.t_ms >= incident.start_ms) {
            let earlier = sample.t_ms - 1_800_000;
            if let Some(value) = series.iter().find(|s| s.t_ms == earlier) {
                assert_eq!(sample.value, value.value, "then at {} ms", sample.t_ms);
                compared += 1;
            }
        }
    }
    assert!(compared >= 100, "{compared} samples compared 30 min back");
    harness
        .state_mut()
        .queue(fleetdeck::view::Command::Compare {
            panel: None,
            shift: None,
        });
    harness.run_steps(2);

    let middle = (incident.start_ms + incident.end_ms) / 2;
    harness
        .state_mut()
        .queue(fleetdeck::view::Command::ZoomTo(Window {
            start_ms: middle - 30_000,
            end_ms: middle + 30_000,
        }));
    harness.run_steps(3);
    let key = crate::support::key("p99-end-to-end-latency-by-model", "q1");
    let in_minute = harness
        .state()
        .session()
        .store()
        .query_series(&key)
        .map(|(_, s)| {
            s.iter()
                .filter(|p| (p.t_ms - middle).abs() <= 30_000)
                .count()
        })
        .max()
        .unwrap();
    assert!(
        in_minute >= 10,
        "{in_minute} samples in the middle minute (5 s apart when taken)"
    );
}

/// "Save incident…" in the window keeps the range on screen in a file that reads
/// back, without holding up the window.
#[test]
fn save_incident_in_the_window_writes_a_file_that_reads_back() {
    use egui_kittest::kittest::Queryable;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("layouts/demo-fleet.toml");
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-25T12:00:00Z")
        .unwrap()
        .to_utc();
    let options = fleetdeck::app::AppOptions {
        clock: Clock::Fixed(now),
        zone: fleetdeck::clock::DisplayZone::Utc,
        ..Default::default()
    };
    let app = fleetdeck::app::FleetApp::new(load_layout(&path).unwrap(), options)
        .with_runtime(runtime.handle().clone());
    let mut harness = crate::support::harness_builder()
        .with_size([1280.0, 800.0])
        .build_eframe(|_| app);
    harness.run_steps(5);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kept.fdi");
    harness.get_by_label("Save incident…").click();
    let deadline = std::time::Instant::now() + crate::support::PATIENCE;
    while harness.query_by_label("Incident file").is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "no Save incident window"
        );
        harness.step();
    }
    harness.get_by_label("Incident file").click();
    harness.run_steps(1);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness
        .get_by_label("Incident file")
        .type_text(&file.display().to_string());
    harness.run_steps(1);
    harness.get_by_label("Save").click();
    let deadline = std::time::Instant::now() + crate::support::PATIENCE;
    while !file.exists()
        || harness
            .query_by_label_contains("incident saved to")
            .is_none()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the incident was not saved"
        );
        harness.step();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let incident = from_bytes(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(
        (incident.start_ms, incident.end_ms),
        (now.timestamp_millis() - 3_600_000, now.timestamp_millis())
    );
    assert!(
        incident.series.len() >= 30,
        "{} series",
        incident.series.len()
    );
}

/// `fleetdeck snapshot` of `layout` (a file in `dir`) over the demo's hour; its
/// exit code and what it said.
fn snapshot_of(dir: &Path, layout: &str) -> (Option<i32>, String, std::path::PathBuf) {
    let path = dir.join("layout.toml");
    std::fs::write(&path, layout).unwrap();
    let output_path = dir.join("taken.fdi");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
        .arg("snapshot")
        .arg(&path)
        .args([
            "--from",
            "2026-11-25T11:00:00Z",
            "--to",
            "2026-11-25T12:00:00Z",
        ])
        .args(["--now", "2026-11-25T12:00:00Z", "-o"])
        .arg(&output_path)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stderr).unwrap(),
        output_path,
    )
}

/// The demo layout with one more panel, on a Prometheus nobody answers at.
fn demo_with_a_dead_source() -> String {
    let demo = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("layouts/demo-fleet.toml"),
    )
    .unwrap();
    let port = crate::support::free_port();
    format!(
        "{demo}\n[sources.down]\nkind = \"prometheus\"\nurl = \"http://127.0.0.1:{port}\"\ntimeout = \"2s\"\n\n\
         [[panels]]\ntitle = \"Queue on the down server\"\ngrid = {{ x = 0, y = 500, w = 12, h = 8 }}\n  \
         [[panels.queries]]\n  source = \"down\"\n  promql = \"sum(vllm:num_requests_waiting)\"\n"
    )
}

/// A snapshot taken while one source refused connections: `snapshot` warns and
/// names the source and its panel, the file keeps the failure and when it
/// happened, and the file opened shows that panel's error and the source as
/// failing, not "loading…" and "ok".
#[test]
fn an_incident_keeps_what_failed_and_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr, path) = snapshot_of(dir.path(), &demo_with_a_dead_source());
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "warning: source `down` gave no data for `Queue on the down server`: unreachable:"
        ),
        "{stderr}"
    );
    let incident = from_bytes(&std::fs::read(&path).unwrap()).unwrap();
    let failed: Vec<_> = incident.failures().collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].source, "down");
    assert!(matches!(
        failed[0].error,
        Some(fleetdeck::source::SourceError::Unreachable(_))
    ));
    assert!(
        incident
            .outcomes
            .iter()
            .filter(|o| o.error.is_none())
            .count()
            >= 15
    );

    let options = fleetdeck::app::AppOptions {
        clock: Clock::Fixed(chrono::DateTime::from_timestamp_millis(incident.taken_at_ms).unwrap()),
        zone: fleetdeck::clock::DisplayZone::Utc,
        ..Default::default()
    };
    let app = fleetdeck::app::FleetApp::from_incident(&incident, &path, options).unwrap();
    let session = app.session();
    let panel = app
        .dashboard()
        .panel_by_title("Queue on the down server")
        .unwrap();
    let status = session.statuses().get(&panel.key(&panel.queries[0].id));
    assert!(
        matches!(
            status,
            Some(fleetdeck::session::QueryStatus::Failed(
                fleetdeck::source::SourceError::Unreachable(_)
            ))
        ),
        "{status:?} for {:?}",
        panel.key(&panel.queries[0].id)
    );
    assert!(matches!(
        session.health()[&fleetdeck::dashboard::SourceId::from("down")].state(),
        fleetdeck::session::HealthState::Failing { .. }
    ));
    assert!(matches!(
        session.health()[&fleetdeck::dashboard::SourceId::from("fleet")].state(),
        fleetdeck::session::HealthState::Ok(_)
    ));
}

/// A snapshot that captured nothing says so, exits non-zero and writes no file.
#[test]
fn a_snapshot_that_captured_nothing_says_so_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let port = crate::support::free_port();
    let layout = format!(
        "version = 1\ntitle = \"down\"\n[sources.down]\nkind = \"prometheus\"\nurl = \"http://127.0.0.1:{port}\"\ntimeout = \"2s\"\n\n\
         [[panels]]\ntitle = \"Queue\"\ngrid = {{ x = 0, y = 0, w = 12, h = 8 }}\n  [[panels.queries]]\n  source = \"down\"\n  promql = \"up\"\n"
    );
    let (code, stderr, path) = snapshot_of(dir.path(), &layout);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("source `down` gave no data for `Queue`"),
        "{stderr}"
    );
    assert!(stderr.contains("captured nothing"), "{stderr}");
    assert!(!path.exists());
}
