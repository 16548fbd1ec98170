//! Alarms a team shares through a real Alertmanager (Debian's): two windows on
//! one layout post its firing rule once between them; an acknowledgement in one
//! is a silence the other shows within a refresh and `amtool` lists with author
//! and comment; expiring it ends the acknowledgement in both; and with
//! Alertmanager stopped and started again, the firing comes back to it.

use crate::support;
use chrono::{DateTime, TimeZone, Utc};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use fleetdeck::alarm::{Alarm, AlarmState};
use fleetdeck::app::{AppOptions, FleetApp};
use fleetdeck::clock::{Clock, DisplayZone};
use fleetdeck::layout::load_layout;
use std::path::Path;
use std::process::Command as Process;

const P99: &str = "p99 latency high · meta-llama/Llama-3.1-70B-Instruct";

/// When the demo's Llama 70B incident has the p99 rule firing.
fn during_incident() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 6, 26, 0).unwrap()
}

/// The demo layout, sharing its alarms through the Alertmanager at `url`.
fn shared_layout(dir: &Path, url: &str) -> std::path::PathBuf {
    let (path, text) = support::demo_layout_copy(dir);
    let text = text.replacen(
        "operations = [\"fleet\"]\n",
        "operations = [\"fleet\"]\nalertmanager = \"team\"\n",
        1,
    ) + &format!("\n[sources.team]\nkind = \"alertmanager\"\nurl = \"{url}\"\n");
    std::fs::write(&path, text).unwrap();
    path
}

fn window(path: &Path, runtime: &tokio::runtime::Runtime) -> Harness<'static, FleetApp> {
    let options = AppOptions {
        clock: Clock::Fixed(during_incident()),
        zone: DisplayZone::Utc,
        ..AppOptions::default()
    };
    let app =
        FleetApp::new(load_layout(path).unwrap(), options).with_runtime(runtime.handle().clone());
    support::harness_builder()
        .with_size([1280.0, 800.0])
        .build_eframe(|_| app)
}

fn p99(app: &FleetApp) -> Option<Alarm> {
    app.session()
        .alarms()
        .local()
        .iter()
        .find(|a| a.name == P99 && a.state == AlarmState::Firing)
        .cloned()
}

/// Steps both windows until `done` holds of them.
fn step_both(
    a: &mut Harness<'_, FleetApp>,
    b: &mut Harness<'_, FleetApp>,
    what: &str,
    done: impl Fn(&FleetApp, &FleetApp) -> bool,
) {
    support::wait_until(what, || {
        a.step();
        b.step();
        std::thread::sleep(std::time::Duration::from_millis(20));
        done(a.state(), b.state())
    });
}

/// The alerts Alertmanager holds named `p99 latency high` for Llama 70B.
fn p99_alerts(alertmanager: &support::Server) -> Vec<serde_json::Value> {
    let Some((200, body)) = support::http_get(alertmanager.address, "/api/v2/alerts") else {
        return Vec::new();
    };
    let alerts: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap_or_default();
    alerts
        .into_iter()
        .filter(|a| {
            a["labels"]["alertname"] == "p99 latency high"
                && a["labels"]["model_name"] == "meta-llama/Llama-3.1-70B-Instruct"
        })
        .collect()
}

fn amtool(alertmanager: &support::Server, args: &[&str]) -> String {
    let output = Process::new(support::require("amtool", "prometheus-alertmanager"))
        .args(args)
        .arg(format!("--alertmanager.url={}", alertmanager.url()))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "amtool {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn acknowledged(app: &FleetApp) -> bool {
    p99(app).is_some_and(|alarm| app.is_acknowledged(&alarm))
}

#[test]
fn two_windows_share_one_alert_and_an_acknowledgement_is_a_silence_both_see() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut alertmanager = support::alertmanager();
    let dir = tempfile::tempdir().unwrap();
    let path = shared_layout(dir.path(), &alertmanager.url());
    let mut a = window(&path, &runtime);
    let mut b = window(&path, &runtime);

    // Both windows post the firing rule: Alertmanager holds it once.
    step_both(&mut a, &mut b, "the firing rule in Alertmanager", |a, b| {
        p99(a).is_some() && p99(b).is_some() && !p99_alerts(&alertmanager).is_empty()
    });
    let alerts = p99_alerts(&alertmanager);
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let labels = &alerts[0]["labels"];
    assert_eq!(labels["severity"], "critical");
    assert_eq!(labels["layout"], "AI fleet — overview (simulated)");
    assert_eq!(labels["panel"], "p99-end-to-end-latency-by-model");
    assert!(
        alerts[0]["annotations"]["summary"]
            .as_str()
            .is_some_and(|s| s.contains("> 12 s")),
        "{alerts:?}"
    );

    // Acknowledged in one window, for four hours, through its dialog: the other
    // window shows it within a refresh.
    a.run_steps(3);
    // The rows: the critical p99 alarm first.
    a.get_all_by_label("Ack").next().unwrap().click_accesskit();
    a.run_steps(2);
    a.get_by_label("Acknowledge for everyone");
    a.get_by_label("For").click_accesskit();
    a.run_steps(2);
    a.get_by_label("4 hours").click_accesskit();
    a.run_steps(2);
    a.get_by_label("Silence").click_accesskit();
    a.run_steps(2);
    step_both(
        &mut a,
        &mut b,
        "the acknowledgement in both windows",
        |a, b| acknowledged(a) && acknowledged(b),
    );
    let listed = amtool(&alertmanager, &["silence", "query", "-o", "extended"]);
    let author = std::env::var("FLEETDECK_USER")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "fleetdeck".to_owned());
    assert!(listed.contains("acknowledged in fleetdeck"), "{listed}");
    assert!(listed.contains(&author), "{listed}");
    assert!(listed.contains("p99 latency high"), "{listed}");
    let (_, body) = support::http_get(alertmanager.address, "/api/v2/silences").unwrap();
    let silences: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    let at = |field: &str| {
        DateTime::parse_from_rfc3339(silences[0][field].as_str().unwrap())
            .unwrap()
            .to_utc()
    };
    let lasts = at("endsAt") - at("startsAt");
    assert!(
        (lasts.num_minutes() - 240).abs() <= 1,
        "a four-hour silence: {lasts}"
    );

    // Expired (here with amtool, as an expiry would): acknowledged nowhere.
    let id = amtool(&alertmanager, &["silence", "query", "-q"]);
    amtool(&alertmanager, &["silence", "expire", id.trim()]);
    step_both(
        &mut a,
        &mut b,
        "the acknowledgement ended in both",
        |a, b| !acknowledged(a) && !acknowledged(b),
    );

    // Alertmanager down: the alarm still fires here and the status bar says so.
    alertmanager.kill();
    step_both(&mut a, &mut b, "the outage noticed", |a, _| {
        a.session()
            .share_state()
            .is_some_and(|s| s.unreachable.is_some())
    });
    a.run_steps(2);
    a.get_by_label_contains("alertmanager: unreachable since");
    assert!(p99(a.state()).is_some());
    // Back (with nothing in memory): the firing reaches it again, nothing lost.
    alertmanager.restart();
    step_both(&mut a, &mut b, "the firing sent again", |a, _| {
        a.session()
            .share_state()
            .is_some_and(|s| s.unreachable.is_none())
            && p99_alerts(&alertmanager).len() == 1
    });
}
