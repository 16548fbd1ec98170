//! A server that turns the credential down, as a person meets it in the window
//! (egui_kittest): a bcrypt-protected Prometheus, a layout that names the user but
//! no password, a real Secret Service (gnome-keyring on a private bus). The
//! password is entered once; it lands in the keyring, and the layout file gains
//! only the entry's name, its comments kept.

use crate::support;
use crate::support::protected::{self, Keyring};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use fleetdeck::app::{AppOptions, FleetApp};
use fleetdeck::clock::{Clock, DisplayZone};
use fleetdeck::layout::load_layout;
use fleetdeck::source::SourceError;
use std::path::Path;
use std::time::Duration;

const PASSWORD: &str = "entered-once-7f3a";

fn layout_text(url: &str) -> String {
    format!(
        r#"# Production metrics: the password is the team's, never written here.
version = 1
title = "protected"
refresh = "1s"
time = {{ from = "now-5m", to = "now" }}

[sources.prom]
kind = "prometheus"
url = "{url}"
scrape_interval = "1s"
basic_auth = {{ username = "grafana" }}   # the password is asked for

[[panels]]
title = "Up"
grid = {{ x = 0, y = 0, w = 24, h = 8 }}
  [[panels.queries]]
  source = "prom"
  promql = 'up'
"#
    )
}

fn harness_on(path: &Path, runtime: &tokio::runtime::Runtime) -> Harness<'static, FleetApp> {
    let options = AppOptions {
        clock: Clock::System,
        zone: DisplayZone::Utc,
        ..AppOptions::default()
    };
    let app =
        FleetApp::new(load_layout(path).unwrap(), options).with_runtime(runtime.handle().clone());
    support::harness_builder()
        .with_size([1280.0, 700.0])
        .build_eframe(|_| app)
}

/// Steps the window until `done` holds, failing after [`support::PATIENCE`].
fn step_until(harness: &mut Harness<'_, FleetApp>, what: &str, done: impl Fn(&FleetApp) -> bool) {
    support::wait_until(what, || {
        harness.step();
        std::thread::sleep(Duration::from_millis(20));
        done(harness.state())
    });
    harness.run_steps(2);
}

/// The source's current failure, if any.
fn failing(app: &FleetApp) -> Option<SourceError> {
    let health = app.session().health().get("prom")?;
    health.failing.as_ref().map(|(_, error)| error.clone())
}

/// What the last frame put on the clipboard.
fn copied(harness: &Harness<'_, FleetApp>) -> Option<String> {
    harness
        .output()
        .platform_output
        .commands
        .iter()
        .find_map(|command| match command {
            egui::OutputCommand::CopyText(text) => Some(text.clone()),
            _ => None,
        })
}

#[test]
fn a_refused_password_is_asked_once_kept_in_the_keyring_and_only_its_entry_named_in_the_layout() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let hash = bcrypt::hash(PASSWORD, 4).unwrap();
    let server = protected::prometheus_with_web_config(
        target,
        &format!("basic_auth_users:\n  grafana: {hash}\n"),
        tempfile::tempdir().unwrap(),
    );
    let keyring = Keyring::start();
    fleetdeck::source::http::keyring::use_bus(&keyring.address);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("protected.toml");
    std::fs::write(&path, layout_text(&server.url())).unwrap();
    let mut harness = harness_on(&path, &runtime);

    step_until(&mut harness, "the server's refusal", |app| {
        matches!(failing(app), Some(SourceError::Refused(_)))
    });
    harness.get_by_label_contains("refused source “prom”: HTTP 401");
    harness
        .get_by_label("Enter password of user “grafana”…")
        .click();
    harness.run_steps(2);
    let account = format!("prom@{}", server.url().trim_start_matches("http://"));
    harness.get_by_label_contains(&format!(
        "kept in the desktop keyring as fleetdeck/{account}"
    ));
    let field = harness.get_by_label("Password of user “grafana”");
    field.click();
    field.type_text(PASSWORD);
    harness.run_steps(2);
    harness.get_by_label("Store in keyring").click();

    step_until(&mut harness, "data with the stored password", |app| {
        let health = app.session().health().get("prom");
        health.is_some_and(|h| h.failing.is_none() && h.last_ok.is_some())
    });
    assert_eq!(
        keyring.lookup("fleetdeck", &account).as_deref(),
        Some(PASSWORD)
    );
    step_until(&mut harness, "the layout saved", |_| {
        std::fs::read_to_string(&path).is_ok_and(|t| t.contains("password_keyring"))
    });
    let saved = std::fs::read_to_string(&path).unwrap();
    assert!(
        saved.contains(&format!(
            r#"basic_auth = {{ username = "grafana", password_keyring = "fleetdeck/{account}" }}   # the password is asked for"#
        )),
        "{saved}"
    );
    assert!(saved.starts_with("# Production metrics:"), "{saved}");
    assert!(!saved.contains(PASSWORD), "{saved}");
    assert!(
        harness.query_by_label_contains("refused source").is_none(),
        "the strip is gone once the server takes the password"
    );
    harness.get_by_label_contains("stored in the keyring as fleetdeck/");

    // The clipboard's "Copy link" names the layout, never what it reads.
    harness.get_by_label("Copy link").click();
    harness.step();
    let link = copied(&harness).expect("a command line on the clipboard");
    assert!(link.contains("protected.toml"), "{link}");
    assert!(!link.contains(PASSWORD), "{link}");
}
